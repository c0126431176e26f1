package handlers

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"majlis/markup"
	"majlis/storage"
	"majlis/views"
)

// draft validates a post body, returning the error to show in the compose
// box.
func draft(body string) (string, string) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	n := markup.Length(body)
	switch {
	case strings.TrimSpace(body) == "":
		return body, "Write something first."
	case n > MaxPostChars:
		return body, "This post is too long: " + itoa(n) + " characters, the limit is " + itoa(MaxPostChars) + "."
	}
	return body, ""
}

func counter(body string) views.Counter {
	return views.Counter{Used: markup.Length(body), Limit: MaxPostChars}
}

// createPost publishes a post. Without JavaScript it redirects home; under
// HTMX it answers with the new post and an empty compose box.
func (h *Handler) createPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	body, problem := draft(r.PostForm.Get("body"))
	if problem != "" {
		c := views.Compose{Body: body, Error: problem, Count: counter(body)}
		if isHTMX(r) {
			w.Header().Set("HX-Retarget", "#compose")
			w.Header().Set("HX-Reswap", "outerHTML")
			h.render(w, r, http.StatusBadRequest, views.ComposeForm(c, false))
			return
		}
		t, err := h.db.HomeTimeline(me.ID, storage.Page{Limit: 20})
		if err != nil {
			h.error(w, r, err)
			return
		}
		p := h.page(r, "Home", "home")
		h.render(w, r, http.StatusBadRequest, views.HomePage(p, c, h.timelineView(r, t, "/", homeEmpty)))
		return
	}
	html, err := markup.Render(body)
	if err != nil {
		h.error(w, r, err)
		return
	}
	id := h.db.NewID()
	post := storage.Post{
		ID:         id,
		AuthorID:   me.ID,
		URI:        h.postURI(me.Username, id),
		Source:     body,
		HTML:       html,
		Visibility: storage.Public,
		Local:      true,
		CreatedAt:  h.cfg.Now().UTC(),
	}
	if err := h.db.CreatePost(&post); err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		v := h.postView(r, storage.Entry{Post: post, Author: me})
		h.render(w, r, http.StatusOK, views.NewPost(v, views.Compose{Count: counter("")}))
		return
	}
	h.setFlash(w, r, views.Flash{Message: "Your post is published."})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// countChars answers the live counter under the compose box.
func (h *Handler) countChars(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.CharCounter(counter(strings.ReplaceAll(r.PostForm.Get("body"), "\r\n", "\n"))))
}

// postFromPath finds the post of a "/@name/ID" address; the name must be
// its author's, so every post has exactly one address.
func (h *Handler) postFromPath(r *http.Request) (storage.Entry, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.Entry{}, errNotFound("There is no post at this address.")
	}
	e, err := h.db.Post(viewerID(r), id)
	if err != nil {
		return e, err
	}
	if !strings.EqualFold(e.Author.Username, r.PathValue("username")) || e.Author.Domain != "" {
		return e, errNotFound("There is no post at this address.")
	}
	return e, nil
}

func (h *Handler) permalink(w http.ResponseWriter, r *http.Request) {
	e, err := h.postFromPath(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	summary := excerpt(plainText(e.Post.HTML))
	if summary == "" {
		summary = excerpt(e.Post.Source)
	}
	p := h.page(r, e.Author.Name()+": "+summary, "")
	p.Canonical = e.Post.URI
	p.Description = summary
	h.render(w, r, http.StatusOK, views.PostPage(p, h.postView(r, e)))
}

// ownPost finds the post of the address and checks the viewer wrote it.
func (h *Handler) ownPost(r *http.Request) (storage.Entry, error) {
	e, err := h.postFromPath(r)
	if err != nil {
		return e, err
	}
	if e.Post.AuthorID != viewer(r).user.ID {
		return e, errForbidden("You can only delete your own posts.")
	}
	return e, nil
}

func (h *Handler) deleteForm(w http.ResponseWriter, r *http.Request) {
	e, err := h.ownPost(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.DeletePage(h.page(r, "Delete post", ""), h.postView(r, e)))
}

func (h *Handler) deletePost(w http.ResponseWriter, r *http.Request) {
	e, err := h.ownPost(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.db.DeletePost(e.Post.ID); err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		// On the permalink itself there is nothing left to show: go to the
		// profile. Elsewhere the post just leaves the list.
		if onPage(r.Header.Get("HX-Current-URL"), postPath(e.Author, e.Post.ID)) {
			h.setFlash(w, r, views.Flash{Message: "Your post is deleted."})
			w.Header().Set("HX-Redirect", userPath(e.Author))
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	h.setFlash(w, r, views.Flash{Message: "Your post is deleted."})
	http.Redirect(w, r, userPath(e.Author), http.StatusSeeOther)
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
