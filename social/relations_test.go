package social

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"majlis/i18n"
	"majlis/storage"
)

// relWorld is a fresh database with five members: amal acts, bilal is an
// open account, carim approves his followers, dina and eman are there to
// block and be blocked.
type relWorld struct {
	s                              *Service
	db                             *storage.DB
	amal, bilal, carim, dina, eman storage.User
}

// relArabic is the context of the actions: refusals speak Arabic.
var relArabic = i18n.WithLang(context.Background(), i18n.Arabic)

func newRelWorld(t *testing.T) *relWorld {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	w := &relWorld{s: New(db, Config{BaseURL: "https://majlis.test"}), db: db}
	for _, m := range []struct {
		u      *storage.User
		name   string
		locked bool
	}{{&w.amal, "amal", false}, {&w.bilal, "bilal", false}, {&w.carim, "carim", true}, {&w.dina, "dina", false}, {&w.eman, "eman", false}} {
		*m.u = storage.User{Username: m.name, URI: w.s.UserURI(m.name), Locked: m.locked}
		if err := db.CreateUser(m.u); err != nil {
			t.Fatalf("CreateUser(%s): %v", m.name, err)
		}
	}
	return w
}

// must fails the test on a setup step's error.
func (w *relWorld) must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// rel is how a stands to b now.
func (w *relWorld) rel(t *testing.T, a, b storage.User) storage.Relationship {
	t.Helper()
	r, err := w.db.RelationshipOf(a.ID, b.ID)
	w.must(t, "RelationshipOf", err)
	return r
}

// requests are the usernames waiting for u's approval.
func (w *relWorld) requests(t *testing.T, u storage.User) []string {
	t.Helper()
	l, err := w.db.FollowRequests(u.ID, storage.Page{})
	w.must(t, "FollowRequests", err)
	var names []string
	for _, r := range l.Users {
		names = append(names, r.Username)
	}
	return names
}

// counts are u's following and followers counts as stored.
func (w *relWorld) counts(t *testing.T, u storage.User) [2]int {
	t.Helper()
	got, err := w.db.UserByID(u.ID)
	w.must(t, "UserByID", err)
	return [2]int{got.FollowingCount, got.FollowersCount}
}

// wantRefusal checks err is a refusal of kind, about the action as a
// whole, saying key (with args) in Arabic.
func wantRefusal(t *testing.T, err error, kind Kind, key string, args ...any) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want a refusal of kind %d", err, kind)
	}
	if e.Kind != kind || e.Field != "" {
		t.Errorf("got kind %d field %q, want kind %d field \"\"", e.Kind, e.Field, kind)
	}
	want := i18n.T(relArabic, key, args...)
	if e.Message != want || want == key || want == i18n.T(context.Background(), key, args...) {
		t.Errorf("got message %q, want %q (the Arabic of %s)", e.Message, want, key)
	}
}

func TestLocalAccount(t *testing.T) {
	w := newRelWorld(t)
	remote := storage.User{Username: "zaid", Domain: "example.org", URI: "https://example.org/users/zaid"}
	w.must(t, "CreateUser(remote)", w.db.CreateUser(&remote))
	for _, tt := range []struct {
		name     string
		username string
		want     storage.ID // 0: refused as NotFound
	}{
		{"a member", "bilal", w.bilal.ID},
		{"any case", "BILAL", w.bilal.ID},
		{"nobody", "nadia", 0},
		{"not a username", "bi lal", 0},
		{"empty", "", 0},
		{"a remote account's key", "zaid@example.org", 0},
		{"a remote account's name alone", "zaid", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := w.s.LocalAccount(relArabic, tt.username)
			if tt.want == 0 {
				wantRefusal(t, err, NotFound, "error.no_user", "name", tt.username)
				return
			}
			if err != nil || u.ID != tt.want {
				t.Errorf("got %d, %v, want %d", u.ID, err, tt.want)
			}
		})
	}
}

func TestFollow(t *testing.T) {
	for _, tt := range []struct {
		name   string
		setup  func(t *testing.T, w *relWorld)
		target func(w *relWorld) storage.User
		want   FollowResult
		// refusal: 0 when the follow goes through.
		refusal Kind
		key     string
		// wantRel is how amal stands to the target afterwards.
		wantRel storage.Relationship
		// wantRequests: who waits for the target's approval afterwards.
		wantRequests []string
	}{
		{
			name:    "an open account",
			target:  func(w *relWorld) storage.User { return w.bilal },
			want:    FollowResult{State: storage.Followed},
			wantRel: storage.Relationship{Following: true},
		},
		{
			name: "an open account again",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.bilal.ID)
				w.must(t, "Follow", err)
			},
			target:  func(w *relWorld) storage.User { return w.bilal },
			want:    FollowResult{State: storage.Followed, Already: true},
			wantRel: storage.Relationship{Following: true},
		},
		{
			name:         "a locked account asks",
			target:       func(w *relWorld) storage.User { return w.carim },
			want:         FollowResult{State: storage.Requested},
			wantRel:      storage.Relationship{Requested: true},
			wantRequests: []string{"amal"},
		},
		{
			name: "a locked account again",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.carim.ID)
				w.must(t, "Follow", err)
			},
			target:       func(w *relWorld) storage.User { return w.carim },
			want:         FollowResult{State: storage.Requested, Already: true},
			wantRel:      storage.Relationship{Requested: true},
			wantRequests: []string{"amal"},
		},
		{
			name: "a locked account that accepted",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.carim.ID)
				w.must(t, "Follow", err)
				w.must(t, "Accept", w.db.AcceptFollowRequest(w.carim.ID, w.amal.ID))
			},
			target:  func(w *relWorld) storage.User { return w.carim },
			want:    FollowResult{State: storage.Followed, Already: true},
			wantRel: storage.Relationship{Following: true},
		},
		{
			name:    "yourself",
			target:  func(w *relWorld) storage.User { return w.amal },
			refusal: Invalid,
			key:     "error.follow_self",
		},
		{
			name:    "someone who blocks you",
			setup:   func(t *testing.T, w *relWorld) { w.must(t, "Block", w.db.Block(w.dina.ID, w.amal.ID)) },
			target:  func(w *relWorld) storage.User { return w.dina },
			refusal: Forbidden,
			key:     "error.follow_blocked",
			wantRel: storage.Relationship{BlockedBy: true},
		},
		{
			name:    "someone you block",
			setup:   func(t *testing.T, w *relWorld) { w.must(t, "Block", w.db.Block(w.amal.ID, w.eman.ID)) },
			target:  func(w *relWorld) storage.User { return w.eman },
			refusal: Forbidden,
			key:     "error.follow_blocked",
			wantRel: storage.Relationship{Blocking: true},
		},
		{
			name:    "a locked account that blocks you",
			setup:   func(t *testing.T, w *relWorld) { w.must(t, "Block", w.db.Block(w.carim.ID, w.amal.ID)) },
			target:  func(w *relWorld) storage.User { return w.carim },
			refusal: Forbidden,
			key:     "error.follow_blocked",
			wantRel: storage.Relationship{BlockedBy: true},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newRelWorld(t)
			if tt.setup != nil {
				tt.setup(t, w)
			}
			target := tt.target(w)
			got, err := w.s.Follow(relArabic, w.amal, target)
			if tt.refusal != 0 {
				wantRefusal(t, err, tt.refusal, tt.key, "name", target.Username)
			} else if err != nil || got != tt.want {
				t.Errorf("got %+v, %v, want %+v", got, err, tt.want)
			}
			if target.ID == w.amal.ID {
				return
			}
			if r := w.rel(t, w.amal, target); r != tt.wantRel {
				t.Errorf("relationship: got %+v, want %+v", r, tt.wantRel)
			}
			if r := w.requests(t, target); !slices.Equal(r, tt.wantRequests) {
				t.Errorf("requests: got %v, want %v", r, tt.wantRequests)
			}
			wantFollowers := 0
			if tt.wantRel.Following {
				wantFollowers = 1
			}
			if c := w.counts(t, target); c[1] != wantFollowers {
				t.Errorf("followers count: got %d, want %d", c[1], wantFollowers)
			}
		})
	}
}

func TestFollowUnknownAccount(t *testing.T) {
	w := newRelWorld(t)
	ghost := storage.User{ID: w.db.NewID(), Username: "ghost"}
	if _, err := w.s.Follow(relArabic, w.amal, ghost); !errors.Is(err, storage.ErrNotFound) || KindOf(err) != 0 {
		t.Errorf("got %v, want storage's ErrNotFound as it is", err)
	}
}

func TestUnfollow(t *testing.T) {
	for _, tt := range []struct {
		name    string
		setup   func(t *testing.T, w *relWorld)
		target  func(w *relWorld) storage.User
		want    FollowResult
		refusal Kind
	}{
		{
			name: "a follow ends",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.bilal.ID)
				w.must(t, "Follow", err)
			},
			target: func(w *relWorld) storage.User { return w.bilal },
			want:   FollowResult{State: storage.Followed},
		},
		{
			name: "a request is withdrawn",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.carim.ID)
				w.must(t, "Follow", err)
			},
			target: func(w *relWorld) storage.User { return w.carim },
			want:   FollowResult{State: storage.Requested},
		},
		{
			name: "an accepted follow of a locked account ends",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.carim.ID)
				w.must(t, "Follow", err)
				w.must(t, "Accept", w.db.AcceptFollowRequest(w.carim.ID, w.amal.ID))
			},
			target: func(w *relWorld) storage.User { return w.carim },
			want:   FollowResult{State: storage.Followed},
		},
		{
			name:   "nothing to end",
			target: func(w *relWorld) storage.User { return w.bilal },
			want:   FollowResult{State: storage.Followed, Already: true},
		},
		{
			name:    "yourself",
			target:  func(w *relWorld) storage.User { return w.amal },
			refusal: Invalid,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newRelWorld(t)
			if tt.setup != nil {
				tt.setup(t, w)
			}
			target := tt.target(w)
			got, err := w.s.Unfollow(relArabic, w.amal, target)
			if tt.refusal != 0 {
				wantRefusal(t, err, tt.refusal, "error.follow_self")
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v, want %+v", got, err, tt.want)
			}
			if r := w.rel(t, w.amal, target); r != (storage.Relationship{}) {
				t.Errorf("relationship: got %+v, want none", r)
			}
			if r := w.requests(t, target); len(r) != 0 {
				t.Errorf("requests: got %v, want none", r)
			}
			if a, c := w.counts(t, w.amal), w.counts(t, target); a[0] != 0 || c[1] != 0 {
				t.Errorf("counts: got following %d, followers %d, want 0 and 0", a[0], c[1])
			}
		})
	}
}

func TestAnswerFollowRequest(t *testing.T) {
	// bilal asks carim, who answers; dina asked and withdrew; eman was
	// never asked about.
	for _, tt := range []struct {
		name      string
		accept    bool
		requester func(w *relWorld) storage.User
		// before: carim answers bilal once before the answer tested.
		before  func(t *testing.T, w *relWorld)
		refusal Kind
		// wantFollows: the requester follows carim afterwards.
		wantFollows bool
	}{
		{name: "accept", accept: true, requester: func(w *relWorld) storage.User { return w.bilal }, wantFollows: true},
		{name: "reject", requester: func(w *relWorld) storage.User { return w.bilal }},
		{
			name: "accept twice", accept: true, requester: func(w *relWorld) storage.User { return w.bilal },
			before:      func(t *testing.T, w *relWorld) { w.must(t, "Accept", w.db.AcceptFollowRequest(w.carim.ID, w.bilal.ID)) },
			wantFollows: true,
		},
		{
			name: "reject twice", requester: func(w *relWorld) storage.User { return w.bilal },
			before:  func(t *testing.T, w *relWorld) { w.must(t, "Reject", w.db.RejectFollowRequest(w.carim.ID, w.bilal.ID)) },
			refusal: NotFound,
		},
		{
			name: "accept after rejecting", accept: true, requester: func(w *relWorld) storage.User { return w.bilal },
			before:  func(t *testing.T, w *relWorld) { w.must(t, "Reject", w.db.RejectFollowRequest(w.carim.ID, w.bilal.ID)) },
			refusal: NotFound,
		},
		{
			name: "reject after accepting", requester: func(w *relWorld) storage.User { return w.bilal },
			before:      func(t *testing.T, w *relWorld) { w.must(t, "Accept", w.db.AcceptFollowRequest(w.carim.ID, w.bilal.ID)) },
			refusal:     NotFound,
			wantFollows: true,
		},
		{name: "accept a withdrawn request", accept: true, requester: func(w *relWorld) storage.User { return w.dina }, refusal: NotFound},
		{name: "reject a withdrawn request", requester: func(w *relWorld) storage.User { return w.dina }, refusal: NotFound},
		{name: "accept what was never asked", accept: true, requester: func(w *relWorld) storage.User { return w.eman }, refusal: NotFound},
		{name: "reject what was never asked", requester: func(w *relWorld) storage.User { return w.eman }, refusal: NotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newRelWorld(t)
			for _, u := range []storage.User{w.bilal, w.dina} {
				_, err := w.db.Follow(u.ID, w.carim.ID)
				w.must(t, "Follow", err)
			}
			w.must(t, "Unfollow", w.db.Unfollow(w.dina.ID, w.carim.ID))
			if tt.before != nil {
				tt.before(t, w)
			}
			requester := tt.requester(w)
			var err error
			if tt.accept {
				err = w.s.AcceptFollow(relArabic, w.carim, requester)
			} else {
				err = w.s.RejectFollow(relArabic, w.carim, requester)
			}
			if tt.refusal != 0 {
				wantRefusal(t, err, tt.refusal, "error.no_follow_request", "name", requester.Username)
			} else if err != nil {
				t.Errorf("got %v, want no error", err)
			}
			if r := w.rel(t, requester, w.carim); r.Following != tt.wantFollows || r.Requested {
				t.Errorf("relationship: got %+v, want following %v and no request", r, tt.wantFollows)
			}
			if r := w.requests(t, w.carim); slices.Contains(r, requester.Username) {
				t.Errorf("requests: got %v, want %s answered", r, requester.Username)
			}
		})
	}
}

func TestBlockAndMute(t *testing.T) {
	type action func(s *Service, ctx context.Context, actor, target storage.User) error
	block, unblock := (*Service).Block, (*Service).Unblock
	mute, unmute := (*Service).Mute, (*Service).Unmute
	for _, tt := range []struct {
		name string
		// setup runs before, between amal and bilal (carim for requests).
		setup  func(t *testing.T, w *relWorld)
		act    action
		target func(w *relWorld) storage.User
		// refusal: 0 when the action goes through.
		refusal Kind
		// wantRel is how amal stands to the target afterwards.
		wantRel storage.Relationship
	}{
		{name: "block", act: block, wantRel: storage.Relationship{Blocking: true}},
		{
			name:    "block twice",
			setup:   func(t *testing.T, w *relWorld) { w.must(t, "Block", w.db.Block(w.amal.ID, w.bilal.ID)) },
			act:     block,
			wantRel: storage.Relationship{Blocking: true},
		},
		{
			name: "block ends follows both ways",
			setup: func(t *testing.T, w *relWorld) {
				for _, p := range [][2]storage.User{{w.amal, w.bilal}, {w.bilal, w.amal}} {
					_, err := w.db.Follow(p[0].ID, p[1].ID)
					w.must(t, "Follow", err)
				}
			},
			act:     block,
			wantRel: storage.Relationship{Blocking: true},
		},
		{
			name: "block ends a follow request",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.carim.ID)
				w.must(t, "Follow", err)
			},
			act:     block,
			target:  func(w *relWorld) storage.User { return w.carim },
			wantRel: storage.Relationship{Blocking: true},
		},
		{
			name:    "block someone who blocks you",
			setup:   func(t *testing.T, w *relWorld) { w.must(t, "Block", w.db.Block(w.bilal.ID, w.amal.ID)) },
			act:     block,
			wantRel: storage.Relationship{Blocking: true, BlockedBy: true},
		},
		{name: "block yourself", act: block, target: func(w *relWorld) storage.User { return w.amal }, refusal: Invalid},
		{
			name:  "unblock",
			setup: func(t *testing.T, w *relWorld) { w.must(t, "Block", w.db.Block(w.amal.ID, w.bilal.ID)) },
			act:   unblock,
		},
		{
			name: "unblock leaves ended follows ended",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.bilal.ID)
				w.must(t, "Follow", err)
				w.must(t, "Block", w.db.Block(w.amal.ID, w.bilal.ID))
			},
			act: unblock,
		},
		{name: "unblock who is not blocked", act: unblock},
		{
			name:    "unblock does not lift their block",
			setup:   func(t *testing.T, w *relWorld) { w.must(t, "Block", w.db.Block(w.bilal.ID, w.amal.ID)) },
			act:     unblock,
			wantRel: storage.Relationship{BlockedBy: true},
		},
		{name: "unblock yourself", act: unblock, target: func(w *relWorld) storage.User { return w.amal }, refusal: Invalid},
		{name: "mute", act: mute, wantRel: storage.Relationship{Muting: true}},
		{
			name:    "mute twice",
			setup:   func(t *testing.T, w *relWorld) { w.must(t, "Mute", w.db.Mute(w.amal.ID, w.bilal.ID)) },
			act:     mute,
			wantRel: storage.Relationship{Muting: true},
		},
		{
			name: "mute keeps follows",
			setup: func(t *testing.T, w *relWorld) {
				_, err := w.db.Follow(w.amal.ID, w.bilal.ID)
				w.must(t, "Follow", err)
			},
			act:     mute,
			wantRel: storage.Relationship{Following: true, Muting: true},
		},
		{name: "mute yourself", act: mute, target: func(w *relWorld) storage.User { return w.amal }, refusal: Invalid},
		{
			name:  "unmute",
			setup: func(t *testing.T, w *relWorld) { w.must(t, "Mute", w.db.Mute(w.amal.ID, w.bilal.ID)) },
			act:   unmute,
		},
		{name: "unmute who is not muted", act: unmute},
		{name: "unmute yourself", act: unmute, target: func(w *relWorld) storage.User { return w.amal }, refusal: Invalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newRelWorld(t)
			if tt.setup != nil {
				tt.setup(t, w)
			}
			target := w.bilal
			if tt.target != nil {
				target = tt.target(w)
			}
			err := tt.act(w.s, relArabic, w.amal, target)
			if tt.refusal != 0 {
				wantRefusal(t, err, tt.refusal, "error.relation_self")
				return
			}
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if r := w.rel(t, w.amal, target); r != tt.wantRel {
				t.Errorf("relationship: got %+v, want %+v", r, tt.wantRel)
			}
			if r := w.requests(t, target); len(r) != 0 {
				t.Errorf("requests: got %v, want none", r)
			}
			wantFollows := 0
			if tt.wantRel.Following {
				wantFollows = 1
			}
			if a, b := w.counts(t, w.amal), w.counts(t, target); a != [2]int{wantFollows, 0} || b != [2]int{0, wantFollows} {
				t.Errorf("counts (following, followers): got amal %v, %s %v, want %d follow", a, target.Username, b, wantFollows)
			}
		})
	}
}

func TestBlockUnknownAccount(t *testing.T) {
	w := newRelWorld(t)
	ghost := storage.User{ID: w.db.NewID(), Username: "ghost"}
	for name, act := range map[string]func(context.Context, storage.User, storage.User) error{
		"block": w.s.Block, "mute": w.s.Mute,
	} {
		if err := act(relArabic, w.amal, ghost); !errors.Is(err, storage.ErrNotFound) || KindOf(err) != 0 {
			t.Errorf("%s: got %v, want storage's ErrNotFound as it is", name, err)
		}
	}
}
