package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// cpuPerReq is the server's CPU time per request: unlike req/s, it does
// not depend on how much of the machine other processes took.
func cpuPerReq(r result) string {
	if r.requests == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f µs", float64(r.serverCPU.Microseconds())/float64(r.requests))
}

// table renders the scenario table in Markdown: every figure also as a
// ratio to the baseline of the same run.
func table(rows []result) string {
	var b strings.Builder
	b.WriteString("| scenario | req/s | req/s ÷ baseline | p50 | p99 | p99 ÷ baseline p99 | errors | 5xx | server CPU/req | KB/resp |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var base result
	if len(rows) > 0 {
		base = rows[0]
	}
	for _, r := range rows {
		if r.na != "" {
			fmt.Fprintf(&b, "| %s | %s | | | | | | | | |\n", r.name, r.na)
			continue
		}
		cpu, kb := cpuPerReq(r), "-"
		if r.requests > 0 {
			kb = fmt.Sprintf("%.1f", float64(r.bytes)/float64(r.requests)/1024)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %s | %s | %d | %d | %s | %s |\n",
			r.name, r.rps(), ratio(r.rps(), base.rps()), ms(r.p(50)), ms(r.p(99)),
			ratio(float64(r.p(99)), float64(base.p(99))), r.errors, r.errors5, cpu, kb)
	}
	return b.String()
}

// disturbed tells whether other processes took a quarter of the CPUs or
// more while r ran (the server and the load generator used less than
// three quarters of them on a CPU-bound scenario).
func disturbed(r result) (bool, float64) {
	if r.seconds == 0 || r.writes == r.requests {
		return false, 0
	}
	used := (r.serverCPU + r.clientCPU).Seconds() / r.seconds
	return used < 0.75*float64(runtime.NumCPU()), used
}

func disturbedMark(r result) string {
	if d, _ := disturbed(r); d {
		return " †"
	}
	return ""
}

// notes lists, per row, what the table has no room for: the first error,
// and how busy the server and this load generator were.
func notes(rows []result) string {
	var b strings.Builder
	for _, r := range rows {
		if r.na != "" || r.seconds == 0 {
			continue
		}
		fmt.Fprintf(&b, "- %s: %d requests in %.1fs; server %.2f cores, load generator %.2f cores",
			r.name, r.requests, r.seconds, r.serverCPU.Seconds()/r.seconds, r.clientCPU.Seconds()/r.seconds)
		if r.allocated > 0 && r.requests > 0 {
			fmt.Fprintf(&b, "; server allocates %.0f KB/req, %d GCs (%.0f/s, pauses %s in all)",
				float64(r.allocated)/float64(r.requests)/1024, r.gcs, float64(r.gcs)/r.seconds, ms(r.gcPause))
		}
		if r.writes > 0 && r.writes != r.requests {
			fmt.Fprintf(&b, "; %d writes (%.0f/s)", r.writes, float64(r.writes)/r.seconds)
		}
		if d, used := disturbed(r); d {
			fmt.Fprintf(&b, "; **disturbed: server and load generator got only %.2f of %d cores, other processes took the rest**", used, runtime.NumCPU())
		}
		if len(r.otherRPS) > 0 {
			var other []string
			for _, x := range r.otherRPS {
				other = append(other, fmt.Sprintf("%.0f", x))
			}
			fmt.Fprintf(&b, "; other rounds %s req/s", strings.Join(other, ", "))
		}
		if r.firstErr != "" {
			fmt.Fprintf(&b, "; first error: %s", r.firstErr)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// growthRow is one line of the growth table.
type growthRow struct {
	posts     int
	followed  int
	account   string
	home      result
	base      result
	startup   time.Duration
	peakRSS   int64
	heap      int64 // HeapInuse right after the load
	heapGC    int64 // HeapInuse after a forced collection
	perPost   float64
	seedTook  time.Duration
	firstSize bool // the first row of its size (shows the per-size figures)
}

func growthTable(rows []growthRow) string {
	var b strings.Builder
	b.WriteString("| posts | follows | home req/s | ÷ baseline | p50 | p99 | p99 ÷ baseline p99 | errors | server CPU/req | start-up | peak RSS | heap in use (after GC) | DB bytes/post | seed time |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		per := ""
		if r.firstSize {
			per = fmt.Sprintf("%s | %s | %s (%s) | %.0f | %s", ms(r.startup), mb(r.peakRSS), mb(r.heap), mb(r.heapGC), r.perPost, r.seedTook.Round(100*time.Millisecond))
		} else {
			per = " | | | | "
		}
		fmt.Fprintf(&b, "| %d | %d | %.0f%s | %s | %s | %s | %s | %d | %s | %s |\n",
			r.posts, r.followed, r.home.rps(), disturbedMark(r.home), ratio(r.home.rps(), r.base.rps()), ms(r.home.p(50)), ms(r.home.p(99)),
			ratio(float64(r.home.p(99)), float64(r.base.p(99))), r.home.errors, cpuPerReq(r.home), per)
	}
	return b.String()
}
