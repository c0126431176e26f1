package twoinstance

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"majlis/social"
	"majlis/storage"
)

// TestPollsAcrossInstances: a poll written on b.test reaches a follower
// on a.test as a Question, is voted on there (the vote goes back as a
// Note to its author, counted and never shown as a reply), the counts
// come back as Updates, and both sides hear when it ends.
func TestPollsAcrossInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two federating instances; skipped with -short")
	}
	a, b := startPair(t)
	alice := a.register(t, "alice")
	bob := b.register(t, "bob")
	lena := b.register(t, "lena")

	bobOnA := alice.lookup(t, bob.handle())
	alice.submit(t, bobOnA+"/follow", nil)
	alice.waitPage(t, bobOnA, `data-testid="unfollow"`)
	settle(t, a, b)

	question := nonce("teaorcoffee")
	path := bob.compose(t, url.Values{"body": {question}, "visibility": {"public"},
		"poll_option": {"Tea", "Coffee", "", ""}, "poll_duration": {"3600"}})
	settle(t, a, b)

	// On a.test the poll arrives as a poll: answers to choose from, no
	// results before voting.
	page := alice.waitPage(t, bobOnA, question, `data-testid="poll-form"`)
	if strings.Contains(page, `data-testid="poll-results"`) {
		t.Errorf("a.test shows the results before alice voted")
	}
	action := regexp.MustCompile(`action="([^"]+/vote)"`).FindStringSubmatch(page)
	if action == nil {
		t.Fatalf("no vote form on a.test: %.600s", page)
	}
	alice.submit(t, action[1], url.Values{"choice": {"1"}})
	settle(t, a, b)

	// b.test counted the vote; it is not a reply, nobody was told of a
	// reply, and the poll's page lists no answer from alice.
	id := strings.TrimPrefix(path, "/@bob/")
	postID, err := storage.ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.db.PostByID(postID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Poll == nil || p.Poll.Options[1].Votes != 1 || p.Poll.Voters != 1 {
		t.Fatalf("b.test counts %+v, want one vote for Coffee", p.Poll)
	}
	if p.Replies != 0 {
		t.Errorf("the vote counted as %d replies", p.Replies)
	}
	if notes := bob.page(t, "/notifications"); strings.Contains(notes, `data-kind="reply"`) || strings.Contains(notes, `data-kind="mention"`) {
		t.Errorf("bob was told of a reply or a mention by a vote")
	}
	if thread := bob.page(t, path); strings.Count(thread, `data-testid="post"`) != 1 {
		t.Errorf("the vote shows as a post in the thread on b.test")
	}

	// A member of b.test votes too; the Update brings both votes to
	// a.test, where alice (who voted) sees the results.
	code, _, body := lena.form(t, path+"/vote", url.Values{"choice": {"0"}}, false)
	if code != http.StatusSeeOther {
		t.Fatalf("lena votes: %d %.300s", code, body)
	}
	settle(t, a, b)
	alice.waitPage(t, bobOnA, `data-testid="poll-results"`, "2 people voted", "50%")

	// A second vote from a.test is refused at home, before it leaves.
	if code, _, _ := alice.form(t, action[1], url.Values{"choice": {"0"}}, true); code != http.StatusConflict {
		t.Errorf("alice's second vote: %d, want 409", code)
	}

	// The end: each side's scheduled pass (run here with a clock past
	// the end) tells its own members: bob (the author) on b.test, alice
	// (a voter) on a.test; b.test sends the final counts.
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	end := func(in *instance) {
		svc := social.New(in.db, social.Config{BaseURL: in.base, Now: later})
		if n, err := svc.EndPolls(t.Context()); err != nil || n != 1 {
			t.Fatalf("%s: EndPolls: %d, %v; want 1", in.host, n, err)
		}
	}
	end(b)
	bob.waitPage(t, "/notifications", `data-kind="poll"`)
	lena.waitPage(t, "/notifications", `data-kind="poll"`)
	settle(t, a, b)
	// b.test's final Update closed the poll on a.test before a.test's
	// own clock says it ended.
	alice.waitPage(t, bobOnA, `data-testid="poll-closed"`)
	end(a)
	alice.waitPage(t, "/notifications", `data-kind="poll"`)
}
