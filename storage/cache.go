package storage

import (
	"slices"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Decoded records are kept in memory. Reading and decoding the 20 posts of
// a timeline page and their authors was a fifth to a third of what the page
// cost (BENCHMARKS.md); the same recent posts and active accounts are read
// by every page view, so each is decoded once and then copied from here.
//
// The caches must never serve a record older than what the file holds. Each
// entry remembers the ID of the last transaction known to have written its
// record, and every write of a post or user record (putPost, deletePost,
// putUser, deleteUser, Bulk) replaces the entry with a tombstone
// carrying the writing transaction's ID before that transaction commits.
// bbolt numbers transactions: a read transaction's ID is that of the last
// commit it sees, a writable one's the ID it will commit as. So a reader
// may store what it decoded only if its snapshot is at least as new as the
// last write of that record; a reader that started before the write sees a
// tombstone from a newer transaction and leaves it. Evicting an entry
// forgets its last write, so eviction raises a floor that every later store
// must clear. Writable transactions never store (what they read may be their
// own uncommitted change), but they may read entries, which are the
// latest committed version of a record they have not written (writing it
// puts a tombstone there first).
//
// Values are copied in and out (slices included): callers change the
// records they get.

const (
	// cachedPosts and cachedUsers are the entries of one generation; up to
	// twice as many are held. A decoded post with its source and HTML is
	// 2 to 3 KB, so the post cache stays under about 12 MB.
	cachedPosts = 2048
	cachedUsers = 1024
)

// recordCache is one cache of decoded records by ID. Two generations make
// an approximate LRU with O(1) work: entries are looked up in the current
// map, then the old one (and moved to the current one when found there);
// when the current map is full it becomes the old one and the old one is
// dropped.
type recordCache[T any] struct {
	mu sync.Mutex
	// Entries are held by pointer, so that a lookup copies a record (a
	// User or a Post is hundreds of bytes) once, not at every step; an
	// entry is never changed once stored, only replaced.
	cur, old map[ID]*cacheEntry[T]
	// curWrite and oldWrite are the newest last-write IDs in cur and old;
	// floor is the newest last write of any entry dropped so far.
	curWrite, oldWrite, floor uint64
	size                      int
	clone                     func(T) T

	hits, misses atomic.Uint64
}

type cacheEntry[T any] struct {
	val   T
	valid bool   // false: a tombstone
	wrote uint64 // the last transaction known to have written the record
}

func newRecordCache[T any](size int, clone func(T) T) *recordCache[T] {
	return &recordCache[T]{cur: map[ID]*cacheEntry[T]{}, old: map[ID]*cacheEntry[T]{}, size: size, clone: clone}
}

// entry finds id's entry, moving it to the current generation. Callers hold
// c.mu.
func (c *recordCache[T]) entry(id ID) (*cacheEntry[T], bool) {
	if e, ok := c.cur[id]; ok {
		return e, true
	}
	e, ok := c.old[id]
	if ok {
		delete(c.old, id)
		c.set(id, e)
	}
	return e, ok
}

// set stores e in the current generation, turning generations over when it
// is full. Callers hold c.mu.
func (c *recordCache[T]) set(id ID, e *cacheEntry[T]) {
	if len(c.cur) >= c.size {
		c.floor = max(c.floor, c.oldWrite)
		c.old, c.oldWrite = c.cur, c.curWrite
		c.cur, c.curWrite = make(map[ID]*cacheEntry[T], c.size), 0
	}
	c.cur[id] = e
	c.curWrite = max(c.curWrite, e.wrote)
}

// get returns a copy of id's record as a transaction with snapshot txid may
// see it.
func (c *recordCache[T]) get(id ID, txid uint64) (T, bool) {
	c.mu.Lock()
	e, ok := c.entry(id)
	c.mu.Unlock()
	if !ok || !e.valid || txid < e.wrote {
		c.misses.Add(1)
		var zero T
		return zero, false
	}
	c.hits.Add(1)
	// clone takes and returns a value: given a pointer, it would make
	// the copy escape to the heap, an allocation of the whole record.
	return c.clone(e.val), true
}

// store keeps a copy of v, read by a read-only transaction with snapshot
// txid, unless the record was written (or may have been) after that
// snapshot.
func (c *recordCache[T]) store(id ID, v T, txid uint64) {
	v = c.clone(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	wrote := c.floor
	if e, ok := c.entry(id); ok {
		wrote = max(wrote, e.wrote)
	}
	if txid < wrote {
		return
	}
	c.set(id, &cacheEntry[T]{val: v, valid: true, wrote: wrote})
}

// forget marks id as written by the writable transaction txid.
func (c *recordCache[T]) forget(id ID, txid uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.old, id)
	c.set(id, &cacheEntry[T]{wrote: txid})
}

// forgetAll drops every entry, for a transaction txid that wrote records
// without naming them one by one.
func (c *recordCache[T]) forgetAll(txid uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.floor = max(c.floor, c.curWrite, c.oldWrite, txid)
	c.cur, c.old = map[ID]*cacheEntry[T]{}, map[ID]*cacheEntry[T]{}
	c.curWrite, c.oldWrite = 0, 0
}

// recordCaches are the caches of one open bbolt file.
type recordCaches struct {
	posts  *recordCache[Post]
	users  *recordCache[User]
	newest *newestIndex
}

// newestIndex knows, for authors, an upper bound of the newest ID in their
// author_posts index: the home timeline opens the index of a followed
// account only once the merge has come down to that bound, so a page of
// 20 posts does not seek into the index of each of 1,000 followed
// accounts (BENCHMARKS.md, step 6). A bound may be too high (after a
// deletion, or a write that rolled back), which costs a seek, never too
// low, which would hide posts: every index write raises a known bound
// before its transaction commits (indexPost), and a reader records the
// newest ID it saw only if no index write for that author happened after
// its snapshot (the rule of recordCache). One entry per author, never
// evicted: 16 bytes and a transaction ID per account.
type newestIndex struct {
	mu    sync.Mutex
	m     map[ID]newestEntry
	floor uint64
}

type newestEntry struct {
	bound ID     // no key of the author's index is newer
	known bool   // false: only wrote is known
	wrote uint64 // the last transaction that added to the index
}

// bounds calls fn with each author's bound, if known, under one lock (a
// home page asks for every followed account).
func (n *newestIndex) bounds(authors []ID, fn func(author, bound ID, known bool)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, a := range authors {
		e := n.m[a]
		fn(a, e.bound, e.known)
	}
}

// observe records that a read-only transaction with snapshot txid found
// newest (0: nothing) as the newest ID of the author's index.
func (n *newestIndex) observe(author, newest ID, txid uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.m[author]
	if txid < max(n.floor, e.wrote) {
		return
	}
	if !e.known || newest > e.bound {
		e.bound = newest
	}
	e.known = true
	n.m[author] = e
}

// added records that the writable transaction txid added id to the
// author's index.
func (n *newestIndex) added(author, id ID, txid uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.m[author]
	e.wrote = max(e.wrote, txid)
	e.bound = max(e.bound, id)
	n.m[author] = e
}

func (n *newestIndex) reset(txid uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.m = map[ID]newestEntry{}
	n.floor = max(n.floor, txid)
}

// indexedPost is called by every write to author_posts, inside the writing
// transaction.
func indexedPost(tx *bolt.Tx, author, id ID) {
	if c := cachesOf(tx); c != nil {
		c.newest.added(author, id, txID(tx))
	}
}

// newestBounds calls fn with an upper bound of each author's newest index
// ID, when one is known.
func newestBounds(tx *bolt.Tx, authors []ID, fn func(author, bound ID, known bool)) {
	if c := cachesOf(tx); c != nil {
		c.newest.bounds(authors, fn)
		return
	}
	for _, a := range authors {
		fn(a, 0, false)
	}
}

// sawNewest records the newest index ID a read-only transaction found.
func sawNewest(tx *bolt.Tx, author, newest ID) {
	if c := cachesOf(tx); c != nil && !tx.Writable() {
		c.newest.observe(author, newest, txID(tx))
	}
}

// openCaches maps each open *bolt.DB to its caches. The functions that read
// records take a transaction, not a DB; a transaction knows its file. A
// compacted file is a new *bolt.DB, with empty caches.
var openCaches sync.Map

func registerCaches(b *bolt.DB) {
	openCaches.Store(b, &recordCaches{
		posts: newRecordCache(cachedPosts, func(p Post) Post {
			p.Mentions = slices.Clone(p.Mentions)
			p.Tags = slices.Clone(p.Tags)
			p.Attachments = slices.Clone(p.Attachments)
			p.Poll = p.Poll.clone()
			return p
		}),
		users: newRecordCache(cachedUsers, func(u User) User {
			u.Links = slices.Clone(u.Links)
			u.Pinned = slices.Clone(u.Pinned)
			return u
		}),
		newest: &newestIndex{m: map[ID]newestEntry{}},
	})
}

func unregisterCaches(b *bolt.DB) { openCaches.Delete(b) }

// cachesOf returns tx's file's caches, nil for a file opened outside Open.
func cachesOf(tx *bolt.Tx) *recordCaches {
	c, ok := openCaches.Load(tx.DB())
	if !ok {
		return nil
	}
	return c.(*recordCaches)
}

func txID(tx *bolt.Tx) uint64 { return uint64(tx.ID()) }

// forgetPost and forgetUser are called by every write of a post or user
// record, inside the writing transaction.
func forgetPost(tx *bolt.Tx, id ID) {
	if c := cachesOf(tx); c != nil {
		c.posts.forget(id, txID(tx))
	}
}

func forgetUser(tx *bolt.Tx, id ID) {
	if c := cachesOf(tx); c != nil {
		c.users.forget(id, txID(tx))
	}
}

// forgetAllRecords is for writes that touch many records at once (Bulk).
func forgetAllRecords(tx *bolt.Tx) {
	if c := cachesOf(tx); c != nil {
		c.posts.forgetAll(txID(tx))
		c.users.forgetAll(txID(tx))
		c.newest.reset(txID(tx))
	}
}

// CacheStats counts the lookups of decoded records answered from memory
// and those that read the file, since the file was opened or compacted.
type CacheStats struct {
	PostHits, PostMisses, UserHits, UserMisses uint64
}

// CacheStats reports how well the record caches work.
func (db *DB) CacheStats() CacheStats {
	var s CacheStats
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		if c := cachesOf(tx); c != nil {
			s = CacheStats{c.posts.hits.Load(), c.posts.misses.Load(), c.users.hits.Load(), c.users.misses.Load()}
		}
		return nil
	})
	return s
}
