package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"majlis/i18n"
	"majlis/media"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
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
		BioLimit:    social.MaxBioChars,
		Pictures:    h.picturesForm(ctx, me),
	}
	for _, l := range me.Links {
		f.Links = append(f.Links, views.LinkField{Label: l.Label, URL: l.URL})
	}
	f.Links = padLinks(f.Links)
	h.consentForm(&f, me) // consent.go
	qp, _ := social.QuotePolicyOf(me, "")
	f.Quotes = views.ComposeQuote{Policy: string(qp), Policies: quotePolicies(ctx)} // quotes.go
	return f
}

// padLinks gives the form its empty rows, up to social.MaxProfileLinks.
func padLinks(rows []views.LinkField) []views.LinkField {
	for len(rows) < social.MaxProfileLinks {
		rows = append(rows, views.LinkField{})
	}
	return rows
}

// saveSettings saves the profile form (social.UpdateProfile); a form
// with errors comes back (400) with the typed values and nothing is saved.
func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	ctx := r.Context()
	me := viewer(r).user
	ch, errs := parseProfileForm(ctx, r.PostForm)
	ch = ch.Clean()
	var problems *social.ProfileProblems
	if len(errs) > 0 {
		// A box the form cannot read: nothing is saved, and the other
		// fields' problems show with it.
		problems = h.social.CheckProfile(ctx, ch)
	} else if _, err := h.social.UpdateProfile(ctx, me, ch); err != nil {
		var se *social.Error
		if !errors.As(err, &se) || se.Field == "" {
			h.error(w, r, err)
			return
		}
		if !errors.As(err, &problems) {
			problems = &social.ProfileProblems{Fields: map[string]string{se.Field: se.Message}}
		}
	}
	if len(errs) == 0 && problems == nil {
		// The next page speaks the language just chosen: so does its flash.
		if l, ok := i18n.Parse(ch.Language); ok {
			ctx = i18n.WithLang(ctx, l)
		} else if ch.Language == "" && me.Language != "" {
			ctx = i18n.WithLang(ctx, i18n.Negotiate("", r.Header.Get("Accept-Language"), h.instance().Language))
		}
		h.setFlash(w, r, views.Flash{Message: i18n.T(ctx, "flash.profile_saved")})
		http.Redirect(w, r, "/settings", http.StatusSeeOther)
		return
	}
	f := h.changedProfileForm(ch, errs, problems)
	f.Error = i18n.T(ctx, "form.correct_fields_nothing_saved")
	f.Pictures = h.picturesForm(ctx, me)
	h.render(w, r, http.StatusBadRequest, views.SettingsProfilePage(h.page(r, i18n.T(ctx, "title.profile_settings"), "settings"), f))
}

// parseProfileForm reads the profile form into a change. The errors are
// those of boxes that are neither ticked nor unticked; the change itself
// is checked by social.
func parseProfileForm(ctx context.Context, v url.Values) (social.ProfileChange, map[string]string) {
	errs := map[string]string{}
	box := func(name string) bool {
		switch v.Get(name) {
		case "":
			return false
		case "on", "true", "1":
			return true
		}
		errs[name] = i18n.T(ctx, "form.checkbox_invalid")
		return false
	}
	ch := social.ProfileChange{
		DisplayName:       v.Get("display_name"),
		Bio:               v.Get("bio"),
		DefaultVisibility: storage.Visibility(v.Get("visibility")),
		Language:          v.Get("language"),
		Locked:            box("locked"),
		AITraining:        v.Get("ai_training"),
		Indexable:         box("indexable"),
		Bot:               box("bot"),
		HideBots:          box("hide_bots"),
		NoBotContact:      box("no_bot_contact"),
	}
	labels, urls := v["link_label"], v["link_url"]
	for i := range max(len(labels), len(urls)) {
		var l storage.ProfileLink
		if i < len(labels) {
			l.Label = labels[i]
		}
		if i < len(urls) {
			l.URL = urls[i]
		}
		ch.Links = append(ch.Links, l)
	}
	return ch, errs
}

// changedProfileForm is the profile form showing a refused change (already
// cleaned) with its problems.
func (h *Handler) changedProfileForm(ch social.ProfileChange, errs map[string]string, p *social.ProfileProblems) views.ProfileForm {
	allows := h.instance().AITrainingAllowed
	f := views.ProfileForm{
		DisplayName:  ch.DisplayName,
		Bio:          ch.Bio,
		Visibility:   string(ch.DefaultVisibility),
		Locked:       ch.Locked,
		Language:     ch.Language,
		BioLimit:     social.MaxBioChars,
		AITraining:   ch.AITraining,
		AIOptions:    views.AITrainingOptions(allows),
		Indexable:    ch.Indexable,
		Bot:          ch.Bot,
		HideBots:     ch.HideBots,
		NoBotContact: ch.NoBotContact,
		Errors:       errs,
	}
	if p != nil {
		for k, m := range p.Fields {
			f.Errors[k] = m
		}
	}
	for i, l := range ch.Links {
		row := views.LinkField{Label: l.Label, URL: l.URL}
		if p != nil && i < len(p.Links) {
			row.LabelError, row.URLError = p.Links[i].Label, p.Links[i].URL
		}
		f.Links = append(f.Links, row)
	}
	f.Links = padLinks(f.Links)
	return f
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
				me, err = h.social.SetProfileImage(r.Context(), me, p.slot, img)
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
			me, err = h.social.RemoveProfileImage(r.Context(), me, p.slot)
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

// checkLinkURL is social.CheckLinkURL with the message in English.
func checkLinkURL(raw string) (string, string) { return social.CheckLinkURL(context.Background(), raw) }

// checkLinkURLCtx is social.CheckLinkURL: an absolute http or https
// address in its canonical form, or the message to show.
func checkLinkURLCtx(ctx context.Context, raw string) (string, string) {
	return social.CheckLinkURL(ctx, raw)
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
