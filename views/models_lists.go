package views

// ListItem is one of a member's lists as the lists page shows it.
type ListItem struct {
	ID        string
	Title     string
	URL       string
	Replies   string // storage.RepliesPolicy
	Exclusive bool
}

// ListsView is the lists page: the member's lists and the form that
// creates one.
type ListsView struct {
	Lists []ListItem
	Error string
	// Title is the title typed in a refused form.
	Title string
}

// ListMember is an account in a list, with the form that takes it out.
type ListMember struct {
	User UserItem
	ID   string
}

// ListEdit is a list's settings page.
type ListEdit struct {
	List    ListItem
	Members []ListMember
	Error   string
}

// ProfileLists is the "Add to list" control of a followed account's
// profile: each of the viewer's lists, checked when it holds the account.
type ProfileLists struct {
	Lists []ProfileList
}

// ProfileList is one checkbox of ProfileLists.
type ProfileList struct {
	ID, Title string
	Member    bool
}

// FilterItem is a keyword filter as the filters pages show it.
type FilterItem struct {
	ID       string
	Title    string
	URL      string
	Contexts []string
	Action   string
	// Expires is when it stops applying ("" never); Expired once it has.
	Expires  *Time
	Expired  bool
	Keywords []FilterKeyword
}

// FilterKeyword is one keyword of a filter.
type FilterKeyword struct {
	ID, Keyword string
	WholeWord   bool
}

// FiltersView is the filters page: the member's filters and the form that
// creates one.
type FiltersView struct {
	Filters []FilterItem
	Error   string
}

// FilterEdit is one filter's page.
type FilterEdit struct {
	Filter FilterItem
	Error  string
}

// TagFollow is the follow state of a hashtag page for a signed-in member
// (nil for visitors).
type TagFollow struct {
	Following bool
	URL       string // "/tags/NAME"
}

// FollowedTagItem is a followed hashtag on the settings page.
type FollowedTagItem struct {
	Tag string
	URL string
}
