package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"majlis/federation"
	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// Administration of other servers: the servers known here with how
// delivery to them goes (/admin/federation), and the instance's decisions
// about domains and allowlist mode (/admin/domains). Moderators see both;
// only admins change anything (the routes say so).

// instancesPerPage is how many servers /admin/federation lists at once.
const instancesPerPage = 100

// maxDomainComment bounds the comments of a domain block.
const maxDomainComment = 1000

// adminFederation lists the servers known here: the domains of the remote
// accounts stored here and the hosts delivery knows, with the instance's
// decision about each and delivery's state.
func (h *Handler) adminFederation(w http.ResponseWriter, r *http.Request) {
	after := storage.NormalizeDomain(r.URL.Query().Get("after"))
	known, err := h.db.KnownDomains(0)
	if err != nil {
		h.error(w, r, err)
		return
	}
	rows := map[string]*views.InstanceRow{}
	for _, k := range known {
		if k.Domain > after {
			rows[k.Domain] = &views.InstanceRow{Domain: k.Domain, Accounts: k.Accounts}
		}
	}
	f := views.AdminFederation{Frame: h.adminFrame(r, "federation"), CanChange: viewer(r).user.IsAdmin()}
	now := h.cfg.Now()
	if q := h.cfg.Delivery; q != nil {
		pending, failing, unavailable, err := q.Stats()
		if err != nil {
			h.error(w, r, err)
			return
		}
		f.Queue = &views.QueueStats{Pending: pending, Failing: failing, Unavailable: unavailable}
		hosts, err := q.Hosts(after, instancesPerPage+1)
		if err != nil {
			h.error(w, r, err)
			return
		}
		for _, hr := range hosts {
			row := rows[hr.Domain]
			if row == nil {
				row = &views.InstanceRow{Domain: hr.Domain}
				rows[hr.Domain] = row
			}
			row.Known, row.Unavailable, row.FailDays, row.Pending = true, hr.Unavailable, hr.FailDays, hr.Pending
			row.Failing = hr.FailDays > 0
			row.LastSuccess, row.LastFailure = optionalTime(hr.LastSuccess, now), optionalTime(hr.LastFailure, now)
		}
	}
	domains := make([]string, 0, len(rows))
	for d := range rows {
		domains = append(domains, d)
	}
	slices.Sort(domains)
	if len(domains) > instancesPerPage {
		domains = domains[:instancesPerPage]
		f.MoreURL = "/admin/federation?after=" + url.QueryEscape(domains[len(domains)-1])
	}
	for _, d := range domains {
		pol, err := h.db.PolicyFor(d)
		if err != nil {
			h.error(w, r, err)
			return
		}
		row := rows[d]
		row.Policy = policyLabel(r.Context(), pol.Severity())
		f.Instances = append(f.Instances, *row)
	}
	h.render(w, r, http.StatusOK, views.AdminFederationPage(h.adminPage(r, i18n.T(r.Context(), "federation.admin.instances")), f))
}

func optionalTime(t, now time.Time) *views.Time {
	if t.IsZero() {
		return nil
	}
	v := timeOf(t, now)
	return &v
}

// policyLabel names a severity for people; "" for none.
func policyLabel(ctx context.Context, s storage.Severity) string {
	switch s {
	case storage.SeveritySuspend:
		return i18n.T(ctx, "federation.severity.suspend")
	case storage.SeverityLimit:
		return i18n.T(ctx, "federation.severity.limit")
	case storage.SeverityAllow:
		return i18n.T(ctx, "federation.severity.allow")
	case storage.SeverityNone:
		return i18n.T(ctx, "federation.severity.none")
	}
	return ""
}

// severityOptions are the choices of the domain form.
func severityOptions(ctx context.Context) []views.Option {
	var out []views.Option
	for _, s := range []storage.Severity{storage.SeveritySuspend, storage.SeverityLimit, storage.SeverityNone, storage.SeverityAllow} {
		out = append(out, views.Option{Value: string(s), Label: policyLabel(ctx, s)})
	}
	return out
}

// retryHost asks delivery to try a failing host again now.
func (h *Handler) retryHost(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Delivery == nil {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.no_page")))
		return
	}
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	host := domainOf(r.PostForm.Get("host"))
	if host == "" {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "federation.error.domain")))
		return
	}
	if err := h.cfg.Delivery.RetryNow(host); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "federation.flash.retrying", "host", host)})
	http.Redirect(w, r, "/admin/federation", http.StatusSeeOther)
}

// adminDomains shows the instance's decisions about other servers.
func (h *Handler) adminDomains(w http.ResponseWriter, r *http.Request) {
	h.renderAdminDomains(w, r, http.StatusOK, views.DomainBlockForm{Severity: string(storage.SeveritySuspend)})
}

func (h *Handler) renderAdminDomains(w http.ResponseWriter, r *http.Request, code int, form views.DomainBlockForm) {
	list, err := h.db.DomainBlocks()
	if err != nil {
		h.error(w, r, err)
		return
	}
	allowlist, err := h.db.FederationAllowlist()
	if err != nil {
		h.error(w, r, err)
		return
	}
	form.Severities = severityOptions(r.Context())
	d := views.AdminDomains{Frame: h.adminFrame(r, "federation"), CanChange: viewer(r).user.IsAdmin(), Allowlist: allowlist, Form: form}
	now := h.cfg.Now()
	for _, b := range list {
		row := views.DomainBlockRow{
			Domain: b.Domain, Severity: string(b.Severity), SeverityLabel: policyLabel(r.Context(), b.Severity),
			RejectMedia: b.RejectMedia, PublicComment: b.PublicComment, PrivateComment: b.PrivateComment,
			Created: timeOf(b.CreatedAt, now),
		}
		if b.Severity == storage.SeverityAllow {
			d.Allowed = append(d.Allowed, row)
		} else {
			d.Blocks = append(d.Blocks, row)
		}
	}
	h.render(w, r, code, views.AdminDomainsPage(h.adminPage(r, i18n.T(r.Context(), "federation.admin.domains")), d))
}

// saveDomainBlock records (or replaces) the decision about a domain.
func (h *Handler) saveDomainBlock(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	f := views.DomainBlockForm{
		Domain:         strings.TrimSpace(r.PostForm.Get("domain")),
		Severity:       r.PostForm.Get("severity"),
		RejectMedia:    r.PostForm.Get("reject_media") != "",
		PublicComment:  oneLine(r.PostForm.Get("public_comment")),
		PrivateComment: oneLine(r.PostForm.Get("private_comment")),
		Errors:         map[string]string{},
	}
	d := domainOf(f.Domain)
	switch {
	case d == "":
		f.Errors["domain"] = i18n.T(r.Context(), "federation.error.domain")
	case h.isOwnHost(d):
		f.Errors["domain"] = i18n.T(r.Context(), "federation.error.own_domain")
	}
	if !storage.Severity(f.Severity).Valid() {
		f.Errors["severity"] = i18n.T(r.Context(), "form.field_invalid")
	}
	for _, c := range []struct{ name, v string }{{"public_comment", f.PublicComment}, {"private_comment", f.PrivateComment}} {
		if n := utf8.RuneCountInString(c.v); n > maxDomainComment {
			f.Errors[c.name] = i18n.N(r.Context(), "form.at_most_chars_has", maxDomainComment, "has", n)
		}
	}
	if len(f.Errors) > 0 {
		h.renderAdminDomains(w, r, http.StatusBadRequest, f)
		return
	}
	b := storage.DomainBlock{Domain: d, Severity: storage.Severity(f.Severity), RejectMedia: f.RejectMedia, PublicComment: f.PublicComment, PrivateComment: f.PrivateComment}
	if err := h.db.PutDomainBlock(viewer(r).user, b); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "federation.flash.domain_saved", "host", d, "severity", policyLabel(r.Context(), b.Severity))})
	http.Redirect(w, r, "/admin/domains", http.StatusSeeOther)
}

// deleteDomainBlock lifts the decision about a domain.
func (h *Handler) deleteDomainBlock(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	d := domainOf(r.PostForm.Get("domain"))
	if d == "" {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "federation.error.domain")))
		return
	}
	if err := h.db.DeleteDomainBlock(viewer(r).user, d); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			err = errNotFound(i18n.T(r.Context(), "federation.error.no_decision", "host", d))
		}
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "federation.flash.domain_removed", "host", d)})
	http.Redirect(w, r, "/admin/domains", http.StatusSeeOther)
}

// setAllowlist switches allowlist mode.
func (h *Handler) setAllowlist(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	var on bool
	switch r.PostForm.Get("allowlist") {
	case "on":
		on = true
	case "off":
	default:
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "form.field_invalid")))
		return
	}
	if err := h.db.SetFederationAllowlist(viewer(r).user, on); err != nil {
		h.error(w, r, err)
		return
	}
	msg := i18n.T(r.Context(), "federation.flash.allowlist_off")
	if on {
		msg = i18n.T(r.Context(), "federation.flash.allowlist_on")
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/admin/domains", http.StatusSeeOther)
}

// suspendedDomains are the servers the About page lists as refused, with
// the admins' public comments.
func (h *Handler) suspendedDomains() []views.SuspendedDomain {
	list, err := h.db.DomainBlocks()
	if err != nil {
		return nil
	}
	var out []views.SuspendedDomain
	for _, b := range list {
		if b.Severity == storage.SeveritySuspend {
			out = append(out, views.SuspendedDomain{Domain: b.Domain, Comment: b.PublicComment})
		}
	}
	return out
}

// StoredDelivery is the delivery queue as the database holds it: what
// the administration pages show of the delivery workers' work.
func StoredDelivery(db *storage.DB) DeliveryQueue { return storedDelivery{db} }

// Federate wires an instance's federation into the web door, as the
// server runs it: the ActivityPub JSON, the lookups behind the pages, the
// signed inbox and the delivery queue of the admin pages. main and the
// tests that run whole instances call it, so the tests run main's wiring.
func (c *Config) Federate(db *storage.DB, fed *federation.Federation) {
	c.ActivityPub = fed.Server
	c.Federation = fed.Resolver
	c.Inbox = fed.Inbox
	c.Delivery = StoredDelivery(db)
}

type storedDelivery struct{ db *storage.DB }

func (q storedDelivery) Stats() (pending, failing, unavailable int, err error) {
	s, err := q.db.DeliveryStats()
	return s.PendingActivities, s.FailingHosts, s.UnavailableHosts, err
}

func (q storedDelivery) Hosts(after string, limit int) ([]HostRow, error) {
	hs, err := q.db.Hosts(after, limit)
	if err != nil {
		return nil, err
	}
	rows := make([]HostRow, len(hs))
	for i, h := range hs {
		pending, err := q.db.PendingDeliveriesFor(h.Domain, 1000)
		if err != nil {
			return nil, err
		}
		rows[i] = HostRow{Domain: h.Domain, Unavailable: h.Unavailable, FailDays: len(h.FailDays),
			LastSuccess: h.LastSuccess, LastFailure: h.LastFailure, LastSeen: h.LastSeen, Pending: len(pending)}
	}
	return rows, nil
}

func (q storedDelivery) RetryNow(host string) error { return q.db.RetryHostNow(host) }
