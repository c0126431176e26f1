package handlers_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/social"
	"majlis/storage"
)

// twoFactorRig is an instance on a settable clock, so that the test
// computes the codes an authenticator app would show.
type twoFactorRig struct {
	srv   *testServer
	clock *fakeClock
}

func newTwoFactorRig(t *testing.T) *twoFactorRig {
	t.Helper()
	clock := newFakeClock()
	srv := newTestServerWith(t, serverOptions{
		config:  func(c *handlers.Config) { c.Now = clock.Now },
		storage: func(o *storage.Options) { o.Now = clock.Now },
	})
	return &twoFactorRig{srv: srv, clock: clock}
}

// code is the code the app shows now.
func (g *twoFactorRig) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := social.TOTPCode(secret, g.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enable turns two-factor login on for c's account through the settings
// pages, returning the secret and the recovery codes they showed.
func (g *twoFactorRig) enable(t *testing.T, c *client, password string) (string, []string) {
	t.Helper()
	resp := c.postForm("/settings/security/totp", url.Values{"current_password": {password}}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("start TOTP: got %d, want 200", resp.StatusCode)
	}
	secret := strings.ReplaceAll(text(oneByTestID(t, resp.Doc(), "totp-secret")), " ", "")
	if uri := text(oneByTestID(t, resp.Doc(), "totp-uri")); !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
		t.Errorf("setup URI %q: want an otpauth://totp/ URI with the secret shown", uri)
	}
	resp = c.postForm("/settings/security/totp/confirm", url.Values{"code": {g.code(t, secret)}}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm TOTP: got %d, want 200; body:\n%s", resp.StatusCode, resp.body)
	}
	var codes []string
	for _, n := range byTestID(resp.Doc(), "recovery-code") {
		codes = append(codes, text(n))
	}
	return secret, codes
}

// loginPassword sends the password and returns the answer.
func loginPassword(c *client, name, password, next string) *response {
	c.t.Helper()
	return c.postForm("/login", url.Values{"username": {name}, "password": {password}, "next": {next}}, nil)
}

func clientSignedIn(c *client) bool {
	c.t.Helper()
	return isSignedIn(c.get("/about").Doc())
}

func TestTwoFactorSetupAndLogin(t *testing.T) {
	g := newTwoFactorRig(t)
	c := g.srv.newClient(t)
	c.register("amal", "correct horse battery")
	page := c.get("/settings/security")
	if got := text(oneByTestID(t, page.Doc(), "two-factor-status")); !strings.Contains(got, "off") {
		t.Errorf("status before: %q, want off", got)
	}

	// A wrong password starts nothing.
	resp := c.postForm("/settings/security/totp", url.Values{"current_password": {"wrong password!"}}, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: got %d, want 401", resp.StatusCode)
	}
	if _, err := g.srv.db.TwoFactor(userID(t, g.srv.db, "amal")); err == nil {
		t.Error("a wrong password left a two-factor record")
	}

	// The setup: the QR code is a PNG of this origin; a wrong first code
	// turns nothing on.
	resp = c.postForm("/settings/security/totp", url.Values{"current_password": {"correct horse battery"}}, nil)
	secret := strings.ReplaceAll(text(oneByTestID(t, resp.Doc(), "totp-secret")), " ", "")
	qr := c.get("/settings/security/totp/qr.png")
	if qr.StatusCode != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR code: %d %q, want 200 image/png", qr.StatusCode, qr.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader([]byte(qr.body))); err != nil {
		t.Errorf("QR code does not decode as PNG: %v", err)
	}
	if resp := c.postForm("/settings/security/totp/confirm", url.Values{"code": {"000000"}}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong first code: got %d, want 400", resp.StatusCode)
	}
	if on, _ := g.srv.db.TwoFactor(userID(t, g.srv.db, "amal")); on.Enabled() {
		t.Fatal("a wrong first code turned two-factor on")
	}
	resp = c.postForm("/settings/security/totp/confirm", url.Values{"code": {g.code(t, secret)}}, nil)
	codes := byTestID(resp.Doc(), "recovery-code")
	if resp.StatusCode != http.StatusOK || len(codes) != social.RecoveryCodeCount {
		t.Fatalf("confirm: got %d with %d recovery codes, want 200 with %d", resp.StatusCode, len(codes), social.RecoveryCodeCount)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("recovery codes page Cache-Control %q, want no-store", cc)
	}
	stored, err := g.srv.db.TwoFactor(userID(t, g.srv.db, "amal"))
	if err != nil || !stored.Enabled() || stored.TOTPSecret != secret || len(stored.RecoveryCodes) != social.RecoveryCodeCount {
		t.Fatalf("stored: %+v, %v", stored, err)
	}
	for i, n := range codes {
		plain := text(n)
		for _, h := range stored.RecoveryCodes {
			if strings.Contains(h, strings.ReplaceAll(plain, "-", "")) {
				t.Errorf("recovery code %d is stored in clear", i)
			}
		}
	}

	// Logging in now takes two steps; the first signs nobody in.
	c.postForm("/logout", nil, nil)
	resp = loginPassword(c, "amal", "correct horse battery", "/bookmarks")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/two-factor" {
		t.Fatalf("password step: %d to %q, want 303 to /login/two-factor", resp.StatusCode, resp.Header.Get("Location"))
	}
	if clientSignedIn(c) {
		t.Fatal("signed in after the password alone")
	}
	if page := c.get("/login/two-factor"); page.StatusCode != http.StatusOK || len(byTestID(page.Doc(), "field-code")) != 1 {
		t.Fatalf("second step page: %d", page.StatusCode)
	}
	// The code the setup used is spent: replaying it fails.
	if resp := c.postForm("/login/two-factor", url.Values{"code": {g.code(t, secret)}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed code: got %d, want 401", resp.StatusCode)
	}
	g.clock.Advance(30 * time.Second)
	resp = c.postForm("/login/two-factor", url.Values{"code": {g.code(t, secret)}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/bookmarks" {
		t.Fatalf("code step: %d to %q, want 303 to /bookmarks", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !clientSignedIn(c) {
		t.Fatal("not signed in after the code")
	}
	if got := text(oneByTestID(t, c.get("/settings/security").Doc(), "recovery-left")); !strings.Contains(got, "10") {
		t.Errorf("recovery codes left: %q, want 10", got)
	}
}

func TestTwoFactorRecoveryCodes(t *testing.T) {
	g := newTwoFactorRig(t)
	c := g.srv.newClient(t)
	c.register("amal", "correct horse battery")
	_, codes := g.enable(t, c, "correct horse battery")
	c.postForm("/logout", nil, nil)

	other := g.srv.newClient(t)
	loginPassword(other, "amal", "correct horse battery", "")
	// Typed in capitals, with spaces instead of dashes: still the code.
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	resp := other.postForm("/login/two-factor", url.Values{"code": {typed}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("recovery code: got %d, want 303", resp.StatusCode)
	}
	if got := flashText(other.get("/").Doc()); !strings.Contains(got, "9") {
		t.Errorf("flash after a recovery code: %q, want the 9 left", got)
	}
	// Used once, never again.
	third := g.srv.newClient(t)
	loginPassword(third, "amal", "correct horse battery", "")
	if resp := third.postForm("/login/two-factor", url.Values{"code": {codes[3]}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("recovery code used twice: got %d, want 401", resp.StatusCode)
	}

	// New codes need the password, and the old ones stop working.
	other.username = "amal"
	if resp := other.postForm("/settings/security/recovery", url.Values{"current_password": {"nope nope nope"}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("new codes with a wrong password: got %d, want 401", resp.StatusCode)
	}
	resp = other.postForm("/settings/security/recovery", url.Values{"current_password": {"correct horse battery"}}, nil)
	if n := len(byTestID(resp.Doc(), "recovery-code")); n != social.RecoveryCodeCount {
		t.Fatalf("new codes: %d shown, want %d", n, social.RecoveryCodeCount)
	}
	if resp := third.postForm("/login/two-factor", url.Values{"code": {codes[0]}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an old recovery code after new ones: got %d, want 401", resp.StatusCode)
	}
}

func TestTwoFactorRemoval(t *testing.T) {
	g := newTwoFactorRig(t)
	c := g.srv.newClient(t)
	c.register("amal", "correct horse battery")
	g.enable(t, c, "correct horse battery")
	if resp := c.postForm("/settings/security/disable", url.Values{"current_password": {"wrong wrong wrong"}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("disable with a wrong password: got %d, want 401", resp.StatusCode)
	}
	if on, err := g.srv.db.TwoFactor(userID(t, g.srv.db, "amal")); err != nil || !on.Enabled() {
		t.Fatal("a wrong password turned two-factor off")
	}
	resp := c.postForm("/settings/security/disable", url.Values{"current_password": {"correct horse battery"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: got %d, want 303", resp.StatusCode)
	}
	if _, err := g.srv.db.TwoFactor(userID(t, g.srv.db, "amal")); err == nil {
		t.Error("the secret stayed after turning two-factor off")
	}
	other := g.srv.newClient(t)
	if resp := loginPassword(other, "amal", "correct horse battery", ""); resp.Header.Get("Location") != "/" {
		t.Errorf("login after turning it off goes to %q, want /", resp.Header.Get("Location"))
	}
}

// TestTwoFactorThrottled: wrong codes count against the account like wrong
// passwords, a pending login takes a few, and the password again does not
// buy more guesses.
func TestTwoFactorThrottled(t *testing.T) {
	g := newTwoFactorRig(t)
	c := g.srv.newClient(t)
	c.register("amal", "correct horse battery")
	secret, _ := g.enable(t, c, "correct horse battery")
	c.postForm("/logout", nil, nil)

	attacker := g.srv.newClient(t)
	loginPassword(attacker, "amal", "correct horse battery", "")
	for i := range 5 {
		resp := attacker.postForm("/login/two-factor", url.Values{"code": {"123456"}}, nil)
		want := http.StatusUnauthorized
		if i == 4 {
			want = http.StatusSeeOther // the pending login is dropped
		}
		if resp.StatusCode != want {
			t.Fatalf("wrong code %d: got %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if resp := attacker.postForm("/login/two-factor", url.Values{"code": {g.code(t, secret)}}, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" || clientSignedIn(attacker) {
		t.Fatalf("right code after the pending login was dropped: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The account is over its limit: even the right password waits.
	if resp := loginPassword(attacker, "amal", "correct horse battery", ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("password after five wrong codes: got %d, want 429", resp.StatusCode)
	}
	g.clock.Advance(16 * time.Minute)
	loginPassword(attacker, "amal", "correct horse battery", "")
	if resp := attacker.postForm("/login/two-factor", url.Values{"code": {g.code(t, secret)}}, nil); resp.StatusCode != http.StatusSeeOther || !clientSignedIn(attacker) {
		t.Errorf("after the window: %d, signed in %v", resp.StatusCode, clientSignedIn(attacker))
	}

	// A pending login expires.
	late := g.srv.newClient(t)
	loginPassword(late, "amal", "correct horse battery", "")
	g.clock.Advance(6 * time.Minute)
	if resp := late.postForm("/login/two-factor", url.Values{"code": {g.code(t, secret)}}, nil); resp.Header.Get("Location") != "/login" || clientSignedIn(late) {
		t.Errorf("an expired pending login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestTwoFactorRequiredForStaff: with the instance setting, a moderator
// without a second factor is sent to set it up before any admin page.
func TestTwoFactorRequiredForStaff(t *testing.T) {
	g := newTwoFactorRig(t)
	admin := g.srv.newClient(t)
	admin.register("amal", "correct horse battery") // the first account: admin
	s, _, err := g.srv.db.InstanceSettings()
	if err != nil {
		t.Fatal(err)
	}
	s.StaffTwoFactor = true
	if err := g.srv.db.SaveInstanceSettings(userID(t, g.srv.db, "amal"), s, "", g.clock.Now()); err != nil {
		t.Fatal(err)
	}
	member := g.srv.newClient(t)
	newUser(t, g.srv.db, "bilal")
	member.login("bilal", "password-bilal")

	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		want   int
		where  string
	}{
		{"admin page", admin, http.MethodGet, "/admin", http.StatusSeeOther, "/settings/security"},
		{"admin action", admin, http.MethodPost, "/admin/settings", http.StatusForbidden, ""},
		{"member pages are not concerned", member, http.MethodGet, "/settings", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *response
			if tt.method == http.MethodGet {
				resp = tt.c.get(tt.path)
			} else {
				resp = tt.c.postForm(tt.path, url.Values{}, nil)
			}
			if resp.StatusCode != tt.want || resp.Header.Get("Location") != tt.where {
				t.Errorf("got %d to %q, want %d to %q", resp.StatusCode, resp.Header.Get("Location"), tt.want, tt.where)
			}
		})
	}
	if page := admin.get("/settings/security"); len(byTestID(page.Doc(), "two-factor-required")) != 1 {
		t.Error("the security page does not say why the admin was sent there")
	}
	g.enable(t, admin, "correct horse battery")
	if resp := admin.get("/admin"); resp.StatusCode != http.StatusOK {
		t.Errorf("/admin with a second factor: got %d, want 200", resp.StatusCode)
	}
	// The setting is saved from the instance form.
	form := admin.get("/admin/settings")
	if box := oneByTestID(t, form.Doc(), "field-staff_two_factor"); !hasAttr(box, "checked") {
		t.Error("the instance form does not show the setting on")
	}
}

// TestTwoFactorOAuthLogin: an app's authorization page sends a visitor to
// log in, and back to it only after the second step.
func TestTwoFactorOAuthLogin(t *testing.T) {
	g := newTwoFactorRig(t)
	c := g.srv.newClient(t)
	c.register("amal", "correct horse battery")
	secret, _ := g.enable(t, c, "correct horse battery")
	c.postForm("/logout", nil, nil)

	authorize := "/oauth/authorize?client_id=abc&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&response_type=code&scope=read"
	resp := c.get(authorize)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("authorize page for a visitor: %d to %q", resp.StatusCode, loc)
	}
	u, _ := url.Parse(loc)
	next := u.Query().Get("next")
	resp = loginPassword(c, "amal", "correct horse battery", next)
	if resp.Header.Get("Location") != "/login/two-factor" {
		t.Fatalf("password step goes to %q, want the second step", resp.Header.Get("Location"))
	}
	g.clock.Advance(30 * time.Second)
	resp = c.postForm("/login/two-factor", url.Values{"code": {g.code(t, secret)}}, nil)
	if resp.Header.Get("Location") != authorize {
		t.Errorf("after the code: to %q, want back to %q", resp.Header.Get("Location"), authorize)
	}
}

// TestTwoFactorGoesWithTheAccount: deleting an account deletes its secret.
func TestTwoFactorGoesWithTheAccount(t *testing.T) {
	g := newTwoFactorRig(t)
	c := g.srv.newClient(t)
	c.register("amal", "correct horse battery")
	newUser(t, g.srv.db, "bilal")
	b := g.srv.newClient(t)
	b.login("bilal", "password-bilal")
	g.enable(t, b, "password-bilal")
	id := userID(t, g.srv.db, "bilal")
	if err := g.srv.db.DeleteUser(id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := g.srv.db.TwoFactor(id); err == nil {
		t.Error("the second factor outlived its account")
	}
}
