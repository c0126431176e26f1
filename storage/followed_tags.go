package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MaxFollowedTags bounds how many hashtags a member follows: each is one
// more cursor in every page of their home timeline.
const MaxFollowedTags = 100

// FollowedTag is a hashtag a member follows, by its key (the caller
// normalises it as the tags index does, markup.NormalizeTag).
type FollowedTag struct {
	Tag   string
	Since time.Time
}

func followedTagKey(userID ID, tag string) []byte {
	return append(idKey(userID), tag...)
}

func tagFollowerKey(tag string, userID ID) []byte {
	return append(tagPrefix(tag), idKey(userID)...)
}

// FollowTag makes userID follow a hashtag, so its public posts come into
// their home timeline. Following it twice changes nothing; more than
// MaxFollowedTags is ErrInvalid.
func (db *DB) FollowTag(userID ID, tag string) error {
	if tag == "" || bytes.IndexByte([]byte(tag), 0) >= 0 {
		return fmt.Errorf("follow tag: %w", ErrInvalid)
	}
	now := db.now()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, userID); err != nil {
			return err
		}
		b := tx.Bucket(bucketFollowedTags)
		if b.Get(followedTagKey(userID, tag)) != nil {
			return nil
		}
		n := 0
		forPrefix(b, idKey(userID), func(_, _ []byte) { n++ })
		if n >= MaxFollowedTags {
			return fmt.Errorf("more than %d followed tags: %w", MaxFollowedTags, ErrInvalid)
		}
		if err := b.Put(followedTagKey(userID, tag), u64(uint64(now.UnixNano()))); err != nil {
			return err
		}
		return tx.Bucket(bucketTagFollowers).Put(tagFollowerKey(tag, userID), nil)
	})
	if err != nil {
		return fmt.Errorf("follow tag: %w", err)
	}
	return nil
}

// UnfollowTag stops following a hashtag; not following it is no error.
func (db *DB) UnfollowTag(userID ID, tag string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error { return unfollowTag(tx, userID, tag) })
	if err != nil {
		return fmt.Errorf("unfollow tag: %w", err)
	}
	return nil
}

func unfollowTag(tx *bolt.Tx, userID ID, tag string) error {
	if err := tx.Bucket(bucketFollowedTags).Delete(followedTagKey(userID, tag)); err != nil {
		return err
	}
	return tx.Bucket(bucketTagFollowers).Delete(tagFollowerKey(tag, userID))
}

// FollowsTag tells whether userID follows a hashtag.
func (db *DB) FollowsTag(userID ID, tag string) (bool, error) {
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketFollowedTags).Get(followedTagKey(userID, tag)) != nil
		return nil
	})
	return ok, err
}

// FollowedTags returns the hashtags userID follows, by key.
func (db *DB) FollowedTags(userID ID) ([]FollowedTag, error) {
	var out []FollowedTag
	err := db.bolt.View(func(tx *bolt.Tx) error {
		forPrefix(tx.Bucket(bucketFollowedTags), idKey(userID), func(k, v []byte) {
			t := FollowedTag{Tag: string(k[8:])}
			if len(v) == 8 {
				t.Since = time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
			}
			out = append(out, t)
		})
		return nil
	})
	return out, err
}

func followedTagsOf(tx *bolt.Tx, userID ID) []string {
	var out []string
	forPrefix(tx.Bucket(bucketFollowedTags), idKey(userID), func(k, _ []byte) { out = append(out, string(k[8:])) })
	return out
}

// deleteFollowedTags drops every hashtag an account follows (account
// deletion).
func deleteFollowedTags(tx *bolt.Tx, userID ID) error {
	for _, tag := range followedTagsOf(tx, userID) {
		if err := unfollowTag(tx, userID, tag); err != nil {
			return err
		}
	}
	return nil
}

// inFollowedTag tells whether p comes into the viewer's home timeline
// through a hashtag they follow, as the merge takes it (keepTagged): a
// public post, not a repost, a reply only to someone home shows, by an
// account moderation does not keep out of the listings.
func (b *builder) inFollowedTag(p *Post, home func(ID) bool) bool {
	if p.Visibility != Public || p.IsRepost() || (p.InReplyTo != 0 && !home(p.InReplyToAuthor)) {
		return false
	}
	followed := b.tx.Bucket(bucketFollowedTags)
	hit := false
	for _, t := range p.Tags {
		if t != "" && followed.Get(followedTagKey(b.v.id, t)) != nil {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	u, err := b.user(p.AuthorID)
	return err == nil && !b.v.hidesAuthor(u, true)
}
