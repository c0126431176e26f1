package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"majlis/social"
	"majlis/storage"
)

// Polls in ActivityPub, as Mastodon and its peers write them: a poll is a
// Question whose answers are in oneOf (one choice) or anyOf (several),
// each a Note with a name and its count in replies.totalItems, with
// endTime, closed once ended, and votersCount. A vote is a Create of a
// Note whose name is the answer chosen and whose inReplyTo is the
// Question, addressed to the poll's author alone; several answers are
// several Notes. Such a Note is a vote, never a reply.

// pollOptionJSON is one answer of a Question.
type pollOptionJSON struct {
	Type    string          `json:"type"`
	Name    string          `json:"name"`
	Replies pollRepliesJSON `json:"replies"`
}

type pollRepliesJSON struct {
	Type       string `json:"type"`
	TotalItems int    `json:"totalItems"`
}

// questionFields are what a Question adds to a Note (noteJSON embeds
// them).
type questionFields struct {
	OneOf       []pollOptionJSON `json:"oneOf,omitempty"`
	AnyOf       []pollOptionJSON `json:"anyOf,omitempty"`
	EndTime     string           `json:"endTime,omitempty"`
	Closed      string           `json:"closed,omitempty"`
	VotersCount *int             `json:"votersCount,omitempty"`
}

// question makes a local post's Note a Question when it has a poll.
func (c *Converter) question(n *noteJSON, p storage.Post) {
	poll := p.Poll
	if poll == nil {
		return
	}
	n.Type = "Question"
	opts := make([]pollOptionJSON, 0, len(poll.Options))
	for _, o := range poll.Options {
		opts = append(opts, pollOptionJSON{Type: "Note", Name: o.Title, Replies: pollRepliesJSON{Type: "Collection", TotalItems: o.Votes}})
	}
	if poll.Multiple {
		n.AnyOf = opts
	} else {
		n.OneOf = opts
	}
	n.EndTime = stamp(poll.EndsAt)
	if poll.Closed(c.now()) {
		n.Closed = n.EndTime
	}
	voters := poll.Voters
	n.VotersCount = &voters
}

// isVote tells whether an outbox Create is a member's vote in a poll of
// another server (social.Vote names it with VoteURI).
func (c *Converter) isVote(a storage.Activity) bool {
	return a.Type == storage.ActivityCreate && strings.Contains(a.Object, "#votes/")
}

// voteNoteJSON is a vote, as the Note a poll's server receives.
type voteNoteJSON struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"`
	Name         string   `json:"name"`
	AttributedTo string   `json:"attributedTo"`
	To           []string `json:"to"`
	InReplyTo    string   `json:"inReplyTo"`
}

// vote renders a member's vote for one answer of a remote poll.
func (c *Converter) vote(a storage.Activity, out *activityJSON) (*activityJSON, error) {
	p, err := c.post(a)
	if err != nil {
		return nil, err
	}
	if p.Poll == nil || p.Local {
		return nil, fmt.Errorf("vote of activity %d: post %d is not a remote poll: %w", a.ID, p.ID, storage.ErrInvalid)
	}
	i := strings.LastIndex(a.Object, "/")
	var choice int
	if _, err := fmt.Sscan(a.Object[i+1:], &choice); err != nil || choice < 0 || choice >= len(p.Poll.Options) {
		return nil, fmt.Errorf("vote of activity %d: choice %q: %w", a.ID, a.Object[i+1:], storage.ErrInvalid)
	}
	author, err := c.uriOf(p.AuthorID)
	if err != nil {
		return nil, err
	}
	if author == "" {
		return nil, fmt.Errorf("poll author of activity %d: %w", a.ID, ErrGone)
	}
	out.ID = a.Object + "/activity"
	out.To = []string{author}
	out.Published = stamp(a.CreatedAt)
	out.Object = voteNoteJSON{ID: a.Object, Type: "Note", Name: p.Poll.Options[choice].Title,
		AttributedTo: out.Actor, To: []string{author}, InReplyTo: p.URI}
	return out, nil
}

// receiveVote takes in a Create of a Note that answers a poll here: a
// vote, counted and never stored as a reply. It reports false when the
// Note is not a vote (an ordinary reply, stored as usual).
func (in *Inbox) receiveVote(ctx context.Context, actor storage.User, o *Object) (bool, error) {
	name, parent := o.DisplayName(), o.InReplyTo.First()
	if name == "" || parent == "" || !o.Type.Is("Note") || !in.URIs.IsLocal(parent) {
		return false, nil
	}
	poll, err := in.Social.PostByURI(parent)
	if err != nil || poll.Poll == nil {
		return false, nil
	}
	if strings.TrimSpace(o.Text()) != "" && !isAddressedOnlyTo(o, poll, in) {
		return false, nil // a reply with a title, not a vote
	}
	err = in.Social.ReceiveVote(ctx, actor, poll, name)
	if k := social.KindOf(err); k == social.Conflict || k == social.Invalid {
		// A vote repeated, too late, or for no answer: nothing to do,
		// and nothing the sender can change by trying again.
		in.logger().Info("federation: vote not counted", "actor", actor.URI, "poll", parent, "err", err)
		return true, nil
	}
	return true, err
}

// isAddressedOnlyTo tells whether a Note is addressed to the poll's
// author alone, as votes are.
func isAddressedOnlyTo(o *Object, poll storage.Post, in *Inbox) bool {
	to := o.Addressed()
	if len(to) != 1 {
		return false
	}
	author, err := in.DB.UserByID(poll.AuthorID)
	return err == nil && to[0] == in.URIs.Actor(author.Username)
}

// pollOf reads a Question's poll, with the counts its server sent; nil
// when it has fewer than two answers or no end.
func pollOf(o *Object) *storage.Poll {
	if !o.Type.Is("Question") {
		return nil
	}
	p := &storage.Poll{Multiple: len(o.AnyOf) > 0, EndsAt: o.EndTime.Time}
	opts := o.OneOf
	if p.Multiple {
		opts = o.AnyOf
	}
	for i, c := range opts {
		if i == storage.MaxRemotePollOptions {
			break
		}
		title := social.Clip(strings.TrimSpace(c.DisplayName()), 200)
		if title == "" {
			return nil
		}
		p.Options = append(p.Options, storage.PollOption{Title: title, Votes: max(c.Replies.TotalItems, 0)})
	}
	if !o.Closed.IsZero() {
		if p.EndsAt.IsZero() || o.Closed.Before(p.EndsAt) {
			p.EndsAt = o.Closed.Time
		}
		p.Ended = true
	}
	p.Voters = max(o.VotersCount, 0)
	if len(p.Options) < storage.MinPollOptions || p.EndsAt.IsZero() {
		return nil
	}
	return p
}

// Counted is a collection's size as another server writes it (an
// answer's replies): an embedded collection with totalItems; anything
// else (a bare IRI) counts nothing.
type Counted struct {
	TotalItems int
}

// UnmarshalJSON reads totalItems, and never fails: a shape it does not
// know counts nothing.
func (c *Counted) UnmarshalJSON(b []byte) error {
	var v struct {
		TotalItems int `json:"totalItems"`
	}
	if json.Unmarshal(b, &v) == nil {
		c.TotalItems = v.TotalItems
	}
	return nil
}
