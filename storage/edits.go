package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Edit is an earlier version of a post, kept when the post is edited.
type Edit struct {
	Source         string    `json:"source"`
	HTML           string    `json:"html"`
	ContentWarning string    `json:"cw,omitempty"`
	At             time.Time `json:"at"` // when this version was written
}

// PostChange is a new version of a post's text.
type PostChange struct {
	Source, HTML, ContentWarning string
	Mentions                     []ID
	Tags                         []string
}

// EditPost replaces the text of the author's post, keeping the old
// version in its history, re-indexing its hashtags and telling accounts
// it newly mentions. Visibility and the reply link do not change.
func (db *DB) EditPost(authorID, postID ID, c PostChange) (Post, error) {
	var out Post
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if p.AuthorID != authorID || p.IsRepost() {
			return fmt.Errorf("edit post %d: %w", postID, ErrForbidden)
		}
		for _, m := range c.Mentions {
			if blockedEitherWay(tx, authorID, m) {
				return fmt.Errorf("mention of user %d: %w", m, ErrForbidden)
			}
			if _, err := getUser(tx, m); err != nil {
				return fmt.Errorf("mention: %w", err)
			}
			if err := botContact(tx, authorID, m); err != nil {
				return err
			}
		}
		at := p.CreatedAt
		if !p.EditedAt.IsZero() {
			at = p.EditedAt
		}
		old, err := json.Marshal(Edit{Source: p.Source, HTML: p.HTML, ContentWarning: p.ContentWarning, At: at})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketEdits).Put(pairKey(postID, db.ids.Next(db.now())), old); err != nil {
			return err
		}
		if err := unindexTags(tx, &p); err != nil {
			return err
		}
		before := p.Mentions
		p.Source, p.HTML, p.ContentWarning = c.Source, c.HTML, c.ContentWarning
		p.Mentions, p.Tags = append([]ID(nil), c.Mentions...), c.Tags
		p.EditedAt = db.now().UTC()
		if err := indexTags(tx, &p); err != nil {
			return err
		}
		if err := putPost(tx, &p); err != nil {
			return err
		}
		out = p
		return notifyPost(tx, &p, append([]ID{p.InReplyToAuthor}, before...), db.ids.Next(db.now()))
	})
	if err != nil {
		return out, fmt.Errorf("edit post: %w", err)
	}
	return out, nil
}

// PostEdits returns the earlier versions of a post the viewer may see,
// newest first.
func (db *DB) PostEdits(viewerID, postID ID) ([]Edit, error) {
	var out []Edit
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if !newViewer(tx, viewerID).canSee(tx, &p) {
			return fmt.Errorf("post %d: %w", postID, ErrNotFound)
		}
		forPrefix(tx.Bucket(bucketEdits), idKey(postID), func(_, v []byte) {
			var e Edit
			if json.Unmarshal(v, &e) == nil {
				out = append(out, e)
			}
		})
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		return nil
	})
	return out, err
}
