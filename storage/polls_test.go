package storage

import (
	"slices"
	"testing"
	"time"
)

var pollStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func withPoll(multiple bool, titles ...string) postOpt {
	return func(p *Post) {
		p.Poll = &Poll{Multiple: multiple, EndsAt: pollStart.Add(time.Hour)}
		for _, t := range titles {
			p.Poll.Options = append(p.Poll.Options, PollOption{Title: t})
		}
	}
}

func TestPollCreateChecks(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	cases := []struct {
		name string
		opt  postOpt
		want error
	}{
		{"two options", withPoll(false, "tea", "coffee"), nil},
		{"one option", withPoll(false, "tea"), ErrInvalid},
		{"eleven options", withPoll(false, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), ErrInvalid},
		{"blank option", withPoll(false, "tea", ""), ErrInvalid},
		{"no end", func(p *Post) { withPoll(false, "a", "b")(p); p.Poll.EndsAt = time.Time{} }, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tryWrite(db, amal, c.opt)
			wantErr(t, err, c.want, "CreatePost")
		})
	}
}

func TestVoteRules(t *testing.T) {
	db := openTestDB(t)
	amal, badr, dina, eve := createUser(t, db, "amal"), createUser(t, db, "badr"), createUser(t, db, "dina"), createUser(t, db, "eve")
	single := write(t, db, amal, withPoll(false, "tea", "coffee", "water"))
	multi := write(t, db, amal, withPoll(true, "tea", "coffee", "water"))
	private := write(t, db, amal, withPoll(false, "a", "b"), withVis(FollowersOnly))
	block(t, db, amal, eve)
	now := pollStart.Add(time.Minute)

	cases := []struct {
		name    string
		post    Post
		voter   User
		choices []int
		at      time.Time
		want    error
	}{
		{"a vote", single, badr, []int{1}, now, nil},
		{"a second vote is not a change", single, badr, []int{0}, now, ErrExists},
		{"two choices in a single-choice poll", single, dina, []int{0, 1}, now, ErrInvalid},
		{"out of range", single, dina, []int{3}, now, ErrInvalid},
		{"no choice", single, dina, nil, now, ErrInvalid},
		{"own poll", single, amal, []int{0}, now, ErrForbidden},
		{"after the end", single, dina, []int{0}, pollStart.Add(2 * time.Hour), ErrClosed},
		{"followers-only poll of someone not followed", private, dina, []int{0}, now, ErrNotFound},
		{"across a block", single, eve, []int{0}, now, ErrNotFound},
		{"multiple choice", multi, badr, []int{0, 2}, now, nil},
		{"repeated choice", multi, dina, []int{1, 1}, now, ErrInvalid},
		{"a post without a poll", createPost(t, db, amal), dina, []int{0}, now, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.Vote(c.post.ID, c.voter.ID, c.choices, c.at)
			wantErr(t, err, c.want, "Vote")
		})
	}

	got, err := db.PostByID(single.ID)
	must(t, err, "PostByID")
	if votes := []int{got.Poll.Options[0].Votes, got.Poll.Options[1].Votes, got.Poll.Options[2].Votes}; !slices.Equal(votes, []int{0, 1, 0}) || got.Poll.Voters != 1 {
		t.Errorf("single poll counts %v, voters %d; want [0 1 0], 1", votes, got.Poll.Voters)
	}
	got, err = db.PostByID(multi.ID)
	must(t, err, "PostByID")
	if got.Poll.TotalVotes() != 2 || got.Poll.Voters != 1 {
		t.Errorf("multiple poll: %d votes by %d voters, want 2 by 1", got.Poll.TotalVotes(), got.Poll.Voters)
	}
	e, err := db.Post(badr.ID, multi.ID)
	must(t, err, "Post")
	if !slices.Equal(e.Voted, []int{0, 2}) {
		t.Errorf("entry of the voter: Voted %v, want [0 2]", e.Voted)
	}
	e, err = db.Post(dina.ID, multi.ID)
	must(t, err, "Post")
	if e.Voted != nil {
		t.Errorf("entry of someone who did not vote: Voted %v, want nil", e.Voted)
	}
}

func TestPollEndNotifiesAuthorAndVoters(t *testing.T) {
	db := openTestDB(t)
	amal, badr, dina := createUser(t, db, "amal"), createUser(t, db, "badr"), createUser(t, db, "dina")
	p := write(t, db, amal, withPoll(false, "tea", "coffee"))
	_, err := db.Vote(p.ID, badr.ID, []int{0}, pollStart)
	must(t, err, "Vote")

	due, err := db.DuePolls(pollStart.Add(59*time.Minute), 10)
	must(t, err, "DuePolls")
	if len(due) != 0 {
		t.Fatalf("due before the end: %v", due)
	}
	end := pollStart.Add(time.Hour)
	due, err = db.DuePolls(end, 10)
	must(t, err, "DuePolls")
	if !slices.Equal(due, []ID{p.ID}) {
		t.Fatalf("due at the end: %v, want [%d]", due, p.ID)
	}
	for i := range 2 {
		ended, err := db.EndPoll(p.ID, end)
		must(t, err, "EndPoll")
		if ended != (i == 0) {
			t.Errorf("EndPoll call %d: ended %v", i+1, ended)
		}
	}
	for _, c := range []struct {
		u    User
		want int
	}{{amal, 1}, {badr, 1}, {dina, 0}} {
		np, err := db.Notifications(c.u.ID, Page{})
		must(t, err, "Notifications")
		n := 0
		for _, note := range np.Notes {
			if note.Kind == NotePoll && note.PostID == p.ID {
				n++
			}
		}
		if n != c.want {
			t.Errorf("%s has %d poll notifications, want %d", c.u.Username, n, c.want)
		}
	}
	if due, _ := db.DuePolls(end.Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("still due after it was announced: %v", due)
	}
}

func TestPollVotesGoWithPostAndVoter(t *testing.T) {
	db := openTestDB(t)
	amal, badr, dina := createUser(t, db, "amal"), createUser(t, db, "badr"), createUser(t, db, "dina")
	kept := write(t, db, amal, withPoll(true, "tea", "coffee"))
	gone := write(t, db, amal, withPoll(false, "yes", "no"))
	for _, v := range []struct {
		post Post
		u    User
	}{{kept, badr}, {kept, dina}, {gone, badr}} {
		_, err := db.Vote(v.post.ID, v.u.ID, []int{0}, pollStart)
		must(t, err, "Vote")
	}
	must(t, db.DeletePost(gone.ID), "DeletePost")
	if c, _ := db.PollChoices(gone.ID, badr.ID); c != nil {
		t.Errorf("vote of a deleted poll still there: %v", c)
	}
	must(t, db.DeleteUser(badr.ID, false), "DeleteUser")
	p, err := db.PostByID(kept.ID)
	must(t, err, "PostByID")
	if p.Poll.Options[0].Votes != 1 || p.Poll.Voters != 1 {
		t.Errorf("after the voter left: %d votes, %d voters; want 1, 1", p.Poll.Options[0].Votes, p.Poll.Voters)
	}
	voters, err := db.PollVoters(kept.ID)
	must(t, err, "PollVoters")
	if !slices.Equal(voters, []ID{dina.ID}) {
		t.Errorf("voters %v, want [%d]", voters, dina.ID)
	}
	if due, _ := db.DuePolls(pollStart.Add(2*time.Hour), 10); !slices.Equal(due, []ID{kept.ID}) {
		t.Errorf("due polls %v, want only the one kept", due)
	}
}
