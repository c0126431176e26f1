package apiclients

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"
)

// TestGoMastodonPolls: go-mastodon posts a poll, another member reads it
// without counts, votes, sees the counts and its own vote, and cannot
// vote again.
func TestGoMastodonPolls(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	amal, bilal := s.register(ctx, "amal"), s.register(ctx, "bilal")
	a := goMastodonLogin(ctx, t, s, amal)
	b := goMastodonLogin(ctx, t, s, bilal)

	post, err := a.PostStatus(ctx, &mastodon.Toot{Status: nonce("tea or coffee"), Visibility: "public",
		Poll: &mastodon.TootPoll{Options: []string{"Tea", "Coffee", "Water"}, ExpiresInSeconds: 3600, Multiple: true}})
	if err != nil {
		t.Fatalf("post a poll: %v", err)
	}
	if post.Poll == nil || len(post.Poll.Options) != 3 || !post.Poll.Multiple || post.Poll.Expired {
		t.Fatalf("posted poll %s", pretty(post.Poll))
	}
	before, err := b.GetPoll(ctx, post.Poll.ID)
	if err != nil {
		t.Fatalf("get poll: %v", err)
	}
	if before.Voted || before.VotesCount != 0 {
		t.Errorf("before voting: %s", pretty(before))
	}
	after, err := b.PollVote(ctx, post.Poll.ID, 0, 2)
	if err != nil {
		t.Fatalf("vote: %v", err)
	}
	if !after.Voted || !slices.Equal(after.OwnVotes, []int{0, 2}) || after.VotesCount != 2 || after.VotersCount != 1 || after.Options[2].VotesCount != 1 {
		t.Errorf("after voting: %s", pretty(after))
	}
	if _, err := b.PollVote(ctx, post.Poll.ID, 1); err == nil {
		t.Errorf("a second vote was accepted")
	}
	st, err := a.GetStatus(ctx, post.ID)
	if err != nil || st.Poll == nil || st.Poll.VotersCount != 1 {
		t.Errorf("the author's status: %v %s", err, pretty(st))
	}
}
