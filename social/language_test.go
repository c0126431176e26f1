package social

import (
	"context"
	"testing"
)

func TestCheckLanguage(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"en", "en", true},
		{"AR", "ar", true},
		{"pt-BR", "pt-BR", true},
		{"zh-Hant-TW", "zh-Hant-TW", true},
		{"fil", "fil", true},
		{"e", "", false},
		{"english", "", false},
		{"en-", "", false},
		{"en_US", "", false},
		{"12", "", false},
		{"en-abcdefghi", "", false},
		{"en-x-y-z-a-b-c-d-e", "", false}, // longer than 16
	} {
		got, problem := CheckLanguage(context.Background(), c.in)
		if (problem == nil) != c.ok {
			t.Errorf("CheckLanguage(%q): problem %v, want ok %v", c.in, problem, c.ok)
			continue
		}
		if c.ok && got != c.want {
			t.Errorf("CheckLanguage(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
