package api

import (
	"net/url"
	"slices"
	"strconv"

	"majlis/markup"
	"majlis/storage"
)

// The Status and MediaAttachment converters. A page of statuses is
// converted by one statusConv, which reads each account the page
// mentions, and whether the viewer follows each author, once.

// statusConv converts entries for one viewer (zero for a visitor).
type statusConv struct {
	a       *API
	viewer  storage.User
	follows map[storage.ID]bool
	users   map[storage.ID]*storage.User
	// inst is the instance's settings, read on the first account.
	inst *storage.InstanceSettings
}

func (a *API) conv(viewer storage.User) *statusConv {
	return &statusConv{a: a, viewer: viewer, follows: map[storage.ID]bool{}, users: map[storage.ID]*storage.User{}}
}

// status converts a post as viewer sees it (storage.Entry: what the
// viewer may see, with their marks).
func (a *API) status(e storage.Entry, viewer storage.User) Status {
	return a.conv(viewer).status(e)
}

// statuses converts a page of entries.
func (c *statusConv) statuses(es []storage.Entry) []Status {
	out := make([]Status, 0, len(es))
	for _, e := range es {
		out = append(out, c.status(e))
	}
	return out
}

// account converts an account as the viewer sees it; the post count
// depends on whether the viewer follows it.
func (c *statusConv) account(u storage.User) Account {
	f, ok := c.follows[u.ID]
	if !ok && c.viewer.ID != 0 && u.ID != c.viewer.ID {
		f, _ = c.a.db.IsFollowing(c.viewer.ID, u.ID)
		c.follows[u.ID] = f
	}
	if c.inst == nil {
		s := c.a.instance()
		c.inst = &s
	}
	return c.a.accountIn(*c.inst, u, c.viewer.ID, f)
}

func (c *statusConv) user(id storage.ID) (*storage.User, bool) {
	if u, ok := c.users[id]; ok {
		return u, u != nil
	}
	u, err := c.a.db.UserByID(id)
	if err != nil {
		c.users[id] = nil
		return nil, false
	}
	c.users[id] = &u
	return &u, true
}

// status converts one entry. A repost is Mastodon's reblog: a status of
// its own (the repost's ID, the reposter, the time of the repost) that
// wraps the original.
func (c *statusConv) status(e storage.Entry) Status {
	s := c.post(e)
	if e.RepostedBy == nil {
		return s
	}
	by := *e.RepostedBy
	r := Status{
		ID: e.RepostID.String(), CreatedAt: apiTime(e.RepostID.Time()),
		Account: c.account(by), Content: "", Visibility: s.Visibility,
		MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []Tag{}, Emojis: []Emoji{},
		Reblog: &s,
	}
	if by.IsLocal() {
		r.URI = c.a.cfg.BaseURL + "/@" + by.Username + "/" + e.RepostID.String()
		r.URL = &r.URI
	} else {
		r.URI = s.URI + "#reblog-" + e.RepostID.String()
	}
	if c.viewer.ID != 0 {
		r.Favourited, r.Reblogged, r.Bookmarked = s.Favourited, s.Reblogged, s.Bookmarked
		r.Muted, r.Pinned = new(false), new(false)
	}
	return r
}

// post converts the post of an entry itself (an original, never a
// repost).
func (c *statusConv) post(e storage.Entry) Status {
	p := e.Post
	s := Status{
		ID: p.ID.String(), URI: p.URI, CreatedAt: apiTime(p.CreatedAt),
		Account:     c.account(e.Author),
		Content:     c.a.absoluteLinks(markup.Unemojify(p.HTML)),
		Visibility:  visibilityName(p.Visibility),
		Sensitive:   p.ContentWarning != "",
		SpoilerText: p.ContentWarning,
		Mentions:    []Mention{}, Tags: []Tag{}, Emojis: c.a.emojisOf(e.Author.Domain, markup.EmojiInHTML(p.HTML)),
		ReblogsCount: p.Reposts, FavouritesCount: p.Likes, RepliesCount: p.Replies,
		MediaAttachments: make([]MediaAttachment, 0, len(p.Attachments)),
	}
	if s.URI == "" && e.Author.IsLocal() {
		s.URI = c.a.postURL(e.Author, p.ID)
	}
	if u := c.a.statusURL(e); u != "" {
		s.URL = &u
	}
	if !p.EditedAt.IsZero() {
		s.EditedAt = new(apiTime(p.EditedAt))
	}
	if p.Language != "" {
		s.Language = new(p.Language)
	}
	if p.InReplyTo != 0 {
		s.InReplyToID = new(p.InReplyTo.String())
		if p.InReplyToAuthor != 0 {
			s.InReplyToAccountID = new(p.InReplyToAuthor.String())
		}
	}
	for _, a := range p.Attachments {
		s.MediaAttachments = append(s.MediaAttachments, c.a.mediaAttachment(a))
	}
	for _, id := range p.Mentions {
		if u, ok := c.user(id); ok {
			s.Mentions = append(s.Mentions, Mention{ID: u.ID.String(), Username: u.Username, URL: c.a.profileURL(*u), Acct: acct(*u)})
		}
	}
	for _, t := range p.Tags {
		s.Tags = append(s.Tags, Tag{Name: t, URL: c.a.tagURL(t)})
	}
	if p.Poll != nil {
		s.Poll = c.poll(e) // polls.go
	}
	s.Quote, s.QuoteApproval = c.quote(e), c.quoteApproval(e) // quotes.go
	if c.viewer.ID != 0 {
		s.Favourited, s.Reblogged, s.Bookmarked = new(e.Liked), new(e.Reposted), new(e.Bookmarked)
		s.Muted = new(false)
		if p.AuthorID == c.viewer.ID {
			s.Pinned = new(e.Pinned || slices.Contains(c.viewer.Pinned, p.ID))
		}
	}
	return s
}

// postURL is the permalink page of a member's post.
func (a *API) postURL(author storage.User, id storage.ID) string {
	return a.cfg.BaseURL + "/@" + author.Username + "/" + id.String()
}

// statusURL is where a person reads the post: its permalink here for a
// member's post, the original on its server for a remote one (an http or
// https address only: another server chose it); "" when there is none.
func (a *API) statusURL(e storage.Entry) string {
	if e.Post.Local || e.Author.IsLocal() {
		return a.postURL(e.Author, e.Post.ID)
	}
	for _, c := range []string{e.Post.URL, e.Post.URI} {
		u, err := url.Parse(c)
		if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil {
			return u.String()
		}
	}
	return ""
}

// tagURL is a hashtag's page here.
func (a *API) tagURL(tag string) string { return a.cfg.BaseURL + "/tags/" + url.PathEscape(tag) }

// mediaAttachment converts an image of a post, or an upload waiting for
// its post. Its ID is the display file's name (the upload's identity, the
// one the compose form sends too).
func (a *API) mediaAttachment(at storage.Attachment) MediaAttachment {
	m := MediaAttachment{
		ID: at.Display, Type: "image",
		URL:        a.mediaURL(at.Display, at.ContentType),
		PreviewURL: a.mediaURL(at.Thumb, at.ThumbType),
		Meta: mediaMeta{
			Original: imageMeta(at.Width, at.Height),
			Small:    imageMeta(at.ThumbWidth, at.ThumbHeight),
		},
	}
	if at.Animated {
		m.Type = "gifv"
	}
	if at.Alt != "" {
		m.Description = new(at.Alt)
	}
	return m
}

// mediaMeta is a MediaAttachment's meta for an image.
type mediaMeta struct {
	Original imageSize `json:"original"`
	Small    imageSize `json:"small"`
}

type imageSize struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

func imageMeta(w, h int) imageSize {
	s := imageSize{Width: w, Height: h, Size: strconv.Itoa(w) + "x" + strconv.Itoa(h)}
	if h > 0 {
		s.Aspect = float64(w) / float64(h)
	}
	return s
}
