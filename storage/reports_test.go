package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestCreateReportSnapshots(t *testing.T) {
	db := openTestDB(t)
	createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	chadi := createUser(t, db, "chadi")
	_, err := db.UpdateProfile(chadi.ID, ProfileUpdate{DisplayName: "Chadi", Bio: "buy my stuff", BioHTML: "<p>buy my stuff</p>"})
	must(t, err, "UpdateProfile")
	p := write(t, db, chadi, saying("cheap pills here"))

	r := Report{ReporterID: bilal.ID, TargetID: chadi.ID, PostID: p.ID, Category: ReportSpam, Comment: "spam again"}
	must(t, db.CreateReport(&r), "CreateReport")
	if r.ID == 0 || r.Status != ReportOpen || r.CreatedAt.IsZero() {
		t.Errorf("report = %+v", r)
	}

	// The author edits, then deletes the post; the report keeps it as it was.
	_, err = db.EditPost(chadi.ID, p.ID, PostChange{Source: "nothing to see", HTML: "<p>nothing to see</p>"})
	must(t, err, "EditPost")
	must(t, db.DeletePost(p.ID), "DeletePost")
	_, err = db.UpdateProfile(chadi.ID, ProfileUpdate{DisplayName: "Innocent", Bio: "", BioHTML: ""})
	must(t, err, "UpdateProfile")

	e, err := db.Report(r.ID)
	must(t, err, "Report")
	s := e.Snapshot
	if s.Username != "chadi" || s.DisplayName != "Chadi" || s.BioHTML != "<p>buy my stuff</p>" ||
		s.PostSource != "cheap pills here" || s.PostHTML != "<p>cheap pills here</p>" || s.PostVisibility != Public {
		t.Errorf("snapshot = %+v", s)
	}
	if e.Reporter == nil || e.Reporter.Username != "bilal" || e.Target == nil || e.Target.DisplayName != "Innocent" {
		t.Errorf("entry accounts: reporter %v, target %v", e.Reporter, e.Target)
	}
}

func TestCreateReportRules(t *testing.T) {
	db := openTestDB(t)
	createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	chadi := createUser(t, db, "chadi")
	dina := createUser(t, db, "dina")
	public := write(t, db, chadi, saying("hello"))
	secret := write(t, db, chadi, saying("for followers"), withVis(FollowersOnly))
	rp := repost(t, db, dina, public.ID)
	block(t, db, bilal, chadi)

	for _, tc := range []struct {
		name string
		r    Report
		want error
	}{
		{"unknown category", Report{ReporterID: bilal.ID, TargetID: chadi.ID, Category: "rude"}, ErrInvalid},
		{"long comment", Report{ReporterID: bilal.ID, TargetID: chadi.ID, Category: ReportOther, Comment: strings.Repeat("x", 1001)}, ErrInvalid},
		{"yourself", Report{ReporterID: bilal.ID, TargetID: bilal.ID, Category: ReportOther}, ErrInvalid},
		{"post by someone else", Report{ReporterID: bilal.ID, TargetID: dina.ID, PostID: public.ID, Category: ReportSpam}, ErrInvalid},
		{"post the reporter may not see", Report{ReporterID: bilal.ID, TargetID: chadi.ID, PostID: secret.ID, Category: ReportSpam}, ErrNotFound},
		{"unknown account", Report{ReporterID: bilal.ID, TargetID: 12345, Category: ReportSpam}, ErrNotFound},
		// Blocked, but still reportable.
		{"post across a block", Report{ReporterID: bilal.ID, TargetID: chadi.ID, PostID: public.ID, Category: ReportHarassment}, nil},
		{"the same again", Report{ReporterID: bilal.ID, TargetID: chadi.ID, PostID: public.ID, Category: ReportSpam}, ErrExists},
		{"the account", Report{ReporterID: bilal.ID, TargetID: chadi.ID, Category: ReportHarassment}, nil},
		// A repost is reported as its original, by its author.
		{"a repost", Report{ReporterID: dina.ID, PostID: rp, Category: ReportIllegal}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			wantErr(t, db.CreateReport(&r), tc.want, "CreateReport")
			if tc.name == "a repost" && (r.PostID != public.ID || r.TargetID != chadi.ID) {
				t.Errorf("a repost's report names post %d by %d, want %d by %d", r.PostID, r.TargetID, public.ID, chadi.ID)
			}
		})
	}

	mine, err := db.ReportsBy(bilal.ID, Page{})
	must(t, err, "ReportsBy")
	if len(mine.Reports) != 2 || mine.Reports[0].PostID != 0 || mine.Reports[1].PostID != public.ID {
		t.Errorf("bilal's reports (newest first) = %+v", mine.Reports)
	}
	open, err := db.OpenReports(0, 2)
	must(t, err, "OpenReports")
	if len(open.Reports) != 2 || open.Next == 0 || open.Reports[0].ReporterID != bilal.ID {
		t.Errorf("first page of the queue = %+v, next %d", open.Reports, open.Next)
	}
	rest, err := db.OpenReports(open.Next, 2)
	must(t, err, "OpenReports")
	if len(rest.Reports) != 1 || rest.Next != 0 || rest.Reports[0].ReporterID != dina.ID {
		t.Errorf("second page of the queue = %+v, next %d", rest.Reports, rest.Next)
	}
	if n, _ := db.CountOpenReports(100); n != 3 {
		t.Errorf("CountOpenReports = %d, want 3", n)
	}
}

// Resolving a report closes it, once.
func TestResolveReport(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	chadi := createUser(t, db, "chadi")
	r := Report{ReporterID: bilal.ID, TargetID: chadi.ID, Category: ReportOther}
	must(t, db.CreateReport(&r), "CreateReport")
	at := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
	_, err := db.Moderate(Action{Kind: ActDismiss, ActorID: amal.ID, ReportID: r.ID, Reason: "not against the rules", At: at})
	must(t, err, "dismiss")
	e, err := db.Report(r.ID)
	must(t, err, "Report")
	if e.Status != ReportResolved || e.Resolution == nil || e.Resolution.Action != ActDismiss || e.Resolution.ByName != "amal" ||
		e.Resolution.Reason != "not against the rules" || !e.Resolution.At.Equal(at) {
		t.Errorf("resolved report = %+v, resolution %+v", e.Report, e.Resolution)
	}
	_, err = db.Moderate(Action{Kind: ActSuspend, ActorID: amal.ID, ReportID: r.ID, At: at})
	wantErr(t, err, ErrExists, "acting on a resolved report")
	if n, _ := db.CountOpenReports(100); n != 0 {
		t.Errorf("CountOpenReports = %d, want 0", n)
	}
	// The reporter may file a new report about the same account now.
	r2 := Report{ReporterID: bilal.ID, TargetID: chadi.ID, Category: ReportOther}
	must(t, db.CreateReport(&r2), "CreateReport after the first was resolved")
}

// Reports keep their texts (the snapshot and the comment) for
// ReportRetention after they are resolved or either account is deleted,
// then PruneReports erases them; an open report between two existing
// accounts keeps them. Erasing a deleted member's texts compacts the
// file, so no byte of them is left.
func TestPruneReports(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{Now: clock.Now})
	admin := createUser(t, db, "admin")
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	chadi := createUser(t, db, "chadi")
	_, err := db.UpdateProfile(amal.ID, ProfileUpdate{DisplayName: "Amal Q", Bio: "amal-bio-unique-words"})
	must(t, err, "UpdateProfile")
	leaving := write(t, db, amal, saying("leaving-member-unique-words"))
	report := func(reporter, target User, post Post, comment string) ID {
		t.Helper()
		r := Report{ReporterID: reporter.ID, TargetID: target.ID, PostID: post.ID, Category: ReportOther, Comment: comment}
		must(t, db.CreateReport(&r), "CreateReport")
		return r.ID
	}
	ofDeleted := report(bilal, amal, leaving, "quoting leaving-member-unique-words")
	resolved := report(bilal, chadi, write(t, db, chadi, saying("chadi-resolved-words")), "resolved comment")
	open := report(chadi, bilal, write(t, db, bilal, saying("bilal-open-words")), "open comment")
	_, err = db.Moderate(Action{Kind: ActDismiss, ActorID: admin.ID, ReportID: resolved, At: clock.Now()})
	must(t, err, "dismiss")
	clock.Advance(24 * time.Hour)
	must(t, db.DeleteUser(amal.ID, true), "DeleteUser")

	texts := func(id ID) (string, string) {
		t.Helper()
		e, err := db.Report(id)
		must(t, err, "Report(%d)", id)
		return e.Snapshot.PostSource + e.Snapshot.PostHTML + e.Snapshot.Bio + e.Snapshot.BioHTML + e.Snapshot.DisplayName, e.Comment
	}
	step := func(name string, d time.Duration, wantN int, kept map[ID]bool) {
		t.Run(name, func(t *testing.T) {
			clock.Advance(d)
			n, err := db.PruneReports()
			must(t, err, "PruneReports")
			if n != wantN {
				t.Errorf("got %d reports erased, want %d", n, wantN)
			}
			for id, want := range kept {
				snap, comment := texts(id)
				if got := snap != "" && comment != ""; got != want {
					t.Errorf("report %d: got texts kept %v (%q, %q), want %v", id, got, snap, comment, want)
				}
			}
		})
	}
	step("within the time", ReportRetention-48*time.Hour, 0, map[ID]bool{ofDeleted: true, resolved: true, open: true})
	step("resolved 90 days ago", 24*time.Hour, 1, map[ID]bool{ofDeleted: true, resolved: false, open: true})
	step("deleted 90 days ago", 24*time.Hour, 1, map[ID]bool{ofDeleted: false, resolved: false, open: true})

	// Right after the sweep that erased them (the next write could reuse
	// the freed pages and hide a missing compaction).
	e, err := db.Report(ofDeleted)
	must(t, err, "Report")
	if e.Snapshot.Username != "amal" || e.PurgedAt.IsZero() || e.Category != ReportOther {
		t.Errorf("erased report = %+v, want the name, category and erasure date kept", e.Report)
	}
	raw, err := os.ReadFile(db.Path())
	must(t, err, "ReadFile")
	for _, secret := range []string{"leaving-member-unique-words", "amal-bio-unique-words", "Amal Q"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the file still holds %q after the reports were erased", secret)
		}
	}
	step("a year on", 365*24*time.Hour, 0, map[ID]bool{open: true})
	must(t, db.Check(), "Check")
}

// A report that names an account deleted by an older majlis (no
// AccountGoneAt) starts its clock at the first sweep.
func TestPruneReportsOfAccountsDeletedBefore(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{Now: clock.Now})
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	r := Report{ReporterID: bilal.ID, TargetID: amal.ID, Category: ReportSpam, Comment: "old words"}
	must(t, db.CreateReport(&r), "CreateReport")
	must(t, db.DeleteUser(amal.ID, true), "DeleteUser")
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		old, err := getReport(tx, r.ID)
		if err != nil {
			return err
		}
		old.AccountGoneAt = time.Time{}
		return putReport(tx, &old)
	})
	must(t, err, "forget AccountGoneAt")
	n, err := db.PruneReports()
	if err != nil || n != 0 {
		t.Fatalf("first sweep: got %d erased, %v; want 0", n, err)
	}
	clock.Advance(ReportRetention)
	if n, err := db.PruneReports(); err != nil || n != 1 {
		t.Errorf("after ReportRetention: got %d erased, %v; want 1", n, err)
	}
}
