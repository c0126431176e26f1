package storage

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"majlis/markup"
)

// retag is the migration that re-keys hashtags stored before tag keys were
// Unicode-normalized (markup.NormalizeTag): "café" written with a combining
// accent, "straße" or a final "ς" had keys of their own. Every post's Tags
// become the keys NormalizeTag gives them now (duplicates merged, in first
// order; a key that is no longer a tag is dropped), and every entry of the
// tags index moves to its new key, so both spellings reach one tag page
// and editing or deleting a post still finds its entries.
func retag(tx *bolt.Tx) error {
	posts := tx.Bucket(bucketPosts)
	var changed []Post
	err := posts.ForEach(func(k, v []byte) error {
		var tags struct {
			Tags []string `json:"tags"`
		}
		if err := decodeRecord(v, &tags); err != nil {
			return fmt.Errorf("post %d: decode: %w", keyID(k, 0), err)
		}
		keys, ok := retagged(tags.Tags)
		if !ok {
			return nil
		}
		var p Post
		if err := decodeRecord(v, &p); err != nil {
			return fmt.Errorf("post %d: decode: %w", keyID(k, 0), err)
		}
		p.Tags = keys
		changed = append(changed, p)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range changed {
		if err := putPost(tx, &changed[i]); err != nil {
			return err
		}
	}

	tags := tx.Bucket(bucketTags)
	var moves [][2][]byte // old key, new key (nil: drop)
	err = tags.ForEach(func(k, _ []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) != i+9 {
			return nil // not a tag key; majlis check reports it
		}
		tag := string(k[:i])
		key := markup.NormalizeTag(tag)
		if key == tag {
			return nil
		}
		var to []byte
		if key != "" {
			to = tagKey(key, keyID(k, i+1))
		}
		moves = append(moves, [2][]byte{bytes.Clone(k), to})
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range moves {
		if err := tags.Delete(m[0]); err != nil {
			return err
		}
		if m[1] != nil {
			if err := tags.Put(m[1], nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// retagged returns the normalized keys of tags, unique, in first order,
// and whether they differ from tags.
func retagged(tags []string) ([]string, bool) {
	var keys []string
	for _, t := range tags {
		if k := markup.NormalizeTag(t); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys, !slices.Equal(keys, tags)
}
