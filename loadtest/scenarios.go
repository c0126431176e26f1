package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
)

// site is what the load needs to know about a seeded, running instance.
type site struct {
	base     string
	css      string            // hashed stylesheet URL
	cookies  map[string]string // username -> Cookie header
	home     string            // the account the home scenario reads as
	prolific string
	posts    []string // permalinks
	threads  []string // permalinks of posts with many replies (else posts)
	cursors  []string // "/local?before=ID" addresses of older pages
	tag      string
	tagNA    string // why the tag page cannot be measured yet
	likeNA   string // why likes cannot be measured yet
	writers  []string
	likeOn   []string          // permalinks to like and unlike
	tokens   map[string]string // username -> API token (apirows.go)
	apiNA    string            // why the API rows cannot be measured yet
}

var (
	stylesheetRE = regexp.MustCompile(`<link rel="stylesheet" href="(/static/[^"]+\.css)"`)
	olderRE      = regexp.MustCompile(`href="(/local\?before=[0-9]+)"`)
	permalinkRE  = regexp.MustCompile(`class="permalink" href="(/@[A-Za-z0-9_]+/[0-9]+)"`)
	locationRE   = regexp.MustCompile(`^/@[A-Za-z0-9_]+/[0-9]+$`)
)

// get fetches one page for discovery.
func get(ctx context.Context, c *http.Client, base, path, cookie string, htmx bool) (int, []byte, error) {
	var buf bytes.Buffer
	o := do(ctx, c, base, req{method: http.MethodGet, path: path, cookie: cookie, htmx: htmx}, &buf)
	return o.status, bytes.Clone(buf.Bytes()), o.err
}

// login signs in and returns the session cookie as a Cookie header.
func login(ctx context.Context, c *http.Client, base, username, password string) (string, error) {
	form := url.Values{"username": {username}, "password": {password}}.Encode()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", bytes.NewBufferString(form))
	if err != nil {
		return "", err
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(hr)
	if err != nil {
		return "", fmt.Errorf("log in as %s: %w", username, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("log in as %s: status %d, want 303", username, resp.StatusCode)
	}
	var cookie string
	for _, ck := range resp.Cookies() {
		if ck.Name == "majlis_session" || (cookie == "" && ck.Value != "") {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	if cookie == "" {
		return "", fmt.Errorf("log in as %s: no session cookie", username)
	}
	// A dead session still gets 200 on "/" (the visitor's page): check that
	// this one shows the compose box.
	status, body, err := get(ctx, c, base, "/", cookie, false)
	if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`action="/posts"`)) {
		return "", fmt.Errorf("log in as %s: the session does not show the home page (status %d, %v)", username, status, err)
	}
	return cookie, nil
}

// discover logs in and finds the addresses the scenarios use.
func discover(ctx context.Context, c *http.Client, base string, m seedManifest, accounts []string) (*site, error) {
	s := &site{base: base, cookies: map[string]string{}, home: "follows100", tag: "majlis"}
	status, body, err := get(ctx, c, base, "/", "", false)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("GET /: status %d, %v", status, err)
	}
	mm := stylesheetRE.FindSubmatch(body)
	if mm == nil {
		return nil, fmt.Errorf("GET /: no stylesheet link in the page")
	}
	s.css = string(mm[1])
	for _, a := range m.Fixed {
		if len(a.Username) > 6 && a.Username[:6] == "writer" {
			s.writers = append(s.writers, a.Username)
		}
	}
	if len(s.writers) == 0 {
		return nil, fmt.Errorf("seed manifest lists no writer accounts")
	}
	for _, name := range append(append([]string{}, accounts...), s.writers...) {
		if _, ok := s.cookies[name]; ok {
			continue
		}
		ck, err := login(ctx, c, base, name, m.Password)
		if err != nil {
			return nil, err
		}
		s.cookies[name] = ck
	}
	if len(m.Prolific) == 0 || len(m.SamplePosts) == 0 {
		return nil, fmt.Errorf("seed manifest lists no prolific author or sample posts")
	}
	s.prolific = m.Prolific[0].Username
	s.posts = m.SamplePosts
	s.threads = s.posts
	if len(m.SampleThreads) > 0 {
		s.threads = nil
		for _, th := range m.SampleThreads {
			s.threads = append(s.threads, th.Permalink)
		}
	}
	if len(m.Tags) > 0 {
		s.tag = m.Tags[0]
	}
	for _, p := range []string{"/@" + s.prolific, s.posts[0], s.threads[0]} {
		if status, _, err := get(ctx, c, base, p, "", false); err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: status %d, %v", p, status, err)
		}
	}
	// Cursors of the first older pages, each from the page before.
	page := "/local"
	for range 10 {
		status, body, err := get(ctx, c, base, page, "", len(s.cursors) > 0)
		if err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: status %d, %v", page, status, err)
		}
		mm := olderRE.FindSubmatch(body)
		if mm == nil {
			break
		}
		page = string(mm[1])
		s.cursors = append(s.cursors, page)
	}
	if len(s.cursors) == 0 {
		return nil, fmt.Errorf("GET /local: no \"Older posts\" link (too few posts?)")
	}
	if status, _, err := get(ctx, c, base, "/tags/"+url.PathEscape(s.tag), "", false); err != nil {
		return nil, err
	} else if status == http.StatusNotFound {
		s.tagNA = "n/a (route not built yet)"
	}
	// Likes: the route is assumed to be POST /@name/ID/like (and /unlike).
	s.likeOn = s.posts
	var buf bytes.Buffer
	o := do(ctx, c, base, req{method: http.MethodPost, path: s.posts[0] + "/like", form: "x=1", cookie: s.cookies[s.writers[0]]}, &buf)
	if o.err != nil {
		return nil, o.err
	}
	if o.status == http.StatusNotFound || o.status == http.StatusMethodNotAllowed {
		s.likeNA = "n/a (likes not built yet)"
	} else {
		do(ctx, c, base, req{method: http.MethodPost, path: s.posts[0] + "/unlike", form: "x=1", cookie: s.cookies[s.writers[0]]}, &buf)
	}
	return s, nil
}

// postCounter numbers the posts the load writes, so every body differs.
var postCounter atomic.Int64

func (s *site) newPost(w int, htmx bool) req {
	n := postCounter.Add(1)
	body := fmt.Sprintf("Load test post %d from connection %d: *measuring* the write path, see https://example.com/load/%d #loadtest", n, w, n)
	return req{
		method: http.MethodPost,
		path:   "/posts",
		form:   url.Values{"body": {body}}.Encode(),
		cookie: s.cookies[s.writers[w%len(s.writers)]],
		htmx:   htmx,
		keep:   htmx,
		write:  true,
	}
}

func get1(path, cookie string, htmx bool) req {
	return req{method: http.MethodGet, path: path, cookie: cookie, htmx: htmx}
}

// scenarios returns the rows of the table, baseline first.
func (s *site) scenarios() []scenario {
	reads := s.readScenarios()
	all := []scenario{{name: "baseline: static " + "majlis.css", next: func(int, int, *rand.Rand) req { return get1(s.css, "", false) }}}
	all = append(all, reads...)
	all = append(all,
		scenario{name: "create post (POST /posts)", unit: "posts", next: func(w, _ int, _ *rand.Rand) req { return s.newPost(w, false) },
			ok: func(_ req, st int) bool { return st == http.StatusSeeOther }},
		s.likeScenario(),
		s.mixed("mixed 90% read / 10% write", reads, false, nil),
	)
	all = append(all, s.searchScenarios()...) // searchrows.go
	return append(all, s.apiScenarios()...)
}

func (s *site) readScenarios() []scenario {
	home := s.cookies[s.home]
	reads := []scenario{
		{name: "local timeline (GET /local)", next: func(int, int, *rand.Rand) req { return get1("/local", "", false) }},
		{name: "home timeline (GET /, follows 100)", next: func(int, int, *rand.Rand) req { return get1("/", home, false) }},
		{name: "profile (GET /@" + s.prolific + ")", next: func(int, int, *rand.Rand) req { return get1("/@"+s.prolific, "", false) }},
		{name: "thread (GET /@name/ID)", next: func(_ int, _ int, r *rand.Rand) req { return get1(s.threads[r.IntN(len(s.threads))], "", false) }},
		{name: "next page (HTMX /local?before=ID)", next: func(_ int, _ int, r *rand.Rand) req { return get1(s.cursors[r.IntN(len(s.cursors))], "", true) }},
		{name: "tag page (GET /tags/" + s.tag + ")", na: s.tagNA, next: func(int, int, *rand.Rand) req { return get1("/tags/"+url.PathEscape(s.tag), "", false) }},
	}
	return reads
}

// homeScenario reads the home timeline as one account.
func (s *site) homeScenario(name, account string) scenario {
	ck := s.cookies[account]
	return scenario{name: name, next: func(int, int, *rand.Rand) req { return get1("/", ck, false) }}
}

func (s *site) likeScenario() scenario {
	sc := scenario{name: "toggle like", na: s.likeNA}
	sc.next = func(w, i int, r *rand.Rand) req {
		p := s.likeOn[(w*7+i/2)%len(s.likeOn)]
		action := "/like"
		if i%2 == 1 {
			action = "/unlike"
		}
		return req{method: http.MethodPost, path: p + action, form: "x=1", cookie: s.cookies[s.writers[w%len(s.writers)]], write: true}
	}
	return sc
}

// mixed makes 90% reads, spread over the read scenarios that exist, and
// 10% new posts. With htmx the posts ask for the HTMX answer, which
// carries the new post's permalink (observe gets them).
func (s *site) mixed(name string, reads []scenario, htmx bool, observe func(outcome)) scenario {
	var live []scenario
	for _, r := range reads {
		if r.na == "" {
			live = append(live, r)
		}
	}
	return scenario{
		name: name,
		next: func(w, i int, r *rand.Rand) req {
			if r.IntN(10) == 0 {
				return s.newPost(w, htmx)
			}
			return live[r.IntN(len(live))].next(w, i, r)
		},
		ok: func(q req, st int) bool {
			if q.write {
				return st == http.StatusSeeOther || st == http.StatusOK
			}
			return st >= 200 && st < 400
		},
		observe: observe,
	}
}

// permalinks collects the addresses of acknowledged posts.
type permalinks struct {
	mu    sync.Mutex
	list  []string
	blind int // acknowledged, but the answer named no permalink
}

func (p *permalinks) observe(o outcome) {
	if !o.req.write {
		return
	}
	link := ""
	if locationRE.MatchString(o.location) {
		link = o.location
	} else if m := permalinkRE.FindSubmatch(o.body); m != nil {
		link = string(m[1])
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if link == "" {
		p.blind++
		return
	}
	p.list = append(p.list, link)
}
