package handlers

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// Fuzz targets for the outside input of conversations: the card id sent
// back by the action forms, and the Referer an action returns to (content
// warnings and the visibility select: social/posts_test.go). Run one with
//
//	go test ./handlers -run '^$' -fuzz '^FuzzCardParam$' -fuzztime 20s

// FuzzCardParam: the card id is either one the views make or the
// fallback, so it can go into an element id and a URL fragment as is.
func FuzzCardParam(f *testing.F) {
	for _, s := range []string{"", "post-1", "pinned-post-12", "post-", "x\"><script>", "post-1#x", "pinned-pinned-post-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, card string) {
		r := httptest.NewRequest("GET", "/?card="+url.QueryEscape(card), nil)
		got := cardParam(r, "post-7")
		if got != "post-7" && got != card {
			t.Errorf("cardParam(%q) = %q", card, got)
		}
		if !cardPattern.MatchString(got) {
			t.Errorf("cardParam(%q) = %q, not a card id", card, got)
		}
	})
}

// FuzzBackTo: an action returns only to a local path of this site.
func FuzzBackTo(f *testing.F) {
	for _, s := range []string{
		"", "http://majlis.test/local", "http://majlis.test//evil.example/", "https://evil.example/",
		"http://majlis.test/\\evil", "javascript:alert(1)", "http://user@majlis.test/", "/local", "http://majlis.test",
	} {
		f.Add(s)
	}
	h := &Handler{cfg: Config{BaseURL: "http://majlis.test"}}
	f.Fuzz(func(t *testing.T, ref string) {
		r := httptest.NewRequest("POST", "http://majlis.test/@a/1/like", nil)
		r.Header.Set("Referer", ref)
		got := h.backTo(r, "/@a/1")
		if !isLocalPath(got) || safeNext(got) != got {
			t.Errorf("backTo(Referer %q) = %q, not a local path", ref, got)
		}
	})
}
