package storage

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The client API's OAuth 2 records. Secrets (client secrets,
// authorization codes, access tokens) are random strings handed out once;
// the file keeps only their SHA-256, so a copy of the file (a backup)
// logs nobody in.

// OAuthApp is an app registered with POST /api/v1/apps.
type OAuthApp struct {
	V            int       `json:"v"`
	ID           ID        `json:"id"`
	Name         string    `json:"name"`
	Website      string    `json:"website,omitempty"`
	RedirectURIs []string  `json:"redirect_uris"`
	Scopes       []string  `json:"scopes"`
	ClientID     string    `json:"client_id"`
	SecretHash   []byte    `json:"secret_hash"`
	CreatedAt    time.Time `json:"created_at"`
}

// OAuthCode is an authorization code waiting to be exchanged for a token.
type OAuthCode struct {
	AppID       ID       `json:"app"`
	UserID      ID       `json:"user"`
	Scopes      []string `json:"scopes"`
	RedirectURI string   `json:"redirect_uri"`
	// Challenge and ChallengeMethod are PKCE's (RFC 7636); empty when the
	// app sent none.
	Challenge       string    `json:"challenge,omitempty"`
	ChallengeMethod string    `json:"challenge_method,omitempty"`
	ExpiresAt       time.Time `json:"expires_at"`
}

// OAuthToken is an access token: a member's (UserID set) or an app's own
// (client credentials, UserID 0).
type OAuthToken struct {
	V          int       `json:"v"`
	ID         ID        `json:"id"`
	AppID      ID        `json:"app"`
	UserID     ID        `json:"user,omitempty"`
	Scopes     []string  `json:"scopes"`
	Hash       []byte    `json:"hash"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// CodeLifetime is how long an authorization code may wait.
const CodeLifetime = 10 * time.Minute

// tokenTouchEvery bounds how often using a token writes its LastUsedAt.
const tokenTouchEvery = time.Hour

// NewSecret returns a random URL-safe secret of 32 bytes.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func secretHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// CreateApp registers an app and returns its client secret, which is not
// kept (only its hash). app.ID and ClientID are filled in.
func (db *DB) CreateApp(app *OAuthApp) (secret string, err error) {
	if strings.TrimSpace(app.Name) == "" || len(app.RedirectURIs) == 0 {
		return "", fmt.Errorf("create app: name and redirect URIs are required: %w", ErrInvalid)
	}
	a := *app
	a.V, a.ID, a.ClientID = 1, db.NewID(), NewSecret()
	secret = NewSecret()
	a.SecretHash = secretHash(secret)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now().UTC()
	}
	v, err := json.Marshal(&a)
	if err != nil {
		return "", err
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketOAuthApps).Put(idKey(a.ID), v); err != nil {
			return err
		}
		return tx.Bucket(bucketOAuthClients).Put([]byte(a.ClientID), idKey(a.ID))
	})
	if err != nil {
		return "", fmt.Errorf("create app: %w", err)
	}
	*app = a
	return secret, nil
}

func getApp(tx *bolt.Tx, id ID) (OAuthApp, error) {
	var a OAuthApp
	v := tx.Bucket(bucketOAuthApps).Get(idKey(id))
	if v == nil {
		return a, fmt.Errorf("app %d: %w", id, ErrNotFound)
	}
	return a, json.Unmarshal(v, &a)
}

// AppByID returns a registered app.
func (db *DB) AppByID(id ID) (OAuthApp, error) {
	var a OAuthApp
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		a, err = getApp(tx, id)
		return err
	})
	return a, err
}

// AppByClientID returns the app with that client ID; ErrNotFound when
// there is none.
func (db *DB) AppByClientID(clientID string) (OAuthApp, error) {
	var a OAuthApp
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOAuthClients).Get([]byte(clientID))
		if v == nil {
			return fmt.Errorf("client %q: %w", clientID, ErrNotFound)
		}
		var err error
		a, err = getApp(tx, keyID(v, 0))
		return err
	})
	return a, err
}

// CheckSecret tells whether secret is the app's client secret.
func (a OAuthApp) CheckSecret(secret string) bool {
	return secret != "" && subtle.ConstantTimeCompare(secretHash(secret), a.SecretHash) == 1
}

// CreateCode keeps an authorization code for CodeLifetime and returns it.
func (db *DB) CreateCode(c OAuthCode) (string, error) {
	code := NewSecret()
	c.ExpiresAt = db.now().Add(CodeLifetime).UTC()
	v, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		// Expired codes nobody exchanged go as new ones come.
		b := tx.Bucket(bucketOAuthCodes)
		var stale [][]byte
		_ = b.ForEach(func(k, v []byte) error {
			var old OAuthCode
			if json.Unmarshal(v, &old) != nil || db.now().After(old.ExpiresAt) {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put(secretHash(code), v)
	})
	if err != nil {
		return "", fmt.Errorf("create code: %w", err)
	}
	return code, nil
}

// TakeCode returns an authorization code and deletes it: a code is used
// once. ErrNotFound when it is unknown, used or expired.
func (db *DB) TakeCode(code string) (OAuthCode, error) {
	var c OAuthCode
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOAuthCodes)
		k := secretHash(code)
		v := b.Get(k)
		if v == nil {
			return fmt.Errorf("code: %w", ErrNotFound)
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		if err := b.Delete(k); err != nil {
			return err
		}
		if db.now().After(c.ExpiresAt) {
			return fmt.Errorf("code expired: %w", ErrNotFound)
		}
		return nil
	})
	return c, err
}

// CreateToken makes an access token and returns it; t is filled in. A
// member's token needs the member to exist and to be able to log in.
func (db *DB) CreateToken(t *OAuthToken) (string, error) {
	secret := NewSecret()
	tok := *t
	tok.V, tok.ID, tok.Hash = 1, db.NewID(), secretHash(secret)
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = db.now().UTC()
	}
	v, err := json.Marshal(&tok)
	if err != nil {
		return "", err
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, tok.AppID); err != nil {
			return err
		}
		if tok.UserID != 0 {
			u, err := getUser(tx, tok.UserID)
			if err != nil {
				return err
			}
			if u.Domain != "" || !u.CanLogIn() {
				return fmt.Errorf("token for %s: %w", u.Username, ErrForbidden)
			}
			if err := tx.Bucket(bucketUserTokens).Put(pairKey(tok.UserID, tok.ID), tok.Hash); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketOAuthTokens).Put(tok.Hash, v)
	})
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	*t = tok
	return secret, nil
}

// TokenFor returns the token with that secret and, for a member's token,
// the member; ErrNotFound when the token is unknown or revoked, and when
// its member can no longer log in. Using a token records when, at most
// once an hour.
func (db *DB) TokenFor(secret string) (OAuthToken, User, error) {
	var t OAuthToken
	var u User
	touch := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOAuthTokens).Get(secretHash(secret))
		if v == nil {
			return fmt.Errorf("token: %w", ErrNotFound)
		}
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		if t.UserID != 0 {
			var err error
			if u, err = getUser(tx, t.UserID); err != nil {
				return err
			}
			if !u.CanLogIn() {
				return fmt.Errorf("token of %s: %w", u.Username, ErrNotFound)
			}
		}
		touch = db.now().Sub(t.LastUsedAt) > tokenTouchEvery
		return nil
	})
	if err != nil {
		return t, u, err
	}
	if touch {
		now := db.now().UTC()
		_ = db.bolt.Batch(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketOAuthTokens)
			v := b.Get(t.Hash)
			if v == nil {
				return nil
			}
			var cur OAuthToken
			if json.Unmarshal(v, &cur) != nil {
				return nil
			}
			cur.LastUsedAt = now
			nv, err := json.Marshal(&cur)
			if err != nil {
				return err
			}
			return b.Put(t.Hash, nv)
		})
		t.LastUsedAt = now
	}
	return t, u, nil
}

// RevokeToken revokes the token with that secret (RFC 7009: revoking an
// unknown token is not an error). With clientApp set, only a token of
// that app is revoked.
func (db *DB) RevokeToken(secret string, clientApp ID) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOAuthTokens).Get(secretHash(secret))
		if v == nil {
			return nil
		}
		var t OAuthToken
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		if clientApp != 0 && t.AppID != clientApp {
			return nil
		}
		return deleteToken(tx, &t)
	})
}

func deleteToken(tx *bolt.Tx, t *OAuthToken) error {
	if t.UserID != 0 {
		if err := tx.Bucket(bucketUserTokens).Delete(pairKey(t.UserID, t.ID)); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketOAuthTokens).Delete(t.Hash)
}

// AuthorizedApp is one app a member authorized, for Settings: its
// tokens taken together.
type AuthorizedApp struct {
	App        OAuthApp
	Scopes     []string
	Tokens     int
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// AuthorizedApps lists the apps holding tokens of a member, most recently
// used first.
func (db *DB) AuthorizedApps(userID ID) ([]AuthorizedApp, error) {
	var out []AuthorizedApp
	err := db.bolt.View(func(tx *bolt.Tx) error {
		byApp := map[ID]*AuthorizedApp{}
		var order []ID
		for _, t := range userTokens(tx, userID) {
			a := byApp[t.AppID]
			if a == nil {
				app, err := getApp(tx, t.AppID)
				if err != nil {
					continue
				}
				a = &AuthorizedApp{App: app, CreatedAt: t.CreatedAt}
				byApp[t.AppID] = a
				order = append(order, t.AppID)
			}
			a.Tokens++
			for _, s := range t.Scopes {
				if !slices.Contains(a.Scopes, s) {
					a.Scopes = append(a.Scopes, s)
				}
			}
			if t.CreatedAt.Before(a.CreatedAt) {
				a.CreatedAt = t.CreatedAt
			}
			if t.LastUsedAt.After(a.LastUsedAt) {
				a.LastUsedAt = t.LastUsedAt
			}
		}
		for _, id := range order {
			out = append(out, *byApp[id])
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b AuthorizedApp) int { return b.LastUsedAt.Compare(a.LastUsedAt) })
	return out, err
}

// RevokeApp revokes every token a member gave an app; ErrNotFound when
// there was none.
func (db *DB) RevokeApp(userID, appID ID) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		n := 0
		for _, t := range userTokens(tx, userID) {
			if t.AppID == appID {
				if err := deleteToken(tx, &t); err != nil {
					return err
				}
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("app %d of user %d: %w", appID, userID, ErrNotFound)
		}
		return nil
	})
}

func userTokens(tx *bolt.Tx, userID ID) []OAuthToken {
	var out []OAuthToken
	forPrefix(tx.Bucket(bucketUserTokens), idKey(userID), func(_, h []byte) {
		var t OAuthToken
		if v := tx.Bucket(bucketOAuthTokens).Get(h); v != nil && json.Unmarshal(v, &t) == nil {
			out = append(out, t)
		}
	})
	return out
}

// revokeUserTokens revokes every token of a member, in tx.
func revokeUserTokens(tx *bolt.Tx, userID ID) error {
	for _, t := range userTokens(tx, userID) {
		if err := deleteToken(tx, &t); err != nil {
			return err
		}
	}
	// Entries whose token is already gone go too.
	var keys [][]byte
	forPrefix(tx.Bucket(bucketUserTokens), idKey(userID), func(k, _ []byte) { keys = append(keys, bytes.Clone(k)) })
	for _, k := range keys {
		if err := tx.Bucket(bucketUserTokens).Delete(k); err != nil {
			return err
		}
	}
	return nil
}
