package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"majlis/social"
	"majlis/storage"
)

// fakeRemote is another server on loopback: it serves the objects put in
// it, as ActivityPub JSON unless told otherwise, and counts the fetches.
type fakeRemote struct {
	srv  *httptest.Server
	mu   sync.Mutex
	objs map[string]fakeObject
	hits map[string]int
	// lastSignature is the Signature header of the last fetch.
	lastSignature string
}

type fakeObject struct {
	status int
	ctype  string
	body   []byte
}

func newFakeRemote(t *testing.T) *fakeRemote {
	f := &fakeRemote{objs: map[string]fakeObject{}, hits: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		key := r.URL.Path
		if r.URL.RawQuery != "" {
			key += "?" + r.URL.RawQuery
		}
		o, ok := f.objs[key]
		f.hits[key]++
		f.lastSignature = r.Header.Get("Signature")
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", o.ctype)
		w.WriteHeader(o.status)
		w.Write(o.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRemote) url(path string) string { return f.srv.URL + path }

func (f *fakeRemote) host() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeRemote) serve(path string, o fakeObject) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o.status == 0 {
		o.status = http.StatusOK
	}
	if o.ctype == "" {
		o.ctype = ContentType
	}
	f.objs[path] = o
}

func (f *fakeRemote) put(path string, obj map[string]any) {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	f.serve(path, fakeObject{body: b})
}

func (f *fakeRemote) hitsOf(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

// actor serves an account of this server, with extra properties set
// over the usual ones, and returns its id.
func (f *fakeRemote) actor(t *testing.T, name string, key *rsa.PrivateKey, extra map[string]any) string {
	t.Helper()
	id := f.url("/users/" + name)
	pemText, err := PublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": name,
		"name":              "Amal",
		"summary":           `<p>Hello<script>alert(1)</script></p>`,
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"url":               f.url("/@" + name),
		"endpoints":         map[string]any{"sharedInbox": f.url("/inbox")},
		"publicKey":         map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": pemText},
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	f.put("/users/"+name, m)
	return id
}

// rig is a local instance (a bbolt file, the actions, the resolver and
// the inbox) with one remote server beside it.
type rig struct {
	db     *storage.DB
	social *social.Service
	uris   URIs
	res    *Resolver
	inbox  *Inbox
	mux    *http.ServeMux
	remote *fakeRemote
	seen   []string
}

const localBase = "http://local.example"

func newRig(t *testing.T) *rig {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := Guard{AllowPrivate: true, AllowHTTP: true}
	rg := &rig{db: db, uris: NewURIs(localBase), remote: newFakeRemote(t)}
	rg.social = social.New(db, social.Config{BaseURL: localBase})
	rg.res = &Resolver{DB: db, Social: rg.social, Client: NewClient(g, 10*time.Second), Guard: g, URIs: rg.uris}
	var mu sync.Mutex
	rg.inbox = &Inbox{Resolver: rg.res, Social: rg.social, DB: db, URIs: rg.uris,
		Seen: func(h string) { mu.Lock(); rg.seen = append(rg.seen, h); mu.Unlock() }}
	rg.mux = http.NewServeMux()
	rg.mux.Handle("POST /inbox", rg.inbox)
	rg.mux.Handle("POST /users/{username}/inbox", rg.inbox)
	return rg
}

// member makes a local account.
func (rg *rig) member(t *testing.T, name string, locked bool) storage.User {
	t.Helper()
	u := storage.User{Username: name, URI: rg.uris.Actor(name), Locked: locked}
	if err := rg.db.CreateUser(&u); err != nil {
		t.Fatal(err)
	}
	return u
}

// deliver POSTs an activity to the inbox at path, signed with key as
// keyID at the time at; change, when set, alters the request after
// signing.
func (rg *rig) deliver(t *testing.T, path string, act map[string]any, keyID string, key *rsa.PrivateKey, at time.Time, change func(r *http.Request)) int {
	t.Helper()
	body, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(http.MethodPost, localBase+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out.Header.Set("Content-Type", ContentType)
	if err := Sign(out, body, keyID, key, at); err != nil {
		t.Fatal(err)
	}
	in := httptest.NewRequest(http.MethodPost, localBase+path, bytes.NewReader(body))
	in.Header = out.Header.Clone()
	if change != nil {
		change(in)
	}
	rec := httptest.NewRecorder()
	rg.mux.ServeHTTP(rec, in)
	return rec.Code
}

// process takes in everything queued.
func (rg *rig) process(t *testing.T) {
	t.Helper()
	if _, err := rg.inbox.ProcessPending(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (rg *rig) pending(t *testing.T) int {
	t.Helper()
	n, err := rg.db.CountPendingInbox()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pngBytes is a small picture.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func socialDraft(body string) social.Draft { return social.Draft{Body: body, Visibility: "public"} }
