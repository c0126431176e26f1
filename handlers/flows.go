package handlers

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// The flows that make the site easy to follow: live timelines (the "N
// new posts" bar), the Direct conversations, follow buttons in lists,
// the login page's help, and the navigation's invitations and Admin
// badge.

// DefaultLiveEvery is how often an open timeline asks whether new posts
// came (Config.LiveEvery).
const DefaultLiveEvery = 25 * time.Second

// adminQueueMax bounds the count on the Admin badge.
const adminQueueMax = 100

// frameFlows completes the frame of a page for the signed-in viewer:
// whether the navigation offers invitations, and the size of the
// moderation queues on Admin.
func (h *Handler) frameFlows(r *http.Request, p *views.Page) {
	v := viewer(r)
	if v == nil || p.Viewer == nil {
		return
	}
	p.Viewer.CanInvite = mayInvite(r.Context(), v.user, h.instance()) == nil
	if v.user.CanModerate() {
		reports, _ := h.db.CountOpenReports(adminQueueMax)
		apps, _ := h.db.CountApplications(adminQueueMax)
		p.Viewer.AdminQueue = min(reports+apps, adminQueueMax)
	}
}

// liveEvery is the polling interval as htmx reads it.
func (h *Handler) liveEvery() string {
	d := h.cfg.LiveEvery
	if d <= 0 {
		d = DefaultLiveEvery
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// liveBar is the "new posts" bar of a timeline at base whose newest
// shown entry is since, counting n new posts.
func (h *Handler) liveBar(base string, since storage.ID, n int) views.LiveBar {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	q := base + sep + "since=" + since.String()
	return views.LiveBar{PollURL: q, ShowURL: q + "&show=1", ReloadURL: base, Every: h.liveEvery(), Count: n}
}

// withLive gives the first page of a timeline its "new posts" bar, which
// counts from the newest entry the page shows.
func (h *Handler) withLive(tv *views.Timeline, base string, t storage.Timeline, page storage.Page) {
	if page.Before != 0 {
		return
	}
	var since storage.ID
	if len(t.Entries) > 0 {
		since = t.Entries[0].Cursor()
	}
	bar := h.liveBar(base, since, 0)
	tv.Live = &bar
}

// byViewer tells whether the viewer put the entry in the timeline (their
// post, or their repost): the page shows those already when they make
// them, so they are not news.
func byViewer(e storage.Entry, viewerID storage.ID) bool {
	if viewerID == 0 {
		return false
	}
	if e.RepostedBy != nil {
		return e.RepostedBy.ID == viewerID
	}
	return e.Author.ID == viewerID
}

// live answers the "new posts" bar of the timeline at base, when the
// request is one (?since=ID): with the bar counting the posts newer than
// since (at most views.LiveMax+1, from the first page of the timeline as
// fetch reads it, so the same visibility rules apply), or with show=1,
// the bar reset and the new posts to put under it. Without htmx it sends
// readTimeline reads the timeline page a request asks for, or answers the
// "new posts" bar's question itself (live). done says the answer is
// written already: the bar's, or an error page.
func (h *Handler) readTimeline(w http.ResponseWriter, r *http.Request, base string, fetch func(storage.Page) (storage.Timeline, error)) (t storage.Timeline, page storage.Page, done bool) {
	if h.live(w, r, base, fetch) {
		return t, page, true
	}
	page, err := h.timelinePage(r)
	if err == nil {
		t, err = fetch(page)
	}
	if err != nil {
		h.error(w, r, err)
		return t, page, true
	}
	return t, page, false
}

// the browser to the timeline. It reports whether it answered.
func (h *Handler) live(w http.ResponseWriter, r *http.Request, base string, fetch func(storage.Page) (storage.Timeline, error)) bool {
	q := r.URL.Query()
	if !q.Has("since") {
		return false
	}
	var since storage.ID
	if s := q.Get("since"); s != "0" {
		id, err := storage.ParseID(s)
		if err != nil {
			h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.bad_cursor")))
			return true
		}
		since = id
	}
	if !isHTMX(r) {
		http.Redirect(w, r, base, http.StatusSeeOther)
		return true
	}
	t, err := fetch(storage.Page{Limit: views.LiveMax + 1})
	if err != nil {
		h.error(w, r, err)
		return true
	}
	me := viewerID(r)
	var fresh []storage.Entry
	for _, e := range t.Entries {
		if e.Cursor() <= since {
			break
		}
		if !byViewer(e, me) {
			fresh = append(fresh, e)
		}
	}
	if q.Get("show") == "" || len(fresh) > views.LiveMax {
		h.render(w, r, http.StatusOK, views.LiveBarOnly(h.liveBar(base, since, len(fresh))))
		return true
	}
	top := since
	if len(t.Entries) > 0 && t.Entries[0].Cursor() > top {
		top = t.Entries[0].Cursor()
	}
	posts := make([]views.Post, 0, len(fresh))
	for _, e := range fresh {
		posts = append(posts, h.postView(r, e))
	}
	h.render(w, r, http.StatusOK, views.NewPostsShown(h.liveBar(base, top, 0), posts))
	return true
}

// direct is the member's Direct conversations: the direct posts they
// wrote or were mentioned in, newest first, with infinite scroll under
// htmx and "Older posts" links without it.
func (h *Handler) direct(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	fetch := func(p storage.Page) (storage.Timeline, error) { return h.db.DirectTimeline(me.ID, p) }
	t, page, done := h.readTimeline(w, r, "/direct", fetch)
	if done {
		return
	}
	tv := h.timelineView(r, t, "/direct", i18n.T(r.Context(), "flows.direct.empty"))
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	h.withLive(&tv, "/direct", t, page)
	h.render(w, r, http.StatusOK, views.DirectPage(h.page(r, i18n.T(r.Context(), "flows.direct.title"), "direct"), tv))
}

// listFollows gives each account of a followers or following list the
// viewer's follow button; next is the list's address.
func (h *Handler) listFollows(r *http.Request, users []storage.User, items []views.UserItem, next string) {
	v := viewer(r)
	if v == nil {
		return
	}
	for i, u := range users {
		if u.ID == v.user.ID || (!u.IsLocal() && h.cfg.Federation == nil) {
			continue
		}
		rel, err := h.db.RelationshipOf(v.user.ID, u.ID)
		if err != nil || rel.Blocking || rel.BlockedBy {
			continue
		}
		items[i].Follow = &views.ListFollow{URL: userPath(u), Next: next, Following: rel.Following, Requested: rel.Requested, Locked: u.Locked}
	}
}

// listFollowAnswer answers a follow or unfollow sent from a list: the
// button as it is now under htmx, else back to the list with a flash.
func (h *Handler) listFollowAnswer(w http.ResponseWriter, r *http.Request, u storage.User, msg string) {
	if !isHTMX(r) {
		h.setFlash(w, r, views.Flash{Message: msg})
		http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
		return
	}
	rel, err := h.db.RelationshipOf(viewer(r).user.ID, u.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	f := views.ListFollow{URL: userPath(u), Next: r.PostFormValue("next"), Following: rel.Following, Requested: rel.Requested, Locked: u.Locked}
	h.render(w, r, http.StatusOK, views.ListFollowButton(f))
}

// loginHelp is what the login page tells someone who forgot their
// password, from the instance's settings.
func (h *Handler) loginHelp() views.LoginHelp {
	s := h.instance()
	open := s.Registrations == storage.RegistrationOpen || s.Registrations == storage.RegistrationApproval
	if has, err := h.db.HasUsers(); err == nil && !has {
		open = true // the first account always registers
	}
	return views.LoginHelp{Site: s.Name, Contact: s.Contact, ContactURL: contactURL(s.Contact), SignUp: open}
}

// localIntro is what the local timeline says to visitors: whose posts
// these are, by the instance's saved name, and how to join, by its
// registration mode (sign-up is offered only where it is open).
func (h *Handler) localIntro(ctx context.Context) string {
	s := h.instance()
	switch s.Registrations {
	case storage.RegistrationOpen:
		return i18n.T(ctx, "local.intro", "site", s.Name)
	case storage.RegistrationApproval:
		return i18n.T(ctx, "flows.local.intro_approval", "site", s.Name)
	case storage.RegistrationInvite:
		return i18n.T(ctx, "flows.local.intro_invite", "site", s.Name)
	}
	return i18n.T(ctx, "flows.local.intro_closed", "site", s.Name)
}

// wordExcerpt is the start of a text up to max characters, cut at a word
// boundary, with an ellipsis when something was left out: what a like or
// repost notification shows of one's own post.
func wordExcerpt(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max]
	cut := len(r)
	for i := len(r) - 1; i > max/2; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,.;:،؛") + "…"
}

// excerptMax is how much of one's own post a like or repost notification
// shows.
const excerptMax = 100

// both renders two components one after the other: an answer and an
// out-of-band fragment that rides along.
func both(a, b templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := a.Render(ctx, w); err != nil {
			return err
		}
		return b.Render(ctx, w)
	})
}

// reportDone is the flash after resolving a report about @name: one
// sentence that says what was decided.
func reportDone(ctx context.Context, kind storage.ActionKind, name string) string {
	switch kind {
	case storage.ActDismiss:
		return i18n.T(ctx, "flows.report_done.dismiss", "name", name)
	case storage.ActDeletePost:
		return i18n.T(ctx, "flows.report_done.delete_post", "name", name)
	case storage.ActSilence:
		return i18n.T(ctx, "flows.report_done.silence", "name", name)
	case storage.ActSuspend:
		return i18n.T(ctx, "flows.report_done.suspend", "name", name)
	}
	return i18n.T(ctx, "flows.report_done.other", "name", name)
}
