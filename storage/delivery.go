package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Delivery: what is left to send of each outbox entry, and what is known
// of each other server.
//
// An outbox entry is fanned out once: the delivery worker lists the
// inboxes it must reach (DeliveryTargets) and records one delivery per
// inbox (StartDelivery). An entry with no delivery record has not been
// fanned out yet (UnstartedActivities lists those). Each delivery then
// leaves when it succeeds or is given up, and the entry leaves the outbox
// with its last delivery, in the same transaction, so a restart resumes
// exactly what is left.
//
// Deletes are fanned out by the action's own transaction instead: once a
// post or an account is deleted, neither its audience nor the follows of
// the account can be read any more (recordOutgoing).
//
// The bucket deliveries holds three kinds of keys, all written and deleted
// together:
//
//	'r' | activityID | inbox URL            => Delivery (JSON)
//	'd' | next attempt (ns) | activityID | inbox URL => nil (the due order)
//	'h' | host | 0x00 | activityID | inbox URL      => nil (per host)
//
// The bucket hosts maps a host (HostOf) to its HostState.

// Inbox is one inbox an activity must reach.
type Inbox struct {
	URL string
	// Host is HostOf(URL): what the per-host limits and the failure
	// tracking count by.
	Host string
}

// Delivery is one activity still to be sent to one inbox.
type Delivery struct {
	ActivityID ID        `json:"activity"`
	Inbox      string    `json:"inbox"`
	Host       string    `json:"host"`
	Attempts   int       `json:"attempts,omitempty"` // failed attempts so far
	NextAt     time.Time `json:"next_at"`
	LastError  string    `json:"last_error,omitempty"`
}

type deliveryRecord struct {
	V int `json:"v"`
	Delivery
}

const deliveryVersion = 1

// HostState is what the instance knows of another server as a delivery
// target.
type HostState struct {
	V      int    `json:"v"`
	Domain string `json:"domain"`
	// FailDays are the distinct days (UTC, YYYY-MM-DD) on which a
	// delivery there failed since its last success.
	FailDays []string `json:"fail_days,omitempty"`
	// Unavailable: it failed on HostFailDays different days; nothing is
	// sent there until it sends us something (MarkHostSeen) or an admin
	// retries it (RetryHostNow).
	Unavailable bool      `json:"unavailable,omitempty"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastFailure time.Time `json:"last_failure,omitzero"`
	// LastSeen is when it last sent us something valid.
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Delivered int       `json:"delivered,omitempty"`
	Failed    int       `json:"failed,omitempty"`
}

const hostVersion = 1

// HostFailDays is how many different days a host must fail on to be
// marked unavailable. Mastodon uses a day count too (more of them): a
// server down for a weekend, or one that went away for good, stops
// costing a connection per activity.
const HostFailDays = 3

// maxErrorText bounds the error kept with a delivery.
const maxErrorText = 200

var (
	delRecord = byte('r')
	delDue    = byte('d')
	delHost   = byte('h')
)

// HostOf is the host an inbox URL is counted under: its host name in
// lower case, with the port when it is not the scheme's default. "" for
// a URL without a host.
func HostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	host, port := strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), u.Port()
	if host == "" {
		return ""
	}
	if port == "" || (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		return host
	}
	return net.JoinHostPort(host, port)
}

// hostName is the domain part of a host (HostOf): what domain policies
// name.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

func recordKey(activity ID, inbox string) []byte {
	k := make([]byte, 0, 9+len(inbox))
	k = append(k, delRecord)
	k = append(k, idKey(activity)...)
	return append(k, inbox...)
}

func recordPrefix(activity ID) []byte { return append([]byte{delRecord}, idKey(activity)...) }

func dueKey(at time.Time, activity ID, inbox string) []byte {
	k := make([]byte, 0, 17+len(inbox))
	k = append(k, delDue)
	k = binary.BigEndian.AppendUint64(k, uint64(max(at.UnixNano(), 0)))
	k = append(k, idKey(activity)...)
	return append(k, inbox...)
}

func hostPrefix(host string) []byte {
	k := make([]byte, 0, 2+len(host))
	k = append(k, delHost)
	k = append(k, host...)
	return append(k, 0)
}

func hostKey(host string, activity ID, inbox string) []byte {
	k := hostPrefix(host)
	k = append(k, idKey(activity)...)
	return append(k, inbox...)
}

// DeliveryTargets lists the inboxes an outbox activity must reach, one per
// shared inbox (an account's SharedInbox when it has one, else its Inbox),
// never a local account's, never on a refused domain:
//   - a post's Create, Update and Delete: public and unlisted posts go to
//     the actor's remote followers, the accounts they mention and the
//     author they answer; followers-only posts to the followers and the
//     mentioned (as canSee decides who may read them: an author answered
//     but not mentioned may not); direct posts to the mentioned only;
//   - Like (and its Undo): the post's author; Announce (and its Undo): the
//     actor's followers and the original's author;
//   - Follow, Accept, Reject, Block, their Undo, and Flag: the account
//     concerned;
//   - Update of the profile, Add and Remove (pins): the followers;
//   - Delete of the account: every remote account that follows it or that
//     it follows (or asked to follow, either way).
//
// Accounts on a domain the actor blocked are left out, except from the
// Delete of the account. A post or account that is gone has no audience
// left: the Delete of either is fanned out by its own transaction.
func (db *DB) DeliveryTargets(a Activity) ([]Inbox, error) {
	var out []Inbox
	err := db.bolt.View(func(tx *bolt.Tx) error {
		out = deliveryTargets(tx, &a)
		return nil
	})
	return out, err
}

func deliveryTargets(tx *bolt.Tx, a *Activity) []Inbox {
	var accounts []ID
	followers := false
	deletesAccount := false
	kind := a.Type
	if kind == ActivityUndo {
		kind = a.Undo
	}
	postAudience := func(id ID) {
		p, err := getPost(tx, id)
		if err != nil {
			// Gone: only those it addressed by name.
			accounts = append(accounts, a.To...)
			return
		}
		accounts = append(accounts, p.Mentions...)
		switch p.Visibility {
		case Direct:
		case FollowersOnly:
			followers = true
		default:
			followers = true
			accounts = append(accounts, p.InReplyToAuthor)
		}
	}
	authorOf := func(id ID) {
		if p, err := getPost(tx, id); err == nil {
			accounts = append(accounts, p.AuthorID)
		}
	}
	switch kind {
	case ActivityCreate, ActivityUpdate, ActivityDelete:
		switch {
		case a.PostID != 0 && kind == ActivityCreate && isVoteOf(tx, a):
			// A vote in someone else's poll reaches its author only.
			authorOf(a.PostID)
		case a.PostID != 0:
			postAudience(a.PostID)
			if kind == ActivityUpdate {
				accounts = pollVoterAccounts(tx, a.PostID, accounts)
			}
			// The account concerned beyond the audience (the quoting
			// author, for the Delete of a quote's authorization).
			accounts = append(accounts, a.TargetID)
		case kind == ActivityUpdate:
			followers = true
		case kind == ActivityDelete:
			deletesAccount = true
		}
	case ActivityLike:
		authorOf(a.PostID)
	case ActivityAnnounce:
		followers = true
		authorOf(a.PostID)
	case ActivityFollow, ActivityAccept, ActivityReject, ActivityBlock, ActivityFlag, ActivityQuoteRequest:
		accounts = append(accounts, a.TargetID)
	case ActivityAdd, ActivityRemove:
		followers = true
	case ActivityMove:
		followers = true
		accounts = append(accounts, a.TargetID)
	}
	if deletesAccount && a.ActorID != 0 {
		followers = true
		for _, b := range [][]byte{bucketFollows, bucketSentRequests, bucketRequests} {
			forPrefix(tx.Bucket(b), idKey(a.ActorID), func(k, _ []byte) { accounts = append(accounts, keyID(k, 8)) })
		}
	}
	if followers && a.ActorID != 0 {
		forPrefix(tx.Bucket(bucketRemoteFollowers), idKey(a.ActorID), func(k, _ []byte) { accounts = append(accounts, keyID(k, 8)) })
	}

	var out []Inbox
	seen := map[ID]bool{}
	seenURL := map[string]bool{}
	policies := map[string]DomainPolicy{}
	refused := func(domain string) bool {
		p, ok := policies[domain]
		if !ok {
			p = policyFor(tx, domain)
			policies[domain] = p
		}
		return p.Refused
	}
	for _, id := range accounts {
		if id == 0 || id == a.ActorID || seen[id] {
			continue
		}
		seen[id] = true
		u, err := getUser(tx, id)
		if err != nil || u.Domain == "" {
			continue
		}
		inbox := u.SharedInbox
		if inbox == "" {
			inbox = u.Inbox
		}
		host := HostOf(inbox)
		if host == "" || seenURL[inbox] || refused(u.Domain) || refused(host) {
			continue
		}
		if !deletesAccount && blocksDomain(tx, a.ActorID, u.Domain) {
			continue
		}
		seenURL[inbox] = true
		out = append(out, Inbox{URL: inbox, Host: host})
	}
	return out
}

// StartDelivery records the fan-out of a queued activity: one delivery per
// inbox, due at once, leaving out hosts that are unavailable or refused
// and repeated URLs. It does nothing for an activity already fanned out
// (it has deliveries) or no longer queued; an activity left with nothing
// to send leaves the outbox.
func (db *DB) StartDelivery(activityID ID, inboxes []Inbox) error {
	now := db.now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketOutbox).Get(idKey(activityID)) == nil || hasDeliveries(tx, activityID) {
			return nil
		}
		n, err := startDelivery(tx, activityID, inboxes, now)
		if err != nil || n > 0 {
			return err
		}
		return finishActivity(tx, activityID)
	})
	if err != nil {
		return fmt.Errorf("start delivery %d: %w", activityID, err)
	}
	return nil
}

// startDelivery writes the deliveries of an activity in tx and counts
// them.
func startDelivery(tx *bolt.Tx, activityID ID, inboxes []Inbox, now time.Time) (int, error) {
	n := 0
	hosts := map[string]bool{} // usable or not
	for _, in := range inboxes {
		host := in.Host
		if host == "" {
			host = HostOf(in.URL)
		}
		if host == "" {
			continue
		}
		ok, seen := hosts[host]
		if !seen {
			ok = !policyFor(tx, host).Refused
			if h, err := getHost(tx, host); err == nil && h.Unavailable {
				ok = false
			}
			hosts[host] = ok
		}
		if !ok || tx.Bucket(bucketDeliveries).Get(recordKey(activityID, in.URL)) != nil {
			continue
		}
		d := Delivery{ActivityID: activityID, Inbox: in.URL, Host: host, NextAt: now}
		if err := putDelivery(tx, &d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func hasDeliveries(tx *bolt.Tx, activityID ID) bool {
	p := recordPrefix(activityID)
	k, _ := tx.Bucket(bucketDeliveries).Cursor().Seek(p)
	return k != nil && bytes.HasPrefix(k, p)
}

func putDelivery(tx *bolt.Tx, d *Delivery) error {
	b := tx.Bucket(bucketDeliveries)
	d.NextAt = d.NextAt.UTC()
	v, err := json.Marshal(deliveryRecord{V: deliveryVersion, Delivery: *d})
	if err != nil {
		return err
	}
	if err := b.Put(recordKey(d.ActivityID, d.Inbox), v); err != nil {
		return err
	}
	if err := b.Put(dueKey(d.NextAt, d.ActivityID, d.Inbox), nil); err != nil {
		return err
	}
	return b.Put(hostKey(d.Host, d.ActivityID, d.Inbox), nil)
}

func getDelivery(tx *bolt.Tx, activityID ID, inbox string) (Delivery, error) {
	v := tx.Bucket(bucketDeliveries).Get(recordKey(activityID, inbox))
	if v == nil {
		return Delivery{}, fmt.Errorf("delivery of %d to %q: %w", activityID, inbox, ErrNotFound)
	}
	var r deliveryRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return Delivery{}, fmt.Errorf("delivery of %d to %q: decode: %w", activityID, inbox, err)
	}
	return r.Delivery, nil
}

// deleteDelivery removes a delivery and its index entries (as stored).
func deleteDelivery(tx *bolt.Tx, d Delivery) error {
	b := tx.Bucket(bucketDeliveries)
	if err := b.Delete(recordKey(d.ActivityID, d.Inbox)); err != nil {
		return err
	}
	if err := b.Delete(dueKey(d.NextAt, d.ActivityID, d.Inbox)); err != nil {
		return err
	}
	return b.Delete(hostKey(d.Host, d.ActivityID, d.Inbox))
}

// endDelivery removes a delivery, and its activity from the outbox when
// it was the last.
func endDelivery(tx *bolt.Tx, d Delivery) error {
	if err := deleteDelivery(tx, d); err != nil {
		return err
	}
	if hasDeliveries(tx, d.ActivityID) || tx.Bucket(bucketOutbox).Get(idKey(d.ActivityID)) == nil {
		return nil
	}
	return finishActivity(tx, d.ActivityID)
}

// finishActivity takes an activity off the outbox in tx, with whatever
// deliveries of it are left and its reference on its actor's tombstone.
func finishActivity(tx *bolt.Tx, id ID) error {
	a, err := getActivity(tx, id)
	if err != nil {
		return err
	}
	var left []Delivery
	var bad [][]byte
	forPrefix(tx.Bucket(bucketDeliveries), recordPrefix(id), func(k, v []byte) {
		var r deliveryRecord
		if json.Unmarshal(v, &r) == nil {
			left = append(left, r.Delivery)
		} else {
			bad = append(bad, bytes.Clone(k))
		}
	})
	for _, d := range left {
		if err := deleteDelivery(tx, d); err != nil {
			return err
		}
	}
	for _, k := range bad {
		if err := tx.Bucket(bucketDeliveries).Delete(k); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketOutbox).Delete(idKey(id)); err != nil {
		return err
	}
	return dropTombstoneRef(tx, a.ActorID)
}

// maxDuePage is the most deliveries DueDeliveries returns at once.
const maxDuePage = 1000

// DueDeliveries lists up to limit deliveries due at now, the earliest
// first. Limit is 100 when not positive, at most 1000.
func (db *DB) DueDeliveries(now time.Time, limit int) ([]Delivery, error) {
	return db.DueDeliveriesExcept(now, limit, nil)
}

// DueDeliveriesExcept is DueDeliveries passing over the deliveries skip
// refuses: the worker's way past deliveries in flight and hosts already
// busy, so that a long queue for one host does not hide every other
// host's. skip runs inside a read transaction: it must not call the DB.
func (db *DB) DueDeliveriesExcept(now time.Time, limit int, skip func(activityID ID, inbox, host string) bool) ([]Delivery, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > maxDuePage:
		limit = maxDuePage
	}
	var out []Delivery
	end := uint64(max(now.UnixNano(), 0))
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, _ := c.Seek([]byte{delDue}); k != nil && k[0] == delDue && len(out) < limit; k, _ = c.Next() {
			if len(k) < 17 || binary.BigEndian.Uint64(k[1:9]) > end {
				break
			}
			activity, inbox := keyID(k, 9), string(k[17:])
			if skip != nil && skip(activity, inbox, HostOf(inbox)) {
				continue
			}
			d, err := getDelivery(tx, activity, inbox)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	return out, nil
}

// NextDeliveryAt is when the earliest delivery after t falls due; zero
// when none is waiting beyond t.
func (db *DB) NextDeliveryAt(t time.Time) (time.Time, error) {
	var at time.Time
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDeliveries).Cursor()
		k, _ := c.Seek(dueKey(t.Add(time.Nanosecond), 0, ""))
		if k != nil && k[0] == delDue && len(k) >= 9 {
			at = time.Unix(0, int64(binary.BigEndian.Uint64(k[1:9]))).UTC()
		}
		return nil
	})
	return at, err
}

// UnstartedActivities lists up to limit queued activities with IDs after
// after that have not been fanned out (no delivery record), oldest first.
// Limit is 100 when not positive, at most 1000.
func (db *DB) UnstartedActivities(after ID, limit int) ([]Activity, error) {
	out, err := db.scanOutbox(after, limit, hasDeliveries)
	if err != nil {
		return nil, fmt.Errorf("unstarted activities: %w", err)
	}
	return out, nil
}

// QueuedActivity returns the outbox entry with that ID; ErrNotFound when
// it is not (or no longer) queued.
func (db *DB) QueuedActivity(id ID) (Activity, error) {
	var a Activity
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		a, err = getActivity(tx, id)
		return err
	})
	return a, err
}

// DeliverySucceeded records that the inbox took the activity: the
// delivery leaves (and the activity with its last delivery), the host's
// failures are forgotten. ErrNotFound when the delivery is not there.
func (db *DB) DeliverySucceeded(d Delivery) error {
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		now := db.now().UTC()
		cur, err := getDelivery(tx, d.ActivityID, d.Inbox)
		if err != nil {
			return err
		}
		if err := endDelivery(tx, cur); err != nil {
			return err
		}
		return updateHost(tx, cur.Host, func(h *HostState) {
			h.Delivered++
			h.LastSuccess = now
			h.FailDays = nil
		})
	})
	if err != nil {
		return fmt.Errorf("delivery succeeded: %w", err)
	}
	return nil
}

// DeliveryFailed records a failed attempt at a delivery.
//
// With retry, the host could not take it (no connection, a timeout, a
// 5xx, 401, 408 or 429): the failure counts against the host (today joins
// its failing days; on the HostFailDays-th day it becomes unavailable and
// every delivery waiting for it is dropped), and the delivery is tried
// again at next, or given up when next is zero (its last attempt).
//
// Without retry, the host answered that it will never take it (another
// 4xx): the delivery is given up, and the host, which did answer, is not
// counted as failing.
//
// ErrNotFound when the delivery is not there.
func (db *DB) DeliveryFailed(d Delivery, errText string, retry bool, next time.Time) error {
	if len(errText) > maxErrorText {
		errText = errText[:maxErrorText]
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		now := db.now().UTC()
		cur, err := getDelivery(tx, d.ActivityID, d.Inbox)
		if err != nil {
			return err
		}
		if !retry {
			if err := endDelivery(tx, cur); err != nil {
				return err
			}
			return updateHost(tx, cur.Host, func(h *HostState) {
				h.Failed++
				h.LastFailure = now
				h.FailDays = nil
			})
		}
		if next.IsZero() {
			if err := endDelivery(tx, cur); err != nil {
				return err
			}
		} else {
			if err := deleteDelivery(tx, cur); err != nil {
				return err
			}
			cur.Attempts++
			cur.LastError = errText
			cur.NextAt = next
			if err := putDelivery(tx, &cur); err != nil {
				return err
			}
		}
		var unavailable bool
		err = updateHost(tx, cur.Host, func(h *HostState) {
			h.Failed++
			h.LastFailure = now
			day := now.Format(time.DateOnly)
			if !slices.Contains(h.FailDays, day) {
				h.FailDays = append(h.FailDays, day)
				if len(h.FailDays) > HostFailDays {
					h.FailDays = h.FailDays[len(h.FailDays)-HostFailDays:]
				}
			}
			if len(h.FailDays) >= HostFailDays && !h.Unavailable {
				h.Unavailable, unavailable = true, true
			}
		})
		if err != nil || !unavailable {
			return err
		}
		_, err = dropHostDeliveries(tx, cur.Host)
		return err
	})
	if err != nil {
		return fmt.Errorf("delivery failed: %w", err)
	}
	return nil
}

// DropHostDeliveries gives up every delivery waiting for a host (one the
// instance now refuses) and returns how many there were.
func (db *DB) DropHostDeliveries(host string) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) (err error) {
		n, err = dropHostDeliveries(tx, host)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("drop deliveries to %q: %w", host, err)
	}
	return n, nil
}

func dropHostDeliveries(tx *bolt.Tx, host string) (int, error) {
	ds, err := hostDeliveries(tx, host, 0)
	if err != nil {
		return 0, err
	}
	for _, d := range ds {
		if err := endDelivery(tx, d); err != nil {
			return 0, err
		}
	}
	return len(ds), nil
}

// hostDeliveries lists up to limit (0: all) deliveries waiting for host,
// by activity.
func hostDeliveries(tx *bolt.Tx, host string, limit int) ([]Delivery, error) {
	var out []Delivery
	var err error
	p := hostPrefix(host)
	c := tx.Bucket(bucketDeliveries).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p) && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
		rest := k[len(p):]
		if len(rest) < 8 {
			continue
		}
		var d Delivery
		if d, err = getDelivery(tx, keyID(rest, 0), string(rest[8:])); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PendingDeliveriesFor lists up to limit deliveries waiting for a host,
// oldest activity first (for the admin page). Limit is 100 when not
// positive, at most 1000.
func (db *DB) PendingDeliveriesFor(host string, limit int) ([]Delivery, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > maxDuePage:
		limit = maxDuePage
	}
	var out []Delivery
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = hostDeliveries(tx, host, limit)
		return err
	})
	return out, err
}

func getHost(tx *bolt.Tx, host string) (HostState, error) {
	v := tx.Bucket(bucketHosts).Get([]byte(host))
	if v == nil {
		return HostState{Domain: host}, fmt.Errorf("host %q: %w", host, ErrNotFound)
	}
	var h HostState
	if err := json.Unmarshal(v, &h); err != nil {
		return HostState{Domain: host}, fmt.Errorf("host %q: decode: %w", host, err)
	}
	return h, nil
}

// updateHost changes a host's record in tx, making it when there is none.
func updateHost(tx *bolt.Tx, host string, fn func(*HostState)) error {
	if host == "" {
		return nil
	}
	h, err := getHost(tx, host)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	fn(&h)
	h.V, h.Domain = hostVersion, host
	v, err := json.Marshal(&h)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketHosts).Put([]byte(host), v)
}

// seenRefresh is how stale LastSeen may grow before MarkHostSeen writes
// it again: the inbox calls it for every valid activity, which must not
// cost a write each.
const seenRefresh = time.Hour

// MarkHostSeen records that a host sent us something valid: it is up, so
// its failing days are forgotten and, when it was unavailable, deliveries
// to it start again (those dropped meanwhile stay dropped). host is as
// HostOf names it (a domain, with a port only when not the default). It
// writes only when something changes, or LastSeen is an hour old.
func (db *DB) MarkHostSeen(host string) error {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return fmt.Errorf("mark host seen: %w", ErrInvalid)
	}
	now := db.now().UTC()
	fresh := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		h, err := getHost(tx, host)
		fresh = err == nil && !h.Unavailable && len(h.FailDays) == 0 && now.Sub(h.LastSeen) < seenRefresh
		return nil
	})
	if err != nil || fresh {
		return err
	}
	return db.bolt.Batch(func(tx *bolt.Tx) error {
		return updateHost(tx, host, func(h *HostState) {
			h.LastSeen, h.Unavailable, h.FailDays = now, false, nil
		})
	})
}

// RetryHostNow makes every delivery waiting for a host due now and clears
// its failures and unavailability (the admin's "retry now"). ErrNotFound
// for a host the instance knows nothing of.
func (db *DB) RetryHostNow(host string) error {
	now := db.now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		_, herr := getHost(tx, host)
		ds, err := hostDeliveries(tx, host, 0)
		if err != nil {
			return err
		}
		if errors.Is(herr, ErrNotFound) && len(ds) == 0 {
			return herr
		}
		for _, d := range ds {
			if err := deleteDelivery(tx, d); err != nil {
				return err
			}
			d.NextAt = now
			if err := putDelivery(tx, &d); err != nil {
				return err
			}
		}
		if len(ds) > 0 {
			notifyOutbox(tx)
		}
		return updateHost(tx, host, func(h *HostState) { h.Unavailable, h.FailDays = false, nil })
	})
	if err != nil {
		return fmt.Errorf("retry host %q: %w", host, err)
	}
	return nil
}

// Hosts lists up to limit known hosts after the named one (""; from the
// first), by name. Limit is 100 when not positive, at most 1000.
func (db *DB) Hosts(after string, limit int) ([]HostState, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > maxDuePage:
		limit = maxDuePage
	}
	var out []HostState
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketHosts).Cursor()
		k, v := c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			var h HostState
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("host %q: decode: %w", k, err)
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}

// HostStateOf returns what is known of a host; ErrNotFound when nothing.
func (db *DB) HostStateOf(host string) (HostState, error) {
	var h HostState
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		h, err = getHost(tx, host)
		return err
	})
	return h, err
}

// DeliveryStats sums up the delivery queue for the admin page.
type DeliveryStats struct {
	// PendingActivities are the outbox entries not fully delivered;
	// PendingDeliveries the (activity, inbox) pairs left to send.
	PendingActivities, PendingDeliveries int
	// FailingHosts failed since their last success but are still tried;
	// UnavailableHosts are skipped.
	FailingHosts, UnavailableHosts int
}

// DeliveryStats counts the queue and the hosts (it reads every delivery
// key and host record).
func (db *DB) DeliveryStats() (DeliveryStats, error) {
	var s DeliveryStats
	err := db.bolt.View(func(tx *bolt.Tx) error {
		s.PendingActivities = tx.Bucket(bucketOutbox).Stats().KeyN
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, _ := c.Seek([]byte{delRecord}); k != nil && k[0] == delRecord; k, _ = c.Next() {
			s.PendingDeliveries++
		}
		return tx.Bucket(bucketHosts).ForEach(func(_, v []byte) error {
			var h HostState
			if json.Unmarshal(v, &h) != nil {
				return nil
			}
			switch {
			case h.Unavailable:
				s.UnavailableHosts++
			case len(h.FailDays) > 0:
				s.FailingHosts++
			}
			return nil
		})
	})
	return s, err
}

// Waking the delivery worker. A member action that queued something
// calls the registered functions right after its transaction commits, so
// delivery starts at once without polling; they must not block (the
// member's page waits for them): a non-blocking send on a channel.

type outboxHooks struct {
	mu  sync.Mutex
	fns map[int]func()
	seq int
	// events are the listeners of Subscribe (events.go), kept here so
	// they too outlive a compaction.
	events eventHub
}

func (h *outboxHooks) fire() {
	h.mu.Lock()
	fns := make([]func(), 0, len(h.fns))
	for _, fn := range h.fns {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// openOutboxHooks maps each open *bolt.DB to its DB's hooks (a compacted
// file is a new *bolt.DB with the same hooks), as openCaches does.
var openOutboxHooks sync.Map

// OnOutbox registers fn to be called after every commit that queued an
// activity (or made deliveries due, RetryHostNow). fn must not block. The
// returned function unregisters it.
func (db *DB) OnOutbox(fn func()) (unregister func()) {
	h := db.bolt.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fns == nil {
		h.fns = map[int]func(){}
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

// notifyOutbox arranges for the hooks to run once tx commits.
func notifyOutbox(tx *bolt.Tx) {
	if h, ok := openOutboxHooks.Load(tx.DB()); ok {
		tx.OnCommit(h.(*outboxHooks).fire)
	}
}

// checkDeliveries checks the deliveries and hosts buckets, in tx: every
// delivery decodes under its own key, names a queued activity and has
// both index entries, and every index entry names a delivery at that time
// and host; no delivery waits for an unavailable host; host records
// decode under their own name.
func checkDeliveries(tx *bolt.Tx) []error {
	var errs []error
	b, hosts, outbox := tx.Bucket(bucketDeliveries), tx.Bucket(bucketHosts), tx.Bucket(bucketOutbox)
	if b == nil || hosts == nil || outbox == nil {
		return nil
	}
	unavailable := map[string]bool{}
	_ = hosts.ForEach(func(k, v []byte) error {
		var h HostState
		switch {
		case json.Unmarshal(v, &h) != nil:
			errs = append(errs, fmt.Errorf("hosts: %q does not decode", k))
		case h.Domain != string(k):
			errs = append(errs, fmt.Errorf("hosts: %q stored under %q", h.Domain, k))
		case h.Unavailable:
			unavailable[h.Domain] = true
		}
		return nil
	})
	_ = b.ForEach(func(k, v []byte) error {
		if len(k) == 0 {
			errs = append(errs, fmt.Errorf("deliveries: empty key"))
			return nil
		}
		switch k[0] {
		case delRecord:
			var r deliveryRecord
			switch {
			case len(k) < 9 || json.Unmarshal(v, &r) != nil:
				errs = append(errs, fmt.Errorf("deliveries: record %q does not decode", k))
			case r.ActivityID != keyID(k, 1) || r.Inbox != string(k[9:]):
				errs = append(errs, fmt.Errorf("deliveries: delivery of %d to %q stored under %q", r.ActivityID, r.Inbox, k))
			case outbox.Get(idKey(r.ActivityID)) == nil:
				errs = append(errs, fmt.Errorf("deliveries: delivery of %d to %q names no queued activity", r.ActivityID, r.Inbox))
			case b.Get(dueKey(r.NextAt, r.ActivityID, r.Inbox)) == nil || b.Get(hostKey(r.Host, r.ActivityID, r.Inbox)) == nil:
				errs = append(errs, fmt.Errorf("deliveries: delivery of %d to %q misses an index entry", r.ActivityID, r.Inbox))
			case unavailable[r.Host]:
				errs = append(errs, fmt.Errorf("deliveries: delivery of %d to %q waits for unavailable host %q", r.ActivityID, r.Inbox, r.Host))
			}
		case delDue:
			if len(k) < 17 {
				errs = append(errs, fmt.Errorf("deliveries: due entry %q is too short", k))
				return nil
			}
			d, err := getDelivery(tx, keyID(k, 9), string(k[17:]))
			if err != nil || !bytes.Equal(dueKey(d.NextAt, d.ActivityID, d.Inbox), k) {
				errs = append(errs, fmt.Errorf("deliveries: due entry for %d to %q names no delivery due then", keyID(k, 9), k[17:]))
			}
		case delHost:
			i := bytes.IndexByte(k, 0)
			if i < 0 || len(k) < i+9 {
				errs = append(errs, fmt.Errorf("deliveries: host entry %q is malformed", k))
				return nil
			}
			d, err := getDelivery(tx, keyID(k, i+1), string(k[i+9:]))
			if err != nil || d.Host != string(k[1:i]) {
				errs = append(errs, fmt.Errorf("deliveries: host entry for %d to %q names no delivery to that host", keyID(k, i+1), k[i+9:]))
			}
		default:
			errs = append(errs, fmt.Errorf("deliveries: unknown key %q", k))
		}
		return nil
	})

	// Signing keys: the instance's, a local account's, or a deleted
	// account's while its tombstone waits.
	users, tombs, keys := tx.Bucket(bucketUsers), tx.Bucket(bucketTombstones), tx.Bucket(bucketActorKeys)
	if users == nil || tombs == nil || keys == nil {
		return errs
	}
	_ = keys.ForEach(func(k, _ []byte) error {
		if len(k) != 8 {
			errs = append(errs, fmt.Errorf("actor_keys: key %x is not an id", k))
			return nil
		}
		id := keyID(k, 0)
		if id == InstanceActor || tombs.Get(k) != nil {
			return nil
		}
		var u struct {
			Domain string `json:"domain"`
		}
		switch v := users.Get(k); {
		case v == nil:
			errs = append(errs, fmt.Errorf("actor_keys: account %d neither exists nor has a tombstone", id))
		case json.Unmarshal(v, &u) == nil && u.Domain != "":
			errs = append(errs, fmt.Errorf("actor_keys: account %d is a remote account", id))
		}
		return nil
	})
	return errs
}
