package federation

import (
	"context"
	"errors"
	"net/url"
	"slices"

	"majlis/social"
	"majlis/storage"
)

// Moving accounts (social/moves.go): the Move activity both ways and the
// aliases (alsoKnownAs) and new home (movedTo) of actors.

// maxAliasLength bounds one alias URI kept of a remote actor.
const maxAliasLength = 2048

// moveJSON is the Move of actor to target, for its followers.
func moveJSON(out *activityJSON, actor, target, followers string) {
	out.Object, out.Target, out.To = actor, target, []string{followers}
}

// aliasesOf keeps the aliases of a remote actor that are URLs, once
// each, at most storage.MaxAliases.
func aliasesOf(o *Object) []string {
	var out []string
	for _, a := range o.AlsoKnownAs {
		if len(a) > maxAliasLength || httpURL(a) == "" || slices.Contains(out, a) {
			continue
		}
		out = append(out, a)
		if len(out) == storage.MaxAliases {
			break
		}
	}
	return out
}

// httpURL keeps s when it is an http(s) URL with a host, else "": an
// alias or a new home ends up as a link on a page.
func httpURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > maxAliasLength {
		return ""
	}
	return s
}

// move takes in a Move: the sender moves itself (the object is the
// actor; no account moves another) to the target, which is fetched again
// from its server, since the alias naming the sender may be minutes old.
// A target that does not name the sender among its aliases is refused:
// nothing moves.
func (in *Inbox) move(ctx context.Context, actor storage.User, act *Object) error {
	if act.Object.ID() != actor.URI {
		return errIgnored
	}
	targetURI := act.Target.First()
	if targetURI == "" {
		return errIgnored
	}
	target, err := in.Resolver.RefreshActor(ctx, targetURI)
	if err != nil {
		return err
	}
	r, err := in.Social.ReceiveMove(ctx, actor, target)
	var refusal *social.Error
	if errors.As(err, &refusal) {
		in.logger().Info("federation: move refused", "actor", actor.URI, "target", target.URI, "why", refusal.Message)
		return errIgnored
	}
	if err == nil {
		in.logger().Info("federation: account moved", "actor", actor.URI, "target", target.URI, "follows_moved", r.Moved, "failed", r.Failed)
	}
	return err
}
