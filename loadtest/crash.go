package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"majlis/crash"
)

// runCrash runs rounds of the crash-safety check of package majlis/crash
// (kill -9 while clients post, restart, verify every acknowledged post) on
// a fresh data folder and prints PASS/FAIL lines.
func runCrash(ctx context.Context, o options, bin, tmp string, out *output) ([]string, error) {
	t0 := time.Now()
	rep, err := crash.Run(ctx, crash.Options{
		Binary:    bin,
		DataDir:   filepath.Join(tmp, "crash"),
		Rounds:    o.crashRounds,
		Followers: 3,
		Logf:      func(format string, args ...any) { logf(format, args...) },
	})
	if err != nil {
		return nil, fmt.Errorf("crash check: %w", err)
	}
	out.printf("## Crash safety\n\n%d rounds of kill -9 while posting (seed %d, replay with MAJLIS_CRASH_SEED=%d), %s: %d posts acknowledged, %d verified after restarts.\n\n",
		rep.Rounds, rep.Seed, rep.Seed, time.Since(t0).Round(time.Second), rep.Acknowledged, rep.Verified)
	d := rep.Delivery
	out.printf("Delivery queue: 3 remote followers per posting account on a fake server; %d of %d acknowledged posts' Creates received (the queue drained %s after the last restart); %d POSTs, %d distinct activities, %d repeated (at most %d kills × %d in flight per host allowed).\n\n",
		d.Delivered, d.Expected, d.Drain.Round(time.Millisecond), d.Received, d.Distinct, d.Repeated, rep.Rounds, crash.DeliveryPerHost)
	var failures []string
	problems := rep.Problems()
	if rep.Rounds != o.crashRounds {
		problems = append(problems, fmt.Sprintf("completed %d of %d rounds", rep.Rounds, o.crashRounds))
	}
	if rep.Verified != rep.Acknowledged {
		problems = append(problems, fmt.Sprintf("verified %d of %d acknowledged posts", rep.Verified, rep.Acknowledged))
	}
	if len(problems) == 0 {
		out.printf("- PASS crash safety: no acknowledged post lost, file checks clean, counts consistent, every acknowledged post delivered, repeats within the bound\n\n")
		return nil, nil
	}
	for i, p := range problems {
		if i == 20 {
			out.printf("- ... and %d more\n", len(problems)-i)
			break
		}
		out.printf("- FAIL crash safety: %s\n", p)
	}
	out.printf("\n")
	failures = append(failures, "crash safety")
	return failures, nil
}
