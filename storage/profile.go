package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// MaxPinned is how many posts a profile may pin.
const MaxPinned = 5

// ProfileUpdate is what a user can change about their profile and
// account settings.
type ProfileUpdate struct {
	DisplayName       string
	Bio, BioHTML      string
	Links             []ProfileLink
	DefaultVisibility Visibility
	Locked            bool
}

// UpdateProfile saves a user's profile. Unlocking an account accepts
// every pending follow request, as the owner no longer wants to choose.
func (db *DB) UpdateProfile(userID ID, up ProfileUpdate) (User, error) {
	var out User
	if up.DefaultVisibility != "" && !up.DefaultVisibility.Valid() {
		return out, fmt.Errorf("update profile: visibility %q: %w", up.DefaultVisibility, ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		wasLocked := u.Locked
		u.DisplayName, u.Bio, u.BioHTML = up.DisplayName, up.Bio, up.BioHTML
		u.Links, u.DefaultVisibility, u.Locked = up.Links, up.DefaultVisibility, up.Locked
		if err := putUser(tx, &u); err != nil {
			return err
		}
		if wasLocked && !u.Locked {
			var pending []ID
			forPrefix(tx.Bucket(bucketRequests), idKey(userID), func(k, _ []byte) { pending = append(pending, keyID(k, 8)) })
			for _, r := range pending {
				if err := db.acceptRequest(tx, userID, r); err != nil {
					return err
				}
			}
		}
		out, err = getUser(tx, userID)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("update profile: %w", err)
	}
	return out, nil
}

// Pin puts one of the user's own posts at the top of their profile. At
// most MaxPinned (ErrForbidden beyond); direct posts and reposts cannot be
// pinned (ErrInvalid).
func (db *DB) Pin(userID, postID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if p.AuthorID != userID {
			return fmt.Errorf("pin someone else's post: %w", ErrForbidden)
		}
		if p.IsRepost() || p.Visibility == Direct {
			return fmt.Errorf("pin a %s post: %w", p.Visibility, ErrInvalid)
		}
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		for _, id := range u.Pinned {
			if id == postID {
				return fmt.Errorf("already pinned: %w", ErrExists)
			}
		}
		if len(u.Pinned) >= MaxPinned {
			return fmt.Errorf("more than %d pins: %w", MaxPinned, ErrForbidden)
		}
		u.Pinned = append([]ID{postID}, u.Pinned...)
		return putUser(tx, &u)
	})
	if err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	return nil
}

// Unpin takes a post off the top of the profile.
func (db *DB) Unpin(userID, postID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		for _, id := range u.Pinned {
			if id == postID {
				return unpin(tx, userID, postID)
			}
		}
		return fmt.Errorf("not pinned: %w", ErrNotFound)
	})
	if err != nil {
		return fmt.Errorf("unpin: %w", err)
	}
	return nil
}

func unpin(tx *bolt.Tx, userID, postID ID) error {
	u, err := getUser(tx, userID)
	if err != nil {
		return err
	}
	kept := u.Pinned[:0:0]
	for _, id := range u.Pinned {
		if id != postID {
			kept = append(kept, id)
		}
	}
	if len(kept) == len(u.Pinned) {
		return nil
	}
	u.Pinned = kept
	return putUser(tx, &u)
}

// PinnedPosts lists a user's pinned posts that the viewer may see.
func (db *DB) PinnedPosts(viewerID, userID ID) ([]Entry, error) {
	var out []Entry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		b := newBuilder(tx, viewerID)
		for _, id := range u.Pinned {
			p, err := getPost(tx, id)
			if err != nil {
				continue
			}
			e, ok, err := b.entry(p, false)
			if err != nil {
				return err
			}
			if ok {
				e.Pinned = true
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}
