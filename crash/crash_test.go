//go:build unix

package crash_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"majlis/crash"
)

// TestCrash kills a real majlis process with SIGKILL while clients post and
// fails if an acknowledged post is lost, the file fails "majlis check", a
// profile's count drifts from its posts, or the server does not stop
// gracefully at the end. The posting accounts have followers on a fake
// remote server (an inbox on loopback that verifies signatures and records
// activity ids), so the kills also hit the delivery queue: every
// acknowledged post's Create must reach that inbox, and an activity may
// arrive twice only if it was in flight at a kill (at most kills × the
// per-host limit of the delivery workers). MAJLIS_CRASH_ROUNDS sets the
// rounds (default 3), MAJLIS_CRASH_SEED replays the kill moments of an
// earlier run, MAJLIS_CRASH_FOLLOWERS the remote followers per account
// (default 3; 0 leaves federation out).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and runs the binary; skipped in -short mode")
	}
	rounds := envInt(t, "MAJLIS_CRASH_ROUNDS", 3)
	seed := int64(envInt(t, "MAJLIS_CRASH_SEED", 0))
	followers := envInt(t, "MAJLIS_CRASH_FOLLOWERS", 3)

	bin := buildMajlis(t)
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute+time.Duration(rounds)*15*time.Second)
	defer cancel()

	start := time.Now()
	rep, err := crash.Run(ctx, crash.Options{
		Binary:    bin,
		DataDir:   dir,
		Rounds:    rounds,
		Seed:      seed,
		Followers: followers,
		Logf:      t.Logf,
	})
	t.Logf("seed %d (replay with MAJLIS_CRASH_SEED=%d); %d rounds in %s: %d acknowledged, %d verified",
		rep.Seed, rep.Seed, rep.Rounds, time.Since(start).Round(time.Millisecond), rep.Acknowledged, rep.Verified)
	if err != nil {
		logServerTails(t, dir)
		t.Fatalf("Run: %v", err)
	}
	if rep.Rounds != rounds {
		t.Errorf("completed %d rounds, want %d", rep.Rounds, rounds)
	}
	for _, rd := range rep.PerRound {
		if rd.Acknowledged == 0 {
			t.Errorf("round %d: no post was acknowledged in %s, so the round proves nothing", rd.N, rd.Up)
		}
		if rd.Verified != rd.Acknowledged {
			t.Errorf("round %d: verified %d of %d acknowledged posts", rd.N, rd.Verified, rd.Acknowledged)
		}
	}
	if rep.Verified != rep.Acknowledged {
		t.Errorf("verified %d of %d acknowledged posts", rep.Verified, rep.Acknowledged)
	}
	if d := rep.Delivery; followers > 0 {
		t.Logf("delivery: %d of %d acknowledged posts' Creates received (drained %s after the last restart); %d POSTs, %d distinct activities, %d repeated after kills (bound %d)",
			d.Delivered, d.Expected, d.Drain.Round(time.Millisecond), d.Received, d.Distinct, d.Repeated, d.Bound)
		if d.Expected != rep.Acknowledged || d.Delivered != d.Expected {
			t.Errorf("delivery: %d of %d acknowledged posts (%d expected) reached the remote inbox", d.Delivered, rep.Acknowledged, d.Expected)
		}
		if d.Repeated > d.Bound {
			t.Errorf("delivery: %d activities received twice, more than %d kills × %d in flight per host", d.Repeated, rep.Rounds, crash.DeliveryPerHost)
		}
		if d.Distinct < d.Expected {
			t.Errorf("delivery: %d distinct activities received for %d acknowledged posts", d.Distinct, d.Expected)
		}
	}
	problems := rep.Problems()
	for i, p := range problems {
		if i == 50 {
			t.Errorf("... and %d more problems", len(problems)-i)
			break
		}
		t.Error(p)
	}
	if len(problems) > 0 || t.Failed() {
		logServerTails(t, dir)
	}
}

// buildMajlis builds the binary from the module root, the parent of this
// package's folder.
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

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

// logServerTails shows the end of every server log, to explain a failure.
func logServerTails(t *testing.T, dir string) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dir, "server-*.log"))
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("--- end of %s:\n%s", filepath.Base(l), b)
	}
}
