package storage

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCleanWarning(t *testing.T) {
	tests := []struct {
		name, in, want string
		problem        WarningProblem
	}{
		{"plain", "film spoilers", "film spoilers", WarningOK},
		{"line breaks become spaces", "  film\nspoilers\r\n\tahead ", "film spoilers ahead", WarningOK},
		{"line and paragraph separators", "a\u2028b\u2029c", "a b c", WarningOK},
		{"Arabic with marks and joiners", "تحذير\u200f: \u200dحرق", "تحذير\u200f: \u200dحرق", WarningOK},
		{"100 characters", strings.Repeat("ت", 100), strings.Repeat("ت", 100), WarningOK},
		{"101 characters", strings.Repeat("a", 101), strings.Repeat("a", 101), WarningTooLong},
		{"long only before collapsing", strings.Repeat("a ", 50) + strings.Repeat("\n", 50), strings.TrimSpace(strings.Repeat("a ", 50)), WarningOK},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb", WarningOK},
		{"right-to-left override", "gnp\u202eexe", "gnp\u202eexe", WarningUnshowable},
		{"isolate", "a\u2066b", "a\u2066b", WarningUnshowable},
		{"control", "a\x00b", "a\x00b", WarningUnshowable},
		{"C1 control", "a\u0080b", "a\u0080b", WarningUnshowable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := CleanWarning(tt.in)
			if got != tt.want || problem != tt.problem {
				t.Errorf("got %q, %d; want %q, %d", got, problem, tt.want, tt.problem)
			}
		})
	}
}

// TestImportPostWarning: storage keeps an imported post only with a
// warning as the composer's rule keeps it.
func TestImportPostWarning(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	uri := func(id ID) string { return fmt.Sprintf("http://here.test/@amal/%s", id) }
	for i, tt := range []struct {
		cw   string
		want error
	}{
		{"spoilers", nil},
		{"", nil},
		{"two\nlines", ErrInvalid},
		{" spaced ", ErrInvalid},
		{strings.Repeat("a", 101), ErrInvalid},
		{"\u202eevil", ErrInvalid},
	} {
		p := Post{AuthorID: amal.ID, Source: "x", HTML: "<p>x</p>", Visibility: Public, ContentWarning: tt.cw,
			CreatedAt: time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC), ImportedFrom: fmt.Sprintf("http://old.test/%d", i)}
		if err := db.ImportPost(&p, uri); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("warning %q: got %v, want %v", tt.cw, err, tt.want)
		}
	}
	if u := mustUser(t, db, amal.ID); u.PostsCount != 2 {
		t.Errorf("got %d posts, want the 2 with a clean warning", u.PostsCount)
	}
}
