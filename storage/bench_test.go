package storage

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchFixture is a database with a reader following every one of authors,
// and n local posts spread evenly over them, one second apart.
type benchFixture struct {
	db      *DB
	reader  User
	authors []User
	posts   []Post // oldest first
}

func newBenchFixture(b *testing.B, nAuthors, nPosts int) *benchFixture {
	b.Helper()
	clock := newFakeClock()
	db := openTestDBWith(b, filepath.Join(b.TempDir(), "majlis.db"), Options{Now: clock.Now, NoSync: true})
	f := &benchFixture{db: db, reader: createUser(b, db, "reader")}
	for i := range nAuthors {
		a := createUser(b, db, fmt.Sprintf("author%03d", i))
		if err := followErr(db, f.reader.ID, a.ID); err != nil {
			b.Fatalf("Follow: %v", err)
		}
		f.authors = append(f.authors, a)
	}
	f.posts = seedPosts(b, db, clock, f.authors, nPosts)
	return f
}

// seedPosts writes n posts round-robin by authors straight into the buckets,
// with their index entries and counts, in one transaction. For fixtures
// only: it is much faster than n calls to CreatePost.
func seedPosts(b *testing.B, db *DB, clock *fakeClock, authors []User, n int) []Post {
	b.Helper()
	posts := make([]Post, 0, n)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		counts := map[ID]int{}
		for i := range n {
			clock.Advance(time.Second)
			a := authors[i%len(authors)]
			p := newPost(db, a)
			p.V, p.Visibility, p.CreatedAt = postVersion, Public, p.ID.Time()
			v, err := json.Marshal(p)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketPosts).Put(idKey(p.ID), v); err != nil {
				return err
			}
			if err := indexPost(tx, &p); err != nil {
				return err
			}
			counts[a.ID]++
			posts = append(posts, p)
		}
		for id, c := range counts {
			if err := updateUser(tx, id, func(u *User) { u.PostsCount += c }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed posts: %v", err)
	}
	return posts
}

// benchPage reads one page b.N times and checks its size.
func benchPage(b *testing.B, get func(Page) (Timeline, error), page Page, want int) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		tl, err := get(page)
		if err != nil {
			b.Fatal(err)
		}
		if len(tl.Entries) != want {
			b.Fatalf("got %d entries, want %d", len(tl.Entries), want)
		}
	}
}

func BenchmarkHomeTimeline(b *testing.B) {
	f := newBenchFixture(b, 100, 20_000)
	home := func(p Page) (Timeline, error) { return f.db.HomeTimeline(f.reader.ID, p) }
	b.Run("newest", func(b *testing.B) { benchPage(b, home, Page{Limit: 20}, 20) })
	b.Run("middle", func(b *testing.B) { benchPage(b, home, Page{Before: f.posts[10_000].ID, Limit: 20}, 20) })
}

func BenchmarkLocalTimeline(b *testing.B) {
	f := newBenchFixture(b, 100, 20_000)
	local := func(p Page) (Timeline, error) { return f.db.LocalTimeline(0, p) }
	b.Run("newest", func(b *testing.B) { benchPage(b, local, Page{Limit: 20}, 20) })
	b.Run("middle", func(b *testing.B) { benchPage(b, local, Page{Before: f.posts[10_000].ID, Limit: 20}, 20) })
}

func BenchmarkAuthorTimeline(b *testing.B) {
	f := newBenchFixture(b, 100, 20_000)
	a := f.authors[42]
	author := func(p Page) (Timeline, error) { return f.db.AuthorTimeline(0, a.ID, false, p) }
	b.Run("newest", func(b *testing.B) { benchPage(b, author, Page{Limit: 20}, 20) })
	b.Run("middle", func(b *testing.B) { benchPage(b, author, Page{Before: f.posts[10_042].ID, Limit: 20}, 20) })
}

// BenchmarkCreatePost uses the real API on a synced file, as a server runs.
// One writer at a time waits for bbolt's batch delay; parallel writers share
// transactions.
func BenchmarkCreatePost(b *testing.B) {
	setup := func(b *testing.B) (*DB, User) {
		db := openTestDBWith(b, filepath.Join(b.TempDir(), "majlis.db"), Options{})
		return db, createUser(b, db, "amal")
	}
	b.Run("serial", func(b *testing.B) {
		db, amal := setup(b)
		b.ReportAllocs()
		for b.Loop() {
			p := newPost(db, amal)
			if err := db.CreatePost(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		db, amal := setup(b)
		b.ReportAllocs()
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p := newPost(db, amal)
				if err := db.CreatePost(&p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
