package views

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"sync"

	"github.com/a-h/templ"

	"majlis/i18n"
	"majlis/search"
)

// Rendered post cards are kept in memory. A timeline page is twenty cards,
// and rendering them (the body, the header, the action bar with its small
// forms, in the reader's language) was a third of what the page cost
// (BENCHMARKS.md). The same cards are shown again and again: to every
// visitor of the local timeline, to each follower, on every reload.
//
// A card is a pure function of its Post and the reader's language, so the
// cache needs no invalidation: its key is everything the card shows
// (cardKey), and a changed post, a new like count, another reader's marks
// or a relative time that moved on ("5m" became "6m") make another key.
// Old keys age out. TestCardKeyCoversEveryField fails when a field is added
// to Post without being added to the key.

// cardCacheBytes bounds one generation of cached cards (keys and HTML); up
// to twice as much is held.
const cardCacheBytes = 4 << 20

type cardCache struct {
	mu            sync.Mutex
	cur, old      map[string][]byte
	curBytes, max int
}

var cards = &cardCache{cur: map[string][]byte{}, old: map[string][]byte{}, max: cardCacheBytes}

// ForgetCards empties the cache, so that what a page costs when none of its
// cards was rendered before can be measured (handlers' benchmarks).
func ForgetCards() {
	cards.mu.Lock()
	defer cards.mu.Unlock()
	cards.cur, cards.old, cards.curBytes = map[string][]byte{}, map[string][]byte{}, 0
}

func (c *cardCache) get(key []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if html, ok := c.cur[string(key)]; ok {
		return html, true
	}
	html, ok := c.old[string(key)]
	if ok {
		delete(c.old, string(key))
		c.add(string(key), html)
	}
	return html, ok
}

func (c *cardCache) put(key []byte, html []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(string(key), html)
}

// add stores one card, turning the generations over when the current one
// is full. Callers hold c.mu.
func (c *cardCache) add(key string, html []byte) {
	size := len(key) + len(html)
	if c.curBytes+size > c.max {
		c.old, c.cur, c.curBytes = c.cur, make(map[string][]byte, len(c.cur)), 0
	}
	if _, ok := c.cur[key]; !ok {
		c.curBytes += size
	}
	c.cur[key] = html
}

// buffers holds the buffers of keys and of the cards rendered into the
// cache.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// cachedCard is a timeline card, from the cache when the same card was
// rendered before.
func cachedCard(post *Post) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if len(post.Edits) > 0 || post.Poll != nil || post.Quote != nil {
			// Edit histories are shown on permalink pages only; a poll
			// is the viewer's own (their vote) and changes by the minute.
			return PostCard(*post, false).Render(ctx, w)
		}
		key := buffers.Get().(*bytes.Buffer)
		defer buffers.Put(key)
		key.Reset()
		cardKey(ctx, key, post)
		return cards.render(ctx, w, key.Bytes(), PostCard(*post, false))
	})
}

// render writes the HTML cached under key, or renders c, caches and
// writes it.
func (c *cardCache) render(ctx context.Context, w io.Writer, key []byte, comp templ.Component) error {
	if html, ok := c.get(key); ok {
		_, err := w.Write(html)
		return err
	}
	out := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(out)
	out.Reset()
	if err := comp.Render(ctx, out); err != nil {
		return err
	}
	c.put(key, bytes.Clone(out.Bytes()))
	_, err := w.Write(out.Bytes())
	return err
}

// searchExcerptBytes is the length of a search hit's excerpt.
const searchExcerptBytes = 280

// cachedSearchHit is a search hit, from the card cache when the same post
// was found before by a query that marks the same words. Cutting and
// marking the excerpt reads the whole text again, and that and rendering
// the hit were two fifths of a results page (BENCHMARKS.md, "Search");
// the same hits come back when a query is reloaded, paged back to or
// asked by others (a query typed on marks other words: a miss). The key
// is what the hit shows of the post (hitKey), the highlighter's (which
// words are marked) and the text the excerpt is cut from, so a cached hit
// is what rendering it again would give.
func cachedSearchHit(h *SearchHit, hl *search.Highlighter) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		key := buffers.Get().(*bytes.Buffer)
		defer buffers.Put(key)
		key.Reset()
		key.WriteString("search hit\x00")
		hitKey(ctx, key, &h.Post)
		k := keyWriter{key}
		k.str(hl.Key())
		k.str(h.Text)
		hit := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			return searchHit(h.Post, hl.Excerpt(h.Text, searchExcerptBytes)).Render(ctx, w)
		})
		return cards.render(ctx, w, key.Bytes(), hit)
	})
}

// keyWriter writes values unambiguously: strings with their length.
type keyWriter struct{ b *bytes.Buffer }

func (k keyWriter) str(s string) {
	k.b.Write(binary.AppendUvarint(k.b.AvailableBuffer(), uint64(len(s))))
	k.b.WriteString(s)
}

func (k keyWriter) int(n int) { k.b.Write(binary.AppendVarint(k.b.AvailableBuffer(), int64(n))) }

func (k keyWriter) bool(v bool) {
	if v {
		k.b.WriteByte(1)
	} else {
		k.b.WriteByte(0)
	}
}

// time writes what a card shows of a moment: when it was (the title and
// datetime) and how long ago in the reader's language (the label).
func (k keyWriter) time(ctx context.Context, t Time) {
	k.str(t.ISO)
	k.int(int(t.At.Unix()))
	k.int(t.At.Nanosecond())
	k.str(timeLabel(ctx, t))
}

func (k keyWriter) ref(r *UserRef) {
	k.bool(r != nil)
	if r != nil {
		k.str(r.Name)
		k.str(r.Handle)
		k.str(r.URL)
		k.str(r.NameHTML)
	}
}

// hitKey writes what a search hit shows of p (its header, its content
// warning and its link; not the body, the counts or the reader's marks,
// so a new like does not turn the hit over), and the language.
// TestHitKeyCoversWhatHitsShow fails when the hit shows a field the key
// leaves out.
func hitKey(ctx context.Context, b *bytes.Buffer, p *Post) {
	k := keyWriter{b}
	k.str(string(i18n.FromContext(ctx)))
	k.str(p.URL)
	k.str(p.AuthorName)
	k.str(p.AuthorNameHTML)
	k.str(p.AuthorURL)
	k.str(p.Handle)
	k.bool(p.AuthorBot)
	k.str(p.Avatar.Initial)
	k.int(p.Avatar.Hue)
	k.str(p.Avatar.URL)
	k.int(p.Avatar.Size)
	k.time(ctx, p.Time)
	k.bool(p.Edited != nil)
	if p.Edited != nil {
		k.time(ctx, *p.Edited)
	}
	k.bool(p.Imported)
	k.str(p.Visibility)
	k.str(p.VisibilityLabel)
	k.str(p.ContentWarning)
	k.bool(p.Remote != nil)
	if p.Remote != nil {
		k.str(p.Remote.Host)
		k.str(p.Remote.URL)
	}
}

// cardKey writes everything the card of p shows, and the language.
func cardKey(ctx context.Context, b *bytes.Buffer, p *Post) {
	k := keyWriter{b}
	k.str(string(i18n.FromContext(ctx)))
	k.str(p.ID)
	k.str(p.DOMID)
	k.str(p.URL)
	k.str(p.AuthorName)
	k.str(p.AuthorURL)
	k.str(p.Handle)
	k.str(p.Avatar.Initial)
	k.int(p.Avatar.Hue)
	k.str(p.Avatar.URL)
	k.int(p.Avatar.Size)
	k.str(p.Avatar.LargeURL)
	k.int(p.Avatar.LargeSize)
	k.str(p.HTML)
	k.time(ctx, p.Time)
	k.bool(p.CanDelete)
	k.str(p.DeleteURL)
	k.bool(p.AuthorAdmin)
	k.bool(p.AuthorBot)
	k.ref(p.RepostedBy)
	k.ref(p.ReplyTo)
	k.str(p.ContentWarning)
	k.str(p.Visibility)
	k.str(p.VisibilityLabel)
	k.bool(p.Edited != nil)
	if p.Edited != nil {
		k.time(ctx, *p.Edited)
	}
	k.bool(p.Imported)
	k.bool(p.Pinned)
	k.int(len(p.Edits)) // cards with edits are not cached (cachedCard)
	a := &p.Actions
	k.str(a.URL)
	k.str(a.Card)
	k.bool(a.SignedIn)
	k.str(a.LoginURL)
	k.int(a.Replies)
	k.int(a.Likes)
	k.int(a.Reposts)
	k.bool(a.Liked)
	k.bool(a.Reposted)
	k.bool(a.Bookmarked)
	k.bool(a.CanRepost)
	k.bool(a.Own)
	k.bool(a.CanPin)
	k.bool(a.Pinned)
	k.int(len(p.Images))
	for _, im := range p.Images {
		k.int(im.N)
		k.str(im.URL)
		k.str(im.ThumbURL)
		k.int(im.ThumbWidth)
		k.int(im.ThumbHeight)
		k.str(im.Alt)
		k.bool(im.Animated)
	}
	k.bool(p.Poll != nil)  // cards with polls are not cached (cachedCard)
	k.bool(p.Quote != nil) // nor cards with quotes
	k.str(a.QuoteURL)
	k.str(a.QuotesURL)
	k.int(a.Quotes)
	k.bool(p.Remote != nil)
	if p.Remote != nil {
		k.str(p.Remote.Host)
		k.str(p.Remote.URL)
		k.str(p.Remote.Kind)
	}
	k.str(p.Filtered) // shown around the card (timelineCard), not in it
	k.str(p.AuthorNameHTML)
}
