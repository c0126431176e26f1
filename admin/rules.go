package admin

import (
	"crypto/rand"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"majlis/storage"
)

// The rules for accounts, shared by sign-up (handlers) and the command
// line, so that an account made either way passes the same checks.
const (
	// MaxUsername is the longest username, in bytes (usernames are ASCII).
	MaxUsername = 30
	// MinPassword is the shortest password, in characters.
	MinPassword = 8
	// MaxPassword is the longest password, in bytes: bcrypt reads at most 72.
	MaxPassword = 72
	// MaxDisplayName is the longest display name, in characters.
	MaxDisplayName = 50
	// DefaultPasswordCost is the bcrypt work factor for password hashes.
	DefaultPasswordCost = 11
)

// ValidUsername tells whether s is a username: 1 to 30 ASCII letters,
// digits and underscores.
func ValidUsername(s string) bool {
	if s == "" || len(s) > MaxUsername {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// CheckUsername explains why s is not a username (ErrInvalid), or is nil.
func CheckUsername(s string) error {
	if !ValidUsername(s) {
		return fmt.Errorf("username %q: use 1 to %d letters, digits or underscores: %w", s, MaxUsername, storage.ErrInvalid)
	}
	return nil
}

// CheckPassword explains why pw is not an acceptable password
// (ErrInvalid), or is nil.
func CheckPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPassword:
		return fmt.Errorf("password: use at least %d characters: %w", MinPassword, storage.ErrInvalid)
	case len(pw) > MaxPassword:
		return fmt.Errorf("password: use at most %d bytes: %w", MaxPassword, storage.ErrInvalid)
	}
	return nil
}

// CheckDisplayName explains why name (already trimmed) cannot be a display
// name (ErrInvalid), or is nil.
func CheckDisplayName(name string) error {
	switch DisplayNameProblem(name) {
	case NameUnshowable:
		return fmt.Errorf("display name %q contains characters that cannot be shown: %w", name, storage.ErrInvalid)
	case NameTooLong:
		return fmt.Errorf("display name: use at most %d characters: %w", MaxDisplayName, storage.ErrInvalid)
	}
	return nil
}

// NameProblem is what is wrong with a display name, for each caller to
// say in its own words.
type NameProblem int

// Display name problems.
const (
	NameOK NameProblem = iota
	// NameUnshowable: invalid UTF-8, control or bidi override characters,
	// or nothing visible at all (only spaces, zero-width or format
	// characters).
	NameUnshowable
	// NameTooLong: more than MaxDisplayName characters.
	NameTooLong
)

// DisplayNameProblem checks a display name (already trimmed); the empty
// name is fine (the username shows instead).
func DisplayNameProblem(name string) NameProblem {
	switch {
	case !utf8.ValidString(name) || strings.ContainsFunc(name, IsControl):
		return NameUnshowable
	case name != "" && !strings.ContainsFunc(name, visible):
		return NameUnshowable
	case utf8.RuneCountInString(name) > MaxDisplayName:
		return NameTooLong
	}
	return NameOK
}

// visible tells whether a character draws something.
func visible(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}

// IsControl refuses control characters and the bidi embedding, override
// and isolate controls, which could make a name display reversed or leak
// its direction into the text around it. Marks (LRM, RLM) and the
// zero-width joiners that Arabic, Persian and emoji need stay allowed.
func IsControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// RandomPassword returns a new password of 26 random characters (128
// bits), for an operator to hand out.
func RandomPassword() string { return rand.Text() }
