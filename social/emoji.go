package social

import (
	"context"
	"errors"
	"io"

	"majlis/markup"
	"majlis/media"
	"majlis/storage"
)

// Custom emoji: the admins' :shortcode: pictures, and their place in the
// HTML of posts (rendered once, when saved or received).

// AddEmoji stores an emoji an admin uploads: shortcode 2 to 32 letters,
// digits and underscores, not taken; the picture a PNG, GIF or WebP, made
// still and at most media.EmojiSide a side through the image pipeline.
// Refusals: Forbidden for a non-admin, Invalid for a bad shortcode,
// Conflict for a taken one; the pipeline's errors (media.ErrTooLarge,
// media.ErrNotImage ...) come back as they are.
func (s *Service) AddEmoji(ctx context.Context, actor storage.User, shortcode string, r io.Reader, lim media.Limits) (storage.Emoji, error) {
	if !actor.IsAdmin() {
		return storage.Emoji{}, refuse(ctx, Forbidden, "", "error.admins_only")
	}
	if !storage.ValidShortcode(shortcode) {
		return storage.Emoji{}, refuse(ctx, Invalid, "shortcode", "emoji.shortcode_invalid")
	}
	if _, err := s.db.EmojiByCode(shortcode, ""); err == nil {
		return storage.Emoji{}, refuse(ctx, Conflict, "shortcode", "emoji.shortcode_taken", "code", shortcode)
	}
	if lim.Context == nil {
		lim.Context = ctx
	}
	img, err := media.Emoji(r, lim)
	if err != nil {
		return storage.Emoji{}, err
	}
	e, err := s.db.PutEmoji(shortcode, profileFile(img.Display))
	switch {
	case errors.Is(err, storage.ErrExists):
		return e, refuse(ctx, Conflict, "shortcode", "emoji.shortcode_taken", "code", shortcode)
	case errors.Is(err, storage.ErrForbidden):
		return e, refuse(ctx, Forbidden, "", "emoji.too_many", "n", storage.MaxEmoji)
	}
	return e, err
}

// DeleteEmoji removes one of the instance's emoji (admins only). Posts
// saved with it keep its picture while the file is there; new posts
// show the shortcode as text.
func (s *Service) DeleteEmoji(ctx context.Context, actor storage.User, shortcode string) error {
	if !actor.IsAdmin() {
		return refuse(ctx, Forbidden, "", "error.admins_only")
	}
	err := s.db.DeleteEmoji(shortcode, "")
	if errors.Is(err, storage.ErrNotFound) {
		return refuse(ctx, NotFound, "", "error.not_found")
	}
	return err
}

// emojify puts the pictures of domain's emoji ("" for ours) into the
// sanitized HTML h in place of their shortcodes.
func (s *Service) emojify(domain, h string) string {
	codes := markup.EmojiShortcodes(h)
	if len(codes) == 0 {
		return h
	}
	m, err := s.db.EmojiMap(domain, codes)
	if err != nil || len(m) == 0 {
		return h
	}
	out, _ := markup.Emojify(h, func(code string) (string, bool) {
		e, ok := m[code]
		return e.Path(), ok
	})
	return out
}
