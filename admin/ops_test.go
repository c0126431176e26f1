package admin

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/storage"
)

// newOps opens a fresh database and returns Ops on it with a cheap bcrypt
// cost.
func newOps(t *testing.T) *Ops {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Ops{DB: db, PasswordCost: bcrypt.MinCost, BaseURL: "https://majlis.example/"}
}

func mustCreate(t *testing.T, o Operator, name string, admin bool) UserInfo {
	t.Helper()
	u, err := o.CreateUser(name, "", "password123", admin)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// session opens a live session for the user, as a login would.
func session(t *testing.T, db *storage.DB, id string, user storage.ID) {
	t.Helper()
	now := time.Now()
	if err := db.SaveSession(storage.Session{ID: id, UserID: user, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

func sessionLive(db *storage.DB, id string) bool {
	_, _, err := db.SessionUser(id)
	return err == nil
}

func wantError(t *testing.T, err, target error, msg string) {
	t.Helper()
	if target == nil {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not say %q", err, msg)
	}
}

func TestCreateUser(t *testing.T) {
	o := newOps(t)
	tests := []struct {
		name, username, display, password string
		admin                             bool
		wantErr                           error
		wantMsg                           string
		wantRole                          storage.Role
	}{
		{name: "first account is admin", username: "amal", display: "  Amal A.  ", password: "password123", wantRole: storage.RoleAdmin},
		{name: "second is a user", username: "bilal", password: "password123", wantRole: storage.RoleUser},
		{name: "admin flag", username: "chadi", password: "password123", admin: true, wantRole: storage.RoleAdmin},
		{name: "taken in another case", username: "AMAL", password: "password123", wantErr: storage.ErrExists, wantMsg: `user "AMAL" already exists`},
		{name: "bad username", username: "amal!", password: "password123", wantErr: storage.ErrInvalid, wantMsg: "letters, digits or underscores"},
		{name: "long username", username: strings.Repeat("a", 31), password: "password123", wantErr: storage.ErrInvalid, wantMsg: "username"},
		{name: "empty username", username: "", password: "password123", wantErr: storage.ErrInvalid, wantMsg: "username"},
		{name: "short password", username: "dana", password: "short", wantErr: storage.ErrInvalid, wantMsg: "at least 8"},
		{name: "long password", username: "dana", password: strings.Repeat("x", 73), wantErr: storage.ErrInvalid, wantMsg: "at most 72"},
		{name: "bidi override in name", username: "dana", display: "evil\u202egnp.exe", password: "password123", wantErr: storage.ErrInvalid, wantMsg: "cannot be shown"},
		{name: "long display name", username: "dana", display: strings.Repeat("ن", 51), password: "password123", wantErr: storage.ErrInvalid, wantMsg: "at most 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := o.CreateUser(tt.username, tt.display, tt.password, tt.admin)
			wantError(t, err, tt.wantErr, tt.wantMsg)
			if err != nil {
				if _, err := o.DB.LocalUser(tt.username); tt.wantErr != storage.ErrExists && !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("a refused account was stored: %v", err)
				}
				return
			}
			if u.Role != tt.wantRole || u.Status != storage.StatusActive {
				t.Errorf("got role %q status %q, want %q active", u.Role, u.Status, tt.wantRole)
			}
			stored, err := o.DB.LocalUser(tt.username)
			if err != nil {
				t.Fatal(err)
			}
			if want := "https://majlis.example/users/" + tt.username; stored.URI != want {
				t.Errorf("got URI %q, want %q", stored.URI, want)
			}
			if stored.DisplayName != strings.TrimSpace(tt.display) {
				t.Errorf("got display name %q, want %q", stored.DisplayName, strings.TrimSpace(tt.display))
			}
			if bcrypt.CompareHashAndPassword([]byte(stored.PasswordHash), []byte(tt.password)) != nil {
				t.Errorf("the stored hash does not match the password")
			}
		})
	}
}

func TestCreateUserNeedsTheInstanceURL(t *testing.T) {
	o := newOps(t)
	o.BaseURL = ""
	_, err := o.CreateUser("amal", "", "password123", false)
	wantError(t, err, storage.ErrInvalid, "-url")
	// Once the server has run, its URL is known.
	if err := o.DB.SetInstanceURL("https://from.server"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, o, "amal", false)
	if u, _ := o.DB.LocalUser("amal"); u.URI != "https://from.server/users/amal" {
		t.Errorf("got URI %q, want https://from.server/users/amal", u.URI)
	}
}

func TestSetPassword(t *testing.T) {
	o := newOps(t)
	amal := mustCreate(t, o, "amal", false)
	bilal := mustCreate(t, o, "bilal", false)
	session(t, o.DB, "a1", amal.ID)
	session(t, o.DB, "b1", bilal.ID)

	_, err := o.SetPassword("amal", "short", false)
	wantError(t, err, storage.ErrInvalid, "at least 8")
	if !sessionLive(o.DB, "a1") {
		t.Fatalf("a refused password ended the sessions")
	}
	_, err = o.SetPassword("nobody", "password456", false)
	wantError(t, err, storage.ErrNotFound, `user "nobody" not found`)

	u, err := o.SetPassword("AMAL", "password456", true)
	wantError(t, err, nil, "")
	if !u.MustChangePassword {
		t.Errorf("MustChangePassword not set")
	}
	stored, _ := o.DB.LocalUser("amal")
	if bcrypt.CompareHashAndPassword([]byte(stored.PasswordHash), []byte("password456")) != nil {
		t.Errorf("the new password does not match")
	}
	if sessionLive(o.DB, "a1") || !sessionLive(o.DB, "b1") {
		t.Errorf("after the change: amal's session live %v (want false), bilal's %v (want true)", sessionLive(o.DB, "a1"), sessionLive(o.DB, "b1"))
	}
}

func TestSetRole(t *testing.T) {
	o := newOps(t)
	mustCreate(t, o, "amal", false) // admin: first account
	mustCreate(t, o, "bilal", false)
	tests := []struct {
		user    string
		role    storage.Role
		wantErr error
		wantMsg string
	}{
		{"bilal", storage.RoleModerator, nil, ""},
		{"bilal", "owner", storage.ErrInvalid, "user, moderator or admin"},
		{"nobody", storage.RoleUser, storage.ErrNotFound, `user "nobody" not found`},
		{"amal", storage.RoleUser, storage.ErrForbidden, "only admin"},
		{"bilal", storage.RoleAdmin, nil, ""},
		{"amal", storage.RoleUser, nil, ""},
	}
	for _, tt := range tests {
		u, err := o.SetRole(tt.user, tt.role)
		wantError(t, err, tt.wantErr, tt.wantMsg)
		if err == nil && u.Role != tt.role {
			t.Errorf("SetRole(%s, %s): got role %q", tt.user, tt.role, u.Role)
		}
	}
}

func TestSuspendAndUnsuspend(t *testing.T) {
	o := newOps(t)
	amal := mustCreate(t, o, "amal", false)
	bilal := mustCreate(t, o, "bilal", false)
	session(t, o.DB, "b1", bilal.ID)
	session(t, o.DB, "b2", bilal.ID)
	session(t, o.DB, "a1", amal.ID)

	u, err := o.Suspend("bilal")
	wantError(t, err, nil, "")
	if u.Status != storage.StatusSuspended {
		t.Errorf("got status %q, want suspended", u.Status)
	}
	for _, id := range []string{"b1", "b2"} {
		if _, _, err := o.DB.SessionUser(id); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("SessionUser(%s) after suspension: got %v, want ErrNotFound", id, err)
		}
	}
	if _, err := o.Suspend("bilal"); err != nil {
		t.Errorf("suspending twice: %v", err)
	}
	_, err = o.Suspend("amal")
	wantError(t, err, storage.ErrForbidden, "only admin")
	if !sessionLive(o.DB, "a1") {
		t.Errorf("a refused suspension ended the admin's session")
	}
	_, err = o.Suspend("nobody")
	wantError(t, err, storage.ErrNotFound, `user "nobody" not found`)

	u, err = o.Unsuspend("bilal")
	wantError(t, err, nil, "")
	if u.Status != storage.StatusActive {
		t.Errorf("after unsuspending: got %q, want active", u.Status)
	}
	if u, err := o.Unsuspend("amal"); err != nil || u.Status != storage.StatusActive {
		t.Errorf("unsuspending an active account: %q, %v; want active, nil", u.Status, err)
	}
}

func TestList(t *testing.T) {
	o := newOps(t)
	for _, name := range []string{"amal", "amira", "bilal"} {
		mustCreate(t, o, name, false)
	}
	p, err := o.List("", storage.Page{Limit: 2})
	wantError(t, err, nil, "")
	if len(p.Users) != 2 || p.Users[0].Username != "bilal" || p.Users[1].Username != "amira" || p.Next == 0 {
		t.Fatalf("first page: %+v", p)
	}
	p, err = o.List("", storage.Page{Limit: 2, Before: p.Next})
	wantError(t, err, nil, "")
	if len(p.Users) != 1 || p.Users[0].Username != "amal" || p.Next != 0 {
		t.Fatalf("second page: %+v", p)
	}
	p, _ = o.List("AM", storage.Page{})
	if len(p.Users) != 2 {
		t.Errorf("query AM: got %d users, want 2", len(p.Users))
	}
}

func TestCheckAndBackup(t *testing.T) {
	o := newOps(t)
	mustCreate(t, o, "amal", false)
	r, err := o.Check()
	wantError(t, err, nil, "")
	if r.Users != 1 || r.Posts != 0 || r.SchemaVersion != storage.SchemaVersion() || r.Path != o.DB.Path() {
		t.Errorf("Check: got %+v", r)
	}
	var buf bytes.Buffer
	n, err := o.Backup(&buf)
	wantError(t, err, nil, "")
	if n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup wrote %d bytes, says %d", buf.Len(), n)
	}
	path := filepath.Join(t.TempDir(), "b.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if info, err := storage.Verify(path); err != nil || info.Users != 1 {
		t.Errorf("Verify(backup): %+v, %v", info, err)
	}
}

func TestRules(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"amal", true}, {"A_1", true}, {strings.Repeat("z", 30), true},
		{"", false}, {strings.Repeat("z", 31), false}, {"am al", false}, {"amal@x", false}, {"émile", false}, {"a-b", false},
	} {
		if got := ValidUsername(tt.s); got != tt.want {
			t.Errorf("ValidUsername(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{
		{"12345678", true}, {"كلمةسرّية", true}, {strings.Repeat("x", 72), true},
		{"1234567", false}, {"", false}, {strings.Repeat("x", 73), false},
	} {
		if got := CheckPassword(tt.pw) == nil; got != tt.want {
			t.Errorf("CheckPassword(%q) ok = %v, want %v", tt.pw, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		want bool
	}{
		{"", true}, {"أمل", true}, {"a\u200db", true}, {"x\u200fy", true},
		{"a\nb", false}, {"a\u202eb", false}, {"a\u2066b", false}, {"\xff", false}, {strings.Repeat("a", 51), false},
	} {
		if got := CheckDisplayName(tt.name) == nil; got != tt.want {
			t.Errorf("CheckDisplayName(%q) ok = %v, want %v", tt.name, got, tt.want)
		}
	}
	a, b := RandomPassword(), RandomPassword()
	if a == b || CheckPassword(a) != nil || len(a) < 20 {
		t.Errorf("RandomPassword: %q and %q", a, b)
	}
}
