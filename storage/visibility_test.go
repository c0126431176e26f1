package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

var visibilities = []Visibility{Public, Unlisted, FollowersOnly, Direct}

// visWorld is an instance in which author has written, in each
// visibility, a top-level post (mentioning mentioned, tagged #matrix) and
// a reply in someone else's thread (also mentioning mentioned).
type visWorld struct {
	db *DB
	// author writes the posts; other started the thread author replies in.
	author, other User
	// Viewers besides the author and the visitor: stranger has no relation
	// to author; follower follows author; mentioned is named in every post
	// but does not follow; blocked is blocked by author; blocker blocks
	// author. blocked and blocker followed author and bookmarked every post
	// they could see before the blocks.
	stranger, follower, mentioned, blocked, blocker User
	// fan follows author, reposts the repostable posts; mentioned likes
	// every post.
	fan    User
	thread Post
	top    map[Visibility]Post
	reply  map[Visibility]Post
}

func newVisWorld(t *testing.T) *visWorld {
	t.Helper()
	db := openTestDB(t)
	w := &visWorld{db: db, top: map[Visibility]Post{}, reply: map[Visibility]Post{}}
	w.author = createUser(t, db, "author")
	w.other = createUser(t, db, "other")
	w.stranger = createUser(t, db, "stranger")
	w.follower = createUser(t, db, "follower")
	w.mentioned = createUser(t, db, "mentioned")
	w.blocked = createUser(t, db, "blocked")
	w.blocker = createUser(t, db, "blocker")
	w.fan = createUser(t, db, "fan")
	for _, u := range []User{w.follower, w.blocked, w.blocker, w.fan} {
		follow(t, db, u, w.author)
	}
	w.thread = write(t, db, w.other, saying("a thread"))
	for _, v := range visibilities {
		w.top[v] = write(t, db, w.author, withVis(v), mentioning(w.mentioned), tagged("matrix"), saying(string(v)))
		w.reply[v] = write(t, db, w.author, withVis(v), mentioning(w.mentioned), replyingTo(w.thread), saying(string(v)+" reply"))
	}
	for _, v := range visibilities {
		if _, err := db.Like(w.mentioned.ID, w.top[v].ID); err != nil {
			t.Fatalf("Like(mentioned, %s post): %v", v, err)
		}
		if v.Repostable() {
			repost(t, db, w.fan, w.top[v].ID)
		}
		// Everyone bookmarks what they can see now.
		for _, u := range []User{w.author, w.stranger, w.follower, w.mentioned, w.blocked, w.blocker} {
			if err := db.Bookmark(u.ID, w.top[v].ID); err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatalf("Bookmark(%s, %s post): %v", u.Username, v, err)
			}
		}
	}
	block(t, db, w.author, w.blocked)
	block(t, db, w.blocker, w.author)
	return w
}

// sees is the rule under test: who may see a post of author's.
func (w *visWorld) sees(viewer ID, v Visibility) bool {
	switch viewer {
	case w.author.ID:
		return true
	case w.blocked.ID, w.blocker.ID:
		return false
	}
	switch v {
	case Public, Unlisted:
		return true
	case FollowersOnly:
		return viewer == w.follower.ID || viewer == w.mentioned.ID
	case Direct:
		return viewer == w.mentioned.ID
	}
	return false
}

// notFound reports err == nil as true (visible), ErrNotFound as false, and
// any other error as a test failure.
func notFound(t *testing.T, err error, what string) bool {
	t.Helper()
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Errorf("%s: got error %v, want nil or ErrNotFound (a hidden post looks missing)", what, err)
	}
	return err == nil
}

func TestVisibilityMatrix(t *testing.T) {
	w := newVisWorld(t)
	db := w.db
	viewers := []struct {
		name string
		id   ID
	}{
		{"visitor", 0},
		{"stranger", w.stranger.ID},
		{"follower", w.follower.ID},
		{"mentioned", w.mentioned.ID},
		{"blocked by author", w.blocked.ID},
		{"blocker of author", w.blocker.ID},
		{"author", w.author.ID},
	}
	timeline := func(t *testing.T, get func(Page) (Timeline, error)) []Entry {
		return walkEntries(t, get, 3)
	}
	paths := []struct {
		name string
		// seen tells whether viewer sees the post of visibility v this way.
		seen func(t *testing.T, viewer ID, v Visibility) bool
		// want is who should, given w.sees.
		want func(viewer ID, v Visibility) bool
	}{
		{
			name: "Post",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				e, err := db.Post(viewer, w.top[v].ID)
				if err == nil && e.Post.Source != string(v) {
					t.Errorf("Post shows %q, want %q", e.Post.Source, v)
				}
				return notFound(t, err, "Post")
			},
			want: w.sees,
		},
		{
			name: "Thread as focus",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				th, err := db.Thread(viewer, w.reply[v].ID)
				if err == nil {
					if len(th.Ancestors) != 1 || th.Ancestors[0].Missing || th.Ancestors[0].Post.ID != w.thread.ID {
						t.Errorf("Thread ancestors = %+v, want the thread's first post", th.Ancestors)
					}
				}
				return notFound(t, err, "Thread")
			},
			want: w.sees,
		},
		{
			name: "Thread as a reply in someone else's thread",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				th, err := db.Thread(viewer, w.thread.ID)
				if err != nil {
					t.Fatalf("Thread of other's public post: %v", err)
				}
				for _, r := range th.Replies {
					if r.Post.ID == w.reply[v].ID {
						return true
					}
				}
				return false
			},
			want: w.sees,
		},
		{
			name: "LocalTimeline",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				return hasPost(timeline(t, func(p Page) (Timeline, error) { return db.LocalTimeline(viewer, p) }), w.top[v].ID)
			},
			want: func(viewer ID, v Visibility) bool { return v == Public && w.sees(viewer, v) },
		},
		{
			name: "TagTimeline",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				return hasPost(timeline(t, func(p Page) (Timeline, error) { return db.TagTimeline(viewer, "matrix", p) }), w.top[v].ID)
			},
			want: func(viewer ID, v Visibility) bool { return v == Public && w.sees(viewer, v) },
		},
		{
			name: "AuthorTimeline",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				es := timeline(t, func(p Page) (Timeline, error) { return db.AuthorTimeline(viewer, w.author.ID, false, p) })
				if hasPost(es, w.reply[v].ID) {
					t.Errorf("profile without replies shows the %s reply", v)
				}
				return hasPost(es, w.top[v].ID)
			},
			want: w.sees,
		},
		{
			name: "AuthorTimeline with replies (the reply)",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				return hasPost(timeline(t, func(p Page) (Timeline, error) { return db.AuthorTimeline(viewer, w.author.ID, true, p) }), w.reply[v].ID)
			},
			want: w.sees,
		},
		{
			// Home holds what the viewer and the accounts they follow
			// wrote: mentioned does not follow author, so even the posts
			// they are named in stay out of their home.
			name: "HomeTimeline",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				return hasPost(timeline(t, func(p Page) (Timeline, error) { return db.HomeTimeline(viewer, p) }), w.top[v].ID)
			},
			want: func(viewer ID, v Visibility) bool {
				return (viewer == w.author.ID || viewer == w.follower.ID) && w.sees(viewer, v)
			},
		},
		{
			// A reply to someone the follower does not follow stays out of
			// the follower's home; the author's own replies are in theirs.
			name: "HomeTimeline (the reply)",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				return hasPost(timeline(t, func(p Page) (Timeline, error) { return db.HomeTimeline(viewer, p) }), w.reply[v].ID)
			},
			want: func(viewer ID, v Visibility) bool { return viewer == w.author.ID },
		},
		{
			name: "Bookmarks (made while visible)",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				return hasPost(timeline(t, func(p Page) (Timeline, error) { return db.Bookmarks(viewer, p) }), w.top[v].ID)
			},
			want: func(viewer ID, v Visibility) bool { return viewer != 0 && w.sees(viewer, v) },
		},
		{
			name: "Likers",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				l, err := db.Likers(viewer, w.top[v].ID, Page{})
				if err == nil && !hasUser(l.Users, w.mentioned.ID) {
					t.Errorf("Likers = %d users, want mentioned among them", len(l.Users))
				}
				return notFound(t, err, "Likers")
			},
			want: w.sees,
		},
		{
			name: "Reposters",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				l, err := db.Reposters(viewer, w.top[v].ID, Page{})
				return notFound(t, err, "Reposters") && hasUser(l.Users, w.fan.ID)
			},
			want: func(viewer ID, v Visibility) bool { return v.Repostable() && w.sees(viewer, v) },
		},
		{
			// mentioned hears of the mention, author of mentioned's like
			// (and fan's repost); nobody else hears of the post.
			name: "Notifications",
			seen: func(t *testing.T, viewer ID, v Visibility) bool {
				for _, n := range allNotes(t, db, viewer, 5) {
					if n.PostID == w.top[v].ID {
						return true
					}
				}
				return false
			},
			want: func(viewer ID, v Visibility) bool { return viewer == w.author.ID || viewer == w.mentioned.ID },
		},
	}
	for _, path := range paths {
		for _, v := range visibilities {
			for _, vw := range viewers {
				t.Run(fmt.Sprintf("%s/%s/%s", path.name, v, vw.name), func(t *testing.T) {
					got, want := path.seen(t, vw.id, v), path.want(vw.id, v)
					if got != want {
						t.Errorf("got seen=%v, want %v", got, want)
					}
				})
			}
		}
	}
}

// The local timeline is public top-level posts written here: no replies,
// no reposts, no unlisted, followers-only or direct posts, no remote posts.
func TestLocalTimelineOnlyPublicTopLevel(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	remote := User{Username: "rem", Domain: "remote.example", URI: "https://remote.example/users/rem"}
	must(t, db.CreateUser(&remote), "CreateUser(remote)")

	top := write(t, db, amal, tagged("t"))
	reply := write(t, db, bilal, replyingTo(top), tagged("t"))
	write(t, db, bilal, withVis(Unlisted), tagged("t"))
	write(t, db, bilal, withVis(FollowersOnly), tagged("t"))
	write(t, db, bilal, withVis(Direct), mentioning(amal), tagged("t"))
	rp := newPost(db, remote)
	rp.Local = false
	rp.Tags = []string{"t"}
	must(t, db.CreatePost(&rp), "CreatePost(remote)")
	repost(t, db, bilal, top.ID)
	last := write(t, db, bilal)

	for _, viewer := range []User{{}, amal, bilal} {
		t.Run(fmt.Sprintf("local/viewer %q", viewer.Username), func(t *testing.T) {
			got := ids(walkEntries(t, func(p Page) (Timeline, error) { return db.LocalTimeline(viewer.ID, p) }, 2))
			if want := []ID{last.ID, top.ID}; !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (only the two public top-level local posts, each once)", got, want)
			}
		})
		t.Run(fmt.Sprintf("tag/viewer %q", viewer.Username), func(t *testing.T) {
			got := ids(walkEntries(t, func(p Page) (Timeline, error) { return db.TagTimeline(viewer.ID, "t", p) }, 2))
			// Public replies and remote public posts carry their tags; the
			// repost of top does not show top twice.
			if want := []ID{rp.ID, reply.ID, top.ID}; !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (public posts with #t, each once)", got, want)
			}
		})
	}
}

// Bookmarks made while a post was visible disappear when it stops being
// visible, and come back when it is again (the bookmark itself is kept).
func TestBookmarksFollowVisibility(t *testing.T) {
	db := openTestDB(t)
	author := createUser(t, db, "author")
	reader := createUser(t, db, "reader")
	follow(t, db, reader, author)
	fo := write(t, db, author, withVis(FollowersOnly))
	pub := write(t, db, author)
	must(t, db.Bookmark(reader.ID, fo.ID), "Bookmark(followers-only)")
	must(t, db.Bookmark(reader.ID, pub.ID), "Bookmark(public)")
	wantErr(t, db.Bookmark(reader.ID, pub.ID), ErrExists, "Bookmark twice")

	marks := func() []ID {
		return ids(walkEntries(t, func(p Page) (Timeline, error) { return db.Bookmarks(reader.ID, p) }, 1))
	}
	steps := []struct {
		name string
		do   func() error
		want []ID
	}{
		{"both visible", func() error { return nil }, []ID{pub.ID, fo.ID}},
		{"after unfollowing", func() error { return db.Unfollow(reader.ID, author.ID) }, []ID{pub.ID}},
		{"after following again", func() error { return followErr(db, reader.ID, author.ID) }, []ID{pub.ID, fo.ID}},
		{"after author blocks reader", func() error { return db.Block(author.ID, reader.ID) }, nil},
		{"after unblock (no follow)", func() error { return db.Unblock(author.ID, reader.ID) }, []ID{pub.ID}},
		{"after reader blocks author", func() error { return db.Block(reader.ID, author.ID) }, nil},
		{"after the post is deleted and the block lifted", func() error {
			if err := db.Unblock(reader.ID, author.ID); err != nil {
				return err
			}
			return db.DeletePost(pub.ID)
		}, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			must(t, s.do(), "step")
			if got := marks(); !slices.Equal(got, s.want) {
				t.Errorf("got bookmarks %v, want %v", got, s.want)
			}
		})
	}
	t.Run("unbookmark", func(t *testing.T) {
		wantErr(t, db.Unbookmark(reader.ID, fo.ID), nil, "Unbookmark")
		wantErr(t, db.Unbookmark(reader.ID, fo.ID), ErrNotFound, "Unbookmark twice")
	})
}
