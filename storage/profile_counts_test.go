package storage

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The post count a profile shows depends on the viewer: a private post
// must not raise the count for someone who cannot see it.
func TestVisiblePostsCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	db, err := Open(path, Options{})
	must(t, err, "Open")
	amal := createUser(t, db, "amal")
	fan := createUser(t, db, "fan")
	dave := createUser(t, db, "dave")
	follow(t, db, fan, amal)
	shared := write(t, db, fan, saying("something to repost"))
	write(t, db, amal, saying("public"))
	write(t, db, amal, withVis(Unlisted), saying("unlisted"))
	write(t, db, amal, withVis(FollowersOnly), saying("followers"))
	write(t, db, amal, withVis(FollowersOnly), mentioning(dave), saying("followers and dave"))
	gone := write(t, db, amal, withVis(Direct), mentioning(dave), saying("dave only"))
	write(t, db, amal, withVis(Direct), mentioning(dave), saying("dave again"))
	repost(t, db, amal, shared.ID)
	must(t, db.DeletePost(gone.ID), "DeletePost")

	want := []struct {
		name    string
		viewer  User
		follows bool
		n       int
	}{
		{"visitor", User{}, false, 3}, // public, unlisted, repost
		{"dave, mentioned but no follower", dave, false, 3},
		{"follower", fan, true, 5},
		{"amal herself", amal, false, 6},
	}
	check := func(t *testing.T, db *DB) {
		t.Helper()
		u := mustUser(t, db, amal.ID)
		for _, tt := range want {
			if got := u.VisiblePostsCount(tt.viewer.ID, tt.follows); got != tt.n {
				t.Errorf("%s: got %d posts, want %d", tt.name, got, tt.n)
			}
		}
	}
	t.Run("kept on write", func(t *testing.T) { check(t, db) })

	// A file from before the counts were kept is counted when opened. The
	// step is found by name: steps appended later must not skip it.
	step := slices.IndexFunc(migrations, func(m migration) bool {
		return m.name == "count followers-only and direct posts per account"
	})
	if step < 0 {
		t.Fatal("no migration step counts private posts")
	}
	must(t, db.Close(), "Close")
	b, err := bolt.Open(path, 0o600, nil)
	must(t, err, "bolt.Open")
	err = b.Update(func(tx *bolt.Tx) error {
		var u map[string]json.RawMessage
		k := idKey(amal.ID)
		if err := json.Unmarshal(tx.Bucket(bucketUsers).Get(k), &u); err != nil {
			return err
		}
		delete(u, "followers_posts_count")
		delete(u, "direct_posts_count")
		v, err := json.Marshal(u)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketUsers).Put(k, v); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(uint64(step)))
	})
	must(t, err, "write an older file")
	must(t, b.Close(), "bolt Close")
	t.Run("after the upgrade", func(t *testing.T) { check(t, openTestDBWith(t, path, Options{})) })
}
