package storage

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Follow makes follower follow followee: both index entries and both counts
// change in one transaction. Following twice is ErrExists; following
// yourself is ErrInvalid.
func (db *DB) Follow(followerID, followeeID ID) error {
	if followerID == followeeID {
		return fmt.Errorf("follow: cannot follow yourself: %w", ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		follows := tx.Bucket(bucketFollows)
		key := pairKey(followerID, followeeID)
		if follows.Get(key) != nil {
			return fmt.Errorf("already following: %w", ErrExists)
		}
		if err := updateUser(tx, followeeID, func(u *User) { u.FollowersCount++ }); err != nil {
			return err
		}
		if err := updateUser(tx, followerID, func(u *User) { u.FollowingCount++ }); err != nil {
			return err
		}
		now := u64(uint64(db.now().UnixNano()))
		if err := follows.Put(key, now); err != nil {
			return err
		}
		return tx.Bucket(bucketFollowers).Put(pairKey(followeeID, followerID), now)
	})
	if err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	return nil
}

// Unfollow undoes Follow; ErrNotFound when there was no follow.
func (db *DB) Unfollow(followerID, followeeID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
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
		dec := func(n *int) {
			if *n > 0 {
				*n--
			}
		}
		if err := updateUser(tx, followeeID, func(u *User) { dec(&u.FollowersCount) }); err != nil {
			return err
		}
		return updateUser(tx, followerID, func(u *User) { dec(&u.FollowingCount) })
	})
	if err != nil {
		return fmt.Errorf("unfollow: %w", err)
	}
	return nil
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
