package storage

import (
	bolt "go.etcd.io/bbolt"
)

// Limits of a thread page: deeper and longer conversations continue on the
// permalink of a reply ("show more").
const (
	maxAncestors     = 40
	maxThreadReplies = 60
	maxChildReplies  = 3
)

// ThreadItem is one post above the focused one; Missing marks a post that
// was deleted or that the viewer may not see (the walk up stops there).
type ThreadItem struct {
	Entry
	Missing bool
}

// ReplyBranch is a direct reply with the first few replies to it, nested
// one level. More counts its further direct replies not shown.
type ReplyBranch struct {
	Entry
	Children []Entry
	More     int
}

// Thread is a post with its conversation: ancestors (oldest first), the
// post, and its replies (oldest first).
type Thread struct {
	Ancestors []ThreadItem
	Post      Entry
	Replies   []ReplyBranch
	// MoreReplies is set when the post has more direct replies than shown.
	MoreReplies bool
	// Quotes counts the quotes of the post the viewer may see (quotes.go);
	// zero for a post that cannot be quoted.
	Quotes int
}

// Thread returns the conversation around a post, as the viewer may see it
// (ErrNotFound when the post itself is hidden or gone).
func (db *DB) Thread(viewerID, postID ID) (Thread, error) {
	var t Thread
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := newBuilder(tx, viewerID)
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if t.Post, err = b.visible(p); err != nil {
			return err
		}
		t.Post.RepostedBy, t.Post.RepostID = nil, 0
		if t.Post.Post.Visibility.Repostable() { // others cannot be quoted
			t.Quotes = b.countQuotes(&t.Post.Post)
		}
		cur := t.Post.Post.InReplyTo
		for i := 0; cur != 0 && i < maxAncestors; i++ {
			p, err := getPost(tx, cur)
			if err != nil {
				t.Ancestors = append(t.Ancestors, ThreadItem{Missing: true})
				break
			}
			e, ok, err := b.entry(p, false)
			if err != nil {
				return err
			}
			if !ok {
				t.Ancestors = append(t.Ancestors, ThreadItem{Missing: true})
				break
			}
			t.Ancestors = append(t.Ancestors, ThreadItem{Entry: e})
			cur = p.InReplyTo
		}
		for i, j := 0, len(t.Ancestors)-1; i < j; i, j = i+1, j-1 {
			t.Ancestors[i], t.Ancestors[j] = t.Ancestors[j], t.Ancestors[i]
		}
		replies, more, err := b.replies(t.Post.Post.ID, maxThreadReplies)
		if err != nil {
			return err
		}
		t.MoreReplies = more > 0
		t.Replies = make([]ReplyBranch, 0, len(replies))
		for _, r := range replies {
			children, more, err := b.replies(r.Post.ID, maxChildReplies)
			if err != nil {
				return err
			}
			t.Replies = append(t.Replies, ReplyBranch{Entry: r, Children: children, More: more})
		}
		return nil
	})
	return t, err
}

// replies lists up to limit visible direct replies of a post, oldest
// first, and how many more visible ones there are. Entries are large (a
// post and its author), so the IDs are read first and the slice is made
// once; the replies past the limit are only checked, not built.
func (b *builder) replies(postID ID, limit int) ([]Entry, int, error) {
	var ids []ID
	forPrefix(b.pageBucket(bucketReplies), idKey(postID), func(k, _ []byte) { ids = append(ids, keyID(k, 8)) })
	out := make([]Entry, 0, min(limit, len(ids)))
	more := 0
	for _, id := range ids {
		p, err := getPost(b.tx, id)
		if err != nil {
			continue
		}
		if len(out) == limit {
			if b.shows(&p, true) {
				more++
			}
			continue
		}
		entry, ok, err := b.entry(p, true)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			out = append(out, entry)
		}
	}
	return out, more, nil
}
