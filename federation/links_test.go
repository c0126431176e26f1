package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

func TestLinksBack(t *testing.T) {
	base, _ := url.Parse("https://blog.example/about/")
	profiles := []string{"https://majlis.example/@amal", "https://majlis.example/users/amal"}
	tests := []struct {
		name string
		page string
		want bool
	}{
		{"a rel=me to the profile", `<p><a rel="me" href="https://majlis.example/@amal">me</a></p>`, true},
		{"link rel=me to the actor", `<head><link rel="me" href="https://majlis.example/users/amal"></head>`, true},
		{"rel among others, case, trailing slash", `<a rel="nofollow ME" href="HTTPS://Majlis.Example/@amal/">x</a>`, true},
		{"no rel=me", `<a href="https://majlis.example/@amal">me</a>`, false},
		{"rel=me elsewhere", `<a rel="me" href="https://other.example/@amal">x</a>`, false},
		{"another member", `<a rel="me" href="https://majlis.example/@amalia">x</a>`, false},
		{"rel=me-ish", `<a rel="meh" href="https://majlis.example/@amal">x</a>`, false},
		{"in a comment", `<!-- <a rel="me" href="https://majlis.example/@amal">x</a> -->`, false},
		{"in a script", `<script>var s = '<a rel="me" href="https://majlis.example/@amal">';</script>`, false},
		{"relative href on the same host", `<a rel="me" href="/@amal">x</a>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LinksBack(strings.NewReader(tt.page), base, profiles); got != tt.want {
				t.Errorf("LinksBack(%q) = %v, want %v", tt.page, got, tt.want)
			}
		})
	}
}

// TestVerifyLinks checks members' links against real pages: verified
// when the page links back with rel="me", not when it does not, is not
// HTML, is missing or too slow; a re-check that no longer finds the link
// back takes the mark away, one that still finds it keeps the first day.
func TestVerifyLinks(t *testing.T) {
	rg := newRig(t)
	profile := rg.uris.Profile("amal")
	pages := map[string]struct {
		ctype, body string
	}{
		"/yes":      {"text/html; charset=utf-8", `<html><head><link rel="me" href="` + profile + `"></head><body>hi</body></html>`},
		"/no":       {"text/html", `<html><body><a href="` + profile + `">not rel me</a></body></html>`},
		"/text":     {"text/plain", `<a rel="me" href="` + profile + `">x</a>`},
		"/late":     {"text/html", strings.Repeat("<p>filler</p>", linkPageBytes/13+1) + `<a rel="me" href="` + profile + `">x</a>`},
		"/redirect": {"", ""},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" && pages["/redirect"].ctype == "" {
			http.Redirect(w, r, "/yes", http.StatusFound)
			return
		}
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", p.ctype)
		w.Write([]byte(p.body))
	}))
	defer srv.Close()

	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	v := NewLinkVerifier(rg.db, Guard{AllowPrivate: true, AllowHTTP: true}, rg.uris, "test", func() time.Time { return now }, nil)
	amal := rg.member(t, "amal", false)
	links := []storage.ProfileLink{
		{Label: "yes", URL: srv.URL + "/yes"}, {Label: "no", URL: srv.URL + "/no"},
		{Label: "text", URL: srv.URL + "/text"}, {Label: "late", URL: srv.URL + "/late"},
		{Label: "gone", URL: srv.URL + "/gone"}, {Label: "redirect", URL: srv.URL + "/redirect"},
	}
	if _, err := rg.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Links: links}); err != nil {
		t.Fatal(err)
	}
	due, err := rg.db.LinksToCheck(now.Add(-24*time.Hour), 10)
	if err != nil || len(due) != 1 || due[0] != amal.ID {
		t.Fatalf("due after a change: %v %v, want amal", due, err)
	}
	v.CheckDue(context.Background())
	u, _ := rg.db.UserByID(amal.ID)
	want := map[string]bool{"yes": true, "redirect": true}
	for _, l := range u.Links {
		if got := !l.VerifiedAt.IsZero(); got != want[l.Label] {
			t.Errorf("link %q verified %v, want %v", l.Label, got, want[l.Label])
		}
	}
	if !u.LinksCheckedAt.Equal(now) {
		t.Errorf("checked at %v, want %v", u.LinksCheckedAt, now)
	}
	if due, _ := rg.db.LinksToCheck(now.Add(-24*time.Hour), 10); len(due) != 0 {
		t.Errorf("due right after the check: %v", due)
	}

	// A day later: the page dropped its link back; the other keeps its
	// first day.
	first := now
	now = now.Add(25 * time.Hour)
	pages["/redirect"] = struct{ ctype, body string }{"text/html", "<p>moved on</p>"}
	if due, _ := rg.db.LinksToCheck(now.Add(-24*time.Hour), 10); len(due) != 1 {
		t.Fatalf("due a day later: %v, want amal", due)
	}
	v.CheckDue(context.Background())
	u, _ = rg.db.UserByID(amal.ID)
	for _, l := range u.Links {
		switch l.Label {
		case "yes":
			if !l.VerifiedAt.Equal(first) {
				t.Errorf("re-verified link: %v, want the first day %v", l.VerifiedAt, first)
			}
		case "redirect":
			if !l.VerifiedAt.IsZero() {
				t.Errorf("a page without the link back any more is still verified")
			}
		}
	}

	// Saving the profile keeps the verification of unchanged addresses;
	// a new address is due at once.
	u, err = rg.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Links: []storage.ProfileLink{{Label: "yes", URL: srv.URL + "/yes"}}})
	if err != nil || u.Links[0].VerifiedAt.IsZero() {
		t.Fatalf("an unchanged link lost its mark: %+v %v", u.Links, err)
	}
	u, _ = rg.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Links: []storage.ProfileLink{{Label: "yes", URL: srv.URL + "/yes?x"}}})
	if !u.Links[0].VerifiedAt.IsZero() || !u.LinksCheckedAt.IsZero() {
		t.Errorf("a changed link kept a mark or is not due: %+v", u)
	}
}

// TestVerifyLinksRefusesWithoutGuard: the default guard refuses pages on
// loopback, so a member cannot make the server probe its own network.
func TestVerifyLinksRefusesWithoutGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<a rel="me" href="https://majlis.example/@amal">x</a>`))
	}))
	defer srv.Close()
	v := NewLinkVerifier(nil, Guard{AllowHTTP: true}, NewURIs("https://majlis.example"), "", nil, nil)
	ok, err := v.Check(context.Background(), srv.URL+"/", []string{"https://majlis.example/@amal"})
	if ok || err == nil {
		t.Errorf("Check on loopback: %v, %v; want refused", ok, err)
	}
}

func TestRemoteFieldsImported(t *testing.T) {
	rg := newRig(t)
	key, _ := testKeys(t)
	id := rg.remote.actor(t, "rami", key, map[string]any{"attachment": []any{
		map[string]any{"type": "PropertyValue", "name": "Blog <b>x</b>", "value": `<a href="https://rami.example" rel="me nofollow">rami.example</a><script>alert(1)</script>`},
		map[string]any{"type": "PropertyValue", "name": "Pronouns", "value": "he/him"},
		map[string]any{"type": "PropertyValue", "name": "", "value": "no name"},
		map[string]any{"type": "Image", "url": "https://x.example/a.png"},
	}})
	u, err := rg.res.Actor(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.RemoteFields) != 2 {
		t.Fatalf("fields %+v, want 2", u.RemoteFields)
	}
	if f := u.RemoteFields[0]; f.Name != "Blog x" || strings.Contains(f.ValueHTML, "script") || !strings.Contains(f.ValueHTML, `href="https://rami.example"`) {
		t.Errorf("field 1 = %+v, want the name as text and the value sanitized", f)
	}
	if f := u.RemoteFields[1]; f.Name != "Pronouns" || f.ValueHTML != "he/him" {
		t.Errorf("field 2 = %+v", f)
	}
}

// TestVerifyRemoteFields: a remote account's links are checked here, by
// this instance's rule (the page links back to the account with
// rel="me"), when its fields first arrive or change; a refetch with the
// same fields keeps their marks and asks for no new check.
func TestVerifyRemoteFields(t *testing.T) {
	rg := newRig(t)
	key, _ := testKeys(t)
	id := rg.remote.url("/users/rami")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/yes":
			w.Write([]byte(`<a rel="me" href="` + id + `">me</a>`))
		default:
			w.Write([]byte(`<a href="` + id + `">not rel=me</a>`))
		}
	}))
	defer srv.Close()
	field := func(name, href string) map[string]any {
		return map[string]any{"type": "PropertyValue", "name": name, "value": `<a href="` + href + `" rel="me nofollow">` + href + `</a>`}
	}
	var asked []storage.ID
	rg.res.LinksChanged = func(id storage.ID) { asked = append(asked, id) }
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	v := NewLinkVerifier(rg.db, Guard{AllowPrivate: true, AllowHTTP: true}, rg.uris, "test", func() time.Time { return now }, nil)
	ctx := context.Background()

	rg.remote.actor(t, "rami", key, map[string]any{"attachment": []any{
		field("Site", srv.URL+"/yes"), field("Other", srv.URL+"/no"),
		map[string]any{"type": "PropertyValue", "name": "Pronouns", "value": "he/him"},
	}})
	u, err := rg.res.Actor(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != u.ID {
		t.Fatalf("checks asked for %v, want rami's", asked)
	}
	if err := v.VerifyUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	u, _ = rg.db.UserByID(u.ID)
	want := map[string]bool{"Site": true}
	for _, f := range u.RemoteFields {
		if got := !f.VerifiedAt.IsZero(); got != want[f.Name] {
			t.Errorf("field %q verified %v, want %v", f.Name, got, want[f.Name])
		}
	}

	// Fetched again unchanged: the mark stays, no new check.
	if _, err := rg.res.RefreshActor(ctx, id); err != nil {
		t.Fatal(err)
	}
	u, _ = rg.db.UserByID(u.ID)
	if len(asked) != 1 || u.RemoteFields[0].VerifiedAt.IsZero() {
		t.Errorf("after an unchanged refetch: asked %d checks, Site verified at %v", len(asked), u.RemoteFields[0].VerifiedAt)
	}
}

func TestNewFieldValues(t *testing.T) {
	f := func(values ...string) []storage.RemoteField {
		var out []storage.RemoteField
		for _, v := range values {
			out = append(out, storage.RemoteField{Name: "n", ValueHTML: v})
		}
		return out
	}
	tests := []struct {
		name          string
		stored, fresh []storage.RemoteField
		want          bool
	}{
		{"none", nil, nil, false},
		{"the same", f("a", "b"), f("a", "b"), false},
		{"reordered", f("a", "b"), f("b", "a"), false},
		{"a value changed", f("a", "b"), f("a", "c"), true},
		{"one more", f("a"), f("a", "b"), true},
		{"one fewer", f("a", "b"), f("a"), true},
	}
	for _, tt := range tests {
		if got := newFieldValues(tt.stored, tt.fresh); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
