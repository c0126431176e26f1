package storage

import "errors"

// Sentinel errors. Callers test them with errors.Is; storage wraps them with
// context using %w.
var (
	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists means a unique value (a username, a follow) is already taken.
	ErrExists = errors.New("already exists")
	// ErrInvalid means the caller passed a value storage refuses to keep.
	ErrInvalid = errors.New("invalid value")
	// ErrNewerSchema means the file was written by a newer majlis than this one.
	ErrNewerSchema = errors.New("database schema is newer than this program")
	// ErrForbidden means the action is not allowed between these accounts
	// or on this post (a block, a visibility rule, a limit).
	ErrForbidden = errors.New("not allowed")
	// ErrLocked means another process holds the database file.
	ErrLocked = errors.New("database is in use by another process")
)
