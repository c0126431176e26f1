package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"majlis/bounded"
	"majlis/storage"
)

// Routes registers every endpoint of the client API on the web door's
// mux. Requests to /api/ that no endpoint serves answer Mastodon's JSON
// 404, not a web page.
func (a *API) Routes(mux *http.ServeMux) {
	a.oauthRoutes(mux)
	a.accountsRoutes(mux)
	a.statusesRoutes(mux)
	pollRoutes(a, mux)
	quoteRoutes(a, mux)
	a.streamingRoutes(mux)
	a.listsRoutes(mux) // lists, filters, followed tags (lists.go)
	a.reportRoutes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Record not found")
	})
}

// oauthRoutes are OAuth 2's token side (the authorization page is the web
// door's: handlers).
func (a *API) oauthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/apps", a.createApp)
	mux.HandleFunc("GET /api/v1/apps/verify_credentials", a.route(AppToken, "", a.verifyApp))
	mux.HandleFunc("POST /oauth/token", a.token)
	mux.HandleFunc("POST /oauth/revoke", a.revoke)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", a.oauthMetadata)
}

// CredentialApplication is the answer to an app's registration: the only
// time its client secret is shown.
type CredentialApplication struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Website               *string  `json:"website"`
	Scopes                []string `json:"scopes"`
	RedirectURI           string   `json:"redirect_uri"`
	RedirectURIs          []string `json:"redirect_uris"`
	ClientID              string   `json:"client_id"`
	ClientSecret          string   `json:"client_secret"`
	ClientSecretExpiresAt int      `json:"client_secret_expires_at"`
	// VapidKey is the Web Push key; majlis has no push yet.
	VapidKey string `json:"vapid_key"`
}

// application is an app as its own token sees it.
func application(app storage.OAuthApp) Application {
	out := Application{
		ID: app.ID.String(), Name: app.Name, Scopes: app.Scopes,
		RedirectURI: strings.Join(app.RedirectURIs, "\n"), RedirectURIs: app.RedirectURIs,
	}
	if app.Website != "" {
		out.Website = &app.Website
	}
	return out
}

// paramLimits bound a JSON body of the OAuth endpoints: a few short
// strings and one list.
var paramLimits = bounded.Limits{Bytes: 64 << 10, String: 8 << 10, Items: 64, Depth: 2}

// oauthParams reads the parameters of a request as Mastodon takes them:
// a JSON object, a form (urlencoded or multipart), or the query string.
// A JSON list becomes repeated values.
func oauthParams(r *http.Request) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var obj map[string]any
		if err := bounded.Decode(r.Body, &obj, paramLimits); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		out := r.URL.Query()
		for k, v := range obj {
			switch v := v.(type) {
			case string:
				out.Set(k, v)
			case []any:
				out.Del(k)
				for _, e := range v {
					if s, ok := e.(string); ok {
						out.Add(k, s)
					}
				}
			case bool:
				out.Set(k, map[bool]string{true: "true", false: "false"}[v])
			case float64:
				b, _ := json.Marshal(v)
				out.Set(k, string(b))
			}
		}
		return out, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 10); err != nil {
			return nil, err
		}
		return r.Form, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.Form, nil
}

// list reads a parameter sent as one string separated by spaces or lines,
// or as repeated values ("redirect_uris[]" in a form, a JSON list).
func list(q url.Values, name string) []string {
	var out []string
	for _, v := range append(q[name], q[name+"[]"]...) {
		out = append(out, strings.Fields(v)...)
	}
	return out
}

// createApp registers an app (POST /api/v1/apps).
func (a *API) createApp(w http.ResponseWriter, r *http.Request) {
	q, err := oauthParams(r)
	if err != nil {
		writeBodyError(w, err)
		return
	}
	name := strings.TrimSpace(q.Get("client_name"))
	switch {
	case name == "":
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Name can't be blank")
		return
	case utf8.RuneCountInString(name) > maxAppName:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Name is too long (maximum is 60 characters)")
		return
	}
	uris := list(q, "redirect_uris")
	switch {
	case len(uris) == 0:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI can't be blank")
		return
	case len(uris) > maxRedirectURIs:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI lists too many addresses")
		return
	}
	var unique []string
	for _, u := range uris {
		if msg := checkRedirectURI(u); msg != "" {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI "+msg)
			return
		}
		if !slices.Contains(unique, u) {
			unique = append(unique, u)
		}
	}
	scopes, err := ParseScopes(strings.Join(list(q, "scopes"), " "))
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Scopes are invalid: "+err.Error())
		return
	}
	website := strings.TrimSpace(q.Get("website"))
	if website != "" {
		u, err := url.Parse(website)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(website) > maxURILength {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: Website is invalid")
			return
		}
	}
	app := storage.OAuthApp{Name: name, Website: website, RedirectURIs: unique, Scopes: scopes}
	secret, err := a.db.CreateApp(&app)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := application(app)
	writeJSON(w, http.StatusOK, CredentialApplication{
		ID: out.ID, Name: out.Name, Website: out.Website, Scopes: out.Scopes,
		RedirectURI: out.RedirectURI, RedirectURIs: out.RedirectURIs,
		ClientID: app.ClientID, ClientSecret: secret,
	})
}

// verifyApp answers the app of the token (GET
// /api/v1/apps/verify_credentials).
func (a *API) verifyApp(w http.ResponseWriter, r *http.Request, au *Auth) {
	app, err := a.db.AppByID(au.Token.AppID)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	writeJSON(w, http.StatusOK, application(app))
}

// oauthError answers OAuth's error shape (RFC 6749, 5.2).
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// writeBodyError answers a body that could not be read.
func writeBodyError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, bounded.ErrTooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "The request body is too large")
		return
	}
	writeError(w, http.StatusBadRequest, "The request body could not be read")
}

// serverError logs a failure and answers 500.
func (a *API) serverError(w http.ResponseWriter, r *http.Request, err error) {
	a.cfg.Logger.Error("api", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "Something went wrong on our side")
}

// client authenticates the app making a token request: client_id and
// client_secret as parameters or HTTP Basic (RFC 6749, 2.3.1). With
// needSecret false (a PKCE exchange), a public client may leave the
// secret out; a secret sent is always checked.
func (a *API) client(r *http.Request, q url.Values, needSecret bool) (storage.OAuthApp, bool) {
	id, secret := q.Get("client_id"), q.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
	}
	if id == "" {
		return storage.OAuthApp{}, false
	}
	app, err := a.db.AppByClientID(id)
	if err != nil {
		return app, false
	}
	if secret == "" && !needSecret {
		return app, true
	}
	return app, app.CheckSecret(secret)
}

// tokenAnswer is the answer of /oauth/token (RFC 6749, 5.1).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

// token exchanges an authorization code, or the client's own
// credentials, for an access token (POST /oauth/token).
func (a *API) token(w http.ResponseWriter, r *http.Request) {
	q, err := oauthParams(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read.")
		return
	}
	var tok storage.OAuthToken
	switch q.Get("grant_type") {
	case "authorization_code":
		code := q.Get("code")
		if code == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "The code is missing.")
			return
		}
		// The code goes at its first use, right or wrong: a code that was
		// seen by someone else is then worth nothing to them either.
		c, err := a.db.TakeCode(code)
		if err != nil {
			if !errors.Is(err, storage.ErrNotFound) {
				a.cfg.Logger.Error("oauth code", "err", err)
			}
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid, expired or already used.")
			return
		}
		app, ok := a.client(r, q, c.Challenge == "")
		switch {
		case !ok:
			oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
			return
		case app.ID != c.AppID:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code was issued to another client.")
			return
		case q.Get("redirect_uri") != c.RedirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The redirect URI does not match the one of the authorization.")
			return
		case !checkVerifier(c, q.Get("code_verifier")):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The code verifier does not match the code challenge.")
			return
		case !ScopesWithin(c.Scopes, app.Scopes):
			oauthError(w, http.StatusBadRequest, "invalid_scope", "The scopes exceed the application's.")
			return
		}
		tok = storage.OAuthToken{AppID: app.ID, UserID: c.UserID, Scopes: c.Scopes}
	case "client_credentials":
		app, ok := a.client(r, q, true)
		if !ok {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
			return
		}
		scopes, err := ParseScopes(q.Get("scope"))
		if err != nil || !ScopesWithin(scopes, app.Scopes) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or exceeds the application's.")
			return
		}
		tok = storage.OAuthToken{AppID: app.ID, Scopes: scopes}
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "The grant_type is missing.")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type is not supported.")
		return
	}
	secret, err := a.db.CreateToken(&tok)
	switch {
	case errors.Is(err, storage.ErrForbidden), errors.Is(err, storage.ErrNotFound):
		// The member can no longer log in (suspended, deleted) or the app
		// is gone.
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The authorization is no longer valid.")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tokenAnswer{
		AccessToken: secret, TokenType: "Bearer", Scope: strings.Join(tok.Scopes, " "), CreatedAt: tok.CreatedAt.Unix(),
	})
}

// revoke revokes a token of the calling app (POST /oauth/revoke, RFC
// 7009): an unknown token, or another app's, is answered the same way.
func (a *API) revoke(w http.ResponseWriter, r *http.Request) {
	q, err := oauthParams(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read.")
		return
	}
	app, ok := a.client(r, q, true)
	if !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return
	}
	if t := q.Get("token"); t != "" {
		if err := a.db.RevokeToken(t, app.ID); err != nil {
			a.serverError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// oauthMetadata describes the authorization server (RFC 8414), which is
// how apps learn that PKCE and the granular scopes are supported.
func (a *API) oauthMetadata(w http.ResponseWriter, r *http.Request) {
	base := a.cfg.BaseURL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      Scopes,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}
