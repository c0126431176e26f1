// Package handlers serves the web interface: it parses each request,
// calls one member action of package social (which holds the rules and
// writes one transaction) or reads storage for a page, builds a view
// model and renders a templ component. It is the only package that serves
// HTML.
package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"golang.org/x/crypto/bcrypt"

	"majlis/federation"
	"majlis/media"
	"majlis/social"
	"majlis/storage"
)

// Config is everything the web layer needs to know about the instance.
type Config struct {
	// BaseURL is the public address of the instance, without a trailing
	// slash ("https://majlis.example"). Canonical URIs of users and posts
	// are built from it.
	BaseURL string
	// SiteName is shown in the header and titles.
	SiteName string
	// TrustProxy trusts X-Forwarded-Proto and X-Forwarded-For from a reverse
	// proxy in front of majlis.
	TrustProxy bool
	// MaxBodyBytes caps request bodies; larger ones get 413. Uploads
	// have their own cap (see bodyLimit).
	MaxBodyBytes int64
	// MaxUploadBytes is the largest image file accepted (413 beyond);
	// media.DefaultMaxBytes (10 MB) when 0.
	MaxUploadBytes int64
	// Logger receives one line per request.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// PasswordCost is the bcrypt work factor; DefaultPasswordCost when 0.
	// Tests lower it to keep fast.
	PasswordCost int
	// Federation serves the read side of ActivityPub (discovery, actors,
	// collections, posts as JSON; activitypub.go); nil: the instance does
	// not federate and no page changes.
	ActivityPub *federation.Server
	// Federation finds accounts and posts of other servers (federation.go);
	// nil when the instance does not federate: then looking people up,
	// "follow from your own server" and /authorize_interaction are not
	// offered (404).
	Federation Federation
	// Delivery is the outgoing delivery queue, for the administration
	// pages; nil when delivery is not running.
	Delivery DeliveryQueue
	// Inbox takes the activities other servers POST to /inbox and
	// /users/{username}/inbox (federation.Inbox); nil answers 404 there.
	Inbox http.Handler
	// APIRoutes registers the client API (package api: (*api.API).Routes)
	// on the mux, behind this door's middleware (apidoor.go); nil: no API.
	APIRoutes func(mux *http.ServeMux)
	// APIRateLimit is how many API requests a token, or an address
	// without one, may make in each APIRateWindow; DefaultAPIRateLimit
	// when 0.
	APIRateLimit int
	// LiveEvery is how often an open timeline asks for new posts
	// (flows.go); DefaultLiveEvery when 0.
	LiveEvery time.Duration
}

// Handler is the whole web interface as one http.Handler.
type Handler struct {
	cfg Config
	db  *storage.DB
	// social performs every member action (package social): the
	// handlers parse a form, call one action and render its answer.
	social   *social.Service
	mux      *http.ServeMux
	sessions *sessionStore
	flash    *securecookie.SecureCookie
	limits   *limiters
	// apiLimit is the client API's rate limit (apidoor.go).
	apiLimit *windowLimiter
	root     http.Handler
	// buffers recycles the buffers pages are rendered into: a page is tens
	// of KB, and growing a fresh buffer for each was a third of all the
	// memory a timeline request allocated.
	buffers sync.Pool
	// dummyHash makes a login for an unknown account cost as much as one
	// with a wrong password, so timing does not reveal who exists.
	dummyHash []byte
	// cursors seals timeline cursors that would tell a hidden post's ID
	// (cursor.go).
	cursors *cursorSeal
	// pending are the logins waiting for their second factor
	// (twofactor.go).
	pending *pendingLogins
	// passkeys are the WebAuthn ceremonies in flight (passkeys.go).
	passkeys *passkeys
}

// MaxPostChars is the longest post source, in Unicode characters, of an
// instance whose admins did not choose another limit in the instance
// settings (storage.DefaultPostChars; see Handler.postLimit).
const MaxPostChars = storage.DefaultPostChars

// New builds the handler for db.
func New(db *storage.DB, cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SiteName == "" {
		cfg.SiteName = "majlis"
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = media.DefaultMaxBytes
	}
	if cfg.APIRateLimit <= 0 {
		cfg.APIRateLimit = DefaultAPIRateLimit
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = DefaultPasswordCost
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	hashKey, blockKey, err := db.SessionKeys()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:      cfg,
		db:       db,
		social:   social.New(db, social.Config{BaseURL: cfg.BaseURL, Now: cfg.Now, Resolve: resolverOf(cfg.Federation)}),
		mux:      http.NewServeMux(),
		sessions: newSessionStore(db, hashKey, blockKey, cfg.Now),
		flash:    securecookie.New(hashKey, blockKey),
		limits:   newLimiters(cfg.Now),
		apiLimit: newWindowLimiter(cfg.APIRateLimit, APIRateWindow, cfg.Now),
		pending:  newPendingLogins(),
		passkeys: &passkeys{m: map[string]*ceremony{}},
	}
	if h.cursors, err = newCursorSeal(hashKey); err != nil {
		return nil, err
	}
	h.dummyHash, err = bcrypt.GenerateFromPassword([]byte(randomToken()), cfg.PasswordCost)
	if err != nil {
		return nil, err
	}
	h.buffers.New = func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }
	h.routes()
	h.root = h.middleware(h.mux)
	return h, nil
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.root.ServeHTTP(w, r)
}

// profilePath maps the public "/@name/..." addresses onto the "/users/name/..."
// routes: Go's router matches only whole path segments, and "@name" is one
// segment with a prefix.
func profilePath(r *http.Request) *http.Request {
	if !strings.HasPrefix(r.URL.Path, "/@") || len(r.URL.Path) < 3 {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = "/users/" + r.URL.Path[2:]
	u.RawPath = ""
	r2.URL = &u
	return r2
}

// resolverOf is the federation lookup the actions use to find the
// accounts elsewhere that a post mentions; nil when the instance does not
// federate.
func resolverOf(f Federation) func(context.Context, string) (storage.User, error) {
	if f == nil {
		return nil
	}
	return f.Lookup
}
