package storage

import (
	"errors"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestImportPost(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	uri := func(id ID) string { return fmt.Sprintf("http://here.test/@amal/%s", id) }
	when := time.Date(2021, 5, 4, 3, 2, 1, 500_000_000, time.UTC)
	imp := func(orig string, at time.Time) (Post, error) {
		p := Post{AuthorID: amal.ID, Source: "from " + orig, HTML: "<p>x</p>", Visibility: Unlisted,
			CreatedAt: at, ImportedFrom: orig, InReplyTo: 12345, Mentions: []ID{99}}
		err := db.ImportPost(&p, uri)
		return p, err
	}

	first, err := imp("http://old.test/@amal/1", when)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID.Time() != when.Truncate(time.Millisecond) || !first.CreatedAt.Equal(when) || first.URI != uri(first.ID) {
		t.Errorf("imported as id %d (%s), created %s, uri %s", first.ID, first.ID.Time(), first.CreatedAt, first.URI)
	}
	if first.InReplyTo != 0 || first.Mentions != nil || !first.Local {
		t.Errorf("imported post keeps reply %d, mentions %v, local %v", first.InReplyTo, first.Mentions, first.Local)
	}
	// Same date, another post: the next free ID.
	second, err := imp("http://old.test/@amal/2", when)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID+1 {
		t.Errorf("second id %d, want %d", second.ID, first.ID+1)
	}
	// Again: refused, with the existing ID.
	again, err := imp("http://old.test/@amal/1", when)
	if !errors.Is(err, ErrExists) || again.ID != first.ID {
		t.Errorf("re-import: %v, id %d; want ErrExists and %d", err, again.ID, first.ID)
	}
	if id, ok, err := db.ImportedPost(amal.ID, "http://old.test/@amal/2"); err != nil || !ok || id != second.ID {
		t.Errorf("ImportedPost = %d, %v, %v", id, ok, err)
	}
	if _, err := imp("http://old.test/@amal/3", time.Now().Add(time.Hour)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a post from the future: %v, want ErrInvalid", err)
	}
	if u := mustUser(t, db, amal.ID); u.PostsCount != 2 {
		t.Errorf("PostsCount %d, want 2", u.PostsCount)
	}
	// New posts still get fresh IDs after the imported ones.
	createPost(t, db, amal)

	if err := db.DeleteUser(amal.ID, true); err != nil {
		t.Fatal(err)
	}
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketImported).Cursor().First(); k != nil {
			t.Errorf("imported entry %q left after the deletion", k)
		}
		return nil
	})
}
