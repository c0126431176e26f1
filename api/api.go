// Package api is the Mastodon client API: the third front door to the
// same member actions as the web pages (package social) and the inbox.
// It parses a request, authenticates its bearer token, calls one action
// and answers with entities in Mastodon's exact shapes. Visibility is
// never decided here: every read goes through the storage calls the
// pages use, as the token's member.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"majlis/social"
	"majlis/storage"
)

// Lookup finds accounts and posts of other servers (the federation
// resolver); nil when the instance does not federate.
type Lookup interface {
	Lookup(ctx context.Context, query string) (storage.User, error)
	LookupPost(ctx context.Context, uri string) (storage.Post, error)
}

// Config is what the API needs to know about the instance.
type Config struct {
	DB     *storage.DB
	Social *social.Service
	// Federation resolves "@name@host" and URLs for search; may be nil.
	Federation Lookup
	// BaseURL is the instance's public URL, without a trailing slash.
	BaseURL  string
	SiteName string
	// MaxUploadBytes is the largest image accepted (as the web's).
	MaxUploadBytes int64
	Logger         *slog.Logger
	Now            func() time.Time
}

// API serves the client API. Register its routes on the web door's mux
// (Routes); its requests are authenticated by bearer token only, never
// by the session cookie, which is why the web door exempts them from its
// cross-origin form protection.
type API struct {
	cfg Config
	db  *storage.DB
	soc *social.Service
	// mem is what the API keeps in memory (statuses_memory.go).
	mem *memory
	// streams are the live streaming connections (streaming.go).
	streams streamHub
}

// New returns the API over cfg.
func New(cfg Config) *API {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &API{cfg: cfg, db: cfg.DB, soc: cfg.Social, mem: newMemory()}
}

// Version is the version string apps read from /api/v1/instance: client
// libraries parse it as a Mastodon version, so it starts with one.
const Version = "4.3.0 (compatible; majlis)"

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers Mastodon's error shape: {"error": "..."}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
