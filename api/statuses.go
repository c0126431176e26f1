package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
)

// statusesRoutes registers the statuses, timelines, notifications,
// markers, media and search endpoints.
func (a *API) statusesRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/statuses", a.route(UserToken, "write:statuses", a.createStatus))
	mux.Handle("GET /api/v1/statuses/{id}", a.route(Public, "read:statuses", a.getStatus))
	mux.Handle("DELETE /api/v1/statuses/{id}", a.route(UserToken, "write:statuses", a.deleteStatus))
	mux.Handle("PUT /api/v1/statuses/{id}", a.route(UserToken, "write:statuses", a.editStatus))
	mux.Handle("GET /api/v1/statuses/{id}/context", a.route(Public, "read:statuses", a.statusContext))
	mux.Handle("GET /api/v1/statuses/{id}/history", a.route(Public, "read:statuses", a.statusHistory))
	mux.Handle("GET /api/v1/statuses/{id}/source", a.route(UserToken, "read:statuses", a.statusSource))
	for _, act := range statusActions {
		mux.Handle("POST /api/v1/statuses/{id}/"+act.path, a.route(UserToken, act.scope, a.statusAction(act.do)))
	}
	mux.Handle("GET /api/v1/statuses/{id}/favourited_by", a.route(Public, "read:accounts", a.statusAccounts((*storage.DB).Likers)))
	mux.Handle("GET /api/v1/statuses/{id}/reblogged_by", a.route(Public, "read:accounts", a.statusAccounts((*storage.DB).Reposters)))
	mux.Handle("GET /api/v1/bookmarks", a.route(UserToken, "read:bookmarks", a.bookmarks))
	mux.Handle("GET /api/v1/favourites", a.route(UserToken, "read:favourites", a.favourites))

	mux.Handle("GET /api/v1/timelines/home", a.route(UserToken, "read:statuses", a.homeTimeline))
	mux.Handle("GET /api/v1/timelines/public", a.route(Public, "read:statuses", a.publicTimeline))
	mux.Handle("GET /api/v1/timelines/tag/{tag}", a.route(Public, "read:statuses", a.tagTimeline))

	mux.Handle("GET /api/v1/notifications", a.route(UserToken, "read:notifications", a.notifications))
	mux.Handle("GET /api/v1/notifications/{id}", a.route(UserToken, "read:notifications", a.notification))
	mux.Handle("POST /api/v1/notifications/{id}/dismiss", a.route(UserToken, "write:notifications", a.dismissNotification))
	mux.Handle("POST /api/v1/notifications/clear", a.route(UserToken, "write:notifications", a.clearNotifications))
	mux.Handle("GET /api/v1/markers", a.route(UserToken, "read:statuses", a.markers))
	mux.Handle("POST /api/v1/markers", a.route(UserToken, "write:statuses", a.setMarkers))

	mux.Handle("POST /api/v2/media", a.route(UserToken, "write:media", a.uploadMedia))
	mux.Handle("POST /api/v1/media", a.route(UserToken, "write:media", a.uploadMedia))
	mux.Handle("GET /api/v1/media/{id}", a.route(UserToken, "write:media", a.getMedia))
	mux.Handle("PUT /api/v1/media/{id}", a.route(UserToken, "write:media", a.updateMedia))

	mux.Handle("GET /api/v2/search", a.route(Public, "read:search", a.search))
	mux.Handle("GET /api/v1/accounts/search", a.route(Public, "read:accounts", a.accountSearch))
}

// actionContext is the request's context in the member's language, for
// the messages of refusals.
func actionContext(r *http.Request, viewer storage.User) context.Context {
	return i18n.WithLang(r.Context(), i18n.Negotiate(viewer.Language, r.Header.Get("Accept-Language"), ""))
}

// actionError answers an action's refusal with Mastodon's status for it:
// 404 for what the member may not see, 422 for a refused input, 403 for
// what the member may not do; anything else is a failure (500).
func (a *API) actionError(w http.ResponseWriter, r *http.Request, err error) {
	var se *social.Error
	switch {
	case errors.As(err, &se):
		status := http.StatusUnprocessableEntity
		switch se.Kind {
		case social.NotFound:
			status = http.StatusNotFound
		case social.Forbidden:
			status = http.StatusForbidden
		case social.TooLarge:
			status = http.StatusRequestEntityTooLarge
		}
		writeError(w, status, se.Message)
	case errors.Is(err, storage.ErrNotFound):
		writeError(w, http.StatusNotFound, "Record not found")
	case errors.Is(err, storage.ErrForbidden):
		writeError(w, http.StatusForbidden, "This action is not allowed")
	case errors.Is(err, storage.ErrInvalid):
		writeError(w, http.StatusUnprocessableEntity, "Validation failed")
	default:
		a.serverError(w, r, err)
	}
}

// pathID reads the {id} of a path; false (after answering 404, as
// Mastodon does for an ID that names nothing) when it is not one.
func pathID(w http.ResponseWriter, r *http.Request) (storage.ID, bool) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil || id == 0 {
		writeError(w, http.StatusNotFound, "Record not found")
		return 0, false
	}
	return id, true
}

// visibleStatus finds the post {id} as the viewer may see it (a repost's
// ID finds the repost, wrapped around its original); false after
// answering 404 when it is hidden or gone.
func (a *API) visibleStatus(w http.ResponseWriter, r *http.Request, viewer storage.User) (storage.Entry, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return storage.Entry{}, false
	}
	e, err := a.db.Post(viewer.ID, id)
	if err != nil {
		a.actionError(w, r, err)
		return e, false
	}
	return e, true
}

// createStatus publishes a post (POST /api/v1/statuses) through the
// web's own action, honouring Idempotency-Key.
func (a *API) createStatus(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	key := r.Header.Get("Idempotency-Key")
	var claim *idemClaim
	if key != "" {
		var prior storage.ID
		claim, prior = a.mem.idem.claim(au.Token.ID, key, a.cfg.Now())
		if claim == nil {
			a.replayStatus(w, r, me, prior)
			return
		}
	}
	e, err := a.publish(r, me)
	if claim != nil {
		claim.finish(e.Post.ID, err == nil)
	}
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.status(e, me))
}

// replayStatus answers a request repeated with the same Idempotency-Key:
// the status the first one created, as it is now.
func (a *API) replayStatus(w http.ResponseWriter, r *http.Request, me storage.User, id storage.ID) {
	if id == 0 {
		writeError(w, http.StatusUnprocessableEntity, "A request with this Idempotency-Key failed a moment ago")
		return
	}
	e, err := a.db.Post(me.ID, id)
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.status(e, me))
}

// publish reads a status request and publishes it (social.Publish).
func (a *API) publish(r *http.Request, me storage.User) (storage.Entry, error) {
	ctx := actionContext(r, me)
	f, err := decodeStatusForm(r)
	if err != nil {
		return storage.Entry{}, &social.Error{Kind: social.Invalid, Message: err.Error(), Err: err}
	}
	if f.Unsupported != "" {
		return storage.Entry{}, &social.Error{Kind: social.Invalid, Message: f.Unsupported + " is not supported by this server"}
	}
	d := social.Draft{
		Body: f.Status, Warning: f.SpoilerText, Visibility: visibilityArg(f.Visibility), Language: f.Language,
	}
	if f.Poll != nil {
		d.Poll = f.Poll.draft() // polls.go
	}
	if f.QuotedStatusID != "" {
		id, err := storage.ParseID(f.QuotedStatusID)
		if err != nil {
			return storage.Entry{}, &social.Error{Kind: social.NotFound, Message: "Record not found", Err: storage.ErrNotFound}
		}
		d.QuoteOf = id
	}
	d.QuotePolicy = f.QuotePolicy
	if f.InReplyToID != "" {
		id, err := storage.ParseID(f.InReplyToID)
		if err != nil {
			return storage.Entry{}, &social.Error{Kind: social.NotFound, Message: "Record not found", Err: storage.ErrNotFound}
		}
		d.InReplyTo = id
	}
	if len(f.MediaIDs) > storage.MaxAttachments {
		return storage.Entry{}, &social.Error{Kind: social.Invalid, Message: i18n.N(ctx, "error.too_many_images", storage.MaxAttachments)}
	}
	for _, mid := range f.MediaIDs {
		if slices.ContainsFunc(d.Attachments, func(at storage.Attachment) bool { return at.Display == mid }) {
			continue
		}
		at, err := a.db.Upload(me.ID, mid)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Entry{}, &social.Error{Kind: social.Invalid, Field: "media_ids", Message: i18n.T(ctx, "form.images_gone"), Err: err}
		}
		if err != nil {
			return storage.Entry{}, err
		}
		d.Attachments = append(d.Attachments, at)
	}
	return a.soc.Publish(ctx, me, d)
}

// getStatus is one status, 404 when the viewer may not see it. It is
// what an app opens a thread with, so the member's filters of the
// "thread" context mark it; even one that hides only marks it here: the
// app asked for this status, and folds it.
func (a *API) getStatus(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	e, ok := a.visibleStatus(w, r, viewer)
	if !ok {
		return
	}
	s := a.status(e, viewer)
	markFiltered(&s, a.soc.FiltersFor(viewer.ID, storage.FilterThread).Match(&e.Post)) // lists.go
	writeJSON(w, http.StatusOK, s)
}

// deleteStatus deletes one of the member's posts and answers it with its
// source in text, which apps use to "delete and redraft".
func (a *API) deleteStatus(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	e, ok := a.visibleStatus(w, r, me)
	if !ok {
		return
	}
	if e.RepostedBy != nil {
		// The ID of a repost deletes the repost: the member's own
		// (social.Unrepost), nobody else's.
		if e.RepostedBy.ID != me.ID {
			writeError(w, http.StatusForbidden, "This action is not allowed")
			return
		}
		s := a.status(e, me)
		if _, err := a.soc.Unrepost(actionContext(r, me), me, e); err != nil {
			a.actionError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
		return
	}
	if err := a.soc.Delete(actionContext(r, me), me, e.Post.ID); err != nil {
		a.actionError(w, r, err)
		return
	}
	s := a.status(e, me)
	s.Text = new(e.Post.Source)
	writeJSON(w, http.StatusOK, s)
}

// editStatus saves a new version of a post's text (social.Edit). Its
// audience, the post it answers and its images do not change: a request
// that would change the images is refused.
func (a *API) editStatus(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	e, ok := a.visibleStatus(w, r, me)
	if !ok {
		return
	}
	ctx := actionContext(r, me)
	f, err := decodeStatusForm(r)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if f.MediaGiven {
		var have []string
		for _, at := range e.Post.Attachments {
			have = append(have, at.Display)
		}
		if !slices.Equal(have, f.MediaIDs) {
			writeError(w, http.StatusUnprocessableEntity, "Changing the images of a post is not supported: delete it and post it again")
			return
		}
	}
	edited, err := a.soc.Edit(ctx, me, e.Post.ID, social.Draft{Body: f.Status, Warning: f.SpoilerText})
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	edited.RepostedBy, edited.RepostID = nil, 0
	writeJSON(w, http.StatusOK, a.status(edited, me))
}

// statusContext is a post's thread as the viewer may see it
// (storage.Thread, the permalink page's read): ancestors oldest first,
// then the replies shown there, each followed by its own replies.
func (a *API) statusContext(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if e, err := a.db.Post(viewer.ID, id); err == nil && e.RepostedBy != nil {
		id = e.Post.ID
	}
	t, err := a.db.Thread(viewer.ID, id)
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	c := a.conv(viewer)
	// The member's keyword filters of the "thread" context apply, as on
	// Mastodon: a status one hides is left out, one that warns is marked.
	filters := a.soc.FiltersFor(viewer.ID, storage.FilterThread)
	add := func(to *[]Status, e storage.Entry) {
		if s, ok := c.filteredStatus(e, filters); ok { // lists.go
			*to = append(*to, s)
		}
	}
	out := Context{Ancestors: []Status{}, Descendants: []Status{}}
	for _, it := range t.Ancestors {
		if !it.Missing {
			add(&out.Ancestors, it.Entry)
		}
	}
	for _, b := range t.Replies {
		add(&out.Descendants, b.Entry)
		for _, e := range b.Children {
			add(&out.Descendants, e)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// StatusEdit is a version of a post in its history.
type StatusEdit struct {
	Content          string            `json:"content"`
	SpoilerText      string            `json:"spoiler_text"`
	Sensitive        bool              `json:"sensitive"`
	CreatedAt        string            `json:"created_at"`
	Account          Account           `json:"account"`
	MediaAttachments []MediaAttachment `json:"media_attachments"`
	Emojis           []Emoji           `json:"emojis"`
}

// statusHistory is a post's versions, oldest first and the current one
// last, as Mastodon lists them. The earlier versions are shown only to
// whom the web shows them (storage.PostEdits: those in the audience of
// every version); anyone else sees the current version alone.
func (a *API) statusHistory(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	e, ok := a.visibleStatus(w, r, viewer)
	if !ok {
		return
	}
	var edits []storage.Edit
	if !e.Post.EditedAt.IsZero() {
		var err error
		if edits, err = a.db.PostEdits(viewer.ID, e.Post.ID); err != nil {
			a.actionError(w, r, err)
			return
		}
	}
	c := a.conv(viewer)
	acc := c.account(e.Author)
	media := c.post(e).MediaAttachments
	out := []StatusEdit{}
	for i := len(edits) - 1; i >= 0; i-- {
		ed := edits[i]
		out = append(out, StatusEdit{
			Content: a.absoluteLinks(ed.HTML), SpoilerText: ed.ContentWarning, Sensitive: ed.ContentWarning != "",
			CreatedAt: apiTime(ed.At), Account: acc, MediaAttachments: media, Emojis: []Emoji{},
		})
	}
	at := e.Post.CreatedAt
	if !e.Post.EditedAt.IsZero() {
		at = e.Post.EditedAt
	}
	out = append(out, StatusEdit{
		Content: a.absoluteLinks(e.Post.HTML), SpoilerText: e.Post.ContentWarning, Sensitive: e.Post.ContentWarning != "",
		CreatedAt: apiTime(at), Account: acc, MediaAttachments: media, Emojis: []Emoji{},
	})
	writeJSON(w, http.StatusOK, out)
}

// StatusSource is what the author wrote, for editing.
type StatusSource struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// statusSource is the source of one of the member's posts; another's is
// refused as the web refuses to edit it.
func (a *API) statusSource(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	e, ok := a.visibleStatus(w, r, me)
	if !ok {
		return
	}
	if err := a.soc.MayEdit(actionContext(r, me), me, e); err != nil {
		a.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, StatusSource{ID: e.Post.ID.String(), Text: e.Post.Source, SpoilerText: e.Post.ContentWarning})
}

// statusAction is one of the interactions with a post, as an endpoint.
type statusAction struct {
	path, scope string
	do          func(s *social.Service, ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error)
}

var statusActions = []statusAction{
	{"favourite", "write:favourites", (*social.Service).Like},
	{"unfavourite", "write:favourites", (*social.Service).Unlike},
	{"reblog", "write:statuses", (*social.Service).Repost},
	{"unreblog", "write:statuses", (*social.Service).Unrepost},
	{"bookmark", "write:bookmarks", (*social.Service).Bookmark},
	{"unbookmark", "write:bookmarks", (*social.Service).Unbookmark},
	{"pin", "write:accounts", (*social.Service).Pin},
	{"unpin", "write:accounts", (*social.Service).Unpin},
}

// statusAction answers an interaction: the post as the member sees it
// after it. A reblog answers the member's repost wrapping the post, as
// Mastodon does; the other actions answer the post itself.
func (a *API) statusAction(do func(*social.Service, context.Context, storage.User, storage.Entry) (storage.Entry, error)) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		me := au.User
		e, ok := a.visibleStatus(w, r, me)
		if !ok {
			return
		}
		e.RepostedBy, e.RepostID = nil, 0
		out, err := do(a.soc, actionContext(r, me), me, e)
		if err != nil {
			a.actionError(w, r, err)
			return
		}
		if strings.HasSuffix(r.URL.Path, "pin") {
			// The member's pins changed: the status says so from the
			// record as it is now.
			if fresh, err := a.db.UserByID(me.ID); err == nil {
				me = fresh
			}
		}
		if strings.HasSuffix(r.URL.Path, "/reblog") {
			if rp, err := a.db.RepostBy(me.ID, out.Post.ID); err == nil {
				out.RepostedBy, out.RepostID = &me, rp.ID
			}
		}
		writeJSON(w, http.StatusOK, a.status(out, me))
	}
}

// statusAccounts lists who liked or reposted a post the viewer may see.
func (a *API) statusAccounts(list func(*storage.DB, storage.ID, storage.ID, storage.Page) (storage.UserList, error)) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		viewer := viewerOf(au)
		e, ok := a.visibleStatus(w, r, viewer)
		if !ok {
			return
		}
		p := parsePaging(r, 80)
		l, err := list(a.db, viewer.ID, e.Post.ID, p.storagePage())
		if err != nil {
			a.actionError(w, r, err)
			return
		}
		c := a.conv(viewer)
		out := make([]Account, 0, len(l.Users))
		for _, u := range l.Users {
			out = append(out, c.account(u))
		}
		if l.Next != 0 {
			a.setLink(w, r, 0, l.Next, true)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// bookmarks lists the member's bookmarks (the web's bookmarks page).
func (a *API) bookmarks(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	a.writeTimeline(w, r, me, parsePaging(r, 0), func(p storage.Page) (storage.Timeline, error) { return a.db.Bookmarks(me.ID, p) })
}

// favourites lists the posts the member liked.
func (a *API) favourites(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	a.writeTimeline(w, r, me, parsePaging(r, 0), func(p storage.Page) (storage.Timeline, error) { return a.db.Favourites(me.ID, p) })
}

// visibilityArg is the visibility a client asks for as the actions read
// it; an unknown name passes through for their rules to refuse.
func visibilityArg(name string) string {
	v, _ := visibilityOf(name)
	return string(v)
}
