package handlers

import (
	"net/http"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// badgeMax is how far the unread badge counts: 100 shows as "99+".
const badgeMax = 100

// unread counts the user's unread notifications for the navigation badge.
// A failure only costs the badge.
func (h *Handler) unread(userID storage.ID) int {
	n, err := h.db.UnreadNotifications(userID, badgeMax)
	if err != nil {
		h.cfg.Logger.Warn("unread notifications", "err", err)
		return 0
	}
	return n
}

// notifications lists the signed-in user's notifications, newest first,
// likes, reposts and follows grouped within the page, those not marked
// read highlighted. Opening it changes nothing (a link from another site
// must not clear the badge): the first page offers "Mark all as read",
// and when the member came from this site (or typed the address) htmx
// posts that form as soon as the page is shown.
func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	np, err := h.db.Notifications(me.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	nv := h.notificationsView(r, np, me.NotesReadTo)
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.NotificationItems(nv))
		return
	}
	if page.Before == 0 && len(np.Notes) > 0 && np.Notes[0].ID > me.NotesReadTo {
		nv.UpTo = np.Notes[0].ID.String()
		nv.MarkOnLoad = !fromOtherSite(r)
	}
	h.render(w, r, http.StatusOK, views.NotificationsPage(h.page(r, i18n.T(r.Context(), "title.notifications"), "notifications"), nv))
}

// fromOtherSite tells whether the browser says another site sent it here
// (a link or a form elsewhere). Browsers that do not say are taken at
// their word.
func fromOtherSite(r *http.Request) bool {
	s := r.Header.Get("Sec-Fetch-Site")
	return s == "cross-site" || s == "same-site"
}

// markNotificationsRead marks the member's notifications read up to
// up_to, the newest one their page showed (one that came later stays
// unread; without up_to, all of them). Without JavaScript it sends the
// browser back to the notifications; under htmx it answers the first page
// of them, read, with the badge and the form out of band, or, for the
// page's own mark when it is shown (only=badge), the badge alone.
func (h *Handler) markNotificationsRead(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	var upTo storage.ID
	if s := r.PostForm.Get("up_to"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.bad_notification")))
			return
		}
		upTo = id
	}
	if err := h.db.MarkNotificationsRead(me.ID, upTo); err != nil {
		h.error(w, r, err)
		return
	}
	if !isHTMX(r) {
		http.Redirect(w, r, "/notifications", http.StatusSeeOther)
		return
	}
	badge := views.Badge{Count: h.unread(me.ID), OOB: true}
	if r.PostForm.Get("only") == "badge" {
		h.render(w, r, http.StatusOK, views.NotificationBadge(badge))
		return
	}
	u, err := h.db.UserByID(me.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	np, err := h.db.Notifications(me.ID, storage.Page{Limit: 20}) // the page's first
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.NotificationsMarked(h.notificationsView(r, np, u.NotesReadTo), badge))
}

// notificationBadge answers the badge's polling with the badge alone. A
// visitor (whose session ended) gets htmx's "stop polling" status with
// nothing, which removes the badge.
func (h *Handler) notificationBadge(w http.ResponseWriter, r *http.Request) {
	v := viewer(r)
	if v == nil {
		if !isHTMX(r) {
			h.requireUser(nil)(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(286)
		return
	}
	h.render(w, r, http.StatusOK, views.NotificationBadge(views.Badge{Count: h.unread(v.user.ID)}))
}

// groupable kinds become one line per post (likes, reposts) or one line
// (follows) within a page.
func groupable(k storage.NoteKind) bool {
	return k == storage.NoteLike || k == storage.NoteRepost || k == storage.NoteFollow
}

// notificationsView turns a page of notifications into lines, grouping
// likes and reposts of the same post, and follows, at the place of the
// newest; readTo is the newest notification marked read. The actors and
// the posts' authors are on the page (consent.go).
func (h *Handler) notificationsView(r *http.Request, np storage.NotePage, readTo storage.ID) views.Notifications {
	ctx := r.Context()
	type groupKey struct {
		kind storage.NoteKind
		post storage.ID
	}
	nv := views.Notifications{Empty: i18n.T(ctx, "empty.notifications")}
	groups := map[groupKey]int{}
	actors := map[int]map[storage.ID]bool{}
	now := h.cfg.Now()
	filters := h.social.FiltersFor(viewerID(r), storage.FilterNotifications) // filters.go
	for _, ne := range np.Notes {
		var filtered social.Filtered
		if ne.Post != nil {
			if filtered = filters.Match(&ne.Post.Post); filtered.Hide {
				continue
			}
		}
		unread := ne.ID > readTo
		key := groupKey{ne.Kind, ne.PostID}
		if i, ok := groups[key]; ok && groupable(ne.Kind) {
			if !actors[i][ne.ActorID] {
				actors[i][ne.ActorID] = true
				nv.Items[i].Actors = append(nv.Items[i].Actors, h.userItem(r, ne.Actor))
			}
			nv.Items[i].Unread = nv.Items[i].Unread || unread
			continue
		}
		n := views.Note{
			Key:    ne.ID.String(),
			Kind:   string(ne.Kind),
			Unread: unread,
			Actors: []views.UserItem{h.userItem(r, ne.Actor)},
			Time:   timeOf(ne.ID.Time(), now),
		}
		if ne.Post != nil {
			h.carries(r, ne.Post.Author)
			n.Post = notePost(*ne.Post, now)
			n.Post.AuthorNameHTML = h.nameHTML(ne.Post.Author) // emoji.go
			switch ne.Kind {
			case storage.NoteMention, storage.NoteReply:
				// Answer or like it from here (flows.templ).
				a := h.actionsView(r, *ne.Post, "post-"+ne.Post.Post.ID.String())
				n.Post.Actions = &a
			case storage.NoteLike, storage.NoteRepost:
				// One's own post: a reminder of which, not all of it.
				text := ne.Post.Post.ContentWarning
				if text == "" {
					text = plainText(ne.Post.Post.HTML)
				}
				n.Post.Excerpt = wordExcerpt(text, excerptMax)
			}
			if w := filtered.Warning(); w != "" {
				// Folded as a content warning is, naming the filters.
				n.Post.CW = strings.TrimSpace(i18n.T(ctx, "filters.warning", "title", w) + " " + n.Post.CW)
			}
		}
		switch ne.Kind { // the moderators' (storage/staffnotes.go)
		case storage.NoteReport:
			n.Link = "/admin/reports/" + ne.Subject.String()
		case storage.NoteApplication:
			n.Link = "/admin/applications"
		}
		if ne.Kind == storage.NoteFollowRequest {
			n.Request = requestActions(ne.Actor, "/notifications")
		}
		if groupable(ne.Kind) {
			groups[key] = len(nv.Items)
			actors[len(nv.Items)] = map[storage.ID]bool{ne.ActorID: true}
		}
		nv.Items = append(nv.Items, n)
	}
	if np.Next != 0 {
		nv.MoreURL = withBefore("/notifications", np.Next)
	}
	return nv
}

// notePost is the compact card of a notification's post.
func notePost(e storage.Entry, now time.Time) *views.NotePost {
	return &views.NotePost{
		URL:        postPath(e.Author, e.Post.ID),
		AuthorName: e.Author.Name(),
		AuthorURL:  userPath(e.Author),
		Handle:     handleOf(e.Author),
		Avatar:     avatarOf(e.Author),
		HTML:       e.Post.HTML,
		CW:         e.Post.ContentWarning,
		Time:       timeOf(e.Post.CreatedAt, now),
		Remote:     originOf(e), // federation.go
	}
}
