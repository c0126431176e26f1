package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/social"
	"majlis/storage"
)

// pollForm is a compose form with a poll.
func pollForm(body string, multiple bool, options ...string) url.Values {
	f := url.Values{"body": {body}, "poll_option": options, "poll_duration": {"3600"}}
	if multiple {
		f.Set("poll_multiple", "1")
	}
	return f
}

func pollServer(t *testing.T) (*testServer, *fakeClock) {
	clock := newFakeClock()
	srv := newTestServerWith(t, serverOptions{
		config:  func(c *handlers.Config) { c.Now = clock.Now },
		storage: func(o *storageOptions) { o.Now = clock.Now },
	})
	return srv, clock
}

// TestPollWithoutJavaScript publishes a poll with plain form fields, votes
// with a radio button and sees what each person should: the answers
// only before voting, the results after, the author always.
func TestPollWithoutJavaScript(t *testing.T) {
	srv, clock := pollServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse battery")
	badr := srv.newClient(t)
	badr.register("badr", "correct horse battery")

	resp := amal.postForm("/posts", pollForm("Tea or coffee?", false, "Tea", "Coffee", "", ""), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish a poll: status %d, body:\n%s", resp.StatusCode, resp.body)
	}
	page := amal.get("/@amal")
	link := permalinkOf(oneByTestID(t, page.Doc(), "post"))
	if n := len(byTestID(page.Doc(), "poll-results")); n != 1 {
		t.Errorf("the author sees %d result lists, want 1", n)
	}

	view := badr.get(link)
	doc := view.Doc()
	if n := len(byTestID(doc, "poll-choice")); n != 2 {
		t.Fatalf("voter sees %d choices, want 2 (blank options left out)", n)
	}
	if n := len(byTestID(doc, "poll-results")); n != 0 {
		t.Errorf("results shown before voting")
	}
	if typ := attr(byTestID(doc, "poll-choice")[0], "type"); typ != "radio" {
		t.Errorf("single-choice poll input type %q, want radio", typ)
	}
	action := attr(oneByTestID(t, doc, "poll-form"), "action")

	visitor := srv.newClient(t)
	vdoc := visitor.get(link).Doc()
	if len(byTestID(vdoc, "poll-results")) != 0 || len(byTestID(vdoc, "poll-login")) != 1 {
		t.Errorf("a visitor should see the answers and a sign-in link, not the results")
	}

	resp = badr.postForm(action, url.Values{"choice": {"1"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("vote: status %d, body:\n%s", resp.StatusCode, resp.body)
	}
	after := badr.get(link).Doc()
	if got := flashText(after); !strings.Contains(got, "vote was counted") {
		t.Errorf("flash after voting %q", got)
	}
	results := byTestID(after, "poll-result")
	if len(results) != 2 {
		t.Fatalf("voter sees %d results after voting, want 2", len(results))
	}
	if got := text(results[1]); !strings.Contains(got, "100%") || !strings.Contains(got, "Your choice") {
		t.Errorf("chosen answer shows %q, want 100%% and the mark", got)
	}

	// A second vote is refused: under HTMX in the poll, with 409.
	resp = badr.postForm(action, url.Values{"choice": {"0"}}, htmxHeader())
	if resp.StatusCode != http.StatusConflict || !strings.Contains(text(oneByTestID(t, resp.Doc(), "poll-error")), "cannot be changed") {
		t.Errorf("second vote: status %d, body:\n%s", resp.StatusCode, resp.body)
	}
	// The author may not vote.
	resp = amal.postForm(action, url.Values{"choice": {"0"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("author's vote: status %d", resp.StatusCode)
	}
	if got := flashText(amal.get(link).Doc()); !strings.Contains(got, "own poll") {
		t.Errorf("author's vote flash %q", got)
	}

	// After the end, everyone sees the results; the scheduled pass tells
	// the author and the voter.
	clock.Advance(2 * time.Hour)
	vdoc = visitor.get(link).Doc()
	if len(byTestID(vdoc, "poll-results")) != 1 || len(byTestID(vdoc, "poll-closed")) != 1 {
		t.Errorf("a visitor after the end should see the results, closed")
	}
	carol := srv.newClient(t)
	carol.register("carol", "correct horse battery")
	resp = carol.postForm(action, url.Values{"choice": {"0"}}, htmxHeader())
	if resp.StatusCode != http.StatusOK || len(byTestID(resp.Doc(), "poll-results")) != 1 {
		// The poll is closed: no form is shown any more; a vote sent
		// all the same is refused.
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("vote after the end: status %d, want 409", resp.StatusCode)
		}
	}
	svc := social.New(srv.db, social.Config{BaseURL: testBaseURL, Now: clock.Now})
	if n, err := svc.EndPolls(t.Context()); err != nil || n != 1 {
		t.Fatalf("EndPolls: %d, %v; want 1", n, err)
	}
	for _, c := range []*client{amal, badr} {
		notes := c.get("/notifications").Doc()
		found := false
		for _, n := range byTestID(notes, "note") {
			if attr(n, "data-kind") == "poll" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no notification of the poll's end", c.username)
		}
	}
}

func TestPollComposeRefusals(t *testing.T) {
	srv, _ := pollServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse battery")
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"one answer", pollForm("Q", false, "Only", "", "", ""), "at least two answers"},
		{"repeated answer", pollForm("Q", false, "Same", "same"), "must be different"},
		{"too many answers", pollForm("Q", false, "1", "2", "3", "4", "5"), "at most 4 answers"},
		{"answer too long", pollForm("Q", false, strings.Repeat("x", 51), "b"), "at most 50 characters"},
		{"too short", func() url.Values { f := pollForm("Q", false, "a", "b"); f.Set("poll_duration", "60"); return f }(), "5 minutes to 7 days"},
		{"too long", func() url.Values { f := pollForm("Q", false, "a", "b"); f.Set("poll_duration", "700000"); return f }(), "5 minutes to 7 days"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := amal.postForm("/posts", c.form, nil)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			doc := resp.Doc()
			if got := text(oneByTestID(t, doc, "compose-error")); !strings.Contains(got, c.want) {
				t.Errorf("error %q, want it to say %q", got, c.want)
			}
			if !hasAttr(oneByTestID(t, doc, "compose-poll"), "open") {
				t.Errorf("the poll section is closed again: the draft's answers are hidden")
			}
		})
	}
	if n := postCount(t, srv.db, "amal"); n != 0 {
		t.Errorf("%d posts written by refused drafts", n)
	}
}

// TestPollOptionsSetting: the admins' limit decides how many answer
// fields the compose box has and how many a poll may have.
func TestPollOptionsSetting(t *testing.T) {
	srv, _ := pollServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse battery")
	if n := len(byTestID(amal.get("/").Doc(), "poll-option")); n != storage.DefaultPollOptions {
		t.Errorf("%d answer fields by default, want %d", n, storage.DefaultPollOptions)
	}
	s, _, err := srv.db.InstanceSettings()
	if err != nil {
		t.Fatal(err)
	}
	s.PollOptions = 6
	me, err := srv.db.LocalUser("amal")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.db.SaveInstanceSettings(me.ID, s, "more answers", time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(byTestID(amal.get("/").Doc(), "poll-option")); n != 6 {
		t.Errorf("%d answer fields, want 6", n)
	}
	resp := amal.postForm("/posts", pollForm("Q", true, "1", "2", "3", "4", "5"), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("five answers with a limit of six: status %d", resp.StatusCode)
	}
}
