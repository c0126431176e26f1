package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// NoteKind is what a notification is about.
type NoteKind string

// Notification kinds.
const (
	NoteMention       NoteKind = "mention"
	NoteReply         NoteKind = "reply"
	NoteLike          NoteKind = "like"
	NoteRepost        NoteKind = "repost"
	NoteFollow        NoteKind = "follow"
	NoteFollowRequest NoteKind = "follow_request"
	// NotePoll: a poll the member wrote or voted in has ended (polls.go).
	NotePoll NoteKind = "poll"
	// NoteMove: an account the member followed moved, and the follow
	// moved with it (moves.go); the actor is the account that moved.
	NoteMove NoteKind = "move"
	// NoteQuote: someone quoted the member's post (quotes.go).
	NoteQuote NoteKind = "quote"
)

// Notification tells a user that someone did something that concerns
// them. It is stored under userID | ID.
type Notification struct {
	ID      ID       `json:"id"`
	Kind    NoteKind `json:"kind"`
	ActorID ID       `json:"actor"`
	PostID  ID       `json:"post,omitempty"`
	// Subject is what a staff notification is about: the report's ID
	// (staffnotes.go).
	Subject ID `json:"subject,omitempty"`
}

// notify stores a notification for user, unless the actor is the user, a
// block stands between them, or the user is a remote account.
func notify(tx *bolt.Tx, userID ID, kind NoteKind, actorID, postID, noteID ID) error {
	if userID == actorID || blockedEitherWay(tx, userID, actorID) || isRemote(tx, userID) {
		// A remote account reads its notifications on its own server.
		return nil
	}
	return putNote(tx, userID, kind, actorID, postID, noteID)
}

// putNote stores a notification as it is, whoever it concerns.
func putNote(tx *bolt.Tx, userID ID, kind NoteKind, actorID, postID, noteID ID) error {
	v, err := json.Marshal(Notification{ID: noteID, Kind: kind, ActorID: actorID, PostID: postID})
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketNotes).Put(pairKey(userID, noteID), v); err != nil {
		return err
	}
	emit(tx, Event{Kind: NotificationCreated, UserID: userID, NoteID: noteID, PostID: postID})
	return nil
}

// NoteEntry is a notification as the page shows it.
type NoteEntry struct {
	Notification
	Actor User
	// Post is the post concerned, when there is one.
	Post *Entry
}

// NotePage is one page of notifications, newest first.
type NotePage struct {
	Notes []NoteEntry
	Next  ID
}

// Notifications lists the user's notifications, newest first, leaving out
// those from accounts they blocked or muted and those about posts that are
// gone or that they may no longer see.
func (db *DB) Notifications(userID ID, page Page) (NotePage, error) {
	var np NotePage
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := newBuilder(tx, userID)
		notes := tx.Bucket(bucketNotes)
		next := walker(notes.Cursor(), idKey(userID), page.Before, 8)
		var last ID
		for scanned := 0; ; scanned++ {
			id, ok := next()
			if !ok {
				break
			}
			if scanned >= limit*scanFactor {
				// Scanned enough hidden ones: stop short, carry on later.
				np.Next = last
				break
			}
			last = id
			ne, ok, err := b.note(notes.Get(pairKey(userID, id)))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if len(np.Notes) == limit {
				// One more to show: there is an older page.
				np.Next = np.Notes[limit-1].ID
				break
			}
			np.Notes = append(np.Notes, ne)
		}
		return nil
	})
	return np, err
}

// note decodes a stored notification and checks it is still to be shown.
func (b *builder) note(v []byte) (NoteEntry, bool, error) {
	var n Notification
	if err := json.Unmarshal(v, &n); err != nil {
		return NoteEntry{}, false, nil
	}
	if staffNote(n.Kind) {
		if staffNoteDone(b.tx, n) {
			return NoteEntry{}, false, nil
		}
	} else if b.v.hides(n.ActorID) || b.hidesDomainOf(n.ActorID) {
		return NoteEntry{}, false, nil
	}
	actor, err := b.user(n.ActorID)
	if err != nil {
		return NoteEntry{}, false, nil
	}
	ne := NoteEntry{Notification: n, Actor: *actor}
	if n.PostID != 0 {
		p, err := getPost(b.tx, n.PostID)
		if err != nil {
			return NoteEntry{}, false, nil
		}
		e, ok, err := b.entry(p, false)
		if err != nil || !ok {
			return NoteEntry{}, false, err
		}
		ne.Post = &e
	}
	if n.Kind == NoteFollowRequest && b.tx.Bucket(bucketRequests).Get(pairKey(b.v.id, n.ActorID)) == nil {
		// Answered already.
		return NoteEntry{}, false, nil
	}
	return ne, true, nil
}

// UnreadNotifications counts the notifications newer than the last time
// the user opened the page, up to max (a badge shows "max+").
func (db *DB) UnreadNotifications(userID ID, max int) (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		// A badge runs on every page: check only what can hide a
		// notification cheaply (a hidden actor, a deleted post, an
		// answered request), without building the entries.
		v := newViewer(tx, userID)
		notes, posts, requests := tx.Bucket(bucketNotes), tx.Bucket(bucketPosts), tx.Bucket(bucketRequests)
		authorPosts := tx.Bucket(bucketAuthorPosts)
		next := walker(notes.Cursor(), idKey(userID), 0, 8)
		for scanned := 0; n < max && scanned < max*scanFactor; scanned++ {
			id, ok := next()
			if !ok || id <= u.NotesReadTo {
				break
			}
			var note Notification
			if json.Unmarshal(notes.Get(pairKey(userID, id)), &note) != nil {
				continue
			}
			if staffNote(note.Kind) {
				if !staffNoteDone(tx, note) {
					n++
				}
				continue
			}
			if v.hides(note.ActorID) {
				continue
			}
			if len(v.domains) > 0 {
				if actor, err := getUser(tx, note.ActorID); err != nil || v.blocksDomain(actor.Domain) {
					continue
				}
			}
			if note.PostID != 0 {
				raw := posts.Get(idKey(note.PostID))
				if raw == nil {
					continue
				}
				// Mentions and replies may be followers-only or direct:
				// only those are decoded to check the user may see them.
				if note.Kind == NoteMention || note.Kind == NoteReply {
					if m := decodeMeta(authorPosts.Get(pairKey(note.ActorID, note.PostID))); m.vis == FollowersOnly || m.vis == Direct {
						var p Post
						if json.Unmarshal(raw, &p) != nil || !v.canSee(tx, &p) {
							continue
						}
					}
				}
			}
			if note.Kind == NoteFollowRequest && requests.Get(pairKey(userID, note.ActorID)) == nil {
				continue
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("unread notifications: %w", err)
	}
	return n, nil
}

// MarkNotificationsRead records that the user has seen every notification
// up to upTo, the newest one shown to them (0: the newest there is), so one
// that arrives while the page renders stays unread.
func (db *DB) MarkNotificationsRead(userID, upTo ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketNotes).Cursor()
		k := seekBefore(c, idKey(userID), 0)
		if k == nil || keyID(k, 0) != userID {
			return nil
		}
		newest := keyID(k, 8)
		if upTo != 0 && upTo < newest {
			newest = upTo
		}
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if u.NotesReadTo >= newest {
			return nil
		}
		u.NotesReadTo = newest
		return putUser(tx, &u)
	})
	if err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}

// Notification returns one of the user's notifications as Notifications
// would show it; ErrNotFound when there is none or the list leaves it out
// (a blocked actor, a post gone or hidden, a request answered).
func (db *DB) Notification(userID, id ID) (NoteEntry, error) {
	var ne NoteEntry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketNotes).Get(pairKey(userID, id))
		if v == nil {
			return fmt.Errorf("notification %d: %w", id, ErrNotFound)
		}
		var ok bool
		var err error
		ne, ok, err = newBuilder(tx, userID).note(v)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("notification %d: %w", id, ErrNotFound)
		}
		return nil
	})
	return ne, err
}

// DismissNotification deletes one of the user's notifications;
// ErrNotFound when there is none.
func (db *DB) DismissNotification(userID, id ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNotes)
		if b.Get(pairKey(userID, id)) == nil {
			return fmt.Errorf("notification %d: %w", id, ErrNotFound)
		}
		return b.Delete(pairKey(userID, id))
	})
	if err != nil {
		return fmt.Errorf("dismiss notification: %w", err)
	}
	return nil
}

// ClearNotifications deletes every notification of the user. What still
// refers to a notification by its ID (a like keeps the ID of the one it
// made, to take it back on unlike) finds it gone, as after a dismissal.
func (db *DB) ClearNotifications(userID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNotes)
		var keys [][]byte
		forPrefix(b, idKey(userID), func(k, _ []byte) { keys = append(keys, append([]byte(nil), k...)) })
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clear notifications: %w", err)
	}
	return nil
}

// SetHomeMarker records where a member's app left their home timeline.
func (db *DB) SetHomeMarker(userID, lastRead ID) (User, error) {
	var u User
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return updateUser(tx, userID, func(x *User) {
			x.HomeMarker, x.HomeMarkerAt = lastRead, db.now().UTC()
			x.HomeMarkerVersion++
			u = *x
		})
	})
	if err != nil {
		return u, fmt.Errorf("set home marker: %w", err)
	}
	return u, nil
}
