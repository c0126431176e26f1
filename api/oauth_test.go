package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"majlis/social"
	"majlis/storage"
)

// checkGolden compares got (JSON) with testdata/name (name ends in
// .json).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden(t, strings.TrimSuffix(name, ".json"), bytes.TrimSpace(got))
}

// oauthServer serves the OAuth endpoints of an API over a real file.
func oauthServer(t *testing.T) (*httptest.Server, *storage.DB) {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := New(Config{
		DB: db, Social: social.New(db, social.Config{BaseURL: "https://majlis.example"}),
		BaseURL: "https://majlis.example", SiteName: "majlis", Logger: slog.New(slog.DiscardHandler),
	})
	mux := http.NewServeMux()
	a.oauthRoutes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, db
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("not JSON (%d): %s", a.status, a.body)
	}
	return v
}

func send(t *testing.T, srv *httptest.Server, method, path, contentType, body string, hdr http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

func TestCreateApp(t *testing.T) {
	srv, db := oauthServer(t)
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantURIs    []string
		wantScopes  []string
	}{
		{"JSON with a list", jsonType, `{"client_name":"Elk","redirect_uris":["https://elk.example/cb","urn:ietf:wg:oauth:2.0:oob"],"scopes":"read write follow push"}`,
			200, []string{"https://elk.example/cb", OOB}, []string{"read", "write", "follow", "push"}},
		{"form, lines, default scope", formType, url.Values{"client_name": {"Tusky"}, "redirect_uris": {"oauth2redirect://com.keylesspalace.tusky/\nurn:ietf:wg:oauth:2.0:oob"}}.Encode(),
			200, []string{"oauth2redirect://com.keylesspalace.tusky/", OOB}, []string{"read"}},
		{"form, repeated values", formType, "client_name=Ivory&redirect_uris[]=ivory://cb&redirect_uris[]=ivory://cb&scopes=read:statuses+write:media",
			200, []string{"ivory://cb"}, []string{"read:statuses", "write:media"}},
		{"JSON scopes as a list", jsonType, `{"client_name":"X","redirect_uris":"x-app:/cb","scopes":["read","read:lists"]}`,
			200, []string{"x-app:/cb"}, []string{"read", "read:lists"}},
		{"no name", jsonType, `{"redirect_uris":"https://a.example/cb"}`, 422, nil, nil},
		{"long name", jsonType, `{"client_name":"` + strings.Repeat("a", 61) + `","redirect_uris":"https://a.example/cb"}`, 422, nil, nil},
		{"no redirect", jsonType, `{"client_name":"A"}`, 422, nil, nil},
		{"relative redirect", jsonType, `{"client_name":"A","redirect_uris":"/cb"}`, 422, nil, nil},
		{"redirect with a fragment", jsonType, `{"client_name":"A","redirect_uris":"https://a.example/cb#x"}`, 422, nil, nil},
		{"javascript redirect", jsonType, `{"client_name":"A","redirect_uris":"javascript:alert(1)"}`, 422, nil, nil},
		{"web redirect without host", jsonType, `{"client_name":"A","redirect_uris":"https:/cb"}`, 422, nil, nil},
		{"unknown scope", jsonType, `{"client_name":"A","redirect_uris":"https://a.example/cb","scopes":"read admin:read"}`, 422, nil, nil},
		{"bad website", jsonType, `{"client_name":"A","redirect_uris":"https://a.example/cb","website":"javascript:alert(1)"}`, 422, nil, nil},
		{"not JSON", jsonType, `{"client_name":`, 400, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, srv, "POST", "/api/v1/apps", tt.contentType, tt.body, nil)
			if a.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", a.status, a.body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if e, _ := a.json(t)["error"].(string); e == "" {
					t.Errorf("no error message: %s", a.body)
				}
				return
			}
			var app CredentialApplication
			if err := json.Unmarshal(a.body, &app); err != nil {
				t.Fatal(err)
			}
			if strings.Join(app.RedirectURIs, " ") != strings.Join(tt.wantURIs, " ") || app.RedirectURI != strings.Join(tt.wantURIs, "\n") {
				t.Errorf("redirect URIs = %q / %q, want %q", app.RedirectURIs, app.RedirectURI, tt.wantURIs)
			}
			if strings.Join(app.Scopes, " ") != strings.Join(tt.wantScopes, " ") {
				t.Errorf("scopes = %v, want %v", app.Scopes, tt.wantScopes)
			}
			stored, err := db.AppByClientID(app.ClientID)
			if err != nil || !stored.CheckSecret(app.ClientSecret) {
				t.Errorf("the app is not stored with its secret: %v", err)
			}
		})
	}
}

// normalize replaces the values that change with every run by their
// key's name in capitals, keeping the answer's order of fields and types
// of values.
func normalize(t *testing.T, body []byte, keys ...string) []byte {
	t.Helper()
	var v map[string]json.RawMessage
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		raw, ok := v[k]
		if !ok {
			t.Fatalf("%s is missing from %s", k, body)
		}
		repl := `"` + strings.ToUpper(k) + `"`
		if raw[0] != '"' {
			repl = "0"
		}
		body = bytes.Replace(body, []byte(`"`+k+`":`+string(raw)), []byte(`"`+k+`":`+repl), 1)
	}
	return body
}

// TestApplicationGolden: the registration's answer and the app as its
// token sees it, in Mastodon's shapes.
func TestApplicationGolden(t *testing.T) {
	srv, _ := oauthServer(t)
	a := send(t, srv, "POST", "/api/v1/apps", jsonType,
		`{"client_name":"Pocket","redirect_uris":"https://pocket.example/cb\nurn:ietf:wg:oauth:2.0:oob","scopes":"read write:statuses","website":"https://pocket.example"}`, nil)
	if a.status != 200 {
		t.Fatalf("register: %d %s", a.status, a.body)
	}
	checkGolden(t, "credential_application.json", normalize(t, a.body, "id", "client_id", "client_secret"))
	reg := a.json(t)

	tok := send(t, srv, "POST", "/oauth/token", formType, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {reg["client_id"].(string)}, "client_secret": {reg["client_secret"].(string)},
	}.Encode(), nil)
	if tok.status != 200 {
		t.Fatalf("client credentials: %d %s", tok.status, tok.body)
	}
	checkGolden(t, "token.json", normalize(t, tok.body, "access_token", "created_at"))
	access := tok.json(t)["access_token"].(string)
	v := send(t, srv, "GET", "/api/v1/apps/verify_credentials", "", "", http.Header{"Authorization": {"Bearer " + access}})
	if v.status != 200 {
		t.Fatalf("verify_credentials: %d %s", v.status, v.body)
	}
	checkGolden(t, "application.json", normalize(t, v.body, "id"))
	if got := v.json(t)["id"]; got != reg["id"] {
		t.Errorf("verify_credentials id = %v, want %v", got, reg["id"])
	}
}

func TestClientCredentials(t *testing.T) {
	srv, db := oauthServer(t)
	app := storage.OAuthApp{Name: "A", RedirectURIs: []string{OOB}, Scopes: []string{"read", "write"}}
	secret, err := db.CreateApp(&app)
	if err != nil {
		t.Fatal(err)
	}
	basic := func(id, secret string) http.Header {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(id, secret)
		return http.Header{"Authorization": r.Header["Authorization"]}
	}
	tests := []struct {
		name       string
		form       url.Values
		hdr        http.Header
		wantStatus int
		wantError  string
		wantScope  string
	}{
		{"default scope", url.Values{"client_id": {app.ClientID}, "client_secret": {secret}}, nil, 200, "", "read"},
		{"narrower scope", url.Values{"client_id": {app.ClientID}, "client_secret": {secret}, "scope": {"read:statuses"}}, nil, 200, "", "read:statuses"},
		{"basic authentication", url.Values{"scope": {"read write"}}, basic(app.ClientID, secret), 200, "", "read write"},
		{"scope beyond the app's", url.Values{"client_id": {app.ClientID}, "client_secret": {secret}, "scope": {"read follow"}}, nil, 400, "invalid_scope", ""},
		{"unknown scope", url.Values{"client_id": {app.ClientID}, "client_secret": {secret}, "scope": {"admin:read"}}, nil, 400, "invalid_scope", ""},
		{"wrong secret", url.Values{"client_id": {app.ClientID}, "client_secret": {"x"}}, nil, 401, "invalid_client", ""},
		{"no secret", url.Values{"client_id": {app.ClientID}}, nil, 401, "invalid_client", ""},
		{"unknown client", url.Values{"client_id": {"nobody"}, "client_secret": {secret}}, nil, 401, "invalid_client", ""},
		{"no grant type", url.Values{"client_id": {app.ClientID}, "client_secret": {secret}, "grant_type": {""}}, nil, 400, "invalid_request", ""},
		{"refresh not offered", url.Values{"client_id": {app.ClientID}, "client_secret": {secret}, "grant_type": {"refresh_token"}}, nil, 400, "unsupported_grant_type", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.form["grant_type"]; !ok {
				tt.form.Set("grant_type", "client_credentials")
			}
			a := send(t, srv, "POST", "/oauth/token", formType, tt.form.Encode(), tt.hdr)
			if a.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", a.status, a.body, tt.wantStatus)
			}
			v := a.json(t)
			if tt.wantError != "" {
				if v["error"] != tt.wantError || v["error_description"] == nil {
					t.Errorf("got %v, want %s with a description", v, tt.wantError)
				}
				return
			}
			if v["scope"] != tt.wantScope || v["token_type"] != "Bearer" {
				t.Errorf("got %v, want scope %q", v, tt.wantScope)
			}
			tok, u, err := db.TokenFor(v["access_token"].(string))
			if err != nil || u.ID != 0 || tok.AppID != app.ID {
				t.Errorf("stored token: %+v, user %d, %v", tok, u.ID, err)
			}
		})
	}

	t.Run("JSON body", func(t *testing.T) {
		b, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": app.ClientID, "client_secret": secret, "scope": "write"})
		if a := send(t, srv, "POST", "/oauth/token", jsonType, string(b), nil); a.status != 200 || a.json(t)["scope"] != "write" {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
}

func TestRevokeAndMetadata(t *testing.T) {
	srv, db := oauthServer(t)
	app := storage.OAuthApp{Name: "A", RedirectURIs: []string{OOB}, Scopes: []string{"read"}}
	secret, _ := db.CreateApp(&app)
	other := storage.OAuthApp{Name: "B", RedirectURIs: []string{OOB}, Scopes: []string{"read"}}
	otherSecret, _ := db.CreateApp(&other)
	tok := storage.OAuthToken{AppID: app.ID, Scopes: []string{"read"}}
	access, _ := db.CreateToken(&tok)

	// Another app cannot revoke this one's token (and is not told).
	a := send(t, srv, "POST", "/oauth/revoke", formType, url.Values{"client_id": {other.ClientID}, "client_secret": {otherSecret}, "token": {access}}.Encode(), nil)
	if a.status != 200 {
		t.Fatalf("revoke by another app: %d", a.status)
	}
	if _, _, err := db.TokenFor(access); err != nil {
		t.Fatalf("another app revoked the token: %v", err)
	}
	a = send(t, srv, "POST", "/oauth/revoke", formType, url.Values{"client_id": {app.ClientID}, "token": {access}}.Encode(), nil)
	if a.status != 401 {
		t.Errorf("revoke without the secret: %d, want 401", a.status)
	}
	a = send(t, srv, "POST", "/oauth/revoke", formType, url.Values{"client_id": {app.ClientID}, "client_secret": {secret}, "token": {access}}.Encode(), nil)
	if a.status != 200 || strings.TrimSpace(string(a.body)) != "{}" {
		t.Errorf("revoke: %d %s", a.status, a.body)
	}
	if v := send(t, srv, "GET", "/api/v1/apps/verify_credentials", "", "", http.Header{"Authorization": {"Bearer " + access}}); v.status != 401 {
		t.Errorf("revoked token: %d, want 401", v.status)
	}

	m := send(t, srv, "GET", "/.well-known/oauth-authorization-server", "", "", nil).json(t)
	want := map[string]any{
		"issuer":                    "https://majlis.example/",
		"authorization_endpoint":    "https://majlis.example/oauth/authorize",
		"token_endpoint":            "https://majlis.example/oauth/token",
		"revocation_endpoint":       "https://majlis.example/oauth/revoke",
		"app_registration_endpoint": "https://majlis.example/api/v1/apps",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	has := func(k, v string) {
		for _, e := range m[k].([]any) {
			if e == v {
				return
			}
		}
		t.Errorf("%s = %v lacks %s", k, m[k], v)
	}
	has("code_challenge_methods_supported", "S256")
	has("response_types_supported", "code")
	has("grant_types_supported", "authorization_code")
	has("grant_types_supported", "client_credentials")
	has("scopes_supported", "read:statuses")
	has("scopes_supported", "push")
}

func TestScopes(t *testing.T) {
	tests := []struct {
		asked, granted string
		within         bool
	}{
		{"read", "read write", true},
		{"read:statuses write:media", "read write", true},
		{"read", "read:statuses", false},
		{"write", "read", false},
		{"read:follows write:blocks", "follow", true},
		{"push", "read write follow", false},
	}
	for _, tt := range tests {
		asked, err := ParseScopes(tt.asked)
		if err != nil {
			t.Fatal(err)
		}
		if got := ScopesWithin(asked, strings.Fields(tt.granted)); got != tt.within {
			t.Errorf("ScopesWithin(%q, %q) = %v, want %v", tt.asked, tt.granted, got, tt.within)
		}
	}
	if s, err := ParseScopes("  "); err != nil || strings.Join(s, " ") != "read" {
		t.Errorf("empty scope = %v, %v; want read", s, err)
	}
	if _, err := ParseScopes("read admin:read"); err == nil {
		t.Errorf("admin:read accepted")
	}
}

func TestCheckVerifier(t *testing.T) {
	// RFC 7636, appendix B.
	c := storage.OAuthCode{Challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", ChallengeMethod: "S256", ExpiresAt: time.Now()}
	if !checkVerifier(c, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") {
		t.Error("the RFC's verifier is refused")
	}
	if checkVerifier(c, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj") {
		t.Error("a wrong verifier is accepted")
	}
	plain := storage.OAuthCode{Challenge: strings.Repeat("p", 43), ChallengeMethod: "plain"}
	if !checkVerifier(plain, strings.Repeat("p", 43)) || checkVerifier(plain, strings.Repeat("q", 43)) {
		t.Error("plain challenge")
	}
}
