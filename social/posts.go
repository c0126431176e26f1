package social

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"majlis/admin"
	"majlis/i18n"
	"majlis/markup"
	"majlis/storage"
)

// Publishing, replying, editing and deleting posts.

// Draft is what a member writes in a compose box: the post's text, the
// warning it hides behind, the audience chosen and the post it answers.
type Draft struct {
	// Body is the Markdown source.
	Body string
	// Warning is the optional content warning.
	Warning string
	// Visibility is the audience as sent: "" for the author's default.
	Visibility string
	// InReplyTo is the post answered, 0 for a new post.
	InReplyTo storage.ID
	// Attachments are images uploaded before (storage.PutUpload), to be
	// attached to the post.
	Attachments []storage.Attachment
	// Language is the language the post is written in, a language code
	// ("en", "ar", "pt-BR"); "" when not said. The client API sends it;
	// federation passes it on (contentMap).
	Language string
	// Poll is the post's poll, nil for none (polls.go).
	Poll *PollDraft
	// Alts, for an edit, are the new descriptions of the post's images,
	// one per image in order; nil keeps them (Publish reads the
	// descriptions from Attachments).
	Alts []string
	// QuoteOf is the post quoted, 0 for none; QuotePolicy who may quote
	// this post ("" for the author's default) (quotes.go).
	QuoteOf     storage.ID
	QuotePolicy string
}

// CheckLanguage is the rule of a post's language: "" or a language code
// (two or three letters, then optional subtags of letters and digits),
// at most 16 characters. It returns the code as it is kept (the primary
// subtag in lower case) and, when refused, why.
func CheckLanguage(ctx context.Context, s string) (string, *Error) {
	if s == "" {
		return "", nil
	}
	refused := refuse(ctx, Invalid, "language", "form.post_language_invalid")
	if len(s) > 16 {
		return s, refused
	}
	for i, part := range strings.Split(s, "-") {
		if part == "" || i == 0 && (len(part) < 2 || len(part) > 3) || len(part) > 8 {
			return s, refused
		}
		for _, r := range part {
			letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			if !letter && (i == 0 || r < '0' || r > '9') {
				return s, refused
			}
		}
	}
	primary, rest, _ := strings.Cut(s, "-")
	if rest != "" {
		rest = "-" + rest
	}
	return strings.ToLower(primary) + rest, nil
}

// CheckBody is the rule of a post's body: not blank, at most limit
// characters as markup.Length counts them. It returns the body as it is
// kept (Windows line ends made "\n") and, when refused, why.
func CheckBody(ctx context.Context, body string, limit int) (string, *Error) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	n := markup.Length(body)
	switch {
	case strings.TrimSpace(body) == "":
		return body, refuse(ctx, Invalid, "body", "form.post_empty")
	case n > limit:
		return body, &Error{Kind: Invalid, Field: "body", Message: i18n.N(ctx, "form.post_too_long", n, "limit", limit)}
	}
	return body, nil
}

// CheckWarning is the rule of a content warning (storage.CleanWarning,
// which archive imports apply too): one line, white space collapsed, no
// control or direction-override characters, at most
// storage.MaxWarningChars characters. It returns the warning as it is
// kept and, when refused, why.
func CheckWarning(ctx context.Context, s string) (string, *Error) {
	s, problem := storage.CleanWarning(s)
	switch problem {
	case storage.WarningUnshowable:
		return s, refuse(ctx, Invalid, "cw", "form.cw_invalid")
	case storage.WarningTooLong:
		return s, &Error{Kind: Invalid, Field: "cw", Message: i18n.N(ctx, "form.cw_too_long", utf8.RuneCountInString(s), "limit", storage.MaxWarningChars)}
	}
	return s, nil
}

// ChooseVisibility is the audience of a new post: raw as sent, or the
// author's default when none is sent; for a reply (parent not nil) never
// wider than the post it answers, the default narrowed to it. A refused
// choice comes back with the author's default (an unknown value) or as
// sent (a reply too wide).
func ChooseVisibility(ctx context.Context, raw string, author storage.User, parent *storage.Entry) (storage.Visibility, *Error) {
	if raw == "" {
		v := author.PostVisibility()
		if parent != nil {
			v = NarrowerVisibility(v, parent.Post.Visibility)
		}
		return v, nil
	}
	v := storage.Visibility(raw)
	if !v.Valid() {
		return author.PostVisibility(), refuse(ctx, Invalid, "visibility", "form.visibility_required")
	}
	if parent != nil && v.Narrowness() < parent.Post.Visibility.Narrowness() {
		return v, refuse(ctx, Invalid, "visibility", "form.reply_too_wide",
			"visibility", strings.ToLower(VisibilityLabel(ctx, parent.Post.Visibility)))
	}
	return v, nil
}

// NarrowerVisibility is the narrower of two visibilities.
func NarrowerVisibility(a, b storage.Visibility) storage.Visibility {
	if b.Narrowness() > a.Narrowness() {
		return b
	}
	return a
}

// VisibilityLabel names a visibility as the compose box's choices and the
// cards do, "" for an unknown one.
func VisibilityLabel(ctx context.Context, v storage.Visibility) string {
	switch v {
	case storage.Public:
		return i18n.T(ctx, "label.visibility.public")
	case storage.Unlisted:
		return i18n.T(ctx, "label.visibility.unlisted")
	case storage.FollowersOnly:
		return i18n.T(ctx, "label.visibility.followers")
	case storage.Direct:
		return i18n.T(ctx, "label.visibility.direct")
	}
	return ""
}

// CheckDraft reads a draft as Publish does, with a body of at most limit
// characters: it returns the draft as it would be published (the body's
// line ends made "\n", the warning cleaned, Visibility the audience
// chosen: the author's default, narrowed for a reply to parent) and
// every problem with it, in the order of the form: body, cw, visibility,
// language.
// parent is the post answered (ReplyTarget), nil for a new post;
// d.InReplyTo is not read.
func CheckDraft(ctx context.Context, author storage.User, parent *storage.Entry, d Draft, limit int) (Draft, []*Error) {
	var problems []*Error
	add := func(e *Error) {
		if e != nil {
			problems = append(problems, e)
		}
	}
	var e *Error
	d.Body, e = CheckBody(ctx, d.Body, limit)
	add(e)
	d.Warning, e = CheckWarning(ctx, d.Warning)
	add(e)
	var v storage.Visibility
	v, e = ChooseVisibility(ctx, d.Visibility, author, parent)
	d.Visibility = string(v)
	add(e)
	d.Language, e = CheckLanguage(ctx, d.Language)
	add(e)
	return d, problems
}

// Validate is CheckDraft with the instance's post limit.
func (s *Service) Validate(ctx context.Context, author storage.User, parent *storage.Entry, d Draft) (Draft, []*Error) {
	return CheckDraft(ctx, author, parent, d, s.PostLimit())
}

// ReplyTarget is the post id that viewer wants to answer, refused
// (NotFound) when it is gone or hidden from them.
func (s *Service) ReplyTarget(ctx context.Context, viewer storage.User, id storage.ID) (storage.Entry, error) {
	e, err := s.db.Post(viewer.ID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return e, postsRefuse(ctx, NotFound, "in_reply_to", err, "error.reply_to_gone")
	}
	return e, err
}

// postsRefuse is refuse with the cause kept.
func postsRefuse(ctx context.Context, kind Kind, field string, cause error, key string, args ...any) *Error {
	e := refuse(ctx, kind, field, key, args...)
	e.Err = cause
	return e
}

// Bounds of resolving the mentions of accounts elsewhere that a post
// names: how many, and how long all of them may take.
const (
	maxResolvedMentions = 5
	resolveMentionsFor  = 5 * time.Second
)

// resolveMentions asks the federation resolver for the accounts of other
// servers that body mentions and that are not known here yet, so that the
// post mentions (and reaches) them as a member expects. It is bounded in
// count and time; what it cannot find stays text.
func (s *Service) resolveMentions(ctx context.Context, body string) {
	if s.cfg.Resolve == nil || !strings.Contains(body, "@") {
		return
	}
	var unknown []string
	_, _ = markup.RenderPost(body, markup.Options{Mention: func(name string) (string, string, bool) {
		user, host, remote := strings.Cut(name, "@")
		if !remote || len(unknown) >= maxResolvedMentions {
			return "", "", false
		}
		if _, err := s.db.RemoteUser(user, host); errors.Is(err, storage.ErrNotFound) {
			unknown = append(unknown, name)
		}
		return "", "", false
	}, RemoteMentions: true})
	if len(unknown) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, resolveMentionsFor)
	defer cancel()
	for _, h := range unknown {
		_, _ = s.cfg.Resolve(ctx, h)
	}
}

// RenderPost renders a post's Markdown, linking the mentions of local
// accounts, and returns the accounts it mentions, in the order the text
// names them.
func (s *Service) RenderPost(body string) (markup.Result, []storage.User, error) {
	found := map[string]storage.User{}
	var lookupErr error
	res, err := markup.RenderPost(body, markup.Options{Mention: func(name string) (string, string, bool) {
		var u storage.User
		var err error
		if user, host, remote := strings.Cut(name, "@"); remote {
			// An account elsewhere is mentioned once it is known here
			// (looked up, followed, seen): a post is not held up by
			// fetching from other servers.
			u, err = s.db.RemoteUser(user, host)
		} else if admin.ValidUsername(name) {
			u, err = s.db.LocalUser(name)
		} else {
			return "", "", false
		}
		if err != nil {
			if !errors.Is(err, storage.ErrNotFound) && lookupErr == nil {
				lookupErr = err
			}
			return "", "", false
		}
		canonical := u.Username
		if !u.IsLocal() {
			canonical += "@" + u.Domain
		}
		found[strings.ToLower(canonical)] = u
		return "/@" + canonical, canonical, true
	}, RemoteMentions: true})
	if err != nil {
		return res, nil, err
	}
	if lookupErr != nil {
		return res, nil, lookupErr
	}
	var users []storage.User
	for _, m := range res.Mentions {
		if u, ok := found[strings.ToLower(m)]; ok {
			users = append(users, u)
		}
	}
	return res, users, nil
}

func postsUserIDs(users []storage.User) []storage.ID {
	var ids []storage.ID
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	return ids
}

// Publish publishes a post, or a reply when d.InReplyTo is set, with the
// images already uploaded. It refuses a draft CheckDraft refuses (its
// first problem), text that renders to nothing (Invalid, "body"), images
// no longer uploaded (Invalid, "images", storage.ErrUploadGone), a post
// answered that is gone (NotFound), and a post a block or a bot refusal
// stands in the way of (Forbidden, saying which).
func (s *Service) Publish(ctx context.Context, author storage.User, d Draft) (storage.Entry, error) {
	var parent *storage.Entry
	if d.InReplyTo != 0 {
		p, err := s.ReplyTarget(ctx, author, d.InReplyTo)
		if err != nil {
			return storage.Entry{}, err
		}
		parent = &p
	}
	d, problems := s.Validate(ctx, author, parent, d)
	if len(problems) > 0 {
		return storage.Entry{}, problems[0]
	}
	var quoted *storage.Entry
	if d.QuoteOf != 0 {
		q, err := s.QuoteTarget(ctx, author, d.QuoteOf)
		if err != nil {
			return storage.Entry{}, err
		}
		quoted = &q
	}
	quotePolicy, ok := QuotePolicyOf(author, d.QuotePolicy)
	if !ok {
		return storage.Entry{}, refuse(ctx, Invalid, "quote_policy", "quote.policy_invalid")
	}
	var poll *storage.Poll
	if d.Poll != nil {
		var e *Error
		if poll, e = CheckPoll(ctx, *d.Poll, s.MaxPollOptions(), s.cfg.Now()); e != nil {
			return storage.Entry{}, e
		}
		if len(d.Attachments) > 0 {
			return storage.Entry{}, refuse(ctx, Invalid, "poll", "poll.with_images")
		}
	}
	s.resolveMentions(ctx, d.Body)
	res, mentioned, err := s.RenderPost(d.Body)
	if err != nil {
		return storage.Entry{}, err
	}
	if res.HTML == "" {
		// Text that renders to nothing (only a link reference definition,
		// say) would show as an empty post.
		return storage.Entry{}, refuse(ctx, Invalid, "body", "form.post_empty")
	}
	res.HTML = s.emojify("", res.HTML)
	id := s.db.NewID()
	post := storage.Post{
		ID:             id,
		AuthorID:       author.ID,
		URI:            s.PostURI(author.Username, id),
		Source:         d.Body,
		HTML:           res.HTML,
		Visibility:     storage.Visibility(d.Visibility),
		ContentWarning: d.Warning,
		Mentions:       postsUserIDs(mentioned),
		Tags:           res.Tags,
		Local:          true,
		CreatedAt:      s.cfg.Now().UTC(),
		Attachments:    d.Attachments,
		Language:       d.Language,
		Poll:           poll,
		QuotePolicy:    quotePolicy,
	}
	if parent != nil {
		post.InReplyTo = parent.Post.ID
		post.InReplyToAuthor = parent.Post.AuthorID
	}
	out := []storage.Activity{createActivity(post)}
	if quoted != nil {
		out = append(out, s.quoteOf(&post, *quoted)...) // quotes.go
	}
	if err := s.db.CreatePost(&post, out...); err != nil {
		switch {
		case errors.Is(err, storage.ErrUploadGone):
			// Posted already (a second click) or waited too long.
			return storage.Entry{}, postsRefuse(ctx, Invalid, "images", err, "form.images_gone")
		case errors.Is(err, storage.ErrForbidden):
			return storage.Entry{}, &Error{Kind: Forbidden, Message: s.postRefusal(ctx, author, mentioned, parent), Err: err}
		case parent != nil && errors.Is(err, storage.ErrNotFound):
			return storage.Entry{}, postsRefuse(ctx, NotFound, "in_reply_to", err, "error.reply_to_gone")
		case quoted != nil && errors.Is(err, storage.ErrNotFound):
			return storage.Entry{}, postsRefuse(ctx, NotFound, "quote_of", err, "quote.gone")
		}
		return storage.Entry{}, err
	}
	if quoted != nil {
		// As the author sees it, with the quote embedded.
		return s.db.Post(author.ID, post.ID)
	}
	return storage.Entry{Post: post, Author: author}, nil
}

// Edit saves a new version of the author's post postID: its body and
// warning, and the descriptions of its images when d.Alts is set
// (d.Visibility, d.InReplyTo and d.Attachments are not read: an edit
// changes neither), its mentions and hashtags worked out again; one
// transaction, one Update to the servers it reached. It
// returns the post as the author sees it. It refuses what Publish
// refuses of the text, and another member's post (Forbidden).
func (s *Service) Edit(ctx context.Context, author storage.User, postID storage.ID, d Draft) (storage.Entry, error) {
	e, err := s.db.Post(author.ID, postID)
	if err != nil {
		return e, err
	}
	if err := s.MayEdit(ctx, author, e); err != nil {
		return e, err
	}
	alts := d.Alts
	d, problems := s.Validate(ctx, author, nil, Draft{Body: d.Body, Warning: d.Warning})
	if len(problems) > 0 {
		return e, problems[0]
	}
	s.resolveMentions(ctx, d.Body)
	res, mentioned, err := s.RenderPost(d.Body)
	if err != nil {
		return e, err
	}
	if res.HTML == "" {
		return e, refuse(ctx, Invalid, "body", "form.post_empty")
	}
	res.HTML = s.emojify("", res.HTML)
	alts, problem := CheckAlts(ctx, e.Post, alts)
	if problem != nil {
		return e, problem
	}
	edited := e.Post
	edited.Mentions = postsUserIDs(mentioned)
	post, err := s.db.EditPost(author.ID, e.Post.ID, storage.PostChange{
		Source:         d.Body,
		HTML:           res.HTML,
		ContentWarning: d.Warning,
		Mentions:       edited.Mentions,
		Tags:           res.Tags,
		Alts:           alts,
	}, updatePostActivity(edited))
	if errors.Is(err, storage.ErrForbidden) {
		return e, &Error{Kind: Forbidden, Message: s.postRefusal(ctx, author, mentioned, nil), Err: err}
	}
	if err != nil {
		return e, err
	}
	e.Post = post
	return e, nil
}

// Delete deletes the actor's post postID, refusing (Forbidden) another
// member's.
func (s *Service) Delete(ctx context.Context, actor storage.User, postID storage.ID) error {
	e, err := s.db.Post(actor.ID, postID)
	if err != nil {
		return err
	}
	if err := s.MayDelete(ctx, actor, e); err != nil {
		return err
	}
	return s.db.DeletePost(e.Post.ID, deletePostActivity(e.Post))
}

// MayEdit refuses (Forbidden) to let actor edit a post they did not
// write.
func (s *Service) MayEdit(ctx context.Context, actor storage.User, e storage.Entry) error {
	if e.Post.AuthorID != actor.ID {
		return postsRefuse(ctx, Forbidden, "", storage.ErrForbidden, "error.own_posts_edit")
	}
	return nil
}

// MayDelete refuses (Forbidden) to let actor delete a post they did not
// write.
func (s *Service) MayDelete(ctx context.Context, actor storage.User, e storage.Entry) error {
	if e.Post.AuthorID != actor.ID {
		return postsRefuse(ctx, Forbidden, "", storage.ErrForbidden, "error.own_posts_delete")
	}
	return nil
}

// postRefusal explains why storage refused a post or an edit
// (ErrForbidden): a bot writing to someone who refuses bots, a block
// between the author and someone it mentions, or the post it answers.
func (s *Service) postRefusal(ctx context.Context, me storage.User, mentioned []storage.User, parent *storage.Entry) string {
	if msg := postsBotRefusal(ctx, me, mentioned, parent); msg != "" {
		return msg
	}
	for _, u := range mentioned {
		rel, err := s.db.RelationshipOf(me.ID, u.ID)
		if err != nil {
			continue
		}
		switch {
		case rel.Blocking:
			return i18n.T(ctx, "form.mention_blocking", "name", u.Username)
		case rel.BlockedBy:
			return i18n.T(ctx, "form.mention_blocked", "name", u.Username)
		}
	}
	if parent != nil {
		return i18n.T(ctx, "form.reply_refused")
	}
	return i18n.T(ctx, "form.post_refused")
}

// postsBotRefusal is the message for a post that a bot may not send: it
// mentions or answers someone who refuses bots; "" when that is not why.
func postsBotRefusal(ctx context.Context, me storage.User, mentioned []storage.User, parent *storage.Entry) string {
	if !me.Bot {
		return ""
	}
	for _, u := range mentioned {
		if u.NoBotContact && u.ID != me.ID {
			return i18n.T(ctx, "form.no_bot_contact", "name", u.Username)
		}
	}
	if parent != nil && parent.Author.NoBotContact && parent.Author.ID != me.ID {
		return i18n.T(ctx, "form.no_bot_contact", "name", parent.Author.Username)
	}
	return ""
}
