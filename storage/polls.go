package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Polls. A poll is part of its post (Post.Poll): the options with their
// counts, single or multiple choice, and when it ends. Each vote is kept
// under poll_votes (postID | voterID => the chosen options, one byte
// each) with its mirror user_votes (voterID | postID), so a member sees
// what they chose and their votes go with their account; poll_ends
// (end time | postID) lists the polls whose end has not been announced
// yet, for the scheduled pass (DuePolls, EndPoll).
//
// A remote poll's counts are its server's: an Update of the Question
// replaces them. A local member's vote on it is counted here at once (so
// the page they see agrees with what they did) and sent to its server.

// ErrClosed: the poll takes no more votes.
var ErrClosed = errors.New("poll closed")

// Poll bounds.
const (
	MinPollOptions = 2
	// DefaultPollOptions is the most options a poll may have on an
	// instance whose admins did not choose (InstanceSettings.PollOptions).
	DefaultPollOptions = 4
	// MaxPollOptionsLimit bounds what admins may allow.
	MaxPollOptionsLimit = 10
	// MaxRemotePollOptions bounds the options kept of a remote poll.
	MaxRemotePollOptions = 20
	// MaxPollOptionChars is the longest option, in characters.
	MaxPollOptionChars = 50
	MinPollDuration    = 5 * time.Minute
	MaxPollDuration    = 7 * 24 * time.Hour
)

// Poll is a post's question.
type Poll struct {
	Options  []PollOption `json:"options"`
	Multiple bool         `json:"multiple,omitempty"`
	EndsAt   time.Time    `json:"ends_at"`
	// Voters counts the accounts that voted (a multiple-choice poll has
	// more votes than voters).
	Voters int `json:"voters,omitempty"`
	// Ended is set once the end was announced (notifications sent, the
	// final counts sent to other servers); a poll past EndsAt is closed
	// whether or not that happened yet.
	Ended bool `json:"ended,omitempty"`
}

// PollOption is one answer of a poll and the votes it has.
type PollOption struct {
	Title string `json:"title"`
	Votes int    `json:"votes,omitempty"`
}

// clone is a copy that shares nothing with p (nil for nil).
func (p *Poll) clone() *Poll {
	if p == nil {
		return nil
	}
	c := *p
	c.Options = slices.Clone(p.Options)
	return &c
}

// Closed tells whether the poll takes no more votes at now.
func (p *Poll) Closed(now time.Time) bool { return p.Ended || !now.Before(p.EndsAt) }

// TotalVotes is the sum of the options' votes.
func (p *Poll) TotalVotes() int {
	n := 0
	for _, o := range p.Options {
		n += o.Votes
	}
	return n
}

// checkPoll refuses a poll without two named options, with more than max,
// or without an end.
func checkPoll(p *Poll, max int) error {
	if len(p.Options) < MinPollOptions || len(p.Options) > max || p.EndsAt.IsZero() {
		return fmt.Errorf("poll of %d options: %w", len(p.Options), ErrInvalid)
	}
	for _, o := range p.Options {
		if o.Title == "" {
			return fmt.Errorf("poll option without a title: %w", ErrInvalid)
		}
	}
	return nil
}

func pollEndKey(at time.Time, postID ID) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(max(at.UnixMilli(), 0)))
	copy(k[8:], idKey(postID))
	return k
}

// startPoll checks a new post's poll and lists its end (createPost).
func startPoll(tx *bolt.Tx, p *Post) error {
	if p.Poll == nil {
		return nil
	}
	limit := MaxPollOptionsLimit
	if !p.Local {
		limit = MaxRemotePollOptions
	}
	if err := checkPoll(p.Poll, limit); err != nil {
		return err
	}
	p.Poll.Ended = false
	if p.Local {
		// A new poll has no votes (another server's come with its
		// counts, as it sent them).
		p.Poll.Voters = 0
		for i := range p.Poll.Options {
			p.Poll.Options[i].Votes = 0
		}
	}
	return tx.Bucket(bucketPollEnds).Put(pollEndKey(p.Poll.EndsAt, p.ID), nil)
}

// dropPoll removes a deleted post's votes and end (deletePost).
func dropPoll(tx *bolt.Tx, p *Post) error {
	if p.Poll == nil {
		return nil
	}
	if err := tx.Bucket(bucketPollEnds).Delete(pollEndKey(p.Poll.EndsAt, p.ID)); err != nil {
		return err
	}
	var keys [][]byte
	forPrefix(tx.Bucket(bucketPollVotes), idKey(p.ID), func(k, _ []byte) { keys = append(keys, bytes.Clone(k)) })
	for _, k := range keys {
		if err := deleteKeys(tx, bucketPollVotes, k, bucketUserVotes, pairKey(keyID(k, 8), p.ID)); err != nil {
			return err
		}
	}
	return nil
}

// dropVotes takes back a leaving account's votes, with the counts they
// made (deleteUser).
func dropVotes(tx *bolt.Tx, userID ID) error {
	var keys [][]byte
	forPrefix(tx.Bucket(bucketUserVotes), idKey(userID), func(k, _ []byte) { keys = append(keys, bytes.Clone(k)) })
	for _, k := range keys {
		postID := keyID(k, 8)
		choices := bytes.Clone(tx.Bucket(bucketPollVotes).Get(pairKey(postID, userID)))
		if err := deleteKeys(tx, bucketUserVotes, k, bucketPollVotes, pairKey(postID, userID)); err != nil {
			return err
		}
		p, err := getPost(tx, postID)
		if err != nil || p.Poll == nil {
			continue
		}
		for _, c := range choices {
			if int(c) < len(p.Poll.Options) {
				p.Poll.Options[c].Votes = max(p.Poll.Options[c].Votes-1, 0)
			}
		}
		p.Poll.Voters = max(p.Poll.Voters-1, 0)
		if err := putPost(tx, &p); err != nil {
			return err
		}
	}
	return nil
}

// pollChoices are the options voterID chose in poll postID, nil when they
// did not vote.
func pollChoices(tx *bolt.Tx, postID, voterID ID) []int {
	v := tx.Bucket(bucketPollVotes).Get(pairKey(postID, voterID))
	if v == nil {
		return nil
	}
	out := make([]int, 0, len(v))
	for _, c := range v {
		out = append(out, int(c))
	}
	return out
}

// Vote records voterID's vote in the poll of post postID at now: the
// options chosen (indexes, at least one, one only in a single-choice
// poll), counted in one transaction with the activities in out. It
// refuses a post without a poll or a choice out of range (ErrInvalid), a
// poll that has closed (ErrClosed), a vote on one's own poll or a poll
// the voter may not see or across a block (ErrForbidden, ErrNotFound for
// a post they may not see), and a second vote (ErrExists): a vote is not
// changed. A remote account's server sends one vote per option of a
// multiple-choice poll: those add to its vote (a repeated option is
// ErrExists). It returns the post as it stands after the vote.
func (db *DB) Vote(postID, voterID ID, choices []int, now time.Time, out ...Activity) (Post, error) {
	if err := db.stampActivities(out); err != nil {
		return Post{}, fmt.Errorf("vote: %w", err)
	}
	var stored Post
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if p.Poll == nil || len(choices) == 0 {
			return fmt.Errorf("post %d: no poll or no choice: %w", postID, ErrInvalid)
		}
		if p.Poll.Closed(now) {
			return fmt.Errorf("poll %d: %w", postID, ErrClosed)
		}
		if p.AuthorID == voterID {
			return fmt.Errorf("vote on one's own poll: %w", ErrForbidden)
		}
		if !newViewer(tx, voterID).canSee(tx, &p) {
			return fmt.Errorf("poll %d: %w", postID, ErrNotFound)
		}
		if blockedEitherWay(tx, voterID, p.AuthorID) {
			return fmt.Errorf("poll %d: %w", postID, ErrForbidden)
		}
		seen := map[int]bool{}
		for _, c := range choices {
			if c < 0 || c >= len(p.Poll.Options) || seen[c] {
				return fmt.Errorf("choice %d: %w", c, ErrInvalid)
			}
			seen[c] = true
		}
		if !p.Poll.Multiple && len(choices) > 1 {
			return fmt.Errorf("several choices in a single-choice poll: %w", ErrInvalid)
		}
		old := pollChoices(tx, postID, voterID)
		if old != nil {
			if !p.Poll.Multiple || !isRemote(tx, voterID) {
				return fmt.Errorf("vote in poll %d: %w", postID, ErrExists)
			}
			for _, c := range choices {
				if slices.Contains(old, c) {
					return fmt.Errorf("vote in poll %d: %w", postID, ErrExists)
				}
			}
		} else {
			p.Poll.Voters++
		}
		all := slices.Concat(old, choices)
		v := make([]byte, len(all))
		for i, c := range all {
			v[i] = byte(c)
		}
		for _, c := range choices {
			p.Poll.Options[c].Votes++
		}
		if err := tx.Bucket(bucketPollVotes).Put(pairKey(postID, voterID), v); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUserVotes).Put(pairKey(voterID, postID), nil); err != nil {
			return err
		}
		if err := putPost(tx, &p); err != nil {
			return err
		}
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		stored = p
		return nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("vote: %w", err)
	}
	return stored, nil
}

// PollChoices are the options voterID chose in the poll of postID, nil
// when they did not vote.
func (db *DB) PollChoices(postID, voterID ID) ([]int, error) {
	var out []int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		out = pollChoices(tx, postID, voterID)
		return nil
	})
	return out, err
}

// PollVoters lists the accounts that voted in the poll of postID.
func (db *DB) PollVoters(postID ID) ([]ID, error) {
	var out []ID
	err := db.bolt.View(func(tx *bolt.Tx) error {
		forPrefix(tx.Bucket(bucketPollVotes), idKey(postID), func(k, _ []byte) { out = append(out, keyID(k, 8)) })
		return nil
	})
	return out, err
}

// SetRemotePollCounts replaces the counts of a remote poll with those
// its server sent (an Update of the Question): votes per option, in
// order, and voters (negative: unknown, kept). A closed poll's end is
// moved to closedAt when that is earlier. Counts of another shape (the
// options changed) are ignored.
func (db *DB) SetRemotePollCounts(postID ID, votes []int, voters int, closedAt time.Time) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if p.Local || p.Poll == nil || len(votes) != len(p.Poll.Options) {
			return nil
		}
		for i, n := range votes {
			p.Poll.Options[i].Votes = max(n, 0)
		}
		if voters >= 0 {
			p.Poll.Voters = voters
		}
		if !closedAt.IsZero() && closedAt.Before(p.Poll.EndsAt) && !p.Poll.Ended {
			if err := tx.Bucket(bucketPollEnds).Delete(pollEndKey(p.Poll.EndsAt, p.ID)); err != nil {
				return err
			}
			p.Poll.EndsAt = closedAt
			if err := tx.Bucket(bucketPollEnds).Put(pollEndKey(p.Poll.EndsAt, p.ID), nil); err != nil {
				return err
			}
		}
		return putPost(tx, &p)
	})
}

// DuePolls lists up to limit polls that ended by now and whose end was
// not announced yet, the earliest first.
func (db *DB) DuePolls(now time.Time, limit int) ([]ID, error) {
	var out []ID
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPollEnds).Cursor()
		until := uint64(max(now.UnixMilli(), 0))
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) != 16 || binary.BigEndian.Uint64(k) > until {
				break
			}
			out = append(out, keyID(k, 8))
		}
		return nil
	})
	return out, err
}

// EndPoll announces the end of the poll of postID, once: the poll is
// marked ended, its author (when a member here) and the members who voted
// are notified, and the activities in out (the final counts, for a local
// poll) are queued, in one transaction. A poll not due yet at now, or
// announced already, is left alone (false).
func (db *DB) EndPoll(postID ID, now time.Time, out ...Activity) (bool, error) {
	if err := db.stampActivities(out); err != nil {
		return false, fmt.Errorf("end poll: %w", err)
	}
	ended := false
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := getPost(tx, postID)
		if err != nil {
			return err
		}
		if p.Poll == nil || p.Poll.Ended || now.Before(p.Poll.EndsAt) {
			return nil
		}
		if err := tx.Bucket(bucketPollEnds).Delete(pollEndKey(p.Poll.EndsAt, p.ID)); err != nil {
			return err
		}
		p.Poll.Ended = true
		if err := putPost(tx, &p); err != nil {
			return err
		}
		if !isRemote(tx, p.AuthorID) {
			// notify leaves out what one does oneself: the author hears
			// of their own poll here.
			if err := putNote(tx, p.AuthorID, NotePoll, p.AuthorID, p.ID, db.ids.Next(db.now())); err != nil {
				return err
			}
		}
		var voters []ID
		forPrefix(tx.Bucket(bucketPollVotes), idKey(p.ID), func(k, _ []byte) { voters = append(voters, keyID(k, 8)) })
		for _, v := range voters {
			if err := notify(tx, v, NotePoll, p.AuthorID, p.ID, db.ids.Next(db.now())); err != nil {
				return err
			}
		}
		if p.Local {
			if err := recordOutgoing(tx, out); err != nil {
				return err
			}
		}
		ended = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("end poll: %w", err)
	}
	return ended, nil
}

// isVoteOf tells whether a Create is a vote: about a post of another
// account (a member's own post is the only other thing it creates).
func isVoteOf(tx *bolt.Tx, a *Activity) bool {
	p, err := getPost(tx, a.PostID)
	return err == nil && p.AuthorID != a.ActorID && p.Poll != nil
}

// pollVoterAccounts adds to accounts the voters of a post's poll: an
// Update of a poll reaches the servers that voted (deliveryTargets).
func pollVoterAccounts(tx *bolt.Tx, postID ID, accounts []ID) []ID {
	forPrefix(tx.Bucket(bucketPollVotes), idKey(postID), func(k, _ []byte) { accounts = append(accounts, keyID(k, 8)) })
	return accounts
}
