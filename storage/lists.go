package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RepliesPolicy says which replies a list's timeline shows, as Mastodon
// names them.
type RepliesPolicy string

// Replies policies.
const (
	// RepliesFollowed: replies to anyone the owner follows (and to the
	// owner).
	RepliesFollowed RepliesPolicy = "followed"
	// RepliesList: replies to the list's members only.
	RepliesList RepliesPolicy = "list"
	// RepliesNone: no replies.
	RepliesNone RepliesPolicy = "none"
)

// Valid tells whether p is one of the policies.
func (p RepliesPolicy) Valid() bool {
	return p == RepliesFollowed || p == RepliesList || p == RepliesNone
}

// List is a member's group of accounts they follow, read as a timeline
// of its own.
type List struct {
	ID      ID            `json:"id"`
	OwnerID ID            `json:"owner_id"`
	Title   string        `json:"title"`
	Replies RepliesPolicy `json:"replies_policy"`
	// Exclusive lists keep their members' posts out of the owner's home
	// timeline.
	Exclusive bool      `json:"exclusive,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxLists bounds how many lists a member keeps.
const MaxLists = 100

func getList(tx *bolt.Tx, ownerID, listID ID) (List, error) {
	var l List
	v := tx.Bucket(bucketLists).Get(idKey(listID))
	if v == nil {
		return l, fmt.Errorf("list %d: %w", listID, ErrNotFound)
	}
	if err := decodeRecord(v, &l); err != nil {
		return l, fmt.Errorf("list %d: %w", listID, err)
	}
	// Someone else's list does not exist for this member.
	if l.OwnerID != ownerID {
		return List{}, fmt.Errorf("list %d: %w", listID, ErrNotFound)
	}
	return l, nil
}

func putList(tx *bolt.Tx, l *List) error {
	v, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketLists).Put(idKey(l.ID), v); err != nil {
		return err
	}
	return tx.Bucket(bucketUserLists).Put(pairKey(l.OwnerID, l.ID), nil)
}

// CreateList stores a new list of l.OwnerID and sets l.ID. More than
// MaxLists is ErrInvalid.
func (db *DB) CreateList(l *List) error {
	if !l.Replies.Valid() {
		l.Replies = RepliesList
	}
	l.ID, l.CreatedAt = db.NewID(), db.now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, l.OwnerID); err != nil {
			return err
		}
		n := 0
		forPrefix(tx.Bucket(bucketUserLists), idKey(l.OwnerID), func(_, _ []byte) { n++ })
		if n >= MaxLists {
			return fmt.Errorf("more than %d lists: %w", MaxLists, ErrInvalid)
		}
		return putList(tx, l)
	})
	if err != nil {
		return fmt.Errorf("create list: %w", err)
	}
	return nil
}

// UpdateList changes a list's title, replies policy and exclusivity
// (ErrNotFound when ownerID has no such list).
func (db *DB) UpdateList(ownerID ID, l List) (List, error) {
	var out List
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		old, err := getList(tx, ownerID, l.ID)
		if err != nil {
			return err
		}
		old.Title, old.Exclusive = l.Title, l.Exclusive
		if l.Replies.Valid() {
			old.Replies = l.Replies
		}
		out = old
		return putList(tx, &old)
	})
	if err != nil {
		return out, fmt.Errorf("update list: %w", err)
	}
	return out, nil
}

// DeleteList deletes a list with its members' entries.
func (db *DB) DeleteList(ownerID, listID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getList(tx, ownerID, listID); err != nil {
			return err
		}
		return deleteList(tx, ownerID, listID)
	})
	if err != nil {
		return fmt.Errorf("delete list: %w", err)
	}
	return nil
}

func deleteList(tx *bolt.Tx, ownerID, listID ID) error {
	members := tx.Bucket(bucketListMembers)
	var keys [][]byte
	forPrefix(members, idKey(listID), func(k, _ []byte) { keys = append(keys, bytes.Clone(k)) })
	for _, k := range keys {
		if err := members.Delete(k); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketUserLists).Delete(pairKey(ownerID, listID)); err != nil {
		return err
	}
	return tx.Bucket(bucketLists).Delete(idKey(listID))
}

// List returns one of ownerID's lists.
func (db *DB) List(ownerID, listID ID) (List, error) {
	var l List
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		l, err = getList(tx, ownerID, listID)
		return err
	})
	return l, err
}

// Lists returns ownerID's lists by title.
func (db *DB) Lists(ownerID ID) ([]List, error) {
	var out []List
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = userLists(tx, ownerID)
		return err
	})
	return out, err
}

func userLists(tx *bolt.Tx, ownerID ID) ([]List, error) {
	var ids []ID
	forPrefix(tx.Bucket(bucketUserLists), idKey(ownerID), func(k, _ []byte) { ids = append(ids, keyID(k, 8)) })
	out := make([]List, 0, len(ids))
	for _, id := range ids {
		l, err := getList(tx, ownerID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(a, b List) int { return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) })
	return out, nil
}

// ListsWith returns those of ownerID's lists that hold accountID.
func (db *DB) ListsWith(ownerID, accountID ID) ([]List, error) {
	var out []List
	err := db.bolt.View(func(tx *bolt.Tx) error {
		all, err := userLists(tx, ownerID)
		if err != nil {
			return err
		}
		members := tx.Bucket(bucketListMembers)
		for _, l := range all {
			if members.Get(pairKey(l.ID, accountID)) != nil {
				out = append(out, l)
			}
		}
		return nil
	})
	return out, err
}

// ListMembers returns the accounts in one of ownerID's lists, oldest
// account first.
func (db *DB) ListMembers(ownerID, listID ID) ([]User, error) {
	var out []User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if _, err := getList(tx, ownerID, listID); err != nil {
			return err
		}
		for _, id := range listMemberIDs(tx, listID) {
			u, err := getUser(tx, id)
			if err != nil {
				continue // an entry without its account
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

func listMemberIDs(tx *bolt.Tx, listID ID) []ID {
	var ids []ID
	forPrefix(tx.Bucket(bucketListMembers), idKey(listID), func(k, _ []byte) { ids = append(ids, keyID(k, 8)) })
	return ids
}

// AddListMembers puts accounts in one of ownerID's lists, all or none: an
// account the owner does not follow is ErrForbidden (a list is read from
// the follows). Adding an account already there changes nothing.
func (db *DB) AddListMembers(ownerID, listID ID, accountIDs []ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getList(tx, ownerID, listID); err != nil {
			return err
		}
		follows, members := tx.Bucket(bucketFollows), tx.Bucket(bucketListMembers)
		for _, a := range accountIDs {
			if follows.Get(pairKey(ownerID, a)) == nil {
				return fmt.Errorf("account %d is not followed: %w", a, ErrForbidden)
			}
			if err := members.Put(pairKey(listID, a), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add to list: %w", err)
	}
	return nil
}

// RemoveListMembers takes accounts out of one of ownerID's lists.
func (db *DB) RemoveListMembers(ownerID, listID ID, accountIDs []ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getList(tx, ownerID, listID); err != nil {
			return err
		}
		members := tx.Bucket(bucketListMembers)
		for _, a := range accountIDs {
			if err := members.Delete(pairKey(listID, a)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove from list: %w", err)
	}
	return nil
}

// dropFromLists takes followee out of every list of follower: called by
// unfollow, so a list only ever holds accounts its owner follows.
func dropFromLists(tx *bolt.Tx, followerID, followeeID ID) error {
	members := tx.Bucket(bucketListMembers)
	var keys [][]byte
	forPrefix(tx.Bucket(bucketUserLists), idKey(followerID), func(k, _ []byte) {
		if key := pairKey(keyID(k, 8), followeeID); members.Get(key) != nil {
			keys = append(keys, key)
		}
	})
	for _, k := range keys {
		if err := members.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// deleteUserLists deletes an account's lists (account deletion).
func deleteUserLists(tx *bolt.Tx, ownerID ID) error {
	var ids []ID
	forPrefix(tx.Bucket(bucketUserLists), idKey(ownerID), func(k, _ []byte) { ids = append(ids, keyID(k, 8)) })
	for _, id := range ids {
		if err := deleteList(tx, ownerID, id); err != nil {
			return err
		}
	}
	return nil
}

// exclusiveMembers is the accounts in ownerID's exclusive lists, whose
// posts stay out of the owner's home timeline.
func exclusiveMembers(tx *bolt.Tx, ownerID ID) map[ID]bool {
	var out map[ID]bool
	lists := tx.Bucket(bucketLists)
	forPrefix(tx.Bucket(bucketUserLists), idKey(ownerID), func(k, _ []byte) {
		var l List
		if v := lists.Get(k[8:]); v == nil || decodeRecord(v, &l) != nil || !l.Exclusive {
			return
		}
		if out == nil {
			out = map[ID]bool{}
		}
		for _, id := range listMemberIDs(tx, l.ID) {
			out[id] = true
		}
	})
	return out
}

// ListTimeline is a list's timeline: its members' posts and reposts as
// the owner may see them, merged as the home timeline merges the
// followed accounts' (see HomeTimeline), with replies as the list's
// policy says.
func (db *DB) ListTimeline(ownerID, listID ID, page Page) (Timeline, error) {
	var t Timeline
	err := db.bolt.View(func(tx *bolt.Tx) error {
		l, err := getList(tx, ownerID, listID)
		if err != nil {
			return err
		}
		b := newBuilder(tx, ownerID)
		b.filterBots()
		inList := map[ID]bool{}
		var authors []ID
		follows := tx.Bucket(bucketFollows)
		for _, a := range listMemberIDs(tx, listID) {
			if !b.v.hides(a) && follows.Get(pairKey(ownerID, a)) != nil {
				inList[a] = true
				authors = append(authors, a)
			}
		}
		replyShows := func(to ID) bool {
			switch l.Replies {
			case RepliesNone:
				return false
			case RepliesFollowed:
				return to == ownerID || follows.Get(pairKey(ownerID, to)) != nil
			default:
				return inList[to]
			}
		}
		t, err = b.mergedPage(mergeFeed{authors: authors, in: inList, replyShows: replyShows}, page)
		return err
	})
	return t, err
}

// inList is ListTimeline's rule for one post, for a stream of the list
// (events.go): the viewer's list, a post or repost by a member they
// follow and do not hide, a reply only as the list's replies policy
// lets it show.
func (b *builder) inList(listID ID, p *Post) bool {
	if b.v.id == 0 {
		return false
	}
	l, err := getList(b.tx, b.v.id, listID)
	if err != nil {
		return false
	}
	follows, members := b.tx.Bucket(bucketFollows), b.tx.Bucket(bucketListMembers)
	inList := func(id ID) bool {
		return !b.v.hides(id) && follows.Get(pairKey(b.v.id, id)) != nil && members.Get(pairKey(listID, id)) != nil
	}
	if !inList(p.AuthorID) {
		return false
	}
	if p.IsRepost() || p.InReplyTo == 0 {
		return true
	}
	switch l.Replies {
	case RepliesNone:
		return false
	case RepliesFollowed:
		return p.InReplyToAuthor == b.v.id || follows.Get(pairKey(b.v.id, p.InReplyToAuthor)) != nil
	}
	return inList(p.InReplyToAuthor)
}

// SetAccountLists makes accountID a member of exactly those of ownerID's
// lists named in listIDs (the "Add to list" form of a profile), in one
// transaction. A list that is not ownerID's is ErrNotFound; an account
// the owner does not follow may only be taken out (ErrForbidden).
func (db *DB) SetAccountLists(ownerID, accountID ID, listIDs []ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		want := map[ID]bool{}
		for _, id := range listIDs {
			if _, err := getList(tx, ownerID, id); err != nil {
				return err
			}
			want[id] = true
		}
		if len(want) > 0 && tx.Bucket(bucketFollows).Get(pairKey(ownerID, accountID)) == nil {
			return fmt.Errorf("account %d is not followed: %w", accountID, ErrForbidden)
		}
		members := tx.Bucket(bucketListMembers)
		var all []ID
		forPrefix(tx.Bucket(bucketUserLists), idKey(ownerID), func(k, _ []byte) { all = append(all, keyID(k, 8)) })
		for _, id := range all {
			var err error
			if want[id] {
				err = members.Put(pairKey(id, accountID), nil)
			} else {
				err = members.Delete(pairKey(id, accountID))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set lists: %w", err)
	}
	return nil
}
