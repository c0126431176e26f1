package api

import (
	"net/http"

	"majlis/markup"
)

// Custom emoji in Mastodon's shapes: the instance's list
// (GET /api/v1/custom_emojis) and the emoji a status or an account uses.
// Content goes out with ":shortcode:" as text, the pictures beside it in
// `emojis`, as apps expect.

// customEmojis lists the instance's own emoji.
func (a *API) customEmojis(w http.ResponseWriter, r *http.Request, _ *Auth) {
	list, err := a.db.LocalEmoji()
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := make([]Emoji, 0, len(list))
	for _, e := range list {
		u := a.cfg.BaseURL + e.Path()
		out = append(out, Emoji{Shortcode: e.Shortcode, URL: u, StaticURL: u, VisibleInPicker: true})
	}
	writeJSON(w, http.StatusOK, out)
}

// emojisOf are the emoji of domain ("" for ours) named by codes, in
// order; an empty list (not null) when none.
func (a *API) emojisOf(domain string, codes []string) []Emoji {
	out := []Emoji{}
	if len(codes) == 0 {
		return out
	}
	m, err := a.db.EmojiMap(domain, codes)
	if err != nil {
		return out
	}
	for _, c := range codes {
		if e, ok := m[c]; ok {
			u := a.cfg.BaseURL + e.Path()
			out = append(out, Emoji{Shortcode: e.Shortcode, URL: u, StaticURL: u, VisibleInPicker: domain == ""})
		}
	}
	return out
}

// nameAndBioEmoji are the shortcodes an account's name and bio use.
func nameAndBioEmoji(name, bio string) []string {
	return markup.EmojiShortcodes(name + " " + bio)
}
