package storage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// RoleModerator may act on reports and on other members' posts, but not
// change the instance's settings or other members' roles.
const RoleModerator Role = "moderator"

// Valid tells whether r is a role this program knows.
func (r Role) Valid() bool {
	return r == RoleUser || r == RoleModerator || r == RoleAdmin
}

// CanModerate tells whether the user moderates the instance: moderators
// and admins do.
func (u User) CanModerate() bool { return u.Role == RoleModerator || u.Role == RoleAdmin }

// Status is where an account stands with the instance.
type Status string

// Statuses. A User with an empty Status is StatusActive.
const (
	// StatusActive accounts use the instance normally.
	StatusActive Status = "active"
	// StatusPending accounts signed up on an instance that approves new
	// members and wait for a moderator; they cannot log in yet.
	StatusPending Status = "pending"
	// StatusSilenced accounts can log in and read but their posts reach
	// only their followers.
	StatusSilenced Status = "silenced"
	// StatusSuspended accounts cannot log in; suspending one ends every
	// session it has.
	StatusSuspended Status = "suspended"
)

// Valid tells whether s is a status this program knows ("" is not: use
// StatusActive).
func (s Status) Valid() bool {
	return s == StatusActive || s == StatusPending || s == StatusSilenced || s == StatusSuspended
}

// CanLogIn tells whether an account with this status may start a session.
func (s Status) CanLogIn() bool { return s == "" || s == StatusActive || s == StatusSilenced }

// AccountStatus is the user's status, StatusActive when none is set.
func (u User) AccountStatus() Status {
	if u.Status == "" {
		return StatusActive
	}
	return u.Status
}

// CanLogIn tells whether the user may start a session: suspended and
// pending accounts may not.
func (u User) CanLogIn() bool { return u.Status.CanLogIn() }

// SetRole gives a user another role. Taking the role of admin from the
// last admin who can log in is ErrForbidden, so an instance always keeps
// someone to run it.
func (db *DB) SetRole(userID ID, role Role) error {
	if !role.Valid() {
		return fmt.Errorf("set role: role %q (want user, moderator or admin): %w", role, ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if u.Role == role {
			return nil
		}
		if u.Role == RoleAdmin && u.CanLogIn() && !otherAdmin(tx, userID) {
			return fmt.Errorf("%s is the only admin: make another account admin first: %w", u.Username, ErrForbidden)
		}
		u.Role = role
		return putUser(tx, &u)
	})
	if err != nil {
		return fmt.Errorf("set role: %w", err)
	}
	return nil
}

// SetStatus changes where an account stands. A status that cannot log in
// (suspended, pending) ends every session of the user in the same
// transaction, so the account is out at once. Suspending the last admin who
// can log in is ErrForbidden.
func (db *DB) SetStatus(userID ID, status Status) error {
	if !status.Valid() {
		return fmt.Errorf("set status: status %q: %w", status, ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if u.IsAdmin() && u.CanLogIn() && !status.CanLogIn() && !otherAdmin(tx, userID) {
			return fmt.Errorf("%s is the only admin: make another account admin first: %w", u.Username, ErrForbidden)
		}
		if !status.CanLogIn() {
			if _, err := revokeSessions(tx, userID); err != nil {
				return err
			}
		}
		if u.AccountStatus() == status {
			return nil
		}
		u.Status = status
		return putUser(tx, &u)
	})
	if err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	return nil
}

// SetPassword replaces a user's password hash and ends every session of
// the user in the same transaction. mustChange asks for a new password at
// the next login (for a password an operator handed out).
func (db *DB) SetPassword(userID ID, hash string, mustChange bool) error {
	if hash == "" {
		return fmt.Errorf("set password: empty hash: %w", ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := updateUser(tx, userID, func(u *User) {
			u.PasswordHash = hash
			u.MustChangePassword = mustChange
		}); err != nil {
			return err
		}
		_, err := revokeSessions(tx, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// revokeSessions deletes every session of a user in tx and returns how
// many were live records.
func revokeSessions(tx *bolt.Tx, userID ID) (int, error) {
	index := tx.Bucket(bucketUserSessions)
	prefix := idKey(userID)
	var keys [][]byte
	forPrefix(index, prefix, func(k, _ []byte) { keys = append(keys, bytes.Clone(k)) })
	n := 0
	for _, k := range keys {
		id := string(k[len(prefix):])
		if tx.Bucket(bucketSessions).Get([]byte(id)) != nil {
			n++
		}
		if err := deleteSession(tx, id); err != nil {
			return n, err
		}
		// An index entry whose session is gone goes too.
		if err := index.Delete(k); err != nil {
			return n, err
		}
	}
	// The apps the member authorized lose their tokens too: "log out
	// everywhere", a new password, a suspension and a deletion reach
	// every door.
	return n, revokeUserTokens(tx, userID)
}

// otherAdmin tells whether a local admin other than userID can log in.
func otherAdmin(tx *bolt.Tx, userID ID) bool {
	c := tx.Bucket(bucketUsers).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if keyID(k, 0) == userID {
			continue
		}
		var u struct {
			Domain string `json:"domain"`
			Role   Role   `json:"role"`
			Status Status `json:"status"`
		}
		if json.Unmarshal(v, &u) == nil && u.Domain == "" && u.Role == RoleAdmin && u.Status.CanLogIn() {
			return true
		}
	}
	return false
}

// ListUsers lists the local accounts, newest first.
func (db *DB) ListUsers(page Page) (UserList, error) {
	var l UserList
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketUsers).Cursor()
		for k, v := lastBefore(c, page.Before); k != nil; k, v = c.Prev() {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %d: decode: %w", keyID(k, 0), err)
			}
			if u.Domain != "" {
				continue
			}
			if len(l.Users) == limit {
				l.Next = l.Users[limit-1].ID
				break
			}
			l.Users = append(l.Users, u)
		}
		return nil
	})
	if err != nil {
		return UserList{}, fmt.Errorf("list users: %w", err)
	}
	return l, nil
}

// lastBefore places c on the last key before the ID before (the last key
// of all when before is 0).
func lastBefore(c *bolt.Cursor, before ID) ([]byte, []byte) {
	if before == 0 {
		return c.Last()
	}
	if k, _ := c.Seek(idKey(before)); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// SearchUsers lists the local accounts whose username starts with query
// (in any case), newest first, paged like ListUsers. It walks the usernames
// index from the prefix, so it costs O(matches); an empty query lists
// everyone.
func (db *DB) SearchUsers(query string, page Page) (UserList, error) {
	query = strings.ToLower(strings.TrimSpace(query))
	if query == "" {
		return db.ListUsers(page)
	}
	var l UserList
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var ids []ID
		prefix := []byte(query)
		forPrefix(tx.Bucket(bucketUsernames), prefix, func(k, v []byte) {
			// "name@domain" keys are remote accounts.
			if !bytes.ContainsRune(k, '@') && len(v) == 8 {
				ids = append(ids, keyID(v, 0))
			}
		})
		slices.SortFunc(ids, func(a, b ID) int { return cmp.Compare(b, a) })
		for _, id := range ids {
			if page.Before != 0 && id >= page.Before {
				continue
			}
			if len(l.Users) == limit {
				l.Next = l.Users[limit-1].ID
				break
			}
			u, err := getUser(tx, id)
			if err != nil {
				return err
			}
			l.Users = append(l.Users, u)
		}
		return nil
	})
	if err != nil {
		return UserList{}, fmt.Errorf("search users: %w", err)
	}
	return l, nil
}

// keyInstanceURL is the meta key of the public URL the server last ran
// with, so that commands run with the server stopped give new accounts the
// same canonical URIs.
var keyInstanceURL = []byte("instance_url")

// InstanceURL returns the public URL the server last started with, or ""
// when it never has.
func (db *DB) InstanceURL() (string, error) {
	var s string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		s = string(tx.Bucket(bucketMeta).Get(keyInstanceURL))
		return nil
	})
	return s, err
}

// SetInstanceURL records the public URL of the instance; the server calls
// it at start.
func (db *DB) SetInstanceURL(url string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if string(m.Get(keyInstanceURL)) == url {
			return nil
		}
		return m.Put(keyInstanceURL, []byte(url))
	})
	if err != nil {
		return fmt.Errorf("set instance url: %w", err)
	}
	return nil
}
