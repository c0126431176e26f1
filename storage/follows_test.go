package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// counts is what a profile page shows.
type counts struct{ posts, followers, following int }

func countsOf(t *testing.T, db *DB, id ID) counts {
	t.Helper()
	u := mustUser(t, db, id)
	return counts{u.PostsCount, u.FollowersCount, u.FollowingCount}
}

// A failed action must leave nothing behind: no record, no index entry, no
// changed count.
func TestFailedActionsLeaveNothing(t *testing.T) {
	t.Run("post by unknown author", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		ghost := User{ID: db.NewID(), Username: "ghost"}
		p := newPost(db, ghost)
		if err := db.CreatePost(&p); !errors.Is(err, ErrNotFound) {
			t.Fatalf("CreatePost by unknown author error = %v, want ErrNotFound", err)
		}
		if _, err := db.Post(0, p.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Post(%d) error = %v, want ErrNotFound", p.ID, err)
		}
		if tl, err := db.LocalTimeline(0, Page{}); err != nil || len(tl.Entries) != 0 {
			t.Errorf("local timeline = %d entries, %v; want 0, nil", len(tl.Entries), err)
		}
		if tl, err := db.AuthorTimeline(0, ghost.ID, false, Page{}); err != nil || len(tl.Entries) != 0 {
			t.Errorf("author timeline of ghost = %d entries, %v; want 0, nil", len(tl.Entries), err)
		}
		// The index must not hold a dangling entry that would break a
		// timeline holding it: a real post next to it still shows.
		real := createPost(t, db, amal)
		if tl, err := db.LocalTimeline(0, Page{}); err != nil || !slices.Equal(postIDs(tl), []ID{real.ID}) {
			t.Errorf("local timeline = %v, %v; want [%d], nil", postIDs(tl), err, real.ID)
		}
	})

	t.Run("invalid posts", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		tests := []struct {
			name   string
			change func(*Post)
		}{
			{"no id", func(p *Post) { p.ID = 0 }},
			{"no author", func(p *Post) { p.AuthorID = 0 }},
			{"no uri", func(p *Post) { p.URI = "" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := newPost(db, amal)
				tt.change(&p)
				if err := db.CreatePost(&p); !errors.Is(err, ErrInvalid) {
					t.Errorf("CreatePost error = %v, want ErrInvalid", err)
				}
			})
		}
		if c := countsOf(t, db, amal.ID); c.posts != 0 {
			t.Errorf("PostsCount = %d, want 0", c.posts)
		}
	})

	t.Run("post with a taken ID", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		first := createPost(t, db, amal)
		again := first
		again.Source = "overwritten"
		if err := db.CreatePost(&again); !errors.Is(err, ErrExists) {
			t.Fatalf("CreatePost with a taken ID error = %v, want ErrExists", err)
		}
		if e, err := db.Post(0, first.ID); err != nil || e.Post.Source != first.Source {
			t.Errorf("Post(%d).Source = %q, %v; want %q, nil", first.ID, e.Post.Source, err, first.Source)
		}
		if c := countsOf(t, db, amal.ID); c.posts != 1 {
			t.Errorf("PostsCount = %d, want 1", c.posts)
		}
	})

	t.Run("follow", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		bilal := createUser(t, db, "bilal")
		unknown := db.NewID()
		tests := []struct {
			name               string
			follower, followee ID
			wantErr            error
		}{
			{"unknown followee", amal.ID, unknown, ErrNotFound},
			{"unknown follower", unknown, amal.ID, ErrNotFound},
			{"zero followee", amal.ID, 0, ErrNotFound},
			{"self", amal.ID, amal.ID, ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := followErr(db, tt.follower, tt.followee); !errors.Is(err, tt.wantErr) {
					t.Fatalf("Follow error = %v, want %v", err, tt.wantErr)
				}
				if ok, err := db.IsFollowing(tt.follower, tt.followee); err != nil || ok {
					t.Errorf("IsFollowing = %v, %v; want false, nil", ok, err)
				}
				if c := countsOf(t, db, amal.ID); c != (counts{}) {
					t.Errorf("amal counts = %+v, want zero", c)
				}
				for _, list := range []func(ID, Page) (UserList, error){db.Followers, db.Following} {
					for _, id := range []ID{tt.follower, tt.followee} {
						if l, err := list(id, Page{}); err != nil || len(l.Users) != 0 {
							t.Errorf("list of %d = %d users, %v; want 0, nil", id, len(l.Users), err)
						}
					}
				}
			})
		}

		t.Run("twice", func(t *testing.T) {
			if err := followErr(db, amal.ID, bilal.ID); err != nil {
				t.Fatalf("first Follow: %v", err)
			}
			if err := followErr(db, amal.ID, bilal.ID); !errors.Is(err, ErrExists) {
				t.Fatalf("second Follow error = %v, want ErrExists", err)
			}
			if got := countsOf(t, db, amal.ID); got != (counts{following: 1}) {
				t.Errorf("amal counts = %+v, want following 1", got)
			}
			if got := countsOf(t, db, bilal.ID); got != (counts{followers: 1}) {
				t.Errorf("bilal counts = %+v, want followers 1", got)
			}
			if l, err := db.Followers(bilal.ID, Page{}); err != nil || len(l.Users) != 1 {
				t.Errorf("Followers(bilal) = %d users, %v; want 1, nil", len(l.Users), err)
			}
		})

		t.Run("unfollow a non-follow", func(t *testing.T) {
			if err := db.Unfollow(bilal.ID, amal.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Unfollow error = %v, want ErrNotFound", err)
			}
			if got := countsOf(t, db, amal.ID); got != (counts{following: 1}) {
				t.Errorf("amal counts = %+v, want following 1", got)
			}
			if got := countsOf(t, db, bilal.ID); got != (counts{followers: 1}) {
				t.Errorf("bilal counts = %+v, want followers 1", got)
			}
		})
	})
}

func TestCounts(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	chadi := createUser(t, db, "chadi")
	var amalPosts []Post

	steps := []struct {
		name string
		do   func() error
		want map[ID]counts
	}{
		{"start", func() error { return nil }, map[ID]counts{
			amal.ID: {}, bilal.ID: {}, chadi.ID: {},
		}},
		{"amal posts twice", func() error {
			amalPosts = append(amalPosts, createPost(t, db, amal), createPost(t, db, amal))
			return nil
		}, map[ID]counts{amal.ID: {posts: 2}, bilal.ID: {}}},
		{"bilal follows amal", func() error { return followErr(db, bilal.ID, amal.ID) }, map[ID]counts{
			amal.ID: {posts: 2, followers: 1}, bilal.ID: {following: 1},
		}},
		{"chadi follows amal and bilal", func() error {
			return errors.Join(followErr(db, chadi.ID, amal.ID), followErr(db, chadi.ID, bilal.ID))
		}, map[ID]counts{
			amal.ID: {posts: 2, followers: 2}, bilal.ID: {followers: 1, following: 1}, chadi.ID: {following: 2},
		}},
		{"amal deletes a post", func() error { return db.DeletePost(amalPosts[0].ID) }, map[ID]counts{
			amal.ID: {posts: 1, followers: 2},
		}},
		{"bilal unfollows amal", func() error { return db.Unfollow(bilal.ID, amal.ID) }, map[ID]counts{
			amal.ID: {posts: 1, followers: 1}, bilal.ID: {followers: 1}, chadi.ID: {following: 2},
		}},
		{"amal follows chadi", func() error { return followErr(db, amal.ID, chadi.ID) }, map[ID]counts{
			amal.ID: {posts: 1, followers: 1, following: 1}, chadi.ID: {followers: 1, following: 2},
		}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			for id, want := range step.want {
				if got := countsOf(t, db, id); got != want {
					t.Errorf("user %s counts = %+v, want %+v", mustUser(t, db, id).Username, got, want)
				}
			}
		})
	}

	follows := []struct {
		follower, followee User
		want               bool
	}{
		{chadi, amal, true},
		{chadi, bilal, true},
		{amal, chadi, true},
		{bilal, amal, false},
		{amal, bilal, false},
	}
	for _, f := range follows {
		t.Run(fmt.Sprintf("IsFollowing(%s, %s)", f.follower.Username, f.followee.Username), func(t *testing.T) {
			if got, err := db.IsFollowing(f.follower.ID, f.followee.ID); err != nil || got != f.want {
				t.Errorf("got %v, %v; want %v, nil", got, err, f.want)
			}
		})
	}
}

func TestFollowLists(t *testing.T) {
	db := openTestDB(t)
	star := createUser(t, db, "star")
	fan := createUser(t, db, "fan")
	var fans, idols []User // in creation order
	for i := range 25 {
		u := createUser(t, db, fmt.Sprintf("fan%02d", i))
		if err := followErr(db, u.ID, star.ID); err != nil {
			t.Fatalf("Follow: %v", err)
		}
		fans = append(fans, u)
	}
	for i := range 20 {
		u := createUser(t, db, fmt.Sprintf("idol%02d", i))
		if err := followErr(db, fan.ID, u.ID); err != nil {
			t.Fatalf("Follow: %v", err)
		}
		idols = append(idols, u)
	}
	// Noise: other follows that must not show in the lists.
	if err := followErr(db, star.ID, fans[3].ID); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	if err := followErr(db, fans[0].ID, idols[0].ID); err != nil {
		t.Fatalf("Follow: %v", err)
	}

	newestFirst := func(us []User) []ID {
		ids := make([]ID, len(us))
		for i, u := range us {
			ids[len(us)-1-i] = u.ID
		}
		return ids
	}
	tests := []struct {
		name      string
		list      func(Page) (UserList, error)
		want      []ID
		size      int
		wantPages int
	}{
		{"followers/pages of 10", func(p Page) (UserList, error) { return db.Followers(star.ID, p) }, newestFirst(fans), 10, 3},
		{"followers/pages of 5", func(p Page) (UserList, error) { return db.Followers(star.ID, p) }, newestFirst(fans), 5, 5},
		{"followers/one page", func(p Page) (UserList, error) { return db.Followers(star.ID, p) }, newestFirst(fans), 100, 1},
		{"following/pages of 10", func(p Page) (UserList, error) { return db.Following(fan.ID, p) }, newestFirst(idols), 10, 2},
		{"following/pages of 3", func(p Page) (UserList, error) { return db.Following(fan.ID, p) }, newestFirst(idols), 3, 7},
		{"followers of nobody", func(p Page) (UserList, error) { return db.Followers(fan.ID, p) }, nil, 10, 1},
		{"following of star", func(p Page) (UserList, error) { return db.Following(star.ID, p) }, []ID{fans[3].ID}, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []ID
			pages := 0
			for before := ID(0); ; {
				l, err := tt.list(Page{Before: before, Limit: tt.size})
				if err != nil {
					t.Fatalf("page %d: %v", pages+1, err)
				}
				pages++
				for _, u := range l.Users {
					got = append(got, u.ID)
				}
				if l.Next == 0 {
					break
				}
				if pages > 100 {
					t.Fatalf("more than 100 pages, want the walk to end")
				}
				before = l.Next
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v (each once, newest account first)", got, tt.want)
			}
			if pages != tt.wantPages {
				t.Errorf("got %d pages, want %d", pages, tt.wantPages)
			}
		})
	}
}
