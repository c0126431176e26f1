package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"majlis/api"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The client API (package api) is served on this door's mux (Config.
// APIRoutes) behind the same logging, recovery and body caps, with the
// conventions apps on other origins rely on: CORS, no cross-origin form
// protection (its requests carry a bearer token, never the session
// cookie, which is not even read for them), rate limits per token with
// Mastodon's X-RateLimit-* headers, and JSON errors.

// isAPIPath tells whether a path is served to apps by bearer token or
// client credentials: never by the session cookie.
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/oauth/token" || p == "/oauth/revoke"
}

// isCORSPath tells whether web apps on other origins may call a path.
func isCORSPath(p string) bool {
	return isAPIPath(p) || strings.HasPrefix(p, "/.well-known/") || strings.HasPrefix(p, "/nodeinfo/")
}

// apiBypassPatterns are exempt from the cross-origin form protection:
// their requests authenticate with a token, not the cookie a forged form
// would carry.
var apiBypassPatterns = []string{"/api/", "/oauth/token", "/oauth/revoke"}

const (
	corsMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key, Accept"
	// corsExpose are the answer's headers apps read: paging and limits.
	corsExpose = "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, Idempotency-Key"
)

// DefaultAPIRateLimit is how many API requests a token, or an address
// without one, may make in each APIRateWindow, as Mastodon allows.
const (
	DefaultAPIRateLimit = 300
	APIRateWindow       = 5 * time.Minute
)

// apiDoor answers CORS preflights and adds the CORS headers, and applies
// the API's rate limit. It returns false when it answered the request.
func (h *Handler) apiDoor(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, bool) {
	if !isCORSPath(r.URL.Path) {
		return w, true
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", corsExpose)
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", corsMethods)
		hd.Set("Access-Control-Allow-Headers", corsHeaders)
		hd.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return w, false
	}
	if !isAPIPath(r.URL.Path) {
		return w, true
	}
	ip := "ip:" + h.clientIP(r)
	key := ip
	if tok := apiBearer(r); tok != "" {
		// The token's own budget; its hash, so the secret is kept
		// nowhere.
		sum := sha256.Sum256([]byte(tok))
		key = "token:" + hex.EncodeToString(sum[:16])
		// Tokens refused (401) count against the address, or inventing
		// tokens would escape its limit.
		if h.apiLimit.exhausted("bad" + ip) {
			h.tooManyAPI(w, r, h.apiLimit.reset())
			return w, false
		}
	}
	remaining, reset, ok := h.apiLimit.take(key)
	hd.Set("X-RateLimit-Limit", strconv.Itoa(h.apiLimit.max))
	hd.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	hd.Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000Z"))
	if !ok {
		h.tooManyAPI(w, r, reset)
		return w, false
	}
	if key == ip {
		return w, true
	}
	return &unauthorizedCounter{ResponseWriter: w, count: func() { h.apiLimit.take("bad" + ip) }}, true
}

// tooManyAPI answers 429 in the API's shape.
func (h *Handler) tooManyAPI(w http.ResponseWriter, r *http.Request, reset time.Time) {
	wait := max(reset.Sub(h.cfg.Now()), time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	writeAPIError(w, http.StatusTooManyRequests, "Too many requests")
}

// writeAPIError answers Mastodon's error shape.
func writeAPIError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(b, '\n'))
}

// unauthorizedCounter counts a request refused for its token (401)
// against the client's address.
type unauthorizedCounter struct {
	http.ResponseWriter
	count   func()
	counted bool
}

func (w *unauthorizedCounter) WriteHeader(code int) {
	if code == http.StatusUnauthorized && !w.counted {
		w.counted = true
		w.count()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *unauthorizedCounter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// windowLimiter counts requests per key in fixed windows, as Mastodon's
// limits do, so that the reset time it announces is one moment for
// everybody. It holds one counter per key, in memory.
type windowLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	start  time.Time
	counts map[string]int
}

func newWindowLimiter(max int, window time.Duration, now func() time.Time) *windowLimiter {
	return &windowLimiter{max: max, window: window, now: now, counts: map[string]int{}}
}

// roll starts a new window when the current one is over.
func (l *windowLimiter) roll() {
	if start := l.now().Truncate(l.window); !start.Equal(l.start) {
		l.start, l.counts = start, map[string]int{}
	}
}

// reset is when the current window ends.
func (l *windowLimiter) reset() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	return l.start.Add(l.window)
}

// take counts one request of key: how many are left in the window, when
// it ends, and whether this one is allowed.
func (l *windowLimiter) take(key string) (remaining int, reset time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	reset = l.start.Add(l.window)
	n := l.counts[key]
	if n >= l.max {
		return 0, reset, false
	}
	l.counts[key] = n + 1
	return l.max - n - 1, reset, true
}

// exhausted tells whether key has no request left in the window.
func (l *windowLimiter) exhausted(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	return l.counts[key] >= l.max
}

// apiUploadPaths are the client API's routes that take images in a
// multipart body: media uploads and the profile's pictures.
var apiUploadPaths = map[string]bool{
	"/api/v1/media": true, "/api/v2/media": true, "/api/v1/accounts/update_credentials": true,
}

// apiBearer is the token a request presents, as the API reads it ("" for
// none or a malformed one).
func apiBearer(r *http.Request) string {
	s, _ := api.Bearer(r)
	return s
}
