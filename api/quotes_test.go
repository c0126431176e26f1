package api

import (
	"net/http"
	"testing"

	"majlis/social"
)

func TestQuotesAPI(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	ta, tb := g.token(alice), g.token(bob)
	orig := g.post(alice, social.Draft{Body: "quote me", Visibility: "public"})
	closed := g.post(alice, social.Draft{Body: "not me", Visibility: "public", QuotePolicy: "nobody"})

	var seen Status
	g.get("/api/v1/statuses/"+closed.ID.String(), tb).want(t, http.StatusOK).decode(t, &seen)
	if seen.QuoteApproval == nil || seen.QuoteApproval.CurrentUser != "denied" || len(seen.QuoteApproval.Automatic) != 0 {
		t.Errorf("quote_approval of a post closed to quotes: %+v", seen.QuoteApproval)
	}
	g.json("POST", "/api/v1/statuses", tb, `{"status":"no","quoted_status_id":"`+closed.ID.String()+`"}`).want(t, http.StatusForbidden)

	q := g.json("POST", "/api/v1/statuses", tb, `{"status":"so true","quoted_status_id":"`+orig.ID.String()+`","quote_approval_policy":"followers"}`).want(t, http.StatusOK).status(t)
	if q.Quote == nil || q.Quote.State != "accepted" || q.Quote.QuotedStatus == nil || q.Quote.QuotedStatus.ID != orig.ID.String() {
		t.Fatalf("quote: %+v", q.Quote)
	}
	if q.QuoteApproval == nil || len(q.QuoteApproval.Automatic) != 1 || q.QuoteApproval.Automatic[0] != "followers" {
		t.Errorf("the quote's own approval: %+v", q.QuoteApproval)
	}
	list := g.get("/api/v1/statuses/"+orig.ID.String()+"/quotes", ta).want(t, http.StatusOK).statuses(t)
	if len(list) != 1 || list[0].ID != q.ID {
		t.Errorf("quotes of the original: %d", len(list))
	}
	g.form("POST", "/api/v1/statuses/"+orig.ID.String()+"/quotes/"+q.ID+"/revoke", tb, "").want(t, http.StatusForbidden)
	r := g.form("POST", "/api/v1/statuses/"+orig.ID.String()+"/quotes/"+q.ID+"/revoke", ta, "").want(t, http.StatusOK).status(t)
	if r.Quote == nil || r.Quote.State != "revoked" || r.Quote.QuotedStatus != nil {
		t.Errorf("after revoking: %+v", r.Quote)
	}
}
