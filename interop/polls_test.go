package interop

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestFedifyPeerPolls: a member's poll reaches the Fedify peer as a
// Question; the peer votes with a Note named for its answer, which majlis
// counts and never shows as a reply.
func TestFedifyPeerPolls(t *testing.T) {
	node := needPeer(t)
	bin := majlisBinary(t)
	federates(t, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	m := startMajlis(t, bin, "-allow-private-addresses")
	p := startPeer(t, node)
	amal := m.register(ctx, "amal")
	actor := amal.actor()
	p.do(ctx, "/control/follow", map[string]string{"actor": actor}, nil)
	p.waitReceived(ctx, "amal's Accept", func(r received) bool { return r.Type == "Accept" && r.Actor == actor })

	question := nonce("tea or coffee")
	code, _, page := amal.form(ctx, "/posts", url.Values{"body": {question}, "visibility": {"public"},
		"poll_option": {"Tea", "Coffee"}, "poll_duration": {"3600"}}, true)
	m2 := permalinkRE.FindStringSubmatch(page)
	if code != 200 || m2 == nil {
		t.Fatalf("publish a poll: %d %.300s", code, page)
	}
	post := m2[1]
	postURI := m.base + post
	cr := p.waitReceived(ctx, "the Create of amal's poll", func(r received) bool {
		return r.Type == "Create" && r.Object == postURI
	})
	if cr.ObjectType != "Question" || !cr.Verified {
		t.Errorf("the peer received a %s (verified %t), want a Question", cr.ObjectType, cr.Verified)
	}

	p.do(ctx, "/control/vote", map[string]string{"question": postURI, "to": actor, "name": "Coffee"}, nil)
	waitVoters(ctx, t, amal, post)
	if n, _ := count(amal.waitPage(ctx, post, "1 person voted"), "reply-count"); n != 0 {
		t.Errorf("the vote counted as %d replies", n)
	}
}

func waitVoters(ctx context.Context, t *testing.T, amal *member, post string) {
	t.Helper()
	page := amal.waitPage(ctx, post, "1 person voted", "100%")
	if !strings.Contains(page, `data-testid="poll-results"`) {
		t.Errorf("the author sees no results")
	}
}
