package social

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"majlis/storage"
)

// Moving accounts. A member who moves first lists the old account among
// the new one's aliases (AddAlias), then moves the old one (MoveAccount):
// its followers are told (a Move, delivered to other servers) and the
// follows of members here move at once. A Move from another server
// (ReceiveMove) moves the follows of members here the same way. Either
// way the target must name the origin among its aliases, which the door
// checks on a fresh copy of the target.

// moveActivity is the Move of a local account to target.
func moveActivity(u, target storage.User) storage.Activity {
	return storage.Activity{Type: storage.ActivityMove, ActorID: u.ID, Object: target.URI, TargetID: target.ID}
}

// localHandle splits "@name@host", "name@host" or "name" into its name
// and host ("" for none).
func localHandle(handle string) (name, host string) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "@")
	name, host, _ = strings.Cut(h, "@")
	return name, strings.ToLower(host)
}

// FindAccount is the account a member names as "@name@host" (resolved
// through federation when it is elsewhere), "@name" for a member here,
// or an actor's URL.
func (s *Service) FindAccount(ctx context.Context, handle string) (storage.User, error) {
	handle = strings.TrimSpace(handle)
	if strings.HasPrefix(handle, "https://") || strings.HasPrefix(handle, "http://") {
		if u, err := s.AccountByURI(handle); err == nil {
			return u, nil
		}
	} else {
		name, host := localHandle(handle)
		if host == "" || host == s.host() {
			return s.LocalAccount(ctx, name)
		}
	}
	if s.cfg.Resolve == nil {
		return storage.User{}, refuse(ctx, NotFound, "alias", "move.not_found", "name", handle)
	}
	u, err := s.cfg.Resolve(ctx, handle)
	if err != nil {
		e := refuse(ctx, NotFound, "alias", "move.not_found", "name", handle)
		e.Err = err
		return u, e
	}
	return u, nil
}

// Host is this instance's host, as handles spell it.
func (s *Service) Host() string { return s.host() }

// host is this instance's host, as handles spell it.
func (s *Service) host() string {
	if u, err := url.Parse(s.cfg.BaseURL); err == nil {
		return strings.ToLower(u.Host)
	}
	return ""
}

// AddAlias adds alias's URI to actor's aliases (its alsoKnownAs), so that
// the account alias names may move here. Adding one twice changes
// nothing.
func (s *Service) AddAlias(ctx context.Context, actor, alias storage.User) (storage.User, error) {
	if alias.ID == actor.ID {
		return actor, refuse(ctx, Invalid, "alias", "move.alias_self")
	}
	if slices.Contains(actor.AlsoKnownAs, alias.URI) {
		return actor, nil
	}
	if len(actor.AlsoKnownAs) >= storage.MaxAliases {
		return actor, refuse(ctx, Invalid, "alias", "move.too_many_aliases", "n", storage.MaxAliases)
	}
	return s.db.SetAliases(actor.ID, append(slices.Clone(actor.AlsoKnownAs), alias.URI), profileActivity(actor))
}

// RemoveAlias takes uri out of actor's aliases.
func (s *Service) RemoveAlias(ctx context.Context, actor storage.User, uri string) (storage.User, error) {
	if !slices.Contains(actor.AlsoKnownAs, uri) {
		return actor, nil
	}
	return s.db.SetAliases(actor.ID, slices.DeleteFunc(slices.Clone(actor.AlsoKnownAs), func(a string) bool { return a == uri }), profileActivity(actor))
}

// MoveResult is what a move did: how many follows of members here moved,
// and how many could not (a block stands between the follower and the
// target, say).
type MoveResult struct {
	Moved, Failed int
}

// checkMove refuses a move that is not one: to itself, to an account
// that moved away itself, or to one that does not name origin among its
// aliases. target must be fresh from its server.
func checkMove(ctx context.Context, origin, target storage.User) error {
	switch {
	case origin.ID == target.ID || origin.URI == target.URI:
		return refuse(ctx, Invalid, "target", "move.to_self")
	case target.MovedTo != "":
		return refuse(ctx, Invalid, "target", "move.target_moved")
	case !slices.Contains(target.AlsoKnownAs, origin.URI):
		return refuse(ctx, Forbidden, "target", "move.not_alias", "origin", origin.URI)
	}
	return nil
}

// MoveAccount moves the member's account to target (fresh from its
// server, or a member here): the account is marked as moved and takes no
// new followers, its followers elsewhere get a Move (their servers move
// their follows), and the follows of members here move at once.
func (s *Service) MoveAccount(ctx context.Context, actor, target storage.User) (MoveResult, error) {
	if !actor.IsLocal() {
		return MoveResult{}, refuse(ctx, Forbidden, "", "move.not_local")
	}
	if err := checkMove(ctx, actor, target); err != nil {
		return MoveResult{}, err
	}
	if _, err := s.db.SetMovedTo(actor.ID, target.URI, moveActivity(actor, target)); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return MoveResult{}, refuse(ctx, Invalid, "target", "move.moved_already")
		}
		return MoveResult{}, err
	}
	return s.moveFollowers(actor, target)
}

// ReceiveMove takes in another server's Move of origin (the sender) to
// target (fetched fresh): origin is marked as moved and the follows of
// members here move to target.
func (s *Service) ReceiveMove(ctx context.Context, origin, target storage.User) (MoveResult, error) {
	if origin.IsLocal() {
		return MoveResult{}, refuse(ctx, Forbidden, "", "move.not_local")
	}
	if err := checkMove(ctx, origin, target); err != nil {
		return MoveResult{}, err
	}
	if _, err := s.db.SetMovedTo(origin.ID, target.URI); err != nil {
		return MoveResult{}, err
	}
	return s.moveFollowers(origin, target)
}

// moveFollowers moves the follows of origin by members here to target,
// one transaction per follower: a failure leaves the others moved.
func (s *Service) moveFollowers(origin, target storage.User) (MoveResult, error) {
	ids, err := s.db.LocalFollowerIDs(origin.ID)
	if err != nil {
		return MoveResult{}, err
	}
	var r MoveResult
	for _, f := range ids {
		_, err := s.db.MoveFollow(f, origin.ID, target.ID, undoActivity(followActivity(f, origin)), followActivity(f, target))
		if err != nil {
			r.Failed++
			continue
		}
		r.Moved++
	}
	return r, nil
}
