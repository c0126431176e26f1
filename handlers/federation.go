package handlers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// Federation in the web interface: profiles and posts of other servers,
// looking people up there, "follow from your own server", the target of
// other servers' "follow on your server" links (/authorize_interaction),
// and a member's blocked domains. The fetching itself is not done here:
// Config.Federation does it.

// Federation is what the web interface needs from federation. Its errors
// say what went wrong through the storage sentinels: storage.ErrNotFound
// (no such account or post), storage.ErrForbidden (the server is refused:
// a domain block or allowlist mode), storage.ErrInvalid (not an address
// one can look up); a timeout is context.DeadlineExceeded or a net.Error
// whose Timeout() is true. Anything else means the other server could not
// be reached or answered nonsense.
type Federation interface {
	// Lookup finds (fetching it if needed) the account of "@name@host",
	// "name@host" or a profile or actor URL, stored here as a remote
	// storage.User.
	Lookup(ctx context.Context, query string) (storage.User, error)
	// LookupPost finds (fetching it if needed) a post by its URL or URI,
	// stored here as a storage.Post.
	LookupPost(ctx context.Context, uri string) (storage.Post, error)
	// SubscribeURL is, for a visitor's handle on another server
	// ("name@host"), the address of their server's page that follows the
	// account uri (their WebFinger subscribe template, filled in).
	SubscribeURL(ctx context.Context, handle, uri string) (string, error)
}

// DeliveryQueue is what the administration pages show of outgoing
// delivery.
type DeliveryQueue interface {
	// Stats counts the activities waiting, the hosts failing and the hosts
	// marked unavailable.
	Stats() (pending, failing, unavailable int, err error)
	// Hosts lists the hosts delivery knows, by domain, after the domain
	// after (exclusive), at most limit.
	Hosts(after string, limit int) ([]HostRow, error)
	// RetryNow clears a host's failures so that delivery to it is tried
	// again at once; storage.ErrNotFound for a host it does not know.
	RetryNow(host string) error
}

// HostRow is delivery's state of one host.
type HostRow struct {
	Domain      string
	Unavailable bool
	// FailDays is the number of different days delivery failed since the
	// last success; > 0 means failing.
	FailDays                           int
	LastSuccess, LastFailure, LastSeen time.Time
	Pending                            int
}

// remoteProfileUser finds the remote account of a "/@name@host" address
// among those known here: a page never fetches (looking up is a form,
// lookup below).
func (h *Handler) remoteProfileUser(r *http.Request) (storage.User, error) {
	full := r.PathValue("username")
	i := strings.LastIndexByte(full, '@')
	u, err := h.db.RemoteUser(full[:max(i, 0)], full[i+1:])
	if errors.Is(err, storage.ErrNotFound) {
		return u, errNotFound(i18n.T(r.Context(), "error.no_user", "name", full))
	}
	if err == nil && r.Method == http.MethodGet {
		err = hiddenByModeration(r, u) // moderation.go
	}
	return u, err
}

// remoteProfileView adds to a profile what a remote account has: its
// server and original page, the viewer's block of that server, the
// instance's decision about it; and, on a member's profile seen by a
// visitor, the "follow from your own server" form.
func (h *Handler) remoteProfileView(r *http.Request, u storage.User, pr *views.Profile) error {
	v := viewer(r)
	if u.IsLocal() {
		if v == nil && h.cfg.Federation != nil {
			pr.RemoteFollow = &views.RemoteFollow{Action: userPath(u) + "/remote_follow"}
		}
		return nil
	}
	pr.Admin = false
	rp := &views.RemoteProfile{Host: u.Domain, URL: remoteLink(u.ProfileURL, u.URI)}
	pol, err := h.db.PolicyFor(u.Domain)
	if err != nil {
		return err
	}
	rp.Suspended = pol.Refused
	rp.Limited = pol.Limited
	// Whether the viewer blocked the domain comes with the relationship
	// (profileView).
	rp.CanBlockDomain = v != nil
	pr.Remote = rp
	return nil
}

// remoteLink is the first of the addresses that a page may link to: an
// absolute http or https URL with a host. Remote servers choose these
// addresses, so a javascript: or data: one is never shown.
func remoteLink(candidates ...string) string {
	for _, c := range candidates {
		u, err := url.Parse(c)
		if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil {
			return u.String()
		}
	}
	return ""
}

// originOf is where a remote post's original is, nil for a local post.
func originOf(e storage.Entry) *views.Origin {
	if e.Post.Local || e.Author.Domain == "" {
		return nil
	}
	o := &views.Origin{Host: e.Author.Domain, URL: remoteLink(e.Post.URL, e.Post.URI)}
	switch e.Post.ObjectType {
	case "Question":
		o.Kind = "poll"
	case "Article", "Page":
		o.Kind = "article"
	}
	return o
}

// federation returns the configured federation, or a 404 when the
// instance does not federate.
func (h *Handler) federation(r *http.Request) (Federation, error) {
	if h.cfg.Federation == nil {
		return nil, errNotFound(i18n.T(r.Context(), "error.no_page"))
	}
	return h.cfg.Federation, nil
}

// lookupTimeout bounds one lookup from a page: the member waits for it.
const lookupTimeout = 20 * time.Second

// maxQueryLen bounds what the lookup box and the remote follow form take.
const maxQueryLen = 500

// lookupFailure turns a failed lookup into an error to show: its status
// and a sentence saying what happened. A server that did not answer in
// time is 504 and one that answered nonsense or could not be reached 502:
// the other server failed, not this one nor the member.
func lookupFailure(ctx context.Context, err error) *httpError {
	var ne net.Error
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return &httpError{status: http.StatusNotFound, message: i18n.T(ctx, "federation.error.not_found")}
	case errors.Is(err, storage.ErrForbidden):
		return &httpError{status: http.StatusForbidden, message: i18n.T(ctx, "federation.error.refused")}
	case errors.Is(err, storage.ErrInvalid):
		return &httpError{status: http.StatusBadRequest, message: i18n.T(ctx, "federation.error.invalid")}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &httpError{status: http.StatusGatewayTimeout, message: i18n.T(ctx, "federation.error.timeout")}
	}
	return &httpError{status: http.StatusBadGateway, message: i18n.T(ctx, "federation.error.unreachable")}
}

// cleanQuery trims a looked-up address; "" when it cannot be one.
func cleanQuery(q string) string {
	q = strings.TrimSpace(q)
	if q == "" || len(q) > maxQueryLen || strings.ContainsFunc(q, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return ""
	}
	return q
}

// isURL tells whether q is an http or https address.
func isURL(q string) bool {
	return strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://")
}

// validHandle tells whether q is "name@host" or "@name@host".
func validHandle(q string) bool {
	q = strings.TrimPrefix(q, "@")
	i := strings.IndexByte(q, '@')
	return i > 0 && i < len(q)-1 && strings.Count(q, "@") == 1 && !strings.ContainsAny(q, "/?#")
}

// people is the page where members look someone up on another server.
func (h *Handler) people(w http.ResponseWriter, r *http.Request) {
	if _, err := h.federation(r); err != nil {
		h.error(w, r, err)
		return
	}
	h.renderPeople(w, r, http.StatusOK, views.People{Query: r.URL.Query().Get("q")})
}

func (h *Handler) renderPeople(w http.ResponseWriter, r *http.Request, code int, pe views.People) {
	if isHTMX(r) {
		h.render(w, r, code, views.LookupForm(pe))
		return
	}
	h.render(w, r, code, views.PeoplePage(h.page(r, i18n.T(r.Context(), "federation.people_title"), "people"), pe))
}

// lookup finds the account (or, for a URL, the post) of the query and
// goes to its page here, where the follow, reply and other buttons are.
func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) {
	fed, err := h.federation(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	raw := r.PostForm.Get("q")
	q := cleanQuery(raw)
	if q == "" || !isURL(q) && !validHandle(q) {
		h.renderPeople(w, r, http.StatusBadRequest, views.People{Query: raw, Error: i18n.T(r.Context(), "federation.error.invalid")})
		return
	}
	to, err := h.resolve(r.Context(), fed, q, viewerID(r))
	if err != nil {
		f := lookupFailure(r.Context(), err)
		h.renderPeople(w, r, f.status, views.People{Query: raw, Error: f.message})
		return
	}
	redirect(w, r, to)
}

// redirect answers a form with a 303 to a page here, under HTMX by
// telling htmx to go there.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// resolve finds what q names, fetching it if needed, and returns the
// address of its page here: an address of this instance as it is, an
// account's profile, or a post's permalink (a URL is tried as a post
// when it is no account). A post the viewer may not see is not found,
// even when a copy is kept here for others: the lookup box must not tell
// that a private post exists.
func (h *Handler) resolve(ctx context.Context, fed Federation, q string, viewer storage.ID) (string, error) {
	if p, ok := h.localAddress(q); ok {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	u, err := fed.Lookup(ctx, q)
	if err == nil {
		return userPath(u), nil
	}
	if !isURL(q) || !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrInvalid) {
		return "", err
	}
	p, perr := fed.LookupPost(ctx, q)
	if perr != nil {
		return "", perr
	}
	if _, err := h.db.Post(viewer, p.ID); err != nil {
		return "", err
	}
	author, aerr := h.db.UserByID(p.AuthorID)
	if aerr != nil {
		return "", aerr
	}
	return postPath(author, p.ID), nil
}

// localAddress is the path of one of this instance's own addresses
// (BaseURL + path), which need no lookup; ok false for anything else.
func (h *Handler) localAddress(q string) (string, bool) {
	if h.cfg.BaseURL == "" || !strings.HasPrefix(q, h.cfg.BaseURL+"/") {
		return "", false
	}
	u, err := url.Parse(q)
	if err != nil {
		return "", false
	}
	p := u.EscapedPath()
	if rest, ok := strings.CutPrefix(p, "/users/"); ok {
		p = "/@" + rest // the actor URI's page is the profile
	}
	if !isLocalPath(p) {
		return "", false
	}
	return p, true
}

// authorizeInteraction is the page other servers send their members to
// ("follow on your server", the WebFinger subscribe template of this
// instance): it finds the account or post of ?uri= and shows its page
// here with its buttons. Visitors log in first and come back.
func (h *Handler) authorizeInteraction(w http.ResponseWriter, r *http.Request) {
	fed, err := h.federation(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	raw := r.URL.Query().Get("uri")
	q := cleanQuery(strings.TrimPrefix(raw, "acct:"))
	if q == "" || !isURL(q) && !validHandle(q) {
		h.renderPeople(w, r, http.StatusBadRequest, views.People{Query: raw, Error: i18n.T(r.Context(), "federation.error.invalid")})
		return
	}
	to, err := h.resolve(r.Context(), fed, q, viewerID(r))
	if err != nil {
		f := lookupFailure(r.Context(), err)
		h.renderPeople(w, r, f.status, views.People{Query: q, Error: f.message})
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// remoteFollow sends a visitor, who gave their handle on another server,
// to that server's page that follows this member.
func (h *Handler) remoteFollow(w http.ResponseWriter, r *http.Request) {
	fed, err := h.federation(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.profileUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if !u.IsLocal() {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.no_page")))
		return
	}
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	raw := r.PostForm.Get("handle")
	handle := strings.TrimPrefix(cleanQuery(raw), "@")
	fail := func(code int, msg string) {
		pr, err := h.profileView(r, u)
		if err != nil {
			h.error(w, r, err)
			return
		}
		form := views.RemoteFollow{Action: userPath(u) + "/remote_follow", Handle: raw, Error: msg}
		if isHTMX(r) {
			h.render(w, r, code, views.RemoteFollowForm(form))
			return
		}
		title := i18n.T(r.Context(), "federation.remote_follow_title", "handle", pr.Handle)
		h.render(w, r, code, views.RemoteFollowErrorPage(h.page(r, title, ""), views.RemoteFollowPage{Profile: pr, Form: form}))
	}
	if !validHandle(handle) {
		fail(http.StatusBadRequest, i18n.T(r.Context(), "federation.error.handle"))
		return
	}
	if _, host, _ := strings.Cut(handle, "@"); h.isOwnHost(host) {
		fail(http.StatusBadRequest, i18n.T(r.Context(), "federation.error.own_server"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), lookupTimeout)
	defer cancel()
	to, err := fed.SubscribeURL(ctx, handle, h.userURI(u.Username))
	if err != nil {
		f := lookupFailure(r.Context(), err)
		fail(f.status, f.message)
		return
	}
	if remoteLink(to) != to {
		fail(http.StatusBadGateway, i18n.T(r.Context(), "federation.error.unreachable"))
		return
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// isOwnHost tells whether host is this instance's.
func (h *Handler) isOwnHost(host string) bool {
	u, err := url.Parse(h.cfg.BaseURL)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

// domainBlocks is a member's list of blocked domains.
func (h *Handler) domainBlocks(w http.ResponseWriter, r *http.Request) {
	h.renderDomainBlocks(w, r, http.StatusOK, views.DomainBlocks{})
}

func (h *Handler) renderDomainBlocks(w http.ResponseWriter, r *http.Request, code int, d views.DomainBlocks) {
	list, err := h.db.BlockedDomains(viewer(r).user.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	d.Domains = list
	h.render(w, r, code, views.DomainBlocksPage(h.page(r, i18n.T(r.Context(), "federation.settings.title"), "settings"), d))
}

// domainOf reads a domain typed into a form: a host name, or the host of
// a URL or of a handle ("@name@host"); "" when it is none.
func domainOf(raw string) string {
	s := strings.TrimSpace(raw)
	if isURL(s) {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		s = u.Host
	} else if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	d := storage.NormalizeDomain(s)
	if d == "" || strings.HasPrefix(d, ".") || strings.HasPrefix(d, "-") || strings.Contains(d, "..") {
		return ""
	}
	for _, r := range d {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.' || r == ':') {
			return ""
		}
	}
	return d
}

// blockDomain hides a whole server from the member.
func (h *Handler) blockDomain(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	raw := r.PostForm.Get("domain")
	d := domainOf(raw)
	if d == "" || h.isOwnHost(d) {
		h.renderDomainBlocks(w, r, http.StatusBadRequest, views.DomainBlocks{Domain: raw, Error: i18n.T(r.Context(), "federation.error.domain")})
		return
	}
	msg := i18n.T(r.Context(), "federation.flash.domain_blocked", "host", d)
	switch err := h.db.BlockDomain(viewer(r).user.ID, d); {
	case errors.Is(err, storage.ErrExists):
		msg = i18n.T(r.Context(), "federation.flash.domain_blocked_already", "host", d)
	case err != nil:
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, nextParam(r, "/settings/domains"), http.StatusSeeOther)
}

// unblockDomain lifts a member's block of a server.
func (h *Handler) unblockDomain(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	d := domainOf(r.PostForm.Get("domain"))
	if d == "" {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "federation.error.domain")))
		return
	}
	msg := i18n.T(r.Context(), "federation.flash.domain_unblocked", "host", d)
	switch err := h.db.UnblockDomain(viewer(r).user.ID, d); {
	case errors.Is(err, storage.ErrNotFound):
		msg = i18n.T(r.Context(), "federation.flash.domain_not_blocked", "host", d)
	case err != nil:
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, nextParam(r, "/settings/domains"), http.StatusSeeOther)
}

// nextParam is the form's "next" page here, or fallback.
func nextParam(r *http.Request, fallback string) string {
	if n := r.PostForm.Get("next"); n != "" && isLocalPath(n) {
		return safeNext(n)
	}
	return fallback
}
