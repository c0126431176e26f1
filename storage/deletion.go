package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// DeleteUser deletes an account and everything it made or set up, in one
// transaction:
//   - its posts and reposts, each as DeletePost deletes one (with their
//     index entries, likes, bookmarks, reposts by others, edits and
//     counts; replies by others stay and show that their parent is gone);
//   - its follows both ways, with the counts of the accounts on the other
//     side, and follow requests both ways;
//   - blocks and mutes both ways (mutes of it by others have no index by
//     muted account: that part reads the whole mutes bucket);
//   - its likes and bookmarks of others' posts, with the like counts;
//   - its lists, keyword filters and followed hashtags (it leaves
//     others' lists with its follows);
//   - its sessions, its second factor, its notifications, its invitations and its
//     application, its avatar and header and its pending uploads (images
//     not yet posted; their files are deleted when nothing else uses them);
//   - the account record and its username entry. With reserveName, the
//     name stays taken (a reserved marker in usernames) so nobody can
//     pass for the deleted account; without, it is free again (a rejected
//     application).
//
// Notifications it caused in others' inboxes are deleted too (a scan of
// the notifications bucket). The deleted bytes stay in the file's free
// pages until Compact rewrites it: call it after a deletion that must
// leave no trace (a member deleting their account). Reports by or about
// the account keep their copies of its texts for ReportRetention (then
// PruneReports erases them and compacts), and their copy of its name,
// like the moderation log.
//
// The activities in out (the account's Delete) are queued in the same
// transaction, first, while its followers are still known. The outbox
// keeps every activity of the account that is not delivered yet, and a
// tombstone keeps its name and URI (tombstones), and its signing key
// stays in actor_keys, until the last of them drains (FinishActivity):
// the account's Delete must reach every server that knows it before
// nothing is left of it. With nothing queued, the key goes at once. The
// Delete is fanned out in this transaction, while the follows that say
// where it must go still exist (recordOutgoing).
func (db *DB) DeleteUser(userID ID, reserveName bool, out ...Activity) error {
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		return db.deleteUser(tx, userID, reserveName)
	})
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}

func (db *DB) deleteUser(tx *bolt.Tx, userID ID, reserveName bool) error {
	u, err := getUser(tx, userID)
	if err != nil {
		return err
	}
	prefix := idKey(userID)
	// keysUnder copies the keys under the prefix: a bucket must not change
	// while a cursor walks it.
	keysUnder := func(bucket []byte) [][]byte {
		var keys [][]byte
		forPrefix(tx.Bucket(bucket), prefix, func(k, _ []byte) { keys = append(keys, bytes.Clone(k)) })
		return keys
	}

	// Posts and reposts. Deleting an original deletes the reposts of it,
	// so one of the user's own reposts may be gone already.
	for _, k := range keysUnder(bucketAuthorPosts) {
		if err := deletePost(tx, keyID(k, 8)); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("post %d: %w", keyID(k, 8), err)
		}
	}
	// Whatever index entry deletePost found no post for.
	for _, b := range [][]byte{bucketAuthorPosts, bucketUserReposts} {
		for _, k := range keysUnder(b) {
			if err := tx.Bucket(b).Delete(k); err != nil {
				return err
			}
		}
	}

	// Follows both ways, with counts; requests both ways.
	for _, k := range keysUnder(bucketFollows) {
		if err := unfollow(tx, userID, keyID(k, 8)); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, k := range keysUnder(bucketFollowers) {
		if err := unfollow(tx, keyID(k, 8), userID); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, k := range keysUnder(bucketSentRequests) {
		if err := dropRequest(tx, userID, keyID(k, 8)); err != nil {
			return err
		}
	}
	for _, k := range keysUnder(bucketRequests) {
		if err := dropRequest(tx, keyID(k, 8), userID); err != nil {
			return err
		}
	}

	if err := dropFollowIDs(tx, userID); err != nil {
		return err
	}

	// Blocks both ways.
	for _, k := range keysUnder(bucketBlocks) {
		if err := deleteKeys(tx, bucketBlocks, k, bucketBlockedBy, pairKey(keyID(k, 8), userID)); err != nil {
			return err
		}
	}
	for _, k := range keysUnder(bucketBlockedBy) {
		if err := deleteKeys(tx, bucketBlockedBy, k, bucketBlocks, pairKey(keyID(k, 8), userID)); err != nil {
			return err
		}
	}
	// Mutes both ways: its own, and others' of it.
	var mutes [][]byte
	_ = tx.Bucket(bucketMutes).ForEach(func(k, _ []byte) error {
		if len(k) == 16 && (keyID(k, 0) == userID || keyID(k, 8) == userID) {
			mutes = append(mutes, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range mutes {
		if err := tx.Bucket(bucketMutes).Delete(k); err != nil {
			return err
		}
	}

	// Likes of others' posts (its own posts are gone with their likes).
	for _, k := range keysUnder(bucketUserLikes) {
		postID := keyID(k, 8)
		p, err := getPost(tx, postID)
		if err != nil {
			if err := deleteKeys(tx, bucketUserLikes, k, bucketLikes, pairKey(postID, userID)); err != nil {
				return err
			}
			continue
		}
		if err := unlike(tx, postID, p.AuthorID, userID); err != nil {
			return err
		}
		p.Likes = max(p.Likes-1, 0)
		if err := putPost(tx, &p); err != nil {
			return err
		}
	}
	if err := dropVotes(tx, userID); err != nil {
		return err
	}
	// Bookmarks.
	for _, k := range keysUnder(bucketBookmarks) {
		if err := deleteKeys(tx, bucketBookmarks, k, bucketPostMarks, pairKey(keyID(k, 8), userID)); err != nil {
			return err
		}
	}

	// Notifications it caused in others' inboxes: the bucket has no index
	// by actor, so this reads it whole (a rare action; see DeleteUser).
	var caused [][]byte
	_ = tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
		var n Notification
		if len(k) == 16 && json.Unmarshal(v, &n) == nil && n.ActorID == userID {
			caused = append(caused, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range caused {
		if err := tx.Bucket(bucketNotes).Delete(k); err != nil {
			return err
		}
	}

	// Sessions, notifications, invitations, application.
	if _, err := revokeSessions(tx, userID); err != nil {
		return err
	}
	for _, k := range keysUnder(bucketNotes) {
		if err := tx.Bucket(bucketNotes).Delete(k); err != nil {
			return err
		}
	}
	for _, k := range keysUnder(bucketDirectPosts) { // direct.go
		if err := tx.Bucket(bucketDirectPosts).Delete(k); err != nil {
			return err
		}
	}
	for _, k := range keysUnder(bucketUserInvites) {
		if err := deleteKeys(tx, bucketUserInvites, k, bucketInvites, k[8:]); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketApplications).Delete(prefix); err != nil {
		return err
	}
	if err := deleteTwoFactor(tx, userID); err != nil {
		return err
	}

	// Reports by or about it keep their texts for ReportRetention from
	// now (reports.go); its own list of reports goes.
	if err := db.markReportsGone(tx, userID); err != nil {
		return err
	}
	for _, k := range keysUnder(bucketUserReports) {
		if err := tx.Bucket(bucketUserReports).Delete(k); err != nil {
			return err
		}
	}

	// Its lists, keyword filters and followed hashtags.
	if err := deleteUserLists(tx, userID); err != nil {
		return err
	}
	if err := deleteFilters(tx, userID); err != nil {
		return err
	}
	if err := deleteFollowedTags(tx, userID); err != nil {
		return err
	}

	// Its imported-post keys (importer.go).
	if err := deleteImported(tx, userID); err != nil {
		return err
	}

	// Its avatar and header (their files go when nothing else uses them).
	if err := dropProfileImages(tx, &u); err != nil {
		return err
	}
	// Its pending uploads, with their files unless a post, a profile or
	// someone else's upload uses them.
	if err := dropUploads(tx, userID); err != nil {
		return err
	}

	// The account and its name.
	names := tx.Bucket(bucketUsernames)
	key := usernameKey(u.Username, u.Domain)
	if v := names.Get(key); v != nil && !bytes.Equal(v, prefix) && !isReservedName(v) {
		return fmt.Errorf("username %q belongs to another account: %w", u.Username, ErrInvalid)
	}
	if reserveName {
		err = names.Put(key, []byte(reservedName))
	} else {
		err = names.Delete(key)
	}
	if err != nil {
		return err
	}
	if u.Domain != "" {
		uris := tx.Bucket(bucketRemoteURIs)
		if v := uris.Get([]byte(u.URI)); len(v) == 8 && keyID(v, 0) == userID {
			if err := uris.Delete([]byte(u.URI)); err != nil {
				return err
			}
		}
	}
	if err := buryAccount(tx, &u, db.now()); err != nil {
		return err
	}
	// Its signing key stays with its tombstone, to sign what it still
	// has queued (its Delete); with nothing queued it goes now.
	if tx.Bucket(bucketTombstones).Get(prefix) == nil {
		if err := tx.Bucket(bucketActorKeys).Delete(prefix); err != nil {
			return err
		}
	}
	forgetUser(tx, userID)
	if err := unindexPerson(tx, userID); err != nil {
		return err
	}
	return tx.Bucket(bucketUsers).Delete(prefix)
}

// deleteKeys deletes key a from bucket ba and key b from bucket bb.
func deleteKeys(tx *bolt.Tx, ba, a, bb, b []byte) error {
	if err := tx.Bucket(ba).Delete(a); err != nil {
		return err
	}
	return tx.Bucket(bb).Delete(b)
}

// dropUploads deletes the pending uploads of owner (media_uploads entries)
// and the files that nothing else uses: no post or profile (refs 0) and
// no other member's upload of the same bytes. media_uploads has no index
// by owner, so this reads it whole; it holds only the uploads of the last
// day (PruneMedia sweeps older ones).
func dropUploads(tx *bolt.Tx, owner ID) error {
	b := tx.Bucket(bucketMediaUploads)
	var mine [][]byte
	_ = b.ForEach(func(k, _ []byte) error {
		if len(k) > 8 && keyID(k, len(k)-8) == owner {
			mine = append(mine, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range mine {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for _, k := range mine {
		hash := string(k[:len(k)-8])
		m, err := getMediaMeta(tx, hash)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if m.Refs > 0 {
			continue
		}
		if other, _ := b.Cursor().Seek([]byte(hash)); other != nil && bytes.HasPrefix(other, []byte(hash)) {
			continue
		}
		if err := deleteMedia(tx, hash); err != nil {
			return err
		}
	}
	return nil
}
