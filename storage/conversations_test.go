package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestReplies(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")

	t.Run("count on parent", func(t *testing.T) {
		parent := write(t, db, amal)
		r1 := write(t, db, bilal, replyingTo(parent))
		write(t, db, carim, replyingTo(parent))
		if got := postOf(t, db, parent).Replies; got != 2 {
			t.Errorf("after two replies: got Replies %d, want 2", got)
		}
		if r1.InReplyToAuthor != amal.ID {
			t.Errorf("got InReplyToAuthor %d, want amal %d", r1.InReplyToAuthor, amal.ID)
		}
		e, err := db.Post(0, r1.ID)
		must(t, err, "Post(reply)")
		if e.ReplyTo == nil || e.ReplyTo.ID != amal.ID {
			t.Errorf("got entry ReplyTo %v, want amal", e.ReplyTo)
		}
		must(t, db.DeletePost(r1.ID), "DeletePost(reply)")
		if got := postOf(t, db, parent).Replies; got != 1 {
			t.Errorf("after deleting a reply: got Replies %d, want 1", got)
		}
	})

	t.Run("to a deleted parent", func(t *testing.T) {
		parent := write(t, db, amal)
		must(t, db.DeletePost(parent.ID), "DeletePost")
		before := mustUser(t, db, bilal.ID).PostsCount
		_, err := tryWrite(db, bilal, replyingTo(parent))
		wantErr(t, err, ErrNotFound, "reply to a deleted post")
		if got := mustUser(t, db, bilal.ID).PostsCount; got != before {
			t.Errorf("got bilal PostsCount %d, want %d (the failed reply not counted)", got, before)
		}
	})

	t.Run("parent deleted after the reply", func(t *testing.T) {
		parent := write(t, db, amal)
		reply := write(t, db, bilal, replyingTo(parent))
		must(t, db.DeletePost(parent.ID), "DeletePost(parent)")
		e, err := db.Post(0, reply.ID)
		if err != nil {
			t.Fatalf("Post(reply) after the parent was deleted: %v, want the reply kept", err)
		}
		if e.ReplyTo == nil || e.ReplyTo.ID != amal.ID {
			t.Errorf("got ReplyTo %v, want amal still named", e.ReplyTo)
		}
		th, err := db.Thread(0, reply.ID)
		must(t, err, "Thread(reply)")
		if len(th.Ancestors) != 1 || !th.Ancestors[0].Missing {
			t.Errorf("got ancestors %+v, want one Missing", th.Ancestors)
		}
		if th.Post.Post.ID != reply.ID {
			t.Errorf("got focus %d, want the reply %d", th.Post.Post.ID, reply.ID)
		}
	})

	t.Run("across a block", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		bilal := createUser(t, db, "bilal")
		byAmal := write(t, db, amal)
		byBilal := write(t, db, bilal)
		block(t, db, amal, bilal)
		_, err := tryWrite(db, bilal, replyingTo(byAmal))
		wantErr(t, err, ErrForbidden, "blocked replies to blocker")
		_, err = tryWrite(db, amal, replyingTo(byBilal))
		wantErr(t, err, ErrForbidden, "blocker replies to blocked")
		if got := postOf(t, db, byAmal).Replies; got != 0 {
			t.Errorf("got Replies %d, want 0", got)
		}
	})

	// A post the would-be replier may not see is refused with ErrForbidden
	// (CreatePost does not pretend it is missing; only reads do).
	t.Run("to a post the replier cannot see", func(t *testing.T) {
		for _, v := range []Visibility{FollowersOnly, Direct} {
			hidden := write(t, db, amal, withVis(v))
			_, err := tryWrite(db, carim, replyingTo(hidden))
			wantErr(t, err, ErrForbidden, "reply to a %s post", v)
			if got := postOf(t, db, hidden).Replies; got != 0 {
				t.Errorf("%s: got Replies %d, want 0", v, got)
			}
		}
	})

	t.Run("to a repost", func(t *testing.T) {
		orig := write(t, db, amal)
		rid := repost(t, db, bilal, orig.ID)
		p := newPost(db, carim)
		p.InReplyTo = rid
		wantErr(t, db.CreatePost(&p), ErrInvalid, "reply to a repost")
	})
}

func TestThread(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")
	dina := createUser(t, db, "dina")

	root := write(t, db, amal, saying("root"))
	r1 := write(t, db, bilal, replyingTo(root), saying("r1"))
	r2 := write(t, db, carim, replyingTo(root), saying("r2"))
	var kids []Post
	for i := range 5 {
		kids = append(kids, write(t, db, dina, replyingTo(r1), saying(fmt.Sprintf("r1.%d", i))))
	}
	r3 := write(t, db, bilal, replyingTo(root), saying("r3"))
	r2kid := write(t, db, amal, replyingTo(r2), saying("r2.0"))
	deep := write(t, db, amal, replyingTo(kids[0]), saying("r1.0.0"))

	t.Run("root", func(t *testing.T) {
		th, err := db.Thread(0, root.ID)
		must(t, err, "Thread(root)")
		if len(th.Ancestors) != 0 {
			t.Errorf("got %d ancestors, want 0", len(th.Ancestors))
		}
		var got []ID
		for _, b := range th.Replies {
			got = append(got, b.Post.ID)
		}
		if want := []ID{r1.ID, r2.ID, r3.ID}; !slices.Equal(got, want) {
			t.Errorf("got replies %v, want %v (oldest first)", got, want)
		}
		if len(th.Replies) != 3 {
			t.Fatalf("got %d replies, want 3", len(th.Replies))
		}
		if got, want := ids(th.Replies[0].Children), []ID{kids[0].ID, kids[1].ID, kids[2].ID}; !slices.Equal(got, want) {
			t.Errorf("got r1 children %v, want %v (first three, oldest first)", got, want)
		}
		if th.Replies[0].More != 2 {
			t.Errorf("got r1 More %d, want 2", th.Replies[0].More)
		}
		if got, want := ids(th.Replies[1].Children), []ID{r2kid.ID}; !slices.Equal(got, want) || th.Replies[1].More != 0 {
			t.Errorf("got r2 children %v More %d, want %v More 0", got, th.Replies[1].More, want)
		}
		if len(th.Replies[2].Children) != 0 {
			t.Errorf("got r3 children %v, want none", ids(th.Replies[2].Children))
		}
		if th.MoreReplies {
			t.Errorf("got MoreReplies true, want false")
		}
	})

	t.Run("deep reply", func(t *testing.T) {
		th, err := db.Thread(0, deep.ID)
		must(t, err, "Thread(deep)")
		var got []ID
		for _, a := range th.Ancestors {
			if a.Missing {
				t.Errorf("ancestor missing, want all present")
			}
			got = append(got, a.Post.ID)
		}
		if want := []ID{root.ID, r1.ID, kids[0].ID}; !slices.Equal(got, want) {
			t.Errorf("got ancestors %v, want %v (oldest first)", got, want)
		}
		if th.Post.Post.ID != deep.ID || len(th.Replies) != 0 {
			t.Errorf("got focus %d with %d replies, want %d with none", th.Post.Post.ID, len(th.Replies), deep.ID)
		}
	})

	t.Run("hidden replies are not shown nor counted", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		bilal := createUser(t, db, "bilal")
		viewer := createUser(t, db, "viewer")
		root := write(t, db, amal)
		shown := write(t, db, bilal, replyingTo(root))
		for range 4 {
			write(t, db, amal, replyingTo(shown))
		}
		write(t, db, bilal, replyingTo(root), withVis(FollowersOnly))
		write(t, db, bilal, replyingTo(shown), withVis(Direct), mentioning(amal))
		th, err := db.Thread(viewer.ID, root.ID)
		must(t, err, "Thread")
		if len(th.Replies) != 1 || th.Replies[0].Post.ID != shown.ID {
			t.Fatalf("got replies %d, want only the public one", len(th.Replies))
		}
		if th.Replies[0].More != 1 {
			t.Errorf("got More %d, want 1 (4 visible children, 3 shown; the direct one not counted)", th.Replies[0].More)
		}
		mute(t, db, viewer, amal)
		th, err = db.Thread(viewer.ID, root.ID)
		must(t, err, "Thread after mute")
		if th.Post.Post.ID != root.ID {
			t.Errorf("got focus %d, want the muted author's post still shown on its own page", th.Post.Post.ID)
		}
		if len(th.Replies) != 1 || len(th.Replies[0].Children) != 0 || th.Replies[0].More != 0 {
			t.Errorf("got %d replies, want bilal's only, with no children of the muted amal", len(th.Replies))
		}
	})

	t.Run("more replies than a page", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		root := write(t, db, amal)
		var replies []Post
		for range maxThreadReplies + 1 {
			p := newPost(db, amal)
			p.InReplyTo = root.ID
			replies = append(replies, p)
		}
		storePosts(t, db, replies)
		th, err := db.Thread(0, root.ID)
		must(t, err, "Thread")
		if len(th.Replies) != maxThreadReplies || !th.MoreReplies {
			t.Errorf("got %d replies MoreReplies %v, want %d and true", len(th.Replies), th.MoreReplies, maxThreadReplies)
		}
		if len(th.Replies) > 0 && th.Replies[0].Post.ID != replies[0].ID {
			t.Errorf("got first reply %d, want the oldest %d", th.Replies[0].Post.ID, replies[0].ID)
		}
		if got := postOf(t, db, root).Replies; got != maxThreadReplies+1 {
			t.Errorf("got Replies %d, want %d", got, maxThreadReplies+1)
		}
	})
}

func TestReposts(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")
	reader := createUser(t, db, "reader")
	follow(t, db, reader, bilal)
	follow(t, db, reader, carim)
	follow(t, db, bilal, amal)

	t.Run("visibility", func(t *testing.T) {
		for _, tt := range []struct {
			v    Visibility
			want error
		}{{Public, nil}, {Unlisted, nil}, {FollowersOnly, ErrForbidden}, {Direct, ErrForbidden}} {
			p := write(t, db, amal, withVis(tt.v), mentioning(bilal))
			_, err := db.Repost(bilal.ID, p.ID, testURI)
			wantErr(t, err, tt.want, "repost of a %s post", tt.v)
			want := 0
			if tt.want == nil {
				want = 1
			}
			if got := postOf(t, db, p).Reposts; got != want {
				t.Errorf("%s: got Reposts %d, want %d", tt.v, got, want)
			}
		}
	})

	t.Run("invisible and blocked", func(t *testing.T) {
		fo := write(t, db, amal, withVis(FollowersOnly))
		_, err := db.Repost(carim.ID, fo.ID, testURI)
		wantErr(t, err, ErrNotFound, "repost of a followers-only post by a non-follower")
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		bilal := createUser(t, db, "bilal")
		byAmal := write(t, db, amal)
		byBilal := write(t, db, bilal)
		block(t, db, amal, bilal)
		_, err = db.Repost(bilal.ID, byAmal.ID, testURI)
		wantErr(t, err, ErrForbidden, "blocked reposts blocker")
		_, err = db.Repost(amal.ID, byBilal.ID, testURI)
		wantErr(t, err, ErrForbidden, "blocker reposts blocked")
	})

	t.Run("twice, of a repost, counts, undo", func(t *testing.T) {
		orig := write(t, db, amal)
		before := map[ID]int{bilal.ID: mustUser(t, db, bilal.ID).PostsCount, carim.ID: mustUser(t, db, carim.ID).PostsCount}
		rb := repost(t, db, bilal, orig.ID)
		_, err := db.Repost(bilal.ID, orig.ID, testURI)
		wantErr(t, err, ErrExists, "repost twice")
		_, err = db.Repost(bilal.ID, rb, testURI)
		wantErr(t, err, ErrExists, "repost own repost")
		// carim reposts bilal's repost: that reposts the original.
		rc := repost(t, db, carim, rb)
		if got := postOf(t, db, orig).Reposts; got != 2 {
			t.Errorf("got Reposts %d, want 2", got)
		}
		for id, n := range before {
			if got := mustUser(t, db, id).PostsCount; got != n+1 {
				t.Errorf("user %d: got PostsCount %d, want %d", id, got, n+1)
			}
		}
		e, err := db.Post(0, rc)
		must(t, err, "Post(repost of a repost)")
		if e.Post.ID != orig.ID {
			t.Errorf("carim's repost resolves to %d, want the original %d", e.Post.ID, orig.ID)
		}
		prof, err := db.AuthorTimeline(0, carim.ID, false, Page{})
		must(t, err, "AuthorTimeline(carim)")
		if len(prof.Entries) == 0 || prof.Entries[0].Post.ID != orig.ID || prof.Entries[0].RepostedBy == nil || prof.Entries[0].RepostedBy.ID != carim.ID {
			t.Errorf("carim's profile top entry = %+v, want the original reposted by carim", prof.Entries)
		}
		l, err := db.Reposters(0, orig.ID, Page{})
		must(t, err, "Reposters")
		var got []ID
		for _, u := range l.Users {
			got = append(got, u.ID)
		}
		if want := []ID{carim.ID, bilal.ID}; !slices.Equal(got, want) {
			t.Errorf("got reposters %v, want %v (newest first)", got, want)
		}
		home, err := db.HomeTimeline(reader.ID, Page{})
		must(t, err, "HomeTimeline(reader)")
		if !hasPost(home.Entries, orig.ID) {
			t.Errorf("reader's home lacks the reposted post")
		}

		// Undo through the repost's own ID and through the original.
		if _, err := db.Unrepost(carim.ID, rc); err != nil {
			t.Fatalf("Unrepost(carim, own repost ID): %v", err)
		}
		p, err := db.Unrepost(bilal.ID, orig.ID)
		must(t, err, "Unrepost(bilal)")
		if p.Reposts != 0 || postOf(t, db, orig).Reposts != 0 {
			t.Errorf("got Reposts %d (returned) %d (stored), want 0", p.Reposts, postOf(t, db, orig).Reposts)
		}
		_, err = db.Unrepost(bilal.ID, orig.ID)
		wantErr(t, err, ErrNotFound, "Unrepost twice")
		for id, n := range before {
			if got := mustUser(t, db, id).PostsCount; got != n {
				t.Errorf("user %d: got PostsCount %d, want %d", id, got, n)
			}
		}
		home, err = db.HomeTimeline(reader.ID, Page{})
		must(t, err, "HomeTimeline(reader)")
		if hasPost(home.Entries, orig.ID) {
			t.Errorf("reader's home still shows the post after both reposts were undone")
		}
		if _, err := db.Post(0, rb); !errors.Is(err, ErrNotFound) {
			t.Errorf("Post(undone repost): got %v, want ErrNotFound", err)
		}
	})

	t.Run("deleting the original", func(t *testing.T) {
		orig := write(t, db, amal)
		before := map[ID]int{bilal.ID: mustUser(t, db, bilal.ID).PostsCount, carim.ID: mustUser(t, db, carim.ID).PostsCount}
		rb := repost(t, db, bilal, orig.ID)
		rc := repost(t, db, carim, orig.ID)
		must(t, db.DeletePost(orig.ID), "DeletePost(original)")
		for id, n := range before {
			if got := mustUser(t, db, id).PostsCount; got != n {
				t.Errorf("user %d: got PostsCount %d, want %d (repost gone with the original)", id, got, n)
			}
		}
		for _, r := range []ID{rb, rc} {
			if _, err := db.Post(0, r); !errors.Is(err, ErrNotFound) {
				t.Errorf("Post(repost %d): got %v, want ErrNotFound", r, err)
			}
		}
		timelines := map[string]func(Page) (Timeline, error){
			"home of reader":    func(p Page) (Timeline, error) { return db.HomeTimeline(reader.ID, p) },
			"profile of bilal":  func(p Page) (Timeline, error) { return db.AuthorTimeline(0, bilal.ID, true, p) },
			"profile of carim":  func(p Page) (Timeline, error) { return db.AuthorTimeline(reader.ID, carim.ID, true, p) },
			"home of bilal":     func(p Page) (Timeline, error) { return db.HomeTimeline(bilal.ID, p) },
			"local of a reader": func(p Page) (Timeline, error) { return db.LocalTimeline(reader.ID, p) },
		}
		for name, get := range timelines {
			es := walkEntries(t, get, 5)
			for _, e := range es {
				if e.Post.ID == orig.ID || e.RepostID == rb || e.RepostID == rc {
					t.Errorf("%s still shows the deleted post (repost %d)", name, e.RepostID)
				}
			}
		}
		if _, err := db.Unrepost(bilal.ID, orig.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Unrepost after deletion: got %v, want ErrNotFound", err)
		}
	})
}

// A post shows once in a home timeline, at its newest appearance: as
// itself, or as the newest repost by someone the reader follows.
func TestHomeRepostOnce(t *testing.T) {
	type step struct {
		name string
		do   func(w *dedupWorld) error
		// want lists the expected entries newest first: "post" or
		// "post<reposter" for a repost.
		want []string
	}
	for _, followsAuthor := range []bool{false, true} {
		steps := []step{
			{"two reposts", func(w *dedupWorld) error { return nil },
				pick(followsAuthor, []string{"r2a", "P<r2", "r1a"}, []string{"r2a", "P<r2", "r1a", "oa"})},
			{"newest reposter muted", func(w *dedupWorld) error { return w.db.Mute(w.reader.ID, w.r2.ID) },
				pick(followsAuthor, []string{"r1a", "P<r1"}, []string{"r1a", "P<r1", "oa"})},
			{"unmuted, newest repost undone", func(w *dedupWorld) error {
				if err := w.db.Unmute(w.reader.ID, w.r2.ID); err != nil {
					return err
				}
				_, err := w.db.Unrepost(w.r2.ID, w.p.ID)
				return err
			}, pick(followsAuthor, []string{"r2a", "r1a", "P<r1"}, []string{"r2a", "r1a", "P<r1", "oa"})},
			{"both undone", func(w *dedupWorld) error {
				_, err := w.db.Unrepost(w.r1.ID, w.p.ID)
				return err
			}, pick(followsAuthor, []string{"r2a", "r1a"}, []string{"r2a", "r1a", "oa", "P"})},
			{"reader reposts it", func(w *dedupWorld) error {
				_, err := w.db.Repost(w.reader.ID, w.p.ID, testURI)
				return err
			}, pick(followsAuthor, []string{"P<reader", "r2a", "r1a"}, []string{"P<reader", "r2a", "r1a", "oa"})},
		}
		for _, size := range []int{1, 2, 20} {
			w := newDedupWorld(t, followsAuthor)
			for _, s := range steps {
				t.Run(fmt.Sprintf("follows author %v/pages of %d/%s", followsAuthor, size, s.name), func(t *testing.T) {
					must(t, s.do(w), "step")
					got := w.describe(walkEntries(t, func(p Page) (Timeline, error) { return w.db.HomeTimeline(w.reader.ID, p) }, size))
					if !slices.Equal(got, s.want) {
						t.Errorf("got home %v, want %v", got, s.want)
					}
				})
			}
		}
	}
}

func pick[T any](cond bool, ifFalse, ifTrue T) T {
	if cond {
		return ifTrue
	}
	return ifFalse
}

// dedupWorld: author writes P then oa; r1 reposts P then writes r1a; r2
// reposts P then writes r2a. reader follows r1 and r2 (and author when
// asked).
type dedupWorld struct {
	db                     *DB
	author, r1, r2, reader User
	p                      Post
	names                  map[ID]string
}

func newDedupWorld(t *testing.T, followsAuthor bool) *dedupWorld {
	t.Helper()
	db := openTestDB(t)
	w := &dedupWorld{db: db, names: map[ID]string{}}
	w.author = createUser(t, db, "author")
	w.r1 = createUser(t, db, "r1")
	w.r2 = createUser(t, db, "r2")
	w.reader = createUser(t, db, "reader")
	follow(t, db, w.reader, w.r1)
	follow(t, db, w.reader, w.r2)
	if followsAuthor {
		follow(t, db, w.reader, w.author)
	}
	w.p = write(t, db, w.author)
	w.names[w.p.ID] = "P"
	w.names[write(t, db, w.author).ID] = "oa"
	repost(t, db, w.r1, w.p.ID)
	w.names[write(t, db, w.r1).ID] = "r1a"
	repost(t, db, w.r2, w.p.ID)
	w.names[write(t, db, w.r2).ID] = "r2a"
	return w
}

func (w *dedupWorld) describe(es []Entry) []string {
	var out []string
	for _, e := range es {
		s := w.names[e.Post.ID]
		if s == "" {
			s = e.Post.ID.String()
		}
		if e.RepostedBy != nil {
			s += "<" + e.RepostedBy.Username
		}
		out = append(out, s)
	}
	return out
}

func TestLikes(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")
	follow(t, db, bilal, amal)
	post := write(t, db, amal)

	liked := func(viewer ID) bool {
		e, err := db.Post(viewer, post.ID)
		must(t, err, "Post")
		home, err := db.HomeTimeline(viewer, Page{})
		must(t, err, "HomeTimeline")
		for _, h := range home.Entries {
			if h.Post.ID == post.ID && h.Liked != e.Liked {
				t.Errorf("home Liked %v, permalink Liked %v; want the same", h.Liked, e.Liked)
			}
		}
		return e.Liked
	}
	steps := []struct {
		name      string
		do        func() (Post, error)
		wantErr   error
		wantLikes int
		// wantLiked: is the post marked liked for amal, bilal, carim.
		wantLiked [3]bool
	}{
		{"bilal likes", func() (Post, error) { return db.Like(bilal.ID, post.ID) }, nil, 1, [3]bool{false, true, false}},
		{"bilal likes again", func() (Post, error) { return db.Like(bilal.ID, post.ID) }, ErrExists, 1, [3]bool{false, true, false}},
		{"amal likes her own", func() (Post, error) { return db.Like(amal.ID, post.ID) }, nil, 2, [3]bool{true, true, false}},
		{"bilal unlikes", func() (Post, error) { return db.Unlike(bilal.ID, post.ID) }, nil, 1, [3]bool{true, false, false}},
		{"bilal unlikes again", func() (Post, error) { return db.Unlike(bilal.ID, post.ID) }, ErrNotFound, 1, [3]bool{true, false, false}},
		{"bilal likes once more", func() (Post, error) { return db.Like(bilal.ID, post.ID) }, nil, 2, [3]bool{true, true, false}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			p, err := s.do()
			wantErr(t, err, s.wantErr, "action")
			if err == nil && p.Likes != s.wantLikes {
				t.Errorf("returned Likes %d, want %d", p.Likes, s.wantLikes)
			}
			if got := postOf(t, db, post).Likes; got != s.wantLikes {
				t.Errorf("stored Likes %d, want %d", got, s.wantLikes)
			}
			for i, u := range []User{amal, bilal, carim} {
				if got := liked(u.ID); got != s.wantLiked[i] {
					t.Errorf("%s sees Liked %v, want %v", u.Username, got, s.wantLiked[i])
				}
			}
		})
	}

	t.Run("through a repost", func(t *testing.T) {
		orig := write(t, db, amal)
		rid := repost(t, db, bilal, orig.ID)
		if _, err := db.Like(carim.ID, rid); err != nil {
			t.Fatalf("Like(repost): %v", err)
		}
		if got := postOf(t, db, orig).Likes; got != 1 {
			t.Errorf("got original Likes %d, want 1", got)
		}
		if _, err := db.Unlike(carim.ID, rid); err != nil {
			t.Errorf("Unlike(repost ID): got %v, want the like of the original taken back", err)
		}
		if got := postOf(t, db, orig).Likes; got != 0 {
			t.Errorf("got original Likes %d after unlike, want 0", got)
		}
	})

	t.Run("refused", func(t *testing.T) {
		db := openTestDB(t)
		amal := createUser(t, db, "amal")
		bilal := createUser(t, db, "bilal")
		carim := createUser(t, db, "carim")
		byAmal := write(t, db, amal)
		byBilal := write(t, db, bilal)
		fo := write(t, db, carim, withVis(FollowersOnly))
		dm := write(t, db, carim, withVis(Direct), mentioning(bilal))
		gone := write(t, db, carim)
		must(t, db.DeletePost(gone.ID), "DeletePost")
		block(t, db, amal, bilal)
		for _, tt := range []struct {
			name     string
			user, id ID
			want     error
		}{
			{"blocked likes blocker", bilal.ID, byAmal.ID, ErrForbidden},
			{"blocker likes blocked", amal.ID, byBilal.ID, ErrForbidden},
			{"followers-only, not a follower", amal.ID, fo.ID, ErrNotFound},
			{"direct, not mentioned", amal.ID, dm.ID, ErrNotFound},
			{"deleted", amal.ID, gone.ID, ErrNotFound},
			{"direct, mentioned", bilal.ID, dm.ID, nil},
		} {
			_, err := db.Like(tt.user, tt.id)
			wantErr(t, err, tt.want, "%s", tt.name)
		}
		for _, p := range []Post{byAmal, byBilal, fo} {
			if got := postOf(t, db, p).Likes; got != 0 {
				t.Errorf("post %d: got Likes %d, want 0", p.ID, got)
			}
		}
	})

	t.Run("likers pages", func(t *testing.T) {
		db := openTestDB(t)
		author := createUser(t, db, "author")
		viewer := createUser(t, db, "viewer")
		p := write(t, db, author)
		var likers []User
		for i := range 6 {
			u := createUser(t, db, fmt.Sprintf("liker%d", i))
			_, err := db.Like(u.ID, p.ID)
			must(t, err, "Like")
			likers = append([]User{u}, likers...)
		}
		// viewer muted the first liker and blocked the third: the list
		// leaves them out, and its pages still end without an empty one.
		mute(t, db, viewer, likers[5])
		block(t, db, viewer, likers[3])
		for _, tt := range []struct {
			name   string
			viewer ID
			want   []User
		}{
			{"visitor", 0, likers},
			{"viewer who muted and blocked likers", viewer.ID, []User{likers[0], likers[1], likers[2], likers[4]}},
		} {
			var want []ID
			for _, u := range tt.want {
				want = append(want, u.ID)
			}
			for _, size := range []int{1, 2, 3, 4, 6, 7} {
				var got []ID
				page := Page{Limit: size}
				for range 10 {
					l, err := db.Likers(tt.viewer, p.ID, page)
					must(t, err, "Likers")
					for _, u := range l.Users {
						got = append(got, u.ID)
					}
					if len(l.Users) == 0 && page.Before != 0 {
						t.Errorf("%s, pages of %d: an empty page after a cursor", tt.name, size)
					}
					if l.Next == 0 {
						break
					}
					page.Before = l.Next
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s, pages of %d: got likers %v, want %v (each once, newest account first)", tt.name, size, got, want)
				}
			}
		}
	})
}

func TestEdits(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, t.TempDir()+"/majlis.db", Options{Now: clock.Now})
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")
	dina := createUser(t, db, "dina")
	stranger := createUser(t, db, "stranger")

	clock.Advance(time.Minute)
	p := write(t, db, amal, saying("v1"), tagged("old"), mentioning(bilal))
	t1 := clock.Now()

	t.Run("not the author", func(t *testing.T) {
		_, err := db.EditPost(bilal.ID, p.ID, PostChange{Source: "hijack"})
		wantErr(t, err, ErrForbidden, "EditPost by someone else")
		rid := repost(t, db, bilal, p.ID)
		_, err = db.EditPost(bilal.ID, rid, PostChange{Source: "x"})
		wantErr(t, err, ErrForbidden, "EditPost of a repost")
		must(t, func() error { _, err := db.Unrepost(bilal.ID, rid); return err }(), "Unrepost")
		_, err = db.EditPost(amal.ID, db.NewID(), PostChange{Source: "x"})
		wantErr(t, err, ErrNotFound, "EditPost of a missing post")
		if got := postOf(t, db, p).Source; got != "v1" {
			t.Errorf("got Source %q, want v1 unchanged", got)
		}
	})

	// dina hears of something after the post was written, and reads her
	// notifications: a mention added later must still count as new.
	follow(t, db, stranger, dina)
	must(t, db.MarkNotificationsRead(dina.ID, 0), "MarkNotificationsRead(dina)")

	clock.Advance(time.Minute)
	t2 := clock.Now()
	e1, err := db.EditPost(amal.ID, p.ID, PostChange{Source: "v2", HTML: "<p>v2</p>", Tags: []string{"new"}, Mentions: []ID{bilal.ID, carim.ID, dina.ID}})
	must(t, err, "first EditPost")
	clock.Advance(time.Minute)
	t3 := clock.Now()
	e2, err := db.EditPost(amal.ID, p.ID, PostChange{Source: "v3", HTML: "<p>v3</p>", ContentWarning: "cw", Tags: []string{"new"}, Mentions: []ID{bilal.ID, carim.ID, dina.ID}})
	must(t, err, "second EditPost")

	t.Run("post and EditedAt", func(t *testing.T) {
		if !e1.EditedAt.Equal(t2) || !e2.EditedAt.Equal(t3) {
			t.Errorf("got EditedAt %v then %v, want %v then %v", e1.EditedAt, e2.EditedAt, t2, t3)
		}
		e, err := db.Post(stranger.ID, p.ID)
		must(t, err, "Post")
		if e.Post.Source != "v3" || e.Post.ContentWarning != "cw" || !e.Post.EditedAt.Equal(t3) {
			t.Errorf("got %q cw %q edited %v, want v3 cw %v", e.Post.Source, e.Post.ContentWarning, e.Post.EditedAt, t3)
		}
		if !e.Post.CreatedAt.Equal(p.CreatedAt) || e.Post.ID != p.ID {
			t.Errorf("edit changed the post's identity or creation time")
		}
	})

	t.Run("history newest first", func(t *testing.T) {
		hist, err := db.PostEdits(stranger.ID, p.ID)
		must(t, err, "PostEdits")
		var got []string
		for _, h := range hist {
			got = append(got, h.Source)
		}
		if want := []string{"v2", "v1"}; !slices.Equal(got, want) {
			t.Fatalf("got history %v, want %v", got, want)
		}
		if !hist[0].At.Equal(t2) || !hist[1].At.Truncate(time.Millisecond).Equal(p.CreatedAt.Truncate(time.Millisecond)) {
			t.Errorf("got versions written at %v and %v, want %v and %v", hist[0].At, hist[1].At, t2, t1)
		}
	})

	t.Run("tags re-indexed", func(t *testing.T) {
		old, err := db.TagTimeline(0, "old", Page{})
		must(t, err, "TagTimeline(old)")
		if hasPost(old.Entries, p.ID) {
			t.Errorf("#old still lists the post after the tag was edited away")
		}
		nw, err := db.TagTimeline(0, "new", Page{})
		must(t, err, "TagTimeline(new)")
		if !hasPost(nw.Entries, p.ID) || len(nw.Entries) != 1 {
			t.Errorf("got #new %v, want the post once", ids(nw.Entries))
		}
	})

	t.Run("mentions", func(t *testing.T) {
		count := func(u User) int {
			n := 0
			for _, ne := range allNotes(t, db, u.ID, 20) {
				if ne.Kind == NoteMention && ne.PostID == p.ID {
					n++
				}
			}
			return n
		}
		for _, tt := range []struct {
			u    User
			want int
		}{{bilal, 1}, {carim, 1}, {dina, 1}, {stranger, 0}} {
			if got := count(tt.u); got != tt.want {
				t.Errorf("%s: got %d mention notifications, want %d", tt.u.Username, got, tt.want)
			}
		}
		if n, err := db.UnreadNotifications(dina.ID, 10); err != nil || n != 1 {
			t.Errorf("dina: got %d unread, %v; want 1 (the mention added by the edit)", n, err)
		}
		notes := allNotes(t, db, dina.ID, 20)
		if len(notes) == 0 || notes[0].Kind != NoteMention {
			t.Errorf("dina's newest notification = %+v, want the mention", summarize(notes))
		}
	})

	t.Run("mention across a block", func(t *testing.T) {
		block(t, db, stranger, amal)
		_, err := db.EditPost(amal.ID, p.ID, PostChange{Source: "v4", Mentions: []ID{stranger.ID}})
		wantErr(t, err, ErrForbidden, "edit that mentions a blocker")
		hist, _ := db.PostEdits(0, p.ID)
		if got := postOf(t, db, p).Source; got != "v3" || len(hist) != 2 {
			t.Errorf("got Source %q with %d versions, want v3 with 2 (refused edit left nothing)", got, len(hist))
		}
	})

	t.Run("history of a hidden post", func(t *testing.T) {
		dm := write(t, db, amal, withVis(Direct), mentioning(bilal))
		_, err := db.EditPost(amal.ID, dm.ID, PostChange{Source: "dm2", Mentions: []ID{bilal.ID}})
		must(t, err, "EditPost(dm)")
		_, err = db.PostEdits(carim.ID, dm.ID)
		wantErr(t, err, ErrNotFound, "PostEdits by someone not mentioned")
		h, err := db.PostEdits(bilal.ID, dm.ID)
		if err != nil || len(h) != 1 {
			t.Errorf("PostEdits by the mentioned: got %d versions, %v; want 1", len(h), err)
		}
	})
}

// DeletePost leaves nothing about the post in any bucket: likes (both
// indexes), bookmarks (both), edits, tags, reposts (both, and the reposts
// themselves), the reply index under it, its own index entries.
func TestDeletePostLeavesNothing(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")
	follow(t, db, bilal, amal)
	parent := write(t, db, bilal)
	p := write(t, db, amal, tagged("one", "two"), mentioning(bilal), replyingTo(parent))
	top := write(t, db, amal, tagged("one", "two"), mentioning(bilal))
	keep := write(t, db, amal, tagged("one"))
	for _, target := range []Post{p, top} {
		_, err := db.EditPost(amal.ID, target.ID, PostChange{Source: "edited", Tags: []string{"two", "three"}, Mentions: []ID{bilal.ID}})
		must(t, err, "EditPost")
		for _, u := range []User{bilal, carim} {
			_, err := db.Like(u.ID, target.ID)
			must(t, err, "Like")
			must(t, db.Bookmark(u.ID, target.ID), "Bookmark")
			repost(t, db, u, target.ID)
		}
		must(t, db.Pin(amal.ID, target.ID), "Pin")
	}
	reply := write(t, db, carim, replyingTo(top))
	counts := map[ID]int{}
	for _, u := range []User{amal, bilal, carim} {
		counts[u.ID] = mustUser(t, db, u.ID).PostsCount
	}

	for _, target := range []Post{p, top} {
		var reposts []ID
		for _, k := range keysUnder(t, db, bucketReposts, idKey(target.ID)) {
			reposts = append(reposts, keyID(k, 8))
		}
		if len(reposts) != 2 {
			t.Fatalf("post %d has %d reposts, want 2", target.ID, len(reposts))
		}
		must(t, db.DeletePost(target.ID), "DeletePost")
		pk := idKey(target.ID)
		for _, tt := range []struct {
			bucket []byte
			prefix []byte
		}{
			{bucketLikes, pk}, {bucketPostMarks, pk}, {bucketEdits, pk}, {bucketReposts, pk}, {bucketReplies, pk},
		} {
			if ks := keysUnder(t, db, tt.bucket, tt.prefix); len(ks) != 0 {
				t.Errorf("post %d: %s holds %d keys under the deleted post, want 0", target.ID, tt.bucket, len(ks))
			}
		}
		for _, u := range []User{bilal, carim} {
			for _, b := range [][]byte{bucketUserLikes, bucketBookmarks, bucketUserReposts} {
				if hasKey(t, db, b, pairKey(u.ID, target.ID)) {
					t.Errorf("post %d: %s still holds %s|post", target.ID, b, u.Username)
				}
			}
		}
		for _, tag := range []string{"one", "two", "three"} {
			if hasKey(t, db, bucketTags, tagKey(tag, target.ID)) {
				t.Errorf("post %d: tags still lists it under #%s", target.ID, tag)
			}
		}
		for _, id := range append([]ID{target.ID}, reposts...) {
			if hasKey(t, db, bucketPosts, idKey(id)) {
				t.Errorf("posts still holds %d", id)
			}
			if hasKey(t, db, bucketLocalPosts, idKey(id)) {
				t.Errorf("local_posts still holds %d", id)
			}
			for _, u := range []User{amal, bilal, carim} {
				if hasKey(t, db, bucketAuthorPosts, pairKey(u.ID, id)) {
					t.Errorf("author_posts still holds %s|%d", u.Username, id)
				}
			}
		}
		for _, u := range []User{bilal, carim} {
			for _, ne := range allNotes(t, db, u.ID, 50) {
				if ne.PostID == target.ID {
					t.Errorf("%s still has a %s notification about the deleted post", u.Username, ne.Kind)
				}
			}
		}
	}
	t.Run("what stays", func(t *testing.T) {
		if got := postOf(t, db, parent).Replies; got != 0 {
			t.Errorf("parent: got Replies %d, want 0", got)
		}
		if _, err := db.Post(0, reply.ID); err != nil {
			t.Errorf("Post(reply to deleted post): %v, want kept", err)
		}
		for _, tag := range []string{"one"} {
			tl, err := db.TagTimeline(0, tag, Page{})
			must(t, err, "TagTimeline")
			if got := ids(tl.Entries); !slices.Equal(got, []ID{keep.ID}) {
				t.Errorf("#%s: got %v, want only the kept post %d", tag, got, keep.ID)
			}
		}
		want := map[ID]int{amal.ID: counts[amal.ID] - 2, bilal.ID: counts[bilal.ID] - 2, carim.ID: counts[carim.ID] - 2}
		for id, n := range want {
			if got := mustUser(t, db, id).PostsCount; got != n {
				t.Errorf("user %d: got PostsCount %d, want %d", id, got, n)
			}
		}
		if u := mustUser(t, db, amal.ID); len(u.Pinned) != 0 {
			t.Errorf("got pins %v, want none (deleted posts unpinned)", u.Pinned)
		}
		for _, u := range []User{bilal, carim} {
			if b := walkEntries(t, func(pg Page) (Timeline, error) { return db.Bookmarks(u.ID, pg) }, 5); len(b) != 0 {
				t.Errorf("%s: got bookmarks %v, want none", u.Username, ids(b))
			}
		}
		if err := db.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
		// Every remaining key of the by-post buckets points at a post that exists.
		for _, b := range [][]byte{bucketLikes, bucketPostMarks, bucketEdits, bucketReposts, bucketReplies} {
			for _, k := range keysUnder(t, db, b, nil) {
				if !hasKey(t, db, bucketPosts, k[:8]) {
					t.Errorf("%s holds %x for a post that is gone", b, k)
				}
			}
		}
	})
}

func TestPins(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")
	follow(t, db, bilal, amal)

	var posts []Post
	for i := range MaxPinned + 1 {
		v := Public
		if i == 1 {
			v = FollowersOnly
		}
		posts = append(posts, write(t, db, amal, withVis(v)))
	}
	for _, p := range posts[:MaxPinned] {
		must(t, db.Pin(amal.ID, p.ID), "Pin")
	}
	t.Run("refused", func(t *testing.T) {
		dm := write(t, db, amal, withVis(Direct), mentioning(bilal))
		byBilal := write(t, db, bilal)
		rid := repost(t, db, amal, byBilal.ID)
		for _, tt := range []struct {
			name     string
			user, id ID
			want     error
		}{
			{"a sixth", amal.ID, posts[MaxPinned].ID, ErrForbidden},
			{"twice", amal.ID, posts[0].ID, ErrExists},
			{"someone else's", bilal.ID, posts[MaxPinned].ID, ErrForbidden},
			{"a direct post", amal.ID, dm.ID, ErrInvalid},
			{"a repost", amal.ID, rid, ErrInvalid},
			{"a missing post", amal.ID, db.NewID(), ErrNotFound},
		} {
			wantErr(t, db.Pin(tt.user, tt.id), tt.want, "Pin %s", tt.name)
		}
		if got := len(mustUser(t, db, amal.ID).Pinned); got != MaxPinned {
			t.Errorf("got %d pins, want %d", got, MaxPinned)
		}
	})

	pinned := func(viewer ID) []ID {
		es, err := db.PinnedPosts(viewer, amal.ID)
		must(t, err, "PinnedPosts")
		for _, e := range es {
			if !e.Pinned {
				t.Errorf("pinned entry %d has Pinned false", e.Post.ID)
			}
		}
		return ids(es)
	}
	all := []ID{posts[4].ID, posts[3].ID, posts[2].ID, posts[1].ID, posts[0].ID}
	t.Run("visibility", func(t *testing.T) {
		noFO := []ID{posts[4].ID, posts[3].ID, posts[2].ID, posts[0].ID}
		for _, tt := range []struct {
			name   string
			viewer ID
			want   []ID
		}{
			{"author", amal.ID, all},
			{"follower", bilal.ID, all},
			{"stranger", carim.ID, noFO},
			{"visitor", 0, noFO},
		} {
			if got := pinned(tt.viewer); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got pins %v, want %v (newest pin first)", tt.name, got, tt.want)
			}
		}
		block(t, db, amal, carim)
		if got := pinned(carim.ID); len(got) != 0 {
			t.Errorf("blocked viewer: got pins %v, want none", got)
		}
	})
	t.Run("delete and unpin", func(t *testing.T) {
		must(t, db.DeletePost(posts[2].ID), "DeletePost(pinned)")
		must(t, db.Unpin(amal.ID, posts[4].ID), "Unpin")
		wantErr(t, db.Unpin(amal.ID, posts[4].ID), ErrNotFound, "Unpin twice")
		want := []ID{posts[3].ID, posts[1].ID, posts[0].ID}
		if got := pinned(amal.ID); !slices.Equal(got, want) {
			t.Errorf("got pins %v, want %v", got, want)
		}
		if got := mustUser(t, db, amal.ID).Pinned; !slices.Equal(got, want) {
			t.Errorf("got User.Pinned %v, want %v", got, want)
		}
		must(t, db.Pin(amal.ID, posts[MaxPinned].ID), "Pin after room was made")
	})
}

// TestReplyCountHidesPrivateReplies checks that a post's reply count, which
// everyone who sees the post sees, counts only public and unlisted replies:
// it must not reveal that followers-only or direct replies exist.
func TestReplyCountHidesPrivateReplies(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	parent := write(t, db, amal)
	tests := []struct {
		vis  Visibility
		want int
	}{
		{Public, 1}, {Unlisted, 2}, {FollowersOnly, 2}, {Direct, 2},
	}
	var replies []Post
	for _, tt := range tests {
		replies = append(replies, write(t, db, bilal, replyingTo(parent), withVis(tt.vis)))
		e, err := db.Post(amal.ID, parent.ID)
		must(t, err, "Post")
		if e.Post.Replies != tt.want {
			t.Errorf("after a %s reply: got %d replies, want %d", tt.vis, e.Post.Replies, tt.want)
		}
	}
	for i := len(replies) - 1; i >= 0; i-- {
		must(t, db.DeletePost(replies[i].ID), "DeletePost")
	}
	if e, err := db.Post(amal.ID, parent.ID); err != nil || e.Post.Replies != 0 {
		t.Errorf("after deleting every reply: got %d replies (err %v), want 0", e.Post.Replies, err)
	}
}

// The edit history is shown only to those in the audience of every
// version: someone a later version mentions never reads what an earlier
// version said to others.
func TestEditHistoryAudience(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	carol := createUser(t, db, "carol")
	dave := createUser(t, db, "dave")
	fan := createUser(t, db, "fan")
	stranger := createUser(t, db, "stranger")
	follow(t, db, fan, amal)

	// A direct post to dave, edited to mention carol instead.
	swapped := write(t, db, amal, withVis(Direct), mentioning(dave), saying("for dave only"))
	_, err := db.EditPost(amal.ID, swapped.ID, PostChange{Source: "for carol", HTML: "<p>for carol</p>", Mentions: []ID{carol.ID}})
	must(t, err, "EditPost(swapped)")
	// A direct post to dave, edited to add carol.
	added := write(t, db, amal, withVis(Direct), mentioning(dave), saying("dave, a secret"))
	_, err = db.EditPost(amal.ID, added.ID, PostChange{Source: "both", HTML: "<p>both</p>", Mentions: []ID{dave.ID, carol.ID}})
	must(t, err, "EditPost(added)")
	// A followers-only post mentioning dave, edited to mention carol.
	circle := write(t, db, amal, withVis(FollowersOnly), mentioning(dave), saying("circle and dave"))
	_, err = db.EditPost(amal.ID, circle.ID, PostChange{Source: "circle and carol", HTML: "<p>circle and carol</p>", Mentions: []ID{carol.ID}})
	must(t, err, "EditPost(circle)")
	// A public post: its history is everyone's.
	open := write(t, db, amal, mentioning(dave), saying("open to all"))
	_, err = db.EditPost(amal.ID, open.ID, PostChange{Source: "still open", HTML: "<p>still open</p>", Mentions: []ID{carol.ID}})
	must(t, err, "EditPost(open)")

	for _, tt := range []struct {
		name     string
		viewer   User
		post     Post
		want     int   // earlier versions shown
		wantErr  error // ErrNotFound: the post itself is hidden
		whatSeen string
	}{
		{"author sees all", amal, swapped, 1, nil, ""},
		{"carol, added later, sees none of dave's version", carol, swapped, 0, nil, ""},
		{"dave, dropped, sees nothing", dave, swapped, 0, ErrNotFound, ""},
		{"dave, in both versions", dave, added, 1, nil, "dave, a secret"},
		{"carol, in the second only", carol, added, 0, nil, ""},
		{"follower sees both versions", fan, circle, 1, nil, "circle and dave"},
		{"carol, mentioned later, no follower", carol, circle, 0, nil, ""},
		{"stranger on a followers-only post", stranger, circle, 0, ErrNotFound, ""},
		{"visitor on a public post", User{}, open, 1, nil, "open to all"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hist, err := db.PostEdits(tt.viewer.ID, tt.post.ID)
			wantErr(t, err, tt.wantErr, "PostEdits")
			if len(hist) != tt.want {
				t.Fatalf("got %d earlier versions, want %d", len(hist), tt.want)
			}
			if tt.whatSeen != "" && hist[0].Source != tt.whatSeen {
				t.Errorf("got %q, want %q", hist[0].Source, tt.whatSeen)
			}
		})
	}
}
