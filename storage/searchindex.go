package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"majlis/search"
)

// The search index: for every term of every post's text, the posts that
// carry it, in compact blocks (postings.go). It is written by a
// background indexer, not by the write path, so publishing stays as fast
// as it was: the indexer walks the posts bucket in ID order after a
// cursor kept in meta, and commits a batch of posts with the cursor in
// one transaction, so after a crash it goes on from its last commit and
// the index always agrees with what the cursor says it holds. Posts that
// change behind the cursor (an edit, an import with old IDs) are queued
// in search_queue by the transaction that changes them; a deletion takes
// the post's terms out in its own transaction, so a deleted post's words
// leave the file with it.

// Kinds of terms, the first byte of a posting key: a word never matches
// a hashtag or a mention by accident, and a word's light stem has its
// own postings, so a stemmed-only match can be told from an exact one.
const (
	termWord    byte = 'w'
	termStem    byte = 's'
	termTag     byte = 't'
	termMention byte = 'm'
	termHost    byte = 'h'
)

// maxTermBytes leaves out of the index what is no word anyone types
// (a long run of letters), and keeps keys small.
const maxTermBytes = 64

// searchBatch is how many posts one indexer transaction takes when it
// keeps up: few enough that a member publishing waits for the writer lock
// only a few milliseconds. Catching up (after an import, a reindex, the
// first start on a full file) it doubles each round up to
// maxSearchBatch: a commit rewrites every page of postings it touched,
// and a bigger batch touches each of them for more posts.
const (
	searchBatch    = 200
	maxSearchBatch = 5000
)

// searchPause is the least time between two indexer commits while posts
// keep coming: fewer, fuller commits cost the writers less, and a post
// is still found within a second or so.
const searchPause = 500 * time.Millisecond

// SearchText is the text of a post that search reads and highlights: its
// content warning, its body (the Markdown its author wrote; for a post
// from another server, which has HTML only, the text of the HTML) and its
// images' descriptions, one per line.
func SearchText(p *Post) string {
	body := p.Source
	if body == "" && p.HTML != "" {
		body = search.PlainText(p.HTML)
	}
	parts := make([]string, 0, 2+len(p.Attachments))
	if p.ContentWarning != "" {
		parts = append(parts, p.ContentWarning)
	}
	parts = append(parts, body)
	for _, a := range p.Attachments {
		if a.Alt != "" {
			parts = append(parts, a.Alt)
		}
	}
	return strings.Join(parts, "\n")
}

// termKey is the prefix of a term's posting blocks: kind | term | 0x00.
func termKey(kind byte, term string) []byte {
	k := make([]byte, 0, len(term)+2)
	k = append(k, kind)
	k = append(k, term...)
	return append(k, 0)
}

// postTerms lists the distinct term keys (termKey) of a post; none for a
// repost, which has no text of its own.
func postTerms(p *Post) [][]byte {
	if p.IsRepost() {
		return nil
	}
	seen := map[string]bool{}
	var out [][]byte
	add := func(kind byte, term string) {
		if term == "" || len(term) > maxTermBytes || strings.IndexByte(term, 0) >= 0 {
			return
		}
		k := termKey(kind, term)
		if !seen[string(k)] {
			seen[string(k)] = true
			out = append(out, k)
		}
	}
	for _, t := range search.Analyze(SearchText(p)) {
		switch t.Kind {
		case search.Word:
			add(termWord, t.Term)
			if t.Stem != t.Term {
				add(termStem, t.Stem)
			}
		case search.Mention:
			add(termMention, t.Term)
		case search.Host:
			add(termHost, t.Term)
		}
	}
	// Hashtags as the post stores them (markup.NormalizeTag), which is
	// how a #tag query is read too.
	for _, t := range p.Tags {
		add(termTag, t)
	}
	slices.SortFunc(out, bytes.Compare)
	return out
}

// findBlock finds the block of prefix where id belongs: the last one whose
// first ID is at most id, or else the term's first block. It returns the
// block's key (a copy; nil when the term has no block), its IDs, and the
// first ID of the block after it (0 when there is none).
func findBlock(c *bolt.Cursor, prefix []byte, id ID) ([]byte, []ID, ID, error) {
	target := postingKey(prefix, id)
	isBlock := func(k []byte) bool { return k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix) }
	k, v := c.Seek(target)
	if !bytes.Equal(k, target) {
		var pk, pv []byte
		if k == nil {
			pk, pv = c.Last()
		} else {
			pk, pv = c.Prev()
		}
		if isBlock(pk) {
			k, v = pk, pv
		} else if k, v = c.Seek(target); !isBlock(k) {
			return nil, nil, 0, nil
		}
	}
	key := bytes.Clone(k)
	ids, err := decodeBlock(nil, keyID(k, len(prefix)), v)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("block %q: %w", key, err)
	}
	var next ID
	if nk, _ := c.Next(); isBlock(nk) {
		next = keyID(nk, len(prefix))
	}
	return key, ids, next, nil
}

// putBlocks writes ids (ascending) as blocks of at most postingBlockSize.
func putBlocks(b *bolt.Bucket, prefix []byte, ids []ID) error {
	for len(ids) > 0 {
		n := min(len(ids), postingBlockSize)
		if err := b.Put(postingKey(prefix, ids[0]), encodeBlock(ids[:n])); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// addPostings adds ids (ascending) to the postings of prefix; an ID that is
// there already stays once.
func addPostings(b *bolt.Bucket, prefix []byte, ids []ID) error {
	for len(ids) > 0 {
		key, block, next, err := findBlock(b.Cursor(), prefix, ids[0])
		if err != nil {
			return err
		}
		// The IDs that belong in this block: those before the next one.
		n := len(ids)
		if next != 0 {
			n, _ = slices.BinarySearch(ids, next)
			n = max(n, 1)
		}
		add := ids[:n]
		ids = ids[n:]
		if key == nil {
			if err := putBlocks(b, prefix, add); err != nil {
				return err
			}
			continue
		}
		if len(block) >= postingBlockSize && add[0] > block[len(block)-1] {
			// The usual case: new posts after a full block start a new one,
			// and the full block is not rewritten.
			if err := putBlocks(b, prefix, add); err != nil {
				return err
			}
			continue
		}
		merged, changed := block, false
		for _, id := range add {
			var ok bool
			if merged, ok = insertSorted(merged, id); ok {
				changed = true
			}
		}
		if !changed {
			continue
		}
		if err := b.Delete(key); err != nil {
			return err
		}
		if err := putBlocks(b, prefix, merged); err != nil {
			return err
		}
	}
	return nil
}

// removePosting takes id out of the postings of prefix, if it is there.
func removePosting(b *bolt.Bucket, prefix []byte, id ID) error {
	key, block, _, err := findBlock(b.Cursor(), prefix, id)
	if err != nil || key == nil {
		return err
	}
	i, found := slices.BinarySearch(block, id)
	if !found {
		return nil
	}
	block = slices.Delete(block, i, i+1)
	if err := b.Delete(key); err != nil {
		return err
	}
	if len(block) == 0 {
		return nil
	}
	return b.Put(postingKey(prefix, block[0]), encodeBlock(block))
}

// searchCursor is the last post ID the indexer has walked past.
func searchCursor(tx *bolt.Tx) ID {
	if v := tx.Bucket(bucketMeta).Get(keySearchCursor); len(v) == 8 {
		return keyID(v, 0)
	}
	return 0
}

// searchReady tells whether the file has the search buckets: migrations
// that run before the search index's own (and write posts or users) find
// none, and the search index's migration indexes what they wrote.
func searchReady(tx *bolt.Tx) bool { return tx.Bucket(bucketSearchPostings) != nil }

// queueSearch asks the indexer to index the post again; createPost calls
// it for a post behind the cursor (an import, with an old ID), editPost
// for every edit.
func queueSearch(tx *bolt.Tx, id ID) error {
	if !searchReady(tx) {
		return nil
	}
	return tx.Bucket(bucketSearchQueue).Put(idKey(id), nil)
}

// queueIfBehind queues a new post whose ID the indexer has walked past
// already: one read of the cursor, and a write only for those posts.
func queueIfBehind(tx *bolt.Tx, id ID) error {
	if !searchReady(tx) || id > searchCursor(tx) {
		return nil
	}
	return queueSearch(tx, id)
}

// unindexSearch takes the post's terms out of the index (those of its
// text as it is in tx) and drops it from the queue; deletePost calls it in
// the deletion's transaction, editPost before the text changes.
func unindexSearch(tx *bolt.Tx, p *Post) error {
	if !searchReady(tx) {
		return nil
	}
	if err := tx.Bucket(bucketSearchQueue).Delete(idKey(p.ID)); err != nil {
		return err
	}
	b := tx.Bucket(bucketSearchPostings)
	for _, t := range postTerms(p) {
		if err := removePosting(b, t, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// analysed is a post read by the indexer, with its terms.
type analysed struct {
	id       ID
	editedAt time.Time
	queued   bool
	terms    [][]byte
}

// IndexSearch indexes up to max posts: those queued first, then those
// after the cursor. The posts are read and analysed in a read
// transaction, so the writer lock is held only to write their postings
// (and to check that none changed meanwhile). It returns how many posts
// it indexed and whether more are waiting.
func (db *DB) IndexSearch(max int) (int, bool, error) {
	if max <= 0 {
		max = searchBatch
	}
	var batch []analysed
	var posts []Post
	var cursor ID
	more := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		cursor = searchCursor(tx)
		q := tx.Bucket(bucketSearchQueue).Cursor()
		for k, _ := q.First(); k != nil; k, _ = q.Next() {
			if len(posts) == max {
				more = true
				return nil
			}
			p, err := getPost(tx, keyID(k, 0))
			if errors.Is(err, ErrNotFound) {
				// Deleted since: the deletion took it out of the queue, so
				// this is a stale entry the write transaction drops.
				p = Post{ID: keyID(k, 0)}
			} else if err != nil {
				return err
			}
			batch = append(batch, analysed{id: p.ID, queued: true})
			posts = append(posts, p)
		}
		c := tx.Bucket(bucketPosts).Cursor()
		k, _ := c.Seek(idKey(cursor + 1))
		for ; k != nil; k, _ = c.Next() {
			if len(posts) == max {
				more = true
				return nil
			}
			p, err := getPost(tx, keyID(k, 0))
			if err != nil {
				return err
			}
			batch = append(batch, analysed{id: p.ID})
			posts = append(posts, p)
		}
		return nil
	})
	if err != nil || len(batch) == 0 {
		return 0, false, err
	}
	for i := range batch {
		batch[i].editedAt = posts[i].EditedAt
		if posts[i].AuthorID != 0 {
			batch[i].terms = postTerms(&posts[i])
		}
	}
	done := 0
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		done = 0
		if searchCursor(tx) != cursor {
			return nil // a rebuild started meanwhile; the next round starts again
		}
		return db.writeSearchBatch(tx, cursor, batch, &done)
	})
	if err != nil {
		return 0, false, fmt.Errorf("search index: %w", err)
	}
	return done, more, nil
}

// writeSearchBatch writes the postings of batch in tx, drops the queue
// entries it served and moves the cursor past the walked posts.
func (db *DB) writeSearchBatch(tx *bolt.Tx, cursor ID, batch []analysed, done *int) error {
	queue := tx.Bucket(bucketSearchQueue)
	byTerm := map[string][]ID{}
	walked := map[ID]bool{}
	newCursor := cursor
	for _, a := range batch {
		if !a.queued {
			walked[a.id] = true
			newCursor = max(newCursor, a.id)
		}
		p, err := getPost(tx, a.id)
		switch {
		case errors.Is(err, ErrNotFound):
			// Deleted after it was read: its terms were never written.
			if a.queued {
				if err := queue.Delete(idKey(a.id)); err != nil {
					return err
				}
			}
			continue
		case err != nil:
			return err
		case !p.EditedAt.Equal(a.editedAt):
			// Edited after it was read: the edit queued it again.
			if !a.queued {
				if err := queue.Put(idKey(a.id), nil); err != nil {
					return err
				}
			}
			continue
		}
		for _, t := range a.terms {
			byTerm[string(t)] = append(byTerm[string(t)], a.id)
		}
		if a.queued {
			if err := queue.Delete(idKey(a.id)); err != nil {
				return err
			}
		}
		*done++
	}
	b := tx.Bucket(bucketSearchPostings)
	// Postings of a term that grows at its end fill their last block up.
	b.FillPercent = 0.9
	terms := make([]string, 0, len(byTerm))
	for t := range byTerm {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	for _, t := range terms {
		ids := byTerm[t]
		slices.Sort(ids)
		if err := addPostings(b, []byte(t), slices.Compact(ids)); err != nil {
			return err
		}
	}
	// A post written between the read and now with an ID below the new
	// cursor (an import) would be passed over: queue it.
	c := tx.Bucket(bucketPosts).Cursor()
	for k, _ := c.Seek(idKey(cursor + 1)); k != nil && keyID(k, 0) <= newCursor; k, _ = c.Next() {
		if !walked[keyID(k, 0)] {
			if err := queue.Put(bytes.Clone(k), nil); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bucketMeta).Put(keySearchCursor, idKey(newCursor))
}

// CatchUpSearch indexes until nothing is waiting (tests, the reindex
// command, and the first start on a file with many posts).
func (db *DB) CatchUpSearch() (int, error) {
	total := 0
	for {
		n, more, err := db.IndexSearch(maxSearchBatch)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// RunSearchIndexer keeps the search index up to date until ctx is done:
// it indexes whatever is waiting, then sleeps until a post is written,
// edited or imported (or a second passes, for what no event announces),
// and never commits more often than every searchPause.
func (db *DB) RunSearchIndexer(ctx context.Context, logger *slog.Logger) {
	wake := make(chan struct{}, 1)
	stop := db.Subscribe(func(ev Event) {
		if ev.Kind == PostCreated || ev.Kind == PostEdited {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	})
	defer stop()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	batch := searchBatch
	for {
		_, more, err := db.IndexSearch(batch)
		if err != nil && ctx.Err() == nil && logger != nil {
			logger.Error("search index", "err", err)
		}
		if ctx.Err() != nil {
			return
		}
		if more && err == nil {
			batch = min(2*batch, maxSearchBatch)
			continue
		}
		batch = searchBatch
		select {
		case <-ctx.Done():
			return
		case <-time.After(searchPause):
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// RebuildSearchIndex empties the search index and builds it again from
// every post and account (`majlis reindex`). It returns the number of
// posts indexed.
func (db *DB) RebuildSearchIndex() (int, error) {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSearchPostings, bucketSearchQueue, bucketSearchPeople} {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketMeta).Delete(keySearchCursor); err != nil {
			return err
		}
		return indexPeople(tx)
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild search index: %w", err)
	}
	return db.CatchUpSearch()
}

// createSearchIndex is the migration that makes the search buckets and
// lists the accounts in search_people; the indexer fills search_postings
// in the background from the first start on.
func createSearchIndex(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketSearchPostings, bucketSearchQueue, bucketSearchPeople} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return indexPeople(tx)
}

// SearchIndexStats describes the search index for `majlis check` and the
// load tool.
type SearchIndexStats struct {
	// Posts is the number of posts indexed (behind the cursor, not
	// queued); TextBytes the bytes of their SearchText.
	Posts     int
	TextBytes int64
	// Terms, Blocks and Postings count the distinct terms, the posting
	// blocks and the (term, post) pairs.
	Terms, Blocks, Postings int
	// KeyValueBytes is the bytes of the postings' keys and values;
	// PageBytes the bytes of the file's pages the postings take.
	KeyValueBytes int64
	PageBytes     int64
	// Queued is the number of posts waiting to be indexed again; Behind
	// the number after the cursor.
	Queued, Behind int
}

// SearchStats measures the search index (reading every post's text).
func (db *DB) SearchStats() (SearchIndexStats, error) {
	var s SearchIndexStats
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		s, err = searchStats(tx)
		return err
	})
	return s, err
}

func searchStats(tx *bolt.Tx) (SearchIndexStats, error) {
	var s SearchIndexStats
	if !searchReady(tx) {
		return s, nil
	}
	cursor := searchCursor(tx)
	queue := tx.Bucket(bucketSearchQueue)
	s.Queued = queue.Stats().KeyN
	err := tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		id := keyID(k, 0)
		if id > cursor {
			s.Behind++
			return nil
		}
		if queue.Get(k) != nil {
			return nil
		}
		var p Post
		if err := decodeRecord(v, &p); err != nil {
			return fmt.Errorf("post %d: %w", id, err)
		}
		if !p.IsRepost() {
			s.Posts++
			s.TextBytes += int64(len(SearchText(&p)))
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	b := tx.Bucket(bucketSearchPostings)
	var last []byte
	var ids []ID
	err = b.ForEach(func(k, v []byte) error {
		s.Blocks++
		s.KeyValueBytes += int64(len(k) + len(v))
		if len(k) < 10 {
			return fmt.Errorf("posting key %x: too short", k)
		}
		if prefix := k[:len(k)-8]; !bytes.Equal(prefix, last) {
			s.Terms++
			last = bytes.Clone(prefix)
		}
		var err error
		ids, err = decodeBlock(ids[:0], keyID(k, len(k)-8), v)
		s.Postings += len(ids)
		return err
	})
	st := b.Stats()
	s.PageBytes = int64(st.BranchAlloc + st.LeafAlloc)
	return s, err
}

// checkSearch checks the search index against the posts: every posting
// block decodes, every post the cursor has passed (and not queued) is
// listed under each of its terms, and nothing else is listed: the number
// of postings is the number of (post, term) pairs expected, and every
// listed post exists.
func checkSearch(tx *bolt.Tx) []error {
	if !searchReady(tx) {
		return nil
	}
	var errs []error
	bad := func(err error) bool {
		if len(errs) < 20 {
			errs = append(errs, err)
		}
		return len(errs) >= 20
	}
	cursor := searchCursor(tx)
	queue := tx.Bucket(bucketSearchQueue)
	postings := tx.Bucket(bucketSearchPostings)
	want := 0
	c := postings.Cursor()
	err := tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		id := keyID(k, 0)
		if id > cursor || queue.Get(k) != nil {
			return nil
		}
		var p Post
		if err := decodeRecord(v, &p); err != nil {
			return fmt.Errorf("post %d: %w", id, err)
		}
		// Posts after the cursor may be listed already (queued after an
		// edit and served): they are not counted on either side.
		for _, t := range postTerms(&p) {
			want++
			_, ids, _, err := findBlock(c, t, id)
			if _, found := slices.BinarySearch(ids, id); err != nil || !found {
				if bad(fmt.Errorf("search index: post %d is not listed under %q", id, t)) {
					return errRollback
				}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return append(errs, err)
	}
	got := 0
	var ids []ID
	err = postings.ForEach(func(k, v []byte) error {
		var err error
		ids, err = decodeBlock(ids[:0], keyID(k, len(k)-8), v)
		if err != nil {
			bad(fmt.Errorf("search index: block %q: %w", k, err))
			return nil
		}
		for _, id := range ids {
			if id <= cursor {
				got++
			}
			if tx.Bucket(bucketPosts).Get(idKey(id)) == nil {
				if bad(fmt.Errorf("search index: %q lists post %d, which does not exist", k[:len(k)-8], id)) {
					return errRollback
				}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		errs = append(errs, err)
	}
	if len(errs) == 0 && got != want {
		errs = append(errs, fmt.Errorf("search index: %d postings, want %d (stale terms of changed posts: run majlis reindex)", got, want))
	}
	return append(errs, checkPeople(tx)...)
}

// FileSearchStats is SearchStats on a file no server holds, opened
// read-only (`majlis check` with the server stopped).
func FileSearchStats(path string) (SearchIndexStats, error) {
	var s SearchIndexStats
	err := viewFile(path, func(tx *bolt.Tx) (err error) {
		s, err = searchStats(tx)
		return err
	})
	return s, err
}
