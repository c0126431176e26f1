package social

import (
	"context"
	"errors"
	"strings"

	"majlis/i18n"
	"majlis/storage"
)

// Quotes with the quoted author's consent. A member quotes a public or
// unlisted post whose author allows them (everyone, followers, or nobody
// but themselves); a post here is quoted at once, one elsewhere is asked
// for with a QuoteRequest and shows as a link until its server accepts.
// The quoted author hears of each quote and may detach their post from
// it (the authorization is withdrawn: the quote then shows that its
// author removed it).

// QuoteAuthURI is the authorization this instance gives, on behalf of
// the quoted post's author, to the quote quotingID.
func (s *Service) QuoteAuthURI(quotedAuthor string, quotingID storage.ID) string {
	return s.cfg.BaseURL + "/quote_authorizations/" + quotingID.String()
}

// IsQuoteAuthURI tells whether uri is an authorization of this instance.
func (s *Service) IsQuoteAuthURI(uri string) bool {
	return strings.HasPrefix(uri, s.cfg.BaseURL+"/quote_authorizations/")
}

// QuotePolicyOf is the policy a new post of author gets: the one asked
// for, else the author's default, else everyone.
func QuotePolicyOf(author storage.User, asked string) (storage.QuotePolicy, bool) {
	if asked != "" {
		p := storage.QuotePolicy(asked)
		return p, p.Valid()
	}
	if author.QuotePolicy.Valid() {
		return author.QuotePolicy, true
	}
	return storage.QuotePublic, true
}

// QuoteTarget is the post id that viewer wants to quote: gone or hidden
// (NotFound), or not theirs to quote (Forbidden, saying whose choice it
// is).
func (s *Service) QuoteTarget(ctx context.Context, viewer storage.User, id storage.ID) (storage.Entry, error) {
	e, err := s.db.Post(viewer.ID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return e, postsRefuse(ctx, NotFound, "quote_of", err, "quote.gone")
	}
	if err != nil {
		return e, err
	}
	if e.RepostedBy != nil || !e.Post.Visibility.Repostable() {
		return e, postsRefuse(ctx, Forbidden, "quote_of", storage.ErrForbidden, "quote.not_public")
	}
	ok, err := s.db.MayQuote(viewer.ID, id)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, postsRefuse(ctx, Forbidden, "quote_of", storage.ErrForbidden, "quote.not_allowed", "name", e.Author.Name())
	}
	return e, nil
}

// quoteOf fills in a new post's quote of quoted: accepted at once for a
// post here (or one's own), else pending, with the QuoteRequest to send.
func (s *Service) quoteOf(post *storage.Post, quoted storage.Entry) []storage.Activity {
	post.QuoteOf, post.QuoteURI = quoted.Post.ID, quoted.Post.URI
	if quoted.Author.IsLocal() || quoted.Author.ID == post.AuthorID {
		post.QuoteState = storage.QuoteAccepted
		if quoted.Author.IsLocal() {
			post.QuoteAuth = s.QuoteAuthURI(quoted.Author.Username, post.ID)
		}
		return nil
	}
	post.QuoteState = storage.QuotePending
	return []storage.Activity{{Type: storage.ActivityQuoteRequest, ActorID: post.AuthorID, Object: quoted.Post.URI,
		PostID: post.ID, TargetID: quoted.Author.ID}}
}

// Detach withdraws me's consent to the quote quotingID of one of their
// posts: the quote shows that its author removed it, and the quoting
// author's server hears that the authorization is gone.
func (s *Service) Detach(ctx context.Context, me storage.User, quotingID storage.ID) (storage.Entry, error) {
	q, err := s.db.PostByID(quotingID)
	if err != nil {
		return storage.Entry{}, interactionRefusal(ctx, err)
	}
	quoted, err := s.db.PostByID(q.QuoteOf)
	if q.QuoteOf == 0 || err != nil || quoted.AuthorID != me.ID {
		return storage.Entry{}, refuse(ctx, Forbidden, "", "quote.not_yours")
	}
	var out []storage.Activity
	if q.QuoteAuth != "" && !q.Local {
		out = append(out, storage.Activity{Type: storage.ActivityDelete, ActorID: me.ID, Object: q.QuoteAuth,
			PostID: q.ID, TargetID: q.AuthorID})
	}
	if q.Local {
		// The quote's own followers elsewhere see it changed.
		out = append(out, updatePostActivity(q))
	}
	if _, err := s.db.SetQuoteState(q.ID, storage.QuoteRevoked, "", out...); err != nil {
		return storage.Entry{}, err
	}
	return s.db.Post(me.ID, q.ID)
}

// ReceiveQuoteRequest answers another server's request that its account
// may quote a post here (quoting is that account's post, stored): an
// Accept with an authorization when the post's policy allows it, else a
// Reject. requestID is the request's id, echoed in the answer.
func (s *Service) ReceiveQuoteRequest(ctx context.Context, actor storage.User, quoted, quoting storage.Post, requestID string) error {
	if quoting.AuthorID != actor.ID || quoting.QuoteOf != quoted.ID || !quoted.Local {
		return refuse(ctx, Invalid, "", "error.invalid")
	}
	author, err := s.db.UserByID(quoted.AuthorID)
	if err != nil {
		return err
	}
	ok, err := s.db.MayQuote(actor.ID, quoted.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	answer := storage.Activity{ActorID: author.ID, Object: requestID, PostID: quoting.ID, TargetID: actor.ID}
	if !ok {
		answer.Type = storage.ActivityReject
		_, err := s.db.SetQuoteState(quoting.ID, storage.QuoteRejected, "", answer)
		return err
	}
	answer.Type = storage.ActivityAccept
	_, err = s.db.SetQuoteState(quoting.ID, storage.QuoteAccepted, s.QuoteAuthURI(author.Username, quoting.ID), answer)
	return err
}

// ReceiveQuoteAnswer records the quoted author's answer to a member's
// QuoteRequest: accepted with the authorization's URI, or rejected. The
// quote's followers elsewhere get it as it now stands.
func (s *Service) ReceiveQuoteAnswer(ctx context.Context, actor storage.User, quoting storage.Post, accepted bool, auth string) error {
	quoted, err := s.db.PostByID(quoting.QuoteOf)
	if !quoting.Local || quoting.QuoteOf == 0 || err != nil || quoted.AuthorID != actor.ID {
		return refuse(ctx, Invalid, "", "error.invalid")
	}
	state := storage.QuoteRejected
	if accepted && auth != "" {
		state = storage.QuoteAccepted
	} else {
		auth = ""
	}
	_, err = s.db.SetQuoteState(quoting.ID, state, auth, updatePostActivity(quoting))
	return err
}

// ReceiveQuoteRevoke records that actor withdrew the authorization auth:
// the quote it stood for shows that its author removed it.
func (s *Service) ReceiveQuoteRevoke(ctx context.Context, actor storage.User, auth string) error {
	q, err := s.db.QuoteByAuth(auth)
	if err != nil {
		return refuse(ctx, NotFound, "", "error.not_found")
	}
	quoted, err := s.db.PostByID(q.QuoteOf)
	if err != nil || quoted.AuthorID != actor.ID {
		return refuse(ctx, Forbidden, "", "error.forbidden")
	}
	_, err = s.db.SetQuoteState(q.ID, storage.QuoteRevoked, "")
	return err
}

// QuotePolicyLabel names a quote policy for the compose box and settings.
func QuotePolicyLabel(ctx context.Context, p storage.QuotePolicy) string {
	return i18n.T(ctx, "quote.policy."+string(p))
}

// receivedQuote fills in the quote of a post from another server: the
// post it quotes when that is stored here, accepted when it quotes its
// own author or shows an authorization this instance gave for it, else
// pending (shown as a link until the authorization it shows, from the
// quoted post's server, is verified).
func (s *Service) receivedQuote(post *storage.Post, author storage.User, rp RemotePost) {
	if rp.QuoteURI == "" {
		return
	}
	post.QuoteURI, post.QuoteState = Clip(rp.QuoteURI, 2000), storage.QuotePending
	q, err := s.PostByURI(rp.QuoteURI)
	if err != nil || q.IsRepost() {
		return
	}
	post.QuoteOf = q.ID
	switch {
	case q.AuthorID == author.ID:
		post.QuoteState = storage.QuoteAccepted
	case s.IsQuoteAuthURI(rp.QuoteAuth):
		if given, err := s.db.QuoteByAuth(rp.QuoteAuth); err == nil && given.URI == rp.URI && given.QuoteState == storage.QuoteAccepted {
			post.QuoteState, post.QuoteAuth = storage.QuoteAccepted, rp.QuoteAuth
		}
	case s.authFromQuoted(q.URI, rp.QuoteAuth):
		post.QuoteAuth = Clip(rp.QuoteAuth, 2000)
	}
}

// authFromQuoted tells whether auth could be an authorization for a
// quote of the post quotedURI: an address on that post's own server,
// never this instance's.
func (s *Service) authFromQuoted(quotedURI, auth string) bool {
	if auth == "" || strings.HasPrefix(auth, s.cfg.BaseURL+"/") {
		return false
	}
	return storage.HostOf(auth) != "" && storage.HostOf(auth) == storage.HostOf(quotedURI)
}
