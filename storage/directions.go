package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"majlis/markup"
)

// markDirections is the migration that gives the HTML stored before text
// direction was decided per block (markup.SetDirections) its dir
// attributes: every post, every earlier version of a post and every bio.
// Posts are rendered once, when saved, so without it a reply written
// before it that starts with "@bob" and goes on in Arabic would keep
// reading left to right. HTML that needs no attribute is not rewritten.
func markDirections(tx *bolt.Tx) error {
	var posts []Post
	err := tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		var p Post
		if err := decodeRecord(v, &p); err != nil {
			return fmt.Errorf("post %d: decode: %w", keyID(k, 0), err)
		}
		if html := markup.SetDirections(p.HTML); html != p.HTML {
			p.HTML = html
			posts = append(posts, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range posts {
		if err := putPost(tx, &posts[i]); err != nil {
			return err
		}
	}

	edits := tx.Bucket(bucketEdits)
	var keys, values [][]byte
	err = edits.ForEach(func(k, v []byte) error {
		var e Edit
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("edit %x: decode: %w", k, err)
		}
		html := markup.SetDirections(e.HTML)
		if html == e.HTML {
			return nil
		}
		e.HTML = html
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		keys, values = append(keys, append([]byte(nil), k...)), append(values, b)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range keys {
		if err := edits.Put(keys[i], values[i]); err != nil {
			return err
		}
	}

	var users []ID
	err = tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u struct {
			BioHTML string `json:"bio_html"`
		}
		if err := decodeRecord(v, &u); err != nil {
			return fmt.Errorf("user %d: decode: %w", keyID(k, 0), err)
		}
		if markup.SetDirections(u.BioHTML) != u.BioHTML {
			users = append(users, keyID(k, 0))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range users {
		if err := updateUser(tx, id, func(u *User) { u.BioHTML = markup.SetDirections(u.BioHTML) }); err != nil {
			return err
		}
	}
	return nil
}
