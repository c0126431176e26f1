package handlers

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"majlis/storage"
)

// Fuzz targets of the administration forms (see fuzz_test.go for how to
// run them).

// FuzzInstanceForm: the instance settings form never panics, and what it
// accepts storage accepts too (the form checks no less than storage), with
// a contact that links only to mailto: or http(s).
func FuzzInstanceForm(f *testing.F) {
	f.Add("Valley", "Neighbours", "**about**", "1. kind", "admins@valley.example", "500", "open", "members", "en")
	f.Add("", "", "", "", "https://valley.example/contact", "100", "approval", "admins", "ar")
	f.Add("a\u202eb", "x\x00", "\xff", "r", "javascript:alert(1)", "5001", "closed", "x", "fr")
	f.Add(strings.Repeat("n", 61), "t", "a", "r", "mailto:x@y", "-1", "invite", "members", "en")
	f.Add("n", "t", "a", "r", `"a b"@example.org`, "0100", "invite", "members", "en")
	f.Fuzz(func(t *testing.T, name, tagline, about, rules, contact, chars, mode, invites, lang string) {
		v := url.Values{
			"name": {name}, "tagline": {tagline}, "about": {about}, "rules": {rules}, "contact": {contact},
			"post_chars": {chars}, "registrations": {mode}, "invites": {invites}, "language": {lang},
		}
		form, s := parseInstanceForm(v, "majlis")
		if len(form.Errors) > 0 {
			return
		}
		if err := s.Check(); err != nil {
			t.Fatalf("the form accepted %q, storage refuses it: %v", v, err)
		}
		for _, text := range []string{s.Name, s.Tagline, s.About, s.Rules, s.Contact} {
			if !utf8.ValidString(text) {
				t.Errorf("accepted invalid UTF-8 %q", text)
			}
		}
		if strings.ContainsFunc(s.Name+s.Tagline, isControl) {
			t.Errorf("accepted control characters in %q / %q", s.Name, s.Tagline)
		}
		if u := contactURL(s.Contact); s.Contact != "" && !strings.HasPrefix(u, "mailto:") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			t.Errorf("contact %q links to %q", s.Contact, u)
		}
	})
}

// FuzzContactURL: a contact links to a mailto: or http(s) address, or not
// at all.
func FuzzContactURL(f *testing.F) {
	for _, s := range []string{"a@b.c", "https://x.example", "javascript:alert(1)", "mailto:a@b", "a@b\nc", "<a@b.c>", "http://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, contact string) {
		u := contactURL(contact)
		if u != "" && !strings.HasPrefix(u, "mailto:") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			t.Errorf("contactURL(%q) = %q", contact, u)
		}
		if strings.HasPrefix(u, "mailto:") && strings.ContainsAny(u, " \n\r\t<>\"") && !strings.Contains(contact, "\"") {
			t.Errorf("contactURL(%q) = %q: a mail address with spaces or brackets", contact, u)
		}
	})
}

// The storage limits and the form's agree on the post limit's bounds.
func TestInstanceFormLimits(t *testing.T) {
	for chars, ok := range map[string]bool{"99": false, "100": true, "5000": true, "5001": false, " 500 ": true, "5e2": false} {
		form, s := parseInstanceForm(url.Values{"post_chars": {chars}, "registrations": {"open"}, "invites": {"members"}, "language": {"en"}}, "majlis")
		if got := form.Errors["post_chars"] == ""; got != ok {
			t.Errorf("post_chars %q: accepted %v, want %v (%v)", chars, got, ok, form.Errors)
		}
		if ok && s.PostChars < storage.MinPostChars {
			t.Errorf("post_chars %q: saved %d", chars, s.PostChars)
		}
	}
}
