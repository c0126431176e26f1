package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func mediaHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// mustPutMedia stores bytes as a 10×10 JPEG.
func mustPutMedia(t *testing.T, db *DB, data []byte) Media {
	t.Helper()
	m, err := db.PutMedia(data, "image/jpeg", 10, 10)
	if err != nil {
		t.Fatalf("PutMedia: %v", err)
	}
	return m
}

// mediaKeys counts the entries of the two media buckets.
func mediaKeys(t *testing.T, db *DB) (blobs, metas int) {
	t.Helper()
	db.bolt.View(func(tx *bolt.Tx) error {
		blobs = tx.Bucket(bucketMedia).Stats().KeyN
		metas = tx.Bucket(bucketMediaMeta).Stats().KeyN
		return nil
	})
	return blobs, metas
}

// served returns what ServeMedia hands to its callback, copied.
func served(db *DB, hash string) (Media, []byte, error) {
	var m Media
	var data []byte
	err := db.ServeMedia(hash, func(mm Media, b []byte) error {
		m, data = mm, bytes.Clone(b)
		return nil
	})
	return m, data, err
}

func TestPutMedia(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{Now: clock.Now})
	data := []byte("\xff\xd8\xff pretend this is a jpeg")

	first, err := db.PutMedia(data, "image/jpeg", 640, 480)
	if err != nil {
		t.Fatalf("PutMedia: %v", err)
	}
	want := Media{Hash: mediaHash(data), ContentType: "image/jpeg", Width: 640, Height: 480,
		Size: len(data), Refs: 0, Created: clock.Now()}
	if first != want {
		t.Errorf("got %+v, want %+v", first, want)
	}

	t.Run("same bytes twice are stored once", func(t *testing.T) {
		again, err := db.PutMedia(bytes.Clone(data), "image/jpeg", 640, 480)
		if err != nil {
			t.Fatalf("PutMedia again: %v", err)
		}
		if again.Hash != first.Hash {
			t.Errorf("got hash %s, want %s", again.Hash, first.Hash)
		}
		if blobs, metas := mediaKeys(t, db); blobs != 1 || metas != 1 {
			t.Errorf("got %d blobs and %d records, want 1 and 1", blobs, metas)
		}
	})
	t.Run("other bytes are another file", func(t *testing.T) {
		other := mustPutMedia(t, db, []byte("other bytes"))
		if other.Hash == first.Hash {
			t.Error("got the same hash for other bytes")
		}
		if blobs, metas := mediaKeys(t, db); blobs != 2 || metas != 2 {
			t.Errorf("got %d blobs and %d records, want 2 and 2", blobs, metas)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, c := range []struct {
			name string
			data []byte
			ct   string
			w, h int
		}{
			{"no bytes", nil, "image/png", 1, 1},
			{"no content type", data, "", 1, 1},
			{"no width", data, "image/png", 0, 1},
			{"negative height", data, "image/png", 1, -1},
		} {
			if _, err := db.PutMedia(c.data, c.ct, c.w, c.h); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: got %v, want ErrInvalid", c.name, err)
			}
		}
	})
}

func TestServeMedia(t *testing.T) {
	db := openTestDB(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640 kB: overflow pages
	put, err := db.PutMedia(data, "image/png", 800, 600)
	if err != nil {
		t.Fatalf("PutMedia: %v", err)
	}

	t.Run("bytes and record", func(t *testing.T) {
		m, got, err := served(db, put.Hash)
		if err != nil {
			t.Fatalf("ServeMedia: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("got %d bytes, want the %d stored", len(got), len(data))
		}
		if m != put {
			t.Errorf("got %+v, want %+v", m, put)
		}
	})
	t.Run("missing", func(t *testing.T) {
		for _, hash := range []string{
			mediaHash([]byte("never stored")),
			strings.ToUpper(put.Hash),
			"../../etc/passwd",
			"",
			put.Hash[:63],
		} {
			called := false
			err := db.ServeMedia(hash, func(Media, []byte) error { called = true; return nil })
			if !errors.Is(err, ErrNotFound) || called {
				t.Errorf("ServeMedia(%q): got %v, called %v; want ErrNotFound, not called", hash, err, called)
			}
			if _, err := db.MediaInfo(hash); !errors.Is(err, ErrNotFound) {
				t.Errorf("MediaInfo(%q): got %v, want ErrNotFound", hash, err)
			}
		}
	})
	t.Run("callback error comes back as it is", func(t *testing.T) {
		errClient := errors.New("client went away")
		if err := db.ServeMedia(put.Hash, func(Media, []byte) error { return errClient }); err != errClient {
			t.Errorf("got %v, want the callback's error", err)
		}
	})
}

func TestMediaReferences(t *testing.T) {
	db := openTestDB(t)
	data := []byte("a picture used by two posts")
	m := mustPutMedia(t, db, data)

	refs := func() int {
		t.Helper()
		info, err := db.MediaInfo(m.Hash)
		if err != nil {
			t.Fatalf("MediaInfo: %v", err)
		}
		return info.Refs
	}
	for range 2 {
		if err := db.MediaRef(m.Hash); err != nil {
			t.Fatalf("MediaRef: %v", err)
		}
	}
	if got := refs(); got != 2 {
		t.Fatalf("got %d refs, want 2", got)
	}

	if err := db.MediaUnref(m.Hash); err != nil {
		t.Fatalf("MediaUnref: %v", err)
	}
	if got := refs(); got != 1 {
		t.Errorf("after one unref: got %d refs, want 1", got)
	}
	if _, got, err := served(db, m.Hash); err != nil || !bytes.Equal(got, data) {
		t.Errorf("after one unref: ServeMedia got %q, %v; want the bytes", got, err)
	}

	if err := db.MediaUnref(m.Hash); err != nil {
		t.Fatalf("MediaUnref: %v", err)
	}
	if _, _, err := served(db, m.Hash); !errors.Is(err, ErrNotFound) {
		t.Errorf("after the last unref: ServeMedia got %v, want ErrNotFound", err)
	}
	if blobs, metas := mediaKeys(t, db); blobs != 0 || metas != 0 {
		t.Errorf("after the last unref: got %d blobs and %d records, want none", blobs, metas)
	}

	t.Run("unref of a deleted file is fine", func(t *testing.T) {
		if err := db.MediaUnref(m.Hash); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
	t.Run("ref of a missing file", func(t *testing.T) {
		if err := db.MediaRef(m.Hash); !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("unref of an unused upload keeps it", func(t *testing.T) {
		u := mustPutMedia(t, db, []byte("an upload without a post yet"))
		if err := db.MediaUnref(u.Hash); err != nil {
			t.Fatalf("MediaUnref: %v", err)
		}
		if _, _, err := served(db, u.Hash); err != nil {
			t.Errorf("ServeMedia: %v, want the upload kept for the pruner", err)
		}
	})
	t.Run("refs roll back with their transaction", func(t *testing.T) {
		r := mustPutMedia(t, db, []byte("a post that failed"))
		errPost := errors.New("post refused")
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			if err := refMedia(tx, r.Hash); err != nil {
				return err
			}
			return errPost
		})
		if !errors.Is(err, errPost) {
			t.Fatalf("got %v, want the post's error", err)
		}
		if info, _ := db.MediaInfo(r.Hash); info.Refs != 0 {
			t.Errorf("got %d refs, want 0", info.Refs)
		}
	})
}

func TestPruneUnreferencedMedia(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{Now: clock.Now})

	abandoned := mustPutMedia(t, db, []byte("uploaded, never posted"))
	posted := mustPutMedia(t, db, []byte("uploaded and posted"))
	if err := db.MediaRef(posted.Hash); err != nil {
		t.Fatalf("MediaRef: %v", err)
	}
	reuploaded := mustPutMedia(t, db, []byte("uploaded twice"))
	clock.Advance(2 * time.Hour)
	mustPutMedia(t, db, []byte("uploaded twice")) // again, now: its clock restarts
	fresh := mustPutMedia(t, db, []byte("uploaded a minute ago"))

	n, err := db.PruneUnreferencedMedia(clock.Now().Add(-time.Hour))
	if err != nil {
		t.Fatalf("PruneUnreferencedMedia: %v", err)
	}
	if n != 1 {
		t.Errorf("pruned %d, want 1", n)
	}
	for _, c := range []struct {
		name string
		m    Media
		kept bool
	}{
		{"abandoned upload", abandoned, false},
		{"referenced", posted, true},
		{"uploaded again", reuploaded, true},
		{"fresh upload", fresh, true},
	} {
		_, _, err := served(db, c.m.Hash)
		if kept := err == nil; kept != c.kept {
			t.Errorf("%s: kept %v (%v), want %v", c.name, kept, err, c.kept)
		}
	}
	if blobs, metas := mediaKeys(t, db); blobs != 3 || metas != 3 {
		t.Errorf("got %d blobs and %d records, want 3 and 3", blobs, metas)
	}
	if n, err := db.PruneUnreferencedMedia(clock.Now().Add(-time.Hour)); n != 0 || err != nil {
		t.Errorf("second prune: got %d, %v; want 0, nil", n, err)
	}
}
