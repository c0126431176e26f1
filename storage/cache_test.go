package storage

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestRecordCacheRules checks the rules that keep the cache from serving a
// record older than the file: a reader whose snapshot predates a write may
// not store what it read, nor see an entry written after its snapshot, and
// evicting an entry does not forget that its record was written.
func TestRecordCacheRules(t *testing.T) {
	newCache := func(size int) *recordCache[Post] {
		return newRecordCache(size, func(p Post) Post { p.Tags = append([]string(nil), p.Tags...); return p })
	}
	tests := []struct {
		name string
		do   func(c *recordCache[Post])
		// want is what a reader with snapshot at gets for post 1.
		at   uint64
		want string
	}{
		{"a stored record is served", func(c *recordCache[Post]) {
			c.store(1, Post{Source: "v1"}, 5)
		}, 5, "v1"},
		{"a write after the snapshot makes a tombstone", func(c *recordCache[Post]) {
			c.store(1, Post{Source: "v1"}, 5)
			c.forget(1, 6)
		}, 6, ""},
		{"a reader from before the write may not store", func(c *recordCache[Post]) {
			c.forget(1, 6)
			c.store(1, Post{Source: "old"}, 5)
		}, 9, ""},
		{"a reader that saw the write may store", func(c *recordCache[Post]) {
			c.forget(1, 6)
			c.store(1, Post{Source: "v2"}, 6)
		}, 6, "v2"},
		{"an entry stored after a write is not served to older snapshots", func(c *recordCache[Post]) {
			c.forget(1, 6)
			c.store(1, Post{Source: "v2"}, 7)
		}, 5, ""},
		{"eviction keeps the last write as a floor", func(c *recordCache[Post]) {
			c.forget(1, 6)
			for i := range 8 { // two generations of 3 turn over
				c.store(ID(100+i), Post{}, 9)
			}
			c.store(1, Post{Source: "old"}, 5)
		}, 9, ""},
		{"after eviction, new snapshots store again", func(c *recordCache[Post]) {
			c.forget(1, 6)
			for i := range 8 {
				c.store(ID(100+i), Post{}, 9)
			}
			c.store(1, Post{Source: "v2"}, 9)
		}, 9, "v2"},
		{"forgetAll drops everything and bars older readers", func(c *recordCache[Post]) {
			c.store(1, Post{Source: "v1"}, 5)
			c.forgetAll(8)
			c.store(1, Post{Source: "old"}, 7)
		}, 9, ""},
		{"an old entry is found and moved to the current generation", func(c *recordCache[Post]) {
			c.store(1, Post{Source: "v1"}, 5)
			c.store(2, Post{}, 5)
			c.store(3, Post{}, 5)
			c.store(4, Post{}, 5) // turns over: 1, 2, 3 are old
		}, 5, "v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(3)
			tt.do(c)
			p, ok := c.get(1, tt.at)
			if got := p.Source; got != tt.want || ok != (tt.want != "") {
				t.Errorf("get(1, %d) = %q, %v; want %q", tt.at, got, ok, tt.want)
			}
		})
	}
}

// TestRecordCacheCopies: a caller that changes the record it got (as the
// write paths do) changes neither the cache nor what the next caller gets.
func TestRecordCacheCopies(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	p := newPost(db, amal)
	p.Tags = []string{"one"}
	if err := db.CreatePost(&p); err != nil {
		t.Fatal(err)
	}
	read := func() Post {
		var got Post
		if err := db.bolt.View(func(tx *bolt.Tx) (err error) { got, err = getPost(tx, p.ID); return err }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := read()
	first.Tags[0] = "changed"
	first.Source = "changed"
	second := read()
	if second.Tags[0] != "one" || second.Source != p.Source {
		t.Errorf("second read = %q %q, want the stored post", second.Tags, second.Source)
	}
	if s := db.CacheStats(); s.PostHits == 0 {
		t.Errorf("CacheStats = %+v: the second read did not come from the cache", s)
	}
}

// TestCacheMatchesFile runs the write paths that change posts and users,
// reading in between (so the caches fill), and after each step compares
// every cached record with the one in the file.
func TestCacheMatchesFile(t *testing.T) {
	db := openTestDB(t)
	users := []User{createUser(t, db, "amal"), createUser(t, db, "badr"), createUser(t, db, "chen")}
	var posts []Post
	for i := range 6 {
		posts = append(posts, createPost(t, db, users[i%len(users)]))
	}
	readAll := func() {
		for _, u := range users {
			// A deleted account is not found: that is fine here.
			if _, err := db.AuthorTimeline(u.ID, u.ID, true, Page{}); err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			if _, err := db.UserByID(u.ID); err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
		}
		if _, err := db.LocalTimeline(0, Page{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.HomeTimeline(users[0].ID, Page{}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"follow", func() error { _, err := db.Follow(users[0].ID, users[1].ID); return err }},
		{"like", func() error { _, err := db.Like(users[0].ID, posts[1].ID); return err }},
		{"unlike", func() error { _, err := db.Unlike(users[0].ID, posts[1].ID); return err }},
		{"repost", func() error {
			_, err := db.Repost(users[2].ID, posts[0].ID, func(id ID) string { return fmt.Sprint("r", id) })
			return err
		}},
		{"reply", func() error {
			r := newPost(db, users[1])
			r.InReplyTo = posts[0].ID
			return db.CreatePost(&r)
		}},
		{"edit", func() error {
			_, err := db.EditPost(users[0].ID, posts[0].ID, PostChange{Source: "edited", HTML: "<p>edited</p>"})
			return err
		}},
		{"profile", func() error {
			_, err := db.UpdateProfile(users[1].ID, ProfileUpdate{DisplayName: "Badr", Bio: "new bio"})
			return err
		}},
		{"pin", func() error { return db.Pin(users[0].ID, posts[0].ID) }},
		{"delete post", func() error { return db.DeletePost(posts[1].ID) }},
		{"suspend", func() error { return db.SetStatus(users[2].ID, StatusSuspended) }},
		{"delete account", func() error { return db.DeleteUser(users[2].ID, true) }},
		{"compact", func() error { _, err := db.Compact(); return err }},
		{"post after compaction", func() error { p := newPost(db, users[0]); return db.CreatePost(&p) }},
	}
	for _, s := range steps {
		readAll()
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		readAll()
		compareCaches(t, db, s.name)
	}
	if st := db.CacheStats(); st.PostHits == 0 || st.UserHits == 0 {
		t.Errorf("CacheStats = %+v: the reads never hit the caches", st)
	}
}

// compareCaches checks that every record a reader can get from the caches
// is the one in the file.
func compareCaches(t *testing.T, db *DB, step string) {
	t.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := cachesOf(tx)
		if c == nil {
			t.Fatalf("%s: the open file has no caches", step)
		}
		compareCache(t, step, "post", c.posts, tx, bucketPosts)
		compareCache(t, step, "user", c.users, tx, bucketUsers)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func compareCache[T any](t *testing.T, step, kind string, c *recordCache[T], tx *bolt.Tx, bucket []byte) {
	t.Helper()
	c.mu.Lock()
	var ids []ID
	for _, m := range []map[ID]*cacheEntry[T]{c.cur, c.old} {
		for id, e := range m {
			if e.valid {
				ids = append(ids, id)
			}
		}
	}
	c.mu.Unlock()
	for _, id := range ids {
		cached, ok := c.get(id, txID(tx))
		if !ok {
			continue
		}
		v := tx.Bucket(bucket).Get(idKey(id))
		if v == nil {
			t.Errorf("after %s: %s %d is cached but gone from the file", step, kind, id)
			continue
		}
		var stored T
		if err := decodeRecord(v, &stored); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cached, stored) {
			t.Errorf("after %s: cached %s %d differs from the file:\n cached %+v\n stored %+v", step, kind, id, cached, stored)
		}
	}
}

// TestCacheUnderConcurrentWrites likes and unlikes posts from several
// goroutines while others read them: at the end, what readers get is what
// the file holds (run with -race, this also checks the locking).
func TestCacheUnderConcurrentWrites(t *testing.T) {
	db := openTestDB(t)
	author := createUser(t, db, "author")
	var likers []User
	for i := range 4 {
		likers = append(likers, createUser(t, db, fmt.Sprintf("liker%d", i)))
	}
	var posts []Post
	for range 5 {
		posts = append(posts, createPost(t, db, author))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.Post(0, posts[rng.IntN(len(posts))].ID); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for _, u := range likers {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range 40 {
				p := posts[i%len(posts)]
				if i/len(posts)%2 == 0 {
					_, err := db.Like(u.ID, p.ID)
					if err != nil {
						t.Error(err)
					}
				} else if _, err := db.Unlike(u.ID, p.ID); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	compareCaches(t, db, "concurrent likes")
	for _, p := range posts {
		e, err := db.Post(0, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		likers, err := db.Likers(0, p.ID, Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if e.Post.Likes != len(likers.Users) {
			t.Errorf("post %d: Likes = %d, but %d accounts like it", p.ID, e.Post.Likes, len(likers.Users))
		}
	}
}

// TestHomeMergeBounds: the home timeline opens a followed account's index
// only when the merge comes down to the newest post it can hold, a bound
// kept in memory. Whatever happens after the bounds are learnt (new posts,
// a new follow, deletions, an imported post dated in the past, a
// compaction), the home timeline lists exactly the posts a full merge
// would.
func TestHomeMergeBounds(t *testing.T) {
	db := openTestDB(t)
	viewer := createUser(t, db, "viewer")
	var authors []User
	for i := range 5 {
		a := createUser(t, db, fmt.Sprintf("author%d", i))
		authors = append(authors, a)
		if i < 4 {
			if _, err := db.Follow(viewer.ID, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 + i*4 {
			createPost(t, db, a)
		}
	}
	// want lists the home timeline the slow way: every post of the viewer
	// and the accounts they follow, newest first.
	want := func() []ID {
		var ids []ID
		err := db.bolt.View(func(tx *bolt.Tx) error {
			follows := map[ID]bool{viewer.ID: true}
			forPrefix(tx.Bucket(bucketFollows), idKey(viewer.ID), func(k, _ []byte) { follows[keyID(k, 8)] = true })
			c := tx.Bucket(bucketAuthorPosts).Cursor()
			for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
				if follows[keyID(k, 0)] {
					ids = append(ids, keyID(k, 8))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(ids, func(a, b ID) int { return cmp.Compare(b, a) })
		return ids
	}
	got := func() []ID {
		var ids []ID
		for page := (Page{Limit: 4}); ; {
			tl, err := db.HomeTimeline(viewer.ID, page)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, postIDs(tl)...)
			if tl.Next == 0 {
				return ids
			}
			page.Before = tl.Next
		}
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"nothing", func() error { return nil }},
		{"a followed account posts", func() error { createPost(t, db, authors[0]); return nil }},
		{"the viewer follows someone new", func() error { _, err := db.Follow(viewer.ID, authors[4].ID); return err }},
		{"a newest post is deleted", func() error {
			tl, err := db.AuthorTimeline(viewer.ID, authors[3].ID, true, Page{Limit: 1})
			if err != nil {
				return err
			}
			return db.DeletePost(tl.Entries[0].Post.ID)
		}},
		{"an old post is imported", func() error {
			p := Post{AuthorID: authors[1].ID, Source: "old", Visibility: Public, ImportedFrom: "https://elsewhere.example/1", CreatedAt: time.Now().Add(-24 * time.Hour)}
			return db.ImportPost(&p, func(id ID) string { return fmt.Sprint("imported-", id) })
		}},
		{"compaction", func() error { _, err := db.Compact(); return err }},
		{"a post after compaction", func() error { createPost(t, db, authors[2]); return nil }},
	}
	for _, s := range steps {
		got() // learn the bounds
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if g, w := got(), want(); !slices.Equal(g, w) {
			t.Errorf("after %s: home timeline has %d posts %v,\nwant %d %v", s.name, len(g), g, len(w), w)
		}
	}
}
