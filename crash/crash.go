//go:build unix

package crash

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
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
	"sync/atomic"
	"syscall"
	"time"
)

// Build compiles the majlis binary of the module at root into dir and
// returns its path; the crash, memory and load tests all run a binary
// built this way.
func Build(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "majlis")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// Options configure Run. Binary and DataDir are required.
type Options struct {
	// Binary is the path to a built majlis binary.
	Binary string
	// DataDir is a fresh data folder, created if missing. The server logs
	// go beside the database as server-N.log (N counts the starts).
	DataDir string
	// Rounds is the number of kill/restart cycles; default 3.
	Rounds int
	// Clients is the number of concurrent posting clients; default 8. Even
	// clients post like a browser without JavaScript (303 answer), odd ones
	// like HTMX (200 answer carrying the new post and its permalink).
	Clients int
	// The server is killed at a random moment in [MinUp, MaxUp] after the
	// clients start posting (that is, after it serves and the accounts are
	// signed in); defaults 300ms and 1.5s.
	MinUp, MaxUp time.Duration
	// Seed drives the random kill moments; 0 picks one from the clock
	// (Report.Seed tells which, to replay a run).
	Seed int64
	// Followers, when positive, extends the check to the delivery queue:
	// that many accounts on a fake remote server (a FakeServer on
	// loopback) follow each posting account, so every post queues a
	// Create for that server's inbox, and the kills hit deliveries in
	// flight too. At the end every acknowledged post's Create must have
	// reached the fake inbox, and no activity may arrive twice beyond
	// what the kills can explain (see DeliveryReport).
	Followers int
	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// DeliveryPerHost is how many POSTs the delivery workers send to one
// host at once (the federation Deliverer's default PerHost). A kill can
// cut off at most that many deliveries to the fake server after it took
// them but before the sender recorded them: those go again after the
// restart, the only repeats allowed.
const DeliveryPerHost = 2

// DeliveryReport is what the fake remote server saw (Options.Followers).
type DeliveryReport struct {
	// Expected counts the acknowledged posts whose Create must arrive;
	// Delivered those whose Create did.
	Expected, Delivered int
	// Received counts the POSTs the fake inbox took; Distinct the
	// distinct activity ids among them; Repeated the rest.
	Received, Distinct, Repeated int
	// Bound is the most repeats the kills can explain: kills ×
	// DeliveryPerHost.
	Bound int
	// Drain is how long the queue took to deliver what was left after
	// the last restart.
	Drain time.Duration
}

// Round is what happened in one kill/restart cycle.
type Round struct {
	N int
	// Up is how long the clients posted before the kill.
	Up time.Duration
	// Acknowledged posts were answered as published; Verified of them were
	// found complete after the restart.
	Acknowledged, Verified int
	// InFlight requests had no answer when the process died; InFlightFound
	// of them were stored anyway (allowed, if complete).
	InFlight, InFlightFound int
	// Check, Restart and Verify are how long those steps took.
	Check, Restart, Verify time.Duration
}

// Report is the outcome of Run. Every slice other than PerRound lists
// something majlis got wrong; Problems joins them.
type Report struct {
	Seed   int64
	Rounds int // rounds completed
	// Acknowledged counts posts answered as published over all rounds;
	// Verified counts those found complete after the restart that followed.
	Acknowledged, Verified int
	PerRound               []Round

	// Lost: acknowledged posts missing after a restart (the permalink, or
	// "@name: body" when the 303 answer did not carry one).
	Lost []string
	// CheckFailures: "majlis check" failing after a kill or at the end.
	CheckFailures []string
	// CountDrift: a profile's posts-count differing from the posts it lists,
	// or a post readable by permalink but missing from its author's list.
	CountDrift []string
	// Broken: posts listed but incomplete (permalink not 200 or without its
	// text, article without permalink or text).
	Broken []string
	// Duplicates: one post body stored more than once.
	Duplicates []string
	// Sessions: a session cookie not surviving a restart, or a failed login.
	Sessions []string
	// Errors: unexpected answers while posting (not 303/200), and stored
	// posts that no client sent or that were refused.
	Errors []string
	// Stop: the last server not exiting 0 within 15 s of SIGTERM.
	Stop string

	// Delivery is the delivery queue's record (Options.Followers).
	Delivery DeliveryReport
	// Undelivered: acknowledged posts whose Create never reached the
	// fake inbox.
	Undelivered []string
	// Redelivered: activities received more often than the kills
	// explain.
	Redelivered []string
	// Signatures: deliveries the fake inbox refused (signature, digest,
	// date, actor).
	Signatures []string
	// Unsearchable: acknowledged posts that search did not find after the
	// restart (search.go).
	Unsearchable []string
}

// Problems lists every failure in the report, one line each; empty means
// majlis kept everything it acknowledged.
func (r Report) Problems() []string {
	var out []string
	add := func(kind string, items []string) {
		for _, s := range items {
			out = append(out, kind+": "+s)
		}
	}
	add("lost", r.Lost)
	add("check", r.CheckFailures)
	add("count drift", r.CountDrift)
	add("broken", r.Broken)
	add("duplicate", r.Duplicates)
	add("session", r.Sessions)
	add("error", r.Errors)
	add("undelivered", r.Undelivered)
	add("redelivered", r.Redelivered)
	add("signature", r.Signatures)
	add("unsearchable", r.Unsearchable)
	if r.Stop != "" {
		out = append(out, "stop: "+r.Stop)
	}
	return out
}

const (
	users          = 3
	requestTimeout = 15 * time.Second
	healthTimeout  = 15 * time.Second
	stopTimeout    = 15 * time.Second
	checkTimeout   = 60 * time.Second
	// maxPostsPerClient and maxPages bound loops that should end long before.
	maxPostsPerClient = 100_000
	maxPages          = 100_000
	verifyWorkers     = 8
)

// Run starts the binary, then Rounds times: posts concurrently, kills the
// process with SIGKILL, checks the file, restarts and verifies. It returns an
// error only when the harness itself cannot go on (the binary does not
// start, a request that must work fails, ctx ends); what majlis gets wrong
// is in the Report.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Binary == "" || o.DataDir == "" {
		return Report{}, errors.New("crash: Binary and DataDir are required")
	}
	if o.Rounds <= 0 {
		o.Rounds = 3
	}
	if o.Clients <= 0 {
		o.Clients = 8
	}
	if o.MinUp <= 0 {
		o.MinUp = 300 * time.Millisecond
	}
	if o.MaxUp <= 0 {
		o.MaxUp = 1500 * time.Millisecond
	}
	if o.MaxUp < o.MinUp {
		return Report{}, fmt.Errorf("crash: MaxUp %s is less than MinUp %s", o.MaxUp, o.MinUp)
	}
	if o.Seed == 0 {
		o.Seed = time.Now().UnixNano()
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	bin, err := filepath.Abs(o.Binary)
	if err != nil {
		return Report{}, fmt.Errorf("crash: %w", err)
	}
	o.Binary = bin
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return Report{}, fmt.Errorf("crash: %w", err)
	}

	h := &harness{o: o, rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x6d616a6c6973))}
	rep := Report{Seed: o.Seed}
	o.Logf("crash: seed %d, %d rounds, %d clients, kill after %s..%s", o.Seed, o.Rounds, o.Clients, o.MinUp, o.MaxUp)
	defer h.cleanup()
	if o.Followers > 0 {
		key, err := rsa.GenerateKey(crand.Reader, 2048)
		if err != nil {
			return rep, fmt.Errorf("crash: %w", err)
		}
		if h.fake, err = NewFakeServer(key, NewSenderKeys()); err != nil {
			return rep, fmt.Errorf("crash: %w", err)
		}
		defer h.fake.Close()
	}

	s, err := h.start(ctx)
	if err != nil {
		return rep, err
	}
	if err := h.signUp(ctx, s); err != nil {
		return rep, err
	}
	if h.fake != nil {
		// The followers are written into the file, so the server must
		// be down (it holds the file's lock).
		if msg := h.stop(s); msg != "" {
			return rep, fmt.Errorf("crash: stopping to seed the remote followers: %s", msg)
		}
		var names []string
		for _, a := range h.accounts {
			names = append(names, a.name)
		}
		n, err := SeedRemoteFollowers(o.DataDir, names, []string{h.fake.Host}, o.Followers)
		if err != nil {
			return rep, fmt.Errorf("crash: seeding remote followers: %w", err)
		}
		o.Logf("crash: %d remote follows of %d accounts from %s", n, len(names), h.fake.Host)
		if s, err = h.start(ctx); err != nil {
			return rep, err
		}
	}
	var earlier []post // acknowledged in rounds already verified
	for r := 1; r <= o.Rounds; r++ {
		rd := Round{N: r}
		if r > 1 {
			if err := h.logIn(ctx, s, &rep); err != nil {
				return rep, err
			}
		}
		res, err := h.postAndKill(ctx, s, r, &rd)
		if err != nil {
			return rep, err
		}
		rd.Acknowledged, rd.InFlight = len(res.acked), len(res.inflight)
		rep.Acknowledged += len(res.acked)
		rep.Errors = append(rep.Errors, res.errors...)

		t := time.Now()
		if msg, err := h.check(ctx); err != nil {
			return rep, err
		} else if msg != "" {
			rep.CheckFailures = append(rep.CheckFailures, fmt.Sprintf("after the kill in round %d: %s", r, msg))
		}
		rd.Check = time.Since(t)

		t = time.Now()
		if s, err = h.start(ctx); err != nil {
			return rep, err
		}
		rd.Restart = time.Since(t)

		t = time.Now()
		if err := h.verify(ctx, s, r, res, earlier, &rd, &rep); err != nil {
			return rep, err
		}
		if err := h.verifySearch(ctx, s, r, res, &rep); err != nil { // search.go
			return rep, err
		}
		rd.Verify = time.Since(t)
		rep.Verified += rd.Verified
		rep.PerRound = append(rep.PerRound, rd)
		rep.Rounds = r
		earlier = append(earlier, res.acked...)
		o.Logf("crash: round %d: up %s, %d acknowledged, %d verified, %d in flight (%d stored); check %s, restart %s, verify %s",
			r, rd.Up.Round(time.Millisecond), rd.Acknowledged, rd.Verified, rd.InFlight, rd.InFlightFound,
			rd.Check.Round(time.Millisecond), rd.Restart.Round(time.Millisecond), rd.Verify.Round(time.Millisecond))
	}

	if h.fake != nil {
		if err := h.checkDelivery(ctx, earlier, &rep); err != nil {
			return rep, err
		}
	}

	t := time.Now()
	rep.Stop = h.stop(s)
	o.Logf("crash: graceful stop took %s", time.Since(t).Round(time.Millisecond))
	if msg, err := h.check(ctx); err != nil {
		return rep, err
	} else if msg != "" {
		rep.CheckFailures = append(rep.CheckFailures, "after the graceful stop: "+msg)
	}
	return rep, nil
}

// harness holds the state of one Run.
type harness struct {
	o        Options
	rng      *rand.Rand
	starts   int
	current  *server
	accounts []*account
	// port is the server's, the same at every start, so that its URL
	// (and every URI it federates) stays the same across restarts.
	port int
	// fake is the remote server of the delivery check, or nil.
	fake *FakeServer
}

// post is one attempt to publish.
type post struct {
	round, client int
	user          string
	body          string
	// permalink is "/@name/ID" when the answer carried it (HTMX), else "".
	permalink string
}

func (p post) String() string {
	if p.permalink != "" {
		return p.permalink + " (" + p.body + ")"
	}
	return "@" + p.user + ": " + p.body
}

type account struct {
	name, password string
	jar            http.CookieJar
}

// server is one run of the binary.
type server struct {
	cmd     *exec.Cmd
	base    string // "http://127.0.0.1:PORT"
	logPath string
	tr      *http.Transport
	done    chan struct{} // closed once the process is reaped
	waitErr error
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// client is an HTTP client for this server that does not follow redirects.
func (s *server) client(jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport: s.tr,
		Jar:       jar,
		Timeout:   requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// freePort finds a loopback port nobody listens on.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs the binary on a fresh loopback port and waits for /healthz.
func (h *harness) start(ctx context.Context) (*server, error) {
	h.starts++
	if h.port == 0 {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("crash: free port: %w", err)
		}
		h.port = port
	}
	addr := "127.0.0.1:" + strconv.Itoa(h.port)
	logPath := filepath.Join(h.o.DataDir, fmt.Sprintf("server-%d.log", h.starts))
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("crash: %w", err)
	}
	args := []string{"-addr", addr, "-data", h.o.DataDir, "-log", "json", "-url", "http://" + addr}
	if h.fake != nil {
		args = append(args, "-allow-private-addresses")
	}
	cmd := exec.Command(h.o.Binary, args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("crash: start %s: %w", h.o.Binary, err)
	}
	s := &server{
		cmd:     cmd,
		base:    "http://" + addr,
		logPath: logPath,
		tr:      &http.Transport{MaxIdleConnsPerHost: 4 * h.o.Clients, IdleConnTimeout: 30 * time.Second},
		done:    make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	h.current = s

	t0 := time.Now()
	cl := s.client(nil)
	for time.Since(t0) < healthTimeout {
		if s.exited() {
			return nil, fmt.Errorf("crash: server start %d exited before serving (%v); log %s:\n%s", h.starts, s.waitErr, logPath, tail(logPath, 20))
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/healthz", nil)
		if resp, err := cl.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				h.o.Logf("crash: server start %d (pid %d) serves on %s after %s", h.starts, cmd.Process.Pid, addr, time.Since(t0).Round(time.Millisecond))
				return s, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("crash: server start %d did not answer /healthz within %s; log %s:\n%s", h.starts, healthTimeout, logPath, tail(logPath, 20))
}

// childEnv is this process's environment without MAJLIS_* settings, so only
// the flags configure the server.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAJLIS_") {
			env = append(env, kv)
		}
	}
	return env
}

// kill sends SIGKILL to the server and reaps it.
func (h *harness) kill(s *server) {
	if !s.exited() {
		syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-s.done
	s.tr.CloseIdleConnections()
}

// stop ends the server with SIGTERM and says what went wrong, if anything.
func (h *harness) stop(s *server) string {
	if s.exited() {
		return fmt.Sprintf("the server had already exited (%v)", s.waitErr)
	}
	s.tr.CloseIdleConnections()
	if err := syscall.Kill(s.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		return fmt.Sprintf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
		if s.waitErr != nil {
			return fmt.Sprintf("exited with %v after SIGTERM; log %s:\n%s", s.waitErr, s.logPath, tail(s.logPath, 10))
		}
		return ""
	case <-time.After(stopTimeout):
		h.kill(s)
		return fmt.Sprintf("did not exit within %s of SIGTERM (killed); log %s", stopTimeout, s.logPath)
	}
}

// cleanup kills a server that is still running when Run returns early.
func (h *harness) cleanup() {
	if h.current != nil && !h.current.exited() {
		h.kill(h.current)
	}
}

// check runs "majlis check" on the data folder (with no server running:
// bbolt holds an exclusive lock) and returns its complaint, or "".
func (h *harness) check(ctx context.Context) (string, error) {
	if h.current != nil && !h.current.exited() {
		return "", errors.New("crash: check while the server runs")
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, h.o.Binary, "check", "-data", h.o.DataDir)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	text := strings.TrimSpace(string(out))
	if err != nil {
		return fmt.Sprintf("majlis check: %v: %s", err, text), nil
	}
	if !strings.Contains(text, "ok") {
		return "majlis check printed no ok: " + text, nil
	}
	h.o.Logf("crash: %s", text)
	return "", nil
}

// form posts a form and returns the status, the Location header and the
// body.
func form(ctx context.Context, cl *http.Client, target string, v url.Values, hdr map[string]string) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(v.Encode()))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), body, err
}

// get fetches a page and returns its status and body.
func get(ctx context.Context, cl *http.Client, target string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// signUp registers the accounts (logging in instead if a name is taken, in
// a data folder that was not fresh).
func (h *harness) signUp(ctx context.Context, s *server) error {
	t := time.Now()
	h.accounts = make([]*account, users)
	errs := make([]error, users)
	var wg sync.WaitGroup
	for i := range users {
		jar, _ := cookiejar.New(nil)
		a := &account{name: fmt.Sprintf("crash%d", i+1), password: fmt.Sprintf("crash-password-%d", i+1), jar: jar}
		h.accounts[i] = a
		wg.Go(func() {
			code, loc, body, err := form(ctx, s.client(a.jar), s.base+"/register",
				url.Values{"username": {a.name}, "password": {a.password}, "display_name": {"Crash " + strconv.Itoa(i+1)}}, nil)
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("crash: register %s: %w", a.name, err)
			case code == http.StatusConflict:
				errs[i] = h.logInAccount(ctx, s, a)
			case code != http.StatusSeeOther || loc != "/":
				errs[i] = fmt.Errorf("crash: register %s: got %d to %q, want 303 to \"/\": %.300s", a.name, code, loc, body)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, a := range h.accounts {
		if ok, why := h.signedIn(ctx, s, a.jar); !ok {
			return fmt.Errorf("crash: after registering %s: %s", a.name, why)
		}
	}
	h.o.Logf("crash: registered %d accounts in %s", users, time.Since(t).Round(time.Millisecond))
	return nil
}

// logInAccount logs a in with a fresh cookie jar.
func (h *harness) logInAccount(ctx context.Context, s *server, a *account) error {
	jar, _ := cookiejar.New(nil)
	code, loc, body, err := form(ctx, s.client(jar), s.base+"/login", url.Values{"username": {a.name}, "password": {a.password}}, nil)
	if err != nil {
		return fmt.Errorf("crash: log in %s: %w", a.name, err)
	}
	if code != http.StatusSeeOther || loc != "/" {
		return fmt.Errorf("crash: log in %s: got %d to %q, want 303 to \"/\": %.300s", a.name, code, loc, body)
	}
	a.jar = jar
	return nil
}

// logIn logs every account in again after a restart (the old sessions were
// checked by verify) and checks the new sessions work.
func (h *harness) logIn(ctx context.Context, s *server, rep *Report) error {
	t := time.Now()
	errs := make([]error, len(h.accounts))
	var wg sync.WaitGroup
	for i, a := range h.accounts {
		wg.Go(func() { errs[i] = h.logInAccount(ctx, s, a) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rep.Sessions = append(rep.Sessions, err.Error())
			continue
		}
		if ok, why := h.signedIn(ctx, s, h.accounts[i].jar); !ok {
			rep.Sessions = append(rep.Sessions, fmt.Sprintf("@%s: fresh login: %s", h.accounts[i].name, why))
		}
	}
	h.o.Logf("crash: logged %d accounts in again in %s", len(h.accounts), time.Since(t).Round(time.Millisecond))
	return nil
}

// signedIn tells whether the jar's session is valid: /settings answers 200
// to a member and redirects a visitor to /login.
func (h *harness) signedIn(ctx context.Context, s *server, jar http.CookieJar) (bool, string) {
	code, _, err := get(ctx, s.client(jar), s.base+"/settings")
	if err != nil {
		return false, "GET /settings: " + err.Error()
	}
	if code != http.StatusOK {
		return false, fmt.Sprintf("GET /settings: got %d, want 200", code)
	}
	return true, ""
}

// roundResult collects what the posting clients saw in one round.
type roundResult struct {
	mu       sync.Mutex
	acked    []post
	inflight []post
	errors   []string
}

var permalinkRE = regexp.MustCompile(`href="(/@[A-Za-z0-9_]+/[0-9]+)"`)

// postAndKill runs the posting clients, kills the server at a random moment
// and waits until every client has stopped.
func (h *harness) postAndKill(ctx context.Context, s *server, round int, rd *Round) (*roundResult, error) {
	res := &roundResult{}
	var stop atomic.Bool
	var wg sync.WaitGroup
	up := h.o.MinUp + time.Duration(h.rng.Int64N(int64(h.o.MaxUp-h.o.MinUp)+1))
	start := time.Now()
	for c := range h.o.Clients {
		a := h.accounts[c%len(h.accounts)]
		wg.Go(func() { h.poster(ctx, s, round, c, a, &stop, res) })
	}
	timer := time.NewTimer(up)
	defer timer.Stop()
	var err error
	select {
	case <-timer.C:
	case <-s.done:
		err = fmt.Errorf("crash: round %d: the server exited by itself (%v) %s after posting began; log %s:\n%s",
			round, s.waitErr, time.Since(start).Round(time.Millisecond), s.logPath, tail(s.logPath, 20))
	case <-ctx.Done():
		err = ctx.Err()
	}
	rd.Up = time.Since(start)
	if !s.exited() {
		syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
	}
	stop.Store(true)
	h.kill(s) // reap
	wg.Wait()
	h.o.Logf("crash: round %d: SIGKILL after %s", round, rd.Up.Round(time.Millisecond))
	return res, err
}

// poster publishes posts until stop, recording each answer.
func (h *harness) poster(ctx context.Context, s *server, round, c int, a *account, stop *atomic.Bool, res *roundResult) {
	cl := s.client(a.jar)
	htmx := c%2 == 1
	var hdr map[string]string
	if htmx {
		hdr = map[string]string{"HX-Request": "true"}
	}
	for n := 0; n < maxPostsPerClient && !stop.Load() && ctx.Err() == nil; n++ {
		p := post{round: round, client: c, user: a.name, body: fmt.Sprintf("crash r%d c%d n%d %08x", round, c, n, rand.Uint32())}
		code, loc, body, err := form(ctx, cl, s.base+"/posts", url.Values{"body": {p.body}}, hdr)
		if err != nil && code == 0 {
			if errors.Is(err, syscall.ECONNREFUSED) {
				// Never reached the server (it is gone).
				time.Sleep(5 * time.Millisecond)
				continue
			}
			res.mu.Lock()
			res.inflight = append(res.inflight, p)
			res.mu.Unlock()
			continue
		}
		// A status line was read: the server answered. Under HTMX the body
		// may be cut off by the kill, which leaves the permalink unknown.
		ok := false
		switch {
		case !htmx && code == http.StatusSeeOther:
			ok = true
		case htmx && code == http.StatusOK:
			ok = true
			if m := permalinkRE.FindSubmatch(body); m != nil {
				p.permalink = string(m[1])
			}
		}
		res.mu.Lock()
		if ok {
			res.acked = append(res.acked, p)
		} else {
			res.errors = append(res.errors, fmt.Sprintf("round %d client %d: POST /posts (htmx %t) answered %d (location %q): %.200s", round, c, htmx, code, loc, body))
		}
		res.mu.Unlock()
	}
}

// listed is one post as a profile page shows it.
type listed struct {
	permalink, body string
}

var (
	articleSep = `data-testid="post"`
	bodyRE     = regexp.MustCompile(`crash r[0-9]+ c[0-9]+ n[0-9]+ [0-9a-f]{8}`)
	countRE    = regexp.MustCompile(`data-testid="posts-count"[^>]*>\s*([0-9]+)\s*<`)
	moreRE     = regexp.MustCompile(`href="(/@[A-Za-z0-9_]+\?before=[0-9]+)"`)
)

// scanProfile reads every page of a profile and returns the posts-count it
// shows and the posts it lists. Malformed articles go to broken.
func (h *harness) scanProfile(ctx context.Context, s *server, name string) (count int, posts []listed, broken []string, err error) {
	cl := s.client(nil)
	next := "/@" + name
	seen := map[string]bool{}
	for page := 0; next != ""; page++ {
		if page >= maxPages || seen[next] {
			return 0, nil, nil, fmt.Errorf("crash: @%s: profile pages do not end (at %s)", name, next)
		}
		seen[next] = true
		code, html, err := get(ctx, cl, s.base+next)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("crash: GET %s: %w", next, err)
		}
		if code != http.StatusOK {
			broken = append(broken, fmt.Sprintf("GET %s: got %d, want 200", next, code))
			break
		}
		if page == 0 {
			m := countRE.FindStringSubmatch(html)
			if m == nil {
				return 0, nil, nil, fmt.Errorf("crash: GET %s: no posts-count in the page", next)
			}
			count, _ = strconv.Atoi(m[1])
		}
		chunks := strings.Split(html, articleSep)
		for _, ch := range chunks[1:] {
			pl := permalinkRE.FindStringSubmatch(ch)
			b := bodyRE.FindString(ch)
			if pl == nil || b == "" {
				broken = append(broken, fmt.Sprintf("%s: an article without permalink or text: %.200s", next, ch))
				continue
			}
			posts = append(posts, listed{permalink: pl[1], body: b})
		}
		next = ""
		if m := moreRE.FindStringSubmatch(html); m != nil {
			next = m[1]
		}
	}
	return count, posts, broken, nil
}

// verify checks the restarted server against what the clients saw in this
// round and in earlier ones.
func (h *harness) verify(ctx context.Context, s *server, round int, res *roundResult, earlier []post, rd *Round, rep *Report) error {
	// Sessions are kept in the file: the cookies from before the kill work.
	for _, a := range h.accounts {
		if ok, why := h.signedIn(ctx, s, a.jar); !ok {
			rep.Sessions = append(rep.Sessions, fmt.Sprintf("after the kill in round %d, @%s's session: %s", round, a.name, why))
		}
	}

	// Every profile, every page.
	type found struct {
		listed
		user string
	}
	byBody := map[string]found{}
	total := 0
	for _, a := range h.accounts {
		count, posts, broken, err := h.scanProfile(ctx, s, a.name)
		if err != nil {
			return err
		}
		total += len(posts)
		for _, b := range broken {
			rep.Broken = append(rep.Broken, fmt.Sprintf("after round %d: %s", round, b))
		}
		if count != len(posts) {
			rep.CountDrift = append(rep.CountDrift, fmt.Sprintf("after round %d: @%s shows posts-count %d but lists %d posts", round, a.name, count, len(posts)))
		}
		for _, p := range posts {
			if prev, dup := byBody[p.body]; dup {
				rep.Duplicates = append(rep.Duplicates, fmt.Sprintf("after round %d: %q stored as %s and %s", round, p.body, prev.permalink, p.permalink))
				continue
			}
			byBody[p.body] = found{p, a.name}
		}
	}

	h.o.Logf("crash: after round %d the profiles list %d posts", round, total)

	// Permalinks to fetch: everything stored in this round must render.
	type job struct {
		permalink, body string
		acked           bool
		desc            string
	}
	var jobs []job
	sent := map[string]bool{}
	for _, p := range res.acked {
		sent[p.body] = true
		f, ok := byBody[p.body]
		switch {
		case ok && f.user != p.user:
			rep.Broken = append(rep.Broken, fmt.Sprintf("round %d: %s is listed on @%s's profile", round, p, f.user))
		case ok && p.permalink != "" && p.permalink != f.permalink:
			rep.Broken = append(rep.Broken, fmt.Sprintf("round %d: %s is listed as %s", round, p, f.permalink))
		case ok:
			jobs = append(jobs, job{f.permalink, p.body, true, p.String()})
		case p.permalink != "":
			// Not on the profile; is the post itself there?
			code, html, err := get(ctx, s.client(nil), s.base+p.permalink)
			if err != nil {
				return fmt.Errorf("crash: GET %s: %w", p.permalink, err)
			}
			if code == http.StatusOK && strings.Contains(html, p.body) {
				rep.CountDrift = append(rep.CountDrift, fmt.Sprintf("round %d: %s answers 200 but is missing from @%s's profile", round, p, p.user))
			} else {
				rep.Lost = append(rep.Lost, fmt.Sprintf("round %d: %s (permalink answers %d, not on the profile)", round, p, code))
			}
		default:
			rep.Lost = append(rep.Lost, fmt.Sprintf("round %d: %s (not on the profile)", round, p))
		}
	}
	for _, p := range res.inflight {
		sent[p.body] = true
		if f, ok := byBody[p.body]; ok {
			rd.InFlightFound++
			jobs = append(jobs, job{f.permalink, p.body, false, p.String() + " (in flight at the kill)"})
		}
	}
	prefix := fmt.Sprintf("crash r%d ", round)
	for body, f := range byBody {
		if strings.HasPrefix(body, prefix) && !sent[body] {
			rep.Errors = append(rep.Errors, fmt.Sprintf("round %d: %s (%q) is stored, but no client sent it or it was refused", round, f.permalink, body))
		}
	}
	// Acknowledged earlier, verified then: still there.
	for _, p := range earlier {
		if _, ok := byBody[p.body]; !ok {
			rep.Lost = append(rep.Lost, fmt.Sprintf("round %d: %s, acknowledged in round %d and verified then, is gone", round, p, p.round))
		}
	}

	// Fetch the permalinks.
	var (
		mu       sync.Mutex
		verified int
		failed   []string
		fatal    error
		wg       sync.WaitGroup
		next     atomic.Int64
	)
	for range verifyWorkers {
		wg.Go(func() {
			cl := s.client(nil)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				code, html, err := get(ctx, cl, s.base+j.permalink)
				mu.Lock()
				switch {
				case err != nil:
					if fatal == nil {
						fatal = fmt.Errorf("crash: GET %s: %w", j.permalink, err)
					}
				case code == http.StatusOK && strings.Contains(html, j.body):
					if j.acked {
						verified++
					}
				default:
					failed = append(failed, fmt.Sprintf("round %d: %s: permalink %s answers %d (text present: %t)", round, j.desc, j.permalink, code, strings.Contains(html, j.body)))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if fatal != nil {
		return fatal
	}
	rep.Broken = append(rep.Broken, failed...)
	rd.Verified = verified
	return nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// deliveryDrainTimeout bounds the wait for the queue to deliver what the
// last round left.
const deliveryDrainTimeout = 40 * time.Second

// checkDelivery waits until the fake server took a Create of every
// acknowledged post (or deliveryDrainTimeout passes), then compares what
// it received with what it had to: every acknowledged post delivered,
// repeats within what the kills explain, every signature valid.
func (h *harness) checkDelivery(ctx context.Context, acked []post, rep *Report) error {
	t0 := time.Now()
	want := map[string]bool{}
	for _, p := range acked {
		want[p.body] = true
	}
	delivered := map[string]bool{}
	seen := 0
	for {
		got := h.fake.Receipts()
		for _, r := range got[seen:] {
			if r.Type != "Create" {
				continue
			}
			for _, b := range bodyRE.FindAll(r.Body, -1) {
				delivered[string(b)] = true
			}
		}
		seen = len(got)
		missing := 0
		for b := range want {
			if !delivered[b] {
				missing++
			}
		}
		if missing == 0 || time.Since(t0) > deliveryDrainTimeout {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	d := &rep.Delivery
	d.Drain = time.Since(t0)
	d.Expected = len(want)
	for _, p := range acked {
		if delivered[p.body] {
			d.Delivered++
		} else if len(rep.Undelivered) < 50 {
			rep.Undelivered = append(rep.Undelivered, fmt.Sprintf("round %d: %s: no Create reached the fake inbox within %s of the last restart", p.round, p, deliveryDrainTimeout))
		}
	}
	times := map[string]int{}
	got := h.fake.Receipts()
	for _, r := range got {
		times[r.ID]++
	}
	d.Received, d.Distinct = len(got), len(times)
	d.Repeated = d.Received - d.Distinct
	d.Bound = h.o.Rounds * DeliveryPerHost
	if d.Repeated > d.Bound {
		var ids []string
		for id, n := range times {
			if n > 1 && len(ids) < 10 {
				ids = append(ids, fmt.Sprintf("%s ×%d", id, n))
			}
		}
		rep.Redelivered = append(rep.Redelivered, fmt.Sprintf("%d repeated deliveries, more than %d kills × %d per host explain: %s",
			d.Repeated, h.o.Rounds, DeliveryPerHost, strings.Join(ids, ", ")))
	}
	rep.Signatures = append(rep.Signatures, h.fake.Refused()...)
	h.o.Logf("crash: delivery: %d of %d acknowledged posts delivered (queue drained in %s); %d POSTs, %d distinct activities, %d repeated (bound %d)",
		d.Delivered, d.Expected, d.Drain.Round(time.Millisecond), d.Received, d.Distinct, d.Repeated, d.Bound)
	return nil
}
