package handlers_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/html"

	"majlis/handlers"
	"majlis/markup"
	"majlis/storage"
)

// testBaseURL is the public address the test instances believe they have.
const testBaseURL = "http://majlis.test"

// testServer is a majlis instance on a real bbolt file in a temporary
// directory, served over HTTP on a loopback port.
type testServer struct {
	*httptest.Server
	db *storage.DB
	h  *handlers.Handler
}

// serverOptions tune newTestServerWith.
type serverOptions struct {
	// config changes the handler configuration before New.
	config func(*handlers.Config)
	// storage changes the storage options before Open.
	storage func(*storage.Options)
}

// newTestServer starts an instance with the default test configuration.
func newTestServer(t testing.TB) *testServer {
	t.Helper()
	return newTestServerWith(t, serverOptions{})
}

// testConfig is the handler configuration every test starts from.
func testConfig() handlers.Config {
	return handlers.Config{
		BaseURL:      testBaseURL,
		PasswordCost: bcrypt.MinCost,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// newTestDB opens a fresh database file that is closed when the test ends.
func newTestDB(t testing.TB, opts storage.Options) *storage.DB {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), opts)
	if err != nil {
		t.Fatalf("storage.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("db.Close: %v", err)
		}
	})
	return db
}

func newTestServerWith(t testing.TB, o serverOptions) *testServer {
	t.Helper()
	var sopts storage.Options
	if o.storage != nil {
		o.storage(&sopts)
	}
	db := newTestDB(t, sopts)
	cfg := testConfig()
	if o.config != nil {
		o.config(&cfg)
	}
	h, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	srv := httptest.NewServer(h)
	// Registered after the database's Cleanup, so it runs first: requests
	// end before the file closes.
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, db: db, h: h}
}

// fakeClock is a settable clock for Config.Now and storage.Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// client is one browser: it keeps cookies and does not follow redirects, so
// tests see the 303 and its Location.
type client struct {
	t   testing.TB
	srv *testServer
	hc  *http.Client
	// header is sent with every request (e.g. X-Forwarded-For).
	header http.Header
	// username is the account this client registered or logged in as.
	username string
}

func (s *testServer) newClient(t testing.TB) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{
		t:   t,
		srv: s,
		hc: &http.Client{
			Jar:           jar,
			Timeout:       20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		header: http.Header{},
	}
}

// response is an HTTP response with its body read.
type response struct {
	*http.Response
	body string
	doc  *html.Node
}

// Doc parses the body as HTML (a full page or a fragment).
func (r *response) Doc() *html.Node {
	if r.doc == nil {
		doc, err := html.Parse(strings.NewReader(r.body))
		if err != nil {
			panic(fmt.Sprintf("parse HTML: %v", err))
		}
		r.doc = doc
	}
	return r.doc
}

// isFragment tells whether the body is a fragment, not a whole document.
func (r *response) isFragment() bool {
	low := strings.ToLower(r.body)
	return !strings.Contains(low, "<html") && !strings.Contains(low, "<!doctype")
}

// do sends a request; hdr is added to the client's own headers.
func (c *client) do(method, path string, body io.Reader, hdr http.Header) *response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range hdr {
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{Response: resp, body: string(b)}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, nil)
}

// getHX is a GET as htmx sends it.
func (c *client) getHX(path string) *response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, htmxHeader())
}

// postForm posts a urlencoded form; hdr may be nil.
func (c *client) postForm(path string, form url.Values, hdr http.Header) *response {
	c.t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, vs := range hdr {
		h[k] = vs
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

func htmxHeader() http.Header { return http.Header{"Hx-Request": {"true"}} }

// cookie returns the client's cookie called name, or nil.
func (c *client) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// setCookie puts a cookie into the client's jar, as a replayed cookie.
func (c *client) setCookie(ck *http.Cookie) {
	u, _ := url.Parse(c.srv.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
}

const sessionCookie = "majlis_session"

// register creates an account through the sign-up form; the client is then
// signed in as it.
func (c *client) register(name, password string) {
	c.t.Helper()
	c.registerWith(url.Values{"username": {name}, "password": {password}})
}

func (c *client) registerWith(form url.Values) {
	c.t.Helper()
	resp := c.postForm("/register", form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("register %q: got status %d, want 303; body:\n%s", form.Get("username"), resp.StatusCode, resp.body)
	}
	c.username = form.Get("username")
}

// login signs in through the login form.
func (c *client) login(name, password string) {
	c.t.Helper()
	resp := c.postForm("/login", url.Values{"username": {name}, "password": {password}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %q: got status %d, want 303", name, resp.StatusCode)
	}
	c.username = name
}

// post publishes through the compose form and returns the new post's
// permalink ("/@name/ID"), read from the author's profile.
func (c *client) post(body string) string {
	c.t.Helper()
	resp := c.postForm("/posts", url.Values{"body": {body}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("post %q: got status %d, want 303; body:\n%s", body, resp.StatusCode, resp.body)
	}
	prof := c.get("/@" + c.username)
	posts := byTestID(prof.Doc(), "post")
	if len(posts) == 0 {
		c.t.Fatalf("post %q: no post on /@%s after publishing", body, c.username)
	}
	return permalinkOf(posts[0])
}

// newUser makes an account directly in storage (for speed, and to pass the
// registration rate limit).
func newUser(t testing.TB, db *storage.DB, name string) storage.User {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("password-"+name), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u := storage.User{Username: name, URI: testBaseURL + "/users/" + name, PasswordHash: string(hash)}
	if err := db.CreateUser(&u); err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// newPost stores a post directly, rendered as the handlers would.
func newPost(t testing.TB, db *storage.DB, author storage.User, source string) storage.Post {
	t.Helper()
	rendered, err := markup.Render(source)
	if err != nil {
		t.Fatal(err)
	}
	id := db.NewID()
	p := storage.Post{
		ID:         id,
		AuthorID:   author.ID,
		URI:        testBaseURL + "/@" + author.Username + "/" + id.String(),
		Source:     source,
		HTML:       rendered,
		Visibility: storage.Public,
		Local:      true,
	}
	if err := db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	return p
}

// postCount is the number of posts an account has, from storage.
func postCount(t testing.TB, db *storage.DB, name string) int {
	t.Helper()
	u, err := db.LocalUser(name)
	if err != nil {
		t.Fatalf("LocalUser(%q): %v", name, err)
	}
	tl, err := db.AuthorTimeline(0, u.ID, false, storage.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Entries) != u.PostsCount {
		t.Errorf("%s: got %d posts in the index, but PostsCount %d", name, len(tl.Entries), u.PostsCount)
	}
	return len(tl.Entries)
}

// --- HTML helpers ---

// findAll returns the element nodes under n for which match is true, in
// document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// byTestID returns the elements with data-testid="id".
func byTestID(n *html.Node, id string) []*html.Node {
	return findAll(n, func(n *html.Node) bool { return attr(n, "data-testid") == id })
}

// oneByTestID returns the only element with data-testid="id", failing the
// test when there is not exactly one.
func oneByTestID(t testing.TB, n *html.Node, id string) *html.Node {
	t.Helper()
	nodes := byTestID(n, id)
	if len(nodes) != 1 {
		t.Fatalf("got %d elements with data-testid=%q, want 1", len(nodes), id)
	}
	return nodes[0]
}

// byTag returns the elements with that tag name.
func byTag(n *html.Node, tag string) []*html.Node {
	return findAll(n, func(n *html.Node) bool { return n.Data == tag })
}

// attr returns an attribute's value, "" when absent.
func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// text is the text content of n, with runs of white space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// innerHTML renders the children of n.
func innerHTML(n *html.Node) string {
	var b bytes.Buffer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		html.Render(&b, c)
	}
	return b.String()
}

// postIDs returns the IDs of the posts (data-testid="post") of a page, in
// order, from their id="post-ID" attribute.
func postIDs(n *html.Node) []string {
	var ids []string
	for _, p := range byTestID(n, "post") {
		ids = append(ids, strings.TrimPrefix(attr(p, "id"), "post-"))
	}
	return ids
}

// permalinkOf is the permalink of a post card.
func permalinkOf(post *html.Node) string {
	links := findAll(post, func(n *html.Node) bool { return n.Data == "a" && strings.Contains(attr(n, "class"), "permalink") })
	if len(links) != 1 {
		return ""
	}
	return attr(links[0], "href")
}

// flashText is the flash message of a page, "" when there is none.
func flashText(n *html.Node) string {
	var parts []string
	for _, f := range byTestID(n, "flash") {
		parts = append(parts, text(f))
	}
	return strings.Join(parts, " | ")
}

// checkReadablePage checks that an error or refusal is a page a person can
// read: the status, an HTML content type, and a heading.
func checkReadablePage(t testing.TB, resp *response, wantStatus int) {
	t.Helper()
	if resp.StatusCode != wantStatus {
		t.Errorf("got status %d, want %d", resp.StatusCode, wantStatus)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("got Content-Type %q, want text/html", ct)
	}
	h1 := byTag(resp.Doc(), "h1")
	if len(h1) == 0 || text(h1[0]) == "" {
		t.Errorf("got no <h1> with text in the page:\n%s", resp.body)
	}
	if resp.isFragment() {
		t.Errorf("got a fragment, want a whole page")
	}
}

// isSignedIn tells from the page whether it was rendered for a signed-in
// user (the navigation has a log-out button).
func isSignedIn(n *html.Node) bool {
	return len(byTestID(n, "logout")) > 0
}

// Short names for the test files that only need the types.
type (
	htmlNode       = html.Node
	storageOptions = storage.Options
)

// hasClass tells whether n has the CSS class c.
func hasClass(n *html.Node, c string) bool {
	for _, f := range strings.Fields(attr(n, "class")) {
		if f == c {
			return true
		}
	}
	return false
}

// oneByTag returns the only element with that tag name.
func oneByTag(t testing.TB, n *html.Node, tag string) *html.Node {
	t.Helper()
	nodes := byTag(n, tag)
	if len(nodes) != 1 {
		t.Fatalf("got %d <%s> elements, want 1", len(nodes), tag)
	}
	return nodes[0]
}
