package search

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Query is a parsed search. All Words and Phrases must match; no Exclude may.
//
// ParseQuery keeps only what can match something: a word, phrase or tag
// with no searchable token (punctuation, emoji) is left out. Each field
// keeps the text as typed; the searcher analyses it with Analyze.
type Query struct {
	// Words are single words as typed; each analyses to exactly one token
	// (a word, "@name", or a link's host). A word typed with punctuation
	// inside ("e-mail", "foo:bar") is a phrase instead.
	Words []string
	// Phrases are "quoted phrases", as typed without the quotes: their
	// words must follow each other in that order.
	Phrases []string
	// Exclude holds -word and -"phrase": an entry of several tokens is a
	// phrase. A query of exclusions alone is Empty.
	Exclude []string
	From    string   // from:name, from:name@host or from:me ("me" kept as is), without '@'
	Tags    []string // #tag, without '#', as typed; TagTerm gives the indexed term
	// HasMedia is has:media; IsReply is is:reply.
	HasMedia bool
	IsReply  bool
	// Before (before:YYYY-MM-DD) and After (after:YYYY-MM-DD) are midnight
	// UTC at the start of the day typed; the day itself is excluded both
	// ways: see InDates.
	Before time.Time
	After  time.Time
	In     string // "bookmarks" or "liked" (in:bookmarks, in:liked), else ""
}

// Empty reports whether the query asks for nothing at all.
func (q Query) Empty() bool {
	return len(q.Words) == 0 && len(q.Phrases) == 0 && len(q.Tags) == 0 && q.From == "" &&
		!q.HasMedia && !q.IsReply && q.In == "" && q.Before.IsZero() && q.After.IsZero()
}

// InDates reports whether a post made at t is within the query's dates:
// before:2026-01-02 keeps what was posted until the end of January 1st,
// after:2026-01-02 what was posted from January 3rd on (UTC days).
func (q Query) InDates(t time.Time) bool {
	if !q.Before.IsZero() && !t.Before(q.Before) {
		return false
	}
	if !q.After.IsZero() && t.Before(q.After.AddDate(0, 0, 1)) {
		return false
	}
	return true
}

// ParseQuery reads the query language. It never fails: what it does not
// understand is searched as words.
//
// Fields are separated by spaces. A field that starts with a quote ("“«)
// begins a phrase that runs to the next quote, or to the end if there is
// none; a quote inside a field is just a character. Operator names are
// read in any case; unknown operators and invalid values (foo:bar,
// before:2026-02-30) are words. When an operator is given twice, the last
// one counts.
func ParseQuery(s string) Query {
	var q Query
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += w
			continue
		}
		neg := r == '-'
		j := i
		if neg {
			j++
		}
		if j < len(s) {
			if r, w := utf8.DecodeRuneInString(s[j:]); isQuote(r) {
				start, end, next := j+w, len(s), len(s)
				for k := start; k < len(s); {
					r, w := utf8.DecodeRuneInString(s[k:])
					if isQuote(r) {
						end, next = k, k+w
						break
					}
					k += w
				}
				q.addPhrase(strings.TrimSpace(s[start:end]), neg)
				i = next
				continue
			}
		}
		k := i
		for k < len(s) {
			r, w := utf8.DecodeRuneInString(s[k:])
			if unicode.IsSpace(r) {
				break
			}
			k += w
		}
		q.addField(s[i:k])
		i = k
	}
	return q
}

func isQuote(r rune) bool {
	return r == '"' || r == '“' || r == '”' || r == '«' || r == '»'
}

func (q *Query) addPhrase(p string, neg bool) {
	switch {
	case len(Analyze(p)) == 0:
	case neg:
		q.Exclude = append(q.Exclude, p)
	default:
		q.Phrases = append(q.Phrases, p)
	}
}

// addField reads one unquoted field.
func (q *Query) addField(f string) {
	if len(f) > 1 && f[0] == '-' {
		if len(Analyze(f[1:])) > 0 {
			q.Exclude = append(q.Exclude, f[1:])
		}
		return
	}
	if f[0] == '#' {
		if t := Analyze(f); len(t) == 1 && t[0].Kind == Tag && t[0].Start == 0 {
			q.Tags = append(q.Tags, f[1:])
			return
		}
	}
	if q.operator(f) {
		return
	}
	switch n := len(Analyze(f)); {
	case n == 1:
		q.Words = append(q.Words, f)
	case n > 1:
		// Quotes inside the field are no part of the phrase: dropping them
		// keeps the phrase writable between quotes (see String).
		q.Phrases = append(q.Phrases, strings.TrimSpace(strings.Map(func(r rune) rune {
			if isQuote(r) {
				return ' '
			}
			return r
		}, f)))
	}
}

// operator applies f if it is a known operator with a valid value.
func (q *Query) operator(f string) bool {
	k := strings.IndexByte(f, ':')
	if k <= 0 {
		return false
	}
	name, v := strings.ToLower(f[:k]), f[k+1:]
	switch name {
	case "from":
		if v = fromValue(v); v != "" {
			q.From = v
			return true
		}
	case "has":
		if strings.EqualFold(v, "media") {
			q.HasMedia = true
			return true
		}
	case "is":
		if strings.EqualFold(v, "reply") {
			q.IsReply = true
			return true
		}
	case "in":
		switch strings.ToLower(v) {
		case "bookmarks", "liked":
			q.In = strings.ToLower(v)
			return true
		}
	case "before", "after":
		if len(v) != len("2006-01-02") {
			return false
		}
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return false
		}
		if name == "before" {
			q.Before = d
		} else {
			q.After = d
		}
		return true
	}
	return false
}

// fromValue is the account a from: names ("name", "name@host" or "me"),
// without its '@', or "" if v names none.
func fromValue(v string) string {
	v = strings.TrimPrefix(v, "@")
	if strings.EqualFold(v, "me") {
		return "me"
	}
	name, host, remote := strings.Cut(v, "@")
	if name == "" || scanName(name, 0, false) != len(name) {
		return ""
	}
	if remote && (host == "" || scanName(host, 0, true) != len(host)) {
		return ""
	}
	return v
}

// String is the query written canonically: ParseQuery(q.String()) gives q
// back for every q that ParseQuery returns, and "" when q is Empty and has
// no exclusions.
func (q Query) String() string {
	var b strings.Builder
	add := func(parts ...string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	for _, w := range q.Words {
		add(w)
	}
	for _, p := range q.Phrases {
		add(`"`, p, `"`)
	}
	for _, t := range q.Tags {
		add("#", t)
	}
	for _, e := range q.Exclude {
		if r, _ := utf8.DecodeRuneInString(e); isQuote(r) || strings.IndexFunc(e, unicode.IsSpace) >= 0 {
			add(`-"`, e, `"`)
		} else {
			add("-", e)
		}
	}
	if q.From != "" {
		add("from:", q.From)
	}
	if q.HasMedia {
		add("has:media")
	}
	if q.IsReply {
		add("is:reply")
	}
	if !q.Before.IsZero() {
		add("before:", q.Before.Format("2006-01-02"))
	}
	if !q.After.IsZero() {
		add("after:", q.After.Format("2006-01-02"))
	}
	if q.In != "" {
		add("in:", q.In)
	}
	return b.String()
}
