package storage

import (
	"slices"
	"testing"
	"time"
)

// TestDirectTimeline: a member's Direct view holds the direct posts they
// wrote or were mentioned in, newest first, and nobody else's; deleting
// a post takes it out.
func TestDirectTimeline(t *testing.T) {
	db := openTestDB(t)
	amal, bilal, carim := createUser(t, db, "amal"), createUser(t, db, "bilal"), createUser(t, db, "carim")
	toBilal := write(t, db, amal, withVis(Direct), mentioning(bilal), saying("psst bilal"))
	public := write(t, db, amal, mentioning(bilal), saying("hello all"))
	back := write(t, db, bilal, withVis(Direct), mentioning(amal), saying("psst amal"))
	toCarim := write(t, db, amal, withVis(Direct), mentioning(carim), saying("psst carim"))
	_ = public

	for _, tc := range []struct {
		who  User
		want []ID
	}{
		{amal, []ID{toCarim.ID, back.ID, toBilal.ID}},
		{bilal, []ID{back.ID, toBilal.ID}},
		{carim, []ID{toCarim.ID}},
	} {
		got := ids(walkEntries(t, func(p Page) (Timeline, error) { return db.DirectTimeline(tc.who.ID, p) }, 2))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s's direct posts: got %v, want %v", tc.who.Username, got, tc.want)
		}
	}
	must(t, db.DeletePost(toBilal.ID), "delete")
	tl, err := db.DirectTimeline(bilal.ID, Page{})
	must(t, err, "direct timeline")
	if got := ids(tl.Entries); !slices.Equal(got, []ID{back.ID}) {
		t.Errorf("after the delete, bilal's direct posts: got %v, want %v", got, []ID{back.ID})
	}
}

// TestStaffNotifications: a report and an application notify every
// moderator and admin, in the transaction that files them, and leave the
// list and the badge once dealt with.
func TestStaffNotifications(t *testing.T) {
	db := openTestDB(t)
	admin := createUser(t, db, "admin") // the first account: an admin
	mod := createUser(t, db, "mod")
	must(t, db.SetRole(mod.ID, RoleModerator), "role")
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")

	rep := &Report{ReporterID: amal.ID, TargetID: bilal.ID, Category: ReportSpam}
	must(t, db.CreateReport(rep), "report")
	newcomer := &User{Username: "dana", URI: "http://localhost:8080/users/dana"}
	must(t, db.Register(newcomer, Registration{Approval: true, Reason: "hi", Now: time.Now()}), "register")

	kinds := func(u User) []NoteKind {
		t.Helper()
		np, err := db.Notifications(u.ID, Page{})
		must(t, err, "notifications")
		var out []NoteKind
		for _, n := range np.Notes {
			out = append(out, n.Kind)
		}
		return out
	}
	for _, u := range []User{admin, mod} {
		if got, want := kinds(u), []NoteKind{NoteApplication, NoteReport}; !slices.Equal(got, want) {
			t.Errorf("%s's notifications: got %v, want %v", u.Username, got, want)
		}
		if n, _ := db.UnreadNotifications(u.ID, 10); n != 2 {
			t.Errorf("%s's unread: got %d, want 2", u.Username, n)
		}
	}
	if got := kinds(bilal); len(got) != 0 {
		t.Errorf("a member got staff notifications: %v", got)
	}

	_, err := db.Moderate(Action{Kind: ActDismiss, ActorID: admin.ID, ReportID: rep.ID, At: time.Now()})
	must(t, err, "dismiss")
	_, err = db.Moderate(Action{Kind: ActApprove, ActorID: mod.ID, TargetID: newcomer.ID, At: time.Now()})
	must(t, err, "approve")
	for _, u := range []User{admin, mod} {
		if got := kinds(u); len(got) != 0 {
			t.Errorf("%s's notifications after both were dealt with: got %v, want none", u.Username, got)
		}
		if n, _ := db.UnreadNotifications(u.ID, 10); n != 0 {
			t.Errorf("%s's unread after: got %d, want 0", u.Username, n)
		}
	}
}
