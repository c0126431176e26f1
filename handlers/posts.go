package handlers

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"majlis/i18n"
	"majlis/markup"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// MaxWarningChars is the longest content warning, in Unicode characters.
const MaxWarningChars = storage.MaxWarningChars

// draft validates a post body of at most limit characters (social.CheckBody),
// returning the error to show in the compose box.
func draft(body string, limit int) (string, string) {
	return draftCtx(context.Background(), body, limit)
}

// draftCtx is draft with the error in the language of ctx.
func draftCtx(ctx context.Context, body string, limit int) (string, string) {
	body, problem := social.CheckBody(ctx, body, limit)
	return body, problemText(problem)
}

// problemText is the message of a refusal, "" for none.
func problemText(e *social.Error) string {
	if e == nil {
		return ""
	}
	return e.Message
}

func counter(body string, limit int) views.Counter {
	return views.Counter{Used: markup.Length(body), Limit: limit}
}

// newCompose is an empty compose box for the viewer, or for a reply the
// reply box of parent: prefilled with its author and the accounts it
// mentions (not the viewer), with its visibility, or the viewer's default
// when that is narrower.
func (h *Handler) newCompose(r *http.Request, parent *storage.Entry) views.Compose {
	me := viewer(r).user
	c := views.Compose{
		FormID:       "compose",
		Count:        counter("", h.postLimit()),
		Visibility:   string(me.PostVisibility()),
		Visibilities: visibilityOptions(r.Context(), storage.Public),
		Images:       h.emptyImages(r.Context(), "compose"),
		Poll:         h.composePoll(r.Context()), // polls.go
		Quote:        h.composeQuote(r, me),      // quotes.go
		Emoji:        h.emojiItems(),             // emoji.go
	}
	if parent == nil {
		return c
	}
	c.FormID = "reply"
	c.Images = h.emptyImages(r.Context(), "reply")
	c.InReplyTo = parent.Post.ID.String()
	c.ReplyingTo = handleOf(parent.Author)
	c.Visibility = string(social.NarrowerVisibility(me.PostVisibility(), parent.Post.Visibility))
	c.Visibilities = visibilityOptions(r.Context(), parent.Post.Visibility)
	c.Body = h.replyMentions(me, *parent)
	c.Count = counter(c.Body, c.Count.Limit)
	return c
}

// replyMentions is the start of a reply: "@author @other ", without the
// replier.
func (h *Handler) replyMentions(me storage.User, parent storage.Entry) string {
	var b strings.Builder
	seen := map[storage.ID]bool{me.ID: true}
	add := func(u storage.User) {
		if seen[u.ID] || u.Domain != "" {
			return
		}
		seen[u.ID] = true
		b.WriteString("@" + u.Username + " ")
	}
	add(parent.Author)
	for _, id := range parent.Post.Mentions {
		if seen[id] {
			continue
		}
		if u, err := h.db.UserByID(id); err == nil {
			add(u)
		}
	}
	return b.String()
}

// renderPost renders a post's Markdown, linking the mentions of local
// accounts, and returns the accounts it mentions (social.RenderPost).
func (h *Handler) renderPost(body string) (markup.Result, []storage.User, error) {
	return h.social.RenderPost(body)
}

// replyParent is the post a compose form answers (in_reply_to), nil for
// a new post.
func (h *Handler) replyParent(r *http.Request, me storage.User) (*storage.Entry, error) {
	s := r.PostForm.Get("in_reply_to")
	if s == "" {
		return nil, nil
	}
	id, err := storage.ParseID(s)
	if err != nil {
		return nil, errBadRequest(i18n.T(r.Context(), "error.reply_to_invalid"))
	}
	e, err := h.social.ReplyTarget(r.Context(), me, id)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// readCompose reads the text of a compose form (body, content warning,
// visibility) into the box c, as the rules read it (social.CheckDraft),
// and returns the draft and the first problem with it.
func readCompose(r *http.Request, me storage.User, parent *storage.Entry, c *views.Compose) (social.Draft, string) {
	d := social.Draft{
		Body:       r.PostForm.Get("body"),
		Warning:    r.PostForm.Get("cw"),
		Visibility: r.PostForm.Get("visibility"),
	}
	if parent != nil {
		d.InReplyTo = parent.Post.ID
	}
	d.Poll = readPoll(r, &c.Poll) // polls.go
	readQuote(r, &d)              // quotes.go
	clean, problems := social.CheckDraft(r.Context(), me, parent, d, c.Count.Limit)
	c.Body, c.Count = clean.Body, counter(clean.Body, c.Count.Limit)
	c.ContentWarning = clean.Warning
	c.Visibility = clean.Visibility
	if len(problems) > 0 {
		return d, problems[0].Message
	}
	return d, ""
}

// createPost publishes a post or a reply (in_reply_to), with its images:
// files sent with the form (without JavaScript) and uploads made before
// (see composeImages). Without JavaScript it redirects home, or for a
// reply to the thread; under HTMX it answers with the new post and an
// empty compose box.
func (h *Handler) createPost(w http.ResponseWriter, r *http.Request) {
	cleanup, err := h.parseUploadForm(r)
	defer cleanup()
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	parent, err := h.replyParent(r, me)
	if err != nil {
		h.error(w, r, err)
		return
	}
	c := h.newCompose(r, parent)
	d, problem := readCompose(r, me, parent, &c)
	// Images first: files sent with a form that has another problem are
	// stored all the same, and come back as previews.
	images, atts, imgErr := h.composeImages(r, c.FormID)
	c.Images = images
	if imgErr != nil {
		code, msg := statusCtx(r.Context(), imgErr)
		if code >= 500 {
			h.error(w, r, imgErr)
			return
		}
		c.Images.Error = msg
		h.composeError(w, r, c, parent, code, problem)
		return
	}
	if problem != "" {
		h.composeError(w, r, c, parent, http.StatusBadRequest, problem)
		return
	}
	d.Attachments = atts
	e, err := h.social.Publish(r.Context(), me, d)
	if err != nil {
		var se *social.Error
		switch {
		case errors.Is(err, storage.ErrUploadGone) && errors.As(err, &se):
			// Posted already (a second click) or waited too long.
			c.Images = h.emptyImages(r.Context(), c.FormID)
			c.Images.Error = se.Message
			h.composeError(w, r, c, parent, http.StatusBadRequest, "")
		case errors.As(err, &se) && (se.Kind == social.Invalid || se.Kind == social.Forbidden):
			code, msg := statusCtx(r.Context(), err)
			h.composeError(w, r, c, parent, code, msg)
		default:
			h.error(w, r, err)
		}
		return
	}
	post := e.Post
	if isHTMX(r) {
		if parent != nil {
			// In the thread the reply sits under its parent: no
			// "Replying to" line.
			answer := views.NewReply(h.postView(r, e), h.newCompose(r, parent))
			if p, err := h.db.Post(me.ID, parent.Post.ID); err == nil {
				// The parent's reply count, out of band.
				answer = both(answer, views.ReplyCountOOB("post-"+parent.Post.ID.String(), p.Post.Replies))
			}
			h.render(w, r, http.StatusOK, answer)
			return
		}
		h.render(w, r, http.StatusOK, views.NewPost(h.postView(r, e), h.newCompose(r, nil)))
		return
	}
	if parent != nil {
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.reply_published") + missingAlts(r.Context(), post.Attachments)})
		http.Redirect(w, r, postPath(parent.Author, parent.Post.ID)+"#post-"+post.ID.String(), http.StatusSeeOther)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.post_published") + missingAlts(r.Context(), post.Attachments)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// missingAlts reminds, after publishing without JavaScript (which shows
// no previews), of the images left without a description.
func missingAlts(ctx context.Context, atts []storage.Attachment) string {
	n := 0
	for _, a := range atts {
		if a.Alt == "" {
			n++
		}
	}
	switch {
	case n == 0:
		return ""
	case n == 1 && len(atts) == 1:
		return " " + i18n.T(ctx, "flash.image_no_alt")
	case n == 1:
		return " " + i18n.T(ctx, "flash.one_image_no_alt")
	}
	return " " + i18n.N(ctx, "flash.images_no_alt", n)
}

// composeError shows the compose box again with the draft and the
// problem: alone under HTMX (in place of the form), else in its page (home
// or the thread of the post answered).
func (h *Handler) composeError(w http.ResponseWriter, r *http.Request, c views.Compose, parent *storage.Entry, code int, problem string) {
	c.Error = problem
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#"+c.FormID)
		w.Header().Set("HX-Reswap", "outerHTML")
		h.render(w, r, code, views.ComposeForm(c, false))
		return
	}
	h.composePage(w, r, c, parent, code)
}

// composePage shows the page of a compose box in its state c: home, or
// the thread of the post it answers.
func (h *Handler) composePage(w http.ResponseWriter, r *http.Request, c views.Compose, parent *storage.Entry, code int) {
	if parent != nil {
		h.threadPage(w, r, parent.Post.ID, parent.Author.Username, &c, code)
		return
	}
	t, err := h.db.HomeTimeline(viewer(r).user.ID, storage.Page{Limit: 20})
	if err != nil {
		h.error(w, r, err)
		return
	}
	p := h.page(r, i18n.T(r.Context(), "title.home"), "home")
	h.render(w, r, code, views.HomePage(p, c, h.timelineView(r, t, "/", i18n.T(r.Context(), "empty.home"))))
}

// countChars answers the live counter under the compose box, or under a
// post's edit form when the form names its counter (edit-counter-ID).
func (h *Handler) countChars(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	c := counter(strings.ReplaceAll(r.PostForm.Get("body"), "\r\n", "\n"), h.postLimit())
	if s, ok := strings.CutPrefix(r.PostForm.Get("counter"), "edit-counter-"); ok {
		id, err := storage.ParseID(s)
		if err != nil {
			h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.bad_counter")))
			return
		}
		h.render(w, r, http.StatusOK, views.EditCounter(id.String(), c))
		return
	}
	h.render(w, r, http.StatusOK, views.CharCounter(c))
}

// postFromPath finds the post of a "/@name/ID" address; the name must be
// its author's, so every post has exactly one address.
func (h *Handler) postFromPath(r *http.Request) (storage.Entry, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.Entry{}, errNotFound(i18n.T(r.Context(), "error.no_post"))
	}
	e, err := h.db.Post(viewerID(r), id)
	if err != nil {
		return e, err
	}
	if !namedBy(e.Author, r.PathValue("username")) {
		return e, errNotFound(i18n.T(r.Context(), "error.no_post"))
	}
	return e, nil
}

// ownPost finds the post of the address and checks the viewer may
// change it (social.MayEdit, social.MayDelete); verb names the action
// ("delete", "edit").
func (h *Handler) ownPost(r *http.Request, verb string) (storage.Entry, error) {
	e, err := h.postFromPath(r)
	if err != nil {
		return e, err
	}
	me := viewer(r).user
	if verb == "edit" {
		return e, h.social.MayEdit(r.Context(), me, e)
	}
	return e, h.social.MayDelete(r.Context(), me, e)
}

// cardPattern is the shape of a card's element id (see views.Post.DOMID).
var cardPattern = regexp.MustCompile(`^(?:pinned-)?post-[0-9]{1,20}$`)

// cardParam is the element id of the card an action came from (the
// "card" form or query value), or fallback.
func cardParam(r *http.Request, fallback string) string {
	c := r.URL.Query().Get("card")
	if r.PostForm != nil && r.PostForm.Get("card") != "" {
		c = r.PostForm.Get("card")
	}
	if cardPattern.MatchString(c) {
		return c
	}
	return fallback
}

// inCard gives a card the element id of the one it replaces, so that a
// pinned copy stays the pinned copy.
func inCard(v *views.Post, card string) {
	v.DOMID = card
	v.Actions.Card = card
	if strings.HasPrefix(card, "pinned-") {
		v.Pinned = true
	}
}

func (h *Handler) deleteForm(w http.ResponseWriter, r *http.Request) {
	e, err := h.ownPost(r, "delete")
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.DeletePage(h.page(r, i18n.T(r.Context(), "title.delete_post"), ""), h.postView(r, e)))
}

func (h *Handler) deletePost(w http.ResponseWriter, r *http.Request) {
	e, err := h.ownPost(r, "delete")
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.social.Delete(r.Context(), viewer(r).user, e.Post.ID); err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		// On the permalink itself there is nothing left to show: go to the
		// profile. Elsewhere the post just leaves the list.
		if onPage(r.Header.Get("HX-Current-URL"), postPath(e.Author, e.Post.ID)) {
			h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.post_deleted")})
			w.Header().Set("HX-Redirect", userPath(e.Author))
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.post_deleted")})
	http.Redirect(w, r, userPath(e.Author), http.StatusSeeOther)
}

// editForm shows the edit form of the viewer's post: a page, or under
// HTMX the form in place of the card it was asked from.
func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	e, err := h.ownPost(r, "edit")
	if err != nil {
		h.error(w, r, err)
		return
	}
	v := h.postView(r, e)
	f := views.EditForm{
		Post:           v,
		Action:         v.URL + "/edit",
		Body:           e.Post.Source,
		ContentWarning: e.Post.ContentWarning,
		Count:          counter(e.Post.Source, h.postLimit()),
		Images:         imagesOf(e.Post.Attachments),
		MaxAlt:         storage.MaxAltChars,
	}
	if isHTMX(r) {
		inCard(&f.Post, cardParam(r, v.DOMID))
		f.Inline = true
		h.render(w, r, http.StatusOK, views.EditCard(f))
		return
	}
	h.render(w, r, http.StatusOK, views.EditPage(h.page(r, i18n.T(r.Context(), "title.edit_post"), ""), f))
}

// editPost saves a new version of the viewer's post, its mentions and
// hashtags worked out again. Without JavaScript it redirects to the
// permalink; under HTMX it answers with the card.
func (h *Handler) editPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	e, err := h.ownPost(r, "edit")
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	v := h.postView(r, e)
	card := cardParam(r, v.DOMID)
	d := social.Draft{Body: r.PostForm.Get("body"), Warning: r.PostForm.Get("cw")}
	clean, problems := social.CheckDraft(r.Context(), me, nil, d, h.postLimit())
	d.Alts = editedAlts(r, e.Post)
	f := views.EditForm{Post: v, Action: v.URL + "/edit", Body: clean.Body, ContentWarning: clean.Warning, Count: counter(clean.Body, h.postLimit()), Inline: isHTMX(r),
		Images: editImagesOf(e.Post, d.Alts), MaxAlt: storage.MaxAltChars}
	fail := func(code int, msg string) {
		f.Error = msg
		if isHTMX(r) {
			inCard(&f.Post, card)
			h.render(w, r, code, views.EditCard(f))
			return
		}
		h.render(w, r, code, views.EditPage(h.page(r, i18n.T(r.Context(), "title.edit_post"), ""), f))
	}
	if len(problems) > 0 {
		fail(http.StatusBadRequest, problems[0].Message)
		return
	}
	edited, err := h.social.Edit(r.Context(), me, e.Post.ID, d)
	if se := (*social.Error)(nil); errors.As(err, &se) && (se.Kind == social.Invalid || se.Kind == social.Forbidden) {
		code, msg := statusCtx(r.Context(), err)
		fail(code, msg)
		return
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	e.Post = edited.Post
	if isHTMX(r) {
		h.renderCard(w, r, e, card)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.post_updated")})
	http.Redirect(w, r, postPath(e.Author, e.Post.ID), http.StatusSeeOther)
}

// renderCard answers an HTMX request with one post's card in the place of
// the card with element id card: the focused card with its edit history
// when the browser shows the post's permalink.
func (h *Handler) renderCard(w http.ResponseWriter, r *http.Request, e storage.Entry, card string) {
	v := h.postView(r, e)
	inCard(&v, card)
	focus := onPage(r.Header.Get("HX-Current-URL"), v.URL) && !v.Pinned
	if focus {
		edits, err := h.editsView(r, e)
		if err != nil {
			h.error(w, r, err)
			return
		}
		v.Edits = edits
	}
	h.render(w, r, http.StatusOK, views.PostCard(v, focus))
}

var (
	blockTag = regexp.MustCompile(`</?(?:p|br|hr|blockquote|pre|ul|ol|li)\b[^>]*>`)
	anyTag   = regexp.MustCompile(`<[^>]*>`)
)

// plainText is the text of a post's rendered HTML, as a title shows it:
// "Hello **world**" reads "Hello world". The HTML is the sanitizer's output,
// so tags are well formed and attribute values hold no ">".
func plainText(s string) string {
	s = blockTag.ReplaceAllString(s, " ")
	s = anyTag.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// onPage tells whether the browser's current URL (htmx's HX-Current-URL)
// is the page at path, in any case of the username and whatever its query
// or fragment.
func onPage(current, path string) bool {
	u, err := url.Parse(current)
	return err == nil && current != "" && strings.EqualFold(u.Path, path)
}

// excerpt is the start of a post's text, for titles and descriptions.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}
