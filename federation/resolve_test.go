package federation

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"majlis/storage"
)

// TestResolverActor: an account fetched from its server is stored with
// what majlis shows and needs, and every answer that breaks a rule is
// refused and stores nothing.
func TestResolverActor(t *testing.T) {
	a, _ := testKeys(t)
	ctx := context.Background()

	t.Run("fetched and stored", func(t *testing.T) {
		rg := newRig(t)
		rg.remote.serve("/avatar.png", fakeObject{ctype: "image/png", body: pngBytes(t, 64, 64)})
		id := rg.remote.actor(t, "amal", a, map[string]any{
			"type":                      "Service",
			"manuallyApprovesFollowers": true,
			"indexable":                 true,
			"xRobotsTag":                "noai, noimageai",
			"contentUsage":              "train-ai=n",
			"icon":                      map[string]any{"type": "Image", "url": rg.remote.url("/avatar.png")},
		})
		u, err := rg.res.Actor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := rg.db.RemoteUserByURI(id)
		if err != nil {
			t.Fatalf("not stored: %v", err)
		}
		checks := []struct {
			what      string
			got, want any
		}{
			{"username", stored.Username, "amal"},
			{"domain", stored.Domain, rg.remote.host()},
			{"inbox", stored.Inbox, id + "/inbox"},
			{"shared inbox", stored.SharedInbox, rg.remote.url("/inbox")},
			{"key id", stored.PublicKeyID, id + "#main-key"},
			{"locked", stored.Locked, true},
			{"bot", stored.Bot, true},
			{"indexable", stored.Indexable, true},
			{"x-robots-tag", stored.XRobotsTag, "noai, noimageai"},
			{"content usage", stored.ContentUsage, "train-ai=n"},
			{"bio", stored.BioHTML, "<p>Hello</p>"},
			{"avatar stored", stored.Avatar.IsZero(), false},
			{"returned", u.ID, stored.ID},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
			}
		}
		// Fresh: a second call asks the server nothing.
		if _, err := rg.res.Actor(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n := rg.remote.hitsOf("/users/amal"); n != 1 {
			t.Errorf("fetched %d times, want once while fresh", n)
		}
	})

	refusals := []struct {
		name  string
		setup func(rg *rig) string
	}{
		{"id mismatch", func(rg *rig) string {
			rg.remote.actor(t, "amal", a, map[string]any{"id": rg.remote.url("/users/other")})
			return rg.remote.url("/users/amal")
		}},
		{"id on another host", func(rg *rig) string {
			rg.remote.actor(t, "amal", a, map[string]any{"id": "http://elsewhere.example/users/amal"})
			return rg.remote.url("/users/amal")
		}},
		{"inbox on another host", func(rg *rig) string {
			return rg.remote.actor(t, "amal", a, map[string]any{"inbox": "http://victim.example/inbox"})
		}},
		{"key owned by another", func(rg *rig) string {
			return rg.remote.actor(t, "amal", a, map[string]any{"publicKey": map[string]any{
				"id": "http://elsewhere.example/k#main-key", "owner": "http://elsewhere.example/k", "publicKeyPem": "x"}})
		}},
		{"not an account", func(rg *rig) string {
			return rg.remote.actor(t, "amal", a, map[string]any{"type": "Note"})
		}},
		{"oversized JSON", func(rg *rig) string {
			rg.remote.serve("/users/amal", fakeObject{body: []byte(`{"id":"` + strings.Repeat("a", MaxObjectBytes) + `"}`)})
			return rg.remote.url("/users/amal")
		}},
		{"wrong content type", func(rg *rig) string {
			id := rg.remote.actor(t, "amal", a, nil)
			rg.remote.mu.Lock()
			o := rg.remote.objs["/users/amal"]
			o.ctype = "text/html"
			rg.remote.objs["/users/amal"] = o
			rg.remote.mu.Unlock()
			return id
		}},
		{"too deep", func(rg *rig) string {
			rg.remote.serve("/users/amal", fakeObject{body: []byte(strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100))})
			return rg.remote.url("/users/amal")
		}},
		{"suspended domain", func(rg *rig) string {
			id := rg.remote.actor(t, "amal", a, nil)
			suspend(t, rg)
			return id
		}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			rg := newRig(t)
			uri := tt.setup(rg)
			if u, err := rg.res.Actor(ctx, uri); err == nil {
				t.Fatalf("got %+v, want a refusal", u)
			}
			if _, err := rg.db.RemoteUserByURI(uri); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("stored anyway (%v)", err)
			}
		})
	}
}

func suspend(t *testing.T, rg *rig) {
	t.Helper()
	if err := rg.db.PutDomainBlock(storage.User{Username: "admin"}, storage.DomainBlock{Domain: rg.remote.host(), Severity: storage.SeveritySuspend}); err != nil {
		t.Fatal(err)
	}
}

// TestResolverSignsFetches: with keys, fetches are signed GETs by the
// instance actor that pass the inbox's own checks.
func TestResolverSignsFetches(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	rg.res.Keys = NewKeys(rg.db)
	id := rg.remote.actor(t, "amal", a, nil)
	if _, err := rg.res.Actor(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	s, err := ParseSignature(rg.remote.lastSignature)
	if err != nil {
		t.Fatalf("fetch not signed: %v", err)
	}
	if s.KeyID != KeyID(rg.uris.InstanceActor()) {
		t.Errorf("signed as %q, want the instance actor", s.KeyID)
	}
}

// TestLookup: an account is found by handle through WebFinger (over http
// on loopback, after https fails to connect), by its id, and by its
// profile page serving the actor under its id.
func TestLookup(t *testing.T) {
	a, _ := testKeys(t)
	ctx := context.Background()
	rg := newRig(t)
	id := rg.remote.actor(t, "amal", a, nil)
	rg.remote.put("/.well-known/webfinger?resource="+strings.ReplaceAll("acct%3Aamal%40"+rg.remote.host(), ":", "%3A"), map[string]any{
		"subject": "acct:amal@" + rg.remote.host(),
		"links":   []any{map[string]any{"rel": "self", "type": ContentType, "href": id}},
	})
	// The profile page answers with the actor as it is.
	rg.remote.mu.Lock()
	rg.remote.objs["/@amal"] = rg.remote.objs["/users/amal"]
	rg.remote.mu.Unlock()
	local := rg.member(t, "layla", false)
	for _, q := range []string{"@amal@" + rg.remote.host(), "amal@" + rg.remote.host(), id, rg.remote.url("/@amal")} {
		u, err := rg.res.Lookup(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if u.URI != id {
			t.Errorf("%s: got %s, want %s", q, u.URI, id)
		}
	}
	if u, err := rg.res.Lookup(ctx, "layla@local.example"); err != nil || u.ID != local.ID {
		t.Errorf("a local handle: got %v, %v", u.ID, err)
	}
	if _, err := rg.res.Lookup(ctx, "nobody@"+rg.remote.host()); err == nil {
		t.Error("an unknown handle was found")
	}
}

// TestKeyOwnerRotation: a key that no longer verifies is fetched again
// once, and the new one is stored.
func TestKeyOwnerRotation(t *testing.T) {
	a, b := testKeys(t)
	ctx := context.Background()
	rg := newRig(t)
	id := rg.remote.actor(t, "amal", a, nil)
	u, pub, err := rg.res.KeyOwner(ctx, id+"#main-key")
	if err != nil || u.URI != id || pub.N.Cmp(a.PublicKey.N) != 0 {
		t.Fatalf("got %v, %v", u.URI, err)
	}
	rg.remote.actor(t, "amal", b, nil)
	_, pub, err = rg.res.RefreshKey(ctx, id+"#main-key")
	if err != nil || pub.N.Cmp(b.PublicKey.N) != 0 {
		t.Fatalf("after rotation: %v", err)
	}
	// A second refresh within the minute does not fetch again.
	before := rg.remote.hitsOf("/users/amal")
	if _, _, err := rg.res.RefreshKey(ctx, id+"#main-key"); err != nil {
		t.Fatal(err)
	}
	if after := rg.remote.hitsOf("/users/amal"); after != before {
		t.Errorf("fetched again %d times within the minute", after-before)
	}
}

func TestParsePublicKey(t *testing.T) {
	a, _ := testKeys(t)
	spki, _ := PublicKeyPEM(&a.PublicKey)
	if k, err := ParsePublicKey(spki); err != nil || k.N.Cmp(a.N) != 0 {
		t.Errorf("SPKI: %v", err)
	}
	for _, bad := range []string{"", "not pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	_ = http.StatusOK
}
