package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"majlis/crash"
	"majlis/federation"
	"majlis/storage"
)

// The federation rows: the shared inbox taking signed activities, and one
// post fanned out to many remote followers while members read their home
// timeline. Both run against one server started with
// -allow-private-addresses (so it may reach the fake servers on loopback)
// and an http:// -url (so it federates over plain HTTP), on a fresh seed
// into which the remote followers are written before it starts. The fake
// servers (package crash's FakeServer) are httptest servers in this
// process, each on its own loopback port: each port is a host of its own
// to majlis (its per-host rate limit and delivery limit, one shared inbox
// per host).

// fedOptions are the federation rows' settings.
type fedOptions struct {
	hosts      int // fake servers
	activities int // signed activities sent to the shared inbox
	conns      int // concurrent inbox requests
	followers  int // remote followers of the poster, spread over the hosts
	posts      int // posts fanned out
	window     time.Duration
}

// fedPoster is the member whose posts are fanned out.
const fedPoster = "writer1"

// fedKeys is how many key pairs the fake actors share, round robin: a
// 2048-bit key takes about 0.2 s of CPU to make here, and the server
// parses each actor's key and verifies each request alike either way.
const fedKeys = 4

// fedDrainTimeout bounds the wait for the inbox queue to be taken in.
const fedDrainTimeout = 5 * time.Minute

// fedSelected tells which federation rows the -scenarios list asks for.
func fedSelected(list string) (inbox, fanout bool) {
	return selected(list, "inbox"), selected(list, "fanout")
}

// tableSelected tells whether the list asks for any row of the scenario
// table (the federation rows run on an instance of their own).
func tableSelected(list string) bool {
	if list == "all" {
		return true
	}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item != "" && !strings.HasPrefix("inbox", item) && !strings.HasPrefix("fanout", item) {
			return true
		}
	}
	return false
}

// fedRun is the state of the federation rows.
type fedRun struct {
	o     options
	fo    fedOptions
	in    *instance
	hosts []*crash.FakeServer
	out   *output
	// failures are the checks that failed.
	failures []string
	checks   []string
}

func (f *fedRun) check(ok bool, name, detail string) {
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
		f.failures = append(f.failures, name)
	}
	f.checks = append(f.checks, fmt.Sprintf("- %s %s: %s", verdict, name, detail))
}

// runFederation measures the inbox and fan-out rows and prints the
// Federation section.
func runFederation(ctx context.Context, o options, bin, tmp string, out *output, doInbox, doFanout bool) ([]string, error) {
	fo := o.fed
	f := &fedRun{o: o, fo: fo, out: out}

	t0 := time.Now()
	keys := make([]*rsa.PrivateKey, fedKeys)
	var wg sync.WaitGroup
	var kerr error
	var kmu sync.Mutex
	for i := range keys {
		wg.Go(func() {
			k, err := rsa.GenerateKey(crand.Reader, 2048)
			kmu.Lock()
			keys[i], kerr = k, errors.Join(kerr, err)
			kmu.Unlock()
		})
	}
	wg.Wait()
	if kerr != nil {
		return nil, kerr
	}
	senders := crash.NewSenderKeys()
	for i := range fo.hosts {
		h, err := crash.NewFakeServer(keys[i%len(keys)], senders)
		if err != nil {
			return nil, err
		}
		defer h.Close()
		f.hosts = append(f.hosts, h)
	}
	logf("federation: %d fake servers on loopback (keys made in %s)", len(f.hosts), time.Since(t0).Round(time.Millisecond))

	var hostNames []string
	for _, h := range f.hosts {
		hostNames = append(hostNames, h.Host)
	}
	perHost := (fo.followers + len(hostNames) - 1) / len(hostNames)
	var seeded int
	prepare := func(dir string) error {
		if !doFanout {
			return nil
		}
		t := time.Now()
		n, err := crash.SeedRemoteFollowers(dir, []string{fedPoster}, hostNames, perHost)
		seeded = n
		logf("federation: %d remote followers of %s written in %s", n, fedPoster, time.Since(t).Round(time.Millisecond))
		return err
	}
	dir := filepath.Join(tmp, "federation")
	in, err := launchWith(ctx, o, bin, dir, o.posts, []string{"follows100"}, prepare, []string{"-allow-private-addresses"})
	if err != nil {
		return nil, err
	}
	f.in = in
	defer in.srv.stop()

	base := measure(ctx, o, in, in.site.scenarios()[0], o.duration)
	var ir *inboxResult
	if doInbox && ctx.Err() == nil {
		if ir, err = f.inbox(ctx); err != nil {
			return nil, err
		}
	}
	var fr *fanoutResult
	if doFanout && ctx.Err() == nil {
		if fr, err = f.fanout(ctx); err != nil {
			return nil, err
		}
		fr.followers = seeded
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	if err := in.srv.stop(); err != nil {
		return nil, err
	}
	// With the server stopped, the file tells exactly what was taken in.
	if ir != nil {
		if err := f.verifyInbox(filepath.Join(dir, "majlis.db"), ir); err != nil {
			return nil, err
		}
	}
	f.print(base, ir, fr)
	return f.failures, nil
}

// signed is one activity ready to POST: its body and signed headers.
type signed struct {
	body   []byte
	header http.Header
	actor  int
	like   bool
}

// inboxResult is what the inbox row measured.
type inboxResult struct {
	actors, conns     int
	warm              []time.Duration // each actor's first activity (its key fetched)
	warmErrs          int
	lat               []time.Duration
	accepted, refused int // 202; anything else
	limited           int // of which 429 (the per-host rate limit)
	firstErr          string
	seconds           float64
	serverCPU         time.Duration
	clientCPU         time.Duration
	signTook          time.Duration
	creates, likes    []int // per actor, warm-up included
	likedPosts        map[storage.ID]int
	drained           time.Duration // from the first POST to the last activity taken in
	drainedOK         bool
	verifyProblems    []string
	storedCreates     int
	storedLikes       int
	pendingAfterDrain int
}

func (r *inboxResult) rate() float64 {
	if r.seconds == 0 {
		return 0
	}
	return float64(r.accepted) / r.seconds
}

// likeTargets publishes posts to like, as the writers other than the
// poster (who have no remote followers, so nothing is delivered). The
// seeded posts will not do: their URIs were made with the seeder's base
// URL, not this server's, so a Like of them names no post here.
func (f *fedRun) likeTargets(ctx context.Context, n int) ([]string, error) {
	s := f.in.site
	var out []string
	var buf bytes.Buffer
	for i := range n {
		w := s.writers[1+i%max(1, len(s.writers)-1)%len(s.writers)]
		if w == fedPoster {
			return nil, fmt.Errorf("no writer other than %s to publish the posts to like", fedPoster)
		}
		o := do(ctx, f.in.client, s.base, req{method: http.MethodPost, path: "/posts", htmx: true, keep: true, write: true,
			form: url.Values{"body": {fmt.Sprintf("Post %d to be liked from afar #loadtest", i)}}.Encode(), cookie: s.cookies[w]}, &buf)
		m := permalinkRE.FindSubmatch(o.body)
		if o.err != nil || o.status != http.StatusOK || m == nil {
			return nil, fmt.Errorf("POST /posts as %s: status %d, %v (permalink found: %t)", w, o.status, o.err, m != nil)
		}
		out = append(out, string(m[1]))
	}
	return out, nil
}

const fedActor = "bench"

// activity makes the JSON of the n-th activity of an actor on host h.
func activity(h *crash.FakeServer, n int, like string) []byte {
	actor := h.Actor(fedActor)
	now := time.Now().UTC().Format(time.RFC3339)
	var a map[string]any
	if like != "" {
		a = map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       fmt.Sprintf("%s/likes/%d", h.Base, n),
			"type":     "Like",
			"actor":    actor,
			"object":   like,
		}
	} else {
		note := map[string]any{
			"id":           fmt.Sprintf("%s/notes/%d", h.Base, n),
			"type":         "Note",
			"attributedTo": actor,
			"content":      fmt.Sprintf("<p>Inbox load note %d from %s: <em>measuring</em> the shared inbox, see <a href=\"https://example.com/load/%d\">the notes</a> #loadtest</p>", n, h.Host, n),
			"published":    now,
			"to":           []string{federation.Public},
			"cc":           []string{actor + "/followers"},
		}
		a = map[string]any{
			"@context":  "https://www.w3.org/ns/activitystreams",
			"id":        fmt.Sprintf("%s/notes/%d/activity", h.Base, n),
			"type":      "Create",
			"actor":     actor,
			"published": now,
			"to":        []string{federation.Public},
			"cc":        []string{actor + "/followers"},
			"object":    note,
		}
	}
	b, _ := json.Marshal(a)
	return b
}

// sign signs one POST of body to the shared inbox as the fake actor of h.
func (f *fedRun) sign(h *crash.FakeServer, body []byte) (http.Header, error) {
	req, err := http.NewRequest(http.MethodPost, f.in.srv.base+"/inbox", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", federation.ContentType)
	if err := federation.Sign(req, body, h.KeyID(fedActor), h.Key(), time.Now()); err != nil {
		return nil, err
	}
	return req.Header.Clone(), nil
}

// post sends one signed activity and returns its status and latency.
func (f *fedRun) post(ctx context.Context, s signed) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.in.srv.base+"/inbox", bytes.NewReader(s.body))
	if err != nil {
		return 0, 0, err
	}
	req.Header = s.header.Clone()
	t0 := time.Now()
	resp, err := f.in.client.Do(req)
	if err != nil {
		return 0, time.Since(t0), err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(t0), nil
}

// inbox runs the inbox row: each actor's first activity (its key is
// fetched then), then the signed activities at fo.conns, then waits
// until the queue is taken in.
func (f *fedRun) inbox(ctx context.Context) (*inboxResult, error) {
	fo := f.fo
	r := &inboxResult{actors: len(f.hosts), conns: fo.conns, likedPosts: map[storage.ID]int{}}
	r.creates = make([]int, len(f.hosts))
	r.likes = make([]int, len(f.hosts))
	// Each actor likes each of these at most once; it sends about
	// activities/3/actors Likes.
	targets, err := f.likeTargets(ctx, min(500, max(20, fo.activities/3/len(f.hosts)+5)))
	if err != nil {
		return nil, err
	}
	// Sign everything first: RSA signing costs the load generator
	// milliseconds per request, and here it would take the CPUs the
	// server is measured on.
	t0 := time.Now()
	total := len(f.hosts) + fo.activities
	reqs := make([]signed, total)
	likesOf := make([]int, len(f.hosts))
	var likeURIs []string
	for i := range total {
		a := i % len(f.hosts)
		s := signed{actor: a}
		like := ""
		// Two Creates for each Like; each actor likes each post once.
		if i >= len(f.hosts) && i%3 == 2 && likesOf[a] < len(targets) {
			like = f.in.srv.base + targets[(likesOf[a]+a*7)%len(targets)]
			likesOf[a]++
			s.like = true
		}
		s.body = activity(f.hosts[a], i, like)
		reqs[i] = s
		likeURIs = append(likeURIs, like)
	}
	var next atomic.Int64
	var serr error
	var smu sync.Mutex
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= total || ctx.Err() != nil {
					return
				}
				h, err := f.sign(f.hosts[reqs[i].actor], reqs[i].body)
				if err != nil {
					smu.Lock()
					serr = err
					smu.Unlock()
					return
				}
				reqs[i].header = h
			}
		})
	}
	wg.Wait()
	if serr != nil {
		return nil, fmt.Errorf("signing: %w", serr)
	}
	r.signTook = time.Since(t0)
	logf("federation: signed %d activities in %s", total, r.signTook.Round(time.Millisecond))
	for i, s := range reqs {
		if s.like {
			r.likes[s.actor]++
			if id, err := strconv.ParseUint(likeURIs[i][strings.LastIndexByte(likeURIs[i], '/')+1:], 10, 64); err == nil {
				r.likedPosts[storage.ID(id)]++
			}
		} else {
			r.creates[s.actor]++
		}
	}

	// Warm-up: each actor's first activity makes the server fetch the
	// actor and its key; those are timed apart.
	var mu sync.Mutex
	for i := range len(f.hosts) {
		wg.Go(func() {
			st, lat, err := f.post(ctx, reqs[i])
			mu.Lock()
			defer mu.Unlock()
			r.warm = append(r.warm, lat)
			if err != nil || st != http.StatusAccepted {
				r.warmErrs++
				if r.firstErr == "" {
					r.firstErr = fmt.Sprintf("first activity of %s: status %d, %v", f.hosts[i].Host, st, err)
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(r.warm)
	logf("federation: %d actors' first activities (key fetched): p50 %s p99 %s, %d refused", len(r.warm), ms(percentile(r.warm, 50)), ms(percentile(r.warm, 99)), r.warmErrs)

	// The load: every other activity, fo.conns at once.
	work := reqs[len(f.hosts):]
	next.Store(0)
	lats := make([][]time.Duration, fo.conns)
	cpu0, self0 := f.in.srv.cpu(), selfCPU()
	start := time.Now()
	deadline := start.Add(2 * time.Minute)
	for w := range fo.conns {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(work) {
					return
				}
				st, lat, err := f.post(ctx, work[i])
				lats[w] = append(lats[w], lat)
				if err == nil && st == http.StatusAccepted {
					continue
				}
				mu.Lock()
				r.refused++
				if st == http.StatusTooManyRequests {
					r.limited++
				}
				if r.firstErr == "" {
					r.firstErr = fmt.Sprintf("POST /inbox: status %d, %v", st, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	end := time.Now()
	r.seconds = end.Sub(start).Seconds()
	r.serverCPU, r.clientCPU = f.in.srv.cpu()-cpu0, selfCPU()-self0
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	slices.Sort(r.lat)
	r.accepted = len(r.lat) - r.refused
	logf("federation: inbox: %d accepted in %.1fs (%.0f/s), p50 %s p99 %s, %d refused (%d rate-limited)",
		r.accepted, r.seconds, r.rate(), ms(percentile(r.lat, 50)), ms(percentile(r.lat, 99)), r.refused, r.limited)

	// Taken in: the queue is worked in order, so once one more Create,
	// sent after every answer above, shows on its author's profile,
	// everything before it was taken in too (the file is checked
	// exactly once the server stops).
	h0 := f.hosts[0]
	sentinel := activity(h0, total, "")
	hdr, err := f.sign(h0, sentinel)
	if err != nil {
		return nil, err
	}
	if st, _, err := f.post(ctx, signed{body: sentinel, header: hdr}); err != nil || st != http.StatusAccepted {
		return nil, fmt.Errorf("the last Create: status %d, %v", st, err)
	}
	r.creates[0]++
	want := r.creates[0]
	profile := "/@" + fedActor + "@" + h0.Host
	for ctx.Err() == nil {
		status, body, err := get(ctx, f.in.client, f.in.site.base, profile, "", false)
		if err == nil && status == http.StatusOK {
			if m := countRE.FindSubmatch(body); m != nil {
				if n, _ := strconv.Atoi(strings.ReplaceAll(string(m[1]), ",", "")); n >= want {
					r.drained, r.drainedOK = time.Since(start), true
					break
				}
			}
		}
		if time.Since(start) > fedDrainTimeout {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	logf("federation: inbox queue taken in %s after the first POST (%t)", r.drained.Round(time.Millisecond), r.drainedOK)
	return r, nil
}

var countRE = regexp.MustCompile(`data-testid="posts-count"[^>]*>\s*([0-9,]+)\s*<`)

// verifyInbox reads the file (server stopped): every Create stored as
// its author's post, every Like on its post, nothing left queued.
func (f *fedRun) verifyInbox(path string, r *inboxResult) error {
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if r.pendingAfterDrain, err = db.CountPendingInbox(); err != nil {
		return err
	}
	for i, h := range f.hosts {
		u, err := db.RemoteUser(fedActor, h.Host)
		if err != nil {
			r.verifyProblems = append(r.verifyProblems, fmt.Sprintf("%s@%s not stored: %v", fedActor, h.Host, err))
			continue
		}
		r.storedCreates += min(u.PostsCount, r.creates[i])
		if u.PostsCount != r.creates[i] {
			r.verifyProblems = append(r.verifyProblems, fmt.Sprintf("%s@%s has %d posts, sent %d Creates", fedActor, h.Host, u.PostsCount, r.creates[i]))
		}
	}
	for id, n := range r.likedPosts {
		remote := 0
		page := storage.Page{Limit: 100}
		for range 1000 {
			l, err := db.Likers(0, id, page)
			if err != nil {
				return err
			}
			for _, u := range l.Users {
				if !u.IsLocal() {
					remote++
				}
			}
			if l.Next == 0 {
				break
			}
			page.Before = l.Next
		}
		r.storedLikes += min(remote, n)
		if remote != n {
			r.verifyProblems = append(r.verifyProblems, fmt.Sprintf("post %d has %d remote likes, sent %d", id, remote, n))
		}
	}
	return nil
}

// fanoutResult is what the fan-out row measured.
type fanoutResult struct {
	followers, hosts int
	reach            []time.Duration // per post: 303 to the last host's receipt
	first            []time.Duration // per post: 303 to the first host's receipt
	missing          []string
	repeated         int
	rest, during     []timedSample
	restWindow       time.Duration
	duringWindow     time.Duration
	refused          []string
	errs             int
}

// timedSample is one home-timeline request: when it ran and whether it
// succeeded.
type timedSample struct {
	start, end time.Time
	ok         bool
}

func (s timedSample) lat() time.Duration { return s.end.Sub(s.start) }

// homeLoad reads the home timeline on conns connections until stop is
// closed.
func homeLoad(ctx context.Context, in *instance, conns int, stop <-chan struct{}) []timedSample {
	cookie := in.site.cookies[in.site.home]
	parts := make([][]timedSample, conns)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			var buf bytes.Buffer
			for n := 0; n < maxRequestsPerRun/conns; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				o := do(ctx, in.client, in.srv.base, get1("/", cookie, false), &buf)
				parts[w] = append(parts[w], timedSample{start: t0, end: time.Now(), ok: o.err == nil && o.status == http.StatusOK})
			}
		})
	}
	wg.Wait()
	var all []timedSample
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// fanout posts fo.posts times as the poster with the home timeline under
// load, alternating with windows of the same load at rest.
func (f *fedRun) fanout(ctx context.Context) (*fanoutResult, error) {
	fo := f.fo
	r := &fanoutResult{hosts: len(f.hosts)}
	cookie := f.in.site.cookies[fedPoster]
	if cookie == "" {
		return nil, fmt.Errorf("not logged in as %s", fedPoster)
	}
	// Warm: the first delivery to each host makes it fetch the poster's
	// key; a post before the measured ones pays for that.
	for rep := 0; rep <= fo.posts && ctx.Err() == nil; rep++ {
		warm := rep == 0
		// At rest.
		stop := make(chan struct{})
		var rest []timedSample
		done := make(chan struct{})
		go func() { rest = homeLoad(ctx, f.in, f.o.conns, stop); close(done) }()
		time.Sleep(fo.window)
		close(stop)
		<-done

		// During a fan-out.
		marker := fmt.Sprintf("fanout%d-%08x", rep, rand.Uint32())
		counts := make([]int, len(f.hosts))
		for i, h := range f.hosts {
			counts[i] = h.Count()
		}
		stop = make(chan struct{})
		done = make(chan struct{})
		var during []timedSample
		go func() { during = homeLoad(ctx, f.in, f.o.conns, stop); close(done) }()
		time.Sleep(fo.window / 4)
		var buf bytes.Buffer
		o := do(ctx, f.in.client, f.in.srv.base, req{method: http.MethodPost, path: "/posts",
			form: url.Values{"body": {"Fan-out " + marker + ": one post to every follower, near and far #loadtest"}}.Encode(), cookie: cookie, write: true}, &buf)
		t303 := time.Now()
		if o.err != nil || o.status != http.StatusSeeOther {
			close(stop)
			<-done
			return nil, fmt.Errorf("POST /posts as %s: status %d, %v", fedPoster, o.status, o.err)
		}
		var first, last time.Time
		got := 0
		seen := make([]bool, len(f.hosts))
		for got < len(f.hosts) && time.Since(t303) < 60*time.Second && ctx.Err() == nil {
			for i, h := range f.hosts {
				if seen[i] {
					continue
				}
				for _, rc := range h.Receipts()[counts[i]:] {
					if rc.Type == "Create" && bytes.Contains(rc.Body, []byte(marker)) {
						seen[i] = true
						got++
						if first.IsZero() || rc.At.Before(first) {
							first = rc.At
						}
						if rc.At.After(last) {
							last = rc.At
						}
						break
					}
				}
			}
			if got < len(f.hosts) {
				time.Sleep(2 * time.Millisecond)
			}
		}
		close(stop)
		<-done
		for i := range f.hosts {
			if !seen[i] {
				r.missing = append(r.missing, fmt.Sprintf("post %d: %s received no Create within 60 s", rep, f.hosts[i].Host))
			}
		}
		if warm {
			logf("federation: fan-out warm-up post reached %d of %d hosts in %s", got, len(f.hosts), last.Sub(t303).Round(time.Millisecond))
			continue
		}
		r.reach = append(r.reach, last.Sub(t303))
		r.first = append(r.first, first.Sub(t303))
		// At rest: the whole window. During: the requests that ran
		// while the delivery did, from the 303 to the last receipt.
		for _, s := range rest {
			r.rest = append(r.rest, s)
		}
		for _, s := range during {
			if s.end.After(t303) && s.start.Before(last) {
				r.during = append(r.during, s)
			}
		}
		r.restWindow += fo.window
		r.duringWindow += last.Sub(t303)
		logf("federation: fan-out %d: first host %s, last of %d hosts %s after the 303", rep, first.Sub(t303).Round(time.Millisecond), got, last.Sub(t303).Round(time.Millisecond))
	}
	// Nothing was received twice, every POST verified.
	for _, h := range f.hosts {
		ids := map[string]int{}
		for _, rc := range h.Receipts() {
			ids[rc.ID]++
		}
		for _, n := range ids {
			r.repeated += n - 1
		}
		r.refused = append(r.refused, h.Refused()...)
	}
	for _, s := range append(append([]timedSample(nil), r.rest...), r.during...) {
		if !s.ok {
			r.errs++
		}
	}
	return r, nil
}

func latencies(s []timedSample) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, x := range s {
		out[i] = x.lat()
	}
	slices.Sort(out)
	return out
}

func maxDur(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return percentile(s, 50)
}

// print writes the Federation section.
func (f *fedRun) print(base result, ir *inboxResult, fr *fanoutResult) {
	out, in := f.out, f.in
	out.printf("## Federation\n\n")
	out.printf("%d users, %d posts seeded; the server runs with `-allow-private-addresses -url %s`; %d fake servers (httptest, one loopback port each: %d hosts) in the load tool.\n\n",
		in.seed.manifest.Users, in.seed.manifest.Posts, in.srv.base, len(f.hosts), len(f.hosts))
	out.printf("| scenario | rate | ÷ baseline | p50 | p99 | target | result | server CPU |\n")
	out.printf("|---|---:|---:|---:|---:|---|---|---:|\n")
	out.printf("| %s | %.0f req/s | 1.00× | %s | %s | | | %s/req |\n", base.name, base.rps(), ms(base.p(50)), ms(base.p(99)), cpuPerReq(base))
	if ir != nil {
		cpu := "-"
		if ir.accepted > 0 {
			cpu = fmt.Sprintf("%.0f µs/activity", float64(ir.serverCPU.Microseconds())/float64(ir.accepted))
		}
		out.printf("| inbox: signed Create/Like to POST /inbox, %d actors on %d hosts, %d connections | %.0f accepted/s | %s | %s | %s | ≥ 500/s | %s the target | %s |\n",
			ir.actors, ir.actors, ir.conns, ir.rate(), ratio(ir.rate(), base.rps()), ms(percentile(ir.lat, 50)), ms(percentile(ir.lat, 99)), ratio(ir.rate(), 500), cpu)
		out.printf("| inbox: each actor's first activity (the server fetches its actor and key) | %d activities | | %s | %s | | | |\n",
			len(ir.warm), ms(percentile(ir.warm, 50)), ms(percentile(ir.warm, 99)))
		if ir.drainedOK {
			n := ir.accepted + len(ir.warm) + 1
			out.printf("| inbox: taken in by the background worker | %.0f activities/s | %s | | | | | |\n",
				float64(n)/ir.drained.Seconds(), ratio(float64(n)/ir.drained.Seconds(), base.rps()))
		}
	}
	if fr != nil && len(fr.reach) > 0 {
		rest, during := latencies(fr.rest), latencies(fr.during)
		out.printf("| fanout: one post to %d followers on %d hosts (%d posts) | last host %s after the 303 (median; max %s) | | | | ≤ 10 s | %s the target (max) | |\n",
			fr.followers, fr.hosts, len(fr.reach), ms(median(fr.reach)), ms(maxDur(fr.reach)), ratio(float64(maxDur(fr.reach)), float64(10*time.Second)))
		out.printf("| home timeline at rest (GET /, follows 100, %d connections, windows between the posts) | %.0f req/s | %s | %s | %s | | | |\n",
			f.o.conns, float64(len(rest))/fr.restWindow.Seconds(), ratio(float64(len(rest))/fr.restWindow.Seconds(), base.rps()), ms(percentile(rest, 50)), ms(percentile(rest, 99)))
		out.printf("| home timeline while the fan-outs are delivered | %.0f req/s | %s | %s | %s | p99 ≤ 1.5 × at rest | %s at rest | |\n",
			float64(len(during))/fr.duringWindow.Seconds(), ratio(float64(len(during))/fr.duringWindow.Seconds(), base.rps()), ms(percentile(during, 50)), ms(percentile(during, 99)),
			ratio(float64(percentile(during, 99)), float64(percentile(rest, 99))))
	}
	out.printf("\n%s", notes([]result{base}))
	if ir != nil {
		out.printf("- inbox: %d activities (%d Creates, %d Likes of %d local posts) pre-signed in %s by the load generator before the measured window (RSA signing would otherwise take the server's CPUs); sent in %.1fs; server %.2f cores, load generator %.2f cores; %d refused (%d by the per-host rate limit)",
			ir.accepted+ir.refused, sum(ir.creates)-1, sum(ir.likes), len(ir.likedPosts), ir.signTook.Round(100*time.Millisecond), ir.seconds,
			ir.serverCPU.Seconds()/ir.seconds, ir.clientCPU.Seconds()/ir.seconds, ir.refused, ir.limited)
		if ir.firstErr != "" {
			out.printf("; first error: %s", ir.firstErr)
		}
		out.printf("\n")
		if ir.drainedOK {
			out.printf("- inbox: the queue was taken in %s after the first POST (one more Create, sent after every answer, reached its author's profile)\n", ms(ir.drained))
		}
	}
	if fr != nil && len(fr.reach) > 0 {
		var reach, first []string
		for i := range fr.reach {
			reach = append(reach, ms(fr.reach[i]))
			first = append(first, ms(fr.first[i]))
		}
		out.printf("- fanout: one POST per shared inbox (%d hosts, %d followers each); last host after %s, first after %s; home timeline: %d requests at rest in %s, %d while delivering in %s; a post before these paid for the hosts' fetch of the poster's key\n",
			fr.hosts, (fr.followers+fr.hosts-1)/fr.hosts, strings.Join(reach, ", "), strings.Join(first, ", "), len(fr.rest), fr.restWindow, len(fr.during), fr.duringWindow.Round(time.Millisecond))
	}
	out.printf("\n")

	if ir != nil {
		f.check(ir.rate() >= 500, "inbox ≥ 500 activities/s", fmt.Sprintf("%.0f accepted/s (%s the target)", ir.rate(), ratio(ir.rate(), 500)))
		f.check(ir.refused == 0 && ir.warmErrs == 0, "inbox accepts every signed activity", fmt.Sprintf("%d refused of %d", ir.refused+ir.warmErrs, len(ir.lat)+len(ir.warm)))
		f.check(ir.drainedOK && ir.pendingAfterDrain == 0 && len(ir.verifyProblems) == 0, "inbox takes every activity in",
			fmt.Sprintf("%d of %d Creates stored as posts, %d of %d Likes on their posts, %d left queued%s", ir.storedCreates, sum(ir.creates), ir.storedLikes, sum(ir.likes), ir.pendingAfterDrain, sample(ir.verifyProblems)))
	}
	if fr != nil {
		f.check(len(fr.reach) > 0 && maxDur(fr.reach) <= 10*time.Second && len(fr.missing) == 0, "fan-out within 10 s",
			fmt.Sprintf("slowest post reached its last host %s after the 303%s", ms(maxDur(fr.reach)), sample(fr.missing)))
		rest, during := latencies(fr.rest), latencies(fr.during)
		f.check(len(during) > 0 && percentile(during, 99) <= percentile(rest, 99)*3/2, "home p99 during fan-out ≤ 1.5× at rest",
			fmt.Sprintf("%s vs %s (%s)", ms(percentile(during, 99)), ms(percentile(rest, 99)), ratio(float64(percentile(during, 99)), float64(percentile(rest, 99)))))
		f.check(fr.repeated == 0 && len(fr.refused) == 0 && fr.errs == 0, "deliveries signed, once each; pages answered",
			fmt.Sprintf("%d repeated, %d refused by the fake inboxes%s, %d home requests failed", fr.repeated, len(fr.refused), sample(fr.refused), fr.errs))
	}
	for _, c := range f.checks {
		out.printf("%s\n", c)
	}
	out.printf("\n")
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
