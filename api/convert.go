package api

import (
	"context"
	"html"
	"strconv"
	"strings"

	"majlis/federation"
	"majlis/i18n"
	"majlis/static"
	"majlis/storage"
)

// Converters from storage records to entities. One converter per entity,
// used by every endpoint that returns it, so an entity has one shape.

// acct is the account's address as Mastodon writes it: the name for a
// member of this instance, name@host for another server's.
func acct(u storage.User) string {
	if u.Domain == "" {
		return u.Username
	}
	return u.Username + "@" + u.Domain
}

// profileURL is the account's page: here for a member, on its server
// for a remote account.
func (a *API) profileURL(u storage.User) string {
	if u.Domain == "" {
		return a.cfg.BaseURL + "/@" + u.Username
	}
	if u.ProfileURL != "" {
		return u.ProfileURL
	}
	return u.URI
}

// mediaURL is the absolute address of a stored file.
func (a *API) mediaURL(hash, contentType string) string {
	return a.cfg.BaseURL + storage.MediaPath(hash, contentType)
}

// defaultAvatar and defaultHeader are shown for an account without a
// picture: apps need a raster image URL there (an SVG is not drawn by
// most of them).
func (a *API) defaultAvatar() string { return a.cfg.BaseURL + static.URL("avatar.png") }
func (a *API) defaultHeader() string { return a.cfg.BaseURL + static.URL("header.png") }

// absoluteLinks makes the instance-relative links of rendered Markdown
// ("/@name", "/tags/x") absolute: an app shows the HTML far from here.
// The sanitizer writes every attribute as href="...", so one spelling
// covers them all.
func (a *API) absoluteLinks(h string) string {
	return strings.ReplaceAll(h, `href="/`, `href="`+a.cfg.BaseURL+`/`)
}

// instance is the instance's settings now (the defaults, which reserve AI
// training, when they cannot be read).
func (a *API) instance() storage.InstanceSettings {
	s, _, err := a.db.InstanceSummary()
	if err != nil {
		return storage.DefaultInstanceSettings()
	}
	return s
}

// account converts an account as viewer (0: nobody signed in) sees it:
// the post count counts what the viewer may see, as on the web. A
// member's account carries their AI-training decision as its last field,
// worded as their actor says it to other servers.
func (a *API) account(u storage.User, viewer storage.ID, follows bool) Account {
	return a.accountIn(a.instance(), u, viewer, follows)
}

// accountIn is account with the instance's settings read already (a page
// of statuses converts many accounts, and reads them once).
func (a *API) accountIn(s storage.InstanceSettings, u storage.User, viewer storage.ID, follows bool) Account {
	discoverable, hide := u.Indexable, false
	acc := Account{
		ID: u.ID.String(), Username: u.Username, Acct: acct(u), URL: a.profileURL(u), URI: u.URI,
		DisplayName: u.DisplayName, Note: u.BioHTML, Locked: u.Locked, Bot: u.Bot,
		Fields: []Field{}, Emojis: a.emojisOf(u.Domain, nameAndBioEmoji(u.DisplayName, u.BioHTML)),
		Discoverable: &discoverable, HideCollections: &hide,
		Indexable: u.Indexable, Noindex: !u.Indexable || storage.NoIndexSignal(u.XRobotsTag),
		// Mastodon dates an account to its day.
		CreatedAt:      apiTime(u.CreatedAt.UTC().Truncate(24 * 60 * 60 * 1e9)),
		StatusesCount:  u.VisiblePostsCount(viewer, follows),
		FollowersCount: u.FollowersCount, FollowingCount: u.FollowingCount,
	}
	if u.Domain == "" {
		acc.Note = a.absoluteLinks(u.BioHTML)
		if u.URI == "" {
			acc.URI = a.cfg.BaseURL + "/users/" + u.Username
		}
	}
	acc.Avatar, acc.AvatarStatic = a.defaultAvatar(), a.defaultAvatar()
	if !u.Avatar.IsZero() {
		acc.Avatar = a.mediaURL(u.Avatar.Display, u.Avatar.ContentType)
		acc.AvatarStatic = a.mediaURL(u.Avatar.Thumb, u.Avatar.ThumbType)
	}
	acc.Header, acc.HeaderStatic = a.defaultHeader(), a.defaultHeader()
	if !u.Header.IsZero() {
		acc.Header = a.mediaURL(u.Header.Display, u.Header.ContentType)
		acc.HeaderStatic = a.mediaURL(u.Header.Thumb, u.Header.ThumbType)
	}
	for _, l := range u.Links {
		f := Field{Name: l.Label, Value: linkField(l.URL)}
		if !l.VerifiedAt.IsZero() {
			at := apiTime(l.VerifiedAt)
			f.VerifiedAt = &at
		}
		acc.Fields = append(acc.Fields, f)
	}
	for _, rf := range u.RemoteFields {
		acc.Fields = append(acc.Fields, Field{Name: rf.Name, Value: rf.ValueHTML})
	}
	if u.Domain == "" {
		name, value := aiTrainingField(s, u)
		acc.Fields = append(acc.Fields, Field{Name: name, Value: value})
	}
	acc.Moved = a.movedAccount(s, u, viewer) // moves.go
	return acc
}

// aiTrainingField is a member's AI-training decision as a profile field,
// in the instance's language: the federation actor's wording and its one
// decision (federation.ConsentOf).
func aiTrainingField(s storage.InstanceSettings, u storage.User) (name, value string) {
	ctx := i18n.WithLang(context.Background(), i18n.Negotiate("", "", s.Language))
	return federation.ConsentOf(s.AITrainingAllowed, u).AITrainingField(ctx)
}

// isAITrainingField tells whether a field sent back by an app is the
// AI-training field this API added (apps that edit the fields they were
// shown send it back): it is not a profile link.
func (a *API) isAITrainingField(u storage.User, name string) bool {
	n, _ := aiTrainingField(a.instance(), u)
	return strings.EqualFold(strings.TrimSpace(name), n)
}

// credentialAccount is the member's own account with what only they see:
// the source of their profile, their settings and their role.
func (a *API) credentialAccount(u storage.User, pendingRequests int) Account {
	acc := a.account(u, u.ID, false)
	src := &Source{
		Privacy: visibilityName(u.PostVisibility()), Language: u.Language, Note: u.Bio,
		Fields: []Field{}, FollowRequestsCount: pendingRequests, Indexable: u.Indexable,
		Discoverable: acc.Discoverable, HideCollections: acc.HideCollections,
		AITraining: aiTrainingName(u.AITraining),
	}
	for _, l := range u.Links {
		src.Fields = append(src.Fields, Field{Name: l.Label, Value: l.URL})
	}
	acc.Source = src
	acc.Role = roleOf(u)
	return acc
}

// aiTrainingName is a member's AI-training choice as the API names it:
// "inherit" (the instance's policy), "no" or "yes".
func aiTrainingName(choice string) string {
	if choice == storage.AITrainingInherit {
		return "inherit"
	}
	return choice
}

// aiTrainingChoice reads a choice named by aiTrainingName; ok false for
// a name it does not know.
func aiTrainingChoice(name string) (string, bool) {
	switch name {
	case "inherit", "":
		return storage.AITrainingInherit, true
	case storage.AITrainingNo, storage.AITrainingYes:
		return name, true
	}
	return name, false
}

// Mastodon's role permission bits, for the roles majlis has.
const (
	permAdministrator = 1 << 0
	permViewAuditLog  = 1 << 2
	permViewDashboard = 1 << 3
	permManageReports = 1 << 4
	permManageUsers   = 1 << 10
	permInviteUsers   = 1 << 16
)

// roleOf is the member's role as Mastodon 4 names it. Mastodon's own
// role IDs are kept ("-99" everyone, "1" moderator, "3" admin), since
// some apps compare them.
func roleOf(u storage.User) *Role {
	switch u.Role {
	case storage.RoleAdmin:
		return &Role{ID: "3", Name: "Admin", Permissions: strconv.Itoa(permAdministrator), Highlighted: true}
	case storage.RoleModerator:
		return &Role{ID: "1", Name: "Moderator", Permissions: strconv.Itoa(permViewAuditLog | permViewDashboard | permManageReports | permManageUsers), Highlighted: true}
	}
	return &Role{ID: "-99", Name: "", Permissions: strconv.Itoa(permInviteUsers)}
}

// visibilityName is a visibility as Mastodon names it: majlis's
// followers-only is Mastodon's "private".
func visibilityName(v storage.Visibility) string {
	switch v {
	case storage.FollowersOnly:
		return "private"
	case "":
		return string(storage.Public)
	}
	return string(v)
}

// visibilityOf reads a visibility as Mastodon names it; ok false for a
// name it does not know.
func visibilityOf(name string) (storage.Visibility, bool) {
	switch name {
	case "public":
		return storage.Public, true
	case "unlisted":
		return storage.Unlisted, true
	case "private":
		return storage.FollowersOnly, true
	case "direct":
		return storage.Direct, true
	}
	return storage.Visibility(name), false
}

// relationship converts how viewer stands with other, as storage reads
// it: Mastodon's "requested" is a request still waiting.
func relationship(other storage.ID, r storage.Relationship) Relationship {
	return Relationship{
		ID: other.String(), Following: r.Following, ShowingReblogs: r.Following,
		FollowedBy: r.FollowedBy, Blocking: r.Blocking, BlockedBy: r.BlockedBy,
		Muting: r.Muting, MutingNotifications: r.Muting,
		Requested: r.Requested && !r.Following, RequestedBy: r.RequestedBy,
		DomainBlocking: r.DomainBlocking, Note: "",
	}
}

// linkField is a profile link as Mastodon writes a field's value.
func linkField(u string) string {
	e := html.EscapeString(u)
	shown := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if strings.Count(shown, "/") == 1 && strings.HasSuffix(shown, "/") {
		shown = strings.TrimSuffix(shown, "/")
	}
	return `<a href="` + e + `" rel="me nofollow noopener noreferrer" target="_blank">` + html.EscapeString(shown) + `</a>`
}
