package federation

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"

	"majlis/markup"
	"majlis/social"
	"majlis/storage"
)

// Verified profile links: a member's link is verified when the page it
// names links back to the profile with rel="me" (an <a> or a <link>) whose
// address is the profile's page (/@name) or the actor (/users/name). The
// page is fetched through the SSRF-guarded client, with a short timeout,
// HTML only and at most linkPageBytes read. Links are checked in the
// background: soon after a profile change gives them new addresses
// (Request, and a profile saved with new addresses is due at once), and
// again every Every.

const (
	// linkPageBytes is how much of a linked page is read: rel="me" links
	// sit in the head or the first screens of a page.
	linkPageBytes = 512 << 10
	// linkTimeout bounds one page's fetch.
	linkTimeout = 10 * time.Second
	// linkBatch is how many members one round checks.
	linkBatch = 50
)

// LinkVerifier checks members' profile links for a link back.
type LinkVerifier struct {
	DB     *storage.DB
	Client *http.Client // NewClient(Guard, linkTimeout)
	Guard  Guard
	URIs   URIs
	// Every is how often links are checked again (a day when zero); Poll
	// how often Run looks for members due (an hour when zero).
	Every, Poll time.Duration
	UserAgent   string
	Now         func() time.Time
	Logger      *slog.Logger

	wake chan storage.ID
}

// NewLinkVerifier is a verifier that fetches through guard.
func NewLinkVerifier(db *storage.DB, guard Guard, uris URIs, ua string, now func() time.Time, logger *slog.Logger) *LinkVerifier {
	return &LinkVerifier{DB: db, Client: NewClient(guard, linkTimeout), Guard: guard, URIs: uris,
		UserAgent: ua, Now: now, Logger: logger, wake: make(chan storage.ID, 64)}
}

func (v *LinkVerifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

func (v *LinkVerifier) logger() *slog.Logger {
	if v.Logger == nil {
		return slog.Default()
	}
	return v.Logger
}

// Request asks for a member's links to be checked soon. It never waits: a
// request that finds the queue full is left to the periodic round, which
// takes a member whose links changed first.
func (v *LinkVerifier) Request(userID storage.ID) {
	if v == nil || v.wake == nil {
		return
	}
	select {
	case v.wake <- userID:
	default:
	}
}

// Run checks the links asked for and, every Poll, those due, until ctx
// ends.
func (v *LinkVerifier) Run(ctx context.Context) {
	poll := v.Poll
	if poll <= 0 {
		poll = time.Hour
	}
	t := time.NewTimer(time.Minute) // let the server start first
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-v.wake:
			if err := v.VerifyUser(ctx, id); err != nil && ctx.Err() == nil {
				v.logger().Info("links: check failed", "user", id, "err", err)
			}
		case <-t.C:
			v.CheckDue(ctx)
			t.Reset(poll)
		}
	}
}

// CheckDue checks the links of up to linkBatch members whose links were
// last checked more than Every ago, the longest waiting first.
func (v *LinkVerifier) CheckDue(ctx context.Context) {
	every := v.Every
	if every <= 0 {
		every = 24 * time.Hour
	}
	ids, err := v.DB.LinksToCheck(v.now().Add(-every), linkBatch)
	if err != nil {
		v.logger().Warn("links: list due", "err", err)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if err := v.VerifyUser(ctx, id); err != nil {
			v.logger().Info("links: check failed", "user", id, "err", err)
		}
	}
}

// VerifyUser checks every link of a local member and records the outcome
// (storage.SetLinksVerified). A page that cannot be fetched counts as not
// linking back.
func (v *LinkVerifier) VerifyUser(ctx context.Context, id storage.ID) error {
	u, err := v.DB.UserByID(id)
	if err != nil {
		return err
	}
	if !u.IsLocal() {
		return v.verifyRemote(ctx, u)
	}
	profiles := []string{v.URIs.Profile(u.Username), v.URIs.Actor(u.Username)}
	verified := map[string]bool{}
	for _, l := range u.Links {
		ok, err := v.Check(ctx, l.URL, profiles)
		if err != nil {
			v.logger().Info("links: page not read", "user", u.Username, "link", l.URL, "err", err)
		}
		verified[l.URL] = ok
	}
	_, err = v.DB.SetLinksVerified(id, verified, v.now())
	return err
}

// verifyRemote checks the links of a remote account's fields by this
// instance's own rule, as Mastodon does: the page a field's value links to
// must link back with rel="me" to the account's profile page or its actor.
// Its server's word is not taken (an ActivityPub field carries no
// verification, and a server could claim anything). Fields are checked
// when they change (Resolver.LinksChanged), not periodically.
func (v *LinkVerifier) verifyRemote(ctx context.Context, u storage.User) error {
	var profiles []string
	for _, p := range []string{u.ProfileURL, u.URI} {
		if p != "" {
			profiles = append(profiles, p)
		}
	}
	if len(profiles) == 0 {
		return nil
	}
	verified := map[string]bool{}
	for _, f := range u.RemoteFields {
		link := fieldLink(f.ValueHTML)
		if link == "" {
			continue
		}
		ok, err := v.Check(ctx, link, profiles)
		if err != nil {
			v.logger().Info("links: page not read", "user", u.URI, "link", link, "err", err)
		}
		verified[f.ValueHTML] = ok
	}
	if len(verified) == 0 {
		return nil
	}
	_, err := v.DB.SetRemoteFieldsVerified(u.ID, verified, v.now())
	return err
}

// fieldLink is the address of the first web (http or https) link in a
// field's value (sanitized HTML), "" when it has none: the sanitizer also
// keeps mailto: links and local ones (/@name, /tags/...), which are
// passed over for a web link after them, and a field with none is not
// checked at all.
func fieldLink(valueHTML string) string {
	z := html.NewTokenizer(strings.NewReader(valueHTML))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "a" || !hasAttr {
				continue
			}
			for {
				k, val, more := z.TagAttr()
				if string(k) == "href" {
					if u, err := url.Parse(string(val)); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
						return u.String()
					}
				}
				if !more {
					break
				}
			}
		}
	}
}

// newFieldValues tells whether a remote account's fields as fetched
// again have a value the stored ones lack, or another number of fields:
// only then are its links checked again (PutRemoteUser keeps the marks of
// the others).
func newFieldValues(stored, fields []storage.RemoteField) bool {
	if len(stored) != len(fields) {
		return true
	}
	for _, f := range fields {
		if !slices.ContainsFunc(stored, func(o storage.RemoteField) bool { return o.ValueHTML == f.ValueHTML }) {
			return true
		}
	}
	return false
}

// Check fetches the page at link and tells whether it links back to one
// of profiles with rel="me".
func (v *LinkVerifier) Check(ctx context.Context, link string, profiles []string) (bool, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, linkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/html, application/xhtml+xml")
	if v.UserAgent != "" {
		req.Header.Set("User-Agent", v.UserAgent)
	}
	client := v.Client
	if client == nil {
		client = NewClient(v.Guard, linkTimeout)
	}
	resp, err := v.Guard.Do(ctx, client, req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || (mt != "text/html" && mt != "application/xhtml+xml") {
		return false, nil
	}
	return LinksBack(io.LimitReader(resp.Body, linkPageBytes), resp.Request.URL, profiles), nil
}

// LinksBack tells whether the HTML page r (at base) has an <a> or <link>
// with rel="me" whose address, resolved against base, is one of profiles
// (compared without a trailing slash, the host in any case).
func LinksBack(r io.Reader, base *url.URL, profiles []string) bool {
	want := map[string]bool{}
	for _, p := range profiles {
		if pu, err := url.Parse(p); err == nil {
			want[sameURL(pu)] = true
		}
	}
	z := html.NewTokenizer(r)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if !hasAttr || (string(name) != "a" && string(name) != "link") {
				continue
			}
			var rel, href string
			for {
				k, val, more := z.TagAttr()
				switch string(k) {
				case "rel":
					rel = string(val)
				case "href":
					href = string(val)
				}
				if !more {
					break
				}
			}
			if !relMe(rel) || href == "" {
				continue
			}
			if hu, err := base.Parse(strings.TrimSpace(href)); err == nil && want[sameURL(hu)] {
				return true
			}
		}
	}
}

// relMe tells whether a rel attribute holds the token "me".
func relMe(rel string) bool {
	for _, t := range strings.Fields(rel) {
		if strings.EqualFold(t, "me") {
			return true
		}
	}
	return false
}

// sameURL is an address as profile links are compared: scheme and host in
// lower case, the path without a trailing slash, no query or fragment.
func sameURL(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")
}

// Bounds of the profile fields kept of a remote account.
const (
	maxRemoteFields     = 8
	maxRemoteFieldName  = 100
	maxRemoteFieldValue = 2000
)

// remoteFields are the profile fields of a remote actor (its PropertyValue
// attachments): the name as plain text, the value sanitized with the
// policy of remote posts; empty ones are left out.
func remoteFields(o *Object) []storage.RemoteField {
	var out []storage.RemoteField
	for _, a := range o.Attachment {
		if len(out) == maxRemoteFields {
			break
		}
		if !a.Type.Is("PropertyValue") {
			continue
		}
		name := strings.Join(strings.Fields(html.UnescapeString(stripTags(a.Name))), " ")
		name = social.Clip(name, maxRemoteFieldName)
		value := markup.SanitizeRemote(social.Clip(a.Value, maxRemoteFieldValue))
		if name == "" || strings.TrimSpace(value) == "" {
			continue
		}
		out = append(out, storage.RemoteField{Name: name, ValueHTML: value})
	}
	return out
}

// stripTags is s without anything between < and >: a field's name is
// text, whatever a server put in it.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}
