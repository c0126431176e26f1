package search

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Segment is a piece of an excerpt; Mark is set on the words that
// matched. Pages print Text escaped, so an excerpt is safe whatever the
// text holds.
type Segment struct {
	Text string
	Mark bool
}

// Highlighter marks what a query matches in the texts of its results;
// it reads the query once for a whole page of them.
//
// A query has a handful of terms, so they are kept in short sorted lists
// and compared in turn: cheaper than hashing every word of every result.
type Highlighter struct {
	terms, stems []string
	key          string
}

// NewHighlighter reads the words, phrases and tags of q.
func NewHighlighter(q Query) *Highlighter {
	h := &Highlighter{}
	for _, list := range [][]string{q.Words, q.Phrases} {
		for _, w := range list {
			for _, t := range Analyze(w) {
				h.terms = append(h.terms, strings.Clone(t.Term))
				h.stems = append(h.stems, strings.Clone(t.Stem))
			}
		}
	}
	for _, tag := range q.Tags {
		for _, t := range Analyze(tag) {
			h.terms = append(h.terms, strings.Clone(t.Term))
		}
	}
	slices.Sort(h.terms)
	slices.Sort(h.stems)
	h.terms, h.stems = slices.Compact(h.terms), slices.Compact(h.stems)
	// The key says what the highlighter marks: two queries with the same
	// key mark the same words of any text ("Tea morning" and "morning
	// tea", or "الكتاب" and "الكتاب -x"), so a cached excerpt of one serves
	// the other.
	var b strings.Builder
	for _, list := range [][]string{h.terms, h.stems} {
		for _, s := range list {
			b.WriteString(s)
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	h.key = b.String()
	return h
}

// Key identifies what h marks: highlighters with equal keys give equal
// excerpts of every text.
func (h *Highlighter) Key() string { return h.key }

// marks tells whether the query marks token t of analyzer a: its term is
// one of the query's, or it is a word whose stem is.
func (h *Highlighter) marks(a *analyzer, t *tok) bool {
	term := a.buf[t.ts:t.te]
	for _, q := range h.terms {
		if string(term) == q {
			return true
		}
	}
	if t.kind != Word {
		return false
	}
	stem := t.stem
	for _, q := range h.stems {
		if stem == q || stem == "" && string(a.buf[t.ss:t.se]) == q {
			return true
		}
	}
	return false
}

// span is a matched word's place in the text.
type span struct{ start, end int }

// Excerpt cuts an excerpt of at most about max bytes out of text, around
// the first word the query matches, and marks each matched word (by its
// Start/End as Analyze gives them). A word matches when its term is one
// of the query's words, phrases or tags, or when its stem is one of
// their stems. Cut ends are marked with "…".
//
// It reads the analyzer's tokens in place: the terms are compared where
// the analyzer wrote them, and nothing is allocated but the segments.
func (h *Highlighter) Excerpt(text string, max int) []Segment {
	var buf [16]span
	marks := buf[:0]
	a := pool.Get().(*analyzer)
	a.run(text, true)
	for i := range a.toks {
		if t := &a.toks[i]; h.marks(a, t) {
			marks = append(marks, span{t.start, t.end})
		}
	}
	a.release()
	start, end := 0, len(text)
	if max > 0 && len(text) > max {
		if len(marks) > 0 {
			start = max3(marks[0].start - max/3)
		}
		start = wordStart(text, start)
		end = wordEnd(text, min(len(text), start+max))
	}
	n := 1
	for _, m := range marks {
		if m.start >= start && m.end <= end {
			n += 2
		}
	}
	out := make([]Segment, 0, n+2)
	if start > 0 {
		out = append(out, Segment{Text: "…"})
	}
	at := start
	for _, m := range marks {
		if m.start < at || m.end > end {
			continue
		}
		if m.start > at {
			out = append(out, Segment{Text: text[at:m.start]})
		}
		out = append(out, Segment{Text: text[m.start:m.end], Mark: true})
		at = m.end
	}
	if at < end {
		out = append(out, Segment{Text: text[at:end]})
	}
	if end < len(text) {
		out = append(out, Segment{Text: "…"})
	}
	return out
}

func max3(n int) int { return max(n, 0) }

// wordStart moves i back to the start of a word (after a space), within
// a few bytes, and always onto a character boundary.
func wordStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	if j := strings.LastIndexAny(s[:i], " \n\t"); j >= 0 && i-j < 24 {
		return j + 1
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// wordEnd moves i forward to the end of a word, within a few bytes, and
// always onto a character boundary.
func wordEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	if j := strings.IndexAny(s[i:], " \n\t"); j >= 0 && j < 24 {
		return i + j
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}
