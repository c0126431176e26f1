package api

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzStatusForm feeds the status request decoder any body under any of
// the content types apps send: it never panics, and what it accepts is
// text the rules can read (UTF-8, a bounded number of media IDs).
func FuzzStatusForm(f *testing.F) {
	f.Add("application/json", `{"status":"hi","media_ids":["a",1],"sensitive":"true","in_reply_to_id":12}`)
	f.Add("application/json", `{"status":null,"poll":{"options":["a"]}}`)
	f.Add("application/json", `{"status":"\ud800"}`)
	f.Add("application/x-www-form-urlencoded", "status=hi&media_ids[]=a&media_ids[]=b&visibility=private&sensitive=1")
	f.Add("application/x-www-form-urlencoded", "status=%ff%fe&poll[options][]=x")
	f.Add("multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nhello\r\n--X--\r\n")
	f.Add("text/plain", "status=hi")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r, err := http.NewRequest("POST", "/api/v1/statuses", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Content-Type", contentType)
		sf, err := decodeStatusForm(r)
		if err != nil {
			return
		}
		for _, s := range append([]string{sf.Status, sf.SpoilerText, sf.Visibility, sf.InReplyToID, sf.Language}, sf.MediaIDs...) {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted text that is not UTF-8: %q", s)
			}
		}
		if len(sf.MediaIDs) > maxMediaIDs {
			t.Fatalf("accepted %d media IDs", len(sf.MediaIDs))
		}
		if len(sf.MediaIDs) > 0 && !sf.MediaGiven {
			t.Fatal("media IDs without MediaGiven")
		}
	})
}
