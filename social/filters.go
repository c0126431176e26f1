package social

import (
	"context"
	"errors"
	"html"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"majlis/search"
	"majlis/storage"
)

// Bounds of a filter's texts, in characters.
const (
	MaxFilterTitle   = 100
	MaxFilterKeyword = 100
)

// FilterExpiries are the expiry choices a filter offers (0: never).
var FilterExpiries = []time.Duration{30 * time.Minute, time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// SaveFilter creates (f.ID 0) or replaces one of f.UserID's keyword
// filters after checking it: a title, at least one context, an action,
// keywords of bounded length without duplicates.
func (s *Service) SaveFilter(ctx context.Context, f *storage.Filter) error {
	f.Title = strings.TrimSpace(f.Title)
	switch n := utf8.RuneCountInString(f.Title); {
	case n == 0:
		return refuse(ctx, Invalid, "title", "filters.error.title")
	case n > MaxFilterTitle:
		return refuse(ctx, Invalid, "title", "filters.error.title_long", "max", MaxFilterTitle)
	}
	if len(f.Contexts) == 0 {
		return refuse(ctx, Invalid, "context", "filters.error.context")
	}
	for _, c := range f.Contexts {
		if !contains(storage.FilterContexts, c) {
			return refuse(ctx, Invalid, "context", "filters.error.context")
		}
	}
	if f.Action == "" {
		f.Action = storage.FilterWarn
	}
	if f.Action != storage.FilterWarn && f.Action != storage.FilterHide {
		return refuse(ctx, Invalid, "action", "filters.error.action")
	}
	seen := map[string]bool{}
	kept := f.Keywords[:0]
	for _, k := range f.Keywords {
		k.Keyword = strings.TrimSpace(k.Keyword)
		if k.Keyword == "" {
			continue
		}
		if utf8.RuneCountInString(k.Keyword) > MaxFilterKeyword {
			return refuse(ctx, Invalid, "keyword", "filters.error.keyword_long", "max", MaxFilterKeyword)
		}
		if seen[search.Normalize(k.Keyword)] {
			continue
		}
		seen[search.Normalize(k.Keyword)] = true
		kept = append(kept, k)
	}
	f.Keywords = kept
	if len(f.Keywords) > storage.MaxFilterKeywords {
		return refuse(ctx, Invalid, "keyword", "filters.error.keywords_many", "max", storage.MaxFilterKeywords)
	}
	err := s.db.PutFilter(f)
	switch {
	case errors.Is(err, storage.ErrInvalid):
		return refuse(ctx, Invalid, "", "filters.error.too_many", "max", storage.MaxFilters)
	}
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FilterMatch is a filter that matched a post, with the keywords that
// matched.
type FilterMatch struct {
	Filter   storage.Filter
	Keywords []string
}

// Filtered is what a member's filters say of a post in one context.
type Filtered struct {
	// Hide: a filter that hides matched; leave the post out.
	Hide bool
	// Matches are every filter that matched (for a warning: their
	// titles; for the API: the filtered entries).
	Matches []FilterMatch
}

// Warning names the filters that matched, for a folded post.
func (f Filtered) Warning() string {
	titles := make([]string, 0, len(f.Matches))
	for _, m := range f.Matches {
		titles = append(titles, m.Filter.Title)
	}
	return strings.Join(titles, ", ")
}

// compiledFilters are a member's filters ready to match, with the
// generation of the stored filters they were compiled from.
type compiledFilters struct {
	gen     uint64
	filters []compiledFilter
}

type compiledFilter struct {
	f        storage.Filter
	keywords []compiledKeyword
}

type compiledKeyword struct {
	raw, norm string
	whole     bool
}

// filterCache keeps each member's compiled filters, so a page of twenty
// posts reads the filters once, not twenty times, and most pages not at
// all: storage's generation number says when a copy is stale.
type filterCache struct {
	mu    sync.Mutex
	users map[storage.ID]*compiledFilters
}

// maxCachedFilterUsers bounds the cache; past it, it starts over.
const maxCachedFilterUsers = 10000

func (s *Service) compiledFilters(userID storage.ID) (*compiledFilters, error) {
	gen := s.db.FiltersGeneration(userID)
	s.filters.mu.Lock()
	c, ok := s.filters.users[userID]
	s.filters.mu.Unlock()
	if ok && c.gen == gen {
		return c, nil
	}
	stored, err := s.db.Filters(userID)
	if err != nil {
		return nil, err
	}
	c = &compiledFilters{gen: gen}
	for _, f := range stored {
		cf := compiledFilter{f: f}
		for _, k := range f.Keywords {
			if norm := search.Normalize(k.Keyword); norm != "" {
				cf.keywords = append(cf.keywords, compiledKeyword{raw: k.Keyword, norm: norm, whole: k.WholeWord})
			}
		}
		if len(cf.keywords) > 0 {
			c.filters = append(c.filters, cf)
		}
	}
	s.filters.mu.Lock()
	if s.filters.users == nil || len(s.filters.users) >= maxCachedFilterUsers {
		s.filters.users = map[storage.ID]*compiledFilters{}
	}
	s.filters.users[userID] = c
	s.filters.mu.Unlock()
	return c, nil
}

// Filterer matches posts against one member's filters in one context.
type Filterer struct {
	c       *compiledFilters
	context string
	now     time.Time
	// owner's own posts are never filtered, as on Mastodon.
	owner storage.ID
	texts *textCache
}

// textCache keeps the normalised text of the posts filters read
// (PostText, then search.Normalize): the same posts are on many members'
// pages, and building the text (markup stripped, case folded) allocated
// as much as the rest of a home page's posts together (BENCHMARKS.md). A
// post's text changes only with an edit, which is in the key. Two
// generations, turned over when the current one holds textCacheBytes.
type textCache struct {
	mu       sync.Mutex
	cur, old map[textKey]string
	curBytes int
}

type textKey struct {
	id     storage.ID
	edited int64
}

const textCacheBytes = 2 << 20

func (c *textCache) text(p *storage.Post) string {
	k := textKey{p.ID, p.EditedAt.UnixNano()}
	c.mu.Lock()
	if t, ok := c.cur[k]; ok {
		c.mu.Unlock()
		return t
	}
	t, ok := c.old[k]
	c.mu.Unlock()
	if !ok {
		t = search.Normalize(PostText(p))
	}
	c.mu.Lock()
	if c.cur == nil || c.curBytes+len(t) > textCacheBytes {
		c.old, c.cur, c.curBytes = c.cur, map[textKey]string{}, 0
	}
	if _, dup := c.cur[k]; !dup {
		c.cur[k] = t
		c.curBytes += len(t) + 32
	}
	c.mu.Unlock()
	return t
}

// FiltersFor returns userID's filters for a context (a storage.Filter*
// context); for a visitor (0) or a member without filters it matches
// nothing.
func (s *Service) FiltersFor(userID storage.ID, context string) *Filterer {
	if userID == 0 {
		return nil
	}
	c, err := s.compiledFilters(userID)
	if err != nil || len(c.filters) == 0 {
		return nil
	}
	return &Filterer{c: c, context: context, now: s.cfg.Now(), owner: userID, texts: &s.texts}
}

// Match says what the filters do with post p (nothing on a nil Filterer).
func (f *Filterer) Match(p *storage.Post) Filtered {
	var out Filtered
	if f == nil || p.AuthorID == f.owner {
		return out
	}
	text := ""
	for _, cf := range f.c.filters {
		if !cf.f.AppliesTo(f.context) || cf.f.Expired(f.now) {
			continue
		}
		if text == "" {
			text = f.texts.text(p)
		}
		var hit []string
		for _, k := range cf.keywords {
			if matchKeyword(text, k.norm, k.whole) {
				hit = append(hit, k.raw)
			}
		}
		if len(hit) == 0 {
			continue
		}
		out.Matches = append(out.Matches, FilterMatch{Filter: cf.f, Keywords: hit})
		if cf.f.Action == storage.FilterHide {
			out.Hide = true
		}
	}
	return out
}

// matchKeyword tells whether kw occurs in text (both normalised), with
// whole, only between word boundaries: no letter, digit or mark on either
// side.
func matchKeyword(text, kw string, whole bool) bool {
	if !whole {
		return strings.Contains(text, kw)
	}
	for from := 0; from <= len(text); {
		i := strings.Index(text[from:], kw)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[i+len(kw):])
		if !wordRune(before) && !wordRune(after) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		from = i + size
	}
	return false
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_')
}

// PostText is the text of a post filters read: its content warning, its
// text without markup, and its images' descriptions.
func PostText(p *storage.Post) string {
	var b strings.Builder
	b.Grow(len(p.ContentWarning) + len(p.HTML) + 2)
	b.WriteString(p.ContentWarning)
	b.WriteByte('\n')
	b.WriteString(stripTags(p.HTML))
	for _, a := range p.Attachments {
		b.WriteByte('\n')
		b.WriteString(a.Alt)
	}
	return b.String()
}

// stripTags is the text of sanitized HTML: tags become spaces (so "</p><p>"
// separates words) and entities are decoded.
func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	if !strings.Contains(b.String(), "&") {
		return b.String()
	}
	return html.UnescapeString(b.String())
}
