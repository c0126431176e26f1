package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"majlis/i18n"
	"majlis/markup"
	"majlis/media"
	"majlis/storage"
	"majlis/views"
)

const (
	// MaxBioChars is the longest bio source, in Unicode characters.
	MaxBioChars = 500
	// MaxProfileLinks is how many links a profile shows.
	MaxProfileLinks = 4
	maxLinkLabel    = 30
	maxLinkURL      = 500
)

// settings is the profile form.
func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	f := h.profileForm(r.Context(), viewer(r).user)
	h.render(w, r, http.StatusOK, views.SettingsProfilePage(h.page(r, i18n.T(r.Context(), "title.profile_settings"), "settings"), f))
}

// profileForm is the profile form filled with what u has saved.
func (h *Handler) profileForm(ctx context.Context, me storage.User) views.ProfileForm {
	f := views.ProfileForm{
		DisplayName: me.DisplayName,
		Bio:         me.Bio,
		Visibility:  string(me.PostVisibility()),
		Locked:      me.Locked,
		Language:    me.Language,
		BioLimit:    MaxBioChars,
		Pictures:    h.picturesForm(ctx, me),
	}
	for _, l := range me.Links {
		f.Links = append(f.Links, views.LinkField{Label: l.Label, URL: l.URL})
	}
	f.Links = padLinks(f.Links)
	h.consentForm(&f, me) // consent.go
	return f
}

// padLinks gives the form its empty rows, up to MaxProfileLinks.
func padLinks(rows []views.LinkField) []views.LinkField {
	for len(rows) < MaxProfileLinks {
		rows = append(rows, views.LinkField{})
	}
	return rows
}

// saveSettings validates and saves the profile form in one transaction;
// a form with errors comes back (400) with the typed values and nothing is
// saved.
func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	f, up := parseProfileFormCtx(r.Context(), r.PostForm)
	h.parseConsentForm(r, &f, &up) // consent.go
	if len(f.Errors) == 0 {
		res, err := markup.RenderPost(up.Bio, markup.Options{Mention: h.bioMention})
		if err != nil {
			h.error(w, r, err)
			return
		}
		up.BioHTML = res.HTML
		if _, err := h.db.UpdateProfile(me.ID, up); err != nil {
			if !errors.Is(err, storage.ErrInvalid) {
				h.error(w, r, err)
				return
			}
			f.Errors["visibility"] = i18n.T(r.Context(), "form.visibility_invalid")
		}
	}
	if len(f.Errors) > 0 {
		f.Error = i18n.T(r.Context(), "form.correct_fields_nothing_saved")
		f.Pictures = h.picturesForm(r.Context(), me)
		h.render(w, r, http.StatusBadRequest, views.SettingsProfilePage(h.page(r, i18n.T(r.Context(), "title.profile_settings"), "settings"), f))
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.profile_saved")})
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}

// picturesForm is the avatar and header form for u.
func (h *Handler) picturesForm(ctx context.Context, u storage.User) views.ProfilePictures {
	return views.ProfilePictures{
		Avatar:    avatarOf(u),
		HasAvatar: !u.Avatar.IsZero(),
		Header:    bannerOf(u),
		MaxSize:   sizeText(ctx, h.cfg.MaxUploadBytes),
	}
}

// profilePicture is one picture of the pictures form.
type profilePicture struct {
	field, remove string
	slot          storage.ProfileSlot
	convert       func(io.Reader, media.Limits) (media.Image, error)
	// saved and removed are the messages of each change.
	saved, removed func(context.Context) string
}

var profilePictures = []profilePicture{
	{"avatar", "remove_avatar", storage.AvatarSlot, media.Avatar,
		func(ctx context.Context) string { return i18n.T(ctx, "flash.avatar_saved") },
		func(ctx context.Context) string { return i18n.T(ctx, "flash.avatar_removed") }},
	{"header", "remove_header", storage.HeaderSlot, media.Header,
		func(ctx context.Context) string { return i18n.T(ctx, "flash.header_saved") },
		func(ctx context.Context) string { return i18n.T(ctx, "flash.header_removed") }},
}

// saveProfileImages uploads or removes the avatar and the header picture
// (a plain multipart form, with or without JavaScript). A new picture
// replaces the old, whose files go when nothing else uses them. A refused
// file (413, 415, 400) shows the settings page again with the reason; a
// picture saved before it in the same form stays saved.
func (h *Handler) saveProfileImages(w http.ResponseWriter, r *http.Request) {
	cleanup, err := h.parseUploadForm(r)
	defer cleanup()
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	var done []string
	for _, p := range profilePictures {
		files := uploadedFiles(r, p.field)
		switch {
		case len(files) > 0:
			img, err := h.processUpload(r.Context(), files[0], p.convert)
			if err == nil {
				me, err = h.db.SetProfileImage(me.ID, p.slot, fileOf(img.Display), fileOf(img.Thumb))
			}
			if err != nil {
				code, msg := statusCtx(r.Context(), err)
				if code >= 500 {
					h.error(w, r, err)
					return
				}
				f := h.profileForm(r.Context(), me)
				f.Pictures.Error = strings.Join(append(done, msg), " ")
				h.render(w, r, code, views.SettingsProfilePage(h.page(r, i18n.T(r.Context(), "title.profile_settings"), "settings"), f))
				return
			}
			done = append(done, p.saved(r.Context()))
		case r.PostForm.Get(p.remove) != "":
			me, err = h.db.RemoveProfileImage(me.ID, p.slot)
			if err != nil {
				h.error(w, r, err)
				return
			}
			done = append(done, p.removed(r.Context()))
		}
	}
	msg := strings.Join(done, " ")
	if msg == "" {
		msg = i18n.T(r.Context(), "flash.pictures_unchanged")
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/settings#pictures", http.StatusSeeOther)
}

// bioMention links @names in a bio to the accounts that exist.
func (h *Handler) bioMention(name string) (string, string, bool) {
	if !validUsername(name) {
		return "", "", false
	}
	u, err := h.db.LocalUser(name)
	if err != nil {
		return "", "", false
	}
	return userPath(u), u.Username, true
}

// parseProfileForm validates every field of the profile form. It returns
// the form to show again (typed values, errors) and, when there are no
// errors, the update to save (BioHTML still to render).
func parseProfileForm(v url.Values) (views.ProfileForm, storage.ProfileUpdate) {
	return parseProfileFormCtx(context.Background(), v)
}

// parseProfileFormCtx is parseProfileForm with the messages in the
// language of ctx.
func parseProfileFormCtx(ctx context.Context, v url.Values) (views.ProfileForm, storage.ProfileUpdate) {
	f := views.ProfileForm{
		DisplayName: strings.TrimSpace(v.Get("display_name")),
		Bio:         strings.TrimRightFunc(strings.ReplaceAll(v.Get("bio"), "\r\n", "\n"), unicode.IsSpace),
		Visibility:  v.Get("visibility"),
		Language:    v.Get("language"),
		BioLimit:    MaxBioChars,
		Errors:      map[string]string{},
	}
	up := storage.ProfileUpdate{DisplayName: f.DisplayName, Bio: f.Bio, Language: f.Language}
	if f.Language != "" && !storage.ValidLanguage(f.Language) {
		f.Errors["language"] = i18n.T(ctx, "form.language_invalid")
	}

	if e := displayNameErrorCtx(ctx, f.DisplayName); e != "" {
		f.Errors["display_name"] = e
	}
	switch n := markup.Length(f.Bio); {
	case !utf8.ValidString(f.Bio):
		f.Errors["bio"] = i18n.T(ctx, "form.bio_invalid")
	case n > MaxBioChars:
		f.Errors["bio"] = i18n.N(ctx, "form.bio_too_long", n, "limit", MaxBioChars)
	}

	labels, urls := v["link_label"], v["link_url"]
	used := 0
	for i := range max(len(labels), len(urls)) {
		var row views.LinkField
		if i < len(labels) {
			row.Label = strings.TrimSpace(labels[i])
		}
		if i < len(urls) {
			row.URL = strings.TrimSpace(urls[i])
		}
		if row.Label == "" && row.URL == "" {
			continue
		}
		used++
		link := storage.ProfileLink{Label: row.Label}
		row.LabelError = linkLabelError(ctx, row.Label)
		link.URL, row.URLError = checkLinkURLCtx(ctx, row.URL)
		if row.LabelError != "" || row.URLError != "" {
			f.Errors["links"] = i18n.T(ctx, "form.correct_links")
		}
		f.Links = append(f.Links, row)
		up.Links = append(up.Links, link)
	}
	if used > MaxProfileLinks {
		f.Errors["links"] = i18n.N(ctx, "form.too_many_links", MaxProfileLinks, "entered", used)
	}
	f.Links = padLinks(f.Links)

	up.DefaultVisibility = storage.Visibility(f.Visibility)
	if !up.DefaultVisibility.Valid() {
		f.Errors["visibility"] = i18n.T(ctx, "form.visibility_invalid")
	}
	switch v.Get("locked") {
	case "":
	case "on", "true", "1":
		f.Locked, up.Locked = true, true
	default:
		f.Errors["locked"] = i18n.T(ctx, "form.checkbox_invalid")
	}
	return f, up
}

func linkLabelError(ctx context.Context, label string) string {
	switch {
	case label == "":
		return i18n.T(ctx, "form.link_label_required")
	case !utf8.ValidString(label) || strings.ContainsFunc(label, isControl):
		return i18n.T(ctx, "form.link_label_invalid")
	case utf8.RuneCountInString(label) > maxLinkLabel:
		return i18n.N(ctx, "form.at_most_chars", maxLinkLabel)
	}
	return ""
}

// checkLinkURL accepts an absolute http or https address with a host and
// no user name or password (which could disguise the host), returning it
// in its canonical form or the message to show.
func checkLinkURL(raw string) (string, string) { return checkLinkURLCtx(context.Background(), raw) }

// checkLinkURLCtx is checkLinkURL with the message in the language of
// ctx.
func checkLinkURLCtx(ctx context.Context, raw string) (string, string) {
	if raw == "" {
		return "", i18n.T(ctx, "form.url_required")
	}
	if len(raw) > maxLinkURL {
		return "", i18n.T(ctx, "form.url_too_long")
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || isControl(r) }) {
		return "", i18n.T(ctx, "form.url_spaces")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", i18n.T(ctx, "form.url_invalid")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "":
		return "", i18n.T(ctx, "form.url_no_scheme")
	case scheme != "http" && scheme != "https":
		return "", i18n.T(ctx, "form.url_bad_scheme")
	case u.Opaque != "" || u.Hostname() == "":
		return "", i18n.T(ctx, "form.url_no_host")
	case u.User != nil:
		return "", i18n.T(ctx, "form.url_userinfo")
	}
	u.Scheme = scheme
	return u.String(), ""
}

// account is the account settings page: sessions.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	n, err := h.db.CountUserSessions(viewer(r).user.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.AccountSettingsPage(h.page(r, i18n.T(r.Context(), "title.account_settings"), "settings"), views.Settings{Sessions: n}))
}

func (h *Handler) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	n, err := h.db.DeleteUserSessions(viewer(r).user.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.endSession(w, r); err != nil {
		h.error(w, r, err)
		return
	}
	msg := i18n.T(r.Context(), "flash.logged_out_everywhere")
	if n > 1 {
		msg = i18n.T(r.Context(), "flash.logged_out_all_sessions")
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// peopleSettings lists follow requests, blocked or muted accounts (the
// three settings lists), with infinite scroll under HTMX.
func (h *Handler) peopleSettings(w http.ResponseWriter, r *http.Request, kind, title, empty string, list func(storage.ID, storage.Page) (storage.UserList, error)) {
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page.Limit = 40
	l, err := list(viewer(r).user.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	self := "/settings/" + kind
	lv := views.PeopleList{Kind: kind, Empty: empty}
	for _, u := range l.Users {
		pe := views.Person{User: h.userItem(r, u), Username: u.Username, Next: self}
		switch kind {
		case "requests":
			pe.Request = requestActions(u, self)
		case "blocks":
			pe.UndoURL, pe.UndoLabel = userPath(u)+"/unblock", i18n.T(r.Context(), "label.unblock")
		case "mutes":
			pe.UndoURL, pe.UndoLabel = userPath(u)+"/unmute", i18n.T(r.Context(), "label.unmute")
		}
		lv.People = append(lv.People, pe)
	}
	if l.Next != 0 {
		lv.MoreURL = withBefore(self, l.Next)
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.PeopleItems(lv))
		return
	}
	h.render(w, r, http.StatusOK, views.PeopleSettingsPage(h.page(r, title, "settings"), lv))
}

func requestActions(u storage.User, next string) *views.RequestActions {
	base := "/settings/requests/" + u.Username
	return &views.RequestActions{AcceptURL: base + "/accept", RejectURL: base + "/reject", Next: next}
}

func (h *Handler) followRequests(w http.ResponseWriter, r *http.Request) {
	empty := i18n.T(r.Context(), "empty.follow_requests")
	if !viewer(r).user.Locked {
		empty += " " + i18n.T(r.Context(), "empty.follow_requests_open")
	}
	h.peopleSettings(w, r, "requests", i18n.T(r.Context(), "title.follow_requests"), empty, h.db.FollowRequests)
}

func (h *Handler) blockedList(w http.ResponseWriter, r *http.Request) {
	h.peopleSettings(w, r, "blocks", i18n.T(r.Context(), "title.blocked"), i18n.T(r.Context(), "empty.blocked"), h.db.Blocked)
}

func (h *Handler) mutedList(w http.ResponseWriter, r *http.Request) {
	h.peopleSettings(w, r, "mutes", i18n.T(r.Context(), "title.muted"), i18n.T(r.Context(), "empty.muted"), h.db.Muted)
}

func (h *Handler) acceptRequest(w http.ResponseWriter, r *http.Request) {
	h.answerRequest(w, r, true)
}

func (h *Handler) rejectRequest(w http.ResponseWriter, r *http.Request) {
	h.answerRequest(w, r, false)
}

// answerRequest accepts or rejects a follow request (package social
// decides). Under HTMX the request's row (in the settings list or the
// notifications) becomes the outcome; without it the browser returns to
// "next".
func (h *Handler) answerRequest(w http.ResponseWriter, r *http.Request, accept bool) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	var msg string
	if accept {
		err = h.social.AcceptFollow(r.Context(), me, u)
		msg = i18n.T(r.Context(), "flash.request_accepted", "name", u.Username)
	} else {
		err = h.social.RejectFollow(r.Context(), me, u)
		msg = i18n.T(r.Context(), "flash.request_rejected", "name", u.Username)
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.PersonDoneRow(views.PersonDone{User: h.userItem(r, u), Message: msg}))
		return
	}
	next := r.PostForm.Get("next")
	if next == "" {
		next = "/settings/requests"
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}
