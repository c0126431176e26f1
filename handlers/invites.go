package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// Choices of the invitation form: how long a link lasts, how often it
// may be used (0: unlimited).
var (
	inviteExpiries = map[string]time.Duration{"1d": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "never": 0}
	inviteUses     = map[string]int{"1": 1, "5": 5, "25": 25, "unlimited": 0}
)

// inviteExpiryOptions and inviteUseOptions are the choices of the
// invitation form, labelled in the language of ctx.
func inviteExpiryOptions(ctx context.Context) []views.Option {
	return []views.Option{
		{Value: "1d", Label: i18n.N(ctx, "invite.days", 1)},
		{Value: "7d", Label: i18n.N(ctx, "invite.days", 7)},
		{Value: "never", Label: i18n.T(ctx, "invite.never")},
	}
}

func inviteUseOptions(ctx context.Context) []views.Option {
	return []views.Option{
		{Value: "1", Label: i18n.T(ctx, "invite.once")},
		{Value: "5", Label: i18n.N(ctx, "invite.times", 5)},
		{Value: "25", Label: i18n.N(ctx, "invite.times", 25)},
		{Value: "unlimited", Label: i18n.T(ctx, "invite.unlimited")},
	}
}

// mayInvite tells whether u may make invitation links under the
// instance's policy (nil), or why not.
func mayInvite(ctx context.Context, u storage.User, s storage.InstanceSettings) error {
	if s.Invites == storage.InvitesByAdmins && !u.IsAdmin() {
		return errForbidden(i18n.T(ctx, "error.invites_admins_only"))
	}
	return nil
}

// inviteNote says how the registration mode treats invitation links.
func inviteNote(ctx context.Context, mode storage.RegistrationMode) string {
	switch mode {
	case storage.RegistrationInvite:
		return i18n.T(ctx, "invite.note.invite")
	case storage.RegistrationApproval:
		return i18n.T(ctx, "invite.note.approval")
	case storage.RegistrationClosed:
		return i18n.T(ctx, "invite.note.closed")
	}
	return i18n.T(ctx, "invite.note.open")
}

// invites lists the viewer's invitation links and the form that makes one.
func (h *Handler) invites(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	s := h.instance()
	if err := mayInvite(r.Context(), me, s); err != nil {
		h.error(w, r, err)
		return
	}
	list, err := h.db.InvitesBy(me.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	now := h.cfg.Now()
	iv := views.Invites{Note: inviteNote(r.Context(), s.Registrations), Expiries: inviteExpiryOptions(r.Context()), Uses: inviteUseOptions(r.Context())}
	for _, inv := range list {
		iv.Items = append(iv.Items, h.inviteItem(r.Context(), inv, now))
	}
	h.render(w, r, http.StatusOK, views.InvitesPage(h.page(r, i18n.T(r.Context(), "title.invitations"), "invites"), iv))
}

func (h *Handler) inviteItem(ctx context.Context, inv storage.Invite, now time.Time) views.InviteItem {
	it := views.InviteItem{
		Code:      inv.Code,
		URL:       h.cfg.BaseURL + "/invite/" + inv.Code,
		Created:   timeOf(inv.CreatedAt, now),
		Expires:   i18n.T(ctx, "invite.never_expires"),
		Uses:      i18n.N(ctx, "invite.used", inv.Uses),
		State:     "usable",
		DeleteURL: "/invites/" + inv.Code + "/delete",
	}
	if !inv.ExpiresAt.IsZero() {
		it.Expires = i18n.T(ctx, "invite.expires", "date", inv.ExpiresAt.UTC().Format("2 January 2006, 15:04 UTC"))
	}
	if inv.MaxUses > 0 {
		it.Uses = i18n.N(ctx, "invite.used_of", inv.MaxUses, "uses", inv.Uses)
	}
	switch {
	case errors.Is(inv.Usable(now), storage.ErrInviteExpired):
		it.State = "expired"
	case errors.Is(inv.Usable(now), storage.ErrInviteUsedUp):
		it.State = "used up"
	}
	return it
}

// createInvite makes an invitation link with the chosen expiry and
// number of uses.
func (h *Handler) createInvite(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	if err := mayInvite(r.Context(), me, h.instance()); err != nil {
		h.error(w, r, err)
		return
	}
	ttl, ok := inviteExpiries[r.PostForm.Get("expires")]
	uses, ok2 := inviteUses[r.PostForm.Get("uses")]
	if !ok || !ok2 {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.invite_choice_invalid")))
		return
	}
	now := h.cfg.Now()
	var expires time.Time
	if ttl > 0 {
		expires = now.Add(ttl)
	}
	inv, err := h.db.CreateInvite(me.ID, expires, uses, now)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.invite_created", "url", h.cfg.BaseURL+"/invite/"+inv.Code)})
	http.Redirect(w, r, "/invites", http.StatusSeeOther)
}

// deleteInvite withdraws one of the viewer's invitation links (admins may
// withdraw anyone's).
func (h *Handler) deleteInvite(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	inv, err := h.db.InviteByCode(r.PathValue("code"))
	if err == nil && inv.CreatedBy != me.ID && !me.IsAdmin() {
		err = storage.ErrNotFound
	}
	if err == nil {
		err = h.db.DeleteInvite(inv.Code)
	}
	if errors.Is(err, storage.ErrNotFound) {
		err = errNotFound(i18n.T(r.Context(), "error.no_invite"))
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.invite_deleted")})
	http.Redirect(w, r, "/invites", http.StatusSeeOther)
}
