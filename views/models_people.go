package views

import "strconv"

// ProfileLink is a labelled link on a profile. Text is the address as
// shown (without "https://").
type ProfileLink struct {
	Label string
	URL   string
	Text  string
	// Verified is when the linked page was found linking back to the
	// profile (rel="me"); zero when it was not.
	Verified Time
	// ValueHTML is a remote account's field value, sanitized HTML shown
	// instead of URL and Text.
	ValueHTML string
}

// Badge is the unread-notifications count in the navigation.
type Badge struct {
	Count int
	// OOB makes it an out-of-band swap of the navigation's badge, in an
	// htmx answer about something else.
	OOB bool
}

// Text is the count as the badge shows it: "99+" beyond 99, "" at 0.
func (b Badge) Text() string {
	switch {
	case b.Count <= 0:
		return ""
	case b.Count > 99:
		return "99+"
	}
	return strconv.Itoa(b.Count)
}

// Label is the badge for screen readers: "3 unread notifications".
func (b Badge) Label() string {
	switch {
	case b.Count <= 0:
		return "No unread notifications"
	case b.Count == 1:
		return "1 unread notification"
	}
	return b.Text() + " unread notifications"
}

// Notifications is one page of the notifications page.
type Notifications struct {
	Items []Note
	// MoreURL loads the next page (plain link and infinite scroll).
	MoreURL string
	Empty   string
	// UpTo is the newest notification of the page while it shows unread
	// ones: the "Mark all as read" form marks up to it, so that one that
	// came after the page was shown stays unread. "" shows no form.
	UpTo string
	// MarkOnLoad has htmx mark them read as soon as the page is shown,
	// keeping its highlights: off when another site linked to the page.
	MarkOnLoad bool
}

// Note is one line of the notifications page: a notification, or a group
// of likes, reposts or follows.
type Note struct {
	// Key identifies the line in the page (id="note-KEY").
	Key string
	// Kind is "mention", "reply", "like", "repost", "follow" or
	// "follow_request".
	Kind string
	// Unread marks a line with something the user had not seen when the
	// page was opened.
	Unread bool
	// Actors did it, newest first; Shown are those with an avatar (up
	// to 3).
	Actors []UserItem
	Time   Time
	// Post is the post concerned: the mention or reply itself, or the
	// user's post that was liked or reposted.
	Post *NotePost
	// Request is set on a pending follow request: the accept and reject
	// addresses.
	Request *RequestActions
	// Link is where a moderator deals with a report or an application.
	Link string
}

// Shown are the actors whose avatars the line shows.
func (n Note) Shown() []UserItem {
	if len(n.Actors) > 3 {
		return n.Actors[:3]
	}
	return n.Actors
}

// Others is how many actors the line counts after the first when there
// are more than two ("X and 3 others").
func (n Note) Others() int {
	if len(n.Actors) > 2 {
		return len(n.Actors) - 1
	}
	return 0
}

// Verb is what the actors did, after their names.
func (n Note) Verb() string {
	switch n.Kind {
	case "mention":
		return "mentioned you"
	case "reply":
		return "replied to your post"
	case "like":
		return "liked your post"
	case "repost":
		return "reposted your post"
	case "follow":
		return "followed you"
	case "follow_request":
		return "asked to follow you"
	case "move":
		return "moved; you follow their new account"
	}
	return "did something"
}

// NotePost is the compact card of a post in a notification.
type NotePost struct {
	URL        string
	AuthorName string
	AuthorURL  string
	Handle     string
	Avatar     Avatar
	HTML       string
	// CW is the content warning: the body is shown folded under it.
	CW   string
	Time Time
	// Remote is set on a post of another server (models_federation.go).
	Remote *Origin
	// Excerpt is the start of the text of one's own post that was liked
	// or reposted (a reminder, not the whole post).
	Excerpt string
	// Actions are the post's actions (reply, like ...) on a mention or a
	// reply; nil on the others.
	Actions *Actions
	// AuthorNameHTML is AuthorName with its custom emoji as pictures
	// (sanitized), "" when it has none (emoji.templ's displayName).
	AuthorNameHTML string
}

// RequestActions are the buttons of a pending follow request.
type RequestActions struct {
	AcceptURL string
	RejectURL string
	// Next is where the forms return without JavaScript.
	Next string
}

// ProfileForm is the profile settings form with its typed values and
// errors.
type ProfileForm struct {
	DisplayName string
	Bio         string
	// Links always has MaxLinks rows; empty rows are unused.
	Links      []LinkField
	Visibility string
	Locked     bool
	// AITraining is the member's choice ("", "no", "yes"); AIOptions the
	// choices the instance leaves them (see AITrainingOptions).
	AITraining string
	AIOptions  []Option
	// Indexable, Bot, HideBots, NoBotContact: see storage.User.
	Indexable, Bot, HideBots, NoBotContact bool
	// Language is the interface language ("en", "ar"), "" to follow the
	// browser and the instance.
	Language string
	// Errors holds field errors: "display_name", "bio", "links",
	// "visibility", "locked".
	Errors map[string]string
	// Error is a message about the whole form.
	Error string
	// BioLimit is the longest bio, in characters.
	BioLimit int
	// Pictures is the avatar and header form beside it.
	Pictures ProfilePictures
	// Quotes is the form of who may quote one's posts by default
	// (models_quotes.go; Quoted unused).
	Quotes ComposeQuote
}

// FieldError returns the error of one field, if any.
func (f ProfileForm) FieldError(name string) string { return f.Errors[name] }

// LinkField is one profile link row of the form.
type LinkField struct {
	Label, URL           string
	LabelError, URLError string
}

// Visibilities are the choices of the default visibility select, in order.
var Visibilities = []Option{
	{"public", "Public: everyone, on the local timeline"},
	{"unlisted", "Unlisted: everyone, but not on the local timeline"},
	{"followers", "Followers only"},
	{"direct", "Direct: mentioned people only"},
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
}

// PeopleList is a settings list of accounts: follow requests, blocked or
// muted accounts.
type PeopleList struct {
	// Kind is "requests", "blocks" or "mutes".
	Kind   string
	People []Person
	// MoreURL loads the next page.
	MoreURL string
	Empty   string
}

// Person is one row of a PeopleList with its buttons.
type Person struct {
	User UserItem
	// Username is the bare name, for ids.
	Username string
	// Request holds the accept/reject addresses of a follow request.
	Request *RequestActions
	// UndoURL is the unblock or unmute address; UndoLabel its button.
	UndoURL   string
	UndoLabel string
	// Next is where the form returns without JavaScript.
	Next string
}

// PersonDone is what replaces a row after its action under HTMX.
type PersonDone struct {
	User    UserItem
	Message string
}

// BlockConfirm is the page that asks before blocking (without JavaScript).
type BlockConfirm struct {
	Profile Profile
	// Already: the viewer blocks this account already.
	Already bool
}
