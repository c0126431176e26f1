package twoinstance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/federation"
	"majlis/handlers"
	"majlis/social"
	"majlis/storage"
)

const (
	// password is every test member's password.
	password = "two instances 1"
	// waitTimeout bounds every wait for an asynchronous effect (a
	// delivery, the inbox worker).
	waitTimeout = 15 * time.Second
	pollEvery   = 25 * time.Millisecond
)

// instance is one majlis server: its file, its federation and its web
// door on a loopback listener, known to the other as host.
type instance struct {
	t    *testing.T
	host string // "a.test"
	base string // "http://a.test"
	db   *storage.DB
	fed  *federation.Federation
	srv  *httptest.Server
	// hosts maps "host:80" to the listeners, shared by both instances
	// and by the members' browsers.
	hosts map[string]string
	logs  *logBuffer
}

// logBuffer keeps an instance's log for a failing test to show (without
// the line of each request).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	for _, line := range strings.Split(strings.TrimRight(l.buf.String(), "\n"), "\n") {
		// One line per page request says little; the rest says why.
		if !strings.Contains(line, "msg=request ") {
			lines = append(lines, line)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// startPair starts the instances http://a.test and http://b.test, each
// reaching the other by name. They stop when the test ends.
func startPair(t *testing.T) (a, b *instance) {
	t.Helper()
	hosts := map[string]string{}
	a = newInstance(t, "a.test", hosts)
	b = newInstance(t, "b.test", hosts)
	a.start()
	b.start()
	return a, b
}

// newInstance makes an instance's listener (not yet serving) and records
// its address under host.
func newInstance(t *testing.T, host string, hosts map[string]string) *instance {
	srv := httptest.NewUnstartedServer(nil)
	hosts[host+":80"] = srv.Listener.Addr().String()
	return &instance{t: t, host: host, base: "http://" + host, srv: srv, hosts: hosts, logs: &logBuffer{}}
}

// start opens the instance's file and serves it as main does.
func (in *instance) start() {
	t := in.t
	t.Helper()
	logger := slog.New(slog.NewTextHandler(in.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("instance", in.host)
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{Logger: logger})
	if err != nil {
		t.Fatalf("%s: storage.Open: %v", in.host, err)
	}
	in.db = db
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("%s: close: %v", in.host, err)
		}
	})
	soc := social.New(db, social.Config{BaseURL: in.base})
	in.fed = federation.New(federation.Config{
		DB: db, Social: soc, BaseURL: in.base, SiteName: "majlis " + in.host,
		AllowPrivate: true, Hosts: in.hosts, Logger: logger,
	})
	cfg := handlers.Config{BaseURL: in.base, SiteName: "majlis " + in.host, PasswordCost: bcrypt.MinCost, Logger: logger}
	cfg.Federate(db, in.fed)
	h, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatalf("%s: handlers.New: %v", in.host, err)
	}
	in.srv.Config.Handler = h
	in.srv.Start()
	t.Cleanup(in.srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { in.fed.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("the log of %s, last lines:\n%s", in.host, in.logs.tail(80))
		}
	})
}

// transport reaches the instances by their names, as a browser on their
// network would, and nothing else.
func transport(hosts map[string]string) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := hosts[addr]
		if !ok {
			return nil, fmt.Errorf("the test network has no host %s", addr)
		}
		return d.DialContext(ctx, network, to)
	}}
}

// member is a browser signed in to an instance.
type member struct {
	in     *instance
	name   string
	client *http.Client
}

// handle is the member's address elsewhere: "@name@host".
func (m *member) handle() string { return "@" + m.name + "@" + m.in.host }

// actor is the member's ActivityPub id.
func (m *member) actor() string { return m.in.base + "/users/" + m.name }

// user is the member's account in the file.
func (m *member) user(t *testing.T) storage.User {
	t.Helper()
	u, err := m.in.db.LocalUser(m.name)
	if err != nil {
		t.Fatalf("%s: %v", m.name, err)
	}
	return u
}

// register signs a member up through the form (the instance's first is
// its admin); the form signs them in.
func (in *instance) register(t *testing.T, name string) *member {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	m := &member{in: in, name: name, client: &http.Client{
		Jar:       jar,
		Transport: transport(in.hosts),
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
	code, loc, body := m.form(t, "/register", url.Values{"username": {name}, "password": {password}, "display_name": {"Member " + name}}, false)
	if code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("register %s on %s: got %d to %q, want 303 to /: %.300s", name, in.host, code, loc, body)
	}
	return m
}

// form posts a form as a browser without JavaScript does (with htmx, as
// htmx does). Browsers that send no Origin nor Sec-Fetch-Site pass the
// cross-origin protection, as the handlers' own tests do.
func (m *member) form(t *testing.T, path string, v url.Values, htmx bool) (code int, location, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, m.in.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := m.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s%s: %v", m.in.base, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// submit posts a form that must answer 303.
func (m *member) submit(t *testing.T, path string, v url.Values) string {
	t.Helper()
	code, loc, body := m.form(t, path, v, false)
	if code != http.StatusSeeOther {
		t.Fatalf("%s on %s: POST %s: got %d, want 303: %.400s", m.name, m.in.host, path, code, body)
	}
	return loc
}

// get fetches a page as HTML.
func (m *member) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.in.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	resp, err := m.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s%s: %v", m.in.base, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// page fetches a page that must answer 200.
func (m *member) page(t *testing.T, path string) string {
	t.Helper()
	code, body := m.get(t, path)
	if code != http.StatusOK {
		t.Fatalf("%s on %s: GET %s: got %d, want 200: %.300s", m.name, m.in.host, path, code, body)
	}
	return body
}

var permalinkRE = regexp.MustCompile(`href="(/@[A-Za-z0-9_]+/[0-9]+)"`)

// publish posts through the compose form (under htmx, whose answer shows
// the new post) and returns its path here, "/@name/ID".
func (m *member) publish(t *testing.T, body, visibility string) string {
	return m.compose(t, url.Values{"body": {body}, "visibility": {visibility}})
}

// reply answers the post whose ID here is parent.
func (m *member) reply(t *testing.T, parent storage.ID, body, visibility string) string {
	return m.compose(t, url.Values{"body": {body}, "visibility": {visibility}, "in_reply_to": {parent.String()}})
}

func (m *member) compose(t *testing.T, v url.Values) string {
	t.Helper()
	code, _, page := m.form(t, "/posts", v, true)
	if code != http.StatusOK {
		t.Fatalf("%s publishes %q: got %d, want 200: %.300s", m.name, v.Get("body"), code, page)
	}
	for _, mm := range permalinkRE.FindAllStringSubmatch(page, -1) {
		if strings.HasPrefix(mm[1], "/@"+m.name+"/") {
			return mm[1]
		}
	}
	t.Fatalf("%s publishes %q: the answer names no permalink: %.500s", m.name, v.Get("body"), page)
	return ""
}

// lookup finds an account or post of the other instance through the
// "follow someone elsewhere" box and returns its page here.
func (m *member) lookup(t *testing.T, q string) string {
	t.Helper()
	code, loc, body := m.form(t, "/people/lookup", url.Values{"q": {q}}, false)
	if code != http.StatusSeeOther {
		t.Fatalf("%s on %s looks up %s: got %d, want 303: %.400s", m.name, m.in.host, q, code, body)
	}
	return loc
}

// uri is the ActivityPub id of a local post path on its instance.
func (in *instance) uri(path string) string { return in.base + path }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var last string
	for {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s: %s", waitTimeout, what, last)
		}
		time.Sleep(pollEvery)
	}
}

// waitPage polls a page until it shows every one of texts, and returns
// it.
func (m *member) waitPage(t *testing.T, path string, texts ...string) string {
	t.Helper()
	var page string
	waitFor(t, fmt.Sprintf("%s on %s: %s to show %q", m.name, m.in.host, path, texts), func() (bool, string) {
		code, body := m.get(t, path)
		page = body
		if code != http.StatusOK {
			return false, fmt.Sprintf("status %d", code)
		}
		for _, s := range texts {
			if !strings.Contains(body, s) {
				return false, fmt.Sprintf("%q missing", s)
			}
		}
		return true, ""
	})
	return page
}

// waitStatus polls a page until it answers want.
func (m *member) waitStatus(t *testing.T, path string, want int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s on %s: %s to answer %d", m.name, m.in.host, path, want), func() (bool, string) {
		code, _ := m.get(t, path)
		return code == want, fmt.Sprintf("got %d", code)
	})
}

// waitCount polls a page until the number shown in the element with
// testid is want.
func (m *member) waitCount(t *testing.T, path, testid string, want int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s on %s: %s to show %s %d", m.name, m.in.host, path, testid, want), func() (bool, string) {
		n, ok := count(m.page(t, path), testid)
		return ok && n == want, fmt.Sprintf("shows %d (found %t)", n, ok)
	})
}

// count reads the number shown in the element with testid.
func count(page, testid string) (int, bool) {
	re := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(testid) + `"[^>]*>\s*([0-9]+)\s*<`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

var nonceSeq struct {
	sync.Mutex
	n int
}

// nonce is a word no other text of the test holds.
func nonce(word string) string {
	nonceSeq.Lock()
	defer nonceSeq.Unlock()
	nonceSeq.n++
	return fmt.Sprintf("%s%dx%d", word, nonceSeq.n, time.Now().UnixNano()%1_000_000)
}

// drained waits until the instance's outbox has nothing left to deliver.
func (in *instance) drained(t *testing.T) {
	t.Helper()
	waitFor(t, in.host+"'s outbox to drain", func() (bool, string) {
		n, err := in.db.CountPendingActivities()
		return err == nil && n == 0, fmt.Sprintf("%d pending (%v)", n, err)
	})
}

// inboxIdle waits until the instance's inbox queue is empty.
func (in *instance) inboxIdle(t *testing.T) {
	t.Helper()
	waitFor(t, in.host+"'s inbox to be taken in", func() (bool, string) {
		n, err := in.db.CountPendingInbox()
		return err == nil && n == 0, fmt.Sprintf("%d queued (%v)", n, err)
	})
}

// settle waits until both instances have delivered and taken in all
// there is, twice over (an activity taken in may queue an answer).
func settle(t *testing.T, a, b *instance) {
	for range 2 {
		a.drained(t)
		b.drained(t)
		a.inboxIdle(t)
		b.inboxIdle(t)
	}
}
