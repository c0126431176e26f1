// Package storage keeps every record of a majlis instance in one bbolt file.
// It is the only package that imports bbolt; nothing here knows about HTTP.
//
// Bucket tree (all buckets are created when the file is opened):
//
//	meta:         "schema_version" => uint64 (big-endian)
//	              "session_keys"   => 64 random bytes (hash key | block key)
//	users:        userID => User (JSON)
//	usernames:    lower(username) ["@" domain] => userID
//	posts:        postID => Post (JSON)
//	author_posts: authorID | postID => nil (a user's posts in time order)
//	local_posts:  postID => nil (the local timeline: public posts written here)
//	follows:      followerID | followeeID => created (unix nanoseconds)
//	followers:    followeeID | followerID => created (unix nanoseconds)
//	sessions:     sessionID => Session (JSON)
//	user_sessions: userID | sessionID => nil (to revoke every session of a user)
//	media:        sha256 hex of the bytes => the bytes of one processed image file
//	              (a media.Variant), stored as-is; equal files are stored once
//	media_meta:   sha256 hex => mediaMeta (JSON: content type, width, height, size,
//	              refs = how many posts and profiles use it, created); written in the
//	              same transaction as its media entry. Refs 0 means an upload not yet
//	              used: PruneUnreferencedMedia removes those after a while. When the
//	              last reference goes, both entries are deleted in that transaction.
//
// IDs are 64-bit, time-ordered (see ID) and stored big-endian, so a cursor walks
// a bucket or an index prefix in time order. Every index entry is written in the
// same transaction as the record it points to. Values returned by bbolt are only
// valid inside their transaction; every getter here copies or decodes them first.
package storage
