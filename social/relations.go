package social

import (
	"context"
	"errors"

	"majlis/admin"
	"majlis/storage"
)

// Relations between two members: follow, unfollow, accept and reject a
// follow request, block, unblock, mute, unmute. Each action is one
// storage call, so one transaction; doing again what is already done is
// not refused (a button may be stale in another tab, an activity may
// arrive twice), only reported.

// LocalAccount is the local member called username, as an action's
// target. A name that cannot be a username, or that nobody holds, is
// refused as NotFound. Moderation (a suspended account, one waiting for
// approval) is not judged here: what a page shows of such an account is
// the front door's business, and the actions treat it as any account.
func (s *Service) LocalAccount(ctx context.Context, username string) (storage.User, error) {
	if !admin.ValidUsername(username) {
		return storage.User{}, refuse(ctx, NotFound, "", "error.no_user", "name", username)
	}
	u, err := s.db.LocalUser(username)
	if errors.Is(err, storage.ErrNotFound) {
		e := refuse(ctx, NotFound, "", "error.no_user", "name", username)
		e.Err = err
		return u, e
	}
	return u, err
}

// FollowResult is where a follow stands after Follow or Unfollow.
type FollowResult struct {
	// State, after Follow: Followed, or Requested when the account is
	// locked and its owner was asked. After Unfollow, what ended: a
	// follow (Followed) or a pending request (Requested).
	State storage.FollowState
	// Already: it stood so before and nothing changed.
	Already bool
}

// Follow makes actor follow target; a locked target's owner is asked
// instead. Following yourself is Invalid; a block either way is
// Forbidden.
func (s *Service) Follow(ctx context.Context, actor, target storage.User) (FollowResult, error) {
	if actor.ID == target.ID {
		return FollowResult{}, refuse(ctx, Invalid, "", "error.follow_self")
	}
	if target.MovedTo != "" {
		// A moved account takes no new followers: its new one does.
		return FollowResult{}, refuse(ctx, Forbidden, "", "move.follow_refused", "name", target.Username)
	}
	state, err := s.db.Follow(actor.ID, target.ID, followActivity(actor.ID, target))
	switch {
	case err == nil:
		return FollowResult{State: state}, nil
	case errors.Is(err, storage.ErrExists):
		return FollowResult{State: state, Already: true}, nil
	case errors.Is(err, storage.ErrForbidden):
		e := refuse(ctx, Forbidden, "", "error.follow_blocked", "name", target.Username)
		e.Err = err
		return FollowResult{}, e
	}
	return FollowResult{}, err
}

// Unfollow ends actor's follow of target, or withdraws actor's pending
// request to follow them. With neither, nothing changes and the result
// is Already.
func (s *Service) Unfollow(ctx context.Context, actor, target storage.User) (FollowResult, error) {
	if actor.ID == target.ID {
		return FollowResult{}, refuse(ctx, Invalid, "", "error.follow_self")
	}
	state, err := s.db.StopFollowing(actor.ID, target.ID, undoActivity(followActivity(actor.ID, target)))
	if errors.Is(err, storage.ErrNotFound) {
		return FollowResult{State: storage.Followed, Already: true}, nil
	}
	if err != nil {
		return FollowResult{}, err
	}
	return FollowResult{State: state}, nil
}

// AcceptFollow lets requester follow actor, who approves followers.
// Accepted already is not refused; a request that is not there
// (withdrawn, rejected, never made) is NotFound.
func (s *Service) AcceptFollow(ctx context.Context, actor, requester storage.User) error {
	err := s.db.AcceptFollowRequest(actor.ID, requester.ID, acceptActivity(actor.ID, requester))
	if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	// No write happened; this read only tells a stale button from a
	// request that is gone.
	if ok, ferr := s.db.IsFollowing(requester.ID, actor.ID); ferr == nil && ok {
		return nil
	}
	return noFollowRequest(ctx, requester, err)
}

// RejectFollow refuses requester's pending request to follow actor; the
// requester is not told. A request that is not there is NotFound.
func (s *Service) RejectFollow(ctx context.Context, actor, requester storage.User) error {
	err := s.db.RejectFollowRequest(actor.ID, requester.ID, rejectActivity(actor.ID, requester))
	if errors.Is(err, storage.ErrNotFound) {
		return noFollowRequest(ctx, requester, err)
	}
	return err
}

func noFollowRequest(ctx context.Context, requester storage.User, err error) error {
	e := refuse(ctx, NotFound, "", "error.no_follow_request", "name", requester.Username)
	e.Err = err
	return e
}

// Block stops all contact between actor and target: follows and follow
// requests end both ways, and neither sees nor reaches the other.
func (s *Service) Block(ctx context.Context, actor, target storage.User) error {
	return s.relate(ctx, actor, target, func(me, other storage.ID) error {
		return s.db.Block(me, other, blockActivity(me, target))
	}, storage.ErrExists)
}

// Unblock lifts actor's block of target; the follows it ended stay ended.
func (s *Service) Unblock(ctx context.Context, actor, target storage.User) error {
	return s.relate(ctx, actor, target, func(me, other storage.ID) error {
		return s.db.Unblock(me, other, undoActivity(blockActivity(me, target)))
	}, storage.ErrNotFound)
}

// Mute hides target's posts and notifications from actor; target
// notices nothing.
func (s *Service) Mute(ctx context.Context, actor, target storage.User) error {
	return s.relate(ctx, actor, target, s.db.Mute, storage.ErrExists)
}

// Unmute lifts actor's mute of target.
func (s *Service) Unmute(ctx context.Context, actor, target storage.User) error {
	return s.relate(ctx, actor, target, s.db.Unmute, storage.ErrNotFound)
}

// relate is a block, unblock, mute or unmute: refused on yourself, and
// not refused when stale, the storage error saying it is done already.
func (s *Service) relate(ctx context.Context, actor, target storage.User, do func(me, other storage.ID) error, stale error) error {
	if actor.ID == target.ID {
		return refuse(ctx, Invalid, "", "error.relation_self")
	}
	if err := do(actor.ID, target.ID); err != nil && !errors.Is(err, stale) {
		return err
	}
	return nil
}
