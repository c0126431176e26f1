// Package federation is ActivityPub in both directions: discovery, actor
// and object JSON, signing and verifying HTTP requests, the inbox, the
// resolver that fetches remote objects and the delivery workers that drain
// the durable queue.
//
// Every connection it makes to another server goes through one client
// (NewClient) whose dialer refuses special-purpose addresses, and every
// signature it makes or checks goes through one small policy
// (signature.go) over a well-kept signature library, so the rules of
// both live in one place.
package federation
