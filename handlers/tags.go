package handlers

import (
	"net/http"
	"net/url"

	"majlis/i18n"
	"majlis/markup"
	"majlis/storage"
	"majlis/views"
)

// tag is the timeline of the public posts with a hashtag. Tags are
// case-insensitive (markup.NormalizeTag): /tags/Go and /tags/go show the
// same posts.
func (h *Handler) tag(w http.ResponseWriter, r *http.Request) {
	if tag, kind, ok := feedSuffix(r.PathValue("tag")); ok { // "/tags/TAG.rss", "/tags/TAG.atom" (feeds.go)
		h.tagFeed(w, r, tag, kind)
		return
	}
	tag := markup.NormalizeTag(r.PathValue("tag"))
	if tag == "" {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.not_hashtag")))
		return
	}
	base := "/tags/" + url.PathEscape(tag)
	fetch := func(p storage.Page) (storage.Timeline, error) { return h.db.TagTimeline(viewerID(r), tag, p) }
	t, page, done := h.readTimeline(w, r, base, fetch)
	if done {
		return
	}
	tv := h.timelineView(r, t, base, i18n.T(r.Context(), "empty.tag", "tag", tag))
	h.applyFilters(r, &tv, t, storage.FilterPublic) // filters.go
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.withLive(&tv, base, t, page)
	p := h.page(r, "#"+tag, "")
	p.Canonical = h.cfg.BaseURL + base
	p.Feeds = tagFeedLinks(tag, t)
	follow, err := h.tagFollow(r, tag) // filters.go
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.TagPage(p, tag, follow, tv))
}
