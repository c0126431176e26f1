package storage

import (
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestDirectionsMigration: posts, earlier versions and bios saved before
// directions were marked per block get their dir attributes when the file
// is upgraded; HTML that needs none is left as it was.
func TestDirectionsMigration(t *testing.T) {
	step := slices.IndexFunc(migrations, func(m migration) bool {
		return m.name == "mark the text direction of each block of stored posts"
	})
	if step < 0 {
		t.Fatal("no migration step marks directions")
	}
	const (
		reply   = `<p>@bob شكرًا لك</p>`
		english = `<p>Hello there</p>`
		want    = `<p dir="rtl">@bob شكرًا لك</p>`
	)
	path := filepath.Join(t.TempDir(), "majlis.db")
	db, err := Open(path, Options{})
	must(t, err, "Open")
	amal := createUser(t, db, "amal")
	_, err = db.UpdateProfile(amal.ID, ProfileUpdate{Bio: "x", BioHTML: reply})
	must(t, err, "UpdateProfile")
	p := newPost(db, amal)
	p.HTML = reply
	must(t, db.CreatePost(&p), "CreatePost")
	q := newPost(db, amal)
	q.HTML = english
	must(t, db.CreatePost(&q), "CreatePost")
	_, err = db.EditPost(amal.ID, p.ID, PostChange{Source: "x", HTML: reply})
	must(t, err, "EditPost")
	must(t, db.Close(), "Close")

	b, err := bolt.Open(path, 0o600, nil)
	must(t, err, "bolt.Open")
	must(t, b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(uint64(step)))
	}), "write an older file")
	must(t, b.Close(), "bolt Close")

	db = openTestDBWith(t, path, Options{})
	got, err := db.PostByID(p.ID)
	must(t, err, "PostByID")
	if got.HTML != want {
		t.Errorf("post HTML %q, want %q", got.HTML, want)
	}
	if got, _ := db.PostByID(q.ID); got.HTML != english {
		t.Errorf("English post HTML %q, want it unchanged %q", got.HTML, english)
	}
	edits, err := db.PostEdits(amal.ID, p.ID)
	must(t, err, "Edits")
	if len(edits) != 1 || edits[0].HTML != want {
		t.Errorf("edits %+v, want one with HTML %q", edits, want)
	}
	if u := mustUser(t, db, amal.ID); u.BioHTML != want {
		t.Errorf("bio %q, want %q", u.BioHTML, want)
	}
}
