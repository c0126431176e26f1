package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzReadParams feeds the parameter reader any body, as JSON, a form and
// a multipart form: it never panics, and whatever it reads, the rows of a
// list of objects stay within the numbers it accepts.
func FuzzReadParams(f *testing.F) {
	f.Add("application/json", `{"note":"x","source":{"privacy":"private"},"fields_attributes":[{"name":"a","value":"b"}],"id":["1","2"]}`)
	f.Add("application/x-www-form-urlencoded", "fields_attributes[0][name]=a&fields_attributes[0][value]=b&fields_attributes[][name]=c&id[]=1")
	f.Add("application/json", `[1,2]`)
	f.Add("application/json", `{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}`)
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--x--\r\n")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest(http.MethodPatch, "/api/v1/accounts/update_credentials?x=1", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		p, cleanup, err := readParams(w, r, 64<<10)
		defer cleanup()
		if err != nil {
			return
		}
		if len(p.rows("fields_attributes", "name", "value")) > 1001+len(body) {
			t.Errorf("more rows than the body could hold")
		}
		p.list("id")
		p.flag("locked")
		p.file("avatar")
	})
}
