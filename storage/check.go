package storage

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// errRollback ends a writable transaction without committing it.
var errRollback = errors.New("rollback")

// Check runs bbolt's consistency check over the whole file (every page
// reachable exactly once, no page both used and free), then checks the
// records that federation depends on (checkRecords), and returns every
// problem found, joined. It holds the writer lock while it runs, so it is
// safe beside a serving process, which only waits.
func (db *DB) Check() error {
	var errs []error
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			errs = checkRecords(tx)
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

// CheckFile is Verify (for `majlis check` with the server stopped) and
// then checkRecords: a file whose records disagree is ErrInvalid. Backups
// and restores use Verify alone, so that a copy is never refused for what
// only checkRecords finds.
func CheckFile(path string) (FileInfo, error) {
	var info FileInfo
	err := viewFile(path, func(tx *bolt.Tx) (err error) {
		if info, err = verifyTx(path, tx); err != nil {
			return err
		}
		if errs := checkRecords(tx); len(errs) > 0 {
			return fmt.Errorf("%s: %d records disagree (%w): %w", path, len(errs), ErrInvalid, errors.Join(errs...))
		}
		return nil
	})
	return info, err
}

// checkRecords checks records against each other where a mistake would
// go unnoticed until it did harm: the outbox (every activity decodes and
// has an actor that exists, is the instance or has a tombstone; every
// tombstone counts its activities), the indexes of remote accounts
// (remote_followers against follows, remote_uris against users), the
// deliveries and hosts (checkDeliveries) and the signing keys (each
// belongs to the instance, a local account or a tombstone). It reads every
// remote account, follow of one, queued activity, delivery, host, key and
// tombstone.
func checkRecords(tx *bolt.Tx) []error {
	return append(append(checkFederation(tx), checkDeliveries(tx)...), checkSearch(tx)...)
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
