package handlers

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"majlis/bounded"
	"majlis/i18n"
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
//     listed in the report. A followed account that has moved since is
//     followed where it moved, when that is here too (a member who moved
//     brings their follows along by importing the old account's archive).
//   - The profile, likes and bookmarks are not imported.
//   - Imported posts pass the composer's rules: the same content warning
//     rule (storage.CleanWarning) and length limit. A post that fails is
//     left out, and the report says why, as for every post left out.
//
// Everything outside comes in within budgets counted while it is read
// (package bounded, importBudgets): entries of the archive, bytes each
// unpacks to and all of them together, and in JSON files strings, lists,
// nesting and the size of each post. An import reads the archive twice:
// first everything that could refuse it, writing nothing, then the same
// again to write. So a refused import (400, 413) changes nothing, and
// one that is cut short (a crash) is finished by importing the archive
// again, which adds only what is missing.

// importBodyLimit caps the body of POST /settings/data/import (see bodyLimit).
const importBodyLimit = 200 << 20

// importPath is the import route, which has its own body cap.
const importPath = "/settings/data/import"

// importBudget is what one import may unpack and decode.
type importBudget struct {
	archive bounded.ZipLimits
	posts   bounded.Limits // posts.json
	lists   bounded.Limits // following.json, blocks.json, mutes.json
	csv     bounded.CSVLimits
}

// importBudgets are generous for a real archive, a member's 50,000 posts
// with their images (about 100 MB of posts.json), and refuse a hostile
// one long before it costs memory: each post is decoded alone, and no
// string is held longer than 256 KB. README ("Your data") lists them.
var importBudgets = importBudget{
	archive: bounded.ZipLimits{Files: 200_000, Name: 255, Total: 2 << 30},
	posts: bounded.Limits{
		Bytes: 512 << 20, String: 256 << 10, Items: 10_000, Depth: 16,
		Entries: 500_000, Entry: 1 << 20,
	},
	lists: bounded.Limits{Bytes: 16 << 20, String: 4 << 10, Items: 200_000, Depth: 8},
	csv:   bounded.CSVLimits{Bytes: 16 << 20, Record: 4 << 10, Records: 200_000},
}

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
		var a *bounded.Archive
		if a, err = bounded.OpenZip(f, fh.Size, importBudgets.archive); err != nil {
			err = importRefusal(r.Context(), "", err)
		} else {
			err = h.importArchive(r, me, a, &rep)
		}
	} else {
		err = h.importCSV(r.Context(), me, f, fh.Filename, r.PostForm.Get("kind"), &rep)
	}
	if err != nil {
		var ue userError
		if errors.As(err, &ue) {
			fail(ue.status, ue.msg)
			return
		}
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.DataSettingsPage(h.page(r, i18n.T(r.Context(), "title.your_data"), "settings"), views.DataSettings{Report: &rep}))
}

// userError is an import refused, with the status to answer and the
// message to show on the form.
type userError struct {
	status int
	msg    string
}

func (e userError) Error() string { return e.msg }

func badImport(msg string) userError { return userError{http.StatusBadRequest, msg} }

// importRefusal turns a refusal of package bounded, about file of the
// archive ("" for the archive itself or a CSV file), into the message to
// show: 413 for a budget passed, 400 for malformed input. Other errors
// pass through.
func importRefusal(ctx context.Context, file string, err error) error {
	var be *bounded.Error
	if !errors.As(err, &be) {
		return err
	}
	if be.Name != "" {
		file = be.Name
	}
	too := func(msg string) error { return userError{http.StatusRequestEntityTooLarge, msg} }
	value := func(what string) error {
		return too(i18n.T(ctx, "form.import_too_much", "file", file, "what", what))
	}
	switch be.Kind {
	case bounded.TooManyFiles:
		return too(i18n.T(ctx, "form.import_too_many_files", "n", int(be.Limit)))
	case bounded.ArchiveTooLarge:
		return too(i18n.T(ctx, "form.import_archive_too_large", "size", sizeText(ctx, be.Limit)))
	case bounded.FileTooLarge, bounded.TooManyBytes:
		return too(i18n.T(ctx, "form.import_file_too_large", "file", file, "size", sizeText(ctx, be.Limit)))
	case bounded.StringTooLong:
		return value(i18n.T(ctx, "form.import_limit_string", "size", sizeText(ctx, be.Limit)))
	case bounded.TooManyItems:
		return value(i18n.T(ctx, "form.import_limit_items", "n", int(be.Limit)))
	case bounded.TooDeep:
		return value(i18n.T(ctx, "form.import_limit_depth", "n", int(be.Limit)))
	case bounded.TooManyEntries:
		return value(i18n.T(ctx, "form.import_limit_entries", "n", int(be.Limit)))
	case bounded.EntryTooLarge:
		return value(i18n.T(ctx, "form.import_limit_entry", "size", sizeText(ctx, be.Limit)))
	case bounded.BadName:
		return badImport(i18n.T(ctx, "form.import_bad_name", "name", entryLabel(be.Name)))
	}
	if file == "" {
		return badImport(i18n.T(ctx, "form.import_bad_zip"))
	}
	if errors.Is(err, bounded.ErrNotList) {
		return badImport(i18n.T(ctx, "form.import_not_list", "file", file))
	}
	reason := be.Error()
	if be.Err != nil {
		reason = be.Err.Error()
	}
	return badImport(i18n.T(ctx, "form.import_damaged", "file", file, "reason", reason))
}

// entryLabel is an archive entry's name as a message may quote it: valid
// UTF-8, without control characters, at most 60 characters.
func entryLabel(name string) string {
	name = strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, "\uFFFD"))
	if r := []rune(name); len(r) > 60 {
		name = string(r[:59]) + "…"
	}
	return name
}

// archivePost is an entry of posts.json, as the import reads it.
type archivePost struct {
	URI         string         `json:"uri"`
	Created     time.Time      `json:"created"`
	Edited      time.Time      `json:"edited"`
	Visibility  string         `json:"visibility"`
	CW          string         `json:"cw"`
	Source      string         `json:"source"`
	InReplyTo   string         `json:"in_reply_to"`
	RepostOf    string         `json:"repost_of"`
	Attachments []archiveImage `json:"attachments"`
}

// archiveImage is an attachment of a post in posts.json.
type archiveImage struct {
	File string `json:"file"` // "media/HASH.ext"
	Alt  string `json:"alt"`
}

// archiveAccount is an entry of following.json, blocks.json and
// mutes.json.
type archiveAccount struct {
	Account string `json:"account"`
}

// relationFiles are the archive's lists of accounts the import restores.
var relationFiles = []struct{ file, kind string }{
	{"following.json", "following"},
	{"blocks.json", "blocks"},
	{"mutes.json", "mutes"},
}

// eachArchivePost decodes posts.json one post at a time.
func eachArchivePost(a *bounded.Archive, fn func(archivePost) error) error {
	rc, err := a.Open("posts.json", importBudgets.posts.Bytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := bounded.NewDecoder(rc, importBudgets.posts)
	if err := bounded.Each(d, fn); err != nil {
		return err
	}
	return d.End()
}

func (h *Handler) importArchive(r *http.Request, me storage.User, a *bounded.Archive, rep *views.ImportReport) error {
	ctx := r.Context()
	if _, ok := a.Size("posts.json"); !ok {
		return badImport(i18n.T(ctx, "form.import_no_posts"))
	}

	// First pass: read all that could refuse the archive, write nothing.
	// posts.json is decoded post by post and forgotten; what the second
	// pass will unpack is added up: posts.json again, and the images the
	// posts name (never more than they declare: the zip reader refuses an
	// entry longer than its header says).
	var images int64
	err := eachArchivePost(a, func(ap archivePost) error {
		for _, im := range postImages(a, ap) {
			if size, _ := a.Size(im.File); size <= h.cfg.MaxUploadBytes {
				images += size // larger ones are refused unread
			}
		}
		return nil
	})
	if err != nil {
		return importRefusal(ctx, "posts.json", err)
	}
	posts := a.Unpacked()
	lists := make([][]archiveAccount, len(relationFiles))
	for i, rel := range relationFiles {
		if _, ok := a.Size(rel.file); !ok {
			continue
		}
		if err := decodeArchiveJSON(a, rel.file, &lists[i]); err != nil {
			return importRefusal(ctx, rel.file, err)
		}
	}
	if need := a.Unpacked() + posts + images; need > importBudgets.archive.Total {
		return importRefusal(ctx, "", &bounded.Error{Kind: bounded.ArchiveTooLarge, Limit: importBudgets.archive.Total})
	}

	// Second pass: write.
	limit := h.postLimit()
	skipped := map[skipReason]int{}
	err = eachArchivePost(a, func(ap archivePost) error {
		why, err := h.importPost(r, me, a, ap, limit, rep)
		if err != nil {
			return err
		}
		if why == imported {
			rep.Posts++
		} else {
			rep.SkippedPosts++
			skipped[why]++
		}
		return nil
	})
	if err != nil {
		return importRefusal(ctx, "posts.json", err)
	}
	rep.Skips = skipLines(ctx, skipped, limit)

	host := h.exportHost()
	for i, rel := range relationFiles {
		count := relationCount(rep, rel.kind)
		for _, acc := range lists[i] {
			if err := h.restoreRelation(me, rel.kind, acc.Account, host, count, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeArchiveJSON decodes the whole JSON file name of the archive (a
// short list) into v.
func decodeArchiveJSON(a *bounded.Archive, name string, v any) error {
	rc, err := a.Open(name, importBudgets.lists.Bytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	return bounded.Decode(rc, v, importBudgets.lists)
}

// skipReason says why a post of the archive was not imported.
type skipReason int

const (
	imported           skipReason = iota
	skipHere                      // imported before
	skipRepost                    // a repost: no text of its own
	skipEmpty                     // no text nor image, or no original address or date
	skipTooLong                   // longer than the instance's post limit
	skipWarningTooLong            // content warning too long
	skipWarningInvalid            // content warning with characters that cannot be shown
	skipInvalid                   // dated in the future, or refused by storage
)

// skipLines are the report's lines of posts left out, a line a reason,
// in the order of skipReason.
func skipLines(ctx context.Context, skipped map[skipReason]int, limit int) []views.ImportSkip {
	var lines []views.ImportSkip
	for why := skipHere; why <= skipInvalid; why++ {
		n := skipped[why]
		if n == 0 {
			continue
		}
		var text string
		switch why {
		case skipHere:
			text = i18n.T(ctx, "data.skip.here")
		case skipRepost:
			text = i18n.T(ctx, "data.skip.repost")
		case skipEmpty:
			text = i18n.T(ctx, "data.skip.empty")
		case skipTooLong:
			text = i18n.T(ctx, "data.skip.too_long", "limit", limit)
		case skipWarningTooLong:
			text = i18n.T(ctx, "data.skip.cw_too_long", "limit", storage.MaxWarningChars)
		case skipWarningInvalid:
			text = i18n.T(ctx, "data.skip.cw_invalid")
		case skipInvalid:
			text = i18n.T(ctx, "data.skip.invalid")
		}
		lines = append(lines, views.ImportSkip{Reason: text, N: n})
	}
	return lines
}

// importPost imports one post of the archive, or says why it is left
// out. The post passes the composer's rules first (its content warning,
// its length), then its images are processed like uploads.
func (h *Handler) importPost(r *http.Request, me storage.User, a *bounded.Archive, ap archivePost, limit int, rep *views.ImportReport) (skipReason, error) {
	switch {
	case ap.RepostOf != "":
		return skipRepost, nil
	case ap.URI == "" || ap.Created.IsZero() || strings.TrimSpace(ap.Source) == "" && len(ap.Attachments) == 0:
		return skipEmpty, nil
	case ap.Created.After(h.cfg.Now()) || ap.Created.Before(time.UnixMilli(0)):
		return skipInvalid, nil // before its images are stored for nothing
	}
	if _, ok, err := h.db.ImportedPost(me.ID, ap.URI); err != nil || ok {
		return skipHere, err
	}
	cw, problem := storage.CleanWarning(ap.CW)
	switch problem {
	case storage.WarningTooLong:
		return skipWarningTooLong, nil
	case storage.WarningUnshowable:
		return skipWarningInvalid, nil
	}
	source := ap.Source
	if strings.TrimSpace(source) != "" {
		var problem string
		if source, problem = draft(source, limit); problem != "" {
			return skipTooLong, nil
		}
	}
	vis := storage.Visibility(ap.Visibility)
	if !vis.Valid() {
		vis = storage.FollowersOnly
	}
	res, _, err := h.renderPost(source)
	if err != nil {
		return skipInvalid, nil
	}
	p := storage.Post{
		AuthorID: me.ID, Source: source, HTML: res.HTML, Visibility: vis,
		CreatedAt: ap.Created, EditedAt: ap.Edited, ContentWarning: cw,
		Tags: res.Tags, ImportedFrom: ap.URI,
	}
	seen := map[string]bool{}
	for _, im := range postImages(a, ap) {
		att, err := h.importImage(r, me, a, im.File)
		if err != nil {
			continue // an image that does not decode is left out
		}
		if seen[att.Display] {
			continue
		}
		seen[att.Display] = true
		alt, _ := cleanAlt(r.Context(), im.Alt, len(p.Attachments)+1)
		if len([]rune(alt)) > storage.MaxAltChars {
			alt = string([]rune(alt)[:storage.MaxAltChars])
		}
		att.Alt = alt
		p.Attachments = append(p.Attachments, att)
	}
	if res.HTML == "" && len(p.Attachments) == 0 {
		return skipEmpty, nil // text that renders to nothing, images that did not decode
	}
	err = h.db.ImportPost(&p, func(id storage.ID) string { return h.postURI(me.Username, id) })
	switch {
	case errors.Is(err, storage.ErrExists):
		return skipHere, nil
	case errors.Is(err, storage.ErrInvalid):
		return skipInvalid, nil
	case err != nil:
		return 0, err
	}
	rep.Images += len(p.Attachments)
	return imported, nil
}

// postImages are the images of ap the import reads: the first
// storage.MaxAttachments of its attachments that name a file of the
// archive's media folder.
func postImages(a *bounded.Archive, ap archivePost) []archiveImage {
	var ims []archiveImage
	for _, im := range ap.Attachments {
		if len(ims) == storage.MaxAttachments {
			break
		}
		if _, ok := a.Size(im.File); ok && strings.HasPrefix(im.File, "media/") {
			ims = append(ims, im)
		}
	}
	return ims
}

// importImage processes an image of the archive like an upload.
func (h *Handler) importImage(r *http.Request, me storage.User, a *bounded.Archive, file string) (storage.Attachment, error) {
	rc, err := a.Open(file, h.cfg.MaxUploadBytes)
	if err != nil {
		return storage.Attachment{}, err
	}
	defer rc.Close()
	return h.social.UploadImage(r.Context(), me, io.LimitReader(rc, h.cfg.MaxUploadBytes+1), h.imageLimits(r.Context()))
}

// relationCount is the report's count of the relations of kind
// ("following", "blocks", "mutes"); nil for another kind.
func relationCount(rep *views.ImportReport, kind string) *int {
	switch kind {
	case "following":
		return &rep.Following
	case "blocks":
		return &rep.Blocks
	case "mutes":
		return &rep.Mutes
	}
	return nil
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
	if kind == "following" && u.MovedTo != "" {
		// The account moved since the archive was made: its new account
		// is the one to follow, when it is a member here too.
		if to, terr := h.social.LocalUserByURI(u.MovedTo); terr == nil {
			u = to
		}
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
// header and the file name. The file is read twice, record by record:
// first to the end within the budgets, writing nothing, then to restore.
func (h *Handler) importCSV(ctx context.Context, me storage.User, f multipart.File, name, kind string, rep *views.ImportReport) error {
	var first []string
	err := eachCSVRecord(f, func(i int, rec []string) error {
		if i == 0 {
			first = slices.Clone(rec)
		}
		return nil
	})
	if err != nil {
		var be *bounded.Error
		if errors.As(err, &be) && be.Kind.TooLarge() {
			return userError{http.StatusRequestEntityTooLarge, i18n.T(ctx, "form.import_csv_too_large",
				"records", importBudgets.csv.Records, "size", sizeText(ctx, int64(importBudgets.csv.Record)), "total", sizeText(ctx, importBudgets.csv.Bytes))}
		}
		return badImport(i18n.T(ctx, "form.import_bad_file"))
	}
	header := len(first) > 0 && strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(first[0], "\ufeff")), "Account address")
	if kind == "" {
		lower := strings.ToLower(name)
		switch {
		case header && len(first) > 1 && strings.EqualFold(strings.TrimSpace(first[1]), "Show boosts"):
			kind = "following"
		case header && len(first) > 1 && strings.EqualFold(strings.TrimSpace(first[1]), "Hide notifications"):
			kind = "mutes"
		case strings.Contains(lower, "follow"):
			kind = "following"
		case strings.Contains(lower, "mute"):
			kind = "mutes"
		case strings.Contains(lower, "block"):
			kind = "blocks"
		default:
			return badImport(i18n.T(ctx, "form.import_csv_kind"))
		}
	}
	count := relationCount(rep, kind)
	if count == nil {
		return badImport(i18n.T(ctx, "form.import_csv_kind"))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	host := h.exportHost()
	return eachCSVRecord(f, func(i int, rec []string) error {
		if i == 0 && header || len(rec) == 0 {
			return nil
		}
		return h.restoreRelation(me, kind, strings.TrimPrefix(rec[0], "\ufeff"), host, count, rep)
	})
}

// eachCSVRecord reads a CSV file within importBudgets.csv, one record at
// a time (the slice is reused).
func eachCSVRecord(r io.Reader, fn func(i int, rec []string) error) error {
	cr := bounded.NewCSVReader(r, importBudgets.csv)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(i, rec); err != nil {
			return err
		}
	}
}
