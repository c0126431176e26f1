package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"majlis/markup"
	"majlis/search"
)

// Running a search. A query's words, phrases and #tags become conditions,
// each a set of posts read from the index; the posts in every set are
// walked newest first by leapfrogging (each list seeks to the largest ID
// not above the others' candidate), so a page costs about as many block
// reads as it has results, whatever the size of the lists. Results come
// in two tiers: first the posts where every word matched exactly, newest
// first, then those where some word matched through its stem only. Every
// candidate then passes the same checks as a timeline entry (builder:
// visibility, blocks, mutes, moderation) and the consent rule (findable).

// SearchCursor is where a page of results starts: below Before (0: from
// the newest) in the exact tier, or in the stemmed tier when Stemmed.
type SearchCursor struct {
	Stemmed bool
	Before  ID
}

// SearchPage is a page of results. Timeline.Next (with NextHidden, as for
// timelines) and NextStemmed make the cursor of the next page.
type SearchPage struct {
	Timeline
	NextStemmed bool
}

// idIter is a list of post IDs that can be asked for the largest ID at
// most max; false when there is none.
type idIter interface {
	seek(max ID) (ID, bool)
}

// postingIter walks the posting blocks of one term.
type postingIter struct {
	c      *bolt.Cursor
	prefix []byte
	block  []ID
	done   bool
	key    []byte // the key seekFar seeks, reused
}

func (it *postingIter) isBlock(k []byte) bool {
	return k != nil && len(k) == len(it.prefix)+8 && bytes.HasPrefix(k, it.prefix)
}

func (it *postingIter) load(k, v []byte) bool {
	var err error
	it.block, err = decodeBlock(it.block[:0], keyID(k, len(it.prefix)), v)
	if err != nil {
		it.done = true // `majlis check` reports it
		return false
	}
	return true
}

func (it *postingIter) seek(max ID) (ID, bool) {
	if it.done {
		return 0, false
	}
	n := len(it.block)
	switch {
	case n > 0 && it.block[0] <= max && max <= it.block[n-1]:
		// In the block at hand.
	case n > 0 && max < it.block[0]:
		// Walking down: the block before is the likely one.
		k, v := it.c.Prev()
		if !it.isBlock(k) {
			it.done = true
			return 0, false
		}
		if keyID(k, len(it.prefix)) > max {
			return it.seekFar(max)
		}
		if !it.load(k, v) {
			return 0, false
		}
	default:
		return it.seekFar(max)
	}
	i, found := slices.BinarySearch(it.block, max)
	if found {
		return it.block[i], true
	}
	return it.block[i-1], true
}

// seekFar finds the block of max with a Seek from the root.
func (it *postingIter) seekFar(max ID) (ID, bool) {
	it.key = binary.BigEndian.AppendUint64(append(it.key[:0], it.prefix...), uint64(max))
	target := it.key
	k, v := it.c.Seek(target)
	if !bytes.Equal(k, target) {
		if k == nil {
			k, v = it.c.Last()
		} else {
			k, v = it.c.Prev()
		}
	}
	if !it.isBlock(k) {
		it.done = true
		return 0, false
	}
	if !it.load(k, v) {
		return 0, false
	}
	i, found := slices.BinarySearch(it.block, max)
	if found {
		return it.block[i], true
	}
	return it.block[i-1], true
}

// keyIter walks the IDs at offset off of the keys under prefix of a
// bucket (an author's posts, a member's bookmarks or likes, all posts).
type keyIter struct {
	c      *bolt.Cursor
	prefix []byte
	off    int
}

func (it *keyIter) seek(max ID) (ID, bool) {
	var k []byte
	if max == ^ID(0) {
		k = seekBefore(it.c, it.prefix, 0)
	} else {
		k = seekBefore(it.c, it.prefix, max+1)
	}
	if k == nil || !bytes.HasPrefix(k, it.prefix) || len(k) < it.off+8 {
		return 0, false
	}
	return keyID(k, it.off), true
}

// anyIter is the union of lists.
type anyIter []idIter

func (u anyIter) seek(max ID) (ID, bool) {
	best, ok := ID(0), false
	for _, it := range u {
		if id, found := it.seek(max); found && (!ok || id > best) {
			best, ok = id, true
		}
	}
	return best, ok
}

// allIter is the intersection of lists.
type allIter []idIter

func (a allIter) seek(max ID) (ID, bool) {
	cand, agreed := max, 0
	for i := 0; agreed < len(a); i = (i + 1) % len(a) {
		id, ok := a[i].seek(cand)
		if !ok {
			return 0, false
		}
		if id == cand {
			agreed++
		} else {
			cand, agreed = id, 1
		}
	}
	return cand, true
}

// condition is one thing every result must have: a term exactly, or (in
// the stemmed tier) any of stems.
type condition struct {
	exact []byte
	stems [][]byte
}

// conditions turns the words of a query into conditions.
func conditions(words []string, stemmed bool) []condition {
	var out []condition
	for _, w := range words {
		for _, t := range search.Analyze(w) {
			if t.Term == "" || len(t.Term) > maxTermBytes {
				continue
			}
			var c condition
			switch t.Kind {
			case search.Word:
				c.exact = termKey(termWord, t.Term)
				if stemmed {
					c.stems = [][]byte{termKey(termWord, t.Stem), termKey(termStem, t.Stem)}
				}
			case search.Tag:
				c.exact = termKey(termTag, markup.NormalizeTag(t.Term))
			case search.Mention:
				c.exact = termKey(termMention, t.Term)
			case search.Host:
				c.exact = termKey(termHost, t.Term)
			default:
				continue
			}
			if c.stems == nil {
				c.stems = [][]byte{c.exact}
			}
			out = append(out, c)
		}
	}
	return out
}

// SearchPosts runs a query for a viewer (0: a visitor).
func (db *DB) SearchPosts(viewerID ID, q search.Query, cur SearchCursor, limit int) (SearchPage, error) {
	var out SearchPage
	if q.Empty() {
		return out, nil
	}
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, maxPageLimit)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		s, ok := newSearcher(tx, viewerID, q)
		if !ok {
			return nil
		}
		var err error
		out, err = s.page(cur, limit)
		return err
	})
	if err != nil {
		return SearchPage{}, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// searcher is one query being run for one viewer in one transaction.
type searcher struct {
	tx      *bolt.Tx
	b       *builder
	q       search.Query
	tiers   []idIter // exact, then (when any word has a stem) stemmed
	exact   idIter   // a second walker over the exact tier, to leave its posts out of the stemmed one
	lo, hi  ID       // after:, before:
	phrases [][]string
	exclude map[string]bool
}

// newSearcher reads the query; false when it can find nothing (from: an
// unknown account, in: for a visitor).
func newSearcher(tx *bolt.Tx, viewerID ID, q search.Query) (*searcher, bool) {
	s := &searcher{tx: tx, b: newBuilder(tx, viewerID), q: q, hi: ^ID(0)}
	s.b.listing = true
	postings := tx.Bucket(bucketSearchPostings)
	words := slices.Clone(q.Words)
	var phraseWords []string
	for _, ph := range q.Phrases {
		var terms []string
		for _, t := range search.Analyze(ph) {
			terms = append(terms, t.Term)
			phraseWords = append(phraseWords, ph[t.Start:t.End])
		}
		if len(terms) > 0 {
			s.phrases = append(s.phrases, terms)
		}
	}
	for _, ex := range q.Exclude {
		for _, t := range search.Analyze(ex) {
			if s.exclude == nil {
				s.exclude = map[string]bool{}
			}
			s.exclude[t.Term] = true
		}
	}
	conds := append(conditions(words, true), conditions(phraseWords, false)...)
	for _, tag := range q.Tags {
		if t := markup.NormalizeTag(tag); t != "" {
			k := termKey(termTag, t)
			conds = append(conds, condition{exact: k, stems: [][]byte{k}})
		}
	}
	// The lists every result is in besides the conditions.
	var extra []idIter
	if q.From != "" {
		id, ok := findAuthor(tx, viewerID, q.From)
		if !ok {
			return nil, false
		}
		extra = append(extra, &keyIter{c: tx.Bucket(bucketAuthorPosts).Cursor(), prefix: idKey(id), off: 8})
	}
	switch q.In {
	case "bookmarks", "liked":
		if viewerID == 0 {
			return nil, false
		}
		bucket := bucketBookmarks
		if q.In == "liked" {
			bucket = bucketUserLikes
		}
		extra = append(extra, &keyIter{c: tx.Bucket(bucket).Cursor(), prefix: idKey(viewerID), off: 8})
	}
	if !q.Before.IsZero() {
		s.hi = MinIDAt(q.Before) - 1
	}
	if !q.After.IsZero() {
		s.lo = MinIDAt(q.After)
	}
	iter := func(keys [][]byte) idIter {
		if len(keys) == 1 {
			return &postingIter{c: postings.Cursor(), prefix: keys[0]}
		}
		var u anyIter
		for _, k := range keys {
			u = append(u, &postingIter{c: postings.Cursor(), prefix: k})
		}
		return u
	}
	build := func(stemmed bool) idIter {
		var all allIter
		for _, c := range conds {
			if stemmed {
				all = append(all, iter(c.stems))
			} else {
				all = append(all, iter([][]byte{c.exact}))
			}
		}
		switch {
		case len(all) == 0 && len(extra) == 0:
			return &keyIter{c: tx.Bucket(bucketPosts).Cursor(), off: 0}
		case len(all) == 0 && len(extra) == 1:
			return extra[0]
		}
		return append(all, extra...)
	}
	// A stem list that is empty adds nothing: with none left beside the
	// exact terms, there is no stemmed tier to walk.
	for i, c := range conds {
		kept := c.stems[:0:0]
		for _, k := range c.stems {
			if bytes.Equal(k, c.exact) || hasPostings(postings, k) {
				kept = append(kept, k)
			}
		}
		conds[i].stems = kept
	}
	s.tiers = []idIter{build(false)}
	for _, c := range conds {
		if len(c.stems) > 1 || !bytes.Equal(c.stems[0], c.exact) {
			s.tiers = append(s.tiers, build(true))
			s.exact = build(false)
			break
		}
	}
	return s, true
}

// hasPostings tells whether a term has any posting.
func hasPostings(b *bolt.Bucket, prefix []byte) bool {
	k, _ := b.Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// findAuthor reads from:'s account: "me", a member's name, or
// name@domain of an account known here.
func findAuthor(tx *bolt.Tx, viewerID ID, from string) (ID, bool) {
	from = strings.TrimPrefix(from, "@")
	if from == "me" {
		return viewerID, viewerID != 0
	}
	name, domain, _ := strings.Cut(from, "@")
	v := tx.Bucket(bucketUsernames).Get(usernameKey(name, NormalizeDomain(domain)))
	if len(v) != 8 {
		return 0, false
	}
	return keyID(v, 0), true
}

// page collects one page of results from cur on.
func (s *searcher) page(cur SearchCursor, limit int) (SearchPage, error) {
	tier := 0
	if cur.Stemmed && len(s.tiers) > 1 {
		tier = 1
	}
	pos := s.hi
	if cur.Before != 0 {
		pos = min(pos, cur.Before-1)
	}
	tierOf := map[ID]int{}
	next := func() (ID, bool) {
		for tier < len(s.tiers) {
			id, ok := ID(0), false
			if pos >= s.lo && pos > 0 {
				id, ok = s.tiers[tier].seek(pos)
			}
			if !ok || id < s.lo {
				tier, pos = tier+1, s.hi
				continue
			}
			pos = id - 1
			if tier == 1 {
				if e, ok := s.exact.seek(id); ok && e == id {
					continue // shown in the exact tier
				}
			}
			tierOf[id] = tier
			return id, true
		}
		return 0, false
	}
	var out SearchPage
	t, err := s.b.page(limit, next, s.keep)
	out.Timeline = t
	out.NextStemmed = t.Next != 0 && tierOf[t.Next] == 1
	return out, err
}

// keep builds the entry of a candidate, or leaves it out: the filters of
// the query, then the viewer's right to see it and its author's consent.
func (s *searcher) keep(id ID) (Entry, bool, error) {
	p, err := getPost(s.tx, id)
	if err != nil || p.IsRepost() {
		return Entry{}, false, nil
	}
	if s.q.HasMedia && len(p.Attachments) == 0 || s.q.IsReply && p.InReplyTo == 0 {
		return Entry{}, false, nil
	}
	e, ok, err := s.b.entry(p, true)
	if err != nil || !ok || !s.findable(&e.Post) {
		return Entry{}, false, err
	}
	if len(s.phrases) > 0 || s.exclude != nil {
		toks := search.Analyze(SearchText(&p))
		for _, t := range toks {
			if s.exclude[t.Term] || s.exclude[t.Stem] {
				return Entry{}, false, nil
			}
		}
		for _, ph := range s.phrases {
			if !hasPhrase(toks, ph) {
				return Entry{}, false, nil
			}
		}
	}
	return e, true, nil
}

// hasPhrase tells whether the terms follow each other in toks.
func hasPhrase(toks []search.Token, terms []string) bool {
	for i := 0; i+len(terms) <= len(toks); i++ {
		match := true
		for j, t := range terms {
			if toks[i+j].Term != t {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// findable is the consent rule of search, on top of visibility: a post is
// found by its author, by those it mentions and by those who liked,
// reposted or bookmarked it; by anyone else only when its author agreed
// to be found (Indexable, and no "noindex" from another server) and it
// is not unlisted (unlisted posts stay out of listings, as on tag pages).
//
// The author's consent is asked first: it is one cached record per author,
// and it settles most candidates, so the viewer's own likes, reposts and
// bookmarks are looked up only for the posts of those who did not agree.
func (s *searcher) findable(p *Post) bool {
	if a, err := s.b.user(p.AuthorID); err == nil && a.Indexable && !NoIndexSignal(a.XRobotsTag) && !NoIndexSignal(p.XRobotsTag) && p.Visibility != Unlisted {
		return true
	}
	v := s.b.v.id
	if v == 0 {
		return false
	}
	if p.AuthorID == v || p.Mentioned(v) {
		return true
	}
	for _, b := range [][]byte{bucketUserLikes, bucketUserReposts, bucketBookmarks} {
		if s.b.pageBucket(b).Get(pairKey(v, p.ID)) != nil {
			return true
		}
	}
	return false
}

// TagCount is a hashtag and how many public posts carry it (counted up to
// MaxTagCount).
type TagCount struct {
	Name  string
	Posts int
}

// MaxTagCount bounds the counting of a tag's posts: a suggestion says
// "1000+" rather than walk a very common tag to its end.
const MaxTagCount = 1000

// SearchTags lists the hashtags of public posts that start with prefix
// (markup.NormalizeTag), in order, with their counts.
func (db *DB) SearchTags(prefix string, limit int) ([]TagCount, error) {
	prefix = markup.NormalizeTag(strings.TrimPrefix(prefix, "#"))
	if prefix == "" {
		return nil, nil
	}
	limit = min(max(limit, 1), maxPageLimit)
	var out []TagCount
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTags).Cursor()
		k, _ := c.Seek([]byte(prefix))
		for k != nil && bytes.HasPrefix(k, []byte(prefix)) && len(out) < limit {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				k, _ = c.Next()
				continue
			}
			tag := string(k[:i])
			n := 0
			tp := tagPrefix(tag)
			for ; k != nil && bytes.HasPrefix(k, tp) && n < MaxTagCount; k, _ = c.Next() {
				n++
			}
			out = append(out, TagCount{Name: tag, Posts: n})
			// Past the rest of this tag's posts: the next tag.
			k, _ = c.Seek(append([]byte(tag), 1))
		}
		return nil
	})
	return out, err
}

// SearchPeople lists the accounts whose name or display name has a word
// starting with prefix (normalized as search does, so Arabic letters fold
// as they do in posts), as the viewer may find them: not suspended or
// pending, no block between them, and (unless the viewer follows them
// or typed their whole username) only accounts that agreed to be found.
func (db *DB) SearchPeople(viewerID ID, prefix string, limit int) ([]User, error) {
	prefix = strings.TrimPrefix(strings.TrimSpace(prefix), "@")
	if at := strings.Index(prefix, "@"); at >= 0 {
		prefix = strings.ToLower(prefix)
	} else {
		prefix = search.Normalize(prefix)
	}
	if prefix == "" || strings.Contains(prefix, "\x00") {
		return nil, nil
	}
	limit = min(max(limit, 1), maxPageLimit)
	var out []User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := newViewer(tx, viewerID)
		seen := map[ID]bool{}
		c := tx.Bucket(bucketSearchPeople).Cursor()
		scanned := 0
		for k, _ := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)) && len(out) < limit; k, _ = c.Next() {
			if scanned++; scanned > limit*scanFactor || len(k) < 9 || k[len(k)-9] != 0 {
				if scanned > limit*scanFactor {
					break
				}
				continue
			}
			id := keyID(k, len(k)-8)
			if seen[id] {
				continue
			}
			seen[id] = true
			u, err := getUser(tx, id)
			if err != nil {
				continue
			}
			if st := u.AccountStatus(); st == StatusPending || st == StatusSuspended {
				continue
			}
			if id != viewerID && v.blocked[id] {
				continue
			}
			term := string(k[:len(k)-9])
			whole := term == strings.ToLower(u.Username) && term == prefix ||
				u.Domain != "" && term == prefix && strings.Contains(term, "@")
			if id != viewerID && !u.Indexable && !whole && !v.following(tx, id) {
				continue
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}
