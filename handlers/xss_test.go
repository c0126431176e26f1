package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"majlis/handlers"
	"majlis/markup"
	"majlis/static"
	"majlis/storage"
)

// This file sends every attack of testdata/xss/corpus.txt through the real
// forms of a real server (httptest, bbolt file) in every field where people
// type text that majlis shows again, and checks every page that shows it.

// ---------------------------------------------------------------------------
// The corpus

// xssEntry is one attack input of the corpus.
type xssEntry struct {
	family, desc string
	payload      string
	line         int // of the "# family: ..." header, for messages
}

func (e xssEntry) name() string { return e.family + ": " + e.desc }

// xssFamilies are the kinds of attack the corpus must cover.
var xssFamilies = []string{
	"script-style", "event-handler", "url-scheme", "encoding", "whitespace-case",
	"svg-mathml", "unclosed-nested", "markdown-link", "autolink", "attribute-breaking",
	"mutation", "unicode-direction", "zero-width", "template-injection", "other",
}

var (
	xssHeader      = regexp.MustCompile(`^# ([a-z-]+): (\S.*)$`)
	xssCodePoint   = regexp.MustCompile(`\\u\{([0-9A-Fa-f]{1,6})\}`)
	minCorpusItems = 150
)

// loadXSSCorpus reads testdata/xss/corpus.txt: entries separated by lines
// holding only "%%", each starting with "# family: description", with
// \u{HEX} standing for a code point (see the file's first block).
func loadXSSCorpus(t testing.TB) []xssEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "xss", "corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSuffix(string(b), "\n")
	known := map[string]bool{}
	for _, f := range xssFamilies {
		known[f] = true
	}
	var (
		entries []xssEntry
		seen    = map[string]int{}
		count   = map[string]int{}
		line    = 1
	)
	for i, block := range strings.Split(text, "\n%%\n") {
		start := line
		line += strings.Count(block, "\n") + 2
		header, payload, _ := strings.Cut(block, "\n")
		if i == 0 && strings.HasPrefix(header, "##") {
			continue // documentation
		}
		m := xssHeader.FindStringSubmatch(header)
		if m == nil {
			t.Fatalf("corpus.txt:%d: got header %q, want \"# family: description\"", start, header)
		}
		if !known[m[1]] {
			t.Fatalf("corpus.txt:%d: unknown family %q", start, m[1])
		}
		var bad string
		payload = xssCodePoint.ReplaceAllStringFunc(payload, func(s string) string {
			n, _ := strconv.ParseUint(xssCodePoint.FindStringSubmatch(s)[1], 16, 32)
			r := rune(n)
			if !utf8.ValidRune(r) {
				bad = s
			}
			return string(r)
		})
		if bad != "" {
			t.Fatalf("corpus.txt:%d: %s is not a Unicode scalar value", start, bad)
		}
		if payload == "" {
			t.Fatalf("corpus.txt:%d: empty payload", start)
		}
		e := xssEntry{family: m[1], desc: m[2], payload: payload, line: start}
		if prev, dup := seen[e.name()]; dup {
			t.Fatalf("corpus.txt:%d: %q is already the name of the entry at line %d", start, e.name(), prev)
		}
		seen[e.name()] = start
		count[e.family]++
		entries = append(entries, e)
	}
	if len(entries) < minCorpusItems {
		t.Errorf("got %d corpus entries, want at least %d", len(entries), minCorpusItems)
	}
	for _, f := range xssFamilies {
		if count[f] == 0 {
			t.Errorf("corpus has no entry of family %q", f)
		}
	}
	return entries
}

// ---------------------------------------------------------------------------
// The fields

// xssField is one place where people type text that majlis shows again.
//
// To cover a new field (bio, content warning, alt text, ...), add ONE row to
// xssFields: its name, how a payload goes in through the real form (submit,
// which also checks the immediate answer: status, the re-shown form) and
// which pages show the accepted text (shownOn). Every response submit
// returns and every page of shownOn is then checked by checkPageSafe.
type xssField struct {
	name string
	// submit sends payload through the real form. It returns the
	// responses that show the payload (re-shown forms, HTMX fragments) and,
	// when the text was accepted and is now shown on pages, what is shown
	// where (nil otherwise).
	submit func(t *testing.T, x *xssCase, payload string) ([]xssAnswer, *xssSubmitted)
	// shownOn are the pages that show accepted text.
	shownOn []xssPage
}

var xssFields = []xssField{
	{
		name:   "post body",
		submit: submitPostBody,
		shownOn: []xssPage{
			{path: "{post}", twice: true},
			{path: "{post}", as: "viewer"},
			{path: "/", as: "viewer"},
			{path: "/", as: "viewer", htmx: true},
			// The other cases post concurrently: the cursor makes this post
			// the first of the local timeline.
			{path: "/local?before={after}"},
			{path: "/local?before={after}", htmx: true},
			{path: "/@{user}"},
			{path: "/@{user}", htmx: true},
			{path: "{post}/delete", as: "viewer"},
		},
	},
	{
		name:   "display name",
		submit: submitDisplayName,
		shownOn: []xssPage{
			{path: "/@{user}"},
			{path: "/@{user}", as: "viewer"},
			{path: "{post}"},
			{path: "/", as: "viewer"},
			{path: "/local?before={after}"},
			{path: "/@{target}/followers"},
			{path: "/@{target}/followers", htmx: true},
			{path: "/@{user}/following"},
		},
	},
	{name: "login username", submit: submitLoginUsername},
	{name: "login next", submit: submitNext},
	{name: "page cursor", submit: submitCursor},
	// Later: {name: "bio", submit: submitBio, shownOn: []xssPage{{path: "/@{user}"}}}, ...
}

// xssAnswer is a response that shows the payload, or answers it.
type xssAnswer struct {
	what string
	resp *response
}

// xssSubmitted is accepted text and where it is now shown.
type xssSubmitted struct {
	// vars fill the {name} placeholders of the pages' paths.
	vars map[string]string
	// viewer is the signed-in author, for pages with as: "viewer".
	viewer *client
	// html, when set, is the stored rendered post that every page must
	// contain verbatim.
	html string
	// name, when set, is a display name every page must show as the text
	// of a <bdi>.
	name string
}

// xssPage is a page that shows accepted text.
type xssPage struct {
	// path may hold {placeholders} from xssSubmitted.vars.
	path string
	// as is "" for a visitor, "viewer" for the author.
	as   string
	htmx bool
	// twice fetches the page again and wants identical post bodies.
	twice bool
}

func (p xssPage) expand(vars map[string]string) string {
	s := p.path
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// ---------------------------------------------------------------------------
// The test

// xssEnv is one server for the whole corpus.
type xssEnv struct {
	srv *testServer
	// clients counts the clients made, to give each its own address (the
	// server trusts X-Forwarded-For), so rate limits never interfere.
	clients atomic.Int64
}

// xssCase is one corpus entry on its way through the fields.
type xssCase struct {
	env   *xssEnv
	i     int
	entry xssEntry
	// authorC is a plain account (username a<i>) made on first use.
	authorC *client
}

const xssPassword = "correct horse battery"

func (env *xssEnv) newClient(t testing.TB) *client {
	n := env.clients.Add(1)
	c := env.srv.newClient(t)
	c.header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
	return c
}

func (x *xssCase) authorName() string { return fmt.Sprintf("a%d", x.i) }

// author returns a client signed in as the case's plain account.
func (x *xssCase) author(t *testing.T) *client {
	t.Helper()
	if x.authorC == nil {
		c := x.env.newClient(t)
		c.register(x.authorName(), xssPassword)
		x.authorC = c
	}
	x.authorC.t = t
	return x.authorC
}

func TestXSSCorpus(t *testing.T) {
	entries := loadXSSCorpus(t)
	env := &xssEnv{srv: newTestServerWith(t, serverOptions{
		config: func(c *handlers.Config) { c.TrustProxy = true },
		// The corpus makes thousands of small writes; a test does not need
		// them on disk.
		storage: func(o *storage.Options) { o.NoSync = true },
	})}
	// Cases run on xssWorkers goroutines (t.Run may be called from several
	// at once): storage batches post writes with a delay, which concurrent
	// cases share.
	next := make(chan int)
	var wg sync.WaitGroup
	for range xssWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				runXSSCase(t, env, i, entries[i])
			}
		}()
	}
	for i := range entries {
		next <- i
	}
	close(next)
	wg.Wait()
}

const xssWorkers = 8

// runXSSCase sends one corpus entry through every field.
func runXSSCase(t *testing.T, env *xssEnv, i int, e xssEntry) {
	t.Run(e.name(), func(t *testing.T) {
		x := &xssCase{env: env, i: i, entry: e}
		for _, f := range xssFields {
			t.Run(f.name, func(t *testing.T) {
				answers, sub := f.submit(t, x, e.payload)
				for _, a := range answers {
					checkPageSafe(t, a.what, a.resp)
				}
				if sub == nil {
					return
				}
				visitor := env.newClient(t)
				for _, p := range f.shownOn {
					c := visitor
					if p.as == "viewer" {
						c = sub.viewer
						c.t = t
					}
					checkShown(t, c, p, sub)
				}
			})
		}
		if t.Failed() {
			t.Logf("corpus.txt:%d: payload %q", e.line, e.payload)
		}
	})
}

// checkShown fetches a page that shows accepted text and checks it.
func checkShown(t *testing.T, c *client, p xssPage, sub *xssSubmitted) {
	t.Helper()
	path := p.expand(sub.vars)
	what := "GET " + path
	var resp *response
	if p.htmx {
		what += " (HTMX)"
		resp = c.getHX(path)
	} else {
		resp = c.get(path)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s: got status %d, want 200", what, resp.StatusCode)
		return
	}
	checkPageSafe(t, what, resp)
	if sub.html != "" && !strings.Contains(resp.body, sub.html) {
		t.Errorf("%s: the page does not contain the stored post HTML %q", what, sub.html)
	}
	if sub.name != "" && !hasBdiText(resp.Doc(), sub.name) {
		t.Errorf("%s: no <bdi> shows the display name %q", what, sub.name)
	}
	if p.twice {
		again := c.get(path)
		if got, want := postBodies(again.Doc()), postBodies(resp.Doc()); got != want {
			t.Errorf("%s twice: the post bodies differ:\nfirst  %q\nsecond %q", what, want, got)
		}
	}
}

// ---------------------------------------------------------------------------
// Submitting

// submitPostBody publishes the payload (its first 500 characters) through
// the compose form, with and without HTMX, and checks the too-long path
// shows the whole text back in the compose box.
func submitPostBody(t *testing.T, x *xssCase, payload string) ([]xssAnswer, *xssSubmitted) {
	c := x.author(t)
	var answers []xssAnswer

	// Too long: the compose box comes back with the text. Entries within
	// the limit are made too long by adding to their end.
	long := payload
	if markup.Length(long) <= handlers.MaxPostChars {
		long += "\n\n" + strings.Repeat("z", handlers.MaxPostChars)
	}
	for _, hx := range []bool{false, true} {
		var hdr http.Header
		what := "POST /posts too long"
		if hx {
			hdr = htmxHeader()
			what += " (HTMX)"
		}
		resp := c.postForm("/posts", url.Values{"body": {long}}, hdr)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got status %d, want 400", what, resp.StatusCode)
		}
		checkTextarea(t, what, resp, long)
		answers = append(answers, xssAnswer{what, resp})
	}

	body := firstChars(payload, handlers.MaxPostChars)
	source := strings.ReplaceAll(body, "\r\n", "\n")
	if strings.TrimSpace(source) == "" {
		resp := c.postForm("/posts", url.Values{"body": {body}}, nil)
		if resp.StatusCode != http.StatusBadRequest || len(byTestID(resp.Doc(), "compose-error")) != 1 {
			t.Errorf("POST /posts blank: got status %d and %d compose errors, want 400 and 1",
				resp.StatusCode, len(byTestID(resp.Doc(), "compose-error")))
		}
		checkTextarea(t, "POST /posts blank", resp, body)
		return append(answers, xssAnswer{"POST /posts blank", resp}), nil
	}

	resp := c.postForm("/posts", url.Values{"body": {body}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /posts: got status %d, want 303; body:\n%s", resp.StatusCode, resp.body)
	}
	stored := newestPost(t, x.env.srv.db, x.authorName())
	if stored.Source != source {
		t.Errorf("stored source:\ngot  %q\nwant %q", stored.Source, source)
	}
	// Rendering is deterministic, and what is stored is what Render makes
	// of the stored source.
	r1, err1 := markup.Render(stored.Source)
	r2, err2 := markup.Render(stored.Source)
	if err1 != nil || err2 != nil || r1 != r2 {
		t.Errorf("markup.Render twice: got %q (%v) and %q (%v), want equal", r1, err1, r2, err2)
	}
	if stored.HTML != r1 {
		t.Errorf("stored HTML:\ngot  %q\nwant markup.Render(source) %q", stored.HTML, r1)
	}

	// The HTMX answer to publishing: the new post and a fresh compose box.
	resp = c.postForm("/posts", url.Values{"body": {body}}, htmxHeader())
	if resp.StatusCode != http.StatusOK || !resp.isFragment() {
		t.Errorf("POST /posts (HTMX): got status %d (fragment %v), want 200 and a fragment", resp.StatusCode, resp.isFragment())
	}
	if !strings.Contains(resp.body, stored.HTML) {
		t.Errorf("POST /posts (HTMX): the answer does not contain the post HTML %q", stored.HTML)
	}
	answers = append(answers, xssAnswer{"POST /posts (HTMX)", resp})

	return answers, &xssSubmitted{
		vars: map[string]string{
			"user":  x.authorName(),
			"post":  "/@" + x.authorName() + "/" + stored.ID.String(),
			"after": (stored.ID + 1).String(),
		},
		viewer: c,
		html:   stored.HTML,
	}
}

// submitDisplayName signs up with the payload as display name. A name the
// form refuses (too long, control or direction characters) must come back
// safely in the form; then the account is made with what is left of the
// payload once those characters are dropped and it is cut to 50, so every
// entry also gets shown as a name.
func submitDisplayName(t *testing.T, x *xssCase, payload string) ([]xssAnswer, *xssSubmitted) {
	var answers []xssAnswer
	user := fmt.Sprintf("n%d", x.i)
	c := x.env.newClient(t)
	name := strings.TrimSpace(payload)
	form := url.Values{"username": {user}, "display_name": {payload}, "password": {xssPassword}}
	resp := c.postForm("/register", form, nil)
	if refusedName(name) {
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("POST /register: got status %d, want 400 for display name %q", resp.StatusCode, name)
		}
		if len(byTestID(resp.Doc(), "error-display_name")) != 1 {
			t.Errorf("POST /register: no error shown at the display name")
		}
		checkInputValue(t, "POST /register refused", resp, "display_name", name)
		answers = append(answers, xssAnswer{"POST /register refused", resp})
		name = usableName(payload)
		form.Set("display_name", name)
		resp = c.postForm("/register", form, nil)
	}
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /register: got status %d, want 303 for display name %q; body:\n%s", resp.StatusCode, name, resp.body)
	}
	shown := name
	if shown == "" {
		shown = user
	}
	// The welcome message names the new member.
	resp = c.get("/")
	if flash := flashText(resp.Doc()); !strings.Contains(flash, collapse(shown)) {
		t.Errorf("GET / after sign-up: got flash %q, want it to contain %q", flash, collapse(shown))
	}
	answers = append(answers, xssAnswer{"GET / after sign-up", resp})

	// A post (for the post header) and a follow (for follower lists).
	if resp := c.postForm("/posts", url.Values{"body": {"hello from " + user}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /posts: got status %d, want 303", resp.StatusCode)
	}
	target := fmt.Sprintf("t%d", x.i)
	newUser(t, x.env.srv.db, target)
	if resp := c.postForm("/@"+target+"/follow", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /@%s/follow: got status %d, want 303", target, resp.StatusCode)
	}
	p := newestPost(t, x.env.srv.db, user)
	return answers, &xssSubmitted{
		vars: map[string]string{
			"user":   user,
			"post":   "/@" + user + "/" + p.ID.String(),
			"after":  (p.ID + 1).String(),
			"target": target,
		},
		viewer: c,
		name:   shown,
	}
}

// submitLoginUsername fails a login with the payload as username: the form
// comes back with it.
func submitLoginUsername(t *testing.T, x *xssCase, payload string) ([]xssAnswer, *xssSubmitted) {
	c := x.env.newClient(t)
	resp := c.postForm("/login", url.Values{"username": {payload}, "password": {"not the password"}}, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /login: got status %d, want 401", resp.StatusCode)
	}
	checkInputValue(t, "POST /login failed", resp, "username", strings.TrimSpace(payload))
	return []xssAnswer{{"POST /login failed", resp}}, nil
}

// submitNext uses the payload as the page to return to after logging in:
// the form keeps it, and the redirect stays on this site.
func submitNext(t *testing.T, x *xssCase, payload string) ([]xssAnswer, *xssSubmitted) {
	author := x.author(t) // the account exists
	_ = author
	c := x.env.newClient(t)
	var answers []xssAnswer

	resp := c.get("/login?next=" + url.QueryEscape(payload))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login?next=: got status %d, want 200", resp.StatusCode)
	}
	checkHiddenNext(t, "GET /login?next=", resp, payload)
	answers = append(answers, xssAnswer{"GET /login?next=", resp})

	form := url.Values{"username": {x.authorName()}, "password": {"not the password"}, "next": {payload}}
	resp = c.postForm("/login", form, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /login wrong password: got status %d, want 401", resp.StatusCode)
	}
	checkHiddenNext(t, "POST /login wrong password", resp, payload)
	answers = append(answers, xssAnswer{"POST /login wrong password", resp})

	form.Set("password", xssPassword)
	resp = c.postForm("/login", form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login: got status %d, want 303", resp.StatusCode)
	}
	checkLocalRedirect(t, "POST /login next", resp.Header.Get("Location"))

	// A visitor sent to the login page keeps a local address to return to.
	v := x.env.newClient(t)
	resp = v.get("/settings?x=" + url.QueryEscape(payload))
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if resp.StatusCode != http.StatusSeeOther || err != nil || u.Path != "/login" {
		t.Errorf("GET /settings as visitor: got %d to %q, want 303 to /login", resp.StatusCode, loc)
	} else {
		checkLocalRedirect(t, "GET /settings next", u.Query().Get("next"))
	}
	return answers, nil
}

// submitCursor uses the payload as the ?before= cursor of every paged list.
func submitCursor(t *testing.T, x *xssCase, payload string) ([]xssAnswer, *xssSubmitted) {
	c := x.author(t)
	want := http.StatusBadRequest
	if _, err := storage.ParseID(payload); err == nil {
		want = http.StatusOK
	}
	q := "?before=" + url.QueryEscape(payload)
	var answers []xssAnswer
	for _, p := range []struct {
		path string
		htmx bool
	}{
		{"/", false}, {"/local", false}, {"/local", true},
		{"/@" + x.authorName(), false}, {"/@" + x.authorName() + "/followers", false},
	} {
		what := "GET " + p.path + "?before="
		var resp *response
		if p.htmx {
			what += " (HTMX)"
			resp = c.getHX(p.path + q)
		} else {
			resp = c.get(p.path + q)
		}
		if resp.StatusCode != want {
			t.Errorf("%s: got status %d, want %d", what, resp.StatusCode, want)
		}
		answers = append(answers, xssAnswer{what, resp})
	}
	return answers, nil
}

// ---------------------------------------------------------------------------
// Checking pages

// pageElements are the elements the views produce (with those the HTML
// parser adds), and the post markup.
var pageElements = map[string]bool{
	"html": true, "head": true, "body": true, "meta": true, "title": true, "link": true,
	"script": true, "a": true, "header": true, "nav": true, "main": true, "footer": true,
	"section": true, "article": true, "div": true, "span": true, "bdi": true, "time": true,
	"h1": true, "h2": true, "p": true, "ul": true, "ol": true, "li": true,
	"dl": true, "dt": true, "dd": true, "form": true, "label": true, "input": true,
	"textarea": true, "button": true, "output": true, "select": true, "option": true,
	"details": true, "summary": true, "fieldset": true, "legend": true,
	"br": true, "hr": true, "em": true, "strong": true, "del": true, "code": true,
	"pre": true, "blockquote": true,
	// Images (media.go): attachments, previews, avatars, headers.
	"img": true,
	// The live timeline's link for browsers without JavaScript (flows.templ).
	"noscript": true,
}

// pageAttrs are the attributes the views produce, besides aria-*.
var pageAttrs = map[string]bool{
	"lang": true, "dir": true, "charset": true, "name": true, "content": true, "rel": true,
	"href": true, "type": true, "src": true, "defer": true, "class": true, "id": true,
	"data-testid": true, "method": true, "action": true, "for": true, "rows": true,
	"placeholder": true, "required": true, "autocomplete": true, "datetime": true,
	"title": true, "role": true, "value": true, "start": true, "target": true,
	"hx-get": true, "hx-post": true, "hx-target": true, "hx-swap": true,
	"hx-trigger": true, "hx-confirm": true, "hx-swap-oob": true,
	"selected": true, "maxlength": true, "disabled": true, "checked": true,
	"inputmode": true, "novalidate": true,
	// Forms (views/rules.go): the server's rules as hints; the character
	// limit the compose box's script reads.
	"minlength": true, "pattern": true, "spellcheck": true, "autocapitalize": true,
	"data-limit": true,
	// Images (media.go): uploads and how pictures show.
	"enctype": true, "accept": true, "multiple": true, "formaction": true, "formnovalidate": true,
	"hx-encoding": true, "hx-indicator": true, "hx-disabled-elt": true, "hx-params": true,
	"alt": true, "width": true, "height": true, "loading": true, "decoding": true,
	"srcset": true, "sizes": true,
	// The text static/js/alt.js writes (views/images.go), and <details>.
	"data-alt-label": true, "data-alt-placeholder": true, "data-alt-reminder": true, "data-alt-preview": true,
	// Passkeys (static/js/passkeys.js): hidden until the script shows
	// them; the words it says on failure, where to go after.
	"hidden": true, "data-passkey-login": true, "data-passkey-error": true, "data-failed": true, "data-next": true,
}

// postBodyAttrs is what the markup may produce inside a post body: element
// to its attributes (the allow-list of markup's sanitizer).
var postBodyAttrs = map[string]map[string]bool{
	"p": {"dir": true}, "br": {}, "hr": {}, "em": {}, "strong": {}, "del": {}, "code": {}, "pre": {},
	"blockquote": {"dir": true}, "ul": {"dir": true}, "li": {"dir": true},
	"ol": {"start": true, "dir": true},
	"a":  {"href": true, "rel": true, "target": true, "class": true},
}

// Local links in a post body: mentions and hashtags, with exactly these
// shapes (the markup's contract, see markup/safety_test.go).
var (
	mentionHref = regexp.MustCompile(`^/@[A-Za-z0-9_]{1,30}$`)
	hashtagHref = regexp.MustCompile(`^/tags/[^/?#\\\s]+$`)
)

// urlAttrs hold URLs (in any element, HTML or foreign).
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true,
	"srcset": true, "poster": true, "data": true, "cite": true, "background": true,
	"ping": true, "manifest": true, "codebase": true, "longdesc": true, "icon": true,
	"hx-get": true, "hx-post": true, "hx-put": true, "hx-patch": true, "hx-delete": true,
}

var (
	htmxSrc   = regexp.MustCompile(`^/static/htmx\.min\.[0-9a-f]+\.js$`)
	urlScheme = regexp.MustCompile(`^([a-z][a-z0-9+.-]*):`)
)

// checkPageSafe checks a page or HTMX fragment for anything that could run
// script or leave the site: only the elements and attributes the views
// make, htmx as the only script, no handler or style attributes, no URL
// with a scheme other than http, https or mailto, no <base> or refresh, and
// post bodies holding only what the markup allows.
func checkPageSafe(t testing.TB, what string, resp *response) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: got Content-Type %q, want text/html", what, ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("%s: got Content-Security-Policy %q", what, csp)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: "+format, append([]any{what}, args...)...)
	}
	scripts, htmxConfigs := 0, 0
	var walk func(n *html.Node, inPost bool)
	walk = func(n *html.Node, inPost bool) {
		switch n.Type {
		case html.CommentNode:
			fail("comment <!--%s--> in the page", n.Data)
		case html.ElementNode:
			if n.Namespace == "svg" && !inPost {
				checkIcon(t, what, n)
				break
			}
			if n.Namespace != "" {
				fail("foreign element <%s:%s>", n.Namespace, n.Data)
			}
			if !pageElements[n.Data] {
				fail("element <%s> is not one the views make", n.Data)
			}
			if inPost {
				checkPostElement(t, what, n)
			}
			switch n.Data {
			case "script":
				scripts++
				src := attr(n, "src")
				siteScript := slices.Contains(static.Scripts(), src)
				if !siteScript && (!htmxSrc.MatchString(src) || src != static.URL("htmx.min.js")) || n.FirstChild != nil {
					fail("script src=%q with content %v, want only htmx and the site's scripts", src, n.FirstChild != nil)
				}
			case "base":
				fail("<base> element")
			case "img":
				// Pictures are stored files only (media.go).
				srcs := []string{attr(n, "src")}
				for _, part := range strings.Split(attr(n, "srcset"), ",") {
					if f := strings.Fields(part); len(f) > 0 {
						srcs = append(srcs, f[0])
					}
				}
				for _, src := range srcs {
					if !strings.HasPrefix(src, "/media/") {
						fail("<img src=%q>, want a stored file under /media/", src)
					}
				}
			case "meta":
				if hasAttr(n, "http-equiv") {
					fail("<meta http-equiv=%q>", attr(n, "http-equiv"))
				}
				if attr(n, "name") == "htmx-config" {
					htmxConfigs++
					cfg := attr(n, "content")
					if !strings.Contains(cfg, `"allowEval":false`) || !strings.Contains(cfg, `"allowScriptTags":false`) {
						fail("htmx-config %q", cfg)
					}
				}
			case "link":
				switch rel := attr(n, "rel"); rel {
				case "canonical":
				case "alternate":
					// Feed autodiscovery (feeds.go): a feed of this site.
					href, typ := attr(n, "href"), attr(n, "type")
					if (typ != "application/rss+xml" && typ != "application/atom+xml") || !strings.HasPrefix(href, "/") ||
						strings.HasPrefix(href, "//") || !(strings.HasSuffix(href, ".rss") || strings.HasSuffix(href, ".atom")) {
						fail("<link rel=alternate type=%q href=%q> not to a feed of this site", typ, href)
					}
				case "icon", "stylesheet":
					if !strings.HasPrefix(attr(n, "href"), static.Prefix) {
						fail("<link rel=%s href=%q> not to a static asset", rel, attr(n, "href"))
					}
				default:
					fail("<link rel=%q>", rel)
				}
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = a.Namespace + ":" + key
				}
				switch {
				case strings.HasPrefix(key, "on"):
					fail("event handler %s=%q on <%s>", key, a.Val, n.Data)
				case key == "style":
					fail("style=%q on <%s>", a.Val, n.Data)
				case !pageAttrs[key] && !strings.HasPrefix(key, "aria-"):
					fail("attribute %s=%q on <%s> is not one the views make", key, a.Val, n.Data)
				}
				if urlAttrs[key] {
					checkPageURL(t, what, n.Data, key, a.Val)
				}
			}
			if attr(n, "data-testid") == "post-body" {
				inPost = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inPost)
		}
	}
	walk(resp.Doc(), false)
	if resp.isFragment() {
		if scripts != 0 {
			fail("got %d <script> in a fragment, want none", scripts)
		}
	} else if scripts != 1+len(static.Scripts()) || htmxConfigs != 1 {
		fail("got %d <script> and %d htmx-config, want htmx and the %d site scripts, and 1 htmx-config", scripts, htmxConfigs, len(static.Scripts()))
	}
}

// iconHref is the only reference an icon may make: a drawing of the
// site's own icon files (views/icons.templ).
var iconHref = regexp.MustCompile(`^/static/icons/[a-z]+\.[0-9a-f]+\.svg#i$`)

// checkIcon checks an inline SVG of the views: an icon, <svg> holding one
// <use> of a static icon file, with only the attributes the views give.
func checkIcon(t testing.TB, what string, n *html.Node) {
	t.Helper()
	want := map[string]map[string]bool{
		"svg": {"class": true, "viewbox": true, "aria-hidden": true, "focusable": true},
		"use": {"href": true},
	}[n.Data]
	if want == nil {
		t.Errorf("%s: SVG element <%s>, want only the icons' <svg> and <use>", what, n.Data)
		return
	}
	for _, a := range n.Attr {
		if !want[strings.ToLower(a.Key)] || a.Namespace != "" {
			t.Errorf("%s: attribute %s=%q on the icon's <%s>", what, a.Key, a.Val, n.Data)
		}
	}
	if n.Data == "use" && !iconHref.MatchString(attr(n, "href")) {
		t.Errorf("%s: icon <use href=%q>, want a static icon", what, attr(n, "href"))
	}
	if n.Data == "svg" && (attr(n, "aria-hidden") != "true" || n.FirstChild == nil || n.FirstChild.Data != "use" || n.FirstChild.NextSibling != nil) {
		t.Errorf("%s: icon <svg> is not one aria-hidden <use>", what)
	}
}

// checkPostElement checks an element inside a post body against the
// markup's allow-list.
func checkPostElement(t testing.TB, what string, n *html.Node) {
	t.Helper()
	allowed, ok := postBodyAttrs[n.Data]
	if !ok {
		t.Errorf("%s: element <%s> in a post body", what, n.Data)
		return
	}
	for _, a := range n.Attr {
		if !allowed[a.Key] || a.Namespace != "" {
			t.Errorf("%s: attribute %s=%q on <%s> in a post body", what, a.Key, a.Val, n.Data)
		}
	}
	if n.Data != "a" {
		return
	}
	if hasAttr(n, "class") {
		checkLocalPostLink(t, what, n)
		return
	}
	u, err := url.Parse(attr(n, "href"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") || (u.Scheme != "mailto" && u.Host == "") {
		t.Errorf("%s: post link href=%q, want an absolute http, https or mailto URL", what, attr(n, "href"))
	}
	rel := strings.Fields(attr(n, "rel"))
	for _, want := range []string{"nofollow", "noopener", "ugc"} {
		if !contains(rel, want) {
			t.Errorf("%s: post link rel=%q lacks %s", what, attr(n, "rel"), want)
		}
	}
	if attr(n, "target") != "_blank" {
		t.Errorf("%s: post link target=%q, want _blank", what, attr(n, "target"))
	}
}

// checkLocalPostLink checks a mention or hashtag link of a post body: a
// path on this site of the one shape its class allows, without rel or
// target.
func checkLocalPostLink(t testing.TB, what string, n *html.Node) {
	t.Helper()
	href := attr(n, "href")
	switch class := attr(n, "class"); class {
	case "mention":
		if !mentionHref.MatchString(href) {
			t.Errorf("%s: mention href=%q, want /@USERNAME", what, href)
		}
	case "hashtag":
		key, err := url.PathUnescape(strings.TrimPrefix(href, "/tags/"))
		if !hashtagHref.MatchString(href) || err != nil || strings.ContainsAny(key, "/\\") || key == "." || key == ".." {
			t.Errorf("%s: hashtag href=%q, want /tags/KEY", what, href)
		}
	default:
		t.Errorf("%s: <a class=%q> in a post body, want mention or hashtag", what, class)
	}
	if hasAttr(n, "rel") || hasAttr(n, "target") {
		t.Errorf("%s: local post link href=%q has rel=%q target=%q, want neither", what, href, attr(n, "rel"), attr(n, "target"))
	}
}

// checkPageURL checks one URL attribute: http, https, mailto or relative,
// also as a browser reads it (without ASCII white space and controls).
func checkPageURL(t testing.TB, what, elem, key, val string) {
	t.Helper()
	candidates := []string{val}
	if key == "srcset" {
		candidates = nil
		for _, part := range strings.Split(val, ",") {
			if f := strings.Fields(part); len(f) > 0 {
				candidates = append(candidates, f[0])
			}
		}
	}
	for _, v := range candidates {
		browser := strings.ToLower(stripASCIIControls(v))
		if m := urlScheme.FindStringSubmatch(browser); m != nil && !allowedScheme(m[1]) {
			t.Errorf("%s: <%s %s=%q> has scheme %q as a browser reads it", what, elem, key, val, m[1])
		}
		if strings.HasPrefix(browser, "//") || strings.HasPrefix(browser, `/\`) || strings.HasPrefix(browser, `\`) {
			t.Errorf("%s: <%s %s=%q> leads to another host", what, elem, key, val)
		}
		u, err := url.Parse(strings.TrimSpace(v))
		if err != nil {
			t.Errorf("%s: <%s %s=%q> does not parse: %v", what, elem, key, val, err)
			continue
		}
		if u.Scheme != "" && !allowedScheme(strings.ToLower(u.Scheme)) {
			t.Errorf("%s: <%s %s=%q> has scheme %q", what, elem, key, val, u.Scheme)
		}
		if strings.HasPrefix(key, "hx-") && (u.Scheme != "" || u.Host != "" || !strings.HasPrefix(v, "/")) {
			t.Errorf("%s: <%s %s=%q> is not a local path", what, elem, key, val)
		}
	}
}

func allowedScheme(s string) bool { return s == "http" || s == "https" || s == "mailto" }

// stripASCIIControls drops what browsers drop from URLs: ASCII tab and
// newlines anywhere, and (simplifying) every other C0 control and space.
func stripASCIIControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// checkLocalRedirect checks a post-login destination: a path on this site.
func checkLocalRedirect(t testing.TB, what, loc string) {
	t.Helper()
	browser := stripASCIIControls(loc)
	u, err := url.Parse(loc)
	switch {
	case loc == "" || !strings.HasPrefix(loc, "/"):
		t.Errorf("%s: got Location %q, want a local path", what, loc)
	case strings.HasPrefix(browser, "//") || strings.HasPrefix(browser, `/\`):
		t.Errorf("%s: got Location %q, which leads to another host", what, loc)
	case browser != loc:
		t.Errorf("%s: got Location %q, with white space or control characters", what, loc)
	case err != nil || u.Scheme != "" || u.Host != "":
		t.Errorf("%s: got Location %q, want a path without scheme or host (err %v)", what, loc, err)
	}
}

// checkTextarea checks the compose box shows text exactly (as the HTML
// parser reads it back).
func checkTextarea(t *testing.T, what string, resp *response, text string) {
	t.Helper()
	tas := byTestID(resp.Doc(), "compose-body")
	if len(tas) != 1 {
		t.Errorf("%s: got %d compose boxes, want 1", what, len(tas))
		return
	}
	// The whole text, a leading newline included (views write one extra
	// newline after <textarea>, which the parser drops).
	want := asParsed(strings.ReplaceAll(text, "\r\n", "\n"))
	if got := rawText(tas[0]); got != want {
		t.Errorf("%s: compose box holds\n%q\nwant\n%q", what, got, want)
	}
}

// checkInputValue checks a form field shows the submitted value.
func checkInputValue(t *testing.T, what string, resp *response, field, want string) {
	t.Helper()
	in := byTestID(resp.Doc(), "field-"+field)
	if len(in) != 1 {
		t.Errorf("%s: got %d %s fields, want 1", what, len(in), field)
		return
	}
	if got := attr(in[0], "value"); got != asParsed(want) {
		t.Errorf("%s: %s field holds %q, want %q", what, field, got, asParsed(want))
	}
}

// checkHiddenNext checks the login form keeps the page to return to.
func checkHiddenNext(t *testing.T, what string, resp *response, want string) {
	t.Helper()
	in := findAll(resp.Doc(), func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "next" })
	if len(in) != 1 || attr(in[0], "type") != "hidden" {
		t.Errorf("%s: got %d next fields, want 1 hidden", what, len(in))
		return
	}
	if got := attr(in[0], "value"); got != asParsed(want) {
		t.Errorf("%s: next field holds %q, want %q", what, got, asParsed(want))
	}
}

// asParsed is text as an HTML parser gives it back: CR and CRLF become LF,
// NUL becomes U+FFFD.
func asParsed(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// rawText is the text of n, white space kept.
func rawText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// postBodies is the inner HTML of every post body of a page, in order.
func postBodies(doc *html.Node) string {
	var parts []string
	for _, n := range byTestID(doc, "post-body") {
		parts = append(parts, innerHTML(n))
	}
	return strings.Join(parts, "\n----\n")
}

func hasBdiText(doc *html.Node, name string) bool {
	want := collapse(name)
	for _, n := range byTag(doc, "bdi") {
		if text(n) == want {
			return true
		}
	}
	return false
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// refusedName tells whether sign-up refuses a (trimmed) display name: too
// long, invalid UTF-8, or a control or direction-override character.
func refusedName(s string) bool {
	return !utf8.ValidString(s) || utf8.RuneCountInString(s) > 50 || strings.ContainsFunc(s, refusedRune) ||
		(s != "" && !strings.ContainsFunc(s, visibleRune))
}

// visibleRune tells whether a character draws something: a name made only
// of spaces, zero-width and format characters is refused.
func visibleRune(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}

func refusedRune(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// usableName is what is left of a payload as a display name: without the
// refused characters, trimmed, at most 50 characters.
func usableName(payload string) string {
	s := strings.TrimSpace(strings.Map(func(r rune) rune {
		if refusedRune(r) {
			return -1
		}
		return r
	}, payload))
	s = strings.TrimSpace(firstChars(s, 50))
	if !strings.ContainsFunc(s, visibleRune) {
		return ""
	}
	return s
}

// firstChars is the first n characters (code points) of s.
func firstChars(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// newestPost is the latest post of a local user, from storage.
func newestPost(t *testing.T, db *storage.DB, username string) storage.Post {
	t.Helper()
	u, err := db.LocalUser(username)
	if err != nil {
		t.Fatalf("LocalUser(%q): %v", username, err)
	}
	tl, err := db.AuthorTimeline(0, u.ID, false, storage.Page{Limit: 1})
	if err != nil || len(tl.Entries) != 1 {
		t.Fatalf("AuthorTimeline(%q): got %d posts, err %v; want 1", username, len(tl.Entries), err)
	}
	return tl.Entries[0].Post
}

// TestCheckPageSafeRejects makes sure checkPageSafe and checkLocalRedirect
// catch what they should, so a corpus run that passes means something.
func TestCheckPageSafeRejects(t *testing.T) {
	htmx := `<script src="` + static.URL("htmx.min.js") + `" defer></script>`
	site := ""
	for _, src := range static.Scripts() {
		site += `<script src="` + src + `" defer></script>`
	}
	head := `<!DOCTYPE html><html><head><meta name="htmx-config" content='{"allowEval":false,"allowScriptTags":false}'>` + htmx + site + `</head><body>`
	page := func(body string) string { return head + body + `</body></html>` }
	good := page(`<div class="post-body" data-testid="post-body"><p><a href="https://ok.example" rel="nofollow noopener ugc" target="_blank">x</a>` +
		`<a href="/@amal" class="mention">@amal</a> <a href="/tags/%D9%85%D8%B1%D8%AD%D8%A8%D8%A7" class="hashtag">#tag</a></p></div>`)
	pages := map[string]string{
		"inline script":         page(`<script>alert(1)</script>`),
		"second script src":     page(`<script src="/static/evil.js"></script>`),
		"no htmx":               `<!DOCTYPE html><html><body><p>x</p></body></html>`,
		"script in fragment":    htmx + `<p>x</p>`,
		"img":                   page(`<img src="/x.png">`),
		"img srcset elsewhere":  page(`<img src="/media/x.jpg" srcset="https://evil.example/x.jpg 2x">`),
		"svg":                   page(`<svg><a xlink:href="https://ok.example">x</a></svg>`),
		"math":                  page(`<math><mi>x</mi></math>`),
		"iframe":                page(`<iframe src="/x"></iframe>`),
		"onclick":               page(`<p onclick="alert(1)">x</p>`),
		"style attribute":       page(`<p style="color:red">x</p>`),
		"hx-on":                 page(`<p hx-on:click="alert(1)">x</p>`),
		"javascript href":       page(`<a href="javascript:alert(1)">x</a>`),
		"hidden javascript":     page(`<a href="java&#9;script:alert(1)">x</a>`),
		"entity javascript":     page(`<a href="&#106;avascript:alert(1)">x</a>`),
		"data src":              page(`<input type="image" src="data:text/html,x">`),
		"protocol relative":     page(`<a href="//evil.example/">x</a>`),
		"hx-get to a host":      page(`<a href="/" hx-get="https://evil.example/">x</a>`),
		"form action vbscript":  page(`<form action="vbscript:x"></form>`),
		"base":                  page(`<base href="https://evil.example/">`),
		"meta refresh":          page(`<meta http-equiv="refresh" content="0;url=/">`),
		"comment":               page(`<!-- x -->`),
		"form in post body":     page(`<div data-testid="post-body"><form action="/posts"></form></div>`),
		"relative post link":    page(`<div data-testid="post-body"><a href="/x" rel="nofollow noopener ugc" target="_blank">x</a></div>`),
		"post link without rel": page(`<div data-testid="post-body"><a href="https://ok.example" target="_blank">x</a></div>`),
		"class in post body":    page(`<div data-testid="post-body"><p class="x">x</p></div>`),
		"other link class":      page(`<div data-testid="post-body"><a class="x" href="/@a">x</a></div>`),
		"mention elsewhere":     page(`<div data-testid="post-body"><a class="mention" href="/settings">x</a></div>`),
		"mention to a host":     page(`<div data-testid="post-body"><a class="mention" href="//evil.example/@a">x</a></div>`),
		"hashtag escaping":      page(`<div data-testid="post-body"><a class="hashtag" href="/tags/%2F%2Fevil">x</a></div>`),
		"hashtag with target":   page(`<div data-testid="post-body"><a class="hashtag" href="/tags/x" target="_blank">x</a></div>`),
	}
	hdr := http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Content-Security-Policy": {"script-src 'self'"}}
	check := func(body string) bool {
		ft := &xssFakeT{}
		checkPageSafe(ft, "page", &response{Response: &http.Response{Header: hdr}, body: body})
		return ft.failed
	}
	if check(good) {
		t.Errorf("checkPageSafe refused a good page")
	}
	for name, body := range pages {
		if !check(body) {
			t.Errorf("%s: checkPageSafe got no failure, want one", name)
		}
	}
	for _, loc := range []string{"", "//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil.example", "javascript:alert(1)", " /x"} {
		ft := &xssFakeT{}
		checkLocalRedirect(ft, "next", loc)
		if !ft.failed {
			t.Errorf("checkLocalRedirect(%q): got no failure, want one", loc)
		}
	}
}

// xssFakeT records failures instead of failing the test.
type xssFakeT struct {
	testing.TB
	failed bool
}

func (f *xssFakeT) Helper()               {}
func (f *xssFakeT) Errorf(string, ...any) { f.failed = true }
