package storage

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// FollowState is what a follow did.
type FollowState int

// Follow outcomes.
const (
	// Followed: the follow took effect at once.
	Followed FollowState = iota
	// Requested: the account is locked; its owner has been asked.
	Requested
)

// Follow makes follower follow followee: both index entries, both counts
// and the notification change in one transaction. A locked followee gets
// a follow request instead, and so does a remote followee, whose server
// answers with an Accept or a Reject. Following twice is ErrExists, returned with
// the state that stands (Followed, or Requested while the request waits);
// following yourself is ErrInvalid; across a block ErrForbidden. The
// activities in out are queued in the same transaction (see
// recordOutgoing).
func (db *DB) Follow(followerID, followeeID ID, out ...Activity) (FollowState, error) {
	if followerID == followeeID {
		return 0, fmt.Errorf("follow: cannot follow yourself: %w", ErrInvalid)
	}
	if err := db.stampActivities(out); err != nil {
		return 0, fmt.Errorf("follow: %w", err)
	}
	var state FollowState
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		var err error
		state, err = db.startFollow(tx, followerID, followeeID)
		return err
	})
	if errors.Is(err, ErrExists) {
		return state, fmt.Errorf("follow: %w", err)
	}
	if err != nil {
		return 0, fmt.Errorf("follow: %w", err)
	}
	return state, nil
}

// startFollow is Follow inside tx: a follow, or a request to a locked or
// remote account (ErrExists when either stands already).
func (db *DB) startFollow(tx *bolt.Tx, followerID, followeeID ID) (FollowState, error) {
	if tx.Bucket(bucketFollows).Get(pairKey(followerID, followeeID)) != nil {
		return Followed, fmt.Errorf("already following: %w", ErrExists)
	}
	if _, err := getUser(tx, followerID); err != nil {
		return Followed, err
	}
	followee, err := getUser(tx, followeeID)
	if err != nil {
		return Followed, err
	}
	if blockedEitherWay(tx, followerID, followeeID) {
		return Followed, fmt.Errorf("follow across a block: %w", ErrForbidden)
	}
	// A remote account answers on its own server: the follow stays
	// a request until its Accept arrives (AcceptRemoteFollow).
	if followee.Locked || followee.Domain != "" {
		if tx.Bucket(bucketSentRequests).Get(pairKey(followerID, followeeID)) != nil {
			return Requested, fmt.Errorf("already requested: %w", ErrExists)
		}
		// The request keeps the ID of its notification (a
		// time-ordered ID, so it also says when), so that answering
		// or withdrawing it takes the notification away.
		noteID := db.ids.Next(db.now())
		if err := tx.Bucket(bucketRequests).Put(pairKey(followeeID, followerID), idKey(noteID)); err != nil {
			return Requested, err
		}
		if err := tx.Bucket(bucketSentRequests).Put(pairKey(followerID, followeeID), stamp(db.now())); err != nil {
			return Requested, err
		}
		return Requested, notify(tx, followeeID, NoteFollowRequest, followerID, 0, noteID)
	}
	return Followed, db.follow(tx, followerID, followeeID)
}

// follow writes a follow and its counts and tells the followee. A
// follower on another server is also listed in remote_followers.
func (db *DB) follow(tx *bolt.Tx, followerID, followeeID ID) error {
	if err := updateUser(tx, followeeID, func(u *User) { u.FollowersCount++ }); err != nil {
		return err
	}
	remote := false
	if err := updateUser(tx, followerID, func(u *User) { u.FollowingCount++; remote = u.Domain != "" }); err != nil {
		return err
	}
	now := stamp(db.now())
	if err := tx.Bucket(bucketFollows).Put(pairKey(followerID, followeeID), now); err != nil {
		return err
	}
	if err := tx.Bucket(bucketFollowers).Put(pairKey(followeeID, followerID), now); err != nil {
		return err
	}
	if remote {
		if err := tx.Bucket(bucketRemoteFollowers).Put(pairKey(followeeID, followerID), nil); err != nil {
			return err
		}
	}
	return notify(tx, followeeID, NoteFollow, followerID, 0, db.ids.Next(db.now()))
}

// Unfollow undoes Follow, or withdraws a pending follow request;
// ErrNotFound when there was neither. The activities in out are queued in
// the same transaction.
func (db *DB) Unfollow(followerID, followeeID ID, out ...Activity) error {
	_, err := db.StopFollowing(followerID, followeeID, out...)
	return err
}

// StopFollowing is Unfollow telling what it ended, in the same
// transaction: Followed when a follow ended, Requested when a pending
// request was withdrawn.
func (db *DB) StopFollowing(followerID, followeeID ID, out ...Activity) (FollowState, error) {
	state := Followed
	if err := db.stampActivities(out); err != nil {
		return 0, fmt.Errorf("unfollow: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		if tx.Bucket(bucketSentRequests).Get(pairKey(followerID, followeeID)) != nil {
			state = Requested
			return dropRequest(tx, followerID, followeeID)
		}
		return unfollow(tx, followerID, followeeID)
	})
	if err != nil {
		return 0, fmt.Errorf("unfollow: %w", err)
	}
	return state, nil
}

func unfollow(tx *bolt.Tx, followerID, followeeID ID) error {
	follows := tx.Bucket(bucketFollows)
	key := pairKey(followerID, followeeID)
	if follows.Get(key) == nil {
		return fmt.Errorf("not following: %w", ErrNotFound)
	}
	if err := follows.Delete(key); err != nil {
		return err
	}
	if err := tx.Bucket(bucketFollowers).Delete(pairKey(followeeID, followerID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketRemoteFollowers).Delete(pairKey(followeeID, followerID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketInboxSeen).Delete(followIDKey(followerID, followeeID)); err != nil {
		return err
	}
	if err := dropFromLists(tx, followerID, followeeID); err != nil {
		return err
	}
	if err := updateUser(tx, followeeID, func(u *User) { u.FollowersCount = max(u.FollowersCount-1, 0) }); err != nil {
		return err
	}
	return updateUser(tx, followerID, func(u *User) { u.FollowingCount = max(u.FollowingCount-1, 0) })
}

// dropRequest removes a pending follow request from requester to target,
// if there is one, with the target's notification of it (so a request
// asked again after a withdrawal is not listed twice).
func dropRequest(tx *bolt.Tx, requesterID, targetID ID) error {
	if err := tx.Bucket(bucketSentRequests).Delete(pairKey(requesterID, targetID)); err != nil {
		return err
	}
	requests := tx.Bucket(bucketRequests)
	if v := requests.Get(pairKey(targetID, requesterID)); len(v) == 8 {
		if err := tx.Bucket(bucketNotes).Delete(pairKey(targetID, keyID(v, 0))); err != nil {
			return err
		}
	}
	return requests.Delete(pairKey(targetID, requesterID))
}

// AcceptFollowRequest turns a pending request into a follow. The
// activities in out are queued in the same transaction.
func (db *DB) AcceptFollowRequest(targetID, requesterID ID, out ...Activity) error {
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("accept follow request: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := db.acceptRequest(tx, targetID, requesterID); err != nil {
			return err
		}
		return recordOutgoing(tx, out)
	})
	if err != nil {
		return fmt.Errorf("accept follow request: %w", err)
	}
	return nil
}

func (db *DB) acceptRequest(tx *bolt.Tx, targetID, requesterID ID) error {
	if tx.Bucket(bucketRequests).Get(pairKey(targetID, requesterID)) == nil {
		return fmt.Errorf("no such request: %w", ErrNotFound)
	}
	if err := dropRequest(tx, requesterID, targetID); err != nil {
		return err
	}
	if tx.Bucket(bucketFollows).Get(pairKey(requesterID, targetID)) != nil {
		return nil
	}
	return db.follow(tx, requesterID, targetID)
}

// RejectFollowRequest refuses a pending request; the requester is not
// told here (a remote requester's server hears of it through the
// activities in out, queued in the same transaction).
func (db *DB) RejectFollowRequest(targetID, requesterID ID, out ...Activity) error {
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("reject follow request: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRequests).Get(pairKey(targetID, requesterID)) == nil {
			return fmt.Errorf("no such request: %w", ErrNotFound)
		}
		if err := dropRequest(tx, requesterID, targetID); err != nil {
			return err
		}
		return recordOutgoing(tx, out)
	})
	if err != nil {
		return fmt.Errorf("reject follow request: %w", err)
	}
	return nil
}

// FollowRequests lists the accounts waiting for the user's approval.
func (db *DB) FollowRequests(userID ID, page Page) (UserList, error) {
	return db.relations(bucketRequests, userID, page)
}

// IsFollowing tells whether follower follows followee.
func (db *DB) IsFollowing(followerID, followeeID ID) (bool, error) {
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketFollows).Get(pairKey(followerID, followeeID)) != nil
		return nil
	})
	return ok, err
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// UserList is one page of accounts; Next is the cursor for the next page.
type UserList struct {
	Users []User
	Next  ID
}

// Following lists the accounts userID follows, newest accounts first.
func (db *DB) Following(userID ID, page Page) (UserList, error) {
	return db.relations(bucketFollows, userID, page)
}

// Followers lists the accounts that follow userID, newest accounts first.
func (db *DB) Followers(userID ID, page Page) (UserList, error) {
	return db.relations(bucketFollowers, userID, page)
}

func (db *DB) relations(bucket []byte, userID ID, page Page) (UserList, error) {
	var l UserList
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		prefix := idKey(userID)
		for k := seekBefore(c, prefix, page.Before); k != nil; k, _ = c.Prev() {
			if !bytes.HasPrefix(k, prefix) {
				break
			}
			if len(l.Users) == limit {
				// There is at least one more: the page gets a cursor.
				l.Next = l.Users[limit-1].ID
				break
			}
			u, err := getUser(tx, keyID(k, 8))
			if errors.Is(err, ErrNotFound) {
				// An account deleted without its index entries: skip it
				// rather than fail the whole list.
				continue
			}
			if err != nil {
				return err
			}
			l.Users = append(l.Users, u)
		}
		return nil
	})
	if err != nil {
		return l, fmt.Errorf("list relations: %w", err)
	}
	return l, nil
}
