package social

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"majlis/storage"
)

// Passkeys (WebAuthn): the ceremonies are the web door's (they need the
// browser's requests); here are the records they leave.

// maxPasskeyName is the longest name of a passkey, in characters.
const maxPasskeyName = 60

// Passkeys are the member's passkeys.
func (s *Service) Passkeys(userID storage.ID) ([]storage.Passkey, error) {
	t, err := s.db.TwoFactor(userID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return t.Passkeys, err
}

// AddPasskey keeps a new passkey, named by the member (a default name
// when empty).
func (s *Service) AddPasskey(ctx context.Context, userID storage.ID, id []byte, name string, credential []byte) error {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if utf8.RuneCountInString(name) > maxPasskeyName {
		name = string([]rune(name)[:maxPasskeyName])
	}
	_, err := s.db.UpdateTwoFactor(userID, func(t *storage.TwoFactor) error {
		if len(t.Passkeys) >= storage.MaxPasskeys {
			return refuse(ctx, Invalid, "passkey", "passkey.too_many", "n", storage.MaxPasskeys)
		}
		if slices.ContainsFunc(t.Passkeys, func(p storage.Passkey) bool { return bytes.Equal(p.ID, id) }) {
			return refuse(ctx, Conflict, "passkey", "passkey.exists")
		}
		now := s.cfg.Now()
		t.Passkeys = append(t.Passkeys, storage.Passkey{ID: id, Name: name, Credential: credential, CreatedAt: now})
		if t.EnabledAt.IsZero() {
			t.EnabledAt = now
		}
		return nil
	})
	return err
}

// UsedPasskey records a login with the passkey id: the library's updated
// record (its signature counter) and when.
func (s *Service) UsedPasskey(userID storage.ID, id, credential []byte) error {
	_, err := s.db.UpdateTwoFactor(userID, func(t *storage.TwoFactor) error {
		for i := range t.Passkeys {
			if bytes.Equal(t.Passkeys[i].ID, id) {
				t.Passkeys[i].Credential, t.Passkeys[i].LastUsedAt = credential, s.cfg.Now()
				return nil
			}
		}
		return storage.ErrNotFound
	})
	return err
}

// RemovePasskey deletes the member's i-th passkey (as Passkeys lists
// them); NotFound when there is none.
func (s *Service) RemovePasskey(ctx context.Context, userID storage.ID, i int) error {
	_, err := s.db.UpdateTwoFactor(userID, func(t *storage.TwoFactor) error {
		if i < 0 || i >= len(t.Passkeys) {
			return refuse(ctx, NotFound, "passkey", "passkey.not_found")
		}
		t.Passkeys = slices.Delete(t.Passkeys, i, i+1)
		return nil
	})
	return err
}
