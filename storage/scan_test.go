package storage

import (
	"fmt"
	"slices"
	"testing"
)

// A run of hidden posts longer than a page may scan (limit × scanFactor)
// does not make a request scan it all: the page comes back short with a
// cursor that moves on, and walking every page still shows every visible
// post exactly once, newest first.
func TestScanBound(t *testing.T) {
	const hidden = 1000
	db := openTestDB(t)
	viewer := createUser(t, db, "viewer")
	spammer := createUser(t, db, "spammer")
	normal := createUser(t, db, "normal")
	fan := createUser(t, db, "fan")
	replier := createUser(t, db, "replier")
	private := createUser(t, db, "private")
	stranger := createUser(t, db, "stranger")
	mute(t, db, viewer, spammer)
	follow(t, db, fan, replier)
	parent := write(t, db, stranger, withVis(Unlisted))

	// Each scenario: five visible posts, a thousand hidden ones in a row,
	// five visible ones.
	//   - local, tag and notifications of viewer: normal's public tagged
	//     posts mentioning viewer around spammer's (muted) same posts;
	//   - home of fan: replier's unlisted posts around replier's replies to
	//     stranger, whom fan does not follow;
	//   - private's profile seen by stranger: unlisted posts around
	//     followers-only ones.
	type scenario struct{ visible, run func() Post }
	mk := func(author User, opts ...postOpt) func() Post {
		return func() Post {
			p := newPost(db, author)
			for _, o := range opts {
				o(&p)
			}
			return p
		}
	}
	scenarios := []scenario{
		{mk(normal, tagged("t"), mentioning(viewer)), mk(spammer, tagged("t"), mentioning(viewer))},
		{mk(replier, withVis(Unlisted)), mk(replier, replyingTo(parent))},
		{mk(private, withVis(Unlisted)), mk(private, withVis(FollowersOnly))},
	}
	var all []Post
	want := make([][]ID, len(scenarios))
	for i, s := range scenarios {
		var visible []Post
		for range 5 {
			visible = append(visible, s.visible())
		}
		all = append(all, visible...)
		for range hidden {
			all = append(all, s.run())
		}
		for range 5 {
			visible = append(visible, s.visible())
		}
		all = append(all, visible[5:]...)
		want[i] = reversed(visible)
	}
	// Notifications are ordered by when they were written, so the first
	// scenario's posts (whose mentions notify viewer) are written one by
	// one, in order: written concurrently, dozens of hidden ones could
	// come before the oldest visible one, and the last full page would
	// then rightly stop at its scan bound with a cursor to an empty page.
	first := 2*5 + hidden
	for i := range all[:first] {
		must(t, db.CreatePost(&all[i]), "CreatePost")
	}
	storePosts(t, db, all[first:])

	timelines := []struct {
		name string
		get  func(Page) (Timeline, error)
		want []ID
	}{
		{"local, author muted", func(p Page) (Timeline, error) { return db.LocalTimeline(viewer.ID, p) }, want[0]},
		{"tag, author muted", func(p Page) (Timeline, error) { return db.TagTimeline(viewer.ID, "t", p) }, want[0]},
		{"home, replies to a stranger", func(p Page) (Timeline, error) { return db.HomeTimeline(fan.ID, p) }, want[1]},
		{"profile seen by a stranger, followers-only", func(p Page) (Timeline, error) { return db.AuthorTimeline(stranger.ID, private.ID, false, p) }, want[2]},
	}
	for _, tl := range timelines {
		for _, size := range []int{1, 5, 20} {
			t.Run(fmt.Sprintf("%s/pages of %d", tl.name, size), func(t *testing.T) {
				first, err := tl.get(Page{Limit: size})
				must(t, err, "first page")
				if first.Next == 0 {
					t.Errorf("first page: got Next 0, want a cursor")
				}
				got := ids(walkEntries(t, tl.get, size))
				if !slices.Equal(got, tl.want) {
					t.Errorf("got %d posts %v,\nwant %d %v (each visible post once)", len(got), got, len(tl.want), tl.want)
				}
			})
		}
		t.Run(tl.name+"/a page stops at its bound", func(t *testing.T) {
			// From just before the hidden run, a page of 2 scans
			// 2 × scanFactor entries and stops, empty, with a cursor.
			page, err := tl.get(Page{Before: tl.want[4], Limit: 2})
			must(t, err, "page")
			if len(page.Entries) != 0 || page.Next == 0 || !page.NextHidden {
				t.Errorf("got %d entries Next %d (hidden %v), want an empty page with a cursor marked hidden",
					len(page.Entries), page.Next, page.NextHidden)
			}
		})
	}
	t.Run("notifications, muted mentions", func(t *testing.T) {
		for _, size := range []int{1, 5, 20} {
			var got []ID
			for _, n := range allNotes(t, db, viewer.ID, size) {
				got = append(got, n.PostID)
			}
			if !slices.Equal(sorted(got), sorted(want[0])) {
				t.Errorf("pages of %d: got %v, want %v (in any order: notifications sort by when they were written)", size, got, want[0])
			}
		}
		if n, err := db.UnreadNotifications(viewer.ID, 100); err != nil || n != 10 {
			t.Errorf("got %d unread, %v; want 10", n, err)
		}
	})
}
