package handlers_test

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

// TestVerifiedProfileLinks: a link whose page links back to the profile
// with rel="me" shows a mark titled with the day; one whose page does not
// shows none; a remote account's fields show, sanitized.
func TestVerifiedProfileLinks(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/mine" {
			w.Write([]byte(`<html><head><link rel="me" href="` + testBaseURL + `/@amal"></head></html>`))
			return
		}
		w.Write([]byte(`<html><body><a href="` + testBaseURL + `/@amal">no rel</a></body></html>`))
	}))
	defer page.Close()
	c := srv.newClient(t)
	c.login("amal", "password-amal")
	if _, err := srv.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Links: []storage.ProfileLink{
		{Label: "Blog", URL: page.URL + "/mine"}, {Label: "Other", URL: page.URL + "/theirs"},
	}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	v := federation.NewLinkVerifier(srv.db, federation.Guard{AllowPrivate: true, AllowHTTP: true},
		federation.NewURIs(testBaseURL), "test", func() time.Time { return at }, nil)
	if err := v.VerifyUser(context.Background(), amal.ID); err != nil {
		t.Fatal(err)
	}
	for _, who := range []*client{c, srv.newClient(t)} {
		doc := who.get("/@amal").Doc()
		fields := byTestID(doc, "profile-field")
		if len(fields) != 2 {
			t.Fatalf("%d profile fields, want 2", len(fields))
		}
		marks := byTestID(fields[0], "verified-mark")
		if len(marks) != 1 || !strings.Contains(attr(marks[0], "title"), "Verified on Dec 7, 2026") {
			t.Errorf("the verified link's mark: %d, title %q", len(marks), attr(marks[0], "title"))
		}
		if n := len(byTestID(fields[1], "verified-mark")); n != 0 {
			t.Errorf("the link without rel=me back has %d marks", n)
		}
	}

	rami := storage.User{Username: "rami", Domain: "remote.example", URI: "https://remote.example/users/rami",
		Inbox:        "https://remote.example/users/rami/inbox",
		RemoteFields: []storage.RemoteField{{Name: "Pronouns", ValueHTML: "he/him"}, {Name: "Site", ValueHTML: `<a href="https://rami.example" rel="nofollow noopener ugc" target="_blank">rami.example</a>`}}}
	if err := srv.db.PutRemoteUser(&rami); err != nil {
		t.Fatal(err)
	}
	doc := c.get("/@rami@remote.example").Doc()
	values := byTestID(doc, "profile-field-value")
	if len(values) != 2 || text(values[0]) != "he/him" || len(byTag(values[1], "a")) != 1 {
		t.Errorf("remote fields shown: %d", len(values))
	}
}
