package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Session is a signed-in browser. Keeping sessions here, not in the cookie,
// lets the server revoke them (log out, log out everywhere).
type Session struct {
	ID        string    `json:"id"`
	UserID    ID        `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UserAgent string    `json:"user_agent,omitempty"`
	// Values holds small per-session data (flash messages).
	Values map[string]string `json:"values,omitempty"`
}

const (
	// MaxSessionsPerUser is how many sessions an account keeps: a new one
	// beyond it ends the oldest, so logging in over and over cannot grow
	// the file without bound.
	MaxSessionsPerUser = 100
	// MaxUserAgentBytes is how much of a browser's User-Agent a session
	// keeps (valid UTF-8, cut at a character boundary).
	MaxUserAgentBytes = 256
)

// SaveSession creates or replaces a session. Its User-Agent is cut to
// MaxUserAgentBytes; a new session of an account that has
// MaxSessionsPerUser already ends the oldest of them, in the same
// transaction.
func (db *DB) SaveSession(s Session) error {
	if s.ID == "" || s.UserID == 0 {
		return fmt.Errorf("save session: id and user are required: %w", ErrInvalid)
	}
	s.UserAgent = truncateUTF8(s.UserAgent, MaxUserAgentBytes)
	v, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		sessions, index := tx.Bucket(bucketSessions), tx.Bucket(bucketUserSessions)
		old := sessions.Get([]byte(s.ID))
		// A session saved again for another user leaves the old user's
		// index, or the old user's DeleteUserSessions would end it.
		if old != nil {
			var o Session
			if json.Unmarshal(old, &o) == nil && o.UserID != s.UserID {
				if err := index.Delete(append(idKey(o.UserID), s.ID...)); err != nil {
					return err
				}
			}
		}
		if old == nil || index.Get(append(idKey(s.UserID), s.ID...)) == nil {
			if err := db.makeRoomForSession(tx, s.UserID); err != nil {
				return err
			}
		}
		if err := sessions.Put([]byte(s.ID), v); err != nil {
			return err
		}
		return index.Put(append(idKey(s.UserID), s.ID...), nil)
	})
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// Session returns a live session; an expired or unknown one is ErrNotFound.
func (db *DB) Session(id string) (Session, error) {
	var s Session
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		s, err = db.getSession(tx, id)
		return err
	})
	if err != nil {
		return Session{}, err
	}
	return s, nil
}

func (db *DB) getSession(tx *bolt.Tx, id string) (Session, error) {
	var s Session
	v := tx.Bucket(bucketSessions).Get([]byte(id))
	if v == nil {
		return s, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return s, fmt.Errorf("session: decode: %w", err)
	}
	if !s.ExpiresAt.After(db.now()) {
		return Session{}, fmt.Errorf("session expired: %w", ErrNotFound)
	}
	return s, nil
}

// SessionUser returns a live session and its user in one read, as every
// signed-in request needs both.
func (db *DB) SessionUser(id string) (Session, User, error) {
	var (
		s Session
		u User
	)
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		if s, err = db.getSession(tx, id); err != nil {
			return err
		}
		u, err = getUser(tx, s.UserID)
		return err
	})
	if err != nil {
		return Session{}, User{}, err
	}
	return s, u, nil
}

// DeleteSession ends one session. Deleting an unknown session is not an error.
func (db *DB) DeleteSession(id string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error { return deleteSession(tx, id) })
}

func deleteSession(tx *bolt.Tx, id string) error {
	sessions := tx.Bucket(bucketSessions)
	v := sessions.Get([]byte(id))
	if v == nil {
		return nil
	}
	// An undecodable record goes all the same (PruneSessions counts it as
	// expired); DeleteUserSessions drops its index entry, if any.
	var s Session
	if json.Unmarshal(v, &s) == nil {
		if err := tx.Bucket(bucketUserSessions).Delete(append(idKey(s.UserID), id...)); err != nil {
			return err
		}
	}
	return sessions.Delete([]byte(id))
}

// DeleteUserSessions ends every session of a user ("log out everywhere"),
// and revokes the tokens of the apps they authorized, and returns how many
// sessions there were.
func (db *DB) DeleteUserSessions(userID ID) (int, error) {
	var n int
	err := db.bolt.Update(func(tx *bolt.Tx) (err error) {
		n, err = revokeSessions(tx, userID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete sessions: %w", err)
	}
	return n, nil
}

// PruneSessions deletes sessions that expired before now.
func (db *DB) PruneSessions() (int, error) {
	now := db.now()
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var expired []string
		c := tx.Bucket(bucketSessions).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var s Session
			if json.Unmarshal(v, &s) != nil || !s.ExpiresAt.After(now) {
				expired = append(expired, string(k))
			}
		}
		for _, id := range expired {
			if err := deleteSession(tx, id); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}

// CountUserSessions counts the sessions a user has open.
func (db *DB) CountUserSessions(userID ID) (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketUserSessions).Cursor()
		prefix := idKey(userID)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// makeRoomForSession ends the oldest sessions of userID (expired ones
// first, then by creation) until one more fits under MaxSessionsPerUser.
// It reads the account's sessions, at most MaxSessionsPerUser of them.
func (db *DB) makeRoomForSession(tx *bolt.Tx, userID ID) error {
	type held struct {
		id      string
		created time.Time
		expired bool
	}
	var all []held
	now := db.now()
	sessions := tx.Bucket(bucketSessions)
	prefix := idKey(userID)
	c := tx.Bucket(bucketUserSessions).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		h := held{id: string(k[8:]), expired: true}
		var s Session
		if v := sessions.Get(k[8:]); v != nil && json.Unmarshal(v, &s) == nil {
			h.created, h.expired = s.CreatedAt, !s.ExpiresAt.After(now)
		}
		all = append(all, h)
	}
	if len(all) < MaxSessionsPerUser {
		return nil
	}
	slices.SortFunc(all, func(a, b held) int {
		switch {
		case a.expired != b.expired:
			if a.expired {
				return -1
			}
			return 1
		}
		return a.created.Compare(b.created)
	})
	for _, h := range all[:len(all)-MaxSessionsPerUser+1] {
		if err := deleteSession(tx, h.id); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUserSessions).Delete(append(idKey(userID), h.id...)); err != nil {
			return err
		}
	}
	return nil
}

// truncateUTF8 makes s valid UTF-8 (invalid bytes dropped) and cuts it to
// at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
