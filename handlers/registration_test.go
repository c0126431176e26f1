package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/storage"
)

// Tests of the registration modes end to end: open, approval (approve and
// reject), invitations (expiry, uses) and closed, and the first account,
// which always registers.

// adminWorld is an instance on a fake clock whose first account, amal,
// administers it and is signed in.
type adminWorld struct {
	srv   *testServer
	clock *fakeClock
	admin *client
}

func newAdminWorld(t *testing.T) *adminWorld {
	t.Helper()
	clock := newFakeClock()
	srv := newTestServerWith(t, serverOptions{
		config:  func(c *handlers.Config) { c.Now = clock.Now },
		storage: func(o *storage.Options) { o.Now = clock.Now },
	})
	return &adminWorld{srv: srv, clock: clock, admin: srv.signIn(t, "amal")}
}

// settings saves the instance settings through the admin form: the
// defaults, changed by the given fields.
func (w *adminWorld) settings(t *testing.T, fields url.Values) *response {
	t.Helper()
	form := url.Values{
		"name": {""}, "tagline": {""}, "about": {""}, "rules": {""}, "contact": {""},
		"post_chars": {"500"}, "registrations": {"open"}, "invites": {"members"}, "language": {"en"},
	}
	for k, v := range fields {
		form[k] = v
	}
	return w.admin.postForm("/admin/settings", form, nil)
}

func (w *adminWorld) setMode(t *testing.T, mode string) {
	t.Helper()
	if resp := w.settings(t, url.Values{"registrations": {mode}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set registration mode %s: got status %d, want 303; body:\n%s", mode, resp.StatusCode, resp.body)
	}
}

// apply sends the sign-up form from a new browser and returns it with the
// answer.
func (w *adminWorld) apply(t *testing.T, form url.Values) (*client, *response) {
	t.Helper()
	c := w.srv.newClient(t)
	if form.Get("password") == "" {
		form.Set("password", "password-"+form.Get("username"))
	}
	return c, c.postForm("/register", form, nil)
}

func TestRegistrationOpen(t *testing.T) {
	w := newAdminWorld(t)
	reg := w.srv.newClient(t)
	page := reg.get("/register")
	if page.StatusCode != http.StatusOK || len(byTestID(page.Doc(), "register-form")) != 1 || len(byTestID(page.Doc(), "field-reason")) != 0 {
		t.Fatalf("open sign-up page: status %d, want the plain form:\n%s", page.StatusCode, page.body)
	}
	reg.register("bilal", "password-bilal")
	home := reg.get("/")
	if !isSignedIn(home.Doc()) || !strings.Contains(flashText(home.Doc()), "Welcome to majlis, bilal!") {
		t.Errorf("after signing up: signed in %v, flash %q", isSignedIn(home.Doc()), flashText(home.Doc()))
	}
	if u, _ := w.srv.db.LocalUser("bilal"); u.Role != storage.RoleUser || u.AccountStatus() != storage.StatusActive {
		t.Errorf("bilal: role %s, status %s; want user, active", u.Role, u.AccountStatus())
	}
}

func TestRegistrationApproval(t *testing.T) {
	w := newAdminWorld(t)
	w.setMode(t, "approval")

	page := w.srv.newClient(t).get("/register")
	if len(byTestID(page.Doc(), "field-reason")) != 1 || len(byTestID(page.Doc(), "registration-approval")) != 1 {
		t.Fatalf("the approval sign-up page has no application field:\n%s", page.body)
	}
	for _, tc := range []struct {
		name, reason string
	}{
		{"no reason", "  "},
		{"a reason too long", strings.Repeat("ب", 1001)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp := w.apply(t, url.Values{"username": {"bilal"}, "reason": {tc.reason}})
			if resp.StatusCode != http.StatusBadRequest || len(byTestID(resp.Doc(), "error-reason")) != 1 {
				t.Errorf("got status %d, want 400 with the reason marked", resp.StatusCode)
			}
		})
	}

	bilal, resp := w.apply(t, url.Values{"username": {"bilal"}, "reason": {"I run the bakery on the corner."}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("apply: got %d to %q, want 303 to /login; body:\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
	}
	login := bilal.get("/login")
	if isSignedIn(login.Doc()) || !strings.Contains(flashText(login.Doc()), "Your application is waiting for approval") {
		t.Errorf("after applying: signed in %v, flash %q", isSignedIn(login.Doc()), flashText(login.Doc()))
	}
	// Not a member yet: no profile, except for moderators.
	if resp := w.srv.newClient(t).get("/@bilal"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a pending account's profile: got %d, want 404", resp.StatusCode)
	}
	if resp := w.admin.get("/@bilal"); resp.StatusCode != http.StatusOK {
		t.Errorf("a pending account's profile for the admin: got %d, want 200", resp.StatusCode)
	}
	// A pending account cannot log in, and is told why.
	refused := bilal.postForm("/login", url.Values{"username": {"bilal"}, "password": {"password-bilal"}}, nil)
	if refused.StatusCode != http.StatusForbidden || !strings.Contains(text(oneByTestID(t, refused.Doc(), "form-error")), "Your application is waiting for approval") {
		t.Errorf("pending login: got %d, want 403 with the waiting message; body:\n%s", refused.StatusCode, refused.body)
	}
	if bilal.cookie(sessionCookie) != nil {
		t.Error("a pending account got a session cookie")
	}
	// A wrong password says nothing about the application.
	if wrong := bilal.postForm("/login", url.Values{"username": {"bilal"}, "password": {"not-the-password"}}, nil); strings.Contains(wrong.body, "approval") {
		t.Error("a wrong password revealed the application")
	}

	_, chadiResp := w.apply(t, url.Values{"username": {"chadi"}, "reason": {"cheap followers!!!"}})
	if chadiResp.StatusCode != http.StatusSeeOther {
		t.Fatalf("chadi applies: got %d", chadiResp.StatusCode)
	}

	queue := w.admin.get("/admin/applications")
	apps := byTestID(queue.Doc(), "application")
	if len(apps) != 2 || !strings.Contains(text(apps[0]), "I run the bakery on the corner.") {
		t.Fatalf("the queue shows %d applications, want bilal's then chadi's:\n%s", len(apps), queue.body)
	}
	if n := text(oneByTestID(t, queue.Doc(), "applications-count")); n != "2" {
		t.Errorf("queue count = %q, want 2", n)
	}

	// Approve bilal (under HTMX: the row becomes the outcome).
	ok := w.admin.postForm("/admin/applications/bilal/approve", url.Values{"reason": {"welcome"}}, htmxHeader())
	if ok.StatusCode != http.StatusOK || !ok.isFragment() || !strings.Contains(text(oneByTestID(t, ok.Doc(), "admin-done")), "approved") {
		t.Fatalf("approve under HTMX: got %d:\n%s", ok.StatusCode, ok.body)
	}
	bilal.login("bilal", "password-bilal")
	if !isSignedIn(bilal.get("/").Doc()) {
		t.Error("the approved account cannot log in")
	}

	// Reject chadi (without JavaScript): the account is gone, the name free.
	no := w.admin.postForm("/admin/applications/chadi/reject", url.Values{"reason": {"spam"}}, nil)
	if no.StatusCode != http.StatusSeeOther || no.Header.Get("Location") != "/admin/applications" {
		t.Fatalf("reject: got %d to %q", no.StatusCode, no.Header.Get("Location"))
	}
	if _, err := w.srv.db.LocalUser("chadi"); err == nil {
		t.Error("the rejected account still exists")
	}
	if resp := failLogin(w.srv.newClient(t), "chadi"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("login of a rejected account: got %d, want 401", resp.StatusCode)
	}
	if _, again := w.apply(t, url.Values{"username": {"chadi"}, "reason": {"sorry, a real reason"}}); again.StatusCode != http.StatusSeeOther {
		t.Errorf("applying again with the freed name: got %d, want 303", again.StatusCode)
	}

	// Both decisions are in the log, with who and why.
	log := w.admin.get("/admin/log")
	entries := byTestID(log.Doc(), "log-entry")
	if len(entries) < 3 {
		t.Fatalf("log has %d entries, want the settings, the approval and the rejection:\n%s", len(entries), log.body)
	}
	if got := text(entries[0]); !strings.Contains(got, "@amal rejected the application of @chadi") || !strings.Contains(got, "spam") {
		t.Errorf("newest log entry = %q", got)
	}
	if got := text(entries[1]); !strings.Contains(got, "@amal approved the application of @bilal") || !strings.Contains(got, "welcome") {
		t.Errorf("second log entry = %q", got)
	}
}

func TestRegistrationInvite(t *testing.T) {
	w := newAdminWorld(t)
	member := w.srv.signIn(t, "bilal")
	w.setMode(t, "invite")

	visitor := w.srv.newClient(t)
	page := visitor.get("/register")
	if page.StatusCode != http.StatusOK || len(byTestID(page.Doc(), "registration-invite-only")) != 1 || len(byTestID(page.Doc(), "register-form")) != 0 {
		t.Fatalf("invite-only sign-up page without an invitation: status %d, want 200 and no form:\n%s", page.StatusCode, page.body)
	}
	if resp := visitor.postForm("/register", url.Values{"username": {"dina"}, "password": {"password-dina"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-up without an invitation: got %d, want 403", resp.StatusCode)
	}

	// A member makes a one-use link valid for a day.
	code := makeInvite(t, member, "1d", "1")
	landing := visitor.get("/invite/" + code)
	if landing.StatusCode != http.StatusOK || attr(oneByTestID(t, landing.Doc(), "field-invite"), "value") != code {
		t.Fatalf("invitation page: got %d, want the form with the code:\n%s", landing.StatusCode, landing.body)
	}
	visitor.registerWith(url.Values{"username": {"dina"}, "password": {"password-dina"}, "invite": {code}})
	if !isSignedIn(visitor.get("/").Doc()) {
		t.Error("invited newcomer is not signed in")
	}
	// Used up: the link and the form both answer 410.
	if resp := w.srv.newClient(t).get("/invite/" + code); resp.StatusCode != http.StatusGone || !strings.Contains(resp.body, "used as many times as it allows") {
		t.Errorf("a used-up link: got %d, want 410 with a message:\n%s", resp.StatusCode, resp.body)
	}
	if _, resp := w.apply(t, url.Values{"username": {"emad"}, "invite": {code}}); resp.StatusCode != http.StatusGone {
		t.Errorf("signing up with a used-up invitation: got %d, want 410", resp.StatusCode)
	}

	// A day-long link expires with the (fake) clock.
	day := makeInvite(t, member, "1d", "unlimited")
	w.clock.Advance(24*time.Hour + time.Minute)
	if resp := w.srv.newClient(t).get("/invite/" + day); resp.StatusCode != http.StatusGone || !strings.Contains(resp.body, "expired") {
		t.Errorf("an expired link: got %d, want 410 saying it expired", resp.StatusCode)
	}
	if _, resp := w.apply(t, url.Values{"username": {"emad"}, "invite": {day}}); resp.StatusCode != http.StatusGone {
		t.Errorf("signing up with an expired invitation: got %d, want 410", resp.StatusCode)
	}
	// Unknown codes: 403.
	for _, bad := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAA", "nope"} {
		if resp := w.srv.newClient(t).get("/invite/" + bad); resp.StatusCode != http.StatusForbidden {
			t.Errorf("unknown invitation %q: got %d, want 403", bad, resp.StatusCode)
		}
	}
	if _, err := w.srv.db.LocalUser("emad"); err == nil {
		t.Error("a refused sign-up made an account")
	}
	list := member.get("/invites")
	states := byTestID(list.Doc(), "invite-state")
	if len(states) != 2 {
		t.Errorf("the member's invitations show %d spent links, want 2:\n%s", len(states), list.body)
	}

	// Only admins invite, when the admins say so.
	if resp := w.settings(t, url.Values{"registrations": {"invite"}, "invites": {"admins"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d", resp.StatusCode)
	}
	if resp := member.get("/invites"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a member's invitations page with admins-only invitations: got %d, want 403", resp.StatusCode)
	}
	if resp := member.postForm("/invites", url.Values{"expires": {"7d"}, "uses": {"5"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a member makes a link with admins-only invitations: got %d, want 403", resp.StatusCode)
	}
	makeInvite(t, w.admin, "never", "25")
}

// makeInvite makes an invitation link through the form and returns its
// code, read from the flash message.
func makeInvite(t *testing.T, c *client, expires, uses string) string {
	t.Helper()
	resp := c.postForm("/invites", url.Values{"expires": {expires}, "uses": {uses}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("make an invitation: got %d; body:\n%s", resp.StatusCode, resp.body)
	}
	flash := flashText(c.get("/invites").Doc())
	i := strings.Index(flash, "/invite/")
	if i < 0 {
		t.Fatalf("no invitation link in the flash %q", flash)
	}
	return strings.Fields(flash[i+len("/invite/"):])[0]
}

func TestRegistrationClosed(t *testing.T) {
	w := newAdminWorld(t)
	w.setMode(t, "closed")
	visitor := w.srv.newClient(t)
	page := visitor.get("/register")
	if page.StatusCode != http.StatusOK || len(byTestID(page.Doc(), "registration-closed")) != 1 || len(byTestID(page.Doc(), "register-form")) != 0 {
		t.Errorf("closed sign-up page: got %d, want 200 saying so, without a form:\n%s", page.StatusCode, page.body)
	}
	resp := visitor.postForm("/register", url.Values{"username": {"bilal"}, "password": {"password-bilal"}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-up on a closed instance: got %d, want 403", resp.StatusCode)
	}
	if _, err := w.srv.db.LocalUser("bilal"); err == nil {
		t.Error("a closed instance made an account")
	}
	// Invitations do not open a closed instance.
	code := makeInvite(t, w.admin, "7d", "1")
	if resp := visitor.get("/invite/" + code); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an invitation on a closed instance: got %d, want 403", resp.StatusCode)
	}

	// The first account always registers, whatever the mode: here the
	// instance lost its only account.
	amal, _ := w.srv.db.LocalUser("amal")
	if err := w.srv.db.DeleteUser(amal.ID, false); err != nil {
		t.Fatal(err)
	}
	first := w.srv.newClient(t)
	first.register("newadmin", "password-newadmin")
	if u, _ := w.srv.db.LocalUser("newadmin"); !u.IsAdmin() || !u.CanLogIn() {
		t.Errorf("the first account on a closed instance: role %s, status %s; want an active admin", u.Role, u.AccountStatus())
	}
}
