package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/acme/autocert"
	"golang.org/x/crypto/bcrypt"

	"majlis/handlers"
	"majlis/storage"
)

func openTestDB(t *testing.T, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCertCache: autocert's cache on a real database file, surviving a
// restart.
func TestCertCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "majlis.db")
	db := openTestDB(t, path)
	c := certCache{db: db}
	if _, err := c.Get(ctx, "majlis.example.org"); !errors.Is(err, autocert.ErrCacheMiss) {
		t.Fatalf("Get of nothing: %v, want ErrCacheMiss", err)
	}
	steps := []struct {
		key, value string
	}{
		{"acme_account+key", "account key"},
		{"majlis.example.org", "first certificate"},
		{"majlis.example.org", "renewed certificate"},
	}
	for _, s := range steps {
		if err := c.Put(ctx, s.key, []byte(s.value)); err != nil {
			t.Fatalf("Put %q: %v", s.key, err)
		}
		got, err := c.Get(ctx, s.key)
		if err != nil || string(got) != s.value {
			t.Errorf("Get %q after Put: %q, %v; want %q", s.key, got, err, s.value)
		}
	}
	db.Close()

	db = openTestDB(t, path)
	defer db.Close()
	c = certCache{db: db}
	if got, err := c.Get(ctx, "majlis.example.org"); err != nil || string(got) != "renewed certificate" {
		t.Errorf("after a restart: %q, %v; want the renewed certificate", got, err)
	}
	if err := c.Delete(ctx, "majlis.example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "majlis.example.org"); !errors.Is(err, autocert.ErrCacheMiss) {
		t.Errorf("Get after Delete: %v, want ErrCacheMiss", err)
	}
	if err := c.Delete(ctx, "never-there"); err != nil {
		t.Errorf("Delete of a missing key: %v, want nil", err)
	}
	if got, err := c.Get(ctx, "acme_account+key"); err != nil || string(got) != "account key" {
		t.Errorf("the other entry: %q, %v", got, err)
	}
}

// TestRedirectToHTTPS: plain HTTP goes to the configured name over HTTPS,
// whatever Host the request claims; forms are refused; the certificate
// authority's challenges are not redirected.
func TestRedirectToHTTPS(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "majlis.db"))
	defer db.Close()
	m := certManager(db, "majlis.example.org", "")
	srv := httptest.NewServer(m.HTTPHandler(redirectToHTTPS("majlis.example.org")))
	defer srv.Close()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name, method, path, host string
		want                     int
		where                    string
	}{
		{"page", http.MethodGet, "/@amal?before=12", "majlis.example.org", http.StatusMovedPermanently, "https://majlis.example.org/@amal?before=12"},
		{"another host claimed", http.MethodGet, "/login", "evil.example", http.StatusMovedPermanently, "https://majlis.example.org/login"},
		{"head", http.MethodHead, "/", "majlis.example.org", http.StatusMovedPermanently, "https://majlis.example.org/"},
		{"form in the clear", http.MethodPost, "/login", "majlis.example.org", http.StatusBadRequest, ""},
		{"unknown challenge", http.MethodGet, "/.well-known/acme-challenge/abc", "majlis.example.org", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			req.Host = tt.host
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want || resp.Header.Get("Location") != tt.where {
				t.Errorf("got %d to %q, want %d to %q", resp.StatusCode, resp.Header.Get("Location"), tt.want, tt.where)
			}
		})
	}
}

// TestHSTSAndSecureCookies: over TLS the pages carry HSTS and the session
// cookie is Secure; over plain HTTP (behind a proxy, or in development)
// neither is sent.
func TestHSTSAndSecureCookies(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "majlis.db"))
	defer db.Close()
	hash, _ := bcrypt.GenerateFromPassword([]byte("password-amal"), bcrypt.MinCost)
	if err := db.CreateUser(&storage.User{Username: "amal", URI: "https://majlis.example.org/users/amal", PasswordHash: string(hash)}); err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(db, handlers.Config{BaseURL: "https://majlis.example.org", PasswordCost: bcrypt.MinCost, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		srv      *httptest.Server
		wantHSTS string
		secure   bool
	}{
		{"https", httptest.NewTLSServer(withHSTS(h)), hstsHeader, true},
		{"plain http", httptest.NewServer(withHSTS(h)), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer tt.srv.Close()
			hc := tt.srv.Client()
			hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := hc.Get(tt.srv.URL + "/login")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security"); got != tt.wantHSTS {
				t.Errorf("HSTS %q, want %q", got, tt.wantHSTS)
			}
			form := url.Values{"username": {"amal"}, "password": {"password-amal"}}
			req, _ := http.NewRequest(http.MethodPost, tt.srv.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err = hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var session *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "majlis_session" {
					session = c
				}
			}
			if session == nil {
				t.Fatalf("login: %d, no session cookie", resp.StatusCode)
			}
			if session.Secure != tt.secure {
				t.Errorf("session cookie Secure %v, want %v", session.Secure, tt.secure)
			}
		})
	}
}

func TestTLSFlags(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantAddr string
		wantURL  string
		wantHTTP string
		wantErr  string
	}{
		{name: "domain alone", args: []string{"-tls-domain", "Majlis.Example.org"}, wantAddr: ":443", wantURL: "https://majlis.example.org", wantHTTP: ":80"},
		{name: "env twins", env: map[string]string{"MAJLIS_TLS_DOMAIN": "majlis.example.org", "MAJLIS_TLS_EMAIL": "admin@example.org", "MAJLIS_HTTP_ADDR": ":8080"},
			wantAddr: ":443", wantURL: "https://majlis.example.org", wantHTTP: ":8080"},
		{name: "chosen ports", args: []string{"-tls-domain", "majlis.example.org", "-addr", ":8443", "-http-addr", ":8081"}, wantAddr: ":8443", wantURL: "https://majlis.example.org", wantHTTP: ":8081"},
		{name: "another public URL", args: []string{"-tls-domain", "majlis.example.org", "-url", "https://social.example.org"}, wantAddr: ":443", wantURL: "https://social.example.org", wantHTTP: ":80"},
		{name: "plain URL refused", args: []string{"-tls-domain", "majlis.example.org", "-url", "http://majlis.example.org"}, wantErr: "https://"},
		{name: "scheme in domain", args: []string{"-tls-domain", "https://majlis.example.org"}, wantErr: "host name"},
		{name: "port in domain", args: []string{"-tls-domain", "majlis.example.org:443"}, wantErr: "host name"},
		{name: "single label", args: []string{"-tls-domain", "localhost"}, wantErr: "host name"},
		{name: "no TLS", wantAddr: ":8080", wantURL: "http://localhost:8080", wantHTTP: ":80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"MAJLIS_ADDR", "MAJLIS_URL", "MAJLIS_TLS_DOMAIN", "MAJLIS_TLS_EMAIL", "MAJLIS_HTTP_ADDR"} {
				t.Setenv(k, tt.env[k])
				if _, ok := tt.env[k]; !ok {
					unsetenv(t, k)
				}
			}
			c, err := parseFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.addr != tt.wantAddr || c.url != tt.wantURL || c.httpAddr != tt.wantHTTP {
				t.Errorf("got addr %q url %q http %q, want %q %q %q", c.addr, c.url, c.httpAddr, tt.wantAddr, tt.wantURL, tt.wantHTTP)
			}
			if tt.env["MAJLIS_TLS_EMAIL"] != "" && c.tlsEmail != tt.env["MAJLIS_TLS_EMAIL"] {
				t.Errorf("tls email %q, want %q", c.tlsEmail, tt.env["MAJLIS_TLS_EMAIL"])
			}
		})
	}
}

var redirectRE = regexp.MustCompile(`msg="redirecting HTTP to HTTPS" addr=(\S+)`)

// TestServeTLSWiring: with -tls-domain the server answers TLS on its
// address and redirects plain HTTP from the other; it asks no certificate
// authority for a name it does not serve (here, the loopback address).
func TestServeTLSWiring(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, out := startServer(t, ctx, "-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0", "-tls-domain", "majlis.example.org", "-data", t.TempDir())
	m := redirectRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no redirect listener in the log:\n%s", out)
	}
	hc := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get("http://" + m[1] + "/about")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "https://majlis.example.org/about" {
		t.Errorf("plain HTTP: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The HTTPS port speaks TLS: plain HTTP to it gets the server's
	// "client sent an HTTP request to an HTTPS server" answer.
	resp, err = hc.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("HTTPS")) {
		t.Errorf("plain HTTP to the TLS port: %d %q", resp.StatusCode, body)
	}
	if !strings.Contains(out.String(), "url=https://majlis.example.org") {
		t.Errorf("the public URL is not https://majlis.example.org:\n%s", out)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop")
	}
}
