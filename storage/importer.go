package storage

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Import brings a member's posts in from an export archive (see export.go
// and handlers/importer.go). Imported posts keep their original date and
// Markdown, get IDs from their original time (so they sort among the
// member's other posts), and are keyed by their original URI in the
// imported bucket, so importing the same archive twice adds nothing:
//
//	imported: userID | original URI => postID
//
// The bucket is made by the first import (CreateBucketIfNotExists) and its
// entries go with the account (DeleteUser).

var bucketImported = []byte("imported")

func importedKey(userID ID, uri string) []byte {
	return append(idKey(userID), uri...)
}

// ImportedPost returns the ID of the post userID imported from the
// original uri; ok is false when there is none (or it was deleted since).
func (db *DB) ImportedPost(userID ID, uri string) (id ID, ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		id, ok = importedPost(tx, userID, uri)
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("imported post: %w", err)
	}
	return id, ok, nil
}

func importedPost(tx *bolt.Tx, userID ID, uri string) (ID, bool) {
	b := tx.Bucket(bucketImported)
	if b == nil {
		return 0, false
	}
	v := b.Get(importedKey(userID, uri))
	if len(v) != 8 {
		return 0, false
	}
	id := keyID(v, 0)
	if tx.Bucket(bucketPosts).Get(idKey(id)) == nil {
		return 0, false
	}
	return id, true
}

// ImportPost stores p, a post of userID from an archive whose original URI
// is p.ImportedFrom, as a plain post (no reply, no repost, no mentions:
// those would name posts and accounts of another instance, and would
// notify people of old posts). p.CreatedAt is the original date; p.ID is
// chosen from it (the first free ID of that millisecond) and p.URI is
// made by uri. Attachments must be uploads of userID (PutUpload), as for
// CreatePost. Its content warning must be as CleanWarning keeps it, so
// that imported posts pass the composer's rule (else ErrInvalid). It
// returns ErrExists when the original URI was imported already (p.ID is
// then that post's ID).
func (db *DB) ImportPost(p *Post, uri func(ID) string) error {
	if p.AuthorID == 0 || p.ImportedFrom == "" || p.CreatedAt.IsZero() {
		return fmt.Errorf("import post: author, original URI and date are required: %w", ErrInvalid)
	}
	if cw, problem := CleanWarning(p.ContentWarning); problem != WarningOK || cw != p.ContentWarning {
		return fmt.Errorf("import post: content warning %q: %w", p.ContentWarning, ErrInvalid)
	}
	if !p.Visibility.Valid() {
		return fmt.Errorf("import post: visibility %q: %w", p.Visibility, ErrInvalid)
	}
	if p.CreatedAt.After(db.now()) || p.CreatedAt.Before(time.UnixMilli(0)) {
		return fmt.Errorf("import post: date %s: %w", p.CreatedAt, ErrInvalid)
	}
	in := *p
	in.InReplyTo, in.InReplyToAuthor, in.RepostOf, in.Mentions = 0, 0, 0, nil
	in.Replies, in.Likes, in.Reposts = 0, 0, 0
	in.Local = true
	in.CreatedAt = in.CreatedAt.UTC()
	var out Post
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketImported)
		if err != nil {
			return err
		}
		if id, ok := importedPost(tx, in.AuthorID, in.ImportedFrom); ok {
			out.ID = id
			return fmt.Errorf("post %s imported already: %w", in.ImportedFrom, ErrExists)
		}
		post := in
		post.Attachments = append([]Attachment(nil), in.Attachments...)
		post.ID = MinIDAt(post.CreatedAt)
		posts := tx.Bucket(bucketPosts)
		for posts.Get(idKey(post.ID)) != nil {
			post.ID++
			if post.ID.Time() != MinIDAt(post.CreatedAt).Time() {
				return fmt.Errorf("import post: no free ID at %s: %w", post.CreatedAt, ErrExists)
			}
		}
		// A post of this very millisecond: new IDs must come after it.
		db.ids.observe(post.ID)
		post.URI = uri(post.ID)
		if err := db.createPost(tx, &post); err != nil {
			return err
		}
		if err := b.Put(importedKey(in.AuthorID, in.ImportedFrom), idKey(post.ID)); err != nil {
			return err
		}
		out = post
		return nil
	})
	if err != nil {
		p.ID = out.ID
		return fmt.Errorf("import post: %w", err)
	}
	*p = out
	return nil
}

// deleteImported drops userID's entries in the imported bucket (in
// DeleteUser's transaction).
func deleteImported(tx *bolt.Tx, userID ID) error {
	b := tx.Bucket(bucketImported)
	if b == nil {
		return nil
	}
	prefix := idKey(userID)
	var keys [][]byte
	forPrefix(b, prefix, func(k, _ []byte) { keys = append(keys, bytes.Clone(k)) })
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// LocalAccount resolves an account address from an archive or a Mastodon
// CSV file ("name@host", "@name@host" or "name") to a local member, when
// host is this instance's (or absent).
func (db *DB) LocalAccount(address, host string) (User, error) {
	a := strings.TrimPrefix(strings.TrimSpace(address), "@")
	name, domain, found := strings.Cut(a, "@")
	if found && !strings.EqualFold(domain, host) {
		return User{}, fmt.Errorf("account %q: not on this instance: %w", address, ErrNotFound)
	}
	return db.LocalUser(name)
}
