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
func searchReport(fresh []time.Duration, ferr error, data string) string {
	var b strings.Builder
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
