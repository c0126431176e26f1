package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
)

func TestRegister(t *testing.T) {
	srv := newTestServer(t)

	first := srv.newClient(t)
	resp := first.postForm("/register", url.Values{
		"username": {"amal"}, "display_name": {"Amal H."}, "password": {"correct horse"},
	}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: got status %d, want 303; body:\n%s", resp.StatusCode, resp.body)
	}
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("register: got Location %q, want %q", loc, "/")
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("register: got no %s cookie", sessionCookie)
	}
	if !session.HttpOnly {
		t.Errorf("session cookie: got HttpOnly false, want true")
	}
	if session.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie: got SameSite %v, want Lax", session.SameSite)
	}
	if session.Path != "/" {
		t.Errorf("session cookie: got Path %q, want /", session.Path)
	}
	first.username = "amal"

	home := first.get("/")
	if home.StatusCode != http.StatusOK {
		t.Fatalf("home after sign-up: got status %d, want 200", home.StatusCode)
	}
	if f := flashText(home.Doc()); !strings.Contains(f, "Welcome") || !strings.Contains(f, "Amal H.") {
		t.Errorf("home after sign-up: got flash %q, want a welcome naming Amal H.", f)
	}
	if len(byTestID(home.Doc(), "compose")) != 1 {
		t.Errorf("home after sign-up: got no compose box, want the signed-in home page")
	}
	if f := flashText(first.get("/").Doc()); f != "" {
		t.Errorf("second page after sign-up: got flash %q, want none (a flash shows once)", f)
	}

	second := srv.newClient(t)
	second.register("bilal", "another password")

	for _, tc := range []struct {
		name      string
		wantAdmin bool
	}{
		{"amal", true},
		{"bilal", false},
	} {
		t.Run("badge/"+tc.name, func(t *testing.T) {
			prof := second.get("/@" + tc.name)
			header := oneByTestID(t, prof.Doc(), "profile-header")
			badges := findAll(header, func(n *htmlNode) bool { return hasClass(n, "badge") && text(n) == "admin" })
			if got := len(badges) == 1; got != tc.wantAdmin {
				t.Errorf("got admin badge %v, want %v", got, tc.wantAdmin)
			}
		})
	}
}

func TestRegisterValidation(t *testing.T) {
	srv := newTestServer(t)
	srv.newClient(t).register("Amal", "correct horse")

	tests := []struct {
		name        string
		username    string
		displayName string
		password    string
		wantStatus  int
		wantField   string // data-testid "error-<field>"
		wantMessage string
	}{
		{"empty username", "", "", "correct horse", http.StatusBadRequest, "username", "Choose a username"},
		{"31 characters", strings.Repeat("a", 31), "", "correct horse", http.StatusBadRequest, "username", "letters, digits or underscores"},
		{"space", "bad name", "", "correct horse", http.StatusBadRequest, "username", "letters, digits or underscores"},
		{"non-ASCII", "ünï", "", "correct horse", http.StatusBadRequest, "username", "letters, digits or underscores"},
		{"taken in another case", "amal", "", "correct horse", http.StatusConflict, "username", "taken"},
		{"password of 7 characters", "karim", "", "1234567", http.StatusBadRequest, "password", "at least 8"},
		{"display name of 51 characters", "karim", strings.Repeat("ن", 51), "correct horse", http.StatusBadRequest, "display_name", "at most 50"},
		{"display name with a control character", "karim", "Kar\x07im", "correct horse", http.StatusBadRequest, "display_name", "cannot be shown"},
		{"display name with a bidi override", "karim", "Karim\u202egnp.exe", "correct horse", http.StatusBadRequest, "display_name", "cannot be shown"},
		{"display name of invisible characters", "karim", "\u200b\u200b\ufeff", "correct horse", http.StatusBadRequest, "display_name", "cannot be shown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.newClient(t)
			resp := c.postForm("/register", url.Values{
				"username": {tc.username}, "display_name": {tc.displayName}, "password": {tc.password},
			}, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			doc := resp.Doc()
			if len(byTestID(doc, "register-form")) != 1 {
				t.Fatalf("got no registration form in the answer, want it shown again")
			}
			if len(byTestID(doc, "form-error")) != 1 {
				t.Errorf("got no form error message")
			}
			fieldErr := byTestID(doc, "error-"+tc.wantField)
			if len(fieldErr) != 1 {
				t.Fatalf("got no error on field %q", tc.wantField)
			}
			if got := text(fieldErr[0]); !strings.Contains(strings.ToLower(got), strings.ToLower(tc.wantMessage)) {
				t.Errorf("got field error %q, want it to mention %q", got, tc.wantMessage)
			}
			if got := attr(oneByTestID(t, doc, "field-username"), "value"); got != tc.username {
				t.Errorf("got username field %q, want the typed %q kept", got, tc.username)
			}
			if got := attr(oneByTestID(t, doc, "field-password"), "value"); got != "" {
				t.Errorf("got password field value %q, want the password never echoed", got)
			}
			for _, ck := range resp.Cookies() {
				if ck.Name == sessionCookie && ck.MaxAge >= 0 {
					t.Errorf("got a session cookie, want none for a refused sign-up")
				}
			}
			if n, err := srv.db.CountUsers(); err != nil || n != 1 {
				t.Errorf("got %d accounts (err %v), want 1: none created", n, err)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	srv := newTestServer(t)
	srv.newClient(t).register("amal", "correct horse")

	t.Run("right password", func(t *testing.T) {
		c := srv.newClient(t)
		resp := c.postForm("/login", url.Values{"username": {"amal"}, "password": {"correct horse"}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("got Location %q, want /", loc)
		}
		home := c.get("/")
		if len(byTestID(home.Doc(), "compose")) != 1 {
			t.Errorf("got no compose box on home after login")
		}
	})

	t.Run("username in another case", func(t *testing.T) {
		c := srv.newClient(t)
		c.login("AMAL", "correct horse")
		if !isSignedIn(c.get("/").Doc()) {
			t.Errorf("got a visitor page after logging in as AMAL, want signed in")
		}
	})

	var messages []string
	for _, tc := range []struct{ name, username, password string }{
		{"wrong password", "amal", "wrong horse"},
		{"unknown user", "nobody", "correct horse"},
		{"invalid username", "no body", "correct horse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.newClient(t)
			resp := c.postForm("/login", url.Values{"username": {tc.username}, "password": {tc.password}}, nil)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("got status %d, want 401", resp.StatusCode)
			}
			doc := resp.Doc()
			if len(byTestID(doc, "login-form")) != 1 {
				t.Errorf("got no login form, want it shown again")
			}
			errs := byTestID(doc, "form-error")
			if len(errs) != 1 {
				t.Fatalf("got %d form errors, want 1", len(errs))
			}
			messages = append(messages, text(errs[0]))
			if got := attr(oneByTestID(t, doc, "field-username"), "value"); got != tc.username {
				t.Errorf("got username field %q, want %q kept", got, tc.username)
			}
			if c.cookie(sessionCookie) != nil {
				t.Errorf("got a session cookie after a failed login")
			}
		})
	}
	t.Run("same message", func(t *testing.T) {
		for i := 1; i < len(messages); i++ {
			if messages[i] != messages[0] {
				t.Errorf("got message %q, want the same as %q: the form must not tell who exists", messages[i], messages[0])
			}
		}
	})
}

func TestLoginNext(t *testing.T) {
	srv := newTestServer(t)
	srv.newClient(t).register("amal", "correct horse")
	for _, tc := range []struct{ next, want string }{
		{"", "/"},
		{"/settings", "/settings"},
		{"/local?before=123", "/local?before=123"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
	} {
		t.Run(tc.next, func(t *testing.T) {
			c := srv.newClient(t)
			resp := c.postForm("/login", url.Values{"username": {"amal"}, "password": {"correct horse"}, "next": {tc.next}}, nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("got status %d, want 303", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != tc.want {
				t.Errorf("got Location %q, want %q", loc, tc.want)
			}
		})
	}
}

// A visitor sent to the login page comes back to the page they asked for,
// under its public address.
func TestLoginReturnsToPage(t *testing.T) {
	srv := newTestServer(t)
	author := srv.newClient(t)
	author.register("amal", "correct horse")
	link := author.post("to be deleted")

	for _, path := range []string{"/settings", "/settings?a=1&b=2", link + "/delete"} {
		t.Run(path, func(t *testing.T) {
			c := srv.newClient(t)
			resp := c.get(path)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("visitor: got status %d, want 303", resp.StatusCode)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || loc.Path != "/login" || loc.Query().Get("next") != path {
				t.Errorf("visitor: got Location %q, want /login with next=%q", resp.Header.Get("Location"), path)
			}
			form := c.get(resp.Header.Get("Location"))
			next := findAll(form.Doc(), func(n *htmlNode) bool { return attr(n, "name") == "next" })
			if len(next) != 1 || attr(next[0], "value") != path {
				t.Fatalf("login form: got no hidden next=%q", path)
			}
			login := c.postForm("/login", url.Values{"username": {"amal"}, "password": {"correct horse"}, "next": {path}}, nil)
			if loc := login.Header.Get("Location"); loc != path {
				t.Errorf("after login: got Location %q, want %q", loc, path)
			}
			if page := c.get(path); page.StatusCode != http.StatusOK {
				t.Errorf("after login: got status %d for %s, want 200", page.StatusCode, path)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	srv := newTestServer(t)
	srv.newClient(t).register("amal", "correct horse")

	c := srv.newClient(t)
	c.login("amal", "correct horse")
	old := c.cookie(sessionCookie)
	if old == nil {
		t.Fatal("got no session cookie after login")
	}
	resp := c.postForm("/logout", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: got status %d, want 303", resp.StatusCode)
	}
	page := c.get("/")
	if isSignedIn(page.Doc()) || len(byTestID(page.Doc(), "compose")) != 0 {
		t.Errorf("after logout: got a signed-in page, want the visitor page")
	}
	if f := flashText(page.Doc()); !strings.Contains(f, "logged out") {
		t.Errorf("after logout: got flash %q, want it to say logged out", f)
	}

	replay := srv.newClient(t)
	replay.setCookie(old)
	if page := replay.get("/"); isSignedIn(page.Doc()) {
		t.Errorf("replayed session cookie: got a signed-in page, want the visitor page")
	}
	if resp := replay.postForm("/posts", url.Values{"body": {"still here?"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("replayed session cookie: POST /posts got status %d, want 403", resp.StatusCode)
	}
	if n := postCount(t, srv.db, "amal"); n != 0 {
		t.Errorf("got %d posts, want 0", n)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	srv := newTestServer(t)
	srv.newClient(t).register("amal", "correct horse")
	srv.newClient(t).register("bilal", "correct horse")
	a, b, other := srv.newClient(t), srv.newClient(t), srv.newClient(t)
	a.login("amal", "correct horse")
	b.login("amal", "correct horse")
	other.login("bilal", "correct horse")

	settings := a.get("/settings/account")
	if settings.StatusCode != http.StatusOK {
		t.Fatalf("settings: got status %d, want 200", settings.StatusCode)
	}
	if len(byTestID(settings.Doc(), "logout-everywhere")) != 1 {
		t.Fatalf("settings: got no log-out-everywhere button")
	}

	resp := a.postForm("/settings/logout-everywhere", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("got status %d, want 303", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/login" {
		t.Errorf("got Location %q, want /login", loc)
	}
	if f := flashText(a.get("/login").Doc()); !strings.Contains(f, "logged out") {
		t.Errorf("got flash %q, want it to say logged out", f)
	}
	for name, c := range map[string]*client{"client A": a, "client B": b} {
		if isSignedIn(c.get("/").Doc()) {
			t.Errorf("%s: got a signed-in page, want the visitor page", name)
		}
	}
	if !isSignedIn(other.get("/").Doc()) {
		t.Errorf("another account's session ended too, want it untouched")
	}
}

// failLogin posts a wrong password and returns the response.
func failLogin(c *client, name string) *response {
	c.t.Helper()
	return c.postForm("/login", url.Values{"username": {name}, "password": {"wrong password"}}, nil)
}

func TestLoginRateLimit(t *testing.T) {
	clock := newFakeClock()
	srv := newTestServerWith(t, serverOptions{
		config:  func(c *handlers.Config) { c.Now = clock.Now },
		storage: func(o *storageOptions) { o.Now = clock.Now },
	})
	for _, name := range []string{"amal", "bilal", "carim"} {
		newUser(t, srv.db, name)
	}
	c := srv.newClient(t)
	// The header is ignored: TrustProxy is off.
	c.header.Set("X-Forwarded-For", "203.0.113.1")

	for i := 1; i <= 5; i++ {
		if resp := failLogin(c, "amal"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed login %d: got status %d, want 401", i, resp.StatusCode)
		}
	}
	resp := c.postForm("/login", url.Values{"username": {"amal"}, "password": {"password-amal"}}, nil)
	checkReadablePage(t, resp, http.StatusTooManyRequests)
	if !strings.Contains(resp.body, "Too many") {
		t.Errorf("429 page: got no explanation in:\n%s", resp.body)
	}
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || retry <= 0 {
		t.Fatalf("429: got Retry-After %q, want a number of seconds", resp.Header.Get("Retry-After"))
	}
	if c.cookie(sessionCookie) != nil {
		t.Errorf("got a session cookie from a refused login")
	}

	// Another account from the same address may still log in.
	other := srv.newClient(t)
	other.login("bilal", "password-bilal")

	// Until the address has failed 20 times.
	for i := 6; i <= 20; i++ {
		if resp := failLogin(c, "nobody"+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed login %d: got status %d, want 401", i, resp.StatusCode)
		}
	}
	c.header.Set("X-Forwarded-For", "198.51.100.7")
	resp = c.postForm("/login", url.Values{"username": {"carim"}, "password": {"password-carim"}}, nil)
	checkReadablePage(t, resp, http.StatusTooManyRequests)

	// Retry-After tells the truth: a second early is still too early, and
	// after it the right password works.
	retry, err = strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || retry <= 0 {
		t.Fatalf("429: got Retry-After %q, want a number of seconds", resp.Header.Get("Retry-After"))
	}
	clock.Advance(time.Duration(retry-1) * time.Second)
	if resp := c.postForm("/login", url.Values{"username": {"carim"}, "password": {"password-carim"}}, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("1 s before Retry-After: got status %d, want 429", resp.StatusCode)
	}
	clock.Advance(time.Second)
	if resp := c.postForm("/login", url.Values{"username": {"carim"}, "password": {"password-carim"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after Retry-After (%d s): got status %d, want 303", retry, resp.StatusCode)
	}
}

func TestLoginRateLimitTrustProxy(t *testing.T) {
	srv := newTestServerWith(t, serverOptions{config: func(c *handlers.Config) { c.TrustProxy = true }})
	newUser(t, srv.db, "amal")
	c := srv.newClient(t)
	c.header.Set("X-Forwarded-For", "203.0.113.1")
	for i := 1; i <= 20; i++ {
		if resp := failLogin(c, "nobody"+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed login %d: got status %d, want 401", i, resp.StatusCode)
		}
	}
	if resp := failLogin(c, "someone"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("21st failure from 203.0.113.1: got status %d, want 429", resp.StatusCode)
	}
	// The proxy appends the address it saw; what the client wrote before it
	// is not to be trusted.
	c.header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.7")
	c.login("amal", "password-amal")
}

// Signing in again on the same browser replaces its session: the settings
// page counts one browser, and the old session cookie is dead.
func TestLoginAgainReplacesSession(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	newUser(t, srv.db, "bilal")

	for _, tc := range []struct {
		name   string
		second func(c *client)
		user   string
	}{
		{"login as the same account", func(c *client) { c.login("amal", "password-amal") }, "amal"},
		{"login as another account", func(c *client) { c.login("bilal", "password-bilal") }, "bilal"},
		{"register another account", func(c *client) { c.register("carim", "correct horse") }, "carim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.newClient(t)
			c.login("amal", "password-amal")
			old := c.cookie(sessionCookie)
			tc.second(c)
			if c.cookie(sessionCookie).Value == old.Value {
				t.Fatalf("got the same session cookie after signing in again")
			}
			settings := c.get("/settings/account")
			if got := text(oneByTestID(t, settings.Doc(), "logout-everywhere").Parent.Parent); !strings.Contains(got, "logged in on 1 device") {
				t.Errorf("settings: got %q, want logged in on 1 device", got)
			}
			replay := srv.newClient(t)
			replay.setCookie(old)
			if isSignedIn(replay.get("/").Doc()) {
				t.Errorf("the replaced session cookie still signs in")
			}
			u, err := srv.db.LocalUser("amal")
			if err != nil {
				t.Fatal(err)
			}
			n, err := srv.db.CountUserSessions(u.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if tc.user == "amal" {
				want = 1
			}
			if n != want {
				t.Errorf("amal has %d sessions, want %d", n, want)
			}
			c.postForm("/settings/logout-everywhere", nil, nil)
		})
	}
}

func TestRegisterRateLimit(t *testing.T) {
	clock := newFakeClock()
	srv := newTestServerWith(t, serverOptions{
		config:  func(c *handlers.Config) { c.Now = clock.Now },
		storage: func(o *storageOptions) { o.Now = clock.Now },
	})
	for i := range 10 {
		clock.Advance(time.Minute)
		srv.newClient(t).register("user"+strconv.Itoa(i), "correct horse")
	}
	// Failed sign-ups do not count; the 11th account does.
	c := srv.newClient(t)
	resp := c.postForm("/register", url.Values{"username": {"user10"}, "password": {"correct horse"}}, nil)
	checkReadablePage(t, resp, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || retry <= 0 || retry > 3600 {
		t.Fatalf("got Retry-After %q, want seconds up to an hour", resp.Header.Get("Retry-After"))
	}
	if _, err := srv.db.LocalUser("user10"); err == nil {
		t.Errorf("got account user10 created, want none")
	}
	clock.Advance(time.Duration(retry) * time.Second)
	c.register("user10", "correct horse")
}

func TestSessionCookieSecure(t *testing.T) {
	for _, tc := range []struct {
		name       string
		trustProxy bool
		proto      string
		want       bool
	}{
		{"plain http", false, "", false},
		{"untrusted X-Forwarded-Proto", false, "https", false},
		{"trusted X-Forwarded-Proto https", true, "https", true},
		{"trusted X-Forwarded-Proto http", true, "http", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServerWith(t, serverOptions{config: func(c *handlers.Config) { c.TrustProxy = tc.trustProxy }})
			hdr := http.Header{}
			if tc.proto != "" {
				hdr.Set("X-Forwarded-Proto", tc.proto)
			}
			resp := srv.newClient(t).postForm("/register", url.Values{"username": {"amal"}, "password": {"correct horse"}}, hdr)
			var found bool
			for _, ck := range resp.Cookies() {
				if ck.Name == sessionCookie {
					found = true
					if ck.Secure != tc.want {
						t.Errorf("got Secure %v, want %v", ck.Secure, tc.want)
					}
				}
			}
			if !found {
				t.Fatalf("got no session cookie")
			}
		})
	}
}

func TestRegisterBoundaries(t *testing.T) {
	srv := newTestServer(t)
	tests := []struct {
		name        string
		username    string
		displayName string
		password    string
		wantStatus  int
		wantName    string // the name the profile shows
	}{
		{"30 characters", strings.Repeat("a", 28) + "_1", "", "correct horse", http.StatusSeeOther, strings.Repeat("a", 28) + "_1"},
		{"display name of 50 Arabic characters", "nadia", strings.Repeat("ن", 50), "correct horse", http.StatusSeeOther, strings.Repeat("ن", 50)},
		{"blank display name", "omar", "   ", "correct horse", http.StatusSeeOther, "omar"},
		{"spaces around the username", "  salma  ", "", "correct horse", http.StatusSeeOther, "salma"},
		{"password of 8 characters", "karim", "", "12345678", http.StatusSeeOther, "karim"},
		{"password of 8 Arabic characters", "huda", "", "كلمةسرية", http.StatusSeeOther, "huda"},
		{"password of 72 bytes", "zaid", "", strings.Repeat("p", 72), http.StatusSeeOther, "zaid"},
		{"password of 73 bytes", "zaid2", "", strings.Repeat("p", 73), http.StatusBadRequest, ""},
		{"password of 37 Arabic characters (74 bytes)", "zaid3", "", strings.Repeat("س", 37), http.StatusBadRequest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.newClient(t)
			resp := c.postForm("/register", url.Values{"username": {tc.username}, "display_name": {tc.displayName}, "password": {tc.password}}, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus != http.StatusSeeOther {
				if len(byTestID(resp.Doc(), "error-password")) != 1 {
					t.Errorf("got no password error")
				}
				return
			}
			name := strings.TrimSpace(tc.username)
			prof := c.get("/@" + name)
			if got := text(findAll(oneByTestID(t, prof.Doc(), "profile-header"), func(n *htmlNode) bool { return hasClass(n, "display-name") })[0]); got != tc.wantName {
				t.Errorf("got name %q, want %q", got, tc.wantName)
			}
			// The password works for logging in again.
			srv.newClient(t).login(name, tc.password)
		})
	}
}
