package storage

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"majlis/search"
)

// searchBenchPosts is the size of the benchmarks' store: big enough that
// a common word has thousands of blocks, small enough to build in
// seconds. The load tool measures the full-size store.
var searchBenchPosts = envInt("MAJLIS_SEARCH_BENCH_POSTS", 100_000)

var (
	searchBenchOnce sync.Once
	searchBenchDB   *DB
	searchBenchUser User
)

// searchBenchFixture is a store of posts of twelve words each, drawn
// from 5,000 words with a Zipf law (a few words in many posts, most in
// few), "the" in about half of them, by 100 authors who agreed to be
// found; indexed. It is built once for every benchmark of the run.
func searchBenchFixture(b *testing.B) (*DB, User) {
	searchBenchOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			b.Fatal(err)
		}
		clock := newFakeClock()
		db, err := Open(filepath.Join(dir, "majlis.db"), Options{Now: clock.Now, NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		var authors []User
		for i := range 100 {
			u := User{Username: fmt.Sprintf("author%03d", i), URI: fmt.Sprintf("http://localhost/users/a%d", i), Indexable: true}
			if err := db.CreateUser(&u); err != nil {
				b.Fatal(err)
			}
			authors = append(authors, u)
		}
		vocab := make([]string, 5000)
		for i := range vocab {
			vocab[i] = fmt.Sprintf("w%dx", i)
		}
		vocab[3], vocab[40] = "morning", "tea"
		r := rand.New(rand.NewPCG(1, 2))
		z := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
		for done := 0; done < searchBenchPosts; done += 10_000 {
			err := db.bolt.Update(func(tx *bolt.Tx) error {
				for range min(10_000, searchBenchPosts-done) {
					clock.Advance(2 * time.Second)
					a := authors[r.IntN(len(authors))]
					words := make([]string, 0, 13)
					if r.IntN(2) == 0 {
						words = append(words, "the")
					}
					for range 12 {
						words = append(words, vocab[z.Uint64()])
					}
					p := newPost(db, a)
					p.Source = strings.Join(words, " ")
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
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		if _, err := db.CatchUpSearch(); err != nil {
			b.Fatal(err)
		}
		s, err := db.SearchStats()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed %d posts in %v: %d postings, %d blocks, %d bytes of keys and values for %d bytes of text (%.2f)",
			s.Posts, time.Since(start).Round(time.Millisecond), s.Postings, s.Blocks, s.KeyValueBytes, s.TextBytes, float64(s.KeyValueBytes)/float64(s.TextBytes))
		searchBenchDB, searchBenchUser = db, authors[0]
	})
	if searchBenchDB == nil {
		b.Fatal("no fixture")
	}
	return searchBenchDB, searchBenchUser
}

func BenchmarkSearch(b *testing.B) {
	db, viewer := searchBenchFixture(b)
	for _, tt := range []struct{ name, q string }{
		{"two words", "morning tea"},
		{"one common word", "the"},
		{"one rare word", "w4000x"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			q := search.ParseQuery(tt.q)
			b.ReportAllocs()
			for b.Loop() {
				page, err := db.SearchPosts(viewer.ID, q, SearchCursor{}, 20)
				if err != nil {
					b.Fatal(err)
				}
				if tt.name != "one rare word" && len(page.Entries) != 20 {
					b.Fatalf("%q: %d results, want a full page", tt.q, len(page.Entries))
				}
			}
		})
	}
}

// osMkdirTemp is a folder for the shared fixture, which outlives any one
// benchmark's TempDir.
func osMkdirTemp() (string, error) { return os.MkdirTemp("", "majlis-search-bench") }

// TestMain removes the search benchmarks' shared fixture after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if searchBenchDB != nil {
		path := searchBenchDB.Path()
		_ = searchBenchDB.Close()
		_ = os.RemoveAll(filepath.Dir(path))
	}
	os.Exit(code)
}

// envInt reads a size from the environment (to measure another size).
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
