package api

import (
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"majlis/bounded"
	"majlis/media"
	"majlis/storage"
)

// maxUploadBytes is the largest image accepted, the web's.
func (a *API) maxUploadBytes() int64 {
	if a.cfg.MaxUploadBytes > 0 {
		return a.cfg.MaxUploadBytes
	}
	return media.DefaultMaxBytes
}

// cleanDescription is an image description as kept: Windows line ends
// and the white space around it gone; ok false when it is longer than
// storage.MaxAltChars or not UTF-8.
func cleanDescription(s string) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	return s, utf8.ValidString(s) && utf8.RuneCountInString(s) <= storage.MaxAltChars
}

const descriptionTooLong = "Description is too long: an image description has at most 1500 characters"

// uploadMedia takes an image for a post not written yet (multipart
// "file" and "description") through the web's own pipeline
// (social.UploadImage: budgets, metadata stripped, display size and
// thumbnail), synchronously: the answer is the finished attachment, 200.
func (a *API) uploadMedia(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	limit := a.maxUploadBytes()
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	err := r.ParseMultipartForm(1 << 20)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), errors.Is(err, multipart.ErrMessageTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "File is too large")
		return
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, "The upload must be a multipart form with a file")
		return
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	desc, ok := cleanDescription(r.FormValue("description"))
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, descriptionTooLong)
		return
	}
	fh := files[0]
	if fh.Size > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "File is too large")
		return
	}
	f, err := fh.Open()
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	defer f.Close()
	at, err := a.soc.UploadImage(r.Context(), me, f, media.Limits{MaxBytes: limit, Context: r.Context()})
	if err != nil {
		a.imageError(w, r, err)
		return
	}
	if desc != "" {
		if err := a.db.SetUploadAlt(me.ID, at.Display, desc); err != nil {
			a.actionError(w, r, err)
			return
		}
		at.Alt = desc
	}
	writeJSON(w, http.StatusOK, a.mediaAttachment(at))
}

// imageError answers a refusal of the image pipeline: 413 for a file
// over the size limit, 422 for what is not a picture, a damaged one, or
// one too large in pixels or in the memory it takes, as Mastodon answers
// its validation failures.
func (a *API) imageError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, media.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "File is too large")
	case errors.Is(err, media.ErrNotImage):
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid (images only: JPEG, PNG, GIF, WebP)")
	case errors.Is(err, media.ErrCorrupt):
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: the image is damaged or incomplete")
	case errors.Is(err, media.ErrTooManyPixels), errors.Is(err, media.ErrTooMuchMemory):
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: the image is too large in pixels")
	default:
		a.actionError(w, r, err)
	}
}

// getMedia is one of the member's images: an upload waiting for its post,
// or an image of one of their posts.
func (a *API) getMedia(w http.ResponseWriter, r *http.Request, au *Auth) {
	at, _, err := a.db.OwnAttachment(au.User.ID, r.PathValue("id"))
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.mediaAttachment(at))
}

// updateMedia sets the description of one of the member's images: an
// upload waiting for its post, or an image of a post already sent (an
// edit of that post). Another member's image is 404, as one that does
// not exist.
func (a *API) updateMedia(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	id := r.PathValue("id")
	at, post, err := a.db.OwnAttachment(me.ID, id)
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	raw, given, err := decodeDescription(r)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if !given {
		writeJSON(w, http.StatusOK, a.mediaAttachment(at))
		return
	}
	desc, ok := cleanDescription(raw)
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, descriptionTooLong)
		return
	}
	if post != 0 {
		// Unlike Mastodon, majlis lets the author correct a description
		// after posting: an edit of the post (social.SetAlt), federated
		// as an Update.
		if _, err := a.soc.SetAlt(r.Context(), me, post, at.Display, desc); err != nil {
			a.actionError(w, r, err)
			return
		}
		at.Alt = desc
		writeJSON(w, http.StatusOK, a.mediaAttachment(at))
		return
	}
	if err := a.db.SetUploadAlt(me.ID, at.Display, desc); err != nil {
		a.actionError(w, r, err)
		return
	}
	at.Alt = desc
	writeJSON(w, http.StatusOK, a.mediaAttachment(at))
}

var errDescription = errors.New("the description cannot be read")

// decodeDescription reads "description" from a form or JSON; given false
// when it was not sent (focus alone, say).
func decodeDescription(r *http.Request) (string, bool, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var m map[string]any
		if err := bounded.Decode(r.Body, &m, bounded.Limits{Bytes: 64 << 10, Depth: 3, Items: 16}); err != nil {
			return "", false, errDescription
		}
		v, ok := m["description"]
		s, err := jsonString(v, "description")
		return s, ok, err
	}
	err := r.ParseMultipartForm(64 << 10)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return "", false, errDescription
	}
	_, ok := r.Form["description"]
	return r.Form.Get("description"), ok, nil
}
