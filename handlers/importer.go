package handlers

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/media"
	"majlis/storage"
	"majlis/views"
)

// Import: a member brings in an archive made by the export (export.go),
// here or on another majlis instance, or one of Mastodon's CSV files of
// accounts (following, blocks, mutes).
//
//   - Posts keep their original date, Markdown, content warning and
//     visibility; they get new IDs from their dates and new URIs here,
//     and remember their original URI (Post.ImportedFrom), which keys them
//     so a second import of the same archive adds nothing. Their HTML is
//     rendered again here: the archive's HTML is never trusted.
//   - Replies become plain posts (the post they answered is on another
//     instance, or was imported with a new ID); the original URI of the
//     parent is not kept. Reposts are skipped: they have no text of their
//     own. Mentions link local accounts of the same name but notify
//     nobody (they are old posts).
//   - Images go through media.Process again, as an upload would: the
//     archive's bytes are never stored as they are.
//   - Follows, blocks and mutes are restored for accounts of this
//     instance ("name@host" with this instance's host); the others are
//     listed in the report.
//   - The profile, likes and bookmarks are not imported.

// importBodyLimit caps the body of POST /settings/data/import (see bodyLimit).
const importBodyLimit = 200 << 20

// importPath is the import route, which has its own body cap.
const importPath = "/settings/data/import"

// importData handles POST /settings/data/import.
func (h *Handler) importData(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	fail := func(code int, msg string) {
		h.render(w, r, code, views.DataSettingsPage(h.page(r, i18n.T(r.Context(), "title.your_data"), "settings"), views.DataSettings{ImportError: msg}))
	}
	if err := r.ParseMultipartForm(multipartMemory); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(http.StatusRequestEntityTooLarge, i18n.T(r.Context(), "form.import_too_large", "size", sizeText(r.Context(), importBodyLimit)))
			return
		}
		fail(http.StatusBadRequest, i18n.T(r.Context(), "form.import_file_required"))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, fh, err := r.FormFile("file")
	if err != nil {
		fail(http.StatusBadRequest, i18n.T(r.Context(), "form.import_file_required"))
		return
	}
	defer f.Close()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		h.error(w, r, err)
		return
	}
	var rep views.ImportReport
	if n == 4 && string(head[:]) == "PK\x03\x04" {
		zr, err := zip.NewReader(f, fh.Size)
		if err != nil {
			fail(http.StatusBadRequest, i18n.T(r.Context(), "form.import_bad_zip"))
			return
		}
		if err := h.importArchive(r, me, zr, &rep); err != nil {
			var ue userError
			if errors.As(err, &ue) {
				fail(http.StatusBadRequest, ue.msg)
				return
			}
			h.error(w, r, err)
			return
		}
	} else {
		kind := r.PostForm.Get("kind")
		if err := h.importCSV(r.Context(), me, f, fh.Filename, kind, &rep); err != nil {
			var ue userError
			if errors.As(err, &ue) {
				fail(http.StatusBadRequest, ue.msg)
				return
			}
			h.error(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, views.DataSettingsPage(h.page(r, i18n.T(r.Context(), "title.your_data"), "settings"), views.DataSettings{Report: &rep}))
}

// userError is an import problem to show on the form.
type userError struct{ msg string }

func (e userError) Error() string { return e.msg }

// archivePost is an entry of posts.json, as the import reads it.
type archivePost struct {
	URI         string    `json:"uri"`
	Created     time.Time `json:"created"`
	Edited      time.Time `json:"edited"`
	Visibility  string    `json:"visibility"`
	CW          string    `json:"cw"`
	Source      string    `json:"source"`
	InReplyTo   string    `json:"in_reply_to"`
	RepostOf    string    `json:"repost_of"`
	Attachments []struct {
		File string `json:"file"`
		Alt  string `json:"alt"`
	} `json:"attachments"`
}

func (h *Handler) importArchive(r *http.Request, me storage.User, zr *zip.Reader, rep *views.ImportReport) error {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[path.Clean(f.Name)] = f
	}
	pf, ok := files["posts.json"]
	if !ok {
		return userError{i18n.T(r.Context(), "form.import_no_posts")}
	}
	rc, err := pf.Open()
	if err != nil {
		return userError{i18n.T(r.Context(), "form.import_posts_unreadable")}
	}
	defer rc.Close()
	// Read the array entry by entry: an archive may hold many posts.
	dec := json.NewDecoder(bufio.NewReader(rc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return userError{i18n.T(r.Context(), "form.import_posts_not_list")}
	}
	limit := h.postLimit()
	for dec.More() {
		var ap archivePost
		if err := dec.Decode(&ap); err != nil {
			return userError{i18n.T(r.Context(), "form.import_damaged", "file", "posts.json", "reason", err.Error())}
		}
		done, err := h.importPost(r, me, files, ap, limit, rep)
		if err != nil {
			return err
		}
		if done {
			rep.Posts++
		} else {
			rep.SkippedPosts++
		}
	}

	host := h.exportHost()
	for _, rel := range []struct {
		file  string
		kind  string
		count *int
	}{
		{"following.json", "following", &rep.Following},
		{"blocks.json", "blocks", &rep.Blocks},
		{"mutes.json", "mutes", &rep.Mutes},
	} {
		f, ok := files[rel.file]
		if !ok {
			continue
		}
		var list []struct {
			Account string `json:"account"`
		}
		if err := readZipJSON(f, &list); err != nil {
			return userError{i18n.T(r.Context(), "form.import_damaged", "file", rel.file, "reason", err.Error())}
		}
		for _, a := range list {
			if err := h.restoreRelation(me, rel.kind, a.Account, host, rel.count, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

func readZipJSON(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(v)
}

// importPost imports one post of the archive; false when it is skipped
// (there already, a repost, empty or invalid).
func (h *Handler) importPost(r *http.Request, me storage.User, files map[string]*zip.File, ap archivePost, limit int, rep *views.ImportReport) (bool, error) {
	if ap.URI == "" || ap.Created.IsZero() || ap.RepostOf != "" || strings.TrimSpace(ap.Source) == "" && len(ap.Attachments) == 0 {
		return false, nil
	}
	if _, ok, err := h.db.ImportedPost(me.ID, ap.URI); err != nil || ok {
		return false, err
	}
	vis := storage.Visibility(ap.Visibility)
	if !vis.Valid() {
		vis = storage.FollowersOnly
	}
	if len([]rune(ap.Source)) > limit || len([]rune(ap.CW)) > limit {
		return false, nil
	}
	res, _, err := h.renderPost(ap.Source)
	if err != nil {
		return false, nil
	}
	p := storage.Post{
		AuthorID: me.ID, Source: ap.Source, HTML: res.HTML, Visibility: vis,
		CreatedAt: ap.Created, EditedAt: ap.Edited, ContentWarning: strings.TrimSpace(ap.CW),
		Tags: res.Tags, ImportedFrom: ap.URI,
	}
	seen := map[string]bool{}
	for _, a := range ap.Attachments {
		if len(p.Attachments) == storage.MaxAttachments {
			break
		}
		f, ok := files[path.Clean(a.File)]
		if !ok || !strings.HasPrefix(f.Name, "media/") {
			continue
		}
		att, err := h.importImage(r, me, f)
		if err != nil {
			continue // an image that does not decode is left out
		}
		if seen[att.Display] {
			continue
		}
		seen[att.Display] = true
		alt, _ := cleanAlt(r.Context(), a.Alt, len(p.Attachments)+1)
		if len([]rune(alt)) > storage.MaxAltChars {
			alt = string([]rune(alt)[:storage.MaxAltChars])
		}
		att.Alt = alt
		p.Attachments = append(p.Attachments, att)
		rep.Images++
	}
	err = h.db.ImportPost(&p, func(id storage.ID) string { return h.postURI(me.Username, id) })
	if errors.Is(err, storage.ErrExists) || errors.Is(err, storage.ErrInvalid) {
		return false, nil
	}
	return err == nil, err
}

// importImage processes an image of the archive like an upload.
func (h *Handler) importImage(r *http.Request, me storage.User, f *zip.File) (storage.Attachment, error) {
	if f.UncompressedSize64 > uint64(h.cfg.MaxUploadBytes) {
		return storage.Attachment{}, media.ErrTooLarge
	}
	rc, err := f.Open()
	if err != nil {
		return storage.Attachment{}, err
	}
	defer rc.Close()
	img, err := media.Process(io.LimitReader(rc, h.cfg.MaxUploadBytes+1), h.imageLimits(r.Context()))
	if err != nil {
		return storage.Attachment{}, err
	}
	return h.db.PutUpload(me.ID, fileOf(img.Display), fileOf(img.Thumb), img.Animated)
}

// restoreRelation follows, blocks or mutes the account at address when it
// is a member here; otherwise it goes to the report's missing list.
func (h *Handler) restoreRelation(me storage.User, kind, address, host string, count *int, rep *views.ImportReport) error {
	address = strings.TrimSpace(address)
	if address == "" {
		return nil
	}
	u, err := h.db.LocalAccount(address, host)
	if errors.Is(err, storage.ErrNotFound) {
		rep.Missing = append(rep.Missing, address)
		return nil
	}
	if err != nil {
		return err
	}
	if u.ID == me.ID {
		return nil
	}
	switch kind {
	case "following":
		_, err = h.db.Follow(me.ID, u.ID)
	case "blocks":
		err = h.db.Block(me.ID, u.ID)
	case "mutes":
		err = h.db.Mute(me.ID, u.ID)
	}
	switch {
	case err == nil:
		*count++
	case errors.Is(err, storage.ErrExists):
	case errors.Is(err, storage.ErrForbidden), errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrInvalid):
		rep.Missing = append(rep.Missing, address)
	default:
		return err
	}
	return nil
}

// importCSV reads one of Mastodon's account lists: following_accounts.csv
// (header "Account address,Show boosts,..."), muted_accounts.csv (header
// "Account address,Hide notifications") or blocked_accounts.csv (no
// header, one address a line). kind says which; empty guesses from the
// header and the file name.
func (h *Handler) importCSV(ctx context.Context, me storage.User, f multipart.File, name, kind string, rep *views.ImportReport) error {
	cr := csv.NewReader(io.LimitReader(f, 16<<20))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		return userError{i18n.T(ctx, "form.import_bad_file")}
	}
	header := len(rows) > 0 && len(rows[0]) > 0 && strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(rows[0][0], "\ufeff")), "Account address")
	if kind == "" {
		lower := strings.ToLower(name)
		switch {
		case header && len(rows[0]) > 1 && strings.EqualFold(strings.TrimSpace(rows[0][1]), "Show boosts"):
			kind = "following"
		case header && len(rows[0]) > 1 && strings.EqualFold(strings.TrimSpace(rows[0][1]), "Hide notifications"):
			kind = "mutes"
		case strings.Contains(lower, "follow"):
			kind = "following"
		case strings.Contains(lower, "mute"):
			kind = "mutes"
		case strings.Contains(lower, "block"):
			kind = "blocks"
		default:
			return userError{i18n.T(ctx, "form.import_csv_kind")}
		}
	}
	var count *int
	switch kind {
	case "following":
		count = &rep.Following
	case "blocks":
		count = &rep.Blocks
	case "mutes":
		count = &rep.Mutes
	default:
		return userError{i18n.T(ctx, "form.import_csv_kind")}
	}
	if header {
		rows = rows[1:]
	}
	host := h.exportHost()
	for _, row := range rows {
		if len(row) == 0 {
			continue
		}
		if err := h.restoreRelation(me, kind, strings.TrimPrefix(row[0], "\ufeff"), host, count, rep); err != nil {
			return err
		}
	}
	return nil
}
