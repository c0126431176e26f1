package storage

import (
	bolt "go.etcd.io/bbolt"
)

// The direct conversations of a member: the direct (mentioned-only) posts
// they wrote or were mentioned in, indexed under each local account
// concerned (direct_posts: userID | postID => nil), so the page walks one
// member's prefix instead of every post. Visibility is still decided per
// post by the timeline builder: an index entry left behind (a mention
// dropped by an edit) shows nothing the member may not see.

// indexDirect lists a direct post under its author and the local
// accounts it mentions.
func indexDirect(tx *bolt.Tx, p *Post) error {
	if p.Visibility != Direct || p.RepostOf != 0 {
		return nil
	}
	b := tx.Bucket(bucketDirectPosts)
	for _, id := range append([]ID{p.AuthorID}, p.Mentions...) {
		if isRemote(tx, id) {
			continue
		}
		if err := b.Put(pairKey(id, p.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// unindexDirect removes a deleted post's entries.
func unindexDirect(tx *bolt.Tx, p *Post) error {
	if p.Visibility != Direct {
		return nil
	}
	b := tx.Bucket(bucketDirectPosts)
	for _, id := range append([]ID{p.AuthorID}, p.Mentions...) {
		if err := b.Delete(pairKey(id, p.ID)); err != nil {
			return err
		}
	}
	return nil
}

// DirectTimeline is the member's direct conversations: the direct posts
// they wrote or were mentioned in, newest first, as they may see them
// (blocks and mutes apply as on other timelines).
func (db *DB) DirectTimeline(userID ID, page Page) (Timeline, error) {
	var t Timeline
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		b := newBuilder(tx, userID)
		t, err = b.page(page.limit(), walker(tx.Bucket(bucketDirectPosts).Cursor(), idKey(userID), page.Before, 8), b.keepPost)
		return err
	})
	return t, err
}

// indexDirectPosts is the migration that creates direct_posts and fills
// it from the posts there are.
func indexDirectPosts(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketDirectPosts); err != nil {
		return err
	}
	var direct []Post
	err := tx.Bucket(bucketAuthorPosts).ForEach(func(k, v []byte) error {
		if len(k) != 16 || len(v) == 0 || v[0] != visCodes[Direct] {
			return nil
		}
		p, err := getPost(tx, keyID(k, 8))
		if err != nil {
			return nil // an index entry without its post
		}
		direct = append(direct, p)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range direct {
		if err := indexDirect(tx, &direct[i]); err != nil {
			return err
		}
	}
	return nil
}
