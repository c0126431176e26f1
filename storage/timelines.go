package storage

import (
	"bytes"
	"cmp"
	"container/heap"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Entry is a post as a page shows it: with its author, whom it answers,
// who reposted it (when it came through a repost) and what the viewer has
// done with it.
type Entry struct {
	// Post is the post to show; for a repost, the original.
	Post   Post
	Author User
	// RepostedBy is set when the entry is a repost: the account that
	// reposted, and RepostID the repost's own ID.
	RepostedBy *User
	RepostID   ID
	// ReplyTo is the author of the post this one answers.
	ReplyTo *User
	// The viewer's own marks on the post.
	Liked, Reposted, Bookmarked bool
	// Pinned is set on a profile's pinned posts.
	Pinned bool
	// Voted are the options the viewer chose in the post's poll, nil
	// when they did not vote (polls.go).
	Voted []int
	// Quote is the post this one quotes, when its author consented and
	// the viewer may see it (quotes.go).
	Quote *Entry
	// MayQuote tells whether the viewer may quote the post (quotes.go).
	MayQuote bool
}

// Cursor is the ID of the entry's place in a timeline: the repost's ID
// for a repost, else the post's.
func (e Entry) Cursor() ID {
	if e.RepostID != 0 {
		return e.RepostID
	}
	return e.Post.ID
}

// Timeline is one page of entries, newest first. Next is the cursor for the
// following page, 0 when there is nothing older.
type Timeline struct {
	Entries []Entry
	Next    ID
	// NextHidden is set when Next is the place of a post the viewer may
	// not see (a page that stopped at its scan bound in a run of hidden
	// posts): it is that post's ID, and so its time. Show it to nobody as
	// it is (the web pages seal it); otherwise Next is the cursor of the
	// page's last entry.
	NextHidden bool
}

// scanFactor bounds how many index entries one page may pass over while
// skipping hidden ones; a page that hits it ends short and its Next cursor
// carries on, so no request costs more than O(limit × scanFactor).
const scanFactor = 25

// builder turns posts into entries for one viewer inside one transaction,
// decoding each user once.
type builder struct {
	tx    *bolt.Tx
	v     *viewer
	users map[ID]*User
	// listing is set for the public listings (local timeline, tag pages),
	// which silenced accounts stay out of (see viewer.hidesAuthor).
	listing bool
	// hideBots leaves bots' posts out (the viewer's HideBots, on the home,
	// local and tag timelines: see filterBots).
	hideBots bool
	// pageMarks leaves the viewer's marks to markPage, for the whole page
	// at once.
	pageMarks bool
	// buckets are the buckets read many times per page (pageBucket).
	buckets map[string]*bolt.Bucket
	// policies caches the instance's decision about each remote domain
	// met on the page (see domainHides).
	policies map[string]DomainPolicy
}

func newBuilder(tx *bolt.Tx, viewerID ID) *builder {
	return &builder{tx: tx, v: newViewer(tx, viewerID), users: map[ID]*User{}}
}

func (b *builder) user(id ID) (*User, error) {
	if u, ok := b.users[id]; ok {
		return u, nil
	}
	u, err := getUser(b.tx, id)
	if err != nil {
		return nil, err
	}
	b.users[id] = &u
	return &u, nil
}

// shows tells whether the page shows post p itself (for a repost, check
// the original too): the viewer may see it, moderation does not hide its
// author nor the author's server, and, with hide, the viewer has not
// muted or blocked them or their domain, nor hidden bots.
func (b *builder) shows(p *Post, hide bool) bool {
	return b.v.canSee(b.tx, p) && !(hide && (b.v.hides(p.AuthorID) || b.hidesDomainOf(p.AuthorID))) &&
		!b.moderated(p.AuthorID) && !b.isHiddenBot(p.AuthorID) && !b.domainHides(p)
}

// entry builds the entry of post p, or reports false when the viewer may
// not see it or it hangs on something gone (a repost of a deleted post).
// hide also applies the viewer's mutes (timelines); a permalink does not.
func (b *builder) entry(p Post, hide bool) (Entry, bool, error) {
	if !b.shows(&p, hide) {
		return Entry{}, false, nil
	}
	var e Entry
	if p.IsRepost() {
		orig, err := getPost(b.tx, p.RepostOf)
		if err != nil {
			return Entry{}, false, nil
		}
		if !b.shows(&orig, hide) {
			return Entry{}, false, nil
		}
		by, err := b.user(p.AuthorID)
		if err != nil {
			return Entry{}, false, err
		}
		e.RepostedBy, e.RepostID = by, p.ID
		p = orig
	}
	a, err := b.user(p.AuthorID)
	if err != nil {
		return Entry{}, false, err
	}
	e.Post, e.Author = p, *a
	if p.InReplyToAuthor != 0 {
		if r, err := b.user(p.InReplyToAuthor); err == nil {
			e.ReplyTo = r
		}
	}
	if p.Poll != nil && b.v.id != 0 {
		e.Voted = pollChoices(b.tx, p.ID, b.v.id)
	}
	e.Quote = b.quotedEntry(&p)
	e.MayQuote = b.mayQuote(&p)
	if b.v.id != 0 && !b.pageMarks {
		e.Liked = b.pageBucket(bucketUserLikes).Get(pairKey(b.v.id, p.ID)) != nil
		e.Reposted = b.pageBucket(bucketUserReposts).Get(pairKey(b.v.id, p.ID)) != nil
		e.Bookmarked = b.pageBucket(bucketBookmarks).Get(pairKey(b.v.id, p.ID)) != nil
	}
	return e, true, nil
}

// pageBucket returns a bucket the page reads many times (the viewer's
// marks, keyed userID | postID; the reply index), looked up once per
// page: finding a bucket is a B-tree search of its own.
func (b *builder) pageBucket(name []byte) *bolt.Bucket {
	if b.buckets == nil {
		b.buckets = map[string]*bolt.Bucket{}
	}
	bk, ok := b.buckets[string(name)]
	if !ok {
		bk = b.tx.Bucket(name)
		b.buckets[string(name)] = bk
	}
	return bk
}

// markPage fills in the viewer's marks (liked, reposted, bookmarked) of a
// page built with pageMarks. The viewer's marks of the page's posts lie
// between the page's oldest and newest post ID in each bucket, so one
// seek and a short walk per bucket replace a lookup per post and bucket;
// a viewer with very many marks in that span (an old, sparse page) gets
// the lookups instead.
func (b *builder) markPage(entries []Entry) {
	if b.v.id == 0 || len(entries) == 0 {
		return
	}
	lo, hi := entries[0].Post.ID, entries[0].Post.ID
	for _, e := range entries {
		lo, hi = min(lo, e.Post.ID), max(hi, e.Post.ID)
	}
	set := func(name []byte, mark func(*Entry)) {
		bk := b.pageBucket(name)
		c := bk.Cursor()
		prefix := idKey(b.v.id)
		marked := map[ID]bool{}
		walked := 0
		for k, _ := c.Seek(pairKey(b.v.id, lo)); k != nil && bytes.HasPrefix(k, prefix) && keyID(k, 8) <= hi; k, _ = c.Next() {
			if walked++; walked > 4*len(entries) {
				marked = nil
				break
			}
			marked[keyID(k, 8)] = true
		}
		for i := range entries {
			e := &entries[i]
			if marked != nil && marked[e.Post.ID] || marked == nil && bk.Get(pairKey(b.v.id, e.Post.ID)) != nil {
				mark(e)
			}
		}
	}
	set(bucketUserLikes, func(e *Entry) { e.Liked = true })
	set(bucketUserReposts, func(e *Entry) { e.Reposted = true })
	set(bucketBookmarks, func(e *Entry) { e.Bookmarked = true })
}

// collect fills a page from candidates, newest first. next yields the next
// candidate post ID (false when there are none); keep builds its entry or
// rejects it, and is called for each candidate right after next returned
// it (so next may leave what keep needs to know in a variable). A full
// page gets a Next cursor only when one more entry is there to show, so
// that "older posts" never leads to an empty page; a page that scanned
// limit × scanFactor candidates stops there, short, with a Next cursor
// after the last candidate it looked at (NextHidden when the viewer may
// not see that one).
func collect(limit int, next func() (ID, bool), keep func(ID) (Entry, bool, error)) (Timeline, error) {
	// Entries are large (a post and its author): size the slice once.
	t := Timeline{Entries: make([]Entry, 0, limit+1)}
	var last ID
	lastShown := false
	for scanned := 0; ; scanned++ {
		id, ok := next()
		if !ok {
			return t, nil
		}
		if scanned >= limit*scanFactor {
			t.Next, t.NextHidden = last, !lastShown
			return t, nil
		}
		last, lastShown = id, false
		e, ok, err := keep(id)
		if err != nil {
			return t, err
		}
		if !ok {
			continue
		}
		lastShown = true
		if len(t.Entries) == limit {
			// One more entry to show: there is an older page.
			t.Next = t.Entries[limit-1].Cursor()
			return t, nil
		}
		t.Entries = append(t.Entries, e)
	}
}

// page is collect with the viewer's marks filled in for the whole page at
// once (markPage).
func (b *builder) page(limit int, next func() (ID, bool), keep func(ID) (Entry, bool, error)) (Timeline, error) {
	b.pageMarks = true
	t, err := collect(limit, next, keep)
	if err == nil {
		b.markPage(t.Entries)
	}
	return t, err
}

// walker yields the IDs under prefix older than before, newest first; the
// ID sits at offset off of each key.
func walker(c *bolt.Cursor, prefix []byte, before ID, off int) func() (ID, bool) {
	walk := walkerKV(c, prefix, before, off)
	return func() (ID, bool) {
		id, _, ok := walk()
		return id, ok
	}
}

// walkerKV is walker with each key's value.
func walkerKV(c *bolt.Cursor, prefix []byte, before ID, off int) func() (ID, []byte, bool) {
	var k, v []byte
	started := false
	return func() (ID, []byte, bool) {
		if !started {
			k, v = seekBeforeKV(c, prefix, before)
			started = true
		} else if k != nil {
			k, v = c.Prev()
		}
		if k == nil || !bytes.HasPrefix(k, prefix) {
			k = nil
			return 0, nil, false
		}
		return keyID(k, off), v, true
	}
}

// keepPost loads a post by ID and builds its entry for a timeline.
func (b *builder) keepPost(id ID) (Entry, bool, error) {
	p, err := getPost(b.tx, id)
	if err != nil {
		return Entry{}, false, nil
	}
	return b.entry(p, true)
}

// LocalTimeline is every public post written on this instance that is not
// a reply or a repost, less what the viewer (0: a visitor) blocked or muted
// and what moderation keeps out (silenced and suspended accounts).
func (db *DB) LocalTimeline(viewerID ID, page Page) (Timeline, error) {
	var t Timeline
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		b := newBuilder(tx, viewerID)
		b.listing = true
		b.filterBots()
		t, err = b.page(page.limit(), walker(tx.Bucket(bucketLocalPosts).Cursor(), nil, page.Before, 0), b.keepPost)
		return err
	})
	return t, err
}

// FederatedTimeline is the public top-level posts known here, written
// here or on other servers (with remoteOnly, only the latter), less what
// the viewer blocked or muted and what moderation keeps out, as the local
// timeline.
func (db *DB) FederatedTimeline(viewerID ID, remoteOnly bool, page Page) (Timeline, error) {
	var t Timeline
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		b := newBuilder(tx, viewerID)
		b.listing = true
		b.filterBots()
		keep := b.keepPost
		if remoteOnly {
			keep = func(id ID) (Entry, bool, error) {
				e, ok, err := b.keepPost(id)
				return e, ok && !e.Post.Local, err
			}
		}
		t, err = b.page(page.limit(), walker(tx.Bucket(bucketPublicPosts).Cursor(), nil, page.Before, 0), keep)
		return err
	})
	return t, err
}

// TagTimeline is the public posts with a hashtag (normalised by the
// caller), less what the viewer blocked or muted and what moderation keeps
// out (silenced and suspended accounts).
func (db *DB) TagTimeline(viewerID ID, tag string, page Page) (Timeline, error) {
	var t Timeline
	if tag == "" {
		return t, nil
	}
	prefix := tagPrefix(tag)
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		b := newBuilder(tx, viewerID)
		b.listing = true
		b.filterBots()
		t, err = b.page(page.limit(), walker(tx.Bucket(bucketTags).Cursor(), prefix, page.Before, len(prefix)), b.keepPost)
		return err
	})
	return t, err
}

// AuthorTimeline is one user's posts and reposts as the viewer may see
// them; replies only when withReplies.
func (db *DB) AuthorTimeline(viewerID, authorID ID, withReplies bool, page Page) (Timeline, error) {
	var t Timeline
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := newBuilder(tx, viewerID)
		if b.v.blocked[authorID] {
			return nil
		}
		// A profile shows everything its owner posted and reposted even if
		// the viewer muted them (they came to look); reposts of accounts
		// the viewer blocked or muted stay hidden. So does a domain the
		// viewer blocked.
		delete(b.v.muted, authorID)
		b.v.visiting = authorID
		c := tx.Bucket(bucketAuthorPosts).Cursor()
		prefix := idKey(authorID)
		var meta indexMeta // of the candidate next gave last
		walk := walkerKV(c, prefix, page.Before, 8)
		next := func() (ID, bool) {
			id, v, ok := walk()
			if ok {
				meta = decodeMeta(v)
			}
			return id, ok
		}
		keep := func(id ID) (Entry, bool, error) {
			if meta.kind == kindReply && !withReplies {
				return Entry{}, false, nil
			}
			p, err := getPost(tx, id)
			if err != nil {
				return Entry{}, false, nil
			}
			return b.entry(p, true)
		}
		var err error
		t, err = b.page(page.limit(), next, keep)
		return err
	})
	return t, err
}

// HomeTimeline is the user's own posts and those of the accounts they
// follow, with the reposts they made, newest first, and the public posts
// of the hashtags they follow. It merges the authors' and the tags' index
// cursors (a k-way merge, see merge), so a page costs O(page size) seeks
// plus one for each followed account whose newest post is not known yet,
// and one for each followed tag, whatever the number of posts. Replies
// show when they answer the user or someone the user follows, and the
// user's own replies always. A post shows once: at its newest appearance,
// whether as itself or as someone's repost. The members of the user's
// exclusive lists stay out (their lists show them).
func (db *DB) HomeTimeline(userID ID, page Page) (Timeline, error) {
	var t Timeline
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := newBuilder(tx, userID)
		b.filterBots()
		inHome := map[ID]bool{userID: true}
		authors := []ID{userID}
		exclusive := exclusiveMembers(tx, userID)
		forPrefix(tx.Bucket(bucketFollows), idKey(userID), func(k, _ []byte) {
			a := keyID(k, 8)
			if !b.v.hides(a) && !exclusive[a] {
				inHome[a] = true
				authors = append(authors, a)
			}
		})
		var err error
		t, err = b.mergedPage(mergeFeed{
			authors: authors, tags: followedTagsOf(tx, userID), in: inHome, owner: userID,
			replyShows: func(to ID) bool { return inHome[to] },
		}, page)
		return err
	})
	return t, err
}

// mergeFeed is what a merged timeline (home, a list) shows.
type mergeFeed struct {
	// authors are the accounts whose posts and reposts it shows; in is
	// the same as a set (a post reposted later by one of them shows at
	// the repost).
	authors []ID
	in      map[ID]bool
	// tags are the hashtags whose public posts it shows too, by anyone.
	tags []string
	// owner's own replies always show (0: none).
	owner ID
	// replyShows tells whether a reply to an account shows.
	replyShows func(to ID) bool
}

// mergedPage is one page of a merged timeline.
func (b *builder) mergedPage(f mergeFeed, page Page) (Timeline, error) {
	tx := b.tx
	m := newMerge(tx, f.authors, f.tags, page.Before)
	// collect asks keep about each candidate right after next gave it:
	// the candidate's index entry and where it came from wait here.
	var meta indexMeta
	var mine, byTag bool
	next := func() (ID, bool) {
		id, author, md, tag, ok := m.next()
		meta, mine, byTag = md, f.owner != 0 && author == f.owner, tag
		return id, ok
	}
	reposts := tx.Bucket(bucketReposts)
	// shownLater tells whether someone in the feed reposted original
	// after the moment after (so that repost shows it instead).
	shownLater := func(original, after ID) bool {
		c := reposts.Cursor()
		prefix := idKey(original)
		for k, v := c.Seek(pairKey(original, after+1)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(v) >= 8 && f.in[keyID(v, 0)] {
				return true
			}
		}
		return false
	}
	keep := func(id ID) (Entry, bool, error) {
		if byTag && meta.kind == kindReply && !f.replyShows(meta.ref) {
			return Entry{}, false, nil // without reading the post (indexTags)
		}
		p, err := getPost(tx, id)
		if err != nil {
			return Entry{}, false, nil
		}
		if byTag {
			return b.keepTagged(p, f)
		}
		m := meta
		if m.kind == kindReply && !mine && !f.replyShows(m.ref) {
			return Entry{}, false, nil
		}
		// A post's Reposts count says whether there is any repost to
		// look for: most posts have none, and a repost is the only one
		// of its original when the original counts one.
		switch m.kind {
		case kindRepost:
			if orig, err := getPost(tx, m.ref); err == nil && orig.Reposts > 1 && shownLater(m.ref, id) {
				return Entry{}, false, nil
			}
		case kindPost:
			if p.Reposts > 0 && shownLater(id, id) {
				return Entry{}, false, nil
			}
		}
		return b.entry(p, true)
	}
	return b.page(page.limit(), next, keep)
}

// keepTagged builds the entry of a post that comes into a merged timeline
// through a followed hashtag alone: a public post as the tag's page shows
// it (moderation's listing rules: a silenced account stays out), a reply
// only when the feed shows replies to whom it answers.
func (b *builder) keepTagged(p Post, f mergeFeed) (Entry, bool, error) {
	if p.Visibility != Public || p.IsRepost() {
		return Entry{}, false, nil
	}
	if p.InReplyToAuthor != 0 && !f.replyShows(p.InReplyToAuthor) {
		return Entry{}, false, nil
	}
	if u, err := b.user(p.AuthorID); err != nil || b.v.hidesAuthor(u, true) {
		return Entry{}, false, nil
	}
	return b.entry(p, true)
}

// merge walks several authors' author_posts indexes, and hashtags' tags
// indexes, at once, newest first: a k-way merge over one cursor per
// source. An author's index is opened (one seek) only when the merge has
// come down to the newest ID it can hold (newestIndex), so a page usually
// opens the indexes of the few authors who posted most recently, not of
// every followed account; a tag's is opened at once.
type merge struct {
	tx     *bolt.Tx
	index  *bolt.Bucket
	before ID
	// waiting are the sources not opened yet, by bound, highest last;
	// open is the heap of opened ones.
	waiting []waitingAuthor
	open    cursorHeap
}

type waitingAuthor struct {
	author ID
	bound  ID     // no post of theirs before the cursor is newer
	tag    string // a hashtag's index instead of an author's
}

func newMerge(tx *bolt.Tx, authors []ID, tags []string, before ID) *merge {
	m := &merge{tx: tx, index: tx.Bucket(bucketAuthorPosts), before: before}
	m.waiting = make([]waitingAuthor, 0, len(authors)+len(tags))
	newestBounds(tx, authors, func(a, bound ID, known bool) {
		switch {
		case !known:
			bound = maxID
		case bound == 0:
			return // nothing posted
		}
		if before != 0 && bound >= before {
			bound = before - 1
		}
		m.waiting = append(m.waiting, waitingAuthor{author: a, bound: bound})
	})
	for _, t := range tags {
		bound := maxID
		if before != 0 {
			bound = before - 1
		}
		m.waiting = append(m.waiting, waitingAuthor{bound: bound, tag: t})
	}
	slices.SortFunc(m.waiting, func(x, y waitingAuthor) int { return cmp.Compare(x.bound, y.bound) })
	return m
}

// maxID sorts after every ID (IDs use all 64 bits: past 2039 they pass
// 1 << 63).
const maxID = ^ID(0)

// next returns the newest ID left, its author (0 for a post that came
// through a hashtag alone), its index entry, and whether it came through
// a hashtag alone. A post that several sources hold (a followed author's
// post with a followed tag) comes out once, as the author's.
func (m *merge) next() (ID, ID, indexMeta, bool, bool) {
	// Open every source that may hold something newer than the newest
	// opened one.
	for n := len(m.waiting); n > 0 && (len(m.open) == 0 || m.waiting[n-1].bound >= m.open[0].head); n = len(m.waiting) {
		w := m.waiting[n-1]
		m.waiting = m.waiting[:n-1]
		if w.tag != "" {
			m.openTag(w.tag)
			continue
		}
		prefix := idKey(w.author)
		c := m.index.Cursor()
		k, v := seekBeforeKV(c, prefix, m.before)
		if k == nil || !bytes.HasPrefix(k, prefix) {
			if m.before == 0 {
				sawNewest(m.tx, w.author, 0)
			}
			continue
		}
		head := keyID(k, 8)
		if m.before == 0 {
			sawNewest(m.tx, w.author, head)
		}
		heap.Push(&m.open, &authorCursor{c: c, prefix: prefix, head: head, val: v, author: w.author})
	}
	if len(m.open) == 0 {
		return 0, 0, indexMeta{}, false, false
	}
	top := m.open[0]
	id, author, meta, tag := top.head, top.author, decodeMeta(top.val), top.tag
	m.advance()
	for len(m.open) > 0 && m.open[0].head == id {
		if o := m.open[0]; !o.tag && tag {
			author, meta, tag = o.author, decodeMeta(o.val), false
		}
		m.advance()
	}
	return id, author, meta, tag, true
}

// openTag opens the cursor of a hashtag's index.
func (m *merge) openTag(tag string) {
	prefix := tagPrefix(tag)
	c := m.tx.Bucket(bucketTags).Cursor()
	k, v := seekBeforeKV(c, prefix, m.before)
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+8 {
		return
	}
	heap.Push(&m.open, &authorCursor{c: c, prefix: prefix, head: keyID(k, len(prefix)), val: v, tag: true})
}

// advance moves the newest open cursor to its next older entry.
func (m *merge) advance() {
	top := m.open[0]
	if k, v := top.c.Prev(); k != nil && bytes.HasPrefix(k, top.prefix) && len(k) == len(top.prefix)+8 {
		top.head, top.val = keyID(k, len(top.prefix)), v
		heap.Fix(&m.open, 0)
	} else {
		heap.Pop(&m.open)
	}
}

// authorCursor walks one author's (or hashtag's) index backwards; head is
// its newest post not yet taken, val that post's index entry.
type authorCursor struct {
	c      *bolt.Cursor
	prefix []byte
	head   ID
	val    []byte
	author ID
	tag    bool
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

// Post returns one post as the viewer may see it (ErrNotFound otherwise,
// so a hidden post is indistinguishable from a missing one). A repost
// resolves to its original.
func (db *DB) Post(viewerID, id ID) (Entry, error) {
	var e Entry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p, err := getPost(tx, id)
		if err != nil {
			return err
		}
		e, err = newBuilder(tx, viewerID).visible(p)
		return err
	})
	return e, err
}

// visible builds a post's entry for a page of its own (no mutes applied),
// or ErrNotFound.
func (b *builder) visible(p Post) (Entry, error) {
	e, ok, err := b.entry(p, false)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, ErrNotFound
	}
	return e, nil
}
