package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"majlis/storage"
)

// The OAuth 2 rules both doors share: the scopes an app may ask for, the
// redirect URIs it may register, and what makes an authorization request
// valid. The API serves the token side; the web door serves the page
// where a member says yes (handlers), with these same rules.

// OOB is the redirect URI of an app that cannot receive a redirect: the
// code is shown on the page, for the member to copy into the app.
const OOB = "urn:ietf:wg:oauth:2.0:oob"

// Scopes lists every scope an app may ask for, in the order the
// authorization page shows them: the four of Mastodon's first days, then
// its granular ones.
var Scopes = []string{
	"read", "write", "follow", "push",
	"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
	"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
	"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
	"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
	"write:reports", "write:statuses",
}

// DefaultScopes are what an app or an authorization that names no scope
// gets, as Mastodon does.
var DefaultScopes = []string{"read"}

// ErrScope is an unknown scope, or one beyond what an app registered.
var ErrScope = errors.New("invalid scope")

// ParseScopes reads a list of scopes separated by spaces (a form's "+"
// is already a space), refusing any unknown one; duplicates go. An empty
// list is DefaultScopes.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Fields(s) {
		if !slices.Contains(Scopes, f) {
			return nil, fmt.Errorf("%w: %q", ErrScope, f)
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return slices.Clone(DefaultScopes), nil
	}
	return out, nil
}

// ScopesWithin tells whether every scope of asked is granted by granted
// (an app's registration): "read:statuses" is within "read", "read" is
// not within "read:statuses". A token never exceeds its app.
func ScopesWithin(asked, granted []string) bool {
	for _, s := range asked {
		if !ScopeAllows(granted, s) {
			return false
		}
	}
	return true
}

// maxRedirectURIs and maxURILength bound an app's registration.
const (
	maxRedirectURIs = 16
	maxURILength    = 2000
	maxAppName      = 60
)

// uriScheme is a URI scheme (RFC 3986, 3.1): apps register their own,
// such as "com.example.app".
var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// checkRedirectURI tells what is wrong with a redirect URI an app
// registers, "" when nothing: an absolute URI without a fragment (RFC
// 6749, 3.1.2), a web address with a host, or an app's own scheme, or OOB.
// Schemes that run code in a browser are refused.
func checkRedirectURI(s string) string {
	if s == OOB {
		return ""
	}
	if len(s) > maxURILength {
		return "is too long"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme == "" || !uriScheme.MatchString(u.Scheme):
		return "must be an absolute URI"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not contain a fragment"
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return "must not use the " + strings.ToLower(u.Scheme) + " scheme"
	case "http", "https":
		if u.Host == "" {
			return "must have a host"
		}
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "must not contain spaces or control characters"
		}
	}
	return ""
}

// AuthRequest is a valid authorization request: what the page asks the
// member, and where the answer goes.
type AuthRequest struct {
	App         storage.OAuthApp
	RedirectURI string
	Scopes      []string
	State       string
	// Challenge and ChallengeMethod are PKCE's (RFC 7636), empty when the
	// app sent none.
	Challenge       string
	ChallengeMethod string
}

// AuthError is why an authorization request is refused. When Redirect
// is false, the client or its redirect URI is unknown: the page says so
// and never sends the member anywhere. Otherwise Code is the OAuth error
// to send back to the app (RFC 6749, 4.1.2.1).
type AuthError struct {
	Redirect bool
	Code     string
	// Reason names the problem for the page: "client", "redirect_uri",
	// "response_type", "scope", "code_challenge".
	Reason string
}

func (e *AuthError) Error() string { return "authorization refused: " + e.Reason }

// pkceValue is a code challenge or verifier (RFC 7636, 4.1 and 4.2).
var pkceValue = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// CheckAuthorization validates an authorization request's parameters
// (GET or POST /oauth/authorize): the client, the redirect URI matched
// exactly against the app's, response_type=code, the scopes within the
// app's, and PKCE's challenge.
func CheckAuthorization(db *storage.DB, q url.Values) (AuthRequest, *AuthError) {
	var req AuthRequest
	app, err := db.AppByClientID(q.Get("client_id"))
	if err != nil || q.Get("client_id") == "" {
		return req, &AuthError{Code: "invalid_client", Reason: "client"}
	}
	req.App = app
	req.RedirectURI = q.Get("redirect_uri")
	if req.RedirectURI == "" && len(app.RedirectURIs) == 1 {
		// RFC 6749, 3.1.2.3: the one registered URI is implied.
		req.RedirectURI = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, req.RedirectURI) {
		return req, &AuthError{Code: "invalid_request", Reason: "redirect_uri"}
	}
	req.State = q.Get("state")
	if q.Get("response_type") != "code" {
		return req, &AuthError{Redirect: true, Code: "unsupported_response_type", Reason: "response_type"}
	}
	scopes, err := ParseScopes(q.Get("scope"))
	if err != nil || !ScopesWithin(scopes, app.Scopes) {
		return req, &AuthError{Redirect: true, Code: "invalid_scope", Reason: "scope"}
	}
	req.Scopes = scopes
	req.Challenge, req.ChallengeMethod = q.Get("code_challenge"), q.Get("code_challenge_method")
	if req.Challenge != "" && req.ChallengeMethod == "" {
		req.ChallengeMethod = "plain" // RFC 7636, 4.3
	}
	switch {
	case req.Challenge == "" && req.ChallengeMethod != "",
		req.Challenge != "" && !pkceValue.MatchString(req.Challenge),
		req.ChallengeMethod != "" && req.ChallengeMethod != "S256" && req.ChallengeMethod != "plain":
		return req, &AuthError{Redirect: true, Code: "invalid_request", Reason: "code_challenge"}
	}
	return req, nil
}

// Grant makes the authorization code of a member's yes.
func (req AuthRequest) Grant(db *storage.DB, userID storage.ID) (string, error) {
	return db.CreateCode(storage.OAuthCode{
		AppID: req.App.ID, UserID: userID, Scopes: req.Scopes, RedirectURI: req.RedirectURI,
		Challenge: req.Challenge, ChallengeMethod: req.ChallengeMethod,
	})
}

// RedirectWith is the redirect URI with the answer's parameters (and the
// app's state) added to its query.
func (req AuthRequest) RedirectWith(params url.Values) string {
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		return req.RedirectURI
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// FormAction is the Content-Security-Policy source that lets the
// authorization form's answer be redirected to the app: browsers apply
// form-action to the redirect after a form is posted. "" for OOB.
func (req AuthRequest) FormAction() string {
	u, err := url.Parse(req.RedirectURI)
	if err != nil || req.RedirectURI == OOB || !uriScheme.MatchString(u.Scheme) {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if strings.ContainsAny(u.Host, " ;,'\"") {
			return ""
		}
		return strings.ToLower(u.Scheme) + "://" + u.Host
	}
	return strings.ToLower(u.Scheme) + ":"
}

// checkVerifier tells whether a code_verifier answers a code's
// challenge.
func checkVerifier(c storage.OAuthCode, verifier string) bool {
	if c.Challenge == "" {
		return true
	}
	if !pkceValue.MatchString(verifier) {
		return false
	}
	want := verifier
	if c.ChallengeMethod == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(c.Challenge)) == 1
}
