package handlers

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzLinkURL: an accepted profile link is an absolute http or https URL
// with a host, no credentials and no spaces, and accepting it again gives
// the same address.
func FuzzLinkURL(f *testing.F) {
	for _, s := range []string{
		"https://amal.example/", "HTTP://A.example", "http://a.example/x?y=1#z", "https://[::1]:8080/",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "ftp://a.example", "a.example", "//a.example",
		"https://", "https:a.example", "https://u:p@a.example", "https://a.example/a b",
		"https://a.example/\u202e", "data:text/html,x", "https://a.example/%zz", "\x00", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, msg := checkLinkURL(raw)
		if msg != "" {
			if got != "" {
				t.Errorf("checkLinkURL(%q) = %q with error %q, want no address", raw, got, msg)
			}
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("checkLinkURL(%q) = %q, which does not parse: %v", raw, got, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.User != nil || u.Opaque != "" {
			t.Errorf("checkLinkURL(%q) = %q: scheme %q host %q user %v", raw, got, u.Scheme, u.Hostname(), u.User)
		}
		// Quotes and angle brackets may stay (templ escapes attributes);
		// white space may not.
		if strings.ContainsAny(got, " \t\n\r\f\v") {
			t.Errorf("checkLinkURL(%q) = %q, with white space", raw, got)
		}
		if again, msg := checkLinkURL(got); again != got || msg != "" {
			t.Errorf("checkLinkURL(%q) = %q, %q; want it accepted unchanged", got, again, msg)
		}
	})
}
