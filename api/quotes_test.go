package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// TestQuotesAPIPaging walks the quotes of a status page by page through
// the Link header, as clients do, and checks that a private quote stays
// with who may see it.
func TestQuotesAPIPaging(t *testing.T) {
	g := newStRig(t)
	alice, bob, carl := g.member("alice"), g.member("bob"), g.member("carl")
	ta, tb, tc := g.token(alice), g.token(bob), g.token(carl)
	orig := g.post(alice, social.Draft{Body: "quote me", Visibility: "public"})
	var want []string // newest first
	for i := 0; i < 3; i++ {
		q := g.json("POST", "/api/v1/statuses", tb, `{"status":"quote `+strconv.Itoa(i)+`","quoted_status_id":"`+orig.ID.String()+`"}`).want(t, http.StatusOK).status(t)
		want = append([]string{q.ID}, want...)
	}
	// A followers-only quote by carl, whom nobody follows: his alone.
	private := g.json("POST", "/api/v1/statuses", tc, `{"status":"just mine","visibility":"private","quoted_status_id":"`+orig.ID.String()+`"}`).want(t, http.StatusOK).status(t)
	var got []string
	path := "/api/v1/statuses/" + orig.ID.String() + "/quotes?limit=2"
	for pages := 0; path != "" && pages < 5; pages++ {
		r := g.get(path, ta).want(t, http.StatusOK)
		for _, s := range r.statuses(t) {
			got = append(got, s.ID)
		}
		path = ""
		for _, l := range strings.Split(r.header.Get("Link"), ",") {
			if strings.Contains(l, `rel="next"`) {
				u, err := url.Parse(strings.Trim(strings.SplitN(strings.TrimSpace(l), ">", 2)[0], "<"))
				if err != nil {
					t.Fatal(err)
				}
				path = u.RequestURI()
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("quotes through the Link header: got %v, want %v", got, want)
	}
	// A visitor's view: the same, no token needed.
	if list := g.get("/api/v1/statuses/"+orig.ID.String()+"/quotes", "").want(t, http.StatusOK).statuses(t); len(list) != 3 {
		t.Errorf("quotes for a visitor: %d, want 3", len(list))
	}
	if list := g.get("/api/v1/statuses/"+orig.ID.String()+"/quotes", tc).want(t, http.StatusOK).statuses(t); len(list) != 4 || list[0].ID != private.ID {
		t.Errorf("quotes for carl: %d, want 4 with his own first", len(list))
	}
}
