package crash

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"majlis/federation"
	"majlis/storage"
)

// Remote servers for the delivery checks: a FakeServer is another server
// on a loopback port (its port makes it a host of its own), with actors
// whose keys it serves and an inbox that verifies every POST's signature
// the way a real receiver does and records what it took. The crash check
// and the load tool's federation rows both use it.

// FakeServer is one fake remote server. Its handlers answer until Close.
type FakeServer struct {
	// Base is "http://127.0.0.1:PORT", Host "127.0.0.1:PORT" (the
	// domain majlis files its accounts under).
	Base, Host string

	srv  *httptest.Server
	key  *rsa.PrivateKey
	pem  string
	keys *SenderKeys

	mu      sync.Mutex
	got     []Receipt
	refused []string
}

// Receipt is one POST the fake inbox accepted.
type Receipt struct {
	At   time.Time
	ID   string // the activity's id
	Type string
	Body []byte
}

// NewFakeServer starts a fake server whose actors sign with key (their
// public half is served) and whose inbox verifies senders' keys through
// keys (shared between fake servers, so each sender's key is fetched
// once).
func NewFakeServer(key *rsa.PrivateKey, keys *SenderKeys) (*FakeServer, error) {
	pem, err := federation.PublicKeyPEM(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	f := &FakeServer{key: key, pem: pem, keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{name}", f.serveActor)
	mux.HandleFunc("POST /inbox", f.serveInbox)
	mux.HandleFunc("POST /users/{name}/inbox", f.serveInbox)
	f.srv = httptest.NewServer(mux)
	f.Base = f.srv.URL
	f.Host = strings.TrimPrefix(f.srv.URL, "http://")
	return f, nil
}

// Close stops the server.
func (f *FakeServer) Close() { f.srv.Close() }

// Actor is the URI of the account name on this server.
func (f *FakeServer) Actor(name string) string { return f.Base + "/users/" + name }

// KeyID is the id of name's key.
func (f *FakeServer) KeyID(name string) string { return f.Actor(name) + "#main-key" }

// Key is the private key every actor of this server signs with.
func (f *FakeServer) Key() *rsa.PrivateKey { return f.key }

// Receipts returns a copy of what the inbox accepted so far, in order.
func (f *FakeServer) Receipts() []Receipt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Receipt(nil), f.got...)
}

// Count is how many POSTs the inbox accepted so far.
func (f *FakeServer) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// Refused lists the POSTs the inbox refused (bad signature, digest,
// date, unreadable body), with why.
func (f *FakeServer) Refused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.refused...)
}

func (f *FakeServer) serveActor(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	id := f.Actor(name)
	actor := map[string]any{
		"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": name,
		"name":              "Load " + name,
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"following":         id + "/following",
		"endpoints":         map[string]string{"sharedInbox": f.Base + "/inbox"},
		"publicKey":         map[string]string{"id": f.KeyID(name), "owner": id, "publicKeyPem": f.pem},
	}
	w.Header().Set("Content-Type", federation.ContentType)
	json.NewEncoder(w).Encode(actor)
}

// maxInboxBody bounds what the fake inbox reads of one POST.
const maxInboxBody = 1 << 20

func (f *FakeServer) serveInbox(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInboxBody))
	if err != nil {
		// Most likely the sender died mid-request (the crash check
		// kills it): nothing was delivered.
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	refuse := func(status int, why string) {
		f.mu.Lock()
		f.refused = append(f.refused, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, why))
		f.mu.Unlock()
		http.Error(w, why, status)
	}
	sig, err := federation.CheckRequest(r, body, time.Now())
	if err != nil {
		refuse(http.StatusUnauthorized, err.Error())
		return
	}
	pub, err := f.keys.Get(r.Context(), sig.KeyID)
	if err != nil {
		// The sender may be down (killed): a real server would answer
		// 5xx or time out too, and the sender retries.
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	if err := federation.VerifyRequest(r, pub); err != nil {
		refuse(http.StatusUnauthorized, err.Error())
		return
	}
	var act struct {
		ID    string `json:"id"`
		Type  string `json:"type"`
		Actor string `json:"actor"`
	}
	if err := json.Unmarshal(body, &act); err != nil || act.ID == "" {
		refuse(http.StatusBadRequest, fmt.Sprintf("activity without an id (%v)", err))
		return
	}
	if keyOwner, _, _ := strings.Cut(sig.KeyID, "#"); act.Actor != keyOwner {
		refuse(http.StatusUnauthorized, fmt.Sprintf("actor %q signed with %q", act.Actor, sig.KeyID))
		return
	}
	f.mu.Lock()
	f.got = append(f.got, Receipt{At: time.Now(), ID: act.ID, Type: act.Type, Body: body})
	f.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// SenderKeys fetches and keeps the public keys of the servers that
// deliver to fake inboxes (the majlis under test), as a receiver does:
// the actor at the key id without its fragment, once per key.
type SenderKeys struct {
	client *http.Client
	mu     sync.Mutex
	m      map[string]*rsa.PublicKey
}

// NewSenderKeys returns an empty key cache that fetches from loopback
// only.
func NewSenderKeys() *SenderKeys {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &SenderKeys{
		client: &http.Client{
			Timeout: 10 * time.Second,
			Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
					return nil, fmt.Errorf("fake servers only talk to loopback, not %q", addr)
				}
				return dialer.DialContext(ctx, network, addr)
			}},
		},
		m: map[string]*rsa.PublicKey{},
	}
}

// Get returns the key keyID, fetching its actor the first time.
func (k *SenderKeys) Get(ctx context.Context, keyID string) (*rsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock() // one fetch at a time: it happens once per key
	if pub := k.m[keyID]; pub != nil {
		return pub, nil
	}
	actor, _, _ := strings.Cut(keyID, "#")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, actor, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", federation.ContentType)
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInboxBody))
	if err != nil {
		return nil, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch key %s: status %d", keyID, resp.StatusCode)
	}
	o, err := federation.DecodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	for _, pk := range o.PublicKey {
		if pk.ID == keyID {
			pub, err := federation.ParsePublicKey(pk.PublicKeyPem)
			if err != nil {
				return nil, fmt.Errorf("key %s: %w", keyID, err)
			}
			k.m[keyID] = pub
			return pub, nil
		}
	}
	return nil, fmt.Errorf("actor %s does not list key %s", actor, keyID)
}

// SeedRemoteFollowers makes, with no server running on dataDir, perHost
// accounts on each fake host ("127.0.0.1:PORT") follow each of the local
// members, through storage as the inbox would record their Follow: a
// follow of an unlocked member is immediate and lists the follower among
// the member's remote followers. The accounts are f0, f1, ... on each
// host, with their personal inbox and the host's shared inbox. It
// returns how many follows it wrote; run again, it writes none.
func SeedRemoteFollowers(dataDir string, members, hosts []string, perHost int) (int, error) {
	db, err := storage.Open(filepath.Join(dataDir, "majlis.db"), storage.Options{})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var local []storage.ID
	for _, m := range members {
		u, err := db.LocalUser(m)
		if err != nil {
			return 0, fmt.Errorf("member %q: %w", m, err)
		}
		local = append(local, u.ID)
	}
	n := 0
	for _, host := range hosts {
		base := "http://" + host
		for i := range perHost {
			name := fmt.Sprintf("f%d", i)
			uri := base + "/users/" + name
			u := storage.User{Username: name, Domain: host, URI: uri, Inbox: uri + "/inbox",
				SharedInbox: base + "/inbox", FollowersURL: uri + "/followers", ProfileURL: uri,
				FetchedAt: time.Now().UTC()}
			if err := db.PutRemoteUser(&u); err != nil {
				return n, err
			}
			for _, id := range local {
				if _, err := db.Follow(u.ID, id); err != nil {
					if errors.Is(err, storage.ErrExists) {
						continue
					}
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}
