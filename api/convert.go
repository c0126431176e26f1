package api

import (
	"html"
	"strings"

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
	ext := "bin"
	switch contentType {
	case "image/jpeg":
		ext = "jpg"
	case "image/png":
		ext = "png"
	case "image/gif":
		ext = "gif"
	case "image/webp":
		ext = "webp"
	}
	return a.cfg.BaseURL + "/media/" + hash + "." + ext
}

// defaultAvatar is shown for an account without a picture (apps need a
// URL there).
func (a *API) defaultAvatar() string { return a.cfg.BaseURL + static.URL("icons/user.svg") }

// account converts an account as viewer (0: nobody signed in) sees it:
// the post count counts what the viewer may see, as on the web.
func (a *API) account(u storage.User, viewer storage.ID, follows bool) Account {
	acc := Account{
		ID: u.ID.String(), Username: u.Username, Acct: acct(u), URL: a.profileURL(u), URI: u.URI,
		DisplayName: u.DisplayName, Note: u.BioHTML, Locked: u.Locked, Bot: u.Bot,
		Fields: []Field{}, Emojis: []Emoji{},
		Indexable: u.Indexable, Noindex: !u.Indexable,
		CreatedAt:      apiTime(u.CreatedAt.Truncate(24 * 60 * 60 * 1e9)),
		StatusesCount:  u.VisiblePostsCount(viewer, follows),
		FollowersCount: u.FollowersCount, FollowingCount: u.FollowingCount,
	}
	if u.Domain == "" && u.URI == "" {
		acc.URI = a.cfg.BaseURL + "/users/" + u.Username
	}
	acc.Avatar, acc.AvatarStatic = a.defaultAvatar(), a.defaultAvatar()
	if !u.Avatar.IsZero() {
		acc.Avatar = a.mediaURL(u.Avatar.Display, u.Avatar.ContentType)
		acc.AvatarStatic = a.mediaURL(u.Avatar.Thumb, u.Avatar.ThumbType)
	}
	if !u.Header.IsZero() {
		acc.Header = a.mediaURL(u.Header.Display, u.Header.ContentType)
		acc.HeaderStatic = a.mediaURL(u.Header.Thumb, u.Header.ThumbType)
	}
	for _, l := range u.Links {
		acc.Fields = append(acc.Fields, Field{Name: l.Label, Value: linkField(l.URL)})
	}
	return acc
}

// linkField is a profile link as Mastodon writes a field's value.
func linkField(u string) string {
	e := html.EscapeString(u)
	shown := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return `<a href="` + e + `" rel="me nofollow noopener noreferrer" target="_blank">` + html.EscapeString(shown) + `</a>`
}
