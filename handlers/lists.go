package handlers

import (
	"net/http"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Lists: a member groups accounts they follow and reads each group as a
// timeline of its own (/lists, /lists/ID), and puts a followed account in
// lists from its profile.

func listPath(id storage.ID) string { return "/lists/" + id.String() }

func listItem(l storage.List) views.ListItem {
	return views.ListItem{ID: l.ID.String(), Title: l.Title, URL: listPath(l.ID), Replies: string(l.Replies), Exclusive: l.Exclusive}
}

// lists is the page of the viewer's lists, with the form that creates one.
func (h *Handler) lists(w http.ResponseWriter, r *http.Request) {
	h.renderLists(w, r, http.StatusOK, views.ListsView{})
}

func (h *Handler) renderLists(w http.ResponseWriter, r *http.Request, code int, v views.ListsView) {
	all, err := h.db.Lists(viewer(r).user.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	for _, l := range all {
		v.Lists = append(v.Lists, listItem(l))
	}
	h.render(w, r, code, views.ListsPage(h.page(r, i18n.T(r.Context(), "lists.title"), "lists"), v))
}

// listForm reads a list's fields from a form.
func listForm(r *http.Request) storage.List {
	return storage.List{
		Title:     r.PostForm.Get("title"),
		Replies:   storage.RepliesPolicy(r.PostForm.Get("replies_policy")),
		Exclusive: r.PostForm.Get("exclusive") != "",
	}
}

func (h *Handler) createList(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	l := listForm(r)
	l.OwnerID = viewer(r).user.ID
	if err := h.social.CreateList(r.Context(), &l); err != nil {
		if social.KindOf(err) == social.Invalid {
			code, msg := statusCtx(r.Context(), err)
			h.renderLists(w, r, code, views.ListsView{Error: msg, Title: r.PostForm.Get("title")})
			return
		}
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "lists.created")})
	http.Redirect(w, r, listPath(l.ID), http.StatusSeeOther)
}

// listParam reads the list of the path, one of the viewer's (404 for
// anyone else's: it does not exist for them).
func (h *Handler) listParam(r *http.Request) (storage.List, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.List{}, errNotFound(i18n.T(r.Context(), "error.not_found"))
	}
	return h.db.List(viewer(r).user.ID, id)
}

// list is a list's timeline; under HTMX, the next page of it.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	l, err := h.listParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page, err := h.timelinePage(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.db.ListTimeline(l.OwnerID, l.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tv := h.timelineView(r, t, listPath(l.ID), i18n.T(r.Context(), "lists.timeline_empty"))
	h.applyFilters(r, &tv, t, storage.FilterHome) // filters.go: Mastodon filters lists as home
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.render(w, r, http.StatusOK, views.ListPage(h.page(r, l.Title, "lists"), listItem(l), tv))
}

// editList is a list's settings page.
func (h *Handler) editList(w http.ResponseWriter, r *http.Request) {
	l, err := h.listParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.renderListEdit(w, r, http.StatusOK, l, "")
}

func (h *Handler) renderListEdit(w http.ResponseWriter, r *http.Request, code int, l storage.List, msg string) {
	members, err := h.db.ListMembers(l.OwnerID, l.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	v := views.ListEdit{List: listItem(l), Error: msg}
	for _, u := range members {
		v.Members = append(v.Members, views.ListMember{User: h.userItem(r, u), ID: u.ID.String()})
	}
	h.render(w, r, code, views.ListEditPage(h.page(r, l.Title, "lists"), v))
}

func (h *Handler) updateList(w http.ResponseWriter, r *http.Request) {
	l, err := h.listParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	changed := listForm(r)
	changed.ID = l.ID
	if _, err := h.social.UpdateList(r.Context(), l.OwnerID, changed); err != nil {
		if social.KindOf(err) == social.Invalid {
			code, msg := statusCtx(r.Context(), err)
			h.renderListEdit(w, r, code, l, msg)
			return
		}
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "lists.saved")})
	http.Redirect(w, r, listPath(l.ID)+"/edit", http.StatusSeeOther)
}

func (h *Handler) deleteList(w http.ResponseWriter, r *http.Request) {
	l, err := h.listParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.social.DeleteList(r.Context(), l.OwnerID, l.ID); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "lists.deleted", "title", l.Title)})
	http.Redirect(w, r, "/lists", http.StatusSeeOther)
}

// removeListMember takes the form's account out of the list.
func (h *Handler) removeListMember(w http.ResponseWriter, r *http.Request) {
	l, err := h.listParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	id, err := storage.ParseID(r.PostForm.Get("account"))
	if err != nil {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.invalid")))
		return
	}
	if err := h.social.RemoveFromList(r.Context(), l.OwnerID, l.ID, []storage.ID{id}); err != nil {
		h.error(w, r, err)
		return
	}
	http.Redirect(w, r, listPath(l.ID)+"/edit", http.StatusSeeOther)
}

// setProfileLists is the "Add to list" form of a profile: the account is
// in exactly the lists checked.
func (h *Handler) setProfileLists(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var ids []storage.ID
	for _, s := range r.PostForm["list"] {
		id, err := storage.ParseID(s)
		if err != nil {
			h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.invalid")))
			return
		}
		ids = append(ids, id)
	}
	if err := h.social.SetAccountLists(r.Context(), viewer(r).user.ID, u.ID, ids); err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		h.renderHeader(w, r, u.ID)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "lists.membership_saved")})
	http.Redirect(w, r, userPath(u), http.StatusSeeOther)
}

// profileLists fills in the "Add to list" control of a profile the
// viewer follows.
func (h *Handler) profileLists(viewerID, accountID storage.ID, pr *views.Profile) error {
	all, err := h.db.Lists(viewerID)
	if err != nil {
		return err
	}
	with, err := h.db.ListsWith(viewerID, accountID)
	if err != nil {
		return err
	}
	in := map[storage.ID]bool{}
	for _, l := range with {
		in[l.ID] = true
	}
	pl := &views.ProfileLists{}
	for _, l := range all {
		pl.Lists = append(pl.Lists, views.ProfileList{ID: l.ID.String(), Title: l.Title, Member: in[l.ID]})
	}
	pr.Lists = pl
	return nil
}
