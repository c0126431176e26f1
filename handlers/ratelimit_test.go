package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
)

// The account-deletion form asks for the password: it shares the login's
// limits (5 wrong passwords per account, 20 per client address, in 15
// minutes), so a stolen session cannot guess the password there. Past a
// limit the right password gets the readable 429 too, and the account
// stays.
func TestDeleteAccountPasswordRateLimit(t *testing.T) {
	deleteWith := func(c *client, password string) *response {
		c.t.Helper()
		return c.postForm("/settings/data/delete", url.Values{"password": {password}}, nil)
	}
	for _, tc := range []struct {
		name string
		// fail makes the wrong attempts, from amal's browser or another
		// one at the same address.
		fail func(t *testing.T, srv *testServer, amal *client)
		// then is the attempt after them: amal's right password on the
		// deletion form, or on the login form.
		then func(t *testing.T, srv *testServer, amal *client) *response
	}{
		{
			name: "5 wrong passwords on the deletion form",
			fail: func(t *testing.T, _ *testServer, amal *client) {
				for i := 1; i <= 5; i++ {
					if resp := deleteWith(amal, "not-it-"+strconv.Itoa(i)); resp.StatusCode != http.StatusForbidden {
						t.Fatalf("wrong password %d: got %d, want 403", i, resp.StatusCode)
					}
				}
			},
			then: func(_ *testing.T, _ *testServer, amal *client) *response { return deleteWith(amal, "password-amal") },
		},
		{
			name: "5 failed logins to the account",
			fail: func(t *testing.T, srv *testServer, _ *client) {
				other := srv.newClient(t)
				for i := 1; i <= 5; i++ {
					if resp := failLogin(other, "amal"); resp.StatusCode != http.StatusUnauthorized {
						t.Fatalf("failed login %d: got %d, want 401", i, resp.StatusCode)
					}
				}
			},
			then: func(_ *testing.T, _ *testServer, amal *client) *response { return deleteWith(amal, "password-amal") },
		},
		{
			name: "20 failed logins from the address",
			fail: func(t *testing.T, srv *testServer, _ *client) {
				other := srv.newClient(t)
				for i := 1; i <= 20; i++ {
					if resp := failLogin(other, "nobody"+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
						t.Fatalf("failed login %d: got %d, want 401", i, resp.StatusCode)
					}
				}
			},
			then: func(_ *testing.T, _ *testServer, amal *client) *response { return deleteWith(amal, "password-amal") },
		},
		{
			name: "wrong deletion passwords count against the login",
			fail: func(t *testing.T, _ *testServer, amal *client) {
				for i := 1; i <= 5; i++ {
					deleteWith(amal, "not-it")
				}
			},
			then: func(t *testing.T, srv *testServer, _ *client) *response {
				return srv.newClient(t).postForm("/login", url.Values{"username": {"amal"}, "password": {"password-amal"}}, nil)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			srv := newTestServerWith(t, serverOptions{
				config:  func(c *handlers.Config) { c.Now = clock.Now },
				storage: func(o *storageOptions) { o.Now = clock.Now },
			})
			newUser(t, srv.db, "amal")
			amal := srv.newClient(t)
			amal.login("amal", "password-amal")

			tc.fail(t, srv, amal)
			resp := tc.then(t, srv, amal)
			checkReadablePage(t, resp, http.StatusTooManyRequests)
			if !strings.Contains(resp.body, "Too many") {
				t.Errorf("429 page: got no explanation in:\n%s", resp.body)
			}
			retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || retry <= 0 || retry > 15*60 {
				t.Fatalf("429: got Retry-After %q, want seconds up to 15 minutes", resp.Header.Get("Retry-After"))
			}
			if _, err := srv.db.LocalUser("amal"); err != nil {
				t.Fatalf("the account is gone after a refused deletion: %v", err)
			}

			// Once the window has passed, the right password deletes.
			clock.Advance(time.Duration(retry) * time.Second)
			if resp := deleteWith(amal, "password-amal"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("after Retry-After: got %d, want 303:\n%s", resp.StatusCode, resp.body)
			}
			if _, err := srv.db.LocalUser("amal"); err == nil {
				t.Error("the account is still there after the deletion")
			}
		})
	}
}
