package handlers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// profileUser finds the local user of a "/@name" address (social says
// which names are nobody's), or the remote account of a "/@name@host"
// address known here (remoteProfileUser, federation.go); pages hide the
// accounts moderation holds.
func (h *Handler) profileUser(r *http.Request) (storage.User, error) {
	if strings.Contains(r.PathValue("username"), "@") {
		return h.remoteProfileUser(r)
	}
	u, err := h.social.LocalAccount(r.Context(), r.PathValue("username"))
	if err == nil && r.Method == http.MethodGet {
		err = hiddenByModeration(r, u) // moderation.go
	}
	return u, err
}

// profileView builds the header of u's profile as the viewer sees it:
// follow state, "Follows you", blocks and mutes.
func (h *Handler) profileView(r *http.Request, u storage.User) (views.Profile, error) {
	h.carries(r, u) // consent.go
	pr := views.Profile{
		Username:  u.Username,
		Name:      u.Name(),
		Handle:    handleOf(u),
		URL:       userPath(u),
		Avatar:    avatarOf(u),
		Admin:     u.IsAdmin(),
		Bot:       u.Bot,
		Posts:     u.VisiblePostsCount(0, false), // what everyone may see; below, the viewer's
		Following: u.FollowingCount,
		Followers: u.FollowersCount,
		Joined:    timeOf(u.CreatedAt, h.cfg.Now()),
		Locked:    u.Locked,
		BioHTML:   h.emojifyHTML(u.Domain, u.BioHTML), // emoji.go
		NameHTML:  h.nameHTML(u),                      // emoji.go
		Links:     append(linksView(u.Links), fieldsView(u.RemoteFields)...),
		Header:    bannerOf(u),
		MovedTo:   h.movedView(u), // moves.go
	}
	v := viewer(r)
	if err := h.remoteProfileView(r, u, &pr); err != nil { // federation.go
		return pr, err
	}
	if v == nil {
		return pr, nil
	}
	pr.IsSelf = v.user.ID == u.ID
	if pr.IsSelf {
		pr.Posts = u.VisiblePostsCount(v.user.ID, false)
		return pr, nil
	}
	rel, err := h.db.RelationshipOf(v.user.ID, u.ID)
	if err != nil {
		return pr, err
	}
	pr.IsFollowed = rel.Following
	pr.Posts = u.VisiblePostsCount(v.user.ID, rel.Following)
	pr.Requested = rel.Requested && !rel.Following
	pr.FollowsYou = rel.FollowedBy
	pr.Blocking, pr.BlockedBy, pr.Muting = rel.Blocking, rel.BlockedBy, rel.Muting
	if pr.Remote != nil {
		pr.Remote.DomainBlocked = rel.DomainBlocking
	}
	pr.CanBlock = true
	// A moved account takes no new followers; an old follow may still end.
	pr.CanFollow = !rel.Blocking && !rel.BlockedBy && (pr.MovedTo == nil || pr.IsFollowed || pr.Requested)
	if rel.Following {
		if err := h.profileLists(v.user.ID, u.ID, &pr); err != nil { // lists.go
			return pr, err
		}
	}
	return pr, nil
}

// linksView shows profile links with their address shortened: no scheme,
// no lone trailing slash.
func linksView(links []storage.ProfileLink) []views.ProfileLink {
	var out []views.ProfileLink
	for _, l := range links {
		text := strings.TrimPrefix(strings.TrimPrefix(l.URL, "https://"), "http://")
		if strings.Count(text, "/") == 1 && strings.HasSuffix(text, "/") {
			text = strings.TrimSuffix(text, "/")
		}
		pl := views.ProfileLink{Label: l.Label, URL: l.URL, Text: text}
		if !l.VerifiedAt.IsZero() {
			pl.Verified = views.Time{ISO: l.VerifiedAt.UTC().Format(time.RFC3339), At: l.VerifiedAt}
		}
		out = append(out, pl)
	}
	return out
}

// fieldsView shows a remote account's profile fields (their values are
// sanitized HTML already).
func fieldsView(fields []storage.RemoteField) []views.ProfileLink {
	var out []views.ProfileLink
	for _, f := range fields {
		pl := views.ProfileLink{Label: f.Name, ValueHTML: f.ValueHTML}
		if !f.VerifiedAt.IsZero() { // checked by this instance (federation/links.go)
			pl.Verified = views.Time{ISO: f.VerifiedAt.UTC().Format(time.RFC3339), At: f.VerifiedAt}
		}
		out = append(out, pl)
	}
	return out
}

// profile is a user's page: the header and their posts, or, when a block
// stands between the viewer and the owner, the header and a notice.
func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	if name, kind, ok := feedSuffix(r.PathValue("username")); ok && !strings.Contains(name, "@") { // "/@name.rss", "/@name.atom" (feeds.go)
		h.memberFeed(w, r, name, kind)
		return
	}
	if h.negotiate(w, r) { // federation.go
		h.cfg.ActivityPub.ForMember(h.cfg.ActivityPub.Actor)(w, r)
		return
	}
	h.profilePosts(w, r, false)
}

// profileWithReplies is a profile's "Posts and replies" tab.
func (h *Handler) profileWithReplies(w http.ResponseWriter, r *http.Request) {
	h.profilePosts(w, r, true)
}

// profilePosts renders one of a profile's two tabs: its posts (with the
// pinned ones first), or its posts and replies.
func (h *Handler) profilePosts(w http.ResponseWriter, r *http.Request, withReplies bool) {
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page, err := h.timelinePage(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var pr views.Profile
	if !isHTMX(r) {
		if pr, err = h.profileView(r, u); err != nil {
			h.error(w, r, err)
			return
		}
	}
	var t storage.Timeline
	path, title := userPath(u), i18n.T(r.Context(), "title.profile", "name", u.Name(), "username", pathName(u))
	if withReplies {
		path, title = path+"/with_replies", i18n.T(r.Context(), "title.profile_replies", "name", u.Name(), "username", pathName(u))
	}
	fetch := func(p storage.Page) (storage.Timeline, error) {
		return h.db.AuthorTimeline(viewerID(r), u.ID, withReplies, p)
	}
	if h.live(w, r, path, fetch) { // the "new posts" bar (flows.go)
		return
	}
	if !pr.HidesPosts() {
		// Across a block storage returns nothing anyway (infinite scroll
		// under HTMX relies on that).
		if t, err = fetch(page); err != nil {
			h.error(w, r, err)
			return
		}
	}
	empty := i18n.T(r.Context(), "empty.profile", "name", pathName(u))
	if !withReplies && pr.Posts > 0 {
		// Posts it has, replies all of them: the count beside says so.
		empty = i18n.T(r.Context(), "flows.profile.only_replies", "name", pathName(u))
	}
	tv := h.timelineView(r, t, path, empty)
	h.applyFilters(r, &tv, t, storage.FilterAccount) // filters.go
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	if !pr.HidesPosts() {
		h.withLive(&tv, path, t, page)
	}
	if err := h.profileTabs(r, u, &tv, withReplies); err != nil { // tabs and pinned posts (timelines.go)
		h.error(w, r, err)
		return
	}
	nav := ""
	if pr.IsSelf {
		nav = "profile"
	}
	p := h.page(r, title, nav)
	p.Canonical = h.cfg.BaseURL + path
	if !withReplies {
		p.Feeds = memberFeedLinks(u)
	}
	h.render(w, r, http.StatusOK, views.ProfilePage(p, pr, tv))
}

func (h *Handler) followers(w http.ResponseWriter, r *http.Request) {
	if h.negotiate(w, r) { // federation.go
		h.cfg.ActivityPub.ForMember(h.cfg.ActivityPub.Followers)(w, r)
		return
	}
	h.relations(w, r, i18n.T(r.Context(), "title.followers"), "/followers", i18n.T(r.Context(), "empty.followers"), h.db.Followers)
}

func (h *Handler) following(w http.ResponseWriter, r *http.Request) {
	if h.negotiate(w, r) { // federation.go
		h.cfg.ActivityPub.ForMember(h.cfg.ActivityPub.Following)(w, r)
		return
	}
	h.relations(w, r, i18n.T(r.Context(), "title.following"), "/following", i18n.T(r.Context(), "empty.following"), h.db.Following)
}

func (h *Handler) relations(w http.ResponseWriter, r *http.Request, heading, suffix, empty string, list func(storage.ID, storage.Page) (storage.UserList, error)) {
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page.Limit = 40
	l, err := list(u.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	lv := views.UserList{Empty: empty}
	for _, f := range l.Users {
		lv.Users = append(lv.Users, h.userItem(r, f))
	}
	h.listFollows(r, l.Users, lv.Users, userPath(u)+suffix) // flows.go
	if l.Next != 0 {
		lv.MoreURL = withBefore(userPath(u)+suffix, l.Next)
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.UserListItems(lv))
		return
	}
	pr, err := h.profileView(r, u)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.UserListPage(h.page(r, i18n.T(r.Context(), "title.relations_of", "heading", heading, "name", pathName(u)), ""), heading, pr, lv))
}

func (h *Handler) follow(w http.ResponseWriter, r *http.Request) {
	h.changeFollow(w, r, true)
}

func (h *Handler) unfollow(w http.ResponseWriter, r *http.Request) {
	h.changeFollow(w, r, false)
}

// changeFollow follows or unfollows the profile's user (package social
// decides), then says what happened: under HTMX with the header as it is
// now, otherwise with a flash on the profile.
func (h *Handler) changeFollow(w http.ResponseWriter, r *http.Request, follow bool) {
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	var res social.FollowResult
	if follow {
		res, err = h.social.Follow(r.Context(), me, u)
	} else {
		res, err = h.social.Unfollow(r.Context(), me, u)
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	if r.PostFormValue("in") == "list" { // a follower or following list (flows.go)
		h.listFollowAnswer(w, r, u, followFlash(r.Context(), follow, res, pathName(u)))
		return
	}
	if isHTMX(r) {
		h.renderHeader(w, r, u.ID)
		return
	}
	h.setFlash(w, r, views.Flash{Message: followFlash(r.Context(), follow, res, pathName(u))})
	http.Redirect(w, r, userPath(u), http.StatusSeeOther)
}

// followFlash is the flash after a follow (follow true) or an unfollow
// of @name.
func followFlash(ctx context.Context, follow bool, res social.FollowResult, name string) string {
	requested := res.State == storage.Requested
	switch {
	case !follow && requested:
		return i18n.T(ctx, "flash.follow_request_withdrawn", "name", name)
	case !follow:
		return i18n.T(ctx, "flash.unfollowed", "name", name)
	case requested && res.Already:
		return i18n.T(ctx, "flash.follow_requested_already", "name", name)
	case requested:
		return i18n.T(ctx, "flash.follow_requested", "name", name)
	case res.Already:
		return i18n.T(ctx, "flash.followed_already", "name", name)
	}
	return i18n.T(ctx, "flash.followed", "name", name)
}

// renderHeader answers an HTMX action on a profile with its header as it
// is now (counts and buttons).
func (h *Handler) renderHeader(w http.ResponseWriter, r *http.Request, id storage.ID) {
	u, err := h.db.UserByID(id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	pr, err := h.profileView(r, u)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.ProfileHeader(pr))
}
