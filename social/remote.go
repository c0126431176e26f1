package social

import (
	"context"
	"errors"
	"html"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"majlis/admin"
	"majlis/i18n"
	"majlis/markup"
	"majlis/storage"
)

// The actions other servers perform on their accounts' behalf, which the
// federation inbox calls once it has verified who sent an activity. The
// rules are the members' (blocks, visibility, notifications, bot
// refusals); what differs is only what cannot be refused because it
// already happened on the other server: a post there exists whatever we
// decide, so a mention we would refuse is left out instead of refusing
// the post. None of these queues anything for delivery, but the Accept
// of a follow (the other server speaks for its own accounts).

// publicCollection is the ActivityStreams collection that addresses
// everyone, in each spelling servers write it.
func isPublicIRI(s string) bool {
	return s == "https://www.w3.org/ns/activitystreams#Public" || s == "as:Public" || s == "Public"
}

// RemotePost is a post as another server describes it, read out of its
// JSON by the federation inbox: the words are ActivityStreams', the
// values plain.
type RemotePost struct {
	// URI is the object's id; URL its page on its server (the link to
	// the original).
	URI, URL string
	// ObjectType is the ActivityStreams type: "Note", or "Question",
	// "Article", "Page", shown as a post with a link to the original.
	ObjectType string
	// HTML is the content as received (sanitized here); Source the text
	// it was written in, when the server sent it.
	HTML, Source string
	// Name is an Article's title; Options a Question's answers.
	Name    string
	Options []string
	// Summary and Sensitive make the content warning.
	Summary   string
	Sensitive bool
	// To and CC are the addressing, which decides the visibility.
	To, CC []string
	// Mentions are the hrefs of the Mention tags; Hashtags the names of
	// the Hashtag tags.
	Mentions, Hashtags []string
	// InReplyTo is the id of the post answered ("" for none); the parent
	// must be stored already (the resolver fetches it) to be linked.
	InReplyTo string
	Published time.Time
	Language  string
	// XRobotsTag and ContentUsage are the object's own consent signals.
	XRobotsTag, ContentUsage string
	// Attachments are images already stored as uploads of the author
	// (storage.PutUpload), with their Alt; none when the author's domain
	// has its media rejected.
	Attachments []storage.Attachment
	// Poll is a Question's poll with its counts as its server sent them,
	// nil when it is not one (or not one this instance can show).
	Poll *storage.Poll
	// Alts, for an update of a post stored already, are what its images
	// say now (their names, in order): the descriptions change with the
	// text when they match the stored images one for one.
	Alts []string
	// QuoteURI is the post it quotes ("" for none), QuoteAuth the
	// authorization it shows for that, QuotePolicy who may quote it
	// ("" when it does not say) (quotes.go).
	QuoteURI, QuoteAuth string
	QuotePolicy         storage.QuotePolicy
}

// RemoteVisibility is the visibility a post's addressing means: public
// when the public collection is in to, unlisted when it is in cc, for
// followers when the author's followers collection is addressed, else
// for the mentioned only.
func RemoteVisibility(to, cc []string, followersURL string) storage.Visibility {
	switch {
	case slices.ContainsFunc(to, isPublicIRI):
		return storage.Public
	case slices.ContainsFunc(cc, isPublicIRI):
		return storage.Unlisted
	case followersURL != "" && (slices.Contains(to, followersURL) || slices.Contains(cc, followersURL)):
		return storage.FollowersOnly
	}
	return storage.Direct
}

// LocalUserByURI is the local member an address names: their actor id
// (/users/name) or their profile page (/@name) on this instance.
func (s *Service) LocalUserByURI(uri string) (storage.User, error) {
	name, ok := strings.CutPrefix(uri, s.cfg.BaseURL+"/users/")
	if !ok {
		name, ok = strings.CutPrefix(uri, s.cfg.BaseURL+"/@")
	}
	if !ok || !admin.ValidUsername(name) {
		return storage.User{}, storage.ErrNotFound
	}
	return s.db.LocalUser(name)
}

// AccountByURI is the account an actor id names: a local member, or a
// remote account already stored.
func (s *Service) AccountByURI(uri string) (storage.User, error) {
	if u, err := s.LocalUserByURI(uri); err == nil {
		return u, nil
	}
	return s.db.RemoteUserByURI(uri)
}

// PostByURI is the post an object id names: a local post
// (/@name/ID on this instance) or a remote one already stored.
func (s *Service) PostByURI(uri string) (storage.Post, error) {
	if rest, ok := strings.CutPrefix(uri, s.cfg.BaseURL+"/@"); ok {
		_, idText, found := strings.Cut(rest, "/")
		id, err := storage.ParseID(idText)
		if !found || err != nil {
			return storage.Post{}, storage.ErrNotFound
		}
		p, err := s.db.PostByID(id)
		if err != nil {
			return p, err
		}
		if p.URI != uri || !p.Local {
			return storage.Post{}, storage.ErrNotFound
		}
		return p, nil
	}
	return s.db.PostByURI(uri)
}

// maxRemoteTags bounds the hashtags kept of one remote post.
const maxRemoteTags = 30

// ReceivePost stores a remote account's post, or updates it when a post
// with its URI is stored already (the author's own only: Forbidden
// otherwise). The HTML is sanitized with the policy of local posts; the
// visibility comes from the addressing; the mentions are the local
// members and known remote accounts named in Mention tags or addressed;
// the hashtags are normalized as local ones; a post marked sensitive
// without a summary gets a generic warning. A post with neither text nor
// images is Invalid; a reply the author may not make (a block, a post
// they cannot see) is Forbidden.
func (s *Service) ReceivePost(ctx context.Context, author storage.User, rp RemotePost) (storage.Post, error) {
	if author.IsLocal() || rp.URI == "" {
		return storage.Post{}, refuse(ctx, Invalid, "", "error.invalid")
	}
	body := markup.SanitizeRemote(rp.HTML)
	switch rp.ObjectType {
	case "Article", "Page":
		if name := strings.TrimSpace(rp.Name); name != "" {
			body = "<p><strong>" + html.EscapeString(Clip(name, 200)) + "</strong></p>" + body
		}
	case "Question":
		if rp.Poll != nil {
			break // shown as a poll
		}
		var b strings.Builder
		for i, o := range rp.Options {
			if i == 20 {
				break
			}
			if i == 0 {
				b.WriteString("<ul>")
			}
			b.WriteString("<li>" + html.EscapeString(Clip(o, 200)) + "</li>")
		}
		if b.Len() > 0 {
			body += b.String() + "</ul>"
		}
	}
	body = s.emojify(author.Domain, body) // the author's server's emoji, fetched with the post
	if body == "" && len(rp.Attachments) == 0 {
		return storage.Post{}, refuse(ctx, Invalid, "body", "form.post_empty")
	}
	warning, problem := storage.CleanWarning(rp.Summary)
	switch problem {
	case storage.WarningUnshowable:
		warning = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				return -1
			}
			return r
		}, warning)
	case storage.WarningTooLong:
		warning = Clip(warning, storage.MaxWarningChars)
	}
	if warning == "" && rp.Sensitive {
		warning = i18n.T(ctx, "federation.sensitive_warning")
	}
	objectType := rp.ObjectType
	if objectType == "Note" {
		objectType = ""
	}
	post := storage.Post{
		AuthorID:       author.ID,
		URI:            rp.URI,
		URL:            rp.URL,
		Source:         rp.Source,
		HTML:           body,
		Visibility:     RemoteVisibility(rp.To, rp.CC, author.FollowersURL),
		ContentWarning: warning,
		Mentions:       s.remoteMentions(author, rp),
		Tags:           remoteTags(rp.Hashtags),
		CreatedAt:      rp.Published,
		ObjectType:     objectType,
		Language:       Clip(rp.Language, 16),
		XRobotsTag:     Clip(rp.XRobotsTag, 200),
		ContentUsage:   Clip(rp.ContentUsage, 200),
		Attachments:    rp.Attachments,
		Poll:           rp.Poll,
		QuotePolicy:    rp.QuotePolicy,
	}
	s.receivedQuote(&post, author, rp) // quotes.go
	if post.CreatedAt.IsZero() || post.CreatedAt.After(s.cfg.Now().Add(time.Hour)) {
		post.CreatedAt = s.cfg.Now()
	}
	post.CreatedAt = post.CreatedAt.UTC()
	if rp.InReplyTo != "" {
		if parent, err := s.PostByURI(rp.InReplyTo); err == nil && !parent.IsRepost() {
			post.InReplyTo, post.InReplyToAuthor = parent.ID, parent.AuthorID
		}
	}
	if len(post.Attachments) > storage.MaxAttachments {
		post.Attachments = post.Attachments[:storage.MaxAttachments]
	}
	created, err := s.db.PutRemotePostAlts(&post, rp.Alts)
	if err != nil {
		return storage.Post{}, interactionRefusal(ctx, err)
	}
	if !created && rp.QuoteAuth != "" && post.QuoteState == storage.QuotePending && post.QuoteAuth == "" && s.authFromQuoted(post.QuoteURI, rp.QuoteAuth) {
		// The authorization came with an Update, once the quoted
		// author accepted: kept, for the resolver to verify.
		if post, err = s.db.SetQuoteState(post.ID, storage.QuotePending, rp.QuoteAuth); err != nil {
			return storage.Post{}, err
		}
	}
	if !created && rp.Poll != nil {
		if err := s.receivePollCounts(post, rp.Poll); err != nil {
			return storage.Post{}, err
		}
		return s.db.PostByID(post.ID)
	}
	return post, nil
}

// remoteMentions lists the accounts a remote post names: in its Mention
// tags, or addressed in to and cc (a direct message's recipients), that
// are local members or remote accounts stored here; never the author.
func (s *Service) remoteMentions(author storage.User, rp RemotePost) []storage.ID {
	var ids []storage.ID
	seen := map[string]bool{}
	for _, list := range [][]string{rp.Mentions, rp.To, rp.CC} {
		for _, uri := range list {
			if seen[uri] || uri == author.URI || isPublicIRI(uri) || uri == author.FollowersURL {
				continue
			}
			seen[uri] = true
			if len(seen) > 100 {
				return ids
			}
			u, err := s.AccountByURI(uri)
			if err != nil || u.ID == author.ID || slices.Contains(ids, u.ID) {
				continue
			}
			ids = append(ids, u.ID)
		}
	}
	return ids
}

// remoteTags normalizes a post's hashtags as local ones are (the '#'
// dropped), without repeats, at most maxRemoteTags.
func remoteTags(names []string) []string {
	var out []string
	for _, n := range names {
		k := markup.NormalizeTag(strings.TrimSpace(n))
		if k == "" || slices.Contains(out, k) {
			continue
		}
		out = append(out, k)
		if len(out) == maxRemoteTags {
			break
		}
	}
	return out
}

// Clip keeps at most n characters of text from another server, as valid
// UTF-8 (invalid bytes dropped).
func Clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ReceiveDelete deletes the post (or repost) with that URI, when actor
// wrote it (Forbidden otherwise). A post not stored is NotFound.
func (s *Service) ReceiveDelete(ctx context.Context, actor storage.User, uri string) error {
	p, err := s.db.PostByURI(uri)
	if err != nil {
		return interactionRefusal(ctx, err)
	}
	if p.AuthorID != actor.ID {
		return postsRefuse(ctx, Forbidden, "", storage.ErrForbidden, "error.own_posts_delete")
	}
	if err := s.db.DeletePost(p.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// ReceiveLike is a remote account's like of a post, told to its author as
// a member's like is. Liked already is not an error.
func (s *Service) ReceiveLike(ctx context.Context, actor storage.User, postID storage.ID) error {
	_, err := s.db.Like(actor.ID, postID)
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return interactionRefusal(ctx, err)
	}
	return nil
}

// ReceiveUnlike takes a remote account's like back.
func (s *Service) ReceiveUnlike(ctx context.Context, actor storage.User, postID storage.ID) error {
	_, err := s.db.Unlike(actor.ID, postID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return interactionRefusal(ctx, err)
	}
	return nil
}

// ReceiveAnnounce is a remote account's repost (its Announce, whose id is
// announceURI) of a post: a repost as a member's, shown to its followers
// here. Only public and unlisted posts the account may see; reposted
// already is not an error.
func (s *Service) ReceiveAnnounce(ctx context.Context, actor storage.User, postID storage.ID, announceURI string, at time.Time) (storage.Post, error) {
	if at.IsZero() || at.After(s.cfg.Now().Add(time.Hour)) {
		at = s.cfg.Now()
	}
	r, err := s.db.RemoteRepost(actor.ID, postID, announceURI, at)
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return r, interactionRefusal(ctx, err)
	}
	return r, nil
}

// ReceiveUnannounce takes a remote account's repost back: the one stored
// under announceURI, or else its repost of postID.
func (s *Service) ReceiveUnannounce(ctx context.Context, actor storage.User, announceURI string, postID storage.ID) error {
	if p, err := s.db.PostByURI(announceURI); err == nil && p.IsRepost() && p.AuthorID == actor.ID {
		postID = p.RepostOf
	}
	if postID == 0 {
		return nil
	}
	_, err := s.db.Unrepost(actor.ID, postID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return interactionRefusal(ctx, err)
	}
	return nil
}

// ReceiveFollow is remote's Follow (whose id is followActivityID) of the
// local member local: a member who approves followers gets a request as
// from a local account; otherwise the follow stands at once and the
// member's Accept is queued in the same transaction. A Follow of a follow
// that stands queues the Accept again. A block either way, or the
// member's block of the whole domain, is Forbidden.
func (s *Service) ReceiveFollow(ctx context.Context, remote, local storage.User, followActivityID string) (storage.FollowState, error) {
	if remote.IsLocal() || !local.IsLocal() {
		return 0, refuse(ctx, Invalid, "", "error.invalid")
	}
	state, err := s.db.RemoteFollow(remote.ID, local.ID, followActivityID, acceptActivity(local.ID, remote))
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return state, interactionRefusal(ctx, err)
	}
	return state, nil
}

// ReceiveAccept is remote's Accept of local's follow request: the follow
// stands from now on. Accepted already is not an error; no request is
// NotFound.
func (s *Service) ReceiveAccept(ctx context.Context, remote, local storage.User) error {
	if err := s.db.AcceptRemoteFollow(remote.ID, local.ID); err != nil {
		return interactionRefusal(ctx, err)
	}
	return nil
}

// ReceiveReject is remote's Reject of local's follow: the request, or the
// follow it once accepted, ends.
func (s *Service) ReceiveReject(ctx context.Context, remote, local storage.User) error {
	err := s.db.RejectRemoteFollow(remote.ID, local.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return interactionRefusal(ctx, err)
	}
	return nil
}

// ReceiveUndoFollow ends remote's follow of local, or withdraws its
// pending request.
func (s *Service) ReceiveUndoFollow(ctx context.Context, remote, local storage.User) error {
	_, err := s.db.StopFollowing(remote.ID, local.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return interactionRefusal(ctx, err)
	}
	return nil
}

// ReceiveBlock is remote's block of local: the follows between them end
// both ways, and neither reaches the other here.
func (s *Service) ReceiveBlock(ctx context.Context, remote, local storage.User) error {
	return s.relate(ctx, remote, local, func(me, other storage.ID) error { return s.db.Block(me, other) }, storage.ErrExists)
}

// ReceiveUnblock lifts remote's block of local.
func (s *Service) ReceiveUnblock(ctx context.Context, remote, local storage.User) error {
	return s.relate(ctx, remote, local, func(me, other storage.ID) error { return s.db.Unblock(me, other) }, storage.ErrNotFound)
}

// ReceiveFlag files a report from another server (reporter is the
// account that sent the Flag, usually that server's instance actor; the
// moderation pages show it as its domain) about the local member target,
// with the first of postIDs that is target's and that the reporter may
// see. comment is the Flag's text, cut to storage.MaxReportComment
// characters. A second open report of the same account and post from the
// same reporter is not an error.
func (s *Service) ReceiveFlag(ctx context.Context, reporter, target storage.User, postIDs []storage.ID, comment string) (storage.Report, error) {
	if reporter.IsLocal() || !target.IsLocal() {
		return storage.Report{}, refuse(ctx, Invalid, "", "error.invalid")
	}
	comment = strings.TrimSpace(Clip(comment, storage.MaxReportComment))
	rep := storage.Report{ReporterID: reporter.ID, TargetID: target.ID, Category: storage.ReportOther,
		Comment: comment, CreatedAt: s.cfg.Now()}
	for _, id := range postIDs {
		r := rep
		r.PostID = id
		err := s.db.CreateReport(&r)
		if err == nil || errors.Is(err, storage.ErrExists) {
			return r, nil
		}
		if !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrInvalid) {
			return storage.Report{}, err
		}
	}
	err := s.db.CreateReport(&rep)
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return storage.Report{}, interactionRefusal(ctx, err)
	}
	return rep, nil
}

// ReceiveActorDelete deletes a remote account that its server says is
// gone, with its posts, reposts, likes and follows.
func (s *Service) ReceiveActorDelete(ctx context.Context, remote storage.User) error {
	if remote.IsLocal() {
		return refuse(ctx, Invalid, "", "error.invalid")
	}
	err := s.db.DeleteUser(remote.ID, false)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}
