package handlers_test

import (
	"golang.org/x/crypto/bcrypt"

	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"majlis/handlers"
	"majlis/storage"
	"majlis/views"
)

// benchInstance is a handler over a database filled for a benchmark.
type benchInstance struct {
	db *storage.DB
	h  *handlers.Handler
}

// newBenchInstance makes authors accounts with posts posts in all, spread
// round-robin, the newest last. NoSync keeps the setup fast; it does not
// change how reads work.
func newBenchInstance(b *testing.B, authors, posts int) (*benchInstance, []storage.User) {
	b.Helper()
	db := newTestDB(b, storage.Options{NoSync: true})
	h, err := handlers.New(db, testConfig())
	if err != nil {
		b.Fatal(err)
	}
	users := make([]storage.User, authors)
	for i := range users {
		users[i] = newUser(b, db, fmt.Sprintf("author%03d", i))
	}
	for i := range posts {
		newPost(b, db, users[i%authors], fmt.Sprintf("Post number %d with **some** Markdown, a link https://example.org/%d and a few more words to make it look real.", i, i))
	}
	return &benchInstance{db: db, h: h}, users
}

// signIn logs name in through the handler and returns its cookies.
func (bi *benchInstance) signIn(b *testing.B, name string) []*http.Cookie {
	b.Helper()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {name}, "password": {"password-" + name}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	bi.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("login %s: got status %d, want 303", name, rec.Code)
	}
	return rec.Result().Cookies()
}

// benchPage serves path repeatedly and checks the first answer has want
// posts.
func (bi *benchInstance) benchPage(b *testing.B, path string, cookies []*http.Cookie, want int) {
	b.Helper()
	bi.benchItems(b, path, cookies, `data-testid="post"`, want)
}

// benchItems serves path repeatedly and checks the first answer has want
// items, each marked by marker.
func (bi *benchInstance) benchItems(b *testing.B, path string, cookies []*http.Cookie, marker string, want int) {
	b.Helper()
	bi.benchItemsCold(b, path, cookies, marker, want, false)
}

// benchItemsCold is benchItems; with cold, no card of the page was rendered
// before (the card cache is emptied before each request).
func (bi *benchInstance) benchItemsCold(b *testing.B, path string, cookies []*http.Cookie, marker string, want int, cold bool) {
	b.Helper()
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		bi.h.ServeHTTP(rec, req)
		return rec
	}
	rec := serve()
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: got status %d, want 200", path, rec.Code)
	}
	if got := strings.Count(rec.Body.String(), marker); got != want {
		b.Fatalf("%s: got %d posts, want %d", path, got, want)
	}
	b.SetBytes(int64(rec.Body.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if cold {
			views.ForgetCards() // timed: stopping the timer costs more
		}
		if rec := serve(); rec.Code != http.StatusOK {
			b.Fatalf("got status %d", rec.Code)
		}
	}
}

// BenchmarkLocalTimelinePage renders the first page (20 posts) of the local
// timeline of an instance with 1,000 posts by 50 authors.
func BenchmarkLocalTimelinePage(b *testing.B) {
	bi, _ := newBenchInstance(b, 50, 1000)
	bi.benchPage(b, "/local", nil, 20)
}

// BenchmarkHomeTimelinePage renders the first page of the home timeline of
// a viewer who follows 100 authors (1,000 posts in all).
func BenchmarkHomeTimelinePage(b *testing.B) {
	bi, authors := newBenchInstance(b, 100, 1000)
	viewer := newUser(b, bi.db, "viewer")
	for _, a := range authors {
		if _, err := bi.db.Follow(viewer.ID, a.ID); err != nil {
			b.Fatal(err)
		}
	}
	bi.benchPage(b, "/", bi.signIn(b, "viewer"), 20)
}

// BenchmarkHomeTimelineDeepPage is the home timeline's 40th page (posts
// 781-800), reached through its cursor.
func BenchmarkHomeTimelineDeepPage(b *testing.B) {
	bi, authors := newBenchInstance(b, 100, 1000)
	viewer := newUser(b, bi.db, "viewer")
	for _, a := range authors {
		if _, err := bi.db.Follow(viewer.ID, a.ID); err != nil {
			b.Fatal(err)
		}
	}
	var cursor storage.ID
	for seen := 0; seen < 780; {
		t, err := bi.db.HomeTimeline(viewer.ID, storage.Page{Before: cursor, Limit: min(100, 780-seen)})
		if err != nil {
			b.Fatal(err)
		}
		seen += len(t.Entries)
		cursor = t.Entries[len(t.Entries)-1].Post.ID
	}
	bi.benchPage(b, "/?before="+cursor.String(), bi.signIn(b, "viewer"), 20)
}

// BenchmarkSearchPage is a member's search for two words that every one of
// 1,000 posts by 50 authors holds: the first page of hits, each checked
// for the viewer's right to see it and its author's consent, then
// highlighted. "again" asks what was asked before (its hits come from the
// card cache), "new" as if no one had (each hit cut, marked and rendered).
func BenchmarkSearchPage(b *testing.B) {
	db := newTestDB(b, storage.Options{NoSync: true})
	h, err := handlers.New(db, testConfig())
	if err != nil {
		b.Fatal(err)
	}
	bi := &benchInstance{db: db, h: h}
	authors := make([]storage.User, 50)
	for i := range authors {
		name := fmt.Sprintf("author%03d", i)
		authors[i] = storage.User{Username: name, URI: testBaseURL + "/users/" + name, Indexable: true}
		if err := db.CreateUser(&authors[i]); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 1000 {
		newPost(b, db, authors[i%len(authors)], fmt.Sprintf("Post number %d with **some** Markdown, a link https://example.org/%d and a few more words to make it look real.", i, i))
	}
	newUser(b, db, "viewer")
	if _, err := bi.db.CatchUpSearch(); err != nil {
		b.Fatal(err)
	}
	ck := bi.signIn(b, "viewer")
	for _, cold := range []bool{false, true} {
		name := "again"
		if cold {
			name = "new"
		}
		b.Run(name, func(b *testing.B) {
			bi.benchItemsCold(b, "/search?q=some+words", ck, `data-testid="search-hit"`, 20, cold)
		})
	}
}

// BenchmarkPasswordHash is the cost of one sign-up (and one password
// change) at the bcrypt work factor the server uses: it bounds how many
// logins a second one core can check, and what a guess costs an attacker.
func BenchmarkPasswordHash(b *testing.B) {
	for b.Loop() {
		if _, err := bcrypt.GenerateFromPassword([]byte("correct horse battery"), handlers.DefaultPasswordCost); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPasswordCheck is the cost of one login attempt.
func BenchmarkPasswordCheck(b *testing.B) {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse battery"), handlers.DefaultPasswordCost)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := bcrypt.CompareHashAndPassword(hash, []byte("correct horse battery")); err != nil {
			b.Fatal(err)
		}
	}
}
