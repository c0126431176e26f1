package api

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"majlis/media"
	"majlis/social"
	"majlis/storage"
)

// updateCredentials changes the member's profile as the web's settings
// do. Mastodon's update is partial: what the app leaves out stays as it
// is, so the change starts from the profile as saved. The pictures go
// through the web's image pipeline (media.Avatar, media.Header) and are
// decoded before anything is saved, so a refused picture changes
// nothing; the profile is then saved in one action (social.UpdateProfile,
// when any of its fields was sent) and each new picture in one more
// (social.SetProfileImage), as the web's two forms do.
func (a *API) updateCredentials(w http.ResponseWriter, r *http.Request, au *Auth) {
	ctx := a.langContext(r, au)
	ps, cleanup, err := readParams(w, r, a.uploadBodyLimit())
	defer cleanup()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	me := au.User
	ch, changed, problem := a.profileChange(me, ps)
	if problem != "" {
		writeError(w, http.StatusUnprocessableEntity, problem)
		return
	}

	type picture struct {
		slot storage.ProfileSlot
		img  media.Image
	}
	var pictures []picture
	for _, p := range []struct {
		field   string
		slot    storage.ProfileSlot
		convert func(io.Reader, media.Limits) (media.Image, error)
	}{{"avatar", storage.AvatarSlot, media.Avatar}, {"header", storage.HeaderSlot, media.Header}} {
		fh := ps.file(p.field)
		if fh == nil {
			continue
		}
		img, err := a.decodeUpload(r, fh, p.convert)
		if err != nil {
			if !a.imageFailure(w, ctx, err) {
				a.fail(w, r, err)
			}
			return
		}
		pictures = append(pictures, picture{p.slot, img})
	}

	if changed {
		if me, err = a.soc.UpdateProfile(ctx, me, ch); err != nil {
			var pp *social.ProfileProblems
			if errors.As(err, &pp) {
				writeError(w, http.StatusUnprocessableEntity, profileProblems(pp))
				return
			}
			a.fail(w, r, err)
			return
		}
	}
	for _, p := range pictures {
		if me, err = a.soc.SetProfileImage(ctx, me, p.slot, p.img); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	a.writeCredentials(w, r, me)
}

// uploadBodyLimit is the most an update of the profile may send: its two
// pictures and the rest of the form (1 MB).
func (a *API) uploadBodyLimit() int64 { return 2*a.cfg.MaxUploadBytes + 1<<20 }

// decodeUpload turns an uploaded file into pictures with convert, within
// the web's budgets (the size of one image, the process's memory for
// images, waiting no longer than the request).
func (a *API) decodeUpload(r *http.Request, fh *multipart.FileHeader, convert func(io.Reader, media.Limits) (media.Image, error)) (media.Image, error) {
	if fh.Size > a.cfg.MaxUploadBytes {
		return media.Image{}, media.ErrTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return media.Image{}, err
	}
	defer f.Close()
	return convert(f, media.Limits{MaxBytes: a.cfg.MaxUploadBytes, Context: r.Context()})
}

// profileChange is u's profile with the fields an app sent changed, and
// whether any was sent; or what is wrong with a parameter that does not
// name a choice (the rules of the values are social's).
func (a *API) profileChange(u storage.User, ps *params) (ch social.ProfileChange, changed bool, problem string) {
	ch = social.ProfileChange{
		DisplayName: u.DisplayName, Bio: u.Bio, Links: u.Links,
		DefaultVisibility: u.DefaultVisibility, Locked: u.Locked, AITraining: u.AITraining,
		Indexable: u.Indexable, Bot: u.Bot, HideBots: u.HideBots, NoBotContact: u.NoBotContact,
		Language: u.Language,
	}
	if ch.DefaultVisibility == "" {
		ch.DefaultVisibility = u.PostVisibility()
	}
	text := func(name string, to *string) {
		if ps.has(name) {
			*to, changed = ps.Get(name), true
		}
	}
	flag := func(name string, to *bool) {
		if v, ok := ps.flag(name); ok {
			*to, changed = v, true
		}
	}
	text("display_name", &ch.DisplayName)
	text("note", &ch.Bio)
	flag("locked", &ch.Locked)
	flag("bot", &ch.Bot)
	// majlis has one switch for both: being found (Mastodon's
	// discoverable) and indexed (indexable), which wins when both come.
	flag("discoverable", &ch.Indexable)
	flag("indexable", &ch.Indexable)
	text("source[language]", &ch.Language)
	for _, name := range []string{"source[privacy]", "default_visibility"} {
		if ps.has(name) {
			v, ok := visibilityOf(ps.Get(name))
			if !ok {
				return ch, false, "Validation failed: Privacy is not one of public, unlisted, private, direct"
			}
			ch.DefaultVisibility, changed = v, true
		}
	}
	for _, name := range []string{"source[ai_training]", "ai_training"} {
		if ps.has(name) {
			v, ok := aiTrainingChoice(ps.Get(name))
			if !ok {
				return ch, false, "Validation failed: AI training is not one of inherit, no, yes"
			}
			ch.AITraining, changed = v, true
		}
	}
	if rows := ps.rows("fields_attributes", "name", "value"); len(rows) > 0 || ps.has("fields_attributes") {
		ch.Links, changed = nil, true
		for _, row := range rows {
			if a.isAITrainingField(u, row["name"]) {
				continue // shown by this API, not a link of the member's
			}
			ch.Links = append(ch.Links, storage.ProfileLink{Label: row["name"], URL: row["value"]})
		}
	}
	return ch, changed, ""
}

// profileParams names the profile's fields as the API's parameters.
var profileParams = []struct{ field, param string }{
	{"display_name", "display_name"}, {"bio", "note"}, {"visibility", "source[privacy]"},
	{"language", "source[language]"}, {"ai_training", "source[ai_training]"},
}

// profileProblems words a refused profile change for an app, which shows
// the message as it is: each field at fault by its parameter's name, and
// each refused link by its row (the web marks them beside the form).
func profileProblems(p *social.ProfileProblems) string {
	var msgs []string
	for _, f := range profileParams {
		if m := p.Fields[f.field]; m != "" {
			msgs = append(msgs, f.param+": "+m)
		}
	}
	linked := false
	for i, l := range p.Links {
		if l.Label != "" {
			msgs, linked = append(msgs, fmt.Sprintf("fields_attributes[%d][name]: %s", i, l.Label)), true
		}
		if l.URL != "" {
			msgs, linked = append(msgs, fmt.Sprintf("fields_attributes[%d][value]: %s", i, l.URL)), true
		}
	}
	if m := p.Fields["links"]; m != "" && !linked {
		msgs = append(msgs, "fields_attributes: "+m)
	}
	return "Validation failed: " + strings.Join(msgs, " ")
}
