package api

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestPollsAPI: a poll created with a status (JSON as masto sends it, a
// form as other apps do), shown with its counts hidden until one votes,
// voted on once, expired after its end.
func TestPollsAPI(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	ta, tb := g.token(alice), g.token(bob)

	s := g.json("POST", "/api/v1/statuses", ta, `{"status":"Tea or coffee?","poll":{"options":["Tea","Coffee"],"expires_in":3600}}`).want(t, http.StatusOK).status(t)
	var created Poll
	g.get("/api/v1/polls/"+s.ID, ta).want(t, http.StatusOK).decode(t, &created)
	if len(created.Options) != 2 || created.Multiple || created.Expired || created.ExpiresAt == nil {
		t.Fatalf("created poll %+v", created)
	}
	if created.Voted == nil || !*created.Voted || created.Options[0].VotesCount == nil {
		t.Errorf("the author should see the counts (and count as having voted): %+v", created)
	}

	var before Poll
	g.get("/api/v1/polls/"+s.ID, tb).want(t, http.StatusOK).decode(t, &before)
	if before.Options[0].VotesCount != nil || before.VotersCount != nil || before.Voted == nil || *before.Voted {
		t.Errorf("before voting the counts must be hidden: %+v", before)
	}

	var after Poll
	g.form("POST", "/api/v1/polls/"+s.ID+"/votes", tb, "choices[]=1").want(t, http.StatusOK).decode(t, &after)
	if after.Voted == nil || !*after.Voted || !slices.Equal(after.OwnVotes, []int{1}) || after.Options[1].VotesCount == nil || *after.Options[1].VotesCount != 1 || after.VotesCount != 1 {
		t.Errorf("after voting: %+v", after)
	}
	g.json("POST", "/api/v1/polls/"+s.ID+"/votes", tb, `{"choices":[0]}`).want(t, http.StatusUnprocessableEntity)
	g.form("POST", "/api/v1/polls/"+s.ID+"/votes", ta, "choices[]=0").want(t, http.StatusForbidden)

	// The Status carries the poll, as the viewer sees it.
	st := g.get("/api/v1/statuses/"+s.ID, tb).want(t, http.StatusOK).status(t)
	if st.Poll == nil {
		t.Fatalf("status without its poll")
	}

	// A form with several answers.
	m := g.form("POST", "/api/v1/statuses", ta, "status=Pick&poll[options][]=a&poll[options][]=b&poll[options][]=c&poll[expires_in]=300&poll[multiple]=true").want(t, http.StatusOK).status(t)
	var multi Poll
	g.form("POST", "/api/v1/polls/"+m.ID+"/votes", tb, "choices[]=0&choices[]=2").want(t, http.StatusOK).decode(t, &multi)
	if !multi.Multiple || multi.VotesCount != 2 || multi.VotersCount == nil || *multi.VotersCount != 1 {
		t.Errorf("multiple-choice poll after a vote for two answers: %+v", multi)
	}

	*g.now = g.now.Add(2 * time.Hour)
	var ended Poll
	g.get("/api/v1/polls/"+m.ID, "").want(t, http.StatusOK).decode(t, &ended)
	if !ended.Expired || ended.Options[0].VotesCount == nil {
		t.Errorf("an ended poll shows its results to anyone: %+v", ended)
	}
	g.form("POST", "/api/v1/polls/"+m.ID+"/votes", tb, "choices[]=1").want(t, http.StatusUnprocessableEntity)
	g.get("/api/v1/polls/"+m.ID+"0", tb).want(t, http.StatusNotFound)
}
