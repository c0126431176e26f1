// Package views holds the templ components of every page and the view
// models they take. View models are shaped like the page, not like the
// database: handlers fill them, views only show them.
package views

import "time"

// Page is what every full page needs: the title, who is looking and the
// navigation state.
type Page struct {
	Title string
	// Site is the instance name shown in the header.
	Site string
	// Nav names the current navigation entry: "home", "local",
	// "notifications", "bookmarks", "profile", "settings", "login",
	// "register".
	Nav    string
	Viewer *Viewer
	// Flash is a one-time message from the previous action.
	Flash Flash
	// Canonical is the absolute URL of this page, when it has one.
	Canonical string
	// Description is a short summary for link previews.
	Description string
	// Tagline is the instance's short description, shown under its name;
	// Lang its default interface language ("en", "ar"; see LangTag and
	// Dir). The layout shows the request's language (i18n.FromContext),
	// which falls back to it (handlers/lang.go).
	Tagline string
	Lang    string
	// Feeds are the page's RSS and Atom feeds, announced in its <head>
	// for feed readers (autodiscovery).
	Feeds []FeedLink
	// Consent is what the page says about AI training and indexing of
	// the content it carries (robots and tdm-reservation meta tags). The
	// handler shares it with the request and narrows it as it builds the
	// page's entries, so it is complete when the page renders; nil says
	// nothing.
	Consent *Consent
}

// FeedLink is a feed of a page: its title, address and media type
// ("application/rss+xml", "application/atom+xml").
type FeedLink struct {
	Title, Href, Type string
}

// Flash is a one-time message; Error marks it as a failure.
type Flash struct {
	Message string
	Error   bool
}

// Viewer is the signed-in person.
type Viewer struct {
	Username string
	Name     string
	Admin    bool
	// Moderator: an admin or a moderator (the navigation links to /admin).
	Moderator bool
	// Unread is the number of unread notifications the badge in the
	// navigation shows (see Badge).
	Unread int
	// Federation: the instance can look up people on other servers (the
	// navigation links to /people).
	Federation bool
	// CanInvite: the instance's policy lets the viewer make invitation
	// links (the navigation links to /invites).
	CanInvite bool
	// AdminQueue is how many reports are open and applications wait, for
	// the badge on Admin (moderators only; up to 100).
	AdminQueue int
}

// Avatar is a generated picture: an initial on a colour chosen from the
// username, so no outside service is ever asked.
type Avatar struct {
	Initial string
	Hue     int
	// URL is the small version of an uploaded avatar (Size pixels
	// square), LargeURL the full one (LargeSize) for the profile header;
	// both empty when the member has none and the initial shows.
	URL       string
	Size      int
	LargeURL  string
	LargeSize int
}

// Post is one post as a timeline or a permalink page shows it.
type Post struct {
	// ID is the post's own ID (the original's, for a repost): actions use it.
	ID string
	// DOMID is the card's element id, unique on the page: "post-ID", for a
	// repost "post-REPOSTID", for a pinned copy "pinned-post-ID".
	DOMID       string
	URL         string
	AuthorName  string
	AuthorURL   string
	Handle      string
	Avatar      Avatar
	HTML        string
	Time        Time
	CanDelete   bool
	DeleteURL   string
	AuthorAdmin bool
	// AuthorBot marks a post by an automated account.
	AuthorBot bool
	// RepostedBy is set on a card that came through someone's repost.
	RepostedBy *UserRef
	// ReplyTo is the author of the post this one answers.
	ReplyTo *UserRef
	// ContentWarning, when set, hides the body behind it.
	ContentWarning string
	// Visibility is "" for a public post, else "unlisted", "followers" or
	// "direct", with a label for people.
	Visibility      string
	VisibilityLabel string
	// Edited is when the post was last edited, nil if never.
	Edited *Time
	// Imported marks a post brought in from an export archive.
	Imported bool
	// Pinned marks a card in a profile's pinned list.
	Pinned bool
	// Edits are the earlier versions, newest first (permalink only).
	Edits   []Edit
	Actions Actions
	// Images are the post's attachments, in order (see models_media.go).
	Images []Image
	// Remote is set on a post of another server: where the original is
	// (models_federation.go).
	Remote *Origin
	// Filtered names the viewer's keyword filters that say to fold the
	// post behind a warning ("" when none matched; models_lists.go).
	Filtered string
	// Poll is the post's poll, nil for none (models_polls.go).
	Poll *PollView
	// Quote is what the post quotes, nil for nothing to show
	// (models_quotes.go).
	Quote *QuoteView
	// AuthorNameHTML is AuthorName with its custom emoji as pictures
	// (sanitized), "" when it has none (emoji.templ's displayName).
	AuthorNameHTML string
}

// Time is a moment with its machine-readable form. At is the moment and
// Now the page's now: views label it in the reader's language, short
// ("5m", "2h", "Mar 3": timeLabel) and in full for hovering (timeTitle).
type Time struct {
	ISO     string
	At, Now time.Time
}

// Timeline is a page of posts and, when there are older ones, the link to
// the next page.
type Timeline struct {
	Posts []Post
	// Live is the "N new posts" bar of a timeline's first page (nil on
	// the others, and on lists that do not change by themselves).
	Live *LiveBar
	// MoreURL loads the next page: a plain link without JavaScript, the
	// infinite-scroll trigger under HTMX. Empty on the last page.
	MoreURL string
	// Empty is the message shown when there are no posts at all.
	Empty string
	// Pinned are the posts a profile pins, shown above its timeline.
	Pinned []Post
	// Tabs switch between a profile's timelines (Posts, Posts and replies).
	Tabs []Tab
}

// Compose is the state of the compose box, or of the reply box on a
// permalink page.
type Compose struct {
	Body  string
	Error string
	Count Counter
	// FormID is the form's element id: "compose", or "reply" for the reply
	// box (the target of every card's Reply link).
	FormID string
	// InReplyTo is the ID of the post answered; ReplyingTo its author's
	// handle ("@amal").
	InReplyTo  string
	ReplyingTo string
	// ContentWarning is the optional warning the body hides behind.
	ContentWarning string
	// Visibility is the selected value among Visibilities.
	Visibility   string
	Visibilities []Option
	// Images is the images part of the box (see models_media.go).
	Images ComposeImages
	// Poll is the poll part of the box (models_polls.go).
	Poll ComposePoll
	// Quote is the quote part of the box (models_quotes.go).
	Quote ComposeQuote
	// Emoji are the instance's custom emoji, for the picker (emoji.templ).
	Emoji []EmojiItem
}

// Counter shows how much of the character limit a draft uses.
type Counter struct {
	Used  int
	Limit int
}

// Over tells whether the draft is too long.
func (c Counter) Over() bool { return c.Used > c.Limit }

// Profile is the header of a user's page.
type Profile struct {
	Username  string
	Name      string
	Handle    string
	URL       string
	Avatar    Avatar
	Admin     bool
	Bot       bool
	Posts     int
	Following int
	Followers int
	Joined    Time
	IsSelf    bool
	// CanFollow: a signed-in viewer looking at someone else's profile, no
	// block standing between them.
	CanFollow  bool
	IsFollowed bool
	// Locked accounts approve each follower; Requested is the viewer's
	// pending request to follow this one.
	Locked    bool
	Requested bool
	// FollowsYou: the profile's owner follows the viewer.
	FollowsYou bool
	// BioHTML is the rendered, sanitized bio.
	BioHTML string
	Links   []ProfileLink
	// Signed in on someone else's profile: the viewer may block and mute.
	CanBlock bool
	// Blocking: the viewer blocks this account; BlockedBy: this account
	// blocks the viewer; Muting: the viewer muted it.
	Blocking  bool
	BlockedBy bool
	Muting    bool
	// Header is the profile's header picture, nil when none is set.
	Header *Banner
	// Remote is set on the profile of an account of another server
	// (models_federation.go).
	Remote *RemoteProfile
	// RemoteFollow is the "follow from your own server" form shown to
	// visitors on a member's profile when the instance federates; nil
	// otherwise.
	RemoteFollow *RemoteFollow
	// Lists is the "Add to list" control, set when the viewer follows
	// the account (models_lists.go).
	Lists *ProfileLists
	// MovedTo is where the account moved, nil when it did not
	// (models_accounts.go).
	MovedTo *MovedTo
	// NameHTML is Name with its custom emoji as pictures (sanitized), ""
	// when it has none.
	NameHTML string
}

// HidesPosts tells whether a block stands between the viewer and the
// profile, so its posts are not shown.
func (p Profile) HidesPosts() bool { return p.Blocking || p.BlockedBy }

// UserItem is one line of a follower or following list.
type UserItem struct {
	Name   string
	Handle string
	URL    string
	Avatar Avatar
	// Follow is the follow button of a followers or following list, for
	// a signed-in viewer; nil elsewhere and for the viewer themself.
	Follow *ListFollow
	// NameHTML is Name with its custom emoji as pictures (sanitized), ""
	// when it has none (emoji.templ's displayName).
	NameHTML string
}

// UserList is a page of accounts with the link to the next one.
type UserList struct {
	Users   []UserItem
	MoreURL string
	Empty   string
}

// Form carries the values and errors of a login or registration form.
type Form struct {
	Values map[string]string
	Errors map[string]string
	// Error is a message about the whole form.
	Error string
}

// Value returns a submitted value to put back into the form.
func (f Form) Value(name string) string { return f.Values[name] }

// FieldError returns the error of one field, if any.
func (f Form) FieldError(name string) string { return f.Errors[name] }

// Settings is the account settings page (sessions).
type Settings struct {
	Sessions int
}

// ErrorInfo is a readable error page.
type ErrorInfo struct {
	Status  int
	Title   string
	Message string
}
