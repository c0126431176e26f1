package twoinstance

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"majlis/storage"
)

// TestQuotesAcrossInstances: a member of a.test quotes a post of b.test;
// b.test accepts (its author allows everyone), the quote shows embedded
// on both sides and b.test's author is told; a post closed to quotes is
// refused before anything is sent; the quoted author detaches and the
// quote says so on a.test.
func TestQuotesAcrossInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two federating instances; skipped with -short")
	}
	a, b := startPair(t)
	alice := a.register(t, "alice")
	bob := b.register(t, "bob")

	bobOnA := alice.lookup(t, bob.handle())
	alice.submit(t, bobOnA+"/follow", nil)
	alice.waitPage(t, bobOnA, `data-testid="unfollow"`)
	aliceOnB := bob.lookup(t, alice.handle())
	bob.submit(t, aliceOnB+"/follow", nil)
	settle(t, a, b)

	words := nonce("quotable")
	bobPath := bob.publish(t, words, "public")
	settle(t, a, b)
	alice.waitPage(t, bobOnA, words)
	bobPost, err := a.db.PostByURI(b.uri(bobPath))
	if err != nil {
		t.Fatalf("bob's post on a.test: %v", err)
	}

	comment := nonce("so true")
	alicePath := alice.compose(t, url.Values{"body": {comment}, "visibility": {"public"}, "quote_of": {bobPost.ID.String()}})
	settle(t, a, b)

	// On a.test the quote was accepted by b.test: embedded.
	aliceID, _ := storage.ParseID(alicePath[strings.LastIndex(alicePath, "/")+1:])
	waitFor(t, "the quote accepted on a.test", func() (bool, string) {
		p, err := a.db.PostByID(aliceID)
		return err == nil && p.QuoteState == storage.QuoteAccepted && p.QuoteAuth != "", string(p.QuoteState)
	})
	alice.waitPage(t, alicePath, `data-testid="quoted-post"`, words)
	// b.test has the quote, accepted with its own authorization, and
	// told bob; the authorization is served.
	bob.waitPage(t, "/notifications", `data-kind="quote"`)
	q, err := b.db.PostByURI(a.uri(alicePath))
	if err != nil || q.QuoteState != storage.QuoteAccepted {
		t.Fatalf("the quote on b.test: %v %+v", err, q.QuoteState)
	}
	if code, body := fetch(t, b, q.QuoteAuth, "application/activity+json"); code != http.StatusOK || !strings.Contains(body, `"QuoteAuthorization"`) {
		t.Errorf("the authorization %s: %d %.300s", q.QuoteAuth, code, body)
	}
	bobPage := bob.waitPage(t, "/@alice@a.test", comment)
	if !strings.Contains(bobPage, `data-testid="quoted-post"`) {
		t.Errorf("b.test does not embed the quote it accepted")
	}

	// A post closed to quotes: refused on a.test, clearly.
	closed := nonce("mine alone")
	bob.compose(t, url.Values{"body": {closed}, "visibility": {"public"}, "quote_policy": {"nobody"}})
	settle(t, a, b)
	alice.waitPage(t, bobOnA, closed)
	closedPost, err := a.db.PostByURI(b.uri(strings.TrimPrefix(latestPath(t, b, "bob"), b.base)))
	if err != nil {
		t.Fatal(err)
	}
	if closedPost.QuotePolicy != storage.QuoteNobody {
		t.Errorf("a.test read the policy as %q", closedPost.QuotePolicy)
	}
	code, _, body := alice.form(t, "/posts", url.Values{"body": {"sneaky"}, "quote_of": {closedPost.ID.String()}}, false)
	if code != http.StatusForbidden || !strings.Contains(body, "does not allow you to quote") {
		t.Errorf("quote of a post closed to quotes: %d", code)
	}

	// bob detaches his post: a.test shows the quote as removed.
	qOnB, _ := b.db.PostByURI(a.uri(alicePath))
	bob.submit(t, "/@alice@a.test/"+qOnB.ID.String()+"/detach", nil)
	settle(t, a, b)
	alice.waitPage(t, alicePath, `data-testid="quote-removed"`)
}

// latestPath is the URI of a member's newest post on an instance.
func latestPath(t *testing.T, in *instance, name string) string {
	t.Helper()
	u, err := in.db.LocalUser(name)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := in.db.AuthorTimeline(u.ID, u.ID, false, storage.Page{Limit: 1})
	if err != nil || len(tl.Entries) == 0 {
		t.Fatalf("newest post of %s: %v", name, err)
	}
	return tl.Entries[0].Post.URI
}
