package handlers

import (
	"context"
	"errors"
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

func (h *Handler) like(w http.ResponseWriter, r *http.Request)     { h.act(w, r, actLike, false) }
func (h *Handler) unlike(w http.ResponseWriter, r *http.Request)   { h.act(w, r, actUnlike, false) }
func (h *Handler) repost(w http.ResponseWriter, r *http.Request)   { h.act(w, r, actRepost, false) }
func (h *Handler) unrepost(w http.ResponseWriter, r *http.Request) { h.act(w, r, actUnrepost, false) }
func (h *Handler) bookmark(w http.ResponseWriter, r *http.Request) { h.act(w, r, actBookmark, false) }
func (h *Handler) unbookmark(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, actUnbookmark, false)
}
func (h *Handler) pin(w http.ResponseWriter, r *http.Request)   { h.act(w, r, actPin, true) }
func (h *Handler) unpin(w http.ResponseWriter, r *http.Request) { h.act(w, r, actUnpin, true) }

// action does one thing to a post for the viewer me, updating the entry
// (counts and the viewer's marks) for the answer, and returns the message
// to flash without JavaScript.
type action func(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error)

// ignore turns the sentinel of "already so" into success.
func ignore(err, already error) error {
	if errors.Is(err, already) {
		return nil
	}
	return err
}

func actLike(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	p, err := h.db.Like(me.ID, e.Post.ID)
	if err == nil {
		e.Post = p
	}
	e.Liked = true
	return i18n.T(ctx, "flash.liked"), ignore(err, storage.ErrExists)
}

func actUnlike(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	p, err := h.db.Unlike(me.ID, e.Post.ID)
	if err == nil {
		e.Post = p
	}
	e.Liked = false
	return i18n.T(ctx, "flash.unliked"), ignore(err, storage.ErrNotFound)
}

// errNotRepostable refuses to repost a post for followers or for the
// mentioned only: reposting would show it to people it was not meant for.
func errNotRepostable(ctx context.Context) error {
	return errForbidden(i18n.T(ctx, "error.not_repostable"))
}

func actRepost(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	if !e.Post.Visibility.Repostable() {
		return "", errNotRepostable(ctx)
	}
	p, err := h.db.Repost(me.ID, e.Post.ID, func(id storage.ID) string { return h.postURI(me.Username, id) })
	if errors.Is(err, storage.ErrForbidden) {
		return "", errNotRepostable(ctx)
	}
	if err == nil {
		e.Post = p
	}
	e.Reposted = true
	return i18n.T(ctx, "flash.reposted"), ignore(err, storage.ErrExists)
}

func actUnrepost(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	p, err := h.db.Unrepost(me.ID, e.Post.ID)
	if err == nil {
		e.Post = p
	}
	e.Reposted = false
	return i18n.T(ctx, "flash.unreposted"), ignore(err, storage.ErrNotFound)
}

func actBookmark(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	err := h.db.Bookmark(me.ID, e.Post.ID)
	e.Bookmarked = true
	return i18n.T(ctx, "flash.bookmarked"), ignore(err, storage.ErrExists)
}

func actUnbookmark(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	err := h.db.Unbookmark(me.ID, e.Post.ID)
	e.Bookmarked = false
	return i18n.T(ctx, "flash.unbookmarked"), ignore(err, storage.ErrNotFound)
}

func actPin(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	if e.Post.AuthorID != me.ID {
		return "", errForbidden(i18n.T(ctx, "error.pin_own_only"))
	}
	err := h.db.Pin(me.ID, e.Post.ID)
	switch {
	case errors.Is(err, storage.ErrForbidden):
		return "", errForbidden(i18n.N(ctx, "error.pin_limit", storage.MaxPinned))
	case errors.Is(err, storage.ErrInvalid):
		return "", errBadRequest(i18n.T(ctx, "error.pin_direct"))
	}
	e.Pinned = true // here: what the action did, for the answer
	return i18n.T(ctx, "flash.pinned"), ignore(err, storage.ErrExists)
}

func actUnpin(ctx context.Context, h *Handler, me storage.User, e *storage.Entry) (string, error) {
	if e.Post.AuthorID != me.ID {
		return "", errForbidden(i18n.T(ctx, "error.unpin_own_only"))
	}
	err := h.db.Unpin(me.ID, e.Post.ID)
	e.Pinned = false
	return i18n.T(ctx, "flash.unpinned"), ignore(err, storage.ErrNotFound)
}

// act runs an action on the post of the address; pins tells that it pins
// or unpins, so the answer says so (the viewer's pinned list was read
// before the action).
func (h *Handler) act(w http.ResponseWriter, r *http.Request, do action, pins bool) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	e, err := h.postFromPath(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	msg, err := do(r.Context(), h, viewer(r).user, &e)
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
		if pins {
			a.Pinned = e.Pinned
		}
		h.render(w, r, http.StatusOK, views.PostActions(a))
		return
	}
	h.setFlash(w, r, views.Flash{Message: msg})
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
