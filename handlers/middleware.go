package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"majlis/i18n"
	"majlis/storage"
)

// contentSecurityPolicy allows only this origin's own scripts and styles:
// no inline code, no eval, no frames, no third-party requests.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// middleware wraps the router, outermost first: logging and recovery,
// security headers, the signed-in user (so even a refusal shows the right
// navigation), the body cap, cross-origin protection, then the redirect of
// members' addresses to their canonical spelling.
func (h *Handler) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	// Other servers' deliveries are signed requests of no browser: the
	// inbox checks their signatures instead.
	cop.AddInsecureBypassPattern(sharedInboxPattern)
	cop.AddInsecureBypassPattern(memberInboxPattern)
	// The client API authenticates by token, never by cookie (apidoor.go).
	for _, p := range apiBypassPatterns {
		cop.AddInsecureBypassPattern(p)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.error(w, r, errForbidden(i18n.T(r.Context(), "error.cross_origin")))
	}))
	inner := h.withViewer(h.withLang(h.limitBody(cop.Handler(h.canonicalMember(next))))) // withLang: lang.go; canonicalMember: canonical.go
	logged := h.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.cfg.Logger.Error("panic", "err", v, "path", r.URL.Path, "stack", string(debug.Stack()))
				h.error(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		setSecurityHeaders(w.Header())
		w, ok := h.apiDoor(w, r) // CORS and the API's rate limit (apidoor.go)
		if !ok {
			return
		}
		w, r, ok = h.withConsent(w, r) // AI training and indexing (consent.go)
		if !ok {
			return
		}
		inner.ServeHTTP(w, profilePath(r))
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The cap wraps the server's own writer, so that reading past it
		// also tells the server to close the connection instead of
		// draining the rest of the body.
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, h.bodyLimit(r))
		}
		logged.ServeHTTP(w, r)
	})
}

// limitBody refuses a body whose declared length is over MaxBodyBytes at
// once; a body of unknown length hits the cap set in middleware when a
// handler reads past it (see parseForm).
func (h *Handler) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > h.bodyLimit(r) {
			h.error(w, r, errTooLarge(r.Context()))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func setSecurityHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
}

// statusWriter remembers the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom copies a body that is copied in (http.ServeContent: static
// files and media, all served from memory) through a pooled buffer.
// Without it io.Copy allocated a buffer the size of the file (up to 32 KB)
// for every response, and so does the connection's own ReadFrom for a
// reader that is not a file (BENCHMARKS.md, step 10).
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := readFrom(w.ResponseWriter, r)
	w.bytes += int(n)
	return n, err
}

var copyBuffers = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// readFrom copies r into w through a pooled buffer.
func readFrom(w io.Writer, r io.Reader) (int64, error) {
	buf := copyBuffers.Get().(*[32 << 10]byte)
	defer copyBuffers.Put(buf)
	// Only Write: io.CopyBuffer would hand over to w's ReadFrom.
	return io.CopyBuffer(struct{ io.Writer }{w}, r, buf[:])
}

// logRequests writes one line per request with its status and duration.
func (h *Handler) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The wall clock, not cfg.Now: this measures, it does not date.
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		h.cfg.Logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

type viewerKey struct{}

// signedIn is the account behind the request's session.
type signedIn struct {
	user    storage.User
	session string
}

// withViewer loads the signed-in user, if any, into the request context.
// An account that may not log in (suspended, pending) counts as a visitor
// at once, even if a session of it survived. A user whose password an
// admin reset goes nowhere but the password page (and log out) until they
// choose a new one.
func (h *Handler) withViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The API's requests are never signed in by the cookie.
		if strings.HasPrefix(r.URL.Path, "/static/") || isAPIPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if id, ok := h.sessions.sessionID(r); ok {
			if _, u, err := h.db.SessionUser(id); err == nil && u.CanLogIn() {
				r = r.WithContext(context.WithValue(r.Context(), viewerKey{}, &signedIn{user: u, session: id}))
			}
		}
		if r.Method == http.MethodGet && !isHTMX(r) {
			r = h.withFlash(w, r)
		}
		if v := viewer(r); v != nil && v.user.MustChangePassword && !whileChangingPassword[r.URL.Path] {
			if r.Method == http.MethodGet && !isHTMX(r) {
				http.Redirect(w, r, passwordPath, http.StatusSeeOther)
				return
			}
			h.error(w, r, errForbidden(i18n.T(r.Context(), "error.must_change_password")))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// passwordPath is the page that changes one's password (auth.go).
const passwordPath = "/settings/password"

// whileChangingPassword are the paths a user who must choose a new
// password may still reach: the password page, logging out, and the
// badge the page's navigation polls.
var whileChangingPassword = map[string]bool{passwordPath: true, "/logout": true, "/notifications/badge": true}

// viewerID is the signed-in user's ID, 0 for a visitor.
func viewerID(r *http.Request) storage.ID {
	if v := viewer(r); v != nil {
		return v.user.ID
	}
	return 0
}

// viewer returns the signed-in user, or nil for a visitor.
func viewer(r *http.Request) *signedIn {
	v, _ := r.Context().Value(viewerKey{}).(*signedIn)
	return v
}

// requireUser sends visitors to the login page (or answers 403 under
// HTMX and for non-GET requests, which cannot be redirected meaningfully).
func (h *Handler) requireUser(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if viewer(r) != nil {
			next(w, r)
			return
		}
		if r.Method == http.MethodGet && !isHTMX(r) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(requestURI(r))), http.StatusSeeOther)
			return
		}
		h.error(w, r, errForbidden(i18n.T(r.Context(), "error.login_required")))
	}
}

// requireModerator lets admins and moderators through; others get 403
// (visitors are sent to log in first, as by requireUser). Every
// administration route is behind it or requireAdmin, its HTMX fragments
// included.
func (h *Handler) requireModerator(next http.HandlerFunc) http.HandlerFunc {
	return h.requireUser(func(w http.ResponseWriter, r *http.Request) {
		if !viewer(r).user.CanModerate() {
			h.error(w, r, errForbidden(i18n.T(r.Context(), "error.moderators_only")))
			return
		}
		if !h.requireStaffSecondFactor(w, r) { // twofactor.go
			return
		}
		next(w, r)
	})
}

// requireAdmin lets admins through; others get 403 (visitors are sent to
// log in first).
func (h *Handler) requireAdmin(next http.HandlerFunc) http.HandlerFunc {
	return h.requireUser(func(w http.ResponseWriter, r *http.Request) {
		if !viewer(r).user.IsAdmin() {
			h.error(w, r, errForbidden(i18n.T(r.Context(), "error.admins_only")))
			return
		}
		if !h.requireStaffSecondFactor(w, r) { // twofactor.go
			return
		}
		next(w, r)
	})
}

// requestURI is the path and query the browser asked for: the public
// "/@name/..." address, not the "/users/name/..." route profilePath made of
// it.
func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			return u.RequestURI()
		}
	}
	return r.URL.RequestURI()
}

// clientIP is the address of the person, as the reverse proxy saw it when
// majlis trusts one, else the TCP peer.
func (h *Handler) clientIP(r *http.Request) string {
	if h.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// secure tells whether the browser reached us over TLS (directly or
// through a trusted proxy), so cookies get the Secure flag.
func (h *Handler) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return h.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// parseForm reads a form body, turning an oversize body into errTooLarge.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge(r.Context())
		}
		return errBadRequest(i18n.T(r.Context(), "error.form_unreadable"))
	}
	return nil
}
