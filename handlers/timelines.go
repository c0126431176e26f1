package handlers

import (
	"net/http"

	"majlis/storage"
	"majlis/views"
)

const (
	homeEmpty  = "Nothing here yet. Write your first post above, or follow people from the local timeline."
	localEmpty = "No one has posted yet."
)

// home is the signed-in start page; visitors get the local timeline.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	v := viewer(r)
	if v == nil {
		h.local(w, r)
		return
	}
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.db.HomeTimeline(v.user.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tv := h.timelineView(r, t, "/", homeEmpty)
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.render(w, r, http.StatusOK, views.HomePage(h.page(r, "Home", "home"), h.newCompose(r, nil), tv))
}

func (h *Handler) local(w http.ResponseWriter, r *http.Request) {
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.db.LocalTimeline(viewerID(r), page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tv := h.timelineView(r, t, "/local", localEmpty)
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	intro := ""
	if viewer(r) == nil {
		intro = "Public posts from the people of " + h.cfg.SiteName + ". Sign up to join the conversation."
	}
	p := h.page(r, "Local timeline", "local")
	p.Canonical = h.cfg.BaseURL + "/local"
	h.render(w, r, http.StatusOK, views.LocalPage(p, intro, tv))
}

// bookmarks is the signed-in user's private bookmarks.
func (h *Handler) bookmarks(w http.ResponseWriter, r *http.Request) {
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.db.Bookmarks(viewer(r).user.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tv := h.timelineView(r, t, "/bookmarks", "No bookmarks yet. Bookmark a post to find it here again; only you see your bookmarks.")
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.render(w, r, http.StatusOK, views.BookmarksPage(h.page(r, "Bookmarks", "bookmarks"), tv))
}

// profileWithReplies is a profile's "Posts and replies" tab.
func (h *Handler) profileWithReplies(w http.ResponseWriter, r *http.Request) {
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var pr views.Profile
	if !isHTMX(r) {
		if pr, err = h.profileView(r, u); err != nil {
			h.error(w, r, err)
			return
		}
	}
	var t storage.Timeline
	if !pr.HidesPosts() {
		if t, err = h.db.AuthorTimeline(viewerID(r), u.ID, true, page); err != nil {
			h.error(w, r, err)
			return
		}
	}
	tv := h.timelineView(r, t, userPath(u)+"/with_replies", "@"+u.Username+" has not posted yet.")
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	if err := h.profileTabs(r, u, &tv, true); err != nil {
		h.error(w, r, err)
		return
	}
	nav := ""
	if pr.IsSelf {
		nav = "profile"
	}
	p := h.page(r, u.Name()+" (@"+u.Username+"): posts and replies", nav)
	p.Canonical = h.cfg.BaseURL + userPath(u) + "/with_replies"
	h.render(w, r, http.StatusOK, views.ProfilePage(p, pr, tv))
}

// profileTabs adds to a profile's first page the tabs between its
// timelines and, on the Posts tab, its pinned posts.
func (h *Handler) profileTabs(r *http.Request, u storage.User, tv *views.Timeline, withReplies bool) error {
	tv.Tabs = []views.Tab{
		{Label: "Posts", URL: userPath(u), Current: !withReplies, TestID: "tab-posts"},
		{Label: "Posts and replies", URL: userPath(u) + "/with_replies", Current: withReplies, TestID: "tab-replies"},
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

// robots keeps crawlers out of account pages.
func (h *Handler) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("User-agent: *\nDisallow: /settings\nDisallow: /login\nDisallow: /register\nDisallow: /posts\n"))
}
