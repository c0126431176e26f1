package storage

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bulkFillPercent is how full the bulk loader packs the pages of buckets
// whose keys it receives in ascending order (within each prefix): nearly
// full, since nothing will be inserted between those keys later. bbolt's
// default (0.5) suits random inserts and would double the file.
const bulkFillPercent = 0.95

// BulkWriter writes generated records straight into the buckets, with every
// index entry the normal write paths (CreateUser, CreatePost, Follow) write,
// but none of the notifications they send: nobody was there to be told of
// generated follows and mentions. It exists for the seeder only: a server
// never calls it. It checks nothing the caller is trusted to get right
// (unique IDs, sensible times), except what would leave the file
// inconsistent in a way the normal paths prevent (a taken username, a post
// or follow twice, an author or mentioned account that does not exist). It
// writes top-level posts only: replies and reposts are refused until the
// seeder generates them.
//
// Counts: PutUser stores the counts of the User it is given (normally zero)
// as a starting point; every PutPost adds one to its author's PostsCount and
// every PutFollow one to FollowingCount and FollowersCount. The changes are
// kept in memory and written to the user records when the Bulk transaction
// commits, so a profile shows the right numbers without a user record being
// rewritten for each post.
//
// Keys should arrive in ascending order for the pages to be packed well:
// users and posts by ascending ID, follows grouped by follower with
// ascending followees (and followers of each followee ascending).
type BulkWriter struct {
	tx                                               *bolt.Tx
	users, usernames, posts, authorPosts, localPosts *bolt.Bucket
	follows, followers                               *bolt.Bucket
	deltas                                           map[ID]*countDelta
	n                                                int
}

type countDelta struct{ posts, followers, following int }

// Bulk runs fn in one writable transaction with a BulkWriter, then writes
// the changed counts and commits. An error from fn rolls everything back.
// Callers split big loads into several calls of some tens of thousands of
// records each: one transaction holds all its dirty pages in memory. Open
// the file with Options{NoSync: true} for a load and call Sync at the end.
func (db *DB) Bulk(fn func(b *BulkWriter) error) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		// Records are written without naming each to the caches.
		forgetAllRecords(tx)
		b := &BulkWriter{
			tx:          tx,
			users:       tx.Bucket(bucketUsers),
			usernames:   tx.Bucket(bucketUsernames),
			posts:       tx.Bucket(bucketPosts),
			authorPosts: tx.Bucket(bucketAuthorPosts),
			localPosts:  tx.Bucket(bucketLocalPosts),
			follows:     tx.Bucket(bucketFollows),
			followers:   tx.Bucket(bucketFollowers),
			deltas:      map[ID]*countDelta{},
		}
		// Not users: their records grow when the counts are written.
		for _, bk := range []*bolt.Bucket{b.posts, b.authorPosts, b.localPosts, b.follows, b.followers, tx.Bucket(bucketTags)} {
			bk.FillPercent = bulkFillPercent
		}
		if err := fn(b); err != nil {
			return err
		}
		return b.flushCounts()
	})
	if err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	// Later posts and users made by this process continue after the loaded
	// ones, as they would after a restart.
	return db.initIDs()
}

// Sync flushes the file to disk: the end of a load made with NoSync.
func (db *DB) Sync() error {
	if err := db.bolt.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// Records is the number of records and index entries written so far in
// this transaction.
func (b *BulkWriter) Records() int { return b.n }

func (b *BulkWriter) delta(id ID) *countDelta {
	d := b.deltas[id]
	if d == nil {
		d = &countDelta{}
		b.deltas[id] = d
	}
	return d
}

// PutUser stores an account and its username. ID, Username and URI are
// required; Role defaults to RoleUser and CreatedAt to the ID's time. Unlike
// CreateUser it does not make the first account the admin: the caller sets
// Role.
func (b *BulkWriter) PutUser(u User) error {
	if u.ID == 0 || u.Username == "" || u.URI == "" {
		return fmt.Errorf("put user: id, username and uri are required: %w", ErrInvalid)
	}
	if !validBulkUsername(u.Username) {
		return fmt.Errorf("put user: username %q: %w", u.Username, ErrInvalid)
	}
	if u.Role == "" {
		u.Role = RoleUser
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = u.ID.Time()
	}
	u.V = userVersion
	key := usernameKey(u.Username, u.Domain)
	if b.usernames.Get(key) != nil {
		return fmt.Errorf("put user: username %q: %w", u.Username, ErrExists)
	}
	if b.users.Get(idKey(u.ID)) != nil {
		return fmt.Errorf("put user %d: %w", u.ID, ErrExists)
	}
	if err := putUser(b.tx, &u); err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	if err := b.usernames.Put(key, idKey(u.ID)); err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	b.n += 2
	return nil
}

// validBulkUsername refuses what would break the usernames index: empty
// names and "@", which separates the domain of remote accounts.
func validBulkUsername(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			return false
		}
	}
	return s != ""
}

// PutPost stores a top-level post with its index entries (author_posts;
// local_posts for a local public post; tags for a public one with Tags)
// and counts the post for its author; the accounts in Mentions are not
// notified. The author and the mentioned accounts must exist, in this
// transaction or an earlier one. ID, AuthorID and URI are required;
// Visibility defaults to Public and CreatedAt to the ID's time.
func (b *BulkWriter) PutPost(p Post) error {
	if p.ID == 0 || p.AuthorID == 0 || p.URI == "" {
		return fmt.Errorf("put post: id, author and uri are required: %w", ErrInvalid)
	}
	if p.InReplyTo != 0 || p.RepostOf != 0 {
		return fmt.Errorf("put post %d: replies and reposts are not supported by the bulk loader yet: %w", p.ID, ErrInvalid)
	}
	if p.Visibility == "" {
		p.Visibility = Public
	}
	if !p.Visibility.Valid() {
		return fmt.Errorf("put post %d: visibility %q: %w", p.ID, p.Visibility, ErrInvalid)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = p.ID.Time()
	}
	if b.posts.Get(idKey(p.ID)) != nil {
		return fmt.Errorf("put post %d: %w", p.ID, ErrExists)
	}
	if !b.exists(p.AuthorID) {
		return fmt.Errorf("put post %d: author %d: %w", p.ID, p.AuthorID, ErrNotFound)
	}
	for _, m := range p.Mentions {
		if !b.exists(m) {
			return fmt.Errorf("put post %d: mentioned user %d: %w", p.ID, m, ErrNotFound)
		}
	}
	if err := putPost(b.tx, &p); err != nil {
		return fmt.Errorf("put post: %w", err)
	}
	if err := indexPost(b.tx, &p); err != nil {
		return fmt.Errorf("put post: %w", err)
	}
	b.delta(p.AuthorID).posts++
	b.n += 2 + len(p.Tags)
	return nil
}

// exists tells whether the user was stored, looking it up once per
// transaction.
func (b *BulkWriter) exists(id ID) bool {
	if _, ok := b.deltas[id]; ok {
		return true
	}
	if b.users.Get(idKey(id)) == nil {
		return false
	}
	b.delta(id)
	return true
}

// PutFollow records that follower follows followee since at, in both
// indexes, and counts it for both accounts (which must exist). The
// followee is not notified, and a locked followee gets a follow, not a
// request.
func (b *BulkWriter) PutFollow(follower, followee ID, at time.Time) error {
	if follower == followee {
		return fmt.Errorf("put follow: cannot follow yourself: %w", ErrInvalid)
	}
	key := pairKey(follower, followee)
	if b.follows.Get(key) != nil {
		return fmt.Errorf("put follow %d -> %d: %w", follower, followee, ErrExists)
	}
	for _, id := range []ID{follower, followee} {
		if !b.exists(id) {
			return fmt.Errorf("put follow: user %d: %w", id, ErrNotFound)
		}
	}
	ts := stamp(at)
	if err := b.follows.Put(key, ts); err != nil {
		return fmt.Errorf("put follow: %w", err)
	}
	if err := b.followers.Put(pairKey(followee, follower), ts); err != nil {
		return fmt.Errorf("put follow: %w", err)
	}
	b.delta(follower).following++
	b.delta(followee).followers++
	b.n += 2
	return nil
}

// flushCounts adds the counted changes to the user records.
func (b *BulkWriter) flushCounts() error {
	for id, d := range b.deltas {
		if *d == (countDelta{}) {
			continue
		}
		err := updateUser(b.tx, id, func(u *User) {
			u.PostsCount += d.posts
			u.FollowersCount += d.followers
			u.FollowingCount += d.following
		})
		if err != nil {
			return fmt.Errorf("update counts: %w", err)
		}
	}
	return nil
}
