package handlers

import (
	"bytes"
	"context"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// render writes a component with a status. It renders into a buffer first,
// so a failing template becomes a clean 500, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	buf := h.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer h.buffers.Put(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		h.cfg.Logger.Error("render", "path", r.URL.Path, "err", err)
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!DOCTYPE html><title>" + i18n.T(r.Context(), "error.render_title") + "</title><p>" + i18n.T(r.Context(), "error.render_failed") + "</p>")
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Add("Vary", "HX-Request")
	hd.Set("Cache-Control", "no-store")
	// The whole page is in hand: saying its length spares the chunked
	// encoding, and the page goes out in one write.
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// page builds the frame of a full page: title, navigation, viewer, flash.
func (h *Handler) page(r *http.Request, title, nav string) views.Page {
	p := views.Page{Title: title, Site: h.cfg.SiteName, Nav: nav}
	if v := viewer(r); v != nil {
		p.Viewer = &views.Viewer{Username: v.user.Username, Name: v.user.Name(), Admin: v.user.IsAdmin(), Unread: h.unread(v.user.ID), Federation: h.cfg.Federation != nil}
	}
	if f, ok := r.Context().Value(flashKey{}).(views.Flash); ok {
		p.Flash = f
	}
	h.frame(r, &p)             // the instance's name, description and language (about.go)
	h.frameFlows(r, &p)        // invitations and the Admin badge in the navigation (flows.go)
	p.Consent = pageConsent(r) // AI training and indexing (consent.go)
	return p
}

// userPath is the address of an account's profile here: "/@name" for a
// member, "/@name@host" for an account of another server.
func userPath(u storage.User) string { return "/@" + url.PathEscape(pathName(u)) }

// pathName is how addresses here name an account: "name" for a member,
// "name@host" for a remote account.
func pathName(u storage.User) string {
	if u.Domain != "" {
		return u.Username + "@" + u.Domain
	}
	return u.Username
}

// handleOf is the handle pages show: "@name", or "@name@host" for a
// remote account.
func handleOf(u storage.User) string { return "@" + pathName(u) }

// namedBy tells whether the {username} of an address names u (in any
// case): the post addresses "/@name/ID" and "/@name@host/ID" must carry
// their author's name, so every post has exactly one address.
func namedBy(u storage.User, name string) bool { return strings.EqualFold(pathName(u), name) }

// postPath is the permalink of a post.
func postPath(u storage.User, id storage.ID) string { return userPath(u) + "/" + id.String() }

func (h *Handler) userURI(username string) string { return h.cfg.BaseURL + "/users/" + username }
func (h *Handler) postURI(username string, id storage.ID) string {
	return h.cfg.BaseURL + "/@" + username + "/" + id.String()
}

func avatarOf(u storage.User) views.Avatar {
	name := u.Name()
	r, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	if r == utf8.RuneError {
		r, _ = utf8.DecodeRuneInString(u.Username)
	}
	f := fnv.New32a()
	f.Write([]byte(strings.ToLower(u.Username)))
	a := views.Avatar{Initial: strings.ToUpper(string(r)), Hue: int(f.Sum32() % 12)}
	if av := u.Avatar; !av.IsZero() {
		a.URL, a.Size = mediaURL(av.Thumb, av.ThumbType), av.ThumbWidth
		a.LargeURL, a.LargeSize = mediaURL(av.Display, av.ContentType), av.Width
	}
	return a
}

// timeOf is a moment as pages show it, relative to now; the views label
// it in the reader's language.
func timeOf(t, now time.Time) views.Time {
	return views.Time{ISO: t.UTC().Format(time.RFC3339), At: t, Now: now}
}

// postView builds the card of an entry as the signed-in viewer (or a
// visitor) sees it. A repost's card shows the original, with actions on
// the original, and takes the repost's ID as its element id so that a
// post and a repost of it never share one.
func (h *Handler) postView(r *http.Request, e storage.Entry) views.Post {
	h.carries(r, e.Author) // consent.go
	h.carriesPost(r, e.Post)
	now := h.cfg.Now()
	p := views.Post{
		ID:             e.Post.ID.String(),
		DOMID:          "post-" + e.Cursor().String(),
		URL:            postPath(e.Author, e.Post.ID),
		AuthorName:     e.Author.Name(),
		AuthorURL:      userPath(e.Author),
		Handle:         handleOf(e.Author),
		Avatar:         avatarOf(e.Author),
		HTML:           e.Post.HTML,
		Time:           timeOf(e.Post.CreatedAt, now),
		AuthorAdmin:    e.Author.IsAdmin(),
		AuthorBot:      e.Author.Bot,
		ContentWarning: e.Post.ContentWarning,
		Pinned:         e.Pinned,
		Images:         imagesOf(e.Post.Attachments),
		AuthorNameHTML: h.nameHTML(e.Author), // emoji.go
	}
	if e.Pinned {
		p.DOMID = "pinned-post-" + p.ID
	}
	if e.RepostedBy != nil {
		h.carries(r, *e.RepostedBy)
		p.RepostedBy = userRef(*e.RepostedBy)
		p.RepostedBy.NameHTML = h.nameHTML(*e.RepostedBy) // emoji.go
	}
	if e.ReplyTo != nil {
		h.carries(r, *e.ReplyTo)
		p.ReplyTo = userRef(*e.ReplyTo)
	}
	if v := e.Post.Visibility; v != storage.Public && v.Valid() {
		p.Visibility, p.VisibilityLabel = string(v), social.VisibilityLabel(r.Context(), v)
	}
	if !e.Post.EditedAt.IsZero() {
		t := timeOf(e.Post.EditedAt, now)
		p.Edited = &t
	}
	p.Imported = e.Post.ImportedFrom != ""
	p.Remote = originOf(e) // federation.go
	p.Actions = h.actionsView(r, e, p.DOMID)
	p.Poll = h.pollView(r, e, p.DOMID)   // polls.go
	p.Quote = h.quoteView(r, e, p.DOMID) // quotes.go
	if p.Actions.Own {
		p.CanDelete = true
		p.DeleteURL = p.URL + "/delete"
	}
	return p
}

// actionsView is the action bar of an entry; card is the element id of
// the card it sits in.
func (h *Handler) actionsView(r *http.Request, e storage.Entry, card string) views.Actions {
	a := views.Actions{
		URL:        postPath(e.Author, e.Post.ID),
		Card:       card,
		Replies:    e.Post.Replies,
		Likes:      e.Post.Likes,
		Reposts:    e.Post.Reposts,
		Liked:      e.Liked,
		Reposted:   e.Reposted,
		Bookmarked: e.Bookmarked,
		CanRepost:  e.Post.Visibility.Repostable(),
		QuoteURL:   quoteActionURL(e), // quotes.go
	}
	v := viewer(r)
	if v == nil {
		a.LoginURL = "/login?next=" + url.QueryEscape(a.URL)
		return a
	}
	a.SignedIn = true
	if v.user.ID == e.Post.AuthorID {
		a.Own = true
		a.CanPin = e.Post.Visibility != storage.Direct
		a.Pinned = slices.Contains(v.user.Pinned, e.Post.ID)
	}
	return a
}

func userRef(u storage.User) *views.UserRef {
	return &views.UserRef{Name: u.Name(), Handle: handleOf(u), URL: userPath(u)}
}

// visibilityOptions are the choices of the compose box's select, from
// widest down to the narrowest, none wider than widest.
func visibilityOptions(ctx context.Context, widest storage.Visibility) []views.Option {
	var out []views.Option
	for _, v := range storage.Visibilities {
		if v.Narrowness() >= widest.Narrowness() {
			out = append(out, views.Option{Value: string(v), Label: social.VisibilityLabel(ctx, v)})
		}
	}
	return out
}

// timelineView turns a storage page into a view; base is the page's path,
// to which the next page's cursor is added.
func (h *Handler) timelineView(r *http.Request, t storage.Timeline, base, empty string) views.Timeline {
	v := views.Timeline{Empty: empty, Posts: make([]views.Post, 0, len(t.Entries))}
	for _, e := range t.Entries {
		v.Posts = append(v.Posts, h.postView(r, e))
	}
	v.MoreURL = h.nextURL(base, t)
	return v
}

func withBefore(base string, id storage.ID) string {
	return base + "?before=" + url.QueryEscape(id.String())
}

// userItem is a member as lists show them (name, handle, avatar): showing
// them, the response carries their profile (consent.go).
func (h *Handler) userItem(r *http.Request, u storage.User) views.UserItem {
	h.carries(r, u)
	return views.UserItem{Name: u.Name(), Handle: handleOf(u), URL: userPath(u), Avatar: avatarOf(u), NameHTML: h.nameHTML(u)}
}

// pageParam reads the ?before= cursor.
func pageParam(r *http.Request) (storage.Page, error) {
	p := storage.Page{Limit: 20}
	if s := r.URL.Query().Get("before"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			return p, errBadRequest(i18n.T(r.Context(), "error.bad_cursor"))
		}
		p.Before = id
	}
	return p, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
