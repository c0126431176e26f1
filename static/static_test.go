package static

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// expectedAssets is every file the package must embed.
var expectedAssets = []string{
	"avatar.png",
	"bundle.js",
	"favicon.svg",
	"header.png",
	"htmx.min.js",
	"icons/bell.svg",
	"icons/bookmark.svg",
	"icons/delete.svg",
	"icons/edit.svg",
	"icons/flag.svg",
	"icons/globe.svg",
	"icons/heart.svg",
	"icons/home.svg",
	"icons/invite.svg",
	"icons/list.svg",
	"icons/login.svg",
	"icons/logout.svg",
	"icons/mail.svg",
	"icons/menu.svg",
	"icons/pin.svg",
	"icons/quote.svg",
	"icons/reply.svg",
	"icons/repost.svg",
	"icons/search.svg",
	"icons/settings.svg",
	"icons/shield.svg",
	"icons/signup.svg",
	"icons/user.svg",
	"icons/users.svg",
	"js/alt.js",
	"js/copy.js",
	"js/emoji.js",
	"js/keys.js",
	"js/limit.js",
	"js/passkeys.js",
	"js/replyfocus.js",
	"js/suggest.js",
	"js/textdir.js",
	"js/title.js",
	"majlis.css",
}

func get(t *testing.T, method, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	// Serve through a mux mounted the way the application mounts it.
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix, Handler())
	mux.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return b
}

func TestEmbeddedAssets(t *testing.T) {
	var got []string
	for name := range byName {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, expectedAssets) {
		t.Errorf("embedded assets: got %q, want %q", got, expectedAssets)
	}
	if len(byURL) != len(byName) {
		t.Errorf("got %d URLs for %d assets, want equal", len(byURL), len(byName))
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		name string
		want *regexp.Regexp
	}{
		{"htmx.min.js", regexp.MustCompile(`^/static/htmx\.min\.[0-9a-f]{16}\.js$`)},
		{"majlis.css", regexp.MustCompile(`^/static/majlis\.[0-9a-f]{16}\.css$`)},
		{"favicon.svg", regexp.MustCompile(`^/static/favicon\.[0-9a-f]{16}\.svg$`)},
		{"icons/home.svg", regexp.MustCompile(`^/static/icons/home\.[0-9a-f]{16}\.svg$`)},
	}
	for _, tt := range tests {
		if got := URL(tt.name); !tt.want.MatchString(got) {
			t.Errorf("URL(%q) = %q, want match for %s", tt.name, got, tt.want)
		}
	}
}

func TestURLPanicsForUnknownName(t *testing.T) {
	for _, name := range []string{"", "htmx.js", "majlis.min.css", "/static/majlis.css", "icons/nope.svg", "home.svg"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("URL(%q) did not panic, want panic", name)
				}
			}()
			URL(name)
		}()
	}
}

func TestHandlerServesEveryAsset(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
	}{
		{"htmx.min.js", "text/javascript; charset=utf-8"},
		{"majlis.css", "text/css; charset=utf-8"},
		{"favicon.svg", "image/svg+xml"},
		{"icons/delete.svg", "image/svg+xml"},
		{"icons/globe.svg", "image/svg+xml"},
		{"icons/home.svg", "image/svg+xml"},
		{"icons/reply.svg", "image/svg+xml"},
		{"icons/user.svg", "image/svg+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := fs.ReadFile(embedded, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			resp := get(t, http.MethodGet, URL(tt.name), nil)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want %d", resp.StatusCode, http.StatusOK)
			}
			if !bytes.Equal(body, want) {
				t.Errorf("body: got %d bytes, want the %d embedded bytes", len(body), len(want))
			}
			headers := []struct{ key, want string }{
				{"Content-Type", tt.contentType},
				{"Cache-Control", "public, max-age=31536000, immutable"},
				{"X-Content-Type-Options", "nosniff"},
				{"Content-Encoding", ""},
				{"ETag", `"` + contentHash(want) + `"`},
			}
			for _, h := range headers {
				if got := resp.Header.Get(h.key); got != h.want {
					t.Errorf("%s: got %q, want %q", h.key, got, h.want)
				}
			}
		})
	}
}

func TestContentHash(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		// First 8 bytes of well-known SHA-256 digests.
		{"", "e3b0c44298fc1c14"},
		{"abc", "ba7816bf8f01cfea"},
	}
	for _, tt := range tests {
		if got := contentHash([]byte(tt.in)); got != tt.want {
			t.Errorf("contentHash(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	a, b := contentHash([]byte("body{color:red}")), contentHash([]byte("body{color:blue}"))
	if a == b {
		t.Errorf("contentHash of different contents: got %q twice, want different hashes", a)
	}
}

func TestHashedName(t *testing.T) {
	tests := []struct {
		name, hash, want string
	}{
		{"htmx.min.js", "0123456789abcdef", "htmx.min.0123456789abcdef.js"},
		{"majlis.css", "ab", "majlis.ab.css"},
		{"icons/home.svg", "ab", "icons/home.ab.svg"},
		{"LICENSE", "ab", "LICENSE.ab"},
	}
	for _, tt := range tests {
		if got := hashedName(tt.name, tt.hash); got != tt.want {
			t.Errorf("hashedName(%q, %q) = %q, want %q", tt.name, tt.hash, got, tt.want)
		}
	}
}

func TestLoadURLChangesWithContent(t *testing.T) {
	urlOf := func(content string) string {
		names, _, err := load(fstest.MapFS{"app.css": {Data: []byte(content)}})
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		return names["app.css"].url
	}
	v1, v1again, v2 := urlOf("a{}"), urlOf("a{}"), urlOf("b{}")
	if v1 != v1again {
		t.Errorf("same content: got URLs %q and %q, want equal", v1, v1again)
	}
	if v1 == v2 {
		t.Errorf("different content: got URL %q twice, want different URLs", v1)
	}
}

func TestLoadRejectsUnknownExtension(t *testing.T) {
	_, _, err := load(fstest.MapFS{"data.xyz": {Data: []byte("x")}})
	if err == nil {
		t.Errorf("load of data.xyz: got nil error, want an error")
	}
}

func TestHandlerNotFound(t *testing.T) {
	htmx := URL("htmx.min.js")
	hash := strings.TrimSuffix(strings.TrimPrefix(htmx, "/static/htmx.min."), ".js")
	tests := []struct {
		name, target string
		want         int
	}{
		{"unhashed name", "/static/htmx.min.js", http.StatusNotFound},
		{"unknown name", "/static/nope.0123456789abcdef.js", http.StatusNotFound},
		{"stale hash", "/static/htmx.min.0000000000000000.js", http.StatusNotFound},
		{"hash of another file", "/static/majlis." + hash + ".css", http.StatusNotFound},
		{"directory", "/static/", http.StatusNotFound},
		{"icons directory", "/static/icons/", http.StatusNotFound},
		{"unhashed icon", "/static/icons/home.svg", http.StatusNotFound},
		{"traversal", "/static/../static.go", http.StatusNotFound},
		{"embed source", "/static/static.go", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path = tt.target // bypass the mux's path cleaning
			rec := httptest.NewRecorder()
			Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("GET %s: got status %d, want %d", tt.target, rec.Code, tt.want)
			}
			if got := rec.Header().Get("Cache-Control"); strings.Contains(got, "immutable") {
				t.Errorf("GET %s: got Cache-Control %q, want no immutable caching of a 404", tt.target, got)
			}
		})
	}
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, URL("majlis.css"), nil)
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: got status %d, want %d", rec.Code, http.StatusMethodNotAllowed)
	}
	if got, want := rec.Header().Get("Allow"), "GET, HEAD"; got != want {
		t.Errorf("Allow: got %q, want %q", got, want)
	}
}

func TestHandlerConditionalAndHead(t *testing.T) {
	u := URL("majlis.css")
	want, _ := fs.ReadFile(embedded, "majlis.css")

	first := get(t, http.MethodGet, u, nil)
	etag := first.Header.Get("ETag")
	first.Body.Close()
	firstGz := get(t, http.MethodGet, u, http.Header{"Accept-Encoding": {"gzip"}})
	etagGz := firstGz.Header.Get("ETag")
	firstGz.Body.Close()
	if etag == "" || etagGz == "" || etag == etagGz {
		t.Fatalf("ETags: got identity %q and gzip %q, want two different non-empty ETags", etag, etagGz)
	}

	tests := []struct {
		name       string
		method     string
		header     http.Header
		wantStatus int
		wantBody   int // expected body length
	}{
		{"if-none-match", http.MethodGet, http.Header{"If-None-Match": {etag}}, http.StatusNotModified, 0},
		{"if-none-match weak", http.MethodGet, http.Header{"If-None-Match": {"W/" + etag}}, http.StatusNotModified, 0},
		{"if-none-match list", http.MethodGet, http.Header{"If-None-Match": {`"x", ` + etag}}, http.StatusNotModified, 0},
		{"if-none-match star", http.MethodGet, http.Header{"If-None-Match": {"*"}}, http.StatusNotModified, 0},
		{"if-none-match gzip", http.MethodGet, http.Header{"If-None-Match": {etagGz}, "Accept-Encoding": {"gzip"}}, http.StatusNotModified, 0},
		{"if-none-match other", http.MethodGet, http.Header{"If-None-Match": {`"0000"`}}, http.StatusOK, len(want)},
		{"head if-none-match", http.MethodHead, http.Header{"If-None-Match": {etag}}, http.StatusNotModified, 0},
		{"head", http.MethodHead, nil, http.StatusOK, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, tt.method, u, tt.header)
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if len(body) != tt.wantBody {
				t.Errorf("body: got %d bytes, want %d", len(body), tt.wantBody)
			}
			if got := resp.Header.Get("Cache-Control"); got != cacheControl {
				t.Errorf("Cache-Control: got %q, want %q", got, cacheControl)
			}
			if resp.Header.Get("ETag") == "" {
				t.Errorf("ETag: got none, want one")
			}
		})
	}

	head := get(t, http.MethodHead, u, nil)
	head.Body.Close()
	if got, want := head.Header.Get("Content-Length"), strconv.Itoa(len(want)); got != want {
		t.Errorf("HEAD Content-Length: got %q, want %q", got, want)
	}
	if got, want := head.Header.Get("Content-Type"), "text/css; charset=utf-8"; got != want {
		t.Errorf("HEAD Content-Type: got %q, want %q", got, want)
	}
}

func TestHandlerGzip(t *testing.T) {
	for _, name := range []string{"htmx.min.js", "majlis.css", "icons/globe.svg"} {
		t.Run(name, func(t *testing.T) {
			want, _ := fs.ReadFile(embedded, name)
			resp := get(t, http.MethodGet, URL(name), http.Header{"Accept-Encoding": {"br, gzip, deflate"}})
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want %d", resp.StatusCode, http.StatusOK)
			}
			if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
				t.Fatalf("Content-Encoding: got %q, want %q", got, "gzip")
			}
			if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary: got %q, want %q", got, "Accept-Encoding")
			}
			if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length: got %q, want %q", got, strconv.Itoa(len(body)))
			}
			if len(body) >= len(want) {
				t.Errorf("gzip body: got %d bytes, want fewer than the %d original bytes", len(body), len(want))
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("gzip.NewReader: %v", err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("decompressing: %v", err)
			}
			if !bytes.Equal(plain, want) {
				t.Errorf("decompressed body: got %d bytes, want the %d original bytes", len(plain), len(want))
			}
		})
	}

	// A client that refuses gzip gets the identity encoding.
	resp := get(t, http.MethodGet, URL("majlis.css"), http.Header{"Accept-Encoding": {"gzip;q=0, identity"}})
	resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("gzip;q=0: got Content-Encoding %q, want none", got)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br, zstd"}, true},
		{[]string{"deflate, br"}, false},
		{[]string{"br", "gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.0"}, false},
		{[]string{"gzip;q=0.5"}, true},
		{[]string{"gzip;q=bogus"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"identity"}, false},
		{[]string{"gzipped"}, false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestEmbeddedHtmxVersion(t *testing.T) {
	b, err := fs.ReadFile(embedded, "htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	// The minified source defines the public API object with version:"2.x.y".
	m := regexp.MustCompile(`version:"(\d+)\.(\d+)\.(\d+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf(`htmx.min.js: got no version:"x.y.z" marker, want one`)
	}
	if got := string(m[1]); got != "2" {
		t.Errorf("htmx major version: got %s (%s), want 2", got, m[0])
	}
	if !bytes.HasPrefix(b, []byte("var htmx=function(){")) {
		t.Errorf("htmx.min.js: got prefix %q, want the htmx IIFE", b[:min(len(b), 30)])
	}
}

func TestCSSUsesLogicalProperties(t *testing.T) {
	b, err := fs.ReadFile(embedded, "majlis.css")
	if err != nil {
		t.Fatal(err)
	}
	physical := regexp.MustCompile(`(margin|padding|border)-(left|right)|\bleft:|\bright:|text-align:\s*(left|right)|float:\s*(left|right)`)
	for i, line := range strings.Split(string(b), "\n") {
		if m := physical.FindString(line); m != "" {
			t.Errorf("majlis.css:%d: got physical direction %q in %q, want logical properties only", i+1, m, strings.TrimSpace(line))
		}
	}
}

// TestCSSRulesClose catches a rule left open (a lost "}" in a merge): the
// browser would read every rule after it as nested inside it, and whole
// sections of the stylesheet would silently stop applying. The stylesheet
// nests style rules only inside at-rules (@media, @supports).
func TestCSSRulesClose(t *testing.T) {
	b, err := fs.ReadFile(embedded, "majlis.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllStringFunc(string(b), func(c string) string {
		return strings.Repeat("\n", strings.Count(c, "\n")) // keep the line numbers
	})
	type block struct {
		prelude string
		line    int
		at      bool
	}
	var open []block
	line, start := 1, 0
	for i, c := range css {
		switch c {
		case '\n':
			line++
		case '{':
			prelude := strings.TrimSpace(css[start:i])
			at := strings.HasPrefix(prelude, "@")
			if !at && len(open) > 0 && !open[len(open)-1].at {
				outer := open[len(open)-1]
				t.Errorf("majlis.css:%d: rule %q is inside rule %q opened at line %d, want it closed first", line, prelude, outer.prelude, outer.line)
			}
			open = append(open, block{prelude, line, at})
			start = i + 1
		case '}':
			if len(open) == 0 {
				t.Fatalf("majlis.css:%d: got a \"}\" that closes nothing", line)
			}
			open = open[:len(open)-1]
			start = i + 1
		case ';':
			start = i + 1
		}
	}
	for _, o := range open {
		t.Errorf("majlis.css:%d: rule %q is never closed", o.line, o.prelude)
	}
}

func TestCSSHasNoExternalResources(t *testing.T) {
	b, err := fs.ReadFile(embedded, "majlis.css")
	if err != nil {
		t.Fatal(err)
	}
	external := regexp.MustCompile(`(?i)@import|@font-face|url\(|https?:|//[a-z0-9.-]+\.[a-z]`)
	if m := external.Find(b); m != nil {
		t.Errorf("majlis.css: got %q, want no external fonts or URLs", m)
	}
	// The rules htmx would otherwise inject inline must be present.
	for _, rule := range []string{".htmx-indicator {", ".htmx-request .htmx-indicator,", ".htmx-request.htmx-indicator {"} {
		if !bytes.Contains(b, []byte(rule)) {
			t.Errorf("majlis.css: got no %q, want htmx indicator rules", rule)
		}
	}
}

func TestSVGs(t *testing.T) {
	for _, name := range expectedAssets {
		if !strings.HasSuffix(name, ".svg") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(embedded, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) >= 1024 {
				t.Errorf("size: got %d bytes, want under 1 KB", len(b))
			}
			dec := xml.NewDecoder(bytes.NewReader(b))
			var root *xml.StartElement
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed XML: %v", err)
				}
				if se, ok := tok.(xml.StartElement); ok && root == nil {
					root = &se
				}
				if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "script" {
					t.Errorf("got a <script> element, want none")
				}
			}
			if root == nil || root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" {
				t.Fatalf("root element: got %v, want svg in the SVG namespace", root)
			}
			attrs := map[string]string{}
			for _, a := range root.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if strings.HasPrefix(name, "icons/") {
				for _, want := range []struct{ key, val string }{
					{"viewBox", "0 0 24 24"},
					{"stroke", "currentColor"},
					{"fill", "none"},
				} {
					if got := attrs[want.key]; got != want.val {
						t.Errorf("%s: got %q, want %q", want.key, got, want.val)
					}
				}
			}
		})
	}
}

func TestHandlerRange(t *testing.T) {
	u := URL("majlis.css")
	want, _ := fs.ReadFile(embedded, "majlis.css")
	tests := []struct {
		name       string
		header     http.Header
		wantStatus int
		wantLen    int
	}{
		{"identity range", http.Header{"Range": {"bytes=0-9"}}, http.StatusPartialContent, 10},
		// The gzip variant ignores Range and sends the whole compressed body.
		{"gzip ignores range", http.Header{"Range": {"bytes=0-9"}, "Accept-Encoding": {"gzip"}}, http.StatusOK, len(byName["majlis.css"].gzBody)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, http.MethodGet, u, tt.header)
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if len(body) != tt.wantLen {
				t.Errorf("body: got %d bytes, want %d", len(body), tt.wantLen)
			}
			if tt.wantStatus == http.StatusPartialContent && !bytes.Equal(body, want[:10]) {
				t.Errorf("body: got %q, want %q", body, want[:10])
			}
		})
	}
}

func TestScriptsAreOneBundleOfEveryFeatureScript(t *testing.T) {
	got := Scripts()
	if len(got) != 1 || got[0] != URL(bundleName) {
		t.Fatalf("Scripts() = %q, want just the bundle %q", got, URL(bundleName))
	}
	body := string(byName[bundleName].body)
	last := -1
	for _, name := range expectedAssets {
		if !strings.HasPrefix(name, "js/") {
			continue
		}
		at := strings.Index(body, "// "+name+"\n(function () {\n"+string(byName[name].body)+"\n})();\n")
		if at < 0 {
			t.Errorf("the bundle lacks %s, whole and in its own scope", name)
			continue
		}
		if at < last {
			t.Errorf("%s comes before the file named before it", name)
		}
		last = at
	}
	res := get(t, http.MethodGet, got[0], nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("GET %s: %d %q, want 200 text/javascript", got[0], res.StatusCode, res.Header.Get("Content-Type"))
	}
}
