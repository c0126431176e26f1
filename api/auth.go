package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"majlis/storage"
)

// Auth is the token a request was made with.
type Auth struct {
	Token storage.OAuthToken
	// User is the token's member; zero for an app's own token (client
	// credentials).
	User storage.User
}

// HasScope tells whether the token allows scope: a scope is granted by
// itself and by its parent ("read" grants "read:statuses"); "follow"
// grants what Mastodon's legacy follow scope did.
func (au *Auth) HasScope(scope string) bool {
	if au == nil {
		return false
	}
	return ScopeAllows(au.Token.Scopes, scope)
}

// followScopes are what the legacy "follow" scope stands for.
var followScopes = []string{"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}

// ScopeAllows tells whether a list of granted scopes allows scope.
func ScopeAllows(granted []string, scope string) bool {
	if scope == "" {
		return true
	}
	for _, g := range granted {
		switch {
		case g == scope:
			return true
		case !strings.Contains(g, ":") && strings.HasPrefix(scope, g+":"):
			return true
		case g == "follow" && slices.Contains(followScopes, scope):
			return true
		}
	}
	return false
}

var errNoToken = errors.New("no token")

// Bearer is the token a request presents: the Authorization header's
// bearer token, or the access_token parameter that streaming clients
// use. malformed is set for an Authorization header of another kind.
func Bearer(r *http.Request) (secret string, malformed bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		kind, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(kind, "Bearer") {
			return "", true
		}
		return strings.TrimSpace(tok), false
	}
	return r.URL.Query().Get("access_token"), false
}

// authenticate reads the bearer token of a request (the Authorization
// header, or the access_token parameter that streaming clients use);
// errNoToken when there is none, storage.ErrNotFound when it is unknown
// or revoked. The session cookie is never looked at.
func (a *API) authenticate(r *http.Request) (*Auth, error) {
	secret, malformed := Bearer(r)
	if malformed {
		return nil, storage.ErrNotFound
	}
	if secret == "" {
		return nil, errNoToken
	}
	t, u, err := a.db.TokenFor(secret)
	if err != nil {
		return nil, err
	}
	return &Auth{Token: t, User: u}, nil
}

// Endpoint is an API handler: the request and its token (nil on a public
// endpoint called without one).
type Endpoint func(w http.ResponseWriter, r *http.Request, au *Auth)

// Access is what an endpoint requires.
type Access int

const (
	// Public endpoints answer without a token (a token, when sent, must
	// be valid and is used for what it lets its member see).
	Public Access = iota
	// AppToken endpoints need a token, an app's own or a member's.
	AppToken
	// UserToken endpoints need a member's token.
	UserToken
)

// route wraps an endpoint with authentication: the access it needs and
// the scope its token must hold. A missing or bad token is 401, a token
// without the scope 403, as Mastodon answers.
func (a *API) route(access Access, scope string, fn Endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		au, err := a.authenticate(r)
		switch {
		case errors.Is(err, errNoToken) && access == Public:
			fn(w, r, nil)
			return
		case err != nil:
			writeError(w, http.StatusUnauthorized, "The access token is invalid")
			return
		case access == UserToken && au.User.ID == 0:
			writeError(w, http.StatusUnprocessableEntity, "This method requires an authenticated user")
			return
		case !au.HasScope(scope):
			writeError(w, http.StatusForbidden, "This action is outside the authorized scopes")
			return
		}
		fn(w, r, au)
	}
}
