package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

// After a run of posts the viewer may not see, longer than a page may
// scan, the "Older posts" link must not carry a hidden post's ID (and so
// its time); walking the links still shows every visible post once and
// ends.
func TestOlderPostsCursorHidesHiddenPosts(t *testing.T) {
	const run = 600 // more than a page of 20 may scan (20 × 25)
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	spammer := newUser(t, srv.db, "spammer")
	viewer := srv.signIn(t, "viewer")
	visitor := srv.newClient(t)
	vu, err := srv.db.LocalUser("viewer")
	if err != nil {
		t.Fatal(err)
	}

	// amal: 3 public posts, a run of followers-only ones, the spammer's run
	// of public ones (the viewer mutes them), 3 public posts of amal's.
	post := func(author storage.User, vis storage.Visibility) storage.Post {
		id := srv.db.NewID()
		return storage.Post{ID: id, AuthorID: author.ID, URI: testBaseURL + "/@" + author.Username + "/" + id.String(),
			Source: "#t", HTML: "<p>#t</p>", Tags: []string{"t"}, Visibility: vis, Local: true}
	}
	var posts []storage.Post
	var visible []string // newest first
	for range 3 {
		posts = append(posts, post(amal, storage.Public))
	}
	for range run {
		posts = append(posts, post(amal, storage.FollowersOnly))
	}
	for range run {
		posts = append(posts, post(spammer, storage.Public))
	}
	for range 3 {
		posts = append(posts, post(amal, storage.Public))
	}
	hidden := map[string]bool{}
	for _, p := range posts {
		if p.AuthorID == amal.ID && p.Visibility == storage.Public {
			visible = append([]string{p.ID.String()}, visible...)
		} else {
			hidden[p.ID.String()] = true
		}
	}
	err = srv.db.Bulk(func(b *storage.BulkWriter) error {
		if err := b.PutFollow(vu.ID, amal.ID, time.Now()); err != nil {
			return err
		}
		for _, p := range posts {
			if err := b.PutPost(p); err != nil {
				return err
			}
		}
		// The viewer bookmarked amal's posts while following her.
		for _, p := range posts {
			if p.AuthorID == amal.ID {
				if err := b.PutBookmark(vu.ID, p.ID, time.Now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.db.Unfollow(vu.ID, amal.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.db.Mute(vu.ID, spammer.ID); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name string
		c    *client
		path string
	}{
		{"profile, followers-only posts, visitor", visitor, "/@amal"},
		{"profile, followers-only posts, no longer a follower", viewer, "/@amal"},
		{"local, muted account", viewer, "/local"},
		{"tag, muted account", viewer, "/tags/t"},
		{"bookmarks, followers-only posts after unfollowing", viewer, "/bookmarks"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			sealed := 0
			next := tt.path
			for pages := 0; next != ""; pages++ {
				if pages > 50 {
					t.Fatalf("the older posts links do not end")
				}
				resp := tt.c.get(next)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: got status %d, want 200", next, resp.StatusCode)
				}
				ids := postIDs(resp.Doc())
				got = append(got, ids...)
				more := byTestID(resp.Doc(), "more")
				if len(more) == 0 {
					break
				}
				next = attr(more[0], "href")
				u, err := url.Parse(next)
				if err != nil {
					t.Fatalf("more link %q: %v", next, err)
				}
				before := u.Query().Get("before")
				switch {
				case hidden[before]:
					t.Fatalf("GET %s: the older posts link carries the ID of a post the viewer may not see: %s", resp.Request.URL.Path, next)
				case strings.HasPrefix(before, "c"):
					sealed++
				case !slices.Contains(ids, before):
					t.Errorf("GET %s: the older posts cursor %s is none of the page's posts %v", resp.Request.URL.Path, before, ids)
				}
			}
			if !slices.Equal(got, visible) {
				t.Errorf("got %d posts %v,\nwant %d %v (every visible post once, newest first)", len(got), got, len(visible), visible)
			}
			if sealed == 0 {
				t.Errorf("no page stopped in the hidden run: the test does not test what it says")
			}
		})
	}

	t.Run("a damaged sealed cursor", func(t *testing.T) {
		resp := visitor.get("/@amal")
		before := ""
		for next := attr(oneByTestID(t, resp.Doc(), "more"), "href"); ; {
			u, _ := url.Parse(next)
			if before = u.Query().Get("before"); strings.HasPrefix(before, "c") {
				break
			}
			more := byTestID(visitor.get(next).Doc(), "more")
			if len(more) == 0 {
				t.Fatal("found no sealed cursor")
			}
			next = attr(more[0], "href")
		}
		flipped := []byte(before)
		if flipped[5] = 'A'; before[5] == 'A' {
			flipped[5] = 'B'
		}
		for _, bad := range []string{string(flipped), before[:len(before)-1], before + "A", "c"} {
			checkReadablePage(t, visitor.get("/@amal?before="+url.QueryEscape(bad)), http.StatusBadRequest)
		}
	})
}
