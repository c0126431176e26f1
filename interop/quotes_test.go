package interop

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestFedifyPeerQuotes federates quotes with the Fedify peer, as majlis
// does them after Mastodon (FEP-044f: a quote policy on every Note, a
// QuoteRequest answered with an Accept carrying a QuoteAuthorization, or
// a Reject).
//
//   - The peer quotes amal's public post with a Note whose quoteUrl names
//     it (what Fedify 1.5.9 can say): majlis shows it as a link until the
//     peer asks consent with a QuoteRequest (JSON-LD written by the peer,
//     Fedify has no class for it); amal allows everyone, so majlis
//     accepts with an authorization the peer can read, embeds the quote
//     and tells amal.
//   - bilal lets nobody quote him: the peer's quote stays a link, the
//     request is rejected, bilal hears nothing.
//   - amal quotes the peer's post: the Create the peer receives carries the
//     quote where Fedify reads it (quoteUrl); the QuoteRequest reaches the
//     peer signed, but Fedify 1.5.9 cannot parse one, so it never answers
//     and majlis keeps amal's quote a link.
func TestFedifyPeerQuotes(t *testing.T) {
	node := needPeer(t)
	bin := majlisBinary(t)
	federates(t, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	m := startMajlis(t, bin, "-allow-private-addresses")
	p := startPeer(t, node)
	amal := m.register(ctx, "amal")
	bilal := m.register(ctx, "bilal")
	bilal.submit(ctx, "/settings/quotes", url.Values{"quote_policy": {"nobody"}})
	for _, u := range []*member{amal, bilal} {
		actor := u.actor()
		p.do(ctx, "/control/follow", map[string]string{"actor": actor}, nil)
		p.waitReceived(ctx, u.name+"'s Accept", func(r received) bool { return r.Type == "Accept" && r.Actor == actor })
	}

	t.Log("the peer quotes amal, who allows everyone: a link until consent is asked")
	words := nonce("worth quoting")
	post := amal.publish(ctx, words, "public")
	postURI := m.base + post
	var q struct{ ID string }
	p.do(ctx, "/control/quote", map[string]string{"object": postURI, "content": "<p>" + nonce("well said") + "</p>"}, &q)
	page := amal.lookup(ctx, q.ID)
	if shown := amal.waitPage(ctx, page, `data-testid="quote-link"`); strings.Contains(shown, `data-testid="quoted-post"`) {
		t.Errorf("majlis embeds the peer's quote before amal's consent was asked")
	}
	if strings.Contains(amal.page(ctx, "/notifications"), `data-kind="quote"`) {
		t.Errorf("amal is told of a quote not consented yet")
	}

	t.Log("the peer asks; majlis accepts with an authorization, embeds the quote and tells amal")
	var req struct{ ID string }
	p.do(ctx, "/control/quote-request", map[string]string{"note": q.ID}, &req)
	acc := p.waitInbox(ctx, "the answer to the QuoteRequest", func(e inboxEntry) bool { return e.Object == req.ID })
	if acc.Type != "Accept" || acc.ObjectType != "QuoteRequest" || !acc.signedBy(amal.actor()) || acc.Result == "" {
		t.Fatalf("majlis answered the QuoteRequest with %+v; want an Accept of it signed by amal, with an authorization", acc)
	}
	// Fedify 1.5.9 refuses an activity whose object is of a type it has
	// no class for: it cannot take the Accept in, only see it.
	t.Logf("Fedify %s answered majlis's Accept of the QuoteRequest %d %q", fedifyVersion, acc.Status, acc.Answer)
	var auth map[string]any
	p.do(ctx, "/control/fetch", map[string]string{"url": acc.Result}, &auth)
	for k, want := range map[string]string{"id": acc.Result, "type": "QuoteAuthorization", "attributedTo": amal.actor(),
		"interactingObject": q.ID, "interactionTarget": postURI} {
		if auth[k] != want {
			t.Errorf("the authorization's %s: %v, want %s", k, auth[k], want)
		}
	}
	amal.waitPage(ctx, page, `data-testid="quoted-post"`, words)
	amal.waitPage(ctx, "/notifications", `data-kind="quote"`)

	t.Log("bilal lets nobody quote him: the peer's quote stays a link, its request is rejected")
	closed := nonce("not for quoting")
	bpost := bilal.publish(ctx, closed, "public")
	p.do(ctx, "/control/quote", map[string]string{"object": m.base + bpost, "content": "<p>" + nonce("quoting anyway") + "</p>"}, &q)
	p.do(ctx, "/control/quote-request", map[string]string{"note": q.ID}, &req)
	rej := p.waitInbox(ctx, "the answer to the QuoteRequest", func(e inboxEntry) bool { return e.Object == req.ID })
	if rej.Type != "Reject" || !rej.signedBy(bilal.actor()) || rej.Result != "" {
		t.Errorf("majlis answered the QuoteRequest with %+v; want a Reject signed by bilal, without an authorization", rej)
	}
	page = bilal.waitPage(ctx, bilal.lookup(ctx, q.ID), `data-testid="quote-link"`)
	if strings.Contains(page, `data-testid="quoted-post"`) || strings.Contains(page, closed) {
		t.Errorf("majlis embeds a quote of a post closed to quotes")
	}
	if strings.Contains(bilal.page(ctx, "/notifications"), `data-kind="quote"`) {
		t.Errorf("bilal is told of a quote he did not allow")
	}

	t.Log("amal quotes the peer's post: the peer reads the quote; it cannot answer the QuoteRequest")
	var n struct{ ID string }
	p.do(ctx, "/control/publish", map[string]string{"content": "<p>" + nonce("the peer says") + "</p>"}, &n)
	peerPost := amal.lookup(ctx, n.ID)
	comment := nonce("amal agrees")
	code, _, answer := amal.form(ctx, "/posts", url.Values{"body": {comment}, "visibility": {"public"},
		"quote_of": {peerPost[strings.LastIndex(peerPost, "/")+1:]}}, true)
	mm := permalinkRE.FindStringSubmatch(answer)
	if code != http.StatusOK || mm == nil {
		t.Fatalf("amal quotes %s: %d %.300s", peerPost, code, answer)
	}
	quote := m.base + mm[1]
	cr := p.waitReceived(ctx, "the Create of amal's quote", func(r received) bool { return r.Type == "Create" && r.Object == quote })
	if !cr.Verified || !cr.signedBy(amal.actor()) || !strings.Contains(cr.Content, comment) {
		t.Errorf("Create: %s content %q, want signed by amal, holding %q", cr, cr.Content, comment)
	}
	if cr.QuoteURL != n.ID {
		t.Errorf("Fedify reads the quote of amal's Note as %q, want %s", cr.QuoteURL, n.ID)
	}
	qr := p.waitInbox(ctx, "amal's QuoteRequest", func(e inboxEntry) bool { return e.Type == "QuoteRequest" && e.Actor == amal.actor() })
	if !qr.signedBy(amal.actor()) || qr.Object != n.ID {
		t.Errorf("the QuoteRequest: %+v, want one for %s signed with amal's key", qr, n.ID)
	}
	t.Logf("Fedify %s answered majlis's QuoteRequest %d %q (it has no QuoteRequest class)", fedifyVersion, qr.Status, qr.Answer)
	// Unanswered, the quote stays a link.
	if page := amal.page(ctx, mm[1]); !strings.Contains(page, `data-testid="quote-link"`) || strings.Contains(page, `data-testid="quoted-post"`) {
		t.Errorf("amal's unanswered quote is not shown as a link only")
	}

	for _, e := range p.inboxLog(ctx) {
		if e.Status/100 != 2 && e.Type != "QuoteRequest" && e.ObjectType != "QuoteRequest" {
			t.Errorf("the peer's inbox refused %s %s from %s: %d %s", e.Type, e.ID, e.Actor, e.Status, e.Answer)
		}
	}
}
