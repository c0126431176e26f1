package hostile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The hard memory limit: a memory cgroup of its own for the server, made
// under the cgroup this test runs in (so it stays inside whatever limits
// that one has), with the limit set before the server runs a single
// instruction. The test binary itself is the doorway: run with
// cgroupExecEnv set, it moves itself into the cgroup and then execs the
// program named by its arguments (see TestMain), so nothing of the server
// runs outside the limit.
//
// When no memory cgroup can be made (no cgroup file system, not allowed,
// cgroup v2 without the memory controller delegated), or one can be made
// but does not enforce (a probe that allocates past the limit survives),
// the test runs the server without a limit and fails on the peak resident
// set (VmHWM) instead. RLIMIT_AS is no substitute: it caps address space,
// not memory, and a Go program reserves far more address space than it
// uses.

const (
	// cgroupExecEnv, in the environment of the test binary, names the
	// cgroup folder to enter before exec'ing os.Args[1:].
	cgroupExecEnv = "MAJLIS_HOSTILE_CGROUP_EXEC"
	// probeEnv makes the test binary allocate and touch probeBytes, then
	// exit 0: it must be killed inside the cgroup.
	probeEnv   = "MAJLIS_HOSTILE_PROBE"
	probeBytes = 768 << 20
	// noCgroupEnv, set to anything, runs the server without a cgroup, to
	// try the measuring fallback.
	noCgroupEnv = "MAJLIS_HOSTILE_NO_CGROUP"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(cgroupExecEnv); dir != "" {
		enterAndExec(dir)
	}
	if os.Getenv(probeEnv) != "" {
		probe()
	}
	os.Exit(m.Run())
}

// enterAndExec moves this process into the cgroup dir and execs
// os.Args[1:]; it never returns.
func enterAndExec(dir string) {
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "hostile: enter cgroup %s: %v\n", dir, err)
		os.Exit(127)
	}
	if len(os.Args) < 2 {
		fail(errors.New("no program to run"))
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
		fail(err)
	}
	os.Unsetenv(cgroupExecEnv)
	fail(syscall.Exec(os.Args[1], os.Args[1:], os.Environ()))
}

// probe allocates probeBytes and writes to every page.
func probe() {
	var keep [][]byte
	for n := 0; n < probeBytes; n += 16 << 20 {
		b := make([]byte, 16<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
	}
	fmt.Println(len(keep))
	os.Exit(0)
}

// memLimit is how the server's memory is limited.
type memLimit struct {
	// dir is the cgroup folder; "" when the limit is not enforced.
	dir     string
	version int // cgroup version, 1 or 2
	bytes   int64
	// how says in words how the limit is applied, for the log.
	how string
}

// setupLimit makes a memory cgroup limited to bytes, checks that it
// enforces, and removes it when the test ends; without one it returns a
// memLimit that only measures.
func setupLimit(t *testing.T, bytes int64) *memLimit {
	t.Helper()
	if os.Getenv(noCgroupEnv) != "" {
		return &memLimit{bytes: bytes, how: "none enforced (" + noCgroupEnv + " is set); failing on the peak resident set (VmHWM) instead"}
	}
	var why []string
	for _, try := range []func(int64) (*memLimit, error){cgroupV2, cgroupV1} {
		l, err := try(bytes)
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		if err := l.probe(); err != nil {
			l.remove()
			why = append(why, err.Error())
			continue
		}
		t.Cleanup(l.remove)
		return l
	}
	return &memLimit{bytes: bytes, how: "none enforced (" + strings.Join(why, "; ") + "); failing on the peak resident set (VmHWM) instead"}
}

// cgroupV1 makes a child of this process's cgroup in the v1 memory
// hierarchy.
func cgroupV1(limit int64) (*memLimit, error) {
	dir, err := ownCgroup(func(controllers string) bool {
		return strings.Contains(","+controllers+",", ",memory,")
	}, "cgroup", "memory")
	if err != nil {
		return nil, fmt.Errorf("cgroup v1: %w", err)
	}
	child := filepath.Join(dir, fmt.Sprintf("majlis-hostile-%d", os.Getpid()))
	if err := os.Mkdir(child, 0o755); err != nil {
		return nil, fmt.Errorf("cgroup v1: %w", err)
	}
	l := &memLimit{dir: child, version: 1, bytes: limit}
	if err := l.write("memory.limit_in_bytes", strconv.FormatInt(limit, 10)); err != nil {
		l.remove()
		return nil, fmt.Errorf("cgroup v1: %w", err)
	}
	// With swap accounting, swap must not be a way around the limit.
	if _, err := os.Stat(filepath.Join(child, "memory.memsw.limit_in_bytes")); err == nil {
		l.write("memory.memsw.limit_in_bytes", strconv.FormatInt(limit, 10))
	}
	l.how = "cgroup v1 " + child + " with memory.limit_in_bytes " + strconv.FormatInt(limit, 10)
	return l, nil
}

// cgroupV2 makes a child of this process's cgroup in the unified
// hierarchy, which works only where the memory controller is delegated to
// it (e.g. a container's root cgroup).
func cgroupV2(limit int64) (*memLimit, error) {
	dir, err := ownCgroup(func(controllers string) bool { return controllers == "" }, "cgroup2", "")
	if err != nil {
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	// Children get the memory controller only if it is delegated.
	sub, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	if err != nil || !slices.Contains(strings.Fields(string(sub)), "memory") {
		return nil, fmt.Errorf("cgroup v2: the memory controller is not enabled for children of %s", dir)
	}
	child := filepath.Join(dir, fmt.Sprintf("majlis-hostile-%d", os.Getpid()))
	if err := os.Mkdir(child, 0o755); err != nil {
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	l := &memLimit{dir: child, version: 2, bytes: limit}
	if err := l.write("memory.max", strconv.FormatInt(limit, 10)); err != nil {
		l.remove()
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	l.write("memory.swap.max", "0")
	l.how = "cgroup v2 " + child + " with memory.max " + strconv.FormatInt(limit, 10)
	return l, nil
}

// ownCgroup finds the folder of this process's cgroup in the hierarchy
// whose /proc/self/cgroup line has controllers that match, mounted with
// file system type fstype (and, when option is not "", that super option).
func ownCgroup(match func(controllers string) bool, fstype, option string) (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	var path string
	found := false
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) == 3 && match(f[1]) && (fstype != "cgroup2" || f[0] == "0") {
			path, found = f[2], true
			break
		}
	}
	if !found {
		return "", errors.New("not in such a hierarchy")
	}
	mf, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer mf.Close()
	sc := bufio.NewScanner(mf)
	for sc.Scan() {
		// ID parent major:minor root mountpoint options ... - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) < 5 || len(qf) < 3 || qf[0] != fstype {
			continue
		}
		if option != "" && !strings.Contains(","+qf[2]+",", ","+option+",") {
			continue
		}
		root, mount := pf[3], pf[4]
		rel, ok := strings.CutPrefix(path, root)
		if !ok {
			continue
		}
		return filepath.Join(mount, rel), nil
	}
	return "", errors.New("no mount of it")
}

func (l *memLimit) write(file, value string) error {
	return os.WriteFile(filepath.Join(l.dir, file), []byte(value), 0)
}

// probe checks that the limit enforces: a process allocating past it in
// the cgroup must be killed.
func (l *memLimit) probe() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := l.command(exe)
	cmd.Env = append(cmd.Env, probeEnv+"=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return nil
		}
	}
	if err == nil {
		return fmt.Errorf("%s does not enforce: a probe touched %d MB and survived", l.dir, probeBytes>>20)
	}
	return fmt.Errorf("%s: probe: %v: %s", l.dir, err, out)
}

// command runs bin with args inside the cgroup (through this test
// binary), or directly without one. The child dies with this process.
func (l *memLimit) command(bin string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	env := childEnv()
	if l.dir == "" {
		cmd = exec.Command(bin, args...)
	} else {
		exe, _ := os.Executable()
		cmd = exec.Command(exe, append([]string{bin}, args...)...)
		env = append(env, cgroupExecEnv+"="+l.dir)
	}
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// childEnv is this environment without MAJLIS_* settings and without the
// garbage collector's settings, so that the server runs with its own.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAJLIS_") && !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") {
			env = append(env, kv)
		}
	}
	return env
}

// ooms is the number of processes the kernel killed in the cgroup for
// want of memory; -1 when unknown.
func (l *memLimit) ooms() int {
	if l.dir == "" {
		return -1
	}
	file := "memory.oom_control"
	if l.version == 2 {
		file = "memory.events"
	}
	b, err := os.ReadFile(filepath.Join(l.dir, file))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// remove deletes the cgroup once its processes are gone.
func (l *memLimit) remove() {
	if l.dir == "" {
		return
	}
	for i := 0; i < 100; i++ {
		if err := os.Remove(l.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// procStatus reads the "Name: N kB" fields of /proc/PID/status, in bytes.
func procStatus(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		fs := strings.Fields(rest)
		if !ok || len(fs) != 2 || fs[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseInt(fs[0], 10, 64); err == nil {
			m[name] = n << 10
		}
	}
	return m, sc.Err()
}

// peakWatch follows a process's peak resident set while one corpus item
// runs: it resets VmHWM (clear_refs 5) and samples /proc/PID/status until
// stopped, keeping the last figures read, so that a process killed on
// the way still has a peak. Without a cgroup it is also the watchdog that
// keeps a runaway server from taking the machine down: past killAt (when
// not 0) it kills the process.
type peakWatch struct {
	stop, done chan struct{}
	// hwm is the last VmHWM read; rss, anon and file the largest VmRSS
	// sampled and its split between anonymous and file pages.
	hwm, rss, anon, file int64
	reset                bool // the peak was reset at the start
	killed               bool // the watchdog killed the process
}

func watchPeak(pid int, killAt int64) *peakWatch {
	w := &peakWatch{stop: make(chan struct{}), done: make(chan struct{})}
	w.reset = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	sample := func() {
		m, err := procStatus(pid)
		if err != nil {
			return
		}
		w.hwm = max(w.hwm, m["VmHWM"])
		if m["VmRSS"] > w.rss {
			w.rss, w.anon, w.file = m["VmRSS"], m["RssAnon"], m["RssFile"]+m["RssShmem"]
		}
		if killAt > 0 && m["VmRSS"] > killAt && !w.killed {
			w.killed = syscall.Kill(pid, syscall.SIGKILL) == nil
		}
	}
	sample()
	go func() {
		defer close(w.done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				sample()
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	return w
}

func (w *peakWatch) finish() {
	close(w.stop)
	<-w.done
}

// mb writes bytes as megabytes.
func mb(n int64) string { return fmt.Sprintf("%d MB", n>>20) }
