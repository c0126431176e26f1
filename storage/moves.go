package storage

import (
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Moving accounts: an account's aliases (alsoKnownAs), the mark that it
// moved (MovedTo), and its followers' follows carried to where it went.

// MaxAliases bounds the aliases an account keeps.
const MaxAliases = 10

// SetAliases replaces the account's aliases (URIs of its other
// accounts), with the activities in out (its Update) in the same
// transaction.
func (db *DB) SetAliases(userID ID, aliases []string, out ...Activity) (User, error) {
	if len(aliases) > MaxAliases {
		return User{}, fmt.Errorf("set aliases: more than %d: %w", MaxAliases, ErrInvalid)
	}
	if err := db.stampActivities(out); err != nil {
		return User{}, fmt.Errorf("set aliases: %w", err)
	}
	var u User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		return updateUserErr(tx, userID, func(x *User) error {
			x.AlsoKnownAs = slices.Clone(aliases)
			u = *x
			return nil
		})
	})
	if err != nil {
		return User{}, fmt.Errorf("set aliases: %w", err)
	}
	return u, nil
}

// SetMovedTo marks the account as moved to the account at targetURI,
// with the activities in out (its Move) in the same transaction. An
// account moves once: moving again to elsewhere is ErrExists (the same
// target again is not refused).
func (db *DB) SetMovedTo(userID ID, targetURI string, out ...Activity) (User, error) {
	if targetURI == "" {
		return User{}, fmt.Errorf("move: no target: %w", ErrInvalid)
	}
	if err := db.stampActivities(out); err != nil {
		return User{}, fmt.Errorf("move: %w", err)
	}
	var u User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		return updateUserErr(tx, userID, func(x *User) error {
			if x.URI == targetURI {
				return fmt.Errorf("move to itself: %w", ErrInvalid)
			}
			if x.MovedTo != "" && x.MovedTo != targetURI {
				return fmt.Errorf("moved already, to %s: %w", x.MovedTo, ErrExists)
			}
			x.MovedTo = targetURI
			u = *x
			return nil
		})
	})
	if err != nil {
		return User{}, fmt.Errorf("move: %w", err)
	}
	return u, nil
}

// LocalFollowerIDs are the local accounts that follow id (those whose
// follow a move carries along).
func (db *DB) LocalFollowerIDs(id ID) ([]ID, error) {
	var ids []ID
	err := db.bolt.View(func(tx *bolt.Tx) error {
		forPrefix(tx.Bucket(bucketFollowers), idKey(id), func(k, _ []byte) {
			f := keyID(k, 8)
			if !isRemote(tx, f) {
				ids = append(ids, f)
			}
		})
		return nil
	})
	return ids, err
}

// MoveFollow carries followerID's follow of originID, which moved, to
// targetID, in one transaction: the follow of the origin ends (it is
// ErrNotFound when there was none), the follow of the target starts (a
// request, for a locked or remote target; nothing changes when it stands
// already), and the follower is told (NoteMove, from the origin). The
// activities in out (the Undo of the old follow, the Follow of the
// target) are queued in the same transaction.
func (db *DB) MoveFollow(followerID, originID, targetID ID, out ...Activity) (FollowState, error) {
	if followerID == targetID {
		// Following oneself is not a thing: the old follow just ends.
		out = slices.DeleteFunc(slices.Clone(out), func(a Activity) bool { return a.Type == ActivityFollow })
	}
	if err := db.stampActivities(out); err != nil {
		return 0, fmt.Errorf("move follow: %w", err)
	}
	state := Followed
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := unfollow(tx, followerID, originID); err != nil {
			return err
		}
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		if followerID != targetID {
			var err error
			state, err = db.startFollow(tx, followerID, targetID)
			if err != nil && !errors.Is(err, ErrExists) {
				return err
			}
		}
		return notify(tx, followerID, NoteMove, originID, 0, db.ids.Next(db.now()))
	})
	if err != nil {
		return 0, fmt.Errorf("move follow: %w", err)
	}
	return state, nil
}

// updateUserErr is updateUser whose fn may refuse (nothing is written).
func updateUserErr(tx *bolt.Tx, id ID, fn func(*User) error) error {
	u, err := getUser(tx, id)
	if err != nil {
		return err
	}
	if err := fn(&u); err != nil {
		return err
	}
	return putUser(tx, &u)
}
