package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// timelineFixture is a database in which reader follows author, author has
// written n local posts and stranger (a remote account nobody follows) has
// written remote posts interleaved with them. Every timeline under test
// should show exactly author's posts.
type timelineFixture struct {
	db                       *DB
	reader, author, stranger User
	posts                    []Post // author's posts, oldest first
}

func newTimelineFixture(t *testing.T, n int) *timelineFixture {
	t.Helper()
	clock := newFakeClock()
	db := openTestDBWith(t, t.TempDir()+"/majlis.db", Options{Now: clock.Now})
	f := &timelineFixture{db: db}
	f.reader = createUser(t, db, "reader")
	f.author = createUser(t, db, "author")
	f.stranger = User{Username: "stranger", Domain: "remote.example", URI: "https://remote.example/users/stranger"}
	if err := db.CreateUser(&f.stranger); err != nil {
		t.Fatalf("CreateUser(remote): %v", err)
	}
	if err := followErr(db, f.reader.ID, f.author.ID); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	var all []Post
	for i := range n {
		clock.Advance(time.Second)
		p := newPost(db, f.author)
		f.posts = append(f.posts, p)
		all = append(all, p)
		if i%3 == 0 {
			id := db.NewID()
			all = append(all, Post{ID: id, AuthorID: f.stranger.ID, URI: fmt.Sprintf("https://remote.example/notes/%s", id), Source: "remote"})
		}
	}
	storePosts(t, db, all)
	return f
}

// timelines are the three timelines under test, each as a function of a page.
func (f *timelineFixture) timelines() []struct {
	name string
	get  func(Page) (Timeline, error)
} {
	return []struct {
		name string
		get  func(Page) (Timeline, error)
	}{
		{"local", localTL(f.db)},
		{"author", func(p Page) (Timeline, error) { return f.db.AuthorTimeline(0, f.author.ID, false, p) }},
		{"home", func(p Page) (Timeline, error) { return f.db.HomeTimeline(f.reader.ID, p) }},
	}
}

// walk follows Next from the newest page to the end and returns the pages.
func walk(t *testing.T, get func(Page) (Timeline, error), limit int) []Timeline {
	t.Helper()
	var pages []Timeline
	before := ID(0)
	for {
		tl, err := get(Page{Before: before, Limit: limit})
		if err != nil {
			t.Fatalf("page %d (before %d): %v", len(pages)+1, before, err)
		}
		pages = append(pages, tl)
		if tl.Next == 0 {
			return pages
		}
		if len(pages) > 1000 {
			t.Fatalf("more than 1000 pages, want the walk to end")
		}
		before = tl.Next
	}
}

func TestTimelinePagination(t *testing.T) {
	for _, n := range []int{40, 42, 45} {
		f := newTimelineFixture(t, n)
		want := reversed(f.posts)
		for _, tl := range f.timelines() {
			for _, size := range []int{1, 7, 20} {
				t.Run(fmt.Sprintf("%s/%d posts/pages of %d", tl.name, n, size), func(t *testing.T) {
					pages := walk(t, tl.get, size)
					wantPages := (n + size - 1) / size
					if len(pages) != wantPages {
						t.Errorf("got %d pages, want %d", len(pages), wantPages)
					}
					var got []ID
					for i, p := range pages {
						if i < len(pages)-1 && len(p.Entries) != size {
							t.Errorf("page %d has %d entries, want %d", i+1, len(p.Entries), size)
						}
						if len(p.Entries) == 0 {
							t.Errorf("page %d is empty, want no empty page", i+1)
						}
						got = append(got, postIDs(p)...)
					}
					if !slices.Equal(got, want) {
						t.Errorf("walked %d posts %v,\nwant %d posts %v (each once, newest first)", len(got), got, len(want), want)
					}
				})
			}
		}
	}
}

func TestTimelineEntries(t *testing.T) {
	f := newTimelineFixture(t, 3)
	for _, tl := range f.timelines() {
		t.Run(tl.name, func(t *testing.T) {
			page, err := tl.get(Page{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if len(page.Entries) != 3 {
				t.Fatalf("got %d entries, want 3", len(page.Entries))
			}
			for i, e := range page.Entries {
				want := f.posts[2-i]
				if e.Post.URI != want.URI || e.Post.Source != want.Source || e.Post.Visibility != Public || !e.Post.Local {
					t.Errorf("entry %d post = %+v, want %+v", i, e.Post, want)
				}
				if e.Author.ID != f.author.ID || e.Author.Username != "author" {
					t.Errorf("entry %d author = %d %q, want %d %q", i, e.Author.ID, e.Author.Username, f.author.ID, "author")
				}
			}
		})
	}
}

func TestTimelinePageLimit(t *testing.T) {
	f := newTimelineFixture(t, 120)
	tests := []struct {
		limit, want int
	}{
		{0, 20},
		{-5, 20},
		{100, 100},
		{500, 100},
	}
	for _, tl := range f.timelines() {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/limit %d", tl.name, tt.limit), func(t *testing.T) {
				page, err := tl.get(Page{Limit: tt.limit})
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				if len(page.Entries) != tt.want {
					t.Errorf("got %d entries, want %d", len(page.Entries), tt.want)
				}
				if page.Next == 0 {
					t.Errorf("got Next 0, want a cursor (120 posts)")
				}
			})
		}
	}
}

// A reader who opened page 1, then the post at the page boundary was
// deleted: "older posts" must still show the right page.
func TestTimelineDeletedCursor(t *testing.T) {
	for _, name := range []string{"local", "author", "home"} {
		t.Run(name, func(t *testing.T) {
			f := newTimelineFixture(t, 30)
			var get func(Page) (Timeline, error)
			for _, tl := range f.timelines() {
				if tl.name == name {
					get = tl.get
				}
			}
			first, err := get(Page{Limit: 7})
			if err != nil {
				t.Fatalf("first page: %v", err)
			}
			if first.Next == 0 {
				t.Fatalf("first page Next = 0, want a cursor")
			}
			if err := f.db.DeletePost(first.Next); err != nil {
				t.Fatalf("DeletePost(cursor): %v", err)
			}
			second, err := get(Page{Before: first.Next, Limit: 7})
			if err != nil {
				t.Fatalf("page after deleted cursor: %v", err)
			}
			want := reversed(f.posts)[7:14]
			if got := postIDs(second); !slices.Equal(got, want) {
				t.Errorf("page after deleted cursor = %v, want %v", got, want)
			}
		})
	}
}

func TestTimelineEmpty(t *testing.T) {
	f := newTimelineFixture(t, 0)
	for _, tl := range f.timelines() {
		t.Run(tl.name, func(t *testing.T) {
			page, err := tl.get(Page{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if len(page.Entries) != 0 || page.Next != 0 {
				t.Errorf("got %d entries, Next %d; want 0, 0", len(page.Entries), page.Next)
			}
		})
	}
}

func TestHomeTimelineMerge(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, t.TempDir()+"/majlis.db", Options{Now: clock.Now})
	a := createUser(t, db, "a")
	b := createUser(t, db, "b")
	c := createUser(t, db, "c")
	d := createUser(t, db, "d")
	loner := createUser(t, db, "loner")
	for _, followee := range []User{b, c} {
		if err := followErr(db, a.ID, followee.ID); err != nil {
			t.Fatalf("Follow(a, %s): %v", followee.Username, err)
		}
	}
	// d follows a: that must not put d's posts in a's home.
	if err := followErr(db, d.ID, a.ID); err != nil {
		t.Fatalf("Follow(d, a): %v", err)
	}

	var all []Post
	// Uneven, interleaved order; several posts share a millisecond.
	order := []User{b, d, a, c, c, d, b, b, a, d, c, loner, b, a, a, d, c, b, d, loner, c, a, b}
	for i, u := range order {
		if i%4 != 0 {
			clock.Advance(time.Duration(i) * time.Millisecond)
		}
		all = append(all, newPost(db, u))
	}
	storePosts(t, db, all)
	only := func(users ...User) []ID {
		var ps []Post
		for _, p := range all {
			for _, u := range users {
				if p.AuthorID == u.ID {
					ps = append(ps, p)
				}
			}
		}
		return reversed(ps)
	}
	home := func(t *testing.T, u User, size int) []ID {
		t.Helper()
		var got []ID
		for _, p := range walk(t, func(p Page) (Timeline, error) { return db.HomeTimeline(u.ID, p) }, size) {
			got = append(got, postIDs(p)...)
		}
		return got
	}

	for _, size := range []int{1, 3, 20} {
		t.Run(fmt.Sprintf("follows b and c/pages of %d", size), func(t *testing.T) {
			if got, want := home(t, a, size), only(a, b, c); !slices.Equal(got, want) {
				t.Errorf("home of a = %v,\nwant %v (a, b and c newest first, no d)", got, want)
			}
		})
	}
	t.Run("follows nobody", func(t *testing.T) {
		if got, want := home(t, loner, 20), only(loner); !slices.Equal(got, want) {
			t.Errorf("home of loner = %v, want own posts %v", got, want)
		}
	})
	t.Run("after unfollowing c", func(t *testing.T) {
		if err := db.Unfollow(a.ID, c.ID); err != nil {
			t.Fatalf("Unfollow(a, c): %v", err)
		}
		if got, want := home(t, a, 5), only(a, b); !slices.Equal(got, want) {
			t.Errorf("home of a = %v,\nwant %v (a and b only)", got, want)
		}
	})
	t.Run("strict time order", func(t *testing.T) {
		got := home(t, a, 100)
		for i := 1; i < len(got); i++ {
			if got[i] >= got[i-1] {
				t.Errorf("entry %d = %d, want < entry %d = %d", i, got[i], i-1, got[i-1])
			}
		}
	})
}

func TestDeletePost(t *testing.T) {
	db := openTestDB(t)
	reader := createUser(t, db, "reader")
	author := createUser(t, db, "author")
	if err := followErr(db, reader.ID, author.ID); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	keep1 := createPost(t, db, author)
	gone := createPost(t, db, author)
	keep2 := createPost(t, db, author)

	if err := db.DeletePost(gone.ID); err != nil {
		t.Fatalf("DeletePost: %v", err)
	}
	want := []ID{keep2.ID, keep1.ID}
	timelines := []struct {
		name string
		get  func() (Timeline, error)
	}{
		{"local", func() (Timeline, error) { return db.LocalTimeline(0, Page{}) }},
		{"author", func() (Timeline, error) { return db.AuthorTimeline(0, author.ID, false, Page{}) }},
		{"home of follower", func() (Timeline, error) { return db.HomeTimeline(reader.ID, Page{}) }},
		{"home of author", func() (Timeline, error) { return db.HomeTimeline(author.ID, Page{}) }},
	}
	for _, tl := range timelines {
		t.Run(tl.name, func(t *testing.T) {
			page, err := tl.get()
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got := postIDs(page); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (deleted post %d gone)", got, want, gone.ID)
			}
		})
	}
	t.Run("post", func(t *testing.T) {
		if _, err := db.Post(0, gone.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Post(deleted) error = %v, want ErrNotFound", err)
		}
		if e, err := db.Post(0, keep1.ID); err != nil || e.Post.ID != keep1.ID {
			t.Errorf("Post(kept) = %d, %v; want %d, nil", e.Post.ID, err, keep1.ID)
		}
	})
	t.Run("count", func(t *testing.T) {
		if got := mustUser(t, db, author.ID).PostsCount; got != 2 {
			t.Errorf("PostsCount = %d, want 2", got)
		}
	})
	t.Run("twice", func(t *testing.T) {
		if err := db.DeletePost(gone.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second DeletePost error = %v, want ErrNotFound", err)
		}
		if got := mustUser(t, db, author.ID).PostsCount; got != 2 {
			t.Errorf("PostsCount after second delete = %d, want 2", got)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if err := db.DeletePost(db.NewID()); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeletePost(unknown) error = %v, want ErrNotFound", err)
		}
	})
}
