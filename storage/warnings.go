package storage

import (
	"strings"
	"unicode/utf8"
)

// MaxWarningChars is the longest content warning, in Unicode characters.
const MaxWarningChars = 100

// WarningProblem is what is wrong with a content warning, for each front
// door to say in its own words.
type WarningProblem int

// Content warning problems.
const (
	WarningOK WarningProblem = iota
	// WarningUnshowable: a control character, or a bidi embedding,
	// override or isolate control, which could make the warning read
	// reversed or leak its direction into the page around it.
	WarningUnshowable
	// WarningTooLong: more than MaxWarningChars characters.
	WarningTooLong
)

// CleanWarning is the one rule for a content warning, typed in the
// composer or brought in by an import: valid UTF-8 (invalid bytes become
// U+FFFD), on one line with its white space collapsed, without control or
// direction-override characters, at most MaxWarningChars characters. It
// returns the warning as it is kept and what is wrong with it.
func CleanWarning(s string) (string, WarningProblem) {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	switch {
	case strings.ContainsFunc(s, unshowable):
		return s, WarningUnshowable
	case utf8.RuneCountInString(s) > MaxWarningChars:
		return s, WarningTooLong
	}
	return s, WarningOK
}

// unshowable refuses the C0 and C1 controls, DEL, and the bidi
// embeddings, overrides and isolates; the marks (LRM, RLM) and the
// zero-width joiners that Arabic, Persian and emoji need stay allowed.
// These are the characters display names refuse (admin.IsControl).
func unshowable(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
