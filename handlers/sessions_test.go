package handlers_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"majlis/storage"
)

// Logging in again and again keeps at most storage.MaxSessionsPerUser
// sessions: the browser that logged in first is signed out, the newest
// ones stay signed in, and a huge User-Agent does not grow the file by
// its size for each login.
func TestSessionsPerAccountAreCapped(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	ua := strings.Repeat("U", 60<<10)
	var browsers []*client
	for range storage.MaxSessionsPerUser + 1 {
		c := srv.newClient(t)
		c.header.Set("User-Agent", ua)
		c.login("amal", "password-amal")
		browsers = append(browsers, c)
	}
	if n, err := srv.db.CountUserSessions(userID(t, srv.db, "amal")); err != nil || n != storage.MaxSessionsPerUser {
		t.Errorf("got %d sessions, %v; want %d", n, err, storage.MaxSessionsPerUser)
	}
	for _, tt := range []struct {
		name   string
		c      *client
		signed bool
	}{
		{"first browser", browsers[0], false},
		{"second browser", browsers[1], true},
		{"newest browser", browsers[len(browsers)-1], true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.c.get("/settings")
			if signed := resp.StatusCode == http.StatusOK; signed != tt.signed {
				t.Errorf("GET /settings: got status %d (signed in %v), want signed in %v", resp.StatusCode, signed, tt.signed)
			}
		})
	}
	if info, err := os.Stat(srv.db.Path()); err != nil || info.Size() > 2<<20 {
		t.Errorf("the file is %d bytes (%v) after %d logins with a 60 KB User-Agent: want under 2 MB", info.Size(), err, len(browsers))
	}
}
