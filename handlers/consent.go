package handlers

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// AI-training consent and search-engine indexing.
//
// The instance's policy (storage.InstanceSettings.AITrainingAllowed, off
// by default) bounds each member's choice (storage.User.AITraining,
// Indexable); what applies is the strictest. Every response starts from
// the instance's policy (withConsent) and every handler that shows a
// member's content narrows it with carries: a page that shows several
// members (a thread, a timeline, and the lists of members, through
// userItem: followers, likers, notifications) allows AI training only when
// every one of them does, and is indexable only when every one of them is. The
// result is published when the response starts (consentWriter): the
// X-Robots-Tag, Content-Usage and tdm-reservation headers, and in HTML
// the robots and tdm-reservation meta tags (views.Page.Consent). The
// site-wide statements are robots.txt and /.well-known/tdmrep.json.

//go:embed aicrawlers.txt
var aiCrawlersFile string

// aiCrawlers are the User-Agent tokens of the known AI crawlers.
var aiCrawlers = parseCrawlers(aiCrawlersFile)

func parseCrawlers(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// isAICrawler tells whether a User-Agent names a known AI crawler.
func isAICrawler(ua string) bool {
	if ua == "" {
		return false
	}
	ua = strings.ToLower(ua)
	for _, c := range aiCrawlers {
		if strings.Contains(ua, strings.ToLower(c)) {
			return true
		}
	}
	return false
}

// consentState is one response's consent: what it publishes, and the
// instance policy members' choices are read against.
type consentState struct {
	views.Consent
	instanceAllows bool
}

type consentKey struct{}

func consentOf(r *http.Request) *consentState {
	c, _ := r.Context().Value(consentKey{}).(*consentState)
	return c
}

// pageConsent is the consent a page renders (nil outside withConsent).
func pageConsent(r *http.Request) *views.Consent {
	if c := consentOf(r); c != nil {
		return &c.Consent
	}
	return nil
}

// carries marks the response as showing these members' content: it
// reserves AI training unless each of them allows it, and asks search
// engines not to index it unless each of them is indexable.
func (h *Handler) carries(r *http.Request, users ...storage.User) {
	c := consentOf(r)
	if c == nil {
		return
	}
	for _, u := range users {
		if !u.AllowsAITraining(c.instanceAllows) {
			c.NoAI = true
		}
		if !u.Indexable || storage.NoIndexSignal(u.XRobotsTag) {
			c.NoIndex = true
		}
	}
}

// carriesEntries is carries for the authors of entries, and for the
// consent signals a remote post carries of its own.
func (h *Handler) carriesEntries(r *http.Request, entries []storage.Entry) {
	for _, e := range entries {
		h.carries(r, e.Author)
		h.carriesPost(r, e.Post)
	}
}

// carriesPost narrows the response's consent by a remote post's own
// signals (a local post's are its author's).
func (h *Handler) carriesPost(r *http.Request, p storage.Post) {
	c := consentOf(r)
	if c == nil || p.Local || (p.XRobotsTag == "" && p.ContentUsage == "") {
		return
	}
	if !storage.SignalsAllowAI(p.XRobotsTag, p.ContentUsage) {
		c.NoAI = true
	}
	if storage.NoIndexSignal(p.XRobotsTag) {
		c.NoIndex = true
	}
}

// carriesMedia is carries for the owners of a stored file (a file
// nobody owns yet stays under the instance's policy).
func (h *Handler) carriesMedia(r *http.Request, hash string) {
	owners, err := h.db.MediaOwners(hash)
	if err != nil {
		// When in doubt, reserve.
		if c := consentOf(r); c != nil {
			c.NoAI, c.NoIndex = true, true
		}
		return
	}
	h.carries(r, owners...)
}

// crawlerOpen are the paths an AI crawler may read even when the instance
// refuses them: where it learns it is not welcome.
var crawlerOpen = map[string]bool{"/robots.txt": true, "/.well-known/tdmrep.json": true, "/about/data": true}

// withConsent starts a response's consent from the instance's policy
// and wraps w so that it is published when the response starts. When the
// instance refuses AI crawlers and the request comes from one, it answers
// 403 and ok is false. Static files carry no member content.
func (h *Handler) withConsent(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request, bool) {
	if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" {
		return w, r, true
	}
	s := h.instance()
	if s.RefuseAICrawlers && !crawlerOpen[r.URL.Path] && isAICrawler(r.UserAgent()) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("403 Forbidden\n\n" + i18n.T(r.Context(), "error.ai_crawler", "site", s.Name) + "\n" + i18n.T(r.Context(), "error.ai_crawler_see") + "\n"))
		return w, r, false
	}
	c := &consentState{instanceAllows: s.AITrainingAllowed}
	c.NoAI = !s.AITrainingAllowed
	r = r.WithContext(context.WithValue(r.Context(), consentKey{}, c))
	return &consentWriter{ResponseWriter: w, c: c}, r, true
}

// consentWriter publishes a response's consent in its headers when it
// starts.
type consentWriter struct {
	http.ResponseWriter
	c       *consentState
	written bool
}

func (w *consentWriter) publish() {
	if w.written {
		return
	}
	w.written = true
	hd := w.Header()
	if hd.Get("Content-Usage") != "" {
		// The response stated its consent itself (federation's JSON,
		// from the same members' choices and the same rule).
		return
	}
	if m := w.c.Robots(); m != "" {
		hd.Set("X-Robots-Tag", m)
	}
	if w.c.NoAI {
		hd.Set("Content-Usage", "train-ai=n")
		hd.Set("tdm-reservation", "1")
	}
}

func (w *consentWriter) WriteHeader(code int) {
	if code >= 200 {
		w.publish()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *consentWriter) Write(b []byte) (int, error) {
	w.publish()
	return w.ResponseWriter.Write(b)
}

func (w *consentWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom: see statusWriter.ReadFrom.
func (w *consentWriter) ReadFrom(r io.Reader) (int64, error) {
	w.publish()
	return readFrom(w.ResponseWriter, r)
}

// privatePaths are kept out of every crawler: accounts, administration,
// and the addresses that only serve forms and HTMX fragments.
var privatePaths = []string{
	"/settings", "/admin", "/login", "/register", "/logout", "/media/upload",
	"/notifications", "/bookmarks", "/invites", "/invite/", "/reports", "/posts",
}

// robots writes robots.txt: a group that disallows the known AI crawlers
// (when the instance reserves AI training; when it allows training, the
// group names only the members who refuse it, and is left out when none
// does), then the rules for everyone, with the IETF AI-preferences line.
func (h *Handler) robots(w http.ResponseWriter, r *http.Request) {
	s := h.instance()
	var b strings.Builder
	b.WriteString("# " + s.Name + ": " + h.cfg.BaseURL + "/about/data says what this instance publishes and allows.\n\n")
	var disallow, reserved []string
	if !s.AITrainingAllowed {
		disallow = []string{"/"}
	} else {
		optOuts, err := h.db.AITrainingOptOuts()
		if err != nil {
			h.error(w, r, err)
			return
		}
		// Their profiles, posts, lists and feeds, at their canonical
		// address: "$" ends a pattern (RFC 9309), so that /@m does not
		// also match /@mona; "?" is the profile's next pages. Every
		// other spelling of a member's address ("/@M", "/%40m",
		// "/users/m") is a redirect to the canonical one
		// (canonicalMember), which the AI group is kept off too. The
		// pages that mix members (the local timeline, first and next
		// pages, tags, pictures) are reserved with them.
		for _, name := range optOuts {
			reserved = append(reserved, "/@"+name+"$", "/@"+name+"/", "/@"+name+".", "/@"+name+"?")
		}
		if len(optOuts) > 0 {
			reserved = append(reserved, "/$", "/?", "/local", "/tags/", "/media/")
			disallow = append(slices.Clone(reserved), "/users/", "/%40")
		}
	}
	if len(disallow) > 0 {
		b.WriteString("# AI training crawlers\n")
		for _, c := range aiCrawlers {
			b.WriteString("User-agent: " + c + "\n")
		}
		for _, d := range disallow {
			b.WriteString("Disallow: " + d + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("User-agent: *\n")
	if s.AITrainingAllowed {
		// The members who refuse, by path (IETF aipref), then the rest.
		for _, p := range reserved {
			b.WriteString("Content-Usage: " + p + " train-ai=n\n")
		}
		b.WriteString("Content-Usage: train-ai=y\n")
	} else {
		b.WriteString("Content-Usage: train-ai=n\n")
	}
	for _, p := range privatePaths {
		b.WriteString("Disallow: " + p + "\n")
	}
	b.WriteString("Allow: /\n")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(b.String()))
}

// tdmRule is one rule of /.well-known/tdmrep.json (W3C TDMRep): the first
// rule whose location matches a path applies.
type tdmRule struct {
	Location       string `json:"location"`
	TDMReservation int    `json:"tdm-reservation"`
}

// tdmrep answers /.well-known/tdmrep.json: everything reserved when the
// instance does not allow AI training; else the pages of the members who
// refuse it, and the pages that mix members (timelines, tags, pictures),
// reserved, and the rest not.
func (h *Handler) tdmrep(w http.ResponseWriter, r *http.Request) {
	s := h.instance()
	var rules []tdmRule
	if !s.AITrainingAllowed {
		rules = []tdmRule{{Location: "/*", TDMReservation: 1}}
	} else {
		optOuts, err := h.db.AITrainingOptOuts()
		if err != nil {
			h.error(w, r, err)
			return
		}
		for _, name := range optOuts {
			for _, p := range []string{"/@" + name, "/@" + name + "/*", "/@" + name + ".*", "/users/" + name, "/users/" + name + "/*"} {
				rules = append(rules, tdmRule{Location: p, TDMReservation: 1})
			}
		}
		if len(optOuts) > 0 {
			for _, p := range []string{"/", "/local", "/tags/*", "/media/*", "/bookmarks"} {
				rules = append(rules, tdmRule{Location: p, TDMReservation: 1})
			}
		}
		rules = append(rules, tdmRule{Location: "/*", TDMReservation: 0})
	}
	body, err := json.MarshalIndent(rules, "", "  ")
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(body, '\n'))
}

// dataPolicy is /about/data, the public page on what the instance keeps,
// publishes and allows.
func (h *Handler) dataPolicy(w http.ResponseWriter, r *http.Request) {
	s := h.instance()
	d := views.DataPolicy{
		Name:              s.Name,
		AITrainingAllowed: s.AITrainingAllowed,
		RefuseAICrawlers:  s.RefuseAICrawlers,
		Crawlers:          aiCrawlers,
	}
	p := h.page(r, i18n.T(r.Context(), "title.your_data"), "")
	p.Canonical = h.cfg.BaseURL + "/about/data"
	h.render(w, r, http.StatusOK, views.DataPolicyPage(p, d))
}

// consentForm fills the profile form's consent fields from u, with the
// choices the instance leaves.
func (h *Handler) consentForm(f *views.ProfileForm, u storage.User) {
	allows := h.instance().AITrainingAllowed
	f.AITraining, f.AIOptions = u.AITraining, views.AITrainingOptions(allows)
	if u.AITraining == storage.AITrainingYes && !allows {
		// A choice the instance no longer allows shows as what applies.
		f.AITraining = storage.AITrainingInherit
	}
	f.Indexable, f.Bot, f.HideBots, f.NoBotContact = u.Indexable, u.Bot, u.HideBots, u.NoBotContact
}
