package storage

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestDeleteUser deletes an account that did a bit of everything and
// checks that nothing of it is left and that the others' counts are right.
func TestDeleteUser(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	chadi := createUser(t, db, "chadi")
	dina := createUser(t, db, "dina")
	_, err := db.UpdateProfile(dina.ID, ProfileUpdate{Locked: true})
	must(t, err, "lock dina")

	// bilal, to be deleted: posts, a reply, reposts, likes, bookmarks.
	own := write(t, db, bilal, saying("#hello from bilal"), tagged("hello"))
	amalsPost := write(t, db, amal, saying("amal's post"))
	reply := write(t, db, bilal, saying("a reply"), replyingTo(amalsPost))
	answer := write(t, db, chadi, saying("an answer to bilal"), replyingTo(own))
	repost(t, db, bilal, amalsPost.ID)
	repost(t, db, bilal, own.ID)
	repost(t, db, chadi, own.ID)
	_, err = db.Like(bilal.ID, amalsPost.ID)
	must(t, err, "Like")
	_, err = db.Like(chadi.ID, own.ID)
	must(t, err, "Like")
	must(t, db.Bookmark(bilal.ID, amalsPost.ID), "Bookmark")
	must(t, db.Bookmark(chadi.ID, own.ID), "Bookmark")
	must(t, db.Pin(bilal.ID, own.ID), "Pin")
	// Relations both ways.
	follow(t, db, bilal, amal)
	follow(t, db, amal, bilal)
	follow(t, db, chadi, bilal)
	_, err = db.Follow(bilal.ID, dina.ID) // a request: dina is locked
	must(t, err, "Follow")
	block(t, db, bilal, chadi)
	block(t, db, dina, bilal)
	mute(t, db, bilal, amal)
	mute(t, db, amal, bilal)
	adminSession(t, db, "bilal-1", bilal.ID)
	_, err = db.CreateInvite(bilal.ID, time.Time{}, 0, time.Now())
	must(t, err, "CreateInvite")
	r := Report{ReporterID: amal.ID, TargetID: bilal.ID, PostID: own.ID, Category: ReportSpam}
	must(t, db.CreateReport(&r), "CreateReport")
	_, err = db.SetProfileImage(bilal.ID, AvatarSlot,
		File{Data: []byte("avatar of bilal"), ContentType: "image/png", Width: 400, Height: 400},
		File{Data: []byte("small avatar of bilal"), ContentType: "image/png", Width: 96, Height: 96})
	must(t, err, "SetProfileImage")

	must(t, db.DeleteUser(bilal.ID, true), "DeleteUser")
	for _, b := range [][]byte{bucketMedia, bucketMediaMeta, bucketMediaProfiles} {
		if keys := keysUnder(t, db, b, nil); len(keys) != 0 {
			t.Errorf("bucket %s keeps %d entries of the deleted account's avatar", b, len(keys))
		}
	}

	if _, err := db.UserByID(bilal.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByID after deletion: %v", err)
	}
	if _, err := db.LocalUser("Bilal"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LocalUser after deletion: %v", err)
	}
	// The name stays taken.
	wantErr(t, db.CreateUser(&User{Username: "BILAL", URI: "x"}), ErrExists, "CreateUser with the deleted name")
	_, err = registerUser(db, "bilal", Registration{})
	wantErr(t, err, ErrExists, "Register with the deleted name")
	// Listings skip the reserved name.
	l, err := db.SearchUsers("b", Page{})
	must(t, err, "SearchUsers")
	if len(l.Users) != 0 {
		t.Errorf("SearchUsers(b) = %v, want nobody", l.Users)
	}

	// Every bucket keyed by the user, or by its posts, is empty of them.
	uid := idKey(bilal.ID)
	for _, b := range [][]byte{bucketAuthorPosts, bucketFollows, bucketFollowers, bucketSentRequests, bucketRequests,
		bucketBlocks, bucketBlockedBy, bucketMutes, bucketUserLikes, bucketUserReposts, bucketBookmarks,
		bucketUserSessions, bucketNotes, bucketUserInvites, bucketApplications} {
		if keys := keysUnder(t, db, b, uid); len(keys) != 0 {
			t.Errorf("bucket %s still has %d keys of the deleted account", b, len(keys))
		}
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketFollows, bucketFollowers, bucketBlocks, bucketBlockedBy, bucketMutes, bucketRequests, bucketSentRequests, bucketLikes, bucketPostMarks} {
			tx.Bucket(b).ForEach(func(k, _ []byte) error {
				if len(k) == 16 && (keyID(k, 0) == bilal.ID || keyID(k, 8) == bilal.ID) {
					t.Errorf("bucket %s still has %x", b, k)
				}
				return nil
			})
		}
		for _, id := range []ID{own.ID, reply.ID} {
			if tx.Bucket(bucketPosts).Get(idKey(id)) != nil {
				t.Errorf("post %d is still there", id)
			}
		}
		if k, _ := tx.Bucket(bucketInvites).Cursor().First(); k != nil {
			t.Errorf("an invitation of the deleted account is left: %s", k)
		}
		return nil
	})
	must(t, err, "View")
	if got := keysUnder(t, db, bucketTags, tagPrefix("hello")); len(got) != 0 {
		t.Errorf("tag index still lists %d posts", len(got))
	}

	// Counts of the others.
	a := mustUser(t, db, amal.ID)
	if a.FollowersCount != 0 || a.FollowingCount != 0 {
		t.Errorf("amal: %d followers, %d following; want 0, 0", a.FollowersCount, a.FollowingCount)
	}
	c := mustUser(t, db, chadi.ID)
	if c.FollowingCount != 0 || c.PostsCount != 1 {
		t.Errorf("chadi: following %d, posts %d; want 0 and 1 (the repost of bilal's post is gone)", c.FollowingCount, c.PostsCount)
	}
	p := postOf(t, db, amalsPost)
	if p.Likes != 0 || p.Reposts != 0 || p.Replies != 0 {
		t.Errorf("amal's post: %d likes, %d reposts, %d replies; want 0", p.Likes, p.Reposts, p.Replies)
	}
	// The answer to bilal's post stays, its parent gone.
	if _, err := db.Post(0, answer.ID); err != nil {
		t.Errorf("chadi's answer: %v", err)
	}
	if sessionsLive(db, "bilal-1")[0] {
		t.Error("a session of the deleted account still works")
	}
	if rl, _ := db.FollowRequests(dina.ID, Page{}); len(rl.Users) != 0 {
		t.Errorf("dina still has %d follow requests", len(rl.Users))
	}
	// Reports keep their snapshot.
	e, err := db.Report(r.ID)
	must(t, err, "Report")
	if e.Target != nil || e.Snapshot.Username != "bilal" {
		t.Errorf("report after deletion: target %v, snapshot %q", e.Target, e.Snapshot.Username)
	}
	// Notifications that named bilal do not show.
	for _, u := range []User{amal, chadi, dina} {
		for _, n := range allNotes(t, db, u.ID, 50) {
			if n.ActorID == bilal.ID {
				t.Errorf("%s still sees a notification by the deleted account: %+v", u.Username, n.Notification)
			}
		}
	}
	must(t, db.Check(), "Check")
}

func TestDeleteUserFreeName(t *testing.T) {
	db := openTestDB(t)
	createUser(t, db, "amal")
	b := createUser(t, db, "bilal")
	must(t, db.DeleteUser(b.ID, false), "DeleteUser")
	createUser(t, db, "Bilal")
	wantErr(t, db.DeleteUser(b.ID, false), ErrNotFound, "deleting twice")
}

// Images uploaded but not yet posted go with the account, and their files
// with them, unless something else still uses the same bytes.
func TestDeleteUserDropsPendingUploads(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	alone := putUpload(t, db, bilal, "bilal's draft picture")
	shared := putUpload(t, db, bilal, "the same picture")
	putUpload(t, db, amal, "the same picture") // amal uploaded those bytes too
	posted := putUpload(t, db, bilal, "posted elsewhere")
	putUpload(t, db, amal, "posted elsewhere")
	write(t, db, amal, withImages(posted)) // and amal posted them

	must(t, db.DeleteUser(bilal.ID, true), "DeleteUser")
	for _, tt := range []struct {
		name  string
		hash  string
		wantN int // refs, -1 for gone
	}{
		{"only bilal's upload: display", alone.Display, -1},
		{"only bilal's upload: thumbnail", alone.Thumb, -1},
		{"also amal's upload", shared.Display, 0},
		{"in amal's post", posted.Display, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := refsOf(t, db, tt.hash); got != tt.wantN {
				t.Errorf("got refs %d, want %d", got, tt.wantN)
			}
		})
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMediaUploads).ForEach(func(k, _ []byte) error {
			if keyID(k, len(k)-8) == bilal.ID {
				t.Errorf("an upload entry of the deleted account is left: %s", k[:len(k)-8])
			}
			return nil
		})
	})
	must(t, err, "View")
	if ok, _ := canServe(t, db, amal.ID, shared.Display); !ok {
		t.Error("amal's own pending upload of the same bytes is no longer served to her")
	}
	must(t, db.Check(), "Check")
}
