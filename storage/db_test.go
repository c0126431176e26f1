package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A second server started on the same file must fail fast and say why,
// not hang or corrupt the file.
func TestOpenLocked(t *testing.T) {
	db := openTestDB(t)
	start := time.Now()
	second, err := Open(db.Path(), Options{LockTimeout: 200 * time.Millisecond})
	elapsed := time.Since(start)
	if err == nil {
		second.Close()
		t.Fatalf("second Open succeeded, want ErrLocked")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second Open error = %v, want ErrLocked", err)
	}
	if elapsed > time.Second {
		t.Errorf("second Open took %s, want under 1s", elapsed)
	}
	// The first handle still works.
	if err := db.Ping(); err != nil {
		t.Errorf("Ping on the first handle: %v", err)
	}
}

func TestOpenAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "majlis.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open in a missing directory: %v", err)
	}
	amal := createUser(t, db, "amal")
	p := createPost(t, db, amal)
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db = openTestDBWith(t, path, Options{LockTimeout: 200 * time.Millisecond})
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	e, err := db.Post(0, p.ID)
	if err != nil || e.Post.Source != p.Source || e.Author.Username != "amal" {
		t.Errorf("Post after reopen = %q by %q, %v; want %q by amal", e.Post.Source, e.Author.Username, err, p.Source)
	}
}

func readSchemaVersion(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer b.Close()
	var v uint64
	err = b.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keySchemaVersion)
		if len(raw) != 8 {
			return fmt.Errorf("schema_version is %d bytes, want 8", len(raw))
		}
		v = binary.BigEndian.Uint64(raw)
		return nil
	})
	if err != nil {
		t.Fatalf("read schema version: %v", err)
	}
	return v
}

func TestOpenSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	db.Close()
	if got, want := readSchemaVersion(t, path), SchemaVersion(); got != want {
		t.Fatalf("new file schema version = %d, want %d", got, want)
	}

	t.Run("every bucket exists", func(t *testing.T) {
		b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatalf("bolt.Open: %v", err)
		}
		defer b.Close()
		b.View(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				if tx.Bucket(name) == nil {
					t.Errorf("bucket %s missing, want it created by Open", name)
				}
			}
			return nil
		})
	})

	t.Run("newer file", func(t *testing.T) {
		newer := SchemaVersion() + 1
		b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatalf("bolt.Open: %v", err)
		}
		err = b.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(newer))
		})
		b.Close()
		if err != nil {
			t.Fatalf("write schema version: %v", err)
		}

		db, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
		if err == nil {
			db.Close()
			t.Fatalf("Open of a newer file succeeded, want ErrNewerSchema")
		}
		if !errors.Is(err, ErrNewerSchema) {
			t.Errorf("Open error = %v, want ErrNewerSchema", err)
		}
		if got := readSchemaVersion(t, path); got != newer {
			t.Errorf("schema version after refused Open = %d, want %d untouched", got, newer)
		}
	})
}

func TestSessionKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	hash, block, err := db.SessionKeys()
	if err != nil {
		t.Fatalf("SessionKeys: %v", err)
	}
	if len(hash) != 32 || len(block) != 32 {
		t.Fatalf("key sizes = %d, %d; want 32, 32", len(hash), len(block))
	}
	if bytes.Equal(hash, block) || bytes.Equal(hash, make([]byte, 32)) || bytes.Equal(block, make([]byte, 32)) {
		t.Errorf("keys = %x, %x; want two distinct random keys", hash, block)
	}
	hash2, block2, err := db.SessionKeys()
	if err != nil || !bytes.Equal(hash, hash2) || !bytes.Equal(block, block2) {
		t.Errorf("second SessionKeys differ (err %v), want the same keys", err)
	}
	db.Close()

	// Signed-in users stay signed in across a restart.
	db = openTestDBWith(t, path, Options{})
	hash3, block3, err := db.SessionKeys()
	if err != nil || !bytes.Equal(hash, hash3) || !bytes.Equal(block, block3) {
		t.Errorf("SessionKeys after reopen differ (err %v), want the same keys", err)
	}

	other := openTestDB(t)
	hash4, _, err := other.SessionKeys()
	if err != nil || bytes.Equal(hash, hash4) {
		t.Errorf("another file has the same hash key (err %v), want its own", err)
	}
}

// Many people posting at once: CreatePost batches them into shared
// transactions, and none may be lost or counted twice.
func TestCreatePostConcurrent(t *testing.T) {
	const workers, perWorker = 8, 50
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	created := make(chan ID, workers*perWorker)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				p := newPost(db, amal)
				if err := db.CreatePost(&p); err != nil {
					errs <- err
					continue
				}
				created <- p.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(created)
	for err := range errs {
		t.Errorf("CreatePost: %v", err)
	}

	want := map[ID]bool{}
	for id := range created {
		want[id] = true
	}
	if len(want) != workers*perWorker {
		t.Fatalf("created %d distinct posts, want %d", len(want), workers*perWorker)
	}
	for id := range want {
		if _, err := db.Post(0, id); err != nil {
			t.Errorf("Post(%d): %v", id, err)
		}
	}
	if got := mustUser(t, db, amal.ID).PostsCount; got != workers*perWorker {
		t.Errorf("PostsCount = %d, want %d", got, workers*perWorker)
	}
	for _, tl := range []struct {
		name string
		get  func(Page) (Timeline, error)
	}{
		{"local", localTL(db)},
		{"author", func(p Page) (Timeline, error) { return db.AuthorTimeline(0, amal.ID, false, p) }},
		{"home", func(p Page) (Timeline, error) { return db.HomeTimeline(amal.ID, p) }},
	} {
		t.Run(tl.name, func(t *testing.T) {
			seen := map[ID]bool{}
			for _, page := range walk(t, tl.get, 100) {
				for _, id := range postIDs(page) {
					if seen[id] || !want[id] {
						t.Errorf("timeline lists %d (seen before: %v, created: %v), want each created post once", id, seen[id], want[id])
					}
					seen[id] = true
				}
			}
			if len(seen) != len(want) {
				t.Errorf("timeline lists %d posts, want %d", len(seen), len(want))
			}
		})
	}
}

// A failing CreatePost in a shared batch makes bbolt roll the batch back and
// run the others again: they must still be stored, and counted, once.
func TestCreatePostConcurrentWithFailures(t *testing.T) {
	const workers, perWorker = 8, 50
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	ghost := User{ID: db.NewID(), Username: "ghost"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	good, bad := 0, 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				author := amal
				if (w+i)%2 == 0 {
					author = ghost
				}
				p := newPost(db, author)
				err := db.CreatePost(&p)
				mu.Lock()
				switch {
				case author.ID == amal.ID && err == nil:
					good++
				case author.ID == ghost.ID && errors.Is(err, ErrNotFound):
					bad++
				default:
					t.Errorf("CreatePost by %s error = %v", author.Username, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if want := workers * perWorker / 2; good != want || bad != want {
		t.Fatalf("got %d stored and %d refused, want %d and %d", good, bad, want, want)
	}
	if got := mustUser(t, db, amal.ID).PostsCount; got != good {
		t.Errorf("PostsCount = %d, want %d", got, good)
	}
	n := 0
	for _, page := range walk(t, localTL(db), 100) {
		for _, e := range page.Entries {
			if e.Post.AuthorID != amal.ID {
				t.Errorf("local timeline lists a post by %d, want only amal's", e.Post.AuthorID)
			}
			n++
		}
	}
	if n != good {
		t.Errorf("local timeline lists %d posts, want %d", n, good)
	}
}
