package storage

import (
	"bytes"
	"container/heap"

	bolt "go.etcd.io/bbolt"
)

// HomeTimeline is the user's own posts and those of the accounts they
// follow, newest first. It merges the authors' index cursors (a k-way merge),
// so a page costs O(page size + follows) seeks, whatever the number of posts.
func (db *DB) HomeTimeline(userID ID, page Page) (Timeline, error) {
	var t Timeline
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		authors := []ID{userID}
		fc := tx.Bucket(bucketFollows).Cursor()
		self := idKey(userID)
		for k, _ := fc.Seek(self); k != nil && bytes.HasPrefix(k, self); k, _ = fc.Next() {
			authors = append(authors, keyID(k, 8))
		}
		index := tx.Bucket(bucketAuthorPosts)
		h := make(cursorHeap, 0, len(authors))
		for _, a := range authors {
			prefix := idKey(a)
			c := index.Cursor()
			if k := seekBefore(c, prefix, page.Before); k != nil && bytes.HasPrefix(k, prefix) {
				h = append(h, &authorCursor{c: c, prefix: prefix, head: keyID(k, 8)})
			}
		}
		heap.Init(&h)
		ids := make([]ID, 0, limit+1)
		for h.Len() > 0 && len(ids) <= limit {
			top := h[0]
			ids = append(ids, top.head)
			if k, _ := top.c.Prev(); k != nil && bytes.HasPrefix(k, top.prefix) {
				top.head = keyID(k, 8)
				heap.Fix(&h, 0)
			} else {
				heap.Pop(&h)
			}
		}
		var err error
		t, err = entries(tx, ids, limit)
		return err
	})
	return t, err
}

// authorCursor walks one author's index backwards; head is its newest
// post not yet taken.
type authorCursor struct {
	c      *bolt.Cursor
	prefix []byte
	head   ID
}

// cursorHeap is a max-heap on head: the newest post comes out first.
type cursorHeap []*authorCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return h[i].head > h[j].head }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*authorCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
