package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/storage"
	"majlis/views"
)

// A report keeps a deleted member's texts for the moderators for
// storage.ReportRetention, no longer: then the sweep the server runs every
// hour erases them, and no byte of them is left in the file.
func TestReportTextsOfADeletedMemberAreErased(t *testing.T) {
	clock := newFakeClock()
	srv := newTestServerWith(t, serverOptions{
		config:  func(c *handlers.Config) { c.Now = clock.Now },
		storage: func(o *storage.Options) { o.Now = clock.Now },
	})
	admin := srv.signIn(t, "admin") // the first account is the admin
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	const (
		phrase = "quartz-heron-leaving-member"
		bio    = "bio-of-the-leaving-member"
	)
	if _, err := srv.db.UpdateProfile(userID(t, srv.db, "amal"), storage.ProfileUpdate{Bio: bio, BioHTML: "<p>" + bio + "</p>"}); err != nil {
		t.Fatal(err)
	}
	link := amal.say(phrase)
	if resp := bilal.postForm(link+"/report", url.Values{"category": {"other"}, "comment": {"she wrote " + phrase}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: got %d, want 303", resp.StatusCode)
	}
	rp, err := srv.db.OpenReports(0, 10)
	if err != nil || len(rp.Reports) != 1 {
		t.Fatalf("open reports: %d, %v", len(rp.Reports), err)
	}
	reportPage := "/admin/reports/" + rp.Reports[0].ID.String()
	if resp := amal.postForm("/settings/data/delete", url.Values{"password": {"password-amal"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: got %d, want 303", resp.StatusCode)
	}
	raw := func() []byte {
		t.Helper()
		b, err := os.ReadFile(srv.db.Path())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Within the time, the moderators still see what was reported.
	clock.Advance(storage.ReportRetention - time.Hour)
	if _, err := srv.db.PruneReports(); err != nil {
		t.Fatal(err)
	}
	admin.login("admin", "password-admin") // sessions end long before
	if page := admin.get(reportPage); !strings.Contains(page.body, phrase) || !strings.Contains(page.body, bio) {
		t.Errorf("before %v: the report page no longer shows the snapshot", storage.ReportRetention)
	}

	// Then the sweep erases the texts.
	clock.Advance(2 * time.Hour)
	if n, err := srv.db.PruneReports(); err != nil || n != 1 {
		t.Fatalf("PruneReports: got %d, %v; want 1 report erased", n, err)
	}
	file := raw()
	for _, secret := range []string{phrase, bio} {
		if bytes.Contains(file, []byte(secret)) {
			t.Errorf("the database file still holds %q after %v", secret, storage.ReportRetention)
		}
	}
	admin.login("admin", "password-admin")
	bilal.login("bilal", "password-bilal")
	page := admin.get(reportPage)
	if page.StatusCode != http.StatusOK || strings.Contains(page.body, phrase) || len(byTestID(page.Doc(), "snapshot-purged")) != 1 {
		t.Errorf("the report page: got %d, shows the text %v, says it was erased %v; want 200, false, true",
			page.StatusCode, strings.Contains(page.body, phrase), len(byTestID(page.Doc(), "snapshot-purged")) == 1)
	}
	mine := bilal.get("/reports")
	if strings.Contains(mine.body, phrase) || len(byTestID(mine.Doc(), "report-purged")) != 1 {
		t.Errorf("bilal's reports: still show the comment, or do not say it was erased")
	}
	if !strings.Contains(text(oneByTestID(t, page.Doc(), "snapshot")), "@amal") {
		t.Errorf("the report lost the name it keeps")
	}
}

// The time is stated where members read about their data, in both
// languages, and the pages say what storage does.
func TestReportRetentionIsStated(t *testing.T) {
	if got := time.Duration(views.ReportRetentionDays) * 24 * time.Hour; got != storage.ReportRetention {
		t.Fatalf("the pages say %d days, storage keeps texts for %v", views.ReportRetentionDays, storage.ReportRetention)
	}
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	for _, tt := range []struct{ path, testid string }{
		{"/settings/data", "reports-retention"},
		{"/about/data", "policy-reports"},
	} {
		for _, lang := range []string{"en", "ar"} {
			resp := amal.do(http.MethodGet, tt.path, nil, http.Header{"Accept-Language": {lang}})
			var got string
			if n := byTestID(resp.Doc(), tt.testid); len(n) == 1 {
				got = text(n[0])
			}
			want := map[string]string{"en": "90 days", "ar": "٩٠ يومًا"}[lang]
			if !strings.Contains(got, want) {
				t.Errorf("%s in %s: got %q, want it to say %q", tt.path, lang, got, want)
			}
		}
	}
}
