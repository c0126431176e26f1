package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// InstanceActor is the account ID under which the instance actor's key is
// kept: the instance signs its own fetches and its reports (Flag) with it.
const InstanceActor ID = 0

// ActorKey returns the PEM private key of a local account (or of the
// instance actor, InstanceActor), making it with gen the first time it is
// needed and keeping it in actor_keys. Keys are made lazily: an RSA key
// takes tens of milliseconds, which sign-up need not pay, and an instance
// that never federates never makes one. Two callers racing for a new key
// both get the one stored first.
func (db *DB) ActorKey(id ID, gen func() ([]byte, error)) ([]byte, error) {
	var pem []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketActorKeys).Get(idKey(id)); v != nil {
			pem = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil || pem != nil {
		return pem, err
	}
	fresh, err := gen()
	if err != nil {
		return nil, fmt.Errorf("actor key %d: %w", id, err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketActorKeys)
		if v := b.Get(idKey(id)); v != nil {
			pem = append([]byte(nil), v...)
			return nil
		}
		if id != InstanceActor {
			u, err := getUser(tx, id)
			if err != nil {
				return err
			}
			if u.Domain != "" {
				return fmt.Errorf("actor key for remote account %d: %w", id, ErrInvalid)
			}
		}
		pem = fresh
		return b.Put(idKey(id), fresh)
	})
	if err != nil {
		return nil, fmt.Errorf("actor key %d: %w", id, err)
	}
	return pem, nil
}

// StoredActorKey returns the key of an account without making one:
// ErrNotFound when it has none (a deleted account keeps its key while its
// tombstone waits for the Delete to be delivered).
func (db *DB) StoredActorKey(id ID) ([]byte, error) {
	var pem []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketActorKeys).Get(idKey(id))
		if v == nil {
			return fmt.Errorf("actor key %d: %w", id, ErrNotFound)
		}
		pem = append([]byte(nil), v...)
		return nil
	})
	return pem, err
}
