// Package views holds the templ components of every page and the view
// models they take. View models are shaped like the page, not like the
// database: handlers fill them, views only show them.
package views

// Page is what every full page needs: the title, who is looking and the
// navigation state.
type Page struct {
	Title string
	// Site is the instance name shown in the header.
	Site string
	// Nav names the current navigation entry: "home", "local", "profile",
	// "settings", "login", "register".
	Nav    string
	Viewer *Viewer
	// Flash is a one-time message from the previous action.
	Flash Flash
	// Canonical is the absolute URL of this page, when it has one.
	Canonical string
	// Description is a short summary for link previews.
	Description string
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
}

// Avatar is a generated picture: an initial on a colour chosen from the
// username, so no outside service is ever asked.
type Avatar struct {
	Initial string
	Hue     int
}

// Post is one post as a timeline or a permalink page shows it.
type Post struct {
	ID          string
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
}

// Time is a moment with its machine-readable form, a short human label
// ("5m", "2h", "Mar 3") and a full title for hovering.
type Time struct {
	ISO   string
	Label string
	Title string
}

// Timeline is a page of posts and, when there are older ones, the link to
// the next page.
type Timeline struct {
	Posts []Post
	// MoreURL loads the next page: a plain link without JavaScript, the
	// infinite-scroll trigger under HTMX. Empty on the last page.
	MoreURL string
	// Empty is the message shown when there are no posts at all.
	Empty string
}

// Compose is the state of the compose box.
type Compose struct {
	Body  string
	Error string
	Count Counter
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
	Username   string
	Name       string
	Handle     string
	URL        string
	Avatar     Avatar
	Admin      bool
	Posts      int
	Following  int
	Followers  int
	Joined     Time
	IsSelf     bool
	CanFollow  bool
	IsFollowed bool
}

// UserItem is one line of a follower or following list.
type UserItem struct {
	Name   string
	Handle string
	URL    string
	Avatar Avatar
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

// Settings is the account settings page.
type Settings struct {
	Sessions int
}

// ErrorInfo is a readable error page.
type ErrorInfo struct {
	Status  int
	Title   string
	Message string
}
