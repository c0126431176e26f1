package handlers

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"majlis/markup"
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

// FuzzProfileForm: a profile form without errors gives an update within
// every limit, and a form with errors names them.
func FuzzProfileForm(f *testing.F) {
	f.Add("Amal", "I write **Go**.", "Site", "https://amal.example/", "public", "on", 1)
	f.Add("", "", "", "", "direct", "", 0)
	f.Add("\u202eevil", strings.Repeat("x", 501), strings.Repeat("l", 31), "javascript:alert(1)", "everyone", "maybe", 5)
	f.Fuzz(func(t *testing.T, name, bio, label, link, vis, locked string, rows int) {
		v := url.Values{"display_name": {name}, "bio": {bio}, "visibility": {vis}, "locked": {locked}}
		for range rows % 8 {
			v.Add("link_label", label)
			v.Add("link_url", link)
		}
		form, up := parseProfileForm(v)
		if len(form.Links) < MaxProfileLinks {
			t.Errorf("got %d link rows in the form, want at least %d", len(form.Links), MaxProfileLinks)
		}
		if len(form.Errors) > 0 {
			return
		}
		if len(up.Links) > MaxProfileLinks {
			t.Errorf("accepted %d links", len(up.Links))
		}
		for _, l := range up.Links {
			if l.Label == "" || utf8.RuneCountInString(l.Label) > maxLinkLabel {
				t.Errorf("accepted label %q", l.Label)
			}
			if again, msg := checkLinkURL(l.URL); msg != "" || again != l.URL {
				t.Errorf("accepted link %q", l.URL)
			}
		}
		if markup.Length(up.Bio) > MaxBioChars || !utf8.ValidString(up.Bio) {
			t.Errorf("accepted a bio of %d characters", markup.Length(up.Bio))
		}
		if !up.DefaultVisibility.Valid() {
			t.Errorf("accepted visibility %q", up.DefaultVisibility)
		}
		if displayNameError(up.DisplayName) != "" {
			t.Errorf("accepted display name %q", up.DisplayName)
		}
	})
}
