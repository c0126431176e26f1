package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Quotes, with the quoted author's consent (as Mastodon's quote posts,
// after FEP-044f). Each post says who may quote it (QuotePolicy, from its
// author's default); a quote keeps the post it quotes (QuoteOf, QuoteURI)
// and where the consent stands (QuoteState): accepted with an
// authorization (QuoteAuth, a URI the quoted author's server serves),
// pending while another server is asked, rejected, or revoked when the
// quoted author detached their post. The quotes index lists, under a
// quoted post, the posts stored here that quote it.

// QuotePolicy says who may quote a post.
type QuotePolicy string

// Quote policies.
const (
	QuotePublic    QuotePolicy = "public"
	QuoteFollowers QuotePolicy = "followers"
	QuoteNobody    QuotePolicy = "nobody"
)

// Valid tells whether q is a policy ("" is not: callers resolve it).
func (q QuotePolicy) Valid() bool {
	return q == QuotePublic || q == QuoteFollowers || q == QuoteNobody
}

// QuoteState is where the quoted author's consent to a quote stands.
type QuoteState string

// Quote states.
const (
	QuoteAccepted QuoteState = "accepted"
	QuotePending  QuoteState = "pending"
	QuoteRejected QuoteState = "rejected"
	QuoteRevoked  QuoteState = "revoked"
)

// mayQuote tells whether quoterID may quote post q: a public or unlisted
// original, no block between them, and the post's policy (one's own post
// may always be quoted). A remote post that said nothing ("") is its
// server's to decide: asking is allowed.
func mayQuote(tx *bolt.Tx, quoterID ID, q *Post) bool {
	return quoteAllowed(quoterID, q, func() bool { return blockedEitherWay(tx, quoterID, q.AuthorID) },
		func() bool { return tx.Bucket(bucketFollows).Get(pairKey(quoterID, q.AuthorID)) != nil })
}

// quoteAllowed is mayQuote's rule, with the relations asked for only
// when the rule needs them: blocked (either way) and follows (the quoter
// follows the author). Pages answer them from what their viewer already
// holds (builder.mayQuote), the compose box from the file.
func quoteAllowed(quoterID ID, q *Post, blocked, follows func() bool) bool {
	if quoterID == 0 || q.IsRepost() || !q.Visibility.Repostable() {
		return false
	}
	if quoterID == q.AuthorID {
		return true
	}
	if blocked() {
		return false
	}
	switch q.QuotePolicy {
	case "", QuotePublic:
		return true
	case QuoteFollowers:
		return follows()
	}
	return false
}

// mayQuote tells whether the builder's viewer may quote post q, from the
// blocks the viewer loaded and the follows it caches: a card's Quote
// action costs no lookup for a public post and at most one per author
// for a followers' one.
func (b *builder) mayQuote(q *Post) bool {
	return quoteAllowed(b.v.id, q, func() bool { return b.v.blocked[q.AuthorID] },
		func() bool { return b.v.following(b.tx, q.AuthorID) })
}

// MayQuote tells whether quoterID may quote post postID (see mayQuote);
// ErrNotFound when it is gone or hidden from them.
func (db *DB) MayQuote(quoterID, postID ID) (bool, error) {
	ok := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		q, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if !newViewer(tx, quoterID).canSee(tx, &q) {
			return fmt.Errorf("post %d: %w", postID, ErrNotFound)
		}
		ok = mayQuote(tx, quoterID, &q)
		return nil
	})
	return ok, err
}

// linkQuote checks and indexes the quote of a new post (createPost): a
// member's quote must be of a post they see (ErrNotFound) and may quote
// (ErrForbidden); another server's quote is stored as it came, its state
// decided by its caller. The quoted author hears of an accepted quote.
func (db *DB) linkQuote(tx *bolt.Tx, p *Post) error {
	if p.QuoteOf == 0 {
		return nil
	}
	q, err := getPost(tx, p.QuoteOf)
	if err != nil {
		return fmt.Errorf("quote: %w", err)
	}
	if !isRemote(tx, p.AuthorID) {
		if !newViewer(tx, p.AuthorID).canSee(tx, &q) {
			return fmt.Errorf("quote of post %d: %w", q.ID, ErrNotFound)
		}
		if !mayQuote(tx, p.AuthorID, &q) {
			return fmt.Errorf("quote of post %d: %w", q.ID, ErrForbidden)
		}
	}
	if p.QuoteURI == "" {
		p.QuoteURI = q.URI
	}
	if err := tx.Bucket(bucketQuotes).Put(pairKey(q.ID, p.ID), nil); err != nil {
		return err
	}
	if p.QuoteAuth != "" {
		if err := tx.Bucket(bucketQuoteAuths).Put([]byte(p.QuoteAuth), idKey(p.ID)); err != nil {
			return err
		}
	}
	if p.QuoteState == QuoteAccepted {
		return notify(tx, q.AuthorID, NoteQuote, p.AuthorID, p.ID, db.ids.Next(db.now()))
	}
	return nil
}

// unlinkQuotes drops a deleted post's quote links (deletePost): its own
// quote's, and those of the posts that quote it (which then show nothing
// of it).
func unlinkQuotes(tx *bolt.Tx, p *Post) error {
	if p.QuoteOf != 0 {
		if err := tx.Bucket(bucketQuotes).Delete(pairKey(p.QuoteOf, p.ID)); err != nil {
			return err
		}
	}
	if p.QuoteAuth != "" {
		if err := tx.Bucket(bucketQuoteAuths).Delete([]byte(p.QuoteAuth)); err != nil {
			return err
		}
	}
	var keys [][]byte
	forPrefix(tx.Bucket(bucketQuotes), idKey(p.ID), func(k, _ []byte) { keys = append(keys, append([]byte(nil), k...)) })
	for _, k := range keys {
		if err := tx.Bucket(bucketQuotes).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// SetQuoteState records a change of a quote's consent: accepted (with the
// authorization's URI), rejected or revoked, with the activities in out,
// in one transaction. Accepting tells the quoted author, once. It returns
// the quoting post.
func (db *DB) SetQuoteState(quotingID ID, state QuoteState, auth string, out ...Activity) (Post, error) {
	if err := db.stampActivities(out); err != nil {
		return Post{}, fmt.Errorf("quote state: %w", err)
	}
	var stored Post
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := getPost(tx, quotingID)
		if err != nil {
			return err
		}
		if p.QuoteOf == 0 && p.QuoteURI == "" {
			return fmt.Errorf("post %d quotes nothing: %w", quotingID, ErrInvalid)
		}
		was := p.QuoteState
		if auth != "" && auth != p.QuoteAuth {
			if p.QuoteAuth != "" {
				if err := tx.Bucket(bucketQuoteAuths).Delete([]byte(p.QuoteAuth)); err != nil {
					return err
				}
			}
			p.QuoteAuth = auth
			if err := tx.Bucket(bucketQuoteAuths).Put([]byte(auth), idKey(p.ID)); err != nil {
				return err
			}
		}
		p.QuoteState = state
		if err := putPost(tx, &p); err != nil {
			return err
		}
		if state == QuoteAccepted && was != QuoteAccepted && p.QuoteOf != 0 {
			if q, err := getPost(tx, p.QuoteOf); err == nil {
				if err := notify(tx, q.AuthorID, NoteQuote, p.AuthorID, p.ID, db.ids.Next(db.now())); err != nil {
					return err
				}
			}
		}
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		stored = p
		return nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("quote state: %w", err)
	}
	return stored, nil
}

// QuoteByAuth is the post whose quote an authorization URI stands for.
func (db *DB) QuoteByAuth(auth string) (Post, error) {
	var p Post
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketQuoteAuths).Get([]byte(auth))
		if len(v) != 8 {
			return fmt.Errorf("quote authorization %q: %w", auth, ErrNotFound)
		}
		var err error
		p, err = getPost(tx, keyID(v, 0))
		return err
	})
	return p, err
}

// Quotes lists, newest first, the posts that quote post postID with its
// author's consent (accepted: not pending, rejected nor revoked) and
// that viewerID may see. The quoted author gets every such quote, also
// from accounts they muted (they asked about their own post); others
// get the viewer's mutes applied, as on timelines. A page reads at most
// its limit × scanFactor index entries; one that stops there ends short
// with NextHidden set.
func (db *DB) Quotes(viewerID, postID ID, page Page) (Timeline, error) {
	var tl Timeline
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		q, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		b := newBuilder(tx, viewerID)
		hide := viewerID != q.AuthorID
		c := tx.Bucket(bucketQuotes).Cursor()
		scanned, last := 0, ID(0)
		for k := seekBefore(c, idKey(postID), page.Before); k != nil && len(k) == 16 && keyID(k, 0) == postID; k, _ = c.Prev() {
			if scanned++; scanned > limit*scanFactor {
				tl.Next, tl.NextHidden = last, true
				break
			}
			last = keyID(k, 8)
			p, ok := acceptedQuote(tx, k, postID)
			if !ok {
				continue
			}
			e, ok, err := b.entry(p, hide)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if len(tl.Entries) == limit {
				tl.Next = tl.Entries[len(tl.Entries)-1].Post.ID
				break
			}
			tl.Entries = append(tl.Entries, e)
		}
		return nil
	})
	return tl, err
}

// acceptedQuote is the post of the quotes index entry k under post
// quoted, and whether it still quotes it with its author's consent (an
// entry may outlive either).
func acceptedQuote(tx *bolt.Tx, k []byte, quoted ID) (Post, bool) {
	p, err := getPost(tx, keyID(k, 8))
	return p, err == nil && p.QuoteOf == quoted && p.QuoteState == QuoteAccepted
}

// maxQuoteCount bounds the quotes a permalink counts; it reads at most
// maxQuoteCount × scanFactor index entries, so that pending, rejected or
// hidden quotes cannot make it read without end.
const maxQuoteCount = 1000

// QuoteCount counts the quotes of post postID that viewerID would find
// on its quotes page (see countQuotes).
func (db *DB) QuoteCount(viewerID, postID ID) (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		q, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		n = newBuilder(tx, viewerID).countQuotes(&q)
		return nil
	})
	return n, err
}

// countQuotes counts, up to maxQuoteCount, the quotes of post q that the
// builder's viewer would find on its quotes page (see Quotes), among the
// first maxQuoteCount × scanFactor index entries.
func (b *builder) countQuotes(q *Post) int {
	n, scanned := 0, 0
	hide := b.v.id != q.AuthorID
	c := b.tx.Bucket(bucketQuotes).Cursor()
	prefix := idKey(q.ID)
	for k, _ := c.Seek(prefix); k != nil && len(k) == 16 && keyID(k, 0) == q.ID && n < maxQuoteCount && scanned < maxQuoteCount*scanFactor; k, _ = c.Next() {
		scanned++
		if p, ok := acceptedQuote(b.tx, k, q.ID); ok && b.shows(&p, hide) {
			n++
		}
	}
	return n
}

// quotedEntry fills in the post an entry quotes, as the builder's viewer
// may see it: only an accepted quote of a post they may see shows it
// (one level: a quote inside a quote is not expanded).
func (b *builder) quotedEntry(p *Post) *Entry {
	if p.QuoteOf == 0 || p.QuoteState != QuoteAccepted {
		return nil
	}
	q, err := getPost(b.tx, p.QuoteOf)
	if err != nil || q.IsRepost() || !b.shows(&q, false) {
		return nil
	}
	a, err := b.user(q.AuthorID)
	if err != nil {
		return nil
	}
	return &Entry{Post: q, Author: *a}
}

// SetQuotePolicy saves who may quote a member's new posts by default.
func (db *DB) SetQuotePolicy(userID ID, p QuotePolicy) error {
	if !p.Valid() {
		return fmt.Errorf("quote policy %q: %w", p, ErrInvalid)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return updateUser(tx, userID, func(u *User) { u.QuotePolicy = p })
	})
}
