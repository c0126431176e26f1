package storage

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Why an invitation cannot be used. Both are ErrForbidden to errors.Is;
// an unknown code is ErrNotFound.
var (
	ErrInviteExpired = fmt.Errorf("invitation expired: %w", ErrForbidden)
	ErrInviteUsedUp  = fmt.Errorf("invitation used up: %w", ErrForbidden)
)

// Invite is an invitation link: whoever has its code may sign up while it
// has not expired nor been used up.
type Invite struct {
	Code      string    `json:"code"`
	CreatedBy ID        `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is zero for an invitation that never expires.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// MaxUses is how many accounts it may create, 0 for any number.
	MaxUses int `json:"max_uses,omitempty"`
	Uses    int `json:"uses"`
}

// Usable tells whether the invitation admits one more account at now:
// nil, ErrInviteExpired or ErrInviteUsedUp.
func (i Invite) Usable(now time.Time) error {
	switch {
	case !i.ExpiresAt.IsZero() && !now.Before(i.ExpiresAt):
		return ErrInviteExpired
	case i.MaxUses > 0 && i.Uses >= i.MaxUses:
		return ErrInviteUsedUp
	}
	return nil
}

// validInviteCode: the codes CreateInvite makes are 26 characters of
// base32; anything else is not looked up.
func validInviteCode(code string) bool {
	if len(code) < 16 || len(code) > 64 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// CreateInvite makes an invitation by creator (who must exist), with a
// random code of 128 bits. expiresAt zero never expires; maxUses 0 is
// unlimited.
func (db *DB) CreateInvite(creatorID ID, expiresAt time.Time, maxUses int, now time.Time) (Invite, error) {
	if maxUses < 0 {
		return Invite{}, fmt.Errorf("create invite: uses %d: %w", maxUses, ErrInvalid)
	}
	inv := Invite{Code: rand.Text(), CreatedBy: creatorID, CreatedAt: now.UTC(), MaxUses: maxUses}
	if !expiresAt.IsZero() {
		inv.ExpiresAt = expiresAt.UTC()
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, creatorID); err != nil {
			return err
		}
		if tx.Bucket(bucketInvites).Get([]byte(inv.Code)) != nil {
			return fmt.Errorf("code: %w", ErrExists)
		}
		if err := putInvite(tx, inv); err != nil {
			return err
		}
		return tx.Bucket(bucketUserInvites).Put(userInviteKey(creatorID, inv.Code), nil)
	})
	if err != nil {
		return Invite{}, fmt.Errorf("create invite: %w", err)
	}
	return inv, nil
}

func userInviteKey(creatorID ID, code string) []byte {
	return append(idKey(creatorID), code...)
}

func putInvite(tx *bolt.Tx, inv Invite) error {
	v, err := json.Marshal(&inv)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketInvites).Put([]byte(inv.Code), v)
}

func getInvite(tx *bolt.Tx, code string) (Invite, error) {
	var inv Invite
	if !validInviteCode(code) {
		return inv, fmt.Errorf("invite: %w", ErrNotFound)
	}
	v := tx.Bucket(bucketInvites).Get([]byte(code))
	if v == nil {
		return inv, fmt.Errorf("invite: %w", ErrNotFound)
	}
	if err := json.Unmarshal(v, &inv); err != nil {
		return inv, fmt.Errorf("invite: decode: %w", err)
	}
	return inv, nil
}

// InviteByCode returns an invitation, used up or expired or not
// (ErrNotFound for an unknown code).
func (db *DB) InviteByCode(code string) (Invite, error) {
	var inv Invite
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		inv, err = getInvite(tx, code)
		return err
	})
	return inv, err
}

// InvitesBy lists the invitations a member made, newest first.
func (db *DB) InvitesBy(creatorID ID) ([]Invite, error) {
	var out []Invite
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		forPrefix(tx.Bucket(bucketUserInvites), idKey(creatorID), func(k, _ []byte) {
			if err != nil {
				return
			}
			var inv Invite
			inv, err = getInvite(tx, string(k[8:]))
			if errors.Is(err, ErrNotFound) {
				err = nil
				return
			}
			out = append(out, inv)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("invites by %d: %w", creatorID, err)
	}
	slices.SortFunc(out, func(a, b Invite) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// DeleteInvite withdraws an invitation: its link stops working.
func (db *DB) DeleteInvite(code string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		inv, err := getInvite(tx, code)
		if err != nil {
			return err
		}
		return deleteInvite(tx, inv)
	})
	if err != nil {
		return fmt.Errorf("delete invite: %w", err)
	}
	return nil
}

func deleteInvite(tx *bolt.Tx, inv Invite) error {
	if err := tx.Bucket(bucketInvites).Delete([]byte(inv.Code)); err != nil {
		return err
	}
	return tx.Bucket(bucketUserInvites).Delete(userInviteKey(inv.CreatedBy, inv.Code))
}

// MaxApplication is the longest "why I want to join", in characters.
const MaxApplication = 1000

// Application is what a newcomer wrote when signing up on an instance that
// approves its members.
type Application struct {
	UserID    ID        `json:"user"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// Registration is how a newcomer signs up (see Register).
type Registration struct {
	// Invite is the code of the invitation the newcomer came with, "" for
	// none.
	Invite string
	// Approval: the instance approves its members. Without an invitation
	// the account is created pending, with Reason as its application.
	Approval bool
	Reason   string
	// Now dates the account and decides whether the invitation expired.
	Now time.Time
}

// Register creates a local account through sign-up, in one transaction:
// it checks and uses up one use of the invitation, and files the
// application of a pending account. The instance's first account is
// always created, active, as its admin: the invitation and approval do
// not apply to it. Otherwise an invitation (when given) must exist
// (ErrNotFound) and be usable (ErrInviteExpired, ErrInviteUsedUp); it
// admits the account at once, also where newcomers need approval. The
// username must be free (ErrExists), as for CreateUser, whose checks this
// repeats: u.Status says, on return, whether the account is pending.
func (db *DB) Register(u *User, reg Registration) error {
	if u.Username == "" || u.URI == "" || u.Domain != "" {
		return fmt.Errorf("register: a local username and uri are required: %w", ErrInvalid)
	}
	if strings.Contains(u.Username, "@") {
		return fmt.Errorf("register: username %q contains @: %w", u.Username, ErrInvalid)
	}
	if utf8.RuneCountInString(reg.Reason) > MaxApplication {
		return fmt.Errorf("register: application longer than %d characters: %w", MaxApplication, ErrInvalid)
	}
	if reg.Now.IsZero() {
		reg.Now = db.now()
	}
	if u.ID == 0 {
		u.ID = db.NewID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = reg.Now.UTC()
	}
	in := *u
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		nu := in
		nu.V, nu.Role, nu.Status = userVersion, RoleUser, StatusActive
		names := tx.Bucket(bucketUsernames)
		key := usernameKey(nu.Username, "")
		if names.Get(key) != nil {
			return fmt.Errorf("username %q: %w", nu.Username, ErrExists)
		}
		if tx.Bucket(bucketUsers).Get(idKey(nu.ID)) != nil {
			return fmt.Errorf("user %d: %w", nu.ID, ErrExists)
		}
		switch {
		case !hasLocalUser(tx):
			nu.Role = RoleAdmin
		case reg.Invite != "":
			inv, err := getInvite(tx, reg.Invite)
			if err != nil {
				return err
			}
			if err := inv.Usable(reg.Now); err != nil {
				return err
			}
			inv.Uses++
			if err := putInvite(tx, inv); err != nil {
				return err
			}
		case reg.Approval:
			nu.Status = StatusPending
			app := Application{UserID: nu.ID, Reason: reg.Reason, CreatedAt: nu.CreatedAt}
			v, err := json.Marshal(&app)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketApplications).Put(idKey(nu.ID), v); err != nil {
				return err
			}
		}
		if err := names.Put(key, idKey(nu.ID)); err != nil {
			return err
		}
		if err := putUser(tx, &nu); err != nil {
			return err
		}
		if nu.Status == StatusPending {
			// The account's ID is the notification's (unique, and dated).
			if err := notifyStaff(tx, NoteApplication, nu.ID, nu.ID, nu.ID); err != nil { // staffnotes.go
				return err
			}
		}
		*u = nu
		return nil
	})
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	return nil
}

// ApplicationEntry is an application with its account.
type ApplicationEntry struct {
	Application
	User User
}

// ApplicationPage is one page of the approval queue; Next is the after of
// the next page (0: none).
type ApplicationPage struct {
	Applications []ApplicationEntry
	Next         ID
}

// Applications is the approval queue: the pending accounts' applications,
// oldest first, from the one after the account after (0: from the first).
func (db *DB) Applications(after ID, limit int) (ApplicationPage, error) {
	var ap ApplicationPage
	limit = Page{Limit: limit}.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketApplications).Cursor()
		for k, v := c.Seek(idKey(after + 1)); k != nil; k, v = c.Next() {
			if len(ap.Applications) == limit {
				ap.Next = ap.Applications[limit-1].UserID
				break
			}
			var a Application
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("application %d: decode: %w", keyID(k, 0), err)
			}
			u, err := getUser(tx, a.UserID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			ap.Applications = append(ap.Applications, ApplicationEntry{Application: a, User: u})
		}
		return nil
	})
	if err != nil {
		return ApplicationPage{}, fmt.Errorf("applications: %w", err)
	}
	return ap, nil
}

// ApplicationOf returns the application of a pending account.
func (db *DB) ApplicationOf(userID ID) (Application, error) {
	var a Application
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketApplications).Get(idKey(userID))
		if v == nil {
			return fmt.Errorf("application of %d: %w", userID, ErrNotFound)
		}
		return json.Unmarshal(v, &a)
	})
	return a, err
}

// CountApplications counts the approval queue, up to max.
func (db *DB) CountApplications(max int) (int, error) {
	return db.countKeys(bucketApplications, max)
}

// reservedName is the usernames value of a deleted account's name: eight
// zero bytes (user 0, who never exists, so lookups find no one) and a
// word, so that it is not eight bytes long (SearchUsers skips it).
const reservedName = "\x00\x00\x00\x00\x00\x00\x00\x00reserved"

// isReservedName tells whether a usernames value is reservedName.
func isReservedName(v []byte) bool { return string(v) == reservedName }
