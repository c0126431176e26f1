package interop

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"majlis/federation"
)

const (
	asContext  = "https://www.w3.org/ns/activitystreams"
	secContext = "https://w3id.org/security/v1"
	asPublic   = "https://www.w3.org/ns/activitystreams#Public"
)

// fakeActor is a minimal ActivityPub server for one or more actors, served
// by the test: actor JSON with an RSA key, WebFinger, one Note, and inboxes
// that accept only requests that pass majlis's own signature policy
// (federation.CheckRequest) and verification (federation.VerifyRequest)
// with the signer owning the activity's actor.
type fakeActor struct {
	t    *testing.T
	srv  *httptest.Server
	base string
	keys map[string]*rsa.PrivateKey // actor name -> key

	mu       sync.Mutex
	accepted []map[string]any
	refused  []string
}

func newFakeActor(t *testing.T, names ...string) *fakeActor {
	t.Helper()
	f := &fakeActor{t: t, keys: map[string]*rsa.PrivateKey{}}
	for _, n := range names {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		f.keys[n] = k
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{name}", f.serveActor)
	mux.HandleFunc("GET /.well-known/webfinger", f.serveWebFinger)
	mux.HandleFunc("GET /notes/{name}/{id}", f.serveNote)
	mux.HandleFunc("POST /users/{name}/inbox", f.serveInbox)
	mux.HandleFunc("POST /inbox", f.serveInbox)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.base = f.srv.URL
	return f
}

func (f *fakeActor) actor(name string) string { return f.base + "/users/" + name }
func (f *fakeActor) note(name string) string  { return f.base + "/notes/" + name + "/1" }

func writeJSON(w http.ResponseWriter, ct string, v any) {
	w.Header().Set("Content-Type", ct)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeActor) serveActor(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	k, ok := f.keys[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	pemText, err := federation.PublicKeyPEM(&k.PublicKey)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	id := f.actor(name)
	writeJSON(w, federation.ContentType, map[string]any{
		"@context":          []any{asContext, secContext},
		"id":                id,
		"type":              "Person",
		"preferredUsername": name,
		"name":              "Fake " + name,
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"endpoints":         map[string]any{"sharedInbox": f.base + "/inbox"},
		"publicKey":         map[string]any{"id": federation.KeyID(id), "owner": id, "publicKeyPem": pemText},
	})
}

func (f *fakeActor) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	name, host, err := federation.ParseHandle(strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:"))
	if _, ok := f.keys[name]; err != nil || !ok || host != strings.TrimPrefix(f.base, "http://") {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, "application/jrd+json", federation.AccountJRD(name, host, f.actor(name), f.base+"/@"+name, ""))
}

func (f *fakeActor) serveNote(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := f.keys[name]; !ok || r.PathValue("id") != "1" {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, federation.ContentType, map[string]any{
		"@context":     asContext,
		"id":           f.note(name),
		"type":         "Note",
		"attributedTo": f.actor(name),
		"to":           []string{asPublic},
		"cc":           []string{f.actor(name) + "/followers"},
		"content":      "<p>a note of " + name + "</p>",
		"published":    "2025-01-02T03:04:05Z",
	})
}

// serveInbox verifies the signature with majlis's federation package:
// CheckRequest for the policy, the key fetched from its keyId, then
// VerifyRequest, and the key's owner must be the activity's actor.
func (f *fakeActor) serveInbox(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	refuse := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		f.mu.Lock()
		f.refused = append(f.refused, msg)
		f.mu.Unlock()
		http.Error(w, msg, http.StatusUnauthorized)
	}
	sig, err := federation.CheckRequest(r, body, time.Now())
	if err != nil {
		refuse("CheckRequest: %v (Signature: %s)", err, r.Header.Get("Signature"))
		return
	}
	owner, pub, err := fetchKey(r.Context(), sig.KeyID)
	if err != nil {
		refuse("key %s: %v", sig.KeyID, err)
		return
	}
	if err := federation.VerifyRequest(r, pub); err != nil {
		refuse("VerifyRequest: %v", err)
		return
	}
	var act map[string]any
	if err := json.Unmarshal(body, &act); err != nil {
		refuse("body: %v", err)
		return
	}
	if actor, _ := act["actor"].(string); actor != owner {
		refuse("signed by %s's key, for actor %v", owner, act["actor"])
		return
	}
	act["_signature"] = sig
	act["_inbox"] = r.URL.Path
	f.mu.Lock()
	f.accepted = append(f.accepted, act)
	f.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// fetchKey reads the actor document a keyId points to and returns the
// key's owner and public key.
func fetchKey(ctx context.Context, keyID string) (string, *rsa.PublicKey, error) {
	u, _, _ := strings.Cut(keyID, "#")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Accept", federation.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var doc struct {
		ID        string `json:"id"`
		PublicKey struct {
			ID           string `json:"id"`
			Owner        string `json:"owner"`
			PublicKeyPem string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", nil, err
	}
	if doc.PublicKey.ID != keyID || doc.PublicKey.Owner != doc.ID || doc.ID != u {
		return "", nil, fmt.Errorf("actor %s lists key %s owned by %s", doc.ID, doc.PublicKey.ID, doc.PublicKey.Owner)
	}
	block, _ := pem.Decode([]byte(doc.PublicKey.PublicKeyPem))
	if block == nil {
		return "", nil, fmt.Errorf("no PEM in the key")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return "", nil, err
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return "", nil, fmt.Errorf("key is %T, not RSA", pub)
	}
	return doc.ID, rk, nil
}

// waitAccepted polls the fake's inbox for an activity that matches.
func (f *fakeActor) waitAccepted(ctx context.Context, what string, match func(map[string]any) bool) map[string]any {
	f.t.Helper()
	var last []string
	var refused []string
	waitFor(ctx, f.t, "the fake actor receives "+what, func() (bool, string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		last = last[:0]
		for _, a := range f.accepted {
			if match(a) {
				return true, ""
			}
			last = append(last, fmt.Sprintf("%v %v", a["type"], a["id"]))
		}
		refused = slices.Clone(f.refused)
		return false, fmt.Sprintf("accepted %v; refused %q", last, refused)
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.accepted {
		if match(a) {
			return a
		}
	}
	return nil
}

// send posts an activity from one of the fake's actors to inbox, signed
// with federation.Sign; tamper changes the body after signing.
func (f *fakeActor) send(ctx context.Context, as, inbox string, act map[string]any, tamper bool) (int, string) {
	f.t.Helper()
	body, err := json.Marshal(act)
	if err != nil {
		f.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", federation.ContentType)
	if err := federation.Sign(req, body, federation.KeyID(f.actor(as)), f.keys[as], time.Now()); err != nil {
		f.t.Fatal(err)
	}
	if tamper {
		body = bytes.Replace(body, []byte("hello"), []byte("HELLO"), 1)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func str(v any) string { s, _ := v.(string); return s }

// objectOf returns an activity's object as a map (embedded) or nil.
func objectOf(a map[string]any) map[string]any { m, _ := a["object"].(map[string]any); return m }

// objectID returns the id of an activity's object, embedded or a URL.
func objectID(a map[string]any) string {
	if m := objectOf(a); m != nil {
		return str(m["id"])
	}
	return str(a["object"])
}

// TestPeerAgainstFakeActor guards the harness without majlis: the Fedify
// peer reads an actor over plain HTTP on loopback, its signed deliveries
// pass majlis's signature policy, and it accepts signed activities made
// with federation.Sign and refuses forged ones.
func TestPeerAgainstFakeActor(t *testing.T) {
	node := needPeer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	f := newFakeActor(t, "alice", "mallory")
	p := startPeer(t, node)
	alice := f.actor("alice")

	// (a) lookup by URL over plain HTTP.
	d, err := p.lookup(ctx, alice, false)
	if err != nil {
		t.Fatalf("lookup %s: %v", alice, err)
	}
	if d.Type != "Person" || d.ID != alice || deref(d.PreferredUsername) != "alice" || deref(d.Inbox) != alice+"/inbox" {
		t.Fatalf("lookup %s: got %+v, want Person alice with inbox %s/inbox", alice, d, alice)
	}
	if d.PublicKey == nil || !d.PublicKey.Present || d.PublicKey.Owner != alice || d.PublicKey.ID != federation.KeyID(alice) {
		t.Fatalf("lookup %s: public key %+v, want %s owned by the actor", alice, d.PublicKey, federation.KeyID(alice))
	}
	if n, err := p.lookup(ctx, f.note("alice"), false); err != nil || n.Type != "Note" || deref(n.AttributedTo) != alice {
		t.Fatalf("lookup %s: got %+v, %v; want a Note by %s", f.note("alice"), n, err, alice)
	}

	// (b) a signed Follow that passes CheckRequest and VerifyRequest.
	var followed struct{ ID string }
	p.do(ctx, "/control/follow", map[string]string{"actor": alice}, &followed)
	follow := f.waitAccepted(ctx, "the peer's Follow", func(a map[string]any) bool {
		return a["type"] == "Follow" && a["id"] == followed.ID
	})
	if follow["actor"] != p.actor || objectID(follow) != alice || follow["_inbox"] != "/users/alice/inbox" {
		t.Fatalf("Follow: got actor %v object %v at %v, want %s following %s at its inbox", follow["actor"], objectID(follow), follow["_inbox"], p.actor, alice)
	}
	sig := follow["_signature"].(federation.Signature)
	for _, h := range []string{"(request-target)", "host", "date", "digest"} {
		if !slices.Contains(sig.Headers, h) {
			t.Errorf("the peer's signature covers %v, want %s among them", sig.Headers, h)
		}
	}

	// (c) the peer accepts what federation.Sign signed: the fake accepts
	// the Follow with a signed Accept.
	inbox := p.actor + "/inbox"
	code, answer := f.send(ctx, "alice", inbox, map[string]any{
		"@context": asContext,
		"id":       alice + "#accepts/1",
		"type":     "Accept",
		"actor":    alice,
		"object":   map[string]any{"id": followed.ID, "type": "Follow", "actor": p.actor, "object": alice},
	}, false)
	if code != http.StatusAccepted {
		t.Fatalf("signed Accept to the peer: got %d %s, want 202", code, answer)
	}
	acc := p.waitReceived(ctx, "the signed Accept", func(r received) bool { return r.Type == "Accept" && r.Actor == alice })
	if !acc.Verified || !acc.signedBy(alice) || acc.Object != followed.ID {
		t.Errorf("Accept: got %s signature %+v, want verified, signed by %s, of %s", acc, acc.HTTPSignature, alice, followed.ID)
	}
	var st struct {
		Following map[string]struct{ State string }
	}
	if err := p.call(ctx, http.MethodGet, "/control/state", nil, &st); err != nil {
		t.Fatal(err)
	}
	if st.Following[alice].State != "accepted" {
		t.Errorf("after the Accept the peer's follow of alice is %+v, want accepted", st.Following[alice])
	}

	// A signed Create reaches the peer's shared inbox with its content.
	noteID := alice + "/statuses/2"
	create := map[string]any{
		"@context": asContext,
		"id":       noteID + "/activity",
		"type":     "Create",
		"actor":    alice,
		"to":       []string{asPublic},
		"object": map[string]any{
			"id": noteID, "type": "Note", "attributedTo": alice, "to": []string{asPublic},
			"content": "<p>hello from a fake</p>", "published": time.Now().UTC().Format(time.RFC3339),
		},
	}
	if code, answer := f.send(ctx, "alice", p.base+"/inbox", create, false); code != http.StatusAccepted {
		t.Fatalf("signed Create to the shared inbox: got %d %s, want 202", code, answer)
	}
	cr := p.waitReceived(ctx, "the signed Create", func(r received) bool { return r.Type == "Create" && r.Object == noteID })
	if !cr.Verified || !cr.signedBy(alice) || cr.Content != "<p>hello from a fake</p>" || cr.Inbox != "/inbox" {
		t.Errorf("Create: got %s content %q inbox %q, want verified by alice with the content at /inbox", cr, cr.Content, cr.Inbox)
	}

	// Forgeries are refused by Fedify and never reach a listener.
	forged := []struct {
		name   string
		as     string
		act    map[string]any
		tamper bool
	}{
		{"body changed after signing", "alice", activity("Create", alice, "forged-1"), true},
		{"signed by another actor's key", "mallory", activity("Create", alice, "forged-2"), false},
	}
	for _, tt := range forged {
		t.Run(tt.name, func(t *testing.T) {
			code, answer := f.send(ctx, tt.as, inbox, tt.act, tt.tamper)
			if code != http.StatusUnauthorized {
				t.Errorf("got %d %s, want 401", code, answer)
			}
		})
	}
	unsigned, _ := json.Marshal(activity("Create", alice, "forged-3"))
	resp, err := http.Post(inbox, federation.ContentType, bytes.NewReader(unsigned))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned Create: got %d, want 401", resp.StatusCode)
	}
	for _, r := range p.received(ctx) {
		if strings.Contains(r.ID, "forged") || strings.Contains(r.Content, "forged") {
			t.Errorf("a forged activity reached the peer's listeners: %s", r)
		}
	}

	// The peer's reply, like and boost of alice's note reach alice signed,
	// in the shapes majlis reads.
	note := f.note("alice")
	var reply struct{ ID, Activity string }
	p.do(ctx, "/control/reply", map[string]string{"inReplyTo": note, "to": alice, "content": "<p>a reply from Fedify</p>"}, &reply)
	rc := f.waitAccepted(ctx, "the reply", func(a map[string]any) bool { return a["type"] == "Create" && objectID(a) == reply.ID })
	if b, _ := json.MarshalIndent(rc, "", " "); testing.Verbose() {
		t.Logf("the reply as the peer sent it:\n%s", b)
	}
	obj := objectOf(rc)
	if obj == nil || obj["inReplyTo"] != note || obj["content"] != "<p>a reply from Fedify</p>" || obj["attributedTo"] != p.actor {
		t.Errorf("reply: got object %v, want a Note by %s in reply to %s", obj, p.actor, note)
	}
	if !addressed(rc, asPublic) || !addressed(obj, alice) {
		t.Errorf("reply: to %v cc %v, want public and cc alice", obj["to"], obj["cc"])
	}
	if !mentions(obj, alice) {
		t.Errorf("reply: tags %v, want a Mention of %s", obj["tag"], alice)
	}
	// Fedify serves the note it sent at its id.
	if n, err := p.lookup(ctx, reply.ID, false); err != nil || deref(n.InReplyTo) != note {
		t.Errorf("the peer's note at its id: got %+v, %v", n, err)
	}

	var like, boost struct{ ID string }
	p.do(ctx, "/control/like", map[string]string{"object": note}, &like)
	f.waitAccepted(ctx, "the Like", func(a map[string]any) bool {
		return a["type"] == "Like" && a["id"] == like.ID && objectID(a) == note && a["actor"] == p.actor
	})
	p.do(ctx, "/control/announce", map[string]string{"object": note}, &boost)
	f.waitAccepted(ctx, "the Announce", func(a map[string]any) bool {
		return a["type"] == "Announce" && a["id"] == boost.ID && objectID(a) == note && addressed(a, asPublic)
	})

	// A Follow of the peer is accepted at once, signed.
	if code, answer := f.send(ctx, "alice", inbox, map[string]any{
		"@context": asContext, "id": alice + "#follows/9", "type": "Follow", "actor": alice, "object": p.actor,
	}, false); code != http.StatusAccepted {
		t.Fatalf("Follow of the peer: got %d %s", code, answer)
	}
	f.waitAccepted(ctx, "the peer's Accept of alice's Follow", func(a map[string]any) bool {
		return a["type"] == "Accept" && a["actor"] == p.actor && objectID(a) == alice+"#follows/9"
	})

	// Undo of the peer's follow.
	p.do(ctx, "/control/unfollow", map[string]string{"actor": alice}, nil)
	f.waitAccepted(ctx, "the Undo of the Follow", func(a map[string]any) bool {
		o := objectOf(a)
		return a["type"] == "Undo" && o != nil && o["type"] == "Follow" && o["id"] == followed.ID
	})

	// A signed lookup is signed with the peer's key.
	if _, err := p.lookup(ctx, alice, true); err != nil {
		t.Errorf("signed lookup: %v", err)
	}
}

func activity(typ, actor, id string) map[string]any {
	return map[string]any{
		"@context": asContext,
		"id":       actor + "#" + id,
		"type":     typ,
		"actor":    actor,
		"to":       []string{asPublic},
		"object": map[string]any{
			"id": actor + "/statuses/" + id, "type": "Note", "attributedTo": actor,
			"to": []string{asPublic}, "content": "hello, " + id,
		},
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// addressed tells whether an object's to or cc names iri (a string or an
// array, as ActivityStreams allows). The public collection has three
// spellings; Fedify writes the compact "as:Public".
func addressed(o map[string]any, iri string) bool {
	same := func(x any) bool {
		s, _ := x.(string)
		if iri == asPublic {
			return s == asPublic || s == "as:Public" || s == "Public"
		}
		return s == iri
	}
	for _, k := range []string{"to", "cc"} {
		switch v := o[k].(type) {
		case string:
			if same(v) {
				return true
			}
		case []any:
			if slices.ContainsFunc(v, same) {
				return true
			}
		}
	}
	return false
}

// mentions tells whether an object's tags hold a Mention of href.
func mentions(o map[string]any, href string) bool {
	var tags []any
	switch v := o["tag"].(type) {
	case map[string]any:
		tags = []any{v}
	case []any:
		tags = v
	}
	for _, t := range tags {
		if m, ok := t.(map[string]any); ok && m["type"] == "Mention" && m["href"] == href {
			return true
		}
	}
	return false
}
