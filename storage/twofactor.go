package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TwoFactor is a member's second factor for logging in: an authenticator
// app's secret (TOTP) with its one-time recovery codes. It lives in its
// own bucket, never in the User record, so that no page, export or cache
// of accounts ever carries a secret.
type TwoFactor struct {
	V int `json:"v"`
	// TOTPSecret is the base32 secret of the authenticator app; empty
	// when none is set up.
	TOTPSecret string `json:"totp_secret,omitempty"`
	// PendingSecret is a secret shown to the member but not confirmed by
	// a code yet; it replaces nothing until it is.
	PendingSecret string    `json:"pending_secret,omitempty"`
	PendingAt     time.Time `json:"pending_at,omitzero"`
	// RecoveryCodes are the SHA-256 (hex) of the unused one-time recovery
	// codes; a used one is removed in the transaction that accepts it.
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
	// LastStep is the last TOTP time step accepted, so that a code seen
	// over a shoulder cannot be used a second time.
	LastStep  int64     `json:"last_step,omitempty"`
	EnabledAt time.Time `json:"enabled_at,omitzero"`
	// Passkeys are the member's WebAuthn credentials.
	Passkeys []Passkey `json:"passkeys,omitempty"`
}

// MaxPasskeys bounds the passkeys of one account.
const MaxPasskeys = 10

// Passkey is one WebAuthn credential. Credential is the verifying
// library's record of it, kept as it encodes it (storage does not read
// it); ID is its credential ID.
type Passkey struct {
	ID         []byte    `json:"id"`
	Name       string    `json:"name"`
	Credential []byte    `json:"credential"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Enabled tells whether the login asks for a second factor: an
// authenticator app's code, or a passkey.
func (t TwoFactor) Enabled() bool { return t.TOTPSecret != "" || len(t.Passkeys) > 0 }

// empty tells whether nothing is left worth keeping.
func (t TwoFactor) empty() bool {
	return t.TOTPSecret == "" && t.PendingSecret == "" && len(t.RecoveryCodes) == 0 && len(t.Passkeys) == 0
}

// TwoFactor returns the member's second factor; ErrNotFound when none was
// ever set up.
func (db *DB) TwoFactor(userID ID) (TwoFactor, error) {
	var t TwoFactor
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTwoFactor).Get(idKey(userID))
		if v == nil {
			return fmt.Errorf("two-factor of user %d: %w", userID, ErrNotFound)
		}
		return json.Unmarshal(v, &t)
	})
	return t, err
}

// UpdateTwoFactor reads the member's second factor (the zero value when
// none), lets fn change it and writes it back, in one transaction; an
// error from fn writes nothing and is returned as it is. A record left
// with nothing in it is deleted. Only a local account may have one.
func (db *DB) UpdateTwoFactor(userID ID, fn func(*TwoFactor) error) (TwoFactor, error) {
	var t TwoFactor
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if !u.IsLocal() {
			return fmt.Errorf("two-factor of a remote account: %w", ErrInvalid)
		}
		b := tx.Bucket(bucketTwoFactor)
		t = TwoFactor{}
		if v := b.Get(idKey(userID)); v != nil {
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("two-factor of user %d: decode: %w", userID, err)
			}
		}
		if err := fn(&t); err != nil {
			return err
		}
		if t.empty() {
			return b.Delete(idKey(userID))
		}
		t.V = 1
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return b.Put(idKey(userID), v)
	})
	return t, err
}

// DeleteTwoFactor removes the member's second factor (an operator's
// reset, or the member turning it off); none is no error.
func (db *DB) DeleteTwoFactor(userID ID) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, userID); err != nil {
			return err
		}
		return tx.Bucket(bucketTwoFactor).Delete(idKey(userID))
	})
}

// deleteTwoFactor is the account deletion's part: the secrets go with it.
func deleteTwoFactor(tx *bolt.Tx, userID ID) error {
	return tx.Bucket(bucketTwoFactor).Delete(idKey(userID))
}

// The certificate cache (a built-in HTTPS server's ACME account key and
// certificates) lives in the file too, so the instance stays one file to
// back up.

// CertCacheGet returns the cached entry named key; ErrNotFound when none.
func (db *DB) CertCacheGet(key string) ([]byte, error) {
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCertCache).Get([]byte(key))
		if v == nil {
			return fmt.Errorf("certificate cache %q: %w", key, ErrNotFound)
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, err
}

// CertCachePut stores data under key, replacing what was there.
func (db *DB) CertCachePut(key string, data []byte) error {
	if key == "" {
		return fmt.Errorf("certificate cache: empty key: %w", ErrInvalid)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCertCache).Put([]byte(key), data)
	})
}

// CertCacheDelete removes key; a missing key is no error.
func (db *DB) CertCacheDelete(key string) error {
	if key == "" {
		return nil
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCertCache).Delete([]byte(key))
	})
}
