package federation

import (
	"strings"

	"majlis/storage"
)

// URIs builds the addresses of this instance's ActivityPub objects. One
// place decides them, so the actor JSON, the WebFinger answer, the
// activities delivered and the inbox that recognises our own objects all
// agree.
type URIs struct {
	// Base is the public URL of the instance without a trailing slash.
	Base string
}

// NewURIs returns the addresses under base.
func NewURIs(base string) URIs { return URIs{Base: strings.TrimRight(base, "/")} }

// Actor is a member's actor id (also the page /@name redirects browsers to).
func (u URIs) Actor(name string) string { return u.Base + "/users/" + name }

// Inbox is a member's personal inbox.
func (u URIs) Inbox(name string) string { return u.Actor(name) + "/inbox" }

// SharedInbox takes activities for every member at once.
func (u URIs) SharedInbox() string { return u.Base + "/inbox" }

// Outbox, Followers, Following and Featured are a member's collections.
func (u URIs) Outbox(name string) string    { return u.Actor(name) + "/outbox" }
func (u URIs) Followers(name string) string { return u.Actor(name) + "/followers" }
func (u URIs) Following(name string) string { return u.Actor(name) + "/following" }
func (u URIs) Featured(name string) string  { return u.Actor(name) + "/featured" }

// KeyID names an actor's public key: the actor id with #main-key, as
// Mastodon names it, so servers that look the key up by fragment find it.
func KeyID(actorURI string) string { return actorURI + "#main-key" }

// InstanceActor is the actor that signs the server's own fetches and its
// reports (Flag).
func (u URIs) InstanceActor() string { return u.Base + "/actor" }

// Activity is the id of an activity this instance sent (its outbox entry).
func (u URIs) Activity(id storage.ID) string { return u.Base + "/activities/" + id.String() }

// Post is a local post's id, which is also its page.
func (u URIs) Post(name string, id storage.ID) string {
	return u.Base + "/@" + name + "/" + id.String()
}

// Profile is a member's page.
func (u URIs) Profile(name string) string { return u.Base + "/@" + name }

// Host is the instance's host name (with its port, if any).
func (u URIs) Host() string {
	h := u.Base
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	return h
}

// IsLocal tells whether a URI is one of this instance's.
func (u URIs) IsLocal(uri string) bool {
	return uri == u.Base || strings.HasPrefix(uri, u.Base+"/") || strings.HasPrefix(uri, u.Base+"#")
}
