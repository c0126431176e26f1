package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"majlis/storage"
)

// Tests of reports and their resolution, from the report form to the
// moderation log.

// modWorld is an admin (amal), a moderator (mona), a reporter (bilal) and
// an account to report (chadi), who posted "#news" publicly.
type modWorld struct {
	*adminWorld
	mona, bilal, chadi *client
	post               string
}

func newModWorld(t *testing.T) *modWorld {
	t.Helper()
	w := &modWorld{adminWorld: newAdminWorld(t)}
	w.mona = w.srv.signIn(t, "mona")
	if resp := w.admin.postForm("/admin/users/mona/role", url.Values{"role": {"moderator"}, "reason": {"trusted"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("make mona moderator: got %d; body:\n%s", resp.StatusCode, resp.body)
	}
	w.bilal = w.srv.signIn(t, "bilal")
	w.chadi = w.srv.signIn(t, "chadi")
	w.post = w.chadi.say("Fresh #news from chadi")
	return w
}

// report files a report as bilal and returns the report's address for
// moderators, read from the queue.
func (w *modWorld) report(t *testing.T, path, category, comment string) string {
	t.Helper()
	form := w.bilal.get(path + "/report")
	if form.StatusCode != http.StatusOK || len(byTestID(form.Doc(), "report-form")) != 1 {
		t.Fatalf("report form %s: got %d:\n%s", path, form.StatusCode, form.body)
	}
	resp := w.bilal.postForm(path+"/report", url.Values{"category": {category}, "comment": {comment}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports" {
		t.Fatalf("send report: got %d to %q; body:\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
	}
	queue := w.mona.get("/admin/reports")
	links := byTestID(queue.Doc(), "report-link")
	if len(links) == 0 {
		t.Fatalf("the queue is empty after a report:\n%s", queue.body)
	}
	return attr(links[len(links)-1], "href")
}

func (w *modWorld) resolve(t *testing.T, c *client, report, action, reason string) *response {
	t.Helper()
	return c.postForm(report+"/resolve", url.Values{"action": {action}, "reason": {reason}}, nil)
}

// newestLog is the text of the newest line of the moderation log.
func (w *modWorld) newestLog(t *testing.T) string {
	t.Helper()
	entries := byTestID(w.admin.get("/admin/log").Doc(), "log-entry")
	if len(entries) == 0 {
		t.Fatal("the moderation log is empty")
	}
	return text(entries[0])
}

func onPage(c *client, path, link string) bool {
	doc := c.get(path).Doc()
	for _, p := range byTestID(doc, "post") {
		if permalinkOf(p) == link {
			return true
		}
	}
	return false
}

func TestReportSnapshotAndForms(t *testing.T) {
	w := newModWorld(t)
	if resp := w.bilal.get("/reports"); len(byTestID(resp.Doc(), "reports-empty")) != 1 {
		t.Errorf("a member without reports: no empty notice")
	}
	if resp := w.chadi.get(w.post + "/report"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("reporting one's own post: got %d, want 400", resp.StatusCode)
	}
	if resp := w.srv.newClient(t).get(w.post + "/report"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor's report form: got %d, want 303 to log in", resp.StatusCode)
	}
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"no category", url.Values{"comment": {"bad"}}},
		{"unknown category", url.Values{"category": {"rude"}}},
		{"comment too long", url.Values{"category": {"spam"}, "comment": {strings.Repeat("x", 1001)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp := w.bilal.postForm(w.post+"/report", tc.form, nil); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("got %d, want 400", resp.StatusCode)
			}
		})
	}
	report := w.report(t, w.post, "spam", "selling things")
	if resp := w.bilal.postForm(w.post+"/report", url.Values{"category": {"spam"}}, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("the same report again: got %d, want 409", resp.StatusCode)
	}
	// The author edits the post: the moderators see it as reported.
	if resp := w.chadi.postForm(w.post+"/edit", url.Values{"body": {"nothing to see"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: got %d", resp.StatusCode)
	}
	page := w.mona.get(report)
	if got := text(oneByTestID(t, page.Doc(), "snapshot-post-body")); got != "Fresh #news from chadi" {
		t.Errorf("snapshot of the post = %q, want the text as reported", got)
	}
	var choices []string
	for _, n := range findAll(page.Doc(), func(n *htmlNode) bool { return n.Data == "input" && attr(n, "name") == "action" }) {
		choices = append(choices, attr(n, "value"))
	}
	if want := []string{"dismiss", "delete_post", "silence", "suspend"}; !slices.Equal(choices, want) {
		t.Errorf("resolutions offered = %v, want %v", choices, want)
	}
	mine := w.bilal.get("/reports")
	if got := text(oneByTestID(t, mine.Doc(), "report-status")); got != "Open" {
		t.Errorf("the reporter sees status %q, want Open", got)
	}
	// An account report.
	w.report(t, "/@chadi", "harassment", "")
	if n := len(byTestID(w.mona.get("/admin/reports").Doc(), "report")); n != 2 {
		t.Errorf("queue has %d reports, want 2", n)
	}
	if resp := w.bilal.get("/@chadi"); len(byTestID(resp.Doc(), "report-account")) != 1 {
		t.Error("a profile has no Report link")
	}
}

func TestReportResolutions(t *testing.T) {
	for _, tc := range []struct {
		action, logText, outcome string
	}{
		{"dismiss", "@mona dismissed a report about @chadi", "Reviewed: no action was needed"},
		{"delete_post", "@mona deleted a post by @chadi", "Resolved: the post was removed"},
		{"silence", "@mona silenced @chadi", "Resolved: the account was limited"},
		{"suspend", "@mona suspended @chadi", "Resolved: the account was suspended"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			w := newModWorld(t)
			report := w.report(t, w.post, "spam", "spam spam")
			resp := w.resolve(t, w.mona, report, tc.action, "reason for "+tc.action)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/reports" {
				t.Fatalf("resolve: got %d to %q; body:\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
			}
			if got := w.newestLog(t); !strings.Contains(got, tc.logText) || !strings.Contains(got, "reason for "+tc.action) {
				t.Errorf("newest log entry = %q, want %q with the reason", got, tc.logText)
			}
			if got := text(oneByTestID(t, w.bilal.get("/reports").Doc(), "report-status")); got != tc.outcome {
				t.Errorf("the reporter sees %q, want %q", got, tc.outcome)
			}
			if n := len(byTestID(w.mona.get("/admin/reports").Doc(), "report")); n != 0 {
				t.Errorf("the queue still has %d reports", n)
			}
			if resp := w.resolve(t, w.mona, report, "dismiss", "again"); resp.StatusCode != http.StatusConflict {
				t.Errorf("resolving twice: got %d, want 409", resp.StatusCode)
			}
			visitor := w.srv.newClient(t)
			switch tc.action {
			case "dismiss":
				if !onPage(visitor, "/local", w.post) {
					t.Error("a dismissed report's post left the local timeline")
				}
			case "delete_post":
				if resp := visitor.get(w.post); resp.StatusCode != http.StatusNotFound {
					t.Errorf("the deleted post: got %d, want 404", resp.StatusCode)
				}
			case "silence":
				for _, path := range []string{"/local", "/tags/news"} {
					if onPage(visitor, path, w.post) || onPage(w.bilal, path, w.post) {
						t.Errorf("a silenced account's post is on %s", path)
					}
				}
				if !onPage(visitor, "/@chadi", w.post) {
					t.Error("a silenced account's post is not on its profile")
				}
				if !isSignedIn(w.chadi.get("/").Doc()) {
					t.Error("a silenced account was logged out")
				}
			case "suspend":
				// At once: chadi's next request is a visitor's.
				home := w.chadi.get("/")
				if isSignedIn(home.Doc()) {
					t.Error("the suspended account's session still works")
				}
				if resp := w.chadi.postForm("/posts", url.Values{"body": {"still here?"}}, nil); resp.StatusCode != http.StatusForbidden {
					t.Errorf("the suspended account posts: got %d, want 403", resp.StatusCode)
				}
				login := w.srv.newClient(t).postForm("/login", url.Values{"username": {"chadi"}, "password": {"password-chadi"}}, nil)
				if login.StatusCode != http.StatusForbidden || !strings.Contains(login.body, "This account is suspended") {
					t.Errorf("login of the suspended account: got %d, want 403 saying it is suspended", login.StatusCode)
				}
				prof := visitor.get("/@chadi")
				if prof.StatusCode != http.StatusGone || !strings.Contains(prof.body, "This account is suspended") {
					t.Errorf("the suspended profile: got %d, want 410 with the notice", prof.StatusCode)
				}
				if onPage(visitor, "/local", w.post) || onPage(w.bilal, "/tags/news", w.post) {
					t.Error("a suspended account's post is still listed")
				}
				if resp := visitor.get(w.post); resp.StatusCode != http.StatusNotFound {
					t.Errorf("a suspended account's permalink: got %d, want 404", resp.StatusCode)
				}
				// Suspension is reversible, from user management.
				if resp := w.mona.postForm("/admin/users/chadi/unsuspend", url.Values{"reason": {"appeal"}}, nil); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("unsuspend: got %d", resp.StatusCode)
				}
				w.chadi.login("chadi", "password-chadi")
				if !onPage(visitor, "/local", w.post) {
					t.Error("after unsuspending, the post is not back")
				}
				if got := w.newestLog(t); !strings.Contains(got, "@mona unsuspended @chadi") || !strings.Contains(got, "appeal") {
					t.Errorf("newest log entry = %q", got)
				}
			}
		})
	}
}

// Moderators act on members only; roles, passwords and deletions are for
// admins; the last admin stays.
func TestModeratorPowers(t *testing.T) {
	w := newModWorld(t)
	for _, tc := range []struct {
		name   string
		c      *client
		path   string
		form   url.Values
		status int
	}{
		{"moderator demotes the admin", w.mona, "/admin/users/amal/role", url.Values{"role": {"user"}}, http.StatusForbidden},
		{"moderator promotes themselves", w.mona, "/admin/users/mona/role", url.Values{"role": {"admin"}}, http.StatusForbidden},
		{"moderator suspends the admin", w.mona, "/admin/users/amal/suspend", nil, http.StatusForbidden},
		{"moderator silences the admin", w.mona, "/admin/users/amal/silence", nil, http.StatusForbidden},
		{"moderator resets a password", w.mona, "/admin/users/bilal/password", nil, http.StatusForbidden},
		{"moderator deletes an account", w.mona, "/admin/users/bilal/delete", nil, http.StatusForbidden},
		{"moderator suspends themselves", w.mona, "/admin/users/mona/suspend", nil, http.StatusForbidden},
		{"the last admin demotes themselves", w.admin, "/admin/users/amal/role", url.Values{"role": {"moderator"}}, http.StatusForbidden},
		{"the admin suspends themselves", w.admin, "/admin/users/amal/suspend", nil, http.StatusForbidden},
		{"moderator silences a member", w.mona, "/admin/users/bilal/silence", nil, http.StatusSeeOther},
		{"silencing twice", w.mona, "/admin/users/bilal/silence", nil, http.StatusConflict},
		{"an unknown role", w.admin, "/admin/users/bilal/role", url.Values{"role": {"king"}}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.form == nil {
				tc.form = url.Values{}
			}
			tc.form.Set("reason", "test")
			resp := tc.c.postForm(tc.path, tc.form, nil)
			if resp.StatusCode != tc.status {
				t.Errorf("got %d, want %d; body:\n%s", resp.StatusCode, tc.status, resp.body)
			}
		})
	}
	if u, _ := w.srv.db.LocalUser("amal"); !u.IsAdmin() || !u.CanLogIn() {
		t.Errorf("amal: role %s, status %s; want an active admin", u.Role, u.AccountStatus())
	}
	// The moderator's view of the admin's page offers nothing, and says why.
	card := w.mona.get("/admin/users/amal")
	if got := text(oneByTestID(t, card.Doc(), "admin-notice")); !strings.Contains(got, "Moderators cannot act") {
		t.Errorf("moderator's view of the admin: notice %q", got)
	}
	if n := len(byTestID(card.Doc(), "role-form")) + len(byTestID(card.Doc(), "action-suspend")); n != 0 {
		t.Error("the moderator is offered actions on the admin")
	}
	// Under HTMX, an action answers with the account's card.
	frag := w.mona.postForm("/admin/users/bilal/unsilence", url.Values{"reason": {"ok"}}, htmxHeader())
	if frag.StatusCode != http.StatusOK || !frag.isFragment() || text(oneByTestID(t, frag.Doc(), "user-state")) != "active" {
		t.Errorf("unsilence under HTMX: got %d:\n%s", frag.StatusCode, frag.body)
	}
	// With a second admin, the first may step down.
	if resp := w.admin.postForm("/admin/users/bilal/role", url.Values{"role": {"admin"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote bilal: %d", resp.StatusCode)
	}
	if resp := w.admin.postForm("/admin/users/amal/role", url.Values{"role": {"user"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an admin steps down beside another admin: got %d", resp.StatusCode)
	}
	if u, _ := w.srv.db.LocalUser("amal"); u.Role != storage.RoleUser {
		t.Errorf("amal's role = %s, want user", u.Role)
	}
}
