package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// putRemote stores a remote account named name@domain.
func putRemote(t testing.TB, db *DB, name, domain string) User {
	t.Helper()
	u := User{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name}
	must(t, db.PutRemoteUser(&u), "PutRemoteUser(%s@%s)", name, domain)
	return u
}

// pending lists the queued activities, oldest first.
func pending(t testing.TB, db *DB) []Activity {
	t.Helper()
	var all []Activity
	var after ID
	for {
		page, err := db.PendingActivities(after, 2)
		must(t, err, "PendingActivities(%d)", after)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
}

// checkClean runs the consistency check and fails the test on a problem.
func checkClean(t testing.TB, db *DB, when string) {
	t.Helper()
	if err := db.Check(); err != nil {
		t.Errorf("Check %s: %v", when, err)
	}
}

// outboxWorld is a small instance: amal acts; bilal is local; rem is a
// remote account, following amal or not.
type outboxWorld struct {
	db          *DB
	amal, bilal User
	rem         User
}

func newOutboxWorld(t *testing.T, remoteFollower bool) *outboxWorld {
	t.Helper()
	db := openTestDB(t)
	w := &outboxWorld{db: db, amal: createUser(t, db, "amal"), bilal: createUser(t, db, "bilal")}
	w.rem = putRemote(t, db, "rem", "far.example")
	if remoteFollower {
		follow(t, db, w.rem, w.amal)
	}
	return w
}

// Every storage method of a federating action queues the activities it
// is given, in its own transaction: with a remote follower of the actor
// the activity is there once the action returns; a refused action queues
// nothing; without a remote follower (and nobody remote addressed)
// nothing is queued either.
func TestOutboxHookedActions(t *testing.T) {
	type action func(w *outboxWorld, a ...Activity) error
	tests := []struct {
		name  string
		setup func(t *testing.T, w *outboxWorld)
		act   action // succeeds
		fail  action // is refused, after act
	}{
		{"CreatePost", nil,
			func(w *outboxWorld, a ...Activity) error {
				p := newPost(w.db, w.amal)
				return w.db.CreatePost(&p, a...)
			},
			func(w *outboxWorld, a ...Activity) error {
				p := newPost(w.db, w.amal)
				p.InReplyTo = 12345 // no such post
				return w.db.CreatePost(&p, a...)
			}},
		{"EditPost", nil,
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.EditPost(w.amal.ID, w.lastPost(), PostChange{Source: "edited", HTML: "<p>edited</p>"}, a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.EditPost(w.bilal.ID, w.lastPost(), PostChange{Source: "not mine"}, a...)
				return err
			}},
		{"DeletePost", nil,
			func(w *outboxWorld, a ...Activity) error { return w.db.DeletePost(w.lastPost(), a...) },
			func(w *outboxWorld, a ...Activity) error { return w.db.DeletePost(12345, a...) }},
		{"Like", nil,
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Like(w.amal.ID, w.bilalPost(), a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Like(w.amal.ID, w.bilalPost(), a...)
				return err
			}},
		{"Unlike", func(t *testing.T, w *outboxWorld) {
			_, err := w.db.Like(w.amal.ID, w.bilalPost())
			must(t, err, "Like")
		},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Unlike(w.amal.ID, w.bilalPost(), a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Unlike(w.amal.ID, w.bilalPost(), a...)
				return err
			}},
		{"Repost", nil,
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Repost(w.amal.ID, w.bilalPost(), testURI, a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Repost(w.amal.ID, w.bilalPost(), testURI, a...)
				return err
			}},
		{"Unrepost", func(t *testing.T, w *outboxWorld) { repost(t, w.db, w.amal, w.bilalPost()) },
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Unrepost(w.amal.ID, w.bilalPost(), a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Unrepost(w.amal.ID, w.bilalPost(), a...)
				return err
			}},
		{"Pin", nil,
			func(w *outboxWorld, a ...Activity) error { return w.db.Pin(w.amal.ID, w.lastPost(), a...) },
			func(w *outboxWorld, a ...Activity) error { return w.db.Pin(w.amal.ID, w.lastPost(), a...) }},
		{"Unpin", func(t *testing.T, w *outboxWorld) { must(t, w.db.Pin(w.amal.ID, w.lastPost()), "Pin") },
			func(w *outboxWorld, a ...Activity) error { return w.db.Unpin(w.amal.ID, w.lastPost(), a...) },
			func(w *outboxWorld, a ...Activity) error { return w.db.Unpin(w.amal.ID, w.lastPost(), a...) }},
		{"Follow", nil,
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Follow(w.amal.ID, w.bilal.ID, a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Follow(w.amal.ID, w.bilal.ID, a...)
				return err
			}},
		{"Unfollow", func(t *testing.T, w *outboxWorld) { follow(t, w.db, w.amal, w.bilal) },
			func(w *outboxWorld, a ...Activity) error { return w.db.Unfollow(w.amal.ID, w.bilal.ID, a...) },
			func(w *outboxWorld, a ...Activity) error { return w.db.Unfollow(w.amal.ID, w.bilal.ID, a...) }},
		{"AcceptFollowRequest", requestFromBilal,
			func(w *outboxWorld, a ...Activity) error {
				return w.db.AcceptFollowRequest(w.amal.ID, w.bilal.ID, a...)
			},
			func(w *outboxWorld, a ...Activity) error {
				return w.db.AcceptFollowRequest(w.amal.ID, w.bilal.ID, a...)
			}},
		{"RejectFollowRequest", requestFromBilal,
			func(w *outboxWorld, a ...Activity) error {
				return w.db.RejectFollowRequest(w.amal.ID, w.bilal.ID, a...)
			},
			func(w *outboxWorld, a ...Activity) error {
				return w.db.RejectFollowRequest(w.amal.ID, w.bilal.ID, a...)
			}},
		{"Block", nil,
			func(w *outboxWorld, a ...Activity) error { return w.db.Block(w.amal.ID, w.bilal.ID, a...) },
			func(w *outboxWorld, a ...Activity) error { return w.db.Block(w.amal.ID, w.bilal.ID, a...) }},
		{"Unblock", func(t *testing.T, w *outboxWorld) { block(t, w.db, w.amal, w.bilal) },
			func(w *outboxWorld, a ...Activity) error { return w.db.Unblock(w.amal.ID, w.bilal.ID, a...) },
			func(w *outboxWorld, a ...Activity) error { return w.db.Unblock(w.amal.ID, w.bilal.ID, a...) }},
		{"UpdateProfile", nil,
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.UpdateProfile(w.amal.ID, ProfileUpdate{DisplayName: "Amal"}, a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.UpdateProfile(12345, ProfileUpdate{DisplayName: "nobody"}, a...)
				return err
			}},
		{"SetProfileImage", nil,
			func(w *outboxWorld, a ...Activity) error {
				d, th := testFiles("avatar")
				_, err := w.db.SetProfileImage(w.amal.ID, AvatarSlot, d, th, a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				d, th := testFiles("avatar")
				_, err := w.db.SetProfileImage(12345, AvatarSlot, d, th, a...)
				return err
			}},
		{"RemoveProfileImage", func(t *testing.T, w *outboxWorld) {
			d, th := testFiles("avatar")
			_, err := w.db.SetProfileImage(w.amal.ID, AvatarSlot, d, th)
			must(t, err, "SetProfileImage")
		},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.RemoveProfileImage(w.amal.ID, AvatarSlot, a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.RemoveProfileImage(12345, AvatarSlot, a...)
				return err
			}},
		// Who sends a Flag is the action's choice (the instance, for a
		// member's report); the hook queues what it is given.
		{"CreateReport", nil,
			func(w *outboxWorld, a ...Activity) error {
				return w.db.CreateReport(&Report{ReporterID: w.amal.ID, TargetID: w.bilal.ID, Category: ReportSpam}, a...)
			},
			func(w *outboxWorld, a ...Activity) error {
				return w.db.CreateReport(&Report{ReporterID: w.amal.ID, TargetID: w.bilal.ID, Category: ReportSpam}, a...)
			}},
		{"Moderate", nil,
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Moderate(Action{Kind: ActSilence, ActorID: w.amal.ID, TargetID: w.bilal.ID}, a...)
				return err
			},
			func(w *outboxWorld, a ...Activity) error {
				_, err := w.db.Moderate(Action{Kind: ActSilence, ActorID: w.amal.ID, TargetID: w.bilal.ID}, a...)
				return err
			}},
		// The account's own Delete, with its followers read before they go.
		{"DeleteUser", nil,
			func(w *outboxWorld, a ...Activity) error { return w.db.DeleteUser(w.amal.ID, true, a...) },
			func(w *outboxWorld, a ...Activity) error { return w.db.DeleteUser(w.amal.ID, true, a...) }},
	}
	for _, tt := range tests {
		for _, withFollower := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/remote follower %v", tt.name, withFollower), func(t *testing.T) {
				w := newOutboxWorld(t, withFollower)
				write(t, w.db, w.bilal, saying("bilal's"))
				write(t, w.db, w.amal, saying("amal's"))
				if tt.setup != nil {
					tt.setup(t, w)
				}
				before := len(pending(t, w.db))
				acts := []Activity{{Type: ActivityUpdate, ActorID: w.amal.ID, Object: w.amal.URI, To: []ID{w.bilal.ID}}}
				must(t, tt.act(w, acts...), "%s", tt.name)
				if acts[0].ID == 0 {
					t.Errorf("the caller's activity got no ID")
				}
				got := pending(t, w.db)
				want := before
				if withFollower {
					want++
				}
				if len(got) != want {
					t.Fatalf("after %s: got %d queued, want %d", tt.name, len(got), want)
				}
				if withFollower {
					a := got[len(got)-1]
					if a.ID != acts[0].ID || a.Type != ActivityUpdate || a.ActorID != w.amal.ID || a.CreatedAt.IsZero() || a.V != activityVersion {
						t.Errorf("queued %+v, want the activity passed (id %d)", a, acts[0].ID)
					}
				}
				checkClean(t, w.db, "after "+tt.name)

				failed := []Activity{{Type: ActivityUpdate, ActorID: w.amal.ID, Object: w.amal.URI}}
				if err := tt.fail(w, failed...); err == nil {
					t.Fatalf("the refused %s: got nil error", tt.name)
				}
				if n := len(pending(t, w.db)); n != want {
					t.Errorf("after a refused %s: got %d queued, want %d", tt.name, n, want)
				}
				checkClean(t, w.db, "after a refused "+tt.name)
			})
		}
	}
}

// lastPost is the newest post of amal.
func (w *outboxWorld) lastPost() ID { return w.newestBy(w.amal) }

// bilalPost is the newest post of bilal.
func (w *outboxWorld) bilalPost() ID { return w.newestBy(w.bilal) }

func (w *outboxWorld) newestBy(u User) ID {
	var id ID
	_ = w.db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAuthorPosts).Cursor()
		if k := seekBefore(c, idKey(u.ID), 0); len(k) == 16 && keyID(k, 0) == u.ID {
			id = keyID(k, 8)
		}
		return nil
	})
	return id
}

// requestFromBilal locks amal's account and has bilal ask to follow.
func requestFromBilal(t *testing.T, w *outboxWorld) {
	t.Helper()
	_, err := w.db.UpdateProfile(w.amal.ID, ProfileUpdate{Locked: true})
	must(t, err, "lock amal")
	st, err := w.db.Follow(w.bilal.ID, w.amal.ID)
	must(t, err, "Follow")
	if st != Requested {
		t.Fatalf("got follow state %v, want Requested", st)
	}
}

// An activity is kept when it has somewhere to go: a remote follower of
// its actor, or a remote account it addresses (To), concerns (TargetID)
// or whose post it is about (the post's author, or the author it
// answers). Nothing else is kept, and nothing an account of another
// server does (its server speaks for it).
func TestOutboxAudience(t *testing.T) {
	w := newOutboxWorld(t, false)
	db := w.db
	theirs := write(t, db, w.rem, saying("from far away"))
	mine := write(t, db, w.amal, saying("local"))
	reply := write(t, db, w.amal, replyingTo(theirs))
	tests := []struct {
		name string
		a    Activity
		want bool
	}{
		{"local only", Activity{Type: ActivityCreate, ActorID: w.amal.ID, PostID: mine.ID, To: []ID{w.bilal.ID}}, false},
		{"addressed to a remote account", Activity{Type: ActivityCreate, ActorID: w.amal.ID, PostID: mine.ID, To: []ID{w.bilal.ID, w.rem.ID}}, true},
		{"concerning a remote account", Activity{Type: ActivityFollow, ActorID: w.amal.ID, TargetID: w.rem.ID}, true},
		{"about a remote account's post", Activity{Type: ActivityLike, ActorID: w.amal.ID, PostID: theirs.ID}, true},
		{"a reply to a remote account's post", Activity{Type: ActivityCreate, ActorID: w.amal.ID, PostID: reply.ID}, true},
		{"the instance reporting a remote account", Activity{Type: ActivityFlag, TargetID: w.rem.ID}, true},
		{"the instance reporting a local account", Activity{Type: ActivityFlag, TargetID: w.bilal.ID}, false},
		{"an unknown account", Activity{Type: ActivityFollow, ActorID: w.amal.ID, TargetID: 12345}, false},
		{"acted by a remote account", Activity{Type: ActivityFollow, ActorID: w.rem.ID, TargetID: w.amal.ID}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acts := []Activity{tt.a}
			must(t, db.stampActivities(acts), "stampActivities")
			must(t, db.bolt.Update(func(tx *bolt.Tx) error { return recordOutgoing(tx, acts) }), "recordOutgoing")
			got := slices.ContainsFunc(pending(t, db), func(a Activity) bool { return a.ID == acts[0].ID })
			if got != tt.want {
				t.Errorf("got queued %v, want %v", got, tt.want)
			}
		})
	}
}

// On an instance that knows no remote account nothing is queued, and the
// outbox costs one look at an empty index.
func TestOutboxWithoutRemoteAccounts(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	follow(t, db, bilal, amal)
	p := newPost(db, amal)
	must(t, db.CreatePost(&p, Activity{Type: ActivityCreate, ActorID: amal.ID, PostID: p.ID, To: []ID{bilal.ID}}), "CreatePost")
	must(t, db.DeleteUser(amal.ID, true, Activity{Type: ActivityDelete, ActorID: amal.ID, Object: amal.URI}), "DeleteUser")
	if n, err := db.CountPendingActivities(); err != nil || n != 0 {
		t.Errorf("got %d queued, %v; want 0", n, err)
	}
	if _, err := db.TombstoneOf(amal.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("TombstoneOf a deleted account with nothing queued: got %v, want ErrNotFound", err)
	}
}

// An unknown activity type is a mistake of the caller: the action is
// refused before it starts.
func TestOutboxRefusesUnknownTypes(t *testing.T) {
	w := newOutboxWorld(t, true)
	for _, a := range []Activity{{Type: "Poke"}, {Type: ActivityUndo, Undo: "Poke"}, {}} {
		p := newPost(w.db, w.amal)
		wantErr(t, w.db.CreatePost(&p, a), ErrInvalid, "CreatePost with %+v", a)
		if ok, _ := w.db.PostExists(p.ID); ok {
			t.Errorf("post %d was written though its activity was refused", p.ID)
		}
	}
	if n := len(pending(t, w.db)); n != 0 {
		t.Errorf("got %d queued, want 0", n)
	}
}

// CreatePost, Like and the other actions run in bbolt's Batch, which runs
// an action's function again when another in its batch fails. The IDs are
// fixed before, so each action is queued once, under the ID its caller
// holds, and the refused one not at all.
func TestOutboxBatchRetries(t *testing.T) {
	w := newOutboxWorld(t, true)
	const n = 12
	acts := make([][]Activity, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		acts[i] = []Activity{{Type: ActivityCreate, ActorID: w.amal.ID}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newPost(w.db, w.amal)
			if i%4 == 3 {
				p.InReplyTo = 12345 // refused: fails its batch, which runs the others again
			}
			acts[i][0].PostID = p.ID
			errs[i] = w.db.CreatePost(&p, acts[i]...)
		}()
	}
	wg.Wait()
	var want []ID
	for i := range n {
		if i%4 == 3 {
			wantErr(t, errs[i], ErrNotFound, "CreatePost %d", i)
			continue
		}
		must(t, errs[i], "CreatePost %d", i)
		want = append(want, acts[i][0].ID)
	}
	var got []ID
	for _, a := range pending(t, w.db) {
		got = append(got, a.ID)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got queued %v, want %v", got, want)
	}

	// Writing the same activities again (a function run twice in one
	// transaction) writes the same keys.
	again := []Activity{{Type: ActivityLike, ActorID: w.amal.ID}, {Type: ActivityAnnounce, ActorID: w.amal.ID}}
	must(t, w.db.stampActivities(again), "stampActivities")
	must(t, w.db.bolt.Update(func(tx *bolt.Tx) error {
		for range 3 {
			if err := recordOutgoing(tx, again); err != nil {
				return err
			}
		}
		return nil
	}), "recordOutgoing")
	if got, want := len(pending(t, w.db)), len(want)+2; got != want {
		t.Errorf("after writing two activities three times: got %d queued, want %d", got, want)
	}
}

// The delivery workers page through the queue and take what they
// delivered off it.
func TestPendingActivitiesAndFinish(t *testing.T) {
	w := newOutboxWorld(t, true)
	var ids []ID
	for range 5 {
		p := newPost(w.db, w.amal)
		a := []Activity{{Type: ActivityCreate, ActorID: w.amal.ID, PostID: p.ID, Object: p.URI}}
		must(t, w.db.CreatePost(&p, a...), "CreatePost")
		ids = append(ids, a[0].ID)
	}
	tests := []struct {
		after ID
		limit int
		want  []ID
	}{
		{0, 2, ids[:2]},
		{ids[1], 2, ids[2:4]},
		{ids[3], 2, ids[4:]},
		{ids[4], 2, nil},
		{0, 0, ids},
		{0, -1, ids},
		{ids[2] - 1, 1, ids[2:3]},
		{^ID(0), 10, nil},
	}
	for _, tt := range tests {
		got, err := w.db.PendingActivities(tt.after, tt.limit)
		must(t, err, "PendingActivities")
		var gotIDs []ID
		for _, a := range got {
			gotIDs = append(gotIDs, a.ID)
		}
		if !slices.Equal(gotIDs, tt.want) {
			t.Errorf("PendingActivities(%d, %d): got %v, want %v", tt.after, tt.limit, gotIDs, tt.want)
		}
	}
	must(t, w.db.FinishActivity(ids[1]), "FinishActivity")
	wantErr(t, w.db.FinishActivity(ids[1]), ErrNotFound, "FinishActivity twice")
	wantErr(t, w.db.FinishActivity(12345), ErrNotFound, "FinishActivity of an unknown ID")
	if n, err := w.db.CountPendingActivities(); err != nil || n != 4 {
		t.Errorf("CountPendingActivities: got %d, %v; want 4", n, err)
	}
	got := pending(t, w.db)
	if len(got) != 4 || got[0].ID != ids[0] || got[1].ID != ids[2] {
		t.Errorf("after finishing %d: got %v", ids[1], got)
	}
}

// Decision (doc.go, tombstones): deleting a member keeps every activity
// of theirs not yet delivered, their Delete among them, and a tombstone
// with their name and URI; the tombstone goes with the last of them.
func TestDeletedAccountActivitiesDrain(t *testing.T) {
	w := newOutboxWorld(t, true)
	p := newPost(w.db, w.amal)
	must(t, w.db.CreatePost(&p, Activity{Type: ActivityCreate, ActorID: w.amal.ID, PostID: p.ID}), "CreatePost")
	del := []Activity{{Type: ActivityDelete, ActorID: w.amal.ID, Object: w.amal.URI, TargetID: w.amal.ID}}
	must(t, w.db.DeleteUser(w.amal.ID, true, del...), "DeleteUser")

	got := pending(t, w.db)
	if len(got) != 2 || got[1].ID != del[0].ID {
		t.Fatalf("after the deletion: got %+v, want the Create and the Delete", got)
	}
	ts, err := w.db.TombstoneOf(w.amal.ID)
	if err != nil || ts.URI != w.amal.URI || ts.Username != "amal" || ts.Pending != 2 || ts.DeletedAt.IsZero() {
		t.Fatalf("TombstoneOf: got %+v, %v; want amal's URI, 2 pending", ts, err)
	}
	// Nothing else of the account stays: not its follows, not its name.
	if hasKey(t, w.db, bucketRemoteFollowers, pairKey(w.amal.ID, w.rem.ID)) {
		t.Errorf("remote_followers still lists the deleted account's follower")
	}
	if _, err := w.db.UserByID(w.amal.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByID of the deleted account: got %v, want ErrNotFound", err)
	}
	checkClean(t, w.db, "with a tombstone")

	must(t, w.db.FinishActivity(got[0].ID), "FinishActivity")
	if ts, err := w.db.TombstoneOf(w.amal.ID); err != nil || ts.Pending != 1 {
		t.Errorf("after one drained: got %+v, %v; want 1 pending", ts, err)
	}
	checkClean(t, w.db, "after one drained")
	must(t, w.db.FinishActivity(got[1].ID), "FinishActivity")
	if _, err := w.db.TombstoneOf(w.amal.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after the last drained: got %v, want ErrNotFound", err)
	}
	checkClean(t, w.db, "after the last drained")
}

// remote_followers lists exactly the follows whose follower is remote,
// through every path that adds or ends a follow.
func TestRemoteFollowersIndex(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	rem, far := putRemote(t, db, "rem", "far.example"), putRemote(t, db, "far", "other.example")
	has := func(followee, follower User) bool {
		return hasKey(t, db, bucketRemoteFollowers, pairKey(followee.ID, follower.ID))
	}
	steps := []struct {
		name string
		do   func() error
		want map[[2]string]bool // followee, follower => listed
	}{
		{"a local follower is not listed", func() error { return followErr(db, bilal.ID, amal.ID) },
			map[[2]string]bool{{"amal", "bilal"}: false}},
		{"a remote follower is", func() error { return followErr(db, rem.ID, amal.ID) },
			map[[2]string]bool{{"amal", "rem"}: true}},
		{"a local member following a remote account is not", func() error { return followErr(db, amal.ID, rem.ID) },
			map[[2]string]bool{{"rem", "amal"}: false}},
		{"unfollow", func() error { return db.Unfollow(rem.ID, amal.ID) },
			map[[2]string]bool{{"amal", "rem"}: false}},
		{"an accepted request", func() error {
			if _, err := db.UpdateProfile(bilal.ID, ProfileUpdate{Locked: true}); err != nil {
				return err
			}
			if err := followErr(db, rem.ID, bilal.ID); err != nil {
				return err
			}
			if has(bilal, rem) {
				return errors.New("listed while only requested")
			}
			return db.AcceptFollowRequest(bilal.ID, rem.ID)
		}, map[[2]string]bool{{"bilal", "rem"}: true}},
		{"a request accepted by unlocking", func() error {
			if err := followErr(db, far.ID, bilal.ID); err != nil {
				return err
			}
			_, err := db.UpdateProfile(bilal.ID, ProfileUpdate{Locked: false})
			return err
		}, map[[2]string]bool{{"bilal", "far"}: true}},
		{"a block ends it", func() error { return db.Block(bilal.ID, rem.ID) },
			map[[2]string]bool{{"bilal", "rem"}: false, {"bilal", "far"}: true}},
		{"the remote follower's deletion", func() error { return db.DeleteUser(far.ID, false) },
			map[[2]string]bool{{"bilal", "far"}: false}},
		{"the followee's deletion", func() error {
			if err := followErr(db, rem.ID, amal.ID); err != nil {
				return err
			}
			return db.DeleteUser(amal.ID, true)
		}, map[[2]string]bool{{"amal", "rem"}: false}},
	}
	byName := map[string]User{"amal": amal, "bilal": bilal, "rem": rem, "far": far}
	for _, st := range steps {
		must(t, st.do(), "%s", st.name)
		for pair, want := range st.want {
			if got := has(byName[pair[0]], byName[pair[1]]); got != want {
				t.Errorf("%s: %s followed by %s listed %v, want %v", st.name, pair[0], pair[1], got, want)
			}
		}
		checkClean(t, db, "after "+st.name)
	}
}

// PutRemoteUser keeps accounts of other servers by URI; none of them is
// ever a local login, and their names never take a local one.
func TestPutRemoteUser(t *testing.T) {
	db := openTestDB(t)
	rem := User{Username: "amal", Domain: "far.example", URI: "https://far.example/users/amal",
		DisplayName: "Amal far away", PasswordHash: "$2a$10$forged", Role: RoleAdmin, MustChangePassword: true}
	must(t, db.PutRemoteUser(&rem), "PutRemoteUser")
	if rem.ID == 0 || rem.PasswordHash != "" || rem.Role != RoleUser || rem.MustChangePassword || rem.CreatedAt.IsZero() {
		t.Errorf("stored remote account %+v: want an ID, no password, role user", rem)
	}
	for _, name := range []string{"amal", "AMAL", "amal@far.example"} {
		if _, err := db.LocalUser(name); !errors.Is(err, ErrNotFound) {
			t.Errorf("LocalUser(%q) finds the remote account: got %v, want ErrNotFound", name, err)
		}
	}
	if ok, _ := db.HasUsers(); ok {
		t.Errorf("HasUsers with only a remote account: got true")
	}
	// A local member may take the same name, and becomes the admin.
	local := createUser(t, db, "Amal")
	if got, err := db.LocalUser("amal"); err != nil || got.ID != local.ID || !got.IsAdmin() {
		t.Errorf("LocalUser(amal): got %d admin %v, %v; want the local account %d, admin", got.ID, got.IsAdmin(), err, local.ID)
	}
	if got, err := db.RemoteUserByURI(rem.URI); err != nil || got.ID != rem.ID {
		t.Errorf("RemoteUserByURI: got %d, %v; want %d", got.ID, err, rem.ID)
	}

	// An update, found by URI: the ID, counts and creation stay; the
	// name may change.
	follow(t, db, rem, local)
	upd := User{Username: "amal2", Domain: "far.example", URI: rem.URI, DisplayName: "Renamed"}
	must(t, db.PutRemoteUser(&upd), "PutRemoteUser (update)")
	got := mustUser(t, db, rem.ID)
	if upd.ID != rem.ID || got.DisplayName != "Renamed" || got.Username != "amal2" || got.FollowingCount != 1 || !got.CreatedAt.Equal(rem.CreatedAt) {
		t.Errorf("after the update: got %+v", got)
	}
	if !hasKey(t, db, bucketUsernames, []byte("amal2@far.example")) || hasKey(t, db, bucketUsernames, []byte("amal@far.example")) {
		t.Errorf("the username index does not follow the rename")
	}

	tests := []struct {
		name string
		u    User
		want error
	}{
		{"no domain", User{Username: "x", URI: "https://far.example/users/x"}, ErrInvalid},
		{"no uri", User{Username: "x", Domain: "far.example"}, ErrInvalid},
		{"no username", User{Domain: "far.example", URI: "https://far.example/users/x"}, ErrInvalid},
		{"@ in the name", User{Username: "x@y", Domain: "far.example", URI: "https://far.example/users/x"}, ErrInvalid},
		{"a name@domain another URI has", User{Username: "AMAL2", Domain: "Far.Example", URI: "https://far.example/users/other"}, ErrExists},
		{"a taken ID", User{ID: local.ID, Username: "y", Domain: "far.example", URI: "https://far.example/users/y"}, ErrExists},
		{"renamed onto a name another URI has", User{Username: "amal2", Domain: "far.example", URI: "https://far.example/users/z0"}, ErrExists},
	}
	must(t, db.PutRemoteUser(&User{Username: "z", Domain: "far.example", URI: "https://far.example/users/z0"}), "PutRemoteUser(z)")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.u
			wantErr(t, db.PutRemoteUser(&u), tt.want, "PutRemoteUser(%+v)", tt.u)
		})
	}
	checkClean(t, db, "after the remote accounts")

	// A remote account's deletion frees its URI.
	must(t, db.DeleteUser(rem.ID, false), "DeleteUser")
	if _, err := db.RemoteUserByURI(rem.URI); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoteUserByURI after the deletion: got %v, want ErrNotFound", err)
	}
	checkClean(t, db, "after the deletion")
}

// A remote account's pictures are counted as a member's are.
func TestPutRemoteUserPictures(t *testing.T) {
	db := openTestDB(t)
	d, th := testFiles("remote avatar")
	dm, err := db.PutMedia(d.Data, d.ContentType, d.Width, d.Height)
	must(t, err, "PutMedia")
	tm, err := db.PutMedia(th.Data, th.ContentType, th.Width, th.Height)
	must(t, err, "PutMedia")
	img := ProfileImage{Display: dm.Hash, Thumb: tm.Hash, ContentType: dm.ContentType, ThumbType: tm.ContentType}
	u := User{Username: "rem", Domain: "far.example", URI: "https://far.example/users/rem", Avatar: img}
	must(t, db.PutRemoteUser(&u), "PutRemoteUser")
	upd := u
	must(t, db.PutRemoteUser(&upd), "PutRemoteUser again, same picture")
	if got := refsOf(t, db, dm.Hash); got != 1 {
		t.Errorf("refs after two puts of the same picture: got %d, want 1", got)
	}
	upd.Avatar = ProfileImage{}
	must(t, db.PutRemoteUser(&upd), "PutRemoteUser without the picture")
	if got := refsOf(t, db, dm.Hash); got != -1 {
		t.Errorf("refs after the picture went: got %d, want -1 (deleted)", got)
	}
}

// majlis check finds records that disagree: activities of nobody, an
// index entry without its follow, a follow missing from the index.
func TestCheckFederationRecords(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(tx *bolt.Tx, w *outboxWorld) error
		want    string
	}{
		{"an activity of an unknown actor", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketOutbox).Put(idKey(7), []byte(`{"v":1,"id":7,"type":"Create","actor":12345}`))
		}, "neither exists"},
		{"an activity that does not decode", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketOutbox).Put(idKey(7), []byte(`{`))
		}, "does not decode"},
		{"an activity of an unknown type", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketOutbox).Put(idKey(7), []byte(`{"v":1,"id":7,"type":"Poke"}`))
		}, "type"},
		{"a tombstone of a living account", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketTombstones).Put(idKey(w.amal.ID), []byte(`{"v":1,"pending":0}`))
		}, "still exists"},
		{"a remote follower without the follow", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketRemoteFollowers).Put(pairKey(w.bilal.ID, w.rem.ID), nil)
		}, "is not a follow"},
		{"a follow by a remote account missing from the index", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketRemoteFollowers).Delete(pairKey(w.amal.ID, w.rem.ID))
		}, "is missing"},
		{"a local follower in the index", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketRemoteFollowers).Put(pairKey(w.amal.ID, w.bilal.ID), nil)
		}, "not a remote account"},
		{"a remote account missing from remote_uris", func(tx *bolt.Tx, w *outboxWorld) error {
			return tx.Bucket(bucketRemoteURIs).Delete([]byte(w.rem.URI))
		}, "remote_uris"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "majlis.db")
			db, err := Open(path, Options{})
			must(t, err, "Open")
			w := &outboxWorld{db: db, amal: createUser(t, db, "amal"), bilal: createUser(t, db, "bilal")}
			w.rem = putRemote(t, db, "rem", "far.example")
			follow(t, db, w.rem, w.amal)
			if err := db.Check(); err != nil {
				t.Fatalf("Check before: %v", err)
			}
			must(t, db.bolt.Update(func(tx *bolt.Tx) error { return tt.corrupt(tx, w) }), "break the file")
			err = db.Check()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check: got %v, want a problem saying %q", err, tt.want)
			}
			must(t, db.Close(), "Close")
			// And with the server stopped.
			if _, err := CheckFile(path); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckFile: got %v, want ErrInvalid saying %q", err, tt.want)
			}
			if _, err := Verify(path); err != nil {
				t.Errorf("Verify (backups, restores) refuses the file: %v", err)
			}
		})
	}
}

// A file from before the outbox gains it when opened, with the remote
// accounts it held indexed.
func TestOutboxMigration(t *testing.T) {
	step := slices.IndexFunc(migrations, func(m migration) bool { return m.name == "create the outbox and the remote account indexes" })
	if step < 0 {
		t.Fatal("no migration step creates the outbox")
	}
	path := filepath.Join(t.TempDir(), "majlis.db")
	db, err := Open(path, Options{})
	must(t, err, "Open")
	amal := createUser(t, db, "amal")
	rem := User{Username: "rem", Domain: "far.example", URI: "https://far.example/users/rem"}
	must(t, db.CreateUser(&rem), "CreateUser(remote)")
	follow(t, db, rem, amal)
	must(t, db.Close(), "Close")

	b, err := bolt.Open(path, 0o600, nil)
	must(t, err, "bolt.Open")
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketOutbox, bucketRemoteFollowers, bucketRemoteURIs, bucketTombstones} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(uint64(step)))
	})
	must(t, err, "write an older file")
	must(t, b.Close(), "bolt Close")

	db = openTestDBWith(t, path, Options{})
	if !hasKey(t, db, bucketRemoteFollowers, pairKey(amal.ID, rem.ID)) {
		t.Errorf("remote_followers lacks the remote follow after the upgrade")
	}
	if got, err := db.RemoteUserByURI(rem.URI); err != nil || got.ID != rem.ID {
		t.Errorf("RemoteUserByURI after the upgrade: got %d, %v; want %d", got.ID, err, rem.ID)
	}
	checkClean(t, db, "after the upgrade")
}

// BenchmarkCreatePostOutbox compares CreatePost without and with an
// activity on an instance where nobody has a remote follower: today's
// instances (no remote account: one look at an empty index) and one that
// knows remote accounts (a Seek in remote_followers, the addressed
// accounts read). Each call commits alone (batches of one, no fsync), so
// the numbers are the cost of the transaction, not of the batch timer or
// the disk.
func BenchmarkCreatePostOutbox(b *testing.B) {
	cases := []struct {
		name     string
		activity bool
		remote   bool
	}{
		{"no activity", false, false},
		{"activity, no remote accounts", true, false},
		{"activity, remote accounts, no remote follower", true, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			db := openTestDBWith(b, filepath.Join(b.TempDir(), "majlis.db"), Options{NoSync: true})
			db.bolt.db.MaxBatchSize = 1
			amal, bilal := createUser(b, db, "amal"), createUser(b, db, "bilal")
			if c.remote {
				rem := putRemote(b, db, "rem", "far.example")
				follow(b, db, rem, bilal) // someone else's remote follower
			}
			b.ReportAllocs()
			for b.Loop() {
				p := newPost(db, amal)
				p.Mentions = []ID{bilal.ID}
				var err error
				if c.activity {
					err = db.CreatePost(&p, Activity{Type: ActivityCreate, ActorID: amal.ID, PostID: p.ID, Object: p.URI, To: []ID{bilal.ID}})
				} else {
					err = db.CreatePost(&p)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			if n, _ := db.CountPendingActivities(); n != 0 {
				b.Fatalf("got %d queued, want 0", n)
			}
		})
	}
}
