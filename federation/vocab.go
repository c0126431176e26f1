package federation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The ActivityStreams vocabulary as other servers really write it. JSON-LD
// lets a property be a string or an object or an array of either, and
// every implementation uses that freedom somewhere: Mastodon's `to` is an
// array, Misskey's `attributedTo` a string, GoToSocial writes one `tag` as
// an object, Pleroma puts text in `contentMap` only. These types accept
// every such shape and hand the rest of majlis one plain form, so nothing
// after decoding has to care which server wrote the JSON. Unknown
// properties are ignored; unknown types are kept by name so the inbox can
// refuse them.

// Public is the special collection that addresses everyone.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// IsPublic reports whether iri names the public collection in any of the
// spellings servers send: the full IRI, the compact "as:Public", or the
// bare "Public".
func IsPublic(iri string) bool {
	return iri == Public || iri == "as:Public" || iri == "Public"
}

// IRIs is a property holding references: one IRI, an object or link with
// an id (or href), or an array of these. Empty and null entries are
// dropped.
type IRIs []string

// UnmarshalJSON accepts every shape of a reference property.
func (s *IRIs) UnmarshalJSON(b []byte) error {
	*s = nil
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		for _, it := range items {
			if id := refID(it); id != "" {
				*s = append(*s, id)
			}
		}
		return nil
	}
	if id := refID(b); id != "" {
		*s = IRIs{id}
	}
	return nil
}

// First is the first reference, or "".
func (s IRIs) First() string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// HasPublic reports whether the references include the public collection.
func (s IRIs) HasPublic() bool { return slices.ContainsFunc(s, IsPublic) }

// refID is the IRI of one reference: a string, or an object's id or a
// link's href.
func refID(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return ""
	}
	if b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	var o struct {
		ID   string `json:"id"`
		Href string `json:"href"`
	}
	if b[0] != '{' || json.Unmarshal(b, &o) != nil {
		return ""
	}
	if o.ID != "" {
		return o.ID
	}
	return o.Href
}

// firstItem is a property's value, or the first entry when it is an
// array; nil for an empty array.
func firstItem(b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return b, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, nil
	}
	return bytes.TrimSpace(items[0]), nil
}

// Types is the `type` property: one name or an array of names.
type Types []string

// UnmarshalJSON accepts a string or an array of strings.
func (t *Types) UnmarshalJSON(b []byte) error {
	*t = nil
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var ss []string
		if err := json.Unmarshal(b, &ss); err != nil {
			return err
		}
		*t = ss
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = Types{s}
	return nil
}

// Is reports whether one of the types is name.
func (t Types) Is(name string) bool { return slices.Contains(t, name) }

// Main is the first type, or "".
func (t Types) Main() string {
	if len(t) == 0 {
		return ""
	}
	return t[0]
}

// LangMap is a natural-language map ("contentMap", "nameMap").
type LangMap map[string]string

// Pick is the text of a language map when the plain property is empty:
// "und" if present, else English, else the first language in sort order,
// so the choice is the same every time.
func (m LangMap) Pick() string { return m[m.Lang()] }

// Lang is the language of the text Pick chooses, or "".
func (m LangMap) Lang() string {
	if len(m) == 0 {
		return ""
	}
	for _, k := range []string{"und", "en"} {
		if _, ok := m[k]; ok {
			return k
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0]
}

// Tag is one entry of `tag`: a Mention, a Hashtag or an Emoji.
type Tag struct {
	Type Types  `json:"type"`
	Href string `json:"href"`
	Name string `json:"name"`
	// Icon is an Emoji's picture.
	Icon *Image `json:"icon"`
	ID   string `json:"id"`
}

// Image is an icon or header picture: an Image object or a bare URL.
type Image struct {
	URL       string
	MediaType string
	Name      string
}

// UnmarshalJSON accepts an Image object (with url as a string or a Link),
// a bare URL, or an array of them (the first is kept).
func (im *Image) UnmarshalJSON(b []byte) error {
	*im = Image{}
	b, err := firstItem(b)
	if err != nil || b == nil {
		return err
	}
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &im.URL)
	}
	var o struct {
		URL       IRIs   `json:"url"`
		Href      string `json:"href"`
		MediaType string `json:"mediaType"`
		Name      string `json:"name"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	im.URL, im.MediaType, im.Name = o.URL.First(), o.MediaType, o.Name
	if im.URL == "" {
		im.URL = o.Href
	}
	return nil
}

// Attachment is one entry of `attachment`: a Document or Image with its
// description in `name`, or on an actor a PropertyValue (a profile field).
type Attachment struct {
	Type      Types  `json:"type"`
	MediaType string `json:"mediaType"`
	URL       IRIs   `json:"url"`
	Name      string `json:"name"`
	Value     string `json:"value"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Blurhash  string `json:"blurhash"`
}

// Many is a property that may hold one T or an array of T.
type Many[T any] []T

// UnmarshalJSON accepts one value or an array; null is none. An entry
// that does not decode is skipped rather than failing the whole object:
// one odd tag must not lose a post.
func (m *Many[T]) UnmarshalJSON(b []byte) error {
	*m = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] != '[' {
		var v T
		if json.Unmarshal(b, &v) == nil {
			*m = Many[T]{v}
		}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	for _, it := range items {
		var v T
		if json.Unmarshal(it, &v) == nil {
			*m = append(*m, v)
		}
	}
	return nil
}

// Time is an xsd:dateTime; a missing or unreadable one is the zero time,
// and the caller decides what to use instead (the time it was received).
type Time struct{ time.Time }

// UnmarshalJSON accepts RFC 3339 with or without fractions; anything else
// is the zero time.
func (t *Time) UnmarshalJSON(b []byte) error {
	t.Time = time.Time{}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	if v, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil {
		t.Time = v.UTC()
	}
	return nil
}

// Object is a Note, Question, Article, Page, Tombstone or an actor, or an
// activity (Create, Follow, Announce ...), in one struct: an activity's
// `object` may itself be an embedded Object or an IRI (Ref).
type Object struct {
	LDContext    json.RawMessage  `json:"@context"`
	ID           string           `json:"id"`
	Type         Types            `json:"type"`
	Actor        IRIs             `json:"actor"`
	AttributedTo IRIs             `json:"attributedTo"`
	Object       *Ref             `json:"object"`
	Target       IRIs             `json:"target"`
	To           IRIs             `json:"to"`
	CC           IRIs             `json:"cc"`
	Bto          IRIs             `json:"bto"`
	BCC          IRIs             `json:"bcc"`
	Audience     IRIs             `json:"audience"`
	Content      string           `json:"content"`
	ContentMap   LangMap          `json:"contentMap"`
	Name         string           `json:"name"`
	NameMap      LangMap          `json:"nameMap"`
	Summary      string           `json:"summary"`
	SummaryMap   LangMap          `json:"summaryMap"`
	Sensitive    bool             `json:"sensitive"`
	InReplyTo    IRIs             `json:"inReplyTo"`
	Published    Time             `json:"published"`
	Updated      Time             `json:"updated"`
	URL          IRIs             `json:"url"`
	Tag          Many[Tag]        `json:"tag"`
	Attachment   Many[Attachment] `json:"attachment"`
	Source       *Source          `json:"source"`
	Context      IRIs             `json:"context"`
	Conversation string           `json:"conversation"`
	FormerType   string           `json:"formerType"`

	// Actors.
	PreferredUsername         string     `json:"preferredUsername"`
	Inbox                     string     `json:"inbox"`
	Outbox                    string     `json:"outbox"`
	Followers                 string     `json:"followers"`
	Following                 string     `json:"following"`
	Featured                  string     `json:"featured"`
	Endpoints                 *Endpoints `json:"endpoints"`
	PublicKey                 Many[Key]  `json:"publicKey"`
	Icon                      *Image     `json:"icon"`
	Image                     *Image     `json:"image"`
	ManuallyApprovesFollowers bool       `json:"manuallyApprovesFollowers"`
	Discoverable              *bool      `json:"discoverable"`
	Indexable                 *bool      `json:"indexable"`
	MovedTo                   string     `json:"movedTo"`
	AlsoKnownAs               IRIs       `json:"alsoKnownAs"`

	// A Key fetched on its own (GoToSocial serves keys at their own
	// address): whose it is and the key.
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`

	// Consent (majlis's own context, and the same words in other
	// servers' extensions): what the author allows machines to do.
	XRobotsTag   string `json:"xRobotsTag"`
	ContentUsage string `json:"contentUsage"`
	NoIndex      *bool  `json:"noindex"`

	// Questions.
	OneOf       Many[Object] `json:"oneOf"`
	AnyOf       Many[Object] `json:"anyOf"`
	EndTime     Time         `json:"endTime"`
	VotersCount int          `json:"votersCount"`
	// Closed is when a poll closed; Replies an answer's count (polls.go).
	Closed  Time    `json:"closed"`
	Replies Counted `json:"replies"`

	// Quotes (quotes.go): what a post quotes and with what consent,
	// who may quote it, and the parts of QuoteRequest, its answer and
	// the authorization.
	Quote              *Ref               `json:"quote"`
	QuoteURI           string             `json:"quoteUri"`
	MisskeyQuote       string             `json:"_misskey_quote"`
	QuoteAuthorization *Ref               `json:"quoteAuthorization"`
	InteractionPolicy  *interactionPolicy `json:"interactionPolicy"`
	Instrument         *Ref               `json:"instrument"`
	Result             *Ref               `json:"result"`
	InteractingObject  *Ref               `json:"interactingObject"`
	InteractionTarget  *Ref               `json:"interactionTarget"`
}

// Text is the object's HTML content, from `content` or its language map.
func (o *Object) Text() string {
	if o.Content != "" {
		return o.Content
	}
	return o.ContentMap.Pick()
}

// Warning is the content warning, from `summary` or its language map.
func (o *Object) Warning() string {
	if o.Summary != "" {
		return o.Summary
	}
	return o.SummaryMap.Pick()
}

// DisplayName is `name`, or its language map.
func (o *Object) DisplayName() string {
	if o.Name != "" {
		return o.Name
	}
	return o.NameMap.Pick()
}

// Author is the actor an object belongs to: its attributedTo, or for an
// activity its actor. Of several attributions (an array, as PeerTube
// writes) the first is taken; the inbox checks it against the signer.
func (o *Object) Author() string {
	if a := o.AttributedTo.First(); a != "" {
		return a
	}
	return o.Actor.First()
}

// Addressed is every recipient named in to, cc, bto, bcc and audience.
func (o *Object) Addressed() []string {
	var all []string
	for _, s := range []IRIs{o.To, o.CC, o.Bto, o.BCC, o.Audience} {
		all = append(all, s...)
	}
	return all
}

// SharedInbox is the actor's shared inbox, or its own inbox.
func (o *Object) SharedInbox() string {
	if o.Endpoints != nil && o.Endpoints.SharedInbox != "" {
		return o.Endpoints.SharedInbox
	}
	return o.Inbox
}

// Endpoints are an actor's endpoints.
type Endpoints struct {
	SharedInbox string `json:"sharedInbox"`
}

// Key is an actor's public key.
type Key struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

// Source is the text an object was written in, before rendering
// (majlis keeps the Markdown here, so majlis to majlis is lossless).
type Source struct {
	Content   string `json:"content"`
	MediaType string `json:"mediaType"`
}

// Ref is an activity's object: an IRI, or an embedded object (which also
// has an id, unless it is transient).
type Ref struct {
	IRI    string
	Object *Object
}

// UnmarshalJSON accepts an IRI string, an object, or an array (its first
// entry: no activity majlis handles acts on several objects at once).
func (r *Ref) UnmarshalJSON(b []byte) error {
	*r = Ref{}
	b, err := firstItem(b)
	if err != nil || b == nil {
		return err
	}
	switch {
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &r.IRI)
	case len(b) > 0 && b[0] == '{':
		var o Object
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		r.Object, r.IRI = &o, o.ID
		return nil
	case string(b) == "null":
		return nil
	}
	return fmt.Errorf("object: neither an IRI nor an object")
}

// ID is the referenced object's IRI.
func (r *Ref) ID() string {
	if r == nil {
		return ""
	}
	return r.IRI
}
