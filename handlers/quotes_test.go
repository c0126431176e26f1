package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestQuotesWithConsent quotes through the compose form as a browser
// without JavaScript does, and checks what each party sees: the quote
// embedded, the quoted author told, a refusal the author's policy asks
// for, detaching, and a deleted original of which nothing shows.
func TestQuotesWithConsent(t *testing.T) {
	srv, _ := pollServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse battery")
	badr := srv.newClient(t)
	badr.register("badr", "correct horse battery")

	orig := amal.post("the original words")
	origID := orig[strings.LastIndex(orig, "/")+1:]

	// The Quote action opens the compose box with the post quoted.
	page := badr.get("/?quote=" + origID).Doc()
	if got := text(oneByTestID(t, page, "compose-quote")); !strings.Contains(got, "the original words") {
		t.Fatalf("the compose box quotes %q", got)
	}
	resp := badr.postForm("/posts", url.Values{"body": {"look at this"}, "quote_of": {origID}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("quote: status %d: %s", resp.StatusCode, resp.body)
	}
	prof := badr.get("/@badr").Doc()
	quote := oneByTestID(t, prof, "quoted-post")
	if !strings.Contains(text(quote), "the original words") {
		t.Errorf("the quote embeds %q", text(quote))
	}
	link := permalinkOf(byTestID(prof, "post")[0])
	found := false
	for _, n := range byTestID(amal.get("/notifications").Doc(), "note") {
		found = found || attr(n, "data-kind") == "quote"
	}
	if !found {
		t.Errorf("amal was not told of the quote")
	}

	// amal closes her next post to quotes: badr is told why.
	resp = amal.postForm("/posts", url.Values{"body": {"not for quoting"}, "quote_policy": {"nobody"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d", resp.StatusCode)
	}
	closed := permalinkOf(byTestID(amal.get("/@amal").Doc(), "post")[0])
	closedID := closed[strings.LastIndex(closed, "/")+1:]
	resp = badr.postForm("/posts", url.Values{"body": {"sneaky"}, "quote_of": {closedID}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(text(oneByTestID(t, resp.Doc(), "compose-error")), "does not allow you to quote") {
		t.Errorf("quote of a post closed to quotes: %d %s", resp.StatusCode, resp.body)
	}
	// A followers-only post cannot be quoted.
	resp = amal.postForm("/posts", url.Values{"body": {"for followers"}, "visibility": {"followers"}}, nil)
	private := permalinkOf(byTestID(amal.get("/@amal").Doc(), "post")[0])
	resp = badr.postForm("/posts", url.Values{"body": {"leak"}, "quote_of": {private[strings.LastIndex(private, "/")+1:]}}, nil)
	if resp.StatusCode == http.StatusSeeOther {
		t.Errorf("a followers-only post was quoted")
	}

	// amal detaches her post: the quote says so.
	lp := amal.get(link)
	if len(byTestID(lp.Doc(), "detach")) == 0 {
		t.Fatalf("link %q status %d: %.3000s", link, lp.StatusCode, lp.body[strings.Index(lp.body, "<main"):])
	}
	detach := attr(oneByTestID(t, lp.Doc(), "detach").Parent, "action")
	if resp := amal.postForm(detach, nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("detach: %d %s", resp.StatusCode, resp.body)
	}
	after := badr.get(link).Doc()
	if len(byTestID(after, "quoted-post")) != 0 || len(byTestID(after, "quote-removed")) != 1 {
		t.Errorf("after detaching, the quote still shows the original")
	}
	// Someone else cannot detach.
	resp = badr.postForm(detach, nil, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("badr detaching amal's post: %d", resp.StatusCode)
	}

	// A second quote, then the original deleted: nothing of it shows.
	badr.postForm("/posts", url.Values{"body": {"again"}, "quote_of": {origID}}, nil)
	if resp := amal.postForm(orig+"/delete", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if strings.Contains(badr.get("/@badr").body, "the original words") {
		t.Errorf("a quote still shows a deleted post")
	}
}

func TestQuotePolicyDefault(t *testing.T) {
	srv, _ := pollServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse battery")
	if resp := amal.postForm("/settings/quotes", url.Values{"quote_policy": {"followers"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	sel := oneByTestID(t, amal.get("/").Doc(), "compose-quote-policy")
	for _, o := range byTag(sel, "option") {
		if hasAttr(o, "selected") && attr(o, "value") != "followers" {
			t.Errorf("the compose box preselects %q", attr(o, "value"))
		}
	}
	if resp := amal.postForm("/settings/quotes", url.Values{"quote_policy": {"everyone!"}}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a policy not in the list: %d", resp.StatusCode)
	}
}
