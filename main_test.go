package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"majlis/storage"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
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

var addrRE = regexp.MustCompile(`msg="majlis is serving" addr=(\S+)`)

// startServer runs the server as main would and returns its address and a
// channel with run's result.
func startServer(t *testing.T, ctx context.Context, args ...string) (string, <-chan error, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, nil, out, io.Discard) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], done, out
		}
		select {
		case err := <-done:
			t.Fatalf("server stopped before serving: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start within 10s:\n%s", out)
	return "", nil, nil
}

func TestServeHealthAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, out := startServer(t, ctx, "-addr", "127.0.0.1:0", "-data", dir)

	for _, path := range []string{"/healthz", "/", "/register", "/login", "/robots.txt"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", path, resp.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after shutdown: got %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop within 15s of the signal")
	}
	if !strings.Contains(out.String(), "stopped") {
		t.Errorf("log does not say the server stopped:\n%s", out)
	}
	// The database was closed: it opens again at once.
	db, err := storage.Open(filepath.Join(dir, "majlis.db"), storage.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("reopen after shutdown: %v", err)
	}
	db.Close()
}

func TestSecondProcessFailsFast(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", dir}, nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("a second server on a held data folder started; want an error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing took %s, want a few seconds at most", d)
	}
	if !strings.Contains(err.Error(), "another majlis process") {
		t.Errorf("error %q does not say another process holds the file", err)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantAddr string
		wantData string
		wantURL  string
		wantErr  bool
	}{
		{name: "defaults", wantAddr: ":8080", wantData: "data", wantURL: "http://localhost:8080"},
		{name: "env twins", env: map[string]string{"MAJLIS_ADDR": "127.0.0.1:9000", "MAJLIS_DATA": "/srv/majlis", "MAJLIS_URL": "https://m.example"},
			wantAddr: "127.0.0.1:9000", wantData: "/srv/majlis", wantURL: "https://m.example"},
		{name: "flag beats env", env: map[string]string{"MAJLIS_ADDR": "127.0.0.1:9000"}, args: []string{"-addr", ":7000"},
			wantAddr: ":7000", wantData: "data", wantURL: "http://localhost:7000"},
		{name: "bad url", args: []string{"-url", "majlis.example"}, wantErr: true},
		{name: "stray argument", args: []string{"-addr", ":1", "extra"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"MAJLIS_ADDR", "MAJLIS_DATA", "MAJLIS_URL"} {
				t.Setenv(k, tt.env[k])
				if _, ok := tt.env[k]; !ok {
					unsetenv(t, k)
				}
			}
			c, err := parseFlags(tt.args, io.Discard)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got no error, want one")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.addr != tt.wantAddr || c.data != tt.wantData || c.url != tt.wantURL {
				t.Errorf("got addr %q data %q url %q, want %q %q %q", c.addr, c.data, c.url, tt.wantAddr, tt.wantData, tt.wantURL)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("got %v, want an unknown command error", err)
	}
}

// unsetenv removes a variable for the rest of the test; t.Setenv, called
// first, restores the old value afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}

var debugRE = regexp.MustCompile(`msg="debug endpoints" addr=(\S+)`)

// TestDebugCacheStats: with -debug-addr, /debug/vars reports the record
// caches' hits and misses, and a profile shown twice is read from the
// cache the second time.
func TestDebugCacheStats(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, out := startServer(t, ctx, "-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0", "-data", t.TempDir())
	m := debugRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no debug address in the log:\n%s", out)
	}
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirects.PostForm("http://"+addr+"/register", url.Values{"username": {"amal"}, "password": {"a long password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: got %d, want 303", resp.StatusCode)
	}
	for range 2 {
		resp, err := http.Get("http://" + addr + "/@amal")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /@amal: got %d, want 200", resp.StatusCode)
		}
	}
	resp, err = http.Get("http://" + m[1] + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var vars struct {
		Cache *storage.CacheStats `json:"majlis_cache"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		t.Fatal(err)
	}
	if vars.Cache == nil || vars.Cache.UserHits == 0 || vars.Cache.UserMisses == 0 {
		t.Errorf("majlis_cache = %+v, want user hits and misses counted", vars.Cache)
	}
	cancel()
	<-done
}
