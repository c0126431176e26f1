package storage

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bulkFillPercent is how full the bulk loader packs the pages of buckets
// whose keys it receives in ascending order (within each prefix): nearly
// full, since nothing will be inserted between those keys later. bbolt's
// default (0.5) suits random inserts and would double the file.
const bulkFillPercent = 0.95

// BulkWriter writes generated records straight into the buckets, with every
// index entry the normal write paths (CreateUser, CreatePost, Follow, Like,
// Repost, Bookmark) write, but none of the notifications they send: nobody
// was there to be told of generated follows, mentions, replies, likes and
// reposts. It exists for the seeder only: a server never calls it. It
// checks nothing the caller is trusted to get right (unique IDs, sensible
// times), except what would leave the file inconsistent in a way the
// normal paths prevent (a taken username, a post, follow, like, repost or
// bookmark twice, an author, target or mentioned account that does not
// exist), and it refuses what the normal paths refuse (a reply to a
// repost or to a post its author may not see, a repost of a followers-only
// post, anything across a block, a bot's reply or mention to an account
// that refuses bots).
//
// Counts: PutUser stores the counts of the User it is given (normally zero)
// as a starting point; every PutPost (a post, reply or repost) adds one to
// its author's PostsCount and every PutFollow one to FollowingCount and
// FollowersCount. Likewise a reply adds one to its parent's Replies (when
// countsAsReply), a repost to its original's Reposts and a like to the
// post's Likes. The changes are kept in memory and written when the Bulk
// transaction commits: a post stored in the same transaction is written
// once, with its counts; an older one is read, changed and written once per
// transaction, however many likes it got. So a profile or a post shows the
// right numbers without a record being rewritten for each post or like.
//
// Keys should arrive in ascending order for the pages to be packed well:
// users and posts (replies and reposts included) by ascending ID, follows
// grouped by follower with ascending followees (and followers of each
// followee ascending), likes and bookmarks with their post, by ascending
// user ID.
type BulkWriter struct {
	tx                                               *bolt.Tx
	users, usernames, posts, authorPosts, localPosts *bolt.Bucket
	follows, followers, remoteFollowers, remoteURIs  *bolt.Bucket
	likes, userReposts, postMarks                    *bolt.Bucket
	replies, userLikes, reposts, bookmarks           *sortedPuts
	known                                            map[ID]*bulkUser
	touched                                          map[ID]*bulkPost
	order                                            []*bulkPost // touched, in the order first seen
	hasBlocks                                        bool
	n                                                int
}

// bulkUser is an account the transaction stored or looked up: its count
// changes, and what the bot rule needs.
type bulkUser struct {
	countDelta
	bot    bool
	remote bool // an account of another server: its follows go in remote_followers
}

type countDelta struct {
	posts, followersPosts, directPosts, followers, following int
}

// bulkPost is a post the transaction stored, or an older one it read as
// the target of a reply, like, repost or bookmark.
type bulkPost struct {
	Post
	fresh   bool // stored in this transaction: written when it commits
	changed bool // an older post whose counts changed: rewritten then
}

// sortedPuts holds the entries of a bucket whose keys arrive under many
// prefixes at once (user_likes gets the likers of each post in turn) and
// puts them in ascending order when the transaction commits. bbolt keeps a
// transaction's changes in memory nodes, each a sorted array: a key put
// before others already there shifts them all, which for the tens of
// thousands of entries of one transaction in a young bucket costs more
// than everything else; in order, each put appends.
type sortedPuts struct {
	b       *bolt.Bucket
	entries []entry
}

type entry struct{ k, v []byte }

func (s *sortedPuts) put(k, v []byte) { s.entries = append(s.entries, entry{k, v}) }

func (s *sortedPuts) flush() error {
	slices.SortFunc(s.entries, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
	for _, e := range s.entries {
		if err := s.b.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}

// noNotification is the value of a like loaded in bulk, where the normal
// path keeps the ID of the like's notification: none was sent, and ID 0
// names no notification, so Unlike and the deletions find nothing to
// withdraw.
var noNotification = idKey(0)

// Bulk runs fn in one writable transaction with a BulkWriter, then writes
// the posts and the changed counts and commits. An error from fn rolls
// everything back. Callers split big loads into several calls of some tens
// of thousands of records each: one transaction holds all its dirty pages
// in memory. Open the file with Options{NoSync: true} for a load and call
// Sync at the end.
func (db *DB) Bulk(fn func(b *BulkWriter) error) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		// Records are written without naming each to the caches.
		forgetAllRecords(tx)
		b := &BulkWriter{
			tx:              tx,
			users:           tx.Bucket(bucketUsers),
			usernames:       tx.Bucket(bucketUsernames),
			posts:           tx.Bucket(bucketPosts),
			authorPosts:     tx.Bucket(bucketAuthorPosts),
			localPosts:      tx.Bucket(bucketLocalPosts),
			follows:         tx.Bucket(bucketFollows),
			followers:       tx.Bucket(bucketFollowers),
			remoteFollowers: tx.Bucket(bucketRemoteFollowers),
			remoteURIs:      tx.Bucket(bucketRemoteURIs),
			likes:           tx.Bucket(bucketLikes),
			userReposts:     tx.Bucket(bucketUserReposts),
			postMarks:       tx.Bucket(bucketPostMarks),
			replies:         &sortedPuts{b: tx.Bucket(bucketReplies)},
			userLikes:       &sortedPuts{b: tx.Bucket(bucketUserLikes)},
			reposts:         &sortedPuts{b: tx.Bucket(bucketReposts)},
			bookmarks:       &sortedPuts{b: tx.Bucket(bucketBookmarks)},
			known:           map[ID]*bulkUser{},
			touched:         map[ID]*bulkPost{},
		}
		// A seeded file has no blocks: checking them costs nothing then.
		b.hasBlocks = firstKey(tx.Bucket(bucketBlocks)) != nil
		// Not users: their records grow when the counts are written.
		for _, bk := range []*bolt.Bucket{b.posts, b.authorPosts, b.localPosts, b.follows, b.followers,
			tx.Bucket(bucketTags), b.likes, b.userReposts, b.postMarks,
			b.replies.b, b.userLikes.b, b.reposts.b, b.bookmarks.b} {
			bk.FillPercent = bulkFillPercent
		}
		if err := fn(b); err != nil {
			return err
		}
		if err := b.flushPosts(); err != nil {
			return err
		}
		for _, s := range []*sortedPuts{b.replies, b.userLikes, b.reposts, b.bookmarks} {
			if err := s.flush(); err != nil {
				return err
			}
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

func firstKey(bk *bolt.Bucket) []byte {
	k, _ := bk.Cursor().First()
	return k
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
	if err := indexRemoteUser(b.remoteURIs, &u); err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	if err := putUser(b.tx, &u); err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	if err := b.usernames.Put(key, idKey(u.ID)); err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	b.known[u.ID] = &bulkUser{bot: u.Bot, remote: u.Domain != ""}
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

// user returns the account if it was stored, in this transaction or an
// earlier one, reading it once per transaction.
func (b *BulkWriter) user(id ID) *bulkUser {
	if u, ok := b.known[id]; ok {
		return u
	}
	v := b.users.Get(idKey(id))
	if v == nil {
		return nil
	}
	// Only what the bot rule and remote_followers need; the counts are
	// added at commit.
	var flags struct {
		Bot    bool   `json:"bot"`
		Domain string `json:"domain"`
	}
	if err := decodeRecord(v, &flags); err != nil {
		return nil
	}
	u := &bulkUser{bot: flags.Bot, remote: flags.Domain != ""}
	b.known[id] = u
	return u
}

// contact applies the rules CreatePost applies to the accounts a post
// reaches (the mentioned, the replied-to author): no block either way, and
// no bot writing to an account that refuses bots.
func (b *BulkWriter) contact(author, target ID) error {
	if b.blocked(author, target) {
		return fmt.Errorf("user %d: %w", target, ErrForbidden)
	}
	if author != target && b.known[author].bot {
		return botContact(b.tx, author, target)
	}
	return nil
}

func (b *BulkWriter) blocked(a, c ID) bool { return b.hasBlocks && blockedEitherWay(b.tx, a, c) }

// sees tells whether the user may see the post, as visiblePost decides it
// (blocks aside, which the callers check on their own).
func (b *BulkWriter) sees(userID ID, p *Post) bool {
	if p.AuthorID == userID || p.Visibility == Public || p.Visibility == Unlisted {
		return true
	}
	v := &viewer{id: userID, blocked: map[ID]bool{}, muted: map[ID]bool{}, follows: map[ID]bool{}}
	return v.canSee(b.tx, p)
}

// post returns a post stored in this transaction or an earlier one.
func (b *BulkWriter) post(id ID) (*bulkPost, error) {
	if p, ok := b.touched[id]; ok {
		return p, nil
	}
	p, err := getPost(b.tx, id)
	if err != nil {
		return nil, err
	}
	bp := &bulkPost{Post: p}
	b.touched[id] = bp
	b.order = append(b.order, bp)
	return bp, nil
}

// target returns the post a like, repost or bookmark by userID is about,
// by the rules of visiblePost: a repost stands for its original; a post the
// user may not see is ErrNotFound, one across a block ErrForbidden.
func (b *BulkWriter) target(userID, postID ID) (*bulkPost, error) {
	if b.user(userID) == nil {
		return nil, fmt.Errorf("user %d: %w", userID, ErrNotFound)
	}
	p, err := b.post(postID)
	if err != nil {
		return nil, err
	}
	if p.IsRepost() {
		if p, err = b.post(p.RepostOf); err != nil {
			return nil, err
		}
	}
	if !b.sees(userID, &p.Post) {
		return nil, fmt.Errorf("post %d: %w", postID, ErrNotFound)
	}
	if b.blocked(userID, p.AuthorID) {
		return nil, fmt.Errorf("post %d: %w", postID, ErrForbidden)
	}
	return p, nil
}

// PutPost stores a post with its index entries (author_posts; local_posts
// for a local public top-level post; tags for a public one with Tags) and
// counts it for its author; the accounts it mentions or answers are not
// notified. The author, the mentioned accounts and the post it answers or
// reposts must exist, in this transaction or an earlier one. ID, AuthorID
// and URI are required; Visibility defaults to Public (for a repost, to
// the original's) and CreatedAt to the ID's time. Attachments are refused:
// the loader stores no media.
//
// A reply (InReplyTo set) is written as CreatePost writes it: its
// InReplyToAuthor is filled in, the replies index lists it under its
// parent, and the parent's Replies counts it when countsAsReply.
//
// A repost (RepostOf set) is written as Repost writes it: a post with no
// text of its own and the original's visibility, listed in reposts and
// user_reposts, counted in the original's Reposts. A repost of a repost
// reposts its original.
func (b *BulkWriter) PutPost(p Post) error {
	if p.ID == 0 || p.AuthorID == 0 || p.URI == "" {
		return fmt.Errorf("put post: id, author and uri are required: %w", ErrInvalid)
	}
	if len(p.Attachments) > 0 {
		return fmt.Errorf("put post %d: attachments are not supported by the bulk loader: %w", p.ID, ErrInvalid)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = p.ID.Time()
	}
	if _, ok := b.touched[p.ID]; ok || b.posts.Get(idKey(p.ID)) != nil {
		return fmt.Errorf("put post %d: %w", p.ID, ErrExists)
	}
	if b.user(p.AuthorID) == nil {
		return fmt.Errorf("put post %d: author %d: %w", p.ID, p.AuthorID, ErrNotFound)
	}
	var err error
	if p.RepostOf != 0 {
		err = b.putRepost(&p)
	} else {
		err = b.putPost(&p)
	}
	if err != nil {
		return fmt.Errorf("put post %d: %w", p.ID, err)
	}
	if err := indexPost(b.tx, &p); err != nil {
		return fmt.Errorf("put post %d: %w", p.ID, err)
	}
	bp := &bulkPost{Post: p, fresh: true}
	b.touched[p.ID] = bp
	b.order = append(b.order, bp)
	d := &b.known[p.AuthorID].countDelta
	d.posts++
	switch p.Visibility {
	case FollowersOnly:
		d.followersPosts++
	case Direct:
		d.directPosts++
	}
	b.n += 2 + len(p.Tags)
	return nil
}

// putPost checks and links a post or a reply (not its index entries).
func (b *BulkWriter) putPost(p *Post) error {
	if p.Visibility == "" {
		p.Visibility = Public
	}
	if !p.Visibility.Valid() {
		return fmt.Errorf("visibility %q: %w", p.Visibility, ErrInvalid)
	}
	for _, m := range p.Mentions {
		if b.user(m) == nil {
			return fmt.Errorf("mentioned user %d: %w", m, ErrNotFound)
		}
		if err := b.contact(p.AuthorID, m); err != nil {
			return fmt.Errorf("mention: %w", err)
		}
	}
	if p.InReplyTo == 0 {
		return nil
	}
	parent, err := b.post(p.InReplyTo)
	if err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	if parent.IsRepost() {
		return fmt.Errorf("reply to a repost: %w", ErrInvalid)
	}
	if !b.sees(p.AuthorID, &parent.Post) {
		return fmt.Errorf("reply to post %d: %w", parent.ID, ErrForbidden)
	}
	if err := b.contact(p.AuthorID, parent.AuthorID); err != nil {
		return fmt.Errorf("reply to post %d: %w", parent.ID, err)
	}
	p.InReplyToAuthor = parent.AuthorID
	if countsAsReply(p) {
		parent.Replies++
		parent.changed = true
	}
	b.replies.put(pairKey(parent.ID, p.ID), nil)
	b.n++
	return nil
}

// putRepost checks and links a repost (not its index entries).
func (b *BulkWriter) putRepost(p *Post) error {
	if p.InReplyTo != 0 || p.Source != "" || p.HTML != "" || p.ContentWarning != "" || len(p.Mentions) > 0 || len(p.Tags) > 0 {
		return fmt.Errorf("a repost has no text of its own: %w", ErrInvalid)
	}
	orig, err := b.target(p.AuthorID, p.RepostOf)
	if err != nil {
		return fmt.Errorf("repost: %w", err)
	}
	if !orig.Visibility.Repostable() {
		return fmt.Errorf("repost of a %s post: %w", orig.Visibility, ErrForbidden)
	}
	if p.Visibility == "" {
		p.Visibility = orig.Visibility
	}
	if p.Visibility != orig.Visibility {
		return fmt.Errorf("repost with visibility %q of a %s post: %w", p.Visibility, orig.Visibility, ErrInvalid)
	}
	p.RepostOf = orig.ID
	if b.userReposts.Get(pairKey(p.AuthorID, orig.ID)) != nil {
		return fmt.Errorf("repost of post %d by user %d: %w", orig.ID, p.AuthorID, ErrExists)
	}
	b.reposts.put(pairKey(orig.ID, p.ID), idKey(p.AuthorID))
	if err := b.userReposts.Put(pairKey(p.AuthorID, orig.ID), idKey(p.ID)); err != nil {
		return err
	}
	orig.Reposts++
	orig.changed = true
	b.n += 2
	return nil
}

// PutLike records that the user likes the post, in likes and user_likes,
// and counts it in the post's Likes; the author is not notified, so the
// like's value names no notification. A repost stands for its original,
// as in Like.
func (b *BulkWriter) PutLike(userID, postID ID) error {
	p, err := b.target(userID, postID)
	if err != nil {
		return fmt.Errorf("put like: %w", err)
	}
	key := pairKey(p.ID, userID)
	if b.likes.Get(key) != nil {
		return fmt.Errorf("put like of post %d by user %d: %w", p.ID, userID, ErrExists)
	}
	if err := b.likes.Put(key, noNotification); err != nil {
		return fmt.Errorf("put like: %w", err)
	}
	b.userLikes.put(pairKey(userID, p.ID), noNotification)
	p.Likes++
	p.changed = true
	b.n += 2
	return nil
}

// PutBookmark keeps the post in the user's bookmarks since at, in
// bookmarks and post_bookmarks. A repost stands for its original, as in
// Bookmark.
func (b *BulkWriter) PutBookmark(userID, postID ID, at time.Time) error {
	p, err := b.target(userID, postID)
	if err != nil {
		return fmt.Errorf("put bookmark: %w", err)
	}
	// post_bookmarks tells: bookmarks is written at commit.
	key := pairKey(p.ID, userID)
	if b.postMarks.Get(key) != nil {
		return fmt.Errorf("put bookmark of post %d by user %d: %w", p.ID, userID, ErrExists)
	}
	ts := stamp(at)
	if err := b.postMarks.Put(key, ts); err != nil {
		return fmt.Errorf("put bookmark: %w", err)
	}
	b.bookmarks.put(pairKey(userID, p.ID), ts)
	b.n += 2
	return nil
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
		if b.user(id) == nil {
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
	if b.known[follower].remote {
		if err := b.remoteFollowers.Put(pairKey(followee, follower), nil); err != nil {
			return fmt.Errorf("put follow: %w", err)
		}
		b.n++
	}
	b.known[follower].following++
	b.known[followee].followers++
	b.n += 2
	return nil
}

// flushPosts writes the posts stored in this transaction, with their
// counts, and the older posts whose counts changed.
func (b *BulkWriter) flushPosts() error {
	for _, p := range b.order {
		if !p.fresh && !p.changed {
			continue
		}
		if err := putPost(b.tx, &p.Post); err != nil {
			return fmt.Errorf("write post %d: %w", p.ID, err)
		}
	}
	return nil
}

// flushCounts adds the counted changes to the user records.
func (b *BulkWriter) flushCounts() error {
	for id, u := range b.known {
		d := u.countDelta
		if d == (countDelta{}) {
			continue
		}
		err := updateUser(b.tx, id, func(u *User) {
			u.PostsCount += d.posts
			u.FollowersPostsCount += d.followersPosts
			u.DirectPostsCount += d.directPosts
			u.FollowersCount += d.followers
			u.FollowingCount += d.following
		})
		if err != nil {
			return fmt.Errorf("update counts: %w", err)
		}
	}
	return nil
}
