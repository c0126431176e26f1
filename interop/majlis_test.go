package interop

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

	"majlis/crash"
)

// The majlis side of the interop tests: the real binary, started on
// loopback, and members who use it through the web forms as a browser
// without JavaScript (or with HTMX where the answer must carry the new
// post's address) would.

const (
	// password is every test member's password.
	password = "interop password 1"
	// buildTimeout bounds go build (a cold cache compiles everything).
	buildTimeout = 5 * time.Minute
	// healthTimeout bounds the server's start.
	healthTimeout = 15 * time.Second
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

// majlisBinary builds majlis once for the package's tests.
func majlisBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "majlis-interop-")
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

// majlis is one running server.
type majlis struct {
	t       *testing.T
	base    string // "http://127.0.0.1:PORT", also its -url
	host    string // "127.0.0.1:PORT"
	logPath string
}

// startMajlis runs the binary on a free loopback port with a fresh data
// folder and waits for /healthz. args are added to the command line.
func startMajlis(t *testing.T, bin string, args ...string) *majlis {
	t.Helper()
	port := freePort(t)
	dir := t.TempDir()
	m := &majlis{t: t, host: "127.0.0.1:" + strconv.Itoa(port), logPath: filepath.Join(dir, "server.log")}
	m.base = "http://" + m.host
	logFile, err := os.Create(m.logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"-addr", m.host, "-url", m.base, "-data", dir, "-log", "json"}, args...)...)
	cmd.Env = majlisEnv(args)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start majlis: %v", err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		logFile.Close()
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		if t.Failed() {
			t.Logf("majlis's log (%s), last lines:\n%s", m.logPath, tail(m.logPath, 40))
		}
	})
	cl := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(healthTimeout)
	for {
		select {
		case <-done:
			t.Fatalf("majlis exited before serving (%v):\n%s", waitErr, tail(m.logPath, 20))
		default:
		}
		if resp, err := cl.Get(m.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("majlis did not answer /healthz within %s:\n%s", healthTimeout, tail(m.logPath, 20))
		}
		time.Sleep(pollInterval)
	}
}

// majlisEnv is this process's environment without MAJLIS_* settings, so
// only the flags configure the server, plus the environment twin of
// -allow-private-addresses when that flag is given.
func majlisEnv(args []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAJLIS_") {
			env = append(env, kv)
		}
	}
	for _, a := range args {
		if a == "-allow-private-addresses" {
			env = append(env, "MAJLIS_ALLOW_PRIVATE_ADDRESSES=1")
		}
	}
	return env
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// member is a signed-in account with its own cookie jar.
type member struct {
	m      *majlis
	name   string
	client *http.Client
}

// register signs a member up through the registration form, which signs
// them in.
func (m *majlis) register(ctx context.Context, name string) *member {
	m.t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &member{m: m, name: name, client: &http.Client{
		Jar:     jar,
		Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
	code, loc, body := u.form(ctx, "/register", url.Values{"username": {name}, "password": {password}, "display_name": {"Member " + name}}, false)
	if code != http.StatusSeeOther || loc != "/" {
		m.t.Fatalf("register %s: got %d to %q, want 303 to \"/\": %.300s", name, code, loc, body)
	}
	if code, _ := u.get(ctx, "/settings"); code != http.StatusOK {
		m.t.Fatalf("after registering %s, /settings answered %d, want 200 (signed in)", name, code)
	}
	return u
}

// actor is the member's ActivityPub id.
func (u *member) actor() string { return u.m.base + "/users/" + u.name }

// form posts a form as a browser would. Non-browser clients pass majlis's
// cross-origin protection by sending neither Origin nor Sec-Fetch-Site.
func (u *member) form(ctx context.Context, path string, v url.Values, htmx bool) (int, string, string) {
	u.m.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.m.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		u.m.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := u.client.Do(req)
	if err != nil {
		u.m.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// get fetches a page as HTML.
func (u *member) get(ctx context.Context, path string) (int, string) {
	u.m.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.m.base+path, nil)
	if err != nil {
		u.m.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	resp, err := u.client.Do(req)
	if err != nil {
		u.m.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// page fetches a page that must answer 200.
func (u *member) page(ctx context.Context, path string) string {
	u.m.t.Helper()
	code, body := u.get(ctx, path)
	if code != http.StatusOK {
		u.m.t.Fatalf("GET %s: got %d, want 200: %.300s", path, code, body)
	}
	return body
}

var permalinkRE = regexp.MustCompile(`href="(/@[A-Za-z0-9_]+/[0-9]+)"`)

// publish posts through the compose form (under HTMX, whose answer
// carries the new post) and returns the post's path, "/@name/ID"; its
// ActivityPub id is the instance's URL followed by that path.
func (u *member) publish(ctx context.Context, body, visibility string) string {
	u.m.t.Helper()
	code, _, page := u.form(ctx, "/posts", url.Values{"body": {body}, "visibility": {visibility}}, true)
	if code != http.StatusOK {
		u.m.t.Fatalf("publish %q (%s): got %d, want 200: %.300s", body, visibility, code, page)
	}
	m := permalinkRE.FindStringSubmatch(page)
	if m == nil || !strings.HasPrefix(m[1], "/@"+u.name+"/") {
		u.m.t.Fatalf("publish %q: the answer names no permalink of @%s: %.500s", body, u.name, page)
	}
	return m[1]
}

// lookup finds an account or a post by handle or URL through the people
// lookup form, as a member types it, and returns its page here.
func (u *member) lookup(ctx context.Context, q string) string {
	u.m.t.Helper()
	code, loc, body := u.form(ctx, "/people/lookup", url.Values{"q": {q}}, false)
	if code != http.StatusSeeOther {
		u.m.t.Fatalf("%s looks up %s: got %d, want 303: %.400s", u.name, q, code, body)
	}
	return loc
}

// submit posts a form that must answer with a redirect.
func (u *member) submit(ctx context.Context, path string, v url.Values) {
	u.m.t.Helper()
	if code, _, body := u.form(ctx, path, v, false); code != http.StatusSeeOther {
		if i := strings.Index(body, "<main"); i > 0 {
			body = body[i:] // past the head, to the error the page shows
		}
		u.m.t.Fatalf("%s posts %s: got %d, want 303: %.600s", u.name, path, code, body)
	}
}

// count reads a number shown in the element with data-testid.
func count(page, testid string) (int, bool) {
	re := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(testid) + `"[^>]*>\s*([0-9]+)\s*<`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// waitCount polls a page until the count with testid is want.
func (u *member) waitCount(ctx context.Context, path, testid string, want int) {
	u.m.t.Helper()
	waitFor(ctx, u.m.t, fmt.Sprintf("%s shows %s %d", path, testid, want), func() (bool, string) {
		n, ok := count(u.page(ctx, path), testid)
		return ok && n == want, fmt.Sprintf("shows %d (found %t)", n, ok)
	})
}

// waitPage polls a page until it holds every one of texts.
func (u *member) waitPage(ctx context.Context, path string, texts ...string) string {
	u.m.t.Helper()
	var page string
	waitFor(ctx, u.m.t, fmt.Sprintf("%s shows %q", path, texts), func() (bool, string) {
		page = u.page(ctx, path)
		for _, s := range texts {
			if !strings.Contains(page, s) {
				return false, fmt.Sprintf("%q missing", s)
			}
		}
		return true, ""
	})
	return page
}

// nonce makes a text no earlier run could have left.
func nonce(word string) string {
	return fmt.Sprintf("%s-%x", word, time.Now().UnixNano())
}

// TestMajlisHarness guards the majlis half of the harness on any tree,
// with or without federation: the binary starts, members register and
// publish through the forms, and the counts the interop test reads are
// where it reads them.
func TestMajlisHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the majlis binary; skipped with -short")
	}
	bin := majlisBinary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	m := startMajlis(t, bin)
	amal := m.register(ctx, "amal")
	bilal := m.register(ctx, "bilal")
	text := nonce("hello")
	post := amal.publish(ctx, text, "public")
	page := bilal.page(ctx, post)
	if !strings.Contains(page, text) {
		t.Fatalf("%s does not show its text %q", post, text)
	}
	for _, id := range []string{"like-count", "repost-count", "reply-count"} {
		if n, ok := count(page, id); !ok || n != 0 {
			t.Errorf("%s: %s got %d (found %t), want 0", post, id, n, ok)
		}
	}
	if code, _, body := bilal.form(ctx, post+"/like", url.Values{}, false); code != http.StatusSeeOther {
		t.Fatalf("like %s: got %d: %.300s", post, code, body)
	}
	amal.waitCount(ctx, post, "like-count", 1)
	amal.waitPage(ctx, "/notifications", `data-kind="like"`, "Member bilal")
	if n, ok := count(amal.page(ctx, "/@amal"), "followers-count"); !ok || n != 0 {
		t.Errorf("/@amal followers-count: got %d (found %t), want 0", n, ok)
	}
	if d := bilal.publish(ctx, "@amal "+nonce("private"), "direct"); !strings.HasPrefix(d, "/@bilal/") {
		t.Errorf("direct post: got %s", d)
	}
}

// federates tells whether the binary knows -allow-private-addresses, the
// flag that lets an instance reach loopback peers; without it the test
// skips (fails under MAJLIS_E2E=1).
func federates(t *testing.T, bin string) {
	t.Helper()
	out, _ := exec.Command(bin, "-h").CombinedOutput()
	if bytes.Contains(out, []byte("-allow-private-addresses")) {
		return
	}
	if os.Getenv("MAJLIS_E2E") == "1" {
		t.Fatal("interop: majlis has no -allow-private-addresses flag (no federation?), and MAJLIS_E2E=1")
	}
	t.Skip("interop: majlis has no -allow-private-addresses flag yet, so it cannot federate on loopback")
}
