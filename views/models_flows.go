package views

// View models of the flows that make the site easy to follow: the "new
// posts" bar of live timelines, the Direct conversations, the
// notification and list actions, the login help and the navigation's
// extra counts (flows.templ).

// LiveMax is how many new posts the "N new posts" bar counts; beyond, it
// says "20+" and reloads the page instead of showing them in place.
const LiveMax = 20

// LiveBar is the bar at the top of an open timeline that tells how many
// posts came since the page was shown. Under htmx it asks PollURL every
// Every ("25s") and shows the new posts in place from ShowURL; without
// JavaScript it is a link that reloads ReloadURL.
type LiveBar struct {
	PollURL   string
	ShowURL   string
	ReloadURL string
	Every     string
	// Count is the number of new posts, up to LiveMax+1.
	Count int
}

// Over tells whether there are more new posts than the bar shows in
// place.
func (l LiveBar) Over() bool { return l.Count > LiveMax }

// LoginHelp is what the login page says to someone who forgot their
// password: whom to ask on this instance.
type LoginHelp struct {
	Site string
	// Contact is the instance's contact as the admins wrote it, and
	// ContactURL its link ("" when it is neither an address nor a URL).
	Contact, ContactURL string
	// SignUp: registration is open (or by approval), so the page offers it.
	SignUp bool
}

// ListFollow is the follow button of an account in a followers or
// following list.
type ListFollow struct {
	// URL is the account's profile address; the forms post to URL/follow
	// and URL/unfollow.
	URL string
	// Next is the list page to come back to without JavaScript.
	Next                         string
	Following, Requested, Locked bool
}

// AccountPage is the account settings page: the password and the
// sessions.
type AccountPage struct {
	Sessions int
}
