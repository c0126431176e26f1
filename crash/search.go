package crash

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// searchWait bounds how long a restarted server may take to index what it
// acknowledged before the kill.
const searchWait = 15 * time.Second

// verifySearch checks the search index after a restart: "majlis check"
// has already found it in agreement with the posts, and here a few of
// the round's acknowledged posts are found by their author through
// /search, by the word of their own each carries, once the restarted
// server's indexer has caught up.
func (h *harness) verifySearch(ctx context.Context, s *server, round int, res *roundResult, rep *Report) error {
	jars := map[string]*account{}
	for _, a := range h.accounts {
		jars[a.name] = a
	}
	checked := 0
	for _, p := range res.acked {
		if checked == 5 {
			break
		}
		a := jars[p.user]
		fields := strings.Fields(p.body)
		if a == nil || len(fields) == 0 {
			continue
		}
		checked++
		word := fields[len(fields)-1]
		cl := s.client(a.jar)
		deadline := time.Now().Add(searchWait)
		for {
			code, html, err := get(ctx, cl, s.base+"/search?q="+url.QueryEscape(word))
			if err != nil {
				return fmt.Errorf("crash: search %q: %w", word, err)
			}
			if code == 200 && strings.Contains(html, `data-testid="search-hit"`) && strings.Contains(html, word) {
				break
			}
			if time.Now().After(deadline) {
				rep.Unsearchable = append(rep.Unsearchable, fmt.Sprintf("round %d: %q (@%s) not found by search %s after the restart (last answer %d)", round, p.body, p.user, searchWait, code))
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}
