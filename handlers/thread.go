package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// permalink is a post's page with its thread. Under HTMX it answers with
// the post's card alone (the edit form's Cancel swaps it back).
func (h *Handler) permalink(w http.ResponseWriter, r *http.Request) {
	if h.negotiate(w, r) { // federation.go
		h.postJSON(w, r)
		return
	}
	if isHTMX(r) {
		e, err := h.postFromPath(r)
		if err != nil {
			h.error(w, r, err)
			return
		}
		h.renderCard(w, r, e, cardParam(r, "post-"+e.Post.ID.String()))
		return
	}
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.no_post")))
		return
	}
	h.threadPage(w, r, id, r.PathValue("username"), nil, http.StatusOK)
}

// threadPage renders the permalink of post id, whose author must be
// username. reply, when set, is the reply box to show (a draft with its
// error); code is the status.
func (h *Handler) threadPage(w http.ResponseWriter, r *http.Request, id storage.ID, username string, reply *views.Compose, code int) {
	t, err := h.db.Thread(viewerID(r), id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if !namedBy(t.Post.Author, username) {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.no_post")))
		return
	}
	tv, err := h.threadView(r, t, reply)
	if err != nil {
		h.error(w, r, err)
		return
	}
	e := t.Post
	summary := excerpt(plainText(e.Post.HTML))
	if summary == "" {
		summary = excerpt(e.Post.Source)
	}
	if e.Post.ContentWarning != "" {
		// The title and link previews keep what the warning hides.
		summary = excerpt(i18n.T(r.Context(), "title.content_warning", "warning", e.Post.ContentWarning))
	}
	p := h.page(r, e.Author.Name()+": "+summary, "")
	p.Canonical = e.Post.URI
	p.Description = summary
	h.render(w, r, code, views.PostPage(p, tv))
}

// threadView builds the permalink page of a thread. Posts under or above
// the focused one lose their "Replying to" line: the thread shows it.
func (h *Handler) threadView(r *http.Request, t storage.Thread, reply *views.Compose) (views.Thread, error) {
	var tv views.Thread
	filters := h.social.FiltersFor(viewerID(r), storage.FilterThread) // filters.go
	for _, a := range t.Ancestors {
		if a.Missing {
			tv.Ancestors = append(tv.Ancestors, views.ThreadItem{Missing: true})
			continue
		}
		v := h.postView(r, a.Entry)
		v.ReplyTo = nil
		if m := filters.Match(&a.Entry.Post); len(m.Matches) > 0 {
			v.Filtered = m.Warning() // folded, not left out: the thread would break
		}
		tv.Ancestors = append(tv.Ancestors, views.ThreadItem{Post: v})
	}
	tv.Post = h.postView(r, t.Post)
	quotesLink(&tv.Post, t) // quotes.go
	if n := len(t.Ancestors); n > 0 && !t.Ancestors[n-1].Missing {
		tv.Post.ReplyTo = nil
	}
	edits, err := h.editsView(r, t.Post)
	if err != nil {
		return tv, err
	}
	tv.Post.Edits = edits
	for _, b := range t.Replies {
		m := filters.Match(&b.Entry.Post)
		if m.Hide {
			continue
		}
		bv := views.ReplyBranch{Post: h.postView(r, b.Entry), More: b.More}
		bv.Post.ReplyTo = nil
		bv.Post.Filtered = m.Warning()
		for _, c := range b.Children {
			m := filters.Match(&c.Post)
			if m.Hide {
				continue
			}
			cv := h.postView(r, c)
			cv.ReplyTo = nil
			cv.Filtered = m.Warning()
			bv.Children = append(bv.Children, cv)
		}
		tv.Replies = append(tv.Replies, bv)
	}
	tv.MoreReplies = t.MoreReplies
	if viewer(r) == nil {
		tv.LoginURL = "/login?next=" + url.QueryEscape(tv.Post.URL)
		return tv, nil
	}
	if reply == nil {
		c := h.newCompose(r, &t.Post)
		reply = &c
	}
	tv.Reply = reply
	return tv, nil
}

// editsView is the edit history of a post, newest first; none when it
// was never edited.
func (h *Handler) editsView(r *http.Request, e storage.Entry) ([]views.Edit, error) {
	if e.Post.EditedAt.IsZero() {
		return nil, nil
	}
	edits, err := h.db.PostEdits(viewerID(r), e.Post.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := h.cfg.Now()
	var out []views.Edit
	for _, ed := range edits {
		out = append(out, views.Edit{HTML: ed.HTML, ContentWarning: ed.ContentWarning, Time: timeOf(ed.At, now)})
	}
	return out, nil
}
