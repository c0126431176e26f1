package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"majlis/social"
	"majlis/storage"
)

// Quote posts as Mastodon federates them (after FEP-044f). Every Note
// says who may quote it (interactionPolicy.canQuote.automaticApproval:
// the public collection, the author's followers, or the author alone). A
// quote names the post it quotes (quote, and quoteUri and _misskey_quote
// for older readers) and, once consented, the authorization
// (quoteAuthorization): a QuoteAuthorization object the quoted author's
// server serves. Consent is asked with a QuoteRequest (object: the
// quoted post; instrument: the quote), answered with an Accept whose
// result is the authorization, or a Reject; it is withdrawn with a Delete
// of the authorization.

// fep044f is the namespace of FEP-044f's quote terms.
const fep044f = "https://w3id.org/fep/044f#"

// quoteTerms are the JSON-LD terms of quotes (ldContext adds them), as
// Mastodon defines them. Servers that read documents as JSON-LD (Fedify
// expands every one) drop any key their context leaves undefined, so
// without these a quote reached them as a plain post. quoteUri and
// _misskey_quote stay plain strings, not @id: Fedify 1.5.9 reads them as
// values, and an @id there makes it refuse the whole Note.
var quoteTerms = map[string]any{
	"quote":              map[string]string{"@id": fep044f + "quote", "@type": "@id"},
	"quoteUri":           "http://fedibird.com/ns#quoteUri",
	"_misskey_quote":     "https://misskey-hub.net/ns#_misskey_quote",
	"quoteAuthorization": map[string]string{"@id": fep044f + "quoteAuthorization", "@type": "@id"},
	"QuoteRequest":       fep044f + "QuoteRequest",
	"QuoteAuthorization": fep044f + "QuoteAuthorization",
	"gts":                "https://gotosocial.org/ns#",
	"interactionPolicy":  map[string]string{"@id": "gts:interactionPolicy", "@type": "@id"},
	"canQuote":           map[string]string{"@id": "gts:canQuote", "@type": "@id"},
	"automaticApproval":  map[string]string{"@id": "gts:automaticApproval", "@type": "@id"},
	"interactingObject":  map[string]string{"@id": "gts:interactingObject", "@type": "@id"},
	"interactionTarget":  map[string]string{"@id": "gts:interactionTarget", "@type": "@id"},
}

// quoteFields are what a quote adds to a Note (noteJSON embeds them).
type quoteFields struct {
	Quote              string             `json:"quote,omitempty"`
	QuoteURI           string             `json:"quoteUri,omitempty"`
	MisskeyQuote       string             `json:"_misskey_quote,omitempty"`
	QuoteAuthorization string             `json:"quoteAuthorization,omitempty"`
	InteractionPolicy  *interactionPolicy `json:"interactionPolicy,omitempty"`
}

type interactionPolicy struct {
	CanQuote approvalJSON `json:"canQuote"`
}

type approvalJSON struct {
	AutomaticApproval []string `json:"automaticApproval"`
}

// quoteAuthorizationJSON is the stamp of a consent.
type quoteAuthorizationJSON struct {
	Context           any    `json:"@context,omitempty"`
	ID                string `json:"id"`
	Type              string `json:"type"`
	AttributedTo      string `json:"attributedTo"`
	InteractingObject string `json:"interactingObject"`
	InteractionTarget string `json:"interactionTarget"`
}

// quoteRequestJSON is a QuoteRequest, alone or inside its answer.
type quoteRequestJSON struct {
	ID         string `json:"id,omitempty"`
	Type       string `json:"type"`
	Actor      string `json:"actor"`
	Object     string `json:"object"`
	Instrument any    `json:"instrument"`
}

// quoteInto adds a local post's quote policy and its quote to its Note.
func (c *Converter) quoteInto(n *noteJSON, p storage.Post, author storage.User) {
	var who []string
	switch p.QuotePolicy {
	case storage.QuoteFollowers:
		who = []string{c.URIs.Followers(author.Username)}
	case storage.QuoteNobody:
		who = []string{c.URIs.Actor(author.Username)}
	default:
		who = []string{Public}
	}
	if !p.Visibility.Repostable() {
		who = []string{c.URIs.Actor(author.Username)}
	}
	n.InteractionPolicy = &interactionPolicy{CanQuote: approvalJSON{AutomaticApproval: who}}
	if p.QuoteURI == "" || p.QuoteState == storage.QuoteRevoked || p.QuoteState == storage.QuoteRejected {
		return
	}
	n.Quote, n.QuoteURI, n.MisskeyQuote = p.QuoteURI, p.QuoteURI, p.QuoteURI
	if p.QuoteState == storage.QuoteAccepted {
		n.QuoteAuthorization = p.QuoteAuth
	}
}

// isQuoteAuthDelete tells whether an outbox Delete withdraws a quote
// authorization (social.Detach) rather than deleting a post.
func (c *Converter) isQuoteAuthDelete(a storage.Activity) bool {
	return a.Type == storage.ActivityDelete && strings.HasPrefix(a.Object, c.URIs.Base+"/quote_authorizations/")
}

// quoteActivity renders the outbox entries of quotes: a QuoteRequest, the
// Accept or Reject of one, the Delete of an authorization. It reports
// false for any other entry.
func (c *Converter) quoteActivity(a storage.Activity, out *activityJSON) (bool, error) {
	switch {
	case a.Type == storage.ActivityQuoteRequest:
		p, err := c.post(a)
		if err != nil {
			return true, err
		}
		n, err := c.note(p)
		if err != nil {
			return true, err
		}
		target, err := c.uriOf(a.TargetID)
		if err != nil {
			return true, err
		}
		out.To, out.Object = []string{target}, a.Object
		out.Instrument = n
		return true, nil
	case (a.Type == storage.ActivityAccept || a.Type == storage.ActivityReject) && a.PostID != 0:
		p, err := c.post(a)
		if err != nil {
			return true, err
		}
		requester, err := c.uriOf(a.TargetID)
		if err != nil {
			return true, err
		}
		out.ID = out.Actor + "#quote_requests/" + a.ID.String()
		out.To = []string{requester}
		out.Object = quoteRequestJSON{ID: a.Object, Type: storage.ActivityQuoteRequest, Actor: requester, Object: p.QuoteURI, Instrument: p.URI}
		if a.Type == storage.ActivityAccept {
			out.Result = p.QuoteAuth
		}
		return true, nil
	case c.isQuoteAuthDelete(a):
		out.ID, out.To, out.Object = a.Object+"#delete", []string{Public}, a.Object
		out.Published = stamp(a.CreatedAt)
		return true, nil
	}
	return false, nil
}

// QuoteAuthorization serves the stamp of a member's consent to a quote
// (/quote_authorizations/ID, ID the quote's): it exists while the quote
// of their post stands accepted.
func (s *Server) QuoteAuthorization(w http.ResponseWriter, r *http.Request) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		s.Error(w, storage.ErrNotFound)
		return
	}
	auth := s.URIs.Base + "/quote_authorizations/" + id.String()
	q, err := s.DB.QuoteByAuth(auth)
	if err == nil && (q.ID != id || q.QuoteState != storage.QuoteAccepted) {
		err = storage.ErrNotFound
	}
	var quoted storage.Post
	var u storage.User
	if err == nil {
		quoted, err = s.DB.PostByID(q.QuoteOf)
	}
	if err == nil {
		u, err = s.DB.UserByID(quoted.AuthorID)
		if err == nil && !u.IsLocal() {
			err = storage.ErrNotFound
		}
	}
	if err != nil {
		s.Error(w, err)
		return
	}
	body, err := marshal(quoteAuthorizationJSON{Context: s.Conv.ldContext(), ID: auth, Type: "QuoteAuthorization",
		AttributedTo: s.URIs.Actor(u.Username), InteractingObject: q.URI, InteractionTarget: quoted.URI})
	if err != nil {
		s.Error(w, err)
		return
	}
	writeActivity(w, body, s.Conv.ConsentFor(u), false)
}

// quoteOfObject reads the quote of a post object: the post it quotes,
// the authorization it shows, and who may quote it.
func quoteOfObject(o *Object, rp *social.RemotePost) {
	for _, q := range []string{o.Quote.ID(), o.QuoteURI, o.MisskeyQuote} {
		if q != "" && hostOf(q) != "" {
			rp.QuoteURI = q
			break
		}
	}
	if a := o.QuoteAuthorization.ID(); hostOf(a) != "" {
		rp.QuoteAuth = a
	}
	if o.InteractionPolicy == nil {
		return
	}
	rp.QuotePolicy = storage.QuoteNobody
	for _, who := range o.InteractionPolicy.CanQuote.AutomaticApproval {
		switch {
		case isPublic(who):
			rp.QuotePolicy = storage.QuotePublic
		case who != "" && who == o.followersOf() && rp.QuotePolicy != storage.QuotePublic:
			rp.QuotePolicy = storage.QuoteFollowers
		}
	}
}

// followersOf is the followers collection an object's author most
// likely has, as its addressing names it.
func (o *Object) followersOf() string {
	for _, a := range o.Addressed() {
		if strings.HasSuffix(a, "/followers") {
			return a
		}
	}
	return ""
}

func isPublic(s string) bool { return s == Public || s == "as:Public" || s == "Public" }

// verifyQuote checks, once a quote from another server is stored, the
// authorization it shows for a post of a third server: fetched from the
// quoted post's server, it must be a QuoteAuthorization by the quoted
// author for this quote of this post. Only then is the quote shown
// embedded; until then it is a link.
func (r *Resolver) verifyQuote(ctx context.Context, p storage.Post) {
	if p.QuoteState != storage.QuotePending || p.QuoteAuth == "" || p.QuoteOf == 0 {
		return
	}
	quoted, err := r.DB.PostByID(p.QuoteOf)
	if err != nil {
		return
	}
	author, err := r.DB.UserByID(quoted.AuthorID)
	if err != nil || author.IsLocal() || !sameHost(p.QuoteAuth, quoted.URI) {
		return
	}
	body, final, err := r.fetch(ctx, p.QuoteAuth)
	if err != nil {
		r.logger().Info("federation: quote authorization not fetched", "quote", p.URI, "err", err)
		return
	}
	o, err := DecodeObject(body)
	if err != nil || checkID(p.QuoteAuth, final, o) != nil || !o.Type.Is("QuoteAuthorization") {
		return
	}
	if o.AttributedTo.First() != author.URI || o.InteractingObject.ID() != p.URI || o.InteractionTarget.ID() != quoted.URI {
		r.logger().Info("federation: quote authorization does not match", "quote", p.URI, "authorization", p.QuoteAuth)
		return
	}
	if _, err := r.DB.SetQuoteState(p.ID, storage.QuoteAccepted, p.QuoteAuth); err != nil {
		r.logger().Info("federation: quote not accepted", "quote", p.URI, "err", err)
	}
}

// receiveQuoteRequest answers another server's QuoteRequest for a post
// here: its quote (the instrument, embedded or fetched) is stored, then
// the author's policy decides.
func (in *Inbox) receiveQuoteRequest(ctx context.Context, actor storage.User, act *Object) error {
	quoted, err := in.Social.PostByURI(act.Object.ID())
	if err != nil || !quoted.Local {
		return errIgnored
	}
	var quoting storage.Post
	if inst := act.Instrument; inst != nil && inst.Object != nil && inst.Object.AttributedTo.First() == actor.URI && sameHost(inst.Object.ID, actor.URI) {
		quoting, err = in.Resolver.StorePost(ctx, inst.Object, 0)
	} else if id := act.Instrument.ID(); id != "" && sameHost(id, actor.URI) {
		quoting, err = in.Resolver.Post(ctx, id, 0)
	} else {
		return fmt.Errorf("quote request without its quote: %w", ErrInvalidObject)
	}
	if err != nil {
		return err
	}
	return in.Social.ReceiveQuoteRequest(ctx, actor, quoted, quoting, act.ID)
}

// receiveQuoteAnswer takes in the Accept or Reject of a member's
// QuoteRequest; false when the activity answers something else.
func (in *Inbox) receiveQuoteAnswer(ctx context.Context, actor storage.User, act *Object) (bool, error) {
	inner := act.Object.Object
	if inner == nil || !inner.Type.Is("QuoteRequest") {
		return false, nil
	}
	quoting, err := in.Social.PostByURI(inner.Instrument.ID())
	if err != nil || !quoting.Local {
		return true, errIgnored
	}
	auth := act.Result.ID()
	if auth != "" && !sameHost(auth, actor.URI) {
		return true, fmt.Errorf("authorization %q not on %s's server: %w", auth, actor.URI, ErrInvalidObject)
	}
	return true, in.Social.ReceiveQuoteAnswer(ctx, actor, quoting, act.Type.Is("Accept"), auth)
}

// receiveQuoteRevoke takes in the Delete of an authorization; false when
// the Delete is of something else.
func (in *Inbox) receiveQuoteRevoke(ctx context.Context, actor storage.User, uri string) (bool, error) {
	if _, err := in.DB.QuoteByAuth(uri); errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return true, in.Social.ReceiveQuoteRevoke(ctx, actor, uri)
}
