package storage

import (
	"strings"
	"testing"
	"time"
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
