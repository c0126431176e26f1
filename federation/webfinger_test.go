package federation

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseHandle(t *testing.T) {
	tests := []struct {
		in, name, host string
		ok             bool
	}{
		{"@amal@mastodon.example", "amal", "mastodon.example", true},
		{"amal@Mastodon.Example", "amal", "mastodon.example", true},
		{"acct:amal@gts.example:8443", "amal", "gts.example:8443", true},
		{"  @Amal@x.example ", "Amal", "x.example", true},
		{"amal", "", "", false},
		{"@amal", "", "", false},
		{"@amal@", "", "", false},
		{"a/b@x.example", "", "", false},
		{"amal@x.example/path", "", "", false},
		{"amal@x.example@y.example", "", "", false},
		{"amal@user:pass@x.example", "", "", false},
		{"amal@" + strings.Repeat("a", 400) + ".example", "", "", false},
	}
	for _, tc := range tests {
		name, host, err := ParseHandle(tc.in)
		if (err == nil) != tc.ok || name != tc.name || host != tc.host {
			t.Errorf("ParseHandle(%q) = %q, %q, %v; want %q, %q, ok=%v", tc.in, name, host, err, tc.name, tc.host, tc.ok)
		}
	}
}

// TestParseJRDHostile: answers a server may send, honest or not.
func TestParseJRDHostile(t *testing.T) {
	self := `{"rel":"self","type":"application/activity+json","href":"https://m.example/users/amal"}`
	many := make([]string, maxLinks+1)
	for i := range many {
		many[i] = `{"rel":"x"}`
	}
	tests := []struct {
		name, body, want string
	}{
		{"mastodon", `{"subject":"acct:amal@m.example","links":[{"rel":"http://webfinger.net/rel/profile-page","type":"text/html","href":"https://m.example/@amal"},` + self + `]}`, "https://m.example/users/amal"},
		{"ld+json profile", `{"links":[{"rel":"self","type":"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"","href":"https://m.example/u/1"}]}`, "https://m.example/u/1"},
		{"canonical subject on another domain", `{"subject":"acct:amal@social.m.example","links":[` + self + `]}`, "https://m.example/users/amal"},
		{"another account's subject", `{"subject":"acct:admin@m.example","links":[` + self + `]}`, ""},
		{"no self link", `{"subject":"acct:amal@m.example","links":[{"rel":"self","type":"text/html","href":"https://m.example/@amal"}]}`, ""},
		{"javascript URL", `{"links":[{"rel":"self","type":"application/activity+json","href":"javascript:alert(1)"}]}`, ""},
		{"file URL", `{"links":[{"rel":"self","type":"application/activity+json","href":"file:///etc/passwd"}]}`, ""},
		{"credentials in URL", `{"links":[{"rel":"self","type":"application/activity+json","href":"https://u:p@m.example/a"}]}`, ""},
		{"not JSON", `<html>hello</html>`, ""},
		{"links not an array", `{"links":{"rel":"self"}}`, ""},
		{"too many links", `{"links":[` + strings.Join(many, ",") + `]}`, ""},
		{"too large", `{"subject":"` + strings.Repeat("a", maxWebFingerBody) + `"}`, ""},
	}
	for _, tc := range tests {
		got, err := ParseJRD([]byte(tc.body), "amal", "m.example")
		if got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
		if tc.want == "" && !errors.Is(err, ErrHandle) {
			t.Errorf("%s: got %v, want ErrHandle", tc.name, err)
		}
	}
}

func TestAccountJRDRoundTrip(t *testing.T) {
	j := AccountJRD("amal", "majlis.example", "https://majlis.example/users/amal", "https://majlis.example/@amal", "https://majlis.example/authorize_interaction?uri={uri}")
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseJRD(b, "amal", "majlis.example")
	if err != nil || got != "https://majlis.example/users/amal" {
		t.Fatalf("got %q, %v", got, err)
	}
	if !strings.Contains(string(b), `"template":"https://majlis.example/authorize_interaction?uri={uri}"`) {
		t.Fatalf("no subscribe template in %s", b)
	}
}
