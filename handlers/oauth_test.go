package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/api"
	"majlis/handlers"
	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
)

// newAPITestServer is a test instance with the client API wired in as
// main.go wires it.
func newAPITestServer(t testing.TB, configure func(*handlers.Config)) *testServer {
	t.Helper()
	db := newTestDB(t, storage.Options{})
	cfg := testConfig()
	if configure != nil {
		configure(&cfg)
	}
	a := api.New(api.Config{
		DB: db, Social: social.New(db, social.Config{BaseURL: testBaseURL}),
		BaseURL: testBaseURL, SiteName: "majlis", Logger: cfg.Logger, Now: cfg.Now,
	})
	cfg.APIRoutes = a.Routes
	h, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, db: db, h: h}
}

// jsonBody decodes a JSON answer, failing the test when it is not JSON.
func jsonBody(t testing.TB, r *response) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("answer is not a JSON object (%d): %v\n%s", r.StatusCode, err, r.body)
	}
	return v
}

// registeredApp is what POST /api/v1/apps answered.
type registeredApp struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       []string `json:"scopes"`
}

// registerApp registers an app through the API, as an app on another
// origin would.
func registerApp(t testing.TB, c *client, body map[string]any) registeredApp {
	t.Helper()
	b, _ := json.Marshal(body)
	r := c.do(http.MethodPost, "/api/v1/apps", bytes.NewReader(b), http.Header{
		"Content-Type": {"application/json"}, "Origin": {"https://elk.example"}, "Sec-Fetch-Site": {"cross-site"},
	})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/apps: got %d, want 200: %s", r.StatusCode, r.body)
	}
	var app registeredApp
	if err := json.Unmarshal([]byte(r.body), &app); err != nil {
		t.Fatal(err)
	}
	return app
}

// pkce is a code verifier and its S256 challenge.
func pkce(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 50)[:64]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeQuery is an authorization request's query.
func authorizeQuery(app registeredApp, redirect, scope, challenge string) url.Values {
	q := url.Values{
		"client_id": {app.ClientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {scope}, "state": {"xyz 1/2"},
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return q
}

// approve says yes on the authorization page and returns the code the
// app receives on its redirect URI.
func approve(t testing.TB, c *client, q url.Values) string {
	t.Helper()
	page := c.get("/oauth/authorize?" + q.Encode())
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /oauth/authorize: got %d, want 200: %s", page.StatusCode, page.body)
	}
	form := url.Values{"decision": {"approve"}}
	for _, in := range byTag(oneByTestID(t, page.Doc(), "authorize-form"), "input") {
		form.Set(attr(in, "name"), attr(in, "value"))
	}
	r := c.postForm("/oauth/authorize", form, nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /oauth/authorize: got %d, want 303: %s", r.StatusCode, r.body)
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Query().Get("state"); got != q.Get("state") {
		t.Errorf("state = %q, want %q", got, q.Get("state"))
	}
	if !strings.HasPrefix(loc.String(), q.Get("redirect_uri")) {
		t.Errorf("redirected to %s, want the registered %s", loc, q.Get("redirect_uri"))
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("redirect %s has no code", loc)
	}
	return code
}

// exchange posts to /oauth/token.
func exchange(c *client, form url.Values) *response {
	c.t.Helper()
	return c.postForm("/oauth/token", form, http.Header{"Origin": {"https://elk.example"}, "Sec-Fetch-Site": {"cross-site"}})
}

// bearerGet is a GET with a bearer token.
func bearerGet(c *client, path, token string) *response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, http.Header{"Authorization": {"Bearer " + token}})
}

func TestOAuthFlow(t *testing.T) {
	srv := newAPITestServer(t, nil)
	newUser(t, srv.db, "amal")
	appClient := srv.newClient(t) // the app: no cookies of a member
	const redirect = "com.example.majlis://oauth/callback"
	app := registerApp(t, appClient, map[string]any{
		"client_name": "Pocket", "redirect_uris": []string{redirect, "https://pocket.example/cb"},
		"scopes": "read write follow", "website": "https://pocket.example",
	})
	if app.RedirectURI != redirect+"\nhttps://pocket.example/cb" || len(app.RedirectURIs) != 2 || strings.Join(app.Scopes, " ") != "read write follow" {
		t.Fatalf("registered app = %+v", app)
	}

	verifier, challenge := pkce("v3rifier-")
	q := authorizeQuery(app, redirect, "read write:statuses", challenge)

	// A visitor is sent to log in, and back.
	browser := srv.newClient(t)
	r := browser.get("/oauth/authorize?" + q.Encode())
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
		t.Fatalf("visitor: got %d to %q, want 303 to the login page", r.StatusCode, r.Header.Get("Location"))
	}
	next, _ := url.Parse(r.Header.Get("Location"))
	back := next.Query().Get("next")
	login := browser.postForm("/login", url.Values{"username": {"amal"}, "password": {"password-amal"}, "next": {back}}, nil)
	if login.StatusCode != http.StatusSeeOther || login.Header.Get("Location") != back {
		t.Fatalf("login: got %d to %q, want 303 back to %q", login.StatusCode, login.Header.Get("Location"), back)
	}
	browser.username = "amal"

	// The page names the app, its website and the scopes in plain words.
	page := browser.get(back)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("authorize page: got %d: %s", page.StatusCode, page.body)
	}
	if got := text(oneByTestID(t, page.Doc(), "authorize-intro")); !strings.Contains(got, "Pocket") {
		t.Errorf("intro %q does not name the app", got)
	}
	if got := attr(oneByTestID(t, page.Doc(), "authorize-website"), "href"); got != "https://pocket.example" {
		t.Errorf("website link = %q", got)
	}
	var scopes []string
	for _, li := range byTestID(page.Doc(), "scope") {
		scopes = append(scopes, attr(li, "data-scope"))
		if strings.Contains(text(li), "oauth.scope.") {
			t.Errorf("scope %q has no words: %q", attr(li, "data-scope"), text(li))
		}
	}
	if strings.Join(scopes, " ") != "read write:statuses" {
		t.Errorf("scopes shown = %v", scopes)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' com.example.majlis:;") {
		t.Errorf("the page's form-action does not let the answer reach the app: %q", csp)
	}
	if len(byTag(page.Doc(), "script")) > 0 && strings.Contains(page.body, "authorize-form\" hx-") {
		t.Errorf("the form relies on JavaScript")
	}

	code := approve(t, browser, q)
	tok := exchange(appClient, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "redirect_uri": {redirect}, "code_verifier": {verifier},
	})
	if tok.StatusCode != http.StatusOK {
		t.Fatalf("token: got %d: %s", tok.StatusCode, tok.body)
	}
	tj := jsonBody(t, tok)
	access, _ := tj["access_token"].(string)
	if access == "" || tj["token_type"] != "Bearer" || tj["scope"] != "read write:statuses" || tj["created_at"] == nil {
		t.Fatalf("token answer = %v", tj)
	}
	if tok.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("token answer Cache-Control = %q, want no-store", tok.Header.Get("Cache-Control"))
	}

	// The token is the app's: verify_credentials names it, by header and
	// by access_token parameter.
	for _, r := range []*response{
		bearerGet(appClient, "/api/v1/apps/verify_credentials", access),
		appClient.get("/api/v1/apps/verify_credentials?access_token=" + url.QueryEscape(access)),
	} {
		if r.StatusCode != http.StatusOK {
			t.Fatalf("verify_credentials: got %d: %s", r.StatusCode, r.body)
		}
		if v := jsonBody(t, r); v["name"] != "Pocket" || v["website"] != "https://pocket.example" || v["client_secret"] != nil {
			t.Errorf("verify_credentials = %v", v)
		}
	}
	if got := len(mustAuthorizedApps(t, srv.db, "amal")); got != 1 {
		t.Errorf("amal has %d authorized apps, want 1", got)
	}

	// The member's session cookie is no token.
	if r := browser.get("/api/v1/apps/verify_credentials"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("verify_credentials with the cookie only: got %d, want 401", r.StatusCode)
	}

	// Revocation needs the app's credentials, then the token is gone.
	bad := appClient.postForm("/oauth/revoke", url.Values{"client_id": {app.ClientID}, "client_secret": {"nope"}, "token": {access}}, nil)
	if bad.StatusCode != http.StatusUnauthorized || jsonBody(t, bad)["error"] != "invalid_client" {
		t.Errorf("revoke with a wrong secret: got %d %s, want 401 invalid_client", bad.StatusCode, bad.body)
	}
	if r := bearerGet(appClient, "/api/v1/apps/verify_credentials", access); r.StatusCode != http.StatusOK {
		t.Fatalf("after a refused revocation the token should work: %d", r.StatusCode)
	}
	rv := appClient.postForm("/oauth/revoke", url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "token": {access}},
		http.Header{"Origin": {"https://elk.example"}, "Sec-Fetch-Site": {"cross-site"}})
	if rv.StatusCode != http.StatusOK || strings.TrimSpace(rv.body) != "{}" {
		t.Fatalf("revoke: got %d %s, want 200 {}", rv.StatusCode, rv.body)
	}
	if r := bearerGet(appClient, "/api/v1/apps/verify_credentials", access); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: got %d, want 401", r.StatusCode)
	}
}

func mustAuthorizedApps(t testing.TB, db *storage.DB, name string) []storage.AuthorizedApp {
	t.Helper()
	u, err := db.LocalUser(name)
	if err != nil {
		t.Fatal(err)
	}
	apps, err := db.AuthorizedApps(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return apps
}

// TestOAuthCodeExchange: a code is worth a token only once, to its app,
// with its redirect URI and PKCE's verifier.
func TestOAuthCodeExchange(t *testing.T) {
	srv := newAPITestServer(t, nil)
	newUser(t, srv.db, "amal")
	appClient := srv.newClient(t)
	const redirect = "https://app.example/callback"
	app := registerApp(t, appClient, map[string]any{"client_name": "A", "redirect_uris": redirect, "scopes": "read write"})
	other := registerApp(t, appClient, map[string]any{"client_name": "B", "redirect_uris": redirect, "scopes": "read write"})
	browser := srv.newClient(t)
	browser.login("amal", "password-amal")
	verifier, challenge := pkce("abc")

	base := func(code string) url.Values {
		return url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "client_id": {app.ClientID},
			"client_secret": {app.ClientSecret}, "redirect_uri": {redirect}, "code_verifier": {verifier},
		}
	}
	tests := []struct {
		name       string
		challenge  string
		change     func(url.Values)
		wantStatus int
		wantError  string
	}{
		{"right verifier", challenge, func(url.Values) {}, 200, ""},
		{"right verifier, public client without secret", challenge, func(f url.Values) { f.Del("client_secret") }, 200, ""},
		{"wrong verifier", challenge, func(f url.Values) { f.Set("code_verifier", strings.Repeat("x", 64)) }, 400, "invalid_grant"},
		{"no verifier", challenge, func(f url.Values) { f.Del("code_verifier") }, 400, "invalid_grant"},
		{"redirect_uri mismatch", challenge, func(f url.Values) { f.Set("redirect_uri", redirect+"/") }, 400, "invalid_grant"},
		{"redirect_uri missing", challenge, func(f url.Values) { f.Del("redirect_uri") }, 400, "invalid_grant"},
		{"another client's credentials", challenge, func(f url.Values) {
			f.Set("client_id", other.ClientID)
			f.Set("client_secret", other.ClientSecret)
		}, 400, "invalid_grant"},
		{"wrong client secret", challenge, func(f url.Values) { f.Set("client_secret", "wrong") }, 401, "invalid_client"},
		{"no PKCE needs the secret", "", func(f url.Values) { f.Del("client_secret") }, 401, "invalid_client"},
		{"no PKCE, with the secret", "", func(url.Values) {}, 200, ""},
		{"unknown grant type", challenge, func(f url.Values) { f.Set("grant_type", "password") }, 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := approve(t, browser, authorizeQuery(app, redirect, "read", tt.challenge))
			form := base(code)
			tt.change(form)
			r := exchange(appClient, form)
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", r.StatusCode, r.body, tt.wantStatus)
			}
			v := jsonBody(t, r)
			if tt.wantError != "" {
				if v["error"] != tt.wantError || v["error_description"] == "" || v["error_description"] == nil {
					t.Errorf("error = %v, want %s with a description", v, tt.wantError)
				}
				return
			}
			// Used once: the same code again is refused.
			again := exchange(appClient, form)
			if again.StatusCode != http.StatusBadRequest || jsonBody(t, again)["error"] != "invalid_grant" {
				t.Errorf("code reused: got %d %s, want 400 invalid_grant", again.StatusCode, again.body)
			}
		})
	}

	t.Run("a code refused once is gone", func(t *testing.T) {
		code := approve(t, browser, authorizeQuery(app, redirect, "read", challenge))
		f := base(code)
		f.Set("code_verifier", strings.Repeat("y", 64))
		exchange(appClient, f)
		if r := exchange(appClient, base(code)); r.StatusCode != http.StatusBadRequest {
			t.Errorf("retry with the right verifier: got %d, want 400", r.StatusCode)
		}
	})
}

// TestOAuthAuthorizeRefusals: a bad request never sends the member to an
// address the app did not register, and scopes never exceed the app's.
func TestOAuthAuthorizeRefusals(t *testing.T) {
	srv := newAPITestServer(t, nil)
	newUser(t, srv.db, "amal")
	appClient := srv.newClient(t)
	const redirect = "https://app.example/callback"
	app := registerApp(t, appClient, map[string]any{"client_name": "A", "redirect_uris": redirect + "\n" + api.OOB, "scopes": "read write:statuses"})
	browser := srv.newClient(t)
	browser.login("amal", "password-amal")

	tests := []struct {
		name      string
		change    func(url.Values)
		wantPage  bool   // a readable 400 page, no redirect
		wantError string // else the OAuth error sent to the redirect URI
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, true, ""},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/steal") }, true, ""},
		{"redirect differs by a slash", func(q url.Values) { q.Set("redirect_uri", redirect+"/") }, true, ""},
		{"scope beyond the app's", func(q url.Values) { q.Set("scope", "read write") }, false, "invalid_scope"},
		{"unknown scope", func(q url.Values) { q.Set("scope", "admin:write") }, false, "invalid_scope"},
		{"response type", func(q url.Values) { q.Set("response_type", "token") }, false, "unsupported_response_type"},
		{"bad challenge method", func(q url.Values) {
			q.Set("code_challenge", strings.Repeat("a", 43))
			q.Set("code_challenge_method", "MD5")
		}, false, "invalid_request"},
		{"scope beyond the app's, out of band", func(q url.Values) {
			q.Set("scope", "follow")
			q.Set("redirect_uri", api.OOB)
		}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := authorizeQuery(app, redirect, "read", "")
			tt.change(q)
			for _, r := range []*response{browser.get("/oauth/authorize?" + q.Encode()), browser.postForm("/oauth/authorize", withDecision(q, "approve"), nil)} {
				if tt.wantPage {
					checkReadablePage(t, r, http.StatusBadRequest)
					if loc := r.Header.Get("Location"); loc != "" {
						t.Errorf("redirected to %q", loc)
					}
					continue
				}
				loc, _ := url.Parse(r.Header.Get("Location"))
				if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.String(), redirect+"?") {
					t.Fatalf("got %d to %q, want 303 to the registered URI", r.StatusCode, loc)
				}
				if got := loc.Query().Get("error"); got != tt.wantError {
					t.Errorf("error = %q, want %q", got, tt.wantError)
				}
				if loc.Query().Get("code") != "" {
					t.Errorf("a code was issued")
				}
			}
		})
	}

	t.Run("deny", func(t *testing.T) {
		r := browser.postForm("/oauth/authorize", withDecision(authorizeQuery(app, redirect, "read", ""), "deny"), nil)
		loc, _ := url.Parse(r.Header.Get("Location"))
		if r.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "xyz 1/2" {
			t.Errorf("deny: got %d to %q, want 303 with error=access_denied and the state", r.StatusCode, loc)
		}
	})

	t.Run("out of band", func(t *testing.T) {
		r := browser.postForm("/oauth/authorize", withDecision(authorizeQuery(app, api.OOB, "read", ""), "approve"), nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("oob: got %d, want 200", r.StatusCode)
		}
		code := text(oneByTestID(t, r.Doc(), "oauth-code"))
		tok := exchange(appClient, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "client_id": {app.ClientID},
			"client_secret": {app.ClientSecret}, "redirect_uri": {api.OOB},
		})
		if tok.StatusCode != http.StatusOK || jsonBody(t, tok)["scope"] != "read" {
			t.Errorf("exchanging the shown code: got %d %s", tok.StatusCode, tok.body)
		}
		d := browser.postForm("/oauth/authorize", withDecision(authorizeQuery(app, api.OOB, "read", ""), "deny"), nil)
		if d.StatusCode != http.StatusOK || len(byTestID(d.Doc(), "oauth-denied")) != 1 || len(byTestID(d.Doc(), "oauth-code")) != 0 {
			t.Errorf("oob deny: got %d without the refusal", d.StatusCode)
		}
	})

	t.Run("cross-site form is refused", func(t *testing.T) {
		r := browser.postForm("/oauth/authorize", withDecision(authorizeQuery(app, redirect, "read", ""), "approve"), crossSite)
		if r.StatusCode != http.StatusForbidden || r.Header.Get("Location") != "" {
			t.Errorf("cross-site POST /oauth/authorize: got %d to %q, want 403", r.StatusCode, r.Header.Get("Location"))
		}
	})
}

func withDecision(q url.Values, d string) url.Values {
	f := url.Values{}
	for k, v := range q {
		f[k] = v
	}
	f.Set("decision", d)
	return f
}

// memberToken makes a member's token directly in storage.
func memberToken(t testing.TB, db *storage.DB, u storage.User, name string) string {
	t.Helper()
	app := storage.OAuthApp{Name: name, Website: "https://" + strings.ToLower(name) + ".example", RedirectURIs: []string{api.OOB}, Scopes: []string{"read", "write", "follow", "push"}}
	if _, err := db.CreateApp(&app); err != nil {
		t.Fatal(err)
	}
	tok := storage.OAuthToken{AppID: app.ID, UserID: u.ID, Scopes: []string{"read", "write:statuses"}}
	secret, err := db.CreateToken(&tok)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestOAuthTokensEndWithSessions: logging out everywhere and a new
// password log the apps out too.
func TestOAuthTokensEndWithSessions(t *testing.T) {
	srv := newAPITestServer(t, nil)
	amal := newUser(t, srv.db, "amal")
	c := srv.newClient(t)
	c.login("amal", "password-amal")

	tok := memberToken(t, srv.db, amal, "One")
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", tok); r.StatusCode != http.StatusOK {
		t.Fatalf("token: got %d", r.StatusCode)
	}
	if r := c.postForm("/settings/logout-everywhere", url.Values{}, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("log out everywhere: got %d", r.StatusCode)
	}
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", tok); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logging out everywhere: got %d, want 401", r.StatusCode)
	}

	c.login("amal", "password-amal")
	tok = memberToken(t, srv.db, amal, "Two")
	r := c.postForm("/settings/password", url.Values{
		"current_password": {"password-amal"}, "new_password": {"a much longer one"}, "confirm_password": {"a much longer one"},
	}, nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: got %d: %s", r.StatusCode, r.body)
	}
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", tok); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("after a new password: got %d, want 401", r.StatusCode)
	}
}

// TestAPICORS: apps on other origins may call the API, the token and
// discovery endpoints; the web pages stay same-origin.
func TestAPICORS(t *testing.T) {
	srv := newAPITestServer(t, nil)
	c := srv.newClient(t)
	pre := http.Header{"Origin": {"https://elk.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"authorization, content-type"}}
	for _, p := range []string{"/api/v1/apps", "/api/v1/statuses", "/oauth/token", "/oauth/revoke", "/.well-known/oauth-authorization-server", "/nodeinfo/2.0"} {
		r := c.do(http.MethodOptions, p, nil, pre)
		if r.StatusCode != http.StatusNoContent {
			t.Errorf("preflight %s: got %d, want 204", p, r.StatusCode)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("preflight %s: Access-Control-Allow-Origin = %q", p, r.Header.Get("Access-Control-Allow-Origin"))
		}
		hdrs := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"authorization", "content-type", "idempotency-key"} {
			if !strings.Contains(hdrs, h) {
				t.Errorf("preflight %s: %s not allowed (%q)", p, h, hdrs)
			}
		}
		if m := r.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") || !strings.Contains(m, "DELETE") {
			t.Errorf("preflight %s: methods %q", p, m)
		}
	}
	r := c.do(http.MethodGet, "/.well-known/oauth-authorization-server", nil, http.Header{"Origin": {"https://elk.example"}})
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || r.StatusCode != http.StatusOK {
		t.Errorf("metadata: got %d with ACAO %q", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
	}
	if !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Link") {
		t.Errorf("Link is not exposed to web apps")
	}
	for _, p := range []string{"/login", "/oauth/authorize", "/settings/apps"} {
		r := c.do(http.MethodOptions, p, nil, pre)
		if r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("cookie route %s answers CORS", p)
		}
	}
	// Unknown API paths answer JSON, not a web page.
	r = c.get("/api/v1/nothing_here")
	if r.StatusCode != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("unknown API path: got %d %q", r.StatusCode, r.Header.Get("Content-Type"))
	}
}

// TestAPIRateLimit: each token has its budget, and so has each address
// without one; the headers say how much is left and when it resets.
func TestAPIRateLimit(t *testing.T) {
	clock := newFakeClock()
	srv := newAPITestServer(t, func(c *handlers.Config) {
		c.APIRateLimit = 3
		c.Now = clock.Now
	})
	amal := newUser(t, srv.db, "amal")
	one, two := memberToken(t, srv.db, amal, "One"), memberToken(t, srv.db, amal, "Two")
	c := srv.newClient(t)
	for i, want := range []string{"2", "1", "0"} {
		r := bearerGet(c, "/api/v1/apps/verify_credentials", one)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("request %d: got %d", i, r.StatusCode)
		}
		if r.Header.Get("X-RateLimit-Limit") != "3" || r.Header.Get("X-RateLimit-Remaining") != want {
			t.Errorf("request %d: limit %q remaining %q, want 3 and %s", i, r.Header.Get("X-RateLimit-Limit"), r.Header.Get("X-RateLimit-Remaining"), want)
		}
		if r.Header.Get("X-RateLimit-Reset") != "2025-03-01T12:05:00.000Z" {
			t.Errorf("reset = %q", r.Header.Get("X-RateLimit-Reset"))
		}
	}
	r := bearerGet(c, "/api/v1/apps/verify_credentials", one)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "300" || jsonBody(t, r)["error"] == nil {
		t.Errorf("over the limit: got %d, Retry-After %q, %s", r.StatusCode, r.Header.Get("Retry-After"), r.body)
	}
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", two); r.StatusCode != http.StatusOK {
		t.Errorf("another token: got %d, want 200", r.StatusCode)
	}
	// Without a token, the address counts.
	for range 3 {
		c.get("/.well-known/oauth-authorization-server") // not limited
		c.get("/api/v1/apps/verify_credentials")
	}
	if r := c.get("/api/v1/nothing"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("fourth request without a token: got %d, want 429", r.StatusCode)
	}
	clock.Advance(5 * time.Minute)
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", one); r.StatusCode != http.StatusOK || r.Header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("next window: got %d, remaining %q", r.StatusCode, r.Header.Get("X-RateLimit-Remaining"))
	}
	// Invented tokens count against the address.
	for i := range 3 {
		if r := bearerGet(c, "/api/v1/apps/verify_credentials", "invented"+string(rune('a'+i))); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("invented token: got %d, want 401", r.StatusCode)
		}
	}
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", "invented-d"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("fourth invented token: got %d, want 429", r.StatusCode)
	}
}

// TestAPITokensNotLogged: the request log shows the request, never its
// token.
func TestAPITokensNotLogged(t *testing.T) {
	var logs syncBuffer
	srv := newAPITestServer(t, func(c *handlers.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	amal := newUser(t, srv.db, "amal")
	tok := memberToken(t, srv.db, amal, "One")
	c := srv.newClient(t)
	c.get("/api/v1/apps/verify_credentials?access_token=" + tok)
	bearerGet(c, "/api/v1/apps/verify_credentials", tok)
	c.get("/api/v1/apps/verify_credentials?access_token=not-a-token-" + tok[:10])
	out := logs.String()
	if !strings.Contains(out, "/api/v1/apps/verify_credentials") {
		t.Fatalf("no request line was logged:\n%s", out)
	}
	if strings.Contains(out, tok) || strings.Contains(out, tok[:10]) || strings.Contains(out, "access_token") {
		t.Errorf("the log contains a token:\n%s", out)
	}
}

// TestAuthorizedAppsSettings: Settings lists the apps with their scopes
// and use, and revokes one.
func TestAuthorizedAppsSettings(t *testing.T) {
	srv := newAPITestServer(t, nil)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	tok := memberToken(t, srv.db, amal, "Pocket")
	bilalTok := memberToken(t, srv.db, bilal, "Other")
	c := srv.newClient(t)
	c.login("amal", "password-amal")

	page := c.get("/settings/apps")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /settings/apps: %d", page.StatusCode)
	}
	if nav := text(oneByTestID(t, page.Doc(), "settings-nav")); !strings.Contains(nav, "Authorized apps") {
		t.Errorf("settings navigation %q has no link to the page", nav)
	}
	apps := byTestID(page.Doc(), "authorized-app")
	if len(apps) != 1 || !strings.Contains(text(apps[0]), "Pocket") || strings.Contains(text(apps[0]), "Other") {
		t.Fatalf("listed apps: %d, %q", len(apps), text(page.Doc()))
	}
	var scopes []string
	for _, li := range byTag(oneByTestID(t, apps[0], "app-scopes"), "li") {
		scopes = append(scopes, attr(li, "data-scope"))
	}
	if strings.Join(scopes, " ") != "read write:statuses" {
		t.Errorf("scopes = %v", scopes)
	}
	if attr(oneByTestID(t, apps[0], "app-authorized"), "datetime") == "" {
		t.Errorf("no authorization date")
	}
	if got := text(oneByTestID(t, apps[0], "app-last-used")); got == "" {
		t.Errorf("no last use")
	}

	// Revoking needs the same origin, like every cookie form.
	action := attr(oneByTag(t, apps[0], "form"), "action")
	if r := c.postForm(action, url.Values{}, crossSite); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site revoke: got %d, want 403", r.StatusCode)
	}
	r := c.postForm(action, url.Values{}, nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: got %d", r.StatusCode)
	}
	page = c.get("/settings/apps")
	if !strings.Contains(flashText(page.Doc()), "Pocket can no longer use your account") || len(byTestID(page.Doc(), "apps-empty")) != 1 {
		t.Errorf("after revoking: flash %q, page %q", flashText(page.Doc()), text(page.Doc()))
	}
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", tok); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked app's token: got %d, want 401", r.StatusCode)
	}
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", bilalTok); r.StatusCode != http.StatusOK {
		t.Errorf("bilal's app lost its token: %d", r.StatusCode)
	}
	// Another member's app cannot be revoked from here.
	bilalApps := mustAuthorizedApps(t, srv.db, "bilal")
	c.postForm("/settings/apps/"+bilalApps[0].App.ID.String()+"/revoke", url.Values{}, nil)
	if r := bearerGet(c, "/api/v1/apps/verify_credentials", bilalTok); r.StatusCode != http.StatusOK {
		t.Errorf("amal revoked bilal's app: %d", r.StatusCode)
	}
}

// TestScopeWords: every scope an app may ask for has plain words in
// every language.
func TestScopeWords(t *testing.T) {
	for _, l := range i18n.Supported {
		ctx := i18n.WithLang(context.Background(), l)
		for _, s := range api.Scopes {
			if got := i18n.T(ctx, "oauth.scope."+s); got == "oauth.scope."+s || got == "" {
				t.Errorf("%s: scope %s has no words", l, s)
			}
		}
	}
}

// TestAPIErrorsAreJSON: refusals made before the API sees a request (a
// body over the cap) still answer apps in JSON.
func TestAPIErrorsAreJSON(t *testing.T) {
	srv := newAPITestServer(t, nil)
	c := srv.newClient(t)
	big := `{"client_name":"` + strings.Repeat("a", 100<<10) + `"}`
	r := c.do(http.MethodPost, "/api/v1/apps", strings.NewReader(big), http.Header{"Content-Type": {"application/json"}})
	if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || jsonBody(t, r)["error"] == nil {
		t.Errorf("oversize body: got %d %q %.80s", r.StatusCode, r.Header.Get("Content-Type"), r.body)
	}
}
