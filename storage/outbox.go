package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The durable outbox. A member action that other servers must hear about
// (a post, a like, a follow ...) passes the activities it implies to the
// storage method that performs it, as trailing arguments; the method
// writes them to the outbox bucket in its own transaction. So an action
// that was acknowledged is in the queue, one that failed left nothing
// there, and each is there once: the delivery workers drain it and call
// FinishActivity when every inbox has it.
//
// Only activities that have somewhere to go are kept: the actor has a
// remote follower, or the activity is addressed to, or is about, a remote
// account (see hasAudience). On an instance that knows no remote account
// nothing is ever written, and an action pays one cursor step for it.
//
// The queue entry is small: what happened, who did it and to what. The
// activity's JSON is rendered at delivery from the records as they are
// then (a post edited before delivery goes out as edited; one deleted
// before delivery goes out as its Delete only).

// Activity types. They are the ActivityStreams names.
const (
	ActivityCreate   = "Create"
	ActivityUpdate   = "Update"
	ActivityDelete   = "Delete"
	ActivityLike     = "Like"
	ActivityAnnounce = "Announce"
	ActivityFollow   = "Follow"
	ActivityAccept   = "Accept"
	ActivityReject   = "Reject"
	ActivityBlock    = "Block"
	ActivityUndo     = "Undo"
	ActivityFlag     = "Flag"
	// Add and Remove change a collection (a pin: the featured posts).
	ActivityAdd    = "Add"
	ActivityRemove = "Remove"
	// ActivityMove tells followers the account moved to the account
	// Object names (TargetID; moves.go).
	ActivityMove = "Move"
	// QuoteRequest asks a post's author to consent to a quote
	// (quotes.go).
	ActivityQuoteRequest = "QuoteRequest"
)

var activityTypes = map[string]bool{
	ActivityCreate: true, ActivityUpdate: true, ActivityDelete: true, ActivityLike: true,
	ActivityAnnounce: true, ActivityFollow: true, ActivityAccept: true, ActivityReject: true,
	ActivityBlock: true, ActivityUndo: true, ActivityFlag: true, ActivityAdd: true, ActivityRemove: true,
	ActivityMove:         true,
	ActivityQuoteRequest: true,
}

// ValidActivityType tells whether t is a type the outbox keeps.
func ValidActivityType(t string) bool { return activityTypes[t] }

// Activity is one entry of the outbox: an activity a local member (or the
// instance) must deliver to other servers.
type Activity struct {
	V  int `json:"v"`
	ID ID  `json:"id"`
	// Type is one of the Activity* constants.
	Type string `json:"type"`
	// ActorID is the local member who acts; 0 is the instance itself
	// (a Flag is sent by the instance, the reporter not named).
	ActorID ID `json:"actor,omitempty"`
	// Object is the URI of the post, account or activity it is about
	// (for the Undo of an Announce, Unrepost puts there the repost's URI,
	// the Announce's id).
	Object string `json:"object,omitempty"`
	// PostID is the post it is about, if any (for an Announce, the
	// original).
	PostID ID `json:"post,omitempty"`
	// TargetID is the account concerned: followed, accepted, rejected,
	// blocked, reported.
	TargetID ID `json:"target,omitempty"`
	// Undo is the type of the activity undone, for an Undo.
	Undo string `json:"undo,omitempty"`
	// To are accounts addressed beyond the actor's followers (mentions,
	// the author replied to).
	To []ID `json:"to,omitempty"`
	// ReportID is the report a Flag sends (its comment, its posts);
	// CreateReport fills it in.
	ReportID  ID        `json:"report,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

const activityVersion = 1

// stampActivities makes out ready to be written, before the transaction
// that writes it: it refuses an unknown type and fills in, in out itself,
// the version, an ID (time-ordered, from NewID) and CreatedAt where they
// are zero. A method that runs in bbolt's Batch may run its function more
// than once; with the IDs fixed beforehand, each run writes the same keys.
func (db *DB) stampActivities(out []Activity) error {
	for i := range out {
		a := &out[i]
		if !activityTypes[a.Type] {
			return fmt.Errorf("activity type %q: %w", a.Type, ErrInvalid)
		}
		if a.Type == ActivityUndo && !activityTypes[a.Undo] {
			return fmt.Errorf("undo of activity type %q: %w", a.Undo, ErrInvalid)
		}
		a.V = activityVersion
		if a.ID == 0 {
			a.ID = db.NewID()
		}
		if a.CreatedAt.IsZero() {
			a.CreatedAt = db.now()
		}
		a.CreatedAt = a.CreatedAt.UTC()
	}
	return nil
}

// recordOutgoing writes to the outbox, in tx, the activities of out that
// have somewhere to go (stampActivities has given them their IDs). Writing
// the same activity twice writes the same key: it is never queued twice.
//
// A Delete is fanned out here (its deliveries written, delivery.go), not
// by the delivery worker: the callers queue it before they delete the
// post or the account, and once they have, who must hear of it (the
// post's audience, the account's follows) can no longer be read. When it
// finds no inbox the entry waits, unstarted, and the worker finishes it.
//
// Once tx commits, the functions registered with OnOutbox run (the
// delivery worker wakes).
func recordOutgoing(tx *bolt.Tx, out []Activity) error {
	if len(out) == 0 || !hasRemoteAccounts(tx) {
		return nil
	}
	b := tx.Bucket(bucketOutbox)
	written := false
	defer func() {
		if written {
			notifyOutbox(tx)
		}
	}()
	for i := range out {
		a := &out[i]
		if a.ID == 0 {
			return fmt.Errorf("activity without an id: %w", ErrInvalid)
		}
		if !hasAudience(tx, a) || isRemote(tx, a.ActorID) {
			// Nobody to tell; or an action on a remote account's
			// behalf (from its server), which we do not speak for.
			continue
		}
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if err := b.Put(idKey(a.ID), v); err != nil {
			return err
		}
		written = true
		if a.Type == ActivityDelete {
			if _, err := startDelivery(tx, a.ID, deliveryTargets(tx, a), a.CreatedAt); err != nil {
				return err
			}
		}
	}
	return nil
}

// hasRemoteAccounts tells whether the instance knows any remote account:
// one cursor step on an index that holds them all.
func hasRemoteAccounts(tx *bolt.Tx) bool {
	k, _ := tx.Bucket(bucketRemoteURIs).Cursor().First()
	return k != nil
}

// hasAudience tells whether an activity reaches some other server: the
// actor has a remote follower, or it is addressed to or about a remote
// account (To, TargetID, the author of its post or of the post that
// post answers).
func hasAudience(tx *bolt.Tx, a *Activity) bool {
	if hasRemoteFollower(tx, a.ActorID) || isRemote(tx, a.TargetID) {
		return true
	}
	for _, id := range a.To {
		if isRemote(tx, id) {
			return true
		}
	}
	if a.PostID == 0 {
		return false
	}
	if v := tx.Bucket(bucketAuthorPosts).Get(pairKey(a.ActorID, a.PostID)); v != nil {
		// The actor's own post: its index entry says whom it answers,
		// without decoding the post.
		m := decodeMeta(v)
		return m.kind == kindReply && isRemote(tx, m.ref)
	}
	if p, err := getPost(tx, a.PostID); err == nil {
		return isRemote(tx, p.AuthorID) || isRemote(tx, p.InReplyToAuthor)
	}
	return false
}

// hasRemoteFollower tells whether an account has a follower on another
// server: one Seek in remote_followers.
func hasRemoteFollower(tx *bolt.Tx, id ID) bool {
	if id == 0 {
		return false
	}
	prefix := idKey(id)
	k, _ := tx.Bucket(bucketRemoteFollowers).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// isRemote tells whether the account exists and lives on another server.
func isRemote(tx *bolt.Tx, id ID) bool {
	if id == 0 {
		return false
	}
	u, err := getUser(tx, id)
	return err == nil && u.Domain != ""
}

func getActivity(tx *bolt.Tx, id ID) (Activity, error) {
	var a Activity
	v := tx.Bucket(bucketOutbox).Get(idKey(id))
	if v == nil {
		return a, fmt.Errorf("activity %d: %w", id, ErrNotFound)
	}
	if err := json.Unmarshal(v, &a); err != nil {
		return a, fmt.Errorf("activity %d: decode: %w", id, err)
	}
	return a, nil
}

// maxPendingPage is the most activities PendingActivities returns at once.
const maxPendingPage = 1000

// PendingActivities lists up to limit queued activities with IDs after
// after (0: from the oldest), oldest first. A pass over the queue starts
// at 0 and pages with the last ID it got: an activity is queued with an
// ID taken just before its transaction, so one committed after a pass
// went by may sort before where the pass stands; the next pass finds it.
// Limit is 100 when not positive, at most 1000.
func (db *DB) PendingActivities(after ID, limit int) ([]Activity, error) {
	out, err := db.scanOutbox(after, limit, nil)
	if err != nil {
		return nil, fmt.Errorf("pending activities: %w", err)
	}
	return out, nil
}

// scanOutbox lists up to limit queued activities with IDs after after,
// oldest first, leaving out those skip names (limit 100 when not
// positive, at most maxPendingPage).
func (db *DB) scanOutbox(after ID, limit int, skip func(tx *bolt.Tx, id ID) bool) ([]Activity, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > maxPendingPage:
		limit = maxPendingPage
	}
	var out []Activity
	if after == ^ID(0) {
		return out, nil
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(idKey(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			if skip != nil && skip(tx, keyID(k, 0)) {
				continue
			}
			var a Activity
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("activity %d: decode: %w", keyID(k, 0), err)
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// CountPendingActivities counts the queued activities.
func (db *DB) CountPendingActivities() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOutbox).Stats().KeyN
		return nil
	})
	return n, err
}

// FinishActivity takes a delivered (or abandoned) activity off the queue,
// with whatever deliveries of it are left; ErrNotFound when it is not
// there. The last activity of a deleted account takes its tombstone (and
// its key) with it.
func (db *DB) FinishActivity(id ID) error {
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		return finishActivity(tx, id)
	})
	if err != nil {
		return fmt.Errorf("finish activity: %w", err)
	}
	return nil
}

// Tombstone is what stays of a deleted local account while activities it
// queued are still to be delivered (its Delete among them): the outbox
// entries name it, and their delivery needs its URI. It goes with the
// last of them (FinishActivity).
type Tombstone struct {
	V         int       `json:"v"`
	ID        ID        `json:"id"`
	Username  string    `json:"username"`
	URI       string    `json:"uri"`
	DeletedAt time.Time `json:"deleted_at"`
	// Pending counts the account's activities still in the outbox.
	Pending int `json:"pending"`
}

const tombstoneVersion = 1

// TombstoneOf returns the tombstone of a deleted account; ErrNotFound when
// there is none (the account exists, or its activities have all drained).
func (db *DB) TombstoneOf(id ID) (Tombstone, error) {
	var t Tombstone
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		t, err = getTombstone(tx, id)
		return err
	})
	return t, err
}

func getTombstone(tx *bolt.Tx, id ID) (Tombstone, error) {
	var t Tombstone
	v := tx.Bucket(bucketTombstones).Get(idKey(id))
	if v == nil {
		return t, fmt.Errorf("tombstone %d: %w", id, ErrNotFound)
	}
	if err := json.Unmarshal(v, &t); err != nil {
		return t, fmt.Errorf("tombstone %d: decode: %w", id, err)
	}
	return t, nil
}

func putTombstone(tx *bolt.Tx, t *Tombstone) error {
	t.V = tombstoneVersion
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketTombstones).Put(idKey(t.ID), v)
}

// buryAccount leaves a tombstone for a local account being deleted in tx
// when the outbox still holds activities of it (counted by reading the
// outbox, which holds only what is not delivered yet).
func buryAccount(tx *bolt.Tx, u *User, now time.Time) error {
	if u.Domain != "" {
		return nil
	}
	n := 0
	err := tx.Bucket(bucketOutbox).ForEach(func(_, v []byte) error {
		var a struct {
			ActorID ID `json:"actor"`
		}
		if json.Unmarshal(v, &a) == nil && a.ActorID == u.ID {
			n++
		}
		return nil
	})
	if err != nil || n == 0 {
		return err
	}
	return putTombstone(tx, &Tombstone{ID: u.ID, Username: u.Username, URI: u.URI, DeletedAt: now.UTC(), Pending: n})
}

// dropTombstoneRef counts one activity of actor off its tombstone, if it
// has one, and removes the tombstone with the last, and the account's
// signing key with it: nothing is left to sign.
func dropTombstoneRef(tx *bolt.Tx, actor ID) error {
	if actor == 0 {
		return nil
	}
	t, err := getTombstone(tx, actor)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	t.Pending--
	if t.Pending <= 0 {
		if err := tx.Bucket(bucketActorKeys).Delete(idKey(actor)); err != nil {
			return err
		}
		return tx.Bucket(bucketTombstones).Delete(idKey(actor))
	}
	return putTombstone(tx, &t)
}

// PutRemoteUser stores or updates an account of another server, found by
// its URI: the resolver calls it with what the account's server says.
// Domain, Username (without "@") and URI are required (ErrInvalid). A
// remote account has no password and no role beyond RoleUser, and is
// never a local login: its name is kept under "name@domain" in usernames,
// which no local name can spell, so LocalUser and the login never find
// it. A new account gets an ID (u.ID when set, else a fresh one); an
// update keeps the stored ID, creation time, counts, status and the
// bookkeeping of its pictures, and may rename it; each of its profile
// fields keeps the verification of the stored field with the same value,
// one with a new value has none (it is to be checked again). A
// name@domain taken by another URI is ErrExists. On return *u is the
// stored record.
func (db *DB) PutRemoteUser(u *User) error {
	if u.Domain == "" || u.Username == "" || u.URI == "" {
		return fmt.Errorf("put remote user: domain, username and uri are required: %w", ErrInvalid)
	}
	if strings.Contains(u.Username, "@") || strings.Contains(u.Domain, "@") {
		return fmt.Errorf("put remote user: %q@%q: %w", u.Username, u.Domain, ErrInvalid)
	}
	fresh := u.ID
	if fresh == 0 {
		fresh = db.NewID()
	}
	in := *u
	var out User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		nu := in
		nu.V, nu.Role, nu.PasswordHash, nu.MustChangePassword = userVersion, RoleUser, "", false
		names, uris := tx.Bucket(bucketUsernames), tx.Bucket(bucketRemoteURIs)
		key := usernameKey(nu.Username, nu.Domain)
		if v := uris.Get([]byte(nu.URI)); v != nil {
			old, err := getUser(tx, keyID(v, 0))
			if err != nil {
				return err
			}
			nu.ID, nu.CreatedAt, nu.Status = old.ID, old.CreatedAt, old.Status
			nu.PostsCount, nu.FollowersCount, nu.FollowingCount = old.PostsCount, old.FollowersCount, old.FollowingCount
			nu.FollowersPostsCount, nu.DirectPostsCount, nu.NotesReadTo = old.FollowersPostsCount, old.DirectPostsCount, old.NotesReadTo
			if oldKey := usernameKey(old.Username, old.Domain); !bytes.Equal(oldKey, key) {
				if names.Get(key) != nil {
					return fmt.Errorf("username %q@%q: %w", nu.Username, nu.Domain, ErrExists)
				}
				if err := names.Delete(oldKey); err != nil {
					return err
				}
				if err := names.Put(key, idKey(nu.ID)); err != nil {
					return err
				}
			}
			nu.Avatar, nu.Header = old.Avatar, old.Header
			nu.RemoteFields = fieldChecks.keep(old.RemoteFields, in.RemoteFields) // links.go
		} else {
			nu.ID = fresh
			if names.Get(key) != nil {
				return fmt.Errorf("username %q@%q: %w", nu.Username, nu.Domain, ErrExists)
			}
			if tx.Bucket(bucketUsers).Get(idKey(nu.ID)) != nil {
				return fmt.Errorf("user %d: %w", nu.ID, ErrExists)
			}
			if nu.CreatedAt.IsZero() {
				nu.CreatedAt = nu.ID.Time()
			}
			nu.PostsCount, nu.FollowersCount, nu.FollowingCount = 0, 0, 0
			nu.FollowersPostsCount, nu.DirectPostsCount, nu.NotesReadTo = 0, 0, 0
			nu.Avatar, nu.Header = ProfileImage{}, ProfileImage{}
			if err := names.Put(key, idKey(nu.ID)); err != nil {
				return err
			}
			if err := uris.Put([]byte(nu.URI), idKey(nu.ID)); err != nil {
				return err
			}
		}
		// Pictures through the same bookkeeping as a member's.
		if err := setProfileImage(tx, &nu, AvatarSlot, in.Avatar); err != nil {
			return err
		}
		if err := setProfileImage(tx, &nu, HeaderSlot, in.Header); err != nil {
			return err
		}
		out = nu
		return putUser(tx, &nu)
	})
	if err != nil {
		return fmt.Errorf("put remote user: %w", err)
	}
	*u = out
	return nil
}

// RemoteUserByURI returns the remote account with that URI.
func (db *DB) RemoteUserByURI(uri string) (User, error) {
	var u User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRemoteURIs).Get([]byte(uri))
		if v == nil {
			return fmt.Errorf("remote user %q: %w", uri, ErrNotFound)
		}
		var err error
		u, err = getUser(tx, keyID(v, 0))
		return err
	})
	return u, err
}

// indexRemoteUser adds a remote account to remote_uris, in tx, for the
// paths that create accounts (CreateUser, Bulk); ErrExists when another
// account has the URI.
func indexRemoteUser(uris *bolt.Bucket, u *User) error {
	if u.Domain == "" {
		return nil
	}
	if v := uris.Get([]byte(u.URI)); v != nil && keyID(v, 0) != u.ID {
		return fmt.Errorf("uri %q: %w", u.URI, ErrExists)
	}
	return uris.Put([]byte(u.URI), idKey(u.ID))
}

// createOutbox is the migration step that makes the outbox, the tombstones
// and the two indexes of remote accounts, and fills the indexes from the
// remote accounts a file may already hold (one pass over users, decoding
// two fields, and the follows of each remote account).
func createOutbox(tx *bolt.Tx) error {
	if err := createBuckets(bucketOutbox, bucketRemoteFollowers, bucketRemoteURIs, bucketTombstones)(tx); err != nil {
		return err
	}
	remote := map[ID]string{}
	err := tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u struct {
			Domain string `json:"domain"`
			URI    string `json:"uri"`
		}
		if len(k) == 8 && json.Unmarshal(v, &u) == nil && u.Domain != "" && u.URI != "" {
			remote[keyID(k, 0)] = u.URI
		}
		return nil
	})
	if err != nil {
		return err
	}
	uris, rf := tx.Bucket(bucketRemoteURIs), tx.Bucket(bucketRemoteFollowers)
	for id, uri := range remote {
		if uris.Get([]byte(uri)) == nil {
			if err := uris.Put([]byte(uri), idKey(id)); err != nil {
				return err
			}
		}
		var followees []ID
		forPrefix(tx.Bucket(bucketFollows), idKey(id), func(k, _ []byte) { followees = append(followees, keyID(k, 8)) })
		for _, f := range followees {
			if err := rf.Put(pairKey(f, id), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkFederation checks the outbox, the tombstones and the indexes of
// remote accounts against the records, in tx, and returns every problem
// found. A file from before these buckets has nothing to check.
func checkFederation(tx *bolt.Tx) []error {
	var errs []error
	users := tx.Bucket(bucketUsers)
	outbox, tombs := tx.Bucket(bucketOutbox), tx.Bucket(bucketTombstones)
	rf, uris := tx.Bucket(bucketRemoteFollowers), tx.Bucket(bucketRemoteURIs)
	follows := tx.Bucket(bucketFollows)
	if users == nil || outbox == nil || tombs == nil || rf == nil || uris == nil || follows == nil {
		return nil
	}
	type peek struct {
		Domain string `json:"domain"`
		URI    string `json:"uri"`
	}
	remote := map[ID]string{}
	_ = users.ForEach(func(k, v []byte) error {
		var u peek
		if len(k) == 8 && json.Unmarshal(v, &u) == nil && u.Domain != "" {
			remote[keyID(k, 0)] = u.URI
		}
		return nil
	})
	exists := func(id ID) bool { return users.Get(idKey(id)) != nil }
	isRemoteID := func(id ID) bool { _, ok := remote[id]; return ok }

	// The outbox: records decode, under their own ID, of a known type,
	// by the instance, a local account or a tombstone.
	pending := map[ID]int{}
	_ = outbox.ForEach(func(k, v []byte) error {
		var a Activity
		switch {
		case len(k) != 8:
			errs = append(errs, fmt.Errorf("outbox: key %x is not an id", k))
		case json.Unmarshal(v, &a) != nil:
			errs = append(errs, fmt.Errorf("outbox: activity %d does not decode", keyID(k, 0)))
		case a.ID != keyID(k, 0):
			errs = append(errs, fmt.Errorf("outbox: activity %d stored under %d", a.ID, keyID(k, 0)))
		case !activityTypes[a.Type]:
			errs = append(errs, fmt.Errorf("outbox: activity %d has type %q", a.ID, a.Type))
		case a.ActorID == 0:
		case tombs.Get(idKey(a.ActorID)) != nil:
			pending[a.ActorID]++
		case !exists(a.ActorID):
			errs = append(errs, fmt.Errorf("outbox: activity %d: actor %d neither exists nor has a tombstone", a.ID, a.ActorID))
		case isRemoteID(a.ActorID):
			errs = append(errs, fmt.Errorf("outbox: activity %d: actor %d is a remote account", a.ID, a.ActorID))
		}
		return nil
	})
	_ = tombs.ForEach(func(k, v []byte) error {
		var t Tombstone
		switch {
		case len(k) != 8 || json.Unmarshal(v, &t) != nil:
			errs = append(errs, fmt.Errorf("tombstones: entry %x does not decode", k))
		case exists(keyID(k, 0)):
			errs = append(errs, fmt.Errorf("tombstones: account %d still exists", keyID(k, 0)))
		case t.Pending != pending[keyID(k, 0)]:
			errs = append(errs, fmt.Errorf("tombstones: account %d counts %d pending activities, the outbox holds %d", keyID(k, 0), t.Pending, pending[keyID(k, 0)]))
		}
		return nil
	})

	// remote_followers against follows, both ways.
	_ = rf.ForEach(func(k, _ []byte) error {
		switch {
		case len(k) != 16:
			errs = append(errs, fmt.Errorf("remote_followers: key %x is not a pair of ids", k))
		case !isRemoteID(keyID(k, 8)):
			errs = append(errs, fmt.Errorf("remote_followers: %d -> %d: the follower is not a remote account", keyID(k, 8), keyID(k, 0)))
		case follows.Get(pairKey(keyID(k, 8), keyID(k, 0))) == nil:
			errs = append(errs, fmt.Errorf("remote_followers: %d -> %d is not a follow", keyID(k, 8), keyID(k, 0)))
		}
		return nil
	})
	for id := range remote {
		forPrefix(follows, idKey(id), func(k, _ []byte) {
			if len(k) == 16 && rf.Get(pairKey(keyID(k, 8), id)) == nil {
				errs = append(errs, fmt.Errorf("remote_followers: follow %d -> %d is missing", id, keyID(k, 8)))
			}
		})
	}

	// remote_uris against the remote accounts, both ways.
	_ = uris.ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			errs = append(errs, fmt.Errorf("remote_uris: %q: value %x is not an id", k, v))
			return nil
		}
		if uri, ok := remote[keyID(v, 0)]; !ok || uri != string(k) {
			errs = append(errs, fmt.Errorf("remote_uris: %q does not name the remote account with that URI", k))
		}
		return nil
	})
	for id, uri := range remote {
		if v := uris.Get([]byte(uri)); len(v) != 8 || keyID(v, 0) != id {
			errs = append(errs, fmt.Errorf("remote_uris: remote account %d (%q) is missing", id, uri))
		}
	}
	return errs
}
