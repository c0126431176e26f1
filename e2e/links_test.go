package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"majlis/federation"
	"majlis/storage"
)

// TestVerifiedLinkMark: a profile link whose page links back with
// rel="me" shows a mark, titled with the day it was verified; the other
// link shows none.
func TestVerifiedLinkMark(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "Amal")
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/me" {
			w.Write([]byte(`<html><head><link rel="me" href="` + h.baseURL + `/@amal"></head><body>Amal's page</body></html>`))
			return
		}
		w.Write([]byte(`<html><body>someone else</body></html>`))
	}))
	defer page.Close()
	if _, err := h.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Links: []storage.ProfileLink{
		{Label: "Home", URL: page.URL + "/me"}, {Label: "Elsewhere", URL: page.URL + "/other"},
	}}); err != nil {
		t.Fatal(err)
	}
	v := federation.NewLinkVerifier(h.db, federation.Guard{AllowPrivate: true, AllowHTTP: true},
		federation.NewURIs(h.baseURL), "test", time.Now, nil)
	if err := v.VerifyUser(context.Background(), amal.ID); err != nil {
		t.Fatal(err)
	}
	b := h.newTab("visitor", true)
	b.open("/@amal")
	if n := b.count(`[data-testid="verified-mark"]`); n != 1 {
		t.Fatalf("%d verified marks, want 1", n)
	}
	title := eval[string](b, `document.querySelector('[data-testid="profile-field"].verified [data-testid="verified-mark"]').getAttribute("title")`)
	if !strings.HasPrefix(title, "Verified on ") {
		t.Errorf("mark title %q, want it to say when", title)
	}
	if got := eval[string](b, `document.querySelector('[data-testid="profile-field"].verified a').textContent`); !strings.HasSuffix(got, "/me") {
		t.Errorf("the verified link is %q, want the one that links back", got)
	}
	b.saveScreenshot("verified-link")
}
