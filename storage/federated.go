package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Reads for package federation: the records as they are, to render the
// activities a member sends and to describe the instance to other
// servers. Pages never use them: what a viewer may see is decided by
// Post, Thread and the timelines.

// PostByID returns a post as stored, whoever may see it: what its own
// author's server tells the servers it addressed. ErrNotFound when it is
// gone.
func (db *DB) PostByID(id ID) (Post, error) {
	var p Post
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		p, err = getPost(tx, id)
		return err
	})
	return p, err
}

// RepostBy returns userID's repost of the original origID (its URI is the
// Announce's id); ErrNotFound when there is none.
func (db *DB) RepostBy(userID, origID ID) (Post, error) {
	var p Post
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUserReposts).Get(pairKey(userID, origID))
		if len(v) != 8 {
			return fmt.Errorf("repost of %d by %d: %w", origID, userID, ErrNotFound)
		}
		var err error
		p, err = getPost(tx, keyID(v, 0))
		return err
	})
	return p, err
}

// maxRootWalk bounds the walk up a conversation: deeper threads take the
// post that far up as their root.
const maxRootWalk = 200

// ThreadRoot returns the first post of the conversation that post id
// belongs to, as far as it is known: the walk up the replies stops at a
// parent that is gone (or after maxRootWalk steps). A post that answers
// nothing is its own root.
func (db *DB) ThreadRoot(id ID) (Post, error) {
	var root Post
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p, err := getPost(tx, id)
		if err != nil {
			return err
		}
		for i := 0; p.InReplyTo != 0 && i < maxRootWalk; i++ {
			parent, err := getPost(tx, p.InReplyTo)
			if err != nil {
				break
			}
			p = parent
		}
		root = p
		return nil
	})
	return root, err
}

// NameDeleted tells whether username is the name of a local account that
// was deleted (DeleteUser keeps it reserved, for good): its addresses
// answer "gone" rather than "not found".
func (db *DB) NameDeleted(username string) (bool, error) {
	var gone bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		gone = isReservedName(tx.Bucket(bucketUsernames).Get(usernameKey(username, "")))
		return nil
	})
	return gone, err
}

// Usage is what NodeInfo says of the instance's use.
type Usage struct {
	// Users counts the local accounts that can log in.
	Users int
	// ActiveMonth and ActiveHalfyear count those of them who posted (or
	// reposted) within the last 30 and 180 days: the newest entry of
	// each one's author index tells it, without reading a post.
	// Logging in leaves no date behind, so a member who only reads is
	// not counted.
	ActiveMonth, ActiveHalfyear int
	// LocalPosts counts their posts and reposts (the accounts' counts).
	LocalPosts int
}

// Usage counts the instance's use as of now: one pass over the accounts
// and one cursor step per local account.
func (db *DB) Usage(now time.Time) (Usage, error) {
	var us Usage
	month, halfyear := MinIDAt(now.Add(-30*24*time.Hour)), MinIDAt(now.Add(-180*24*time.Hour))
	err := db.bolt.View(func(tx *bolt.Tx) error {
		index := tx.Bucket(bucketAuthorPosts).Cursor()
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var peek struct {
				Domain string `json:"domain"`
				Status Status `json:"status"`
				Posts  int    `json:"posts_count"`
			}
			if len(k) != 8 || json.Unmarshal(v, &peek) != nil || peek.Domain != "" || !peek.Status.CanLogIn() {
				return nil
			}
			us.Users++
			us.LocalPosts += peek.Posts
			if last := seekBefore(index, k, 0); last != nil && len(last) == 16 && string(last[:8]) == string(k) {
				newest := keyID(last, 8)
				if newest >= month {
					us.ActiveMonth++
				}
				if newest >= halfyear {
					us.ActiveHalfyear++
				}
			}
			return nil
		})
	})
	if err != nil {
		return us, fmt.Errorf("usage: %w", err)
	}
	return us, nil
}
