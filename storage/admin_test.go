package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// adminSession saves a live session for user.
func adminSession(t *testing.T, db *DB, id string, user ID) {
	t.Helper()
	now := time.Now()
	if err := db.SaveSession(Session{ID: id, UserID: user, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatalf("SaveSession(%q): %v", id, err)
	}
}

// sessionsLive tells, for each id, whether SessionUser still finds it.
func sessionsLive(db *DB, ids ...string) []bool {
	var out []bool
	for _, id := range ids {
		_, _, err := db.SessionUser(id)
		out = append(out, err == nil)
	}
	return out
}

func TestSetRole(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal") // the first account: admin
	bilal := createUser(t, db, "bilal")
	if amal.Role != RoleAdmin || bilal.Role != RoleUser {
		t.Fatalf("got roles %q, %q; want admin, user", amal.Role, bilal.Role)
	}
	tests := []struct {
		name    string
		user    ID
		role    Role
		wantErr error
		want    Role
	}{
		{"moderator", bilal.ID, RoleModerator, nil, RoleModerator},
		{"same role again", bilal.ID, RoleModerator, nil, RoleModerator},
		{"unknown role", bilal.ID, "owner", ErrInvalid, RoleModerator},
		{"empty role", bilal.ID, "", ErrInvalid, RoleModerator},
		{"unknown user", 12345, RoleUser, ErrNotFound, ""},
		{"last admin stays admin", amal.ID, RoleUser, ErrForbidden, RoleAdmin},
		{"second admin", bilal.ID, RoleAdmin, nil, RoleAdmin},
		{"first admin steps down", amal.ID, RoleModerator, nil, RoleModerator},
		{"now the last admin", bilal.ID, RoleUser, ErrForbidden, RoleAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.SetRole(tt.user, tt.role)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("SetRole(%q): got error %v, want %v", tt.role, err, tt.wantErr)
			}
			if tt.want == "" {
				return
			}
			if u := mustUser(t, db, tt.user); u.Role != tt.want {
				t.Errorf("got role %q, want %q", u.Role, tt.want)
			}
		})
	}
	if got := mustUser(t, db, amal.ID); !got.CanModerate() || got.IsAdmin() {
		t.Errorf("moderator: CanModerate %v IsAdmin %v, want true false", got.CanModerate(), got.IsAdmin())
	}
}

func TestSetStatusRevokesSessions(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	if got := mustUser(t, db, bilal.ID).AccountStatus(); got != StatusActive {
		t.Fatalf("new account: got status %q, want active", got)
	}
	adminSession(t, db, "b1", bilal.ID)
	adminSession(t, db, "b2", bilal.ID)
	adminSession(t, db, "a1", amal.ID)

	// Silencing keeps the sessions.
	must(t, db.SetStatus(bilal.ID, StatusSilenced), "silence")
	if got := sessionsLive(db, "b1", "b2", "a1"); !slices.Equal(got, []bool{true, true, true}) {
		t.Errorf("after silencing: live %v, want all", got)
	}

	must(t, db.SetStatus(bilal.ID, StatusSuspended), "suspend")
	for _, id := range []string{"b1", "b2"} {
		if _, _, err := db.SessionUser(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("SessionUser(%s) after suspension: got %v, want ErrNotFound", id, err)
		}
	}
	if n, err := db.CountUserSessions(bilal.ID); err != nil || n != 0 {
		t.Errorf("CountUserSessions after suspension = %d, %v; want 0", n, err)
	}
	if got := sessionsLive(db, "a1"); !got[0] {
		t.Errorf("another user's session ended with the suspension")
	}
	u := mustUser(t, db, bilal.ID)
	if u.Status != StatusSuspended || u.CanLogIn() {
		t.Errorf("got status %q, CanLogIn %v; want suspended, false", u.Status, u.CanLogIn())
	}

	must(t, db.SetStatus(bilal.ID, StatusActive), "unsuspend")
	if u := mustUser(t, db, bilal.ID); u.AccountStatus() != StatusActive || !u.CanLogIn() {
		t.Errorf("after unsuspending: status %q, CanLogIn %v", u.AccountStatus(), u.CanLogIn())
	}

	// Pending accounts cannot log in either.
	adminSession(t, db, "b3", bilal.ID)
	must(t, db.SetStatus(bilal.ID, StatusPending), "pending")
	if got := sessionsLive(db, "b3"); got[0] {
		t.Errorf("session of a pending account is live")
	}

	tests := []struct {
		name    string
		user    ID
		status  Status
		wantErr error
	}{
		{"unknown status", bilal.ID, "banned", ErrInvalid},
		{"empty status", bilal.ID, "", ErrInvalid},
		{"unknown user", 999, StatusSuspended, ErrNotFound},
		{"only admin", amal.ID, StatusSuspended, ErrForbidden},
		{"only admin pending", amal.ID, StatusPending, ErrForbidden},
		{"only admin silenced", amal.ID, StatusSilenced, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.SetStatus(tt.user, tt.status)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("SetStatus(%q): got %v, want %v", tt.status, err, tt.wantErr)
			}
		})
	}
	if got := sessionsLive(db, "a1"); !got[0] {
		t.Errorf("a refused suspension ended the admin's session")
	}
}

func TestSetPasswordRevokesSessions(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	adminSession(t, db, "a1", amal.ID)
	adminSession(t, db, "a2", amal.ID)
	adminSession(t, db, "b1", bilal.ID)

	must(t, db.SetPassword(amal.ID, "$2a$04$newhash", true), "SetPassword")
	u := mustUser(t, db, amal.ID)
	if u.PasswordHash != "$2a$04$newhash" || !u.MustChangePassword {
		t.Errorf("got hash %q must change %v; want the new hash, true", u.PasswordHash, u.MustChangePassword)
	}
	if got := sessionsLive(db, "a1", "a2", "b1"); !slices.Equal(got, []bool{false, false, true}) {
		t.Errorf("live sessions after the password change: %v, want [false false true]", got)
	}
	must(t, db.SetPassword(amal.ID, "$2a$04$other", false), "SetPassword again")
	if u := mustUser(t, db, amal.ID); u.MustChangePassword {
		t.Errorf("MustChangePassword stayed set")
	}
	if err := db.SetPassword(amal.ID, "", false); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty hash: got %v, want ErrInvalid", err)
	}
	if err := db.SetPassword(4242, "$2a$04$x", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: got %v, want ErrNotFound", err)
	}
}

// adminNames walks every page of a user listing.
func adminNames(t *testing.T, limit int, get func(Page) (UserList, error)) []string {
	t.Helper()
	var names []string
	page := Page{Limit: limit}
	for range 100 {
		l, err := get(page)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		for _, u := range l.Users {
			names = append(names, u.Username)
		}
		if l.Next == 0 {
			return names
		}
		page.Before = l.Next
	}
	t.Fatal("listing does not end")
	return nil
}

func TestListAndSearchUsers(t *testing.T) {
	db := openTestDB(t)
	for _, name := range []string{"amal", "Amira", "bilal", "am", "zaid"} {
		createUser(t, db, name)
	}
	remote := User{Username: "amalr", Domain: "remote.example", URI: "https://remote.example/users/amalr"}
	must(t, db.CreateUser(&remote), "remote user")

	tests := []struct {
		query string
		limit int
		want  []string
	}{
		{"", 2, []string{"zaid", "am", "bilal", "Amira", "amal"}},
		{"", 100, []string{"zaid", "am", "bilal", "Amira", "amal"}},
		{"am", 2, []string{"am", "Amira", "amal"}},
		{"AM", 1, []string{"am", "Amira", "amal"}},
		{"ami", 20, []string{"Amira"}},
		{" amal ", 20, []string{"amal"}},
		{"amalr", 20, nil},
		{"x", 20, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q by %d", tt.query, tt.limit), func(t *testing.T) {
			got := adminNames(t, tt.limit, func(p Page) (UserList, error) { return db.SearchUsers(tt.query, p) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("SearchUsers: got %q, want %q", got, tt.want)
			}
			if tt.query == "" {
				got := adminNames(t, tt.limit, db.ListUsers)
				if !slices.Equal(got, tt.want) {
					t.Errorf("ListUsers: got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// A record written before Status existed reads as an active account.
func TestUserWithoutStatusIsActive(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		raw := map[string]any{}
		if err := json.Unmarshal(tx.Bucket(bucketUsers).Get(idKey(amal.ID)), &raw); err != nil {
			return err
		}
		if _, ok := raw["status"]; ok {
			return fmt.Errorf("a new account stored a status: %v", raw["status"])
		}
		return nil
	})
	must(t, err, "read raw user")
	u := mustUser(t, db, amal.ID)
	if u.AccountStatus() != StatusActive || !u.CanLogIn() || u.MustChangePassword {
		t.Errorf("got status %q CanLogIn %v MustChange %v; want active, true, false", u.AccountStatus(), u.CanLogIn(), u.MustChangePassword)
	}
}

func TestInstanceURL(t *testing.T) {
	db := openTestDB(t)
	if got, err := db.InstanceURL(); err != nil || got != "" {
		t.Fatalf("fresh file: got %q, %v; want empty", got, err)
	}
	must(t, db.SetInstanceURL("https://majlis.example"), "SetInstanceURL")
	must(t, db.SetInstanceURL("https://majlis.example"), "SetInstanceURL again")
	if got, _ := db.InstanceURL(); got != "https://majlis.example" {
		t.Errorf("got %q, want https://majlis.example", got)
	}
}
