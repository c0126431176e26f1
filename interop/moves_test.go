package interop

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestFedifyPeerMoves moves accounts between majlis and the Fedify peer
// both ways, as Mastodon does (alsoKnownAs on the new account, a Move
// to the old one's followers).
//
//   - The peer's account, which amal follows, moves to a second account
//     of the peer that names it in alsoKnownAs: majlis moves amal's
//     follow (the peer receives her Follow of the new account and the
//     Undo of the old one) and the old profile points to the new one.
//   - bilal moves to an account of the peer that names him: the peer,
//     which follows him, receives a Move signed by bilal that Fedify
//     parses with the right object and target, and amal's follow of
//     bilal moves to the new account at once.
func TestFedifyPeerMoves(t *testing.T) {
	node := needPeer(t)
	bin := majlisBinary(t)
	federates(t, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	m := startMajlis(t, bin, "-allow-private-addresses")
	p := startPeer(t, node)
	amal := m.register(ctx, "amal")
	bilal := m.register(ctx, "bilal")

	t.Log("amal follows the peer; the peer moves to its account peer2")
	old := amal.lookup(ctx, p.actor)
	amal.submit(ctx, old+"/follow", nil)
	p.waitReceived(ctx, "amal's Follow", func(r received) bool { return r.Type == "Follow" && r.Actor == amal.actor() && r.Object == p.actor })
	amal.waitPage(ctx, old, `data-testid="unfollow"`)
	var peer2 struct{ Actor string }
	p.do(ctx, "/control/account", map[string]any{"identifier": "peer2", "aliases": []string{p.actor}}, &peer2)
	var moved struct{ Followers []string }
	p.do(ctx, "/control/move", map[string]string{"target": peer2.Actor}, &moved)
	if len(moved.Followers) != 1 || moved.Followers[0] != amal.actor() {
		t.Fatalf("the peer sent its Move to %q, want amal", moved.Followers)
	}
	f := p.waitReceived(ctx, "amal's Follow of peer2", func(r received) bool {
		return r.Type == "Follow" && r.Actor == amal.actor() && r.Object == peer2.Actor
	})
	if !f.Verified || !f.signedBy(amal.actor()) {
		t.Errorf("the Follow of peer2: %s signed by %+v, want signed by amal", f, f.HTTPSignature)
	}
	p.waitReceived(ctx, "amal's Undo of her Follow of peer", func(r received) bool {
		return r.Type == "Undo" && r.Actor == amal.actor() && r.ObjectType == "Follow" && r.InnerObject == p.actor
	})
	newPage := "/@peer2@" + strings.TrimPrefix(p.base, "http://")
	amal.waitPage(ctx, old, `data-testid="moved-notice"`, `href="`+newPage+`"`)
	if strings.Contains(amal.page(ctx, old), `data-testid="unfollow"`) {
		t.Errorf("amal still follows the peer's old account")
	}
	amal.waitPage(ctx, newPage, `data-testid="unfollow"`)

	t.Log("bilal moves to the peer's account peer3, which names him")
	p.do(ctx, "/control/follow", map[string]string{"actor": bilal.actor()}, nil)
	p.waitReceived(ctx, "bilal's Accept", func(r received) bool { return r.Type == "Accept" && r.Actor == bilal.actor() })
	amal.submit(ctx, "/@bilal/follow", nil)
	var peer3 struct{ Actor string }
	p.do(ctx, "/control/account", map[string]any{"identifier": "peer3", "aliases": []string{bilal.actor()}}, &peer3)
	bilal.submit(ctx, "/settings/move", url.Values{"target": {peer3.Actor}, "current_password": {password}})
	mv := p.waitReceived(ctx, "bilal's Move", func(r received) bool { return r.Type == "Move" && r.Actor == bilal.actor() })
	if !mv.Verified || !mv.signedBy(bilal.actor()) {
		t.Errorf("Move: %s signed by %+v, want verified and signed with bilal's key", mv, mv.HTTPSignature)
	}
	if mv.Object != bilal.actor() || mv.Target != peer3.Actor {
		t.Errorf("Fedify read the Move as object %q, target %q; want %s to %s", mv.Object, mv.Target, bilal.actor(), peer3.Actor)
	}
	f = p.waitReceived(ctx, "amal's Follow of peer3", func(r received) bool {
		return r.Type == "Follow" && r.Actor == amal.actor() && r.Object == peer3.Actor
	})
	if !f.signedBy(amal.actor()) {
		t.Errorf("the Follow of peer3: %s signed by %+v, want signed by amal", f, f.HTTPSignature)
	}
	// Signed: Fedify's plain loader keeps what it fetched for minutes.
	if d, err := p.lookup(ctx, bilal.actor(), true); err != nil || deref(d.MovedTo) != peer3.Actor {
		t.Errorf("the peer reads bilal's movedTo as %q (%v), want %s", deref(d.MovedTo), err, peer3.Actor)
	}

	for _, e := range p.inboxLog(ctx) {
		if e.Status/100 != 2 {
			t.Errorf("the peer's inbox refused %s %s from %s: %d %s", e.Type, e.ID, e.Actor, e.Status, e.Answer)
		}
	}
}
