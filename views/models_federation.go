package views

// View models of federation: remote accounts and posts, looking people
// up on other servers, a member's domain blocks, and the administration
// of other servers.

// Origin is where a remote post lives: its server and its page there.
type Origin struct {
	Host string
	// URL is the original's page (http or https), "" when it has none
	// that may be linked.
	URL string
	// Kind is "poll" or "article" for an object this instance shows only
	// in part (a Question, an Article), "" for a note.
	Kind string
}

// RemoteProfile is what a remote account's profile adds: its server, the
// link to its page there, and the viewer's domain block.
type RemoteProfile struct {
	Host string
	// URL is the account's page on its server, "" when none may be
	// linked.
	URL string
	// DomainBlocked: the viewer blocked the whole domain.
	DomainBlocked bool
	// CanBlockDomain: a signed-in viewer, who may block the domain.
	CanBlockDomain bool
	// Limited: the instance limits this server (its posts show only to
	// followers); Suspended: the instance refuses it.
	Limited, Suspended bool
}

// RemoteFollow is the "follow from your own server" form on a member's
// profile, for visitors.
type RemoteFollow struct {
	// Action is where the form posts ("/@name/remote_follow").
	Action string
	Handle string
	Error  string
}

// People is the page where members look up someone on another server.
type People struct {
	Query string
	Error string
}

// RemoteFollowPage is the page of the "follow from your own server" form
// with an error, after a failed try.
type RemoteFollowPage struct {
	Profile Profile
	Form    RemoteFollow
}

// DomainBlocks is a member's list of blocked domains.
type DomainBlocks struct {
	Domains []string
	// Domain is the form's value after an error.
	Domain string
	Error  string
}

// AdminDomains is the administration of other servers: the decisions
// about domains and allowlist mode.
type AdminDomains struct {
	Frame AdminFrame
	// CanChange: admins change; moderators only see.
	CanChange bool
	Allowlist bool
	Blocks    []DomainBlockRow
	Allowed   []DomainBlockRow
	Form      DomainBlockForm
}

// DomainBlockRow is one decision about a domain.
type DomainBlockRow struct {
	Domain         string
	Severity       string
	SeverityLabel  string
	RejectMedia    bool
	PublicComment  string
	PrivateComment string
	Created        Time
}

// DomainBlockForm adds a decision about a domain.
type DomainBlockForm struct {
	Domain         string
	Severity       string
	RejectMedia    bool
	PublicComment  string
	PrivateComment string
	Severities     []Option
	Errors         map[string]string
}

// AdminFederation is the page of known servers and the delivery queue.
type AdminFederation struct {
	Frame     AdminFrame
	CanChange bool
	// Queue is nil when delivery is not running.
	Queue     *QueueStats
	Instances []InstanceRow
	MoreURL   string
}

// QueueStats are the delivery queue's numbers.
type QueueStats struct {
	Pending, Failing, Unavailable int
}

// InstanceRow is one known server.
type InstanceRow struct {
	Domain   string
	Accounts int
	// Policy is the instance's decision about it, "" for none.
	Policy string
	// Delivery status, when the queue knows the host.
	Known       bool
	Unavailable bool
	Failing     bool
	FailDays    int
	Pending     int
	LastSuccess *Time
	LastFailure *Time
}

// SuspendedDomain is a suspended server as the About page lists it.
type SuspendedDomain struct {
	Domain  string
	Comment string
}
