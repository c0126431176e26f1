package social

import (
	"context"
	"errors"

	"majlis/i18n"
	"majlis/storage"
)

// The interactions of a member with a post: like, repost, bookmark, pin
// and their undoing.
//
// Each takes the post as the member sees it, the entry a front door found
// at its address (a repost already resolved to its original), and returns
// that entry updated: the post's counts as they are after the action and
// the member's marks, ready to render. Storage decides again, in the
// action's own transaction, whether the member may see the post and
// whether a block stands between them, so an entry read a moment before
// grants nothing.
//
// Doing what is already done succeeds: the button may be stale in another
// tab, or a client may send its request twice. The entry then keeps the
// counts it came with.

// Like marks the post as liked by actor and tells its author.
func (s *Service) Like(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	p, err := s.db.Like(actor.ID, e.Post.ID, likeActivity(actor.ID, e.Post))
	switch {
	case err == nil:
		e.Post = p
	case !errors.Is(err, storage.ErrExists): // else it was so already
		return e, interactionRefusal(ctx, err)
	}
	e.Liked = true
	return e, nil
}

// Unlike takes actor's like of the post back.
func (s *Service) Unlike(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	p, err := s.db.Unlike(actor.ID, e.Post.ID, undoActivity(likeActivity(actor.ID, e.Post)))
	switch {
	case err == nil:
		e.Post = p
	case !errors.Is(err, storage.ErrNotFound): // else it was so already
		return e, interactionRefusal(ctx, err)
	}
	e.Liked = false
	return e, nil
}

// Repost shares the post with actor's followers. Only public and unlisted
// posts can be reposted: reposting one for followers or for the mentioned
// only would show it to people it was not meant for.
func (s *Service) Repost(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	if !e.Post.Visibility.Repostable() {
		return e, refuseRepost(ctx, nil)
	}
	p, err := s.db.Repost(actor.ID, e.Post.ID, func(id storage.ID) string { return s.PostURI(actor.Username, id) }, announceActivity(actor.ID, e.Post))
	if errors.Is(err, storage.ErrForbidden) {
		// Storage checks the visibility again in its transaction, and
		// refuses a repost across a block the same way.
		return e, refuseRepost(ctx, err)
	}
	switch {
	case err == nil:
		e.Post = p
	case !errors.Is(err, storage.ErrExists): // else it was so already
		return e, interactionRefusal(ctx, err)
	}
	e.Reposted = true
	return e, nil
}

// Unrepost takes actor's repost of the post back.
func (s *Service) Unrepost(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	p, err := s.db.Unrepost(actor.ID, e.Post.ID, undoActivity(announceActivity(actor.ID, e.Post)))
	switch {
	case err == nil:
		e.Post = p
	case !errors.Is(err, storage.ErrNotFound): // else it was so already
		return e, interactionRefusal(ctx, err)
	}
	e.Reposted = false
	return e, nil
}

// Bookmark keeps the post in actor's private bookmarks.
func (s *Service) Bookmark(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	err := s.db.Bookmark(actor.ID, e.Post.ID)
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return e, interactionRefusal(ctx, err)
	}
	e.Bookmarked = true
	return e, nil
}

// Unbookmark removes the post from actor's bookmarks.
func (s *Service) Unbookmark(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	err := s.db.Unbookmark(actor.ID, e.Post.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return e, interactionRefusal(ctx, err)
	}
	e.Bookmarked = false
	return e, nil
}

// Pin puts one of actor's own posts at the top of their profile, at most
// storage.MaxPinned of them; posts for the mentioned only cannot be
// pinned. The returned entry's Pinned says the post is now pinned.
func (s *Service) Pin(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	if e.Post.AuthorID != actor.ID {
		return e, refuse(ctx, Forbidden, "", "error.pin_own_only")
	}
	err := s.db.Pin(actor.ID, e.Post.ID, pinActivity(e.Post, true))
	switch {
	case errors.Is(err, storage.ErrForbidden):
		return e, &Error{Kind: Forbidden, Message: i18n.N(ctx, "error.pin_limit", storage.MaxPinned), Err: err}
	case errors.Is(err, storage.ErrInvalid):
		r := refuse(ctx, Invalid, "", "error.pin_direct")
		r.Err = err
		return e, r
	}
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return e, interactionRefusal(ctx, err)
	}
	e.Pinned = true
	return e, nil
}

// Unpin takes one of actor's own posts off the top of their profile. The
// returned entry's Pinned is false.
func (s *Service) Unpin(ctx context.Context, actor storage.User, e storage.Entry) (storage.Entry, error) {
	if e.Post.AuthorID != actor.ID {
		return e, refuse(ctx, Forbidden, "", "error.unpin_own_only")
	}
	err := s.db.Unpin(actor.ID, e.Post.ID, pinActivity(e.Post, false))
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return e, interactionRefusal(ctx, err)
	}
	e.Pinned = false
	return e, nil
}

// refuseRepost refuses a repost that would reach people the post was not
// meant for.
func refuseRepost(ctx context.Context, cause error) *Error {
	r := refuse(ctx, Forbidden, "", "error.not_repostable")
	r.Err = cause
	return r
}

// interactionRefusal turns storage's refusal of an interaction into one of
// ours, with the general message of its kind: the post is gone or hidden
// from actor (NotFound), or a block stands between them (Forbidden).
// Other errors are failures, not refusals, and are returned as they are.
func interactionRefusal(ctx context.Context, err error) error {
	var r *Error
	switch {
	case errors.Is(err, storage.ErrNotFound):
		r = refuse(ctx, NotFound, "", "error.not_found")
	case errors.Is(err, storage.ErrForbidden):
		r = refuse(ctx, Forbidden, "", "error.forbidden")
	case errors.Is(err, storage.ErrExists):
		r = refuse(ctx, Conflict, "", "error.exists")
	case errors.Is(err, storage.ErrInvalid):
		r = refuse(ctx, Invalid, "", "error.invalid")
	default:
		return err
	}
	r.Err = err
	return r
}
