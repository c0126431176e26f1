package social

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

func TestActivityBuilders(t *testing.T) {
	amal := storage.User{ID: 1, Username: "amal", URI: "https://here.example/users/amal"}
	rem := storage.User{ID: 2, Username: "rem", Domain: "far.example", URI: "https://far.example/users/rem"}
	reply := storage.Post{ID: 10, AuthorID: amal.ID, URI: "https://here.example/@amal/10",
		InReplyTo: 9, InReplyToAuthor: rem.ID, Mentions: []storage.ID{rem.ID, 3, amal.ID, 3}}
	post := storage.Post{ID: 11, AuthorID: amal.ID, URI: "https://here.example/@amal/11"}
	theirs := storage.Post{ID: 12, AuthorID: rem.ID, URI: "https://far.example/notes/12"}
	tests := []struct {
		name string
		got  storage.Activity
		want storage.Activity
	}{
		{"create a reply: the author answered and the mentioned, once each, not the author",
			createActivity(reply),
			storage.Activity{Type: "Create", ActorID: 1, Object: reply.URI, PostID: 10, To: []storage.ID{2, 3}}},
		{"create a post addressing no one", createActivity(post),
			storage.Activity{Type: "Create", ActorID: 1, Object: post.URI, PostID: 11}},
		{"update a post", updatePostActivity(reply),
			storage.Activity{Type: "Update", ActorID: 1, Object: reply.URI, PostID: 10, To: []storage.ID{2, 3}}},
		{"delete a post", deletePostActivity(reply),
			storage.Activity{Type: "Delete", ActorID: 1, Object: reply.URI, PostID: 10, To: []storage.ID{2, 3}}},
		{"like someone's post", likeActivity(amal.ID, theirs),
			storage.Activity{Type: "Like", ActorID: 1, Object: theirs.URI, PostID: 12, To: []storage.ID{2}}},
		{"like one's own post", likeActivity(amal.ID, post),
			storage.Activity{Type: "Like", ActorID: 1, Object: post.URI, PostID: 11}},
		{"announce", announceActivity(amal.ID, theirs),
			storage.Activity{Type: "Announce", ActorID: 1, Object: theirs.URI, PostID: 12, To: []storage.ID{2}}},
		{"follow", followActivity(amal.ID, rem),
			storage.Activity{Type: "Follow", ActorID: 1, Object: rem.URI, TargetID: 2}},
		{"accept", acceptActivity(amal.ID, rem),
			storage.Activity{Type: "Accept", ActorID: 1, Object: rem.URI, TargetID: 2}},
		{"reject", rejectActivity(amal.ID, rem),
			storage.Activity{Type: "Reject", ActorID: 1, Object: rem.URI, TargetID: 2}},
		{"block", blockActivity(amal.ID, rem),
			storage.Activity{Type: "Block", ActorID: 1, Object: rem.URI, TargetID: 2}},
		{"pin", pinActivity(post, true),
			storage.Activity{Type: "Add", ActorID: 1, Object: post.URI, PostID: 11}},
		{"unpin", pinActivity(post, false),
			storage.Activity{Type: "Remove", ActorID: 1, Object: post.URI, PostID: 11}},
		{"profile change", profileActivity(amal),
			storage.Activity{Type: "Update", ActorID: 1, Object: amal.URI}},
		{"account deletion", accountDeleteActivity(amal),
			storage.Activity{Type: "Delete", ActorID: 1, Object: amal.URI, TargetID: 1}},
		{"flag, sent as the instance", flagActivity(rem, theirs.ID),
			storage.Activity{Type: "Flag", Object: rem.URI, TargetID: 2, PostID: 12}},
		{"undo a follow", undoActivity(followActivity(amal.ID, rem)),
			storage.Activity{Type: "Undo", Undo: "Follow", ActorID: 1, Object: rem.URI, TargetID: 2}},
		{"undo a like, forgetting its id and time",
			undoActivity(storage.Activity{V: 1, ID: 77, Type: "Like", ActorID: 1, Object: theirs.URI, PostID: 12,
				To: []storage.ID{2}, CreatedAt: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}),
			storage.Activity{Type: "Undo", Undo: "Like", ActorID: 1, Object: theirs.URI, PostID: 12, To: []storage.ID{2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
			if !storage.ValidActivityType(tt.got.Type) {
				t.Errorf("type %q is not one storage keeps", tt.got.Type)
			}
		})
	}
}

// An Undo does not share its addressees with the activity it undoes.
func TestUndoActivityCopies(t *testing.T) {
	like := storage.Activity{Type: "Like", ActorID: 1, To: []storage.ID{2}}
	u := undoActivity(like)
	u.To[0] = 9
	if like.To[0] != 2 {
		t.Errorf("got the like's To %v after changing the undo's, want [2]", like.To)
	}
}

// The builders' activities go through storage as an action passes them:
// with a remote follower, a post's Create is queued with the post.
func TestActivitiesQueuedWithTheAction(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	s := New(db, Config{BaseURL: "https://here.example"})
	amal := storage.User{Username: "amal", URI: s.UserURI("amal")}
	if err := db.CreateUser(&amal); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	rem := storage.User{Username: "rem", Domain: "far.example", URI: "https://far.example/users/rem"}
	if err := db.PutRemoteUser(&rem); err != nil {
		t.Fatalf("PutRemoteUser: %v", err)
	}

	id := db.NewID()
	p := storage.Post{ID: id, AuthorID: amal.ID, URI: s.PostURI("amal", id), Source: "hello", HTML: "<p>hello</p>", Local: true}
	if err := db.CreatePost(&p, createActivity(p)); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	if n, _ := db.CountPendingActivities(); n != 0 {
		t.Fatalf("got %d queued without a remote follower, want 0", n)
	}

	if _, err := db.Follow(rem.ID, amal.ID); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	id = db.NewID()
	p = storage.Post{ID: id, AuthorID: amal.ID, URI: s.PostURI("amal", id), Source: "again", HTML: "<p>again</p>", Local: true}
	if err := db.CreatePost(&p, createActivity(p)); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	got, err := db.PendingActivities(0, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %d queued, %v; want 1", len(got), err)
	}
	if a := got[0]; a.Type != "Create" || a.ActorID != amal.ID || a.PostID != p.ID || a.Object != p.URI || a.ID == 0 {
		t.Errorf("got %+v, want the Create of post %d by %d", a, p.ID, amal.ID)
	}
}

// TestActionsQueueTheirActivities: every member action, called as a
// front door calls it, queues what it means for other servers in its own
// transaction once a remote account is concerned, and a refused action
// queues nothing.
func TestActionsQueueTheirActivities(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// act performs the action of amal's; far is a remote account
		// following amal, bob a local one.
		act  func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error
		want []string // types queued, in order ("Undo/Like" for an Undo)
	}{
		{"publish", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			_, err := w.s.Publish(ctx, amal, Draft{Body: "hello"})
			return err
		}, []string{"Create"}},
		{"publish refused", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			_, err := w.s.Publish(ctx, amal, Draft{Body: "   "})
			return err
		}, nil},
		{"edit", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			e := w.publish(amal, Draft{Body: "hello"})
			_, err := w.s.Edit(ctx, amal, e.Post.ID, Draft{Body: "hello again"})
			return err
		}, []string{"Create", "Update"}},
		{"delete", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			e := w.publish(amal, Draft{Body: "hello"})
			return w.s.Delete(ctx, amal, e.Post.ID)
		}, []string{"Create", "Delete"}},
		{"like and unlike", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			e := w.publish(bob, Draft{Body: "bob's"})
			if _, err := w.s.Like(ctx, amal, e); err != nil {
				return err
			}
			_, err := w.s.Unlike(ctx, amal, e)
			return err
		}, []string{"Like", "Undo/Like"}},
		{"repost", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			e := w.publish(bob, Draft{Body: "bob's"})
			_, err := w.s.Repost(ctx, amal, e)
			return err
		}, []string{"Announce"}},
		{"pin", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			e := w.publish(amal, Draft{Body: "hello"})
			_, err := w.s.Pin(ctx, amal, e)
			return err
		}, []string{"Create", "Add"}},
		{"follow a remote account", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			_, err := w.s.Follow(ctx, amal, far)
			return err
		}, []string{"Follow"}},
		{"block and unblock", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			if err := w.s.Block(ctx, amal, far); err != nil {
				return err
			}
			return w.s.Unblock(ctx, amal, far)
		}, []string{"Block", "Undo/Block"}},
		{"profile change", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			_, err := w.s.UpdateProfile(ctx, amal, ProfileChange{DisplayName: "Amal", DefaultVisibility: storage.Public})
			return err
		}, []string{"Update"}},
		{"report a remote account", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			_, err := w.s.Report(ctx, amal, ReportDraft{TargetID: far.ID, Category: storage.ReportSpam, Comment: "spam"})
			return err
		}, []string{"Flag"}},
		{"delete the account", func(t *testing.T, w *postsWorld, amal, bob, far storage.User) error {
			_, err := w.s.DeleteAccount(ctx, amal)
			return err
		}, []string{"Delete"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newPostsWorld(t)
			amal, bob := w.user("amal"), w.user("bob")
			far := storage.User{Username: "far", Domain: "far.example", URI: "https://far.example/users/far"}
			if err := w.db.PutRemoteUser(&far); err != nil {
				t.Fatalf("PutRemoteUser: %v", err)
			}
			if _, err := w.db.Follow(far.ID, amal.ID); err != nil {
				t.Fatalf("Follow: %v", err)
			}
			err := tc.act(t, w, amal, bob, far)
			if (err != nil) != (tc.want == nil) {
				t.Fatalf("got error %v, want an error only when nothing is queued", err)
			}
			queued, err := w.db.PendingActivities(0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range queued {
				name := a.Type
				if a.Undo != "" {
					name += "/" + a.Undo
				}
				got = append(got, name)
				if a.Type != storage.ActivityFlag && a.ActorID != amal.ID {
					t.Errorf("%s queued as actor %d, want amal (%d)", name, a.ActorID, amal.ID)
				}
				if a.Type == storage.ActivityFlag && a.ActorID != 0 {
					t.Errorf("Flag queued as actor %d, want the instance (0): the reporter is not named", a.ActorID)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("queued %v, want %v", got, tc.want)
			}
		})
	}
}
