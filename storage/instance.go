package storage

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// RegistrationMode says who may create an account.
type RegistrationMode string

// Registration modes. Whatever the mode, the instance's first account
// always registers (and becomes its admin).
const (
	// RegistrationOpen: anyone may sign up.
	RegistrationOpen RegistrationMode = "open"
	// RegistrationApproval: newcomers write why they want to join and wait
	// for a moderator's approval; an invitation admits them at once.
	RegistrationApproval RegistrationMode = "approval"
	// RegistrationInvite: only with an invitation link.
	RegistrationInvite RegistrationMode = "invite"
	// RegistrationClosed: nobody may sign up.
	RegistrationClosed RegistrationMode = "closed"
)

// Valid tells whether m is one of the four modes.
func (m RegistrationMode) Valid() bool {
	switch m {
	case RegistrationOpen, RegistrationApproval, RegistrationInvite, RegistrationClosed:
		return true
	}
	return false
}

// InvitePolicy says who may make invitation links.
type InvitePolicy string

// Invite policies.
const (
	// InvitesByMembers: every member who can log in.
	InvitesByMembers InvitePolicy = "members"
	// InvitesByAdmins: admins only.
	InvitesByAdmins InvitePolicy = "admins"
)

// Valid tells whether p is one of the policies.
func (p InvitePolicy) Valid() bool { return p == InvitesByMembers || p == InvitesByAdmins }

// Limits of the instance settings.
const (
	// DefaultPostChars is the post length limit of an instance whose
	// admins never set one.
	DefaultPostChars = 500
	// MinPostChars and MaxPostCharsLimit bound the limit an admin may set.
	MinPostChars      = 100
	MaxPostCharsLimit = 5000
	// MaxInstanceName is the longest instance name, in characters.
	MaxInstanceName = 60
	// MaxInstanceTagline is the longest short description, in characters.
	MaxInstanceTagline = 200
	// MaxInstanceText is the longest "about" text or rules, in characters.
	MaxInstanceText = 10000
	// MaxInstanceContact is the longest contact address, in bytes.
	MaxInstanceContact = 300
)

// Languages lists the interface languages an admin may choose, by their
// BCP 47 tag.
var languages = map[string]bool{"en": true, "ar": true}

// ValidLanguage tells whether tag is a language the instance may default to.
func ValidLanguage(tag string) bool { return languages[tag] }

// InstanceSettings are what the admins say about their instance. The zero
// value is not valid: start from DefaultInstanceSettings.
type InstanceSettings struct {
	V int `json:"v"`
	// Name is shown in the header and titles. Empty means "the name the
	// server was started with" (its -name flag).
	Name string `json:"name,omitempty"`
	// Tagline is the short description: the header and link previews.
	Tagline string `json:"tagline,omitempty"`
	// About and Rules are Markdown; their HTML is rendered (and sanitized)
	// once, when the settings are saved. They are kept apart from the
	// rest (instanceTexts), which every page reads (InstanceSummary).
	About     string `json:"-"`
	AboutHTML string `json:"-"`
	Rules     string `json:"-"`
	RulesHTML string `json:"-"`
	// Contact is an e-mail address or an http(s) URL.
	Contact string `json:"contact,omitempty"`
	// PostChars is the longest post, in characters.
	PostChars     int              `json:"post_chars"`
	Registrations RegistrationMode `json:"registrations"`
	Invites       InvitePolicy     `json:"invites"`
	// Language is the default language of the interface ("en", "ar").
	Language string `json:"language"`
	// AITrainingAllowed lets members allow AI training on their content
	// (see User.AITraining); false, the default, reserves it for everyone.
	AITrainingAllowed bool `json:"ai_training_allowed,omitempty"`
	// RefuseAICrawlers answers 403 to the known AI crawlers (consent.go
	// in handlers lists them).
	RefuseAICrawlers bool      `json:"refuse_ai_crawlers,omitempty"`
	UpdatedAt        time.Time `json:"updated_at,omitzero"`
	UpdatedBy        ID        `json:"updated_by,omitempty"`
	// PollOptions is the most options a poll may have (0:
	// DefaultPollOptions; at most MaxPollOptionsLimit; polls.go).
	PollOptions int `json:"poll_options,omitempty"`
	// StaffTwoFactor requires moderators and admins to log in with a
	// second factor: one without it is sent to set it up before any
	// administration page.
	StaffTwoFactor bool `json:"staff_two_factor,omitempty"`
}

// MaxPollOptions is the most options a poll may have here.
func (s InstanceSettings) MaxPollOptions() int {
	if s.PollOptions < MinPollOptions || s.PollOptions > MaxPollOptionsLimit {
		return DefaultPollOptions
	}
	return s.PollOptions
}

const instanceVersion = 1

var (
	keyInstance      = []byte("instance")
	keyInstanceTexts = []byte("instance_texts")
)

// instanceTexts are the long texts of the instance settings, stored under
// their own meta key.
type instanceTexts struct {
	About     string `json:"about,omitempty"`
	AboutHTML string `json:"about_html,omitempty"`
	Rules     string `json:"rules,omitempty"`
	RulesHTML string `json:"rules_html,omitempty"`
}

// DefaultInstanceSettings are the settings of an instance whose admins
// never saved any: open registration, posts of 500 characters, English.
func DefaultInstanceSettings() InstanceSettings {
	return InstanceSettings{
		V:             instanceVersion,
		PostChars:     DefaultPostChars,
		Registrations: RegistrationOpen,
		Invites:       InvitesByMembers,
		Language:      "en",
	}
}

// Check explains what is wrong with the settings (ErrInvalid), or is nil.
// Lengths are counted in characters.
func (s InstanceSettings) Check() error {
	var problem string
	switch {
	case utf8.RuneCountInString(s.Name) > MaxInstanceName:
		problem = fmt.Sprintf("name longer than %d characters", MaxInstanceName)
	case utf8.RuneCountInString(s.Tagline) > MaxInstanceTagline:
		problem = fmt.Sprintf("short description longer than %d characters", MaxInstanceTagline)
	case utf8.RuneCountInString(s.About) > MaxInstanceText, utf8.RuneCountInString(s.Rules) > MaxInstanceText:
		problem = fmt.Sprintf("text longer than %d characters", MaxInstanceText)
	case len(s.Contact) > MaxInstanceContact:
		problem = "contact too long"
	case s.PostChars < MinPostChars || s.PostChars > MaxPostCharsLimit:
		problem = fmt.Sprintf("post limit %d outside %d-%d", s.PostChars, MinPostChars, MaxPostCharsLimit)
	case s.PollOptions != 0 && (s.PollOptions < MinPollOptions || s.PollOptions > MaxPollOptionsLimit):
		problem = fmt.Sprintf("poll options %d outside %d-%d", s.PollOptions, MinPollOptions, MaxPollOptionsLimit)
	case !s.Registrations.Valid():
		problem = fmt.Sprintf("registration mode %q", s.Registrations)
	case !s.Invites.Valid():
		problem = fmt.Sprintf("invite policy %q", s.Invites)
	case !ValidLanguage(s.Language):
		problem = fmt.Sprintf("language %q", s.Language)
	}
	if problem != "" {
		return fmt.Errorf("instance settings: %s: %w", problem, ErrInvalid)
	}
	return nil
}

// InstanceSettings returns the saved settings, or DefaultInstanceSettings
// and saved false when no admin has saved any yet.
func (db *DB) InstanceSettings() (s InstanceSettings, saved bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) (err error) {
		s, saved, err = getInstance(tx, true)
		return err
	})
	return s, saved, err
}

// InstanceSummary is InstanceSettings without the long texts (About,
// Rules and their HTML stay empty): what every page needs, read cheaply.
func (db *DB) InstanceSummary() (s InstanceSettings, saved bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) (err error) {
		s, saved, err = getInstance(tx, false)
		return err
	})
	return s, saved, err
}

func getInstance(tx *bolt.Tx, texts bool) (InstanceSettings, bool, error) {
	m := tx.Bucket(bucketMeta)
	v := m.Get(keyInstance)
	if v == nil {
		return DefaultInstanceSettings(), false, nil
	}
	s := DefaultInstanceSettings()
	if err := json.Unmarshal(v, &s); err != nil {
		return DefaultInstanceSettings(), false, fmt.Errorf("instance settings: decode: %w", err)
	}
	if t := m.Get(keyInstanceTexts); texts && t != nil {
		var it instanceTexts
		if err := json.Unmarshal(t, &it); err != nil {
			return DefaultInstanceSettings(), false, fmt.Errorf("instance texts: decode: %w", err)
		}
		s.About, s.AboutHTML, s.Rules, s.RulesHTML = it.About, it.AboutHTML, it.Rules, it.RulesHTML
	}
	return s, true, nil
}

// SaveInstanceSettings replaces the instance settings; actor (an admin who
// can log in, else ErrForbidden) is recorded with the change in the
// moderation log, in the same transaction, with reason. now dates both.
func (db *DB) SaveInstanceSettings(actorID ID, s InstanceSettings, reason string, now time.Time) error {
	if err := s.Check(); err != nil {
		return err
	}
	s.V = instanceVersion
	s.UpdatedAt, s.UpdatedBy = now.UTC(), actorID
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		actor, err := getUser(tx, actorID)
		if err != nil {
			return err
		}
		if !actor.IsAdmin() || !actor.CanLogIn() {
			return notAllowed("Only admins may change the instance settings.")
		}
		old, _, err := getInstance(tx, true)
		if err != nil {
			return err
		}
		v, err := json.Marshal(&s)
		if err != nil {
			return err
		}
		t, err := json.Marshal(&instanceTexts{About: s.About, AboutHTML: s.AboutHTML, Rules: s.Rules, RulesHTML: s.RulesHTML})
		if err != nil {
			return err
		}
		m := tx.Bucket(bucketMeta)
		if err := m.Put(keyInstance, v); err != nil {
			return err
		}
		if err := m.Put(keyInstanceTexts, t); err != nil {
			return err
		}
		return db.appendLog(tx, LogEntry{
			At: now, ActorID: actor.ID, ActorName: actor.Username, Kind: ActSettings,
			Reason: reason, Detail: settingsChanges(old, s),
		})
	})
	if err != nil {
		return fmt.Errorf("save instance settings: %w", err)
	}
	return nil
}

// settingsChanges names what changed, for the moderation log.
func settingsChanges(old, s InstanceSettings) string {
	var out []string
	add := func(changed bool, what string) {
		if changed {
			out = append(out, what)
		}
	}
	add(old.Name != s.Name, "name")
	add(old.Tagline != s.Tagline, "short description")
	add(old.About != s.About, "about")
	add(old.Rules != s.Rules, "rules")
	add(old.Contact != s.Contact, "contact")
	add(old.PostChars != s.PostChars, fmt.Sprintf("post limit %d → %d", old.PostChars, s.PostChars))
	add(old.MaxPollOptions() != s.MaxPollOptions(), fmt.Sprintf("poll options %d → %d", old.MaxPollOptions(), s.MaxPollOptions()))
	add(old.Registrations != s.Registrations, fmt.Sprintf("registrations %s → %s", old.Registrations, s.Registrations))
	add(old.Invites != s.Invites, fmt.Sprintf("invitations by %s → %s", old.Invites, s.Invites))
	add(old.Language != s.Language, fmt.Sprintf("language %s → %s", old.Language, s.Language))
	add(old.AITrainingAllowed != s.AITrainingAllowed, fmt.Sprintf("AI training allowed %t → %t", old.AITrainingAllowed, s.AITrainingAllowed))
	add(old.RefuseAICrawlers != s.RefuseAICrawlers, fmt.Sprintf("refuse AI crawlers %t → %t", old.RefuseAICrawlers, s.RefuseAICrawlers))
	if len(out) == 0 {
		return "no change"
	}
	d := out[0]
	for _, o := range out[1:] {
		d += ", " + o
	}
	return d
}

// Staff lists the local admins and moderators who can log in, oldest
// account first. It reads every account: for pages that show the staff
// (About), not for every request.
func (db *DB) Staff() ([]User, error) {
	var out []User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var peek struct {
				Domain string `json:"domain"`
				Role   Role   `json:"role"`
			}
			if json.Unmarshal(v, &peek) != nil || peek.Domain != "" || (peek.Role != RoleAdmin && peek.Role != RoleModerator) {
				return nil
			}
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %d: decode: %w", keyID(k, 0), err)
			}
			if u.CanLogIn() {
				out = append(out, u)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	return out, nil
}

// CountMembers counts the local accounts that can log in (active and
// silenced ones: not those waiting for approval, nor suspended ones). It
// reads every account, like Staff.
func (db *DB) CountMembers() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
			var peek struct {
				Domain string `json:"domain"`
				Status Status `json:"status"`
			}
			if json.Unmarshal(v, &peek) == nil && peek.Domain == "" && peek.Status.CanLogIn() {
				n++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}
