package storage

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openTestDB opens a fresh database file in a temporary directory and closes
// it when the test ends.
func openTestDB(t testing.TB) *DB {
	t.Helper()
	return openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{})
}

// openTestDBWith opens the database at path with opts and closes it when the
// test ends.
func openTestDBWith(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// createUser stores a local account named name.
func createUser(t testing.TB, db *DB, name string) User {
	t.Helper()
	u := User{Username: name, URI: "http://localhost:8080/users/" + name}
	if err := db.CreateUser(&u); err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// createPost stores a new local public post by author.
func createPost(t testing.TB, db *DB, author User) Post {
	t.Helper()
	p := newPost(db, author)
	if err := db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost by %s: %v", author.Username, err)
	}
	return p
}

// mustUser reloads a user, to check its counts.
func mustUser(t testing.TB, db *DB, id ID) User {
	t.Helper()
	u, err := db.UserByID(id)
	if err != nil {
		t.Fatalf("UserByID(%d): %v", id, err)
	}
	return u
}

// postIDs lists the post IDs of a timeline page, in order.
func postIDs(tl Timeline) []ID {
	ids := make([]ID, 0, len(tl.Entries))
	for _, e := range tl.Entries {
		ids = append(ids, e.Post.ID)
	}
	return ids
}

// reversed returns the post IDs of ps newest first.
func reversed(ps []Post) []ID {
	ids := make([]ID, len(ps))
	for i, p := range ps {
		ids[len(ps)-1-i] = p.ID
	}
	return ids
}

// newPost makes (without storing) a local public post by author, with a
// fresh ID.
func newPost(db *DB, author User) Post {
	id := db.NewID()
	return Post{
		ID:       id,
		AuthorID: author.ID,
		URI:      fmt.Sprintf("http://localhost:8080/@%s/%s", author.Username, id),
		Source:   fmt.Sprintf("post %s by %s", id, author.Username),
		Local:    true,
	}
}

// storePosts saves posts with CreatePost from several goroutines at once, as
// a busy server would. Their IDs, not the order of the calls, decide where
// they appear in timelines. It is much faster than one call at a time,
// since CreatePost waits for a batch to fill.
func storePosts(t testing.TB, db *DB, posts []Post) {
	t.Helper()
	const workers = 16
	errs := make(chan error, len(posts))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(posts); i += workers {
				if err := db.CreatePost(&posts[i]); err != nil {
					errs <- fmt.Errorf("CreatePost %d: %w", posts[i].ID, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// followErr follows and keeps only the error, for tests about errors and
// counts. A remote followee's server is taken to accept at once, as
// the bulk loader writes such a follow.
func followErr(db *DB, follower, followee ID) error {
	state, err := db.Follow(follower, followee)
	if err != nil || state != Requested {
		return err
	}
	if u, uerr := db.UserByID(followee); uerr == nil && u.Domain != "" {
		return db.AcceptRemoteFollow(followee, follower)
	}
	return nil
}

// localTL is the local timeline as a visitor sees it.
func localTL(db *DB) func(Page) (Timeline, error) {
	return func(p Page) (Timeline, error) { return db.LocalTimeline(0, p) }
}
