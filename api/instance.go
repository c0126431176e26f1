package api

import (
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"majlis/media"
	"majlis/static"
	"majlis/storage"
)

// The instance: what it is, its rules and limits (v1 and v2 shapes, as
// apps read one or the other at start-up), the member's preferences, and
// the lists of a Mastodon server majlis has no equivalent of (custom
// emojis, peers, weekly activity): honest empty answers.

func (a *API) instanceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/instance", a.route(Public, "", a.instanceV1))
	mux.HandleFunc("GET /api/v2/instance", a.route(Public, "", a.instanceV2))
	mux.HandleFunc("GET /api/v1/instance/rules", a.route(Public, "", a.instanceRules))
	mux.HandleFunc("GET /api/v1/instance/peers", a.route(Public, "", emptyList))
	mux.HandleFunc("GET /api/v1/instance/activity", a.route(Public, "", emptyList))
	mux.HandleFunc("GET /api/v1/custom_emojis", a.route(Public, "", a.customEmojis)) // emoji.go
	mux.HandleFunc("GET /api/v1/preferences", a.route(UserToken, "read:accounts", a.preferences))
}

// supportedMIMETypes are the images the pipeline takes (media.Process).
var supportedMIMETypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// about is what both shapes of the instance say, read once per request.
type about struct {
	s        storage.InstanceSettings
	contact  *Account
	email    string
	rules    []Rule
	thumb    string
	stream   string
	statuses StatusesConfig
	media    MediaConfig
	accounts AccountsConfig
}

func (a *API) about() (about, error) {
	s, _, err := a.db.InstanceSettings()
	if err != nil {
		return about{}, err
	}
	if s.Name == "" {
		s.Name = a.cfg.SiteName
	}
	ab := about{
		s: s, rules: parseRules(s.Rules), thumb: a.cfg.BaseURL + static.URL("header.png"),
		stream:   streamingURL(a.cfg.BaseURL),
		statuses: StatusesConfig{MaxCharacters: a.soc.PostLimit(), MaxMediaAttachments: storage.MaxAttachments, CharactersReservedPerURL: 23},
		media: MediaConfig{
			SupportedMIMETypes: supportedMIMETypes, ImageSizeLimit: a.cfg.MaxUploadBytes,
			ImageMatrixLimit: media.DefaultMaxPixels,
		},
		accounts: AccountsConfig{MaxPinnedStatuses: storage.MaxPinned},
	}
	if addr, err := mail.ParseAddress(s.Contact); err == nil && !strings.Contains(s.Contact, "://") {
		ab.email = addr.Address
	}
	staff, err := a.db.Staff()
	if err != nil {
		return about{}, err
	}
	for _, u := range staff {
		if u.IsAdmin() {
			acc := a.account(u, 0, false)
			ab.contact = &acc
			break
		}
	}
	return ab, nil
}

// streamingURL is the WebSocket address of the streaming API (on the
// instance's own host).
func streamingURL(base string) string {
	switch {
	case strings.HasPrefix(base, "https://"):
		return "wss://" + strings.TrimPrefix(base, "https://")
	case strings.HasPrefix(base, "http://"):
		return "ws://" + strings.TrimPrefix(base, "http://")
	}
	return base
}

func (a *API) instanceV1(w http.ResponseWriter, r *http.Request, _ *Auth) {
	ab, err := a.about()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	us, err := a.db.Usage(a.cfg.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	domains, err := a.db.KnownDomains(0)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	s := ab.s
	writeJSON(w, http.StatusOK, InstanceV1{
		URI: a.host(), Title: s.Name, ShortDescription: s.Tagline, Description: s.Tagline,
		Email: ab.email, Version: Version, URLs: InstanceV1URLs{StreamingAPI: ab.stream},
		Stats:     InstanceStats{UserCount: us.Users, StatusCount: us.LocalPosts, DomainCount: len(domains)},
		Thumbnail: ab.thumb, Languages: []string{s.Language},
		Registrations:    s.Registrations == storage.RegistrationOpen || s.Registrations == storage.RegistrationApproval,
		ApprovalRequired: s.Registrations == storage.RegistrationApproval,
		InvitesEnabled:   s.Registrations == storage.RegistrationInvite,
		Configuration: InstanceConfigV1{
			Accounts: ab.accounts, Statuses: ab.statuses, MediaAttachments: ab.media,
			Polls: a.pollsConfig(),
		},
		ContactAccount: ab.contact, Rules: ab.rules,
	})
}

func (a *API) instanceV2(w http.ResponseWriter, r *http.Request, _ *Auth) {
	ab, err := a.about()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	us, err := a.db.Usage(a.cfg.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	s := ab.s
	in := InstanceV2{
		Domain: a.host(), Title: s.Name, Version: Version, Description: s.Tagline,
		Thumbnail: InstanceThumbnail{URL: ab.thumb}, Languages: []string{s.Language},
		Registrations: InstanceRegistrations{
			Enabled:          s.Registrations == storage.RegistrationOpen || s.Registrations == storage.RegistrationApproval,
			ApprovalRequired: s.Registrations == storage.RegistrationApproval,
		},
		APIVersions: map[string]int{"mastodon": 2},
		Contact:     InstanceContact{Email: ab.email, Account: ab.contact},
		Rules:       ab.rules,
	}
	in.Usage.Users.ActiveMonth = us.ActiveMonth
	c := &in.Configuration
	c.URLs.Streaming = ab.stream
	c.Accounts, c.Statuses, c.MediaAttachments = ab.accounts, ab.statuses, ab.media
	c.Polls = a.pollsConfig()
	writeJSON(w, http.StatusOK, in)
}

func (a *API) instanceRules(w http.ResponseWriter, r *http.Request, _ *Auth) {
	s, _, err := a.db.InstanceSettings()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, parseRules(s.Rules))
}

// parseRules reads the instance's rules, Markdown an admin wrote, as a
// list: the items of its lists (a line that starts no item carries on the
// one before), or, when it has no list, each line with text. Headings are
// titles, not rules. IDs count from 1.
func parseRules(md string) []Rule {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	hasList := false
	for _, l := range lines {
		if _, ok := listItem(l); ok {
			hasList = true
			break
		}
	}
	var texts []string
	inItem := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			inItem = false
		case strings.HasPrefix(t, "#"):
			inItem = false
		case !hasList:
			texts = append(texts, t)
		default:
			if item, ok := listItem(l); ok {
				texts, inItem = append(texts, item), true
			} else if inItem {
				texts[len(texts)-1] += " " + t
			}
		}
	}
	out := []Rule{}
	for _, t := range texts {
		if t != "" {
			out = append(out, Rule{ID: strconv.Itoa(len(out) + 1), Text: t})
		}
	}
	return out
}

// listItem is the text of a Markdown list item's first line ("- x",
// "* x", "+ x", "1. x", "1) x"); ok false for a line that starts none.
func listItem(line string) (string, bool) {
	t := strings.TrimSpace(line)
	for _, m := range []string{"- ", "* ", "+ "} {
		if rest, ok := strings.CutPrefix(t, m); ok {
			return strings.TrimSpace(rest), true
		}
	}
	i := 0
	for i < len(t) && i < 9 && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(t) && (t[i] == '.' || t[i] == ')') && t[i+1] == ' ' {
		return strings.TrimSpace(t[i+2:]), true
	}
	return "", false
}

// preferences are the member's settings apps apply when posting.
func (a *API) preferences(w http.ResponseWriter, r *http.Request, au *Auth) {
	p := Preferences{Visibility: visibilityName(au.User.PostVisibility()), ExpandMedia: "default"}
	if au.User.Language != "" {
		lang := au.User.Language
		p.Language = &lang
	}
	writeJSON(w, http.StatusOK, p)
}
