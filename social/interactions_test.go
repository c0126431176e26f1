package social

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"majlis/i18n"
	"majlis/storage"
)

// interWorld is a fresh database with three members: alice writes, bob
// acts on her posts, and carol is blocked by alice.
type interWorld struct {
	s                  *Service
	db                 *storage.DB
	alice, bob, carol  storage.User
	public, unlisted   storage.Post
	followers, direct  storage.Post
	alicePins, bobPost storage.Post
}

func newInterWorld(t *testing.T) *interWorld {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("storage.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	w := &interWorld{s: New(db, Config{BaseURL: "https://majlis.test/"}), db: db}
	for name, u := range map[string]*storage.User{"alice": &w.alice, "bob": &w.bob, "carol": &w.carol} {
		*u = storage.User{Username: name, URI: w.s.UserURI(name)}
		if err := db.CreateUser(u); err != nil {
			t.Fatalf("CreateUser(%s): %v", name, err)
		}
	}
	if err := db.Block(w.alice.ID, w.carol.ID); err != nil {
		t.Fatalf("Block: %v", err)
	}
	w.public = w.post(t, w.alice, storage.Public)
	w.unlisted = w.post(t, w.alice, storage.Unlisted)
	w.followers = w.post(t, w.alice, storage.FollowersOnly)
	w.direct = w.post(t, w.alice, storage.Direct, w.bob.ID)
	w.bobPost = w.post(t, w.bob, storage.Public)
	return w
}

// post stores a post by author with the visibility v, mentioning mentions.
func (w *interWorld) post(t *testing.T, author storage.User, v storage.Visibility, mentions ...storage.ID) storage.Post {
	t.Helper()
	id := w.db.NewID()
	p := storage.Post{ID: id, AuthorID: author.ID, URI: w.s.PostURI(author.Username, id), Visibility: v,
		Source: fmt.Sprintf("post %s", id), HTML: "<p>post</p>", Local: true, Mentions: mentions}
	if err := w.db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	return p
}

// entry is the post as viewer sees it; a post viewer may not see is
// given as a bare entry, as a front door that read it earlier would.
func (w *interWorld) entry(t *testing.T, viewer storage.User, p storage.Post) storage.Entry {
	t.Helper()
	e, err := w.db.Post(viewer.ID, p.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Entry{Post: p}
	}
	if err != nil {
		t.Fatalf("Post(%d): %v", p.ID, err)
	}
	return e
}

// do runs the interaction act by viewer on p, as a front door would.
func (w *interWorld) do(t *testing.T, ctx context.Context, act interaction, viewer storage.User, p storage.Post) (storage.Entry, error) {
	t.Helper()
	return act(w.s, ctx, viewer, w.entry(t, viewer, p))
}

type interaction func(*Service, context.Context, storage.User, storage.Entry) (storage.Entry, error)

func (w *interWorld) likers(t *testing.T, p storage.Post) []string {
	t.Helper()
	l, err := w.db.Likers(w.alice.ID, p.ID, storage.Page{})
	if err != nil {
		t.Fatalf("Likers: %v", err)
	}
	return usernames(l.Users)
}

func (w *interWorld) reposters(t *testing.T, p storage.Post) []string {
	t.Helper()
	l, err := w.db.Reposters(w.alice.ID, p.ID, storage.Page{})
	if err != nil {
		t.Fatalf("Reposters: %v", err)
	}
	return usernames(l.Users)
}

func (w *interWorld) bookmarks(t *testing.T, u storage.User) []storage.ID {
	t.Helper()
	tl, err := w.db.Bookmarks(u.ID, storage.Page{})
	if err != nil {
		t.Fatalf("Bookmarks: %v", err)
	}
	var ids []storage.ID
	for _, e := range tl.Entries {
		ids = append(ids, e.Post.ID)
	}
	return ids
}

func (w *interWorld) pinned(t *testing.T, u storage.User) []storage.ID {
	t.Helper()
	got, err := w.db.UserByID(u.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	return got.Pinned
}

func usernames(us []storage.User) []string {
	var names []string
	for _, u := range us {
		names = append(names, u.Username)
	}
	return names
}

// TestInteractions performs each interaction as a member would and checks
// what they notice: the refusal (its kind and message) or the entry to
// show (counts and marks), and what was recorded.
func TestInteractions(t *testing.T) {
	en := i18n.WithLang(context.Background(), i18n.English)
	msg := func(key string) string { return i18n.T(en, key) }
	for _, tt := range []struct {
		name string
		// before runs first: earlier actions, follows.
		before func(t *testing.T, w *interWorld)
		// act is done by bob unless by says otherwise.
		act  interaction
		by   func(w *interWorld) storage.User
		post func(w *interWorld) storage.Post
		// wantKind and wantMsg describe a refusal; 0 for success.
		wantKind Kind
		wantMsg  string
		// check looks at the entry returned and what was recorded.
		check func(t *testing.T, w *interWorld, e storage.Entry)
	}{
		{
			name: "like a public post", act: (*Service).Like,
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if !e.Liked || e.Post.Likes != 1 {
					t.Errorf("got Liked %v, Likes %d, want true, 1", e.Liked, e.Post.Likes)
				}
				if got := w.likers(t, w.public); !slices.Equal(got, []string{"bob"}) {
					t.Errorf("got likers %v, want [bob]", got)
				}
			},
		},
		{
			name: "like twice is not an error", act: (*Service).Like,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Like, w.bob, w.public) },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if !e.Liked || e.Post.Likes != 1 {
					t.Errorf("got Liked %v, Likes %d, want true, 1", e.Liked, e.Post.Likes)
				}
			},
		},
		{
			name: "like across a block", act: (*Service).Like,
			by:       func(w *interWorld) storage.User { return w.carol },
			post:     func(w *interWorld) storage.Post { return w.public },
			wantKind: Forbidden, wantMsg: msg("error.forbidden"),
			check: func(t *testing.T, w *interWorld, _ storage.Entry) {
				if got := w.likers(t, w.public); len(got) != 0 {
					t.Errorf("got likers %v, want none", got)
				}
			},
		},
		{
			name: "like a post for followers by a non-follower", act: (*Service).Like,
			post:     func(w *interWorld) storage.Post { return w.followers },
			wantKind: NotFound, wantMsg: msg("error.not_found"),
		},
		{
			name: "like a post for followers by a follower", act: (*Service).Like,
			before: func(t *testing.T, w *interWorld) { mustFollow(t, w, w.bob, w.alice) },
			post:   func(w *interWorld) storage.Post { return w.followers },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if !e.Liked || e.Post.Likes != 1 {
					t.Errorf("got Liked %v, Likes %d, want true, 1", e.Liked, e.Post.Likes)
				}
			},
		},
		{
			name: "unlike", act: (*Service).Unlike,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Like, w.bob, w.public) },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if e.Liked || e.Post.Likes != 0 {
					t.Errorf("got Liked %v, Likes %d, want false, 0", e.Liked, e.Post.Likes)
				}
				if got := w.likers(t, w.public); len(got) != 0 {
					t.Errorf("got likers %v, want none", got)
				}
			},
		},
		{
			name: "unlike what was not liked", act: (*Service).Unlike,
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if e.Liked || e.Post.Likes != 0 {
					t.Errorf("got Liked %v, Likes %d, want false, 0", e.Liked, e.Post.Likes)
				}
			},
		},
		{
			name: "repost a public post", act: (*Service).Repost,
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if !e.Reposted || e.Post.Reposts != 1 || e.Post.ID != w.public.ID {
					t.Errorf("got post %d, Reposted %v, Reposts %d, want %d, true, 1", e.Post.ID, e.Reposted, e.Post.Reposts, w.public.ID)
				}
				if got := w.reposters(t, w.public); !slices.Equal(got, []string{"bob"}) {
					t.Errorf("got reposters %v, want [bob]", got)
				}
				if got := w.reposts(t, w.bob); len(got) != 1 || got[0].RepostOf != w.public.ID ||
					got[0].URI != "https://majlis.test/@bob/"+got[0].ID.String() || got[0].Visibility != storage.Public {
					t.Errorf("got bob's reposts %+v, want one of %d at its canonical URI", got, w.public.ID)
				}
			},
		},
		{
			name: "repost an unlisted post", act: (*Service).Repost,
			post: func(w *interWorld) storage.Post { return w.unlisted },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if !e.Reposted || e.Post.Reposts != 1 {
					t.Errorf("got Reposted %v, Reposts %d, want true, 1", e.Reposted, e.Post.Reposts)
				}
			},
		},
		{
			name: "repost twice is not an error", act: (*Service).Repost,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Repost, w.bob, w.public) },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if !e.Reposted || e.Post.Reposts != 1 {
					t.Errorf("got Reposted %v, Reposts %d, want true, 1", e.Reposted, e.Post.Reposts)
				}
			},
		},
		{
			name: "repost a post for followers", act: (*Service).Repost,
			before:   func(t *testing.T, w *interWorld) { mustFollow(t, w, w.bob, w.alice) },
			post:     func(w *interWorld) storage.Post { return w.followers },
			wantKind: Forbidden, wantMsg: msg("error.not_repostable"),
			check: func(t *testing.T, w *interWorld, _ storage.Entry) {
				if got := w.reposters(t, w.followers); len(got) != 0 {
					t.Errorf("got reposters %v, want none", got)
				}
			},
		},
		{
			name: "repost a post for the mentioned only", act: (*Service).Repost,
			post:     func(w *interWorld) storage.Post { return w.direct },
			wantKind: Forbidden, wantMsg: msg("error.not_repostable"),
		},
		{
			name: "repost across a block", act: (*Service).Repost,
			by:       func(w *interWorld) storage.User { return w.carol },
			post:     func(w *interWorld) storage.Post { return w.public },
			wantKind: Forbidden, wantMsg: msg("error.not_repostable"),
			check: func(t *testing.T, w *interWorld, _ storage.Entry) {
				if got := w.reposters(t, w.public); len(got) != 0 {
					t.Errorf("got reposters %v, want none", got)
				}
			},
		},
		{
			name: "unrepost", act: (*Service).Unrepost,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Repost, w.bob, w.public) },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if e.Reposted || e.Post.Reposts != 0 {
					t.Errorf("got Reposted %v, Reposts %d, want false, 0", e.Reposted, e.Post.Reposts)
				}
				if got := w.reposters(t, w.public); len(got) != 0 {
					t.Errorf("got reposters %v, want none", got)
				}
			},
		},
		{
			name: "unrepost what was not reposted", act: (*Service).Unrepost,
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if e.Reposted {
					t.Errorf("got Reposted true, want false")
				}
			},
		},
		{
			name: "bookmark", act: (*Service).Bookmark,
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if !e.Bookmarked {
					t.Errorf("got Bookmarked false, want true")
				}
				if got := w.bookmarks(t, w.bob); !slices.Equal(got, []storage.ID{w.public.ID}) {
					t.Errorf("got bookmarks %v, want [%d]", got, w.public.ID)
				}
			},
		},
		{
			name: "bookmark twice is not an error", act: (*Service).Bookmark,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Bookmark, w.bob, w.public) },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if got := w.bookmarks(t, w.bob); !e.Bookmarked || len(got) != 1 {
					t.Errorf("got Bookmarked %v, bookmarks %v, want true, one", e.Bookmarked, got)
				}
			},
		},
		{
			name: "bookmark a post for the mentioned only", act: (*Service).Bookmark,
			post: func(w *interWorld) storage.Post { return w.direct },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if got := w.bookmarks(t, w.bob); !e.Bookmarked || len(got) != 1 {
					t.Errorf("got Bookmarked %v, bookmarks %v, want true, one", e.Bookmarked, got)
				}
			},
		},
		{
			name: "bookmark across a block", act: (*Service).Bookmark,
			by:       func(w *interWorld) storage.User { return w.carol },
			post:     func(w *interWorld) storage.Post { return w.public },
			wantKind: Forbidden, wantMsg: msg("error.forbidden"),
			check: func(t *testing.T, w *interWorld, _ storage.Entry) {
				if got := w.bookmarks(t, w.carol); len(got) != 0 {
					t.Errorf("got bookmarks %v, want none", got)
				}
			},
		},
		{
			name: "unbookmark", act: (*Service).Unbookmark,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Bookmark, w.bob, w.public) },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if got := w.bookmarks(t, w.bob); e.Bookmarked || len(got) != 0 {
					t.Errorf("got Bookmarked %v, bookmarks %v, want false, none", e.Bookmarked, got)
				}
			},
		},
		{
			name: "unbookmark what was not kept", act: (*Service).Unbookmark,
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if e.Bookmarked {
					t.Errorf("got Bookmarked true, want false")
				}
			},
		},
		{
			name: "pin one's own post", act: (*Service).Pin,
			by:   func(w *interWorld) storage.User { return w.alice },
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if got := w.pinned(t, w.alice); !e.Pinned || !slices.Equal(got, []storage.ID{w.public.ID}) {
					t.Errorf("got Pinned %v, pins %v, want true, [%d]", e.Pinned, got, w.public.ID)
				}
			},
		},
		{
			name: "pin twice is not an error", act: (*Service).Pin,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Pin, w.alice, w.public) },
			by:     func(w *interWorld) storage.User { return w.alice },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if got := w.pinned(t, w.alice); !e.Pinned || len(got) != 1 {
					t.Errorf("got Pinned %v, pins %v, want true, one", e.Pinned, got)
				}
			},
		},
		{
			name: "pin someone else's post", act: (*Service).Pin,
			post:     func(w *interWorld) storage.Post { return w.public },
			wantKind: Forbidden, wantMsg: msg("error.pin_own_only"),
			check: func(t *testing.T, w *interWorld, _ storage.Entry) {
				if got := w.pinned(t, w.bob); len(got) != 0 {
					t.Errorf("got pins %v, want none", got)
				}
			},
		},
		{
			name: "pin a post for the mentioned only", act: (*Service).Pin,
			by:       func(w *interWorld) storage.User { return w.alice },
			post:     func(w *interWorld) storage.Post { return w.direct },
			wantKind: Invalid, wantMsg: msg("error.pin_direct"),
		},
		{
			name: "pin one more than the limit", act: (*Service).Pin,
			before: func(t *testing.T, w *interWorld) {
				for range storage.MaxPinned {
					mustAct(t, w, (*Service).Pin, w.alice, w.post(t, w.alice, storage.Public))
				}
			},
			by:       func(w *interWorld) storage.User { return w.alice },
			post:     func(w *interWorld) storage.Post { return w.public },
			wantKind: Forbidden, wantMsg: i18n.N(en, "error.pin_limit", storage.MaxPinned),
			check: func(t *testing.T, w *interWorld, _ storage.Entry) {
				if got := w.pinned(t, w.alice); len(got) != storage.MaxPinned || slices.Contains(got, w.public.ID) {
					t.Errorf("got pins %v, want %d others", got, storage.MaxPinned)
				}
			},
		},
		{
			name: "unpin", act: (*Service).Unpin,
			before: func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Pin, w.alice, w.public) },
			by:     func(w *interWorld) storage.User { return w.alice },
			post:   func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if got := w.pinned(t, w.alice); e.Pinned || len(got) != 0 {
					t.Errorf("got Pinned %v, pins %v, want false, none", e.Pinned, got)
				}
			},
		},
		{
			name: "unpin what was not pinned", act: (*Service).Unpin,
			by:   func(w *interWorld) storage.User { return w.alice },
			post: func(w *interWorld) storage.Post { return w.public },
			check: func(t *testing.T, w *interWorld, e storage.Entry) {
				if e.Pinned {
					t.Errorf("got Pinned true, want false")
				}
			},
		},
		{
			name: "unpin someone else's post", act: (*Service).Unpin,
			before:   func(t *testing.T, w *interWorld) { mustAct(t, w, (*Service).Pin, w.alice, w.public) },
			post:     func(w *interWorld) storage.Post { return w.public },
			wantKind: Forbidden, wantMsg: msg("error.unpin_own_only"),
			check: func(t *testing.T, w *interWorld, _ storage.Entry) {
				if got := w.pinned(t, w.alice); len(got) != 1 {
					t.Errorf("got alice's pins %v, want one", got)
				}
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newInterWorld(t)
			if tt.before != nil {
				tt.before(t, w)
			}
			by := w.bob
			if tt.by != nil {
				by = tt.by(w)
			}
			e, err := w.do(t, en, tt.act, by, tt.post(w))
			if got := KindOf(err); got != tt.wantKind {
				t.Fatalf("got kind %d (err %v), want %d", got, err, tt.wantKind)
			}
			if tt.wantKind != 0 {
				var r *Error
				errors.As(err, &r)
				if r.Message != tt.wantMsg || r.Field != "" {
					t.Errorf("got message %q, field %q, want %q, \"\"", r.Message, r.Field, tt.wantMsg)
				}
			}
			if tt.check != nil {
				tt.check(t, w, e)
			}
		})
	}
}

// TestInteractionRefusalsInArabic checks that a refusal speaks the
// language of the action's context.
func TestInteractionRefusalsInArabic(t *testing.T) {
	ar := i18n.WithLang(context.Background(), i18n.Arabic)
	en := i18n.WithLang(context.Background(), i18n.English)
	w := newInterWorld(t)
	for range storage.MaxPinned {
		mustAct(t, w, (*Service).Pin, w.alice, w.post(t, w.alice, storage.Public))
	}
	for _, tt := range []struct {
		name    string
		act     interaction
		by      storage.User
		post    storage.Post
		ar, en  string
		wantErr Kind
	}{
		{"not repostable", (*Service).Repost, w.bob, w.direct,
			i18n.T(ar, "error.not_repostable"), i18n.T(en, "error.not_repostable"), Forbidden},
		{"pin limit", (*Service).Pin, w.alice, w.public,
			i18n.N(ar, "error.pin_limit", storage.MaxPinned), i18n.N(en, "error.pin_limit", storage.MaxPinned), Forbidden},
		{"blocked", (*Service).Like, w.carol, w.public,
			i18n.T(ar, "error.forbidden"), i18n.T(en, "error.forbidden"), Forbidden},
	} {
		_, err := w.do(t, ar, tt.act, tt.by, tt.post)
		var r *Error
		if !errors.As(err, &r) || r.Kind != tt.wantErr {
			t.Errorf("%s: got %v, want a refusal of kind %d", tt.name, err, tt.wantErr)
			continue
		}
		if r.Message != tt.ar || r.Message == tt.en {
			t.Errorf("%s: got %q, want %q", tt.name, r.Message, tt.ar)
		}
	}
}

func mustAct(t *testing.T, w *interWorld, act interaction, by storage.User, p storage.Post) {
	t.Helper()
	if _, err := w.do(t, context.Background(), act, by, p); err != nil {
		t.Fatalf("acting on %d by %s: %v", p.ID, by.Username, err)
	}
}

func mustFollow(t *testing.T, w *interWorld, follower, followee storage.User) {
	t.Helper()
	if _, err := w.db.Follow(follower.ID, followee.ID); err != nil {
		t.Fatalf("Follow: %v", err)
	}
}

// reposts are the reposts u made, as stored.
func (w *interWorld) reposts(t *testing.T, u storage.User) []storage.Post {
	t.Helper()
	var rs []storage.Post
	err := w.db.ExportPosts(u.ID, func(p storage.ExportedPost) error {
		if p.RepostOf != 0 {
			rs = append(rs, p.Post)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ExportPosts: %v", err)
	}
	return rs
}
