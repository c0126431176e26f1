package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Attachments, avatars and headers: which stored files (media.go) posts
// and profiles use, and who may see each file.
//
// An image reaches a post in two steps. PutUpload stores its files for the
// uploader, who alone may see them (to preview them) and attach them; the
// files have no reference yet. CreatePost then attaches the upload: in the
// post's own transaction it takes a reference to both files, indexes them
// under the post (media_posts) and deletes the upload entries. An upload
// nobody attaches is removed by PruneMedia after a while. A file is served
// to a viewer who may see at least one post that uses it (whose author is
// not suspended), to everyone when it is an avatar or a header, and to its
// uploader while it is pending.

const (
	// MaxAttachments is how many images a post may carry.
	MaxAttachments = 4
	// MaxAltChars is the longest alt text, in Unicode characters.
	MaxAltChars = 1500
)

// ErrUploadGone means an attachment names no upload of the author's: never
// uploaded by them, attached to a post already, or pruned after waiting
// too long. It wraps ErrNotFound.
var ErrUploadGone = fmt.Errorf("the uploaded image is no longer there: %w", ErrNotFound)

// File is one encoded image file to store: its bytes, content type and
// size in pixels.
type File struct {
	Data          []byte
	ContentType   string
	Width, Height int
}

// upload is the value of a media_uploads entry.
type upload struct {
	V          int        `json:"v"`
	Attachment Attachment `json:"attachment"`
	Created    time.Time  `json:"created"`
}

const uploadVersion = 1

// mediaIDKey is hash | id: the key of media_posts and media_uploads.
func mediaIDKey(hash string, id ID) []byte {
	return append([]byte(hash), idKey(id)...)
}

// PutUpload stores the two files of an image that owner uploaded for a
// post not sent yet and returns the attachment to send with it (without
// alt text). Storing the same bytes again is cheap: files are stored once.
func (db *DB) PutUpload(owner ID, display, thumb File, animated bool) (Attachment, error) {
	if owner == 0 {
		return Attachment{}, fmt.Errorf("put upload: owner is required: %w", ErrInvalid)
	}
	// Three short transactions: a crash between them leaves at worst a
	// file without reference, which PruneUnreferencedMedia removes.
	d, err := db.PutMedia(display.Data, display.ContentType, display.Width, display.Height)
	if err != nil {
		return Attachment{}, fmt.Errorf("put upload: %w", err)
	}
	t, err := db.PutMedia(thumb.Data, thumb.ContentType, thumb.Width, thumb.Height)
	if err != nil {
		return Attachment{}, fmt.Errorf("put upload: %w", err)
	}
	a := Attachment{
		Display: d.Hash, Thumb: t.Hash,
		Width: d.Width, Height: d.Height, ThumbWidth: t.Width, ThumbHeight: t.Height,
		ContentType: d.ContentType, ThumbType: t.ContentType, Animated: animated,
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, owner); err != nil {
			return err
		}
		for _, h := range []string{a.Display, a.Thumb} {
			if _, err := getMediaMeta(tx, h); err != nil {
				// Pruned in the instant since PutMedia: upload again.
				return fmt.Errorf("media %s: %w", h, ErrUploadGone)
			}
		}
		v, err := json.Marshal(upload{V: uploadVersion, Attachment: a, Created: db.now().UTC()})
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketMediaUploads)
		if err := b.Put(mediaIDKey(a.Display, owner), v); err != nil {
			return err
		}
		return b.Put(mediaIDKey(a.Thumb, owner), v)
	})
	if err != nil {
		return Attachment{}, fmt.Errorf("put upload: %w", err)
	}
	return a, nil
}

// Upload returns owner's pending upload whose display file is display
// (what PutUpload returned); ErrUploadGone when there is none.
func (db *DB) Upload(owner ID, display string) (Attachment, error) {
	var a Attachment
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		a, err = getUpload(tx, owner, display)
		return err
	})
	if err != nil {
		return Attachment{}, fmt.Errorf("upload: %w", err)
	}
	return a, nil
}

func getUpload(tx *bolt.Tx, owner ID, display string) (Attachment, error) {
	if owner == 0 || !validHash(display) {
		return Attachment{}, fmt.Errorf("upload %q: %w", display, ErrUploadGone)
	}
	v := tx.Bucket(bucketMediaUploads).Get(mediaIDKey(display, owner))
	if v == nil {
		return Attachment{}, fmt.Errorf("upload %s: %w", display, ErrUploadGone)
	}
	var u upload
	if err := json.Unmarshal(v, &u); err != nil {
		return Attachment{}, fmt.Errorf("upload %s: decode: %w", display, err)
	}
	if u.Attachment.Display != display {
		// The entry of a thumbnail: attachments are named by their
		// display file.
		return Attachment{}, fmt.Errorf("upload %s: %w", display, ErrUploadGone)
	}
	// The files may have been pruned before PruneMedia swept the entry.
	for _, h := range []string{u.Attachment.Display, u.Attachment.Thumb} {
		if _, err := getMediaMeta(tx, h); err != nil {
			return Attachment{}, fmt.Errorf("upload %s: %w", display, ErrUploadGone)
		}
	}
	return u.Attachment, nil
}

// attachMedia turns the attachments of a post being created in tx (each
// naming an upload of its author's by Display, with its Alt) into full
// attachments, takes a reference to both files of each, indexes them
// under the post and deletes the upload entries.
func attachMedia(tx *bolt.Tx, p *Post) error {
	if len(p.Attachments) > MaxAttachments {
		return fmt.Errorf("%d attachments, at most %d: %w", len(p.Attachments), MaxAttachments, ErrInvalid)
	}
	seen := map[string]bool{}
	for i := range p.Attachments {
		a := &p.Attachments[i]
		if seen[a.Display] {
			return fmt.Errorf("attachment %d repeats an image: %w", i+1, ErrInvalid)
		}
		seen[a.Display] = true
		if !utf8.ValidString(a.Alt) || utf8.RuneCountInString(a.Alt) > MaxAltChars {
			return fmt.Errorf("attachment %d: alt text longer than %d characters or not UTF-8: %w", i+1, MaxAltChars, ErrInvalid)
		}
		up, err := getUpload(tx, p.AuthorID, a.Display)
		if err != nil {
			return fmt.Errorf("attachment %d: %w", i+1, err)
		}
		alt := a.Alt
		*a = up
		a.Alt = alt
		for _, h := range []string{a.Display, a.Thumb} {
			if err := refMedia(tx, h); err != nil {
				return err
			}
			if err := tx.Bucket(bucketMediaPosts).Put(mediaIDKey(h, p.ID), nil); err != nil {
				return err
			}
			if err := tx.Bucket(bucketMediaUploads).Delete(mediaIDKey(h, p.AuthorID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// detachMedia drops the references of a post being deleted in tx; the
// last reference to a file deletes its bytes.
func detachMedia(tx *bolt.Tx, p *Post) error {
	for _, a := range p.Attachments {
		for _, h := range []string{a.Display, a.Thumb} {
			if !validHash(h) {
				continue
			}
			if err := tx.Bucket(bucketMediaPosts).Delete(mediaIDKey(h, p.ID)); err != nil {
				return err
			}
			if err := unrefMedia(tx, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// MediaAccess is who may see a served file, so that caches keep it no
// longer than they should.
type MediaAccess int

const (
	// MediaRestricted files are for some viewers only: images of
	// followers-only and direct posts, pending uploads.
	MediaRestricted MediaAccess = iota
	// MediaPublicPost files are everyone's through a public or unlisted
	// post, for as long as that post and its author are visible: a
	// deletion or a suspension takes them back.
	MediaPublicPost
	// MediaProfile files are avatars and headers, public for good.
	MediaProfile
)

// ServeMediaTo is ServeMedia for one viewer (0 for a visitor): it calls fn
// only when the viewer may see the file, else answers ErrNotFound, as for
// a file that does not exist. A viewer may see a file that a profile shows
// (avatars and headers are public), that is attached to a post the viewer
// may see (the post's visibility, blocks; a suspended author's posts are
// hidden from everyone, their images too), or that is their own pending
// upload. access tells fn who else may see it (MediaAccess), for the
// caches. As with ServeMedia, data is valid only while fn runs.
func (db *DB) ServeMediaTo(viewerID ID, hash string, fn func(m Media, access MediaAccess, data []byte) error) error {
	return db.serveMedia(hash, func(tx *bolt.Tx) (bool, MediaAccess) { return mediaAccess(tx, viewerID, hash) }, fn)
}

// ServeMediaToServer is ServeMediaTo for another server's signed fetch:
// the server sees a picture when one of its accounts may (the server
// received the post through its shared inbox for them). A server the
// instance refuses sees nothing but what everyone sees.
func (db *DB) ServeMediaToServer(domain, hash string, fn func(m Media, access MediaAccess, data []byte) error) error {
	return db.serveMedia(hash, func(tx *bolt.Tx) (bool, MediaAccess) {
		if visible, access := mediaAccess(tx, 0, hash); visible {
			return visible, access
		}
		if policyFor(tx, domain).Refused {
			return false, MediaRestricted
		}
		return serverMaySee(tx, domain, hash), MediaRestricted
	}, fn)
}

// serveMedia hands fn a stored file, from inside the read transaction,
// when access says it may be seen; ErrNotFound otherwise.
func (db *DB) serveMedia(hash string, access func(tx *bolt.Tx) (bool, MediaAccess), fn func(m Media, access MediaAccess, data []byte) error) error {
	var fnErr error
	err := db.bolt.View(func(tx *bolt.Tx) error {
		m, err := getMediaMeta(tx, hash)
		if err != nil {
			return err
		}
		visible, how := access(tx)
		if !visible {
			return fmt.Errorf("media %s: %w", hash, ErrNotFound)
		}
		data := tx.Bucket(bucketMedia).Get([]byte(hash))
		if data == nil {
			return fmt.Errorf("media %s: bytes missing: %w", hash, ErrNotFound)
		}
		fnErr = fn(m.media(hash), how, data)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("serve media: %w", err)
	}
	return nil
}

// serverMaySee tells whether an account of domain may see a post that
// carries the file: a follower of its author there for a followers-only
// post, an account there it mentions for any.
func serverMaySee(tx *bolt.Tx, domain, hash string) bool {
	may := func(id ID, p *Post) bool {
		u, err := getUser(tx, id)
		return err == nil && u.Domain == domain && newViewer(tx, id).canSee(tx, p)
	}
	found := false
	postsWithFile(tx, hash, newViewer(tx, 0), func(p *Post) bool {
		for _, m := range p.Mentions {
			if may(m, p) {
				found = true
				return false
			}
		}
		if p.Visibility != FollowersOnly {
			return true
		}
		fp := idKey(p.AuthorID)
		fc := tx.Bucket(bucketRemoteFollowers).Cursor()
		for fk, _ := fc.Seek(fp); fk != nil && bytes.HasPrefix(fk, fp); fk, _ = fc.Next() {
			if may(keyID(fk, 8), p) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// postsWithFile calls fn with each post that carries a stored file, but
// those of authors moderation hides from v (a suspended account), until
// fn returns false.
func postsWithFile(tx *bolt.Tx, hash string, v *viewer, fn func(p *Post) bool) {
	prefix := []byte(hash)
	c := tx.Bucket(bucketMediaPosts).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != len(prefix)+8 {
			continue
		}
		p, err := getPost(tx, keyID(k, len(prefix)))
		if err != nil {
			continue
		}
		if author, err := getUser(tx, p.AuthorID); err != nil || v.hidesAuthor(&author, false) {
			continue
		}
		if !fn(&p) {
			return
		}
	}
}

// mediaAccess tells whether the viewer may see a stored file, and who else
// may. Posts follow the rules of pages: what the viewer may see
// (viewer.canSee), less what moderation hides from everyone (a suspended
// author, viewer.hidesAuthor).
func mediaAccess(tx *bolt.Tx, viewerID ID, hash string) (visible bool, access MediaAccess) {
	prefix := []byte(hash)
	if k, _ := tx.Bucket(bucketMediaProfiles).Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return true, MediaProfile
	}
	if isEmojiFile(tx, hash) { // emoji.go: public, like avatars
		return true, MediaProfile
	}
	public := false
	v := newViewer(tx, viewerID)
	postsWithFile(tx, hash, v, func(p *Post) bool {
		if p.Visibility == Public || p.Visibility == Unlisted {
			public = true
		}
		if !visible {
			visible = v.canSee(tx, p)
		}
		return !(visible && public)
	})
	if visible && public {
		return true, MediaPublicPost
	}
	if !visible && viewerID != 0 && tx.Bucket(bucketMediaUploads).Get(mediaIDKey(hash, viewerID)) != nil {
		visible = true
	}
	if public {
		return visible, MediaPublicPost
	}
	return visible, MediaRestricted
}

// PruneMedia removes the uploads that waited too long for their post:
// the upload entries stored before olderThan (and those whose files are
// gone), then, with PruneUnreferencedMedia, the files that nothing uses
// and that were stored before olderThan. It returns how many files went.
func (db *DB) PruneMedia(olderThan time.Time) (int, error) {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMediaUploads)
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var u upload
			if err := json.Unmarshal(v, &u); err != nil || u.Created.Before(olderThan) {
				stale = append(stale, bytes.Clone(k))
				return nil
			}
			if len(k) < 8 {
				stale = append(stale, bytes.Clone(k))
				return nil
			}
			if _, err := getMediaMeta(tx, string(k[:len(k)-8])); errors.Is(err, ErrNotFound) {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune media: %w", err)
	}
	return db.PruneUnreferencedMedia(olderThan)
}

// SetUploadAlt keeps the description of owner's pending upload display,
// which Upload then returns with it, so that a description given before
// the post is written (as the client API does) reaches the post.
// ErrUploadGone when there is no such upload; ErrInvalid for a
// description longer than MaxAltChars or not UTF-8.
func (db *DB) SetUploadAlt(owner ID, display, alt string) error {
	if !utf8.ValidString(alt) || utf8.RuneCountInString(alt) > MaxAltChars {
		return fmt.Errorf("set upload alt: longer than %d characters or not UTF-8: %w", MaxAltChars, ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := getUpload(tx, owner, display)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketMediaUploads)
		var u upload
		if err := json.Unmarshal(b.Get(mediaIDKey(display, owner)), &u); err != nil {
			return err
		}
		a.Alt = alt
		u.Attachment = a
		v, err := json.Marshal(u)
		if err != nil {
			return err
		}
		if err := b.Put(mediaIDKey(a.Display, owner), v); err != nil {
			return err
		}
		return b.Put(mediaIDKey(a.Thumb, owner), v)
	})
	if err != nil {
		return fmt.Errorf("set upload alt: %w", err)
	}
	return nil
}

// OwnAttachment finds the image display of owner: a pending upload
// (post 0), or an attachment of one of owner's posts (the newest that
// uses it). ErrNotFound when owner has no such image.
func (db *DB) OwnAttachment(owner ID, display string) (Attachment, ID, error) {
	var a Attachment
	var post ID
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if up, err := getUpload(tx, owner, display); err == nil {
			a = up
			return nil
		}
		if !validHash(display) {
			return fmt.Errorf("attachment %q: %w", display, ErrNotFound)
		}
		prefix := []byte(display)
		c := tx.Bucket(bucketMediaPosts).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				continue
			}
			p, err := getPost(tx, keyID(k, len(prefix)))
			if err != nil || p.AuthorID != owner {
				continue
			}
			for _, at := range p.Attachments {
				if at.Display == display && p.ID > post {
					a, post = at, p.ID
				}
			}
		}
		if post == 0 {
			return fmt.Errorf("attachment %s: %w", display, ErrNotFound)
		}
		return nil
	})
	return a, post, err
}
