package handlers

import (
	"net/http"

	"majlis/federation"
	"majlis/storage"
)

// The read side of ActivityPub (package federation answers): discovery,
// the instance actor, members' collections, and JSON for the pages that
// are also ActivityPub objects (a profile is the actor, a permalink the
// Note), chosen by the request's Accept. Nothing here when the instance
// does not federate (Config.Federation nil).

// federationRoutes adds the ActivityPub routes. /users/{username}/followers
// and /following are also web pages: their handlers negotiate.
func (h *Handler) federationRoutes() {
	f := h.cfg.ActivityPub
	if f == nil {
		return
	}
	m := h.mux
	m.HandleFunc("GET /.well-known/webfinger", f.WebFinger)
	m.HandleFunc("GET /.well-known/host-meta", f.HostMeta)
	m.HandleFunc("GET /.well-known/nodeinfo", f.NodeInfoIndex)
	m.HandleFunc("GET /nodeinfo/2.0", f.NodeInfo)
	m.HandleFunc("GET /nodeinfo/2.1", f.NodeInfo)
	m.HandleFunc("GET /actor", f.InstanceActor)
	m.HandleFunc("GET /users/{username}/outbox", f.ForMember(f.Outbox))
	m.HandleFunc("GET /users/{username}/featured", f.ForMember(f.Featured))
	m.HandleFunc("GET /quote_authorizations/{id}", f.QuoteAuthorization)
	m.HandleFunc("GET /emoji/{code}", f.Emoji) // federation/emoji.go
}

// wantsActivity tells whether the instance federates and the request asks
// for ActivityStreams JSON.
func (h *Handler) wantsActivity(r *http.Request) bool {
	return h.cfg.ActivityPub != nil && federation.WantsActivityJSON(r)
}

// negotiate tells whether a page that is also an ActivityPub object
// should answer with its JSON; when the instance federates, the answer
// varies with Accept either way, which caches must know.
func (h *Handler) negotiate(w http.ResponseWriter, r *http.Request) bool {
	if h.cfg.ActivityPub == nil {
		return false
	}
	w.Header().Add("Vary", "Accept")
	return federation.WantsActivityJSON(r)
}

// postJSON answers a permalink /@name/ID with the post's JSON.
func (h *Handler) postJSON(w http.ResponseWriter, r *http.Request) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		h.cfg.ActivityPub.Error(w, storage.ErrNotFound)
		return
	}
	h.cfg.ActivityPub.PostAt(w, r, r.PathValue("username"), id)
}

// signedServer is the server of the account a signed GET speaks for, ""
// when the request is not signed or the signature does not hold.
func (h *Handler) signedServer(r *http.Request) string {
	f := h.cfg.ActivityPub
	if f == nil || f.Verify == nil || r.Header.Get("Signature") == "" {
		return ""
	}
	u, err := f.Verify(r)
	if err != nil {
		return ""
	}
	return u.Domain
}
