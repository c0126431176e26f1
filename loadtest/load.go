package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxRequestsPerRun bounds every load loop by count as well as by time.
const maxRequestsPerRun = 20_000_000

// req is one request a scenario asks for.
type req struct {
	method string
	path   string
	form   string // urlencoded body of a POST
	cookie string
	// bearer is an API token, sent as Authorization: Bearer (apirows.go).
	bearer string
	htmx   bool
	// keep asks for the response body (to read a permalink from it).
	keep bool
	// write marks a request that creates something (for the mixed counts).
	write bool
}

// outcome is one answer, handed to a scenario's observer.
type outcome struct {
	req      req
	status   int
	location string
	body     []byte
	err      error
}

// scenario makes the requests of one row of the table.
type scenario struct {
	name string
	// next returns the i-th request of worker w.
	next func(w, i int, r *rand.Rand) req
	// ok tells whether a status is a success; default: 2xx and 3xx.
	ok func(req, int) bool
	// observe sees every measured answer (optional; called concurrently).
	observe func(outcome)
	// unit names what one request does, for notes ("posts").
	unit string
	// na, when set, is why the scenario cannot run yet.
	na string
}

// result is what one load run measured.
type result struct {
	name                 string
	na                   string
	requests             int     // completed in the measured window
	writes               int     // of which writes
	seconds              float64 // length of the measured window
	lat                  []time.Duration
	errors               int // non-2xx/3xx answers and transport errors, 5xx included
	errors5              int
	bytes                int64
	serverCPU, clientCPU time.Duration
	firstErr             string
	// Server memory figures over the window: bytes allocated, GC cycles
	// and their stop-the-world pauses.
	allocated, gcs int64
	gcPause        time.Duration
	// otherRPS are the req/s of the rounds not kept (-rounds).
	otherRPS []float64
}

func (r result) rps() float64 {
	if r.seconds == 0 {
		return 0
	}
	return float64(r.requests) / r.seconds
}

// percentile returns the p-th percentile (0-100) of the sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func (r result) p(p float64) time.Duration { return percentile(r.lat, p) }

// newClient is an HTTP client for the load: keep-alive connections to the
// server only, no compression (every byte goes over the loopback, as the
// page weighs), no redirects followed (a 303 is the answer we measure).
func newClient(conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
				return nil, fmt.Errorf("loadtest only talks to loopback, not %q", addr)
			}
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// do sends one request and reads the whole answer.
func do(ctx context.Context, c *http.Client, base string, q req, buf *bytes.Buffer) outcome {
	var body io.Reader
	if q.form != "" {
		body = strings.NewReader(q.form)
	}
	hr, err := http.NewRequestWithContext(ctx, q.method, base+q.path, body)
	if err != nil {
		return outcome{req: q, err: err}
	}
	if q.form != "" {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if q.cookie != "" {
		hr.Header.Set("Cookie", q.cookie)
	}
	if q.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+q.bearer)
	}
	if q.htmx {
		hr.Header.Set("HX-Request", "true")
	}
	resp, err := c.Do(hr)
	if err != nil {
		return outcome{req: q, err: err}
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return outcome{req: q, status: resp.StatusCode, err: err}
	}
	o := outcome{req: q, status: resp.StatusCode, location: resp.Header.Get("Location")}
	if q.keep {
		o.body = bytes.Clone(buf.Bytes())
	}
	return o
}

// okStatus tells whether an answer is a success: sc.ok, by default 2xx
// and 3xx.
func (sc scenario) okStatus() func(req, int) bool {
	if sc.ok != nil {
		return sc.ok
	}
	return func(_ req, s int) bool { return s >= 200 && s < 400 }
}

// failure describes a failed answer for the notes.
func failure(o outcome) string {
	if o.err != nil {
		return fmt.Sprintf("%s %s: %v", o.req.method, o.req.path, o.err)
	}
	return fmt.Sprintf("%s %s: status %d", o.req.method, o.req.path, o.status)
}

// run drives sc with conns concurrent connections for warmup+duration and
// measures the answers completed after the warm-up. cpu reads the server's
// CPU time, for the CPU-per-request note.
func run(ctx context.Context, c *http.Client, base string, sc scenario, conns int, warmup, duration time.Duration, cpu func() time.Duration, atStart func()) result {
	res := result{name: sc.name, na: sc.na}
	if sc.na != "" {
		return res
	}
	okStatus := sc.okStatus()
	ctx, cancel := context.WithTimeout(ctx, warmup+duration+20*time.Second)
	defer cancel()
	start := time.Now()
	measureFrom, stopAt := start.Add(warmup), start.Add(warmup+duration)

	type workerResult struct {
		lat                   []time.Duration
		n, writes, errs, err5 int
		bytes                 int64
		firstErr              string
	}
	results := make([]workerResult, conns)
	var wg sync.WaitGroup
	var cpu0, cpuSelf0 time.Duration
	var markOnce sync.Once
	mark := func() {
		markOnce.Do(func() {
			if atStart != nil {
				atStart()
			}
			if cpu != nil {
				cpu0 = cpu()
			}
			cpuSelf0 = selfCPU()
		})
	}
	go func() {
		select {
		case <-time.After(time.Until(measureFrom)):
			mark()
		case <-ctx.Done():
		}
	}()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wr := &results[w]
			wr.lat = make([]time.Duration, 0, 4096)
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			var buf bytes.Buffer
			for i := 0; i < maxRequestsPerRun/conns; i++ {
				t0 := time.Now()
				if !t0.Before(stopAt) || ctx.Err() != nil {
					return
				}
				q := sc.next(w, i, rng)
				o := do(ctx, c, base, q, &buf)
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(stopAt) {
					// Warm-up, or finished after the window closed.
					continue
				}
				wr.n++
				if q.write {
					wr.writes++
				}
				wr.lat = append(wr.lat, t1.Sub(t0))
				wr.bytes += int64(buf.Len())
				bad := o.err != nil || !okStatus(q, o.status)
				if bad {
					wr.errs++
					if o.status >= 500 {
						wr.err5++
					}
					if wr.firstErr == "" {
						wr.firstErr = failure(o)
					}
				}
				if sc.observe != nil && !bad {
					sc.observe(o)
				}
			}
		}()
	}
	wg.Wait()
	mark()
	end := time.Now()
	if end.After(stopAt) {
		end = stopAt
	}
	if cpu != nil {
		res.serverCPU = cpu() - cpu0
	}
	res.clientCPU = selfCPU() - cpuSelf0
	res.seconds = end.Sub(measureFrom).Seconds()
	for _, wr := range results {
		res.requests += wr.n
		res.writes += wr.writes
		res.errors += wr.errs
		res.errors5 += wr.err5
		res.bytes += wr.bytes
		res.lat = append(res.lat, wr.lat...)
		if res.firstErr == "" {
			res.firstErr = wr.firstErr
		}
	}
	slices.Sort(res.lat)
	return res
}

// paced sends sc's requests open-loop: at rate a second on average, each
// at a moment drawn in advance (exponential gaps, as independent people
// asking), whether or not earlier answers came back. A request's latency
// runs from the moment it was due, so time spent waiting for a free
// connection counts: a slow server is not let off by being asked less
// (the closed loop of run asks again only once answered). It tells how
// long one request takes when the server is busy but not saturated,
// which run's p99 (the wait behind conns-1 others) cannot.
func paced(ctx context.Context, c *http.Client, base string, sc scenario, rate float64, warmup, duration time.Duration, cpu func() time.Duration) result {
	res := result{name: sc.name}
	ctx, cancel := context.WithTimeout(ctx, warmup+duration+20*time.Second)
	defer cancel()
	okStatus := sc.okStatus()
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	start := time.Now()
	measureFrom, stopAt := start.Add(warmup), start.Add(warmup+duration)
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		cpu0     time.Duration
		marked   bool
		bufs     = sync.Pool{New: func() any { return new(bytes.Buffer) }}
		measured = func(due time.Time) bool { return !due.Before(measureFrom) }
	)
	due := start
	for i := 0; ctx.Err() == nil && i < maxRequestsPerRun; i++ {
		due = due.Add(time.Duration(rng.ExpFloat64() / rate * float64(time.Second)))
		if !due.Before(stopAt) {
			break
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if !marked && measured(due) {
			marked = true
			if cpu != nil {
				cpu0 = cpu()
			}
		}
		q := sc.next(0, i, rng)
		wg.Add(1)
		go func(due time.Time) {
			defer wg.Done()
			buf := bufs.Get().(*bytes.Buffer)
			defer bufs.Put(buf)
			o := do(ctx, c, base, q, buf)
			lat := time.Since(due)
			if !measured(due) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			res.requests++
			res.lat = append(res.lat, lat)
			res.bytes += int64(buf.Len())
			if o.err != nil || !okStatus(q, o.status) {
				res.errors++
				if o.status >= 500 {
					res.errors5++
				}
				if res.firstErr == "" {
					res.firstErr = failure(o)
				}
			}
		}(due)
	}
	wg.Wait()
	if cpu != nil && marked {
		res.serverCPU = cpu() - cpu0
	}
	res.seconds = duration.Seconds()
	slices.Sort(res.lat)
	return res
}
