package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The durable inbox. An activity another server delivers is checked
// (signature, actor) while the request waits, then written here and
// answered 202 at once; a worker takes it in afterwards, also after a
// restart. inbox_seen remembers every activity id taken in for a while,
// so the same activity delivered twice (a retry, or once to a member's
// inbox and once to the shared one) is processed once.

// InboxItem is a received activity waiting to be processed.
type InboxItem struct {
	V  int `json:"v"`
	ID ID  `json:"id"`
	// ActivityID is the activity's id ("" for a transient one).
	ActivityID string `json:"activity_id,omitempty"`
	// ActorID is the remote account whose signature was verified.
	ActorID ID `json:"actor"`
	// Body is the activity's JSON as received.
	Body       []byte    `json:"body"`
	ReceivedAt time.Time `json:"received_at"`
}

const inboxVersion = 1

// InboxSeenFor is how long an activity id is remembered after it was
// taken in: longer than other servers keep retrying a delivery.
const InboxSeenFor = 7 * 24 * time.Hour

// seenKey is the inbox_seen key of an activity: its id, or for one
// without an id the SHA-256 of its body.
func seenKey(activityID string, body []byte) []byte {
	if activityID != "" {
		return []byte(activityID)
	}
	sum := sha256.Sum256(body)
	return []byte("sha256:" + hex.EncodeToString(sum[:]))
}

// EnqueueInbox queues a received activity for processing, unless one with
// the same id (or, without an id, the same body) was taken in within
// InboxSeenFor: then duplicate is true and nothing is written.
// Concurrent calls share transactions (bbolt Batch), so a busy inbox
// pays few fsyncs.
func (db *DB) EnqueueInbox(activityID string, actorID ID, body []byte) (duplicate bool, err error) {
	if actorID == 0 || len(body) == 0 {
		return false, fmt.Errorf("enqueue inbox: actor and body are required: %w", ErrInvalid)
	}
	item := InboxItem{V: inboxVersion, ID: db.NewID(), ActivityID: activityID, ActorID: actorID,
		Body: body, ReceivedAt: db.now().UTC()}
	v, err := json.Marshal(item)
	if err != nil {
		return false, err
	}
	key := seenKey(activityID, body)
	err = db.bolt.Batch(func(tx *bolt.Tx) error {
		duplicate = false
		seen := tx.Bucket(bucketInboxSeen)
		if old := seen.Get(key); len(old) == 8 && time.Unix(0, int64(keyID(old, 0))).Add(InboxSeenFor).After(item.ReceivedAt) {
			duplicate = true
			return nil
		}
		if err := seen.Put(key, stamp(item.ReceivedAt)); err != nil {
			return err
		}
		return tx.Bucket(bucketInbox).Put(idKey(item.ID), v)
	})
	if err != nil {
		return false, fmt.Errorf("enqueue inbox: %w", err)
	}
	return duplicate, nil
}

// PendingInbox lists up to limit queued activities, oldest first (100
// when limit is not positive, at most 1000).
func (db *DB) PendingInbox(limit int) ([]InboxItem, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > maxPendingPage:
		limit = maxPendingPage
	}
	var out []InboxItem
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketInbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var it InboxItem
			if err := json.Unmarshal(v, &it); err != nil {
				// Unreadable: hand it out with its key, so that it is
				// finished (dropped) rather than blocking the queue.
				it = InboxItem{ID: keyID(k, 0)}
			}
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending inbox: %w", err)
	}
	return out, nil
}

// CountPendingInbox counts the activities waiting to be processed.
func (db *DB) CountPendingInbox() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketInbox).Stats().KeyN
		return nil
	})
	return n, err
}

// FinishInbox takes processed activities off the queue, all in one
// transaction (a batch costs one commit, not one each); those already
// gone are skipped.
func (db *DB) FinishInbox(ids ...ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInbox)
		for _, id := range ids {
			if err := b.Delete(idKey(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish inbox: %w", err)
	}
	return nil
}

// PruneInboxSeen forgets the activity ids taken in before olderThan and
// returns how many went.
func (db *DB) PruneInboxSeen(olderThan time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInboxSeen)
		var old [][]byte
		_ = b.ForEach(func(k, v []byte) error {
			if bytes.HasPrefix(k, followIDPrefix) {
				return nil // not a received activity (remote.go)
			}
			if len(v) != 8 || time.Unix(0, int64(keyID(v, 0))).Before(olderThan) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune inbox seen: %w", err)
	}
	return n, nil
}
