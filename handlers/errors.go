package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// httpError is an error with the status to answer and a message that is
// safe to show.
type httpError struct {
	status  int
	message string
	// retryAfter is sent as Retry-After with a 429.
	retryAfter time.Duration
}

func (e *httpError) Error() string { return e.message }

func errBadRequest(msg string) error { return &httpError{status: http.StatusBadRequest, message: msg} }
func errForbidden(msg string) error  { return &httpError{status: http.StatusForbidden, message: msg} }
func errNotFound(msg string) error   { return &httpError{status: http.StatusNotFound, message: msg} }

// errTooMany refuses a request over a rate limit; wait is how long until it
// would be accepted, and the message ends with it.
func errTooMany(ctx context.Context, msg string, wait time.Duration) error {
	return &httpError{status: http.StatusTooManyRequests, message: msg + " " + waitText(ctx, wait), retryAfter: wait}
}

// waitText says to try again after a wait in whole minutes, rounded up.
func waitText(ctx context.Context, d time.Duration) string {
	m := max(int((d+time.Minute-1)/time.Minute), 1)
	return i18n.N(ctx, "error.try_again_minutes", m)
}

// errTooLarge refuses a body over the cap.
func errTooLarge(ctx context.Context) *httpError {
	return &httpError{status: http.StatusRequestEntityTooLarge, message: i18n.T(ctx, "error.too_large")}
}

// statusTitle is the heading of an error page with the status code, ""
// for a code without one of its own.
func statusTitle(ctx context.Context, code int) string {
	switch code {
	case http.StatusBadRequest:
		return i18n.T(ctx, "error.title.bad_request")
	case http.StatusForbidden, http.StatusMethodNotAllowed:
		return i18n.T(ctx, "error.title.forbidden")
	case http.StatusNotFound:
		return i18n.T(ctx, "error.title.not_found")
	case http.StatusConflict:
		return i18n.T(ctx, "error.title.conflict")
	case http.StatusGone:
		return i18n.T(ctx, "error.title.gone")
	case http.StatusUnsupportedMediaType:
		return i18n.T(ctx, "error.title.unsupported_media")
	case http.StatusRequestEntityTooLarge:
		return i18n.T(ctx, "error.title.too_large")
	case http.StatusTooManyRequests:
		return i18n.T(ctx, "error.title.too_many")
	case http.StatusInternalServerError:
		return i18n.T(ctx, "error.title.internal")
	}
	return ""
}

// status maps an error to its HTTP status and a message for people, in
// English (statusCtx speaks the request's language).
func status(err error) (int, string) { return statusCtx(context.Background(), err) }

// statusCtx maps an error to its HTTP status and a message for people in
// the language of ctx. It is the one place where storage errors become
// HTTP statuses.
func statusCtx(ctx context.Context, err error) (int, string) {
	var he *httpError
	var se *social.Error
	switch {
	case errors.As(err, &he):
		return he.status, he.message
	case errors.As(err, &se):
		return socialStatus[se.Kind], se.Message
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound, i18n.T(ctx, "error.not_found")
	case errors.Is(err, storage.ErrForbidden):
		return http.StatusForbidden, i18n.T(ctx, "error.forbidden")
	case errors.Is(err, storage.ErrExists):
		return http.StatusConflict, i18n.T(ctx, "error.exists")
	case errors.Is(err, storage.ErrInvalid):
		return http.StatusBadRequest, i18n.T(ctx, "error.invalid")
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		tl := errTooLarge(ctx)
		return tl.status, tl.message
	}
	return http.StatusInternalServerError, i18n.T(ctx, "error.internal")
}

// socialStatus is the status of each kind of refused action.
var socialStatus = map[social.Kind]int{
	social.Invalid:   http.StatusBadRequest,
	social.Forbidden: http.StatusForbidden,
	social.NotFound:  http.StatusNotFound,
	social.Conflict:  http.StatusConflict,
	social.TooLarge:  http.StatusRequestEntityTooLarge,
}

// error answers with a readable error page, or under HTMX with the error
// alone, swapped into the page's flash region.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := statusCtx(r.Context(), err)
	if code >= 500 {
		h.cfg.Logger.Error("request failed", "path", r.URL.Path, "err", err)
	}
	if code == http.StatusTooManyRequests {
		// Retry-After is what the limiter says, so a client that waits
		// that long is let in.
		wait := time.Minute
		if he := (*httpError)(nil); errors.As(err, &he) && he.retryAfter > 0 {
			wait = he.retryAfter
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
	if isAPIPath(r.URL.Path) {
		writeAPIError(w, code, msg) // apps read JSON (apidoor.go)
		return
	}
	info := views.ErrorInfo{Status: code, Title: statusTitle(r.Context(), code), Message: msg}
	if info.Title == "" {
		info.Title = http.StatusText(code)
	}
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		h.render(w, r, code, views.FlashMessage(views.Flash{Message: info.Title + ": " + msg, Error: true}))
		return
	}
	h.render(w, r, code, views.ErrorPage(h.page(r, info.Title, ""), info))
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.error(w, r, errNotFound(i18n.T(r.Context(), "error.no_page")))
}
