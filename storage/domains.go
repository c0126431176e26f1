package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What the instance decided about other servers, and what each member
// decided for themselves.

// Severity is how far a domain block goes.
type Severity string

// Severities.
const (
	// SeveritySuspend refuses everything from and to the domain: its
	// activities are dropped, nothing is delivered there, its accounts
	// are not shown.
	SeveritySuspend Severity = "suspend"
	// SeverityLimit keeps the domain's posts off the local timeline and
	// away from those who do not follow its accounts.
	SeverityLimit Severity = "limit"
	// SeverityAllow lists a domain when the instance federates only with
	// the domains it lists (allowlist mode).
	SeverityAllow Severity = "allow"
	// SeverityNone records only RejectMedia.
	SeverityNone Severity = "none"
)

// Valid tells whether s is a known severity.
func (s Severity) Valid() bool {
	return s == SeveritySuspend || s == SeverityLimit || s == SeverityAllow || s == SeverityNone
}

// DomainBlock is the instance's decision about one domain (and its
// subdomains).
type DomainBlock struct {
	Domain   string   `json:"domain"`
	Severity Severity `json:"severity"`
	// RejectMedia keeps the domain's images out: its posts show without
	// them.
	RejectMedia bool `json:"reject_media,omitempty"`
	// PublicComment is shown on /about; PrivateComment only to staff.
	PublicComment  string    `json:"public_comment,omitempty"`
	PrivateComment string    `json:"private_comment,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	CreatedBy      ID        `json:"created_by,omitempty"`
}

// NormalizeDomain lower-cases a host name and drops a port and a trailing
// dot; "" when it cannot be a host name. Decisions about servers are by
// name: "bad.example:443" is bad.example.
func NormalizeDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(hostName(strings.TrimSpace(d))), ".")
	if d == "" || len(d) > 253 || strings.ContainsAny(d, "/@ \t\r\n?#") {
		return ""
	}
	return d
}

var keyFederationAllowlist = []byte("federation_allowlist")

// PutDomainBlock records (or replaces) the decision about a domain and
// logs it in the moderation log.
func (db *DB) PutDomainBlock(actor User, b DomainBlock) error {
	b.Domain = NormalizeDomain(b.Domain)
	if b.Domain == "" || !b.Severity.Valid() {
		return fmt.Errorf("domain block: %w", ErrInvalid)
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = db.now().UTC()
	}
	b.CreatedBy = actor.ID
	v, err := json.Marshal(&b)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketDomainBlocks).Put([]byte(b.Domain), v); err != nil {
			return err
		}
		detail := string(b.Severity)
		if b.RejectMedia {
			detail += ", reject media"
		}
		return db.appendLog(tx, LogEntry{ActorID: actor.ID, ActorName: actor.Username, Kind: ActDomainBlock,
			TargetName: b.Domain, Reason: b.PrivateComment, Detail: detail})
	})
}

// DeleteDomainBlock lifts the decision about a domain; ErrNotFound when
// there was none.
func (db *DB) DeleteDomainBlock(actor User, domain string) error {
	domain = NormalizeDomain(domain)
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDomainBlocks)
		if b.Get([]byte(domain)) == nil {
			return fmt.Errorf("domain block %q: %w", domain, ErrNotFound)
		}
		if err := b.Delete([]byte(domain)); err != nil {
			return err
		}
		return db.appendLog(tx, LogEntry{ActorID: actor.ID, ActorName: actor.Username, Kind: ActDomainUnblock, TargetName: domain})
	})
}

// DomainBlocks lists the instance's decisions, by domain.
func (db *DB) DomainBlocks() ([]DomainBlock, error) {
	var out []DomainBlock
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDomainBlocks).ForEach(func(_, v []byte) error {
			var b DomainBlock
			if err := json.Unmarshal(v, &b); err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
	})
	return out, err
}

// SetFederationAllowlist switches allowlist mode: with it on, the instance
// federates only with the domains given SeverityAllow.
func (db *DB) SetFederationAllowlist(actor User, on bool) error {
	v := []byte{0}
	if on {
		v[0] = 1
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put(keyFederationAllowlist, v); err != nil {
			return err
		}
		detail := "off"
		if on {
			detail = "on"
		}
		return db.appendLog(tx, LogEntry{ActorID: actor.ID, ActorName: actor.Username, Kind: ActFederationMode, Detail: "allowlist " + detail})
	})
}

// FederationAllowlist tells whether allowlist mode is on.
func (db *DB) FederationAllowlist() (bool, error) {
	on := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyFederationAllowlist)
		on = len(v) == 1 && v[0] == 1
		return nil
	})
	return on, err
}

// DomainPolicy is what applies to one domain.
type DomainPolicy struct {
	// Refused: nothing is taken from or sent to the domain (a suspend,
	// or allowlist mode without the domain listed).
	Refused bool
	// Limited: its posts stay off the local timeline and away from
	// those who do not follow its accounts.
	Limited     bool
	RejectMedia bool
	// Block is the decision that applies, when there is one.
	Block *DomainBlock
}

// Severity names what applies as the admin pages show it: suspend for a
// refused domain (allowlist mode included), the decision's own severity
// otherwise, "" when there is none.
func (p DomainPolicy) Severity() Severity {
	switch {
	case p.Refused:
		return SeveritySuspend
	case p.Block != nil:
		return p.Block.Severity
	}
	return ""
}

// PolicyFor returns what applies to a domain: the decision about it or
// about the nearest parent domain that has one, and allowlist mode.
func (db *DB) PolicyFor(domain string) (DomainPolicy, error) {
	var p DomainPolicy
	domain = NormalizeDomain(domain)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		p = policyFor(tx, domain)
		return nil
	})
	return p, err
}

func policyFor(tx *bolt.Tx, domain string) DomainPolicy {
	var p DomainPolicy
	domain = NormalizeDomain(domain)
	b := tx.Bucket(bucketDomainBlocks)
	domainAndParents(domain, func(d string) bool {
		if v := b.Get([]byte(d)); v != nil {
			var blk DomainBlock
			if json.Unmarshal(v, &blk) == nil {
				p.Block = &blk
				return true
			}
		}
		return false
	})
	allowlist := bytes.Equal(tx.Bucket(bucketMeta).Get(keyFederationAllowlist), []byte{1})
	if p.Block != nil {
		p.Refused = p.Block.Severity == SeveritySuspend
		p.Limited = p.Block.Severity == SeverityLimit
		p.RejectMedia = p.Block.RejectMedia || p.Refused
	}
	if allowlist && (p.Block == nil || p.Block.Severity != SeverityAllow) {
		p.Refused, p.RejectMedia = true, true
	}
	if domain == "" {
		p = DomainPolicy{Refused: true, RejectMedia: true}
	}
	return p
}

// BlockDomain hides a whole domain from one member: its accounts' posts,
// mentions and follows no longer reach them. Blocking twice is ErrExists.
func (db *DB) BlockDomain(userID ID, domain string) error {
	domain = NormalizeDomain(domain)
	if domain == "" {
		return fmt.Errorf("block domain: %w", ErrInvalid)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, userID); err != nil {
			return err
		}
		b := tx.Bucket(bucketUserDomainBlocks)
		k := append(idKey(userID), domain...)
		if b.Get(k) != nil {
			return fmt.Errorf("block domain %q: %w", domain, ErrExists)
		}
		return b.Put(k, stamp(db.now()))
	})
}

// UnblockDomain undoes BlockDomain; ErrNotFound when it was not blocked.
func (db *DB) UnblockDomain(userID ID, domain string) error {
	domain = NormalizeDomain(domain)
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUserDomainBlocks)
		k := append(idKey(userID), domain...)
		if b.Get(k) == nil {
			return fmt.Errorf("unblock domain %q: %w", domain, ErrNotFound)
		}
		return b.Delete(k)
	})
}

// BlockedDomains lists the domains a member blocked, in order.
func (db *DB) BlockedDomains(userID ID) ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		forPrefix(tx.Bucket(bucketUserDomainBlocks), idKey(userID), func(k, _ []byte) {
			out = append(out, string(k[8:]))
		})
		return nil
	})
	return out, err
}

// blocksDomain tells whether a member blocked the domain (or a parent of
// it).
func blocksDomain(tx *bolt.Tx, userID ID, domain string) bool {
	if domain == "" || userID == 0 {
		return false
	}
	b := tx.Bucket(bucketUserDomainBlocks)
	return domainAndParents(NormalizeDomain(domain), func(d string) bool { return b.Get(append(idKey(userID), d...)) != nil })
}

// domainAndParents calls found with a domain and then each parent of it
// ("a.b.example", "b.example", "example") until found says true, and
// tells whether it did.
func domainAndParents(domain string, found func(d string) bool) bool {
	for d := domain; d != ""; {
		if found(d) {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return false
		}
		d = d[i+1:]
	}
	return false
}

// BlocksDomain tells whether a member blocked the domain.
func (db *DB) BlocksDomain(userID ID, domain string) (bool, error) {
	var yes bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		yes = blocksDomain(tx, userID, NormalizeDomain(domain))
		return nil
	})
	return yes, err
}
