package views

// Authorize is the page where a member lets an app use the account
// (GET /oauth/authorize): what the app is, what it asks for, and the
// request's parameters, sent back with the member's answer.
type Authorize struct {
	AppName string
	// Website is the app's own address, "" when it gave none.
	Website  string
	Username string
	// Scopes are the permissions asked, each with its i18n key.
	Scopes []Scope
	// Params are the hidden fields that carry the request to the POST.
	Params []Param
}

// Scope is one permission: its name ("read:statuses") and the catalog key
// of its plain words.
type Scope struct {
	Name, Key string
}

// Param is one hidden form field.
type Param struct {
	Name, Value string
}

// AuthorizeResult is the page after the member's answer when the app
// cannot receive a redirect (out of band): the code to copy, or the
// refusal when Code is "".
type AuthorizeResult struct {
	AppName string
	Code    string
}

// AuthorizedApps is the settings page of the apps that hold a member's
// tokens.
type AuthorizedApps struct {
	Apps []AuthorizedApp
}

// AuthorizedApp is one app of the list.
type AuthorizedApp struct {
	ID      string
	Name    string
	Website string
	Scopes  []Scope
	// Authorized is when the member first authorized it; LastUsed when
	// one of its tokens was last used (zero: never).
	Authorized, LastUsed Time
}
