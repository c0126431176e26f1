package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// The actions of a post's action bar. Each works as a plain form (POST,
// then 303 back to the page it came from) and under HTMX answers with the
// action bar alone, its counts and buttons up to date. Doing what is
// already done is not an error: the button may be stale in another tab.

func (h *Handler) like(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Like, i18n.T(r.Context(), "flash.liked"), false)
}
func (h *Handler) unlike(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Unlike, i18n.T(r.Context(), "flash.unliked"), false)
}
func (h *Handler) repost(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Repost, i18n.T(r.Context(), "flash.reposted"), false)
}
func (h *Handler) unrepost(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Unrepost, i18n.T(r.Context(), "flash.unreposted"), false)
}
func (h *Handler) bookmark(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Bookmark, i18n.T(r.Context(), "flash.bookmarked"), false)
}
func (h *Handler) unbookmark(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Unbookmark, i18n.T(r.Context(), "flash.unbookmarked"), false)
}
func (h *Handler) pin(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Pin, i18n.T(r.Context(), "flash.pinned"), true)
}
func (h *Handler) unpin(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.social.Unpin, i18n.T(r.Context(), "flash.unpinned"), true)
}

// action is one of social's interactions: it does one thing to a post for
// the viewer and returns the entry updated (counts and the viewer's marks).
type action func(ctx context.Context, me storage.User, e storage.Entry) (storage.Entry, error)

// act runs an action on the post of the address; flash is the message
// shown without JavaScript when it is done; pins tells that it pins or
// unpins, so the answer says so (the viewer's pinned list was read before
// the action).
func (h *Handler) act(w http.ResponseWriter, r *http.Request, do action, flash string, pins bool) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	e, err := h.postFromPath(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	e, err = do(r.Context(), viewer(r).user, e)
	if err != nil {
		h.error(w, r, err)
		return
	}
	card := cardParam(r, "post-"+e.Post.ID.String())
	if isHTMX(r) {
		if pins && !e.Pinned && strings.HasPrefix(card, "pinned-") {
			// Unpinned from the pinned list: the card leaves the list.
			w.Header().Set("HX-Retarget", "#"+card)
			w.Header().Set("HX-Reswap", "outerHTML")
			w.WriteHeader(http.StatusOK)
			return
		}
		a := h.actionsView(r, e, card)
		h.permalinkQuotes(r, e, &a) // quotes.go
		if pins {
			a.Pinned = e.Pinned
		}
		h.render(w, r, http.StatusOK, views.PostActions(a))
		return
	}
	h.setFlash(w, r, views.Flash{Message: flash})
	http.Redirect(w, r, h.backTo(r, postPath(e.Author, e.Post.ID))+"#"+card, http.StatusSeeOther)
}

// backTo is the page a form was sent from (its Referer) when that is a
// page of this site, else fallback.
func (h *Handler) backTo(r *http.Request, fallback string) string {
	ref := r.Header.Get("Referer")
	if ref == "" {
		return fallback
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return fallback
	}
	sameHost := u.Host == r.Host
	if b, err := url.Parse(h.cfg.BaseURL); err == nil && b.Host != "" && u.Host == b.Host {
		sameHost = true
	}
	if !sameHost {
		return fallback
	}
	if p := u.RequestURI(); isLocalPath(p) && safeNext(p) == p {
		return p
	}
	return fallback
}

// likers lists who liked a post.
func (h *Handler) likers(w http.ResponseWriter, r *http.Request) {
	h.postUsers(w, r, i18n.T(r.Context(), "title.liked_by"), "/likes", i18n.T(r.Context(), "empty.likers"), h.db.Likers)
}

// reposters lists who reposted a post.
func (h *Handler) reposters(w http.ResponseWriter, r *http.Request) {
	h.postUsers(w, r, i18n.T(r.Context(), "title.reposted_by"), "/reposts", i18n.T(r.Context(), "empty.reposters"), h.db.Reposters)
}

func (h *Handler) postUsers(w http.ResponseWriter, r *http.Request, heading, suffix, empty string, list func(viewerID, postID storage.ID, page storage.Page) (storage.UserList, error)) {
	e, err := h.postFromPath(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page.Limit = 40
	l, err := list(viewerID(r), e.Post.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	path := postPath(e.Author, e.Post.ID)
	lv := views.UserList{Empty: empty}
	for _, u := range l.Users {
		lv.Users = append(lv.Users, h.userItem(r, u))
	}
	if l.Next != 0 {
		lv.MoreURL = withBefore(path+suffix, l.Next)
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.UserListItems(lv))
		return
	}
	p := h.page(r, i18n.T(r.Context(), "title.post_users", "heading", heading, "name", e.Author.Name()), "")
	h.render(w, r, http.StatusOK, views.InteractionsPage(p, views.Interactions{Heading: heading, Post: h.postView(r, e), Users: lv}))
}
