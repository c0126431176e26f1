package storage

import (
	bolt "go.etcd.io/bbolt"
)

// viewer is who is looking, with what their relations say about what they
// may see: the one place where visibility is decided. Every route that shows
// a post or part of one goes through canSee (and hides, for timelines).
type viewer struct {
	id ID // 0 for a visitor who is not logged in
	// blocked holds accounts the viewer blocks or is blocked by.
	blocked map[ID]bool
	// muted holds accounts the viewer muted.
	muted map[ID]bool
	// follows caches "the viewer follows this account".
	follows map[ID]bool
	// domains holds the domains the viewer blocked (federated_pages.go),
	// nil when none.
	domains map[string]bool
	// visiting is the account whose profile is shown: the viewer came to
	// look, so their domain blocks do not hide it there.
	visiting ID
}

// newViewer loads the viewer's blocks and mutes (small sets) in tx.
func newViewer(tx *bolt.Tx, id ID) *viewer {
	v := &viewer{id: id, blocked: map[ID]bool{}, muted: map[ID]bool{}, follows: map[ID]bool{}}
	if id == 0 {
		return v
	}
	prefix := idKey(id)
	forPrefix(tx.Bucket(bucketBlocks), prefix, func(k, _ []byte) { v.blocked[keyID(k, 8)] = true })
	forPrefix(tx.Bucket(bucketBlockedBy), prefix, func(k, _ []byte) { v.blocked[keyID(k, 8)] = true })
	forPrefix(tx.Bucket(bucketMutes), prefix, func(k, _ []byte) { v.muted[keyID(k, 8)] = true })
	v.loadBlockedDomains(tx)
	return v
}

// following tells whether the viewer follows author.
func (v *viewer) following(tx *bolt.Tx, author ID) bool {
	if v.id == 0 {
		return false
	}
	f, ok := v.follows[author]
	if !ok {
		f = tx.Bucket(bucketFollows).Get(pairKey(v.id, author)) != nil
		v.follows[author] = f
	}
	return f
}

// canSee decides whether the viewer may see a post (for a repost: the
// repost itself; check the original separately):
//   - authors see their own posts;
//   - nobody sees across a block, whatever the visibility;
//   - public and unlisted posts are for everyone;
//   - followers-only posts are for the author's followers and the mentioned;
//   - direct posts are for the mentioned only.
func (v *viewer) canSee(tx *bolt.Tx, p *Post) bool {
	if v.id != 0 && p.AuthorID == v.id {
		return true
	}
	if v.blocked[p.AuthorID] {
		return false
	}
	switch p.Visibility {
	case Public, Unlisted:
		return true
	case FollowersOnly:
		return v.id != 0 && (v.following(tx, p.AuthorID) || p.Mentioned(v.id))
	case Direct:
		return v.id != 0 && p.Mentioned(v.id)
	}
	return false
}

// hides tells whether timelines and notifications leave an account out
// for the viewer: blocked either way, or muted.
func (v *viewer) hides(id ID) bool {
	return id != v.id && (v.blocked[id] || v.muted[id])
}

// hidesAuthor is the instance's moderation of an author's posts, the one
// rule every page of posts follows (builder.entry applies it to each post,
// and to the original of a repost):
//   - a suspended account's posts and reposts are hidden everywhere, from
//     everyone (its profile says it is suspended instead);
//   - a silenced account's posts stay out of the public listings (listing:
//     the local timeline and tag pages), except for its own eyes; its
//     followers still see them at home, and anyone on its profile and
//     permalinks.
func (v *viewer) hidesAuthor(author *User, listing bool) bool {
	switch author.AccountStatus() {
	case StatusSuspended:
		return true
	case StatusSilenced:
		return listing && author.ID != v.id
	}
	return false
}

// moderated tells whether moderation hides the posts of account id on the
// page being built (see viewer.hidesAuthor).
func (b *builder) moderated(id ID) bool {
	u, err := b.user(id)
	return err == nil && b.v.hidesAuthor(u, b.listing)
}

// blockedEitherWay tells whether a blocks b or b blocks a.
func blockedEitherWay(tx *bolt.Tx, a, b ID) bool {
	return tx.Bucket(bucketBlocks).Get(pairKey(a, b)) != nil || tx.Bucket(bucketBlocks).Get(pairKey(b, a)) != nil
}
