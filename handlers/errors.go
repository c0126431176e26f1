package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

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
func errTooMany(msg string, wait time.Duration) error {
	return &httpError{status: http.StatusTooManyRequests, message: msg + " Try again in " + waitText(wait) + ".", retryAfter: wait}
}

// waitText is a wait in whole minutes, rounded up, for people.
func waitText(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return strconv.Itoa(m) + " minutes"
}

var errTooLarge = &httpError{status: http.StatusRequestEntityTooLarge, message: "That was more than this server accepts in one request."}

var statusTitles = map[int]string{
	http.StatusBadRequest:            "That request did not make sense",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Not found",
	http.StatusMethodNotAllowed:      "Not allowed",
	http.StatusConflict:              "Already done",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusTooManyRequests:       "Slow down",
	http.StatusInternalServerError:   "Something went wrong",
}

// status maps an error to its HTTP status and a message for people. It is
// the one place where storage errors become HTTP statuses.
func status(err error) (int, string) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status, he.message
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound, "There is nothing here. It may have been deleted, or the address may be mistyped."
	case errors.Is(err, storage.ErrForbidden):
		return http.StatusForbidden, "That is not allowed between these accounts or on this post."
	case errors.Is(err, storage.ErrExists):
		return http.StatusConflict, "That has already been done."
	case errors.Is(err, storage.ErrInvalid):
		return http.StatusBadRequest, "That request did not make sense."
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge.status, errTooLarge.message
	}
	return http.StatusInternalServerError, "The server could not finish this request. Please try again in a moment."
}

// error answers with a readable error page, or under HTMX with the error
// alone, swapped into the page's flash region.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := status(err)
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
	info := views.ErrorInfo{Status: code, Title: statusTitles[code], Message: msg}
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
	h.error(w, r, errNotFound("There is no page at this address."))
}
