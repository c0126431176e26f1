package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"majlis/bounded"
	"majlis/social"
	"majlis/storage"
)

// The inbox: POST /inbox (shared) and POST /users/{username}/inbox. A
// request is checked while it waits (size, content type, signature, date
// and digest, the key's owner, the actor, the domain policy, the host's
// rate) and then written to the durable queue and answered 202; Run takes
// the queued activities in, one by one, in the background (after a
// restart too), as actions of the remote accounts (package social).

// DefaultRatePerHost is how many activities a second one host may send
// to the inbox, on average; a burst of four seconds' worth is allowed.
const DefaultRatePerHost = 50

// Inbox receives and processes activities other servers deliver.
type Inbox struct {
	Resolver *Resolver
	Social   *social.Service
	DB       *storage.DB
	URIs     URIs
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Seen, when set, is told the host of every valid request (the
	// delivery workers take a host that sends us something as available
	// again).
	Seen func(host string)
	// Logger receives refused requests and failed activities;
	// slog.Default() when nil.
	Logger *slog.Logger
	// RatePerHost is the average activities per second one host may
	// send; DefaultRatePerHost when 0.
	RatePerHost float64

	wakeOnce sync.Once
	wake     chan struct{}
	mu       sync.Mutex
	buckets  map[string]*tokenBucket
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

func (in *Inbox) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

func (in *Inbox) logger() *slog.Logger {
	if in.Logger != nil {
		return in.Logger
	}
	return slog.Default()
}

func (in *Inbox) wakeChan() chan struct{} {
	in.wakeOnce.Do(func() { in.wake = make(chan struct{}, 1) })
	return in.wake
}

// allow takes one token of host's bucket; when there is none it says how
// long until there is.
func (in *Inbox) allow(host string) (bool, time.Duration) {
	rate := in.RatePerHost
	if rate <= 0 {
		rate = DefaultRatePerHost
	}
	burst := 4 * rate
	now := in.now()
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.buckets == nil || len(in.buckets) > 10_000 {
		in.buckets = map[string]*tokenBucket{}
	}
	b := in.buckets[host]
	if b == nil {
		b = &tokenBucket{tokens: burst, last: now}
		in.buckets[host] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// inboxError answers a refused delivery with a short text and logs why.
func (in *Inbox) inboxError(w http.ResponseWriter, r *http.Request, status int, err error) {
	in.logger().Info("federation: inbox refused", "status", status, "path", r.URL.Path, "err", err)
	http.Error(w, http.StatusText(status), status)
}

// isActivityContentType accepts the content types of ActivityPub POSTs.
func isActivityContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/activity+json" || mt == "application/ld+json")
}

// ServeHTTP takes in one delivered activity.
func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		in.inboxError(w, r, http.StatusMethodNotAllowed, errors.New("not a POST"))
		return
	}
	if name := r.PathValue("username"); name != "" {
		if u, err := in.DB.LocalUser(name); err != nil || !u.IsLocal() {
			in.inboxError(w, r, http.StatusNotFound, fmt.Errorf("no member %q", name))
			return
		}
	}
	if !isActivityContentType(r.Header.Get("Content-Type")) {
		in.inboxError(w, r, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q", r.Header.Get("Content-Type")))
		return
	}
	if r.ContentLength > MaxObjectBytes {
		in.inboxError(w, r, http.StatusRequestEntityTooLarge, ErrTooLarge)
		return
	}
	body, err := ReadBody(http.MaxBytesReader(w, r.Body, MaxObjectBytes+1), MaxObjectBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.Is(err, ErrTooLarge) || errors.As(err, &mbe) {
			in.inboxError(w, r, http.StatusRequestEntityTooLarge, err)
			return
		}
		in.inboxError(w, r, http.StatusBadRequest, err)
		return
	}
	owner, status, err := in.verify(r, body)
	if errors.Is(err, ErrRemoteGone) {
		// A deleted account's own Delete, signed with a key its server
		// no longer serves: nothing can be verified nor needs doing,
		// and a refusal would only make its server retry for days.
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if err != nil {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rateWait(err).Seconds()))))
		}
		in.inboxError(w, r, status, err)
		return
	}
	act, err := DecodeObject(body)
	if err != nil {
		in.inboxError(w, r, http.StatusBadRequest, err)
		return
	}
	if act.Actor.First() != owner.URI || len(act.Actor) > 1 {
		in.inboxError(w, r, http.StatusUnauthorized, fmt.Errorf("actor %v signed by %s: %w", act.Actor, owner.URI, ErrSignature))
		return
	}
	if act.ID != "" && !sameHost(act.ID, owner.URI) {
		in.inboxError(w, r, http.StatusUnauthorized, fmt.Errorf("activity %q is not on %s's host: %w", act.ID, owner.URI, ErrSignature))
		return
	}
	if in.Seen != nil {
		in.Seen(owner.Domain)
	}
	if _, err := in.DB.EnqueueInbox(act.ID, owner.ID, body); err != nil {
		in.inboxError(w, r, http.StatusInternalServerError, err)
		return
	}
	select {
	case in.wakeChan() <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}

// rateError is a refusal by the rate limit, with the wait.
type rateError struct{ wait time.Duration }

func (e rateError) Error() string { return "rate limit: retry after " + e.wait.String() }

func rateWait(err error) time.Duration {
	var re rateError
	if errors.As(err, &re) && re.wait > time.Second {
		return re.wait
	}
	return time.Second
}

// verify checks a signed request with its body (nil for a GET) and
// returns the key's owner, or the status to refuse it with: 401 for a
// signature that does not hold, 403 for a refused domain, 429 over the
// host's rate.
func (in *Inbox) verify(r *http.Request, body []byte) (storage.User, int, error) {
	sig, err := CheckRequest(r, body, in.now())
	if err != nil {
		return storage.User{}, http.StatusUnauthorized, err
	}
	host := hostOf(sig.KeyID)
	if host == "" {
		return storage.User{}, http.StatusUnauthorized, fmt.Errorf("key id %q: %w", sig.KeyID, ErrSignature)
	}
	if p, err := in.DB.PolicyFor(host); err != nil {
		return storage.User{}, http.StatusInternalServerError, err
	} else if p.Refused {
		return storage.User{}, http.StatusForbidden, fmt.Errorf("%s: %w", host, ErrDomainRefused)
	}
	if ok, wait := in.allow(host); !ok {
		return storage.User{}, http.StatusTooManyRequests, rateError{wait}
	}
	owner, pub, err := in.Resolver.KeyOwner(r.Context(), sig.KeyID)
	if err == nil {
		err = VerifyRequest(r, pub)
		if err != nil {
			// The account may have a new key: ask its server again.
			if owner, pub, err = in.Resolver.RefreshKey(r.Context(), sig.KeyID); err == nil {
				err = VerifyRequest(r, pub)
			}
		}
	}
	switch {
	case errors.Is(err, ErrDomainRefused):
		return storage.User{}, http.StatusForbidden, err
	case err != nil:
		return storage.User{}, http.StatusUnauthorized, err
	}
	if p, err := in.DB.PolicyFor(owner.Domain); err == nil && p.Refused {
		return storage.User{}, http.StatusForbidden, fmt.Errorf("%s: %w", owner.Domain, ErrDomainRefused)
	}
	return owner, 0, nil
}

// VerifyGet checks a signed GET (for objects that are not public) and
// returns the account that signed it.
func (in *Inbox) VerifyGet(r *http.Request) (storage.User, error) {
	u, _, err := in.verify(r, nil)
	return u, err
}

// processTimeout bounds the work on one activity (fetching a thread
// included).
const processTimeout = 2 * time.Minute

// Run takes the queued activities in until ctx is done: at once when one
// arrives, and every few seconds whatever is left (after a restart). It
// forgets the activity ids taken in more than storage.InboxSeenFor ago
// once an hour.
func (in *Inbox) Run(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		if time.Since(lastPrune) > time.Hour {
			lastPrune = time.Now()
			if _, err := in.DB.PruneInboxSeen(in.now().Add(-storage.InboxSeenFor)); err != nil {
				in.logger().Warn("federation: pruning the inbox", "err", err)
			}
		}
		n, err := in.ProcessPending(ctx)
		if err != nil && ctx.Err() == nil {
			in.logger().Warn("federation: inbox queue", "err", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-in.wakeChan():
		case <-tick.C:
		}
	}
}

// ProcessPending takes in every activity queued now and returns how many
// it took. An activity that fails is logged and dropped: its server
// delivered it once and gets a 202, so retrying is ours to decide, and a
// broken one must not hold up the queue. When ctx ends, what is left
// stays queued.
func (in *Inbox) ProcessPending(ctx context.Context) (int, error) {
	n := 0
	for {
		items, err := in.DB.PendingInbox(inboxBatch)
		if err != nil || len(items) == 0 {
			return n, err
		}
		// Each actor's activities go to one worker, in the order they
		// came (a Create before its Delete, a Like before its Undo);
		// different actors' run side by side, so their writes share
		// commits.
		lanes := make([][]storage.InboxItem, inboxWorkers)
		for _, it := range items {
			w := int(uint64(it.ActorID) % inboxWorkers)
			lanes[w] = append(lanes[w], it)
		}
		done := make([][]storage.ID, inboxWorkers)
		var wg sync.WaitGroup
		for w, lane := range lanes {
			wg.Go(func() {
				for _, it := range lane {
					if ctx.Err() != nil {
						return
					}
					in.processOne(ctx, it)
					if ctx.Err() != nil {
						return // cut off: it stays queued
					}
					done[w] = append(done[w], it.ID)
				}
			})
		}
		wg.Wait()
		var ids []storage.ID
		for _, d := range done {
			ids = append(ids, d...)
		}
		if err := in.DB.FinishInbox(ids...); err != nil {
			return n, err
		}
		n += len(ids)
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
}

// The inbox worker takes up to inboxBatch queued activities at a time
// and processes them in inboxWorkers lanes.
const (
	inboxBatch   = 64
	inboxWorkers = 4
)

// processOne takes in one queued activity and logs what went wrong.
func (in *Inbox) processOne(ctx context.Context, it storage.InboxItem) {
	ictx, cancel := context.WithTimeout(ctx, processTimeout)
	err := in.process(ictx, it)
	cancel()
	switch {
	case err == nil, ctx.Err() != nil:
	case errors.Is(err, errIgnored):
		in.logger().Debug("federation: activity ignored", "activity", it.ActivityID, "err", err)
	default:
		in.logger().Info("federation: activity not taken in", "activity", it.ActivityID, "err", err)
	}
}

// errIgnored marks an activity that is valid but not for us (an unknown
// type, a follow of someone else).
var errIgnored = errors.New("ignored")

// process takes in one queued activity.
func (in *Inbox) process(ctx context.Context, it storage.InboxItem) error {
	if len(it.Body) == 0 {
		return fmt.Errorf("unreadable queue entry %d", it.ID)
	}
	actor, err := in.DB.UserByID(it.ActorID)
	if err != nil {
		return err // gone since (its Delete came first)
	}
	if p, err := in.DB.PolicyFor(actor.Domain); err == nil && p.Refused {
		return fmt.Errorf("%s: %w", actor.Domain, ErrDomainRefused)
	}
	act, err := DecodeObject(it.Body)
	if err != nil {
		return err
	}
	return in.handle(ctx, actor, act, it.Body)
}

// handle performs one activity of actor.
func (in *Inbox) handle(ctx context.Context, actor storage.User, act *Object, body []byte) error {
	obj := act.Object
	objID := obj.ID()
	var inner *Object
	if obj != nil {
		inner = obj.Object
	}
	switch act.Type.Main() {
	case "Create", "Update":
		if inner == nil {
			if objID == actor.URI && act.Type.Is("Update") {
				_, err := in.Resolver.RefreshActor(ctx, actor.URI)
				return err
			}
			if objID == "" || !sameHost(objID, actor.URI) {
				return fmt.Errorf("%s of %q: %w", act.Type.Main(), objID, ErrInvalidObject)
			}
			if act.Type.Is("Update") {
				return errIgnored // a bare reference tells nothing new
			}
			p, err := in.Resolver.Post(ctx, objID, 0)
			if err == nil && p.AuthorID != actor.ID {
				return fmt.Errorf("create of %s's post by %s: %w", objID, actor.URI, ErrInvalidObject)
			}
			return err
		}
		if isActor(inner) {
			if act.Type.Is("Update") && inner.ID == actor.URI {
				_, err := in.Resolver.RefreshActor(ctx, actor.URI)
				return err
			}
			return errIgnored
		}
		if inner.AttributedTo.First() != actor.URI || !sameHost(inner.ID, actor.URI) {
			return fmt.Errorf("%s of %q attributed to %v by %s: %w", act.Type.Main(), inner.ID, inner.AttributedTo, actor.URI, ErrInvalidObject)
		}
		if act.Type.Is("Create") {
			if vote, err := in.receiveVote(ctx, actor, inner); vote {
				return err // polls.go
			}
		}
		_, err := in.Resolver.StorePost(ctx, inner, 0)
		return err

	case "Delete":
		if objID == actor.URI {
			return in.Social.ReceiveActorDelete(ctx, actor)
		}
		if objID == "" {
			return errIgnored
		}
		if revoke, err := in.receiveQuoteRevoke(ctx, actor, objID); revoke {
			return err // quotes.go
		}
		err := in.Social.ReceiveDelete(ctx, actor, objID)
		if social.KindOf(err) == social.NotFound {
			return nil // never stored here
		}
		return err

	case "Move":
		return in.move(ctx, actor, act) // move.go

	case "Follow":
		local, err := in.Social.LocalUserByURI(objID)
		if err != nil {
			return errIgnored
		}
		_, err = in.Social.ReceiveFollow(ctx, actor, local, act.ID)
		return err

	case "QuoteRequest":
		return in.receiveQuoteRequest(ctx, actor, act) // quotes.go
	case "Accept", "Reject":
		if answer, err := in.receiveQuoteAnswer(ctx, actor, act); answer {
			return err // quotes.go
		}
		local, err := in.followOf(actor, obj)
		if err != nil {
			return err
		}
		if act.Type.Is("Accept") {
			return in.Social.ReceiveAccept(ctx, actor, local)
		}
		return in.Social.ReceiveReject(ctx, actor, local)

	case "Undo":
		if inner == nil {
			// A bare reference: only an Announce of theirs is known
			// here by its id.
			return in.Social.ReceiveUnannounce(ctx, actor, objID, 0)
		}
		if a := inner.Actor.First(); a != "" && a != actor.URI {
			return fmt.Errorf("undo of %s's activity by %s: %w", a, actor.URI, ErrInvalidObject)
		}
		target := inner.Object.ID()
		switch inner.Type.Main() {
		case "Follow":
			local, err := in.Social.LocalUserByURI(target)
			if err != nil {
				return errIgnored
			}
			return in.Social.ReceiveUndoFollow(ctx, actor, local)
		case "Like":
			p, err := in.Social.PostByURI(target)
			if err != nil {
				return errIgnored
			}
			return in.Social.ReceiveUnlike(ctx, actor, p.ID)
		case "Announce":
			var postID storage.ID
			if p, err := in.Social.PostByURI(target); err == nil {
				postID = p.ID
			}
			return in.Social.ReceiveUnannounce(ctx, actor, inner.ID, postID)
		case "Block":
			local, err := in.Social.LocalUserByURI(target)
			if err != nil {
				return errIgnored
			}
			return in.Social.ReceiveUnblock(ctx, actor, local)
		}
		return errIgnored

	case "Announce":
		if act.ID == "" || objID == "" {
			return fmt.Errorf("announce without ids: %w", ErrInvalidObject)
		}
		p, err := in.Resolver.Post(ctx, objID, 0)
		if err != nil {
			return err
		}
		_, err = in.Social.ReceiveAnnounce(ctx, actor, p.ID, act.ID, act.Published.Time)
		return err

	case "Like":
		p, err := in.Social.PostByURI(objID)
		if err != nil {
			return errIgnored // a like of a post we do not have
		}
		return in.Social.ReceiveLike(ctx, actor, p.ID)

	case "Block":
		local, err := in.Social.LocalUserByURI(objID)
		if err != nil {
			return errIgnored
		}
		return in.Social.ReceiveBlock(ctx, actor, local)

	case "Flag":
		return in.flag(ctx, actor, act, body)
	}
	return errIgnored
}

// followOf is the local member whose follow an Accept or Reject of actor
// answers: the actor of the embedded Follow (which must follow actor),
// or, for a bare reference, the one member whose request to actor waits.
func (in *Inbox) followOf(actor storage.User, obj *Ref) (storage.User, error) {
	if obj != nil && obj.Object != nil {
		f := obj.Object
		if t := f.Object.ID(); t != "" && t != actor.URI {
			return storage.User{}, fmt.Errorf("answer to a follow of %q by %s: %w", t, actor.URI, ErrInvalidObject)
		}
		return in.Social.LocalUserByURI(f.Actor.First())
	}
	pending, err := in.DB.PendingFollowsTo(actor.ID)
	if err != nil {
		return storage.User{}, err
	}
	if len(pending) != 1 {
		return storage.User{}, fmt.Errorf("answer by %s names no follow: %w", actor.URI, errIgnored)
	}
	return in.DB.UserByID(pending[0])
}

// flag files a Flag as a report: its objects are the account reported
// and its posts (all of them, unlike the other activities, which act on
// one object).
func (in *Inbox) flag(ctx context.Context, actor storage.User, act *Object, body []byte) error {
	var f struct {
		Object IRIs `json:"object"`
	}
	if err := bounded.Unmarshal(body, &f, bounded.Limits{Bytes: MaxObjectBytes}); err != nil {
		return err
	}
	var target storage.User
	var posts []storage.ID
	for _, id := range f.Object {
		if u, err := in.Social.LocalUserByURI(id); err == nil {
			if target.ID == 0 {
				target = u
			}
			continue
		}
		if p, err := in.Social.PostByURI(id); err == nil && p.Local {
			posts = append(posts, p.ID)
			if target.ID == 0 {
				if u, err := in.DB.UserByID(p.AuthorID); err == nil {
					target = u
				}
			}
		}
	}
	if target.ID == 0 {
		return errIgnored
	}
	_, err := in.Social.ReceiveFlag(ctx, actor, target, posts, act.Content)
	return err
}
