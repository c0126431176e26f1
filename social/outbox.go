package social

import (
	"time"

	"majlis/storage"
)

// The activities an action hands to storage, which queues them in the
// action's own transaction when they have somewhere to go (storage's
// outbox.go). Each names what happened, who did it and to what; the JSON
// other servers receive is rendered at delivery from the records as they
// are then. The builders leave ID and CreatedAt zero: storage gives them,
// before its transaction, so a retried transaction writes the same entry.

// createActivity is the Create of a new post (a reply included).
func createActivity(p storage.Post) storage.Activity {
	return storage.Activity{Type: storage.ActivityCreate, ActorID: p.AuthorID, Object: p.URI, PostID: p.ID, To: addressed(p)}
}

// updatePostActivity is the Update of an edited post; it reaches the
// accounts the new version addresses.
func updatePostActivity(p storage.Post) storage.Activity {
	return storage.Activity{Type: storage.ActivityUpdate, ActorID: p.AuthorID, Object: p.URI, PostID: p.ID, To: addressed(p)}
}

// deletePostActivity is the Delete of a post (sent as a Tombstone), to
// everyone the post reached. Build it before the post is deleted.
func deletePostActivity(p storage.Post) storage.Activity {
	return storage.Activity{Type: storage.ActivityDelete, ActorID: p.AuthorID, Object: p.URI, PostID: p.ID, To: addressed(p)}
}

// likeActivity is userID's Like of a post (its original, for a repost).
func likeActivity(userID storage.ID, p storage.Post) storage.Activity {
	return storage.Activity{Type: storage.ActivityLike, ActorID: userID, Object: p.URI, PostID: p.ID, To: others(userID, p.AuthorID)}
}

// announceActivity is userID's Announce (repost) of an original post.
func announceActivity(userID storage.ID, orig storage.Post) storage.Activity {
	return storage.Activity{Type: storage.ActivityAnnounce, ActorID: userID, Object: orig.URI, PostID: orig.ID, To: others(userID, orig.AuthorID)}
}

// followActivity is follower's Follow of an account.
func followActivity(followerID storage.ID, followee storage.User) storage.Activity {
	return storage.Activity{Type: storage.ActivityFollow, ActorID: followerID, Object: followee.URI, TargetID: followee.ID}
}

// acceptActivity is target's Accept of requester's Follow.
func acceptActivity(targetID storage.ID, requester storage.User) storage.Activity {
	return storage.Activity{Type: storage.ActivityAccept, ActorID: targetID, Object: requester.URI, TargetID: requester.ID}
}

// rejectActivity is target's Reject of requester's Follow.
func rejectActivity(targetID storage.ID, requester storage.User) storage.Activity {
	return storage.Activity{Type: storage.ActivityReject, ActorID: targetID, Object: requester.URI, TargetID: requester.ID}
}

// blockActivity is blocker's Block of an account.
func blockActivity(blockerID storage.ID, blocked storage.User) storage.Activity {
	return storage.Activity{Type: storage.ActivityBlock, ActorID: blockerID, Object: blocked.URI, TargetID: blocked.ID}
}

// pinActivity adds a post to its author's featured posts (pin: true) or
// removes it (false).
func pinActivity(p storage.Post, pin bool) storage.Activity {
	t := storage.ActivityRemove
	if pin {
		t = storage.ActivityAdd
	}
	return storage.Activity{Type: t, ActorID: p.AuthorID, Object: p.URI, PostID: p.ID}
}

// profileActivity is the Update of an account after a profile change
// (name, bio, links, pictures, settings other servers show).
func profileActivity(u storage.User) storage.Activity {
	return storage.Activity{Type: storage.ActivityUpdate, ActorID: u.ID, Object: u.URI}
}

// accountDeleteActivity is the Delete of a local account, to every
// server that follows it. Storage keeps it queued, with a tombstone of the
// account, until it is delivered.
func accountDeleteActivity(u storage.User) storage.Activity {
	return storage.Activity{Type: storage.ActivityDelete, ActorID: u.ID, Object: u.URI, TargetID: u.ID}
}

// flagActivity reports an account (and one of its posts, when postID is
// set) to its server. It is sent as the instance (ActorID 0): the
// reporter is not named. CreateReport fills in the report.
func flagActivity(target storage.User, postID storage.ID) storage.Activity {
	return storage.Activity{Type: storage.ActivityFlag, Object: target.URI, TargetID: target.ID, PostID: postID}
}

// undoActivity is the Undo of an activity of the same actor: built from
// the activity undone (a follow, like, announce or block), with the type
// it undoes.
func undoActivity(a storage.Activity) storage.Activity {
	a.Undo, a.Type = a.Type, storage.ActivityUndo
	a.ID, a.V, a.CreatedAt = 0, 0, time.Time{}
	a.To = append([]storage.ID(nil), a.To...)
	return a
}

// addressed lists the accounts a post addresses beyond its author's
// followers: the author it answers and the accounts it mentions, once
// each, never the author.
func addressed(p storage.Post) []storage.ID {
	return others(p.AuthorID, append([]storage.ID{p.InReplyToAuthor}, p.Mentions...)...)
}

// others lists ids without 0, self and repeats, in order; nil when none is
// left.
func others(self storage.ID, ids ...storage.ID) []storage.ID {
	var out []storage.ID
	for _, id := range ids {
		if id == 0 || id == self {
			continue
		}
		dup := false
		for _, o := range out {
			if o == id {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}
