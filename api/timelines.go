package api

import (
	"net/http"

	"majlis/markup"
	"majlis/storage"
)

// homeTimeline is the member's home timeline, the web's home page.
func (a *API) homeTimeline(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	a.writeTimeline(w, r, me, parsePaging(r, 0), func(p storage.Page) (storage.Timeline, error) { return a.db.HomeTimeline(me.ID, p) })
}

// publicTimeline is the local timeline, the web's public page. majlis
// keeps no list of the public posts of other servers it knows, so the
// federated timeline (without local=true) is the local one too, and the
// remote-only one (remote=true) is empty.
func (a *API) publicTimeline(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	q := r.URL.Query()
	if formBool(q.Get("remote")) && !formBool(q.Get("local")) {
		writeJSON(w, http.StatusOK, []Status{})
		return
	}
	if formBool(q.Get("only_media")) {
		// No index of the posts with images: an honest empty answer
		// rather than a page of posts without any.
		writeJSON(w, http.StatusOK, []Status{})
		return
	}
	a.writeTimeline(w, r, viewer, parsePaging(r, 0), func(p storage.Page) (storage.Timeline, error) { return a.db.LocalTimeline(viewer.ID, p) })
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
	a.writeTimeline(w, r, viewer, parsePaging(r, 0), func(p storage.Page) (storage.Timeline, error) { return a.db.TagTimeline(viewer.ID, tag, p) })
}
