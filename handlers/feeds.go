package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/markup"
	"majlis/storage"
	"majlis/views"
)

// Feeds: RSS 2.0 and Atom for each member ("/@name.rss", "/@name.atom")
// and each hashtag ("/tags/TAG.rss", "/tags/TAG.atom"). The profile and tag
// handlers hand a request over when its last segment ends in a feed suffix
// (feedSuffix): usernames and hashtags never contain a dot.
//
// A feed is anonymous, whoever asks: it holds what a visitor may see, and
// of that only public posts, never unlisted, followers-only or direct
// ones, nor reposts; a member's feed leaves out their replies too, as
// their profile does. Each holds the feedItems newest. The XML is written
// by encoding/xml from the structs below, so every text and every HTML
// body is escaped by the encoder, never by hand. Titles and descriptions
// are plain text made HTML first (htmlText), since readers take an RSS
// title for HTML.

// feedKind is a feed's format.
type feedKind int

const (
	feedRSS feedKind = iota + 1
	feedAtom
)

const (
	rssType  = "application/rss+xml"
	atomType = "application/atom+xml"
	atomNS   = "http://www.w3.org/2005/Atom"
	dcNS     = "http://purl.org/dc/elements/1.1/"
)

// feedItems is the number of posts in a feed; feedPages bounds the pages
// of a timeline read to find them (a member who mostly reposts or writes
// unlisted posts has few public ones among many).
const (
	feedItems = 20
	feedPages = 10
)

func (k feedKind) suffix() string {
	if k == feedAtom {
		return ".atom"
	}
	return ".rss"
}

func (k feedKind) contentType() string {
	if k == feedAtom {
		return atomType
	}
	return rssType
}

// feedSuffix splits a feed suffix off the last segment of an address:
// "layla.rss" is layla's RSS feed. ok is false when there is none.
func feedSuffix(segment string) (name string, kind feedKind, ok bool) {
	for _, k := range []feedKind{feedRSS, feedAtom} {
		if name, found := strings.CutSuffix(segment, k.suffix()); found {
			return name, k, true
		}
	}
	return segment, 0, false
}

// feed is a feed before it takes a format.
type feed struct {
	// title and description are plain text.
	title, description string
	// page is the absolute address of the HTML page the feed follows (its
	// Atom id too); path the feed's path without its suffix.
	page, path string
	// updated is the newest time of its items, or when it began.
	updated time.Time
	// author is the member of a member's feed.
	author *feedPerson
	items  []feedItem
}

type feedPerson struct{ name, uri string }

type feedItem struct {
	// title is plain text: the content warning, or the start of the
	// post's text without its markup.
	title, link, id string
	// permalink tells whether id is an address that shows the post.
	permalink          bool
	author             feedPerson
	published, updated time.Time
	// html is the body to show: the post's rendered HTML, after its
	// content warning and with its images.
	html string
	tags []string
}

// memberFeed answers "/@name.rss" and "/@name.atom": the member's public
// posts, neither replies nor reposts. An unknown, suspended or pending
// account has no feed.
func (h *Handler) memberFeed(w http.ResponseWriter, r *http.Request, name string, kind feedKind) {
	missing := errNotFound(i18n.T(r.Context(), "error.no_user", "name", name))
	if !validUsername(name) {
		h.error(w, r, missing)
		return
	}
	u, err := h.db.LocalUser(name)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !hasFeed(u)) {
		err = missing
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	entries, err := feedEntries(func(p storage.Page) (storage.Timeline, error) {
		return h.db.AuthorTimeline(0, u.ID, false, p)
	}, func(e storage.Entry) bool {
		return e.Post.AuthorID == u.ID && e.Post.InReplyTo == 0
	})
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.carries(r, u) // consent.go
	f := feed{
		title:       u.Name() + " (@" + u.Username + ") · " + h.instance().Name,
		description: i18n.T(r.Context(), "feed.member_description", "name", u.Name(), "username", u.Username),
		page:        h.cfg.BaseURL + userPath(u),
		path:        userPath(u),
		updated:     u.CreatedAt,
		author:      &feedPerson{name: u.Name(), uri: h.cfg.BaseURL + userPath(u)},
	}
	h.writeFeed(w, r, h.fillFeed(r.Context(), f, entries), kind)
}

// tagFeed answers "/tags/TAG.rss" and "/tags/TAG.atom": the public posts
// with the hashtag, as its page lists them (replies included: a reply
// with a hashtag was tagged on purpose). A tag no public post carries is
// unknown: 404.
func (h *Handler) tagFeed(w http.ResponseWriter, r *http.Request, raw string, kind feedKind) {
	tag := markup.NormalizeTag(raw)
	if tag == "" {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.not_hashtag")))
		return
	}
	entries, err := feedEntries(func(p storage.Page) (storage.Timeline, error) {
		return h.db.TagTimeline(0, tag, p)
	}, func(storage.Entry) bool { return true })
	if err != nil {
		h.error(w, r, err)
		return
	}
	if len(entries) == 0 {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.no_tag_posts", "tag", tag)))
		return
	}
	h.carriesEntries(r, entries) // consent.go
	path := "/tags/" + url.PathEscape(tag)
	site := h.instance().Name
	f := feed{
		title:       "#" + tag + " · " + site,
		description: i18n.T(r.Context(), "feed.tag_description", "tag", tag),
		page:        h.cfg.BaseURL + path,
		path:        path,
		// The instance speaks for a tag's feed; each item names its own
		// author.
		author: &feedPerson{name: site, uri: h.cfg.BaseURL + "/"},
	}
	h.writeFeed(w, r, h.fillFeed(r.Context(), f, entries), kind)
}

// hasFeed tells whether a member has feeds: not while suspended or
// waiting for approval.
func hasFeed(u storage.User) bool {
	st := u.AccountStatus()
	return st != storage.StatusSuspended && st != storage.StatusPending
}

// memberFeedLinks are the autodiscovery links of a member's profile.
func memberFeedLinks(u storage.User) []views.FeedLink {
	if !hasFeed(u) {
		return nil
	}
	return feedLinks(u.Name()+" (@"+u.Username+")", userPath(u))
}

// tagFeedLinks are the autodiscovery links of a tag's page, when it shows
// posts (the feed of a tag without public posts is a 404).
func tagFeedLinks(tag string, t storage.Timeline) []views.FeedLink {
	if len(t.Entries) == 0 {
		return nil
	}
	return feedLinks("#"+tag, "/tags/"+url.PathEscape(tag))
}

func feedLinks(title, path string) []views.FeedLink {
	return []views.FeedLink{
		{Title: title + " (RSS)", Href: path + feedRSS.suffix(), Type: rssType},
		{Title: title + " (Atom)", Href: path + feedAtom.suffix(), Type: atomType},
	}
}

// feedEntries reads a timeline, page after page (at most feedPages), for
// its feedItems newest public posts that keep accepts. Reposts never
// count: a feed is what its subject wrote.
func feedEntries(list func(storage.Page) (storage.Timeline, error), keep func(storage.Entry) bool) ([]storage.Entry, error) {
	var out []storage.Entry
	page := storage.Page{Limit: feedItems}
	for range feedPages {
		t, err := list(page)
		if err != nil {
			return nil, err
		}
		for _, e := range t.Entries {
			if e.RepostedBy != nil || e.RepostID != 0 || e.Post.IsRepost() || e.Post.Visibility != storage.Public || !keep(e) {
				continue
			}
			out = append(out, e)
			if len(out) == feedItems {
				return out, nil
			}
		}
		if t.Next == 0 {
			break
		}
		page.Before = t.Next
	}
	return out, nil
}

// fillFeed adds the entries to f as items.
func (h *Handler) fillFeed(ctx context.Context, f feed, entries []storage.Entry) feed {
	for _, e := range entries {
		it := h.feedItem(ctx, e)
		if it.updated.After(f.updated) {
			f.updated = it.updated
		}
		f.items = append(f.items, it)
	}
	return f
}

func (h *Handler) feedItem(ctx context.Context, e storage.Entry) feedItem {
	p := e.Post
	link := h.cfg.BaseURL + postPath(e.Author, p.ID)
	it := feedItem{
		link:      link,
		id:        p.URI,
		author:    feedPerson{name: e.Author.Name(), uri: h.cfg.BaseURL + userPath(e.Author)},
		published: p.CreatedAt,
		updated:   p.CreatedAt,
		tags:      p.Tags,
	}
	if !p.EditedAt.IsZero() {
		it.updated = p.EditedAt
	}
	if it.id == "" {
		it.id = link
	}
	it.permalink = strings.HasPrefix(it.id, "https://") || strings.HasPrefix(it.id, "http://")
	var body strings.Builder
	if p.ContentWarning != "" {
		it.title = excerpt(p.ContentWarning)
		body.WriteString(html.EscapeString(i18n.T(ctx, "feed.cw", "warning", p.ContentWarning)) + "<hr>")
	} else {
		it.title = excerpt(plainText(p.HTML)) // posts.go
	}
	if it.title == "" {
		it.title = i18n.T(ctx, "feed.post_by", "name", e.Author.Username)
	}
	body.WriteString(h.absoluteLinks(p.HTML))
	for _, a := range p.Attachments {
		body.WriteString(`<p><img src="` + html.EscapeString(h.cfg.BaseURL+mediaURL(a.Display, a.ContentType)) +
			`" alt="` + html.EscapeString(a.Alt) + `" width="` + strconv.Itoa(a.Width) + `" height="` + strconv.Itoa(a.Height) + `"></p>`)
	}
	it.html = body.String()
	return it
}

// absoluteLinks makes the links of a post's HTML that point into the
// instance (mentions "/@name", hashtags "/tags/x") absolute: a feed is
// read away from the site, where a relative link leads nowhere. The HTML
// is the sanitizer's, in which a double quote in text is always escaped,
// so `href="/` only ever starts an attribute.
func (h *Handler) absoluteLinks(s string) string {
	return strings.ReplaceAll(s, `href="/`, `href="`+h.cfg.BaseURL+`/`)
}

// writeFeed answers with the feed in its format. The ETag is the hash of
// the bytes sent, so it changes with anything a reader would see (a new,
// edited or deleted post, a new display name) and a matching
// If-None-Match gets 304 without a body. Last-Modified is the newest
// item's time; it does not move when a post is deleted, so
// If-Modified-Since is not trusted: only the ETag validates.
func (h *Handler) writeFeed(w http.ResponseWriter, r *http.Request, f feed, kind feedKind) {
	var doc any
	if kind == feedAtom {
		doc = h.atomDoc(f)
	} else {
		doc = h.rssDoc(f)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		h.error(w, r, err)
		return
	}
	buf.WriteByte('\n')
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", "no-cache")
	if !f.updated.IsZero() {
		hd.Set("Last-Modified", f.updated.UTC().Format(http.TimeFormat))
	}
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", kind.contentType()+"; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// htmlText is plain text as HTML: "&", "<" and ">" escaped, so that a
// reader that takes it for HTML shows every character as typed and finds
// no tag in it. RSS leaves open whether a title or a channel's description
// is text or HTML, and most readers take it for HTML, as the biggest
// publishers write it: so text a member typed, such as a content warning
// "<i>spoiler</i>" or a post about the <b> element, must never reach a
// reader as markup. Quotes stay as they are: they mean nothing in HTML
// text, and a reader that shows a title as text would show "&#39;".
func htmlText(plain string) string { return htmlTextEscaper.Replace(plain) }

var htmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// etagMatches applies If-None-Match (a list of tags, or "*") to etag,
// comparing weakly as RFC 9110 asks for this header.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// --- RSS 2.0 ---

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	DCNS    string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          rssSelf   `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Generator     string    `xml:"generator"`
	Items         []rssItem `xml:"item"`
}

// rssSelf is the channel's atom:link rel="self", as the RSS Advisory
// Board recommends.
type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Creator     string   `xml:"dc:creator"`
	Categories  []string `xml:"category"`
	Description string   `xml:"description"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func rssDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func (h *Handler) rssDoc(f feed) rssDoc {
	ch := rssChannel{
		Title:       htmlText(f.title),
		Link:        f.page,
		Description: htmlText(f.description),
		Self:        rssSelf{Href: h.cfg.BaseURL + f.path + feedRSS.suffix(), Rel: "self", Type: rssType},
		Generator:   "majlis",
	}
	if !f.updated.IsZero() {
		ch.LastBuildDate = rssDate(f.updated)
	}
	for _, it := range f.items {
		ch.Items = append(ch.Items, rssItem{
			Title:       htmlText(it.title),
			Link:        it.link,
			GUID:        rssGUID{IsPermaLink: it.permalink, Value: it.id},
			PubDate:     rssDate(it.published),
			Creator:     it.author.name,
			Categories:  it.tags,
			Description: it.html,
		})
	}
	return rssDoc{Version: "2.0", AtomNS: atomNS, DCNS: dcNS, Channel: ch}
}

// --- Atom (RFC 4287) ---

type atomDoc struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Subtitle  *atomText   `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Author    *atomPerson `xml:"author,omitempty"`
	Links     []atomLink  `xml:"link"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Author     atomPerson     `xml:"author"`
	Link       atomLink       `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Content    atomContent    `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

// atomText is a title or subtitle: plain text as HTML (htmlText), which
// type="html" tells readers, as RSS cannot.
type atomText atomContent

func atomHTMLText(plain string) atomText { return atomText{Type: "html", Value: htmlText(plain)} }

func atomDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (h *Handler) atomDoc(f feed) atomDoc {
	d := atomDoc{
		ID:      f.page,
		Title:   atomHTMLText(f.title),
		Updated: atomDate(f.updated),
		Links: []atomLink{
			{Rel: "self", Type: atomType, Href: h.cfg.BaseURL + f.path + feedAtom.suffix()},
			{Rel: "alternate", Type: "text/html", Href: f.page},
		},
		Generator: "majlis",
	}
	if f.description != "" {
		sub := atomHTMLText(f.description)
		d.Subtitle = &sub
	}
	if f.author != nil {
		d.Author = &atomPerson{Name: f.author.name, URI: f.author.uri}
	}
	for _, it := range f.items {
		e := atomEntry{
			ID:        it.id,
			Title:     atomHTMLText(it.title),
			Published: atomDate(it.published),
			Updated:   atomDate(it.updated),
			Author:    atomPerson{Name: it.author.name, URI: it.author.uri},
			Link:      atomLink{Rel: "alternate", Type: "text/html", Href: it.link},
			Content:   atomContent{Type: "html", Value: it.html},
		}
		for _, t := range it.tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		d.Entries = append(d.Entries, e)
	}
	return d
}
