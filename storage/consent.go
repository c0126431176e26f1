package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// A member's choice about AI training on their content (User.AITraining).
// The choice that applies is the strictest of the instance's and the
// member's: see AllowsAITraining.
const (
	// AITrainingInherit follows the instance's policy (the default).
	AITrainingInherit = ""
	// AITrainingNo reserves the member's content whatever the instance says.
	AITrainingNo = "no"
	// AITrainingYes allows it, where the instance allows it.
	AITrainingYes = "yes"
)

// ValidAITraining tells whether s is one of the three choices.
func ValidAITraining(s string) bool {
	return s == AITrainingInherit || s == AITrainingNo || s == AITrainingYes
}

// AllowsAITraining tells whether u's content may be used to train AI
// models, given whether the instance allows it: only when both do (a
// member who inherits follows the instance).
//
// A remote account has no choice stored here: its own server's signals
// speak for it (XRobotsTag, ContentUsage, which federation stores). Its
// content is reserved unless those signals allow training in so many
// words: silence from another server is not consent.
func (u User) AllowsAITraining(instanceAllows bool) bool {
	if u.Domain != "" {
		return instanceAllows && SignalsAllowAI(u.XRobotsTag, u.ContentUsage)
	}
	return instanceAllows && u.AITraining != AITrainingNo
}

// SignalsAllowAI reads consent signals as another server publishes them:
// AI training is allowed only when contentUsage says "train-ai=y" and
// X-Robots-Tag reserves nothing ("noai", "noimageai").
func SignalsAllowAI(xRobotsTag, contentUsage string) bool {
	if hasToken(xRobotsTag, "noai") || hasToken(xRobotsTag, "noimageai") {
		return false
	}
	cu := strings.ToLower(strings.ReplaceAll(contentUsage, " ", ""))
	return strings.Contains(cu, "train-ai=y")
}

// NoIndexSignal tells whether an X-Robots-Tag value asks not to be
// indexed.
func NoIndexSignal(xRobotsTag string) bool {
	return hasToken(xRobotsTag, "noindex") || hasToken(xRobotsTag, "none")
}

// hasToken tells whether a comma-separated list holds a token, in any
// case.
func hasToken(list, token string) bool {
	for t := range strings.SplitSeq(list, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// BotContactError is the refusal of a mention or a reply from a bot to a
// member who does not accept them (User.NoBotContact). It is ErrForbidden
// to errors.Is.
type BotContactError struct{ Username string }

func (e *BotContactError) Error() string {
	return "@" + e.Username + " does not accept mentions or replies from bots"
}

// Is makes a BotContactError match ErrForbidden.
func (e *BotContactError) Is(target error) bool { return target == ErrForbidden }

// botContact refuses (a *BotContactError) a mention of or a reply to
// target by author when author is a bot and target refuses bots.
func botContact(tx *bolt.Tx, author, target ID) error {
	if author == target {
		return nil
	}
	a, err := getUser(tx, author)
	if err != nil || !a.Bot {
		return err
	}
	t, err := getUser(tx, target)
	if err != nil {
		return err
	}
	if t.NoBotContact {
		return &BotContactError{Username: t.Username}
	}
	return nil
}

// filterBots makes the builder leave out bots' posts when its viewer
// chose to hide them (User.HideBots): for the home, local and tag
// timelines only; profiles and permalinks show everything.
func (b *builder) filterBots() {
	if b.v.id == 0 {
		return
	}
	if u, err := b.user(b.v.id); err == nil && u.HideBots {
		b.hideBots = true
	}
}

// isHiddenBot tells whether the builder leaves out the posts of account
// id because it is a bot (see filterBots). The viewer's own posts stay.
func (b *builder) isHiddenBot(id ID) bool {
	if !b.hideBots || id == b.v.id {
		return false
	}
	u, err := b.user(id)
	return err == nil && u.Bot
}

// AITrainingOptOuts lists, sorted, the usernames of the local members who
// reserve their content from AI training (AITrainingNo): what robots.txt
// and tdmrep.json name when the instance allows training. It reads every
// account.
func (db *DB) AITrainingOptOuts() ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
			var peek struct {
				Username   string `json:"username"`
				Domain     string `json:"domain"`
				AITraining string `json:"ai_training"`
			}
			if json.Unmarshal(v, &peek) == nil && peek.Domain == "" && peek.AITraining == AITrainingNo {
				out = append(out, peek.Username)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("AI training opt-outs: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// MediaOwners lists the accounts whose content a stored file is: the
// members whose avatar or header it is, the authors of the posts it is
// attached to, and the members whose pending upload it is. A file nobody
// uses has no owners.
func (db *DB) MediaOwners(hash string) ([]User, error) {
	var out []User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		seen := map[ID]bool{}
		add := func(id ID) {
			if seen[id] {
				return
			}
			seen[id] = true
			if u, err := getUser(tx, id); err == nil {
				out = append(out, u)
			}
		}
		prefix := []byte(hash)
		c := tx.Bucket(bucketMediaProfiles).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) == len(prefix)+9 {
				add(keyID(k, len(prefix)))
			}
		}
		c = tx.Bucket(bucketMediaPosts).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				continue
			}
			if p, err := getPost(tx, keyID(k, len(prefix))); err == nil {
				add(p.AuthorID)
			}
		}
		c = tx.Bucket(bucketMediaUploads).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) == len(prefix)+8 {
				add(keyID(k, len(prefix)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("media owners: %w", err)
	}
	return out, nil
}
