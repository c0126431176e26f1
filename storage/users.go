package storage

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Role is what a user may do on the instance.
type Role string

// Roles. The first account on an instance becomes RoleAdmin.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// User is an account. Local accounts have an empty Domain; remote accounts
// (federation, later) keep their home domain and live in the same buckets.
type User struct {
	V              int       `json:"v"`
	ID             ID        `json:"id"`
	Username       string    `json:"username"`
	Domain         string    `json:"domain,omitempty"`
	DisplayName    string    `json:"display_name,omitempty"`
	Bio            string    `json:"bio,omitempty"`
	PasswordHash   string    `json:"password_hash,omitempty"`
	Role           Role      `json:"role"`
	URI            string    `json:"uri"`
	CreatedAt      time.Time `json:"created_at"`
	PostsCount     int       `json:"posts_count"`
	FollowersCount int       `json:"followers_count"`
	FollowingCount int       `json:"following_count"`
	// FollowersPostsCount and DirectPostsCount are how many of PostsCount
	// are followers-only and direct posts, so that a profile shows each
	// viewer the count of what they may see (VisiblePostsCount) without
	// reading the posts.
	FollowersPostsCount int `json:"followers_posts_count,omitempty"`
	DirectPostsCount    int `json:"direct_posts_count,omitempty"`
	// BioHTML is the rendered, sanitized Bio.
	BioHTML string `json:"bio_html,omitempty"`
	// Links are a few links shown on the profile.
	Links []ProfileLink `json:"links,omitempty"`
	// DefaultVisibility is preselected in the compose box.
	DefaultVisibility Visibility `json:"default_visibility,omitempty"`
	// Locked accounts approve each follower.
	Locked bool `json:"locked,omitempty"`
	// Pinned posts show first on the profile, newest pin first.
	Pinned []ID `json:"pinned,omitempty"`
	// NotesReadTo is the newest notification the user has seen.
	NotesReadTo ID `json:"notes_read_to,omitempty"`
	// HomeMarker is where an app last left the member's home timeline
	// (the client API's marker), with when and how many times it was
	// set.
	HomeMarker        ID        `json:"home_marker,omitempty"`
	HomeMarkerAt      time.Time `json:"home_marker_at,omitzero"`
	HomeMarkerVersion int       `json:"home_marker_version,omitempty"`
	// Status is where the account stands with the instance (admin.go);
	// empty means StatusActive.
	Status Status `json:"status,omitempty"`
	// MustChangePassword asks the user to choose a new password at the
	// next login (set with a password an operator handed out).
	MustChangePassword bool `json:"must_change_password,omitempty"`
	// Avatar and Header are the profile's pictures, zero when none is
	// set (see SetProfileImage). Both are public.
	Avatar ProfileImage `json:"avatar,omitzero"`
	Header ProfileImage `json:"header,omitzero"`
	// AITraining is the member's choice about AI training on their
	// content: AITrainingInherit (the instance's policy), AITrainingNo or
	// AITrainingYes (only where the instance allows it). See consent.go.
	AITraining string `json:"ai_training,omitempty"`
	// Indexable lets search engines index the profile and posts; the
	// default is noindex.
	Indexable bool `json:"indexable,omitempty"`
	// Bot marks an automated account: a badge on its profile and posts.
	Bot bool `json:"bot,omitempty"`
	// HideBots leaves bots' posts out of the member's home, local and
	// tag timelines.
	HideBots bool `json:"hide_bots,omitempty"`
	// NoBotContact refuses mentions and replies from bots.
	NoBotContact bool `json:"no_bot_contact,omitempty"`
	// Language is the member's interface language ("en", "ar"); empty
	// follows the browser, then the instance default.
	Language string `json:"language,omitempty"`

	// What another server says of a remote account (federation): where
	// to deliver to it, its collections, its public key, when it was last
	// fetched. Empty for local accounts, whose addresses follow from URI.
	Inbox        string `json:"inbox,omitempty"`
	SharedInbox  string `json:"shared_inbox,omitempty"`
	OutboxURL    string `json:"outbox_url,omitempty"`
	FollowersURL string `json:"followers_url,omitempty"`
	FollowingURL string `json:"following_url,omitempty"`
	FeaturedURL  string `json:"featured_url,omitempty"`
	// ProfileURL is the account's page on its server (ActivityStreams
	// url), shown as the link to the original.
	ProfileURL   string    `json:"profile_url,omitempty"`
	PublicKeyID  string    `json:"public_key_id,omitempty"`
	PublicKeyPEM string    `json:"public_key_pem,omitempty"`
	FetchedAt    time.Time `json:"fetched_at,omitzero"`
	// XRobotsTag and ContentUsage are a remote account's own consent
	// signals (noindex, noai ...; "train-ai=n"), honoured where its
	// content is shown. A local member's follow from AITraining and
	// Indexable.
	XRobotsTag   string `json:"x_robots_tag,omitempty"`
	ContentUsage string `json:"content_usage,omitempty"`

	// AlsoKnownAs are the URIs of the account's other accounts (its
	// aliases, ActivityStreams alsoKnownAs): an account may move here
	// from one of them. MovedTo is the URI of the account this one moved
	// to; a moved account takes no new followers. Both come from the
	// actor document for a remote account (moves.go).
	AlsoKnownAs []string `json:"also_known_as,omitempty"`
	MovedTo     string   `json:"moved_to,omitempty"`
	// QuotePolicy is who may quote the member's new posts by default
	// (quotes.go): "" or QuotePublic, QuoteFollowers, QuoteNobody.
	QuotePolicy QuotePolicy `json:"quote_policy,omitempty"`
	// LinksCheckedAt is when a member's links were last checked for a
	// link back (links.go); the daily check starts with the oldest.
	LinksCheckedAt time.Time `json:"links_checked_at,omitzero"`
	// RemoteFields are a remote account's profile fields (ActivityPub
	// PropertyValue attachments), name and value sanitized.
	RemoteFields []RemoteField `json:"remote_fields,omitempty"`
}

// IsLocal tells whether the account lives on this instance.
func (u User) IsLocal() bool { return u.Domain == "" }

// ProfileImage is an avatar or a profile header: two stored files named by
// the SHA-256 of their bytes, the picture and its small version.
type ProfileImage struct {
	Display     string `json:"display"`
	Thumb       string `json:"thumb"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	ThumbWidth  int    `json:"thumb_width"`
	ThumbHeight int    `json:"thumb_height"`
	ContentType string `json:"content_type"`
	ThumbType   string `json:"thumb_type"`
}

// IsZero tells whether no picture is set.
func (i ProfileImage) IsZero() bool { return i.Display == "" }

// ProfileLink is a labelled link on a profile.
type ProfileLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
	// VerifiedAt is when the linked page was first found linking back
	// to the profile with rel="me"; zero while it does not.
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// countPost adds delta posts (or reposts) of visibility v to the user's
// counts; none goes below zero.
func (u *User) countPost(v Visibility, delta int) {
	u.PostsCount = max(u.PostsCount+delta, 0)
	switch v {
	case FollowersOnly:
		u.FollowersPostsCount = max(u.FollowersPostsCount+delta, 0)
	case Direct:
		u.DirectPostsCount = max(u.DirectPostsCount+delta, 0)
	}
}

// VisiblePostsCount is the post count a viewer sees on the profile: the
// member themselves all their posts; a follower also the followers-only
// ones; anyone else the public and unlisted posts and reposts. Private
// posts that mention the viewer are not counted for them (that would
// take reading the posts), so the count never tells anyone that a
// private post they cannot see was sent.
func (u User) VisiblePostsCount(viewerID ID, follows bool) int {
	if viewerID != 0 && viewerID == u.ID {
		return u.PostsCount
	}
	n := u.PostsCount - u.DirectPostsCount - u.FollowersPostsCount
	if follows && viewerID != 0 {
		n += u.FollowersPostsCount
	}
	return max(n, 0)
}

// PostVisibility returns the user's default visibility for new posts.
func (u User) PostVisibility() Visibility {
	if u.DefaultVisibility.Valid() {
		return u.DefaultVisibility
	}
	return Public
}

const userVersion = 1

// IsAdmin tells whether the user administers the instance.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// Name is the display name, or the username when none is set.
func (u User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// usernameKey is the unique key of a username: case-folded, with the domain
// for remote accounts.
func usernameKey(username, domain string) []byte {
	k := strings.ToLower(username)
	if domain != "" {
		k += "@" + strings.ToLower(domain)
	}
	return []byte(k)
}

// CreateUser stores a new account, giving it an ID if it has none. The
// username must be free regardless of case (ErrExists otherwise). The first
// local account on the instance becomes its admin.
func (db *DB) CreateUser(u *User) error {
	if u.Username == "" || u.URI == "" {
		return fmt.Errorf("create user: username and uri are required: %w", ErrInvalid)
	}
	if strings.Contains(u.Username, "@") {
		// "@" separates the domain in usernameKey: a local "bob@example.com"
		// would take the key of the remote bob of example.com.
		return fmt.Errorf("create user: username %q contains @: %w", u.Username, ErrInvalid)
	}
	if u.ID == 0 {
		u.ID = db.NewID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = u.ID.Time()
	}
	if u.Role == "" {
		u.Role = RoleUser
	}
	u.V = userVersion
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketUsernames)
		key := usernameKey(u.Username, u.Domain)
		if names.Get(key) != nil {
			return fmt.Errorf("username %q: %w", u.Username, ErrExists)
		}
		if tx.Bucket(bucketUsers).Get(idKey(u.ID)) != nil {
			return fmt.Errorf("user %d: %w", u.ID, ErrExists)
		}
		if u.Domain == "" && !hasLocalUser(tx) {
			u.Role = RoleAdmin
		}
		if err := indexRemoteUser(tx.Bucket(bucketRemoteURIs), u); err != nil {
			return err
		}
		if err := names.Put(key, idKey(u.ID)); err != nil {
			return err
		}
		return putUser(tx, u)
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

func hasLocalUser(tx *bolt.Tx) bool {
	return countLocalUsers(tx, 1) > 0
}

// countLocalUsers counts the local accounts, stopping at limit (0: no limit).
func countLocalUsers(tx *bolt.Tx, limit int) int {
	n := 0
	c := tx.Bucket(bucketUsers).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var u struct {
			Domain string `json:"domain"`
		}
		if json.Unmarshal(v, &u) == nil && u.Domain == "" {
			n++
			if n == limit {
				break
			}
		}
	}
	return n
}

// CountUsers counts the local accounts.
func (db *DB) CountUsers() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = countLocalUsers(tx, 0)
		return nil
	})
	return n, err
}

func putUser(tx *bolt.Tx, u *User) error {
	v, err := json.Marshal(u)
	if err != nil {
		return err
	}
	forgetUser(tx, u.ID)
	if err := indexPerson(tx, u); err != nil {
		return err
	}
	return tx.Bucket(bucketUsers).Put(idKey(u.ID), v)
}

func getUser(tx *bolt.Tx, id ID) (User, error) {
	c := cachesOf(tx)
	if c != nil {
		if u, ok := c.users.get(id, txID(tx)); ok {
			return u, nil
		}
	}
	var u User
	v := tx.Bucket(bucketUsers).Get(idKey(id))
	if v == nil {
		return u, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	if err := decodeRecord(v, &u); err != nil {
		return u, fmt.Errorf("user %d: decode: %w", id, err)
	}
	if c != nil && !tx.Writable() {
		c.users.store(id, u, txID(tx))
	}
	return u, nil
}

// UserByID returns the account with that ID.
func (db *DB) UserByID(id ID) (User, error) {
	var u User
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		u, err = getUser(tx, id)
		return err
	})
	return u, err
}

// LocalUser returns the local account with that username, in any case.
func (db *DB) LocalUser(username string) (User, error) {
	var u User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUsernames).Get(usernameKey(username, ""))
		if v == nil {
			return fmt.Errorf("user %q: %w", username, ErrNotFound)
		}
		found, err := getUser(tx, keyID(v, 0))
		if err != nil {
			return err
		}
		if found.Domain != "" {
			// "name@domain" is the key of a remote account.
			return fmt.Errorf("user %q: %w", username, ErrNotFound)
		}
		u = found
		return nil
	})
	return u, err
}

// updateUser reads a user, lets fn change it and writes it back, in tx.
func updateUser(tx *bolt.Tx, id ID, fn func(*User)) error {
	u, err := getUser(tx, id)
	if err != nil {
		return err
	}
	fn(&u)
	return putUser(tx, &u)
}

// HasUsers tells whether the instance has any local account yet; it stops
// at the first one it finds.
func (db *DB) HasUsers() (bool, error) {
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		ok = hasLocalUser(tx)
		return nil
	})
	return ok, err
}
