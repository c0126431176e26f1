package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Visibility says who may see a post.
type Visibility string

// Visibilities. Only public posts exist until conversations arrive; the
// field is stored from the first version so nothing needs rewriting then.
const (
	Public Visibility = "public"
)

// Post is one message. Source is the Markdown the author wrote; HTML is the
// sanitized rendering made once when the post was saved.
type Post struct {
	V          int        `json:"v"`
	ID         ID         `json:"id"`
	AuthorID   ID         `json:"author_id"`
	URI        string     `json:"uri"`
	Source     string     `json:"source"`
	HTML       string     `json:"html"`
	Visibility Visibility `json:"visibility"`
	Local      bool       `json:"local"`
	CreatedAt  time.Time  `json:"created_at"`
}

const postVersion = 1

// CreatePost stores a post with its index entries and counts in one
// transaction. The caller sets ID (from NewID) and URI. Concurrent calls are
// batched into shared transactions, so many small posts cost few fsyncs.
func (db *DB) CreatePost(p *Post) error {
	if p.ID == 0 || p.AuthorID == 0 || p.URI == "" {
		return fmt.Errorf("create post: id, author and uri are required: %w", ErrInvalid)
	}
	if p.Visibility == "" {
		p.Visibility = Public
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = p.ID.Time()
	}
	p.V = postVersion
	v, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	post := *p
	err = db.bolt.Batch(func(tx *bolt.Tx) error {
		// Batch may run this function again after a failed batch: it only
		// writes values computed above, and the count is read afresh.
		posts := tx.Bucket(bucketPosts)
		if posts.Get(idKey(post.ID)) != nil {
			return fmt.Errorf("post %d: %w", post.ID, ErrExists)
		}
		if err := updateUser(tx, post.AuthorID, func(u *User) { u.PostsCount++ }); err != nil {
			return err
		}
		if err := posts.Put(idKey(post.ID), v); err != nil {
			return err
		}
		return indexPost(tx, &post)
	})
	if err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	return nil
}

func indexPost(tx *bolt.Tx, p *Post) error {
	if err := tx.Bucket(bucketAuthorPosts).Put(pairKey(p.AuthorID, p.ID), nil); err != nil {
		return err
	}
	if p.Local && p.Visibility == Public {
		return tx.Bucket(bucketLocalPosts).Put(idKey(p.ID), nil)
	}
	return nil
}

func getPost(tx *bolt.Tx, id ID) (Post, error) {
	var p Post
	v := tx.Bucket(bucketPosts).Get(idKey(id))
	if v == nil {
		return p, fmt.Errorf("post %d: %w", id, ErrNotFound)
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return p, fmt.Errorf("post %d: decode: %w", id, err)
	}
	return p, nil
}

// Entry is a post together with its author, as pages show it.
type Entry struct {
	Post   Post
	Author User
}

// Post returns one post and its author.
func (db *DB) Post(id ID) (Entry, error) {
	var e Entry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p, err := getPost(tx, id)
		if err != nil {
			return err
		}
		a, err := getUser(tx, p.AuthorID)
		if err != nil {
			return err
		}
		e = Entry{Post: p, Author: a}
		return nil
	})
	return e, err
}

// DeletePost removes a post and every index entry pointing to it, in one
// transaction.
func (db *DB) DeletePost(id ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := getPost(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketPosts).Delete(idKey(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketAuthorPosts).Delete(pairKey(p.AuthorID, id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketLocalPosts).Delete(idKey(id)); err != nil {
			return err
		}
		return updateUser(tx, p.AuthorID, func(u *User) {
			if u.PostsCount > 0 {
				u.PostsCount--
			}
		})
	})
	if err != nil {
		return fmt.Errorf("delete post: %w", err)
	}
	return nil
}

// Page asks for up to Limit items older than Before (0: from the newest).
type Page struct {
	Before ID
	Limit  int
}

const maxPageLimit = 100

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 20
	case p.Limit > maxPageLimit:
		return maxPageLimit
	}
	return p.Limit
}

// Timeline is one page of entries, newest first. Next is the cursor for the
// following page, 0 when there is nothing older.
type Timeline struct {
	Entries []Entry
	Next    ID
}

// entries turns post IDs into entries inside tx, decoding each author once.
// The caller collects up to limit+1 IDs: the extra one only tells that an
// older page exists, so that a last page that happens to be full does not
// lead to an empty one.
func entries(tx *bolt.Tx, ids []ID, limit int) (Timeline, error) {
	var t Timeline
	if len(ids) > limit {
		ids = ids[:limit]
		t.Next = ids[limit-1]
	}
	authors := map[ID]User{}
	for _, id := range ids {
		p, err := getPost(tx, id)
		if err != nil {
			return t, err
		}
		a, ok := authors[p.AuthorID]
		if !ok {
			if a, err = getUser(tx, p.AuthorID); err != nil {
				return t, err
			}
			authors[p.AuthorID] = a
		}
		t.Entries = append(t.Entries, Entry{Post: p, Author: a})
	}
	return t, nil
}

// LocalTimeline is every public post written on this instance.
func (db *DB) LocalTimeline(page Page) (Timeline, error) {
	var t Timeline
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLocalPosts).Cursor()
		ids := make([]ID, 0, limit+1)
		for k := seekBefore(c, nil, page.Before); k != nil && len(ids) <= limit; k, _ = c.Prev() {
			ids = append(ids, keyID(k, 0))
		}
		var err error
		t, err = entries(tx, ids, limit)
		return err
	})
	return t, err
}

// AuthorTimeline is one user's posts.
func (db *DB) AuthorTimeline(authorID ID, page Page) (Timeline, error) {
	var t Timeline
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAuthorPosts).Cursor()
		prefix := idKey(authorID)
		ids := make([]ID, 0, limit+1)
		for k := seekBefore(c, prefix, page.Before); k != nil && len(ids) <= limit; k, _ = c.Prev() {
			if !bytes.HasPrefix(k, prefix) {
				break
			}
			ids = append(ids, keyID(k, 8))
		}
		var err error
		t, err = entries(tx, ids, limit)
		return err
	})
	return t, err
}

// seekBefore places c on the last key under prefix that sorts before
// prefix|before (or the last key under prefix when before is 0) and returns
// it; the caller walks on with Prev and checks the prefix.
func seekBefore(c *bolt.Cursor, prefix []byte, before ID) []byte {
	var target []byte
	if before == 0 {
		// Seek past every key under prefix.
		target = append(append([]byte(nil), prefix...), bytes.Repeat([]byte{0xff}, 9)...)
	} else {
		target = append(append([]byte(nil), prefix...), idKey(before)...)
	}
	k, _ := c.Seek(target)
	if k == nil {
		k, _ = c.Last()
		if k != nil && bytes.Compare(k, target) >= 0 {
			k, _ = c.Prev()
		}
		return k
	}
	// Seek lands on the first key >= target; step back to the one before.
	k, _ = c.Prev()
	return k
}
