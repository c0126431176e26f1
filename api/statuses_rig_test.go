package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"majlis/social"
	"majlis/storage"
)

// The rig of the statuses endpoints' tests: a real bbolt file, the real
// actions, and the statuses routes on a test server.

func init() {
	// The accounts endpoints' tests define the same flag; whichever file
	// comes first defines it.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

const stBase = "https://majlis.example"

type stRig struct {
	t   *testing.T
	db  *storage.DB
	soc *social.Service
	api *API
	srv *httptest.Server
	fed *stLookup
	now *time.Time
}

// stLookup stands for the federation resolver: it knows what a test
// stored in it.
type stLookup struct {
	// users are made (stored here) when they are looked up, as the
	// resolver fetches them.
	users map[string]func() storage.User
	posts map[string]storage.Post
}

func (f *stLookup) Lookup(_ context.Context, q string) (storage.User, error) {
	if u, ok := f.users[strings.TrimPrefix(q, "@")]; ok {
		return u(), nil
	}
	return storage.User{}, storage.ErrNotFound
}

func (f *stLookup) LookupPost(_ context.Context, uri string) (storage.Post, error) {
	if p, ok := f.posts[uri]; ok {
		return p, nil
	}
	return storage.Post{}, storage.ErrNotFound
}

func newStRig(t *testing.T) *stRig {
	t.Helper()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	g := &stRig{t: t, now: &now}
	clock := func() time.Time { return *g.now }
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{Now: clock, Logger: quiet})
	if err != nil {
		t.Fatalf("storage.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	g.db = db
	g.soc = social.New(db, social.Config{BaseURL: stBase, Now: clock})
	g.fed = &stLookup{users: map[string]func() storage.User{}, posts: map[string]storage.Post{}}
	g.api = New(Config{DB: db, Social: g.soc, Federation: g.fed, BaseURL: stBase, SiteName: "Majlis",
		MaxUploadBytes: 1 << 20, Now: clock, Logger: quiet})
	mux := http.NewServeMux()
	g.api.statusesRoutes(mux)
	pollRoutes(g.api, mux)
	quoteRoutes(g.api, mux)
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

// tick moves the clock on, so that what follows sorts after.
func (g *stRig) tick() { *g.now = g.now.Add(time.Second) }

func (g *stRig) member(name string) storage.User {
	g.t.Helper()
	u := storage.User{Username: name, URI: g.soc.UserURI(name), DisplayName: strings.ToUpper(name[:1]) + name[1:]}
	if err := g.db.CreateUser(&u); err != nil {
		g.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func (g *stRig) remote(name, domain string) storage.User {
	g.t.Helper()
	u := storage.User{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name,
		ProfileURL: "https://" + domain + "/@" + name, Inbox: "https://" + domain + "/users/" + name + "/inbox"}
	if err := g.db.PutRemoteUser(&u); err != nil {
		g.t.Fatalf("PutRemoteUser: %v", err)
	}
	return u
}

func (g *stRig) user(u storage.User) storage.User {
	g.t.Helper()
	fresh, err := g.db.UserByID(u.ID)
	if err != nil {
		g.t.Fatal(err)
	}
	return fresh
}

// token is a member's token with scopes (read, write, follow by default).
func (g *stRig) token(u storage.User, scopes ...string) string {
	g.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"read", "write", "follow"}
	}
	app := storage.OAuthApp{Name: "t", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: scopes}
	if _, err := g.db.CreateApp(&app); err != nil {
		g.t.Fatal(err)
	}
	tok := storage.OAuthToken{AppID: app.ID, UserID: u.ID, Scopes: scopes}
	secret, err := g.db.CreateToken(&tok)
	if err != nil {
		g.t.Fatal(err)
	}
	return secret
}

func (g *stRig) follow(a, b storage.User) {
	g.t.Helper()
	if _, err := g.soc.Follow(context.Background(), g.user(a), g.user(b)); err != nil {
		g.t.Fatalf("follow: %v", err)
	}
}

// post publishes through the action, as the web does.
func (g *stRig) post(author storage.User, d social.Draft) storage.Post {
	g.t.Helper()
	g.tick()
	e, err := g.soc.Publish(context.Background(), g.user(author), d)
	if err != nil {
		g.t.Fatalf("Publish: %v", err)
	}
	return e.Post
}

type stResponse struct {
	code   int
	body   []byte
	header http.Header
}

func (r stResponse) want(t *testing.T, code int) stResponse {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d (%s), want %d", r.code, r.body, code)
	}
	return r
}

func (r stResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r stResponse) status(t *testing.T) Status {
	t.Helper()
	var s Status
	r.decode(t, &s)
	return s
}

func (r stResponse) statuses(t *testing.T) []Status {
	t.Helper()
	var s []Status
	r.decode(t, &s)
	return s
}

func (r stResponse) errorText(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	r.decode(t, &e)
	return e.Error
}

func (g *stRig) do(method, path, token string, body io.Reader, contentType string, header ...string) stResponse {
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
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := g.srv.Client().Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return stResponse{code: resp.StatusCode, body: b, header: resp.Header}
}

func (g *stRig) get(path, token string) stResponse { return g.do("GET", path, token, nil, "") }

func (g *stRig) form(method, path, token, form string, header ...string) stResponse {
	return g.do(method, path, token, strings.NewReader(form), "application/x-www-form-urlencoded", header...)
}

func (g *stRig) json(method, path, token, body string, header ...string) stResponse {
	g.tick()
	return g.do(method, path, token, strings.NewReader(body), "application/json", header...)
}

// upload sends an image to POST /api/v2/media.
func (g *stRig) upload(token string, img []byte, description string) stResponse {
	g.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if description != "" {
		mw.WriteField("description", description)
	}
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(img)
	mw.Close()
	return g.do("POST", "/api/v2/media", token, &buf, mw.FormDataContentType())
}

// stPNG is a w×h picture.
func stPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stGolden compares JSON, indented, with testdata/name.json (go test
// ./api -update rewrites it).
func stGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	golden(t, name, body)
}
