package handlers

import (
	"context"
	"net/http"
	"net/url"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Quotes on the web: the Quote action of a card (the compose box with the
// post quoted, ?quote=ID), the quote part of the compose box, what a card
// shows of the post it quotes, detaching one's post from a quote, and the
// default of who may quote one's posts.

// quotePolicies are the choices of who may quote a post.
func quotePolicies(ctx context.Context) []views.Option {
	var out []views.Option
	for _, p := range []storage.QuotePolicy{storage.QuotePublic, storage.QuoteFollowers, storage.QuoteNobody} {
		out = append(out, views.Option{Value: string(p), Label: social.QuotePolicyLabel(ctx, p)})
	}
	return out
}

// quotedView is a quoted post in small.
func (h *Handler) quotedView(e storage.Entry) *views.QuotedPost {
	return &views.QuotedPost{
		URL: postPath(e.Author, e.Post.ID), AuthorName: e.Author.Name(), AuthorNameHTML: h.nameHTML(e.Author), Handle: handleOf(e.Author), AuthorURL: userPath(e.Author),
		HTML: e.Post.HTML, ContentWarning: e.Post.ContentWarning, Time: timeOf(e.Post.CreatedAt, h.cfg.Now()),
	}
}

// composeQuote is the quote part of the compose box: the post the
// request asks to quote (?quote=ID, or quote_of sent back with a form),
// when the viewer may see it, and the viewer's default policy.
func (h *Handler) composeQuote(r *http.Request, me storage.User) views.ComposeQuote {
	p, _ := social.QuotePolicyOf(me, "")
	c := views.ComposeQuote{Policy: string(p), Policies: quotePolicies(r.Context())}
	raw := r.URL.Query().Get("quote")
	if r.PostForm != nil && r.PostForm.Get("quote_of") != "" {
		raw = r.PostForm.Get("quote_of")
	}
	if r.PostForm != nil && r.PostForm.Get("quote_policy") != "" {
		c.Policy = r.PostForm.Get("quote_policy")
	}
	id, err := storage.ParseID(raw)
	if raw == "" || err != nil {
		return c
	}
	e, err := h.db.Post(me.ID, id)
	if err != nil || e.RepostedBy != nil {
		return c
	}
	c.QuoteOf, c.Quoted = id.String(), h.quotedView(e)
	return c
}

// readQuote reads the quote fields of a compose form into the draft.
func readQuote(r *http.Request, d *social.Draft) {
	d.QuotePolicy = r.PostForm.Get("quote_policy")
	if id, err := storage.ParseID(r.PostForm.Get("quote_of")); err == nil {
		d.QuoteOf = id
	}
}

// quoteView is what the card of e shows of the post it quotes, nil for
// nothing: the post when its author consented and the viewer may see
// it; a link while consent is not given, or for a post elsewhere that
// is not stored here; "removed" once its author detached it.
func (h *Handler) quoteView(r *http.Request, e storage.Entry, card string) *views.QuoteView {
	p := e.Post
	switch {
	case p.QuoteURI == "" && p.QuoteOf == 0:
		return nil
	case p.QuoteState == storage.QuoteRevoked:
		return &views.QuoteView{Removed: true}
	case e.Quote != nil:
		q := &views.QuoteView{Embed: h.quotedView(*e.Quote), Card: card}
		if me := viewer(r); me != nil && me.user.ID == e.Quote.Post.AuthorID && me.user.ID != p.AuthorID {
			q.DetachURL = postPath(e.Author, p.ID) + "/detach"
		}
		return q
	case p.QuoteOf != 0 && p.QuoteState == storage.QuoteAccepted:
		// Consented, but gone or hidden from this viewer: nothing of it.
		return nil
	case p.QuoteOf != 0:
		// Not consented (yet): a link, and only to a post the viewer
		// may see.
		q, err := h.db.Post(viewerID(r), p.QuoteOf)
		if err != nil {
			return nil
		}
		link := postPath(q.Author, q.Post.ID)
		if !q.Author.IsLocal() && q.Post.URL != "" {
			link = q.Post.URL
		}
		return &views.QuoteView{LinkURL: link}
	}
	if u, err := url.Parse(p.QuoteURI); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		return &views.QuoteView{LinkURL: p.QuoteURI}
	}
	return nil
}

// quoteActionURL is the Quote link of a card: only for a viewer who may
// quote the post (storage decided it while building the entry, from the
// relations the page's viewer already holds: no lookup per card; never
// for a visitor). A remote post carries its server's policy, so the same
// rule covers it.
func quoteActionURL(e storage.Entry) string {
	if !e.MayQuote {
		return ""
	}
	return "/?quote=" + e.Post.ID.String() + "#compose"
}

// quotesPath is the page of the quotes of a post.
func quotesPath(e storage.Entry) string { return postPath(e.Author, e.Post.ID) + "/quotes" }

// quotesLink puts the count of the quotes of a permalink's post, linked
// to their page, in its action bar; only a public or unlisted post can
// have any.
func quotesLink(v *views.Post, t storage.Thread) {
	if t.Post.Post.Visibility.Repostable() {
		v.Actions.Quotes, v.Actions.QuotesURL = t.Quotes, quotesPath(t.Post)
	}
}

// permalinkQuotes keeps the quotes count in an action bar redrawn under
// htmx (a like, a repost...) on the post's own permalink, where the bar
// had it: without it the row would lose a slot and shift.
func (h *Handler) permalinkQuotes(r *http.Request, e storage.Entry, a *views.Actions) {
	if !e.Post.Visibility.Repostable() || !onPage(r.Header.Get("HX-Current-URL"), postPath(e.Author, e.Post.ID)) {
		return
	}
	if n, err := h.db.QuoteCount(viewerID(r), e.Post.ID); err == nil {
		a.Quotes, a.QuotesURL = n, quotesPath(e)
	}
}

// quotes lists the posts that quote the post of the address, as the
// viewer may see them (storage.Quotes): a page with a link back to the
// post, and under htmx the cards alone with the link to the next page.
func (h *Handler) quotes(w http.ResponseWriter, r *http.Request) {
	e, err := h.postFromPath(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page, err := h.timelinePage(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.db.Quotes(viewerID(r), e.Post.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tv := h.timelineView(r, t, quotesPath(e), i18n.T(r.Context(), "quote.empty"))
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	heading := i18n.T(r.Context(), "quote.quotes_title")
	p := h.page(r, i18n.T(r.Context(), "title.post_users", "heading", heading, "name", e.Author.Name()), "")
	h.render(w, r, http.StatusOK, views.QuotesPage(p, views.Quotes{Heading: heading, Post: h.postView(r, e), Timeline: tv}))
}

// detach removes the viewer's post from the quote of the address.
func (h *Handler) detach(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	e, err := h.postFromPath(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if _, err := h.social.Detach(r.Context(), viewer(r).user, e.Post.ID); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "quote.flash_detached")})
	http.Redirect(w, r, h.backTo(r, postPath(e.Author, e.Post.ID))+"#"+cardParam(r, "post-"+e.Post.ID.String()), http.StatusSeeOther)
}

// saveQuotePolicy saves who may quote the viewer's posts by default.
func (h *Handler) saveQuotePolicy(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	p := storage.QuotePolicy(r.PostForm.Get("quote_policy"))
	if !p.Valid() {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "quote.policy_invalid")))
		return
	}
	if err := h.db.SetQuotePolicy(viewer(r).user.ID, p); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "quote.flash_policy_saved")})
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}
