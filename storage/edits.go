package storage

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Edit is an earlier version of a post, kept when the post is edited.
type Edit struct {
	Source         string    `json:"source"`
	HTML           string    `json:"html"`
	ContentWarning string    `json:"cw,omitempty"`
	At             time.Time `json:"at"` // when this version was written
	// Mentions are the accounts this version mentioned: with the post's
	// visibility, its audience. Versions saved before it was recorded have
	// none, so only the author and (for followers-only posts) the followers
	// count as their audience.
	Mentions []ID `json:"mentions,omitempty"`
	// Alts are the descriptions this version's images had, in order
	// (kept from the first edit that could change them on).
	Alts []string `json:"alts,omitempty"`
}

// PostChange is a new version of a post's text.
type PostChange struct {
	Source, HTML, ContentWarning string
	Mentions                     []ID
	Tags                         []string
	// Alts, when not nil, are the new descriptions of the post's images,
	// one per image in order (an image keeps its picture: only what it
	// says of it changes). nil keeps them as they are.
	Alts []string
}

// checkAlts refuses descriptions that do not fit the post's images: one
// per image, each valid UTF-8 of at most MaxAltChars characters.
func checkAlts(p *Post, alts []string) error {
	if len(alts) != len(p.Attachments) {
		return fmt.Errorf("%d descriptions for %d images: %w", len(alts), len(p.Attachments), ErrInvalid)
	}
	for i, a := range alts {
		if !utf8.ValidString(a) || utf8.RuneCountInString(a) > MaxAltChars {
			return fmt.Errorf("description %d: longer than %d characters or not UTF-8: %w", i+1, MaxAltChars, ErrInvalid)
		}
	}
	return nil
}

// altsOf is the descriptions of a post's images, in order.
func altsOf(p *Post) []string {
	if len(p.Attachments) == 0 {
		return nil
	}
	out := make([]string, len(p.Attachments))
	for i, a := range p.Attachments {
		out[i] = a.Alt
	}
	return out
}

// EditPost replaces the text of the author's post, keeping the old
// version in its history, re-indexing its hashtags and telling accounts
// it newly mentions. Visibility and the reply link do not change. The
// activities in acts are queued in the same transaction.
func (db *DB) EditPost(authorID, postID ID, c PostChange, acts ...Activity) (Post, error) {
	var out Post
	if err := db.stampActivities(acts); err != nil {
		return out, fmt.Errorf("edit post: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := db.editPost(tx, authorID, postID, c, false)
		if err != nil {
			return err
		}
		if err := recordOutgoing(tx, acts); err != nil {
			return err
		}
		out = p
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("edit post: %w", err)
	}
	return out, nil
}

// editPost is EditPost's change in tx. With dropRefused (a post edited on
// its own server, which we cannot refuse), mentions across a block or
// refused to a bot are left out instead of refusing the edit.
func (db *DB) editPost(tx *bolt.Tx, authorID, postID ID, c PostChange, dropRefused bool) (Post, error) {
	p, err := getPost(tx, postID)
	if err != nil {
		return p, err
	}
	if p.AuthorID != authorID || p.IsRepost() {
		return p, fmt.Errorf("edit post %d: %w", postID, ErrForbidden)
	}
	if c.Alts != nil {
		if err := checkAlts(&p, c.Alts); err != nil {
			return p, err
		}
	}
	if dropRefused {
		c.Mentions = allowedMentions(tx, authorID, c.Mentions)
	}
	for _, m := range c.Mentions {
		if blockedEitherWay(tx, authorID, m) {
			return p, fmt.Errorf("mention of user %d: %w", m, ErrForbidden)
		}
		if _, err := getUser(tx, m); err != nil {
			return p, fmt.Errorf("mention: %w", err)
		}
		if err := botContact(tx, authorID, m); err != nil {
			return p, err
		}
	}
	at := p.CreatedAt
	if !p.EditedAt.IsZero() {
		at = p.EditedAt
	}
	old, err := json.Marshal(Edit{Source: p.Source, HTML: p.HTML, ContentWarning: p.ContentWarning, At: at, Mentions: p.Mentions, Alts: altsOf(&p)})
	if err != nil {
		return p, err
	}
	if err := tx.Bucket(bucketEdits).Put(pairKey(postID, db.ids.Next(db.now())), old); err != nil {
		return p, err
	}
	if err := unindexTags(tx, &p); err != nil {
		return p, err
	}
	// The old text's words leave the index now; the indexer adds the new
	// text's soon after.
	if err := unindexSearch(tx, &p); err != nil {
		return p, err
	}
	if err := queueSearch(tx, p.ID); err != nil {
		return p, err
	}
	before := p.Mentions
	p.Source, p.HTML, p.ContentWarning = c.Source, c.HTML, c.ContentWarning
	p.Mentions, p.Tags = append([]ID(nil), c.Mentions...), c.Tags
	if c.Alts != nil {
		p.Attachments = append([]Attachment(nil), p.Attachments...)
		for i := range p.Attachments {
			p.Attachments[i].Alt = c.Alts[i]
		}
	}
	p.EditedAt = db.now().UTC()
	if err := indexTags(tx, &p); err != nil {
		return p, err
	}
	if err := indexDirect(tx, &p); err != nil { // direct.go: newly mentioned
		return p, err
	}
	if err := putPost(tx, &p); err != nil {
		return p, err
	}
	emit(tx, Event{Kind: PostEdited, PostID: p.ID, UserID: p.AuthorID})
	return p, notifyPost(tx, &p, append([]ID{p.InReplyToAuthor}, before...), db.ids.Next(db.now()))
}

// PostEdits returns the earlier versions of a post, newest first, to a
// viewer who may see the post. The history is all or nothing: it is shown
// only to those who were in the audience of every version (the author, and
// for a followers-only or direct post those whom every version mentions or,
// followers-only, the followers), so a person mentioned by a later version
// never reads what an earlier one said to others; anyone else gets an empty
// history (the post still says it was edited).
func (db *DB) PostEdits(viewerID, postID ID) ([]Edit, error) {
	var out []Edit
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		v := newViewer(tx, viewerID)
		if !v.canSee(tx, &p) {
			return fmt.Errorf("post %d: %w", postID, ErrNotFound)
		}
		all := true
		forPrefix(tx.Bucket(bucketEdits), idKey(postID), func(_, val []byte) {
			var e Edit
			if json.Unmarshal(val, &e) != nil {
				all = false // a version we cannot read is a version we cannot vouch for
				return
			}
			version := p
			version.Mentions = e.Mentions
			if !v.canSee(tx, &version) {
				all = false
			}
			out = append(out, e)
		})
		if !all {
			out = nil
			return nil
		}
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		return nil
	})
	return out, err
}
