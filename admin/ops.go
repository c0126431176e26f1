// Package admin holds what an operator does to an instance from a shell —
// create accounts, set passwords and roles, suspend, list, check and back
// up — and the admin socket that lets the command line do it through a
// running server.
//
// Only one process may open the bbolt file, so an operation runs either in
// the server (Ops behind a Server, reached through a Client over the Unix
// socket DATA/admin.sock) or, when no server runs, in the command-line
// process itself (Ops on a DB it opened). Both satisfy Operator.
package admin

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/storage"
)

// Operator is every operation of the command line; Ops runs them on a
// database, Client asks a running server to.
type Operator interface {
	// CreateUser makes a local account; admin gives it the admin role (the
	// first account on an instance is admin anyway).
	CreateUser(username, displayName, password string, admin bool) (UserInfo, error)
	// SetPassword replaces the password and ends every session of the user.
	SetPassword(username, password string, mustChange bool) (UserInfo, error)
	// SetRole gives the user, moderator or admin role.
	SetRole(username string, role storage.Role) (UserInfo, error)
	// Suspend stops the account from logging in and ends its sessions.
	Suspend(username string) (UserInfo, error)
	// Unsuspend lets a suspended account log in again.
	Unsuspend(username string) (UserInfo, error)
	// ResetTwoFactor turns the account's second factor off, for a member
	// who lost both the phone and the recovery codes.
	ResetTwoFactor(username string) (UserInfo, error)
	// List lists local accounts, newest first; a query keeps those whose
	// username starts with it.
	List(query string, page storage.Page) (UserPage, error)
	// Check runs the consistency check over the whole file.
	Check() (CheckResult, error)
	// Backup writes a consistent copy of the database to w.
	Backup(w io.Writer) (int64, error)
}

// UserInfo is what an operator sees of an account (never its password
// hash, which stays in the server).
type UserInfo struct {
	ID                 storage.ID     `json:"id"`
	Username           string         `json:"username"`
	DisplayName        string         `json:"display_name,omitempty"`
	Role               storage.Role   `json:"role"`
	Status             storage.Status `json:"status"`
	Posts              int            `json:"posts"`
	CreatedAt          time.Time      `json:"created_at"`
	MustChangePassword bool           `json:"must_change_password,omitempty"`
}

// Info is what an operator sees of u.
func Info(u storage.User) UserInfo {
	return UserInfo{
		ID:                 u.ID,
		Username:           u.Username,
		DisplayName:        u.DisplayName,
		Role:               u.Role,
		Status:             u.AccountStatus(),
		Posts:              u.PostsCount,
		CreatedAt:          u.CreatedAt,
		MustChangePassword: u.MustChangePassword,
	}
}

// UserPage is one page of a user listing; Next is the cursor of the next
// page (0: none).
type UserPage struct {
	Users []UserInfo `json:"users"`
	Next  storage.ID `json:"next,omitempty"`
}

// CheckResult is a passed consistency check.
type CheckResult struct {
	Path          string `json:"path"`
	SchemaVersion uint64 `json:"schema_version"`
	Users         int    `json:"users"`
	Posts         int    `json:"posts"`
}

// Ops runs the operations on an open database.
type Ops struct {
	DB *storage.DB
	// PasswordCost is the bcrypt work factor; DefaultPasswordCost when 0.
	PasswordCost int
	// BaseURL is the public URL of the instance, for the canonical URI of
	// new accounts (as handlers build it). When empty, the URL the server
	// last started with (storage.DB.InstanceURL) is used; when that is
	// empty too, CreateUser fails rather than mint wrong URIs.
	BaseURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

var _, _ Operator = (*Ops)(nil), (*Client)(nil)

func (o *Ops) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Ops) hash(password string) (string, error) {
	if err := CheckPassword(password); err != nil {
		return "", err
	}
	cost := o.PasswordCost
	if cost == 0 {
		cost = DefaultPasswordCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// baseURL is the public URL new accounts get their URI from.
func (o *Ops) baseURL() (string, error) {
	base := o.BaseURL
	if base == "" {
		var err error
		if base, err = o.DB.InstanceURL(); err != nil {
			return "", err
		}
	}
	if base == "" {
		return "", fmt.Errorf("the public URL of the instance is unknown (the server never ran on this file): pass -url https://majlis.example (or set MAJLIS_URL): %w", storage.ErrInvalid)
	}
	return strings.TrimRight(base, "/"), nil
}

// CreateUser makes a local account, checked like a sign-up, with its
// canonical URI BaseURL/users/NAME as the web sign-up makes it.
func (o *Ops) CreateUser(username, displayName, password string, admin bool) (UserInfo, error) {
	displayName = strings.TrimSpace(displayName)
	if err := CheckUsername(username); err != nil {
		return UserInfo{}, err
	}
	if err := CheckDisplayName(displayName); err != nil {
		return UserInfo{}, err
	}
	if err := CheckPassword(password); err != nil {
		return UserInfo{}, err
	}
	if _, err := o.DB.LocalUser(username); err == nil {
		// Before the slow hash.
		return UserInfo{}, fmt.Errorf("user %q %w", username, storage.ErrExists)
	}
	base, err := o.baseURL()
	if err != nil {
		return UserInfo{}, err
	}
	hash, err := o.hash(password)
	if err != nil {
		return UserInfo{}, err
	}
	u := storage.User{
		Username:     username,
		DisplayName:  displayName,
		PasswordHash: hash,
		URI:          base + "/users/" + username,
		CreatedAt:    o.now().UTC(),
	}
	if admin {
		u.Role = storage.RoleAdmin
	}
	if err := o.DB.CreateUser(&u); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return UserInfo{}, fmt.Errorf("user %q %w", username, storage.ErrExists)
		}
		return UserInfo{}, err
	}
	return Info(u), nil
}

// user finds a local account by username, in any case.
func (o *Ops) user(username string) (storage.User, error) {
	u, err := o.DB.LocalUser(username)
	if errors.Is(err, storage.ErrNotFound) {
		return u, fmt.Errorf("user %q %w", username, storage.ErrNotFound)
	}
	return u, err
}

// change runs fn on the user's ID and returns the account as it is after.
func (o *Ops) change(username string, fn func(id storage.ID) error) (UserInfo, error) {
	u, err := o.user(username)
	if err != nil {
		return UserInfo{}, err
	}
	if err := fn(u.ID); err != nil {
		return UserInfo{}, err
	}
	u, err = o.DB.UserByID(u.ID)
	if err != nil {
		return UserInfo{}, err
	}
	return Info(u), nil
}

// SetPassword replaces a user's password and ends all the user's sessions;
// mustChange asks for a new one at the next login.
func (o *Ops) SetPassword(username, password string, mustChange bool) (UserInfo, error) {
	if _, err := o.user(username); err != nil {
		return UserInfo{}, err
	}
	hash, err := o.hash(password)
	if err != nil {
		return UserInfo{}, err
	}
	return o.change(username, func(id storage.ID) error { return o.DB.SetPassword(id, hash, mustChange) })
}

// SetRole gives a user another role.
func (o *Ops) SetRole(username string, role storage.Role) (UserInfo, error) {
	if !role.Valid() {
		return UserInfo{}, fmt.Errorf("role %q: use user, moderator or admin: %w", role, storage.ErrInvalid)
	}
	return o.change(username, func(id storage.ID) error { return o.DB.SetRole(id, role) })
}

// Suspend stops an account from logging in and ends its sessions at once.
func (o *Ops) Suspend(username string) (UserInfo, error) {
	return o.change(username, func(id storage.ID) error { return o.DB.SetStatus(id, storage.StatusSuspended) })
}

// ResetTwoFactor deletes the account's second factor (its authenticator
// secret and recovery codes): the password alone logs it in again.
func (o *Ops) ResetTwoFactor(username string) (UserInfo, error) {
	return o.change(username, o.DB.DeleteTwoFactor)
}

// Unsuspend makes a suspended account active again. An account that is
// not suspended is left as it is (a pending one is approved elsewhere).
func (o *Ops) Unsuspend(username string) (UserInfo, error) {
	return o.change(username, func(id storage.ID) error {
		u, err := o.DB.UserByID(id)
		if err != nil || u.AccountStatus() != storage.StatusSuspended {
			return err
		}
		return o.DB.SetStatus(id, storage.StatusActive)
	})
}

// List lists local accounts, newest first; a query keeps those whose
// username starts with it (in any case).
func (o *Ops) List(query string, page storage.Page) (UserPage, error) {
	l, err := o.DB.SearchUsers(query, page)
	if err != nil {
		return UserPage{}, err
	}
	p := UserPage{Users: make([]UserInfo, 0, len(l.Users)), Next: l.Next}
	for _, u := range l.Users {
		p.Users = append(p.Users, Info(u))
	}
	return p, nil
}

// Check runs the consistency check over the whole file and counts its
// accounts and posts.
func (o *Ops) Check() (CheckResult, error) {
	if err := o.DB.Check(); err != nil {
		return CheckResult{}, err
	}
	r := CheckResult{Path: o.DB.Path(), SchemaVersion: storage.SchemaVersion()}
	var err error
	if r.Users, err = o.DB.CountUsers(); err != nil {
		return r, err
	}
	if r.Posts, err = o.DB.CountPosts(); err != nil {
		return r, err
	}
	return r, nil
}

// Backup writes a consistent copy of the whole database to w while the
// database stays in use.
func (o *Ops) Backup(w io.Writer) (int64, error) { return o.DB.Backup(w) }
