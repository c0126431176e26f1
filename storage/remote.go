package storage

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What other servers do here on their accounts' behalf (the federation
// inbox, through package social): their posts stored like local ones,
// their reposts, follows and the answers to our members' follows. Each is
// one transaction, with the same rules as a member's action (blocks,
// visibility, notifications); only what cannot be refused, because it
// already happened on the other server, is handled otherwise (a mention
// across a block is left out rather than refusing the whole post).

// followIDPrefix starts the inbox_seen keys that keep, for a remote
// account's follow of a member, the id of the Follow it sent, so the
// Accept (or Reject) we send echoes it: followIDPrefix | followerID |
// followeeID => the Follow's id. Activity ids, the other keys there, are
// URLs and never start with a zero byte.
var followIDPrefix = []byte("\x00follow")

func followIDKey(followerID, followeeID ID) []byte {
	return append(append([]byte(nil), followIDPrefix...), pairKey(followerID, followeeID)...)
}

// indexPostURI lists a remote post under its URI in post_uris.
func indexPostURI(tx *bolt.Tx, p *Post) error {
	if p.Local || p.URI == "" {
		return nil
	}
	return tx.Bucket(bucketPostURIs).Put([]byte(p.URI), idKey(p.ID))
}

// unindexPostURI drops a remote post's post_uris entry (deletePost).
func unindexPostURI(tx *bolt.Tx, p *Post) error {
	if p.Local || p.URI == "" {
		return nil
	}
	b := tx.Bucket(bucketPostURIs)
	if v := b.Get([]byte(p.URI)); len(v) == 8 && keyID(v, 0) == p.ID {
		return b.Delete([]byte(p.URI))
	}
	return nil
}

// PostByURI returns the remote post (or remote repost) with that URI.
func (db *DB) PostByURI(uri string) (Post, error) {
	var p Post
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPostURIs).Get([]byte(uri))
		if len(v) != 8 {
			return fmt.Errorf("post %q: %w", uri, ErrNotFound)
		}
		var err error
		p, err = getPost(tx, keyID(v, 0))
		return err
	})
	return p, err
}

// allowedMentions is ids without repeats and without the accounts a post
// by author may not reach: gone, blocked either way, refusing bots when
// author is one, or having blocked author's whole domain.
func allowedMentions(tx *bolt.Tx, authorID ID, ids []ID) []ID {
	author, err := getUser(tx, authorID)
	if err != nil {
		return nil
	}
	var out []ID
	for _, m := range ids {
		if m == 0 || slices.Contains(out, m) {
			continue
		}
		if _, err := getUser(tx, m); err != nil {
			continue
		}
		if blockedEitherWay(tx, authorID, m) || botContact(tx, authorID, m) != nil || blocksDomain(tx, m, author.Domain) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// PutRemotePost stores a post of a remote account, or updates the one
// stored under the same URI: created tells which. p needs AuthorID (a
// remote account) and URI; a new post gets an ID when it has none, and
// takes its attachments from uploads of its author (PutUpload), as a
// member's post does. Mentions that a post of the author may not reach
// are left out (the post exists on its server whatever we decide). A
// reply needs its parent stored and visible to the author (ErrNotFound,
// ErrForbidden otherwise). An update keeps the earlier version in the
// history, as an edit does, and leaves attachments, visibility and the
// reply link as they were; an update by another account than the post's
// author is ErrForbidden. Storing the same version again changes nothing.
func (db *DB) PutRemotePost(p *Post) (created bool, err error) {
	return db.PutRemotePostAlts(p, nil)
}

// PutRemotePostAlts is PutRemotePost for an update that also says what
// the post's images show (alts, one per image in order, from the object's
// attachments): when the post is stored already with as many images, their
// descriptions change with the text, in the same transaction. alts of
// another length are ignored (an image we could not fetch, say).
func (db *DB) PutRemotePostAlts(p *Post, alts []string) (created bool, err error) {
	if p.AuthorID == 0 || p.URI == "" || p.RepostOf != 0 {
		return false, fmt.Errorf("put remote post: author and uri are required: %w", ErrInvalid)
	}
	if p.Visibility == "" {
		p.Visibility = Public
	}
	if !p.Visibility.Valid() {
		return false, fmt.Errorf("put remote post: visibility %q: %w", p.Visibility, ErrInvalid)
	}
	fresh := p.ID
	if fresh == 0 {
		fresh = db.NewID()
	}
	in := *p
	var out Post
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		post := in
		post.Local = false
		if !isRemote(tx, post.AuthorID) {
			return fmt.Errorf("author %d is not a remote account: %w", post.AuthorID, ErrInvalid)
		}
		post.Mentions = allowedMentions(tx, post.AuthorID, in.Mentions)
		if v := tx.Bucket(bucketPostURIs).Get([]byte(post.URI)); len(v) == 8 {
			old, err := getPost(tx, keyID(v, 0))
			if err != nil {
				return err
			}
			if old.AuthorID != post.AuthorID || old.IsRepost() {
				return fmt.Errorf("post %q belongs to another account: %w", post.URI, ErrForbidden)
			}
			out = old
			newAlts := remoteAlts(&old, alts)
			if old.HTML == post.HTML && old.ContentWarning == post.ContentWarning && slices.Equal(old.Mentions, post.Mentions) && slices.Equal(old.Tags, post.Tags) &&
				(newAlts == nil || slices.Equal(newAlts, altsOf(&old))) {
				return nil
			}
			edited, err := db.editPost(tx, post.AuthorID, old.ID, PostChange{Source: post.Source, HTML: post.HTML,
				ContentWarning: post.ContentWarning, Mentions: post.Mentions, Tags: post.Tags, Alts: newAlts}, true)
			if err != nil {
				return err
			}
			edited.URL, edited.ObjectType, edited.Language = post.URL, post.ObjectType, post.Language
			edited.XRobotsTag, edited.ContentUsage = post.XRobotsTag, post.ContentUsage
			out = edited
			return putPost(tx, &edited)
		}
		created = true
		post.ID = fresh
		post.Attachments = append([]Attachment(nil), in.Attachments...)
		post.Poll = in.Poll.clone()
		if post.CreatedAt.IsZero() {
			post.CreatedAt = db.now().UTC()
		}
		if err := db.createPost(tx, &post); err != nil {
			return err
		}
		out = post
		return indexPostURI(tx, &post)
	})
	if err != nil {
		return false, fmt.Errorf("put remote post: %w", err)
	}
	*p = out
	return created, nil
}

// RemoteRepost stores a remote account's repost (an Announce, whose id is
// uri) of a post: a repost like a member's, with Local false and the
// Announce's id as its URI, so its Undo finds it. The rules are a
// member's: only public and unlisted posts the account may see, no repost
// across a block (ErrForbidden, ErrNotFound); a second repost of the same
// post, or a second Announce with that id, is ErrExists. It returns the
// repost.
func (db *DB) RemoteRepost(userID, postID ID, uri string, at time.Time) (Post, error) {
	if uri == "" {
		return Post{}, fmt.Errorf("remote repost: uri is required: %w", ErrInvalid)
	}
	if at.IsZero() {
		at = db.now()
	}
	id := db.NewID()
	var out Post
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if !isRemote(tx, userID) {
			return fmt.Errorf("user %d is not a remote account: %w", userID, ErrInvalid)
		}
		if tx.Bucket(bucketPostURIs).Get([]byte(uri)) != nil {
			return fmt.Errorf("announce %q: %w", uri, ErrExists)
		}
		r := Post{ID: id, AuthorID: userID, URI: uri, CreatedAt: at.UTC()}
		if _, err := db.repost(tx, &r, postID); err != nil {
			return err
		}
		out = r
		return indexPostURI(tx, &r)
	})
	if err != nil {
		return Post{}, fmt.Errorf("remote repost: %w", err)
	}
	return out, nil
}

// RemoteFollow is a remote account's Follow (whose id is activityID) of a
// local member: a follow at once, with accept (the member's Accept)
// queued in the same transaction; or, for a member who approves
// followers, a request as from a local account, and nothing queued until
// the member answers. The Follow's id is kept for the answer to echo it
// (RemoteFollowID). A Follow that is already a follow is ErrExists with
// state Followed, and queues the Accept again: the other server asks
// again when it lost track. Across a block, or from a domain the member
// blocked, it is ErrForbidden.
func (db *DB) RemoteFollow(followerID, followeeID ID, activityID string, accept Activity) (FollowState, error) {
	if followerID == followeeID {
		return 0, fmt.Errorf("remote follow: %w", ErrInvalid)
	}
	out := []Activity{accept}
	if err := db.stampActivities(out); err != nil {
		return 0, fmt.Errorf("remote follow: %w", err)
	}
	var state FollowState
	already := false
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		already = false
		follower, err := getUser(tx, followerID)
		if err != nil {
			return err
		}
		if follower.Domain == "" {
			return fmt.Errorf("user %d is not a remote account: %w", followerID, ErrInvalid)
		}
		followee, err := getUser(tx, followeeID)
		if err != nil {
			return err
		}
		if followee.Domain != "" {
			return fmt.Errorf("user %d is not a local account: %w", followeeID, ErrInvalid)
		}
		if blockedEitherWay(tx, followerID, followeeID) || blocksDomain(tx, followeeID, follower.Domain) {
			return fmt.Errorf("follow across a block: %w", ErrForbidden)
		}
		if activityID != "" {
			if err := tx.Bucket(bucketInboxSeen).Put(followIDKey(followerID, followeeID), []byte(activityID)); err != nil {
				return err
			}
		}
		if tx.Bucket(bucketFollows).Get(pairKey(followerID, followeeID)) != nil {
			state, already = Followed, true
			return recordOutgoing(tx, out)
		}
		if followee.Locked {
			state = Requested
			if tx.Bucket(bucketSentRequests).Get(pairKey(followerID, followeeID)) != nil {
				already = true
				return nil
			}
			noteID := db.ids.Next(db.now())
			if err := tx.Bucket(bucketRequests).Put(pairKey(followeeID, followerID), idKey(noteID)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketSentRequests).Put(pairKey(followerID, followeeID), stamp(db.now())); err != nil {
				return err
			}
			return notify(tx, followeeID, NoteFollowRequest, followerID, 0, noteID)
		}
		state = Followed
		if err := db.follow(tx, followerID, followeeID); err != nil {
			return err
		}
		return recordOutgoing(tx, out)
	})
	if err != nil {
		return 0, fmt.Errorf("remote follow: %w", err)
	}
	if already {
		// The Follow's id is kept and, for a follow that stands, the
		// Accept queued again; the state is as it was.
		return state, fmt.Errorf("remote follow: %w", ErrExists)
	}
	return state, nil
}

// RemoteFollowID is the id of the Follow a remote account sent to follow
// a local member ("" when none is known), for the Accept or Reject to
// echo.
func (db *DB) RemoteFollowID(followerID, followeeID ID) string {
	var id string
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketInboxSeen).Get(followIDKey(followerID, followeeID)))
		return nil
	})
	return id
}

// dropFollowIDs forgets the Follow ids of follows from or to an account
// being deleted.
func dropFollowIDs(tx *bolt.Tx, userID ID) error {
	b := tx.Bucket(bucketInboxSeen)
	var keys [][]byte
	forPrefix(b, followIDPrefix, func(k, _ []byte) {
		n := len(followIDPrefix)
		if len(k) == n+16 && (keyID(k, n) == userID || keyID(k, n+8) == userID) {
			keys = append(keys, bytes.Clone(k))
		}
	})
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// AcceptRemoteFollow is a remote account's Accept of a local member's
// follow request: the request becomes a follow. Accepted already is not
// an error; no request is ErrNotFound.
func (db *DB) AcceptRemoteFollow(remoteID, localID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if !isRemote(tx, remoteID) {
			return fmt.Errorf("user %d is not a remote account: %w", remoteID, ErrInvalid)
		}
		if tx.Bucket(bucketFollows).Get(pairKey(localID, remoteID)) != nil {
			return nil
		}
		return db.acceptRequest(tx, remoteID, localID)
	})
	if err != nil {
		return fmt.Errorf("accept remote follow: %w", err)
	}
	return nil
}

// RejectRemoteFollow is a remote account's Reject of a local member's
// follow: a pending request is dropped, or, sent after an Accept, the
// follow ends. With neither it is ErrNotFound.
func (db *DB) RejectRemoteFollow(remoteID, localID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if !isRemote(tx, remoteID) {
			return fmt.Errorf("user %d is not a remote account: %w", remoteID, ErrInvalid)
		}
		if tx.Bucket(bucketSentRequests).Get(pairKey(localID, remoteID)) != nil {
			return dropRequest(tx, localID, remoteID)
		}
		return unfollow(tx, localID, remoteID)
	})
	if err != nil {
		return fmt.Errorf("reject remote follow: %w", err)
	}
	return nil
}

// PendingFollowsTo lists the local members whose follow of a remote
// account waits for its answer.
func (db *DB) PendingFollowsTo(remoteID ID) ([]ID, error) {
	var out []ID
	err := db.bolt.View(func(tx *bolt.Tx) error {
		forPrefix(tx.Bucket(bucketRequests), idKey(remoteID), func(k, _ []byte) { out = append(out, keyID(k, 8)) })
		return nil
	})
	return out, err
}

// remoteAlts is the descriptions an update gives a stored remote post's
// images, clipped to MaxAltChars; nil when they do not match its images
// one for one.
func remoteAlts(p *Post, alts []string) []string {
	if alts == nil || len(alts) != len(p.Attachments) {
		return nil
	}
	out := make([]string, len(alts))
	for i, a := range alts {
		a = strings.ToValidUTF8(strings.TrimSpace(a), "\uFFFD")
		if r := []rune(a); len(r) > MaxAltChars {
			a = string(r[:MaxAltChars])
		}
		out[i] = a
	}
	return out
}
