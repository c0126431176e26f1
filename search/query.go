package search

import (
	"strings"
	"time"
)

// Query is a parsed search. All Words and Phrases must match; no Exclude may.
type Query struct {
	Words    []string // as typed; analysed with Analyze by the searcher
	Phrases  []string // "quoted phrases", as typed
	Exclude  []string // -word
	From     string   // from:name, from:name@host or from:me ("me" kept as is)
	Tags     []string // #tag, without '#', as typed
	HasMedia bool     // has:media
	IsReply  bool     // is:reply
	Before   time.Time
	After    time.Time
	In       string // "bookmarks" or "liked" (in:bookmarks, in:liked), else ""
}

// Empty reports whether the query asks for nothing at all.
func (q Query) Empty() bool {
	return len(q.Words) == 0 && len(q.Phrases) == 0 && len(q.Tags) == 0 && q.From == "" &&
		!q.HasMedia && !q.IsReply && q.In == "" && q.Before.IsZero() && q.After.IsZero()
}

// ParseQuery reads the query language. It never fails: what it does not
// understand is searched as words.
func ParseQuery(s string) Query {
	var q Query
	for _, f := range strings.Fields(s) {
		switch {
		case strings.HasPrefix(f, "#") && len(f) > 1:
			q.Tags = append(q.Tags, f[1:])
		case strings.HasPrefix(f, "-") && len(f) > 1:
			q.Exclude = append(q.Exclude, f[1:])
		case strings.HasPrefix(f, "from:") && len(f) > 5:
			q.From = strings.TrimPrefix(f[5:], "@")
		default:
			q.Words = append(q.Words, f)
		}
	}
	return q
}
