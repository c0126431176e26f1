package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"majlis/social"
	"majlis/storage"
)

// updateGolden rewrites the golden files under testdata/ (go test ./api
// -update). One flag for the whole package's tests.
var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

const accBase = "https://majlis.example"

// accRig is a server with the accounts endpoints over a real file, its
// clock fixed so that IDs and dates (and so the golden files) repeat.
type accRig struct {
	t   *testing.T
	db  *storage.DB
	soc *social.Service
	api *API
	srv *httptest.Server
	fed *fakeLookup
}

// fakeLookup stands for the federation resolver: the accounts it knows
// by "@name@host", stored as remote accounts when looked up.
type fakeLookup struct {
	db    *storage.DB
	known map[string]storage.User
	calls int
}

func (f *fakeLookup) Lookup(_ context.Context, q string) (storage.User, error) {
	f.calls++
	u, ok := f.known[q]
	if !ok {
		return storage.User{}, storage.ErrNotFound
	}
	if err := f.db.PutRemoteUser(&u); err != nil {
		return storage.User{}, err
	}
	return u, nil
}

func (f *fakeLookup) LookupPost(context.Context, string) (storage.Post, error) {
	return storage.Post{}, storage.ErrNotFound
}

func newAccRig(t *testing.T) *accRig {
	t.Helper()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("storage.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	soc := social.New(db, social.Config{BaseURL: accBase, Now: clock})
	fed := &fakeLookup{db: db, known: map[string]storage.User{}}
	a := New(Config{
		DB: db, Social: soc, Federation: fed, BaseURL: accBase, SiteName: "Majlis",
		MaxUploadBytes: 1 << 20, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	mux := http.NewServeMux()
	a.accountsRoutes(mux)
	a.listsRoutes(mux) // the start-up lists: filters, lists, followed tags
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &accRig{t: t, db: db, soc: soc, api: a, srv: srv, fed: fed}
}

// member creates a local account (the first one is the instance's admin).
func (g *accRig) member(name string, edit ...func(*storage.User)) storage.User {
	g.t.Helper()
	u := storage.User{Username: name, URI: g.soc.UserURI(name)}
	for _, e := range edit {
		e(&u)
	}
	if err := g.db.CreateUser(&u); err != nil {
		g.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

// remote stores another server's account.
func (g *accRig) remote(name, domain string) storage.User {
	g.t.Helper()
	u := storage.User{
		Username: name, Domain: domain, DisplayName: "Remote " + name,
		URI:   "https://" + domain + "/users/" + name,
		Inbox: "https://" + domain + "/users/" + name + "/inbox", ProfileURL: "https://" + domain + "/@" + name,
		BioHTML: "<p>From elsewhere</p>", XRobotsTag: "noindex",
	}
	if err := g.db.PutRemoteUser(&u); err != nil {
		g.t.Fatalf("PutRemoteUser: %v", err)
	}
	return u
}

// reload reads an account as it is now.
func (g *accRig) reload(u storage.User) storage.User {
	g.t.Helper()
	u, err := g.db.UserByID(u.ID)
	if err != nil {
		g.t.Fatalf("UserByID: %v", err)
	}
	return u
}

// token makes a token of u's with these scopes (an app's own token for
// a zero u).
func (g *accRig) token(u storage.User, scopes ...string) string {
	g.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"read", "write", "follow", "push"}
	}
	app := storage.OAuthApp{Name: "t", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: []string{"read", "write", "follow", "push"}}
	if _, err := g.db.CreateApp(&app); err != nil {
		g.t.Fatalf("CreateApp: %v", err)
	}
	tok := storage.OAuthToken{AppID: app.ID, UserID: u.ID, Scopes: scopes}
	secret, err := g.db.CreateToken(&tok)
	if err != nil {
		g.t.Fatalf("CreateToken: %v", err)
	}
	return secret
}

// response is an answer read whole.
type response struct {
	code   int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorText is the message of a Mastodon error answer.
func (r response) errorText(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	r.decode(t, &e)
	return e.Error
}

// do sends a request with token ("" for none); body is sent as
// contentType.
func (g *accRig) do(method, path, token string, body io.Reader, contentType string) response {
	g.t.Helper()
	req, err := http.NewRequest(method, g.srv.URL+path, body)
	if err != nil {
		g.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := g.srv.Client().Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		g.t.Fatal(err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: b}
}

func (g *accRig) get(path, token string) response { return g.do("GET", path, token, nil, "") }

// form sends a urlencoded form.
func (g *accRig) form(method, path, token, form string) response {
	return g.do(method, path, token, strings.NewReader(form), "application/x-www-form-urlencoded")
}

// json sends a JSON body.
func (g *accRig) json(method, path, token, body string) response {
	return g.do(method, path, token, strings.NewReader(body), "application/json")
}

// wantCode fails the test when the answer's status is not want.
func (r response) wantCode(t *testing.T, want int) response {
	t.Helper()
	if r.code != want {
		t.Fatalf("status: got %d (%s), want %d", r.code, r.body, want)
	}
	return r
}

// golden compares an answer's JSON, indented, with testdata/name.json.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v: %s", name, err, body)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name+".json")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./api -update to write it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, buf.Bytes(), want)
	}
}
