package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"majlis/storage"
)

// The search rows: a two-word query and a one-word query on a common
// word, asked by a member (so the consent rule is at work: every fifth
// seeded account did not agree to be found): the search page with its
// results, asked under HTMX (HX-Request without the results' target
// answers the whole page, the heavier answer).
func (s *site) searchScenarios() []scenario {
	ck := s.cookies[s.home]
	ask := func(q string) func(int, int, *rand.Rand) req {
		path := "/search?q=" + url.QueryEscape(q)
		return func(int, int, *rand.Rand) req { return get1(path, ck, true) }
	}
	return []scenario{
		{name: "search two words (GET /search?q=morning+tea)", next: ask("morning tea")},
		{name: "search common word (GET /search?q=the)", next: ask("the")},
	}
}

// pacedRow is a search row asked again open-loop at a part (load) of the
// rate it sustained in the table (paced): its latency when the server is
// busy but not saturated.
type pacedRow struct {
	saturated result
	r         result
	rate      float64
	load      float64         // the part of the row's own rate; 0 for the floor
	otherP99  []time.Duration // of the rounds not kept
}

// searchLoads are the parts of a search row's sustained rate it is asked
// again at.
var searchLoads = []float64{0.25, 0.5}

// searchPaced measures each search row of the table at a quarter and
// half of its rate, and the static baseline at the first row's half rate:
// what the same pace costs the machine and the load generator when the
// server has next to nothing to do.
func searchPaced(ctx context.Context, o options, in *instance, rows []result) []pacedRow {
	var out []pacedRow
	// As the table keeps each row's best round, a paced row is run
	// -rounds times and keeps the round with the lowest p99: on a shared
	// machine, the least disturbed one.
	ask := func(sc scenario, rate, load float64, saturated result) {
		var best result
		var others []time.Duration
		for round := range o.rounds {
			r := paced(ctx, in.client, in.srv.base, sc, rate, o.warmup, o.duration, in.srv.cpu)
			logf("%-40s at %.0f req/s offered: p50 %-9s p99 %-9s errors %d", sc.name, rate, ms(r.p(50)), ms(r.p(99)), r.errors)
			switch {
			case round == 0:
				best = r
			case r.p(99) < best.p(99):
				others = append(others, best.p(99))
				best = r
			default:
				others = append(others, r.p(99))
			}
		}
		out = append(out, pacedRow{saturated: saturated, r: best, rate: rate, load: load, otherP99: others})
	}
	floor := 0.0
	for _, sc := range in.site.searchScenarios() {
		i := slices.IndexFunc(rows, func(r result) bool { return r.name == sc.name })
		if i < 0 || rows[i].rps() == 0 {
			continue
		}
		for _, load := range searchLoads {
			if ctx.Err() == nil {
				ask(sc, rows[i].rps()*load, load, rows[i])
			}
		}
		if floor == 0 {
			floor = rows[i].rps() / 2
		}
	}
	if floor > 0 && ctx.Err() == nil {
		ask(in.site.scenarios()[0], floor, 0, rows[0])
	}
	return out
}

// searchFreshness publishes posts with a word of their own, one at a
// time, and asks the search page for each word until the post is found:
// the time from the post's 303 to the first answer that lists it.
func searchFreshness(ctx context.Context, in *instance, n int) ([]time.Duration, error) {
	s := in.site
	var out []time.Duration
	var buf bytes.Buffer
	for i := range n {
		word := fmt.Sprintf("freshword%dx%d", time.Now().UnixNano()%1_000_000, i)
		o := do(ctx, in.client, s.base, req{method: http.MethodPost, path: "/posts", form: url.Values{"body": {"checking " + word}}.Encode(), cookie: s.cookies[s.home]}, &buf)
		if o.err != nil || o.status != http.StatusSeeOther {
			return out, fmt.Errorf("search freshness: post: %d %v", o.status, o.err)
		}
		start := time.Now()
		for {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			if time.Since(start) > 30*time.Second {
				return out, fmt.Errorf("search freshness: %q not found after 30 s", word)
			}
			o := do(ctx, in.client, s.base, req{method: http.MethodGet, path: "/search?q=" + word, cookie: s.cookies[s.home], htmx: true, keep: true}, &buf)
			if o.err == nil && bytes.Contains(o.body, []byte(word)) && bytes.Contains(o.body, []byte(`data-testid="search-hit"`)) {
				out = append(out, time.Since(start))
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return out, nil
}

// searchReport is the paragraph under the table: how soon a new post is
// found, and the index's size beside the text it indexes (read from the
// data folder once the server has stopped).
func searchReport(below []pacedRow, fresh []time.Duration, ferr error, data string) string {
	var b strings.Builder
	if len(below) > 0 {
		b.WriteString("Search latency below saturation: each search row asked again for the same time, open-loop (requests sent at random moments, on average at a part of the req/s the row sustained above, whether or not earlier answers came back), latency counted from the moment a request was due, best of the rounds by p99 (the others' p99 in the last column); the static baseline asked at the first row's half rate is the floor that the machine and the load generator set:\n\n")
		b.WriteString("| row | load | offered req/s | answered req/s | p50 | p99 | p99 at saturation (above) | errors | server CPU/req | other rounds' p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, h := range below {
			cpu := "–"
			if h.r.requests > 0 && h.r.serverCPU > 0 {
				cpu = fmt.Sprintf("%.0f µs", float64(h.r.serverCPU.Microseconds())/float64(h.r.requests))
			}
			load := "floor"
			if h.load > 0 {
				load = fmt.Sprintf("%.0f %%", h.load*100)
			}
			var others []string
			for _, p := range h.otherP99 {
				others = append(others, ms(p))
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %s | %s | %s | %d | %s | %s |\n", h.r.name, load, h.rate, h.r.rps(), ms(h.r.p(50)), ms(h.r.p(99)), ms(h.saturated.p(99)), h.r.errors, cpu, strings.Join(others, ", "))
		}
		b.WriteString("\n")
	}
	if ferr != nil {
		fmt.Fprintf(&b, "Search freshness: FAILED: %v.\n\n", ferr)
	} else if len(fresh) > 0 {
		slices.Sort(fresh)
		fmt.Fprintf(&b, "Search freshness: a new post was found by search %s after its publication at the median, %s at worst (%d posts, one at a time; target ≤ 2 s).\n\n",
			ms(fresh[len(fresh)/2]), ms(fresh[len(fresh)-1]), len(fresh))
	}
	st, err := storage.FileSearchStats(filepath.Join(data, "majlis.db"))
	if err != nil {
		fmt.Fprintf(&b, "Search index size: %v.\n\n", err)
		return b.String()
	}
	ratio := float64(st.KeyValueBytes) / float64(max(1, st.TextBytes))
	pages := float64(st.PageBytes) / float64(max(1, st.TextBytes))
	fmt.Fprintf(&b, "Search index: %d posts, %d terms, %d postings in %d blocks; %s of keys and values (%.2f × the %s of text indexed; target ≤ 0.5), %s of file pages (%.2f ×).\n\n",
		st.Posts, st.Terms, st.Postings, st.Blocks, mb(st.KeyValueBytes), ratio, mb(st.TextBytes), mb(st.PageBytes), pages)
	return b.String()
}
