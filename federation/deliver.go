package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"majlis/storage"
)

// The delivery workers: they drain the durable outbox (storage's
// outbox.go and delivery.go) to other servers' inboxes.
//
// One loop (Run) does the bookkeeping and a pool of workers does the
// POSTs. The loop fans new outbox entries out (render once, to drop what
// no longer applies; list the inboxes; record one delivery per inbox),
// then hands due deliveries to the workers, never more than PerHost at
// once to one host, and sleeps until the next delivery falls due, a
// member action queues something (Wake, registered with DB.OnOutbox), or
// the context ends. Every outcome is written to the file before the loop
// counts the worker free, so a restart resumes exactly what is left: a
// delivery recorded as done is never sent again. A process killed while a
// POST is in flight sends that one again after the restart (receivers
// drop an activity ID they have seen); a Run whose context ends lets the
// POSTs in flight finish and records them, for up to ShutdownGrace.
//
// Rendering: the JSON is rendered again for each attempt (from a
// 30-second memory of the last rendering, so one fan-out to many hosts
// renders once), not stored with the deliveries. Retries then carry the
// records as they are: an edited post goes out as edited, and a Create
// retried after its post was deleted is dropped (ErrGone) instead of
// bringing the post back on a server that already took its Delete. And
// the file keeps no copy of a post's text in the queue, so deleting a post
// or an account leaves none behind for two days of retries.

// Retry schedule (DefaultBackoff): after the n-th failed attempt, wait 30
// seconds doubled n-1 times, capped at 8 hours, plus up to a tenth more
// so that hosts coming back are not hit by everyone at once:
//
//	attempt  1    2   3   4   5   6    7    8    9     10     11-15
//	wait     30s  1m  2m  4m  8m  16m  32m  64m  128m  256m   8h
//
// DeliveryAttempts attempts in all, about 48.5 hours from the first to the
// last (Mastodon: 16 over about two days); then the inbox is given up.
const DeliveryAttempts = 16

// DefaultBackoff is the wait after the attempt-th failed attempt.
func DefaultBackoff(attempt int) time.Duration {
	const first, ceiling = 30 * time.Second, 8 * time.Hour
	d := ceiling
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 16 {
		d = min(first<<(attempt-1), ceiling)
	}
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// Deliverer sends the outbox's activities to other servers.
type Deliverer struct {
	DB *storage.DB
	// Client makes every request: NewClient(guard, timeout), whose dialer
	// refuses the addresses the guard refuses. Redirects are not followed
	// (an inbox that redirects a POST is retried like a failure).
	Client *http.Client
	// Guard's URL rules (https only, unless AllowHTTP) are applied to each
	// inbox URL before it is dialled; give it the guard of Client.
	Guard Guard
	// Render returns the JSON of an activity, or ErrGone when it no
	// longer applies.
	Render func(storage.Activity) ([]byte, error)
	// Signer returns the key an activity is signed with and its id.
	Signer func(storage.Activity) (keyID string, key *rsa.PrivateKey, err error)
	// Workers is how many POSTs may be in flight at once (default 8);
	// PerHost how many to one host (default 2).
	Workers, PerHost int
	// Now is the clock (default time.Now): when deliveries fall due, the
	// signatures' Date.
	Now    func() time.Time
	Logger *slog.Logger
	// UserAgent is sent with every POST.
	UserAgent string
	// Backoff is the wait after the attempt-th failed attempt (default
	// DefaultBackoff); MaxAttempts the attempts before an inbox is given
	// up (default DeliveryAttempts).
	Backoff     func(attempt int) time.Duration
	MaxAttempts int
	// ShutdownGrace is how long the POSTs in flight may take to finish
	// once Run's context ends (default 10 seconds); those cut off are
	// sent again by the next Run.
	ShutdownGrace time.Duration

	once sync.Once
	wake chan struct{}
}

func (d *Deliverer) init() {
	d.once.Do(func() { d.wake = make(chan struct{}, 1) })
}

// Wake tells Run that something may be due now. It never blocks.
func (d *Deliverer) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

const (
	// renderMemory is how long a rendering is reused: one fan-out renders
	// once, a retry an hour later renders afresh.
	renderMemory = 30 * time.Second
	// holdOff is how long an activity whose rendering or key failed (not
	// ErrGone: a fault here) waits before it is tried again.
	holdOff = time.Minute
	// fanOutLookback: a pass over new outbox entries starts this far
	// before where the last one started; an entry's ID is taken just
	// before its transaction, so one may commit after a pass that passed
	// its ID. fullPassEvery: from the start, now and then, all the same.
	fanOutLookback = 5 * time.Minute
	fullPassEvery  = 10 * time.Minute
	// idleTick: the loop looks at the queue at least this often.
	idleTick = time.Minute
	// maxResponse is how much of an inbox's answer is read (and thrown
	// away, so the connection can be reused).
	maxResponse = 64 << 10
	// maxRetryAfter bounds how long a Retry-After may put a delivery off.
	maxRetryAfter = 6 * time.Hour
)

// prepared is an activity ready to send: its JSON and its key.
type prepared struct {
	body  []byte
	keyID string
	key   *rsa.PrivateKey
	err   error
	at    time.Time // real time, for renderMemory
}

type job struct {
	del storage.Delivery
	p   *prepared
}

type deliveryKey struct {
	activity storage.ID
	inbox    string
}

// run is the state of one Run, owned by its loop goroutine.
type run struct {
	d        *Deliverer
	client   *http.Client
	inflight map[deliveryKey]bool
	perHost  map[string]int
	prepared map[storage.ID]*prepared
	held     map[storage.ID]time.Time // real time
	scanFrom storage.ID
	lastFull time.Time
}

// Run delivers until ctx ends, resuming whatever the file holds. It
// returns nil once ctx has ended and the POSTs in flight are recorded;
// an error only when it cannot start.
func (d *Deliverer) Run(ctx context.Context) error {
	d.init()
	if d.DB == nil || d.Client == nil || d.Render == nil || d.Signer == nil {
		return errors.New("deliverer: DB, Client, Render and Signer are required")
	}
	if d.Workers <= 0 {
		d.Workers = 8
	}
	if d.PerHost <= 0 {
		d.PerHost = 2
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Backoff == nil {
		d.Backoff = DefaultBackoff
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = DeliveryAttempts
	}
	if d.ShutdownGrace <= 0 {
		d.ShutdownGrace = 10 * time.Second
	}
	unregister := d.DB.OnOutbox(d.Wake)
	defer unregister()

	client := *d.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r := &run{d: d, client: &client, inflight: map[deliveryKey]bool{}, perHost: map[string]int{},
		prepared: map[storage.ID]*prepared{}, held: map[storage.ID]time.Time{}}

	// The POSTs outlive ctx by up to ShutdownGrace, so that what was sent
	// is recorded as sent.
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	jobs := make(chan job, d.Workers)
	results := make(chan storage.Delivery, d.Workers)
	var wg sync.WaitGroup
	for range d.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				d.deliver(sendCtx, r.client, j)
				results <- j.del
			}
		}()
	}

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		r.fanOut()
		r.dispatch(jobs)
		timer.Reset(r.sleep())
		select {
		case <-ctx.Done():
		case <-d.wake:
		case del := <-results:
			r.done(del)
		case <-timer.C:
		}
	}
	close(jobs)
	grace := time.AfterFunc(d.ShutdownGrace, cancelSends)
	for len(r.inflight) > 0 {
		r.done(<-results)
	}
	grace.Stop()
	wg.Wait()
	return nil
}

func (r *run) done(del storage.Delivery) {
	delete(r.inflight, deliveryKey{del.ActivityID, del.Inbox})
	if r.perHost[del.Host]--; r.perHost[del.Host] <= 0 {
		delete(r.perHost, del.Host)
	}
}

// fanOut records the deliveries of the outbox entries not fanned out yet.
func (r *run) fanOut() {
	db := r.d.DB
	from := r.scanFrom
	if time.Since(r.lastFull) >= fullPassEvery {
		from = 0
	}
	mark := db.NewID()
	const page = 100
	for after := from; ; {
		acts, err := db.UnstartedActivities(after, page)
		if err != nil {
			r.d.Logger.Error("delivery: listing the outbox", "err", err)
			return
		}
		for _, a := range acts {
			r.start(a)
		}
		if len(acts) < page {
			break
		}
		after = acts[len(acts)-1].ID
	}
	if from == 0 {
		r.lastFull = time.Now()
	}
	if t := storage.MinIDAt(mark.Time().Add(-fanOutLookback)); t > 0 {
		r.scanFrom = t - 1
	}
}

// start fans one activity out.
func (r *run) start(a storage.Activity) {
	if r.isHeld(a.ID) {
		return
	}
	db := r.d.DB
	p := r.prepare(a)
	if errors.Is(p.err, ErrGone) {
		r.finish(a.ID)
		return
	}
	if p.err != nil {
		r.hold(a, p.err)
		return
	}
	targets, err := db.DeliveryTargets(a)
	if err == nil {
		err = db.StartDelivery(a.ID, targets)
	}
	if err != nil {
		r.d.Logger.Error("delivery: fanning out", "activity", a.ID, "err", err)
	}
}

// prepare renders and signs for an activity, or returns what it did a
// moment ago.
func (r *run) prepare(a storage.Activity) *prepared {
	if p, ok := r.prepared[a.ID]; ok && time.Since(p.at) < renderMemory {
		return p
	}
	for id, p := range r.prepared {
		if time.Since(p.at) >= renderMemory {
			delete(r.prepared, id)
		}
	}
	p := &prepared{at: time.Now()}
	p.body, p.err = r.d.Render(a)
	if p.err == nil {
		p.keyID, p.key, p.err = r.d.Signer(a)
		if p.err == nil && p.key == nil {
			p.err = errors.New("no signing key")
		}
	}
	r.prepared[a.ID] = p
	return p
}

func (r *run) finish(id storage.ID) {
	delete(r.prepared, id)
	if err := r.d.DB.FinishActivity(id); err != nil && !errors.Is(err, storage.ErrNotFound) {
		r.d.Logger.Error("delivery: dropping an activity that no longer applies", "activity", id, "err", err)
	}
}

func (r *run) hold(a storage.Activity, err error) {
	r.d.Logger.Error("delivery: cannot render or sign an activity", "activity", a.ID, "type", a.Type, "err", err)
	r.held[a.ID] = time.Now().Add(holdOff)
	delete(r.prepared, a.ID)
}

func (r *run) isHeld(id storage.ID) bool {
	until, ok := r.held[id]
	if ok && time.Now().After(until) {
		delete(r.held, id)
		return false
	}
	return ok
}

// skip passes over deliveries that cannot go now: in flight, to a host
// at its limit, of an activity held back.
func (r *run) skip(activity storage.ID, inbox, host string) bool {
	return r.inflight[deliveryKey{activity, inbox}] || r.perHost[host] >= r.d.PerHost || r.isHeld(activity)
}

// dispatch hands due deliveries to the free workers.
func (r *run) dispatch(jobs chan<- job) {
	db := r.d.DB
	for free := r.d.Workers - len(r.inflight); free > 0; {
		due, err := db.DueDeliveriesExcept(r.d.Now(), free, r.skip)
		if err != nil {
			r.d.Logger.Error("delivery: listing due deliveries", "err", err)
			return
		}
		sent := 0
		for _, del := range due {
			if r.skip(del.ActivityID, del.Inbox, del.Host) {
				continue // its host filled up in this very list
			}
			if r.refused(del.Host) {
				continue
			}
			a, err := db.QueuedActivity(del.ActivityID)
			if err != nil {
				if !errors.Is(err, storage.ErrNotFound) {
					r.d.Logger.Error("delivery: reading an activity", "activity", del.ActivityID, "err", err)
				}
				continue
			}
			p := r.prepare(a)
			if errors.Is(p.err, ErrGone) {
				r.finish(a.ID)
				continue
			}
			if p.err != nil {
				r.hold(a, p.err)
				continue
			}
			r.inflight[deliveryKey{del.ActivityID, del.Inbox}] = true
			r.perHost[del.Host]++
			jobs <- job{del: del, p: p}
			sent++
		}
		if sent == 0 {
			return
		}
		free -= sent
	}
}

// refused tells whether the instance now refuses a host (a domain block
// made after the fan-out) and drops what waits for it.
func (r *run) refused(host string) bool {
	pol, err := r.d.DB.PolicyFor(host)
	if err != nil || !pol.Refused {
		return false
	}
	if n, err := r.d.DB.DropHostDeliveries(host); err != nil {
		r.d.Logger.Error("delivery: dropping deliveries to a refused host", "host", host, "err", err)
	} else if n > 0 {
		r.d.Logger.Info("delivery: dropped deliveries to a refused host", "host", host, "deliveries", n)
	}
	return true
}

// sleep is how long the loop may wait for nothing: until the next
// delivery falls due or a held activity is free, at most idleTick.
func (r *run) sleep() time.Duration {
	wait := idleTick
	now := r.d.Now()
	if next, err := r.d.DB.NextDeliveryAt(now); err == nil && !next.IsZero() {
		wait = min(wait, next.Sub(now))
	}
	for _, until := range r.held {
		wait = min(wait, time.Until(until))
	}
	return max(wait, time.Millisecond)
}

// deliver makes one attempt and records its outcome.
func (d *Deliverer) deliver(ctx context.Context, client *http.Client, j job) {
	del := j.del
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, del.Inbox, bytes.NewReader(j.p.body))
	if err != nil {
		d.failed(del, 0, "bad inbox URL", false, 0)
		return
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept", ContentType)
	if d.UserAgent != "" {
		req.Header.Set("User-Agent", d.UserAgent)
	}
	if err := Sign(req, j.p.body, j.p.keyID, j.p.key, d.Now()); err != nil {
		d.failed(del, 0, "signing: "+err.Error(), true, 0)
		return
	}
	resp, err := d.Guard.Do(ctx, client, req)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: not an answer from the host. It stays
			// due and goes again after the restart.
			return
		}
		d.failed(del, 0, err.Error(), !errors.Is(err, ErrForbiddenAddress), 0)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		if err := d.DB.DeliverySucceeded(del); err != nil && !errors.Is(err, storage.ErrNotFound) {
			d.Logger.Error("delivery: recording a success", "activity", del.ActivityID, "host", del.Host, "err", err)
		}
	case s == http.StatusUnauthorized || s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500 || s < 200 || (s >= 300 && s < 400):
		d.failed(del, s, resp.Status, true, retryAfter(resp.Header.Get("Retry-After"), d.Now()))
	default:
		d.failed(del, s, resp.Status, false, 0)
	}
}

// failed records a failed attempt: retried after the backoff (or the
// host's Retry-After when longer), or given up.
func (d *Deliverer) failed(del storage.Delivery, status int, text string, retry bool, after time.Duration) {
	attempt := del.Attempts + 1
	var next time.Time
	if retry && attempt < d.MaxAttempts {
		next = d.Now().Add(max(d.Backoff(attempt), after))
	}
	log := d.Logger.With("activity", del.ActivityID, "host", del.Host, "status", status, "attempt", attempt)
	switch {
	case !retry:
		log.Warn("delivery refused; giving up this inbox", "err", text)
	case next.IsZero():
		log.Warn("delivery failed; last attempt, giving up this inbox", "err", text)
	default:
		log.Warn("delivery failed; will retry", "err", text, "next", next)
	}
	if err := d.DB.DeliveryFailed(del, text, retry, next); err != nil && !errors.Is(err, storage.ErrNotFound) {
		d.Logger.Error("delivery: recording a failure", "activity", del.ActivityID, "host", del.Host, "err", err)
	}
}

// retryAfter reads a Retry-After header (seconds or a date), bounded.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
