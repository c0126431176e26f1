package storage

import (
	"path/filepath"
	"testing"
	"time"
)

func TestThreadRootAndRepostBy(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	root := write(t, db, amal, saying("root"))
	mid := write(t, db, bilal, saying("mid"), replyingTo(root))
	leaf := write(t, db, amal, saying("leaf"), replyingTo(mid))
	for _, p := range []Post{root, mid, leaf} {
		got, err := db.ThreadRoot(p.ID)
		if err != nil || got.ID != root.ID {
			t.Errorf("ThreadRoot(%s) = %d, %v; want the root %d", p.Source, got.ID, err, root.ID)
		}
	}
	// The walk stops at a parent that is gone.
	must(t, db.DeletePost(root.ID), "DeletePost")
	if got, err := db.ThreadRoot(leaf.ID); err != nil || got.ID != mid.ID {
		t.Errorf("ThreadRoot after the root went = %d, %v; want %d", got.ID, err, mid.ID)
	}

	id := repost(t, db, bilal, leaf.ID)
	r, err := db.RepostBy(bilal.ID, leaf.ID)
	if err != nil || r.ID != id || r.RepostOf != leaf.ID {
		t.Errorf("RepostBy = %d (of %d), %v; want %d", r.ID, r.RepostOf, err, id)
	}
	// The Undo of the Announce is told the repost's URI, its id.
	undo := []Activity{{Type: ActivityUndo, Undo: ActivityAnnounce, ActorID: bilal.ID, Object: leaf.URI, PostID: leaf.ID}}
	_, err = db.Unrepost(bilal.ID, leaf.ID, undo...)
	must(t, err, "Unrepost")
	if undo[0].Object != r.URI {
		t.Errorf("Undo's object = %q, want the repost's URI %q", undo[0].Object, r.URI)
	}
	if _, err := db.RepostBy(bilal.ID, leaf.ID); !isNotFound(err) {
		t.Errorf("RepostBy after Unrepost: %v, want ErrNotFound", err)
	}
	if _, err := db.PostByID(r.ID); !isNotFound(err) {
		t.Errorf("PostByID of the taken-back repost: %v, want ErrNotFound", err)
	}
}

func TestNameDeleted(t *testing.T) {
	db := openTestDB(t)
	amal, applicant := createUser(t, db, "amal"), createUser(t, db, "applicant")
	createUser(t, db, "bilal")
	must(t, db.DeleteUser(amal.ID, true), "DeleteUser(amal)")
	must(t, db.DeleteUser(applicant.ID, false), "DeleteUser(applicant)")
	for _, tt := range []struct {
		name string
		want bool
	}{{"amal", true}, {"AMAL", true}, {"bilal", false}, {"nobody", false}, {"applicant", false}} {
		got, err := db.NameDeleted(tt.name)
		if err != nil || got != tt.want {
			t.Errorf("NameDeleted(%q) = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestUsage(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, filepath.Join(t.TempDir(), "u.db"), Options{Now: clock.Now})
	old, recent, quiet := createUser(t, db, "old"), createUser(t, db, "recent"), createUser(t, db, "quiet")
	sus := createUser(t, db, "sus")
	write(t, db, old, saying("long ago"))
	write(t, db, sus, saying("before the suspension"))
	clock.Advance(90 * 24 * time.Hour)
	write(t, db, recent, saying("now"))
	write(t, db, recent, saying("and again"))
	must(t, db.SetStatus(sus.ID, StatusSuspended), "SetStatus")
	rem := User{Username: "rem", Domain: "far.example", URI: "https://far.example/users/rem"}
	must(t, db.PutRemoteUser(&rem), "PutRemoteUser")
	_ = quiet
	u, err := db.Usage(clock.Now())
	must(t, err, "Usage")
	want := Usage{Users: 3, ActiveMonth: 1, ActiveHalfyear: 2, LocalPosts: 3}
	if u != want {
		t.Errorf("Usage = %+v, want %+v (the suspended and the remote account are not members)", u, want)
	}
}
