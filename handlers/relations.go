package handlers

import (
	"context"
	"net/http"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// blockForm asks before blocking: the path without JavaScript (with it,
// the Block button posts at once after hx-confirm).
func (h *Handler) blockForm(w http.ResponseWriter, r *http.Request) {
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if u.ID == viewer(r).user.ID {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.block_self")))
		return
	}
	pr, err := h.profileView(r, u)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.BlockConfirmPage(h.page(r, i18n.T(r.Context(), "title.block", "name", pathName(u)), ""), views.BlockConfirm{Profile: pr, Already: pr.Blocking}))
}

// relationAction is one of block, unblock, mute and unmute.
type relationAction struct {
	// do is the action (package social).
	do func(s *social.Service, ctx context.Context, me, other storage.User) error
	// message is the flash and row message for @name.
	message func(ctx context.Context, name string) string
	// reload: under HTMX the whole profile changes (its posts come or go),
	// so the page reloads instead of swapping the header.
	reload bool
}

var (
	blockAction = relationAction{
		do: (*social.Service).Block,
		message: func(ctx context.Context, name string) string {
			return i18n.T(ctx, "flash.blocked", "name", name)
		},
		reload: true,
	}
	unblockAction = relationAction{
		do: (*social.Service).Unblock,
		message: func(ctx context.Context, name string) string {
			return i18n.T(ctx, "flash.unblocked", "name", name)
		},
		reload: true,
	}
	muteAction = relationAction{
		do: (*social.Service).Mute,
		message: func(ctx context.Context, name string) string {
			return i18n.T(ctx, "flash.muted", "name", name)
		},
	}
	unmuteAction = relationAction{
		do:      (*social.Service).Unmute,
		message: func(ctx context.Context, name string) string { return i18n.T(ctx, "flash.unmuted", "name", name) },
	}
)

func (h *Handler) block(w http.ResponseWriter, r *http.Request) {
	h.changeRelation(w, r, blockAction)
}

func (h *Handler) unblock(w http.ResponseWriter, r *http.Request) {
	h.changeRelation(w, r, unblockAction)
}

func (h *Handler) mute(w http.ResponseWriter, r *http.Request) {
	h.changeRelation(w, r, muteAction)
}

func (h *Handler) unmute(w http.ResponseWriter, r *http.Request) {
	h.changeRelation(w, r, unmuteAction)
}

// changeRelation blocks, unblocks, mutes or unmutes the profile's user
// (package social decides). A form from a settings list sends "next", the
// list to return to; under HTMX that list's row is replaced by the
// outcome. From the profile, HTMX swaps the header (mute, unmute) or
// reloads the page (block, unblock: the posts come or go).
func (h *Handler) changeRelation(w http.ResponseWriter, r *http.Request, a relationAction) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := a.do(h.social, r.Context(), viewer(r).user, u); err != nil {
		h.error(w, r, err)
		return
	}
	msg := a.message(r.Context(), pathName(u))
	next := r.PostForm.Get("next")
	switch {
	case next != "" && isHTMX(r):
		h.render(w, r, http.StatusOK, views.PersonDoneRow(views.PersonDone{User: h.userItem(r, u), Message: msg}))
	case next != "":
		h.setFlash(w, r, views.Flash{Message: msg})
		http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	case isHTMX(r) && a.reload:
		h.setFlash(w, r, views.Flash{Message: msg})
		w.Header().Set("HX-Redirect", userPath(u))
		w.WriteHeader(http.StatusOK)
	case isHTMX(r):
		h.renderHeader(w, r, u.ID)
	default:
		h.setFlash(w, r, views.Flash{Message: msg})
		http.Redirect(w, r, userPath(u), http.StatusSeeOther)
	}
}
