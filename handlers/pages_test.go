package handlers_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"majlis/handlers"
	"majlis/static"
)

func TestNotFound(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse")
	srv.newClient(t).register("bilal", "correct horse")
	link := amal.post("hello")
	id := link[strings.LastIndex(link, "/")+1:]

	tests := []struct{ name, path string }{
		{"unknown user", "/@nobody"},
		{"unknown user's post", "/@nobody/" + id},
		{"invalid username", "/@no-body"},
		{"unknown user's followers", "/@nobody/followers"},
		{"unknown user's following", "/@nobody/following"},
		{"unknown post", "/@amal/1234567890123"},
		{"post under another name", "/@bilal/" + id},
		{"malformed id", "/@amal/abc"},
		{"id with a leading zero", "/@amal/0" + id},
		{"id out of range", "/@amal/99999999999999999999"},
		{"unknown path", "/nowhere"},
		{"unknown path under a post", "/@amal/" + id + "/nowhere"},
		{"bare @", "/@"},
		{"unknown static file", "/static/nothing.css"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []*client{amal, srv.newClient(t)} {
				resp := c.get(tc.path)
				if tc.name == "unknown static file" {
					if resp.StatusCode != http.StatusNotFound {
						t.Errorf("got status %d, want 404", resp.StatusCode)
					}
					continue
				}
				checkReadablePage(t, resp, http.StatusNotFound)
				if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("got X-Content-Type-Options %q, want nosniff", got)
				}
			}
		})
	}

	t.Run("name in another case", func(t *testing.T) {
		resp := amal.get("/@AMAL/" + id)
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/@amal/"+id {
			t.Fatalf("got status %d to %q, want 301 to /@amal/%s", resp.StatusCode, resp.Header.Get("Location"), id)
		}
		if resp := amal.get(resp.Header.Get("Location")); resp.StatusCode != http.StatusOK {
			t.Errorf("got status %d, want 200", resp.StatusCode)
		}
	})
}

func TestCrossSite(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse")
	bilal := srv.newClient(t)
	bilal.register("bilal", "correct horse")
	amal.get("/") // take the welcome flash

	foreign := []struct {
		name string
		hdr  http.Header
	}{
		{"Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"Sec-Fetch-Site same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"foreign Origin", http.Header{"Origin": {"https://evil.example"}}},
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		if n := postCount(t, srv.db, "amal"); n != 0 {
			t.Errorf("got %d posts, want 0", n)
		}
		if !isSignedIn(amal.get("/").Doc()) {
			t.Fatalf("amal was logged out")
		}
		u, _ := srv.db.LocalUser("amal")
		b, _ := srv.db.LocalUser("bilal")
		if ok, _ := srv.db.IsFollowing(u.ID, b.ID); ok {
			t.Errorf("amal follows bilal, want not")
		}
	}
	actions := []struct {
		name string
		c    *client
		path string
		form url.Values
	}{
		{"post", amal, "/posts", url.Values{"body": {"forged"}}},
		{"follow", amal, "/@bilal/follow", nil},
		{"logout", amal, "/logout", nil},
		{"logout everywhere", amal, "/settings/logout-everywhere", nil},
		{"login", srv.newClient(t), "/login", url.Values{"username": {"bilal"}, "password": {"correct horse"}}},
		{"register", srv.newClient(t), "/register", url.Values{"username": {"mallory"}, "password": {"correct horse"}}},
	}
	for _, f := range foreign {
		for _, a := range actions {
			t.Run(f.name+"/"+a.name, func(t *testing.T) {
				resp := a.c.postForm(a.path, a.form, f.hdr)
				checkReadablePage(t, resp, http.StatusForbidden)
				if !strings.Contains(resp.body, "another site") {
					t.Errorf("got no explanation in the 403 page")
				}
				for _, ck := range resp.Cookies() {
					if ck.Name == sessionCookie {
						t.Errorf("got a Set-Cookie for the session from a refused request")
					}
				}
				unchanged(t)
				if n, _ := srv.db.CountUsers(); n != 2 {
					t.Errorf("got %d accounts, want 2", n)
				}
			})
		}
	}

	sameOrigin := []struct {
		name string
		hdr  http.Header
	}{
		{"Sec-Fetch-Site same-origin", http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"Sec-Fetch-Site none", http.Header{"Sec-Fetch-Site": {"none"}}},
		{"own Origin", http.Header{"Origin": {srv.URL}}},
		{"no header", nil},
	}
	for _, s := range sameOrigin {
		t.Run(s.name, func(t *testing.T) {
			before := postCount(t, srv.db, "amal")
			resp := amal.postForm("/posts", url.Values{"body": {"genuine"}}, s.hdr)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("got status %d, want 303", resp.StatusCode)
			}
			if n := postCount(t, srv.db, "amal"); n != before+1 {
				t.Errorf("got %d posts, want %d", n, before+1)
			}
		})
	}
	t.Run("same-origin follow and login", func(t *testing.T) {
		hdr := http.Header{"Sec-Fetch-Site": {"same-origin"}}
		if resp := amal.postForm("/@bilal/follow", nil, hdr); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("follow: got status %d, want 303", resp.StatusCode)
		}
		if resp := srv.newClient(t).postForm("/login", url.Values{"username": {"bilal"}, "password": {"correct horse"}}, hdr); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("login: got status %d, want 303", resp.StatusCode)
		}
	})
	t.Run("cross-site GET is allowed", func(t *testing.T) {
		resp := amal.do(http.MethodGet, "/local", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("got status %d, want 200: links from other sites work", resp.StatusCode)
		}
	})
}

// chunked hides a reader's length, so the client sends it chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestOversizeBody(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("amal", "correct horse")
	big := "body=" + strings.Repeat("a", 100<<10)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

	for _, tc := range []struct {
		name string
		body func() io.Reader
		path string
	}{
		{"Content-Length", func() io.Reader { return strings.NewReader(big) }, "/posts"},
		{"chunked", func() io.Reader { return chunked{strings.NewReader(big)} }, "/posts"},
		{"chunked counter", func() io.Reader { return chunked{strings.NewReader(big)} }, "/posts/count"},
		{"chunked login", func() io.Reader { return chunked{strings.NewReader(big)} }, "/login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := c.do(http.MethodPost, tc.path, tc.body(), form)
			checkReadablePage(t, resp, http.StatusRequestEntityTooLarge)
			if !isSignedIn(resp.Doc()) {
				t.Errorf("got the visitor navigation on the 413 page of a signed-in user")
			}
			if n := postCount(t, srv.db, "amal"); n != 0 {
				t.Errorf("got %d posts, want 0", n)
			}
		})
	}
	t.Run("htmx", func(t *testing.T) {
		hdr := htmxHeader()
		hdr.Set("Content-Type", "application/x-www-form-urlencoded")
		resp := c.do(http.MethodPost, "/posts", chunked{strings.NewReader(big)}, hdr)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("got status %d, want 413", resp.StatusCode)
		}
		if !resp.isFragment() || resp.Header.Get("HX-Retarget") != "#flash" {
			t.Errorf("got a page or no HX-Retarget #flash, want the error as a fragment")
		}
	})
	t.Run("just under the limit", func(t *testing.T) {
		// A 500-character post fits easily in the default cap.
		c.post(strings.Repeat("ش", 500))
	})
}

func TestSecurityHeaders(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("amal", "correct horse")
	visitor := srv.newClient(t)
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{c, "/"}, {c, "/local"}, {c, "/@amal"}, {c, "/settings"}, {c, "/nowhere"},
		{visitor, "/"}, {visitor, "/login"}, {visitor, "/register"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := tc.c.get(tc.path)
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
				t.Fatalf("got status %d, want a page", resp.StatusCode)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("got CSP %q, want it to contain %q", csp, want)
				}
			}
			for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
				if strings.Contains(csp, bad) {
					t.Errorf("got CSP %q, want no %q", csp, bad)
				}
			}
			for k, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"Cache-Control":          "no-store",
			} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
			// Nothing inline that the CSP would block.
			doc := resp.Doc()
			for _, s := range byTag(doc, "script") {
				if attr(s, "src") == "" {
					t.Errorf("got an inline <script>")
				}
			}
			if n := len(byTag(doc, "style")); n != 0 {
				t.Errorf("got %d <style> elements", n)
			}
			if n := len(findAll(doc, func(n *htmlNode) bool { return hasAttr(n, "style") })); n != 0 {
				t.Errorf("got %d style attributes", n)
			}
			for _, n := range findAll(doc, func(*htmlNode) bool { return true }) {
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") {
						t.Errorf("got an inline event handler %s on <%s>", a.Key, n.Data)
					}
				}
			}
		})
	}

	t.Run("static", func(t *testing.T) {
		page := c.get("/")
		links := findAll(page.Doc(), func(n *htmlNode) bool { return n.Data == "link" && attr(n, "rel") == "stylesheet" })
		if len(links) != 1 {
			t.Fatalf("got %d stylesheets, want 1", len(links))
		}
		href := attr(links[0], "href")
		if !strings.HasPrefix(href, "/static/") {
			t.Fatalf("got stylesheet %q, want it under /static/", href)
		}
		scripts := byTag(page.Doc(), "script")
		if len(scripts) != 1+len(static.Scripts()) {
			t.Fatalf("got %d scripts, want htmx and the %d of static/js", len(scripts), len(static.Scripts()))
		}
		for _, tc := range []struct{ href, ctype string }{
			{href, "text/css"},
			{attr(scripts[0], "src"), "text/javascript"},
		} {
			resp := c.get(tc.href)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: got status %d, want 200", tc.href, resp.StatusCode)
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("%s: got Cache-Control %q, want immutable", tc.href, cc)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("%s: got Content-Type %q, want %s", tc.href, ct, tc.ctype)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: got X-Content-Type-Options %q, want nosniff", tc.href, got)
			}
			if len(resp.Cookies()) != 0 {
				t.Errorf("%s: got cookies on a static file", tc.href)
			}
			// The body is copied to the connection through the
			// middleware's writers (ReadFrom): all of it arrives, with
			// the length announced.
			plain := c.do(http.MethodGet, tc.href, nil, http.Header{"Accept-Encoding": {"identity"}})
			if n, err := strconv.Atoi(plain.Header.Get("Content-Length")); err != nil || n != len(plain.body) || n < 1000 {
				t.Errorf("%s: got Content-Length %q and %d bytes of body", tc.href, plain.Header.Get("Content-Length"), len(plain.body))
			}
			if plain.body != resp.body {
				t.Errorf("%s: the uncompressed body differs from the decompressed one", tc.href)
			}
		}
	})
}

func TestHealthzAndRobots(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	for _, tc := range []struct {
		path, ctype, body string
	}{
		{"/healthz", "text/plain", "ok"},
		{"/robots.txt", "text/plain", "User-agent: *"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := c.get(tc.path)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("got status %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("got Content-Type %q, want %s", ct, tc.ctype)
			}
			if !strings.Contains(resp.body, tc.body) {
				t.Errorf("got body %q, want it to contain %q", resp.body, tc.body)
			}
		})
	}
	t.Run("healthz is ok exactly", func(t *testing.T) {
		if got := strings.TrimSpace(c.get("/healthz").body); got != "ok" {
			t.Errorf("got %q, want ok", got)
		}
	})
	t.Run("robots keeps crawlers out of account pages", func(t *testing.T) {
		body := c.get("/robots.txt").body
		for _, want := range []string{"Disallow: /settings", "Disallow: /login"} {
			if !strings.Contains(body, want) {
				t.Errorf("got robots.txt %q, want %q", body, want)
			}
		}
	})
}

// directionOf is the nearest dir attribute on n or its ancestors.
func directionOf(n *htmlNode) string {
	for ; n != nil; n = n.Parent {
		if hasAttr(n, "dir") {
			return attr(n, "dir")
		}
	}
	return ""
}

// textNodes returns the text nodes under n that contain s.
func textNodes(n *htmlNode, s string) []*htmlNode {
	var out []*htmlNode
	var walk func(*htmlNode)
	walk = func(n *htmlNode) {
		if n.Type == html.TextNode && strings.Contains(n.Data, s) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func TestTextDirection(t *testing.T) {
	srv := newTestServer(t)
	const name = "أمل الحسن"
	const body = "مرحبا بالجميع في المجلس"
	amal := srv.newClient(t)
	amal.registerWith(url.Values{"username": {"amal"}, "display_name": {name}, "password": {"correct horse"}})
	amal.get("/") // take the welcome flash
	link := amal.post(body)
	amal.get("/") // take the "published" flash
	bilal := srv.newClient(t)
	bilal.register("bilal", "correct horse")
	bilal.postForm("/@amal/follow", nil, nil)
	amal.postForm("/@bilal/follow", nil, nil)
	bilal.get("/")
	amal.get("/")

	tests := []struct {
		name string
		c    *client
		path string
	}{
		{"home", bilal, "/"},
		{"local", bilal, "/local"},
		{"profile", bilal, "/@amal"},
		{"permalink", bilal, link},
		{"delete page", amal, link + "/delete"},
		{"followers list", amal, "/@bilal/followers"},
		{"following list", amal, "/@bilal/following"},
		{"own followers list", bilal, "/@amal/followers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := tc.c.get(tc.path)
			if page.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", page.StatusCode)
			}
			doc := page.Doc()
			for _, b := range byTestID(doc, "post-body") {
				if got := attr(b, "dir"); got != "auto" {
					t.Errorf("got post body dir=%q, want auto", got)
				}
			}
			if len(textNodes(doc, name)) == 0 {
				t.Fatalf("got no display name %q on the page", name)
			}
			for _, n := range findAll(doc, func(n *htmlNode) bool { return hasClass(n, "display-name") && text(n) == name }) {
				if got := attr(n, "dir"); got != "auto" {
					t.Errorf("got display name dir=%q, want auto", got)
				}
			}
			// Strict: every place that shows the name isolates its direction.
			var bad []string
			for _, n := range textNodes(doc, name) {
				if p := n.Parent; p != nil && (p.Data == "title" || p.Data == "meta") {
					continue
				}
				if directionOf(n) != "auto" {
					bad = append(bad, "<"+n.Parent.Data+"> "+strings.TrimSpace(n.Data))
				}
			}
			if len(bad) > 0 {
				t.Errorf("got the name shown without dir=\"auto\" in %q", bad)
			}
		})
	}
}

func TestHTMXErrors(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse")
	bilal := srv.newClient(t)
	bilal.register("bilal", "correct horse")
	link := amal.post("mine")

	tests := []struct {
		name       string
		c          *client
		method     string
		path       string
		wantStatus int
	}{
		{"follow unknown user", bilal, http.MethodPost, "/@nobody/follow", http.StatusNotFound},
		{"follow yourself", bilal, http.MethodPost, "/@bilal/follow", http.StatusBadRequest},
		{"delete another's post", bilal, http.MethodPost, link + "/delete", http.StatusForbidden},
		{"delete as a visitor", srv.newClient(t), http.MethodPost, link + "/delete", http.StatusForbidden},
		{"delete form as a visitor", srv.newClient(t), http.MethodGet, link + "/delete", http.StatusForbidden},
		{"unknown post", bilal, http.MethodGet, "/@amal/123456789", http.StatusNotFound},
		{"invalid cursor", bilal, http.MethodGet, "/local?before=abc", http.StatusBadRequest},
		{"cross-site post", bilal, http.MethodPost, "/posts", http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := htmxHeader()
			if tc.name == "cross-site post" {
				hdr.Set("Sec-Fetch-Site", "cross-site")
			}
			resp := tc.c.do(tc.method, tc.path, nil, hdr)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := resp.Header.Get("HX-Retarget"); got != "#flash" {
				t.Errorf("got HX-Retarget %q, want #flash", got)
			}
			if !resp.isFragment() {
				t.Errorf("got a whole page, want a fragment:\n%s", resp.body)
			}
			flash := oneByTestID(t, resp.Doc(), "flash")
			if attr(flash, "role") != "alert" || text(flash) == "" {
				t.Errorf("got flash %q role=%q, want an alert with a message", text(flash), attr(flash, "role"))
			}
		})
	}
	if n := postCount(t, srv.db, "amal"); n != 1 {
		t.Errorf("got %d posts, want 1", n)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every request gets one log line with its status and real duration, even
// when the instance runs on a fixed clock.
func TestRequestLog(t *testing.T) {
	var logs syncBuffer
	clock := newFakeClock()
	db := newTestDB(t, storageOptions{Now: clock.Now})
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	cfg.Now = clock.Now
	h, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/local", 200},
		{"/nowhere", 404},
		{"/@nobody", 404},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tc.path, nil))
		var line struct {
			Msg      string
			Path     string
			Status   int
			Duration time.Duration
		}
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		found := false
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil || m["msg"] != "request" || m["path"] != tc.path {
				continue
			}
			found = true
			line.Status = int(m["status"].(float64))
			line.Duration = time.Duration(m["duration"].(float64))
		}
		if !found {
			t.Errorf("%s: got no request log line in:\n%s", tc.path, logs.String())
			continue
		}
		if line.Status != tc.status {
			t.Errorf("%s: got status %d in the log, want %d", tc.path, line.Status, tc.status)
		}
		if line.Duration < 0 || line.Duration > time.Minute {
			t.Errorf("%s: got duration %v in the log, want the time the request took", tc.path, line.Duration)
		}
	}
}
