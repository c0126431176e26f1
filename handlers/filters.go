package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Keyword filters (/filters) and followed hashtags (/settings/tags, the
// Follow button of /tags/NAME).

// applyFilters applies the viewer's keyword filters for a context to a
// page built by timelineView from t: a post a filter hides leaves the
// page (its cursor stays, so the next page carries on after it), one a
// filter warns about is folded behind the filters' names. The filters
// come compiled from the social package's cache.
func (h *Handler) applyFilters(r *http.Request, tv *views.Timeline, t storage.Timeline, context string) {
	f := h.social.FiltersFor(viewerID(r), context)
	if f == nil || len(tv.Posts) != len(t.Entries) {
		return
	}
	kept := tv.Posts[:0]
	for i, p := range tv.Posts {
		m := f.Match(&t.Entries[i].Post)
		if m.Hide {
			continue
		}
		if len(m.Matches) > 0 {
			p.Filtered = m.Warning()
		}
		kept = append(kept, p)
	}
	tv.Posts = kept
}

func filterPath(id storage.ID) string { return "/filters/" + id.String() }

func (h *Handler) filterItem(r *http.Request, f storage.Filter) views.FilterItem {
	now := h.cfg.Now()
	v := views.FilterItem{ID: f.ID.String(), Title: f.Title, URL: filterPath(f.ID), Contexts: f.Contexts, Action: f.Action, Expired: f.Expired(now)}
	if !f.ExpiresAt.IsZero() {
		t := timeOf(f.ExpiresAt, now)
		v.Expires = &t
	}
	for _, k := range f.Keywords {
		v.Keywords = append(v.Keywords, views.FilterKeyword{ID: k.ID.String(), Keyword: k.Keyword, WholeWord: k.WholeWord})
	}
	return v
}

func (h *Handler) filters(w http.ResponseWriter, r *http.Request) {
	h.renderFilters(w, r, http.StatusOK, "")
}

func (h *Handler) renderFilters(w http.ResponseWriter, r *http.Request, code int, msg string) {
	all, err := h.db.Filters(viewer(r).user.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	v := views.FiltersView{Error: msg}
	for _, f := range all {
		v.Filters = append(v.Filters, h.filterItem(r, f))
	}
	h.render(w, r, code, views.FiltersPage(h.page(r, i18n.T(r.Context(), "filters.title"), "settings"), v))
}

// filterForm reads a filter's title, contexts, action and expiry into f;
// expires_in "keep" leaves the expiry as it is.
func (h *Handler) filterForm(r *http.Request, f *storage.Filter) error {
	f.Title = r.PostForm.Get("title")
	f.Contexts = nil
	for _, c := range r.PostForm["context"] {
		if !slices.Contains(f.Contexts, c) {
			f.Contexts = append(f.Contexts, c)
		}
	}
	f.Action = r.PostForm.Get("action")
	switch s := r.PostForm.Get("expires_in"); s {
	case "keep":
	case "":
		f.ExpiresAt = time.Time{}
	default:
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(social.FilterExpiries, time.Duration(n)*time.Second) {
			return errBadRequest(i18n.T(r.Context(), "filters.error.expiry"))
		}
		f.ExpiresAt = h.cfg.Now().Add(time.Duration(n) * time.Second).UTC()
	}
	return nil
}

func (h *Handler) createFilter(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	f := storage.Filter{UserID: viewer(r).user.ID}
	err := h.filterForm(r, &f)
	if err == nil {
		if r.PostForm.Get("keyword") == "" {
			err = errBadRequest(i18n.T(r.Context(), "filters.error.keyword"))
		}
		f.Keywords = []storage.FilterKeyword{{Keyword: r.PostForm.Get("keyword"), WholeWord: r.PostForm.Get("whole_word") != ""}}
	}
	if err == nil {
		err = h.social.SaveFilter(r.Context(), &f)
	}
	if err != nil {
		code, msg := statusCtx(r.Context(), err)
		if code != http.StatusBadRequest {
			h.error(w, r, err)
			return
		}
		h.renderFilters(w, r, code, msg)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "filters.created")})
	http.Redirect(w, r, "/filters", http.StatusSeeOther)
}

func (h *Handler) filterParam(r *http.Request) (storage.Filter, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.Filter{}, errNotFound(i18n.T(r.Context(), "error.not_found"))
	}
	return h.db.Filter(viewer(r).user.ID, id)
}

func (h *Handler) editFilter(w http.ResponseWriter, r *http.Request) {
	f, err := h.filterParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.renderFilterEdit(w, r, http.StatusOK, f, "")
}

func (h *Handler) renderFilterEdit(w http.ResponseWriter, r *http.Request, code int, f storage.Filter, msg string) {
	h.render(w, r, code, views.FilterEditPage(h.page(r, f.Title, "settings"), views.FilterEdit{Filter: h.filterItem(r, f), Error: msg}))
}

// changeFilter reads the path's filter, changes it and saves it, then
// returns to its page (or shows it with the refusal).
func (h *Handler) changeFilter(w http.ResponseWriter, r *http.Request, change func(*storage.Filter) error) {
	f, err := h.filterParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	orig := f
	err = change(&f)
	if err == nil {
		err = h.social.SaveFilter(r.Context(), &f)
	}
	if err != nil {
		code, msg := statusCtx(r.Context(), err)
		if code != http.StatusBadRequest {
			h.error(w, r, err)
			return
		}
		h.renderFilterEdit(w, r, code, orig, msg)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "filters.saved")})
	http.Redirect(w, r, filterPath(f.ID), http.StatusSeeOther)
}

func (h *Handler) updateFilter(w http.ResponseWriter, r *http.Request) {
	h.changeFilter(w, r, func(f *storage.Filter) error { return h.filterForm(r, f) })
}

func (h *Handler) addFilterKeyword(w http.ResponseWriter, r *http.Request) {
	h.changeFilter(w, r, func(f *storage.Filter) error {
		if r.PostForm.Get("keyword") == "" {
			return errBadRequest(i18n.T(r.Context(), "filters.error.keyword"))
		}
		f.Keywords = append(f.Keywords, storage.FilterKeyword{Keyword: r.PostForm.Get("keyword"), WholeWord: r.PostForm.Get("whole_word") != ""})
		return nil
	})
}

func (h *Handler) removeFilterKeyword(w http.ResponseWriter, r *http.Request) {
	h.changeFilter(w, r, func(f *storage.Filter) error {
		id, err := storage.ParseID(r.PathValue("kid"))
		i := slices.IndexFunc(f.Keywords, func(k storage.FilterKeyword) bool { return k.ID == id })
		if err != nil || i < 0 {
			return errNotFound(i18n.T(r.Context(), "error.not_found"))
		}
		f.Keywords = slices.Delete(f.Keywords, i, i+1)
		return nil
	})
}

func (h *Handler) deleteFilter(w http.ResponseWriter, r *http.Request) {
	f, err := h.filterParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.db.DeleteFilter(f.UserID, f.ID); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "filters.deleted", "title", f.Title)})
	http.Redirect(w, r, "/filters", http.StatusSeeOther)
}

func tagPath(tag string) string { return "/tags/" + url.PathEscape(tag) }

// tagFollow is the Follow button of a hashtag page for a signed-in viewer.
func (h *Handler) tagFollow(r *http.Request, tag string) (*views.TagFollow, error) {
	v := viewer(r)
	if v == nil {
		return nil, nil
	}
	ok, err := h.db.FollowsTag(v.user.ID, tag)
	return &views.TagFollow{Following: ok, URL: tagPath(tag)}, err
}

func (h *Handler) followTag(w http.ResponseWriter, r *http.Request) { h.changeTagFollow(w, r, true) }

func (h *Handler) unfollowTag(w http.ResponseWriter, r *http.Request) {
	h.changeTagFollow(w, r, false)
}

func (h *Handler) changeTagFollow(w http.ResponseWriter, r *http.Request, follow bool) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user.ID
	var tag, key string
	var err error
	if follow {
		tag, err = h.social.FollowTag(r.Context(), me, r.PathValue("tag"))
		key = "tags.followed_flash"
	} else {
		tag, err = h.social.UnfollowTag(r.Context(), me, r.PathValue("tag"))
		key = "tags.unfollowed_flash"
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), key, "tag", tag)})
	next := tagPath(tag)
	if n := r.PostForm.Get("next"); n != "" {
		next = safeNext(n)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// followedTags is the settings page of the hashtags the viewer follows.
func (h *Handler) followedTags(w http.ResponseWriter, r *http.Request) {
	tags, err := h.db.FollowedTags(viewer(r).user.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var items []views.FollowedTagItem
	for _, t := range tags {
		items = append(items, views.FollowedTagItem{Tag: t.Tag, URL: tagPath(t.Tag)})
	}
	h.render(w, r, http.StatusOK, views.FollowedTagsPage(h.page(r, i18n.T(r.Context(), "tags.followed"), "settings"), items))
}
