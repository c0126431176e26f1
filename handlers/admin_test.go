package handlers_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"majlis/storage"
)

// adminRoutes are every administration route, with whether moderators may
// use it. The test below checks it against the router too: a new /admin
// route must be listed here.
var adminRoutes = []struct {
	method, path string
	moderator    bool
}{
	{"GET", "/admin", true},
	{"GET", "/admin/reports", true},
	{"GET", "/admin/reports/REPORT", true},
	{"POST", "/admin/reports/REPORT/resolve", true},
	{"GET", "/admin/applications", true},
	{"POST", "/admin/applications/dina/approve", true},
	{"POST", "/admin/applications/dina/reject", true},
	{"GET", "/admin/log", true},
	{"GET", "/admin/users", true},
	{"GET", "/admin/users/chadi", true},
	{"POST", "/admin/users/chadi/silence", true},
	{"POST", "/admin/users/chadi/unsilence", true},
	{"POST", "/admin/users/chadi/suspend", true},
	{"POST", "/admin/users/chadi/unsuspend", true},
	{"POST", "/admin/users/chadi/role", false},
	{"POST", "/admin/users/chadi/password", false},
	{"GET", "/admin/users/chadi/delete", false},
	{"POST", "/admin/users/chadi/delete", false},
	{"GET", "/admin/settings", false},
	{"POST", "/admin/settings", false},
	{"GET", "/admin/backup", false},
	// Custom emoji (emoji.go).
	{"GET", "/admin/emoji", false},
	{"POST", "/admin/emoji", false},
	{"POST", "/admin/emoji/{code}/delete", false},
	// Other servers (admin_federation.go).
	{"GET", "/admin/federation", true},
	{"POST", "/admin/federation/retry", false},
	{"GET", "/admin/domains", true},
	{"POST", "/admin/domains", false},
	{"POST", "/admin/domains/delete", false},
	{"POST", "/admin/domains/allowlist", false},
}

// TestAdminRoutesForbidden: a member reaches no administration route,
// with or without HTMX (403, and nothing changes); a moderator reaches
// only the moderators' ones; a visitor is sent to log in (403 under
// HTMX and for POST).
func TestAdminRoutesForbidden(t *testing.T) {
	w := newModWorld(t)
	report := w.report(t, w.post, "spam", "")
	reportID := report[strings.LastIndex(report, "/")+1:]
	newUser(t, w.srv.db, "dina")
	visitor := w.srv.newClient(t)

	routes, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, r := range adminRoutes {
		listed[r.method+" "+r.path] = true
	}
	for _, m := range regexp.MustCompile(`"(GET|POST) (/admin[^"]*)"`).FindAllStringSubmatch(string(routes), -1) {
		p := strings.NewReplacer("{id}", "REPORT", "{username}", "chadi").Replace(m[2])
		if strings.HasPrefix(p, "/admin/applications/") {
			p = strings.Replace(p, "chadi", "dina", 1)
		}
		if !listed[m[1]+" "+p] {
			t.Errorf("route %s %s is not in adminRoutes", m[1], m[2])
		}
	}

	form := url.Values{"reason": {"x"}, "action": {"suspend"}, "role": {"admin"}, "registrations": {"closed"}, "post_chars": {"100"}, "invites": {"members"}, "language": {"en"}}
	do := func(c *client, method, path string, hx bool) *response {
		var hdr http.Header
		if hx {
			hdr = htmxHeader()
		}
		if method == http.MethodPost {
			return c.postForm(path, form, hdr)
		}
		return c.do(method, path, nil, hdr)
	}
	for _, r := range adminRoutes {
		path := strings.Replace(r.path, "REPORT", reportID, 1)
		for _, hx := range []bool{false, true} {
			name := r.method + " " + path
			if hx {
				name += " (htmx)"
			}
			t.Run(name, func(t *testing.T) {
				resp := do(w.bilal, r.method, path, hx)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("member: got %d, want 403", resp.StatusCode)
				}
				if hx && !resp.isFragment() {
					t.Error("member under HTMX: got a whole page, want the error fragment")
				}
				if !r.moderator {
					if resp := do(w.mona, r.method, path, hx); resp.StatusCode != http.StatusForbidden {
						t.Errorf("moderator: got %d, want 403", resp.StatusCode)
					}
				}
				resp = do(visitor, r.method, path, hx)
				want := http.StatusForbidden
				if r.method == http.MethodGet && !hx {
					want = http.StatusSeeOther
				}
				if resp.StatusCode != want {
					t.Errorf("visitor: got %d, want %d", resp.StatusCode, want)
				}
			})
		}
	}
	// Nothing the member tried took effect.
	if u, _ := w.srv.db.LocalUser("chadi"); u.AccountStatus() != storage.StatusActive || u.Role != storage.RoleUser {
		t.Errorf("chadi: %s, %s; want an active user", u.Role, u.AccountStatus())
	}
	if s, saved, _ := w.srv.db.InstanceSettings(); saved && s.Registrations == storage.RegistrationClosed {
		t.Error("a member or moderator closed registration")
	}
	if n, _ := w.srv.db.CountOpenReports(10); n != 1 {
		t.Errorf("open reports = %d, want 1", n)
	}
	// And the moderator does reach the moderators' pages.
	for _, p := range []string{"/admin", "/admin/reports", report, "/admin/applications", "/admin/log", "/admin/users", "/admin/users/chadi"} {
		if resp := w.mona.get(p); resp.StatusCode != http.StatusOK {
			t.Errorf("moderator GET %s: got %d, want 200", p, resp.StatusCode)
		}
	}
	if nav := byTestID(w.mona.get("/").Doc(), "nav-admin"); len(nav) != 1 {
		t.Error("the moderator's navigation has no Admin link")
	}
	if nav := byTestID(w.bilal.get("/").Doc(), "nav-admin"); len(nav) != 0 {
		t.Error("a member's navigation has an Admin link")
	}
}

func TestInstanceSettingsPage(t *testing.T) {
	w := newAdminWorld(t)
	w.srv.signIn(t, "mona")
	if err := w.srv.db.SetRole(userID(t, w.srv.db, "mona"), storage.RoleModerator); err != nil {
		t.Fatal(err)
	}
	author := w.srv.signIn(t, "bilal")

	// Before any save, the -name flag names the instance.
	visitor := w.srv.newClient(t)
	if got := text(oneByTag(t, visitor.get("/about").Doc(), "title")); got != "About · majlis" {
		t.Errorf("title before saving = %q", got)
	}

	resp := w.settings(t, url.Values{
		"name": {"Valley Majlis"}, "tagline": {"Neighbours talking"}, "about": {"We are **neighbours**."},
		"rules": {"1. Be kind\n2. No ads"}, "contact": {"admins@valley.example"}, "post_chars": {"100"},
		"registrations": {"approval"}, "language": {"ar"}, "reason": {"launch"},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: got %d; body:\n%s", resp.StatusCode, resp.body)
	}
	form := w.admin.get("/admin/settings")
	if v := attr(oneByTestID(t, form.Doc(), "field-post_chars"), "value"); v != "100" {
		t.Errorf("the form shows a limit of %q, want 100", v)
	}

	about := visitor.get("/about")
	doc := about.Doc()
	// The instance's language is now Arabic: visitors whose browsers ask
	// for no language get the Arabic interface (Arabic-Indic digits).
	if got := text(oneByTag(t, doc, "title")); !strings.HasSuffix(got, " · Valley Majlis") {
		t.Errorf("title = %q", got)
	}
	html := oneByTag(t, doc, "html")
	if attr(html, "lang") != "ar" || attr(html, "dir") != "rtl" {
		t.Errorf("<html lang=%q dir=%q>, want ar, rtl", attr(html, "lang"), attr(html, "dir"))
	}
	if got := text(oneByTestID(t, doc, "tagline")); got != "Neighbours talking" {
		t.Errorf("header tagline = %q", got)
	}
	var desc string
	for _, m := range byTag(doc, "meta") {
		if attr(m, "name") == "description" {
			desc = attr(m, "content")
		}
	}
	if desc != "Neighbours talking" {
		t.Errorf("meta description = %q", desc)
	}
	if got := innerHTML(oneByTestID(t, doc, "about-text")); !strings.Contains(got, "<strong>neighbours</strong>") {
		t.Errorf("about text = %q, want rendered Markdown", got)
	}
	rules := text(oneByTestID(t, doc, "about-rules"))
	if !strings.Contains(rules, "Be kind") || !strings.Contains(rules, "No ads") {
		t.Errorf("rules = %q", rules)
	}
	if got := text(oneByTestID(t, doc, "about-admins")); !strings.Contains(got, "@amal") {
		t.Errorf("admins = %q", got)
	}
	if got := text(oneByTestID(t, doc, "about-moderators")); !strings.Contains(got, "@mona") {
		t.Errorf("moderators = %q", got)
	}
	if got := text(oneByTestID(t, doc, "about-users")); got != "٣" {
		t.Errorf("users = %q, want ٣", got)
	}
	if c := oneByTestID(t, doc, "about-contact"); attr(c, "href") != "mailto:admins@valley.example" {
		t.Errorf("contact link = %q", attr(c, "href"))
	}
	if got := text(oneByTestID(t, doc, "about-registrations")); got == "" {
		t.Errorf("registrations = %q", got)
	}
	// The rules show on the sign-up page too.
	if len(byTestID(visitor.get("/register").Doc(), "signup-rules")) != 1 {
		t.Error("the sign-up page does not show the rules")
	}

	// The character limit applies to the compose box and to posting.
	home := author.get("/")
	if got := text(oneByTestID(t, home.Doc(), "counter")); got != "٠/١٠٠" {
		t.Errorf("counter = %q, want ٠/١٠٠", got)
	}
	if resp := author.postForm("/posts", url.Values{"body": {strings.Repeat("a", 101)}}, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "the limit is 100") && !strings.Contains(resp.body, "١٠٠") {
		t.Errorf("a 101-character post: got %d, want 400 naming the limit", resp.StatusCode)
	}
	author.say(strings.Repeat("a", 100))
	count := author.postForm("/posts/count", url.Values{"body": {"hello"}}, htmxHeader())
	if got := text(oneByTestID(t, count.Doc(), "counter")); got != "٥/١٠٠" {
		t.Errorf("live counter = %q, want ٥/١٠٠", got)
	}

	for _, tc := range []struct {
		field, value string
	}{
		{"post_chars", "99"},
		{"post_chars", "5001"},
		{"post_chars", "many"},
		{"registrations", "sometimes"},
		{"language", "xx"},
		{"contact", "not an address"},
		{"contact", "javascript:alert(1)"},
		{"name", strings.Repeat("n", 61)},
	} {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			resp := w.settings(t, url.Values{tc.field: {tc.value}})
			if resp.StatusCode != http.StatusBadRequest || len(byTestID(resp.Doc(), "error-"+tc.field)) != 1 {
				t.Errorf("got %d, want 400 with %s marked", resp.StatusCode, tc.field)
			}
		})
	}
	if s, _, _ := w.srv.db.InstanceSettings(); s.Name != "Valley Majlis" || s.PostChars != 100 {
		t.Errorf("a refused form changed the settings: %+v", s)
	}
	// An empty name goes back to the name the server started with.
	if resp := w.settings(t, url.Values{"name": {""}, "language": {"en"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if got := text(oneByTag(t, visitor.get("/about").Doc(), "title")); got != "About · majlis" {
		t.Errorf("title with an empty saved name = %q", got)
	}
	if got := text(byTestID(w.admin.get("/admin/log").Doc(), "log-entry")[1]); !strings.Contains(got, "changed the instance settings") || !strings.Contains(got, "launch") {
		t.Errorf("log entry of the first save = %q", got)
	}
}

func TestMustChangePassword(t *testing.T) {
	w := newAdminWorld(t)
	bilal := w.srv.signIn(t, "bilal")
	page := w.admin.postForm("/admin/users/bilal/password", url.Values{"reason": {"locked out"}}, nil)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("reset: got %d; body:\n%s", page.StatusCode, page.body)
	}
	temp := attr(oneByTestID(t, page.Doc(), "temp-password"), "value")
	if len(temp) < 20 {
		t.Fatalf("temporary password %q is too short", temp)
	}
	if page.Header.Get("Cache-Control") != "no-store" {
		t.Error("the page with the password may be cached")
	}
	// The reset ended bilal's sessions.
	if isSignedIn(bilal.get("/").Doc()) {
		t.Error("bilal is still signed in after the reset")
	}
	if resp := failLogin(w.srv.newClient(t), "bilal"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password: got %d, want 401", resp.StatusCode)
	}

	resp := bilal.postForm("/login", url.Values{"username": {"bilal"}, "password": {temp}, "next": {"/bookmarks"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/password" {
		t.Fatalf("login with the temporary password: got %d to %q, want 303 to /settings/password", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Every page leads to the password page until a new one is chosen.
	for _, p := range []string{"/", "/bookmarks", "/settings", "/@amal"} {
		if resp := bilal.get(p); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/password" {
			t.Errorf("GET %s: got %d to %q, want 303 to /settings/password", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp := bilal.postForm("/posts", url.Values{"body": {"hi"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("posting before choosing a password: got %d, want 403", resp.StatusCode)
	}
	form := bilal.get("/settings/password")
	if len(byTestID(form.Doc(), "must-change-password")) != 1 || len(byTestID(form.Doc(), "field-current_password")) != 0 {
		t.Errorf("the password page after a reset: want the notice and no current-password field:\n%s", form.body)
	}
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"the temporary one again", url.Values{"new_password": {temp}, "confirm_password": {temp}}},
		{"too short", url.Values{"new_password": {"short"}, "confirm_password": {"short"}}},
		{"not confirmed", url.Values{"new_password": {"a good new password"}, "confirm_password": {"another"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp := bilal.postForm("/settings/password", tc.form, nil); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("got %d, want 400", resp.StatusCode)
			}
		})
	}
	done := bilal.postForm("/settings/password", url.Values{"new_password": {"a good new password"}, "confirm_password": {"a good new password"}}, nil)
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/" {
		t.Fatalf("choose a password: got %d to %q", done.StatusCode, done.Header.Get("Location"))
	}
	if home := bilal.get("/"); home.StatusCode != http.StatusOK || !isSignedIn(home.Doc()) {
		t.Errorf("after choosing a password: got %d, signed in %v", home.StatusCode, isSignedIn(home.Doc()))
	}
	w.srv.newClient(t).login("bilal", "a good new password")
	if resp := w.srv.newClient(t).postForm("/login", url.Values{"username": {"bilal"}, "password": {temp}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the temporary password after the change: got %d, want 401", resp.StatusCode)
	}

	// An ordinary change asks for the current password.
	if resp := bilal.postForm("/settings/password", url.Values{"current_password": {"wrong"}, "new_password": {"third password"}, "confirm_password": {"third password"}}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a change with a wrong current password: got %d, want 400", resp.StatusCode)
	}
	if resp := bilal.postForm("/settings/password", url.Values{"current_password": {"a good new password"}, "new_password": {"third password"}, "confirm_password": {"third password"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a change with the current password: got %d, want 303", resp.StatusCode)
	}
	if got := text(byTestID(w.admin.get("/admin/log").Doc(), "log-entry")[0]); !strings.Contains(got, "@amal reset the password of @bilal") || !strings.Contains(got, "locked out") {
		t.Errorf("log entry = %q", got)
	}
}

func TestAdminUsersAndDeletion(t *testing.T) {
	w := newAdminWorld(t)
	bilal := w.srv.signIn(t, "bilal")
	newUser(t, w.srv.db, "bashir")
	newUser(t, w.srv.db, "chadi")
	link := bilal.say("bilal was here")

	list := w.admin.get("/admin/users")
	if n := len(byTestID(list.Doc(), "admin-user")); n != 4 {
		t.Errorf("user list has %d rows, want 4", n)
	}
	search := w.admin.getHX("/admin/users?q=B")
	// (Table rows alone do not parse as HTML outside a table: count them.)
	if !search.isFragment() || strings.Count(search.body, `data-testid="admin-user"`) != 2 {
		t.Errorf("search b under HTMX: want the 2 rows alone:\n%s", search.body)
	}
	if resp := w.admin.get("/admin/users?q=zz"); len(byTestID(resp.Doc(), "users-empty")) != 1 {
		t.Error("a search without matches says nothing")
	}

	confirm := w.admin.get("/admin/users/bilal/delete")
	if confirm.StatusCode != http.StatusOK || len(byTestID(confirm.Doc(), "confirm-delete-account")) != 1 {
		t.Fatalf("delete confirmation: got %d", confirm.StatusCode)
	}
	resp := w.admin.postForm("/admin/users/bilal/delete", url.Values{"reason": {"asked to leave"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: got %d; body:\n%s", resp.StatusCode, resp.body)
	}
	if isSignedIn(bilal.get("/").Doc()) {
		t.Error("the deleted account's session still works")
	}
	if resp := w.srv.newClient(t).get(link); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted account's post: got %d, want 404", resp.StatusCode)
	}
	if resp := w.srv.newClient(t).get("/@bilal"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted account's profile: got %d, want 404", resp.StatusCode)
	}
	// The name stays reserved.
	again := w.srv.newClient(t).postForm("/register", url.Values{"username": {"Bilal"}, "password": {"password-bilal"}}, nil)
	if again.StatusCode != http.StatusConflict {
		t.Errorf("signing up with the deleted name: got %d, want 409", again.StatusCode)
	}
	if got := text(byTestID(w.admin.get("/admin/log").Doc(), "log-entry")[0]); !strings.Contains(got, "@amal deleted the account @bilal") || !strings.Contains(got, "asked to leave") {
		t.Errorf("log entry = %q", got)
	}
}

func TestBackupDownload(t *testing.T) {
	w := newAdminWorld(t)
	w.admin.say("in the backup")
	resp := w.admin.get("/admin/backup")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("backup: got %d", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="majlis-20250301-120000.db"`; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, []byte(resp.body), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := storage.Verify(path)
	if err != nil {
		t.Fatalf("the download is not a good database: %v", err)
	}
	if info.Users != 1 || info.Posts != 1 {
		t.Errorf("the copy has %d users and %d posts, want 1 and 1", info.Users, info.Posts)
	}
}
