package api

// Entities in Mastodon's shapes: field names, types and formats as its
// documentation gives them, because apps decode them strictly. IDs are
// strings (majlis IDs sort in time order, as apps expect); times are
// ISO 8601 with milliseconds in UTC (apiTime). The converters from
// storage records live beside the endpoints that own them.

// Account is a member or a remote account.
type Account struct {
	ID              string  `json:"id"`
	Username        string  `json:"username"`
	Acct            string  `json:"acct"` // name for local members, name@host for remote ones
	URL             string  `json:"url"`
	URI             string  `json:"uri"`
	DisplayName     string  `json:"display_name"`
	Note            string  `json:"note"` // HTML
	Avatar          string  `json:"avatar"`
	AvatarStatic    string  `json:"avatar_static"`
	Header          string  `json:"header"`
	HeaderStatic    string  `json:"header_static"`
	Locked          bool    `json:"locked"`
	Fields          []Field `json:"fields"`
	Emojis          []Emoji `json:"emojis"`
	Bot             bool    `json:"bot"`
	Group           bool    `json:"group"`
	Discoverable    *bool   `json:"discoverable"`
	Indexable       bool    `json:"indexable"`
	Noindex         bool    `json:"noindex"`
	HideCollections *bool   `json:"hide_collections"`
	CreatedAt       string  `json:"created_at"`
	LastStatusAt    *string `json:"last_status_at"` // a date, YYYY-MM-DD
	StatusesCount   int     `json:"statuses_count"`
	FollowersCount  int     `json:"followers_count"`
	FollowingCount  int     `json:"following_count"`
	// Source and Role only for the account's own verify_credentials.
	Source *Source `json:"source,omitempty"`
	Role   *Role   `json:"role,omitempty"`
	// Moved is the account this one moved to, when it moved (moves.go).
	Moved *Account `json:"moved,omitempty"`
}

// Field is a profile field.
type Field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"` // HTML
	VerifiedAt *string `json:"verified_at"`
}

// Source is what the account's owner wrote, for editing.
type Source struct {
	Privacy             string  `json:"privacy"`
	Sensitive           bool    `json:"sensitive"`
	Language            string  `json:"language"`
	Note                string  `json:"note"` // plain text
	Fields              []Field `json:"fields"`
	FollowRequestsCount int     `json:"follow_requests_count"`
	Indexable           bool    `json:"indexable"`
	Discoverable        *bool   `json:"discoverable"`
	HideCollections     *bool   `json:"hide_collections"`
	// AITraining is the member's choice about AI training on their
	// content ("inherit", "no", "yes"): a majlis extension.
	AITraining string `json:"ai_training"`
}

// Role is the account's role as Mastodon 4 names it.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

// Emoji is a custom emoji (majlis has none yet: always an empty list).
type Emoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
}

// Status is a post, or a repost (Reblog set, no content of its own).
type Status struct {
	ID                 string            `json:"id"`
	URI                string            `json:"uri"`
	URL                *string           `json:"url"`
	CreatedAt          string            `json:"created_at"`
	EditedAt           *string           `json:"edited_at"`
	Account            Account           `json:"account"`
	Content            string            `json:"content"`
	Text               *string           `json:"text,omitempty"`
	Visibility         string            `json:"visibility"` // public, unlisted, private, direct
	Sensitive          bool              `json:"sensitive"`
	SpoilerText        string            `json:"spoiler_text"`
	MediaAttachments   []MediaAttachment `json:"media_attachments"`
	Application        *Application      `json:"application"`
	Mentions           []Mention         `json:"mentions"`
	Tags               []Tag             `json:"tags"`
	Emojis             []Emoji           `json:"emojis"`
	ReblogsCount       int               `json:"reblogs_count"`
	FavouritesCount    int               `json:"favourites_count"`
	RepliesCount       int               `json:"replies_count"`
	InReplyToID        *string           `json:"in_reply_to_id"`
	InReplyToAccountID *string           `json:"in_reply_to_account_id"`
	Reblog             *Status           `json:"reblog"`
	Poll               any               `json:"poll"`
	Card               any               `json:"card"`
	Language           *string           `json:"language"`
	Favourited         *bool             `json:"favourited,omitempty"`
	Reblogged          *bool             `json:"reblogged,omitempty"`
	Muted              *bool             `json:"muted,omitempty"`
	Bookmarked         *bool             `json:"bookmarked,omitempty"`
	Pinned             *bool             `json:"pinned,omitempty"`
	Filtered           []any             `json:"filtered,omitempty"`
	// Quote and QuoteApproval are Mastodon 4.5's (quotes.go).
	Quote         *StatusQuote   `json:"quote"`
	QuoteApproval *QuoteApproval `json:"quote_approval,omitempty"`
}

// MediaAttachment is an image of a post (or an upload waiting for one).
type MediaAttachment struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"` // image, gifv
	URL         string  `json:"url"`
	PreviewURL  string  `json:"preview_url"`
	RemoteURL   *string `json:"remote_url"`
	TextURL     *string `json:"text_url,omitempty"`
	Meta        any     `json:"meta"`
	Description *string `json:"description"`
	Blurhash    *string `json:"blurhash"`
}

// Mention is an account a status names.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// Tag is a hashtag.
type Tag struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	History   []any  `json:"history,omitempty"`
	Following *bool  `json:"following,omitempty"`
}

// Application is an app registered with POST /api/v1/apps.
type Application struct {
	ID           string   `json:"id,omitempty"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes,omitempty"`
	RedirectURI  string   `json:"redirect_uri,omitempty"`
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	ClientID     string   `json:"client_id,omitempty"`
	ClientSecret string   `json:"client_secret,omitempty"`
	VapidKey     string   `json:"vapid_key,omitempty"`
}

// Notification is one event for the member.
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"` // mention, status, reblog, follow, follow_request, favourite, update
	CreatedAt string  `json:"created_at"`
	GroupKey  string  `json:"group_key,omitempty"`
	Account   Account `json:"account"`
	Status    *Status `json:"status,omitempty"`
	// Report is the report of an admin.report notification (staff_notes.go).
	Report *Report `json:"report,omitempty"`
}

// Relationship is how the member stands with another account.
type Relationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

// Context is a status's thread.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}
