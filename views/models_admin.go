package views

// View models of the instance's administration: the about page, sign-up
// by mode and invitations, reports, the moderation queues and log, user
// management and the instance settings.

// LangTag is the page's language, "en" when none is set.
func (p Page) LangTag() string {
	if p.Lang == "" {
		return "en"
	}
	return p.Lang
}

// Dir is the direction of the page's language.
func (p Page) Dir() string {
	switch p.LangTag() {
	case "ar", "fa", "he", "ur":
		return "rtl"
	}
	return "ltr"
}

// Signup is the state of the sign-up page.
type Signup struct {
	// First: the instance has no account yet; this one becomes its admin,
	// whatever the mode.
	First bool
	// Mode is the registration mode: "open", "approval", "invite",
	// "closed".
	Mode string
	// Invite is the code of the invitation the page came from (a hidden
	// field), "" for none.
	Invite string
	// Site names the instance.
	Site string
	// RulesHTML are the instance's rules, shown before the form.
	RulesHTML string
	// ReasonLimit is the longest application, in characters.
	ReasonLimit int
}

// ShowsForm tells whether the page has a form: not on a closed instance
// nor on an invite-only one without an invitation.
func (s Signup) ShowsForm() bool {
	return s.First || s.Invite != "" || s.Mode == "open" || s.Mode == "approval"
}

// AsksReason tells whether the form asks why the newcomer wants to join.
func (s Signup) AsksReason() bool { return !s.First && s.Invite == "" && s.Mode == "approval" }

// PasswordForm is the page that changes one's password.
type PasswordForm struct {
	// Must: an admin reset the password; the user must choose a new one
	// before going on (no current password asked).
	Must   bool
	Errors map[string]string
	Error  string
}

// FieldError returns the error of one field, if any.
func (f PasswordForm) FieldError(name string) string { return f.Errors[name] }

// About is the public page about the instance.
type About struct {
	Name      string
	Tagline   string
	AboutHTML string
	RulesHTML string
	// Contact is shown as written; ContactURL is its link (mailto: or
	// http(s)).
	Contact    string
	ContactURL string
	Users      int
	Admins     []UserItem
	Moderators []UserItem
	// Registrations says how to join, in a sentence.
	Registrations string
	PostChars     int
	Language      string
	// CanInvite: the viewer may make invitation links.
	CanInvite bool
	// Suspended are the servers this instance refuses, with the admins'
	// public comments (models_federation.go).
	Suspended []SuspendedDomain
}

// Invites is a member's invitation page.
type Invites struct {
	// Note says how the registration mode treats invitations.
	Note     string
	Expiries []Option
	Uses     []Option
	Items    []InviteItem
}

// InviteItem is one invitation link.
type InviteItem struct {
	Code string
	// URL is the absolute link to hand out.
	URL     string
	Created Time
	// Expires and Uses say, for people, until when and how often the link
	// works.
	Expires string
	Uses    string
	// State is "usable", "expired" or "used up".
	State     string
	DeleteURL string
}

// ReportForm is the page that reports an account or a post.
type ReportForm struct {
	// Target is the account reported; Post the post, when one is.
	Target     UserItem
	Post       *Post
	Action     string
	Category   string
	Comment    string
	Categories []Option
	Limit      int
	Errors     map[string]string
	Error      string
}

// FieldError returns the error of one field, if any.
func (f ReportForm) FieldError(name string) string { return f.Errors[name] }

// ReportCategories are the choices of a report.
var ReportCategories = []Option{
	{"spam", "Spam"},
	{"harassment", "Harassment or abuse"},
	{"illegal", "Illegal content"},
	{"other", "Something else"},
}

// CategoryLabel names a report category for people.
func CategoryLabel(c string) string {
	for _, o := range ReportCategories {
		if o.Value == c {
			return o.Label
		}
	}
	return c
}

// ReportList is a page of reports: the moderators' queue, or a member's
// own reports.
type ReportList struct {
	Items   []ReportItem
	MoreURL string
	Empty   string
}

// ReportItem is one report in a list.
type ReportItem struct {
	ID string
	// URL is its page for moderators ("" in a member's own list).
	URL      string
	Category string
	Comment  string
	// Reporter is nil for a deleted account (and in a member's own list).
	Reporter *UserRef
	// Target is the reported account as it was named then; TargetURL its
	// profile, "" when it is gone.
	Target    string
	TargetURL string
	// OfPost: a post was reported, not only the account.
	OfPost bool
	Time   Time
	// Open, or else Outcome says how it was resolved.
	Open    bool
	Outcome string
	// Purged: the report's texts were erased after ReportRetentionDays.
	Purged bool
}

// ReportRetentionDays is how many days a report keeps its texts (the
// snapshot and the comment) once it is resolved or either account is
// deleted: storage.ReportRetention in days (a handlers test checks that
// they agree).
const ReportRetentionDays = 90

// ReportDetail is a report's page for moderators: what was reported as it
// was then, and the form that resolves it.
type ReportDetail struct {
	ReportItem
	// Snapshot of the account.
	Username    string
	DisplayName string
	BioHTML     string
	// Snapshot of the post, when a post was reported.
	PostHTML        string
	PostSource      string
	PostCW          string
	PostVisibility  string
	PostTime        *Time
	PostAttachments int
	PostAlts        []string
	// PostURL is the post's permalink while it exists, "".
	PostURL string
	// TargetStatus is the account's status now ("deleted" when gone).
	TargetStatus string
	// PurgedAt is when the snapshot's texts were erased, nil while kept.
	PurgedAt *Time
	// Resolution details, when resolved.
	ResolvedBy string
	Reason     string
	// Choices are the resolutions the viewer may take; ResolveURL the
	// form's address.
	Choices    []Option
	ResolveURL string
	Error      string
}

// ResolutionLabel says how a report was resolved, for its reporter.
func ResolutionLabel(action string) string {
	switch action {
	case "dismiss":
		return "Reviewed: no action was needed"
	case "delete_post":
		return "Resolved: the post was removed"
	case "silence":
		return "Resolved: the account was limited"
	case "suspend":
		return "Resolved: the account was suspended"
	}
	return "Resolved"
}

// AdminFrame is the sub-navigation of the administration pages.
type AdminFrame struct {
	// Current names the page: "home", "reports", "applications", "users",
	// "log", "settings".
	Current string
	// Admin: the viewer is an admin (settings, backups).
	Admin        bool
	OpenReports  int
	Applications int
}

// AdminHome is the overview page of /admin.
type AdminHome struct {
	Frame AdminFrame
	// Mode is the registration mode's label.
	Mode string
}

// ApplicationList is a page of the approval queue.
type ApplicationList struct {
	Items   []ApplicationItem
	MoreURL string
	Empty   string
}

// ApplicationItem is one pending account with its application.
type ApplicationItem struct {
	User       UserItem
	Username   string
	Reason     string
	Time       Time
	ApproveURL string
	RejectURL  string
}

// ModLog is a page of the moderation log.
type ModLog struct {
	Items   []LogItem
	MoreURL string
}

// LogItem is one line of the moderation log.
type LogItem struct {
	Time      Time
	Actor     string
	ActorURL  string
	Action    string
	Target    string
	TargetURL string
	Detail    string
	Reason    string
	ReportURL string
	// Domain: Target is a server's domain (a domain block), not an
	// account.
	Domain bool
}

// ActionLabel names a moderation action for the log.
func ActionLabel(kind string) string {
	switch kind {
	case "approve":
		return "approved the application of"
	case "reject":
		return "rejected the application of"
	case "silence":
		return "silenced"
	case "unsilence":
		return "lifted the silence of"
	case "suspend":
		return "suspended"
	case "unsuspend":
		return "unsuspended"
	case "role":
		return "changed the role of"
	case "reset_password":
		return "reset the password of"
	case "delete_account":
		return "deleted the account"
	case "delete_post":
		return "deleted a post by"
	case "dismiss":
		return "dismissed a report about"
	case "settings":
		return "changed the instance settings"
	case "domain_block":
		return "decided about the domain"
	case "domain_unblock":
		return "lifted the decision about the domain"
	case "federation_mode":
		return "switched federation mode"
	}
	return kind
}

// AdminUsers is the user management list.
type AdminUsers struct {
	Query   string
	Rows    []AdminUserRow
	MoreURL string
	Empty   string
}

// AdminUserRow is one account in user management.
type AdminUserRow struct {
	User     UserItem
	Username string
	Role     string
	Status   string
	Posts    int
	Joined   Time
	// URL is its management page.
	URL string
}

// AdminUser is the management page of one account.
type AdminUser struct {
	Row AdminUserRow
	// Application is what a pending account wrote.
	Application string
	// Actions are the state changes the viewer may make (silence,
	// suspend...); each is a form with a reason.
	Actions []UserAction
	// Roles is set when the viewer may change the role.
	Roles   []Option
	RoleURL string
	// ResetURL and DeleteURL are set when the viewer may reset the
	// password or delete the account.
	ResetURL  string
	DeleteURL string
	// Notice explains why nothing may be done, when nothing may.
	Notice string
	Error  string
}

// UserAction is one button of an account's management page.
type UserAction struct {
	Kind   string
	Label  string
	URL    string
	Danger bool
}

// TempPassword is the page that shows a reset password, once.
type TempPassword struct {
	Row      AdminUserRow
	Password string
}

// InstanceForm is the instance settings form.
type InstanceForm struct {
	Name, Tagline, About, Rules, Contact string
	PostChars                            string
	Registrations, Invites, Language     string
	Reason                               string
	// DefaultName is the name the server was started with (-name), used
	// while Name is empty.
	DefaultName string
	// AITraining is "allowed" or "" (not allowed); RefuseAICrawlers
	// answers 403 to the known AI crawlers.
	AITraining       string
	RefuseAICrawlers bool
	Errors           map[string]string
	Error            string
	// PollOptions is the most answers a poll may have ("" for the
	// default).
	PollOptions string
	// StaffTwoFactor requires a second factor of moderators and admins.
	StaffTwoFactor bool
}

// FieldError returns the error of one field, if any.
func (f InstanceForm) FieldError(name string) string { return f.Errors[name] }

// RegistrationModes are the choices of the registration select.
var RegistrationModes = []Option{
	{"open", "Open: anyone can sign up"},
	{"approval", "Approval: newcomers say why they want to join, a moderator approves them"},
	{"invite", "Invite only: with an invitation link"},
	{"closed", "Closed: nobody can sign up"},
}

// InvitePolicies are the choices of who may make invitation links.
var InvitePolicies = []Option{
	{"members", "Every member"},
	{"admins", "Admins only"},
}

// Languages are the interface languages an instance may default to.
var Languages = []Option{
	{"en", "English"},
	{"ar", "العربية (Arabic)"},
}

// OptionLabel finds the label of a value among options.
func OptionLabel(opts []Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}
