package social

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"majlis/i18n"
	"majlis/storage"
)

// Image descriptions (alt text) after posting: the author may correct
// what a post's images say, from the edit page or an app, as an edit of
// the post (the "edited" mark, the history, an Update to the servers it
// reached).

// CleanAlt is a description as kept: valid UTF-8, Windows line ends made
// "\n", the white space around it gone.
func CleanAlt(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n"))
}

// CheckAlts cleans the descriptions sent for post's images: nil stays nil
// (nothing to change); otherwise one per image (extra ones are refused,
// missing ones keep the image's description) and each at most
// storage.MaxAltChars characters (Invalid, field "alts").
func CheckAlts(ctx context.Context, post storage.Post, alts []string) ([]string, *Error) {
	if alts == nil {
		return nil, nil
	}
	if len(post.Attachments) == 0 {
		return nil, nil
	}
	if len(alts) > len(post.Attachments) {
		e := refuse(ctx, Invalid, "alts", "error.invalid")
		e.Message = i18n.N(ctx, "error.too_many_alts", len(post.Attachments))
		return nil, e
	}
	out := make([]string, len(post.Attachments))
	for i, a := range post.Attachments {
		out[i] = a.Alt
		if i < len(alts) {
			out[i] = CleanAlt(alts[i])
		}
		if n := utf8.RuneCountInString(out[i]); n > storage.MaxAltChars {
			e := refuse(ctx, Invalid, "alts", "error.invalid")
			e.Message = i18n.N(ctx, "form.alt_too_long", n, "image", i+1, "limit", storage.MaxAltChars)
			return nil, e
		}
	}
	return out, nil
}

// SetAlt changes the description of one image (named by its display
// file) of the author's post postID, leaving the text as it is: an edit
// like any other, in one transaction with its Update. Another member's
// post is Forbidden; an image the post does not carry NotFound.
func (s *Service) SetAlt(ctx context.Context, author storage.User, postID storage.ID, display, alt string) (storage.Entry, error) {
	e, err := s.db.Post(author.ID, postID)
	if err != nil {
		return e, err
	}
	if err := s.MayEdit(ctx, author, e); err != nil {
		return e, err
	}
	alts := make([]string, len(e.Post.Attachments))
	found := false
	for i, a := range e.Post.Attachments {
		alts[i] = a.Alt
		if a.Display == display {
			alts[i], found = alt, true
		}
	}
	if !found {
		return e, refuse(ctx, NotFound, "", "error.no_image")
	}
	alts, problem := CheckAlts(ctx, e.Post, alts)
	if problem != nil {
		return e, problem
	}
	if slicesEqual(alts, e.Post.Attachments) {
		return e, nil // nothing changes: no edit, no Update
	}
	p := e.Post
	post, err := s.db.EditPost(author.ID, p.ID, storage.PostChange{
		Source: p.Source, HTML: p.HTML, ContentWarning: p.ContentWarning,
		Mentions: p.Mentions, Tags: p.Tags, Alts: alts,
	}, updatePostActivity(p))
	if errors.Is(err, storage.ErrForbidden) {
		return e, &Error{Kind: Forbidden, Message: s.postRefusal(ctx, author, nil, nil), Err: err}
	}
	if err != nil {
		return e, err
	}
	e.Post = post
	return e, nil
}

// slicesEqual tells whether alts are the images' descriptions already.
func slicesEqual(alts []string, as []storage.Attachment) bool {
	for i, a := range as {
		if alts[i] != a.Alt {
			return false
		}
	}
	return true
}
