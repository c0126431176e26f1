package handlers_test

import (
	"regexp"
	"strconv"
	"testing"

	"majlis/admin"
)

// TestFormHintsMatchServerRules: the constraints the sign-up form gives
// the browser (required, minlength, maxlength, pattern) are the server's
// own rules, so the browser never refuses what the server would take, nor
// lets through what it would refuse, for the inputs below.
func TestFormHintsMatchServerRules(t *testing.T) {
	srv := newTestServer(t)
	doc := srv.newClient(t).get("/register").Doc()
	user := oneByTestID(t, doc, "field-username")
	pass := oneByTestID(t, doc, "field-password")
	name := oneByTestID(t, doc, "field-display_name")
	for _, tt := range []struct {
		what, got, want string
	}{
		{"username maxlength", attr(user, "maxlength"), strconv.Itoa(admin.MaxUsername)},
		{"password minlength", attr(pass, "minlength"), strconv.Itoa(admin.MinPassword)},
		{"password maxlength", attr(pass, "maxlength"), strconv.Itoa(admin.MaxPassword)},
		{"display name maxlength", attr(name, "maxlength"), strconv.Itoa(admin.MaxDisplayName)},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	for _, n := range []string{"field-username", "field-password"} {
		if !hasAttr(oneByTestID(t, doc, n), "required") {
			t.Errorf("%s is not required", n)
		}
	}

	// The browser matches pattern against the whole value, and maxlength
	// bounds its length: together they must be ValidUsername.
	pattern := regexp.MustCompile(`^(?:` + attr(user, "pattern") + `)$`)
	maxLen, _ := strconv.Atoi(attr(user, "maxlength"))
	for _, s := range []string{
		"amal", "Amal_2", "_", "a", "x123456789012345678901234567890"[:30], "x123456789012345678901234567890",
		"", "am al", "amal!", "أمل", "amal@host", "amal-x", "amal.x", "ämal",
	} {
		browser := pattern.MatchString(s) && len([]rune(s)) <= maxLen
		if server := admin.ValidUsername(s); browser != server {
			t.Errorf("username %q: browser accepts %v, server %v", s, browser, server)
		}
	}
}
