package storage

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// What pages need of remote accounts: finding one by its address here,
// the domains known to this instance, and the two domain rules that hide
// posts (a member's own domain blocks, the instance's limits and
// suspensions), applied where entries are built (builder.shows).

// RemoteUser returns the remote account known here as name@domain, in any
// case; ErrNotFound when none is stored (nothing is fetched). A domain
// with a port is another server than the one without: accounts are kept
// under their host as their addresses name it, so the port stays
// (NormalizeDomain, which drops it for domain decisions, only checks).
func (db *DB) RemoteUser(name, domain string) (User, error) {
	var u User
	domain = strings.TrimSpace(domain)
	if name == "" || NormalizeDomain(domain) == "" || strings.Contains(name, "@") {
		return u, fmt.Errorf("remote user %q@%q: %w", name, domain, ErrNotFound)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUsernames).Get(usernameKey(name, domain))
		if v == nil {
			return fmt.Errorf("remote user %q@%q: %w", name, domain, ErrNotFound)
		}
		found, err := getUser(tx, keyID(v, 0))
		if err != nil {
			return err
		}
		if found.Domain == "" {
			return fmt.Errorf("remote user %q@%q: %w", name, domain, ErrNotFound)
		}
		u = found
		return nil
	})
	return u, err
}

// KnownDomain is another server this instance knows accounts of.
type KnownDomain struct {
	Domain   string
	Accounts int
}

// KnownDomains lists the domains of the remote accounts stored here, with
// how many accounts each, by domain, at most limit (0: all). It reads the
// keys of the usernames index only (remote names are kept there as
// name@domain), not the accounts.
func (db *DB) KnownDomains(limit int) ([]KnownDomain, error) {
	counts := map[string]int{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsernames).ForEach(func(k, _ []byte) error {
			if i := bytes.LastIndexByte(k, '@'); i >= 0 {
				counts[string(k[i+1:])]++
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]KnownDomain, 0, len(counts))
	for d, n := range counts {
		out = append(out, KnownDomain{Domain: d, Accounts: n})
	}
	slices.SortFunc(out, func(a, b KnownDomain) int { return strings.Compare(a.Domain, b.Domain) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// loadBlockedDomains reads the domains the viewer blocked (a small set,
// one seek) into v.
func (v *viewer) loadBlockedDomains(tx *bolt.Tx) {
	forPrefix(tx.Bucket(bucketUserDomainBlocks), idKey(v.id), func(k, _ []byte) {
		if v.domains == nil {
			v.domains = map[string]bool{}
		}
		v.domains[string(k[8:])] = true
	})
}

// blocksDomain tells whether the viewer blocked domain or a parent of it.
func (v *viewer) blocksDomain(domain string) bool {
	if len(v.domains) == 0 || domain == "" {
		return false
	}
	return domainAndParents(NormalizeDomain(domain), func(d string) bool { return v.domains[d] })
}

// hidesDomainOf tells whether the viewer's domain blocks hide account id
// (timelines and notifications, as mutes do). The viewer's own account
// and the profile being visited (v.visiting) stay.
func (b *builder) hidesDomainOf(id ID) bool {
	if len(b.v.domains) == 0 || id == b.v.id || id == b.v.visiting {
		return false
	}
	u, err := b.user(id)
	return err == nil && b.v.blocksDomain(u.Domain)
}

// policy is the instance's decision about a remote domain, read once per
// page.
func (b *builder) policy(domain string) DomainPolicy {
	if p, ok := b.policies[domain]; ok {
		return p
	}
	if b.policies == nil {
		b.policies = map[string]DomainPolicy{}
	}
	p := policyFor(b.tx, NormalizeDomain(domain))
	b.policies[domain] = p
	return p
}

// domainHides applies the instance's decisions about the author's server
// to a post: a refused server's posts (suspended, or not allowed in
// allowlist mode) show to nobody; a limited server's only to those who
// follow the author or whom the post mentions. Local posts cost nothing.
func (b *builder) domainHides(p *Post) bool {
	if p.Local {
		return false
	}
	u, err := b.user(p.AuthorID)
	if err != nil || u.Domain == "" {
		return false
	}
	pol := b.policy(u.Domain)
	switch {
	case pol.Refused:
		return true
	case pol.Limited:
		return b.v.id == 0 || !(b.v.following(b.tx, p.AuthorID) || p.Mentioned(b.v.id))
	}
	return false
}
