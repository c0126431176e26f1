package handlers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWordExcerpt(t *testing.T) {
	long := strings.Repeat("كلمة ", 40) // Arabic words, 200 characters
	for _, tc := range []struct {
		name, in, want string
	}{
		{"short", "Hello  world\n", "Hello world"},
		{"exactly the limit", strings.Repeat("a", 100), strings.Repeat("a", 100)},
		{"cut at a word", strings.Repeat("word ", 30), strings.TrimSpace(strings.Repeat("word ", 20)) + "…"},
		{"one long word", strings.Repeat("x", 150), strings.Repeat("x", 100) + "…"},
		{"arabic", long, strings.TrimSpace(strings.Repeat("كلمة ", 20)) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wordExcerpt(tc.in, 100)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if n := utf8.RuneCountInString(strings.TrimSuffix(got, "…")); n > 100 {
				t.Errorf("%d characters, want at most 100", n)
			}
		})
	}
}
