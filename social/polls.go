package social

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"majlis/i18n"
	"majlis/storage"
)

// Polls: a post may ask a question with two or more answers (the
// instance's admins say how many at most), of one or several choices,
// open for five minutes to seven days. A member votes once; the poll's
// author and voters hear when it ends.

// PollDraft is the poll of a compose box.
type PollDraft struct {
	// Options are the answers as typed; blank ones are left out.
	Options []string
	// Multiple allows several answers.
	Multiple bool
	// Duration is how long the poll stays open.
	Duration time.Duration
}

// PollDurations are the lengths of a poll the compose box offers.
var PollDurations = []time.Duration{
	5 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour,
	24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour,
}

// MaxPollOptions is the most options a poll may have on this instance.
func (s *Service) MaxPollOptions() int {
	st, _, err := s.db.InstanceSummary()
	if err != nil {
		return storage.DefaultPollOptions
	}
	return st.MaxPollOptions()
}

// CheckPoll reads a poll draft: at least two answers once blanks are left
// out, at most limit, none repeated nor longer than
// storage.MaxPollOptionChars, open for storage.MinPollDuration to
// storage.MaxPollDuration. It returns the poll as it would start at now.
func CheckPoll(ctx context.Context, d PollDraft, limit int, now time.Time) (*storage.Poll, *Error) {
	p := &storage.Poll{Multiple: d.Multiple, EndsAt: now.Add(d.Duration).UTC()}
	seen := map[string]bool{}
	for _, o := range d.Options {
		o = strings.Join(strings.Fields(strings.ToValidUTF8(o, "\uFFFD")), " ")
		if o == "" {
			continue
		}
		if utf8.RuneCountInString(o) > storage.MaxPollOptionChars {
			return nil, refuse(ctx, Invalid, "poll", "poll.option_too_long", "max", storage.MaxPollOptionChars)
		}
		if seen[strings.ToLower(o)] {
			return nil, refuse(ctx, Invalid, "poll", "poll.option_repeated")
		}
		seen[strings.ToLower(o)] = true
		p.Options = append(p.Options, storage.PollOption{Title: o})
	}
	switch {
	case len(p.Options) < storage.MinPollOptions:
		return nil, refuse(ctx, Invalid, "poll", "poll.too_few_options")
	case len(p.Options) > limit:
		return nil, refuse(ctx, Invalid, "poll", "poll.too_many_options", "max", limit)
	case d.Duration < storage.MinPollDuration || d.Duration > storage.MaxPollDuration:
		return nil, refuse(ctx, Invalid, "poll", "poll.duration_invalid")
	}
	return p, nil
}

// VoteURI is the id of voter's vote for one option of a poll elsewhere:
// the Note other servers receive.
func (s *Service) VoteURI(voter storage.User, pollID storage.ID, choice int) string {
	return s.UserURI(voter.Username) + "#votes/" + pollID.String() + "/" + strconv.Itoa(choice)
}

// ParseVoteURI reads back what VoteURI wrote: the voter's name, the poll
// and the choice.
func (s *Service) ParseVoteURI(uri string) (name string, pollID storage.ID, choice int, ok bool) {
	rest, found := strings.CutPrefix(uri, s.cfg.BaseURL+"/users/")
	if !found {
		return "", 0, 0, false
	}
	name, rest, found = strings.Cut(rest, "#votes/")
	if !found {
		return "", 0, 0, false
	}
	idText, choiceText, found := strings.Cut(rest, "/")
	id, err := storage.ParseID(idText)
	c, cerr := strconv.Atoi(choiceText)
	if !found || err != nil || cerr != nil || c < 0 {
		return "", 0, 0, false
	}
	return name, id, c, true
}

// Vote records voter's vote in the poll of post postID: the options
// chosen, by index. A poll of another server hears of it (one Note per
// option, to its author only); the voters elsewhere of a poll here hear
// the new counts. It refuses a poll that ended (Conflict), a second vote
// (Conflict: a vote is final), a vote on one's own poll (Forbidden), and
// choices out of range or several in a single-choice poll (Invalid). It
// returns the post as the voter now sees it.
func (s *Service) Vote(ctx context.Context, voter storage.User, postID storage.ID, choices []int) (storage.Entry, error) {
	e, err := s.db.Post(voter.ID, postID)
	if err != nil {
		return e, interactionRefusal(ctx, err)
	}
	if e.Post.Poll == nil {
		return e, refuse(ctx, NotFound, "", "poll.none")
	}
	var out []storage.Activity
	if !e.Post.Local {
		for _, c := range choices {
			out = append(out, storage.Activity{Type: storage.ActivityCreate, ActorID: voter.ID,
				Object: s.VoteURI(voter, postID, c), PostID: postID, To: []storage.ID{e.Post.AuthorID}})
		}
	} else {
		out = append(out, updatePostActivity(e.Post))
	}
	_, err = s.db.Vote(postID, voter.ID, choices, s.cfg.Now(), out...)
	if err != nil {
		return e, voteRefusal(ctx, err)
	}
	return s.db.Post(voter.ID, postID)
}

// voteRefusal says why storage refused a vote.
func voteRefusal(ctx context.Context, err error) error {
	var r *Error
	switch {
	case errors.Is(err, storage.ErrClosed):
		r = refuse(ctx, Conflict, "", "poll.closed")
	case errors.Is(err, storage.ErrExists):
		r = refuse(ctx, Conflict, "", "poll.voted_already")
	case errors.Is(err, storage.ErrForbidden):
		r = refuse(ctx, Forbidden, "", "poll.own")
	case errors.Is(err, storage.ErrInvalid):
		r = refuse(ctx, Invalid, "choices", "poll.choose")
	default:
		return interactionRefusal(ctx, err)
	}
	r.Err = err
	return r
}

// ReceiveVote counts a remote account's vote for the option named name in
// a poll here (another server sends one per option). The poll's other
// voters elsewhere hear the new counts.
func (s *Service) ReceiveVote(ctx context.Context, voter storage.User, poll storage.Post, name string) error {
	if poll.Poll == nil || !poll.Local {
		return refuse(ctx, Invalid, "", "poll.none")
	}
	i := slices.IndexFunc(poll.Poll.Options, func(o storage.PollOption) bool { return o.Title == strings.TrimSpace(name) })
	if i < 0 {
		return refuse(ctx, Invalid, "choices", "poll.choose")
	}
	_, err := s.db.Vote(poll.ID, voter.ID, []int{i}, s.cfg.Now(), updatePostActivity(poll))
	if err != nil {
		return voteRefusal(ctx, err)
	}
	return nil
}

// EndPolls announces the polls that ended by now: their authors and
// voters here are notified, and the final counts of a poll here go to
// the servers that saw it. It returns how many it announced.
func (s *Service) EndPolls(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	n := 0
	for {
		due, err := s.db.DuePolls(now, 100)
		if err != nil || len(due) == 0 {
			return n, err
		}
		for _, id := range due {
			p, err := s.db.PostByID(id)
			if err != nil {
				return n, err
			}
			ended, err := s.db.EndPoll(id, now, updatePostActivity(p))
			if err != nil {
				return n, err
			}
			if ended {
				n++
			}
		}
		if ctx.Err() != nil || len(due) < 100 {
			return n, ctx.Err()
		}
	}
}

// receivePollCounts takes the counts of a remote poll from its server's
// latest version of it.
func (s *Service) receivePollCounts(p storage.Post, sent *storage.Poll) error {
	votes := make([]int, len(sent.Options))
	for i, o := range sent.Options {
		votes[i] = o.Votes
	}
	var closed time.Time
	if sent.Ended {
		closed = s.cfg.Now()
	}
	if !sent.EndsAt.IsZero() && sent.EndsAt.Before(s.cfg.Now()) {
		closed = sent.EndsAt
	}
	return s.db.SetRemotePollCounts(p.ID, votes, sent.Voters, closed)
}

// PollInterval is how often RunPolls looks for polls that ended.
const PollInterval = 30 * time.Second

// RunPolls announces ended polls until ctx is done (EndPolls every
// PollInterval); pages show a poll past its end as closed before that.
func (s *Service) RunPolls(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		if _, err := s.EndPolls(ctx); err != nil && ctx.Err() == nil && log != nil {
			log.Error("polls: announcing ended polls", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PollDurationLabel names a poll's length for the compose box's choices.
func PollDurationLabel(ctx context.Context, d time.Duration) string {
	switch {
	case d < time.Hour:
		return i18n.N(ctx, "poll.minutes", int(d/time.Minute))
	case d < 24*time.Hour:
		return i18n.N(ctx, "poll.hours", int(d/time.Hour))
	}
	return i18n.N(ctx, "poll.days", int(d/(24*time.Hour)))
}
