package storage

import (
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Verified profile links: a member's link is verified when the page it
// names links back to the profile with rel="me". The check runs in the
// background (federation's LinkVerifier); storage keeps its outcome on
// each link and when the member's links were last checked.

// RemoteField is one profile field of a remote account: a name and a
// value in sanitized HTML (often a link), as its server sends them.
type RemoteField struct {
	Name      string `json:"name"`
	ValueHTML string `json:"value_html"`
	// VerifiedAt is when this instance found the page the value links to
	// linking back to the account (rel="me"): each server checks remote
	// links itself rather than trust another's word, as Mastodon does.
	// Zero when it does not link back or was not checked yet.
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// checks says where the verification mark of a kind of profile link sits
// (at) and what identifies the link a mark belongs to (key): a member's
// link by its address, a remote account's field by its value.
type checks[T any] struct {
	key func(T) string
	at  func(*T) *time.Time
}

var (
	linkChecks  = checks[ProfileLink]{func(l ProfileLink) string { return l.URL }, func(l *ProfileLink) *time.Time { return &l.VerifiedAt }}
	fieldChecks = checks[RemoteField]{func(f RemoteField) string { return f.ValueHTML }, func(f *RemoteField) *time.Time { return &f.VerifiedAt }}
)

// keep is items as saved over old: each keeps the mark of the item of
// old with the same key, and a new key has none, so only what changed
// has to be checked again.
func (c checks[T]) keep(old, items []T) []T {
	if len(items) == 0 {
		return items
	}
	out := slices.Clone(items)
	for i := range out {
		*c.at(&out[i]) = time.Time{}
		if j := slices.IndexFunc(old, func(o T) bool { return c.key(o) == c.key(out[i]) }); j >= 0 {
			*c.at(&out[i]) = *c.at(&old[j])
		}
	}
	return out
}

// record is items with a check's outcome: verified says, for each key
// checked, whether its page links back. An item verified before keeps its
// first date; one that no longer links back loses it; one whose key is
// not in verified (changed since the check began, or not checked) is left
// as it is.
func (c checks[T]) record(items []T, verified map[string]bool, checkedAt time.Time) []T {
	out := slices.Clone(items)
	for i := range out {
		ok, checked := verified[c.key(out[i])]
		switch {
		case !checked:
		case ok && c.at(&out[i]).IsZero():
			*c.at(&out[i]) = checkedAt.UTC()
		case !ok:
			*c.at(&out[i]) = time.Time{}
		}
	}
	return out
}

// setChecks records a check of an account's links in one transaction:
// record changes the account read, which must be local or remote as
// local says (ErrInvalid). It returns the account as saved.
func (db *DB) setChecks(userID ID, local bool, record func(*User)) (User, error) {
	var out User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if u.IsLocal() != local {
			if local {
				return fmt.Errorf("user %d is not local: %w", userID, ErrInvalid)
			}
			return fmt.Errorf("user %d is local: %w", userID, ErrInvalid)
		}
		record(&u)
		if err := putUser(tx, &u); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

// sameLinkURLs tells whether two lists of links name the same addresses
// in the same order.
func sameLinkURLs(a, b []ProfileLink) bool {
	return slices.EqualFunc(a, b, func(x, y ProfileLink) bool { return x.URL == y.URL })
}

// UnverifiedLinks tells whether any of u's links has not been verified.
func (u User) UnverifiedLinks() bool {
	return slices.ContainsFunc(u.Links, func(l ProfileLink) bool { return l.VerifiedAt.IsZero() })
}

// SetLinksVerified records a check of a member's links: verified says,
// for each address checked, whether its page links back. A link verified
// before keeps its first date; one that no longer links back loses it; a
// link changed since the check began (an address not in verified) is left
// as it is. checkedAt becomes the account's LinksCheckedAt. It returns
// the account as saved.
func (db *DB) SetLinksVerified(userID ID, verified map[string]bool, checkedAt time.Time) (User, error) {
	u, err := db.setChecks(userID, true, func(u *User) {
		u.Links = linkChecks.record(u.Links, verified, checkedAt)
		u.LinksCheckedAt = checkedAt.UTC()
	})
	if err != nil {
		return u, fmt.Errorf("set links verified: %w", err)
	}
	return u, nil
}

// LinksToCheck lists up to limit local members with links that were last
// checked before olderThan (or never), the longest waiting first.
func (db *DB) LinksToCheck(olderThan time.Time, limit int) ([]ID, error) {
	type due struct {
		id ID
		at time.Time
	}
	var all []due
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			// Only the fields needed: links and when they were checked.
			var u struct {
				Domain         string        `json:"domain"`
				Links          []ProfileLink `json:"links"`
				LinksCheckedAt time.Time     `json:"links_checked_at"`
			}
			if decodeRecord(v, &u) != nil || u.Domain != "" || len(u.Links) == 0 {
				return nil
			}
			if u.LinksCheckedAt.Before(olderThan) {
				all = append(all, due{keyID(k, 0), u.LinksCheckedAt})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("links to check: %w", err)
	}
	slices.SortFunc(all, func(a, b due) int { return a.at.Compare(b.at) })
	var out []ID
	for _, d := range all {
		if len(out) == limit {
			break
		}
		out = append(out, d.id)
	}
	return out, nil
}

// SetRemoteFieldsVerified records a check of a remote account's fields:
// verified says, for each value checked (ValueHTML), whether the page it
// links to links back. A field verified before keeps its first date; one
// that no longer links back loses it; a value not in verified (changed
// since the check began, or with no link) is left as it is.
func (db *DB) SetRemoteFieldsVerified(userID ID, verified map[string]bool, checkedAt time.Time) (User, error) {
	u, err := db.setChecks(userID, false, func(u *User) {
		u.RemoteFields = fieldChecks.record(u.RemoteFields, verified, checkedAt)
	})
	if err != nil {
		return u, fmt.Errorf("set remote fields verified: %w", err)
	}
	return u, nil
}
