package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestCheckModeration(t *testing.T) {
	admin := User{ID: 1, Username: "amal", Role: RoleAdmin}
	admin2 := User{ID: 2, Username: "ayman", Role: RoleAdmin}
	mod := User{ID: 3, Username: "mona", Role: RoleModerator}
	mod2 := User{ID: 4, Username: "majd", Role: RoleModerator}
	member := User{ID: 5, Username: "bilal", Role: RoleUser}
	suspendedMod := User{ID: 6, Username: "sami", Role: RoleModerator, Status: StatusSuspended}
	for _, tc := range []struct {
		actor, target User
		kind          ActionKind
		ok            bool
	}{
		{admin, member, ActSuspend, true},
		{admin, admin2, ActSuspend, true},
		{admin, admin2, ActRole, true},
		{admin, admin, ActRole, true}, // the last-admin rule is Moderate's
		{admin, admin, ActSuspend, false},
		{admin, admin, ActResetPassword, false},
		{admin, admin, ActDeleteAccount, false},
		{admin, member, ActDeleteAccount, true},
		{admin, member, ActResetPassword, true},
		{mod, member, ActSuspend, true},
		{mod, member, ActSilence, true},
		{mod, member, ActUnsuspend, true},
		{mod, member, ActDeletePost, true},
		{mod, member, ActRole, false},
		{mod, member, ActResetPassword, false},
		{mod, member, ActDeleteAccount, false},
		{mod, member, ActSettings, false},
		{mod, admin, ActRole, false},
		{mod, admin, ActSuspend, false},
		{mod, admin, ActSilence, false},
		{mod, mod2, ActSuspend, false},
		{mod, admin, ActDeletePost, false},
		{mod, admin, ActDismiss, true},
		{mod, member, ActApprove, true},
		{mod, member, ActReject, true},
		{member, member, ActDismiss, false},
		{member, admin, ActSuspend, false},
		{suspendedMod, member, ActSuspend, false},
	} {
		t.Run(fmt.Sprintf("%s %s %s", tc.actor.Username, tc.kind, tc.target.Username), func(t *testing.T) {
			err := CheckModeration(tc.actor, tc.target, tc.kind)
			if (err == nil) != tc.ok {
				t.Fatalf("got %v, want allowed %v", err, tc.ok)
			}
			var na *NotAllowedError
			if err != nil && (!errors.As(err, &na) || !errors.Is(err, ErrForbidden) || na.Reason == "") {
				t.Errorf("refusal %v: want a *NotAllowedError that is ErrForbidden", err)
			}
		})
	}
}

// modWorld is an instance with an admin, a moderator and two members;
// chadi posts publicly with a hashtag.
type modWorld struct {
	db                       *DB
	amal, mona, bilal, chadi User
	post                     Post
	at                       time.Time
}

func newModWorld(t *testing.T) *modWorld {
	t.Helper()
	db := openTestDB(t)
	w := &modWorld{db: db, at: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	w.amal = createUser(t, db, "amal")
	w.mona = createUser(t, db, "mona")
	must(t, db.SetRole(w.mona.ID, RoleModerator), "SetRole")
	w.mona = mustUser(t, db, w.mona.ID)
	w.bilal = createUser(t, db, "bilal")
	w.chadi = createUser(t, db, "chadi")
	w.post = write(t, db, w.chadi, saying("#news from chadi"), tagged("news"))
	return w
}

func (w *modWorld) act(t *testing.T, a Action) (LogEntry, error) {
	t.Helper()
	if a.At.IsZero() {
		a.At = w.at
	}
	return w.db.Moderate(a)
}

func (w *modWorld) report(t *testing.T, postID ID) Report {
	t.Helper()
	r := Report{ReporterID: w.bilal.ID, TargetID: w.chadi.ID, PostID: postID, Category: ReportSpam}
	must(t, w.db.CreateReport(&r), "CreateReport")
	return r
}

func TestModerateSilence(t *testing.T) {
	w := newModWorld(t)
	follow(t, w.db, w.bilal, w.chadi)
	r := w.report(t, w.post.ID)
	e, err := w.act(t, Action{Kind: ActSilence, ActorID: w.mona.ID, ReportID: r.ID, Reason: "spam"})
	must(t, err, "silence")
	if e.Kind != ActSilence || e.ActorName != "mona" || e.TargetName != "chadi" || e.ReportID != r.ID || e.PostID != w.post.ID || e.Reason != "spam" {
		t.Errorf("log entry = %+v", e)
	}
	if got := mustUser(t, w.db, w.chadi.ID).AccountStatus(); got != StatusSilenced {
		t.Errorf("status = %s, want silenced", got)
	}
	for _, tc := range []struct {
		name  string
		get   func() (Timeline, error)
		shown bool
	}{
		{"local timeline, visitor", func() (Timeline, error) { return w.db.LocalTimeline(0, Page{}) }, false},
		{"local timeline, follower", func() (Timeline, error) { return w.db.LocalTimeline(w.bilal.ID, Page{}) }, false},
		{"local timeline, the author", func() (Timeline, error) { return w.db.LocalTimeline(w.chadi.ID, Page{}) }, true},
		{"tag page", func() (Timeline, error) { return w.db.TagTimeline(0, "news", Page{}) }, false},
		{"profile", func() (Timeline, error) { return w.db.AuthorTimeline(0, w.chadi.ID, false, Page{}) }, true},
		{"a follower's home", func() (Timeline, error) { return w.db.HomeTimeline(w.bilal.ID, Page{}) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := tc.get()
			must(t, err, "timeline")
			if got := slices.Contains(postIDs(tl), w.post.ID); got != tc.shown {
				t.Errorf("post shown %v, want %v", got, tc.shown)
			}
		})
	}
	if _, err := w.db.Post(0, w.post.ID); err != nil {
		t.Errorf("permalink of a silenced account's post: %v", err)
	}
	_, err = w.act(t, Action{Kind: ActSilence, ActorID: w.amal.ID, TargetID: w.chadi.ID})
	wantErr(t, err, ErrInvalid, "silencing twice")
	_, err = w.act(t, Action{Kind: ActUnsilence, ActorID: w.mona.ID, TargetID: w.chadi.ID, Reason: "promised to stop"})
	must(t, err, "unsilence")
	tl, _ := w.db.LocalTimeline(0, Page{})
	if !slices.Contains(postIDs(tl), w.post.ID) {
		t.Error("after unsilencing, the post is not back on the local timeline")
	}
}

func TestModerateSuspend(t *testing.T) {
	w := newModWorld(t)
	follow(t, w.db, w.bilal, w.chadi)
	adminSession(t, w.db, "chadi-phone", w.chadi.ID)
	rp := repost(t, w.db, w.chadi, write(t, w.db, w.bilal, saying("bilal's post")).ID)
	r := w.report(t, 0)
	_, err := w.act(t, Action{Kind: ActSuspend, ActorID: w.mona.ID, ReportID: r.ID, Reason: "harassment"})
	must(t, err, "suspend")
	if got := sessionsLive(w.db, "chadi-phone"); got[0] {
		t.Error("the suspended account's session still works")
	}
	for name, get := range map[string]func() (Timeline, error){
		"local":   func() (Timeline, error) { return w.db.LocalTimeline(0, Page{}) },
		"tag":     func() (Timeline, error) { return w.db.TagTimeline(0, "news", Page{}) },
		"profile": func() (Timeline, error) { return w.db.AuthorTimeline(0, w.chadi.ID, false, Page{}) },
		"home":    func() (Timeline, error) { return w.db.HomeTimeline(w.bilal.ID, Page{}) },
	} {
		tl, err := get()
		must(t, err, "%s", name)
		for _, e := range tl.Entries {
			if e.Author.ID == w.chadi.ID || e.RepostID == rp {
				t.Errorf("%s shows %d by the suspended account", name, e.Post.ID)
			}
		}
	}
	_, err = w.db.Post(w.bilal.ID, w.post.ID)
	wantErr(t, err, ErrNotFound, "permalink of a suspended account's post")

	_, err = w.act(t, Action{Kind: ActUnsuspend, ActorID: w.mona.ID, TargetID: w.chadi.ID, Reason: "appeal accepted"})
	must(t, err, "unsuspend")
	if _, err := w.db.Post(0, w.post.ID); err != nil {
		t.Errorf("after unsuspending, the post: %v", err)
	}
	log, err := w.db.ModerationLog(Page{})
	must(t, err, "ModerationLog")
	var kinds []ActionKind
	for _, e := range log.Entries {
		kinds = append(kinds, e.Kind)
	}
	if want := []ActionKind{ActUnsuspend, ActSuspend}; !slices.Equal(kinds, want) {
		t.Errorf("log kinds (newest first) = %v, want %v", kinds, want)
	}
}

func TestModerateDeletePost(t *testing.T) {
	w := newModWorld(t)
	r := w.report(t, w.post.ID)
	_, err := w.act(t, Action{Kind: ActDeletePost, ActorID: w.mona.ID, TargetID: w.chadi.ID})
	wantErr(t, err, ErrInvalid, "deleting a post without a report")
	e, err := w.act(t, Action{Kind: ActDeletePost, ActorID: w.mona.ID, ReportID: r.ID, Reason: "spam"})
	must(t, err, "delete post")
	if e.PostID != w.post.ID {
		t.Errorf("log entry post = %d, want %d", e.PostID, w.post.ID)
	}
	_, err = w.db.Post(w.chadi.ID, w.post.ID)
	wantErr(t, err, ErrNotFound, "the deleted post")
	if n := mustUser(t, w.db, w.chadi.ID).PostsCount; n != 0 {
		t.Errorf("PostsCount = %d, want 0", n)
	}
	// A report of a post its author deleted since can still be resolved
	// by deleting it.
	p := write(t, w.db, w.chadi, saying("again"))
	r2 := w.report(t, p.ID)
	must(t, w.db.DeletePost(p.ID), "DeletePost")
	_, err = w.act(t, Action{Kind: ActDeletePost, ActorID: w.amal.ID, ReportID: r2.ID})
	must(t, err, "delete a post gone already")
}

func TestModerateRolesAndLastAdmin(t *testing.T) {
	w := newModWorld(t)
	_, err := w.act(t, Action{Kind: ActRole, ActorID: w.mona.ID, TargetID: w.amal.ID, Role: RoleUser})
	wantErr(t, err, ErrForbidden, "a moderator demotes the admin")
	_, err = w.act(t, Action{Kind: ActRole, ActorID: w.mona.ID, TargetID: w.bilal.ID, Role: RoleModerator})
	wantErr(t, err, ErrForbidden, "a moderator promotes a member")
	_, err = w.act(t, Action{Kind: ActRole, ActorID: w.amal.ID, TargetID: w.amal.ID, Role: RoleModerator})
	var na *NotAllowedError
	if !errors.As(err, &na) {
		t.Errorf("the last admin demotes themselves: got %v, want a refusal", err)
	}
	e, err := w.act(t, Action{Kind: ActRole, ActorID: w.amal.ID, TargetID: w.bilal.ID, Role: RoleAdmin, Reason: "co-founder"})
	must(t, err, "promote bilal")
	if e.Detail != "user → admin" {
		t.Errorf("detail = %q", e.Detail)
	}
	_, err = w.act(t, Action{Kind: ActRole, ActorID: w.amal.ID, TargetID: w.amal.ID, Role: RoleUser})
	must(t, err, "an admin steps down when another admin remains")
	_, err = w.act(t, Action{Kind: ActSuspend, ActorID: w.bilal.ID, TargetID: w.amal.ID})
	must(t, err, "the new admin suspends a member")
}

func TestModerateApplications(t *testing.T) {
	w := newModWorld(t)
	dina, err := registerUser(w.db, "dina", Registration{Approval: true, Reason: "neighbour"})
	must(t, err, "Register")
	emad, err := registerUser(w.db, "emad", Registration{Approval: true, Reason: "buy followers"})
	must(t, err, "Register")
	adminSession(t, w.db, "stray", emad.ID)

	_, err = w.act(t, Action{Kind: ActApprove, ActorID: w.bilal.ID, TargetID: dina.ID})
	wantErr(t, err, ErrForbidden, "a member approves")
	_, err = w.act(t, Action{Kind: ActApprove, ActorID: w.mona.ID, TargetID: dina.ID, Reason: "welcome"})
	must(t, err, "approve")
	if u := mustUser(t, w.db, dina.ID); !u.CanLogIn() || u.AccountStatus() != StatusActive {
		t.Errorf("approved account: status %s", u.AccountStatus())
	}
	_, err = w.act(t, Action{Kind: ActApprove, ActorID: w.mona.ID, TargetID: dina.ID})
	wantErr(t, err, ErrInvalid, "approving twice")

	_, err = w.act(t, Action{Kind: ActReject, ActorID: w.mona.ID, TargetID: emad.ID, Reason: "spam"})
	must(t, err, "reject")
	if _, err := w.db.UserByID(emad.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("rejected account still there: %v", err)
	}
	if sessionsLive(w.db, "stray")[0] {
		t.Error("a session of the rejected account survived")
	}
	if n, _ := w.db.CountApplications(10); n != 0 {
		t.Errorf("%d applications left, want 0", n)
	}
	// The name is free again.
	_, err = registerUser(w.db, "emad", Registration{})
	must(t, err, "register the rejected name again")

	log, _ := w.db.ModerationLog(Page{})
	if len(log.Entries) != 2 || log.Entries[0].Kind != ActReject || log.Entries[0].TargetName != "emad" || log.Entries[0].Reason != "spam" {
		t.Errorf("log = %+v", log.Entries)
	}
}

func TestModerateResetPassword(t *testing.T) {
	w := newModWorld(t)
	adminSession(t, w.db, "bilal-laptop", w.bilal.ID)
	_, err := w.act(t, Action{Kind: ActResetPassword, ActorID: w.mona.ID, TargetID: w.bilal.ID, PasswordHash: "x"})
	wantErr(t, err, ErrForbidden, "a moderator resets a password")
	_, err = w.act(t, Action{Kind: ActResetPassword, ActorID: w.amal.ID, TargetID: w.bilal.ID, PasswordHash: "$2a$04$new", Reason: "locked out"})
	must(t, err, "reset")
	u := mustUser(t, w.db, w.bilal.ID)
	if u.PasswordHash != "$2a$04$new" || !u.MustChangePassword {
		t.Errorf("after a reset: hash %q, must change %v", u.PasswordHash, u.MustChangePassword)
	}
	if sessionsLive(w.db, "bilal-laptop")[0] {
		t.Error("a session survived the reset")
	}
}

func TestModerationLogPages(t *testing.T) {
	w := newModWorld(t)
	for i := range 5 {
		kind := ActSilence
		if i%2 == 1 {
			kind = ActUnsilence
		}
		_, err := w.act(t, Action{Kind: kind, ActorID: w.amal.ID, TargetID: w.chadi.ID, Reason: fmt.Sprint(i)})
		must(t, err, "%s", string(kind))
	}
	var reasons []string
	page := Page{Limit: 2}
	for {
		lp, err := w.db.ModerationLog(page)
		must(t, err, "ModerationLog")
		for _, e := range lp.Entries {
			reasons = append(reasons, e.Reason)
		}
		if lp.Next == 0 {
			break
		}
		page.Before = lp.Next
	}
	if want := []string{"4", "3", "2", "1", "0"}; !slices.Equal(reasons, want) {
		t.Errorf("reasons = %v, want %v", reasons, want)
	}
}
