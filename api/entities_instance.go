package api

// The instance's entities (GET /api/v1/instance, /api/v2/instance and
// their parts), in Mastodon's shapes.

// InstanceV1 is the instance as /api/v1/instance describes it.
type InstanceV1 struct {
	URI              string           `json:"uri"` // the host name
	Title            string           `json:"title"`
	ShortDescription string           `json:"short_description"`
	Description      string           `json:"description"`
	Email            string           `json:"email"`
	Version          string           `json:"version"`
	URLs             InstanceV1URLs   `json:"urls"`
	Stats            InstanceStats    `json:"stats"`
	Thumbnail        string           `json:"thumbnail"`
	Languages        []string         `json:"languages"`
	Registrations    bool             `json:"registrations"`
	ApprovalRequired bool             `json:"approval_required"`
	InvitesEnabled   bool             `json:"invites_enabled"`
	Configuration    InstanceConfigV1 `json:"configuration"`
	ContactAccount   *Account         `json:"contact_account"`
	Rules            []Rule           `json:"rules"`
}

// InstanceV1URLs are the instance's addresses in the v1 shape.
type InstanceV1URLs struct {
	StreamingAPI string `json:"streaming_api"`
}

// InstanceStats counts the instance's members, posts and known servers.
type InstanceStats struct {
	UserCount   int `json:"user_count"`
	StatusCount int `json:"status_count"`
	DomainCount int `json:"domain_count"`
}

// InstanceConfigV1 is what apps must respect when posting (v1 shape).
type InstanceConfigV1 struct {
	Accounts         AccountsConfig `json:"accounts"`
	Statuses         StatusesConfig `json:"statuses"`
	MediaAttachments MediaConfig    `json:"media_attachments"`
	Polls            PollsConfig    `json:"polls"`
}

// AccountsConfig limits accounts' featured things.
type AccountsConfig struct {
	MaxFeaturedTags   int `json:"max_featured_tags"`
	MaxPinnedStatuses int `json:"max_pinned_statuses"`
}

// StatusesConfig limits posts.
type StatusesConfig struct {
	MaxCharacters            int `json:"max_characters"`
	MaxMediaAttachments      int `json:"max_media_attachments"`
	CharactersReservedPerURL int `json:"characters_reserved_per_url"`
}

// MediaConfig limits uploads; majlis takes no video (its limits are 0).
type MediaConfig struct {
	SupportedMIMETypes  []string `json:"supported_mime_types"`
	ImageSizeLimit      int64    `json:"image_size_limit"`
	ImageMatrixLimit    int      `json:"image_matrix_limit"`
	VideoSizeLimit      int64    `json:"video_size_limit"`
	VideoFrameRateLimit int      `json:"video_frame_rate_limit"`
	VideoMatrixLimit    int      `json:"video_matrix_limit"`
}

// PollsConfig limits polls (api/polls.go).
type PollsConfig struct {
	MaxOptions             int `json:"max_options"`
	MaxCharactersPerOption int `json:"max_characters_per_option"`
	MinExpiration          int `json:"min_expiration"`
	MaxExpiration          int `json:"max_expiration"`
}

// Rule is one of the instance's rules.
type Rule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

// InstanceV2 is the instance as /api/v2/instance describes it.
type InstanceV2 struct {
	Domain        string                `json:"domain"`
	Title         string                `json:"title"`
	Version       string                `json:"version"`
	SourceURL     string                `json:"source_url"`
	Description   string                `json:"description"`
	Usage         InstanceUsage         `json:"usage"`
	Thumbnail     InstanceThumbnail     `json:"thumbnail"`
	Languages     []string              `json:"languages"`
	Configuration InstanceConfigV2      `json:"configuration"`
	Registrations InstanceRegistrations `json:"registrations"`
	APIVersions   map[string]int        `json:"api_versions"`
	Contact       InstanceContact       `json:"contact"`
	Rules         []Rule                `json:"rules"`
}

// InstanceUsage is how much the instance is used.
type InstanceUsage struct {
	Users struct {
		ActiveMonth int `json:"active_month"`
	} `json:"users"`
}

// InstanceThumbnail is the instance's picture.
type InstanceThumbnail struct {
	URL string `json:"url"`
}

// InstanceConfigV2 is what apps must respect (v2 shape).
type InstanceConfigV2 struct {
	URLs struct {
		Streaming string  `json:"streaming"`
		Status    *string `json:"status"`
	} `json:"urls"`
	Vapid struct {
		PublicKey string `json:"public_key"`
	} `json:"vapid"`
	Accounts         AccountsConfig `json:"accounts"`
	Statuses         StatusesConfig `json:"statuses"`
	MediaAttachments MediaConfig    `json:"media_attachments"`
	Polls            PollsConfig    `json:"polls"`
	Translation      struct {
		Enabled bool `json:"enabled"`
	} `json:"translation"`
}

// InstanceRegistrations says how people join.
type InstanceRegistrations struct {
	Enabled          bool    `json:"enabled"`
	ApprovalRequired bool    `json:"approval_required"`
	Message          *string `json:"message"`
}

// InstanceContact is whom to write to.
type InstanceContact struct {
	Email   string   `json:"email"`
	Account *Account `json:"account"`
}

// Preferences are the member's settings that apps apply.
type Preferences struct {
	Visibility     string  `json:"posting:default:visibility"`
	Sensitive      bool    `json:"posting:default:sensitive"`
	Language       *string `json:"posting:default:language"`
	ExpandMedia    string  `json:"reading:expand:media"`
	ExpandSpoilers bool    `json:"reading:expand:spoilers"`
}
