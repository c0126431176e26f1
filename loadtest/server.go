package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"majlis/crash"
)

// build compiles the majlis binary from the module root into dir.
func build(ctx context.Context, root, dir string) (string, error) {
	return crash.Build(ctx, root, dir)
}

// moduleRoot finds the folder of go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module majlis") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the load tool inside the majlis module (go run ./loadtest)")
		}
		dir = parent
	}
}

// seedManifest is what "majlis seed" leaves in seed.json (the fields used
// here).
type seedManifest struct {
	Users    int `json:"users"`
	Posts    int `json:"posts"`
	Follows  int `json:"follows"`
	Password string
	Fixed    []struct {
		Username  string `json:"username"`
		Following int    `json:"following"`
	} `json:"fixed"`
	Prolific []struct {
		Username string `json:"username"`
		Posts    int    `json:"posts"`
	} `json:"prolific"`
	Tags        []string `json:"tags"`
	SamplePosts []string `json:"sample_posts"`
	// SampleThreads are the posts with the most replies (absent from the
	// manifests of seeders that wrote no replies).
	SampleThreads []struct {
		Permalink string `json:"permalink"`
		Replies   int    `json:"replies"`
	} `json:"sample_threads"`
}

// seedResult is a seeded data folder.
type seedResult struct {
	dir      string
	manifest seedManifest
	took     time.Duration
	size     int64 // bytes of majlis.db
	output   string
}

// seedData runs "majlis seed" into a fresh folder.
func seedData(ctx context.Context, bin, dir string, users, posts, follows int, seedN uint64) (seedResult, error) {
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, bin, "seed", "-data", dir, "-users", strconv.Itoa(users), "-posts", strconv.Itoa(posts),
		"-follows", strconv.Itoa(follows), "-seed", strconv.FormatUint(seedN, 10), "-q")
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return seedResult{}, fmt.Errorf("majlis seed: %w\n%s", err, out)
	}
	r := seedResult{dir: dir, took: time.Since(t0), output: string(out)}
	b, err := os.ReadFile(filepath.Join(dir, "seed.json"))
	if err != nil {
		return r, fmt.Errorf("seed manifest: %w", err)
	}
	if err := json.Unmarshal(b, &r.manifest); err != nil {
		return r, fmt.Errorf("seed manifest: %w", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "majlis.db"))
	if err != nil {
		return r, err
	}
	r.size = fi.Size()
	return r, nil
}

// childEnv is this environment without MAJLIS_* settings, so that only the
// flags configure the child.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAJLIS_") {
			env = append(env, kv)
		}
	}
	return env
}

// server is a running majlis process.
type server struct {
	cmd       *exec.Cmd
	base      string // http://127.0.0.1:PORT
	debug     string // http://127.0.0.1:PORT2
	logPath   string
	startup   time.Duration // from exec to the first 200 on /healthz
	done      chan struct{}
	waitErr   error
	stopOnce  sync.Once
	stopError error
}

// running tracks live servers, so that every exit path stops them.
var running struct {
	sync.Mutex
	m map[*server]bool
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs the binary on loopback ports and waits for /healthz.
func start(ctx context.Context, bin, dataDir, logPath string, extraEnv, extraArgs []string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dport, err := freePort()
	if err != nil {
		return nil, err
	}
	addr, daddr := "127.0.0.1:"+strconv.Itoa(port), "127.0.0.1:"+strconv.Itoa(dport)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"-addr", addr, "-debug-addr", daddr, "-data", dataDir, "-url", "http://" + addr}, extraArgs...)...)
	// The client API's rate limit would answer most of a load row with
	// 429s: measured here is the server, not the limit. (An environment
	// variable, which an older binary under -bin ignores.)
	cmd.Env = append(append(childEnv(), "MAJLIS_API_RATE_LIMIT=1000000000"), extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	setDeathSignal(cmd)
	s := &server{cmd: cmd, base: "http://" + addr, debug: "http://" + daddr, logPath: logPath, done: make(chan struct{})}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	running.Lock()
	if running.m == nil {
		running.m = map[*server]bool{}
	}
	running.m[s] = true
	running.Unlock()
	go func() {
		s.waitErr = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()

	c := &http.Client{Timeout: 2 * time.Second}
	for time.Since(t0) < 60*time.Second {
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited before serving (%v); log %s:\n%s", s.waitErr, logPath, tail(logPath, 15))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		default:
		}
		resp, err := c.Get(s.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.startup = time.Since(t0)
				return s, nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("server did not answer /healthz within 60s; log %s:\n%s", logPath, tail(logPath, 15))
}

// stop asks the server to shut down (SIGTERM) and kills it after 15 s.
func (s *server) stop() error {
	s.stopOnce.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
			if s.waitErr != nil {
				s.stopError = fmt.Errorf("server exited with %v after SIGTERM", s.waitErr)
			}
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
			s.stopError = errors.New("server did not stop within 15s of SIGTERM; killed")
		}
		running.Lock()
		delete(running.m, s)
		running.Unlock()
	})
	return s.stopError
}

// stopAll stops every server still running.
func stopAll() {
	running.Lock()
	var all []*server
	for s := range running.m {
		all = append(all, s)
	}
	running.Unlock()
	for _, s := range all {
		s.stop()
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// procStatus reads a "Name: value kB" field of /proc/PID/status in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			break
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, err
		}
		if len(fields) > 1 && fields[1] == "kB" {
			n *= 1024
		}
		return n, nil
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

// peakRSS is the server's VmHWM.
func (s *server) peakRSS() int64 {
	n, _ := procStatus(s.pid(), "VmHWM")
	return n
}

// cpu is the server's user+system CPU time so far, from /proc/PID/stat.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid()))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: fields start after ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// memStats are the fields of runtime.MemStats the load tool reads.
type memStats struct {
	HeapInuse    int64
	Sys          int64
	TotalAlloc   int64
	NumGC        int64
	PauseTotalNs int64
}

// mem reads runtime.MemStats from the debug listener's /debug/vars; with
// gc it first forces a collection (through the heap profile), so that
// HeapInuse is the live heap rather than a point in the GC cycle.
func (s *server) mem(ctx context.Context, gc bool) (memStats, error) {
	var m memStats
	c := &http.Client{Timeout: 30 * time.Second}
	if gc {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.debug+"/debug/pprof/heap?gc=1", nil)
		resp, err := c.Do(req)
		if err != nil {
			return m, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.debug+"/debug/vars", nil)
	resp, err := c.Do(req)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	var v struct {
		Memstats memStats `json:"memstats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return m, fmt.Errorf("/debug/vars: %w", err)
	}
	return v.Memstats, nil
}

// heap is HeapInuse, after a forced collection with gc.
func (s *server) heap(ctx context.Context, gc bool) (int64, error) {
	m, err := s.mem(ctx, gc)
	return m.HeapInuse, err
}

// profile saves a CPU profile of the server taken over d to path.
func (s *server) profile(ctx context.Context, d time.Duration, path string) error {
	secs := max(1, int(d/time.Second))
	c := &http.Client{Timeout: d + 30*time.Second}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.debug, secs), nil)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: status %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the first figure of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}
