package storage

import (
	"fmt"
	"time"

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
	// AITraining, Indexable, Bot, HideBots, NoBotContact: see User.
	AITraining                             string
	Indexable, Bot, HideBots, NoBotContact bool
	// Language is the interface language, "" for automatic.
	Language string
}

// UpdateProfile saves a user's profile. Unlocking an account accepts
// every pending follow request, as the owner no longer wants to choose.
// The activities in acts are queued in the same transaction.
func (db *DB) UpdateProfile(userID ID, up ProfileUpdate, acts ...Activity) (User, error) {
	var out User
	if up.DefaultVisibility != "" && !up.DefaultVisibility.Valid() {
		return out, fmt.Errorf("update profile: visibility %q: %w", up.DefaultVisibility, ErrInvalid)
	}
	if up.Language != "" && !ValidLanguage(up.Language) {
		return out, fmt.Errorf("update profile: language %q: %w", up.Language, ErrInvalid)
	}
	if !ValidAITraining(up.AITraining) {
		return out, fmt.Errorf("update profile: AI training %q: %w", up.AITraining, ErrInvalid)
	}
	if err := db.stampActivities(acts); err != nil {
		return out, fmt.Errorf("update profile: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		wasLocked := u.Locked
		u.DisplayName, u.Bio, u.BioHTML = up.DisplayName, up.Bio, up.BioHTML
		if !sameLinkURLs(u.Links, up.Links) {
			u.LinksCheckedAt = time.Time{} // check the new addresses soon
		}
		u.Links, u.DefaultVisibility, u.Locked = linkChecks.keep(u.Links, up.Links), up.DefaultVisibility, up.Locked // links.go
		u.AITraining, u.Indexable, u.Bot, u.HideBots, u.NoBotContact = up.AITraining, up.Indexable, up.Bot, up.HideBots, up.NoBotContact
		u.Language = up.Language
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
		if err := recordOutgoing(tx, acts); err != nil {
			return err
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
// pinned (ErrInvalid). The activities in out are queued in the same
// transaction.
func (db *DB) Pin(userID, postID ID, out ...Activity) error {
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("pin: %w", err)
	}
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
		if err := putUser(tx, &u); err != nil {
			return err
		}
		return recordOutgoing(tx, out)
	})
	if err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	return nil
}

// Unpin takes a post off the top of the profile. The activities in out
// are queued in the same transaction.
func (db *DB) Unpin(userID, postID ID, out ...Activity) error {
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("unpin: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		for _, id := range u.Pinned {
			if id == postID {
				if err := unpin(tx, userID, postID); err != nil {
					return err
				}
				return recordOutgoing(tx, out)
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

// ProfileSlot names one of a profile's pictures.
type ProfileSlot byte

// Profile pictures.
const (
	AvatarSlot ProfileSlot = 'a'
	HeaderSlot ProfileSlot = 'h'
)

// image is the field of u that holds the picture of this slot, nil for an
// unknown slot.
func (s ProfileSlot) image(u *User) *ProfileImage {
	switch s {
	case AvatarSlot:
		return &u.Avatar
	case HeaderSlot:
		return &u.Header
	}
	return nil
}

// mediaProfileKey is the key of a media_profiles entry: hash | userID | slot.
func mediaProfileKey(hash string, userID ID, s ProfileSlot) []byte {
	return append(mediaIDKey(hash, userID), byte(s))
}

// SetProfileImage stores the two files of a new avatar or header (made by
// media.Avatar or media.Header) and shows them on the user's profile.
// The picture it replaces loses its references: its files are deleted
// when nothing else uses them. The activities in out are queued in the
// transaction that shows the picture.
func (db *DB) SetProfileImage(userID ID, slot ProfileSlot, display, thumb File, out ...Activity) (User, error) {
	if slot.image(&User{}) == nil {
		return User{}, fmt.Errorf("set profile image: slot %q: %w", slot, ErrInvalid)
	}
	if err := db.stampActivities(out); err != nil {
		return User{}, fmt.Errorf("set profile image: %w", err)
	}
	d, err := db.PutMedia(display.Data, display.ContentType, display.Width, display.Height)
	if err != nil {
		return User{}, fmt.Errorf("set profile image: %w", err)
	}
	t, err := db.PutMedia(thumb.Data, thumb.ContentType, thumb.Width, thumb.Height)
	if err != nil {
		return User{}, fmt.Errorf("set profile image: %w", err)
	}
	img := ProfileImage{
		Display: d.Hash, Thumb: t.Hash,
		Width: d.Width, Height: d.Height, ThumbWidth: t.Width, ThumbHeight: t.Height,
		ContentType: d.ContentType, ThumbType: t.ContentType,
	}
	u, err := db.swapProfileImage(userID, slot, img, out)
	if err != nil {
		return User{}, fmt.Errorf("set profile image: %w", err)
	}
	return u, nil
}

// RemoveProfileImage takes the avatar or header off the profile (the
// generated avatar shows again) and drops its references. The activities
// in out are queued in the same transaction.
func (db *DB) RemoveProfileImage(userID ID, slot ProfileSlot, out ...Activity) (User, error) {
	if slot.image(&User{}) == nil {
		return User{}, fmt.Errorf("remove profile image: slot %q: %w", slot, ErrInvalid)
	}
	if err := db.stampActivities(out); err != nil {
		return User{}, fmt.Errorf("remove profile image: %w", err)
	}
	u, err := db.swapProfileImage(userID, slot, ProfileImage{}, out)
	if err != nil {
		return User{}, fmt.Errorf("remove profile image: %w", err)
	}
	return u, nil
}

// swapProfileImage puts img (zero: none) in the slot and queues acts, in
// one transaction.
func (db *DB) swapProfileImage(userID ID, slot ProfileSlot, img ProfileImage, acts []Activity) (User, error) {
	var out User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if err := setProfileImage(tx, &u, slot, img); err != nil {
			return err
		}
		if err := putUser(tx, &u); err != nil {
			return err
		}
		if err := recordOutgoing(tx, acts); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

// setProfileImage puts img (zero: none) in u's slot, in tx; the caller
// saves u. References and media_profiles entries for the new files come
// first, so that a file both pictures use is never deleted in between,
// then the old ones are dropped.
func setProfileImage(tx *bolt.Tx, u *User, slot ProfileSlot, img ProfileImage) error {
	field := slot.image(u)
	if field == nil {
		return fmt.Errorf("slot %q: %w", slot, ErrInvalid)
	}
	old := *field
	profiles := tx.Bucket(bucketMediaProfiles)
	if !img.IsZero() {
		for _, h := range []string{img.Display, img.Thumb} {
			if err := refMedia(tx, h); err != nil {
				return err
			}
			if err := profiles.Put(mediaProfileKey(h, u.ID, slot), nil); err != nil {
				return err
			}
		}
	}
	if !old.IsZero() {
		for _, h := range []string{old.Display, old.Thumb} {
			if !validHash(h) {
				continue
			}
			if h != img.Display && h != img.Thumb {
				if err := profiles.Delete(mediaProfileKey(h, u.ID, slot)); err != nil {
					return err
				}
			}
			if err := unrefMedia(tx, h); err != nil {
				return err
			}
		}
	}
	*field = img
	return nil
}

// dropProfileImages takes the avatar and the header off u, in tx, and
// drops their references (for an account being deleted); the caller saves
// or deletes u.
func dropProfileImages(tx *bolt.Tx, u *User) error {
	for _, s := range []ProfileSlot{AvatarSlot, HeaderSlot} {
		if err := setProfileImage(tx, u, s, ProfileImage{}); err != nil {
			return err
		}
	}
	return nil
}
