package storage

import (
	"fmt"
	"slices"
	"testing"
)

// noteWorld: amal is the one notified; bilal acts; carim is a third.
type noteWorld struct {
	db                 *DB
	amal, bilal, carim User
	byAmal             Post
}

func newNoteWorld(t *testing.T) *noteWorld {
	t.Helper()
	db := openTestDB(t)
	w := &noteWorld{db: db}
	w.amal = createUser(t, db, "amal")
	w.bilal = createUser(t, db, "bilal")
	w.carim = createUser(t, db, "carim")
	w.byAmal = write(t, db, w.amal, saying("by amal"))
	return w
}

func (w *noteWorld) notes(t *testing.T, u User) []noteSummary {
	t.Helper()
	return summarize(allNotes(t, w.db, u.ID, 3))
}

func TestNotificationKinds(t *testing.T) {
	tests := []struct {
		name string
		// do acts and returns what amal and carim should be told, newest first.
		do func(t *testing.T, w *noteWorld) (amal, carim []noteSummary)
	}{
		{"mention", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			p := write(t, w.db, w.bilal, mentioning(w.amal))
			return []noteSummary{{NoteMention, w.bilal.ID, p.ID}}, nil
		}},
		{"mention twice in one post", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			p := write(t, w.db, w.bilal, mentioning(w.amal, w.amal))
			return []noteSummary{{NoteMention, w.bilal.ID, p.ID}}, nil
		}},
		{"mention in a followers-only post of someone amal does not follow", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			p := write(t, w.db, w.bilal, withVis(FollowersOnly), mentioning(w.amal))
			return []noteSummary{{NoteMention, w.bilal.ID, p.ID}}, nil
		}},
		{"reply", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			r := write(t, w.db, w.bilal, replyingTo(w.byAmal))
			return []noteSummary{{NoteReply, w.bilal.ID, r.ID}}, nil
		}},
		{"reply that also mentions the parent's author and a third", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			r := write(t, w.db, w.bilal, replyingTo(w.byAmal), mentioning(w.amal, w.carim))
			return []noteSummary{{NoteReply, w.bilal.ID, r.ID}}, []noteSummary{{NoteMention, w.bilal.ID, r.ID}}
		}},
		{"direct reply that does not name the parent's author", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			// amal may not see it, so she is not told of it.
			r := write(t, w.db, w.bilal, replyingTo(w.byAmal), withVis(Direct), mentioning(w.carim))
			return nil, []noteSummary{{NoteMention, w.bilal.ID, r.ID}}
		}},
		{"like", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			_, err := w.db.Like(w.bilal.ID, w.byAmal.ID)
			must(t, err, "Like")
			return []noteSummary{{NoteLike, w.bilal.ID, w.byAmal.ID}}, nil
		}},
		{"repost, and a like through the repost", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			rid := repost(t, w.db, w.bilal, w.byAmal.ID)
			_, err := w.db.Like(w.carim.ID, rid)
			must(t, err, "Like(repost)")
			return []noteSummary{{NoteLike, w.carim.ID, w.byAmal.ID}, {NoteRepost, w.bilal.ID, w.byAmal.ID}}, nil
		}},
		{"follow", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			follow(t, w.db, w.bilal, w.amal)
			return []noteSummary{{NoteFollow, w.bilal.ID, 0}}, nil
		}},
		{"follow request", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			_, err := w.db.UpdateProfile(w.amal.ID, ProfileUpdate{Locked: true})
			must(t, err, "lock")
			follow(t, w.db, w.bilal, w.amal)
			return []noteSummary{{NoteFollowRequest, w.bilal.ID, 0}}, nil
		}},
		{"acting on your own posts", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			_, err := w.db.Like(w.amal.ID, w.byAmal.ID)
			must(t, err, "Like own")
			repost(t, w.db, w.amal, w.byAmal.ID)
			must(t, w.db.Bookmark(w.amal.ID, w.byAmal.ID), "Bookmark own")
			write(t, w.db, w.amal, replyingTo(w.byAmal), mentioning(w.amal))
			return nil, nil
		}},
		{"acting across a block is refused and tells nobody", func(t *testing.T, w *noteWorld) ([]noteSummary, []noteSummary) {
			block(t, w.db, w.amal, w.bilal)
			_, err := w.db.Like(w.bilal.ID, w.byAmal.ID)
			wantErr(t, err, ErrForbidden, "Like")
			_, err = w.db.Repost(w.bilal.ID, w.byAmal.ID, testURI)
			wantErr(t, err, ErrForbidden, "Repost")
			wantErr(t, followErr(w.db, w.bilal.ID, w.amal.ID), ErrForbidden, "Follow")
			_, err = tryWrite(w.db, w.bilal, mentioning(w.amal))
			wantErr(t, err, ErrForbidden, "mention")
			_, err = tryWrite(w.db, w.bilal, replyingTo(w.byAmal))
			wantErr(t, err, ErrForbidden, "reply")
			return nil, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newNoteWorld(t)
			wantAmal, wantCarim := tt.do(t, w)
			if wantAmal == nil {
				wantAmal = []noteSummary{}
			}
			if wantCarim == nil {
				wantCarim = []noteSummary{}
			}
			if got := w.notes(t, w.amal); !slices.Equal(got, wantAmal) {
				t.Errorf("amal: got %+v, want %+v", got, wantAmal)
			}
			if got := w.notes(t, w.carim); !slices.Equal(got, wantCarim) {
				t.Errorf("carim: got %+v, want %+v", got, wantCarim)
			}
			if got := w.notes(t, w.bilal); len(got) != 0 {
				t.Errorf("bilal (the actor): got %+v, want nothing", got)
			}
			n, err := w.db.UnreadNotifications(w.amal.ID, 100)
			if err != nil || n != len(wantAmal) {
				t.Errorf("amal unread: got %d, %v; want %d", n, err, len(wantAmal))
			}
		})
	}
}

func TestNotificationsHidden(t *testing.T) {
	t.Run("block hides what came before", func(t *testing.T) {
		w := newNoteWorld(t)
		_, err := w.db.Like(w.bilal.ID, w.byAmal.ID)
		must(t, err, "Like")
		write(t, w.db, w.bilal, mentioning(w.amal))
		follow(t, w.db, w.bilal, w.amal)
		write(t, w.db, w.carim, mentioning(w.amal))
		for _, blocker := range []struct {
			name string
			a, b User
		}{{"amal blocks", w.amal, w.bilal}, {"bilal blocks", w.bilal, w.amal}} {
			t.Run(blocker.name, func(t *testing.T) {
				block(t, w.db, blocker.a, blocker.b)
				got := w.notes(t, w.amal)
				if len(got) != 1 || got[0].Actor != w.carim.ID {
					t.Errorf("got %+v, want carim's mention only", got)
				}
				if n, _ := w.db.UnreadNotifications(w.amal.ID, 10); n != 1 {
					t.Errorf("got %d unread, want 1", n)
				}
				must(t, w.db.Unblock(blocker.a.ID, blocker.b.ID), "Unblock")
			})
		}
	})

	t.Run("mute hides the muted account's notifications", func(t *testing.T) {
		w := newNoteWorld(t)
		_, err := w.db.Like(w.bilal.ID, w.byAmal.ID)
		must(t, err, "Like")
		mute(t, w.db, w.amal, w.bilal)
		// Muting does not stop bilal; amal just does not hear of it.
		p := write(t, w.db, w.bilal, mentioning(w.amal))
		if got := w.notes(t, w.amal); len(got) != 0 {
			t.Errorf("muted: got %+v, want nothing", got)
		}
		if n, _ := w.db.UnreadNotifications(w.amal.ID, 10); n != 0 {
			t.Errorf("muted: got %d unread, want 0", n)
		}
		must(t, w.db.Unmute(w.amal.ID, w.bilal.ID), "Unmute")
		want := []noteSummary{{NoteMention, w.bilal.ID, p.ID}, {NoteLike, w.bilal.ID, w.byAmal.ID}}
		if got := w.notes(t, w.amal); !slices.Equal(got, want) {
			t.Errorf("unmuted: got %+v, want %+v", got, want)
		}
	})

	t.Run("notifications about deleted posts disappear", func(t *testing.T) {
		w := newNoteWorld(t)
		m := write(t, w.db, w.bilal, mentioning(w.amal))
		r := write(t, w.db, w.bilal, replyingTo(w.byAmal))
		_, err := w.db.Like(w.bilal.ID, w.byAmal.ID)
		must(t, err, "Like")
		follow(t, w.db, w.bilal, w.amal)
		must(t, w.db.DeletePost(m.ID), "DeletePost(mention)")
		must(t, w.db.DeletePost(r.ID), "DeletePost(reply)")
		want := []noteSummary{{NoteFollow, w.bilal.ID, 0}, {NoteLike, w.bilal.ID, w.byAmal.ID}}
		if got := w.notes(t, w.amal); !slices.Equal(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
		must(t, w.db.DeletePost(w.byAmal.ID), "DeletePost(liked)")
		want = []noteSummary{{NoteFollow, w.bilal.ID, 0}}
		if got := w.notes(t, w.amal); !slices.Equal(got, want) {
			t.Errorf("after deleting the liked post: got %+v, want %+v", got, want)
		}
		if n, _ := w.db.UnreadNotifications(w.amal.ID, 10); n != 1 {
			t.Errorf("got %d unread, want 1", n)
		}
	})

	t.Run("undone likes and reposts take their notification back", func(t *testing.T) {
		w := newNoteWorld(t)
		for range 3 {
			_, err := w.db.Like(w.bilal.ID, w.byAmal.ID)
			must(t, err, "Like")
			_, err = w.db.Unlike(w.bilal.ID, w.byAmal.ID)
			must(t, err, "Unlike")
			repost(t, w.db, w.bilal, w.byAmal.ID)
			_, err = w.db.Unrepost(w.bilal.ID, w.byAmal.ID)
			must(t, err, "Unrepost")
		}
		if got := w.notes(t, w.amal); len(got) != 0 {
			t.Errorf("after undoing: got %+v, want nothing", got)
		}
		_, err := w.db.Like(w.bilal.ID, w.byAmal.ID)
		must(t, err, "Like")
		repost(t, w.db, w.bilal, w.byAmal.ID)
		want := []noteSummary{{NoteRepost, w.bilal.ID, w.byAmal.ID}, {NoteLike, w.bilal.ID, w.byAmal.ID}}
		if got := w.notes(t, w.amal); !slices.Equal(got, want) {
			t.Errorf("after toggling three times and doing it again: got %+v, want %+v (one of each)", got, want)
		}
	})
}

func TestUnreadNotifications(t *testing.T) {
	w := newNoteWorld(t)
	db := w.db
	unread := func(max int) int {
		t.Helper()
		n, err := db.UnreadNotifications(w.amal.ID, max)
		must(t, err, "UnreadNotifications")
		return n
	}
	if n := unread(10); n != 0 {
		t.Errorf("fresh: got %d unread, want 0", n)
	}
	must(t, db.MarkNotificationsRead(w.amal.ID, 0), "MarkNotificationsRead with none")
	for range 3 {
		write(t, db, w.bilal, mentioning(w.amal))
	}
	follow(t, db, w.carim, w.amal)
	steps := []struct {
		name string
		do   func()
		max  int
		want int
	}{
		{"four new", func() {}, 10, 4},
		{"capped", func() {}, 2, 2},
		{"after reading", func() { must(t, db.MarkNotificationsRead(w.amal.ID, 0), "MarkNotificationsRead") }, 10, 0},
		{"one more", func() {
			_, err := db.Like(w.carim.ID, w.byAmal.ID)
			must(t, err, "Like")
		}, 10, 1},
		{"one from a muted account", func() {
			mute(t, db, w.amal, w.bilal)
			write(t, db, w.bilal, mentioning(w.amal))
		}, 10, 1},
		{"read again", func() { must(t, db.MarkNotificationsRead(w.amal.ID, 0), "MarkNotificationsRead") }, 10, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			if got := unread(s.max); got != s.want {
				t.Errorf("got %d unread, want %d", got, s.want)
			}
		})
	}
	t.Run("other users untouched", func(t *testing.T) {
		if n, _ := db.UnreadNotifications(w.bilal.ID, 10); n != 0 {
			t.Errorf("bilal: got %d unread, want 0", n)
		}
	})
}

func TestFollowRequestNotifications(t *testing.T) {
	w := newNoteWorld(t)
	db := w.db
	_, err := db.UpdateProfile(w.amal.ID, ProfileUpdate{Locked: true})
	must(t, err, "lock")
	dina := createUser(t, db, "dina")
	for _, u := range []User{w.bilal, w.carim, dina} {
		st, err := db.Follow(u.ID, w.amal.ID)
		if err != nil || st != Requested {
			t.Fatalf("Follow(%s, locked amal) = %v, %v; want Requested", u.Username, st, err)
		}
	}
	want := []noteSummary{{NoteFollowRequest, dina.ID, 0}, {NoteFollowRequest, w.carim.ID, 0}, {NoteFollowRequest, w.bilal.ID, 0}}
	if got := w.notes(t, w.amal); !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	must(t, db.AcceptFollowRequest(w.amal.ID, w.bilal.ID), "Accept(bilal)")
	must(t, db.RejectFollowRequest(w.amal.ID, w.carim.ID), "Reject(carim)")
	must(t, db.Unfollow(dina.ID, w.amal.ID), "withdraw dina's request")
	want = []noteSummary{{NoteFollow, w.bilal.ID, 0}}
	if got := w.notes(t, w.amal); !slices.Equal(got, want) {
		t.Errorf("after answering every request: got %+v, want %+v (answered requests gone)", got, want)
	}
	// Asking again after a withdrawal gives one request, not two.
	if _, err := db.Follow(dina.ID, w.amal.ID); err != nil {
		t.Fatalf("Follow again: %v", err)
	}
	want = []noteSummary{{NoteFollowRequest, dina.ID, 0}, {NoteFollow, w.bilal.ID, 0}}
	if got := w.notes(t, w.amal); !slices.Equal(got, want) {
		t.Errorf("after asking again: got %+v, want %+v", got, want)
	}
}

func TestNotificationPages(t *testing.T) {
	w := newNoteWorld(t)
	db := w.db
	// 25 mentions by bilal interleaved with 25 by muted carim.
	var posts []Post
	var want []ID
	for i := range 50 {
		author := w.bilal
		if i%2 == 1 {
			author = w.carim
		}
		p := newPost(db, author)
		p.Mentions = []ID{w.amal.ID}
		posts = append(posts, p)
		if author.ID == w.bilal.ID {
			want = append([]ID{p.ID}, want...)
		}
	}
	storePosts(t, db, posts)
	mute(t, db, w.amal, w.carim)
	for _, size := range []int{1, 7, 10, 25, 100} {
		t.Run(fmt.Sprintf("pages of %d", size), func(t *testing.T) {
			var got []ID
			for _, n := range allNotes(t, db, w.amal.ID, size) {
				got = append(got, n.PostID)
			}
			// Notifications are ordered by when they were written, which
			// for posts stored concurrently need not be their IDs' order:
			// compare as sets (allNotes checks the pages run backwards).
			if !slices.Equal(sorted(got), sorted(want)) {
				t.Errorf("got %d notes %v,\nwant %d %v (bilal's, each once)", len(got), got, len(want), want)
			}
		})
	}
	t.Run("first page", func(t *testing.T) {
		np, err := db.Notifications(w.amal.ID, Page{Limit: 10})
		must(t, err, "Notifications")
		if len(np.Notes) != 10 || np.Next == 0 {
			t.Errorf("got %d notes Next %d, want 10 and a cursor", len(np.Notes), np.Next)
		}
	})
}

// sorted returns a sorted copy.
func sorted(ids []ID) []ID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
