package handlers

import (
	"errors"
	"net/http"

	"majlis/storage"
	"majlis/views"
)

// profileUser finds the local user of a "/@name" address.
func (h *Handler) profileUser(r *http.Request) (storage.User, error) {
	name := r.PathValue("username")
	if !validUsername(name) {
		return storage.User{}, errNotFound("There is no one called @" + name + " here.")
	}
	u, err := h.db.LocalUser(name)
	if errors.Is(err, storage.ErrNotFound) {
		return u, errNotFound("There is no one called @" + name + " here.")
	}
	return u, err
}

func (h *Handler) profileView(r *http.Request, u storage.User) (views.Profile, error) {
	pr := views.Profile{
		Username:  u.Username,
		Name:      u.Name(),
		Handle:    "@" + u.Username,
		URL:       userPath(u),
		Avatar:    avatarOf(u),
		Admin:     u.IsAdmin(),
		Posts:     u.PostsCount,
		Following: u.FollowingCount,
		Followers: u.FollowersCount,
		Joined:    timeOf(u.CreatedAt, h.cfg.Now()),
	}
	if v := viewer(r); v != nil {
		pr.IsSelf = v.user.ID == u.ID
		pr.CanFollow = !pr.IsSelf
		if pr.CanFollow {
			ok, err := h.db.IsFollowing(v.user.ID, u.ID)
			if err != nil {
				return pr, err
			}
			pr.IsFollowed = ok
		}
	}
	return pr, nil
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
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
	t, err := h.db.AuthorTimeline(viewerID(r), u.ID, false, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tv := h.timelineView(r, t, userPath(u), "@"+u.Username+" has not posted yet.")
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.TimelineItems(tv))
		return
	}
	pr, err := h.profileView(r, u)
	if err != nil {
		h.error(w, r, err)
		return
	}
	nav := ""
	if pr.IsSelf {
		nav = "profile"
	}
	p := h.page(r, u.Name()+" (@"+u.Username+")", nav)
	p.Canonical = h.cfg.BaseURL + userPath(u)
	h.render(w, r, http.StatusOK, views.ProfilePage(p, pr, tv))
}

func (h *Handler) followers(w http.ResponseWriter, r *http.Request) {
	h.relations(w, r, "Followers", "/followers", "No followers yet.", h.db.Followers)
}

func (h *Handler) following(w http.ResponseWriter, r *http.Request) {
	h.relations(w, r, "Following", "/following", "Not following anyone yet.", h.db.Following)
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
		lv.Users = append(lv.Users, h.userItem(f))
	}
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
	h.render(w, r, http.StatusOK, views.UserListPage(h.page(r, heading+" of @"+u.Username, ""), heading, pr, lv))
}

func (h *Handler) follow(w http.ResponseWriter, r *http.Request) {
	h.changeFollow(w, r, true)
}

func (h *Handler) unfollow(w http.ResponseWriter, r *http.Request) {
	h.changeFollow(w, r, false)
}

// changeFollow follows or unfollows the profile's user. Doing what is
// already done is not an error: the button may be stale in another tab.
func (h *Handler) changeFollow(w http.ResponseWriter, r *http.Request, follow bool) {
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	if u.ID == me.ID {
		h.error(w, r, errBadRequest("You cannot follow yourself."))
		return
	}
	if follow {
		_, err = h.db.Follow(me.ID, u.ID)
		if errors.Is(err, storage.ErrExists) {
			err = nil
		}
	} else {
		err = h.db.Unfollow(me.ID, u.ID)
		if errors.Is(err, storage.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		u, err = h.db.UserByID(u.ID)
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
		return
	}
	msg := "You follow @" + u.Username + " now."
	if !follow {
		msg = "You no longer follow @" + u.Username + "."
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, userPath(u), http.StatusSeeOther)
}
