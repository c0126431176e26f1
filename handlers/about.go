package handlers

import (
	"context"
	"net/http"
	"net/mail"
	"strings"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// instance returns the instance settings as they apply now, without the
// long texts (see instanceTexts): the saved ones, or the defaults; the
// name is the saved one, else the -name the server was started with
// (Config.SiteName). So the flag names a new instance, and once an admin
// saved a name in the settings, that name wins. They are read on every
// page (one small meta record, a few microseconds); a read error is logged
// and the defaults serve.
func (h *Handler) instance() storage.InstanceSettings {
	return h.instanceWith(h.db.InstanceSummary)
}

// instanceTexts is instance with the About text and the rules.
func (h *Handler) instanceTexts() storage.InstanceSettings {
	return h.instanceWith(h.db.InstanceSettings)
}

func (h *Handler) instanceWith(read func() (storage.InstanceSettings, bool, error)) storage.InstanceSettings {
	s, _, err := read()
	if err != nil {
		h.cfg.Logger.Error("instance settings", "err", err)
		s = storage.DefaultInstanceSettings()
	}
	if s.Name == "" {
		s.Name = h.cfg.SiteName
	}
	return s
}

// postLimit is the longest post the instance accepts, in characters.
func (h *Handler) postLimit() int { return h.instance().PostChars }

// frame completes the frame of a page (page in render.go) with the
// instance: its name, short description (also the page's description
// when the page has none), language, and whether the viewer moderates.
func (h *Handler) frame(r *http.Request, p *views.Page) {
	s := h.instance()
	p.Site, p.Tagline, p.Lang = s.Name, s.Tagline, s.Language
	if p.Description == "" {
		p.Description = s.Tagline
	}
	if v := viewer(r); v != nil && p.Viewer != nil {
		p.Viewer.Moderator = v.user.CanModerate()
	}
}

// registrationLabel says how to join, per mode, on the About page.
func registrationLabel(ctx context.Context, m storage.RegistrationMode) string {
	switch m {
	case storage.RegistrationOpen:
		return i18n.T(ctx, "about.registrations.open")
	case storage.RegistrationApproval:
		return i18n.T(ctx, "about.registrations.approval")
	case storage.RegistrationInvite:
		return i18n.T(ctx, "about.registrations.invite")
	case storage.RegistrationClosed:
		return i18n.T(ctx, "about.registrations.closed")
	}
	return ""
}

// about is the public page about the instance: its text and rules, the
// admins and moderators, the number of members, how to join.
func (h *Handler) about(w http.ResponseWriter, r *http.Request) {
	s := h.instanceTexts()
	staff, err := h.db.Staff()
	if err != nil {
		h.error(w, r, err)
		return
	}
	n, err := h.db.CountMembers()
	if err != nil {
		h.error(w, r, err)
		return
	}
	a := views.About{
		Name:          s.Name,
		Tagline:       s.Tagline,
		AboutHTML:     s.AboutHTML,
		RulesHTML:     s.RulesHTML,
		Contact:       s.Contact,
		ContactURL:    contactURL(s.Contact),
		Users:         n,
		Registrations: registrationLabel(r.Context(), s.Registrations),
		PostChars:     s.PostChars,
		Language:      views.OptionLabel(views.Languages, s.Language),
		Suspended:     h.suspendedDomains(), // admin_federation.go
	}
	for _, u := range staff {
		if u.IsAdmin() {
			a.Admins = append(a.Admins, h.userItem(r, u))
		} else {
			a.Moderators = append(a.Moderators, h.userItem(r, u))
		}
	}
	if v := viewer(r); v != nil {
		a.CanInvite = mayInvite(r.Context(), v.user, s) == nil
	}
	p := h.page(r, i18n.T(r.Context(), "title.about"), "")
	p.Canonical = h.cfg.BaseURL + "/about"
	h.render(w, r, http.StatusOK, views.AboutPage(p, a))
}

// contactURL links a contact: an e-mail address gets mailto:, an http(s)
// address itself; anything else is shown without a link.
func contactURL(contact string) string {
	if contact == "" {
		return ""
	}
	if strings.HasPrefix(contact, "http://") || strings.HasPrefix(contact, "https://") {
		if u, msg := checkLinkURL(contact); msg == "" {
			return u
		}
		return ""
	}
	if a, err := mail.ParseAddress(contact); err == nil && a.Name == "" && a.Address == contact {
		return "mailto:" + contact
	}
	return ""
}
