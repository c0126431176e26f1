package handlers

import (
	"net/http"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// home is the signed-in start page; visitors get the local timeline.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	v := viewer(r)
	if v == nil {
		h.local(w, r)
		return
	}
	fetch := func(p storage.Page) (storage.Timeline, error) { return h.db.HomeTimeline(v.user.ID, p) }
	t, page, done := h.readTimeline(w, r, "/", fetch)
	if done {
		return
	}
	tv := h.timelineView(r, t, "/", i18n.T(r.Context(), "empty.home"))
	h.applyFilters(r, &tv, t, storage.FilterHome) // filters.go
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.withLive(&tv, "/", t, page)
	h.render(w, r, http.StatusOK, views.HomePage(h.page(r, i18n.T(r.Context(), "title.home"), "home"), h.newCompose(r, nil), tv))
}

func (h *Handler) local(w http.ResponseWriter, r *http.Request) {
	fetch := func(p storage.Page) (storage.Timeline, error) { return h.db.LocalTimeline(viewerID(r), p) }
	base := r.URL.Path // "/" for visitors, "/local"
	if base != "/" {
		base = "/local"
	}
	t, page, done := h.readTimeline(w, r, base, fetch)
	if done {
		return
	}
	tv := h.timelineView(r, t, "/local", i18n.T(r.Context(), "empty.local"))
	h.applyFilters(r, &tv, t, storage.FilterPublic) // filters.go
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.withLive(&tv, base, t, page)
	intro := ""
	if viewer(r) == nil {
		intro = h.localIntro(r.Context()) // flows.go
	}
	p := h.page(r, i18n.T(r.Context(), "title.local"), "local")
	p.Canonical = h.cfg.BaseURL + "/local"
	h.render(w, r, http.StatusOK, views.LocalPage(p, intro, tv))
}

// bookmarks is the signed-in user's private bookmarks.
func (h *Handler) bookmarks(w http.ResponseWriter, r *http.Request) {
	page, err := h.timelinePage(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.db.Bookmarks(viewer(r).user.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tv := h.timelineView(r, t, "/bookmarks", i18n.T(r.Context(), "empty.bookmarks"))
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.render(w, r, http.StatusOK, views.BookmarksPage(h.page(r, i18n.T(r.Context(), "title.bookmarks"), "bookmarks"), tv))
}

// profileTabs adds to a profile's first page the tabs between its
// timelines and, on the Posts tab, its pinned posts.
func (h *Handler) profileTabs(r *http.Request, u storage.User, tv *views.Timeline, withReplies bool) error {
	tv.Tabs = []views.Tab{
		{Label: i18n.T(r.Context(), "label.tab.posts"), URL: userPath(u), Current: !withReplies, TestID: "tab-posts"},
		{Label: i18n.T(r.Context(), "label.tab.posts_replies"), URL: userPath(u) + "/with_replies", Current: withReplies, TestID: "tab-replies"},
	}
	if withReplies || r.URL.Query().Get("before") != "" {
		return nil
	}
	pinned, err := h.db.PinnedPosts(viewerID(r), u.ID)
	if err != nil {
		return err
	}
	for _, e := range pinned {
		tv.Pinned = append(tv.Pinned, h.postView(r, e))
	}
	return nil
}

// healthz answers 200 while the database can be read.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := h.db.Ping(); err != nil {
		h.cfg.Logger.Error("health check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
