package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"maps"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/markup"
	"majlis/storage"
)

// ErrGone is returned by Render when an activity no longer applies: what it
// is about went before it was delivered (a post deleted before its Create
// left, a repost taken back before its Announce). The delivery drops it.
var ErrGone = errors.New("activity no longer applies")

// Converter turns stored records into ActivityStreams JSON: the actor and
// Note documents served to other servers and the activities delivered to
// them. One converter, so what is served and what is delivered agree.
type Converter struct {
	DB       *storage.DB
	Keys     *Keys
	URIs     URIs
	SiteName string
	Now      func() time.Time
	// FollowID, when set, returns the id of the Follow activity of
	// follower for followee that we received (and now accept or
	// reject), "" when unknown; Accept and Reject echo it. Without it the
	// Follow is embedded without an id, which Mastodon and others match
	// by actor and object.
	FollowID func(follower, followee storage.ID) string
}

// Context documents: ActivityStreams, the security vocabulary of
// publicKey, and the terms of Mastodon's and majlis's own extensions.
const (
	asContext       = "https://www.w3.org/ns/activitystreams"
	securityContext = "https://w3id.org/security/v1"
	markdownType    = "text/markdown"
)

// ldContext is the @context of every document: the terms Mastodon and
// its peers read beyond ActivityStreams (toot:, schema:, ostatus:), and
// majlis's consent terms under the instance's own namespace (BaseURL/ns#).
func (c *Converter) ldContext() any {
	terms := map[string]any{
		"toot":                      "http://joinmastodon.org/ns#",
		"schema":                    "http://schema.org#",
		"ostatus":                   "http://ostatus.org#",
		"majlis":                    c.URIs.Base + "/ns#",
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"sensitive":                 "as:sensitive",
		"Hashtag":                   "as:Hashtag",
		"discoverable":              "toot:discoverable",
		"indexable":                 "toot:indexable",
		"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
		"PropertyValue":             "schema:PropertyValue",
		"value":                     "schema:value",
		"conversation":              "ostatus:conversation",
		"xRobotsTag":                "majlis:xRobotsTag",
		"contentUsage":              "majlis:contentUsage",
		"alsoKnownAs":               map[string]string{"@id": "as:alsoKnownAs", "@type": "@id"},
		"movedTo":                   map[string]string{"@id": "as:movedTo", "@type": "@id"},
		"Emoji":                     "toot:Emoji",
	}
	maps.Copy(terms, quoteTerms) // quotes.go
	return []any{asContext, securityContext, terms}
}

// settings are the instance's settings now (defaults if unreadable: the
// defaults reserve AI training, the safe side).
func (c *Converter) settings() storage.InstanceSettings {
	s, _, err := c.DB.InstanceSummary()
	if err != nil {
		s = storage.DefaultInstanceSettings()
	}
	if s.Name == "" {
		s.Name = c.SiteName
	}
	return s
}

// ConsentFor is the consent of content by these accounts under the
// instance's policy now.
func (c *Converter) ConsentFor(users ...storage.User) Consent {
	return ConsentOf(c.settings().AITrainingAllowed, users...)
}

func (c *Converter) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// stamp is an xsd:dateTime as Mastodon writes it (UTC, seconds).
func stamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// marshal encodes a document without escaping <, > and & (content is HTML).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Documents. Field order is the order of the JSON.

type imageJSON struct {
	Type      string `json:"type"`
	MediaType string `json:"mediaType,omitempty"`
	URL       string `json:"url"`
}

type keyJSON struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

type propertyJSON struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type endpointsJSON struct {
	SharedInbox string `json:"sharedInbox"`
}

type actorJSON struct {
	Context                   any            `json:"@context,omitempty"`
	ID                        string         `json:"id"`
	Type                      string         `json:"type"`
	PreferredUsername         string         `json:"preferredUsername"`
	Name                      string         `json:"name,omitempty"`
	Summary                   string         `json:"summary,omitempty"`
	URL                       string         `json:"url,omitempty"`
	Icon                      *imageJSON     `json:"icon,omitempty"`
	Image                     *imageJSON     `json:"image,omitempty"`
	Inbox                     string         `json:"inbox"`
	Outbox                    string         `json:"outbox,omitempty"`
	Followers                 string         `json:"followers,omitempty"`
	Following                 string         `json:"following,omitempty"`
	Featured                  string         `json:"featured,omitempty"`
	Endpoints                 endpointsJSON  `json:"endpoints"`
	PublicKey                 keyJSON        `json:"publicKey"`
	ManuallyApprovesFollowers bool           `json:"manuallyApprovesFollowers"`
	Discoverable              *bool          `json:"discoverable,omitempty"`
	Indexable                 *bool          `json:"indexable,omitempty"`
	Published                 string         `json:"published,omitempty"`
	Attachment                []propertyJSON `json:"attachment,omitempty"`
	XRobotsTag                string         `json:"xRobotsTag,omitempty"`
	ContentUsage              string         `json:"contentUsage,omitempty"`
	AlsoKnownAs               []string       `json:"alsoKnownAs,omitempty"`
	MovedTo                   string         `json:"movedTo,omitempty"`
	// Tag lists the custom emoji the name and summary use (emoji.go).
	Tag []tagJSON `json:"tag,omitempty"`
}

type tagJSON struct {
	ID   string `json:"id,omitempty"` // an Emoji's
	Type string `json:"type"`
	Href string `json:"href,omitempty"`
	Name string `json:"name"`
	// Icon is an Emoji's picture; Updated when it last changed.
	Icon    *imageJSON `json:"icon,omitempty"`
	Updated string     `json:"updated,omitempty"`
}

type documentJSON struct {
	Type      string `json:"type"`
	MediaType string `json:"mediaType"`
	URL       string `json:"url"`
	Name      string `json:"name,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
}

type sourceJSON struct {
	Content   string `json:"content"`
	MediaType string `json:"mediaType"`
}

type noteJSON struct {
	LDContext    any               `json:"@context,omitempty"`
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	AttributedTo string            `json:"attributedTo"`
	To           []string          `json:"to"`
	CC           []string          `json:"cc"`
	InReplyTo    string            `json:"inReplyTo,omitempty"`
	Context      string            `json:"context,omitempty"`
	Conversation string            `json:"conversation,omitempty"`
	Published    string            `json:"published"`
	Updated      string            `json:"updated,omitempty"`
	URL          string            `json:"url"`
	Summary      string            `json:"summary,omitempty"`
	Sensitive    bool              `json:"sensitive"`
	Content      string            `json:"content"`
	ContentMap   map[string]string `json:"contentMap,omitempty"`
	Source       *sourceJSON       `json:"source,omitempty"`
	Tag          []tagJSON         `json:"tag"`
	Attachment   []documentJSON    `json:"attachment"`
	XRobotsTag   string            `json:"xRobotsTag,omitempty"`
	ContentUsage string            `json:"contentUsage,omitempty"`
	// A Question's answers, end and counts (polls.go).
	questionFields
	// Who may quote it, and what it quotes (quotes.go).
	quoteFields
}

type tombstoneJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// embeddedJSON is a Follow embedded in an Accept, Reject or Undo, and the
// other embedded activities of an Undo.
type embeddedJSON struct {
	ID     string `json:"id,omitempty"`
	Type   string `json:"type"`
	Actor  string `json:"actor"`
	Object string `json:"object,omitempty"`
}

type activityJSON struct {
	Context   any      `json:"@context,omitempty"`
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	Actor     string   `json:"actor"`
	Published string   `json:"published,omitempty"`
	To        []string `json:"to,omitempty"`
	CC        []string `json:"cc,omitempty"`
	Object    any      `json:"object"`
	Target    string   `json:"target,omitempty"`
	Content   string   `json:"content,omitempty"`
	// Instrument and Result carry a QuoteRequest's quote and its
	// answer's authorization (quotes.go).
	Instrument any    `json:"instrument,omitempty"`
	Result     string `json:"result,omitempty"`
}

// Actor is a local member's actor document.
func (c *Converter) Actor(u storage.User) ([]byte, error) {
	a, err := c.actor(u)
	if err != nil {
		return nil, err
	}
	a.Context = c.ldContext()
	return marshal(a)
}

func (c *Converter) actor(u storage.User) (*actorJSON, error) {
	if !u.IsLocal() {
		return nil, fmt.Errorf("actor of remote account %d: %w", u.ID, storage.ErrInvalid)
	}
	pem, err := c.Keys.PublicPEM(u.ID)
	if err != nil {
		return nil, err
	}
	s := c.settings()
	id := c.URIs.Actor(u.Username)
	typ := "Person"
	if u.Bot {
		typ = "Service"
	}
	consent := ConsentOf(s.AITrainingAllowed, u)
	discoverable, indexable := u.Indexable, u.Indexable
	a := &actorJSON{
		ID:                        id,
		Type:                      typ,
		PreferredUsername:         u.Username,
		Name:                      u.Name(),
		Summary:                   c.absoluteLinks(u.BioHTML),
		URL:                       c.URIs.Profile(u.Username),
		Inbox:                     c.URIs.Inbox(u.Username),
		Outbox:                    c.URIs.Outbox(u.Username),
		Followers:                 c.URIs.Followers(u.Username),
		Following:                 c.URIs.Following(u.Username),
		Featured:                  c.URIs.Featured(u.Username),
		Endpoints:                 endpointsJSON{SharedInbox: c.URIs.SharedInbox()},
		PublicKey:                 keyJSON{ID: KeyID(id), Owner: id, PublicKeyPem: pem},
		ManuallyApprovesFollowers: u.Locked,
		Discoverable:              &discoverable,
		Indexable:                 &indexable,
		Published:                 stamp(u.CreatedAt),
		XRobotsTag:                consent.XRobotsTag(),
		ContentUsage:              consent.ContentUsage(),
		AlsoKnownAs:               u.AlsoKnownAs, // moves.go
		MovedTo:                   u.MovedTo,
	}
	if !u.Avatar.IsZero() {
		a.Icon = &imageJSON{Type: "Image", MediaType: u.Avatar.ContentType, URL: c.URIs.Base + storage.MediaPath(u.Avatar.Display, u.Avatar.ContentType)}
	}
	if !u.Header.IsZero() {
		a.Image = &imageJSON{Type: "Image", MediaType: u.Header.ContentType, URL: c.URIs.Base + storage.MediaPath(u.Header.Display, u.Header.ContentType)}
	}
	for _, l := range u.Links {
		a.Attachment = append(a.Attachment, propertyJSON{Type: "PropertyValue", Name: l.Label, Value: linkHTML(l.URL)})
	}
	// The AI-training choice as a field people read on the profile, in
	// the instance's language.
	ctx := i18n.WithLang(context.Background(), i18n.Negotiate("", "", s.Language))
	name, value := consent.AITrainingField(ctx)
	a.Attachment = append(a.Attachment, propertyJSON{Type: "PropertyValue", Name: name, Value: value})
	a.Tag = c.emojiTags(markup.EmojiShortcodes(a.Name + " " + a.Summary))
	return a, nil
}

// linkHTML is a profile link as Mastodon writes a field's value: a link
// marked rel="me" (so a page that links back verifies it), its text the
// address without its scheme.
func linkHTML(u string) string {
	text := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if strings.Count(text, "/") == 1 && strings.HasSuffix(text, "/") {
		text = strings.TrimSuffix(text, "/")
	}
	return `<a href="` + html.EscapeString(u) + `" target="_blank" rel="me nofollow noopener">` + html.EscapeString(text) + `</a>`
}

// InstanceActor is the instance's own actor: the Application that signs
// the server's fetches and its reports.
func (c *Converter) InstanceActor() ([]byte, error) {
	pem, err := c.Keys.PublicPEM(storage.InstanceActor)
	if err != nil {
		return nil, err
	}
	id := c.URIs.InstanceActor()
	s := c.settings()
	consent := ConsentOf(s.AITrainingAllowed)
	a := &actorJSON{
		Context:                   c.ldContext(),
		ID:                        id,
		Type:                      "Application",
		PreferredUsername:         c.URIs.Host(),
		Name:                      s.Name,
		URL:                       c.URIs.Base + "/about",
		Inbox:                     c.URIs.SharedInbox(),
		Endpoints:                 endpointsJSON{SharedInbox: c.URIs.SharedInbox()},
		PublicKey:                 keyJSON{ID: KeyID(id), Owner: id, PublicKeyPem: pem},
		ManuallyApprovesFollowers: true,
		XRobotsTag:                consent.XRobotsTag(),
		ContentUsage:              consent.ContentUsage(),
	}
	return marshal(a)
}

// Note is a local post's Note document.
func (c *Converter) Note(p storage.Post) ([]byte, error) {
	n, err := c.note(p)
	if err != nil {
		return nil, err
	}
	n.LDContext = c.ldContext()
	return marshal(n)
}

// accountURI is the actor id of an account, local or remote.
func (c *Converter) accountURI(u storage.User) string {
	if u.IsLocal() {
		return c.URIs.Actor(u.Username)
	}
	return u.URI
}

// handle is an account's address as a Mention names it: @name@host, for
// our members too (to every other server they are remote).
func (c *Converter) handle(u storage.User) string {
	if u.IsLocal() {
		return "@" + u.Username + "@" + c.URIs.Host()
	}
	return "@" + u.Username + "@" + u.Domain
}

// audience is to and cc of a post of visibility v by the author whose
// followers collection is followers, addressed also to others: the
// public collection and the followers as the visibility says, the
// mentioned accounts always (a direct post reaches nobody else).
func audience(v storage.Visibility, followers string, others []string) (to, cc []string) {
	to, cc = []string{}, []string{}
	switch v {
	case storage.Public:
		to = append(to, Public)
		cc = append(append(cc, followers), others...)
	case storage.Unlisted:
		to = append(to, followers)
		cc = append(append(cc, Public), others...)
	case storage.FollowersOnly:
		to = append(to, followers)
		cc = append(cc, others...)
	default: // Direct, and anything unknown: the narrowest
		to = append(to, others...)
	}
	return to, cc
}

func (c *Converter) note(p storage.Post) (*noteJSON, error) {
	if !p.Local || p.IsRepost() {
		return nil, fmt.Errorf("note of post %d: not a local post: %w", p.ID, storage.ErrInvalid)
	}
	author, err := c.DB.UserByID(p.AuthorID)
	if err != nil {
		return nil, err
	}
	actor := c.URIs.Actor(author.Username)
	n := &noteJSON{
		ID:           p.URI,
		Type:         "Note",
		AttributedTo: actor,
		Published:    stamp(p.CreatedAt),
		URL:          p.URI,
		Summary:      p.ContentWarning,
		Sensitive:    p.ContentWarning != "",
		Content:      c.absoluteLinks(markup.Unemojify(p.HTML)),
		Tag:          []tagJSON{},
		Attachment:   []documentJSON{},
	}
	if !p.EditedAt.IsZero() {
		n.Updated = stamp(p.EditedAt)
	}
	if p.Language != "" {
		n.ContentMap = map[string]string{p.Language: n.Content}
	}
	if p.Source != "" {
		n.Source = &sourceJSON{Content: p.Source, MediaType: markdownType}
	}
	var mentioned []string
	for _, id := range p.Mentions {
		m, err := c.DB.UserByID(id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // deleted since: nobody to address
		}
		if err != nil {
			return nil, err
		}
		uri := c.accountURI(m)
		mentioned = append(mentioned, uri)
		n.Tag = append(n.Tag, tagJSON{Type: "Mention", Href: uri, Name: c.handle(m)})
	}
	for _, t := range p.Tags {
		n.Tag = append(n.Tag, tagJSON{Type: "Hashtag", Href: c.URIs.Base + "/tags/" + t, Name: "#" + t})
	}
	n.Tag = append(n.Tag, c.emojiTags(markup.EmojiInHTML(p.HTML))...)
	n.To, n.CC = audience(p.Visibility, c.URIs.Followers(author.Username), mentioned)
	for _, at := range p.Attachments {
		n.Attachment = append(n.Attachment, documentJSON{
			Type: "Document", MediaType: at.ContentType, URL: c.URIs.Base + storage.MediaPath(at.Display, at.ContentType),
			Name: at.Alt, Width: at.Width, Height: at.Height,
		})
	}
	if p.InReplyTo != 0 {
		if parent, err := c.DB.PostByID(p.InReplyTo); err == nil {
			n.InReplyTo = parent.URI
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	root, err := c.DB.ThreadRoot(p.ID)
	switch {
	case err == nil:
		n.Context, n.Conversation = root.URI, root.URI
	case errors.Is(err, storage.ErrNotFound):
		// Not stored (a post rendered before it is saved): its own.
		n.Context, n.Conversation = p.URI, p.URI
	default:
		return nil, err
	}
	consent := c.ConsentFor(author)
	n.XRobotsTag, n.ContentUsage = consent.XRobotsTag(), consent.ContentUsage()
	c.question(n, p)          // polls.go
	c.quoteInto(n, p, author) // quotes.go
	return n, nil
}

// actorOf is who sends an activity: its local member, or what the
// tombstone of a deleted one keeps (name), or ErrGone.
func (c *Converter) actorOf(a storage.Activity) (name string, u *storage.User, err error) {
	m, err := c.DB.UserByID(a.ActorID)
	if err == nil {
		if !m.IsLocal() {
			return "", nil, fmt.Errorf("activity %d by remote account %d: %w", a.ID, a.ActorID, storage.ErrInvalid)
		}
		return m.Username, &m, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return "", nil, err
	}
	t, terr := c.DB.TombstoneOf(a.ActorID)
	if terr != nil {
		if errors.Is(terr, storage.ErrNotFound) {
			return "", nil, fmt.Errorf("actor %d of activity %d: %w", a.ActorID, a.ID, ErrGone)
		}
		return "", nil, terr
	}
	return t.Username, nil, nil
}

// uriOf is the actor id of account id, "" when it is gone.
func (c *Converter) uriOf(id storage.ID) (string, error) {
	u, err := c.DB.UserByID(id)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return c.accountURI(u), nil
}

// post is the post an activity is about, or ErrGone.
func (c *Converter) post(a storage.Activity) (storage.Post, error) {
	p, err := c.DB.PostByID(a.PostID)
	if errors.Is(err, storage.ErrNotFound) {
		return p, fmt.Errorf("post %d of activity %d: %w", a.PostID, a.ID, ErrGone)
	}
	return p, err
}

// Render is the JSON of an outbox entry, ready to deliver, as the records
// stand now: a post edited before delivery goes out as edited. ErrGone
// when the activity no longer applies.
func (c *Converter) Render(a storage.Activity) ([]byte, error) {
	act, err := c.render(a)
	if err != nil {
		return nil, err
	}
	act.Context = c.ldContext()
	return marshal(act)
}

func (c *Converter) render(a storage.Activity) (*activityJSON, error) {
	if a.Type == storage.ActivityFlag || a.ActorID == storage.InstanceActor {
		if a.Type != storage.ActivityFlag {
			return nil, fmt.Errorf("activity %d: the instance sends only Flag, not %s: %w", a.ID, a.Type, storage.ErrInvalid)
		}
		return c.flag(a)
	}
	name, member, err := c.actorOf(a)
	if err != nil {
		return nil, err
	}
	actor := c.URIs.Actor(name)
	if member == nil && a.Type != storage.ActivityDelete {
		// The account is gone: its Delete says everything else.
		return nil, fmt.Errorf("activity %d of deleted account %d: %w", a.ID, a.ActorID, ErrGone)
	}
	created := a.CreatedAt
	if created.IsZero() {
		created = c.now()
	}
	out := &activityJSON{ID: c.URIs.Activity(a.ID), Type: a.Type, Actor: actor}
	followers := c.URIs.Followers(name)
	if ok, err := c.quoteActivity(a, out); ok {
		return out, err // quotes.go
	}
	switch a.Type {
	case storage.ActivityCreate, storage.ActivityUpdate:
		if a.Type == storage.ActivityUpdate && a.PostID == 0 {
			// A profile change: the actor as it is now.
			obj, err := c.actor(*member)
			if err != nil {
				return nil, err
			}
			out.Published, out.To, out.CC, out.Object = stamp(created), []string{Public}, []string{followers}, obj
			return out, nil
		}
		if c.isVote(a) {
			return c.vote(a, out) // polls.go
		}
		p, err := c.post(a)
		if err != nil {
			return nil, err
		}
		n, err := c.note(p)
		if err != nil {
			return nil, err
		}
		out.To, out.CC, out.Object = n.To, n.CC, n
		if a.Type == storage.ActivityCreate {
			out.Published = n.Published
		} else {
			out.Published = stamp(created)
		}
	case storage.ActivityDelete:
		out.Published = stamp(created)
		if a.PostID == 0 {
			// The account itself.
			out.To, out.Object = []string{Public}, actor
			return out, nil
		}
		var others []string
		for _, id := range a.To {
			uri, err := c.uriOf(id)
			if err != nil {
				return nil, err
			}
			if uri != "" {
				others = append(others, uri)
			}
		}
		out.To, out.CC = []string{Public}, append([]string{followers}, others...)
		out.Object = tombstoneJSON{ID: a.Object, Type: "Tombstone"}
	case storage.ActivityLike:
		p, err := c.post(a)
		if err != nil {
			return nil, err
		}
		out.Object = p.URI
	case storage.ActivityAnnounce:
		orig, err := c.post(a)
		if err != nil {
			return nil, err
		}
		r, err := c.DB.RepostBy(a.ActorID, orig.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("repost of activity %d taken back: %w", a.ID, ErrGone)
		}
		if err != nil {
			return nil, err
		}
		var others []string
		if uri, err := c.uriOf(orig.AuthorID); err != nil {
			return nil, err
		} else if uri != "" && uri != actor {
			others = append(others, uri)
		}
		out.ID, out.Published, out.Object = r.URI, stamp(r.CreatedAt), orig.URI
		out.To, out.CC = audience(r.Visibility, followers, others)
	case storage.ActivityFollow, storage.ActivityBlock:
		out.Object = a.Object
	case storage.ActivityAccept, storage.ActivityReject:
		follow := embeddedJSON{Type: storage.ActivityFollow, Actor: a.Object, Object: actor}
		if c.FollowID != nil {
			follow.ID = c.FollowID(a.TargetID, a.ActorID)
		}
		out.To, out.Object = []string{a.Object}, follow
	case storage.ActivityUndo:
		undone := embeddedJSON{Type: a.Undo, Actor: actor, Object: a.Object}
		if a.Undo == storage.ActivityAnnounce {
			// Unrepost put the Announce's id (the repost's URI) in
			// Object; the Announce's object is the original.
			undone.ID, undone.Object = a.Object, ""
			if p, err := c.DB.PostByID(a.PostID); err == nil {
				undone.Object = p.URI
			} else if !errors.Is(err, storage.ErrNotFound) {
				return nil, err
			}
		}
		out.Object = undone
	case storage.ActivityMove:
		moveJSON(out, actor, a.Object, followers) // move.go
	case storage.ActivityAdd, storage.ActivityRemove:
		if a.Type == storage.ActivityAdd {
			if _, err := c.post(a); err != nil {
				return nil, err
			}
		}
		out.Object, out.Target = a.Object, c.URIs.Featured(name)
	default:
		return nil, fmt.Errorf("activity %d: type %q: %w", a.ID, a.Type, storage.ErrInvalid)
	}
	return out, nil
}

// flag is a report sent as the instance: the reported account and post,
// and the reporter's comment, never the reporter.
func (c *Converter) flag(a storage.Activity) (*activityJSON, error) {
	objects := []string{a.Object}
	if a.PostID != 0 {
		if p, err := c.DB.PostByID(a.PostID); err == nil {
			objects = append(objects, p.URI)
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	out := &activityJSON{ID: c.URIs.Activity(a.ID), Type: storage.ActivityFlag, Actor: c.URIs.InstanceActor(), Object: objects}
	if a.ReportID != 0 {
		r, err := c.DB.Report(a.ReportID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		out.Content = r.Report.Comment
	}
	return out, nil
}

// Signer is the key an activity is signed with: its member's; the
// instance actor's for a Flag or an activity of the instance; a deleted
// member's key while its tombstone waits for the Delete to be delivered
// (never a new one: nobody could have it).
func (c *Converter) Signer(a storage.Activity) (string, *rsa.PrivateKey, error) {
	if a.Type == storage.ActivityFlag || a.ActorID == storage.InstanceActor {
		key, err := c.Keys.Private(storage.InstanceActor)
		return KeyID(c.URIs.InstanceActor()), key, err
	}
	u, err := c.DB.UserByID(a.ActorID)
	if err == nil {
		if !u.IsLocal() {
			return "", nil, fmt.Errorf("signer of activity %d: remote account %d: %w", a.ID, a.ActorID, storage.ErrInvalid)
		}
		key, err := c.Keys.Private(u.ID)
		return KeyID(c.URIs.Actor(u.Username)), key, err
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return "", nil, err
	}
	t, err := c.DB.TombstoneOf(a.ActorID)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil, fmt.Errorf("signer of activity %d: account %d: %w", a.ID, a.ActorID, ErrGone)
	}
	if err != nil {
		return "", nil, err
	}
	pem, err := c.DB.StoredActorKey(a.ActorID)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil, fmt.Errorf("signer of activity %d: deleted account %d has no key: %w", a.ID, a.ActorID, ErrGone)
	}
	if err != nil {
		return "", nil, err
	}
	key, err := ParsePrivateKey(pem)
	if err != nil {
		return "", nil, fmt.Errorf("key of deleted account %d: %w", a.ActorID, err)
	}
	return KeyID(c.URIs.Actor(t.Username)), key, nil
}

// absoluteLinks makes the instance-relative links of rendered Markdown
// (hashtags "/tags/x", mentions "/@name") absolute: another server reads
// the HTML far from here, where a path alone points to its own pages.
// The sanitizer writes every attribute as href="...", so one spelling
// covers them all.
func (c *Converter) absoluteLinks(html string) string {
	return strings.ReplaceAll(html, `href="/`, `href="`+c.URIs.Base+`/`)
}
