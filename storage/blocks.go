package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Block stops all contact between blocker and blocked: follows and follow
// requests in both directions end, and from then on neither sees the
// other's posts, replies, mentions or notifications, and neither can
// follow, like, repost, reply to or mention the other. Blocking twice is
// ErrExists; blocking yourself ErrInvalid. The activities in out are
// queued in the same transaction.
func (db *DB) Block(blockerID, blockedID ID, out ...Activity) error {
	if blockerID == blockedID {
		return fmt.Errorf("block: cannot block yourself: %w", ErrInvalid)
	}
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("block: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		// Before the follows it ends: the audience is the one the
		// blocker had when acting.
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		if _, err := getUser(tx, blockedID); err != nil {
			return err
		}
		if tx.Bucket(bucketBlocks).Get(pairKey(blockerID, blockedID)) != nil {
			return fmt.Errorf("already blocked: %w", ErrExists)
		}
		for _, pair := range [][2]ID{{blockerID, blockedID}, {blockedID, blockerID}} {
			if err := unfollow(tx, pair[0], pair[1]); err != nil && !isNotFound(err) {
				return err
			}
			if err := dropRequest(tx, pair[0], pair[1]); err != nil {
				return err
			}
		}
		now := stamp(db.now())
		if err := tx.Bucket(bucketBlocks).Put(pairKey(blockerID, blockedID), now); err != nil {
			return err
		}
		return tx.Bucket(bucketBlockedBy).Put(pairKey(blockedID, blockerID), now)
	})
	if err != nil {
		return fmt.Errorf("block: %w", err)
	}
	return nil
}

// Unblock lifts a block; follows that it ended stay ended. The
// activities in out are queued in the same transaction.
func (db *DB) Unblock(blockerID, blockedID ID, out ...Activity) error {
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("unblock: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketBlocks).Get(pairKey(blockerID, blockedID)) == nil {
			return fmt.Errorf("not blocked: %w", ErrNotFound)
		}
		if err := tx.Bucket(bucketBlocks).Delete(pairKey(blockerID, blockedID)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBlockedBy).Delete(pairKey(blockedID, blockerID)); err != nil {
			return err
		}
		return recordOutgoing(tx, out)
	})
	if err != nil {
		return fmt.Errorf("unblock: %w", err)
	}
	return nil
}

// Mute hides the muted account's posts and notifications from the muter
// only; the muted account notices nothing.
func (db *DB) Mute(muterID, mutedID ID) error {
	if muterID == mutedID {
		return fmt.Errorf("mute: cannot mute yourself: %w", ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, mutedID); err != nil {
			return err
		}
		if tx.Bucket(bucketMutes).Get(pairKey(muterID, mutedID)) != nil {
			return fmt.Errorf("already muted: %w", ErrExists)
		}
		return tx.Bucket(bucketMutes).Put(pairKey(muterID, mutedID), stamp(db.now()))
	})
	if err != nil {
		return fmt.Errorf("mute: %w", err)
	}
	return nil
}

// Unmute lifts a mute.
func (db *DB) Unmute(muterID, mutedID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMutes).Get(pairKey(muterID, mutedID)) == nil {
			return fmt.Errorf("not muted: %w", ErrNotFound)
		}
		return tx.Bucket(bucketMutes).Delete(pairKey(muterID, mutedID))
	})
	if err != nil {
		return fmt.Errorf("unmute: %w", err)
	}
	return nil
}

// Blocked lists the accounts the user blocks.
func (db *DB) Blocked(userID ID, page Page) (UserList, error) {
	return db.relations(bucketBlocks, userID, page)
}

// Muted lists the accounts the user muted.
func (db *DB) Muted(userID ID, page Page) (UserList, error) {
	return db.relations(bucketMutes, userID, page)
}

// Relationship is how the viewer stands to another account.
type Relationship struct {
	Following  bool // the viewer follows them
	Requested  bool // the viewer asked to follow them (locked account)
	FollowedBy bool // they follow the viewer
	Blocking   bool // the viewer blocks them
	BlockedBy  bool // they block the viewer
	Muting     bool // the viewer muted them
	// RequestedBy: they asked to follow the viewer, who has not answered.
	RequestedBy bool
	// DomainBlocking: the viewer blocked their server (BlockDomain).
	DomainBlocking bool
}

// RelationshipOf tells how viewer stands to other.
func (db *DB) RelationshipOf(viewerID, otherID ID) (Relationship, error) {
	var r Relationship
	err := db.bolt.View(func(tx *bolt.Tx) error {
		has := func(b []byte, x, y ID) bool { return tx.Bucket(b).Get(pairKey(x, y)) != nil }
		r = Relationship{
			Following:  has(bucketFollows, viewerID, otherID),
			Requested:  has(bucketSentRequests, viewerID, otherID),
			FollowedBy: has(bucketFollows, otherID, viewerID),
			Blocking:   has(bucketBlocks, viewerID, otherID),
			BlockedBy:  has(bucketBlocks, otherID, viewerID),
			Muting:     has(bucketMutes, viewerID, otherID),
			// bucketRequests is keyed target|requester.
			RequestedBy: has(bucketRequests, viewerID, otherID),
		}
		if other, err := getUser(tx, otherID); err == nil && other.Domain != "" {
			r.DomainBlocking = blocksDomain(tx, viewerID, other.Domain)
		}
		return nil
	})
	return r, err
}
