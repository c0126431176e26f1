package storage

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// recorder collects the events a DB announces.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func record(t *testing.T, db *DB) *recorder {
	r := &recorder{}
	t.Cleanup(db.Subscribe(func(ev Event) {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	}))
	return r
}

func (r *recorder) take() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func kinds(evs []Event) []EventKind {
	var out []EventKind
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

func TestEventsAfterCommit(t *testing.T) {
	db := openTestDB(t)
	ann, bob := createUser(t, db, "ann"), createUser(t, db, "bob")
	rec := record(t, db)

	p := write(t, db, ann, saying("hello"), mentioning(bob))
	evs := rec.take()
	if got := kinds(evs); !slices.Equal(got, []EventKind{PostCreated, NotificationCreated}) {
		t.Fatalf("a post mentioning bob announced %v, want a post and a notification", got)
	}
	if evs[0].PostID != p.ID || evs[0].UserID != ann.ID || evs[1].UserID != bob.ID || evs[1].NoteID == 0 {
		t.Errorf("events %+v do not name the post and bob's notification", evs)
	}
	if _, err := db.Notification(bob.ID, evs[1].NoteID); err != nil {
		t.Errorf("the announced notification does not read back: %v", err)
	}

	// A write that fails announces nothing.
	bad := newPost(db, ann)
	bad.InReplyTo = 12345
	if err := db.CreatePost(&bad); err == nil {
		t.Fatal("a reply to a missing post was stored")
	}
	if got := rec.take(); len(got) != 0 {
		t.Errorf("a failed write announced %v", kinds(got))
	}

	if _, err := db.EditPost(ann.ID, p.ID, PostChange{Source: "edited", HTML: "<p>edited</p>", Mentions: p.Mentions}); err != nil {
		t.Fatal(err)
	}
	if got := kinds(rec.take()); !slices.Equal(got, []EventKind{PostEdited}) {
		t.Errorf("an edit announced %v", got)
	}

	r := repost(t, db, bob, p.ID)
	if got := rec.take(); len(got) != 2 || got[0].Kind != PostCreated || got[0].PostID != r || got[1].Kind != NotificationCreated {
		t.Errorf("a repost announced %+v", got)
	}

	must(t, db.DeletePost(p.ID), "delete")
	evs = rec.take()
	var gone []ID
	for _, ev := range evs {
		if ev.Kind != PostDeleted || ev.Deleted == nil || ev.Deleted.ID != ev.PostID {
			t.Fatalf("a deletion announced %+v", ev)
		}
		gone = append(gone, ev.PostID)
	}
	slices.Sort(gone)
	if want := []ID{p.ID, r}; !slices.Equal(gone, want) {
		t.Errorf("deleting a reposted post announced %v gone, want the post and its repost %v", gone, want)
	}
}

func TestFeedEntry(t *testing.T) {
	db := openTestDB(t)
	ann, bob, cat, dan := createUser(t, db, "ann"), createUser(t, db, "bob"), createUser(t, db, "cat"), createUser(t, db, "dan")
	follow(t, db, ann, bob)
	follow(t, db, ann, dan)
	mute(t, db, ann, dan)
	home, local, tag := Feed{Kind: FeedHome}, Feed{Kind: FeedLocal}, Feed{Kind: FeedTag, Tag: "go"}

	pub := write(t, db, bob, tagged("go"))
	fo := write(t, db, bob, withVis(FollowersOnly))
	stranger := write(t, db, cat)
	strangerFO := write(t, db, cat, withVis(FollowersOnly))
	muted := write(t, db, dan)
	reply := write(t, db, bob, replyingTo(stranger))
	replyToMe := write(t, db, cat, replyingTo(write(t, db, ann)))
	rp := repost(t, db, bob, stranger.ID)

	cases := []struct {
		name   string
		viewer User
		feed   Feed
		id     ID
		want   bool
	}{
		{"followed public post at home", ann, home, pub.ID, true},
		{"followed followers-only post at home", ann, home, fo.ID, true},
		{"stranger's public post not at home", ann, home, stranger.ID, false},
		{"stranger's followers-only post nowhere", ann, local, strangerFO.ID, false},
		{"muted account not at home", ann, home, muted.ID, false},
		{"followed account's reply to a stranger not at home", ann, home, reply.ID, false},
		{"stranger's reply to me not at home (a notification)", ann, home, replyToMe.ID, false},
		{"followed account's repost at home", ann, home, rp, true},
		{"public post on the local feed", cat, local, pub.ID, true},
		{"followers-only post not on the local feed, even for a follower", ann, local, fo.ID, false},
		{"reply not on the local feed", cat, local, reply.ID, false},
		{"repost not on the local feed", cat, local, rp, false},
		{"tagged post on its tag", cat, tag, pub.ID, true},
		{"untagged post not on the tag", cat, tag, stranger.ID, false},
		{"muted account not on the local feed", ann, local, muted.ID, false},
		{"visitor sees public posts on the local feed", User{}, local, pub.ID, true},
		{"visitor has no home", User{}, home, pub.ID, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ok, err := db.FeedEntry(c.viewer.ID, c.feed, c.id)
			if err != nil {
				t.Fatal(err)
			}
			if ok != c.want {
				t.Fatalf("FeedEntry = %v, want %v", ok, c.want)
			}
			if ok && e.Cursor() != c.id {
				t.Errorf("entry is of %d, want %d", e.Cursor(), c.id)
			}
		})
	}

	// What FeedEntry streams at home is what the home page then shows.
	tl, err := db.HomeTimeline(ann.ID, Page{Limit: 40})
	must(t, err, "home")
	shown := map[ID]bool{}
	for _, e := range tl.Entries {
		shown[e.Cursor()] = true
	}
	for _, c := range cases {
		if c.feed == home && c.viewer.ID == ann.ID && shown[c.id] != c.want {
			t.Errorf("%s: home page shows it = %v, stream = %v", c.name, shown[c.id], c.want)
		}
	}

	// Deletions go to those who could have been shown the post.
	must(t, db.DeletePost(fo.ID), "delete")
	for _, c := range []struct {
		viewer User
		want   bool
	}{{ann, true}, {cat, false}, {bob, true}} {
		had, err := db.FeedHad(c.viewer.ID, home, fo)
		must(t, err, "FeedHad")
		if had != c.want {
			t.Errorf("FeedHad(%s, home, deleted followers-only post) = %v, want %v", c.viewer.Username, had, c.want)
		}
	}
	if _, _, err := db.FeedEntry(ann.ID, home, fo.ID); err != nil {
		t.Errorf("FeedEntry of a deleted post: %v", err)
	}
	if _, err := db.Notification(ann.ID, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Notification of a missing note: %v", err)
	}
}
