package storage

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// visiblePost loads a post the user may act on: it exists, the user may
// see it, and no block stands between them. A repost resolves to its
// original.
func visiblePost(tx *bolt.Tx, userID, postID ID) (Post, error) {
	p, err := getPost(tx, postID)
	if err != nil {
		return p, err
	}
	if p.IsRepost() {
		if p, err = getPost(tx, p.RepostOf); err != nil {
			return p, err
		}
	}
	// Visibility is decided as if there were no block, so that a post the
	// user could not see anyway stays "not found", while one they could
	// see but for a block is "forbidden". (canSee alone hides across a
	// block, which made every action across one ErrNotFound.)
	v := newViewer(tx, userID)
	blocked := v.blocked[p.AuthorID]
	delete(v.blocked, p.AuthorID)
	if !v.canSee(tx, &p) {
		return p, fmt.Errorf("post %d: %w", postID, ErrNotFound)
	}
	if blocked {
		return p, fmt.Errorf("post %d: %w", postID, ErrForbidden)
	}
	return p, nil
}

func stamp(t time.Time) []byte { return u64(uint64(t.UnixNano())) }

// The actions below (like, repost, bookmark and their undoing) run in
// bbolt's Batch, as CreatePost does: concurrent clicks share one commit and
// one fsync instead of queueing for one each (the load tool's toggle-like
// scenario). Batch may run a function again, alone, when another one in
// its batch failed, so each starts from what it reads in its transaction
// and only sets its result at the end.

// Like marks a post as liked by the user and tells its author. Liking
// twice is ErrExists. It returns the post as it is now (its count). The
// activities in acts are queued in the same transaction (see
// recordOutgoing), as for every action below.
func (db *DB) Like(userID, postID ID, acts ...Activity) (Post, error) {
	var out Post
	if err := db.stampActivities(acts); err != nil {
		return out, fmt.Errorf("like: %w", err)
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		p, err := visiblePost(tx, userID, postID)
		if err != nil {
			return err
		}
		if tx.Bucket(bucketLikes).Get(pairKey(p.ID, userID)) != nil {
			return fmt.Errorf("already liked: %w", ErrExists)
		}
		// The like keeps the ID of its notification (a time-ordered ID,
		// so it also says when), so that Unlike can take it back.
		noteID := db.ids.Next(db.now())
		if err := tx.Bucket(bucketLikes).Put(pairKey(p.ID, userID), idKey(noteID)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUserLikes).Put(pairKey(userID, p.ID), idKey(noteID)); err != nil {
			return err
		}
		p.Likes++
		if err := putPost(tx, &p); err != nil {
			return err
		}
		if err := recordOutgoing(tx, acts); err != nil {
			return err
		}
		out = p
		return notify(tx, p.AuthorID, NoteLike, userID, p.ID, noteID)
	})
	if err != nil {
		return out, fmt.Errorf("like: %w", err)
	}
	return out, nil
}

// Unlike takes a like back, with its notification; ErrNotFound when
// there was none. Like Like, it takes a repost for its original.
func (db *DB) Unlike(userID, postID ID, acts ...Activity) (Post, error) {
	var out Post
	if err := db.stampActivities(acts); err != nil {
		return out, fmt.Errorf("unlike: %w", err)
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if p.IsRepost() {
			if p, err = getPost(tx, p.RepostOf); err != nil {
				return err
			}
		}
		if tx.Bucket(bucketLikes).Get(pairKey(p.ID, userID)) == nil {
			return fmt.Errorf("not liked: %w", ErrNotFound)
		}
		if err := unlike(tx, p.ID, p.AuthorID, userID); err != nil {
			return err
		}
		p.Likes = max(p.Likes-1, 0)
		if err := recordOutgoing(tx, acts); err != nil {
			return err
		}
		out = p
		return putPost(tx, &p)
	})
	if err != nil {
		return out, fmt.Errorf("unlike: %w", err)
	}
	return out, nil
}

// unlike removes a like's index entries and its notification to the
// post's author (whose ID the like's value holds).
func unlike(tx *bolt.Tx, postID, authorID, userID ID) error {
	likes := tx.Bucket(bucketLikes)
	if v := likes.Get(pairKey(postID, userID)); len(v) == 8 {
		if err := tx.Bucket(bucketNotes).Delete(pairKey(authorID, keyID(v, 0))); err != nil {
			return err
		}
	}
	if err := likes.Delete(pairKey(postID, userID)); err != nil {
		return err
	}
	return tx.Bucket(bucketUserLikes).Delete(pairKey(userID, postID))
}

// Repost shares a public or unlisted post with the user's followers: a
// new Post with RepostOf set, shown in their home timelines. Reposting a
// repost reposts its original; reposting twice is ErrExists. It returns
// the original as it is now.
func (db *DB) Repost(userID, postID ID, uri func(id ID) string, acts ...Activity) (Post, error) {
	var out Post
	if err := db.stampActivities(acts); err != nil {
		return out, fmt.Errorf("repost: %w", err)
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		id := db.ids.Next(db.now())
		r := Post{ID: id, AuthorID: userID, URI: uri(id), Local: true, CreatedAt: db.now().UTC()}
		orig, err := db.repost(tx, &r, postID)
		if err != nil {
			return err
		}
		if err := recordOutgoing(tx, acts); err != nil {
			return err
		}
		out = orig
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("repost: %w", err)
	}
	return out, nil
}

// repost writes r, a repost by r.AuthorID with its ID, URI, Local and
// CreatedAt set, of postID's original, in tx: its index entries, the
// counts and the notification. It returns the original as it is now.
func (db *DB) repost(tx *bolt.Tx, r *Post, postID ID) (Post, error) {
	orig, err := visiblePost(tx, r.AuthorID, postID)
	if err != nil {
		return orig, err
	}
	if !orig.Visibility.Repostable() {
		return orig, fmt.Errorf("repost of a %s post: %w", orig.Visibility, ErrForbidden)
	}
	if tx.Bucket(bucketUserReposts).Get(pairKey(r.AuthorID, orig.ID)) != nil {
		return orig, fmt.Errorf("already reposted: %w", ErrExists)
	}
	r.Visibility, r.RepostOf = orig.Visibility, orig.ID
	if err := putPost(tx, r); err != nil {
		return orig, err
	}
	if err := indexPost(tx, r); err != nil {
		return orig, err
	}
	if err := tx.Bucket(bucketReposts).Put(pairKey(orig.ID, r.ID), idKey(r.AuthorID)); err != nil {
		return orig, err
	}
	if err := tx.Bucket(bucketUserReposts).Put(pairKey(r.AuthorID, orig.ID), idKey(r.ID)); err != nil {
		return orig, err
	}
	if err := updateUser(tx, r.AuthorID, func(u *User) { u.countPost(r.Visibility, 1) }); err != nil {
		return orig, err
	}
	orig.Reposts++
	if err := putPost(tx, &orig); err != nil {
		return orig, err
	}
	emit(tx, Event{Kind: PostCreated, PostID: r.ID, UserID: r.AuthorID})
	return orig, notify(tx, orig.AuthorID, NoteRepost, r.AuthorID, orig.ID, r.ID)
}

// Unrepost takes the user's repost of a post back; ErrNotFound when there
// was none. It returns the original as it is now.
func (db *DB) Unrepost(userID, postID ID, acts ...Activity) (Post, error) {
	var out Post
	if err := db.stampActivities(acts); err != nil {
		return out, fmt.Errorf("unrepost: %w", err)
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if p.IsRepost() {
			postID = p.RepostOf
		}
		v := tx.Bucket(bucketUserReposts).Get(pairKey(userID, postID))
		if v == nil {
			return fmt.Errorf("not reposted: %w", ErrNotFound)
		}
		// The Undo names the Announce it takes back by that Announce's
		// id, the repost's URI, which is gone once the repost is.
		if r, err := getPost(tx, keyID(v, 0)); err == nil {
			for i := range acts {
				if acts[i].Type == ActivityUndo && acts[i].Undo == ActivityAnnounce {
					acts[i].Object = r.URI
				}
			}
		}
		if err := deletePost(tx, keyID(v, 0)); err != nil {
			return err
		}
		if err := recordOutgoing(tx, acts); err != nil {
			return err
		}
		out, err = getPost(tx, postID)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("unrepost: %w", err)
	}
	return out, nil
}

// unlinkRepost removes a repost's entries and count from its original
// (called by deletePost).
func unlinkRepost(tx *bolt.Tx, r *Post) error {
	if err := tx.Bucket(bucketReposts).Delete(pairKey(r.RepostOf, r.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketUserReposts).Delete(pairKey(r.AuthorID, r.RepostOf)); err != nil {
		return err
	}
	orig, err := getPost(tx, r.RepostOf)
	if err != nil {
		return nil // the original is being deleted itself
	}
	// The notification "reposted your post" has the repost's ID.
	if err := tx.Bucket(bucketNotes).Delete(pairKey(orig.AuthorID, r.ID)); err != nil {
		return err
	}
	orig.Reposts = max(orig.Reposts-1, 0)
	return putPost(tx, &orig)
}

// Bookmark keeps a post in the user's private bookmarks.
func (db *DB) Bookmark(userID, postID ID) error {
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		p, err := visiblePost(tx, userID, postID)
		if err != nil {
			return err
		}
		if tx.Bucket(bucketBookmarks).Get(pairKey(userID, p.ID)) != nil {
			return fmt.Errorf("already bookmarked: %w", ErrExists)
		}
		now := stamp(db.now())
		if err := tx.Bucket(bucketBookmarks).Put(pairKey(userID, p.ID), now); err != nil {
			return err
		}
		return tx.Bucket(bucketPostMarks).Put(pairKey(p.ID, userID), now)
	})
	if err != nil {
		return fmt.Errorf("bookmark: %w", err)
	}
	return nil
}

// Unbookmark removes a bookmark; ErrNotFound when there was none.
func (db *DB) Unbookmark(userID, postID ID) error {
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		if p, err := getPost(tx, postID); err == nil && p.IsRepost() {
			postID = p.RepostOf
		}
		if tx.Bucket(bucketBookmarks).Get(pairKey(userID, postID)) == nil {
			return fmt.Errorf("not bookmarked: %w", ErrNotFound)
		}
		if err := tx.Bucket(bucketBookmarks).Delete(pairKey(userID, postID)); err != nil {
			return err
		}
		return tx.Bucket(bucketPostMarks).Delete(pairKey(postID, userID))
	})
	if err != nil {
		return fmt.Errorf("unbookmark: %w", err)
	}
	return nil
}

// Bookmarks lists the user's bookmarked posts that they may still see,
// newest post first.
func (db *DB) Bookmarks(userID ID, page Page) (Timeline, error) {
	return db.markedPosts(userID, bucketBookmarks, page)
}

// markedPosts lists the posts a member marked (bookmarks, likes: bucket
// keyed userID | postID), newest mark first, as the member sees them.
func (db *DB) markedPosts(userID ID, bucket []byte, page Page) (Timeline, error) {
	var t Timeline
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		b := newBuilder(tx, userID)
		keep := func(id ID) (Entry, bool, error) {
			p, err := getPost(tx, id)
			if err != nil {
				return Entry{}, false, nil
			}
			return b.entry(p, false)
		}
		t, err = collect(page.limit(), walker(tx.Bucket(bucket).Cursor(), idKey(userID), page.Before, 8), keep)
		return err
	})
	return t, err
}

// Likers lists who liked a post the viewer may see, newest accounts first.
func (db *DB) Likers(viewerID, postID ID, page Page) (UserList, error) {
	return db.postUsers(viewerID, postID, page, bucketLikes, false)
}

// Reposters lists who reposted a post the viewer may see.
func (db *DB) Reposters(viewerID, postID ID, page Page) (UserList, error) {
	return db.postUsers(viewerID, postID, page, bucketReposts, true)
}

// postUsers pages through the accounts under a post in likes (key
// post|user) or reposts (key post|repost, value user).
func (db *DB) postUsers(viewerID, postID ID, page Page, bucket []byte, userInValue bool) (UserList, error) {
	var l UserList
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		v := newViewer(tx, viewerID)
		if !v.canSee(tx, &p) {
			return fmt.Errorf("post %d: %w", postID, ErrNotFound)
		}
		bk := tx.Bucket(bucket)
		c := bk.Cursor()
		prefix := idKey(postID)
		var last ID
		for k := seekBefore(c, prefix, page.Before); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
			uid := keyID(k, 8)
			if userInValue {
				uid = keyID(bk.Get(k), 0)
			}
			if v.hides(uid) {
				continue
			}
			u, err := getUser(tx, uid)
			if err != nil {
				continue
			}
			if len(l.Users) == limit {
				// One more to show: there is an older page.
				l.Next = last
				break
			}
			last = keyID(k, 8)
			l.Users = append(l.Users, u)
		}
		return nil
	})
	if err != nil {
		return UserList{}, err
	}
	return l, nil
}

// Favourites lists the posts the user liked that they may still see,
// newest post first (the likes index is ordered by post, not by when the
// like was given).
func (db *DB) Favourites(userID ID, page Page) (Timeline, error) {
	return db.markedPosts(userID, bucketUserLikes, page)
}
