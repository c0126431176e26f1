package social

import (
	"context"
	"io"

	"majlis/media"
	"majlis/storage"
)

// UploadImage turns an image a member uploads for a post not written yet
// into an upload (storage.PutUpload): decoded within lim's budgets,
// stripped of its metadata, made into its display size and a thumbnail.
// Every front door that takes images for posts (the compose form, the
// client API, archive imports) goes through it, so an image is processed
// the same way whichever door it came in by. The refusals of package media
// (media.ErrTooLarge, media.ErrNotImage ...) come back as they are, for
// the door to answer in its own way.
func (s *Service) UploadImage(ctx context.Context, owner storage.User, r io.Reader, lim media.Limits) (storage.Attachment, error) {
	if lim.Context == nil {
		lim.Context = ctx
	}
	img, err := media.Process(r, lim)
	if err != nil {
		return storage.Attachment{}, err
	}
	return s.db.PutUpload(owner.ID, profileFile(img.Display), profileFile(img.Thumb), img.Animated)
}
