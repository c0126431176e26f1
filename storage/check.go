package storage

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// errRollback ends a writable transaction without committing it.
var errRollback = errors.New("rollback")

// Check runs bbolt's consistency check over the whole file (every page
// reachable exactly once, no page both used and free) and returns every
// problem found, joined. It holds the writer lock while it runs, so it is
// safe beside a serving process, which only waits.
func (db *DB) Check() error {
	var errs []error
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return fmt.Errorf("check: %w", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("check: %d problems: %w", len(errs), errors.Join(errs...))
	}
	return nil
}

// CountPosts counts every post in the file.
func (db *DB) CountPosts() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketPosts).Stats().KeyN
		return nil
	})
	return n, err
}
