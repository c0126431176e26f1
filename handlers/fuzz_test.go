package handlers

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"majlis/markup"
	"majlis/storage"
)

// Fuzz targets for every parser of outside input in this package. Run one
// with, e.g.:
//
//	go test ./handlers -run '^$' -fuzz '^FuzzSafeNext$' -fuzztime 20s
//
// Crashers the fuzzer finds are kept under testdata/fuzz/<Target>/ and run
// as ordinary tests from then on.

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`)

// FuzzUsername: validUsername agrees with the regular expression.
func FuzzUsername(f *testing.F) {
	for _, s := range []string{
		"", "a", "_", "0", "alice", "Alice_01", strings.Repeat("a", 30), strings.Repeat("a", 31),
		"ali ce", "alice\n", " alice", "ålice", "a-b", "a.b", "a@b", "\x00", "\xff",
		"ＡＢＣ", "a\u200bb", "ǅ", "K", // U+212A KELVIN SIGN folds to k
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validUsername(s), usernameRE.MatchString(s); got != want {
			t.Errorf("validUsername(%q) = %v, want %v", s, got, want)
		}
	})
}

// visibleNameRune is, independently of admin's rule, a character that
// draws something: a display name needs at least one.
func visibleNameRune(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}

// refusedNameRune is, independently of isControl, what a display name must
// not hold: C0 and C1 controls, DEL, and the bidi embeddings, overrides and
// isolates.
func refusedNameRune(r rune) bool {
	return r <= 0x1f || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// FuzzRegistrationForm: parseRegistration never panics, and each field it
// accepts is valid; each valid field is accepted.
func FuzzRegistrationForm(f *testing.F) {
	seeds := [][3]string{
		{"alice", "Alice", "correct horse"},
		{"", "", ""},
		{"  bob  ", "  Bob  ", "12345678"},
		{"bob", "", "1234567"},
		{"bob", strings.Repeat("é", 50), strings.Repeat("x", 72)},
		{"bob", strings.Repeat("é", 51), strings.Repeat("x", 73)},
		{"bob", "\u202egnp.exe", "password"},
		{"bob", "a\u2066b\u2069", "password"},
		{"bob", "Layla\u200f", "password"},
		{"bob", "\x00", "password"},
		{"bob", "x\u0085", "password"},
		{"bob", "\xff\xfe", "\xff\xff\xff\xff\xff\xff\xff\xff"},
		{"bob", "👩\u200d💻", strings.Repeat("日", 24)},
		{"bob", "", strings.Repeat("日", 25)},
		{"bob\n", "\t", "pass\x00word"},
		{strings.Repeat("a", 31), "<script>alert(1)</script>", "password"},
		{"ålice", `"><img src=x onerror=alert(1)>`, "password"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, username, displayName, password string) {
		form := map[string]string{"username": username, "display_name": displayName, "password": password}
		reg, errs := parseRegistration(func(k string) string { return form[k] })
		for k, msg := range errs {
			if _, ok := form[k]; !ok || msg == "" {
				t.Errorf("error %q for field %q", msg, k)
			}
		}

		wantUser := strings.TrimSpace(username)
		if reg.username != wantUser {
			t.Errorf("username %q, want %q", reg.username, wantUser)
		}
		if ok := errs["username"] == ""; ok != usernameRE.MatchString(wantUser) {
			t.Errorf("username %q: accepted %v, want %v", wantUser, ok, !ok)
		}

		wantName := strings.TrimSpace(displayName)
		if reg.displayName != wantName {
			t.Errorf("display name %q, want %q", reg.displayName, wantName)
		}
		nameOK := utf8.ValidString(wantName) && utf8.RuneCountInString(wantName) <= maxDisplayName &&
			!strings.ContainsFunc(wantName, refusedNameRune) &&
			(wantName == "" || strings.ContainsFunc(wantName, visibleNameRune))
		if ok := errs["display_name"] == ""; ok != nameOK {
			t.Errorf("display name %q: accepted %v, want %v", wantName, ok, nameOK)
		}

		if reg.password != password {
			t.Errorf("password %q, want %q unchanged", reg.password, password)
		}
		passOK := utf8.RuneCountInString(password) >= minPassword && len(password) <= maxPassword
		if ok := errs["password"] == ""; ok != passOK {
			t.Errorf("password %q: accepted %v, want %v", password, ok, passOK)
		}
	})
}

// FuzzDraft: the post-body validation never panics; what it accepts is at
// most MaxPostChars by markup.Length and not blank, and it refuses exactly
// the rest. The counter agrees.
func FuzzDraft(f *testing.F) {
	for _, s := range []string{
		"", " ", "\n\t \r\n", "hello", "\u200b", "\u3000", "\x00",
		strings.Repeat("a", 500), strings.Repeat("a", 501), strings.Repeat("é", 500), strings.Repeat("é", 501),
		strings.Repeat("a\r\n", 250), strings.Repeat("a\r\n", 251), strings.Repeat("\r", 501),
		strings.Repeat("\xff", 500), strings.Repeat("\xff", 501), strings.Repeat("👩\u200d💻", 167),
		"[x](javascript:alert(1))", "<script>alert(1)</script>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, problem := draft(body, MaxPostChars)
		if want := strings.ReplaceAll(body, "\r\n", "\n"); got != want {
			t.Errorf("draft(%q) body = %q, want %q", body, got, want)
		}
		n := markup.Length(got)
		blank := strings.TrimSpace(got) == ""
		if accepted := problem == ""; accepted != (!blank && n <= MaxPostChars) {
			t.Errorf("draft(%q): problem %q with length %d, blank %v", body, problem, n, blank)
		}
		c := counter(got, MaxPostChars)
		if c.Used != n || c.Limit != MaxPostChars || c.Over() != (n > MaxPostChars) {
			t.Errorf("counter(%q) = %+v, want %d used of %d", got, c, n, MaxPostChars)
		}
	})
}

// FuzzSafeNext: safeNext always gives a local path (also as a browser
// reads it), in canonical form: a canonical local path comes back
// unchanged, anything else is normalised the way url.URL.RequestURI writes
// it (fragment dropped, characters escaped), or replaced by "/".
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{
		"", "/", "/local", "/@alice/123?x=1", "/a b", "/é", "/#frag", "/?", "/%2F%2Fevil.example",
		"/%2Fevil.example/{", "/%2Fevil.example x", "//evil.example", "/\\evil.example", "\\\\evil.example",
		"https://evil.example", "javascript:alert(1)", "/\t/evil.example", " /x", "/.//evil", "/..//evil",
		"/%zz", "/?%zz", "/x:y", "/@evil.example@evil.example", "/%5C%5Cevil", "/\x7f", "/?a b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		out := safeNext(next)
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
			t.Fatalf("safeNext(%q) = %q, not a local path", next, out)
		}
		if strings.ContainsFunc(out, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("safeNext(%q) = %q holds control characters, which browsers drop", next, out)
		}
		u, err := url.Parse(out)
		if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
			t.Errorf("safeNext(%q) = %q parses to scheme %q host %q opaque %q (err %v)", next, out, u.Scheme, u.Host, u.Opaque, err)
		}
		if again := safeNext(out); again != out {
			t.Errorf("safeNext(%q) = %q, but safeNext of that = %q", next, out, again)
		}
		if in, err := url.Parse(next); err == nil && in.Scheme == "" && in.Host == "" &&
			isLocalPath(next) && in.RequestURI() == next && out != next {
			t.Errorf("safeNext(%q) = %q, want the canonical local path unchanged", next, out)
		}
	})
}

var canonicalID = regexp.MustCompile(`^[1-9][0-9]*$`)

// FuzzPageParam: the ?before= cursor never panics and accepts only
// canonical decimal IDs (no sign, no leading zero, no spaces, in range).
func FuzzPageParam(f *testing.F) {
	for _, s := range []string{
		"", "before=", "before=1", "before=0", "before=01", "before=+1", "before=-1", "before=1.0",
		"before=18446744073709551615", "before=18446744073709551616", "before=%31", "before=1%00",
		"before=1&before=x", "before=x&before=1", "before= 1", "before=1e3", "before=0x10",
		"before=%EF%BC%91", "before=%zz", ";before=1", "before=" + strings.Repeat("9", 25),
	} {
		f.Add(s)
	}
	check := func(t *testing.T, rawQuery string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/", RawQuery: rawQuery}}
		p, err := pageParam(r)
		s := r.URL.Query().Get("before")
		n, perr := strconv.ParseUint(s, 10, 64)
		canonical := canonicalID.MatchString(s) && perr == nil
		switch {
		case s == "":
			if err != nil || p.Before != 0 {
				t.Errorf("query %q: got cursor %d, err %v; want none", rawQuery, p.Before, err)
			}
		case canonical:
			if err != nil || uint64(p.Before) != n {
				t.Errorf("query %q: got cursor %d, err %v; want %d", rawQuery, p.Before, err, n)
			}
		default:
			if code, _ := status(err); err == nil || code != http.StatusBadRequest {
				t.Errorf("query %q: cursor %q accepted as %d (err %v), want 400", rawQuery, s, p.Before, err)
			}
		}
		if p.Limit != 20 {
			t.Errorf("query %q: limit %d, want 20", rawQuery, p.Limit)
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		check(t, raw)                            // as a raw query
		check(t, "before="+url.QueryEscape(raw)) // as the cursor's value
	})
}

// fuzzServer is one majlis for a whole fuzz target: a real bbolt file and
// an HTTP server, with a client signed in.
type fuzzServer struct {
	srv    *httptest.Server
	signed *http.Client
	anon   *http.Client
	n      int
}

func newFuzzServer(f *testing.F) *fuzzServer {
	f.Helper()
	// NoSync: fuzzing writes a lot, and nothing here needs it on disk.
	db, err := storage.Open(filepath.Join(f.TempDir(), "majlis.db"), storage.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	h, err := New(db, Config{
		BaseURL:      "http://majlis.test",
		PasswordCost: bcrypt.MinCost,
		TrustProxy:   true, // each request gets its own address: no rate limit
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(h)
	f.Cleanup(srv.Close)
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	jar, _ := cookiejar.New(nil)
	fs := &fuzzServer{
		srv:    srv,
		signed: &http.Client{Jar: jar, CheckRedirect: noRedirect},
		anon:   &http.Client{CheckRedirect: noRedirect},
	}
	code, body := fs.post(fs.signed, "/register", "username=fuzzer&password=fuzzer-password", false)
	if code != http.StatusSeeOther {
		f.Fatalf("register: got status %d, want 303: %s", code, body)
	}
	return fs
}

// post sends body as a urlencoded form and returns the status and body.
func (fs *fuzzServer) post(c *http.Client, path, body string, htmx bool) (int, string) {
	fs.n++
	req, err := http.NewRequest(http.MethodPost, fs.srv.URL+path, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", fs.n>>16&255, fs.n>>8&255, fs.n&255))
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// FuzzFormBody: arbitrary bytes posted as a form to every form route never
// get a 5xx, and the server keeps answering /healthz.
func FuzzFormBody(f *testing.F) {
	for _, s := range []string{
		"", "=", "&&&", ";", "%", "%zz", "a=%", "username=alice&password=correct+horse",
		"username=alice&display_name=%E2%80%AEevil&password=12345678",
		"username=" + strings.Repeat("a", 31) + "&password=x", "username=%00&password=%00%00%00%00%00%00%00%00",
		"username=fuzzer&password=fuzzer-password&next=%2F%252Fevil.example%2F%7B",
		"username=fuzzer&password=wrong&next=javascript:alert(1)",
		"body=hello", "body=", "body=%20%0D%0A", "body=" + strings.Repeat("x", 501), "body=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"body=%FF%FE", "body=a&body=b", "body=" + strings.Repeat("%2A", 2000),
		"\xff\xfe\x00", strings.Repeat("a=b&", 5000), "body=" + strings.Repeat("y", 70<<10),
	} {
		f.Add([]byte(s))
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, r := range []struct {
			path string
			c    *http.Client
			htmx bool
		}{
			{"/register", fs.anon, false},
			{"/login", fs.anon, false},
			{"/posts", fs.signed, false},
			{"/posts", fs.signed, true},
			{"/posts/count", fs.anon, true},
		} {
			code, out := fs.post(r.c, r.path, string(body), r.htmx)
			if code == 0 || code >= 500 {
				t.Errorf("POST %s (HTMX %v) %q: got status %d: %.300s", r.path, r.htmx, body, code, out)
			}
		}
		resp, err := fs.anon.Get(fs.srv.URL + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /healthz: got status %d, want 200", resp.StatusCode)
		}
	})
}
