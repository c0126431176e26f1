package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestInterfaceLanguage: the interface follows the member's setting, else
// the browser's Accept-Language, else the instance default, and says so
// in <html lang dir>.
func TestInterfaceLanguage(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")

	htmlOf := func(c *client, path, accept string) (lang, dir, nav string) {
		t.Helper()
		var hdr http.Header
		if accept != "" {
			hdr = http.Header{"Accept-Language": {accept}}
		}
		resp := c.do(http.MethodGet, path, nil, hdr)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
			t.Errorf("GET %s: Vary = %q, want Accept-Language in it", path, resp.Header.Values("Vary"))
		}
		h := oneByTag(t, resp.Doc(), "html")
		return attr(h, "lang"), attr(h, "dir"), text(oneByTag(t, resp.Doc(), "nav"))
	}

	visitor := srv.newClient(t)
	for _, tc := range []struct {
		accept, lang, dir, label string
	}{
		{"", "en", "ltr", "Local"},
		{"en-US,en;q=0.9", "en", "ltr", "Log in"},
		{"ar-EG,ar;q=0.9,en;q=0.5", "ar", "rtl", "المحلي"},
		{"fr;q=1, ar;q=0.8, en;q=0.3", "ar", "rtl", "تسجيل الدخول"},
	} {
		lang, dir, nav := htmlOf(visitor, "/local", tc.accept)
		if lang != tc.lang || dir != tc.dir || !strings.Contains(nav, tc.label) {
			t.Errorf("Accept-Language %q: <html lang=%q dir=%q>, nav %q; want %s, %s, %q", tc.accept, lang, dir, nav, tc.lang, tc.dir, tc.label)
		}
	}

	// The member's setting wins over the browser.
	c := peopleClient(t, srv, "amal")
	form := validProfileForm()
	form.Set("language", "ar")
	if resp := c.postForm("/settings", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save language: %d; body:\n%s", resp.StatusCode, resp.body)
	}
	if lang, dir, nav := htmlOf(c, "/", "en"); lang != "ar" || dir != "rtl" || !strings.Contains(nav, "الرئيسية") {
		t.Errorf("member chose Arabic: <html lang=%q dir=%q>, nav %q", lang, dir, nav)
	}
	settings := c.get("/settings").Doc()
	if sel := oneByTestID(t, settings, "field-language"); !strings.Contains(innerHTML(sel), `value="ar" lang="ar" selected=""`) {
		t.Errorf("the language select does not show Arabic chosen: %s", innerHTML(sel))
	}

	// Back to automatic: the browser decides again.
	form.Set("language", "")
	if resp := c.postForm("/settings", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save automatic language: %d", resp.StatusCode)
	}
	if lang, _, _ := htmlOf(c, "/", "en"); lang != "en" {
		t.Errorf("automatic language with an English browser: lang %q, want en", lang)
	}

	// A language the instance does not offer is refused.
	form.Set("language", "xx")
	resp := c.postForm("/settings", form, nil)
	if resp.StatusCode != http.StatusBadRequest || len(byTestID(resp.Doc(), "error-language")) != 1 {
		t.Errorf("language xx: got %d, want 400 with the field marked", resp.StatusCode)
	}
}
