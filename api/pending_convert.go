package api

// TEMPORARY: minimal converters so the streaming endpoints build and can
// be tested before the statuses endpoints (which own the real Status and
// Notification converters) are merged. Delete this file on merge; the
// real ones keep these signatures:
//
//	func (a *API) status(e storage.Entry, viewer storage.User) Status
//	func (a *API) notification(n storage.NoteEntry, viewer storage.User) Notification

import (
	"majlis/storage"
)

func (a *API) status(e storage.Entry, viewer storage.User) Status {
	if e.RepostedBy != nil {
		inner := e
		inner.RepostedBy, inner.RepostID = nil, 0
		orig := a.status(inner, viewer)
		s := orig
		s.ID = e.RepostID.String()
		s.URI = a.cfg.BaseURL + "/reposts/" + e.RepostID.String()
		s.Account = a.account(*e.RepostedBy, viewer.ID, false)
		s.Content, s.SpoilerText = "", ""
		s.MediaAttachments, s.Mentions, s.Tags = []MediaAttachment{}, []Mention{}, []Tag{}
		s.Reblog = &orig
		return s
	}
	p := e.Post
	vis := map[storage.Visibility]string{storage.Public: "public", storage.Unlisted: "unlisted",
		storage.FollowersOnly: "private", storage.Direct: "direct"}[p.Visibility]
	s := Status{
		ID: p.ID.String(), URI: p.URI, CreatedAt: apiTime(p.CreatedAt),
		Account: a.account(e.Author, viewer.ID, false), Content: p.HTML, Visibility: vis,
		Sensitive: p.ContentWarning != "", SpoilerText: p.ContentWarning,
		MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []Tag{}, Emojis: []Emoji{},
		ReblogsCount: p.Reposts, FavouritesCount: p.Likes, RepliesCount: p.Replies,
	}
	url := p.URL
	if p.Local {
		url = a.cfg.BaseURL + "/@" + e.Author.Username + "/" + p.ID.String()
	}
	s.URL = &url
	if !p.EditedAt.IsZero() {
		t := apiTime(p.EditedAt)
		s.EditedAt = &t
	}
	if p.InReplyTo != 0 {
		id, author := p.InReplyTo.String(), p.InReplyToAuthor.String()
		s.InReplyToID, s.InReplyToAccountID = &id, &author
	}
	for _, at := range p.Attachments {
		alt := at.Alt
		s.MediaAttachments = append(s.MediaAttachments, MediaAttachment{
			ID: at.Display, Type: "image", URL: a.mediaURL(at.Display, at.ContentType),
			PreviewURL: a.mediaURL(at.Thumb, at.ThumbType), Description: &alt,
		})
	}
	for _, t := range p.Tags {
		s.Tags = append(s.Tags, Tag{Name: t, URL: a.cfg.BaseURL + "/tags/" + t})
	}
	if viewer.ID != 0 {
		s.Favourited, s.Reblogged, s.Bookmarked = &e.Liked, &e.Reposted, &e.Bookmarked
	}
	return s
}

func (a *API) notification(n storage.NoteEntry, viewer storage.User) Notification {
	kind := map[storage.NoteKind]string{storage.NoteMention: "mention", storage.NoteReply: "mention",
		storage.NoteLike: "favourite", storage.NoteRepost: "reblog", storage.NoteFollow: "follow",
		storage.NoteFollowRequest: "follow_request"}[n.Kind]
	out := Notification{ID: n.ID.String(), Type: kind, CreatedAt: apiTime(n.ID.Time()),
		Account: a.account(n.Actor, viewer.ID, false)}
	if n.Post != nil {
		s := a.status(*n.Post, viewer)
		out.Status = &s
	}
	return out
}
