// Command loadtest measures a majlis server on this machine: it builds the
// binary, seeds a fresh data folder, starts the server on loopback ports and
// runs bounded loads against it, printing one Markdown table in which every
// figure is also a ratio to a static-file baseline measured in the same
// run. Run it from the module: go run ./loadtest [flags].
//
// Every load is bounded in time and in count, talks only to 127.0.0.1, and
// every child process is stopped on exit, Ctrl-C included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	users, posts, follows int
	seed                  uint64
	duration, warmup      time.Duration
	conns                 int
	growth                bool
	growthSizes           string
	soak                  time.Duration
	crashRounds           int
	out                   string
	keep                  bool
	profileDir            string
	scenarios             string
	serverEnv             string
	bin                   string
	rounds                int
	fed                   fedOptions
	// memberPrefs gives the measured member keyword filters and
	// followed hashtags (memberprefs.go).
	memberPrefs bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := realMain(ctx, os.Args[1:])
	stop()
	stopAll()
	os.Exit(code)
}

// output prints to stdout and keeps a copy for -out.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) printf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := fmt.Sprintf(format, args...)
	fmt.Print(s)
	o.buf.WriteString(s)
}

// logf prints progress to stderr only.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadtest: "+format+"\n", args...)
}

func realMain(ctx context.Context, args []string) int {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.IntVar(&o.users, "users", 1000, "accounts to seed")
	fs.IntVar(&o.posts, "posts", 200_000, "posts to seed")
	fs.IntVar(&o.follows, "follows", 50, "mean accounts each user follows")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated content")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured length of each scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each scenario")
	fs.IntVar(&o.conns, "conns", 32, "concurrent connections")
	fs.BoolVar(&o.growth, "growth", false, "also measure the home timeline as the data grows (fresh seed per size) and with 10, 100, 1,000 followed accounts")
	fs.StringVar(&o.growthSizes, "growth-posts", "10000,100000,1000000", "post counts for -growth")
	fs.DurationVar(&o.soak, "soak", 0, "also run the mixed load this long and check for 5xx, lost writes and heap growth")
	fs.IntVar(&o.crashRounds, "crash-rounds", 0, "also run this many rounds of the crash-safety check (package majlis/crash)")
	fs.StringVar(&o.out, "out", "", "also write the tables to this file")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (binary, data, server logs)")
	fs.StringVar(&o.profileDir, "profile", "", "save a CPU profile of the server for each scenario into this folder")
	fs.StringVar(&o.scenarios, "scenarios", "all", `scenarios of the table: "all", "none" (with -growth, -soak or -crash-rounds), or a comma-separated list of name prefixes (baseline, local-timeline, home-timeline, profile, thread, next-page, tag-page, create-post, toggle-like, mixed, search, api-home-timeline, api-create-status, and the federation rows inbox, fanout, which run on a server of their own); the baseline always runs`)
	fs.IntVar(&o.rounds, "rounds", 1, "run the scenario table this many times and keep each scenario's best round (most req/s): on a shared machine the least disturbed one")
	fs.StringVar(&o.bin, "bin", "", "use this majlis binary instead of building one (e.g. to compare two builds)")
	fs.IntVar(&o.fed.hosts, "fed-hosts", 50, "federation rows: fake remote servers on loopback ports (one inbox actor on each, the fan-out's followers spread over them)")
	fs.IntVar(&o.fed.activities, "inbox-activities", 4000, "inbox row: signed activities sent (after one per actor to warm its key)")
	fs.IntVar(&o.fed.conns, "inbox-conns", 32, "inbox row: concurrent requests")
	fs.IntVar(&o.fed.followers, "fanout-followers", 1000, "fanout row: remote followers of the poster")
	fs.IntVar(&o.fed.posts, "fanout-posts", 5, "fanout row: posts fanned out (after one that warms the hosts' key caches)")
	fs.DurationVar(&o.fed.window, "fanout-window", 2*time.Second, "fanout row: length of each at-rest window of the home timeline load")
	fs.BoolVar(&o.memberPrefs, "member-prefs", true, "give the home timeline's member (follows100) 20 keyword filters and 10 followed hashtags, as a member from Mastodon would have; false measures a member without them")
	fs.StringVar(&o.serverEnv, "server-env", "", "extra environment of the server process only, comma-separated KEY=VALUE (e.g. GOGC=400), for experiments")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.rounds < 1 || o.rounds > 20 || o.conns < 1 || o.duration <= 0 || o.warmup < 0 || o.duration > time.Hour || o.soak > 24*time.Hour {
		fmt.Fprintln(os.Stderr, "loadtest: -rounds must be in [1, 20], -conns >= 1, -duration in (0, 1h], -soak at most 24h")
		return 2
	}
	if f := o.fed; f.hosts < 1 || f.hosts > 1000 || f.activities < 0 || f.activities > 1_000_000 || f.conns < 1 || f.followers < 0 || f.posts < 1 || f.posts > 100 || f.window <= 0 || f.window > time.Minute {
		fmt.Fprintln(os.Stderr, "loadtest: -fed-hosts must be in [1, 1000], -inbox-activities at most 1,000,000, -inbox-conns >= 1, -fanout-posts in [1, 100], -fanout-window in (0, 1m]")
		return 2
	}
	if err := runAll(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: FAIL:", err)
		return 1
	}
	return 0
}

func runAll(ctx context.Context, o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "majlis-loadtest-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	bin := o.bin
	if bin == "" {
		t0 := time.Now()
		if bin, err = build(ctx, root, tmp); err != nil {
			return err
		}
		logf("built %s in %s", bin, time.Since(t0).Round(time.Millisecond))
	} else if bin, err = filepath.Abs(bin); err != nil {
		return err
	}

	out := &output{}
	out.printf("# majlis load test, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	out.printf("Command: `go run ./loadtest %s`  \n", strings.Join(os.Args[1:], " "))
	if o.bin != "" {
		out.printf("Binary: %s (not built by this run; the commit below is the working tree's).  \n", o.bin)
	}
	out.printf("Machine: %s/%s, %d CPUs (GOMAXPROCS %d), %s, load average %s at start; commit %s.  \n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), loadAverage(), commit(ctx, root))
	if o.serverEnv != "" {
		out.printf("Server environment: %s.  \n", o.serverEnv)
	}
	out.printf("The load generator runs on the same machine and competes with the server for the CPUs.\n\n")

	var failures []string
	if o.scenarios != "none" && tableSelected(o.scenarios) {
		if err := runTable(ctx, o, bin, tmp, out); err != nil {
			return err
		}
	}
	if doInbox, doFanout := fedSelected(o.scenarios); (doInbox || doFanout) && ctx.Err() == nil {
		f, err := runFederation(ctx, o, bin, tmp, out, doInbox, doFanout)
		if err != nil {
			return err
		}
		failures = append(failures, f...)
	}
	if o.growth && ctx.Err() == nil {
		if err := runGrowth(ctx, o, bin, tmp, out); err != nil {
			return err
		}
	}
	if o.soak > 0 && ctx.Err() == nil {
		f, err := runSoak(ctx, o, bin, tmp, out)
		if err != nil {
			return err
		}
		failures = append(failures, f...)
	}
	if o.crashRounds > 0 && ctx.Err() == nil {
		f, err := runCrash(ctx, o, bin, tmp, out)
		if err != nil {
			return err
		}
		failures = append(failures, f...)
	}
	out.printf("Load average (1 min) at the end: %s.\n", loadAverage())
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(out.buf.String()), 0o644); err != nil {
			return err
		}
		logf("wrote %s", o.out)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d checks failed: %s", len(failures), strings.Join(failures, "; "))
	}
	return nil
}

func commit(ctx context.Context, root string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(b))
	cmd = exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
	cmd.Dir = root
	if b, err := cmd.Output(); err == nil && len(b) > 0 {
		c += " + uncommitted changes"
	}
	return c
}

// instance is a seeded, running server.
type instance struct {
	seed   seedResult
	srv    *server
	client *http.Client
	site   *site
}

// launch seeds a fresh folder, starts the server and discovers the site.
func launch(ctx context.Context, o options, bin, dir string, posts int, accounts []string) (*instance, error) {
	return launchWith(ctx, o, bin, dir, posts, accounts, nil, nil)
}

// launchWith is launch with a step between seeding and starting (prepare,
// given the data folder; the server is not running yet) and extra flags
// for the server.
func launchWith(ctx context.Context, o options, bin, dir string, posts int, accounts []string, prepare func(dir string) error, args []string) (*instance, error) {
	logf("seeding %d users, %d posts into %s", o.users, posts, dir)
	sd, err := seedData(ctx, bin, dir, o.users, posts, o.follows, o.seed)
	if err != nil {
		return nil, err
	}
	logf("seeded in %s: %s", sd.took.Round(time.Millisecond), strings.TrimSpace(firstLine(sd.output)))
	if prepare != nil {
		if err := prepare(dir); err != nil {
			return nil, err
		}
	}
	tokens, err := apiTokens(dir, sd.manifest, accounts)
	if err != nil {
		return nil, err
	}
	srv, err := start(ctx, bin, dir, filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-server.log"), splitEnv(o.serverEnv), args)
	if err != nil {
		return nil, err
	}
	logf("server pid %d serves on %s after %s (debug %s)", srv.pid(), srv.base, srv.startup.Round(time.Millisecond), srv.debug)
	c := newClient(o.conns)
	st, err := discover(ctx, c, srv.base, sd.manifest, accounts)
	if err != nil {
		srv.stop()
		return nil, err
	}
	discoverAPI(ctx, c, st, tokens)
	return &instance{seed: sd, srv: srv, client: c, site: st}, nil
}

func splitEnv(s string) []string {
	var env []string
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv != "" {
			env = append(env, kv)
		}
	}
	return env
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// measure runs one scenario, with a CPU profile when asked.
func measure(ctx context.Context, o options, in *instance, sc scenario, duration time.Duration) result {
	if sc.na != "" {
		logf("%-40s %s", sc.name, sc.na)
		return result{name: sc.name, na: sc.na}
	}
	var wg sync.WaitGroup
	if o.profileDir != "" && duration >= 2*time.Second {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(o.warmup):
			case <-ctx.Done():
				return
			}
			path := filepath.Join(o.profileDir, profileName(sc.name)+".pprof")
			if err := in.srv.profile(ctx, duration-time.Second, path); err != nil {
				logf("profile %s: %v", sc.name, err)
			}
		}()
	}
	var m0 memStats
	var merr error
	r := run(ctx, in.client, in.srv.base, sc, o.conns, o.warmup, duration, in.srv.cpu, func() { m0, merr = in.srv.mem(ctx, false) })
	wg.Wait()
	if ctx.Err() != nil {
		return r
	}
	if m1, err := in.srv.mem(ctx, false); err == nil && merr == nil {
		// The window of the memory figures is a little wider than the
		// measured one (it includes the requests in flight at its ends).
		r.allocated = m1.TotalAlloc - m0.TotalAlloc
		r.gcs = m1.NumGC - m0.NumGC
		r.gcPause = time.Duration(m1.PauseTotalNs - m0.PauseTotalNs)
	}
	logf("%-40s %8.0f req/s  p50 %-9s p99 %-9s errors %d (5xx %d)", sc.name, r.rps(), ms(r.p(50)), ms(r.p(99)), r.errors, r.errors5)
	return r
}

// selected tells whether a scenario is in the -scenarios list: "all", or
// names as the profiles are named ("home-timeline,local-timeline"), each a
// prefix.
func selected(list, name string) bool {
	if list == "all" {
		return true
	}
	for _, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item != "" && strings.HasPrefix(profileName(name), item) {
			return true
		}
	}
	return false
}

func profileName(name string) string {
	name, _, _ = strings.Cut(name, " (")
	name, _, _ = strings.Cut(name, ":")
	return strings.NewReplacer(" ", "-", "/", "-", "%", "").Replace(name)
}

// runTable measures every scenario once and prints the table.
func runTable(ctx context.Context, o options, bin, tmp string, out *output) error {
	var prefs func(string) error
	if o.memberPrefs {
		prefs = func(dir string) error { return memberPrefs(dir, "follows100") }
	}
	in, err := launchWith(ctx, o, bin, filepath.Join(tmp, "data"), o.posts, []string{"follows100"}, prefs, nil)
	if err != nil {
		return err
	}
	defer in.srv.stop()
	var rows []result
	for round := range o.rounds {
		if o.rounds > 1 {
			logf("round %d of %d", round+1, o.rounds)
		}
		n := 0
		for i, sc := range in.site.scenarios() {
			if ctx.Err() != nil {
				break
			}
			if i > 0 && !selected(o.scenarios, sc.name) {
				continue
			}
			r := measure(ctx, o, in, sc, o.duration)
			if round == 0 {
				rows = append(rows, r)
			} else {
				rows[n] = best(rows[n], r)
			}
			n++
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	var fresh []time.Duration
	var ferr error
	var below []pacedRow
	if selected(o.scenarios, "search") {
		below = searchPaced(ctx, o, in, rows) // searchrows.go
		fresh, ferr = searchFreshness(ctx, in, 20)
	}
	heap, herr := in.srv.heap(ctx, false)
	heapGC, _ := in.srv.heap(ctx, true)
	rss := in.srv.peakRSS()
	if err := in.srv.stop(); err != nil {
		return err
	}
	if herr != nil {
		return fmt.Errorf("heap: %w", herr)
	}
	out.printf("## Scenarios\n\n")
	out.printf("%d users, %d posts, %d follows (seeded in %s, %s, %.0f bytes per post); %d connections, %s warm-up + %s measured per scenario%s; home timeline as follows100 (follows %d%s).\n\n",
		in.seed.manifest.Users, in.seed.manifest.Posts, in.seed.manifest.Follows, in.seed.took.Round(100*time.Millisecond),
		mb(in.seed.size), float64(in.seed.size)/float64(max(1, in.seed.manifest.Posts)), o.conns, o.warmup, o.duration, roundsNote(o.rounds), following(in.seed.manifest, "follows100"), prefsNote(o.memberPrefs))
	out.printf("%s\n", table(rows))
	out.printf("Server: start-up to first /healthz %s; peak RSS (VmHWM) %s; Go heap in use after the load %s (%s after a forced GC).\n\n",
		ms(in.srv.startup), mb(rss), mb(heap), mb(heapGC))
	out.printf("%s\n", notes(rows))
	if selected(o.scenarios, "search") {
		out.printf("%s", searchReport(below, fresh, ferr, filepath.Join(tmp, "data")))
	}
	if t := apiTargets(rows); t != "" {
		out.printf("%s\n", t)
	}
	return nil
}

func prefsNote(on bool) string {
	if !on {
		return ""
	}
	return fmt.Sprintf("; %d keyword filters, %d followed hashtags", prefFilters, prefTags)
}

func roundsNote(n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(", best of %d rounds (each scenario's round with the most req/s)", n)
}

// best keeps the better of two measurements of one scenario: more
// requests per second, the least disturbed by other work.
func best(a, b result) result {
	if b.rps() > a.rps() {
		b.otherRPS = append(a.otherRPS, a.rps())
		return b
	}
	a.otherRPS = append(a.otherRPS, b.rps())
	return a
}

func following(m seedManifest, name string) int {
	for _, a := range m.Fixed {
		if a.Username == name {
			return a.Following
		}
	}
	return 0
}

// runGrowth measures the home timeline at several data sizes and followed
// sets, each size on a fresh seed.
func runGrowth(ctx context.Context, o options, bin, tmp string, out *output) error {
	var sizes []int
	for _, f := range strings.Split(o.growthSizes, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n <= 0 {
			return fmt.Errorf("-growth-posts: bad size %q", f)
		}
		sizes = append(sizes, n)
	}
	accounts := []string{"follows10", "follows100", "follows1000"}
	var rows []growthRow
	for _, n := range sizes {
		if ctx.Err() != nil {
			break
		}
		dir := filepath.Join(tmp, fmt.Sprintf("growth-%d", n))
		in, err := launch(ctx, o, bin, dir, n, accounts)
		if err != nil {
			return err
		}
		base := measure(ctx, o, in, in.site.scenarios()[0], o.duration)
		var sizeRows []growthRow
		for _, a := range accounts {
			r := measure(ctx, o, in, in.site.homeScenario(fmt.Sprintf("home %d posts as %s", n, a), a), o.duration)
			sizeRows = append(sizeRows, growthRow{posts: n, followed: following(in.seed.manifest, a), account: a, home: r, base: base})
		}
		heap, herr := in.srv.heap(ctx, false)
		heapGC, _ := in.srv.heap(ctx, true)
		rss := in.srv.peakRSS()
		serr := in.srv.stop()
		if herr != nil {
			return herr
		}
		if serr != nil {
			return serr
		}
		for i := range sizeRows {
			r := &sizeRows[i]
			r.startup, r.peakRSS, r.heap, r.heapGC = in.srv.startup, rss, heap, heapGC
			r.perPost = float64(in.seed.size) / float64(n)
			r.seedTook = in.seed.took
			r.firstSize = i == 0
		}
		rows = append(rows, sizeRows...)
		if !o.keep {
			os.RemoveAll(dir)
		}
	}
	out.printf("## Growth: home timeline\n\n%d users; each size is a fresh seed; %d connections, %s per run; baseline re-measured at each size.\n\n",
		o.users, o.conns, o.duration)
	out.printf("%s\n", growthTable(rows))
	out.printf("† disturbed: the server and the load generator got less than three quarters of the CPUs (other processes took the rest).\n\n")
	// The target: at the largest size within 1.5× the latency at the smallest.
	for _, a := range accounts {
		var first, last *growthRow
		for i := range rows {
			if rows[i].account == a {
				if first == nil {
					first = &rows[i]
				}
				last = &rows[i]
			}
		}
		if first != nil && last != first {
			out.printf("- home as %s: p50 %s at %d posts vs %s at %d (%s), p99 %s vs %s (%s)\n", a,
				ms(last.home.p(50)), last.posts, ms(first.home.p(50)), first.posts, ratio(float64(last.home.p(50)), float64(first.home.p(50))),
				ms(last.home.p(99)), ms(first.home.p(99)), ratio(float64(last.home.p(99)), float64(first.home.p(99))))
		}
	}
	out.printf("\n")
	return nil
}

// runSoak runs the mixed load for o.soak and checks that nothing failed,
// nothing acknowledged was lost and the heap did not grow.
func runSoak(ctx context.Context, o options, bin, tmp string, out *output) ([]string, error) {
	in, err := launch(ctx, o, bin, filepath.Join(tmp, "soak"), o.posts, []string{"follows100"})
	if err != nil {
		return nil, err
	}
	defer in.srv.stop()
	links := &permalinks{}
	sc := in.site.mixed("soak: mixed 90/10", in.site.readScenarios(), true, links.observe)

	base := measure(ctx, o, in, in.site.scenarios()[0], o.duration)
	// The first heap sample after a minute (or half the soak when shorter).
	first := min(time.Minute, o.soak/2)
	var heap1 int64
	var heap1Err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After(o.warmup + first):
			heap1, heap1Err = in.srv.heap(ctx, true)
			logf("soak: heap in use after %s: %s", first, mb(heap1))
		case <-ctx.Done():
		}
	}()
	r := measure(ctx, o, in, sc, o.soak)
	<-done
	heapEnd, err := in.srv.heap(ctx, true)
	if err != nil {
		return nil, err
	}
	if heap1Err != nil {
		return nil, heap1Err
	}

	// Every acknowledged post must answer 200 at its permalink.
	logf("soak: checking %d acknowledged posts", len(links.list))
	lost := verifyLinks(ctx, in, links.list, o.conns)
	rss := in.srv.peakRSS()
	serr := in.srv.stop()

	out.printf("## Soak\n\n%s of mixed load (90%% reads / 10%% posts), %d connections, %d users / %d posts seeded.\n\n", o.soak, o.conns, o.users, o.posts)
	out.printf("%s\n", table([]result{base, r}))
	out.printf("%s\n", notes([]result{base, r}))
	var failures []string
	check := func(ok bool, name, detail string) {
		verdict := "PASS"
		if !ok {
			verdict = "FAIL"
			failures = append(failures, name)
		}
		out.printf("- %s %s: %s\n", verdict, name, detail)
	}
	check(r.errors5 == 0, "no 5xx", fmt.Sprintf("%d answers 5xx of %d requests", r.errors5, r.requests))
	check(len(links.list) > 0 && len(lost) == 0, "no lost writes",
		fmt.Sprintf("%d acknowledged posts, %d not found at their permalink%s", len(links.list), len(lost), sample(lost)))
	if links.blind > 0 {
		out.printf("  (%d acknowledged posts named no permalink and could not be checked)\n", links.blind)
	}
	check(heapEnd <= heap1*12/10, "heap stable", fmt.Sprintf("heap in use %s after %s, %s at the end (limit +20%%)", mb(heap1), first, mb(heapEnd)))
	check(serr == nil, "clean stop", fmt.Sprintf("%v", cmpOr(serr, "stopped on SIGTERM")))
	out.printf("- peak RSS %s\n\n", mb(rss))
	return failures, nil
}

func cmpOr(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

func sample(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return " (e.g. " + strings.Join(list[:min(3, len(list))], ", ") + ")"
}

// verifyLinks GETs every permalink and returns those that do not answer 200.
func verifyLinks(ctx context.Context, in *instance, links []string, conns int) []string {
	var (
		mu   sync.Mutex
		lost []string
		wg   sync.WaitGroup
		next = make(chan string)
	)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range next {
				status, _, err := get(ctx, in.client, in.srv.base, l, "", false)
				if err != nil || status != http.StatusOK {
					mu.Lock()
					lost = append(lost, fmt.Sprintf("%s (%d %v)", l, status, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, l := range links {
		if ctx.Err() != nil {
			break
		}
		next <- l
	}
	close(next)
	wg.Wait()
	return lost
}
