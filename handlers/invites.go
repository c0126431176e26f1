package handlers

import (
	"errors"
	"net/http"
	"time"

	"majlis/storage"
	"majlis/views"
)

// Choices of the invitation form: how long a link lasts, how often it
// may be used (0: unlimited).
var (
	inviteExpiries = map[string]time.Duration{"1d": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "never": 0}
	inviteUses     = map[string]int{"1": 1, "5": 5, "25": 25, "unlimited": 0}
)

var (
	inviteExpiryOptions = []views.Option{{Value: "1d", Label: "1 day"}, {Value: "7d", Label: "7 days"}, {Value: "never", Label: "Never"}}
	inviteUseOptions    = []views.Option{{Value: "1", Label: "Once"}, {Value: "5", Label: "5 times"}, {Value: "25", Label: "25 times"}, {Value: "unlimited", Label: "Any number of times"}}
)

// mayInvite tells whether u may make invitation links under the
// instance's policy (nil), or why not.
func mayInvite(u storage.User, s storage.InstanceSettings) error {
	if s.Invites == storage.InvitesByAdmins && !u.IsAdmin() {
		return errForbidden("Only the admins of this instance make invitation links.")
	}
	return nil
}

// inviteNote says how the registration mode treats invitation links.
func inviteNote(mode storage.RegistrationMode) string {
	switch mode {
	case storage.RegistrationInvite:
		return "Sign-up here is by invitation: a link lets one person create an account at once."
	case storage.RegistrationApproval:
		return "New members are approved by the moderators here, but a link lets its holder sign up at once, without waiting for approval."
	case storage.RegistrationClosed:
		return "Registration is closed at the moment: links do not work until an admin opens it again."
	}
	return "Registration is open: anyone can sign up without a link, but you can still share one."
}

// invites lists the viewer's invitation links and the form that makes one.
func (h *Handler) invites(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	s := h.instance()
	if err := mayInvite(me, s); err != nil {
		h.error(w, r, err)
		return
	}
	list, err := h.db.InvitesBy(me.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	now := h.cfg.Now()
	iv := views.Invites{Note: inviteNote(s.Registrations), Expiries: inviteExpiryOptions, Uses: inviteUseOptions}
	for _, inv := range list {
		iv.Items = append(iv.Items, h.inviteItem(inv, now))
	}
	h.render(w, r, http.StatusOK, views.InvitesPage(h.page(r, "Invitations", ""), iv))
}

func (h *Handler) inviteItem(inv storage.Invite, now time.Time) views.InviteItem {
	it := views.InviteItem{
		Code:      inv.Code,
		URL:       h.cfg.BaseURL + "/invite/" + inv.Code,
		Created:   timeOf(inv.CreatedAt, now),
		Expires:   "never expires",
		Uses:      "used " + itoa(inv.Uses) + " times",
		State:     "usable",
		DeleteURL: "/invites/" + inv.Code + "/delete",
	}
	if !inv.ExpiresAt.IsZero() {
		it.Expires = "expires " + inv.ExpiresAt.UTC().Format("2 January 2006, 15:04 UTC")
	}
	if inv.MaxUses > 0 {
		it.Uses = "used " + itoa(inv.Uses) + " of " + itoa(inv.MaxUses) + " times"
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
	if err := mayInvite(me, h.instance()); err != nil {
		h.error(w, r, err)
		return
	}
	ttl, ok := inviteExpiries[r.PostForm.Get("expires")]
	uses, ok2 := inviteUses[r.PostForm.Get("uses")]
	if !ok || !ok2 {
		h.error(w, r, errBadRequest("Choose one of the listed expiries and numbers of uses."))
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
	h.setFlash(w, r, views.Flash{Message: "Your new invitation link: " + h.cfg.BaseURL + "/invite/" + inv.Code})
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
		err = errNotFound("There is no such invitation link of yours. It may have been withdrawn already.")
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: "The invitation link is withdrawn: it no longer works."})
	http.Redirect(w, r, "/invites", http.StatusSeeOther)
}
