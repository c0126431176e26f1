package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"majlis/i18n"
	"majlis/media"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Images: the body cap of uploads, processing an uploaded file, the
// images part of the compose box (POST /media/upload), serving stored
// files (GET /media/{file}), and turning stored images into view models.

// uploadPaths are the web routes that take images in a multipart body
// (all POST): the compose form, its uploads, the profile pictures. The
// client API's are apiUploadPaths (apidoor.go).
var uploadPaths = map[string]bool{"/posts": true, "/media/upload": true, "/settings/images": true, "/admin/emoji": true}

// bodyLimit is the cap on a request's body, the one place that decides
// it (middleware applies it): MaxBodyBytes, except for a multipart POST
// to an upload route, which may carry MaxAttachments files of
// MaxUploadBytes each and the rest of its form (1 MB).
func (h *Handler) bodyLimit(r *http.Request) int64 {
	if r.Method == http.MethodPost && uploadPaths[r.URL.Path] && isMultipart(r) {
		return h.uploadBodyLimit()
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && apiUploadPaths[r.URL.Path] && isMultipart(r) {
		return h.uploadBodyLimit() // the client API's images (apidoor.go)
	}
	if r.Method == http.MethodPost && isInboxPath(r.URL.Path) {
		return inboxBodyLimit // an activity from another server
	}
	if r.Method == http.MethodPost && r.URL.Path == importPath && isMultipart(r) {
		return importBodyLimit // an export archive (importer.go)
	}
	return h.cfg.MaxBodyBytes
}

func (h *Handler) uploadBodyLimit() int64 {
	return storage.MaxAttachments*h.cfg.MaxUploadBytes + 1<<20
}

func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// multipartMemory is how much of a multipart form is kept in memory; the
// rest of its files waits in temporary files until the request ends.
const multipartMemory = 1 << 20

// parseUploadForm reads a form that may carry files (multipart) or not
// (urlencoded, as htmx sends forms without files). The caller must call
// the cleanup it returns, which deletes the temporary files: the server
// only cleans up after its own request value, and handlers get a copy.
func (h *Handler) parseUploadForm(r *http.Request) (func(), error) {
	if !isMultipart(r) {
		return func() {}, parseForm(r)
	}
	err := r.ParseMultipartForm(multipartMemory)
	cleanup := func() {
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return cleanup, nil
	case errors.As(err, &mbe), errors.Is(err, multipart.ErrMessageTooLarge):
		return cleanup, &httpError{status: http.StatusRequestEntityTooLarge, message: i18n.N(r.Context(), "error.upload_too_large",
			storage.MaxAttachments, "size", sizeText(r.Context(), h.cfg.MaxUploadBytes))}
	}
	return cleanup, errBadRequest(i18n.T(r.Context(), "error.form_unreadable"))
}

// uploadedFiles lists the files sent under name, leaving out the empty
// part a browser sends for a file input left empty.
func uploadedFiles(r *http.Request, name string) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File[name] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		out = append(out, fh)
	}
	return out
}

// sizeText is a number of bytes for people, in the language of ctx:
// "10 MB", "512 KB".
func sizeText(ctx context.Context, n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return i18n.T(ctx, "size.mb", "size", int(n>>20))
	case n >= 1<<20:
		return i18n.T(ctx, "size.mb", "size", strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64))
	case n >= 1<<10:
		return i18n.T(ctx, "size.kb", "size", int(n>>10))
	}
	return i18n.N(ctx, "size.bytes", int(n))
}

// imageError turns a refusal of package media into the answer to give:
// 413 for a file too large in bytes, in pixels or in the memory it needs
// to be processed, 415 for what is not a
// picture, 400 for a damaged one. name is the file's name, to say which
// file; errors of other kinds pass through.
func (h *Handler) imageError(ctx context.Context, err error, name string) error {
	var he *httpError
	switch {
	case errors.Is(err, media.ErrTooLarge):
		he = &httpError{status: http.StatusRequestEntityTooLarge, message: i18n.T(ctx, "error.image_too_large", "size", sizeText(ctx, h.cfg.MaxUploadBytes))}
	case errors.Is(err, media.ErrTooManyPixels):
		he = &httpError{status: http.StatusRequestEntityTooLarge, message: i18n.T(ctx, "error.image_too_many_pixels",
			"megapixels", media.DefaultMaxPixels/1_000_000, "side", media.DefaultMaxSide)}
	case errors.Is(err, media.ErrTooMuchMemory):
		he = &httpError{status: http.StatusRequestEntityTooLarge, message: i18n.T(ctx, "error.image_too_much_memory", "size", sizeText(ctx, media.DefaultMemoryBudget))}
	case errors.Is(err, media.ErrNotImage):
		he = &httpError{status: http.StatusUnsupportedMediaType, message: i18n.T(ctx, "error.not_image")}
	case errors.Is(err, media.ErrCorrupt):
		he = &httpError{status: http.StatusBadRequest, message: i18n.T(ctx, "error.image_corrupt")}
	default:
		return err
	}
	if name = fileLabel(name); name != "" {
		he.message = i18n.T(ctx, "error.file_prefix", "file", name, "message", he.message)
	}
	return he
}

// fileLabel is an uploaded file's name as a message may quote it: its
// base name, valid UTF-8, at most 60 characters.
func fileLabel(name string) string {
	name = strings.ToValidUTF8(filepath.Base(strings.ReplaceAll(name, `\`, "/")), "\uFFFD")
	name = strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" {
		return ""
	}
	if r := []rune(name); len(r) > 60 {
		name = string(r[:59]) + "…"
	}
	return name
}

// imageLimits are the limits of an image uploaded or imported by the
// request of ctx: waiting for a turn at the process's memory budget for
// images (see media.Budget) ends with the request.
func (h *Handler) imageLimits(ctx context.Context) media.Limits {
	return media.Limits{MaxBytes: h.cfg.MaxUploadBytes, Context: ctx}
}

// processUpload turns an uploaded file into pictures with convert
// (media.Process, media.Avatar or media.Header).
func (h *Handler) processUpload(ctx context.Context, fh *multipart.FileHeader, convert func(io.Reader, media.Limits) (media.Image, error)) (media.Image, error) {
	if fh.Size > h.cfg.MaxUploadBytes {
		return media.Image{}, h.imageError(ctx, media.ErrTooLarge, fh.Filename)
	}
	f, err := fh.Open()
	if err != nil {
		return media.Image{}, err
	}
	defer f.Close()
	img, err := convert(f, h.imageLimits(ctx))
	if err != nil {
		return media.Image{}, h.imageError(ctx, err, fh.Filename)
	}
	return img, nil
}

// uploadImage stores an image uploaded for a post as the owner's upload,
// through the one pipeline of every door (social.UploadImage).
func (h *Handler) uploadImage(ctx context.Context, owner storage.User, fh *multipart.FileHeader) (storage.Attachment, error) {
	if fh.Size > h.cfg.MaxUploadBytes {
		return storage.Attachment{}, h.imageError(ctx, media.ErrTooLarge, fh.Filename)
	}
	f, err := fh.Open()
	if err != nil {
		return storage.Attachment{}, err
	}
	defer f.Close()
	a, err := h.social.UploadImage(ctx, owner, f, h.imageLimits(ctx))
	if err != nil {
		return storage.Attachment{}, h.imageError(ctx, err, fh.Filename)
	}
	return a, nil
}

// emptyImages is the images part of an empty compose box.
func (h *Handler) emptyImages(ctx context.Context, formID string) views.ComposeImages {
	im := views.ComposeImages{
		FormID:  formID,
		Max:     storage.MaxAttachments,
		MaxAlt:  storage.MaxAltChars,
		MaxSize: sizeText(ctx, h.cfg.MaxUploadBytes),
	}
	im.Alts = make([]string, im.Free())
	return im
}

// cleanAlt is an alt text as typed, with Windows line ends and the white
// space around it gone, and the message to show when it is too long.
func cleanAlt(ctx context.Context, s string, n int) (string, string) {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n"))
	if c := utf8.RuneCountInString(s); c > storage.MaxAltChars {
		return s, i18n.N(ctx, "form.alt_too_long", c, "image", n, "limit", storage.MaxAltChars)
	}
	return s, ""
}

// composeImages reads the images part of a compose form: the viewer's
// uploads named by "media" with their descriptions "media_alt" (less
// those named by "remove_image": not "remove", which would hide the
// form's own remove method from htmx), then the files sent as "image" (without
// JavaScript, or the upload of the HTMX file input), each stored as an
// upload with the description typed for it beforehand ("alt"). It returns
// the part to show again and the attachments to send. err refuses the
// images (a file that is not a picture, too many images, a description
// too long, an upload gone); the part then holds everything that was
// stored, so that nothing has to be chosen twice.
func (h *Handler) composeImages(r *http.Request, formID string) (views.ComposeImages, []storage.Attachment, error) {
	me := viewer(r).user
	im := h.emptyImages(r.Context(), formID)
	var atts []storage.Attachment
	var problem error
	fail := func(err error) {
		if problem == nil {
			problem = err
		}
	}
	add := func(a storage.Attachment, alt string) {
		n := len(atts) + 1
		alt, msg := cleanAlt(r.Context(), alt, n)
		if msg != "" {
			fail(errBadRequest(msg))
		}
		a.Alt = alt
		atts = append(atts, a)
		im.Previews = append(im.Previews, views.ImagePreview{
			N: n, Hash: a.Display, ThumbURL: mediaURL(a.Thumb, a.ThumbType),
			ThumbWidth: a.ThumbWidth, ThumbHeight: a.ThumbHeight, Alt: alt,
		})
	}

	remove := map[string]bool{}
	for _, hash := range r.PostForm["remove_image"] {
		remove[hash] = true
	}
	hashes, alts := r.PostForm["media"], r.PostForm["media_alt"]
	gone := 0
	for i, hash := range hashes {
		if remove[hash] || slices.ContainsFunc(atts, func(a storage.Attachment) bool { return a.Display == hash }) {
			continue
		}
		a, err := h.db.Upload(me.ID, hash)
		if errors.Is(err, storage.ErrUploadGone) {
			gone++
			continue
		}
		if err != nil {
			return im, nil, err
		}
		if len(atts) == storage.MaxAttachments {
			fail(errBadRequest(i18n.N(r.Context(), "error.too_many_images", storage.MaxAttachments)))
			break
		}
		alt := ""
		if i < len(alts) {
			alt = alts[i]
		}
		add(a, alt)
	}
	if gone > 0 {
		fail(errBadRequest(i18n.T(r.Context(), "error.upload_gone")))
	}

	newAlts := r.PostForm["alt"]
	files := uploadedFiles(r, "image")
	if free := storage.MaxAttachments - len(atts); len(files) > free {
		fail(errBadRequest(i18n.N(r.Context(), "error.too_many_images_chosen", storage.MaxAttachments, "chosen", len(files), "free", free)))
		files = nil
	}
	for j, fh := range files {
		a, err := h.uploadImage(r.Context(), me, fh)
		if err == nil {
			alt := ""
			if j < len(newAlts) {
				alt = newAlts[j]
			}
			add(a, alt)
			continue
		}
		var he *httpError
		if !errors.As(err, &he) {
			return im, nil, err
		}
		fail(err)
	}

	// The descriptions typed for images still to choose stay in their
	// places.
	rest := newAlts[min(len(files), len(newAlts)):]
	im.Alts = make([]string, im.Free())
	copy(im.Alts, rest)
	return im, atts, problem
}

// uploadMedia answers the images part of a compose box after files were
// chosen or an image removed. Under HTMX it is that part alone, swapped in
// place, with the previews of every upload so far. Without JavaScript
// (the Remove button) it is the page of the compose box again, with what
// was typed.
func (h *Handler) uploadMedia(w http.ResponseWriter, r *http.Request) {
	cleanup, err := h.parseUploadForm(r)
	defer cleanup()
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	parent, err := h.replyParent(r, me)
	if err != nil {
		h.error(w, r, err)
		return
	}
	c := h.newCompose(r, parent)
	readCompose(r, me, parent, &c)
	im, _, err := h.composeImages(r, c.FormID)
	c.Images = im
	code := http.StatusOK
	if err != nil {
		code, c.Images.Error = statusCtx(r.Context(), err)
		if code >= 500 {
			h.error(w, r, err)
			return
		}
	}
	if isHTMX(r) {
		h.render(w, r, code, views.ComposeImagesField(c.Images))
		return
	}
	h.composePage(w, r, c, parent, code)
}

// mediaURL is the address of a stored file: /media/HASH.EXT.
func mediaURL(hash, contentType string) string { return storage.MediaPath(hash, contentType) }

// Cache-Control of stored files. A file's name is the hash of its bytes,
// so its bytes never change; who may see it can:
//   - avatars and headers are public for good: every cache may keep them
//     for a year;
//   - an image of a public or unlisted post is everyone's only while the
//     post and its author are visible (a deletion, a suspension take it
//     back), so caches, shared ones included, keep it five minutes and
//     then ask again (If-None-Match: a 304 while it is still visible, a
//     404 once it is not);
//   - a file only some may see is kept by the viewer's browser alone, for
//     an hour (who may see it can change: an unfollow, a block).
const (
	profileMediaCache = "public, max-age=31536000, immutable"
	postMediaCache    = "public, max-age=300"
	privateMediaCache = "private, max-age=3600"
)

// mediaCSP is the Content-Security-Policy of a stored picture. Opened
// on its own (the full-size view of a post's image), the browser shows it
// in a page of its own making that styles it inline: that is allowed, and
// nothing else (no script, no fetch, sandboxed). With nosniff the bytes
// are never taken for a page of ours.
const mediaCSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"

// serveMedia serves a stored file, /media/HASH.EXT, to a viewer who may
// see it (storage.ServeMediaTo); anyone else gets 404, as for a file that
// does not exist. The bytes are written from inside the read transaction,
// without a copy; Range and If-None-Match work (http.ServeContent).
func (h *Handler) serveMedia(w http.ResponseWriter, r *http.Request) {
	hash, ext, ok := strings.Cut(r.PathValue("file"), ".")
	notFound := errNotFound(i18n.T(r.Context(), "error.no_image"))
	if !ok {
		h.error(w, r, notFound)
		return
	}
	h.carriesMedia(r, hash) // consent.go
	serve := func(fn func(storage.Media, storage.MediaAccess, []byte) error) error {
		return h.db.ServeMediaTo(viewerID(r), hash, fn)
	}
	if viewerID(r) == 0 {
		// Another server fetching the picture of a followers-only or
		// direct post it received signs its request (as its instance or
		// one of its accounts): it sees what its accounts may see.
		if server := h.signedServer(r); server != "" {
			serve = func(fn func(storage.Media, storage.MediaAccess, []byte) error) error {
				return h.db.ServeMediaToServer(server, hash, fn)
			}
		}
	}
	err := serve(func(m storage.Media, access storage.MediaAccess, data []byte) error {
		if storage.MediaExt(m.ContentType) != ext {
			return notFound
		}
		hd := w.Header()
		hd.Set("Content-Type", m.ContentType)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Content-Security-Policy", mediaCSP)
		hd.Set("ETag", `"`+m.Hash+`"`)
		switch access {
		case storage.MediaProfile:
			hd.Set("Cache-Control", profileMediaCache)
		case storage.MediaPublicPost:
			hd.Set("Cache-Control", postMediaCache)
		default:
			hd.Set("Cache-Control", privateMediaCache)
			hd.Add("Vary", "Cookie, Signature")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		err = notFound
	}
	if err != nil {
		h.error(w, r, err)
	}
}

// imagesOf is the attachments of a post as its card shows them.
func imagesOf(as []storage.Attachment) []views.Image {
	var out []views.Image
	for i, a := range as {
		out = append(out, views.Image{
			N:          i + 1,
			URL:        mediaURL(a.Display, a.ContentType),
			ThumbURL:   mediaURL(a.Thumb, a.ThumbType),
			ThumbWidth: a.ThumbWidth, ThumbHeight: a.ThumbHeight,
			Alt:      a.Alt,
			Animated: a.Animated,
		})
	}
	return out
}

// bannerOf is a member's header picture, nil when none is set.
func bannerOf(u storage.User) *views.Banner {
	hd := u.Header
	if hd.IsZero() {
		return nil
	}
	return &views.Banner{
		URL: mediaURL(hd.Display, hd.ContentType), ThumbURL: mediaURL(hd.Thumb, hd.ThumbType),
		Width: hd.Width, Height: hd.Height, ThumbWidth: hd.ThumbWidth, ThumbHeight: hd.ThumbHeight,
	}
}

// editedAlts is the descriptions an edit form sends for the post's images
// ("image_alt", one per image in order), nil when it sends none (a form
// without them keeps the descriptions).
func editedAlts(r *http.Request, p storage.Post) []string {
	alts, ok := r.PostForm["image_alt"]
	if !ok || len(p.Attachments) == 0 {
		return nil
	}
	return alts
}

// editImagesOf is a post's images in its edit form, with the
// descriptions as typed (alts) when the form is shown again.
func editImagesOf(p storage.Post, alts []string) []views.Image {
	out := imagesOf(p.Attachments)
	for i := range out {
		if i < len(alts) {
			out[i].Alt = social.CleanAlt(alts[i])
		}
	}
	return out
}
