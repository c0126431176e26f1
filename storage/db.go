package storage

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// DB is a majlis database: one bbolt file.
type DB struct {
	bolt *lockedBolt
	ids  IDGenerator
	now  func() time.Time
	log  *slog.Logger
	// emoji remembers emoji lookups (emoji.go): names on every card ask.
	emoji emojiCache
}

// Options tune Open. The zero value is ready to use.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file before failing with ErrLocked. Default 2 seconds.
	LockTimeout time.Duration
	// Logger receives migration steps. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// NoSync skips fsync on commit. Only for tools that rebuild a file from
	// scratch (the seeder); a server must never set it.
	NoSync bool
}

// Open opens (creating if needed) the database file at path, creates every
// bucket, runs pending migrations and refuses a file from a newer majlis.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	bopts := &bolt.Options{Timeout: opts.LockTimeout, NoSync: opts.NoSync}
	b, err := bolt.Open(path, 0o600, bopts)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: another majlis process holds this file (waited %s): %w", path, opts.LockTimeout, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: &lockedBolt{db: b, opts: bopts, hooks: &outboxHooks{}}, now: opts.Now, log: opts.Logger}
	if err := db.migrate(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.initIDs(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	registerCaches(b)
	openOutboxHooks.Store(b, db.bolt.hooks)
	return db, nil
}

// Close releases the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the file behind the database.
func (db *DB) Path() string { return db.bolt.Path() }

// NewID returns a fresh time-ordered ID.
func (db *DB) NewID() ID { return db.ids.Next(db.now()) }

// Ping checks that the file can be read.
func (db *DB) Ping() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("ping: meta bucket missing: %w", ErrNotFound)
		}
		return nil
	})
}

// initIDs continues the ID sequence after the newest record in the file.
func (db *DB) initIDs() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketUsers, bucketPosts} {
			if k, _ := tx.Bucket(name).Cursor().Last(); k != nil {
				db.ids.observe(keyID(k, 0))
			}
		}
		return nil
	})
}

// SessionKeys returns the keys that sign and encrypt session cookies,
// generating and keeping them on first use.
func (db *DB) SessionKeys() (hashKey, blockKey []byte, err error) {
	var keys []byte
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if v := m.Get(keySessionKeys); len(v) == 64 {
			keys = append([]byte(nil), v...)
			return nil
		}
		keys = make([]byte, 64)
		if _, err := rand.Read(keys); err != nil {
			return err
		}
		return m.Put(keySessionKeys, keys)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("session keys: %w", err)
	}
	return keys[:32], keys[32:], nil
}
