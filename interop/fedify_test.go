package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFedifyPeerWithMajlis federates majlis with the Fedify peer on
// loopback: the peer looks a member up by URL and reads the actor, follows
// and is accepted, receives the member's public and followers-only posts
// signed (and never a direct post to someone else), replies, likes and
// boosts; majlis shows all of it on the post's page and in the member's
// notifications, and ignores an unsigned activity.
func TestFedifyPeerWithMajlis(t *testing.T) {
	node := needPeer(t)
	bin := majlisBinary(t)
	federates(t, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	m := startMajlis(t, bin, "-allow-private-addresses")
	p := startPeer(t, node)
	amal := m.register(ctx, "amal")
	m.register(ctx, "bilal")
	actor := amal.actor()

	t.Log("the peer looks amal up by URL and reads her actor")
	d, err := p.lookup(ctx, actor, false)
	if err != nil {
		t.Fatalf("the peer's lookup of %s: %v", actor, err)
	}
	if d.Type != "Person" || d.ID != actor || deref(d.PreferredUsername) != "amal" {
		t.Fatalf("the peer read %s as %s %q named %q, want Person %s named amal", actor, d.Type, d.ID, deref(d.PreferredUsername), actor)
	}
	if deref(d.Inbox) != actor+"/inbox" || deref(d.SharedInbox) != m.base+"/inbox" {
		t.Errorf("inbox %q, shared inbox %q; want %s/inbox and %s/inbox", deref(d.Inbox), deref(d.SharedInbox), actor, m.base)
	}
	if d.PublicKey == nil || !d.PublicKey.Present || d.PublicKey.Owner != actor {
		t.Fatalf("the peer read amal's public key as %+v, want a key it could import, owned by %s", d.PublicKey, actor)
	}

	t.Log("the peer follows amal; majlis accepts (amal is not locked)")
	p.do(ctx, "/control/follow", map[string]string{"actor": actor}, nil)
	acc := p.waitReceived(ctx, "amal's Accept", func(r received) bool { return r.Type == "Accept" && r.Actor == actor })
	if !acc.Verified || !acc.signedBy(actor) {
		t.Errorf("Accept: %s signed by %+v, want verified and signed with amal's key", acc, acc.HTTPSignature)
	}
	amal.waitCount(ctx, "/@amal", "followers-count", 1)

	t.Log("amal publishes a public post; the peer receives it signed")
	hello := nonce("hello fediverse")
	post := amal.publish(ctx, hello, "public")
	postURI := m.base + post
	cr := p.waitReceived(ctx, "the Create of amal's public post", func(r received) bool {
		return r.Type == "Create" && r.Object == postURI
	})
	if !cr.Verified || !cr.signedBy(actor) || cr.Actor != actor {
		t.Errorf("Create: %s signed by %+v, want verified and signed with amal's key", cr, cr.HTTPSignature)
	}
	if !strings.Contains(cr.Content, hello) || cr.ObjectType != "Note" {
		t.Errorf("Create: a %s with content %q, want a Note holding %q", cr.ObjectType, cr.Content, hello)
	}
	if !slices.Contains(append(cr.ObjectTo, cr.ObjectCc...), asPublic) {
		t.Errorf("public post addressed to %v cc %v, want the public collection", cr.ObjectTo, cr.ObjectCc)
	}
	// The post's id is readable as ActivityStreams.
	if n, err := p.lookup(ctx, postURI, false); err != nil || n.Type != "Note" || deref(n.AttributedTo) != actor {
		t.Errorf("the peer's lookup of %s: got %+v, %v; want a Note by %s", postURI, n, err, actor)
	}

	t.Log("an unsigned reply in the peer's name is not shown")
	forged := nonce("forged reply")
	forgedNote := p.base + "/notes/forged-" + forged
	body, _ := json.Marshal(map[string]any{
		"@context": asContext,
		"id":       forgedNote + "/activity",
		"type":     "Create",
		"actor":    p.actor,
		"to":       []string{asPublic},
		"object": map[string]any{
			"id": forgedNote, "type": "Note", "attributedTo": p.actor, "inReplyTo": postURI,
			"to": []string{asPublic}, "cc": []string{actor}, "content": "<p>" + forged + "</p>",
		},
	})
	if resp, err := http.Post(m.base+"/inbox", "application/activity+json", bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode/100 == 5 {
			t.Errorf("unsigned Create to the shared inbox: got %d", resp.StatusCode)
		}
	}

	t.Log("the peer replies, likes and boosts; majlis shows them")
	reply := nonce("a reply from Fedify")
	p.do(ctx, "/control/reply", map[string]string{"inReplyTo": postURI, "to": actor, "content": "<p>" + reply + "</p>"}, nil)
	p.do(ctx, "/control/like", map[string]string{"object": postURI}, nil)
	p.do(ctx, "/control/announce", map[string]string{"object": postURI}, nil)
	page := amal.waitPage(ctx, post, reply)
	if strings.Contains(page, forged) {
		t.Errorf("%s shows the unsigned reply %q", post, forged)
	}
	amal.waitCount(ctx, post, "reply-count", 1)
	amal.waitCount(ctx, post, "like-count", 1)
	amal.waitCount(ctx, post, "repost-count", 1)
	notes := amal.waitPage(ctx, "/notifications", p.handle, `data-kind="like"`, `data-kind="repost"`, `data-kind="follow"`)
	if !strings.Contains(notes, `data-kind="reply"`) && !strings.Contains(notes, `data-kind="mention"`) {
		t.Errorf("amal's notifications show no reply or mention from the peer")
	}

	t.Log("a followers-only post reaches the peer; a direct post to bilal does not")
	secret := nonce("for bilal only")
	direct := amal.publish(ctx, "@bilal "+secret, "direct")
	followersOnly := nonce("for followers")
	fo := amal.publish(ctx, followersOnly, "followers")
	foc := p.waitReceived(ctx, "the Create of amal's followers-only post", func(r received) bool {
		return r.Type == "Create" && r.Object == m.base+fo
	})
	addressees := slices.Concat(foc.To, foc.Cc, foc.ObjectTo, foc.ObjectCc)
	if !foc.Verified || !foc.signedBy(actor) || !strings.Contains(foc.Content, followersOnly) {
		t.Errorf("followers-only Create: %s content %q, want verified, signed by amal, holding %q", foc, foc.Content, followersOnly)
	}
	if slices.Contains(addressees, asPublic) || !slices.Contains(addressees, actor+"/followers") {
		t.Errorf("followers-only post addressed to %v, want amal's followers and not the public", addressees)
	}
	// Deliveries run in the background in any order: wait for a public
	// post written after the direct one, then look for the direct one.
	marker := nonce("after the direct post")
	mp := amal.publish(ctx, marker, "public")
	p.waitReceived(ctx, "the post after the direct one", func(r received) bool { return r.Type == "Create" && r.Object == m.base+mp })
	for _, r := range p.received(ctx) {
		if strings.Contains(r.Content, secret) || r.Object == m.base+direct {
			t.Errorf("the peer received amal's direct post to bilal: %s", r)
		}
	}
	for _, e := range p.inboxLog(ctx) {
		if strings.Contains(e.ID, direct) {
			t.Errorf("majlis delivered the direct post to the peer: %+v", e)
		}
	}
	if n, err := p.lookup(ctx, m.base+direct, true); err == nil && n.Content != nil && strings.Contains(*n.Content, secret) {
		t.Errorf("the peer's signed fetch of %s read the direct post to bilal", direct)
	}

	t.Log("the peer unfollows")
	p.do(ctx, "/control/unfollow", map[string]string{"actor": actor}, nil)
	amal.waitCount(ctx, "/@amal", "followers-count", 0)

	for _, e := range p.inboxLog(ctx) {
		if e.Status/100 != 2 {
			t.Errorf("the peer's inbox refused %s %s from %s: %d %s", e.Type, e.ID, e.Actor, e.Status, e.Answer)
		}
	}
}
