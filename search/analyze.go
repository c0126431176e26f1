package search

import (
	"strings"
	"unicode"
)

// Kind says what a token is; each kind is indexed under its own terms, so a
// word never matches a hashtag or a mention by accident.
type Kind uint8

const (
	Word    Kind = iota // a word of running text
	Tag                 // a #hashtag, Term without the '#'
	Mention             // an @mention, Term "name" or "name@host", without the '@'
	Host                // the host of a link, Term "example.org"
)

// Token is one searchable unit of a text.
type Token struct {
	Kind Kind
	// Term is the normalized form: what is indexed and matched exactly.
	Term string
	// Stem is the light stem of Term; equal to Term when stemming changes
	// nothing or the token is not a Word.
	Stem string
	// Start and End are byte offsets of the token in the analysed text, so a
	// result can highlight what matched.
	Start, End int
}

// Analyze splits text into tokens. Index and query use it alike.
func Analyze(text string) []Token {
	var out []Token
	start := -1
	for i, r := range text + " " {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			term := Normalize(text[start:i])
			out = append(out, Token{Kind: Word, Term: term, Stem: term, Start: start, End: i})
			start = -1
		}
	}
	return out
}

// Normalize folds a word or phrase to the form Analyze gives its terms.
func Normalize(s string) string { return strings.ToLower(s) }
