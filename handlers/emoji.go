package handlers

import (
	"errors"
	"net/http"
	"strings"

	"majlis/i18n"
	"majlis/markup"
	"majlis/media"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Custom emoji: the admins' page (GET and POST /admin/emoji, POST
// /admin/emoji/{code}/delete), the composer's picker, and the pictures put
// in place of shortcodes in names and bios when they are shown (posts
// have theirs from when they were saved).

// emojiItems are the instance's emoji as the picker and the admin page
// list them; none when they cannot be read (the picker is a convenience).
func (h *Handler) emojiItems() []views.EmojiItem {
	list, err := h.db.LocalEmoji()
	if err != nil {
		return nil
	}
	out := make([]views.EmojiItem, 0, len(list))
	for _, e := range list {
		out = append(out, views.EmojiItem{Shortcode: e.Shortcode, URL: e.Path(), Width: e.Width, Height: e.Height})
	}
	return out
}

func (h *Handler) emojiAdminView(r *http.Request) views.EmojiAdmin {
	return views.EmojiAdmin{Emoji: h.emojiItems(), MaxSize: sizeText(r.Context(), h.cfg.MaxUploadBytes)}
}

// emojiAdmin is the admins' page of custom emoji.
func (h *Handler) emojiAdmin(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, views.EmojiAdminPage(h.adminPage(r, i18n.T(r.Context(), "emoji.admin.title")), h.adminFrame(r, "emoji"), h.emojiAdminView(r)))
}

// addEmoji stores an uploaded emoji (social.AddEmoji): 303 back to the
// page, or the page again with why it was refused: 400 for a bad or
// missing shortcode or file, 409 for a taken shortcode, 413 for a file
// too large, 415 for what is not a PNG, GIF or WebP.
func (h *Handler) addEmoji(w http.ResponseWriter, r *http.Request) {
	cleanup, err := h.parseUploadForm(r)
	defer cleanup()
	v := h.emojiAdminView(r)
	fail := func(err error) {
		code, msg := statusCtx(r.Context(), err)
		if code >= 500 {
			h.error(w, r, err)
			return
		}
		v.Error = msg
		h.render(w, r, code, views.EmojiAdminPage(h.adminPage(r, i18n.T(r.Context(), "emoji.admin.title")), h.adminFrame(r, "emoji"), v))
	}
	if err != nil {
		fail(err)
		return
	}
	code := strings.Trim(strings.TrimSpace(r.PostForm.Get("shortcode")), ":")
	v.Shortcode = code
	if !storage.ValidShortcode(code) {
		fail(errBadRequest(i18n.T(r.Context(), "emoji.shortcode_invalid")))
		return
	}
	files := uploadedFiles(r, "image")
	if len(files) != 1 {
		fail(errBadRequest(i18n.T(r.Context(), "emoji.image_missing")))
		return
	}
	fh := files[0]
	if fh.Size > h.cfg.MaxUploadBytes {
		fail(h.imageError(r.Context(), media.ErrTooLarge, fh.Filename))
		return
	}
	f, err := fh.Open()
	if err != nil {
		h.error(w, r, err)
		return
	}
	defer f.Close()
	_, err = h.social.AddEmoji(r.Context(), viewer(r).user, code, f, h.imageLimits(r.Context()))
	if err != nil {
		var se *social.Error
		if !errors.As(err, &se) {
			err = h.imageError(r.Context(), err, fh.Filename)
		}
		fail(err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "emoji.added", "code", code)})
	http.Redirect(w, r, "/admin/emoji", http.StatusSeeOther)
}

// deleteEmoji removes one of the instance's emoji.
func (h *Handler) deleteEmoji(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if err := h.social.DeleteEmoji(r.Context(), viewer(r).user, code); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "emoji.deleted", "code", code)})
	http.Redirect(w, r, "/admin/emoji", http.StatusSeeOther)
}

// emojifyHTML puts the pictures of domain's emoji into sanitized HTML (a
// bio) as it is shown.
func (h *Handler) emojifyHTML(domain, s string) string {
	codes := markup.EmojiShortcodes(s)
	if len(codes) == 0 {
		return s
	}
	m, err := h.db.EmojiMap(domain, codes)
	if err != nil || len(m) == 0 {
		return s
	}
	out, _ := markup.Emojify(s, func(code string) (string, bool) {
		e, ok := m[code]
		return e.Path(), ok
	})
	return out
}

// emojifyName is a display name as HTML with its emoji pictures, "" when
// it has none (the name is then shown as text).
func (h *Handler) emojifyName(domain, name string) string {
	codes := markup.EmojiShortcodes(name)
	if len(codes) == 0 {
		return "" // most names: no lookup at all
	}
	m, err := h.db.EmojiMap(domain, codes)
	if err != nil || len(m) == 0 {
		return ""
	}
	out, used := markup.EmojifyText(name, func(code string) (string, bool) {
		e, ok := m[code]
		return e.Path(), ok
	})
	if len(used) == 0 {
		return ""
	}
	return out
}

// nameHTML is an account's display name with its emoji as pictures (its
// server's emoji: ours for a member, those stored for a remote account's
// domain), "" when it has none. Every card, notification line and list
// row asks; storage remembers the lookups, so a page of them reads the
// file once at most.
func (h *Handler) nameHTML(u storage.User) string { return h.emojifyName(u.Domain, u.Name()) }
