package social

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/storage"
)

// Config is what the actions need to know about the instance.
type Config struct {
	// BaseURL is the public address of the instance without a trailing
	// slash; canonical URIs of accounts and posts are built from it.
	BaseURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Resolve finds an account of another server by "name@host",
	// fetching it when it is not known here (the federation resolver);
	// nil when the instance does not federate. A post that mentions
	// someone elsewhere asks it once before it is rendered.
	Resolve func(ctx context.Context, handle string) (storage.User, error)
	// LinksChanged is told, after a profile change saved links to new
	// addresses, whose links to check for a link back (federation's
	// LinkVerifier, in the background); nil when nothing checks them now
	// (the periodic check still will).
	LinksChanged func(userID storage.ID)
}

// Service performs member actions on one database.
type Service struct {
	db  *storage.DB
	cfg Config
	// filters caches members' compiled keyword filters, texts the text
	// of the posts they read (filters.go).
	filters filterCache
	texts   textCache
}

// New returns the actions on db.
func New(db *storage.DB, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Service{db: db, cfg: cfg}
}

// DB is the database the actions write to.
func (s *Service) DB() *storage.DB { return s.db }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// UserURI is the canonical URI of a local account.
func (s *Service) UserURI(username string) string { return s.cfg.BaseURL + "/users/" + username }

// PostURI is the canonical URI of a local post.
func (s *Service) PostURI(username string, id storage.ID) string {
	return s.cfg.BaseURL + "/@" + username + "/" + id.String()
}

// PostLimit is the longest post source, in characters, the instance's
// admins allow.
func (s *Service) PostLimit() int {
	st, _, err := s.db.InstanceSummary()
	if err != nil || st.PostChars <= 0 {
		return storage.DefaultPostChars
	}
	return st.PostChars
}

// Kind is the kind of a refusal; front doors map it to their status.
type Kind int

const (
	// Invalid input: a field is missing, too long or malformed (400).
	Invalid Kind = iota + 1
	// Forbidden: the member may not do this (403), e.g. a block stands
	// between them and the post or account.
	Forbidden
	// NotFound: the post or account does not exist for this member (404).
	NotFound
	// Conflict: the action contradicts the state (409), e.g. a second open
	// report on the same post.
	Conflict
	// TooLarge: the input is over a budget (413).
	TooLarge
)

// Error is a refusal of an action, with a message for people.
type Error struct {
	Kind Kind
	// Field names the input at fault ("body", "cw", "visibility" ...),
	// "" when the refusal is about the action as a whole.
	Field string
	// Message says why, in the language of the action's context.
	Message string
	// Err is the underlying cause, if any (a storage sentinel error).
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// refuse builds an *Error whose message is the catalog's key in the
// language of ctx.
func refuse(ctx context.Context, kind Kind, field, key string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Message: i18n.T(ctx, key, args...)}
}

// KindOf is the kind of err's refusal, 0 when err is not a refusal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}
