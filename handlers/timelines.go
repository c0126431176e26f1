package handlers

import (
	"net/http"

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
	h.render(w, r, http.StatusOK, views.HomePage(h.page(r, "Home", "home"), views.Compose{Count: counter("")}, tv))
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
