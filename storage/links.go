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

// keepVerified is links as saved by a profile change: each keeps the
// verification of the link to the same address it replaces, so only a
// changed address has to be checked again.
func keepVerified(old, links []ProfileLink) []ProfileLink {
	if len(links) == 0 {
		return links
	}
	out := slices.Clone(links)
	for i := range out {
		out[i].VerifiedAt = time.Time{}
		for _, o := range old {
			if o.URL == out[i].URL {
				out[i].VerifiedAt = o.VerifiedAt
				break
			}
		}
	}
	return out
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
	var out User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if !u.IsLocal() {
			return fmt.Errorf("user %d is not local: %w", userID, ErrInvalid)
		}
		u.Links = slices.Clone(u.Links)
		for i, l := range u.Links {
			ok, checked := verified[l.URL]
			switch {
			case !checked:
			case ok && l.VerifiedAt.IsZero():
				u.Links[i].VerifiedAt = checkedAt.UTC()
			case !ok:
				u.Links[i].VerifiedAt = time.Time{}
			}
		}
		u.LinksCheckedAt = checkedAt.UTC()
		if err := putUser(tx, &u); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("set links verified: %w", err)
	}
	return out, nil
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

// KeepFieldChecks is a remote account's fields as fetched again: each
// keeps the verification of the field with the same value it replaces.
// It tells whether any value is new, so that only then the links are
// checked again.
func KeepFieldChecks(old, fields []RemoteField) ([]RemoteField, bool) {
	out := slices.Clone(fields)
	changed := len(old) != len(fields)
	for i := range out {
		out[i].VerifiedAt = time.Time{}
		j := slices.IndexFunc(old, func(o RemoteField) bool { return o.ValueHTML == out[i].ValueHTML })
		if j < 0 {
			changed = true
			continue
		}
		out[i].VerifiedAt = old[j].VerifiedAt
	}
	return out, changed
}

// SetRemoteFieldsVerified records a check of a remote account's fields:
// verified says, for each value checked (ValueHTML), whether the page it
// links to links back. A field verified before keeps its first date; one
// that no longer links back loses it; a value not in verified (changed
// since the check began, or with no link) is left as it is.
func (db *DB) SetRemoteFieldsVerified(userID ID, verified map[string]bool, checkedAt time.Time) (User, error) {
	var out User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if u.IsLocal() {
			return fmt.Errorf("user %d is local: %w", userID, ErrInvalid)
		}
		u.RemoteFields = slices.Clone(u.RemoteFields)
		for i, f := range u.RemoteFields {
			ok, checked := verified[f.ValueHTML]
			switch {
			case !checked:
			case ok && f.VerifiedAt.IsZero():
				u.RemoteFields[i].VerifiedAt = checkedAt.UTC()
			case !ok:
				u.RemoteFields[i].VerifiedAt = time.Time{}
			}
		}
		if err := putUser(tx, &u); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("set remote fields verified: %w", err)
	}
	return out, nil
}
