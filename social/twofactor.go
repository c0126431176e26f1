package social

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"majlis/storage"
)

// Two-factor login: an authenticator app's time-based codes (TOTP, RFC
// 6238: six digits, 30 seconds, SHA-1, as every app reads them) and one-time
// recovery codes for the day the phone is lost.

// ErrWrongCode is a second-factor code that does not match (or was used
// already).
var ErrWrongCode = errors.New("wrong code")

// RecoveryCodeCount is how many recovery codes a member gets at a time.
const RecoveryCodeCount = 10

// totpPeriod is the life of one TOTP code; totpSkew steps either side
// are accepted too, for clocks that drift and codes typed slowly.
const (
	totpPeriod = 30
	totpSkew   = 1
	// pendingTOTPLife is how long a secret shown for setting up waits for
	// its first code.
	pendingTOTPLife = time.Hour
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPKey is the otpauth key of a secret, for the QR code and the URI the
// setup page shows: issuer is the instance's name, account the member's
// address.
func TOTPKey(secret, issuer, account string) (*otp.Key, error) {
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("totp secret: %w", err)
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Secret: raw})
}

// StartTOTP makes a new secret for the member's authenticator app and
// keeps it pending until a code from the app confirms it (ConfirmTOTP); a
// secret already in use stays in force meanwhile.
func (s *Service) StartTOTP(userID storage.ID) (string, error) {
	raw := make([]byte, 20)
	rand.Read(raw)
	secret := b32.EncodeToString(raw)
	_, err := s.db.UpdateTwoFactor(userID, func(t *storage.TwoFactor) error {
		t.PendingSecret, t.PendingAt = secret, s.cfg.Now()
		return nil
	})
	return secret, err
}

// PendingTOTP is the secret being set up; ErrNotFound when none is (or it
// waited too long).
func (s *Service) PendingTOTP(userID storage.ID) (string, error) {
	t, err := s.db.TwoFactor(userID)
	if err != nil {
		return "", err
	}
	if t.PendingSecret == "" || s.cfg.Now().Sub(t.PendingAt) > pendingTOTPLife {
		return "", fmt.Errorf("no secret being set up: %w", storage.ErrNotFound)
	}
	return t.PendingSecret, nil
}

// ConfirmTOTP checks a code of the pending secret and puts it in force,
// with a new set of recovery codes, returned once in clear (only their
// hashes are kept). A wrong code is ErrWrongCode and changes nothing.
func (s *Service) ConfirmTOTP(userID storage.ID, code string) ([]string, error) {
	codes, hashes := newRecoveryCodes()
	now := s.cfg.Now()
	_, err := s.db.UpdateTwoFactor(userID, func(t *storage.TwoFactor) error {
		if t.PendingSecret == "" || now.Sub(t.PendingAt) > pendingTOTPLife {
			return fmt.Errorf("no secret being set up: %w", storage.ErrNotFound)
		}
		step, ok := matchTOTP(t.PendingSecret, code, 0, now)
		if !ok {
			return ErrWrongCode
		}
		t.TOTPSecret, t.LastStep, t.EnabledAt = t.PendingSecret, step, now
		t.PendingSecret, t.PendingAt = "", time.Time{}
		t.RecoveryCodes = hashes
		return nil
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// NewRecoveryCodes replaces the member's recovery codes with a new set,
// returned once in clear; the old ones stop working.
func (s *Service) NewRecoveryCodes(userID storage.ID) ([]string, error) {
	codes, hashes := newRecoveryCodes()
	_, err := s.db.UpdateTwoFactor(userID, func(t *storage.TwoFactor) error {
		if !t.Enabled() {
			return fmt.Errorf("two-factor is off: %w", storage.ErrNotFound)
		}
		t.RecoveryCodes = hashes
		return nil
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTwoFactor turns the second factor off: the secret and the
// recovery codes are deleted.
func (s *Service) DisableTwoFactor(userID storage.ID) error {
	return s.db.DeleteTwoFactor(userID)
}

// HasTwoFactor tells whether the member's login asks for a second factor.
func (s *Service) HasTwoFactor(userID storage.ID) (bool, error) {
	t, err := s.db.TwoFactor(userID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return t.Enabled(), err
}

// CheckSecondFactor checks the login's second step: a code of the
// authenticator app (not one accepted before) or one of the recovery
// codes, which is then used up. recovery tells which it was, and left
// how many recovery codes remain. A wrong code is ErrWrongCode.
func (s *Service) CheckSecondFactor(userID storage.ID, code string) (recovery bool, left int, err error) {
	now := s.cfg.Now()
	_, err = s.db.UpdateTwoFactor(userID, func(t *storage.TwoFactor) error {
		if !t.Enabled() {
			return ErrWrongCode
		}
		if t.TOTPSecret == "" {
			// Passkeys only: no code to type, but the recovery codes.
		} else if step, ok := matchTOTP(t.TOTPSecret, code, t.LastStep, now); ok {
			t.LastStep = step
			return nil
		}
		if i := matchRecovery(t.RecoveryCodes, code); i >= 0 {
			t.RecoveryCodes = slices.Delete(t.RecoveryCodes, i, i+1)
			recovery = true
			return nil
		}
		return ErrWrongCode
	})
	if err == nil && recovery {
		t, _ := s.db.TwoFactor(userID)
		left = len(t.RecoveryCodes)
	}
	return recovery, left, err
}

// matchTOTP finds the time step, after lastStep and within the skew of
// now, whose code is code.
func matchTOTP(secret, code string, lastStep int64, now time.Time) (int64, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != 6 {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		s := step + d
		if s <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode is the code of secret at t, as an authenticator app shows it
// (for tests and tools).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// newRecoveryCodes makes RecoveryCodeCount codes of 80 random bits each,
// written as four groups of four letters and digits, and their hashes. A
// fast hash is enough: the codes are random, not chosen by a person.
func newRecoveryCodes() (codes, hashes []string) {
	enc := base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)
	for range RecoveryCodeCount {
		raw := make([]byte, 10)
		rand.Read(raw)
		c := enc.EncodeToString(raw) // 16 characters
		codes = append(codes, c[0:4]+"-"+c[4:8]+"-"+c[8:12]+"-"+c[12:16])
		hashes = append(hashes, hashRecovery(c))
	}
	return codes, hashes
}

// normalRecovery is a recovery code as typed, without its dashes and
// spaces, in lower case.
func normalRecovery(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}

func hashRecovery(code string) string {
	sum := sha256.Sum256([]byte(normalRecovery(code)))
	return hex.EncodeToString(sum[:])
}

// matchRecovery is the index of code's hash in hashes, -1 when none.
func matchRecovery(hashes []string, code string) int {
	if len(normalRecovery(code)) != 16 {
		return -1
	}
	h := []byte(hashRecovery(code))
	found := -1
	for i, want := range hashes {
		if subtle.ConstantTimeCompare(h, []byte(want)) == 1 {
			found = i
		}
	}
	return found
}
