// Package apiclients runs real Mastodon client libraries against a real
// majlis server: the binary, built and started on loopback, with members
// who sign up through the web form and log apps in through the OAuth
// authorization page, as people do. Test files only.
package apiclients

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"majlis/crash"
)

const (
	password      = "apiclients password 1"
	buildTimeout  = 5 * time.Minute
	healthTimeout = 15 * time.Second
	// oob is the redirect URI of apps that show the code to copy.
	oob = "urn:ietf:wg:oauth:2.0:oob"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// e2e tells whether a missing piece must fail the test instead of
// skipping it (CI sets it).
func e2e() bool { return os.Getenv("MAJLIS_E2E") == "1" }

// majlisBinary builds majlis once for the package's tests.
func majlisBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the majlis binary; skipped with -short")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "majlis-apiclients-")
		if buildErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		binPath, buildErr = crash.Build(ctx, "..", buildDir)
	})
	if buildErr != nil {
		t.Fatalf("build majlis: %v", buildErr)
	}
	return binPath
}

// server is one running majlis.
type server struct {
	t       *testing.T
	base    string
	logPath string
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer runs the binary on a free loopback port with a fresh data
// folder and waits until it answers.
func startServer(t *testing.T) *server {
	t.Helper()
	bin := majlisBinary(t)
	host := "127.0.0.1:" + strconv.Itoa(freePort(t))
	dir := t.TempDir()
	s := &server{t: t, base: "http://" + host, logPath: filepath.Join(dir, "server.log")}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-addr", host, "-url", s.base, "-data", dir, "-log", "json")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAJLIS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start majlis: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(s.logPath)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("majlis's log, last lines:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	cl := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(healthTimeout)
	for {
		select {
		case <-done:
			t.Fatal("majlis exited before serving")
		default:
		}
		if resp, err := cl.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("majlis did not answer /healthz within %s", healthTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.needAPI()
	return s
}

// needAPI skips the test when the binary has no client API yet (its
// /api/v1/instance answers 404), unless MAJLIS_E2E=1 makes that a
// failure.
func (s *server) needAPI() {
	s.t.Helper()
	resp, err := http.Get(s.base + "/api/v1/instance")
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		if e2e() {
			s.t.Fatal("this majlis has no client API (/api/v1/instance answers 404), and MAJLIS_E2E=1")
		}
		s.t.Skip("this majlis has no client API yet (/api/v1/instance answers 404); MAJLIS_E2E=1 makes this a failure")
	}
}

// member is a signed-in account with its own cookie jar: the person in
// the browser who approves an app.
type member struct {
	s      *server
	name   string
	client *http.Client
}

// register signs a member up through the registration form.
func (s *server) register(ctx context.Context, name string) *member {
	s.t.Helper()
	jar, _ := cookiejar.New(nil)
	m := &member{s: s, name: name, client: &http.Client{
		Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	resp := m.do(ctx, http.MethodPost, "/register", url.Values{"username": {name}, "password": {password}, "display_name": {"Member " + name}})
	if resp.code != http.StatusSeeOther {
		s.t.Fatalf("register %s: got %d, want 303: %.300s", name, resp.code, resp.body)
	}
	return m
}

type answer struct {
	code     int
	location string
	body     string
}

// do sends a request as the member's browser would without JavaScript:
// forms urlencoded, neither Origin nor Sec-Fetch-Site (which is how
// non-browser clients pass the cross-origin protection).
func (m *member) do(ctx context.Context, method, target string, form url.Values) answer {
	m.s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	if strings.HasPrefix(target, "/") {
		target = m.s.base + target
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		m.s.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := m.client.Do(req)
	if err != nil {
		m.s.t.Fatalf("%s %s: %v", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Location"), string(b)}
}

// authorize is the member approving an app on the authorization page:
// GET /oauth/authorize with the app's parameters (authorizeURL, as the
// app built it), then the page's form submitted with its approving
// button. It returns the code: from the redirect to the app, or, for the
// out-of-band redirect URI, from the page (data-testid="oauth-code").
func (m *member) authorize(ctx context.Context, authorizeURL string) string {
	m.s.t.Helper()
	u, err := url.Parse(authorizeURL)
	if err != nil {
		m.s.t.Fatal(err)
	}
	page := m.do(ctx, http.MethodGet, m.s.base+u.RequestURI(), nil)
	if page.code != http.StatusOK {
		m.s.t.Fatalf("GET %s: %d, want the authorization page: %.300s", u.Path, page.code, page.body)
	}
	action, fields := approvalForm(m.s.t, page.body)
	if action == "" {
		action = u.Path
	}
	got := m.do(ctx, http.MethodPost, action, fields)
	switch {
	case got.code == http.StatusFound || got.code == http.StatusSeeOther:
		to, err := url.Parse(got.location)
		if err != nil || to.Query().Get("code") == "" {
			m.s.t.Fatalf("approval redirected to %q, with no code", got.location)
		}
		if state := u.Query().Get("state"); state != "" && to.Query().Get("state") != state {
			m.s.t.Errorf("approval redirected with state %q, want %q", to.Query().Get("state"), state)
		}
		return to.Query().Get("code")
	case got.code == http.StatusOK:
		if code := testidText(got.body, "oauth-code"); code != "" {
			return code
		}
	}
	m.s.t.Fatalf("approving the app answered %d (%q) with no code: %.500s", got.code, got.location, got.body)
	return ""
}

var refusing = regexp.MustCompile(`(?i)deny|reject|cancel|refuse|decline`)

// approvalForm reads the authorization page's POST form: its action, its
// fields (hidden and others, with their values) and its approving
// submit button (the one not named to deny).
func approvalForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	var form *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if form != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" {
			if m, _ := attr(n, "method"); strings.EqualFold(m, "post") {
				if a, _ := attr(n, "action"); a == "" || strings.Contains(a, "/oauth/authorize") {
					form = n
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatalf("the authorization page has no form posting to /oauth/authorize: %.500s", page)
	}
	fields := url.Values{}
	var approve []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, named := attr(n, "name")
			value, _ := attr(n, "value")
			typ, _ := attr(n, "type")
			switch {
			case !named:
			case n.Data == "button" || (n.Data == "input" && (typ == "submit")):
				if approve == nil && !refusing.MatchString(name+" "+value) {
					approve = []string{name, value}
				}
			case n.Data == "input" && (typ == "checkbox" || typ == "radio"):
				if _, on := attr(n, "checked"); on {
					fields.Add(name, value)
				}
			case n.Data == "input", n.Data == "textarea":
				fields.Add(name, value)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	if approve != nil {
		fields.Set(approve[0], approve[1])
	}
	action, _ := attr(form, "action")
	return action, fields
}

// testidText is the text inside the element with data-testid, trimmed
// (an input's value when it is one).
func testidText(page, testid string) string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return ""
	}
	var out string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if out != "" {
			return
		}
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "data-testid" && a.Val == testid {
					for _, b := range n.Attr {
						if b.Key == "value" {
							out = strings.TrimSpace(b.Val)
							return
						}
					}
					var sb strings.Builder
					var text func(*html.Node)
					text = func(c *html.Node) {
						if c.Type == html.TextNode {
							sb.WriteString(c.Data)
						}
						for d := c.FirstChild; d != nil; d = d.NextSibling {
							text(d)
						}
					}
					text(n)
					out = strings.TrimSpace(sb.String())
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	for {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %s", what, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// nonce makes a text no other run could have left.
func nonce(word string) string { return fmt.Sprintf("%s-%x", word, time.Now().UnixNano()) }

// pretty is v as indented JSON, for failure messages.
func pretty(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
