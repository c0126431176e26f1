package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"majlis/handlers"
	"majlis/markup"
	"majlis/storage"
)

const (
	// testTimeout bounds a whole test, browser start included, so a hang
	// fails fast instead of waiting for go test's own timeout.
	testTimeout = 60 * time.Second
	// stepTimeout bounds one browser step (a query, a wait, a page load).
	stepTimeout = 15 * time.Second
	// password is every test account's password.
	password = "correct horse battery"
	// markerJS leaves a value on the page's window object: it survives
	// HTMX swaps and disappears with a full page load.
	markerJS = `window.__majlisMarker = 1`
	// markerKeptJS tells whether the marker is still there.
	markerKeptJS = `window.__majlisMarker === 1`
)

// harness is one test's world: a fresh majlis (bbolt file in t.TempDir
// behind httptest) and one running Chromium. Every browser user gets its
// own browser context in that Chromium, so its own cookie jar.
type harness struct {
	t       *testing.T
	db      *storage.DB
	baseURL string
	browser context.Context

	mu         sync.Mutex
	serverErrs []string
}

// chromiumPath finds the browser, or skips the test (fails it when
// MAJLIS_E2E=1, so CI cannot silently skip the browser tests).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "e2e: no Chromium found; install Debian's chromium or set MAJLIS_E2E=1 to make this a failure"
	if os.Getenv("MAJLIS_E2E") == "1" {
		t.Fatal("e2e: no Chromium found (looked for chromium, chromium-browser, google-chrome) and MAJLIS_E2E=1")
	}
	t.Skip(msg)
	return ""
}

// newHarness starts the server and the browser. Everything stops when the
// test ends, the browser before the server.
func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, nil)
}

// newHarnessWith is newHarness with the handler configuration changed by
// configure (given the database), e.g. to plug in a fake federation.
func newHarnessWith(t *testing.T, configure func(*handlers.Config, *storage.DB)) *harness {
	t.Helper()
	execPath := chromiumPath(t)

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)

	discard := slog.New(slog.DiscardHandler)
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{Logger: discard})
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close database: %v", err)
		}
	})

	h := &harness{t: t, db: db}
	srv := httptest.NewUnstartedServer(nil)
	h.baseURL = "http://" + srv.Listener.Addr().String()
	cfg := handlers.Config{BaseURL: h.baseURL, PasswordCost: bcrypt.MinCost, Logger: discard}
	if configure != nil {
		configure(&cfg, db)
	}
	web, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	srv.Config.Handler = h.watchErrors(web)
	srv.Start()
	t.Cleanup(srv.Close)
	// Registered after srv.Close, so it runs before it (cleanups run last
	// in, first out) but after the browser is gone.
	t.Cleanup(h.checkServerErrors)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1000, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	// Chromium now and then fails to come up on a loaded machine (it
	// never prints its DevTools address): a start is tried three times,
	// each in a fresh process, before the test fails.
	for try := 1; try <= 3; try++ {
		actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		if err = chromedp.Do(bctx); err == nil {
			t.Cleanup(acancel)
			t.Cleanup(bcancel)
			h.browser = bctx
			return h
		}
		bcancel()
		acancel()
		t.Logf("start Chromium, try %d of 3: %v", try, err)
	}
	t.Fatalf("start Chromium (%s): %v", execPath, err)
	return nil
}

// watchErrors remembers every 5xx answer: a browser shows them politely,
// but each is a server bug.
func (h *harness) watchErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status >= 500 {
			h.mu.Lock()
			h.serverErrs = append(h.serverErrs, fmt.Sprintf("%s %s: %d", r.Method, r.URL, sw.status))
			h.mu.Unlock()
		}
	})
}

func (h *harness) checkServerErrors() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.serverErrs {
		h.t.Errorf("server error during the test: %s", e)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// seedUser creates an account directly in storage, for tests whose subject
// is not registration.
func (h *harness) seedUser(username, displayName string) storage.User {
	h.t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		h.t.Fatal(err)
	}
	u := storage.User{
		ID:           h.db.NewID(),
		Username:     username,
		DisplayName:  displayName,
		PasswordHash: string(hash),
		URI:          h.baseURL + "/users/" + username,
	}
	if err := h.db.CreateUser(&u); err != nil {
		h.t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// seedPost stores a post by author directly in storage, as the compose box
// would: Markdown rendered once, public, local.
func (h *harness) seedPost(author storage.User, src string) storage.Post {
	h.t.Helper()
	html, err := markup.Render(src)
	if err != nil {
		h.t.Fatalf("render %q: %v", src, err)
	}
	id := h.db.NewID()
	p := storage.Post{
		ID:         id,
		AuthorID:   author.ID,
		URI:        h.baseURL + "/@" + author.Username + "/" + id.String(),
		Source:     src,
		HTML:       html,
		Visibility: storage.Public,
		Local:      true,
	}
	if err := h.db.CreatePost(&p); err != nil {
		h.t.Fatalf("create post %q: %v", src, err)
	}
	return p
}

// user looks up a local account that a test registered through the form.
func (h *harness) user(username string) storage.User {
	h.t.Helper()
	u, err := h.db.LocalUser(username)
	if err != nil {
		h.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

// artifactsDir is where screenshots go: $MAJLIS_E2E_ARTIFACTS, else a
// temporary directory of the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("MAJLIS_E2E_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("artifacts folder: %v", err)
		}
		return d
	}
	return t.TempDir()
}

// tab is one person at one browser: a tab in its own browser context,
// with its own cookies.
type tab struct {
	h    *harness
	t    *testing.T
	name string
	ctx  context.Context

	mu       sync.Mutex
	problems []string
}

// newTab opens a tab for a new person. With js false, the tab runs no
// script at all, as a browser with JavaScript turned off.
func (h *harness) newTab(name string, js bool) *tab {
	h.t.Helper()
	ctx, cancel := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	h.t.Cleanup(cancel)
	b := &tab{h: h, t: h.t, name: name, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		h.t.Fatalf("%s: open tab: %v", name, err)
	}
	if !js {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		if err != nil {
			h.t.Fatalf("%s: disable JavaScript: %v", name, err)
		}
	}
	// Uncaught exceptions and Content-Security-Policy refusals are bugs
	// even when the page seems to work.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
	// Cleanups run last in, first out: these run before the tab closes.
	h.t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			h.t.Errorf("%s: browser console: %s", name, p)
		}
	})
	h.t.Cleanup(b.screenshotOnFailure)
	return b
}

// screenshotOnFailure keeps what the tab showed when the test failed.
func (b *tab) screenshotOnFailure() {
	if !b.t.Failed() || b.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name()) + "-" + b.name + "-failure.png"
	path := filepath.Join(artifactsDir(b.t), name)
	if err := os.WriteFile(path, img, 0o644); err == nil {
		b.t.Logf("%s: the tab showed %s at the failure; screenshot %s", b.name, loc, path)
	}
}

// do runs browser steps, each call bounded by stepTimeout.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// run runs one browser action that returns a value.
func run[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	return run(b, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

// open loads a page of the site and waits for it.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.h.baseURL+path))
}

// clickAndLoad clicks an element that leads to a new page (a link or a
// plain form submission) and waits for that page's load event.
func (b *tab) clickAndLoad(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	if err != nil {
		b.t.Fatalf("%s: click %s and wait for the next page: %v", b.name, sel, err)
	}
}

// click clicks an element that is visible.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// typeInto types text into a field, key by key, as a person would.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// htmxIdleJS holds when htmx has no request in flight and has finished
// swapping and settling: new content is only wired up (hx-* attributes
// processed) when it settles, so typing into it earlier would be lost.
const htmxIdleJS = `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`

// waitUntil waits until a JavaScript condition holds in the page and htmx
// is idle. It must not span a page load: use clickAndLoad for those.
func (b *tab) waitUntil(what, cond string) {
	b.t.Helper()
	cond = "(" + cond + ") && " + htmxIdleJS
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+cond+")",
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout-time.Second)))
	if errors.Is(err, chromedp.ErrPollingTimeout) || (err == nil && !ok) {
		b.t.Fatalf("%s: timed out waiting until %s (%s)", b.name, what, cond)
	}
	if err != nil {
		b.t.Fatalf("%s: waiting until %s: %v", b.name, what, err)
	}
}

// waitVisible waits until an element is shown.
func (b *tab) waitVisible(sel string) {
	b.t.Helper()
	b.do("wait until "+sel+" is visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

// text is the visible text of the first element that matches sel, trimmed.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "read the text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// count is the number of elements that match sel now.
func (b *tab) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf("document.querySelectorAll(%s).length", jsString(sel)))
}

// exists tells whether an element matches sel now, without waiting.
func (b *tab) exists(sel string) bool {
	b.t.Helper()
	return b.count(sel) > 0
}

// location is the address the tab shows.
func (b *tab) location() string {
	b.t.Helper()
	return run(b, "read the location", chromedp.Location())
}

// setMarker marks the current document; markerKept tells whether the page
// is still the same document (no reload happened).
func (b *tab) setMarker() {
	b.t.Helper()
	eval[chromedp.Void](b, markerJS)
}

func (b *tab) markerKept() bool {
	b.t.Helper()
	return eval[bool](b, markerKeptJS)
}

// register signs up through the form and lands on the home page.
func (b *tab) register(username, displayName string) {
	b.t.Helper()
	b.open("/register")
	b.typeInto(`[data-testid="field-username"]`, username)
	if displayName != "" {
		b.typeInto(`[data-testid="field-display_name"]`, displayName)
	}
	b.typeInto(`[data-testid="field-password"]`, password)
	b.clickAndLoad(`[data-testid="register"]`)
	if got, want := b.text(`[data-testid="flash"]`), "Welcome to majlis, "; !strings.HasPrefix(got, want) {
		b.t.Fatalf("%s: after registering, flash %q, want it to start with %q", b.name, got, want)
	}
	b.checkSignedInAs(username)
}

// login signs in through the form.
func (b *tab) login(username string) {
	b.t.Helper()
	b.open("/login")
	b.typeInto(`[data-testid="field-username"]`, username)
	b.typeInto(`[data-testid="field-password"]`, password)
	b.clickAndLoad(`[data-testid="login"]`)
	b.checkSignedInAs(username)
}

// checkSignedInAs checks the navigation shows username's profile link and a
// log-out button, i.e. this tab's cookie belongs to username.
func (b *tab) checkSignedInAs(username string) {
	b.t.Helper()
	b.waitVisible(`[data-testid="logout"]`)
	href := eval[string](b, `(document.querySelector('nav.site-nav a[href^="/@"]') || {}).getAttribute?.('href') ?? ""`)
	if want := "/@" + username; href != want {
		b.t.Fatalf("%s: the navigation links to profile %q, want %q (signed in as someone else?)", b.name, href, want)
	}
}

// postTexts lists the text of every post body on the page, in page order.
func (b *tab) postTexts() []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll('[data-testid="post"] [data-testid="post-body"]')].map(e => e.textContent.trim())`)
}

// postIDs lists the element ids of every post on the page, in page order.
func (b *tab) postIDs() []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll('[data-testid="post"]')].map(e => e.id)`)
}

// saveScreenshot writes a full-page PNG of the tab to the artifacts folder
// and returns its path.
func (b *tab) saveScreenshot(name string) (string, []byte) {
	b.t.Helper()
	img := run(b, "take a screenshot", chromedp.FullScreenshot(100))
	if filepath.Ext(name) != ".png" {
		name += ".png" // so the artifacts open as pictures
	}
	path := filepath.Join(artifactsDir(b.t), name)
	if err := os.WriteFile(path, img, 0o644); err != nil {
		b.t.Fatalf("write screenshot: %v", err)
	}
	return path, img
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&sb, `\u%04x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
