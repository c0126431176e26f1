package storage

import "encoding/binary"

var (
	bucketMeta         = []byte("meta")
	bucketUsers        = []byte("users")
	bucketUsernames    = []byte("usernames")
	bucketPosts        = []byte("posts")
	bucketAuthorPosts  = []byte("author_posts")
	bucketLocalPosts   = []byte("local_posts")
	bucketFollows      = []byte("follows")
	bucketFollowers    = []byte("followers")
	bucketSessions     = []byte("sessions")
	bucketUserSessions = []byte("user_sessions")

	keySchemaVersion = []byte("schema_version")
	keySessionKeys   = []byte("session_keys")
)

// allBuckets lists every top-level bucket; Open creates the missing ones.
var allBuckets = [][]byte{
	bucketMeta, bucketUsers, bucketUsernames, bucketPosts, bucketAuthorPosts,
	bucketLocalPosts, bucketFollows, bucketFollowers, bucketSessions, bucketUserSessions,
}

// idKey encodes an ID as 8 big-endian bytes.
func idKey(id ID) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return b[:]
}

// pairKey encodes two IDs as 16 bytes: a | b.
func pairKey(a, b ID) []byte {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], uint64(a))
	binary.BigEndian.PutUint64(k[8:], uint64(b))
	return k[:]
}

// keyID decodes the ID at offset off of a key.
func keyID(k []byte, off int) ID {
	return ID(binary.BigEndian.Uint64(k[off : off+8]))
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}
