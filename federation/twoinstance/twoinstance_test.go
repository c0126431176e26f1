package twoinstance

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/federation"
	"majlis/storage"
)

// TestTwoInstances: members of a.test and b.test follow, read and answer
// each other, and each instance keeps the other's private posts private.
// The subtests run in order on the same two instances; each starts from
// what the ones before left (the follows of the first ones stand).
func TestTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two federating instances; skipped with -short")
	}
	a, b := startPair(t)
	// a.test: alice (admin) follows people on b.test; dave is mentioned
	// without following; carol neither follows nor is mentioned; erin
	// leaves.
	alice := a.register(t, "alice")
	carol := a.register(t, "carol")
	dave := a.register(t, "dave")
	erin := a.register(t, "erin")
	// b.test: bob (admin) posts; lena is locked.
	bob := b.register(t, "bob")
	lena := b.register(t, "lena")

	var bobOnA string // bob's profile path on a.test

	t.Run("inbox refuses forged and replayed requests", func(t *testing.T) {
		inboxRefusals(t, a, b, bob, lena)
	})

	t.Run("follow by handle and accept", func(t *testing.T) {
		bobOnA = alice.lookup(t, bob.handle())
		if bobOnA != "/@bob@b.test" {
			t.Fatalf("lookup of %s goes to %q, want /@bob@b.test", bob.handle(), bobOnA)
		}
		page := alice.page(t, bobOnA)
		if !strings.Contains(page, `data-testid="follow"`) {
			t.Fatalf("bob's profile on a.test offers no follow button: %.500s", page)
		}
		// Nobody of that name: the box says so (404), not that b.test
		// failed.
		if code, _, body := alice.form(t, "/people/lookup", url.Values{"q": {"@nobody@b.test"}}, false); code != http.StatusNotFound {
			t.Errorf("lookup of an account b.test does not have: got %d, want 404: %.300s", code, body)
		}
		alice.submit(t, bobOnA+"/follow", nil)
		alice.waitPage(t, bobOnA, `data-testid="unfollow"`)
		bob.waitCount(t, "/@bob", "followers-count", 1)
		bob.waitPage(t, "/notifications", `data-kind="follow"`, "alice@a.test")
		alice.waitCount(t, "/@alice", "following-count", 1)
		// bob follows alice back, so that a.test has a follower on b.test.
		aliceOnB := bob.lookup(t, alice.handle())
		bob.submit(t, aliceOnB+"/follow", nil)
		bob.waitPage(t, aliceOnB, `data-testid="unfollow"`)
		alice.waitCount(t, "/@alice", "followers-count", 1)
	})

	t.Run("locked account approves a remote follower", func(t *testing.T) {
		lena.submit(t, "/settings", url.Values{"display_name": {"Member lena"}, "visibility": {"public"}, "locked": {"on"}, "ai_training": {"no"}})
		if !lena.user(t).Locked {
			t.Fatal("lena's settings did not lock her account")
		}
		lenaOnA := alice.lookup(t, lena.handle())
		alice.submit(t, lenaOnA+"/follow", nil)
		alice.waitPage(t, lenaOnA, `data-testid="requested"`)
		lena.waitPage(t, "/settings/requests", "alice@a.test")
		if n, _ := count(lena.page(t, "/@lena"), "followers-count"); n != 0 {
			t.Errorf("before accepting, lena's followers-count is %d, want 0", n)
		}
		lena.submit(t, "/settings/requests/alice@a.test/accept", nil)
		lena.waitCount(t, "/@lena", "followers-count", 1)
		alice.waitPage(t, lenaOnA, `data-testid="unfollow"`)
		if page := lena.page(t, "/settings/requests"); strings.Contains(page, "alice@a.test") {
			t.Error("after accepting, alice's request is still listed on /settings/requests")
		}
	})

	// The posts of bob's that the later subtests use, by visibility.
	posts := map[string]string{}
	texts := map[string]string{}

	t.Run("who receives each visibility", func(t *testing.T) {
		// bob has never looked dave up: publishing finds him on a.test
		// (the mention is resolved before the post is rendered).
		for _, vis := range []string{"public", "unlisted", "followers", "direct"} {
			texts[vis] = nonce(vis)
			body := texts[vis]
			if vis == "direct" {
				body = "@dave@a.test " + body
			}
			posts[vis] = bob.publish(t, body, vis)
		}
		settle(t, a, b)
		onA := map[string]string{} // each post's path on a.test
		for vis, p := range posts {
			cp, err := a.db.PostByURI(b.uri(p))
			if err != nil {
				t.Errorf("bob's %s post: a.test has no copy: %v", vis, err)
				continue
			}
			onA[vis] = bobOnA + "/" + cp.ID.String()
		}
		// Who sees what, on a.test: true means the text shows on the
		// post's page there (else the page is 404 and the text shows
		// nowhere they look).
		sees := []struct {
			who *member
			vis map[string]bool
		}{
			{alice, map[string]bool{"public": true, "unlisted": true, "followers": true, "direct": false}},
			{dave, map[string]bool{"public": true, "unlisted": true, "followers": false, "direct": true}},
			{carol, map[string]bool{"public": true, "unlisted": true, "followers": false, "direct": false}},
		}
		for _, s := range sees {
			home := s.who.page(t, "/")
			notes := s.who.page(t, "/notifications")
			for vis, want := range s.vis {
				p, ok := onA[vis]
				if !ok {
					continue
				}
				code, page := s.who.get(t, p)
				got := code == http.StatusOK && strings.Contains(page, texts[vis])
				if got != want {
					t.Errorf("%s on a.test, bob's %s post %s: got %d showing the text %t, want shown %t", s.who.name, vis, p, code, got, want)
				}
				if !want && (strings.Contains(page, texts[vis]) || strings.Contains(home, texts[vis]) || strings.Contains(notes, texts[vis])) {
					t.Errorf("%s on a.test sees bob's %s post on a page", s.who.name, vis)
				}
			}
		}
		if home := alice.page(t, "/"); !strings.Contains(home, texts["followers"]) || !strings.Contains(home, texts["public"]) {
			t.Error("alice's home timeline lacks bob's public or followers-only post")
		}
		dave.waitPage(t, "/notifications", `data-kind="mention"`, texts["direct"])
		// Nobody reads them at b.test without signing in nor as JSON
		// without a signature.
		for _, vis := range []string{"followers", "direct"} {
			uri := b.uri(posts[vis])
			for _, accept := range []string{"application/activity+json", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "text/html"} {
				code, body := fetch(t, b, uri, accept)
				if code == http.StatusOK || strings.Contains(body, texts[vis]) {
					t.Errorf("unsigned GET %s (%s): got %d, showing the text %t; want a refusal", uri, accept, code, strings.Contains(body, texts[vis]))
				}
			}
		}
		// Looking a post's address up leads to its page here; carol
		// cannot get the private ones that way (b.test does not show
		// them to a.test's own fetches: not found).
		if loc := carol.lookup(t, b.uri(posts["public"])); loc != onA["public"] {
			t.Errorf("carol's lookup of bob's public post goes to %q, want %q", loc, onA["public"])
		}
		for _, vis := range []string{"followers", "direct"} {
			code, loc, body := carol.form(t, "/people/lookup", url.Values{"q": {b.uri(posts[vis])}}, false)
			if strings.Contains(body, texts[vis]) {
				t.Errorf("carol's lookup of bob's %s post shows it", vis)
			}
			if code != http.StatusNotFound {
				t.Errorf("carol's lookup of bob's %s post: got %d to %q, want 404", vis, code, loc)
			}
			if code == http.StatusSeeOther {
				if c, page := carol.get(t, loc); c == http.StatusOK && strings.Contains(page, texts[vis]) {
					t.Errorf("carol's lookup of bob's %s post leads to it at %s", vis, loc)
				}
			}
		}
	})

	t.Run("reply across instances", func(t *testing.T) {
		pub, err := a.db.PostByURI(b.uri(posts["public"]))
		if err != nil {
			t.Fatalf("a.test has no copy of bob's public post: %v", err)
		}
		text := nonce("reply")
		reply := alice.reply(t, pub.ID, text, "public")
		bob.waitPage(t, posts["public"], text)
		bob.waitCount(t, posts["public"], "reply-count", 1)
		bob.waitPage(t, "/notifications", `data-kind="reply"`, text)
		alice.waitPage(t, bobOnA+"/"+pub.ID.String(), text)
		if _, err := b.db.PostByURI(a.uri(reply)); err != nil {
			t.Errorf("b.test keeps no copy of alice's reply: %v", err)
		}
	})

	t.Run("like and repost, and their undoing", func(t *testing.T) {
		pub, err := a.db.PostByURI(b.uri(posts["public"]))
		if err != nil {
			t.Fatal(err)
		}
		onA := bobOnA + "/" + pub.ID.String()
		alice.submit(t, onA+"/like", nil)
		bob.waitCount(t, posts["public"], "like-count", 1)
		bob.waitPage(t, "/notifications", `data-kind="like"`)
		alice.submit(t, onA+"/repost", nil)
		bob.waitCount(t, posts["public"], "repost-count", 1)
		bob.waitPage(t, "/notifications", `data-kind="repost"`)
		alice.submit(t, onA+"/unlike", nil)
		bob.waitCount(t, posts["public"], "like-count", 0)
		alice.submit(t, onA+"/unrepost", nil)
		bob.waitCount(t, posts["public"], "repost-count", 0)
	})

	t.Run("edit reaches the copy", func(t *testing.T) {
		cp, err := a.db.PostByURI(b.uri(posts["public"]))
		if err != nil {
			t.Fatal(err)
		}
		edited := nonce("edited")
		bob.submit(t, posts["public"]+"/edit", url.Values{"body": {edited}})
		alice.waitPage(t, bobOnA+"/"+cp.ID.String(), edited, `data-testid="edited"`)
		if home := alice.page(t, "/"); !strings.Contains(home, edited) || strings.Contains(home, texts["public"]) {
			t.Errorf("alice's home timeline: shows the edited text %t, the old one %t; want only the edited", strings.Contains(home, edited), strings.Contains(home, texts["public"]))
		}
		if cp2, err := a.db.PostByURI(b.uri(posts["public"])); err != nil || cp2.ID != cp.ID {
			t.Errorf("after the edit a.test's copy is %v (%v), want the same post %v", cp2.ID, err, cp.ID)
		}
	})

	t.Run("delete removes the copy", func(t *testing.T) {
		cp, err := a.db.PostByURI(b.uri(posts["unlisted"]))
		if err != nil {
			t.Fatal(err)
		}
		bob.submit(t, posts["unlisted"]+"/delete", nil)
		alice.waitStatus(t, bobOnA+"/"+cp.ID.String(), http.StatusNotFound)
		if _, err := a.db.PostByURI(b.uri(posts["unlisted"])); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a.test still keeps the deleted post: %v", err)
		}
		if home := alice.page(t, "/"); strings.Contains(home, texts["unlisted"]) {
			t.Error("alice's home timeline still shows the deleted post")
		}
	})

	t.Run("a member blocks a remote account", func(t *testing.T) {
		lenaOnA := "/@lena@b.test"
		// Before: alice, a follower, reads lena's post on a.test.
		before := nonce("beforeblock")
		bp := lena.publish(t, before, "followers")
		settle(t, a, b)
		cp, err := a.db.PostByURI(b.uri(bp))
		if err != nil {
			t.Fatalf("a.test has no copy of lena's post to her followers: %v", err)
		}
		alice.waitPage(t, lenaOnA+"/"+cp.ID.String(), before)
		lena.submit(t, "/@alice@a.test/block", nil)
		lena.waitCount(t, "/@lena", "followers-count", 0)
		// alice follows bob alone now; lena's page offers her nothing to
		// follow or unfollow.
		alice.waitCount(t, "/@alice", "following-count", 1)
		alice.waitStatus(t, lenaOnA+"/"+cp.ID.String(), http.StatusNotFound)
		if page := alice.page(t, lenaOnA); strings.Contains(page, `data-testid="unfollow"`) || strings.Contains(page, `data-testid="follow"`) {
			t.Error("after lena's block, her profile on a.test still offers alice a follow button")
		}
		secret := nonce("afterblock")
		fo := lena.publish(t, secret, "followers")
		public := nonce("publicafterblock")
		lena.publish(t, public, "public")
		settle(t, a, b)
		if home := alice.page(t, "/"); strings.Contains(home, secret) || strings.Contains(home, public) {
			t.Error("alice's home timeline shows lena's posts after lena blocked her")
		}
		if code, page := alice.get(t, lenaOnA); code == http.StatusOK && strings.Contains(page, secret) {
			t.Error("lena's profile on a.test shows her followers-only post to alice after the block")
		}
		if _, err := a.db.PostByURI(b.uri(fo)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("lena's followers-only post after the block reached a.test: %v", err)
		}
	})

	t.Run("account deletion reaches the other instance", func(t *testing.T) {
		erinOnB := bob.lookup(t, erin.handle())
		bob.submit(t, erinOnB+"/follow", nil)
		bob.waitPage(t, erinOnB, `data-testid="unfollow"`)
		text := nonce("erins")
		p := erin.publish(t, text, "public")
		settle(t, a, b)
		cp, err := b.db.PostByURI(a.uri(p))
		if err != nil {
			t.Fatalf("b.test has no copy of erin's post: %v", err)
		}
		erinID := erin.user(t).ID
		erin.submit(t, "/settings/data/delete", url.Values{"password": {password}})
		if code, _ := fetch(t, a, erin.actor(), "application/activity+json"); code != http.StatusGone {
			t.Errorf("erin's actor URI after deletion: got %d, want 410", code)
		}
		bob.waitStatus(t, erinOnB, http.StatusNotFound)
		bob.waitStatus(t, erinOnB+"/"+cp.ID.String(), http.StatusNotFound)
		if _, err := b.db.RemoteUserByURI(erin.actor()); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("b.test still keeps erin's account: %v", err)
		}
		if _, err := b.db.PostByURI(a.uri(p)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("b.test still keeps erin's post: %v", err)
		}
		a.drained(t)
		waitFor(t, "erin's tombstone and key to go", func() (bool, string) {
			_, terr := a.db.TombstoneOf(erinID)
			_, kerr := a.db.StoredActorKey(erinID)
			return errors.Is(terr, storage.ErrNotFound) && errors.Is(kerr, storage.ErrNotFound),
				fmt.Sprintf("tombstone: %v, key: %v", terr, kerr)
		})
		if code, _ := fetch(t, a, erin.actor(), "application/activity+json"); code != http.StatusGone {
			t.Errorf("erin's actor URI once delivery drained: got %d, want 410", code)
		}
	})

	t.Run("admin suspends the other instance", func(t *testing.T) {
		bob.submit(t, "/admin/domains", url.Values{"domain": {"a.test"}, "severity": {"suspend"}})
		text := nonce("aftersuspend")
		p := alice.publish(t, text, "public")
		a.drained(t)
		b.inboxIdle(t)
		if _, err := b.db.PostByURI(a.uri(p)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("b.test took in alice's post after suspending a.test: %v", err)
		}
		if page := bob.page(t, "/"); strings.Contains(page, text) {
			t.Error("bob's home timeline shows alice's post after the suspension")
		}
		// Lookups are refused: of an account unknown here, and of one
		// known (alice, whom bob follows), by handle and by address.
		for _, q := range []string{"@carol@a.test", alice.handle(), alice.actor()} {
			code, _, body := bob.form(t, "/people/lookup", url.Values{"q": {q}}, false)
			if code != http.StatusForbidden {
				t.Errorf("lookup of %s on a suspended instance: got %d, want 403: %.300s", q, code, body)
			}
		}
		// A signed activity of a.test's is refused at the door.
		act := createNote(a.base+"/users/alice", a.base+"/@alice/1", nonce("refused"))
		key, err := a.fed.Keys.Private(alice.user(t).ID)
		if err != nil {
			t.Fatal(err)
		}
		if code := postInbox(t, b, act, alice.actor()+"#main-key", key, time.Now(), nil); code != http.StatusForbidden {
			t.Errorf("signed delivery from a suspended instance: got %d, want 403", code)
		}
	})
}

// fetch GETs a URI of an instance without signing, as Accept.
func fetch(t *testing.T, in *instance, uri, accept string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	cl := &http.Client{Transport: transport(in.hosts), Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", uri, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// createNote is a Create of a public Note by actor.
func createNote(actor, noteID, text string) []byte {
	act := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       noteID + "/activity",
		"type":     "Create",
		"actor":    actor,
		"to":       []string{"https://www.w3.org/ns/activitystreams#Public"},
		"object": map[string]any{
			"id":           noteID,
			"type":         "Note",
			"attributedTo": actor,
			"content":      "<p>" + text + "</p>",
			"to":           []string{"https://www.w3.org/ns/activitystreams#Public"},
			"published":    time.Now().UTC().Format(time.RFC3339),
		},
	}
	b, err := json.Marshal(act)
	if err != nil {
		panic(err)
	}
	return b
}

// postInbox delivers body to the instance's shared inbox, signed as keyID
// with key at date; send, when not nil, is the body sent instead of the
// one signed.
func postInbox(t *testing.T, in *instance, body []byte, keyID string, key *rsa.PrivateKey, date time.Time, send []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, in.base+"/inbox", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := federation.Sign(req, body, keyID, key, date); err != nil {
		t.Fatal(err)
	}
	if send != nil {
		req.Body = io.NopCloser(bytes.NewReader(send))
		req.ContentLength = int64(len(send))
	}
	cl := &http.Client{Transport: transport(in.hosts), Timeout: 10 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("POST %s/inbox: %v", in.base, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// inboxRefusals: a.test's inbox refuses, with 401 and nothing kept, a
// signature by the wrong key, a key whose owner is not the actor, a Date
// replayed outside the window and a body that is not the one whose
// Digest was signed; the same activity signed rightly is taken in.
func inboxRefusals(t *testing.T, a, b *instance, bob, lena *member) {
	bobKey, err := b.fed.Keys.Private(bob.user(t).ID)
	if err != nil {
		t.Fatal(err)
	}
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	bobKeyID := bob.actor() + "#main-key"
	type refusal struct {
		name  string
		actor string
		key   *rsa.PrivateKey
		date  time.Time
		tamp  bool
	}
	cases := []refusal{
		{name: "forged signature (wrong key)", actor: bob.actor(), key: forger, date: time.Now()},
		{name: "key's owner is not the actor", actor: lena.actor(), key: bobKey, date: time.Now()},
		{name: "date replayed outside the window", actor: bob.actor(), key: bobKey, date: time.Now().Add(-13 * time.Hour)},
		{name: "digest does not match the body", actor: bob.actor(), key: bobKey, date: time.Now(), tamp: true},
	}
	var refused []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := nonce("forged")
			noteID := b.base + "/@" + strings.TrimPrefix(c.actor, b.base+"/users/") + "/" + fmt.Sprint(time.Now().UnixNano())
			body := createNote(c.actor, noteID, text)
			var send []byte
			if c.tamp {
				send = bytes.Replace(body, []byte(text), []byte(nonce("tampered")), 1)
			}
			if code := postInbox(t, a, body, bobKeyID, c.key, c.date, send); code != http.StatusUnauthorized {
				t.Errorf("got %d, want 401", code)
			}
			if n, err := a.db.CountPendingInbox(); err != nil || n != 0 {
				t.Errorf("after the refusal the inbox queue holds %d (%v), want 0", n, err)
			}
			refused = append(refused, noteID)
		})
	}
	// The same, signed rightly, is taken in: the refusals above were the
	// signatures' doing, and a stored activity would have been seen.
	text := nonce("genuine")
	noteID := b.base + "/@bob/" + fmt.Sprint(time.Now().UnixNano())
	if code := postInbox(t, a, createNote(bob.actor(), noteID, text), bobKeyID, bobKey, time.Now(), nil); code != http.StatusAccepted {
		t.Fatalf("the genuine delivery: got %d, want 202", code)
	}
	waitFor(t, "a.test to take the genuine note in", func() (bool, string) {
		_, err := a.db.PostByURI(noteID)
		return err == nil, fmt.Sprint(err)
	})
	a.inboxIdle(t)
	for _, id := range refused {
		if _, err := a.db.PostByURI(id); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a refused note %s was stored: %v", id, err)
		}
	}
}
