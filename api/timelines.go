package api

import (
	"net/http"

	"majlis/markup"
	"majlis/storage"
)

// homeTimeline is the member's home timeline, the web's home page.
func (a *API) homeTimeline(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	a.writeFilteredTimeline(w, r, me, parsePaging(r, 0), storage.FilterHome, func(p storage.Page) (storage.Timeline, error) { return a.db.HomeTimeline(me.ID, p) })
}

// publicTimeline is the local timeline with local=true (the web's public
// page), else the federated one: public posts written here and those of
// other servers known here (remote=true: only those).
func (a *API) publicTimeline(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	q := r.URL.Query()
	if formBool(q.Get("only_media")) {
		// No index of the posts with images: an honest empty answer
		// rather than a page of posts without any.
		writeJSON(w, http.StatusOK, []Status{})
		return
	}
	local, remote := formBool(q.Get("local")), formBool(q.Get("remote"))
	read := func(p storage.Page) (storage.Timeline, error) { return a.db.FederatedTimeline(viewer.ID, remote, p) }
	if local {
		read = func(p storage.Page) (storage.Timeline, error) { return a.db.LocalTimeline(viewer.ID, p) }
	}
	a.writeFilteredTimeline(w, r, viewer, parsePaging(r, 0), storage.FilterPublic, read)
}

// tagTimeline is a hashtag's public posts, the web's tag page. Tags are
// matched without regard to case, as there.
func (a *API) tagTimeline(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	tag := markup.NormalizeTag(r.PathValue("tag"))
	if tag == "" {
		writeJSON(w, http.StatusOK, []Status{})
		return
	}
	a.writeFilteredTimeline(w, r, viewer, parsePaging(r, 0), storage.FilterPublic, func(p storage.Page) (storage.Timeline, error) { return a.db.TagTimeline(viewer.ID, tag, p) })
}
