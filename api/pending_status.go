package api

import "majlis/storage"

// status is a stand-in for the Status converter of the statuses
// endpoints, so that an account's posts can be answered before they are
// merged: the post's main fields only. Delete this file on that merge.
func (a *API) status(e storage.Entry, viewer storage.User) Status {
	p := e.Post
	s := Status{
		ID: p.ID.String(), URI: p.URI, CreatedAt: apiTime(p.CreatedAt),
		Account: a.accountAs(e.Author, viewer.ID), Content: a.absoluteLinks(p.HTML),
		Visibility: visibilityName(p.Visibility), Sensitive: p.ContentWarning != "", SpoilerText: p.ContentWarning,
		MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []Tag{}, Emojis: []Emoji{},
		ReblogsCount: p.Reposts, FavouritesCount: p.Likes, RepliesCount: p.Replies,
	}
	if e.RepostedBy != nil {
		orig := s
		s = Status{
			ID: e.RepostID.String(), URI: orig.URI, CreatedAt: orig.CreatedAt,
			Account: a.accountAs(*e.RepostedBy, viewer.ID), Visibility: orig.Visibility,
			MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []Tag{}, Emojis: []Emoji{},
			Reblog: &orig,
		}
	}
	return s
}
