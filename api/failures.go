package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"majlis/bounded"
	"majlis/i18n"
	"majlis/media"
	"majlis/social"
	"majlis/storage"
)

// What a refusal is worth in Mastodon's statuses: its apps show the
// message of a 422 to the member, so validation is 422 (the web door's
// 400), and "not there" is "Record not found".

// notFound is Mastodon's answer for what does not exist or may not be
// seen: the same for both, so a hidden account cannot be told from none.
func notFound(w http.ResponseWriter) { writeError(w, http.StatusNotFound, "Record not found") }

// actionStatus is the status of each kind of refused action.
var actionStatus = map[social.Kind]int{
	social.Invalid:   http.StatusUnprocessableEntity,
	social.Forbidden: http.StatusForbidden,
	social.NotFound:  http.StatusNotFound,
	social.Conflict:  http.StatusUnprocessableEntity,
	social.TooLarge:  http.StatusRequestEntityTooLarge,
}

// fail answers err: a refusal of an action with its message and status,
// a storage sentinel with Mastodon's wording, a body over its budget 413,
// and anything else 500 (logged, its detail kept from the app).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var se *social.Error
	var mbe *http.MaxBytesError
	var be *bounded.Error
	switch {
	case errors.As(err, &se) && actionStatus[se.Kind] != 0:
		writeError(w, actionStatus[se.Kind], se.Message)
	case errors.Is(err, storage.ErrNotFound):
		notFound(w)
	case errors.Is(err, storage.ErrForbidden):
		writeError(w, http.StatusForbidden, "This action is not allowed")
	case errors.Is(err, storage.ErrInvalid):
		writeError(w, http.StatusUnprocessableEntity, "Validation failed")
	case errors.As(err, &mbe), errors.Is(err, errTooLarge), errors.As(err, &be) && be.Kind.TooLarge():
		writeError(w, http.StatusRequestEntityTooLarge, "The request body is too large")
	case errors.Is(err, errBody):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		a.cfg.Logger.Error("api request failed", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "Internal server error")
	}
}

var errTooLarge = errors.New("too large")

// imageFailure answers an image the pipeline refused, as the web door
// words it: 413 for one too large (in bytes, pixels or the memory it
// needs), 422 for what is not a picture or a damaged one. ok is false for
// an error of another kind, left to fail.
func (a *API) imageFailure(w http.ResponseWriter, ctx context.Context, err error) (ok bool) {
	switch {
	case errors.Is(err, media.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, i18n.T(ctx, "error.image_too_large", "size", sizeMB(a.cfg.MaxUploadBytes)))
	case errors.Is(err, media.ErrTooManyPixels):
		writeError(w, http.StatusRequestEntityTooLarge, i18n.T(ctx, "error.image_too_many_pixels",
			"megapixels", media.DefaultMaxPixels/1_000_000, "side", media.DefaultMaxSide))
	case errors.Is(err, media.ErrTooMuchMemory):
		writeError(w, http.StatusRequestEntityTooLarge, i18n.T(ctx, "error.image_too_much_memory", "size", sizeMB(media.DefaultMemoryBudget)))
	case errors.Is(err, media.ErrNotImage):
		writeError(w, http.StatusUnprocessableEntity, i18n.T(ctx, "error.not_image"))
	case errors.Is(err, media.ErrCorrupt):
		writeError(w, http.StatusUnprocessableEntity, i18n.T(ctx, "error.image_corrupt"))
	default:
		return false
	}
	return true
}

// sizeMB is a size in whole megabytes, as the messages quote it.
func sizeMB[N int | int64](n N) string {
	return strconv.FormatInt(max((int64(n)+(1<<20)-1)>>20, 1), 10) + " MB"
}

// langContext is the request's context in the language of its member
// (their setting, else the app's Accept-Language, else the instance's):
// the language of refusals' messages.
func (a *API) langContext(r *http.Request, au *Auth) context.Context {
	member := ""
	if au != nil {
		member = au.User.Language
	}
	return i18n.WithLang(r.Context(), i18n.Negotiate(member, r.Header.Get("Accept-Language"), a.instance().Language))
}
