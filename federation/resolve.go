package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"majlis/bounded"
	"majlis/markup"
	"majlis/media"
	"majlis/social"
	"majlis/storage"
)

// The resolver fetches what the inbox and the members need from other
// servers: actors (by id, by handle through WebFinger, by profile URL),
// posts and the parents of replies, the keys that sign requests. Every
// fetch is a GET signed by the instance actor through the guarded
// client; every answer is bounded, must be ActivityPub JSON and must
// carry the id it was fetched at (after redirects, on the same host), and
// an object must live on the host of the actor it is attributed to. What
// is fetched is stored as local records are (PutRemoteUser,
// social.ReceivePost), pictures through the image pipeline of uploads.

var (
	// ErrDomainRefused is returned for an object of a domain the
	// instance refuses (suspended, or not listed in allowlist mode). It is
	// a storage.ErrForbidden, which the web door shows as a refusal (403)
	// rather than as a server that failed.
	ErrDomainRefused = fmt.Errorf("domain refused by this instance: %w", storage.ErrForbidden)
	// ErrInvalidObject wraps every refusal of a fetched or received
	// object: wrong id, wrong host, wrong type, missing fields.
	ErrInvalidObject = errors.New("unusable ActivityPub object")
	// ErrRemoteGone is returned when the object's server says it is deleted.
	ErrRemoteGone = errors.New("remote object is gone")
)

// Budgets of what the resolver reads.
const (
	// MaxObjectBytes bounds an actor, a post or an activity.
	MaxObjectBytes = 1 << 20
	// DefaultMaxImageBytes bounds one remote picture.
	DefaultMaxImageBytes = 8 << 20
	// DefaultMaxDepth is how many parents of a reply are fetched.
	DefaultMaxDepth = 8
	// actorFreshFor is how long a stored account is used without asking
	// its server again.
	actorFreshFor = 24 * time.Hour
	// keyRefetchEvery bounds the refetch of a key that failed to verify
	// (a rotated key), so forged requests cannot make us fetch at will.
	keyRefetchEvery = time.Minute
	// acceptActivityJSON is what fetches ask for.
	acceptActivityJSON = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// Resolver fetches and stores remote actors and objects.
type Resolver struct {
	DB *storage.DB
	// Social stores fetched posts with the rules of member actions.
	Social *social.Service
	// Client is NewClient(Guard, ...); Guard's URL rules are applied
	// before each request too.
	Client *http.Client
	Guard  Guard
	// Keys signs the fetches as the instance actor.
	Keys *Keys
	URIs URIs
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxDepth bounds the parents fetched for a reply; DefaultMaxDepth
	// when 0.
	MaxDepth int
	// MaxImageBytes bounds one remote picture; DefaultMaxImageBytes when 0.
	MaxImageBytes int64
	// Logger receives what was skipped and why; slog.Default() when nil.
	Logger *slog.Logger
	// LinksChanged is told of a remote account whose profile fields
	// changed, for their links to be checked (LinkVerifier.Request).
	LinksChanged func(storage.ID)

	mu sync.Mutex
	// keyActors maps the key ids that are not "actor#fragment" (as
	// GoToSocial names them) to their actor, learnt when fetched.
	keyActors map[string]string
	// refetched is when a key was last fetched again after failing.
	refetched map[string]time.Time
	// pubs caches parsed public keys by their PEM.
	pubs map[string]*rsa.PublicKey
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Resolver) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Resolver) maxDepth() int {
	if r.MaxDepth > 0 {
		return r.MaxDepth
	}
	return DefaultMaxDepth
}

// hostOf is the lower-cased host (with its port) of an http(s) URL, ""
// when it is not one.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	// One spelling of a server for the inbox's rate limit, delivery's
	// host records and the accounts' domains: no default port, no
	// trailing dot.
	return storage.HostOf(raw)
}

// sameHost reports whether two URLs are on one host.
func sameHost(a, b string) bool {
	h := hostOf(a)
	return h != "" && h == hostOf(b)
}

// refuseDomain returns ErrDomainRefused when the instance takes nothing
// from host.
func (r *Resolver) refuseDomain(host string) error {
	if host == "" {
		return fmt.Errorf("no host: %w", ErrInvalidObject)
	}
	p, err := r.DB.PolicyFor(host)
	if err != nil {
		return err
	}
	if p.Refused {
		return fmt.Errorf("%s: %w", host, ErrDomainRefused)
	}
	return nil
}

// fetch GETs an ActivityPub object signed as the instance actor and
// returns its body and the URL it was finally read at.
func (r *Resolver) fetch(ctx context.Context, uri string) ([]byte, string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("fetch %q: %w", uri, ErrInvalidObject)
	}
	u.Fragment = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", acceptActivityJSON)
	if err := r.signFetch(req); err != nil {
		return nil, "", err
	}
	resp, err := r.Guard.Do(ctx, r.Client, req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusGone:
		return nil, "", fmt.Errorf("fetch %s: %w", u, ErrRemoteGone)
	case resp.StatusCode == http.StatusNotFound:
		// Nothing there, or nothing this instance may read: the web
		// door says "not found", not that the server failed.
		return nil, "", fmt.Errorf("fetch %s: status 404: %w", u, storage.ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return nil, "", fmt.Errorf("fetch %s: status %d", u, resp.StatusCode)
	}
	if !isObjectType(resp.Header.Get("Content-Type")) {
		return nil, "", fmt.Errorf("fetch %s: content type %q: %w", u, resp.Header.Get("Content-Type"), ErrInvalidObject)
	}
	if resp.ContentLength > MaxObjectBytes {
		return nil, "", fmt.Errorf("fetch %s: %w", u, ErrTooLarge)
	}
	body, err := ReadBody(resp.Body, MaxObjectBytes)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", u, err)
	}
	return body, resp.Request.URL.String(), nil
}

// isObjectType accepts the media types servers answer ActivityPub with:
// application/activity+json and application/ld+json (with or without
// the ActivityStreams profile).
func isObjectType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/activity+json" || mt == "application/ld+json")
}

// DecodeObject reads an object or activity within the budgets of one
// request: at most MaxObjectBytes, strings of 64 KB, 1,000 entries per
// array, nesting 32 deep.
func DecodeObject(body []byte) (*Object, error) {
	var o Object
	if err := bounded.Unmarshal(body, &o, bounded.Limits{Bytes: MaxObjectBytes}); err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrInvalidObject)
	}
	return &o, nil
}

// checkID applies the id rule to an object fetched at requested and read
// at final: it must carry the id it was fetched at, or, after a
// redirect, the id it was read at on the same host.
func checkID(requested, final string, o *Object) error {
	req := strings.SplitN(requested, "#", 2)[0]
	switch {
	case o.ID == "":
	case o.ID == req || o.ID == requested:
		return nil
	case o.ID == final && sameHost(req, final):
		return nil
	}
	return fmt.Errorf("fetched %s, got the object %q: %w", requested, o.ID, ErrInvalidObject)
}

// actorTypes are the types of accounts.
var actorTypes = []string{"Person", "Service", "Application", "Group", "Organization"}

func isActor(o *Object) bool { return slices.ContainsFunc(actorTypes, o.Type.Is) }

// Actor returns the remote account with id uri: stored when fetched
// within the last day, else fetched (and stored). A local id is the
// local member. When its server does not answer, a stored account is
// returned as it is.
func (r *Resolver) Actor(ctx context.Context, uri string) (storage.User, error) {
	return r.actor(ctx, uri, false)
}

func (r *Resolver) actor(ctx context.Context, uri string, force bool) (storage.User, error) {
	if r.URIs.IsLocal(uri) {
		return r.Social.AccountByURI(uri)
	}
	stored, serr := r.DB.RemoteUserByURI(uri)
	if serr == nil && !force && r.now().Sub(stored.FetchedAt) < actorFreshFor {
		return stored, nil
	}
	if err := r.refuseDomain(hostOf(uri)); err != nil {
		return storage.User{}, err
	}
	body, final, err := r.fetch(ctx, uri)
	if err == nil {
		var o *Object
		if o, err = DecodeObject(body); err == nil {
			if err = checkID(uri, final, o); err == nil {
				return r.storeActor(ctx, o)
			}
		}
	}
	if serr == nil && !force && !errors.Is(err, ErrRemoteGone) {
		r.logger().Info("federation: actor refresh failed, keeping the stored one", "uri", uri, "err", err)
		return stored, nil
	}
	return storage.User{}, err
}

// RefreshActor fetches an actor again, whatever is stored (an Update of
// the actor arrived).
func (r *Resolver) RefreshActor(ctx context.Context, uri string) (storage.User, error) {
	return r.actor(ctx, uri, true)
}

// maxName and maxBio bound what is kept of a remote profile.
const (
	maxName = 100
	maxBio  = 10_000
)

// storeActor stores an actor object fetched from (or confirmed by) its
// own server.
func (r *Resolver) storeActor(ctx context.Context, o *Object) (storage.User, error) {
	if !isActor(o) {
		return storage.User{}, fmt.Errorf("%q is a %v, not an account: %w", o.ID, o.Type, ErrInvalidObject)
	}
	host := hostOf(o.ID)
	if err := r.refuseDomain(host); err != nil {
		return storage.User{}, err
	}
	name := strings.TrimSpace(o.PreferredUsername)
	if name == "" || utf8.RuneCountInString(name) > maxName || strings.ContainsAny(name, "@/ \t\r\n") || !utf8.ValidString(name) {
		return storage.User{}, fmt.Errorf("%q: preferredUsername %q: %w", o.ID, name, ErrInvalidObject)
	}
	if !sameHost(o.Inbox, o.ID) {
		return storage.User{}, fmt.Errorf("%q: inbox %q is not on its host: %w", o.ID, o.Inbox, ErrInvalidObject)
	}
	var key Key
	for _, k := range o.PublicKey {
		if (k.Owner == o.ID || k.Owner == "") && k.PublicKeyPem != "" && sameHost(k.ID, o.ID) {
			key = k
			break
		}
	}
	if key.ID == "" {
		return storage.User{}, fmt.Errorf("%q has no public key of its own: %w", o.ID, ErrInvalidObject)
	}
	if _, err := ParsePublicKey(key.PublicKeyPem); err != nil {
		return storage.User{}, fmt.Errorf("%q: public key: %v: %w", o.ID, err, ErrInvalidObject)
	}
	u := storage.User{
		Username:     name,
		Domain:       host,
		URI:          o.ID,
		DisplayName:  social.Clip(strings.TrimSpace(o.DisplayName()), maxName),
		BioHTML:      markup.SanitizeRemote(social.Clip(pick(o.Summary, o.SummaryMap.Pick()), maxBio)),
		Inbox:        o.Inbox,
		OutboxURL:    urlOrEmpty(o.Outbox),
		FollowersURL: urlOrEmpty(o.Followers),
		FollowingURL: urlOrEmpty(o.Following),
		FeaturedURL:  urlOrEmpty(o.Featured),
		ProfileURL:   urlOrEmpty(o.URL.First()),
		PublicKeyID:  key.ID,
		PublicKeyPEM: key.PublicKeyPem,
		Locked:       o.ManuallyApprovesFollowers,
		Bot:          o.Type.Is("Service") || o.Type.Is("Application"),
		Indexable:    o.Indexable != nil && *o.Indexable,
		XRobotsTag:   consentValue(o.XRobotsTag),
		ContentUsage: consentValue(o.ContentUsage),
		FetchedAt:    r.now().UTC(),
		AlsoKnownAs:  aliasesOf(o), // move.go
		MovedTo:      httpURL(o.MovedTo),
		RemoteFields: remoteFields(o),
	}
	if o.NoIndex != nil && *o.NoIndex && !strings.Contains(u.XRobotsTag, "noindex") {
		u.XRobotsTag = strings.TrimPrefix(u.XRobotsTag+", noindex", ", ")
	}
	if si := o.SharedInbox(); sameHost(si, o.ID) {
		u.SharedInbox = si
	}
	stored, storedErr := r.DB.RemoteUserByURI(o.ID)
	if storedErr == nil {
		u.Avatar, u.Header = stored.Avatar, stored.Header
	}
	if p, err := r.DB.PolicyFor(host); err == nil && !p.RejectMedia {
		if o.Icon != nil && o.Icon.URL != "" {
			if img, err := r.fetchImage(ctx, o.Icon.URL, media.Avatar); err == nil {
				if pi, err := r.storeProfileImage(img); err == nil {
					u.Avatar = pi
				}
			} else {
				r.logger().Info("federation: avatar not taken", "actor", o.ID, "err", err)
			}
		}
		if o.Image != nil && o.Image.URL != "" {
			if img, err := r.fetchImage(ctx, o.Image.URL, media.Header); err == nil {
				if pi, err := r.storeProfileImage(img); err == nil {
					u.Header = pi
				}
			}
		}
	} else {
		u.Avatar, u.Header = storage.ProfileImage{}, storage.ProfileImage{}
	}
	r.storeEmoji(ctx, host, o.Tag) // emoji.go: shown in the name and bio
	// PutRemoteUser carries the marks of unchanged fields over; changed
	// ones are to be checked (links.go).
	recheck := len(u.RemoteFields) > 0 && (storedErr != nil || newFieldValues(stored.RemoteFields, u.RemoteFields))
	if err := r.DB.PutRemoteUser(&u); err != nil {
		return storage.User{}, err
	}
	if recheck && r.LinksChanged != nil {
		r.LinksChanged(u.ID)
	}
	return u, nil
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// urlOrEmpty keeps an http(s) URL, drops anything else.
func urlOrEmpty(s string) string {
	if hostOf(s) == "" {
		return ""
	}
	return s
}

// consentValue keeps a consent signal ("noai, noimageai", "train-ai=n")
// when it is short printable ASCII.
func consentValue(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return ""
		}
	}
	return s
}

// fetchImage fetches a remote picture within the byte budget and puts it
// through process (media.Avatar, media.Header or media.Process), which
// decodes it within the pixel and memory caps and re-encodes it without
// its metadata.
func (r *Resolver) fetchImage(ctx context.Context, raw string, process func(io.Reader, media.Limits) (media.Image, error)) (media.Image, error) {
	max := r.MaxImageBytes
	if max <= 0 {
		max = DefaultMaxImageBytes
	}
	if hostOf(raw) == "" {
		return media.Image{}, fmt.Errorf("image %q: %w", raw, ErrInvalidObject)
	}
	if err := r.refuseDomain(hostOf(raw)); err != nil {
		return media.Image{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return media.Image{}, err
	}
	req.Header.Set("Accept", "image/*")
	// Signed, like every fetch: the picture of a followers-only post is
	// served only to a server whose accounts may see the post.
	if err := r.signFetch(req); err != nil {
		return media.Image{}, err
	}
	resp, err := r.Guard.Do(ctx, r.Client, req)
	if err != nil {
		return media.Image{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return media.Image{}, fmt.Errorf("image %s: status %d", raw, resp.StatusCode)
	}
	if resp.ContentLength > max {
		return media.Image{}, fmt.Errorf("image %s: %w", raw, ErrTooLarge)
	}
	data, err := ReadBody(resp.Body, max)
	if err != nil {
		return media.Image{}, err
	}
	return process(bytes.NewReader(data), media.Limits{MaxBytes: max, Context: ctx})
}

// storeProfileImage stores the two files of an avatar or header; the
// account takes its references when it is stored (PutRemoteUser).
func (r *Resolver) storeProfileImage(img media.Image) (storage.ProfileImage, error) {
	d, err := r.DB.PutMedia(img.Display.Data, img.Display.ContentType, img.Display.Width, img.Display.Height)
	if err != nil {
		return storage.ProfileImage{}, err
	}
	t, err := r.DB.PutMedia(img.Thumb.Data, img.Thumb.ContentType, img.Thumb.Width, img.Thumb.Height)
	if err != nil {
		return storage.ProfileImage{}, err
	}
	return storage.ProfileImage{Display: d.Hash, Thumb: t.Hash, Width: d.Width, Height: d.Height,
		ThumbWidth: t.Width, ThumbHeight: t.Height, ContentType: d.ContentType, ThumbType: t.ContentType}, nil
}

// Handle finds the account name@host through WebFinger and returns it
// (fetched and stored). https is asked first; with Guard.AllowHTTP, plain
// http when https does not connect (test instances on loopback).
func (r *Resolver) Handle(ctx context.Context, handle string) (storage.User, error) {
	name, host, err := ParseHandle(handle)
	if err != nil {
		return storage.User{}, err
	}
	if host == strings.ToLower(r.URIs.Host()) {
		return r.DB.LocalUser(name)
	}
	if err := r.refuseDomain(host); err != nil {
		return storage.User{}, err
	}
	body, err := r.fingerHandle(ctx, name, host)
	if err != nil {
		return storage.User{}, err
	}
	actorURL, err := ParseJRD(body, name, host)
	if err != nil {
		return storage.User{}, err
	}
	return r.Actor(ctx, actorURL)
}

// signFetch signs a GET as the instance actor (unsigned when the resolver
// has no keys, in tests).
func (r *Resolver) signFetch(req *http.Request) error {
	if r.Keys == nil {
		return nil
	}
	key, err := r.Keys.Private(storage.InstanceActor)
	if err != nil {
		return err
	}
	return Sign(req, nil, KeyID(r.URIs.InstanceActor()), key, r.now())
}

// fingerHandle fetches the WebFinger answer for name@host: https, and
// http too when plain HTTP is allowed and https could not connect.
func (r *Resolver) fingerHandle(ctx context.Context, name, host string) ([]byte, error) {
	body, err := r.webfinger(ctx, WebFingerURL("https", name, host))
	// A transport failure (no TLS there), not an answer, tries http.
	var ue *url.Error
	if err != nil && r.Guard.AllowHTTP && errors.As(err, &ue) && !errors.Is(err, ErrForbiddenAddress) {
		body, err = r.webfinger(ctx, WebFingerURL("http", name, host))
	}
	return body, err
}

// SubscribeURL is, for a visitor's handle on another server, their
// server's page that follows uri: the subscribe template of their
// WebFinger answer, filled in. Only an http(s) address is returned, so a
// redirect there cannot run a script.
func (r *Resolver) SubscribeURL(ctx context.Context, handle, uri string) (string, error) {
	name, host, err := ParseHandle(handle)
	if err != nil {
		return "", err
	}
	if err := r.refuseDomain(host); err != nil {
		return "", err
	}
	body, err := r.fingerHandle(ctx, name, host)
	if err != nil {
		return "", err
	}
	tmpl, err := SubscribeTemplate(body)
	if err != nil {
		return "", err
	}
	to := strings.ReplaceAll(tmpl, "{uri}", url.QueryEscape(uri))
	u, err := url.Parse(to)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("subscribe template %q: %w", tmpl, ErrHandle)
	}
	return u.String(), nil
}

// LookupPost finds a post by its URI or URL: stored, or fetched with its
// author and the posts it answers.
func (r *Resolver) LookupPost(ctx context.Context, uri string) (storage.Post, error) {
	return r.Post(ctx, strings.TrimSpace(uri), 0)
}

func (r *Resolver) webfinger(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jrd+json, application/json")
	resp, err := r.Guard.Do(ctx, r.Client, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		// No such account there: the web door says so.
		return nil, fmt.Errorf("webfinger %s: status %d: %w: %w", u, resp.StatusCode, ErrHandle, storage.ErrNotFound)
	default:
		return nil, fmt.Errorf("webfinger %s: status %d: %w", u, resp.StatusCode, ErrHandle)
	}
	return ReadBody(resp.Body, maxWebFingerBody)
}

// Lookup finds an account as a member types it: "@name@host",
// "name@host", or the URL of an actor or of a profile page (which may
// serve the actor under another id on the same host).
func (r *Resolver) Lookup(ctx context.Context, query string) (storage.User, error) {
	q := strings.TrimSpace(query)
	if !strings.HasPrefix(q, "https://") && !strings.HasPrefix(q, "http://") {
		return r.Handle(ctx, q)
	}
	if r.URIs.IsLocal(q) {
		return r.Social.LocalUserByURI(q)
	}
	// Before the stored accounts: one of a suspended server is not
	// found either.
	if err := r.refuseDomain(hostOf(q)); err != nil {
		return storage.User{}, err
	}
	if u, err := r.DB.RemoteUserByURI(q); err == nil {
		return r.Actor(ctx, u.URI)
	}
	body, final, err := r.fetch(ctx, q)
	if err != nil {
		return storage.User{}, err
	}
	o, err := DecodeObject(body)
	if err != nil {
		return storage.User{}, err
	}
	if len(o.Type) > 0 && !isActor(o) {
		// A post's address, say: no account there, so the web door
		// tries it as a post.
		return storage.User{}, fmt.Errorf("%s is a %v, not an account: %w", q, o.Type, storage.ErrNotFound)
	}
	if checkID(q, final, o) == nil {
		return r.storeActor(ctx, o)
	}
	if o.ID != "" && sameHost(o.ID, q) {
		// A profile page answering with the actor: fetched again at
		// its id, so the id rule holds.
		return r.RefreshActor(ctx, o.ID)
	}
	return storage.User{}, fmt.Errorf("%s answered with %q: %w", q, o.ID, ErrInvalidObject)
}

// postTypes are the objects stored as posts.
var postTypes = []string{"Note", "Question", "Article", "Page"}

// Post returns the post with id uri: a local one, a stored remote one, or
// fetched (with its author and, up to MaxDepth levels from depth, the
// posts it answers) and stored.
func (r *Resolver) Post(ctx context.Context, uri string, depth int) (storage.Post, error) {
	if p, err := r.Social.PostByURI(uri); err == nil || r.URIs.IsLocal(uri) {
		return p, err
	}
	if err := r.refuseDomain(hostOf(uri)); err != nil {
		return storage.Post{}, err
	}
	body, final, err := r.fetch(ctx, uri)
	if err != nil {
		return storage.Post{}, err
	}
	o, err := DecodeObject(body)
	if err != nil {
		return storage.Post{}, err
	}
	if err := checkID(uri, final, o); err != nil {
		return storage.Post{}, err
	}
	return r.StorePost(ctx, o, depth)
}

// StorePost stores a post object received embedded in an activity (whose
// signer was checked against its author) or fetched from its server. Its
// attributedTo must be on the object's own host; its author is fetched
// when unknown, the post it answers when depth is under MaxDepth.
func (r *Resolver) StorePost(ctx context.Context, o *Object, depth int) (storage.Post, error) {
	if !slices.ContainsFunc(postTypes, o.Type.Is) {
		return storage.Post{}, fmt.Errorf("%q is a %v, not a post: %w", o.ID, o.Type, ErrInvalidObject)
	}
	author := o.AttributedTo.First()
	if o.ID == "" || !sameHost(author, o.ID) {
		return storage.Post{}, fmt.Errorf("post %q attributed to %q on another host: %w", o.ID, author, ErrInvalidObject)
	}
	if err := r.refuseDomain(hostOf(o.ID)); err != nil {
		return storage.Post{}, err
	}
	who, err := r.Actor(ctx, author)
	if err != nil {
		return storage.Post{}, err
	}
	if who.IsLocal() {
		return storage.Post{}, fmt.Errorf("post %q claims a local author: %w", o.ID, ErrInvalidObject)
	}
	parent := o.InReplyTo.First()
	if parent != "" && depth < r.maxDepth() {
		if _, err := r.Post(ctx, parent, depth+1); err != nil {
			r.logger().Info("federation: parent not fetched", "post", o.ID, "parent", parent, "err", err)
		}
	}
	rp := social.RemotePost{
		URI:          o.ID,
		URL:          urlOrEmpty(o.URL.First()),
		ObjectType:   o.Type.Main(),
		HTML:         o.Text(),
		Name:         o.DisplayName(),
		Summary:      o.Warning(),
		Sensitive:    o.Sensitive,
		To:           o.To,
		CC:           o.CC,
		InReplyTo:    parent,
		Published:    o.Published.Time,
		Language:     o.ContentMap.Lang(),
		XRobotsTag:   consentValue(o.XRobotsTag),
		ContentUsage: consentValue(o.ContentUsage),
	}
	if rp.URL == "" {
		rp.URL = o.ID // the link to the original, always there
	}
	if rp.Language == "und" {
		rp.Language = ""
	}
	if o.Source != nil && strings.HasPrefix(o.Source.MediaType, "text/") {
		rp.Source = social.Clip(o.Source.Content, 100_000)
	}
	for _, c := range append(append(Many[Object](nil), o.OneOf...), o.AnyOf...) {
		rp.Options = append(rp.Options, c.DisplayName())
	}
	rp.Poll = pollOf(o)   // polls.go
	quoteOfObject(o, &rp) // quotes.go
	if rp.QuoteURI != "" && depth < r.maxDepth() {
		if _, err := r.Post(ctx, rp.QuoteURI, depth+1); err != nil {
			r.logger().Info("federation: quoted post not fetched", "post", o.ID, "quote", rp.QuoteURI, "err", err)
		}
	}
	for _, t := range o.Tag {
		switch {
		case t.Type.Is("Mention") && t.Href != "":
			rp.Mentions = append(rp.Mentions, t.Href)
		case t.Type.Is("Hashtag") && t.Name != "":
			rp.Hashtags = append(rp.Hashtags, t.Name)
		}
	}
	r.storeEmoji(ctx, who.Domain, o.Tag) // emoji.go
	if _, err := r.DB.PostByURI(o.ID); errors.Is(err, storage.ErrNotFound) {
		// Pictures only for a new post: an update keeps them.
		rp.Attachments = r.attachments(ctx, who, o)
	} else {
		rp.Alts = imageNames(o)
	}
	p, err := r.Social.ReceivePost(ctx, who, rp)
	if err == nil {
		r.verifyQuote(ctx, p) // quotes.go
		if p, err = r.DB.PostByID(p.ID); err != nil {
			return p, err
		}
	}
	return p, err
}

// imageNames is the descriptions of an object's images, in the order
// attachments takes them: what an update says of images stored already.
func imageNames(o *Object) []string {
	out := []string{}
	for _, a := range o.Attachment {
		if len(out) == storage.MaxAttachments {
			break
		}
		if !isImageAttachment(a) {
			continue
		}
		out = append(out, a.Name)
	}
	return out
}

func isImageAttachment(a Attachment) bool {
	return strings.HasPrefix(a.MediaType, "image/") || (a.MediaType == "" && (a.Type.Is("Image") || a.Type.Is("Document")))
}

// attachments fetches a new post's images (at most
// storage.MaxAttachments) through the upload pipeline and stores them as
// uploads of the author, for the post to take; none when the author's
// domain has its media rejected. A picture that fails is left out.
func (r *Resolver) attachments(ctx context.Context, author storage.User, o *Object) []storage.Attachment {
	if len(o.Attachment) == 0 {
		return nil
	}
	if p, err := r.DB.PolicyFor(author.Domain); err != nil || p.RejectMedia {
		return nil
	}
	var out []storage.Attachment
	for _, a := range o.Attachment {
		if len(out) == storage.MaxAttachments {
			break
		}
		if !isImageAttachment(a) {
			continue
		}
		img, err := r.fetchImage(ctx, a.URL.First(), media.Process)
		if err != nil {
			r.logger().Info("federation: attachment not taken", "post", o.ID, "err", err)
			continue
		}
		f := func(v media.Variant) storage.File {
			return storage.File{Data: v.Data, ContentType: v.ContentType, Width: v.Width, Height: v.Height}
		}
		att, err := r.DB.PutUpload(author.ID, f(img.Display), f(img.Thumb), img.Animated)
		if err != nil {
			continue
		}
		if slices.ContainsFunc(out, func(x storage.Attachment) bool { return x.Display == att.Display }) {
			continue
		}
		att.Alt = social.Clip(strings.TrimSpace(a.Name), storage.MaxAltChars)
		out = append(out, att)
	}
	return out
}

// KeyOwner returns the account whose public key is keyID, with the key:
// the stored account when its key is that one, else its actor fetched
// (keyID without its fragment, or the owner named by a key served at its
// own address).
func (r *Resolver) KeyOwner(ctx context.Context, keyID string) (storage.User, *rsa.PublicKey, error) {
	return r.keyOwner(ctx, keyID, false)
}

// RefreshKey is KeyOwner fetching the actor again, for a stored key that
// failed to verify (the account rotated its key); at most once a minute
// per key, otherwise it answers as KeyOwner.
func (r *Resolver) RefreshKey(ctx context.Context, keyID string) (storage.User, *rsa.PublicKey, error) {
	r.mu.Lock()
	if r.refetched == nil {
		r.refetched = map[string]time.Time{}
	}
	last, ok := r.refetched[keyID]
	force := !ok || r.now().Sub(last) >= keyRefetchEvery
	if force {
		if len(r.refetched) > 10_000 {
			clear(r.refetched)
		}
		r.refetched[keyID] = r.now()
	}
	r.mu.Unlock()
	return r.keyOwner(ctx, keyID, force)
}

func (r *Resolver) keyOwner(ctx context.Context, keyID string, force bool) (storage.User, *rsa.PublicKey, error) {
	actorURI := strings.SplitN(keyID, "#", 2)[0]
	r.mu.Lock()
	if a, ok := r.keyActors[keyID]; ok {
		actorURI = a
	}
	r.mu.Unlock()
	if hostOf(actorURI) == "" {
		return storage.User{}, nil, fmt.Errorf("key id %q: %w", keyID, ErrInvalidObject)
	}
	if r.URIs.IsLocal(actorURI) {
		return storage.User{}, nil, fmt.Errorf("key id %q is this instance's: %w", keyID, ErrInvalidObject)
	}
	u, err := r.DB.RemoteUserByURI(actorURI)
	if err != nil || force || u.PublicKeyID != keyID {
		u, err = r.fetchKeyOwner(ctx, keyID, actorURI, force || err == nil)
		if err != nil {
			return storage.User{}, nil, err
		}
	}
	if u.PublicKeyID != keyID {
		return storage.User{}, nil, fmt.Errorf("key %q is not %s's key: %w", keyID, u.URI, ErrSignature)
	}
	pub, err := r.publicKey(u.PublicKeyPEM)
	if err != nil {
		return storage.User{}, nil, err
	}
	return u, pub, nil
}

// fetchKeyOwner fetches what keyID names: an actor (keyID is
// "actor#fragment"), or a key with its owner (GoToSocial serves keys at
// their own address), and stores the actor.
func (r *Resolver) fetchKeyOwner(ctx context.Context, keyID, at string, force bool) (storage.User, error) {
	if err := r.refuseDomain(hostOf(at)); err != nil {
		return storage.User{}, err
	}
	body, final, err := r.fetch(ctx, at)
	if err != nil {
		return storage.User{}, err
	}
	o, err := DecodeObject(body)
	if err != nil {
		return storage.User{}, err
	}
	var u storage.User
	switch {
	case isActor(o) && checkID(at, final, o) == nil:
		u, err = r.storeActor(ctx, o)
	case isActor(o) && sameHost(o.ID, keyID):
		// The key's address answered with its owner's actor.
		u, err = r.actor(ctx, o.ID, true)
	case o.Owner != "" && o.ID == keyID && sameHost(o.Owner, keyID):
		u, err = r.actor(ctx, o.Owner, force)
	default:
		return storage.User{}, fmt.Errorf("key %q: %s answered with neither its actor nor the key: %w", keyID, at, ErrInvalidObject)
	}
	if err != nil {
		return storage.User{}, err
	}
	if u.URI != strings.SplitN(keyID, "#", 2)[0] {
		r.mu.Lock()
		if r.keyActors == nil || len(r.keyActors) > 10_000 {
			r.keyActors = map[string]string{}
		}
		r.keyActors[keyID] = u.URI
		r.mu.Unlock()
	}
	return u, nil
}

// publicKey parses a PEM once and keeps it.
func (r *Resolver) publicKey(p string) (*rsa.PublicKey, error) {
	r.mu.Lock()
	pub := r.pubs[p]
	r.mu.Unlock()
	if pub != nil {
		return pub, nil
	}
	pub, err := ParsePublicKey(p)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.pubs == nil || len(r.pubs) > 10_000 {
		r.pubs = map[string]*rsa.PublicKey{}
	}
	r.pubs[p] = pub
	r.mu.Unlock()
	return pub, nil
}

// ParsePublicKey reads an RSA public key in PEM: SPKI ("PUBLIC KEY", as
// Mastodon writes it) or PKCS#1 ("RSA PUBLIC KEY").
func ParsePublicKey(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key type %T is not RSA", k)
	}
	return rk, nil
}
