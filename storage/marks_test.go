package storage

import (
	"fmt"
	"testing"
)

// TestPageMarks checks the viewer's marks on timeline pages, which are
// read for the whole page at once: on every post the viewer liked,
// reposted or bookmarked, and on no other, both when the viewer has few
// marks in the page's span (one walk per bucket) and when they have many
// more marks there than the page has posts (a lookup per post instead).
func TestPageMarks(t *testing.T) {
	for _, tt := range []struct {
		name string
		// every: the viewer marks every n-th post of the author's 60.
		every int
		// extra likes of other posts in the same span, by the viewer.
		extra int
	}{
		{"few marks", 7, 0},
		{"many marks in the span", 3, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openTestDB(t)
			author, viewer, other := createUser(t, db, "author"), createUser(t, db, "viewer"), createUser(t, db, "other")
			if _, err := db.Follow(viewer.ID, author.ID); err != nil {
				t.Fatal(err)
			}
			var posts []Post
			for i := range 60 {
				posts = append(posts, createPost(t, db, author))
				if i%3 == 0 {
					for range tt.extra / 20 {
						p := createPost(t, db, other)
						if _, err := db.Like(viewer.ID, p.ID); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			want := map[ID][3]bool{}
			for i, p := range posts {
				var m [3]bool
				if i%tt.every == 0 {
					if _, err := db.Like(viewer.ID, p.ID); err != nil {
						t.Fatal(err)
					}
					m[0] = true
				}
				if i%(tt.every+1) == 0 {
					if _, err := db.Repost(viewer.ID, p.ID, func(id ID) string { return fmt.Sprint("r", id) }); err != nil {
						t.Fatal(err)
					}
					m[1] = true
				}
				if i%(tt.every+2) == 1 {
					if err := db.Bookmark(viewer.ID, p.ID); err != nil {
						t.Fatal(err)
					}
					m[2] = true
				}
				want[p.ID] = m
			}
			pages := map[string]func(Page) (Timeline, error){
				"author": func(pg Page) (Timeline, error) { return db.AuthorTimeline(viewer.ID, author.ID, false, pg) },
				"local":  func(pg Page) (Timeline, error) { return db.LocalTimeline(viewer.ID, pg) },
				"home":   func(pg Page) (Timeline, error) { return db.HomeTimeline(viewer.ID, pg) },
			}
			for name, timeline := range pages {
				seen := 0
				for pg := (Page{Limit: 20}); ; {
					tl, err := timeline(pg)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range tl.Entries {
						w, ok := want[e.Post.ID]
						if !ok {
							continue // the other account's posts, on the local timeline
						}
						seen++
						if got := [3]bool{e.Liked, e.Reposted, e.Bookmarked}; got != w {
							t.Errorf("%s: post %d: liked, reposted, bookmarked = %v, want %v", name, e.Post.ID, got, w)
						}
					}
					if tl.Next == 0 {
						break
					}
					pg.Before = tl.Next
				}
				if seen < len(posts) {
					t.Errorf("%s: saw %d of the author's %d posts", name, seen, len(posts))
				}
			}
		})
	}
}
