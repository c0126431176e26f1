package storage

import (
	"errors"
	"testing"
	"time"
)

func TestCreateUserUsernameUnique(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "Amal")
	tests := []struct {
		name     string
		username string
		domain   string
		wantErr  error
	}{
		{"same spelling", "Amal", "", ErrExists},
		{"lower case", "amal", "", ErrExists},
		{"upper case", "AMAL", "", ErrExists},
		{"mixed case", "aMaL", "", ErrExists},
		{"other name", "amala", "", nil},
		{"same name on another instance", "amal", "remote.example", nil},
		{"remote name taken in another case", "AMAL", "Remote.Example", ErrExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := User{Username: tt.username, Domain: tt.domain, URI: "http://localhost:8080/users/" + tt.username + "/" + tt.name}
			err := db.CreateUser(&u)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("CreateUser(%q, %q) error = %v, want nil", tt.username, tt.domain, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CreateUser(%q, %q) error = %v, want %v", tt.username, tt.domain, err, tt.wantErr)
			}
			got, err := db.LocalUser("amal")
			if err != nil || got.ID != amal.ID || got.Username != "Amal" {
				t.Errorf("LocalUser(amal) after refused duplicate = %d %q, %v; want %d %q, nil", got.ID, got.Username, err, amal.ID, "Amal")
			}
		})
	}
	if n, err := db.CountUsers(); err != nil || n != 2 {
		t.Errorf("CountUsers = %d, %v; want 2 local accounts (Amal, amala)", n, err)
	}
}

func TestLocalUser(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "Amal")
	remote := User{Username: "bilal", Domain: "remote.example", URI: "https://remote.example/users/bilal"}
	if err := db.CreateUser(&remote); err != nil {
		t.Fatalf("CreateUser(remote): %v", err)
	}
	tests := []struct {
		lookup  string
		wantID  ID
		wantErr error
	}{
		{"Amal", amal.ID, nil},
		{"amal", amal.ID, nil},
		{"AMAL", amal.ID, nil},
		{"aMAL", amal.ID, nil},
		{"amal2", 0, ErrNotFound},
		{"ama", 0, ErrNotFound},
		{"", 0, ErrNotFound},
		{"bilal", 0, ErrNotFound},
		{"bilal@remote.example", 0, ErrNotFound}, // a remote account is not local
	}
	for _, tt := range tests {
		t.Run(tt.lookup, func(t *testing.T) {
			got, err := db.LocalUser(tt.lookup)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("LocalUser(%q) = %d %q, %v; want error %v", tt.lookup, got.ID, got.Username, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.ID != tt.wantID {
				t.Errorf("LocalUser(%q) = %d, %v; want %d, nil", tt.lookup, got.ID, err, tt.wantID)
			}
		})
	}
}

func TestCreateUserRoles(t *testing.T) {
	db := openTestDB(t)
	// A remote account known before anyone signed up must not take the
	// admin role from the first local account.
	remote := User{Username: "visitor", Domain: "remote.example", URI: "https://remote.example/users/visitor"}
	if err := db.CreateUser(&remote); err != nil {
		t.Fatalf("CreateUser(remote): %v", err)
	}
	first := User{Username: "first", URI: "http://localhost:8080/users/first", Role: RoleUser}
	if err := db.CreateUser(&first); err != nil {
		t.Fatalf("CreateUser(first): %v", err)
	}
	second := createUser(t, db, "second")
	promoted := User{Username: "promoted", URI: "http://localhost:8080/users/promoted", Role: RoleAdmin}
	if err := db.CreateUser(&promoted); err != nil {
		t.Fatalf("CreateUser(promoted): %v", err)
	}
	tests := []struct {
		name string
		id   ID
		want Role
	}{
		{"remote account", remote.ID, RoleUser},
		{"first local account", first.ID, RoleAdmin},
		{"second local account", second.ID, RoleUser},
		{"account created as admin", promoted.ID, RoleAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustUser(t, db, tt.id)
			if u.Role != tt.want || u.IsAdmin() != (tt.want == RoleAdmin) {
				t.Errorf("stored role = %q (IsAdmin %v), want %q", u.Role, u.IsAdmin(), tt.want)
			}
		})
	}
}

func TestCreateUserInvalid(t *testing.T) {
	db := openTestDB(t)
	tests := []struct {
		name string
		u    User
	}{
		{"no username", User{URI: "http://localhost:8080/users/x"}},
		{"no uri", User{Username: "x"}},
		{"@ in a local username", User{Username: "bilal@remote.example", URI: "http://localhost:8080/users/x"}},
		{"@ in a remote username", User{Username: "bilal@remote.example", Domain: "remote.example", URI: "https://remote.example/users/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.CreateUser(&tt.u); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreateUser error = %v, want ErrInvalid", err)
			}
		})
	}
	if n, err := db.CountUsers(); err != nil || n != 0 {
		t.Errorf("CountUsers = %d, %v; want 0", n, err)
	}
}

// Giving a new account the ID of an existing one must not overwrite it.
func TestCreateUserIDTaken(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	thief := User{ID: amal.ID, Username: "thief", URI: "http://localhost:8080/users/thief"}
	if err := db.CreateUser(&thief); !errors.Is(err, ErrExists) {
		t.Fatalf("CreateUser with a taken ID error = %v, want ErrExists", err)
	}
	if u := mustUser(t, db, amal.ID); u.Username != "amal" {
		t.Errorf("user %d username = %q, want %q", amal.ID, u.Username, "amal")
	}
	if _, err := db.LocalUser("thief"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LocalUser(thief) error = %v, want ErrNotFound", err)
	}
}

func TestCountUsers(t *testing.T) {
	db := openTestDB(t)
	if n, err := db.CountUsers(); err != nil || n != 0 {
		t.Fatalf("CountUsers on a new file = %d, %v; want 0, nil", n, err)
	}
	createUser(t, db, "amal")
	createUser(t, db, "bilal")
	remote := User{Username: "visitor", Domain: "remote.example", URI: "https://remote.example/users/visitor"}
	if err := db.CreateUser(&remote); err != nil {
		t.Fatalf("CreateUser(remote): %v", err)
	}
	if n, err := db.CountUsers(); err != nil || n != 2 {
		t.Errorf("CountUsers = %d, %v; want 2 local accounts", n, err)
	}
}

func TestUserRoundTrip(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, t.TempDir()+"/majlis.db", Options{Now: clock.Now})
	in := User{
		Username:     "amal",
		DisplayName:  "أمل",
		Bio:          "Writes about <b>bees</b>.",
		PasswordHash: "$argon2id$v=19$...",
		URI:          "http://localhost:8080/users/amal",
	}
	if err := db.CreateUser(&in); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got := mustUser(t, db, in.ID)
	if got.Username != in.Username || got.DisplayName != in.DisplayName || got.Bio != in.Bio ||
		got.PasswordHash != in.PasswordHash || got.URI != in.URI || got.Domain != "" {
		t.Errorf("stored user = %+v, want %+v", got, in)
	}
	if want := clock.Now().Truncate(time.Millisecond); !got.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %s, want %s", got.CreatedAt, want)
	}
	if got.Name() != "أمل" {
		t.Errorf("Name() = %q, want the display name %q", got.Name(), "أمل")
	}
	if plain := (User{Username: "bilal"}); plain.Name() != "bilal" {
		t.Errorf("Name() without display name = %q, want %q", plain.Name(), "bilal")
	}
}
