package storage

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"majlis/search"
)

// People search: search_people lists every account under the terms of
// its name (normalized: search.Normalize, so Arabic letters fold as in
// posts), term | 0x00 | userID => nil, for prefix matches as a name is
// typed. Under 0x00 | userID it keeps the name as it was indexed
// (username 0x00 domain 0x00 display name), so that putUser, which every
// count update calls, sees with one read whether the name changed and
// what to take out when it did. It is written in the transaction that
// writes the account, so it is never behind.

// personKey is the key under which an account's indexed name is kept.
func personKey(id ID) []byte { return append([]byte{0}, idKey(id)...) }

// personName is what of an account its people terms are made of.
func personName(u *User) []byte {
	return []byte(u.Username + "\x00" + u.Domain + "\x00" + u.DisplayName)
}

// personTerms are the terms an account is found by: its whole username
// (and name@domain for a remote one), and each word of its username and
// display name.
func personTerms(name []byte) []string {
	parts := strings.SplitN(string(name), "\x00", 3)
	if len(parts) != 3 {
		return nil
	}
	user, domain, display := parts[0], parts[1], parts[2]
	var out []string
	add := func(t string) {
		if t != "" && len(t) <= maxTermBytes && !strings.Contains(t, "\x00") && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	add(strings.ToLower(user))
	if domain != "" {
		add(strings.ToLower(user + "@" + domain))
	}
	for _, s := range []string{user, display} {
		for _, t := range search.Analyze(s) {
			if t.Kind == search.Word {
				add(t.Term)
			}
		}
	}
	return out
}

func personTermKey(term string, id ID) []byte {
	k := make([]byte, 0, len(term)+9)
	k = append(k, term...)
	k = append(k, 0)
	return append(k, idKey(id)...)
}

// indexPerson brings the account's people terms up to date (putUser).
func indexPerson(tx *bolt.Tx, u *User) error {
	b := tx.Bucket(bucketSearchPeople)
	if b == nil {
		return nil
	}
	name := personName(u)
	old := b.Get(personKey(u.ID))
	if old != nil && bytes.Equal(old, name) {
		return nil
	}
	if err := unindexPersonTerms(b, u.ID, old); err != nil {
		return err
	}
	for _, t := range personTerms(name) {
		if err := b.Put(personTermKey(t, u.ID), nil); err != nil {
			return err
		}
	}
	return b.Put(personKey(u.ID), name)
}

func unindexPersonTerms(b *bolt.Bucket, id ID, old []byte) error {
	if old == nil {
		return nil
	}
	for _, t := range personTerms(bytes.Clone(old)) {
		if err := b.Delete(personTermKey(t, id)); err != nil {
			return err
		}
	}
	return nil
}

// unindexPerson takes a deleted account out of people search.
func unindexPerson(tx *bolt.Tx, id ID) error {
	b := tx.Bucket(bucketSearchPeople)
	if b == nil {
		return nil
	}
	if err := unindexPersonTerms(b, id, b.Get(personKey(id))); err != nil {
		return err
	}
	return b.Delete(personKey(id))
}

// indexPeople lists every account (the migration, a rebuild).
func indexPeople(tx *bolt.Tx) error {
	return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u User
		if err := decodeRecord(v, &u); err != nil {
			return fmt.Errorf("user %d: %w", keyID(k, 0), err)
		}
		return indexPerson(tx, &u)
	})
}

// checkPeople checks that every account is listed under its name and
// that nothing else is.
func checkPeople(tx *bolt.Tx) []error {
	b := tx.Bucket(bucketSearchPeople)
	var errs []error
	want := 0
	err := tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u User
		if err := decodeRecord(v, &u); err != nil {
			return fmt.Errorf("user %d: %w", keyID(k, 0), err)
		}
		name := personName(&u)
		if !bytes.Equal(b.Get(personKey(u.ID)), name) {
			errs = append(errs, fmt.Errorf("people search: account %d is listed under another name", u.ID))
			return nil
		}
		for _, t := range personTerms(name) {
			want++
			if b.Get(personTermKey(t, u.ID)) == nil {
				errs = append(errs, fmt.Errorf("people search: account %d is not listed under %q", u.ID, t))
			}
		}
		want++ // its name entry
		return nil
	})
	if err != nil {
		return append(errs, err)
	}
	if n := b.Stats().KeyN; len(errs) == 0 && n != want {
		errs = append(errs, fmt.Errorf("people search: %d entries, want %d", n, want))
	}
	return errs
}
