// Package static embeds the site's static assets (htmx, the stylesheet, the
// favicon and icons) and serves them under content-hashed URLs that can be
// cached forever.
//
// Templates refer to an asset through URL, which returns a path such as
// "/static/htmx.min.3f2a9c1b5d4e6f70.js"; the hash changes whenever the file
// changes, so browsers never see a stale copy. Handler serves those paths and
// must be mounted on "GET /static/" without stripping the prefix.
//
// Everything is computed once at package initialisation; after that the
// package holds no mutable state.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Prefix is the URL path prefix of every asset URL. Handler expects to see
// the full request path, prefix included.
const Prefix = "/static/"

// cacheControl is sent with every asset: the URL changes with the content,
// so a response never needs revalidating.
const cacheControl = "public, max-age=31536000, immutable"

// Add new assets here (and to the tests' list of expected names).
//
//go:embed htmx.min.js majlis.css favicon.svg avatar.png header.png icons/*.svg js/*.js
var embedded embed.FS

// contentTypes maps a file extension to the Content-Type it is served with.
// A file with an extension not listed here makes the package fail to load,
// so the type is always chosen deliberately rather than sniffed.
var contentTypes = map[string]string{
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
	".ico":         "image/x-icon",
	".png":         "image/png",
	".webp":        "image/webp",
	".woff2":       "font/woff2",
}

// asset is one embedded file, prepared for serving. Never modified after
// load returns.
type asset struct {
	name        string // logical name, e.g. "icons/home.svg"
	url         string // e.g. "/static/icons/home.0123456789abcdef.svg"
	contentType string
	body        []byte
	etag        string // strong ETag of body
	gzBody      []byte // gzip-compressed body; nil when not worth it
	gzETag      string // strong ETag of gzBody
}

// byName is keyed by logical name ("htmx.min.js"), byURL by URL path
// ("/static/htmx.min.<hash>.js"). Both are read-only after init.
var byName, byURL = mustLoad(embedded)

// scripts holds the URL of the site's script: js/*.js joined in name
// order into one asset, bundle.js, each file in its own function scope so
// their names cannot meet. One request, cached forever, instead of one per
// feature.
var scripts = bundleScripts(byName, byURL)

// bundleName is the asset name of the joined scripts.
const bundleName = "bundle.js"

func bundleScripts(names, urls map[string]*asset) []string {
	var files []string
	for name := range names {
		if strings.HasPrefix(name, "js/") && strings.HasSuffix(name, ".js") {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		return nil
	}
	slices.Sort(files)
	var buf bytes.Buffer
	for _, name := range files {
		fmt.Fprintf(&buf, "// %s\n(function () {\n", name)
		buf.Write(names[name].body)
		buf.WriteString("\n})();\n")
	}
	a, err := newAsset(bundleName, buf.Bytes())
	if err != nil {
		panic("static: " + err.Error())
	}
	names[bundleName], urls[a.url] = a, a
	return []string{a.url}
}

func mustLoad(fsys fs.FS) (map[string]*asset, map[string]*asset) {
	names, urls, err := load(fsys)
	if err != nil {
		panic("static: " + err.Error())
	}
	return names, urls
}

// load reads every regular file in fsys and prepares it for serving.
func load(fsys fs.FS) (map[string]*asset, map[string]*asset, error) {
	names := make(map[string]*asset)
	urls := make(map[string]*asset)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		a, err := newAsset(name, body)
		if err != nil {
			return err
		}
		if _, dup := urls[a.url]; dup {
			return fmt.Errorf("%s: duplicate URL %s", name, a.url)
		}
		names[name] = a
		urls[a.url] = a
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return names, urls, nil
}

// newAsset prepares one file for serving: its hashed URL, its type by
// extension, and a gzipped copy when that is smaller.
func newAsset(name string, body []byte) (*asset, error) {
	ext := path.Ext(name)
	ct, ok := contentTypes[ext]
	if !ok {
		return nil, fmt.Errorf("%s: no content type for extension %q; add it to contentTypes", name, ext)
	}
	hash := contentHash(body)
	a := &asset{
		name:        name,
		url:         Prefix + hashedName(name, hash),
		contentType: ct,
		body:        body,
		etag:        `"` + hash + `"`,
	}
	if compressible(ct) {
		gz, err := gzipBytes(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(gz) < len(body) {
			a.gzBody = gz
			a.gzETag = `"` + hash + `-gz"`
		}
	}
	return a, nil
}

// contentHash returns the first 8 bytes of the SHA-256 of b, in hex.
func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// hashedName inserts hash before the extension of the file name:
// hashedName("icons/home.svg", "abc") == "icons/home.abc.svg".
func hashedName(name, hash string) string {
	dir, file := path.Split(name)
	ext := path.Ext(file)
	return dir + strings.TrimSuffix(file, ext) + "." + hash + ext
}

func compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	switch mt {
	case "image/svg+xml", "application/json", "application/manifest+json":
		return true
	}
	return strings.HasPrefix(mt, "text/")
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// URL returns the content-hashed URL path of an embedded asset, e.g.
// URL("htmx.min.js") == "/static/htmx.min.3f2a9c1b5d4e6f70.js" and
// URL("icons/home.svg") == "/static/icons/home.0123456789abcdef.svg".
// It panics if name is not an embedded asset: that is a programmer error,
// and panicking makes a typo fail at the first render in tests.
func URL(name string) string {
	a, ok := byName[name]
	if !ok {
		panic(fmt.Sprintf("static: unknown asset %q", name))
	}
	return a.url
}

// Scripts lists the URLs of the site's own scripts: one, the bundle of
// js/*.js. The layout loads it with defer; a feature adds its behaviour by
// adding a file to js/, never by editing a shared one.
func Scripts() []string { return scripts }

// Handler serves the hashed asset URLs. Mount it on "GET /static/" without
// http.StripPrefix: it matches the full request path. It answers GET and
// HEAD with an immutable one-year Cache-Control, the asset's Content-Type,
// a strong ETag (304 on a matching If-None-Match), X-Content-Type-Options:
// nosniff, and a pre-compressed gzip body when the client accepts it.
// Unknown names, and known names without their hash, get a plain-text 404.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, ok := byURL[r.URL.Path]
	if !ok {
		h.Set("Cache-Control", "no-cache")
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	body, etag := a.body, a.etag
	if a.gzBody != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			body, etag = a.gzBody, a.gzETag
			h.Set("Content-Encoding", "gzip")
			// ServeContent leaves Content-Length unset once a
			// Content-Encoding is set, because of Range requests. The
			// compressed assets are small, so ignore Range (a server may)
			// and always send the whole, known length.
			if r.Header.Get("Range") != "" {
				r = r.Clone(r.Context())
				r.Header.Del("Range")
			}
			h.Set("Content-Length", strconv.Itoa(len(body)))
		}
	}
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	// ServeContent handles HEAD, If-None-Match (304) and Range requests.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the Accept-Encoding header values allow a
// gzip response: "gzip" (or "x-gzip") with a non-zero q-value, or, when
// neither is listed, "*" with a non-zero q-value.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(p, "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil || f < 0 {
						f = 0
					}
					q = f
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
