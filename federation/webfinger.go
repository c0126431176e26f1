package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// WebFinger (RFC 7033) as the fediverse uses it: acct:name@host resolves to
// the actor's id through the "self" link.

// ErrHandle is wrapped when a handle or a WebFinger answer is unusable.
var ErrHandle = errors.New("not a usable account address")

// JRD is a WebFinger answer.
type JRD struct {
	Subject string   `json:"subject"`
	Aliases []string `json:"aliases,omitempty"`
	Links   []Link   `json:"links"`
}

// Link is one link of a JRD; Template is set for the remote-follow
// ("http://ostatus.org/schema/1.0/subscribe") link instead of Href.
type Link struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// Relations of the links majlis writes and reads.
const (
	RelSelf        = "self"
	RelProfilePage = "http://webfinger.net/rel/profile-page"
	RelSubscribe   = "http://ostatus.org/schema/1.0/subscribe"
	ldProfileType  = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// maxHandle bounds an account address: a username and a DNS name.
const maxHandle = 320

// ParseHandle reads an account address as people type it: "@name@host",
// "name@host" or "acct:name@host". The host is lower-cased and may carry
// a port; the name keeps its case (servers compare it themselves).
func ParseHandle(s string) (name, host string, err error) {
	s = strings.TrimSpace(s)
	if len(s) > maxHandle {
		return "", "", fmt.Errorf("address too long: %w", ErrHandle)
	}
	s = strings.TrimPrefix(s, "acct:")
	s = strings.TrimPrefix(s, "@")
	name, host, ok := strings.Cut(s, "@")
	if !ok || name == "" || host == "" || strings.ContainsAny(name, "/?#@ \t\r\n") {
		return "", "", fmt.Errorf("%q is not name@host: %w", s, ErrHandle)
	}
	host = strings.ToLower(host)
	u, err := url.Parse("https://" + host)
	if err != nil || u.Host != host || u.Hostname() == "" || strings.ContainsAny(host, "/?#@") {
		return "", "", fmt.Errorf("%q is not a host: %w", host, ErrHandle)
	}
	return name, host, nil
}

// WebFingerURL is where the address name@host is looked up.
func WebFingerURL(scheme, name, host string) string {
	return scheme + "://" + host + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+name+"@"+host)
}

// maxWebFingerBody and maxLinks bound an answer: real ones are under 2 KB
// with a handful of links.
const (
	maxWebFingerBody = 64 << 10
	maxLinks         = 64
)

// ParseJRD reads a WebFinger answer for name@host and returns the actor's
// id from its ActivityPub "self" link. It refuses an answer that is not
// JSON, has too many links, names another account, or has no self link
// with an http(s) URL.
func ParseJRD(body []byte, name, host string) (string, error) {
	if len(body) > maxWebFingerBody {
		return "", fmt.Errorf("webfinger answer over %d bytes: %w", maxWebFingerBody, ErrHandle)
	}
	var j JRD
	if err := json.Unmarshal(body, &j); err != nil {
		return "", fmt.Errorf("webfinger answer: %v: %w", err, ErrHandle)
	}
	if len(j.Links) > maxLinks {
		return "", fmt.Errorf("webfinger answer with %d links: %w", len(j.Links), ErrHandle)
	}
	// The subject may be the canonical address of a server that serves
	// WebFinger for another domain; it must still be an acct: of the
	// same name, or be absent.
	if j.Subject != "" {
		sn, _, err := ParseHandle(j.Subject)
		if err != nil || !strings.EqualFold(sn, name) {
			return "", fmt.Errorf("webfinger subject %q is not %s@%s: %w", j.Subject, name, host, ErrHandle)
		}
	}
	for _, l := range j.Links {
		if l.Rel != RelSelf || !isActivityType(l.Type) {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return "", fmt.Errorf("webfinger self link %q: %w", l.Href, ErrHandle)
		}
		return u.String(), nil
	}
	return "", fmt.Errorf("webfinger answer has no ActivityPub self link: %w", ErrHandle)
}

// SubscribeTemplate reads the remote-follow template of a WebFinger
// answer (the subscribe link), which must hold "{uri}".
func SubscribeTemplate(body []byte) (string, error) {
	if len(body) > maxWebFingerBody {
		return "", fmt.Errorf("webfinger answer over %d bytes: %w", maxWebFingerBody, ErrHandle)
	}
	var j JRD
	if err := json.Unmarshal(body, &j); err != nil {
		return "", fmt.Errorf("webfinger answer: %v: %w", err, ErrHandle)
	}
	for _, l := range j.Links {
		if l.Rel == RelSubscribe && strings.Contains(l.Template, "{uri}") {
			return l.Template, nil
		}
	}
	return "", fmt.Errorf("webfinger answer has no subscribe template: %w", ErrHandle)
}

// isActivityType reports whether a media type is ActivityPub JSON:
// application/activity+json, or application/ld+json with the
// ActivityStreams profile.
func isActivityType(t string) bool {
	t = strings.ToLower(strings.TrimSpace(t))
	if base, _, _ := strings.Cut(t, ";"); strings.TrimSpace(base) == "application/activity+json" {
		return true
	}
	return strings.HasPrefix(t, "application/ld+json") && strings.Contains(t, "https://www.w3.org/ns/activitystreams")
}

// AccountJRD is this instance's answer for one of its members: the actor
// link, the profile page and the template for following from elsewhere.
func AccountJRD(name, host, actorURL, profileURL, subscribeTemplate string) JRD {
	return JRD{
		Subject: "acct:" + name + "@" + host,
		Aliases: []string{actorURL, profileURL},
		Links: []Link{
			{Rel: RelSelf, Type: ContentType, Href: actorURL},
			{Rel: RelProfilePage, Type: "text/html", Href: profileURL},
			{Rel: RelSubscribe, Template: subscribeTemplate},
		},
	}
}
