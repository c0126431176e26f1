package storage

import (
	"bytes"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"majlis/markup"
)

// A file written before hashtag keys were Unicode-normalized keeps "café"
// with a combining accent, "straße" and a final "ς" under keys of their own.
// Opening it re-keys the tags index and the posts' Tags, so one tag page
// shows every spelling and deleting a post still removes its entries.
func TestUpgradeNormalizesTags(t *testing.T) {
	const (
		cafe    = "caf\u00e9"  // precomposed é: the new key
		cafeNFD = "cafe\u0301" // e + combining acute: an old key
	)
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := Open(path, Options{})
	must(t, err, "Open")
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	nfc := write(t, db, amal, tagged(cafe))
	nfd := write(t, db, bilal, tagged(cafeNFD, "go"))
	both := write(t, db, amal, tagged(cafeNFD, cafe))
	sharp := write(t, db, bilal, tagged("straße", "σοφίας"))
	private := write(t, db, amal, withVis(FollowersOnly), tagged(cafeNFD))
	// Make it a file of the schema before the step.
	step := slices.IndexFunc(migrations, func(m migration) bool { return m.name == "normalize hashtag keys" })
	if step < 0 {
		t.Fatal("no migration step normalizes hashtag keys")
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(uint64(step)))
	})
	must(t, err, "set the schema version back")
	must(t, db.Close(), "Close")

	db = openTestDBWith(t, path, Options{})
	if v, _ := db.schemaVersion(); v != SchemaVersion() {
		t.Errorf("got schema version %d, want %d", v, SchemaVersion())
	}
	tagged := func(tag string) []ID {
		return ids(walkEntries(t, func(p Page) (Timeline, error) { return db.TagTimeline(0, tag, p) }, 20))
	}
	for _, tt := range []struct {
		tag  string
		want []ID
	}{
		{cafe, []ID{both.ID, nfd.ID, nfc.ID}},
		{"go", []ID{nfd.ID}},
		{"strasse", []ID{sharp.ID}},
		{"σοφίασ", []ID{sharp.ID}},
	} {
		if got := tagged(tt.tag); !slices.Equal(got, tt.want) {
			t.Errorf("tag %q after the upgrade: got posts %v, want %v", tt.tag, got, tt.want)
		}
	}
	for _, tt := range []struct {
		p    Post
		want []string
	}{
		{nfc, []string{cafe}},
		{nfd, []string{cafe, "go"}},
		{both, []string{cafe}},
		{sharp, []string{"strasse", "σοφίασ"}},
		{private, []string{cafe}}, // not indexed, but its Tags are keys too
	} {
		var got Post
		err := db.bolt.View(func(tx *bolt.Tx) (err error) { got, err = getPost(tx, tt.p.ID); return err })
		must(t, err, "getPost")
		if !reflect.DeepEqual(got.Tags, tt.want) {
			t.Errorf("post %d Tags after the upgrade: got %q, want %q", tt.p.ID, got.Tags, tt.want)
		}
	}
	checkTagKeys(t, db)

	// The index and the posts agree: deleting a post removes its entries.
	must(t, db.DeletePost(nfd.ID), "DeletePost")
	if got, want := tagged(cafe), []ID{both.ID, nfc.ID}; !slices.Equal(got, want) {
		t.Errorf("tag %q after deleting post %d: got posts %v, want %v", cafe, nfd.ID, got, want)
	}
	if got := tagged("go"); len(got) != 0 {
		t.Errorf("tag go after deleting its only post: got posts %v, want none", got)
	}
}

// checkTagKeys fails t if an entry of the tags index has a tag that is not
// a normalized key.
func checkTagKeys(t *testing.T, db *DB) {
	t.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTags).ForEach(func(k, _ []byte) error {
			tag := string(k[:bytes.IndexByte(k, 0)])
			if key := markup.NormalizeTag(tag); key != tag {
				t.Errorf("tags index has %q, want its key %q", tag, key)
			}
			return nil
		})
	})
	must(t, err, "View")
}
