package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/storage"
)

// fakeFederation stands for the resolver: it knows a few addresses and
// answers the others with the error set for them (or not found).
type fakeFederation struct {
	db *storage.DB

	mu       sync.Mutex
	accounts map[string]storage.User // query => account (stored on lookup)
	posts    map[string]storage.Post // URI => post (already stored)
	errs     map[string]error        // query => error
	// subscribe is what SubscribeURL answers; subscribed records its
	// arguments.
	subscribe  string
	subscribed [][2]string
	lookups    []string
}

func newFakeFederation(db *storage.DB) *fakeFederation {
	return &fakeFederation{db: db, accounts: map[string]storage.User{}, posts: map[string]storage.Post{}, errs: map[string]error{}}
}

func (f *fakeFederation) Lookup(ctx context.Context, q string) (storage.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, q)
	if err := f.errs[q]; err != nil {
		return storage.User{}, err
	}
	u, ok := f.accounts[strings.TrimPrefix(q, "@")]
	if !ok {
		return storage.User{}, fmt.Errorf("lookup %q: %w", q, storage.ErrNotFound)
	}
	if err := f.db.PutRemoteUser(&u); err != nil {
		return u, err
	}
	return u, nil
}

func (f *fakeFederation) LookupPost(ctx context.Context, uri string) (storage.Post, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.posts[uri]; ok {
		return p, nil
	}
	return storage.Post{}, fmt.Errorf("lookup post %q: %w", uri, storage.ErrNotFound)
}

func (f *fakeFederation) SubscribeURL(ctx context.Context, handle, uri string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subscribed = append(f.subscribed, [2]string{handle, uri})
	if err := f.errs[handle]; err != nil {
		return "", err
	}
	return strings.ReplaceAll(f.subscribe, "{uri}", url.QueryEscape(uri)), nil
}

// fakeQueue stands for the delivery queue.
type fakeQueue struct {
	mu      sync.Mutex
	hosts   []handlers.HostRow
	retried []string
}

func (q *fakeQueue) Stats() (int, int, int, error) { return 7, 1, 1, nil }

func (q *fakeQueue) Hosts(after string, limit int) ([]handlers.HostRow, error) {
	var out []handlers.HostRow
	for _, h := range q.hosts {
		if h.Domain > after && len(out) < limit {
			out = append(out, h)
		}
	}
	return out, nil
}

func (q *fakeQueue) RetryNow(host string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, h := range q.hosts {
		if h.Domain == host {
			q.retried = append(q.retried, host)
			return nil
		}
	}
	return fmt.Errorf("host %q: %w", host, storage.ErrNotFound)
}

// fedWorld is an instance that federates (through the fakes), with amal
// (the admin) and a remote account bob@social.example and his post.
type fedWorld struct {
	srv     *testServer
	fed     *fakeFederation
	queue   *fakeQueue
	amal    *client
	bob     storage.User
	bobPost storage.Post
}

func newFedWorld(t *testing.T) *fedWorld {
	t.Helper()
	w := &fedWorld{queue: &fakeQueue{}}
	var fed *fakeFederation
	w.srv = newTestServerWith(t, serverOptions{config: func(c *handlers.Config) {
		c.Delivery = w.queue
	}})
	fed = newFakeFederation(w.srv.db)
	w.fed = fed
	// The handler is built already: rebuild it with the federation that
	// needs its database.
	cfg := testConfig()
	cfg.Federation, cfg.Delivery = fed, w.queue
	h, err := handlers.New(w.srv.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.srv.Config.Handler = h
	w.amal = w.srv.signIn(t, "amal")
	w.bob = remoteAccount(t, w.srv.db, "bob", "social.example", "Bob of the Sea")
	w.bobPost = remoteNote(t, w.srv.db, w.bob, "<p>Hello from elsewhere</p>", "")
	return w
}

// remoteAccount stores an account of another server, as the resolver
// would.
func remoteAccount(t testing.TB, db *storage.DB, name, domain, display string) storage.User {
	t.Helper()
	u := storage.User{
		Username: name, Domain: domain, DisplayName: display,
		URI:        "https://" + domain + "/users/" + name,
		ProfileURL: "https://" + domain + "/@" + name,
		Inbox:      "https://" + domain + "/users/" + name + "/inbox",
		BioHTML:    "<p>مرحبا، I write about the sea</p>",
	}
	if err := db.PutRemoteUser(&u); err != nil {
		t.Fatalf("PutRemoteUser: %v", err)
	}
	return u
}

// remoteNote stores a post of a remote account, as the inbox would.
func remoteNote(t testing.TB, db *storage.DB, author storage.User, html, objectType string) storage.Post {
	t.Helper()
	id := db.NewID()
	p := storage.Post{
		ID: id, AuthorID: author.ID, HTML: html, Visibility: storage.Public,
		URI:        "https://" + author.Domain + "/users/" + author.Username + "/statuses/" + id.String(),
		URL:        "https://" + author.Domain + "/@" + author.Username + "/" + id.String(),
		ObjectType: objectType,
	}
	if err := db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost (remote): %v", err)
	}
	return p
}

func (w *fedWorld) bobPostPath() string {
	return "/@bob@social.example/" + w.bobPost.ID.String()
}

var crossSite = http.Header{"Sec-Fetch-Site": {"cross-site"}}

// TestRemoteProfile: a remote account has its page here, with its
// handle, bio, the posts known here with links to the originals, a
// prominent link to its own page, and the buttons for it; other
// spellings of its address move there; nothing on it loads from another
// host.
func TestRemoteProfile(t *testing.T) {
	w := newFedWorld(t)
	visitor := w.srv.newClient(t)

	for _, c := range []struct {
		name string
		cl   *client
	}{{"visitor", visitor}, {"member", w.amal}} {
		t.Run(c.name, func(t *testing.T) {
			resp := c.cl.get("/@bob@social.example")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, want 200:\n%s", resp.StatusCode, resp.body)
			}
			doc := resp.Doc()
			if got := text(oneByTestID(t, doc, "handle")); got != "@bob@social.example" {
				t.Errorf("handle = %q, want @bob@social.example", got)
			}
			if bio := oneByTestID(t, doc, "bio"); attr(bio, "dir") != "auto" || !strings.Contains(text(bio), "مرحبا") {
				t.Errorf("bio: dir=%q text %q", attr(bio, "dir"), text(bio))
			}
			if href := attr(oneByTestID(t, doc, "view-on-host"), "href"); href != "https://social.example/@bob" {
				t.Errorf("view on host links to %q", href)
			}
			posts := byTestID(doc, "post")
			if len(posts) != 1 {
				t.Fatalf("got %d posts, want bob's one", len(posts))
			}
			if got := permalinkOf(posts[0]); got != w.bobPostPath() {
				t.Errorf("permalink = %q, want %q", got, w.bobPostPath())
			}
			if href := attr(oneByTestID(t, posts[0], "original-link"), "href"); href != w.bobPost.URL {
				t.Errorf("original link = %q, want %q", href, w.bobPost.URL)
			}
			if len(byTestID(doc, "remote-follow")) != 0 {
				t.Error("a remote profile offers 'follow from your own server'")
			}
			for _, img := range byTag(doc, "img") {
				if src := attr(img, "src"); strings.Contains(src, "://") {
					t.Errorf("an image loads from %q", src)
				}
			}
			signedIn := c.name == "member"
			for _, id := range []string{"follow", "block", "mute", "report-account", "block-domain"} {
				if got := len(byTestID(doc, id)) == 1; got != signedIn {
					t.Errorf("button %s shown: %v, want %v", id, got, signedIn)
				}
			}
		})
	}

	moves := []struct{ from, to string }{
		{"/users/bob@social.example", "/@bob@social.example"},
		{"/@BOB@Social.Example", "/@bob@social.example"},
		{"/users/bob@social.example/followers", "/@bob@social.example/followers"},
	}
	for _, m := range moves {
		resp := visitor.get(m.from)
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != m.to {
			t.Errorf("GET %s: got %d to %q, want 301 to %s", m.from, resp.StatusCode, resp.Header.Get("Location"), m.to)
		}
	}
	for _, p := range []string{"/@nobody@social.example", "/@bob@other.example", "/@bob@", "/@amal@majlis.test"} {
		if resp := visitor.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, resp.StatusCode)
		}
	}
	if resp := visitor.get("/@bob@social.example/followers"); resp.StatusCode != http.StatusOK {
		t.Errorf("followers of a remote account: got %d", resp.StatusCode)
	}
}

// TestRemotePostActions: a remote post has its permalink here and the
// same actions as a local one (like, repost, bookmark, reply), never the
// author's own (edit, delete, pin); it is reached only at its author's
// address.
func TestRemotePostActions(t *testing.T) {
	w := newFedWorld(t)
	link := w.bobPostPath()

	resp := w.amal.get(link)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("permalink: got %d:\n%s", resp.StatusCode, resp.body)
	}
	doc := resp.Doc()
	for _, a := range []string{"/like", "/repost", "/bookmark"} {
		if len(findAll(doc, func(n *htmlNode) bool { return n.Data == "form" && attr(n, "action") == link+a })) == 0 {
			t.Errorf("no %s form on the remote post", a)
		}
	}
	for _, a := range []string{"/edit", "/delete", "/pin"} {
		if strings.Contains(resp.body, link+a+`"`) {
			t.Errorf("the remote post offers %s", a)
		}
	}
	if got := text(oneByTestID(t, doc, "original-link")); !strings.Contains(got, "social.example") {
		t.Errorf("original link says %q", got)
	}

	for _, a := range []string{"/like", "/repost", "/bookmark"} {
		if r := w.amal.postForm(link+a, nil, nil); r.StatusCode != http.StatusSeeOther {
			t.Errorf("POST %s: got %d:\n%s", a, r.StatusCode, r.body)
		}
	}
	e, err := w.srv.db.Post(0, w.bobPost.ID)
	if err != nil || e.Post.Likes != 1 || e.Post.Reposts != 1 {
		t.Errorf("after like and repost: likes %d, reposts %d (%v)", e.Post.Likes, e.Post.Reposts, err)
	}
	reply := w.amal.reply(link, "Hello back")
	if !strings.HasPrefix(reply, "/@amal/") {
		t.Errorf("reply permalink = %q", reply)
	}
	for _, p := range []string{link + "/edit", link + "/delete"} {
		if r := w.amal.get(p); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 403 or 404", p, r.StatusCode)
		}
	}
	if r := w.amal.postForm(link+"/delete", nil, nil); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
		t.Errorf("POST delete: got %d", r.StatusCode)
	}
	if _, err := w.srv.db.Post(0, w.bobPost.ID); err != nil {
		t.Errorf("the remote post is gone: %v", err)
	}
	for _, p := range []string{"/@amal/" + w.bobPost.ID.String(), "/@bob/" + w.bobPost.ID.String(), "/@bob@other.example/" + w.bobPost.ID.String()} {
		if r := w.amal.get(p); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, r.StatusCode)
		}
	}

	// The home timeline of a follower shows the remote post with its
	// handle.
	if r := w.amal.postForm("/@bob@social.example/follow", nil, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: got %d:\n%s", r.StatusCode, r.body)
	}
	rel, _ := w.srv.db.RelationshipOf(mustLocal(t, w.srv.db, "amal").ID, w.bob.ID)
	if !rel.Following && !rel.Requested {
		t.Error("after the follow form, amal neither follows bob nor asked to")
	}

	// A remote reply shows in notifications with its handle and a link to
	// the original.
	id := w.srv.db.NewID()
	rp := storage.Post{ID: id, AuthorID: w.bob.ID, HTML: "<p>nice reply</p>", Visibility: storage.Public,
		URI: "https://social.example/notes/" + id.String(), URL: "https://social.example/@bob/" + id.String(),
		InReplyTo: mustID(t, reply)}
	if err := w.srv.db.CreatePost(&rp); err != nil {
		t.Fatal(err)
	}
	notes := w.amal.get("/notifications")
	if !strings.Contains(notes.body, "@bob@social.example") || !strings.Contains(notes.body, `href="`+rp.URL+`"`) {
		t.Errorf("the notification of bob's reply lacks his handle or the original link:\n%s", notes.body)
	}

	// A poll or an article says it is shown in part.
	poll := remoteNote(t, w.srv.db, w.bob, "<p>Which sea?</p>", "Question")
	pr := w.amal.get("/@bob@social.example/" + poll.ID.String())
	if got := text(oneByTestID(t, pr.Doc(), "partial-object")); !strings.Contains(got, "poll on social.example") {
		t.Errorf("poll notice = %q", got)
	}
}

func mustLocal(t testing.TB, db *storage.DB, name string) storage.User {
	t.Helper()
	u, err := db.LocalUser(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLookup: the "follow someone elsewhere" box finds an account (or a
// post) and goes to its page here; a failure is the form again with a
// readable message and a status that says what happened; without
// federation there is no such page.
func TestLookup(t *testing.T) {
	w := newFedWorld(t)
	w.fed.accounts["carol@far.example"] = storage.User{Username: "carol", Domain: "far.example", URI: "https://far.example/u/carol"}
	w.fed.posts["https://social.example/notes/1"] = w.bobPost
	w.fed.errs["@bad@blocked.example"] = fmt.Errorf("refused: %w", storage.ErrForbidden)
	w.fed.errs["@slow@slow.example"] = fmt.Errorf("fetch: %w", context.DeadlineExceeded)
	w.fed.errs["@odd@odd.example"] = errors.New("garbage")

	if r := w.amal.get("/people"); r.StatusCode != http.StatusOK || len(byTestID(r.Doc(), "lookup-form")) != 1 {
		t.Fatalf("/people: got %d", r.StatusCode)
	}
	if len(byTestID(w.amal.get("/").Doc(), "nav-people")) != 1 {
		t.Error("the navigation has no People link")
	}
	// location is where a found address leads, or what the error says.
	tests := []struct {
		q        string
		status   int
		location string
	}{
		{"@carol@far.example", http.StatusSeeOther, "/@carol@far.example"},
		{"carol@far.example", http.StatusSeeOther, "/@carol@far.example"},
		{"https://social.example/notes/1", http.StatusSeeOther, w.bobPostPath()},
		{testBaseURL + "/users/amal", http.StatusSeeOther, "/@amal"},
		{"@nobody@far.example", http.StatusNotFound, "No account or post was found"},
		{"@bad@blocked.example", http.StatusForbidden, "does not federate with that server"},
		{"@slow@slow.example", http.StatusGatewayTimeout, "did not answer in time"},
		{"@odd@odd.example", http.StatusBadGateway, "could not be reached"},
		{"hello", http.StatusBadRequest, "Enter an address"},
		{"", http.StatusBadRequest, "Enter an address"},
		{"javascript:alert(1)", http.StatusBadRequest, "Enter an address"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			r := w.amal.postForm("/people/lookup", url.Values{"q": {tt.q}}, nil)
			if r.StatusCode != tt.status {
				t.Fatalf("got %d, want %d:\n%s", r.StatusCode, tt.status, r.body)
			}
			if tt.status == http.StatusSeeOther {
				if got := r.Header.Get("Location"); got != tt.location {
					t.Errorf("Location = %q, want %q", got, tt.location)
				}
				return
			}
			checkReadablePage(t, r, tt.status)
			form := oneByTestID(t, r.Doc(), "lookup-form")
			if msg := text(oneByTestID(t, form, "error-q")); !strings.Contains(msg, tt.location) {
				t.Errorf("the form says %q, want %q", msg, tt.location)
			}
			if got := attr(oneByTestID(t, form, "lookup-q"), "value"); got != tt.q {
				t.Errorf("the form comes back with %q, want %q", got, tt.q)
			}
		})
	}
	if r := w.amal.get("/@carol@far.example"); r.StatusCode != http.StatusOK {
		t.Errorf("the looked-up profile: got %d", r.StatusCode)
	}
	// Under HTMX, a found account is a client redirect.
	if r := w.amal.postForm("/people/lookup", url.Values{"q": {"@carol@far.example"}}, htmxHeader()); r.Header.Get("HX-Redirect") != "/@carol@far.example" {
		t.Errorf("HTMX lookup: HX-Redirect %q", r.Header.Get("HX-Redirect"))
	}

	n := len(w.fed.lookups)
	if r := w.amal.postForm("/people/lookup", url.Values{"q": {"@carol@far.example"}}, crossSite); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site lookup: got %d, want 403", r.StatusCode)
	}
	visitor := w.srv.newClient(t)
	if r := visitor.postForm("/people/lookup", url.Values{"q": {"@carol@far.example"}}, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("visitor lookup: got %d, want 403", r.StatusCode)
	}
	if len(w.fed.lookups) != n {
		t.Error("a refused request still looked up")
	}

	// Without federation: no page, no box, no link.
	plain := newTestServer(t)
	c := plain.signIn(t, "dina")
	if r := c.get("/people"); r.StatusCode != http.StatusNotFound {
		t.Errorf("/people without federation: got %d, want 404", r.StatusCode)
	}
	if r := c.postForm("/people/lookup", url.Values{"q": {"@carol@far.example"}}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("lookup without federation: got %d, want 404", r.StatusCode)
	}
	if len(byTestID(c.get("/").Doc(), "nav-people")) != 0 {
		t.Error("the navigation links to People without federation")
	}
}

// TestRemoteFollow: a visitor on a member's profile gives their handle
// elsewhere and is sent to their server's follow page for the member.
func TestRemoteFollow(t *testing.T) {
	w := newFedWorld(t)
	w.fed.subscribe = "https://home.example/authorize_interaction?uri={uri}"
	w.fed.errs["me@gone.example"] = fmt.Errorf("webfinger: %w", storage.ErrNotFound)
	w.fed.errs["me@evil.example"] = nil
	visitor := w.srv.newClient(t)

	doc := visitor.get("/@amal").Doc()
	form := oneByTestID(t, doc, "remote-follow")
	if attr(form, "action") != "/@amal/remote_follow" || attr(form, "method") != "post" {
		t.Fatalf("form posts to %q with %q", attr(form, "action"), attr(form, "method"))
	}
	if len(byTestID(w.amal.get("/@amal").Doc(), "remote-follow")) != 0 {
		t.Error("a signed-in member is offered 'follow from your own server'")
	}

	r := visitor.postForm("/@amal/remote_follow", url.Values{"handle": {"@me@home.example"}}, nil)
	want := "https://home.example/authorize_interaction?uri=" + url.QueryEscape(testBaseURL+"/users/amal")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != want {
		t.Fatalf("got %d to %q, want 303 to %q", r.StatusCode, r.Header.Get("Location"), want)
	}
	if got := w.fed.subscribed[len(w.fed.subscribed)-1]; got != [2]string{"me@home.example", testBaseURL + "/users/amal"} {
		t.Errorf("SubscribeURL got %v", got)
	}

	bad := []struct {
		handle string
		status int
	}{
		{"me", http.StatusBadRequest},
		{"me@", http.StatusBadRequest},
		{"https://home.example/@me", http.StatusBadRequest},
		{"me@majlis.test", http.StatusBadRequest},
		{"me@gone.example", http.StatusNotFound},
	}
	for _, b := range bad {
		r := visitor.postForm("/@amal/remote_follow", url.Values{"handle": {b.handle}}, nil)
		if r.StatusCode != b.status {
			t.Errorf("handle %q: got %d, want %d", b.handle, r.StatusCode, b.status)
			continue
		}
		checkReadablePage(t, r, b.status)
		if f := byTestID(r.Doc(), "remote-handle"); len(f) != 1 || attr(f[0], "value") != b.handle {
			t.Errorf("handle %q: the form does not come back with it", b.handle)
		}
	}
	// A server whose template is no web address is not followed there.
	w.fed.subscribe = "javascript:alert(1)"
	if r := visitor.postForm("/@amal/remote_follow", url.Values{"handle": {"me@evil.example"}}, nil); r.StatusCode != http.StatusBadGateway {
		t.Errorf("javascript: template: got %d, want 502", r.StatusCode)
	}
	if r := visitor.postForm("/@amal/remote_follow", url.Values{"handle": {"me@home.example"}}, crossSite); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site: got %d, want 403", r.StatusCode)
	}
	if r := visitor.postForm("/@bob@social.example/remote_follow", url.Values{"handle": {"me@home.example"}}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("remote follow of a remote account: got %d, want 404", r.StatusCode)
	}

	plain := newTestServer(t)
	newUser(t, plain.db, "dina")
	pv := plain.newClient(t)
	if len(byTestID(pv.get("/@dina").Doc(), "remote-follow")) != 0 {
		t.Error("the form shows without federation")
	}
	if r := pv.postForm("/@dina/remote_follow", url.Values{"handle": {"me@home.example"}}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("without federation: got %d, want 404", r.StatusCode)
	}
}

// TestAuthorizeInteraction: other servers' "follow on your server" links
// land here: a visitor logs in first and comes back; a member is sent to
// the account's or post's page here.
func TestAuthorizeInteraction(t *testing.T) {
	w := newFedWorld(t)
	w.fed.accounts["carol@far.example"] = storage.User{Username: "carol", Domain: "far.example", URI: "https://far.example/u/carol"}
	w.fed.posts[w.bobPost.URI] = w.bobPost
	amalPost := w.amal.say("mine")

	target := "/authorize_interaction?uri=" + url.QueryEscape("acct:carol@far.example")
	r := w.srv.newClient(t).get(target)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next="+url.QueryEscape(target) {
		t.Errorf("visitor: got %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	tests := []struct {
		uri      string
		status   int
		location string
	}{
		{"acct:carol@far.example", http.StatusSeeOther, "/@carol@far.example"},
		{"@carol@far.example", http.StatusSeeOther, "/@carol@far.example"},
		{w.bobPost.URI, http.StatusSeeOther, w.bobPostPath()},
		{testBaseURL + amalPost, http.StatusSeeOther, amalPost},
		{"acct:nobody@far.example", http.StatusNotFound, ""},
		{"", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		r := w.amal.get("/authorize_interaction?uri=" + url.QueryEscape(tt.uri))
		if r.StatusCode != tt.status || r.Header.Get("Location") != tt.location {
			t.Errorf("uri %q: got %d to %q, want %d to %q", tt.uri, r.StatusCode, r.Header.Get("Location"), tt.status, tt.location)
		}
	}
	plain := newTestServer(t)
	if r := plain.signIn(t, "dina").get(target); r.StatusCode != http.StatusNotFound {
		t.Errorf("without federation: got %d, want 404", r.StatusCode)
	}
}

// TestMemberDomainBlocks: Settings lists a member's blocked domains with
// add and remove, the remote profile has a Block domain button, and the
// blocked domain's posts leave the member's timelines.
func TestMemberDomainBlocks(t *testing.T) {
	w := newFedWorld(t)
	if r := w.amal.postForm("/@bob@social.example/follow", nil, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: %d", r.StatusCode)
	}
	amal := mustLocal(t, w.srv.db, "amal")
	// The follow may wait for bob's server to accept: make it stand, as
	// the inbox would on Accept.
	if rel, _ := w.srv.db.RelationshipOf(amal.ID, w.bob.ID); !rel.Following {
		if err := w.srv.db.AcceptFollowRequest(w.bob.ID, amal.ID); err != nil {
			t.Fatalf("accept: %v", err)
		}
	}
	homeHas := func() bool {
		return strings.Contains(w.amal.get("/").body, "Hello from elsewhere")
	}
	if !homeHas() {
		t.Fatal("before the block, bob's post is not on amal's home")
	}

	page := w.amal.get("/settings/domains")
	if page.StatusCode != http.StatusOK || len(byTestID(page.Doc(), "domains-empty")) != 1 {
		t.Fatalf("settings: got %d", page.StatusCode)
	}
	// The profile's button, back to the profile.
	r := w.amal.postForm("/settings/domains", url.Values{"domain": {"social.example"}, "next": {"/@bob@social.example"}}, nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/@bob@social.example" {
		t.Fatalf("block: got %d to %q:\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	prof := w.amal.get("/@bob@social.example").Doc()
	if len(byTestID(prof, "unblock-domain")) != 1 || len(byTestID(prof, "domain-blocked-notice")) != 1 {
		t.Error("the profile does not say the domain is blocked")
	}
	if homeHas() {
		t.Error("after the block, bob's post is still on amal's home")
	}
	list := w.amal.get("/settings/domains").Doc()
	if got := byTestID(list, "blocked-domain"); len(got) != 1 || !strings.Contains(text(got[0]), "social.example") {
		t.Errorf("settings list: %d rows", len(got))
	}
	r = w.amal.postForm("/settings/domains", url.Values{"domain": {"https://SOCIAL.example/@bob"}}, nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("block again: got %d", r.StatusCode)
	}
	if f := flashText(w.amal.get("/settings/domains").Doc()); !strings.Contains(f, "already") {
		t.Errorf("flash after blocking twice = %q", f)
	}
	for _, bad := range []string{"", "not a domain", "a/b", "..", "majlis.test"} {
		r := w.amal.postForm("/settings/domains", url.Values{"domain": {bad}}, nil)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("block %q: got %d, want 400", bad, r.StatusCode)
		}
	}
	if r := w.amal.postForm("/settings/domains", url.Values{"domain": {"evil.example"}}, crossSite); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site block: got %d, want 403", r.StatusCode)
	}
	if doms, _ := w.srv.db.BlockedDomains(amal.ID); len(doms) != 1 {
		t.Errorf("blocked domains = %v, want only social.example", doms)
	}
	r = w.amal.postForm("/settings/domains/unblock", url.Values{"domain": {"social.example"}}, nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/settings/domains" {
		t.Errorf("unblock: got %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if !homeHas() {
		t.Error("after unblocking, bob's post did not come back")
	}
	if r := w.srv.newClient(t).get("/settings/domains"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("visitor: got %d, want 303 to log in", r.StatusCode)
	}
}

// TestAdminDomains: an admin adds, lists and removes decisions about
// domains and switches allowlist mode; each goes into the moderation
// log; a suspended domain is listed on /about with its public comment;
// moderators see the pages without the forms.
func TestAdminDomains(t *testing.T) {
	w := newFedWorld(t)
	mona := w.srv.signIn(t, "mona")
	if r := w.amal.postForm("/admin/users/mona/role", url.Values{"role": {"moderator"}, "reason": {"x"}}, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("make mona moderator: %d", r.StatusCode)
	}

	r := w.amal.postForm("/admin/domains", url.Values{
		"domain": {"Spam.Example"}, "severity": {"suspend"}, "reject_media": {"1"},
		"public_comment": {"Spam, نشر مزعج"}, "private_comment": {"reports 12 and 13"},
	}, nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/domains" {
		t.Fatalf("add: got %d to %q:\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	pol, _ := w.srv.db.PolicyFor("spam.example")
	if !pol.Refused || !pol.RejectMedia {
		t.Errorf("policy after the block: %+v", pol)
	}
	page := w.amal.get("/admin/domains")
	rows := byTestID(page.Doc(), "domain-row")
	if len(rows) != 1 || !strings.Contains(text(rows[0]), "spam.example") || !strings.Contains(text(rows[0]), "reports 12 and 13") {
		t.Fatalf("rows: %d", len(rows))
	}
	about := w.srv.newClient(t).get("/about").Doc()
	if got := byTestID(about, "suspended-domain"); len(got) != 1 || !strings.Contains(text(got[0]), "spam.example — Spam, نشر مزعج") {
		t.Errorf("about lists %d suspended domains", len(got))
	}
	if strings.Contains(w.srv.newClient(t).get("/about").body, "reports 12") {
		t.Error("the private comment is on the About page")
	}
	log := w.amal.get("/admin/log").Doc()
	if entries := byTestID(log, "log-entry"); len(entries) == 0 || !strings.Contains(text(entries[0]), "decided about the domain spam.example") {
		t.Errorf("newest log entry: %q", text(entries[0]))
	}

	bad := []url.Values{
		{"domain": {""}, "severity": {"suspend"}},
		{"domain": {"a b"}, "severity": {"suspend"}},
		{"domain": {"ok.example"}, "severity": {"obliterate"}},
		{"domain": {"majlis.test"}, "severity": {"suspend"}},
		{"domain": {"ok.example"}, "severity": {"limit"}, "public_comment": {strings.Repeat("x", 1001)}},
	}
	for _, f := range bad {
		if r := w.amal.postForm("/admin/domains", f, nil); r.StatusCode != http.StatusBadRequest {
			t.Errorf("add %v: got %d, want 400", f, r.StatusCode)
		}
	}
	if r := w.amal.postForm("/admin/domains", url.Values{"domain": {"x.example"}, "severity": {"suspend"}}, crossSite); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site add: got %d, want 403", r.StatusCode)
	}
	if blocks, _ := w.srv.db.DomainBlocks(); len(blocks) != 1 {
		t.Errorf("after the refused forms, %d blocks, want 1", len(blocks))
	}

	// Moderators see, without forms; their changes are refused.
	mp := mona.get("/admin/domains")
	if mp.StatusCode != http.StatusOK || len(byTestID(mp.Doc(), "admin-domain-form")) != 0 || len(byTestID(mp.Doc(), "allowlist-on")) != 0 {
		t.Errorf("moderator: got %d, or a form", mp.StatusCode)
	}
	if r := mona.postForm("/admin/domains/delete", url.Values{"domain": {"spam.example"}}, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("moderator removes: got %d, want 403", r.StatusCode)
	}

	// Allowlist mode.
	if r := w.amal.postForm("/admin/domains/allowlist", url.Values{"allowlist": {"on"}}, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("allowlist on: got %d", r.StatusCode)
	}
	if on, _ := w.srv.db.FederationAllowlist(); !on {
		t.Error("allowlist mode is off after switching it on")
	}
	if r := w.amal.postForm("/admin/domains", url.Values{"domain": {"friends.example"}, "severity": {"allow"}}, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("allow: got %d", r.StatusCode)
	}
	doc := w.amal.get("/admin/domains").Doc()
	if allowed := byTestID(oneByTestID(t, doc, "allowed-domains"), "domain-row"); len(allowed) != 1 {
		t.Errorf("allowed list: %d rows", len(allowed))
	}
	if len(byTestID(doc, "allowlist-off")) != 1 {
		t.Error("no button to switch allowlist mode off")
	}
	if r := w.amal.postForm("/admin/domains/allowlist", url.Values{"allowlist": {"maybe"}}, nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("allowlist maybe: got %d, want 400", r.StatusCode)
	}

	// Removing.
	if r := w.amal.postForm("/admin/domains/delete", url.Values{"domain": {"spam.example"}}, nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("remove: got %d", r.StatusCode)
	}
	if r := w.amal.postForm("/admin/domains/delete", url.Values{"domain": {"spam.example"}}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("remove again: got %d, want 404", r.StatusCode)
	}
	if len(byTestID(w.srv.newClient(t).get("/about").Doc(), "suspended-domains")) != 0 {
		t.Error("the About page still lists a suspended domain")
	}
	home := w.amal.get("/admin").Doc()
	for _, id := range []string{"admin-home-federation", "admin-home-domains", "admin-nav-federation"} {
		if len(byTestID(home, id)) != 1 {
			t.Errorf("the admin home has no %s link", id)
		}
	}
}

// TestAdminFederation: the known servers with their account counts, the
// instance's decision about each, delivery's state from the queue, and
// the retry button for a failing host.
func TestAdminFederation(t *testing.T) {
	w := newFedWorld(t)
	remoteAccount(t, w.srv.db, "carol", "social.example", "")
	remoteAccount(t, w.srv.db, "dan", "quiet.example", "")
	now := time.Now()
	w.queue.hosts = []handlers.HostRow{
		{Domain: "down.example", FailDays: 3, LastFailure: now, Pending: 4},
		{Domain: "social.example", LastSuccess: now},
	}
	if r := w.amal.postForm("/admin/domains", url.Values{"domain": {"quiet.example"}, "severity": {"limit"}}, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatal(r.StatusCode)
	}
	doc := w.amal.get("/admin/federation").Doc()
	if got := text(oneByTestID(t, doc, "queue-pending")); got != "7" {
		t.Errorf("pending = %q, want 7", got)
	}
	rows := byTestID(doc, "instance")
	var domains []string
	for _, r := range rows {
		domains = append(domains, text(oneByTestID(t, r, "instance-domain")))
	}
	if strings.Join(domains, " ") != "down.example quiet.example social.example" {
		t.Fatalf("instances = %v", domains)
	}
	if !strings.Contains(text(rows[2]), "2") || !strings.Contains(text(rows[1]), "Limited") {
		t.Errorf("rows: %q / %q", text(rows[1]), text(rows[2]))
	}
	if len(byTestID(rows[0], "instance-failing")) != 1 || len(byTestID(rows[0], "retry-down.example")) != 1 {
		t.Error("the failing host has no badge or retry button")
	}
	if r := w.amal.postForm("/admin/federation/retry", url.Values{"host": {"down.example"}}, nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("retry: got %d", r.StatusCode)
	}
	if len(w.queue.retried) != 1 || w.queue.retried[0] != "down.example" {
		t.Errorf("retried = %v", w.queue.retried)
	}
	if r := w.amal.postForm("/admin/federation/retry", url.Values{"host": {"unknown.example"}}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("retry an unknown host: got %d, want 404", r.StatusCode)
	}

	// Without a queue: the known servers, and a note.
	plain := newTestServer(t)
	admin := plain.signIn(t, "root")
	remoteAccount(t, plain.db, "eve", "far.example", "")
	d := admin.get("/admin/federation").Doc()
	if len(byTestID(d, "queue-off")) != 1 || len(byTestID(d, "instance")) != 1 {
		t.Error("without a queue, the page does not say so or lacks the known server")
	}
	if r := admin.postForm("/admin/federation/retry", url.Values{"host": {"far.example"}}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("retry without a queue: got %d, want 404", r.StatusCode)
	}
}

// mustID is the post ID at the end of a permalink.
func mustID(t testing.TB, link string) storage.ID {
	t.Helper()
	id, err := storage.ParseID(link[strings.LastIndexByte(link, '/')+1:])
	if err != nil {
		t.Fatal(err)
	}
	return id
}
