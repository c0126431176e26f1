package search

import (
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
type Highlighter struct {
	terms, stems map[string]bool
}

// NewHighlighter reads the words, phrases and tags of q.
func NewHighlighter(q Query) *Highlighter {
	h := &Highlighter{terms: map[string]bool{}, stems: map[string]bool{}}
	for _, list := range [][]string{q.Words, q.Phrases} {
		for _, w := range list {
			for _, t := range Analyze(w) {
				h.terms[t.Term], h.stems[t.Stem] = true, true
			}
		}
	}
	for _, tag := range q.Tags {
		for _, t := range Analyze(tag) {
			h.terms[t.Term] = true
		}
	}
	return h
}

// Highlight is NewHighlighter(q).Excerpt(text, max).
func Highlight(text string, q Query, max int) []Segment {
	return NewHighlighter(q).Excerpt(text, max)
}

// Excerpt cuts an excerpt of at most about max bytes out of text, around
// the first word the query matches, and marks each matched word (by its
// Start/End as Analyze gives them). A word matches when its term is one
// of the query's words, phrases or tags, or when its stem is one of
// their stems. Cut ends are marked with "…".
func (h *Highlighter) Excerpt(text string, max int) []Segment {
	terms, stems := h.terms, h.stems
	toks := Analyze(text)
	var marks []Token
	for _, t := range toks {
		if terms[t.Term] || t.Kind == Word && stems[t.Stem] {
			marks = append(marks, t)
		}
	}
	start, end := 0, len(text)
	if max > 0 && len(text) > max {
		if len(marks) > 0 {
			start = max3(marks[0].Start - max/3)
		}
		start = wordStart(text, start)
		end = wordEnd(text, min(len(text), start+max))
	}
	var out []Segment
	if start > 0 {
		out = append(out, Segment{Text: "…"})
	}
	at := start
	for _, m := range marks {
		if m.Start < at || m.End > end {
			continue
		}
		if m.Start > at {
			out = append(out, Segment{Text: text[at:m.Start]})
		}
		out = append(out, Segment{Text: text[m.Start:m.End], Mark: true})
		at = m.End
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
