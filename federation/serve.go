package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"majlis/storage"
)

// Server answers the read side of federation: discovery (WebFinger,
// host-meta, NodeInfo), actors, their collections and posts as JSON.
// What a stranger's server may read is what the web pages show a
// visitor; a post only some may see is served only to a signed request
// from an actor storage lets see it (Verify), and to anyone else it does
// not exist (404, never 403).
type Server struct {
	Conv    *Converter
	DB      *storage.DB
	URIs    URIs
	Version string
	// Verify checks a signed GET and returns the (remote) account that
	// signed it. Nil: every request counts as unsigned.
	Verify func(r *http.Request) (storage.User, error)

	mu      sync.Mutex
	usage   storage.Usage
	usageAt time.Time
}

// Paging of collections: items per page, and how many storage pages the
// outbox reads at most to fill one of its own (see Outbox).
const (
	collectionPage = 20
	outboxReads    = 10
)

// WantsActivityJSON tells whether a request asks for ActivityStreams JSON:
// its Accept names application/activity+json, or application/ld+json
// (with the ActivityStreams profile, or without one, as Mastodon accepts).
func WantsActivityJSON(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f <= 0 {
					continue
				}
			}
			if mt == "application/activity+json" || mt == "application/ld+json" {
				return true
			}
		}
	}
	return false
}

// errGone marks a member who left: their addresses answer 410.
var errGone = fmt.Errorf("account deleted: %w", ErrGone)

// Error answers a request with the status an error means: 410 for what
// is gone, 404 for what is not there (or may not be seen), 400 for a bad
// request, else 500.
func (s *Server) Error(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrGone):
		code = http.StatusGone
	case errors.Is(err, storage.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, storage.ErrInvalid), errors.Is(err, ErrHandle):
		code = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"error": http.StatusText(code)})
	w.Write(b)
}

// writeActivity writes an ActivityStreams document with the consent of
// the content it carries.
func writeActivity(w http.ResponseWriter, body []byte, consent Consent, private bool) {
	h := w.Header()
	h.Set("Content-Type", ContentType+"; charset=utf-8")
	if private {
		// Who may read it depends on who signed the request.
		h.Set("Vary", "Accept, Signature")
		h.Set("Cache-Control", "private, no-store")
	} else {
		h.Set("Vary", "Accept")
	}
	consent.SetHeaders(h)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	b, err := marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(b)
}

// Member finds the local member named name whose pages other servers may
// read: ErrGone for a member who left, storage.ErrNotFound for no one,
// and for an account moderation hides (suspended, or awaiting approval).
func (s *Server) Member(name string) (storage.User, error) {
	u, err := s.DB.LocalUser(name)
	if errors.Is(err, storage.ErrNotFound) {
		if gone, gerr := s.DB.NameDeleted(name); gerr == nil && gone {
			return u, errGone
		}
		return u, err
	}
	if err != nil {
		return u, err
	}
	if st := u.AccountStatus(); st == storage.StatusSuspended || st == storage.StatusPending {
		return storage.User{}, fmt.Errorf("member %q is %s: %w", name, st, storage.ErrNotFound)
	}
	return u, nil
}

// ForMember adapts a handler of a member's document to a route with a
// {username} wildcard.
func (s *Server) ForMember(fn func(w http.ResponseWriter, r *http.Request, u storage.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.Member(r.PathValue("username"))
		if err != nil {
			s.Error(w, err)
			return
		}
		fn(w, r, u)
	}
}

// WebFinger answers /.well-known/webfinger?resource=acct:name@host, or
// the member's actor or profile address, with the member's JRD; the
// instance actor answers to acct:host@host and its own address.
func (s *Server) WebFinger(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	resource := r.URL.Query().Get("resource")
	name, err := s.resourceName(resource)
	if err != nil {
		s.Error(w, err)
		return
	}
	host := s.URIs.Host()
	sub := s.URIs.Base + "/authorize_interaction?uri={uri}"
	var jrd JRD
	if strings.EqualFold(name, host) {
		jrd = JRD{
			Subject: "acct:" + host + "@" + host,
			Aliases: []string{s.URIs.InstanceActor()},
			Links: []Link{
				{Rel: RelSelf, Type: ContentType, Href: s.URIs.InstanceActor()},
				{Rel: RelProfilePage, Type: "text/html", Href: s.URIs.Base + "/about"},
			},
		}
	} else {
		u, err := s.Member(name)
		if errors.Is(err, ErrGone) {
			err = storage.ErrNotFound // WebFinger has no "gone": the actor says it
		}
		if err != nil {
			s.Error(w, err)
			return
		}
		jrd = AccountJRD(u.Username, host, s.URIs.Actor(u.Username), s.URIs.Profile(u.Username), sub)
	}
	writeJSON(w, "application/jrd+json; charset=utf-8", jrd)
}

// resourceName reads a WebFinger resource: the member's name (or the
// host, for the instance actor). A resource of another host is
// ErrNotFound; one that is not an address at all ErrHandle.
func (s *Server) resourceName(resource string) (string, error) {
	if resource == "" {
		return "", fmt.Errorf("no resource: %w", ErrHandle)
	}
	if strings.HasPrefix(resource, "https://") || strings.HasPrefix(resource, "http://") {
		u, err := url.Parse(resource)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("resource %q: %w", resource, ErrHandle)
		}
		if !strings.EqualFold(u.Host, s.URIs.Host()) {
			return "", fmt.Errorf("resource %q: another host: %w", resource, storage.ErrNotFound)
		}
		switch p := u.Path; {
		case p == "/actor":
			return s.URIs.Host(), nil
		case strings.HasPrefix(p, "/users/") && !strings.Contains(p[len("/users/"):], "/"):
			return p[len("/users/"):], nil
		case strings.HasPrefix(p, "/@") && !strings.Contains(p[len("/@"):], "/"):
			return p[len("/@"):], nil
		}
		return "", fmt.Errorf("resource %q: not an account: %w", resource, storage.ErrNotFound)
	}
	if !strings.HasPrefix(resource, "acct:") && strings.Contains(resource, ":") {
		return "", fmt.Errorf("resource %q: unknown scheme: %w", resource, ErrHandle)
	}
	name, host, err := ParseHandle(resource)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(host, s.URIs.Host()) {
		return "", fmt.Errorf("resource %q: another host: %w", resource, storage.ErrNotFound)
	}
	return name, nil
}

// HostMeta answers /.well-known/host-meta: where WebFinger is, for the
// servers that look there first.
func (s *Server) HostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	tmpl := html.EscapeString(s.URIs.Base + "/.well-known/webfinger?resource={uri}")
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"+
		"<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n"+
		"  <Link rel=\"lrdd\" type=\"application/jrd+json\" template=\"%s\"/>\n"+
		"</XRD>\n", tmpl)
}

// NodeInfo schemas served.
const nodeInfoSchema = "http://nodeinfo.diaspora.software/ns/schema/"

// NodeInfoIndex answers /.well-known/nodeinfo with the documents below.
func (s *Server) NodeInfoIndex(w http.ResponseWriter, r *http.Request) {
	type link struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	}
	writeJSON(w, "application/json; charset=utf-8", map[string][]link{"links": {
		{Rel: nodeInfoSchema + "2.0", Href: s.URIs.Base + "/nodeinfo/2.0"},
		{Rel: nodeInfoSchema + "2.1", Href: s.URIs.Base + "/nodeinfo/2.1"},
	}})
}

// usageEvery is how long NodeInfo's counts are kept: crawlers poll it,
// and counting reads every account.
const usageEvery = 10 * time.Minute

func (s *Server) usageNow() (storage.Usage, error) {
	now := s.Conv.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.usageAt.IsZero() && now.Sub(s.usageAt) < usageEvery && now.After(s.usageAt) {
		return s.usage, nil
	}
	u, err := s.DB.Usage(now)
	if err != nil {
		return u, err
	}
	s.usage, s.usageAt = u, now
	return u, nil
}

// NodeInfo answers /nodeinfo/2.0 and /nodeinfo/2.1 (the version is the
// path's last segment). Registrations count as open when anyone may ask
// to join (open, or with approval), as Mastodon counts them.
func (s *Server) NodeInfo(w http.ResponseWriter, r *http.Request) {
	version := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if version != "2.0" && version != "2.1" {
		s.Error(w, storage.ErrNotFound)
		return
	}
	use, err := s.usageNow()
	if err != nil {
		s.Error(w, err)
		return
	}
	set := s.Conv.settings()
	type users struct {
		Total          int `json:"total"`
		ActiveMonth    int `json:"activeMonth"`
		ActiveHalfyear int `json:"activeHalfyear"`
	}
	type usage struct {
		Users      users `json:"users"`
		LocalPosts int   `json:"localPosts"`
	}
	type software struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	type services struct {
		Inbound  []string `json:"inbound"`
		Outbound []string `json:"outbound"`
	}
	doc := struct {
		Version           string         `json:"version"`
		Software          software       `json:"software"`
		Protocols         []string       `json:"protocols"`
		Services          services       `json:"services"`
		OpenRegistrations bool           `json:"openRegistrations"`
		Usage             usage          `json:"usage"`
		Metadata          map[string]any `json:"metadata"`
	}{
		Version:           version,
		Software:          software{Name: "majlis", Version: s.Version},
		Protocols:         []string{"activitypub"},
		Services:          services{Inbound: []string{}, Outbound: []string{}},
		OpenRegistrations: set.Registrations == storage.RegistrationOpen || set.Registrations == storage.RegistrationApproval,
		Usage:             usage{Users: users{Total: use.Users, ActiveMonth: use.ActiveMonth, ActiveHalfyear: use.ActiveHalfyear}, LocalPosts: use.LocalPosts},
		Metadata:          map[string]any{"nodeName": set.Name, "nodeDescription": set.Tagline},
	}
	if doc.Software.Version == "" {
		doc.Software.Version = "unknown"
	}
	writeJSON(w, `application/json; profile="`+nodeInfoSchema+version+`#"; charset=utf-8`, doc)
}

// Actor serves a member's actor document.
func (s *Server) Actor(w http.ResponseWriter, r *http.Request, u storage.User) {
	body, err := s.Conv.Actor(u)
	if err != nil {
		s.Error(w, err)
		return
	}
	writeActivity(w, body, s.Conv.ConsentFor(u), false)
}

// InstanceActor serves the instance's actor (/actor).
func (s *Server) InstanceActor(w http.ResponseWriter, r *http.Request) {
	body, err := s.Conv.InstanceActor()
	if err != nil {
		s.Error(w, err)
		return
	}
	writeActivity(w, body, s.Conv.ConsentFor(), false)
}

type collectionJSON struct {
	Context      any    `json:"@context,omitempty"`
	ID           string `json:"id"`
	Type         string `json:"type"`
	TotalItems   *int   `json:"totalItems,omitempty"`
	First        string `json:"first,omitempty"`
	PartOf       string `json:"partOf,omitempty"`
	Next         string `json:"next,omitempty"`
	OrderedItems any    `json:"orderedItems,omitempty"`
}

// pageCursor reads a collection page's ?before= cursor (0: the newest).
func pageCursor(r *http.Request) (storage.ID, error) {
	v := r.URL.Query().Get("before")
	if v == "" {
		return 0, nil
	}
	id, err := storage.ParseID(v)
	if err != nil {
		return 0, fmt.Errorf("cursor %q: %w", v, storage.ErrInvalid)
	}
	return id, nil
}

// isPage tells whether a collection request asks for a page (?page=...)
// rather than the collection's summary.
func isPage(r *http.Request) bool { return r.URL.Query().Has("page") }

// Outbox serves a member's outbox: the Create of each of their public
// posts (replies included), newest first, in pages. Unlisted, private
// posts and reposts stay out: the outbox is what anyone may crawl.
func (s *Server) Outbox(w http.ResponseWriter, r *http.Request, u storage.User) {
	id := s.URIs.Outbox(u.Username)
	consent := s.Conv.ConsentFor(u)
	total := u.VisiblePostsCount(0, false)
	if !isPage(r) {
		s.writeCollection(w, &collectionJSON{ID: id, Type: "OrderedCollection", TotalItems: &total, First: id + "?page=true"}, consent)
		return
	}
	before, err := pageCursor(r)
	if err != nil {
		s.Error(w, err)
		return
	}
	items := []any{}
	var next storage.ID
	// A page of the timeline may hold only what the outbox leaves out;
	// read on (a bounded number of pages) so that a page is not empty
	// while older public posts remain. The cursor given out is always an
	// entry a visitor sees on the profile, never a hidden post's place.
	cursor := before
	for range outboxReads {
		t, err := s.DB.AuthorTimeline(0, u.ID, true, storage.Page{Before: cursor, Limit: collectionPage})
		if err != nil {
			s.Error(w, err)
			return
		}
		for _, e := range t.Entries {
			next = e.Cursor()
			if e.RepostedBy != nil || e.Post.Visibility != storage.Public || !e.Post.Local || e.Post.AuthorID != u.ID {
				continue
			}
			n, err := s.Conv.note(e.Post)
			if err != nil {
				s.Error(w, err)
				return
			}
			items = append(items, &activityJSON{ID: e.Post.URI + "#create", Type: storage.ActivityCreate, Actor: n.AttributedTo,
				Published: n.Published, To: n.To, CC: n.CC, Object: n})
		}
		if t.Next == 0 {
			next = 0
			break
		}
		cursor = t.Next
		if len(items) > 0 {
			break
		}
	}
	page := &collectionJSON{ID: pageURL(id, before), Type: "OrderedCollectionPage", PartOf: id, OrderedItems: items}
	if next != 0 {
		page.Next = pageURL(id, next)
	}
	s.writeCollection(w, page, consent)
}

func pageURL(collection string, before storage.ID) string {
	if before == 0 {
		return collection + "?page=true"
	}
	return collection + "?page=true&before=" + before.String()
}

func (s *Server) writeCollection(w http.ResponseWriter, c *collectionJSON, consent Consent) {
	c.Context = asContext
	body, err := marshal(c)
	if err != nil {
		s.Error(w, err)
		return
	}
	writeActivity(w, body, consent, false)
}

// Followers and Following serve a member's lists as the web pages show
// them to a visitor: the count, and pages of actor ids, newest first. A
// page carries the consent of every account it lists, as the web page
// does.
func (s *Server) Followers(w http.ResponseWriter, r *http.Request, u storage.User) {
	s.relations(w, r, u, s.URIs.Followers(u.Username), u.FollowersCount, s.DB.Followers)
}

func (s *Server) Following(w http.ResponseWriter, r *http.Request, u storage.User) {
	s.relations(w, r, u, s.URIs.Following(u.Username), u.FollowingCount, s.DB.Following)
}

func (s *Server) relations(w http.ResponseWriter, r *http.Request, u storage.User, id string, total int, list func(storage.ID, storage.Page) (storage.UserList, error)) {
	allows := s.Conv.settings().AITrainingAllowed
	consent := ConsentOf(allows, u)
	if !isPage(r) {
		s.writeCollection(w, &collectionJSON{ID: id, Type: "OrderedCollection", TotalItems: &total, First: id + "?page=true"}, consent)
		return
	}
	before, err := pageCursor(r)
	if err != nil {
		s.Error(w, err)
		return
	}
	l, err := list(u.ID, storage.Page{Before: before, Limit: collectionPage * 2})
	if err != nil {
		s.Error(w, err)
		return
	}
	items := make([]string, 0, len(l.Users))
	for _, m := range l.Users {
		items = append(items, s.Conv.accountURI(m))
	}
	consent = consent.And(ConsentOf(allows, l.Users...))
	page := &collectionJSON{ID: pageURL(id, before), Type: "OrderedCollectionPage", PartOf: id, TotalItems: &total, OrderedItems: items}
	if l.Next != 0 {
		page.Next = pageURL(id, l.Next)
	}
	s.writeCollection(w, page, consent)
}

// Featured serves a member's pinned posts that anyone may read (public
// and unlisted) as Notes.
func (s *Server) Featured(w http.ResponseWriter, r *http.Request, u storage.User) {
	pinned, err := s.DB.PinnedPosts(0, u.ID)
	if err != nil {
		s.Error(w, err)
		return
	}
	items := []any{}
	for _, e := range pinned {
		p := e.Post
		if e.RepostedBy != nil || !p.Local || p.AuthorID != u.ID || !p.Visibility.Repostable() {
			continue
		}
		n, err := s.Conv.note(p)
		if err != nil {
			s.Error(w, err)
			return
		}
		items = append(items, n)
	}
	total := len(items)
	s.writeCollection(w, &collectionJSON{ID: s.URIs.Featured(u.Username), Type: "OrderedCollection", TotalItems: &total, OrderedItems: items}, s.Conv.ConsentFor(u))
}

// PostAt serves the post id of the member named username (the permalink
// /@username/id): see Object. A post of a member who left is gone (410).
func (s *Server) PostAt(w http.ResponseWriter, r *http.Request, username string, id storage.ID) {
	p, err := s.DB.PostByID(id)
	if err == nil {
		var author storage.User
		author, err = s.Member(username)
		if err == nil && (author.ID != p.AuthorID || !p.Local) {
			err = fmt.Errorf("post %d is not by %q: %w", id, username, storage.ErrNotFound)
		}
	} else if errors.Is(err, storage.ErrNotFound) {
		if gone, gerr := s.DB.NameDeleted(username); gerr == nil && gone {
			err = errGone
		}
	}
	if err != nil {
		s.Error(w, err)
		return
	}
	s.Object(w, r, p)
}

// Object serves a local post: a Note, or for a repost its Announce.
// Public and unlisted posts are for anyone; followers-only and direct
// posts only for a signed request (Verify) from an account that storage
// lets see them (storage.DB.Post decides, as for the web pages); to
// everyone else they do not exist.
func (s *Server) Object(w http.ResponseWriter, r *http.Request, p storage.Post) {
	if !p.Local {
		s.Error(w, storage.ErrNotFound)
		return
	}
	var viewer storage.ID
	private := !p.Visibility.Repostable()
	if private {
		if s.Verify == nil {
			s.Error(w, storage.ErrNotFound)
			return
		}
		signer, err := s.Verify(r)
		if err != nil || signer.ID == 0 {
			s.Error(w, storage.ErrNotFound)
			return
		}
		if signer.Domain != "" {
			if pol, err := s.DB.PolicyFor(signer.Domain); err != nil || pol.Refused {
				s.Error(w, storage.ErrNotFound)
				return
			}
		}
		viewer = signer.ID
	}
	e, err := s.DB.Post(viewer, p.ID)
	if err != nil {
		s.Error(w, err)
		return
	}
	author, err := s.DB.UserByID(p.AuthorID)
	if err != nil {
		s.Error(w, err)
		return
	}
	consent := s.Conv.ConsentFor(author)
	var body []byte
	if p.IsRepost() {
		a, err := s.Conv.render(storage.Activity{Type: storage.ActivityAnnounce, ActorID: p.AuthorID, PostID: p.RepostOf, CreatedAt: p.CreatedAt})
		if err != nil {
			s.Error(w, err)
			return
		}
		a.Context = s.Conv.ldContext()
		body, err = marshal(a)
		if err != nil {
			s.Error(w, err)
			return
		}
		consent = consent.And(s.Conv.ConsentFor(e.Author))
	} else if body, err = s.Conv.Note(e.Post); err != nil {
		s.Error(w, err)
		return
	}
	writeActivity(w, body, consent, private)
}
