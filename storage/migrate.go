package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migration upgrades the file by one schema version, in one transaction.
type migration struct {
	name string
	up   func(tx *bolt.Tx) error
}

// migrations are applied in order; the schema version of a file is the
// number of migrations it has had. Append only: never edit a released step.
var migrations = []migration{
	{"create buckets", createBuckets(bucketMeta, bucketUsers, bucketUsernames, bucketPosts,
		bucketAuthorPosts, bucketLocalPosts, bucketFollows, bucketFollowers, bucketSessions,
		bucketUserSessions)},
	{"create conversation buckets", createBuckets(bucketReplies, bucketTags, bucketLikes,
		bucketUserLikes, bucketReposts, bucketUserReposts, bucketBookmarks, bucketPostMarks,
		bucketNotes, bucketBlocks, bucketBlockedBy, bucketMutes, bucketRequests,
		bucketSentRequests, bucketEdits)},
	{"create media buckets", createBuckets(bucketMedia, bucketMediaMeta)},
	{"create media index buckets", createBuckets(bucketMediaPosts, bucketMediaProfiles, bucketMediaUploads)},
	{"create administration buckets", createBuckets(bucketInvites, bucketUserInvites,
		bucketApplications, bucketReports, bucketOpenReports, bucketUserReports, bucketModLog)},
	{"normalize hashtag keys", retag},
	{"count followers-only and direct posts per account", countPrivatePosts},
	{"create the outbox and the remote account indexes", createOutbox},
	{"create the federation buckets", createBuckets(bucketActorKeys, bucketPostURIs,
		bucketInbox, bucketInboxSeen, bucketDeliveries, bucketHosts, bucketDomainBlocks,
		bucketUserDomainBlocks)},
	{"create the client API buckets", createBuckets(bucketOAuthApps, bucketOAuthClients,
		bucketOAuthCodes, bucketOAuthTokens, bucketUserTokens)},
	{"index the federated timeline", indexPublicPosts},
	{"create the search index", createSearchIndex},
	{"create the list, filter and followed tag buckets", createBuckets(bucketLists, bucketUserLists,
		bucketListMembers, bucketFilters, bucketFollowedTags, bucketTagFollowers)},
	{"create the poll and quote buckets", createBuckets(bucketPollVotes, bucketUserVotes, bucketPollEnds, bucketQuotes, bucketQuoteAuths)},
	{"create the two-factor and certificate cache buckets", createBuckets(bucketTwoFactor, bucketCertCache)},
	{"index each member's direct conversations", indexDirectPosts},
	{"mark the text direction of each block of stored posts", markDirections},
	{"create the custom emoji buckets", createBuckets(bucketEmoji, bucketEmojiFiles)},
}

// createBuckets is a migration step that adds buckets.
func createBuckets(names ...[]byte) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, name := range names {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return nil
	}
}

// SchemaVersion is the version this program writes.
func SchemaVersion() uint64 { return uint64(len(migrations)) }

func (db *DB) schemaVersion() (uint64, error) {
	var v uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(bucketMeta); m != nil {
			if b := m.Get(keySchemaVersion); len(b) == 8 {
				v = binary.BigEndian.Uint64(b)
			}
		}
		return nil
	})
	return v, err
}

func (db *DB) migrate() error {
	have, err := db.schemaVersion()
	if err != nil {
		return err
	}
	want := SchemaVersion()
	if have > want {
		return fmt.Errorf("file has schema version %d, this majlis knows up to %d; run a newer majlis: %w", have, want, ErrNewerSchema)
	}
	for v := have; v < want; v++ {
		step := migrations[v]
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			if err := step.up(tx); err != nil {
				return err
			}
			m, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			return m.Put(keySchemaVersion, u64(v+1))
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", v+1, step.name, err)
		}
		if have > 0 {
			db.log.Info("database upgraded", "schema_version", v+1, "step", step.name)
		}
	}
	return nil
}

// countPrivatePosts fills in User.FollowersPostsCount and DirectPostsCount
// from the visibility codes in author_posts (one pass over the index, no
// post decoded).
func countPrivatePosts(tx *bolt.Tx) error {
	followers, direct := map[ID]int{}, map[ID]int{}
	err := tx.Bucket(bucketAuthorPosts).ForEach(func(k, v []byte) error {
		if len(k) == 16 && len(v) > 0 {
			switch v[0] {
			case visCodes[FollowersOnly]:
				followers[keyID(k, 0)]++
			case visCodes[Direct]:
				direct[keyID(k, 0)]++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	authors := map[ID]bool{}
	for id := range followers {
		authors[id] = true
	}
	for id := range direct {
		authors[id] = true
	}
	for id := range authors {
		err := updateUser(tx, id, func(u *User) { u.FollowersPostsCount, u.DirectPostsCount = followers[id], direct[id] })
		if errors.Is(err, ErrNotFound) {
			continue // an index entry without its account
		}
		if err != nil {
			return fmt.Errorf("user %d: %w", id, err)
		}
	}
	return nil
}

// indexPublicPosts creates public_posts and lists in it every post the
// federated timeline shows (onPublicTimeline).
func indexPublicPosts(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketPublicPosts)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		var p Post
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("post %d: %w", keyID(k, 0), err)
		}
		if !onPublicTimeline(&p) {
			return nil
		}
		return b.Put(k, nil)
	})
}
