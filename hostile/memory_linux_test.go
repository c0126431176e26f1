package hostile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/admin"
	"majlis/crash"
	"majlis/media"
	"majlis/storage"
)

// memoryBudget is the most memory the server may use, whatever it is sent.
const memoryBudget = 512 << 20

// TestMemory runs the real majlis binary under a hard memory limit of
// memoryBudget (see setupLimit) and sends it the hostile corpus, one item
// at a time, each item's requests at once, while a member keeps
// publishing. It fails when an item kills the server or makes its peak
// resident set exceed the budget, when any request gets a 5xx or no
// answer, when a post the server acknowledged is missing afterwards, or
// when "majlis check" does not pass on the data. A server killed by an
// item is restarted, so that one run reports every item that fails.
func TestMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds majlis and sends it the hostile corpus under a 512 MB memory limit (about a minute); skipped with -short")
	}
	began := time.Now()
	limit := setupLimit(t, memoryBudget)
	t.Logf("memory limit: %s", limit.how)
	h := newHarness(t, buildMajlis(t), limit)
	h.fixtures(t)
	if err := h.start(); err != nil {
		t.Fatal(err)
	}
	defer h.kill()
	for _, a := range []*account{h.mallory, h.member} {
		if err := h.logIn(a); err != nil {
			t.Fatal(err)
		}
	}

	wctx, stopWriter := context.WithCancel(t.Context())
	writer := h.startWriter(wctx)

	var peaks []string
	for _, it := range h.corpus() {
		t.Run(it.name, func(t *testing.T) {
			peaks = append(peaks, h.run(t, it))
		})
	}

	stopWriter()
	<-writer.done
	h.verify(t, writer)
	if err := h.stop(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	h.check(t)
	t.Logf("peak resident set per item (budget %s, limit %s):\n%s", mb(memoryBudget), limit.how, strings.Join(peaks, "\n"))
	t.Logf("%d server starts; whole test %s", h.starts, time.Since(began).Round(time.Millisecond))
}

// buildMajlis builds the binary from the module root, this folder's
// parent, as the crash test does.
func buildMajlis(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	bin, err := crash.Build(t.Context(), root, t.TempDir())
	if err != nil {
		t.Fatalf("build majlis: %v", err)
	}
	t.Logf("built %s in %s", bin, time.Since(t0).Round(time.Millisecond))
	return bin
}

// account is a member of the test instance with its browser's cookies.
type account struct {
	name, password string
	jar            http.CookieJar
}

// harness runs the server and talks to it.
type harness struct {
	t     *testing.T
	bin   string
	data  string // the data folder
	tmp   string // the server's TMPDIR (multipart files)
	logs  string // server-N.log
	addr  string // 127.0.0.1:PORT, kept across restarts
	base  string // http://addr
	limit *memLimit
	tr    *http.Transport

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current process is reaped
	waitErr error
	starts  int

	admin, mallory, member, crowd *account
	// markdownAcked are the nested-Markdown posts the server
	// acknowledged (their permalinks).
	markdownAcked []string
}

func newHarness(t *testing.T, bin string, limit *memLimit) *harness {
	dir := t.TempDir()
	h := &harness{t: t, bin: bin, limit: limit,
		data: filepath.Join(dir, "data"), tmp: filepath.Join(dir, "tmp"), logs: dir,
		tr: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
	}
	for _, d := range []string{h.data, h.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	ln.Close()
	h.base = "http://" + h.addr
	acct := func(name string) *account {
		jar, _ := cookiejar.New(nil)
		return &account{name: name, password: "hostile-password-" + name, jar: jar}
	}
	h.admin, h.mallory, h.member, h.crowd = acct("admin"), acct("mallory"), acct("member"), acct("crowd")
	return h
}

// fixtures makes the accounts and sets the longest post length an admin
// may choose, straight in the file before the server first starts. The
// passwords are hashed at bcrypt's lowest cost, so that logging in
// thousands of times takes seconds, not minutes.
func (h *harness) fixtures(t *testing.T) {
	db, err := storage.Open(filepath.Join(h.data, "majlis.db"), storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ops := &admin.Ops{DB: db, PasswordCost: bcrypt.MinCost, BaseURL: h.base}
	var adminID storage.ID
	for _, a := range []*account{h.admin, h.mallory, h.member, h.crowd} {
		u, err := ops.CreateUser(a.name, strings.ToUpper(a.name[:1])+a.name[1:], a.password, a == h.admin)
		if err != nil {
			t.Fatalf("create %s: %v", a.name, err)
		}
		if a == h.admin {
			adminID = u.ID
		}
	}
	s, _, err := db.InstanceSettings()
	if err != nil {
		t.Fatal(err)
	}
	s.PostChars = storage.MaxPostCharsLimit
	if err := db.SaveInstanceSettings(adminID, s, "memory test", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// start runs the server (in the memory cgroup, when there is one) and
// waits for /healthz.
func (h *harness) start() error {
	h.mu.Lock()
	h.starts++
	n := h.starts
	h.mu.Unlock()
	logPath := filepath.Join(h.logs, fmt.Sprintf("server-%d.log", n))
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := h.limit.command(h.bin, "-addr", h.addr, "-data", h.data, "-url", h.base, "-log", "json")
	cmd.Env = append(cmd.Env, "TMPDIR="+h.tmp)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", h.bin, err)
	}
	done := make(chan struct{})
	h.mu.Lock()
	h.cmd, h.done = cmd, done
	h.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logFile.Close()
		h.mu.Lock()
		h.waitErr = err
		h.mu.Unlock()
		close(done)
	}()
	t0 := time.Now()
	c := &http.Client{Transport: h.tr, Timeout: 2 * time.Second}
	for time.Since(t0) < 30*time.Second {
		select {
		case <-done:
			return fmt.Errorf("server start %d exited before serving (%v):\n%s", n, h.exitErr(), tail(logPath, 15))
		default:
		}
		if resp, err := c.Get(h.base + "/healthz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				h.t.Logf("server start %d (pid %d) serves after %s", n, cmd.Process.Pid, time.Since(t0).Round(time.Millisecond))
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("server start %d did not answer /healthz within 30s:\n%s", n, tail(logPath, 15))
}

func (h *harness) exitErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waitErr
}

func (h *harness) pid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmd.Process.Pid
}

func (h *harness) exited() bool {
	h.mu.Lock()
	done := h.done
	h.mu.Unlock()
	select {
	case <-done:
		return true
	default:
		return false
	}
}

func (h *harness) logPath() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return filepath.Join(h.logs, fmt.Sprintf("server-%d.log", h.starts))
}

// healthy tells whether the server answers /healthz with 200.
func (h *harness) healthy() bool {
	if h.exited() {
		return false
	}
	c := &http.Client{Transport: h.tr, Timeout: 10 * time.Second}
	resp, err := c.Get(h.base + "/healthz")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// stop ends the server with SIGTERM; it must exit 0 within 15 s.
func (h *harness) stop() error {
	if h.exited() {
		return fmt.Errorf("the server had already exited: %v", h.exitErr())
	}
	h.mu.Lock()
	cmd, done := h.cmd, h.done
	h.mu.Unlock()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if err := h.exitErr(); err != nil {
			return fmt.Errorf("exited with %v after SIGTERM:\n%s", err, tail(h.logPath(), 10))
		}
		return nil
	case <-time.After(15 * time.Second):
		h.kill()
		return errors.New("did not exit within 15s of SIGTERM; killed")
	}
}

// kill ends the server at once, if it runs.
func (h *harness) kill() {
	h.mu.Lock()
	cmd, done := h.cmd, h.done
	h.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
	default:
		cmd.Process.Kill()
		<-done
	}
}

// client is a browser for a: its cookies, no redirects followed.
func (h *harness) client(a *account) *http.Client {
	c := &http.Client{Transport: h.tr, Timeout: 90 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if a != nil {
		c.Jar = a.jar
	}
	return c
}

// answer is what one request got.
type answer struct {
	status int
	loc    string
	body   string
	took   time.Duration
	err    error
}

// do sends a same-origin request as a browser on this site would
// (cross-origin protection lets it through) and reads the answer.
func (h *harness) do(ctx context.Context, c *http.Client, method, path, contentType string, body io.Reader, size int64, hdr map[string]string) answer {
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, body)
	if err != nil {
		return answer{err: err}
	}
	req.ContentLength = size
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", h.base)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(t0)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return answer{status: resp.StatusCode, loc: resp.Header.Get("Location"), body: string(b), took: time.Since(t0), err: err}
}

func (h *harness) form(ctx context.Context, a *account, path string, v url.Values, hdr map[string]string) answer {
	b := v.Encode()
	return h.do(ctx, h.client(a), http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(b), int64(len(b)), hdr)
}

// upload posts a multipart form with one file, without copying it.
func (h *harness) upload(ctx context.Context, a *account, path string, fields map[string]string, field, filename string, data []byte, hdr map[string]string) answer {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.CreateFormFile(field, filename)
	n := b.Len()
	mw.Close()
	head, end := b.Bytes()[:n], b.Bytes()[n:]
	body := io.MultiReader(bytes.NewReader(head), bytes.NewReader(data), bytes.NewReader(end))
	return h.do(ctx, h.client(a), http.MethodPost, path, mw.FormDataContentType(), body, int64(len(head)+len(data)+len(end)), hdr)
}

// logIn signs a in with its own cookie jar.
func (h *harness) logIn(a *account) error {
	ans := h.form(h.t.Context(), a, "/login", url.Values{"username": {a.name}, "password": {a.password}}, nil)
	if ans.err != nil || ans.status != http.StatusSeeOther {
		return fmt.Errorf("log in %s: got %d %v, want 303: %.300s", a.name, ans.status, ans.err, ans.body)
	}
	return nil
}

// ---- the member who keeps publishing ----

var permalinkRE = regexp.MustCompile(`href="(/@[A-Za-z0-9_]+/[0-9]+)"`)

// published is a post the server acknowledged: 200 with its permalink.
type published struct {
	permalink, body string
}

type writer struct {
	done   chan struct{}
	mu     sync.Mutex
	acked  []published
	errors []string
	sent   int
}

// startWriter has the member publish a post every 100 ms until ctx ends,
// as HTMX does (the answer carries the new post and its permalink).
func (h *harness) startWriter(ctx context.Context) *writer {
	w := &writer{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for n := 0; ctx.Err() == nil; n++ {
			body := fmt.Sprintf("acknowledged write %d %08x", n, rand.Uint32())
			ans := h.form(ctx, h.member, "/posts", url.Values{"body": {body}}, map[string]string{"HX-Request": "true"})
			w.mu.Lock()
			w.sent++
			switch m := permalinkRE.FindStringSubmatch(ans.body); {
			case ctx.Err() != nil:
			case ans.err == nil && ans.status == http.StatusOK && m != nil:
				w.acked = append(w.acked, published{m[1], body})
			case ans.err == nil && ans.status >= 500:
				w.errors = append(w.errors, fmt.Sprintf("publishing %q: got %d: %.200s", body, ans.status, ans.body))
			case ans.err == nil && ans.status != http.StatusOK:
				w.errors = append(w.errors, fmt.Sprintf("publishing %q: got %d, want 200: %.200s", body, ans.status, ans.body))
			case ans.err == nil:
				w.errors = append(w.errors, fmt.Sprintf("publishing %q: 200 without a permalink", body))
			}
			// An error without an answer: the server is down; the item
			// that took it down is reported.
			w.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return w
}

// ---- the corpus ----

// request is one request of a corpus item.
type request struct {
	door string // where it goes, for messages: "composer", "import" ...
	send func(ctx context.Context) answer
}

// item is one entry of the corpus: requests sent workers at a time (all
// at once when workers is 0).
type item struct {
	name     string
	requests func() []request
	workers  int
}

// corpus lists the hostile inputs. Each builder runs when its item does,
// so that the test holds one item's files at a time.
func (h *harness) corpus() []item {
	side := int(math.Sqrt(float64(media.DefaultMaxPixels))) // just under the pixel cap
	images := []struct {
		name, file string
		build      func() []byte
	}{
		{"png-declared-60000x60000", "a.png", func() []byte { return PNGDeclared(60000, 60000) }},
		{fmt.Sprintf("png-16bit-%dx%d", side, side), "c.png", func() []byte { return PNG(side, side, 16) }},
		{"jpeg-declared-65000x65000", "a.jpg", func() []byte { return JPEGDeclared(65000, 65000) }},
		{fmt.Sprintf("jpeg-progressive-%dx%d", side, side), "b.jpg", func() []byte { return JPEGProgressive(side, side) }},
		{"webp-declared-16384x16384", "a.webp", func() []byte { return WebPDeclared(16384, 16384) }},
		{fmt.Sprintf("webp-lossless-%dx%d", side, side), "b.webp", func() []byte { return WebPLossless(side, side) }},
		{"gif-200-hidden-frames-2000x2000", "a.gif", func() []byte { return GIFHiddenFrames(2000, 2000, 200) }},
		// Pictures small enough to be accepted, each close to what the
		// image memory budget lets one decode hold: sent through three
		// doors at once, they must take their turns, not add up.
		{"png-16bit-4200x4200-accepted", "d.png", func() []byte { return PNG(4200, 4200, 16) }},
		{"jpeg-progressive-3400x3400-accepted", "c.jpg", func() []byte { return JPEGProgressive(3400, 3400) }},
	}
	var items []item
	for i, im := range images {
		items = append(items, item{name: im.name, requests: func() []request {
			file := im.build()
			archive := ArchiveWithImage(fmt.Sprintf("https://elsewhere.example/image/%d", i), im.file, file)
			return h.imageDoors(im.file, file, archive)
		}})
	}
	imp := func(archive func() []byte) func() []request {
		return func() []request {
			b := archive()
			return []request{{"import", func(ctx context.Context) answer {
				return h.upload(ctx, h.mallory, "/settings/data/import", nil, "file", "archive.zip", b, nil)
			}}}
		}
	}
	items = append(items,
		item{name: "zip-posts.json-300MB-string", requests: imp(func() []byte {
			return Zip(Entry{Name: "posts.json", Data: HugeString("https://elsewhere.example/string", 300<<20)})
		})},
		item{name: "zip-following.json-32M-element-array", requests: imp(func() []byte {
			// 64 MiB less a byte: as much as the import reads of it.
			return Zip(File("posts.json", []byte("[]")), Entry{Name: "following.json", Data: HugeArray(32<<20 - 1)})
		})},
		item{name: "zip-3M-entries", requests: imp(func() []byte { return ManyEntries(3_000_000) })},
		item{name: "zip-nested-and-lying", requests: imp(func() []byte {
			inner := Zip(Entry{Name: "inner.bin", Data: Fill(0, 1<<30)})
			posts := fmt.Sprintf(`[%s%s","attachments":[{"file":"media/inner.zip"},{"file":"media/liar.png"},{"file":"media/big.png"}]}]`,
				ArchivePost("https://elsewhere.example/nested"), "nested")
			liar := Repeat{Prefix: PNG(8, 8, 8), Chunk: make([]byte, 1<<20), Count: 1024}
			return Zip(File("posts.json", []byte(posts)),
				File("media/inner.zip", inner),
				Entry{Name: "media/liar.png", Data: liar, DeclaredSize: 1000},
				Entry{Name: "media/big.png", Data: liar},
			)
		})},
		item{name: fmt.Sprintf("markdown-nested-%d-characters", storage.MaxPostCharsLimit), workers: 4, requests: func() []request {
			var rs []request
			texts := NestedMarkdown(storage.MaxPostCharsLimit)
			names := make([]string, 0, len(texts))
			for name := range texts {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				rs = append(rs, request{"post " + name, func(ctx context.Context) answer {
					return h.form(ctx, h.mallory, "/posts", url.Values{"body": {texts[name]}}, map[string]string{"HX-Request": "true"})
				}})
			}
			return rs
		}},
		item{name: "sessions-2000-logins-60KB-user-agent", workers: 8, requests: func() []request {
			ua := "Mozilla/5.0 (hostile) " + strings.Repeat("x", 60_000)
			rs := make([]request, 2000)
			for i := range rs {
				rs[i] = request{"login", func(ctx context.Context) answer {
					return h.form(ctx, nil, "/login", url.Values{"username": {h.crowd.name}, "password": {h.crowd.password}},
						map[string]string{"User-Agent": ua})
				}}
			}
			return rs
		}},
	)
	return items
}

// imageDoors sends an image through every door that takes one: the
// compose box's upload (as HTMX sends it), the avatar form, and an
// archive import.
func (h *harness) imageDoors(name string, file, archive []byte) []request {
	return []request{
		{"composer", func(ctx context.Context) answer {
			return h.upload(ctx, h.mallory, "/media/upload", nil, "image", name, file, map[string]string{"HX-Request": "true"})
		}},
		{"avatar", func(ctx context.Context) answer {
			return h.upload(ctx, h.mallory, "/settings/images", nil, "avatar", name, file, nil)
		}},
		{"import", func(ctx context.Context) answer {
			return h.upload(ctx, h.mallory, "/settings/data/import", nil, "file", "archive.zip", archive, nil)
		}},
	}
}

// run sends one item and judges what it did to the server; it returns the
// item's line of the peak table.
func (h *harness) run(t *testing.T, it item) string {
	if !h.healthy() {
		t.Logf("the server is down before this item (%v); restarting", h.exitErr())
		h.kill()
		if err := h.start(); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	reqs := it.requests()
	built := time.Since(t0)
	pid := h.pid()
	oomsBefore := h.limit.ooms()
	var killAt int64
	if h.limit.dir == "" {
		killAt = 2 * memoryBudget
	}
	w := watchPeak(pid, killAt)

	workers := it.workers
	if workers <= 0 {
		workers = len(reqs)
	}
	answers := make([]answer, len(reqs))
	var next atomic.Int64
	var wg sync.WaitGroup
	ctx := t.Context()
	t1 := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) {
					return
				}
				answers[i] = reqs[i].send(ctx)
			}
		})
	}
	wg.Wait()
	took := time.Since(t1)
	// A request without an answer may mean the server is dying: give the
	// kernel a moment to finish it before judging.
	if slices.ContainsFunc(answers, func(a answer) bool { return a.err != nil }) {
		h.mu.Lock()
		done := h.done
		h.mu.Unlock()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
		}
	}
	died := h.exited()
	up := !died && h.healthy()
	w.finish()

	// What each door answered, grouped.
	type group struct {
		n    int
		took time.Duration
	}
	groups := map[string]*group{}
	var keys []string
	var problems, notes []string
	for i, a := range answers {
		door := reqs[i].door
		if strings.HasPrefix(door, "post ") && a.err == nil && a.status == http.StatusOK {
			if m := permalinkRE.FindStringSubmatch(a.body); m != nil {
				h.mu.Lock()
				h.markdownAcked = append(h.markdownAcked, m[1])
				h.mu.Unlock()
			}
		}
		key := door + " " + strconv.Itoa(a.status)
		if a.err != nil {
			key = door + " no answer"
			if len(notes) < 5 {
				notes = append(notes, fmt.Sprintf("%s: no answer after %s: %v", door, a.took.Round(time.Millisecond), a.err))
			}
		} else if a.status >= 500 && len(problems) < 5 {
			problems = append(problems, fmt.Sprintf("%s: got %d: %.300s", door, a.status, a.body))
		} else if strings.HasSuffix(it.name, "-accepted") && a.status >= 400 && len(problems) < 5 {
			// Within every budget: refusing it would make the item
			// prove nothing about the budget holding under load.
			problems = append(problems, fmt.Sprintf("%s: got %d for a picture within the budgets: %.300s", door, a.status, a.body))
		}
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			keys = append(keys, key)
		}
		g.n++
		g.took = max(g.took, a.took)
	}
	var summary []string
	for _, k := range keys {
		g := groups[k]
		if g.n == 1 {
			summary = append(summary, fmt.Sprintf("%s in %s", k, g.took.Round(time.Millisecond)))
		} else {
			summary = append(summary, fmt.Sprintf("%d× %s (slowest %s)", g.n, k, g.took.Round(time.Millisecond)))
		}
	}
	answered := strings.Join(summary, "; ")
	peak := fmt.Sprintf("peak resident set %s (largest sample %s: %s anonymous, %s file)", mb(w.hwm), mb(w.rss), mb(w.anon), mb(w.file))
	if !w.reset {
		peak += " (VmHWM could not be reset: the figure may include earlier items)"
	}
	t.Logf("%d requests in %s (corpus built in %s): %s; %s", len(reqs), took.Round(time.Millisecond), built.Round(time.Millisecond), answered, peak)

	line := fmt.Sprintf("  %-40s %8s", it.name, mb(w.hwm))
	switch {
	case died:
		why := fmt.Sprint(h.exitErr())
		if n := h.limit.ooms(); oomsBefore >= 0 && n > oomsBefore {
			why = fmt.Sprintf("killed by the kernel's OOM killer at the %s limit (%v)", mb(h.limit.bytes), h.exitErr())
		} else if w.killed {
			why = fmt.Sprintf("killed by this test past %s resident, twice the budget (no cgroup to limit it)", mb(killAt))
		}
		t.Errorf("%s killed the server: %s; last %s; answers: %s; its log ends:\n%s", it.name, why, peak, answered, tail(h.logPath(), 5))
		line += "  KILLED the server"
	case !up:
		t.Errorf("%s: the server runs but /healthz does not answer 200 afterwards; %s; answers: %s", it.name, peak, answered)
		line += "  server not healthy"
	case w.hwm > memoryBudget:
		t.Errorf("%s: %s, over the %s budget; answers: %s", it.name, peak, mb(memoryBudget), answered)
		line += "  OVER BUDGET"
	}
	for _, p := range problems {
		t.Errorf("%s: %s", it.name, p)
	}
	// A request cut off while the server lives on (its write timeout
	// ended a slow answer) costs no memory and loses nothing: noted only.
	for _, n := range notes {
		if !died {
			t.Logf("note: %s", n)
		}
	}
	return line
}

// verify checks that every post the server acknowledged is still there:
// the member's with their text, the nested-Markdown ones by permalink.
func (h *harness) verify(t *testing.T, w *writer) {
	if !h.healthy() {
		t.Logf("the server is down after the corpus (%v); restarting to verify", h.exitErr())
		h.kill()
		if err := h.start(); err != nil {
			t.Fatal(err)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("the member sent %d posts while the corpus ran; %d acknowledged", w.sent, len(w.acked))
	for _, e := range w.errors {
		t.Errorf("the member's publishing: %s", e)
	}
	if len(w.acked) == 0 {
		t.Errorf("no post of the member was acknowledged while the corpus ran, so nothing was proven kept")
	}
	c := h.client(nil)
	lost := 0
	for _, p := range w.acked {
		a := h.do(t.Context(), c, http.MethodGet, p.permalink, "", nil, 0, nil)
		if a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, p.body) {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged post %s (%q): got %d %v (text present: %t), want 200 with its text", p.permalink, p.body, a.status, a.err, strings.Contains(a.body, p.body))
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged posts are missing or broken", lost, len(w.acked))
	}
	h.mu.Lock()
	markdown := h.markdownAcked
	h.mu.Unlock()
	for _, p := range markdown {
		if a := h.do(t.Context(), c, http.MethodGet, p, "", nil, 0, nil); a.err != nil || a.status != http.StatusOK {
			t.Errorf("acknowledged nested-Markdown post %s: got %d %v, want 200", p, a.status, a.err)
		}
	}
}

// check runs "majlis check" on the data folder.
func (h *harness) check(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), h.bin, "check", "-data", h.data)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil || !strings.Contains(text, ": ok") {
		t.Errorf("majlis check: %v: %s", err, text)
		return
	}
	t.Logf("majlis check: %s", text)
}

// tail is the end of a server log, for messages, without the lines that
// only log a request.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if !strings.Contains(l, `"msg":"request"`) {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 500 {
			lines[i] = l[:500] + "…"
		}
	}
	return strings.Join(lines, "\n")
}
