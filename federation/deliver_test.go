package federation

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"majlis/storage"
)

// signingKey is one RSA key for every delivery test (the package's
// shared test key: making one takes a while).
func signingKey(t testing.TB) *rsa.PrivateKey {
	k, _ := testKeys(t)
	return k
}

// clock runs with real time, from an offset a test may move forward.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// fakeInbox is another server's inbox: it checks each POST's signature,
// records what it took and answers what respond says.
type fakeInbox struct {
	t     *testing.T
	srv   *httptest.Server
	clock func() time.Time
	pub   *rsa.PublicKey
	delay time.Duration

	mu sync.Mutex
	// respond gives the status of the n-th POST (from 0); 202 when nil.
	respond func(n int) int
	n       int
	// took counts the activities answered with a 2xx, by activity id.
	took     map[string]int
	byPath   map[string]int // by activity id and inbox path
	tried    int
	cur      int
	peak     int
	badSigns []string
}

func newFakeInbox(t *testing.T, clock func() time.Time) *fakeInbox {
	f := &fakeInbox{t: t, clock: clock, pub: &signingKey(t).PublicKey, took: map[string]int{}, byPath: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeInbox) URL(path string) string { return f.srv.URL + path }

func (f *fakeInbox) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.cur++
	f.peak = max(f.peak, f.cur)
	n := f.n
	f.n++
	status := http.StatusAccepted
	if f.respond != nil {
		status = f.respond(n)
	}
	f.mu.Unlock()
	time.Sleep(f.delay)

	var problem string
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != ContentType {
		problem = fmt.Sprintf("%s with content type %q", r.Method, r.Header.Get("Content-Type"))
	} else if _, err := CheckRequest(r, body, f.clock()); err != nil {
		problem = err.Error()
	} else if err := VerifyRequest(r, f.pub); err != nil {
		problem = err.Error()
	}
	var act struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &act)
	f.mu.Lock()
	f.cur--
	f.tried++
	if problem != "" {
		f.badSigns = append(f.badSigns, problem)
		status = http.StatusUnauthorized
	} else if status < 300 {
		f.took[act.ID]++
		f.byPath[act.ID+" "+r.URL.Path]++
	}
	f.mu.Unlock()
	w.WriteHeader(status)
}

func (f *fakeInbox) stats() (took map[string]int, tried, peak int, bad []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	took = map[string]int{}
	for k, v := range f.took {
		took[k] = v
	}
	return took, f.tried, f.peak, append([]string(nil), f.badSigns...)
}

// tookOnce checks that the inbox took exactly the activities want, each
// once, and that every request it saw was signed right.
func (f *fakeInbox) tookOnce(t *testing.T, name string, want ...storage.Activity) {
	t.Helper()
	took, _, _, bad := f.stats()
	if len(bad) > 0 {
		t.Errorf("%s: requests refused for their signature: %v", name, bad)
	}
	if len(took) != len(want) {
		t.Errorf("%s: took %d activities %v, want %d", name, len(took), took, len(want))
	}
	for _, a := range want {
		if n := took[a.ID.String()]; n != 1 {
			t.Errorf("%s: took activity %d %d times, want once", name, a.ID, n)
		}
	}
}

// sendWorld is an instance with one member, amal, and a deliverer's parts.
type sendWorld struct {
	t     *testing.T
	path  string
	db    *storage.DB
	clock *clock
	amal  storage.User
}

func newSendWorld(t *testing.T) *sendWorld {
	w := &sendWorld{t: t, path: filepath.Join(t.TempDir(), "majlis.db"), clock: &clock{}}
	w.open()
	w.amal = storage.User{Username: "amal", URI: "https://here.example/users/amal"}
	if err := w.db.CreateUser(&w.amal); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *sendWorld) open() {
	db, err := storage.Open(w.path, storage.Options{Now: w.clock.Now})
	if err != nil {
		w.t.Fatal(err)
	}
	w.db = db
	w.t.Cleanup(func() { db.Close() })
}

// remote stores a remote account on domain whose shared inbox (or, with
// personal, own inbox) is at the fake inbox.
func (w *sendWorld) remote(name, domain string, at *fakeInbox, personal bool) storage.User {
	w.t.Helper()
	u := storage.User{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name,
		Inbox: at.URL("/users/" + name + "/inbox")}
	if !personal {
		u.SharedInbox = at.URL("/inbox")
	}
	if err := w.db.PutRemoteUser(&u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

func (w *sendWorld) follow(follower storage.User) {
	w.t.Helper()
	if _, err := w.db.Follow(follower.ID, w.amal.ID); err != nil {
		w.t.Fatal(err)
	}
}

// post publishes a post of amal's and returns its queued Create.
func (w *sendWorld) post(vis storage.Visibility, mentions ...storage.User) storage.Activity {
	w.t.Helper()
	id := w.db.NewID()
	p := storage.Post{ID: id, AuthorID: w.amal.ID, URI: "https://here.example/@amal/" + id.String(),
		Source: "hello", HTML: "<p>hello</p>", Local: true, Visibility: vis}
	var to []storage.ID
	for _, m := range mentions {
		p.Mentions = append(p.Mentions, m.ID)
		to = append(to, m.ID)
	}
	acts := []storage.Activity{{Type: storage.ActivityCreate, ActorID: w.amal.ID, Object: p.URI, PostID: p.ID, To: to}}
	if err := w.db.CreatePost(&p, acts...); err != nil {
		w.t.Fatal(err)
	}
	return acts[0]
}

// deliverer is a Deliverer for the fake inboxes: a small JSON body per
// activity, ErrGone for a post that is gone, a fast retry schedule.
func (w *sendWorld) deliverer() *Deliverer {
	g := Guard{AllowPrivate: true, AllowHTTP: true}
	db := w.db
	return &Deliverer{
		DB:     db,
		Client: NewClient(g, 5*time.Second),
		Guard:  g,
		Render: func(a storage.Activity) ([]byte, error) {
			if a.PostID != 0 && a.Type != storage.ActivityDelete {
				if ok, err := db.PostExists(a.PostID); err != nil || !ok {
					return nil, ErrGone
				}
			}
			return fmt.Appendf(nil, `{"id":%q,"type":%q}`, a.ID.String(), a.Type), nil
		},
		Signer: func(storage.Activity) (string, *rsa.PrivateKey, error) {
			return "https://here.example/users/amal#main-key", signingKey(w.t), nil
		},
		Now:     w.clock.Now,
		Logger:  slog.New(slog.DiscardHandler),
		Backoff: func(int) time.Duration { return 10 * time.Millisecond },
	}
}

// start runs d until the returned function is called (which waits for
// Run to return).
func start(t *testing.T, d *Deliverer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// eventually waits (up to 10 seconds) for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *sendWorld) drained() bool {
	n, err := w.db.CountPendingActivities()
	return err == nil && n == 0
}

// Each post reaches the inboxes its visibility allows, once per shared
// inbox however many followers share it, every request signed.
func TestDeliverByVisibility(t *testing.T) {
	w := newSendWorld(t)
	hostA, hostB, hostC := newFakeInbox(t, w.clock.Now), newFakeInbox(t, w.clock.Now), newFakeInbox(t, w.clock.Now)
	for _, name := range []string{"a1", "a2", "a3"} {
		w.follow(w.remote(name, "a.example", hostA, false))
	}
	w.follow(w.remote("b1", "b.example", hostB, false))
	mentioned := w.remote("c1", "c.example", hostC, false)

	stop := start(t, w.deliverer())
	public := w.post(storage.Public)
	followers := w.post(storage.FollowersOnly)
	direct := w.post(storage.Direct, mentioned)
	eventually(t, "the outbox to drain", w.drained)
	stop()

	hostA.tookOnce(t, "a.example (three followers, one shared inbox)", public, followers)
	hostB.tookOnce(t, "b.example", public, followers)
	hostC.tookOnce(t, "c.example (mentioned in the direct post only)", direct)
	if err := w.db.Check(); err != nil {
		t.Error(err)
	}
}

// How an inbox answers decides what happens next: 500 and 429 are
// retried until it takes the activity, 404 is given up at once, and a
// host refused by the instance gets nothing.
func TestDeliverOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		respond   func(n int) int
		wantTried int
		wantTook  bool
	}{
		{"500 then 200", func(n int) int { return map[bool]int{true: 500, false: 200}[n == 0] }, 2, true},
		{"429 twice, then 202", func(n int) int { return map[bool]int{true: 429, false: 202}[n < 2] }, 3, true},
		{"404", func(int) int { return 404 }, 1, false},
		{"410", func(int) int { return 410 }, 1, false},
		{"401, then 200", func(n int) int { return map[bool]int{true: 401, false: 200}[n == 0] }, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newSendWorld(t)
			in := newFakeInbox(t, w.clock.Now)
			in.respond = tt.respond
			w.follow(w.remote("r", "r.example", in, false))
			stop := start(t, w.deliverer())
			a := w.post(storage.Public)
			eventually(t, "the outbox to drain", w.drained)
			stop()
			took, tried, _, bad := in.stats()
			if tried != tt.wantTried || (took[a.ID.String()] == 1) != tt.wantTook || len(took) > 1 || len(bad) > 0 {
				t.Errorf("got %d requests, took %v (bad signatures %v); want %d requests, taken %v",
					tried, took, bad, tt.wantTried, tt.wantTook)
			}
		})
	}

	t.Run("refused domain", func(t *testing.T) {
		w := newSendWorld(t)
		evil, good := newFakeInbox(t, w.clock.Now), newFakeInbox(t, w.clock.Now)
		w.follow(w.remote("e", "evil.example", evil, false))
		w.follow(w.remote("g", "good.example", good, false))
		admin := storage.User{ID: w.amal.ID, Username: "amal"}
		if err := w.db.PutDomainBlock(admin, storage.DomainBlock{Domain: "evil.example", Severity: storage.SeveritySuspend}); err != nil {
			t.Fatal(err)
		}
		stop := start(t, w.deliverer())
		a := w.post(storage.Public)
		eventually(t, "the outbox to drain", w.drained)
		stop()
		good.tookOnce(t, "good.example", a)
		if _, tried, _, _ := evil.stats(); tried != 0 {
			t.Errorf("the suspended domain got %d requests", tried)
		}
	})
}

// No host ever has more than PerHost requests in flight, while several
// hosts are served at once.
func TestDeliverPerHostLimit(t *testing.T) {
	w := newSendWorld(t)
	busy, other := newFakeInbox(t, w.clock.Now), newFakeInbox(t, w.clock.Now)
	busy.delay, other.delay = 20*time.Millisecond, 20*time.Millisecond
	for i := range 12 {
		w.follow(w.remote(fmt.Sprintf("p%d", i), "busy.example", busy, true)) // own inboxes: 12 deliveries
	}
	for i := range 4 {
		w.follow(w.remote(fmt.Sprintf("o%d", i), "other.example", other, true))
	}
	d := w.deliverer()
	d.Workers, d.PerHost = 8, 2
	stop := start(t, d)
	acts := []storage.Activity{w.post(storage.Public), w.post(storage.Public)}
	eventually(t, "the outbox to drain", w.drained)
	stop()
	for name, in := range map[string]*fakeInbox{"busy": busy, "other": other} {
		took, tried, peak, bad := in.stats()
		if peak > 2 || peak < 1 || len(bad) > 0 {
			t.Errorf("%s: peak %d requests at once, want at most 2 (bad signatures %v)", name, peak, bad)
		}
		if len(took) != 2 || tried != map[string]int{"busy": 24, "other": 8}[name] {
			t.Errorf("%s: took %v in %d requests", name, took, tried)
		}
	}
	_ = acts
}

// A restart (the file closed and opened again, a new Deliverer) resumes
// the deliveries left and never sends one that succeeded again.
func TestDeliverResumesAfterRestart(t *testing.T) {
	w := newSendWorld(t)
	up, down := newFakeInbox(t, w.clock.Now), newFakeInbox(t, w.clock.Now)
	var mu sync.Mutex
	failing := true
	down.respond = func(int) int {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return 503
		}
		return 202
	}
	w.follow(w.remote("u", "up.example", up, false))
	w.follow(w.remote("d", "down.example", down, false))

	d := w.deliverer()
	d.Backoff = func(int) time.Duration { return 50 * time.Millisecond }
	stop := start(t, d)
	acts := []storage.Activity{w.post(storage.Public), w.post(storage.Public)}
	eventually(t, "up.example to take both", func() bool { took, _, _, _ := up.stats(); return len(took) == 2 })
	eventually(t, "down.example to be tried", func() bool { _, tried, _, _ := down.stats(); return tried >= 2 })
	stop()
	if err := w.db.Close(); err != nil {
		t.Fatal(err)
	}

	w.open()
	if n, _ := w.db.CountPendingActivities(); n != 2 {
		t.Fatalf("after the restart: %d activities queued, want 2 (down.example's)", n)
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	stop = start(t, w.deliverer())
	eventually(t, "the outbox to drain", w.drained)
	stop()
	up.tookOnce(t, "up.example", acts...)
	down.tookOnce(t, "down.example", acts...)
}

// A host that fails on three different days is unavailable: nothing more
// is sent there until it sends us something.
func TestDeliverUnavailableHost(t *testing.T) {
	w := newSendWorld(t)
	dead := newFakeInbox(t, w.clock.Now)
	var mu sync.Mutex
	status := 503
	dead.respond = func(int) int { mu.Lock(); defer mu.Unlock(); return status }
	w.follow(w.remote("x", "dead.example", dead, false))
	d := w.deliverer()
	d.Backoff = func(int) time.Duration { return 20 * time.Hour }
	host := storage.HostOf(dead.URL("/inbox"))
	stop := start(t, d)
	first := w.post(storage.Public)
	for day := 1; day <= 3; day++ {
		eventually(t, fmt.Sprintf("failure %d to be recorded", day), func() bool {
			h, err := w.db.HostStateOf(host)
			return err == nil && h.Failed == day
		})
		if day < 3 {
			w.clock.Advance(24 * time.Hour)
			d.Wake()
		}
	}
	h, _ := w.db.HostStateOf(host)
	if !h.Unavailable {
		t.Fatalf("after failures on three days: got %+v, want unavailable", h)
	}
	eventually(t, "the outbox to drain", w.drained)

	// Skipped while unavailable.
	w.post(storage.Public)
	eventually(t, "the outbox to drain", w.drained)
	if _, tried, _, _ := dead.stats(); tried != 3 {
		t.Errorf("an unavailable host got %d requests, want the 3 that failed", tried)
	}

	// It sends us something: delivered again.
	mu.Lock()
	status = 202
	mu.Unlock()
	if err := w.db.MarkHostSeen(host); err != nil {
		t.Fatal(err)
	}
	last := w.post(storage.Public)
	eventually(t, "the outbox to drain", w.drained)
	stop()
	dead.tookOnce(t, "dead.example after it came back", last)
	_ = first
}

// Deleting an account: its Delete reaches its remote followers after the
// account is gone, then its tombstone and key go.
func TestDeliverAccountDelete(t *testing.T) {
	w := newSendWorld(t)
	a, b := newFakeInbox(t, w.clock.Now), newFakeInbox(t, w.clock.Now)
	w.follow(w.remote("a", "a.example", a, false))
	w.follow(w.remote("b", "b.example", b, true))
	keys := NewKeys(w.db)
	if _, err := keys.Private(w.amal.ID); err != nil {
		t.Fatal(err)
	}
	del := storage.Activity{Type: storage.ActivityDelete, ActorID: w.amal.ID, Object: w.amal.URI, TargetID: w.amal.ID}
	acts := []storage.Activity{del}
	if err := w.db.DeleteUser(w.amal.ID, true, acts...); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.UserByID(w.amal.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	stop := start(t, w.deliverer())
	eventually(t, "the outbox to drain", w.drained)
	stop()
	a.tookOnce(t, "a.example", acts[0])
	b.tookOnce(t, "b.example", acts[0])
	if _, err := w.db.TombstoneOf(w.amal.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("tombstone after the Delete drained: %v", err)
	}
	if _, err := w.db.StoredActorKey(w.amal.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("key after the Delete drained: %v", err)
	}
	if err := w.db.Check(); err != nil {
		t.Error(err)
	}
}

// A post deleted before its Create went out: the Create is dropped, only
// the Delete goes.
func TestDeliverDropsWhatNoLongerApplies(t *testing.T) {
	w := newSendWorld(t)
	in := newFakeInbox(t, w.clock.Now)
	w.follow(w.remote("r", "r.example", in, false))
	create := w.post(storage.Public)
	del := []storage.Activity{{Type: storage.ActivityDelete, ActorID: w.amal.ID, Object: create.Object, PostID: create.PostID}}
	if err := w.db.DeletePost(create.PostID, del...); err != nil {
		t.Fatal(err)
	}
	stop := start(t, w.deliverer())
	eventually(t, "the outbox to drain", w.drained)
	stop()
	in.tookOnce(t, "r.example", del[0])
}

// Killing the deliverer (its context cancelled) at random moments, again
// and again, over flaky inboxes: after it has drained, every inbox took
// every activity meant for it exactly once.
func TestDeliverSurvivesRestarts(t *testing.T) {
	w := newSendWorld(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	flaky := func(int) int {
		mu.Lock()
		defer mu.Unlock()
		if rng.IntN(3) == 0 {
			return 503
		}
		return 202
	}
	var inboxes []*fakeInbox
	for i := range 4 {
		in := newFakeInbox(t, w.clock.Now)
		in.respond = flaky
		in.delay = time.Millisecond
		inboxes = append(inboxes, in)
		for j := range 3 {
			w.follow(w.remote(fmt.Sprintf("f%d", j), fmt.Sprintf("h%d.example", i), in, j == 2))
		}
	}
	var acts []storage.Activity
	for round := range 30 {
		d := w.deliverer()
		d.Workers, d.PerHost = 4, 2
		d.Backoff = func(int) time.Duration { return time.Millisecond }
		stop := start(t, d)
		for range 2 {
			acts = append(acts, w.post(storage.Public))
		}
		mu.Lock()
		wait := time.Duration(rng.IntN(20)) * time.Millisecond
		mu.Unlock()
		time.Sleep(wait)
		stop()
		if round%10 == 9 {
			if err := w.db.Close(); err != nil {
				t.Fatal(err)
			}
			w.open()
		}
	}
	d := w.deliverer()
	d.Backoff = func(int) time.Duration { return time.Millisecond }
	d.MaxAttempts = 1000
	stop := start(t, d)
	eventually(t, "the outbox to drain", w.drained)
	stop()
	for i, in := range inboxes {
		took, _, _, bad := in.stats()
		if len(bad) > 0 {
			t.Errorf("inbox %d: bad signatures %v", i, bad)
		}
		// Two followers share an inbox, one has its own: each
		// activity goes to each of the two once.
		in.mu.Lock()
		for _, a := range acts {
			for _, path := range []string{"/inbox", "/users/f2/inbox"} {
				if n := in.byPath[a.ID.String()+" "+path]; n != 1 {
					t.Errorf("inbox %d: %s took activity %d %d times, want once", i, path, a.ID, n)
				}
			}
		}
		if len(took) != len(acts) {
			t.Errorf("inbox %d took %d activities, want %d", i, len(took), len(acts))
		}
		in.mu.Unlock()
	}
	if err := w.db.Check(); err != nil {
		t.Error(err)
	}
}
