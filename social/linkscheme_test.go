package social

import (
	"context"
	"testing"

	"majlis/storage"
)

func TestWithScheme(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"example.org", "https://example.org"},
		{"example.org/me", "https://example.org/me"},
		{"www.example.org/a?b=c#d", "https://www.example.org/a?b=c#d"},
		{"example.org:8080/x", "https://example.org:8080/x"},
		{"  example.org ", "https://example.org"},
		{"https://example.org", "https://example.org"},
		{"http://example.org", "http://example.org"},
		{"HTTPS://example.org", "HTTPS://example.org"},
		{"javascript:alert(1)", "javascript:alert(1)"},
		{"mailto:a@example.org", "mailto:a@example.org"},
		{"a@example.org", "a@example.org"},
		{"localhost", "localhost"},
		{"localhost:8080", "localhost:8080"},
		{"//example.org", "//example.org"},
		{"not a link", "not a link"},
		{".example.org", ".example.org"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := WithScheme(tt.raw); got != tt.want {
			t.Errorf("WithScheme(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// TestProfileLinkWithoutScheme: saving a profile whose link lacks its
// scheme keeps the link, with https://, instead of refusing the form; a
// link that is still wrong is refused as before.
func TestProfileLinkWithoutScheme(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		raw, want string
		ok        bool
	}{
		{"example.org/amal", "https://example.org/amal", true},
		{"javascript:alert(1)", "", false},
	} {
		c := goodProfile()
		c.Links = []storage.ProfileLink{{Label: "Site", URL: tt.raw}}
		up, p := checkProfile(ctx, c.Clean(), false)
		if ok := p == nil || len(p.Fields) == 0; ok != tt.ok {
			t.Errorf("%q: accepted = %v (%v), want %v", tt.raw, ok, p.Fields, tt.ok)
		}
		if tt.ok && (len(up.Links) != 1 || up.Links[0].URL != tt.want) {
			t.Errorf("%q: saved links %+v, want %q", tt.raw, up.Links, tt.want)
		}
	}
}
