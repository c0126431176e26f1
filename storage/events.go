package storage

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Events: what live streams (the client API's streaming) hear about. A
// write that creates a post, edits or deletes one, or files a
// notification announces it once its transaction has committed, to every
// function registered with Subscribe. An event names records, never
// renders them: each listener reads them back as its own viewer, through
// the same reads as the pages (FeedEntry, FeedHad, Notification), so a
// stream shows exactly what its member may see.

// EventKind is what happened.
type EventKind int

// Event kinds.
const (
	// PostCreated: a post or a repost was written (here, or arrived from
	// another server). PostID is the new post; UserID its author.
	PostCreated EventKind = iota + 1
	// PostEdited: PostID's text changed.
	PostEdited
	// PostDeleted: PostID is gone; Deleted is the post as it was, so a
	// listener can still ask whether it had been shown (FeedHad).
	PostDeleted
	// NotificationCreated: UserID has a new notification, NoteID.
	NotificationCreated
)

// Event is one change, announced after its transaction committed.
type Event struct {
	Kind   EventKind
	PostID ID
	// UserID is the post's author, or the notified member.
	UserID ID
	NoteID ID
	// Deleted is the post that went, for PostDeleted.
	Deleted *Post
}

// eventHub holds the listeners of one DB. It lives in the DB's hooks, so
// it outlives a compaction's new *bolt.DB as the outbox hooks do.
type eventHub struct {
	mu  sync.RWMutex
	fns map[int]func(Event)
	seq int
}

// Subscribe registers fn to be called with every event, after the commit
// that made it, in the committing goroutine: fn must not block nor start
// a transaction (hand the event over to a goroutine of your own through a
// buffered channel, and drop what does not fit). The returned function
// unregisters it.
func (db *DB) Subscribe(fn func(Event)) (unsubscribe func()) {
	h := &db.bolt.hooks.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fns == nil {
		h.fns = map[int]func(Event){}
	}
	h.seq++
	id := h.seq
	h.fns[id] = fn
	return func() {
		h.mu.Lock()
		delete(h.fns, id)
		h.mu.Unlock()
	}
}

// emit announces ev once tx commits (nothing when it rolls back, so a
// failed or retried batch announces nothing twice). Free when nobody
// listens.
func emit(tx *bolt.Tx, ev Event) {
	hooks, ok := openOutboxHooks.Load(tx.DB())
	if !ok {
		return
	}
	h := &hooks.(*outboxHooks).events
	h.mu.RLock()
	n := len(h.fns)
	h.mu.RUnlock()
	if n == 0 {
		return
	}
	tx.OnCommit(func() {
		h.mu.RLock()
		defer h.mu.RUnlock()
		for _, fn := range h.fns {
			fn(ev)
		}
	})
}

// emitDeleted announces the deletion of p.
func emitDeleted(tx *bolt.Tx, p *Post) {
	gone := *p
	emit(tx, Event{Kind: PostDeleted, PostID: p.ID, UserID: p.AuthorID, Deleted: &gone})
}

// Feed is a live timeline a stream follows: a member's home or one of
// their lists, the local or the whole public timeline, or a hashtag's.
type Feed struct {
	Kind FeedKind
	// Tag is the normalised hashtag of a FeedTag.
	Tag string
	// Local keeps a FeedTag to posts written here.
	Local bool
	// List is the viewer's list a FeedList follows.
	List ID
}

// FeedKind is which timeline a Feed follows.
type FeedKind int

// Feed kinds.
const (
	// FeedHome is what HomeTimeline shows the viewer.
	FeedHome FeedKind = iota + 1
	// FeedLocal is what LocalTimeline shows: public top-level posts
	// written here.
	FeedLocal
	// FeedPublic is the public top-level posts known here, from this
	// server and others.
	FeedPublic
	// FeedRemote is FeedPublic less the posts written here.
	FeedRemote
	// FeedTag is what TagTimeline shows for Tag.
	FeedTag
	// FeedList is what ListTimeline shows of the viewer's list List.
	FeedList
)

// FeedEntry tells whether post id belongs in feed f as viewer sees it now,
// and returns its entry (with the viewer's marks) when it does: the rules
// of the timeline the feed follows, and the viewer's visibility, mutes
// and blocks, as the pages apply them.
func (db *DB) FeedEntry(viewerID ID, f Feed, id ID) (Entry, bool, error) {
	var e Entry
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p, err := getPost(tx, id)
		if err != nil {
			return nil
		}
		b := feedBuilder(tx, viewerID, f)
		if !b.inFeed(f, &p) {
			return nil
		}
		e, ok, err = b.entry(p, true)
		return err
	})
	return e, ok, err
}

// FeedHad tells whether the deleted post p (an Event's Deleted) would have
// been in feed f for viewer: a stream tells only those who could have
// been shown it that it is gone. Relations are read as they are now.
func (db *DB) FeedHad(viewerID ID, f Feed, p Post) (bool, error) {
	var had bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := feedBuilder(tx, viewerID, f)
		had = b.inFeed(f, &p) && b.shows(&p, true)
		return nil
	})
	return had, err
}

func feedBuilder(tx *bolt.Tx, viewerID ID, f Feed) *builder {
	b := newBuilder(tx, viewerID)
	// Home and a list are made of accounts the viewer follows, whom
	// silencing does not hide from them (as HomeTimeline, ListTimeline).
	b.listing = f.Kind != FeedHome && f.Kind != FeedList
	b.filterBots()
	return b
}

// inFeed is the membership rule of each feed, the same as its timeline's
// (visibility is checked apart, by entry or shows).
func (b *builder) inFeed(f Feed, p *Post) bool {
	top := p.Visibility == Public && p.InReplyTo == 0 && !p.IsRepost()
	switch f.Kind {
	case FeedHome:
		// HomeTimeline: the viewer's own posts and those of the accounts
		// they follow (reposts included); a reply only when it answers the
		// viewer or someone they follow, or is the viewer's.
		home := func(id ID) bool { return id == b.v.id || (!b.v.hides(id) && b.v.following(b.tx, id)) }
		if b.v.id == 0 {
			return false
		}
		if !home(p.AuthorID) || (p.AuthorID != b.v.id && exclusiveMembers(b.tx, b.v.id)[p.AuthorID]) {
			return b.inFollowedTag(p, home) // lists.go, followed_tags.go
		}
		return p.InReplyTo == 0 || p.IsRepost() || p.AuthorID == b.v.id || home(p.InReplyToAuthor)
	case FeedLocal:
		return onLocalTimeline(p)
	case FeedPublic:
		return top
	case FeedRemote:
		return top && !p.Local
	case FeedTag:
		return p.Visibility == Public && !p.IsRepost() && (p.Local || !f.Local) && f.Tag != "" && hasTag(p, f.Tag)
	case FeedList:
		return b.inList(f.List, p) // lists.go
	}
	return false
}

func hasTag(p *Post, tag string) bool {
	for _, t := range p.Tags {
		if t == tag {
			return true
		}
	}
	return false
}
