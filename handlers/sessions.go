package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"majlis/storage"
	"majlis/views"
)

const (
	sessionCookie = "majlis_session"
	flashCookie   = "majlis_flash"
	sessionMaxAge = 30 * 24 * time.Hour
	keyUserID     = "user_id"
)

// sessionStore is a gorilla/sessions store that keeps sessions in bbolt; the
// cookie carries only the signed and encrypted session ID, so the server can
// revoke a session at any time.
type sessionStore struct {
	db     *storage.DB
	codecs []securecookie.Codec
	now    func() time.Time
}

var _ sessions.Store = (*sessionStore)(nil)

func newSessionStore(db *storage.DB, hashKey, blockKey []byte, now func() time.Time) *sessionStore {
	sc := securecookie.New(hashKey, blockKey)
	sc.MaxAge(int(sessionMaxAge / time.Second))
	return &sessionStore{db: db, codecs: []securecookie.Codec{sc}, now: now}
}

// Get returns the session for name from the request's registry.
func (s *sessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or starts an empty one.
func (s *sessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = &sessions.Options{Path: "/", MaxAge: int(sessionMaxAge / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode}
	sess.IsNew = true
	id, ok := s.sessionID(r)
	if !ok {
		return sess, nil
	}
	stored, err := s.db.Session(id)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return sess, nil
		}
		return sess, err
	}
	sess.ID = id
	sess.IsNew = false
	sess.Values[keyUserID] = stored.UserID
	return sess, nil
}

// Save writes the session to bbolt and its ID to the cookie, or deletes
// both when MaxAge < 0.
func (s *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.db.DeleteSession(sess.ID); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	uid, _ := sess.Values[keyUserID].(storage.ID)
	if sess.ID == "" {
		sess.ID = randomToken()
	}
	now := s.now()
	err := s.db.SaveSession(storage.Session{
		ID: sess.ID, UserID: uid, CreatedAt: now, ExpiresAt: now.Add(sessionMaxAge), UserAgent: r.UserAgent(),
	})
	if err != nil {
		return err
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// sessionID reads the session ID from the cookie, checking its signature.
func (s *sessionStore) sessionID(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	var id string
	if err := securecookie.DecodeMulti(sessionCookie, c.Value, &id, s.codecs...); err != nil {
		return "", false
	}
	return id, true
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// startSession signs a user in on this browser.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, userID storage.ID) error {
	sess, err := h.sessions.New(r, sessionCookie)
	if err != nil {
		return err
	}
	// A fresh ID on every sign-in, so a session fixed before cannot be
	// reused; the session this browser had before ends, or it would live on
	// unseen (and count as another device in the settings).
	if sess.ID != "" {
		if err := h.db.DeleteSession(sess.ID); err != nil {
			return err
		}
	}
	sess.ID = ""
	sess.Values[keyUserID] = userID
	sess.Options.Secure = h.secure(r)
	return sess.Save(r, w)
}

// endSession signs this browser out.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) error {
	sess, err := h.sessions.New(r, sessionCookie)
	if err != nil {
		return err
	}
	sess.Options.MaxAge = -1
	sess.Options.Secure = h.secure(r)
	return sess.Save(r, w)
}

type flashKey struct{}

// setFlash leaves a one-time message for the next page.
func (h *Handler) setFlash(w http.ResponseWriter, r *http.Request, f views.Flash) {
	kind := "i"
	if f.Error {
		kind = "e"
	}
	v, err := h.flash.Encode(flashCookie, kind+f.Message)
	if err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

// withFlash moves a pending flash message from its cookie into the request
// context and clears the cookie.
func (h *Handler) withFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return r
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
	var v string
	if h.flash.Decode(flashCookie, c.Value, &v) != nil || v == "" {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), flashKey{}, views.Flash{Message: v[1:], Error: v[0] == 'e'}))
}
