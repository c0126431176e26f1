package social

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"majlis/markup"
	"majlis/storage"
)

// MaxListTitle bounds a list's title, in characters.
const MaxListTitle = 100

// listError maps storage's refusals of a list action.
func listError(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return err // each door says "not found" in its own words
	case errors.Is(err, storage.ErrForbidden):
		return &Error{Kind: Forbidden, Field: "account", Message: refuse(ctx, Forbidden, "", "lists.error.not_followed").Message, Err: err}
	case errors.Is(err, storage.ErrInvalid):
		return &Error{Kind: Invalid, Message: refuse(ctx, Invalid, "", "lists.error.too_many", "max", storage.MaxLists).Message, Err: err}
	}
	return err
}

func (s *Service) checkList(ctx context.Context, l *storage.List) error {
	l.Title = strings.TrimSpace(l.Title)
	switch n := utf8.RuneCountInString(l.Title); {
	case n == 0:
		return refuse(ctx, Invalid, "title", "lists.error.title")
	case n > MaxListTitle:
		return refuse(ctx, Invalid, "title", "lists.error.title_long", "max", MaxListTitle)
	}
	if l.Replies == "" {
		l.Replies = storage.RepliesList
	}
	if !l.Replies.Valid() {
		return refuse(ctx, Invalid, "replies_policy", "lists.error.replies")
	}
	return nil
}

// CreateList creates a list of l.OwnerID.
func (s *Service) CreateList(ctx context.Context, l *storage.List) error {
	if err := s.checkList(ctx, l); err != nil {
		return err
	}
	return listError(ctx, s.db.CreateList(l))
}

// UpdateList renames a list and sets its replies policy and exclusivity.
func (s *Service) UpdateList(ctx context.Context, ownerID storage.ID, l storage.List) (storage.List, error) {
	if err := s.checkList(ctx, &l); err != nil {
		return l, err
	}
	out, err := s.db.UpdateList(ownerID, l)
	return out, listError(ctx, err)
}

// DeleteList deletes one of ownerID's lists.
func (s *Service) DeleteList(ctx context.Context, ownerID, listID storage.ID) error {
	return listError(ctx, s.db.DeleteList(ownerID, listID))
}

// AddToList puts accounts ownerID follows in one of their lists.
func (s *Service) AddToList(ctx context.Context, ownerID, listID storage.ID, accounts []storage.ID) error {
	return listError(ctx, s.db.AddListMembers(ownerID, listID, accounts))
}

// RemoveFromList takes accounts out of one of ownerID's lists.
func (s *Service) RemoveFromList(ctx context.Context, ownerID, listID storage.ID, accounts []storage.ID) error {
	return listError(ctx, s.db.RemoveListMembers(ownerID, listID, accounts))
}

// TagKey is a hashtag's key as the tags index writes it, "" when name is
// not a hashtag.
func TagKey(name string) string { return markup.NormalizeTag(name) }

// FollowTag makes userID follow a hashtag (any spelling of it).
func (s *Service) FollowTag(ctx context.Context, userID storage.ID, name string) (string, error) {
	key := TagKey(name)
	if key == "" {
		return "", refuse(ctx, Invalid, "tag", "tags.error.invalid")
	}
	if err := s.db.FollowTag(userID, key); err != nil {
		if errors.Is(err, storage.ErrInvalid) {
			return "", refuse(ctx, Invalid, "tag", "tags.error.too_many", "max", storage.MaxFollowedTags)
		}
		return "", err
	}
	return key, nil
}

// UnfollowTag stops userID following a hashtag.
func (s *Service) UnfollowTag(ctx context.Context, userID storage.ID, name string) (string, error) {
	key := TagKey(name)
	if key == "" {
		return "", refuse(ctx, Invalid, "tag", "tags.error.invalid")
	}
	return key, s.db.UnfollowTag(userID, key)
}

// SetAccountLists puts an account ownerID follows in exactly the lists
// named.
func (s *Service) SetAccountLists(ctx context.Context, ownerID, accountID storage.ID, lists []storage.ID) error {
	return listError(ctx, s.db.SetAccountLists(ownerID, accountID, lists))
}
