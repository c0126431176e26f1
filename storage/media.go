package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Media is a stored file (an image variant), named by the SHA-256 of its
// bytes: the same bytes uploaded twice are stored once.
type Media struct {
	Hash        string // lowercase hex SHA-256 of the bytes
	ContentType string
	Width       int
	Height      int
	Size        int // bytes
	// Refs counts the posts and profiles that use it; a file nobody
	// uses yet (an upload before its post is sent) has 0.
	Refs    int
	Created time.Time // when it was stored, or last uploaded again while unused
}

// mediaMeta is the value of a media_meta entry.
type mediaMeta struct {
	V           int       `json:"v"`
	ContentType string    `json:"content_type"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Size        int       `json:"size"`
	Refs        int       `json:"refs"`
	Created     time.Time `json:"created"`
}

const mediaVersion = 1

func (m mediaMeta) media(hash string) Media {
	return Media{Hash: hash, ContentType: m.ContentType, Width: m.Width, Height: m.Height,
		Size: m.Size, Refs: m.Refs, Created: m.Created}
}

// validHash tells whether s is a lowercase hex SHA-256, the only keys of
// the media buckets.
func validHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func getMediaMeta(tx *bolt.Tx, hash string) (mediaMeta, error) {
	var m mediaMeta
	if !validHash(hash) {
		return m, fmt.Errorf("media %q: %w", hash, ErrNotFound)
	}
	v := tx.Bucket(bucketMediaMeta).Get([]byte(hash))
	if v == nil {
		return m, fmt.Errorf("media %s: %w", hash, ErrNotFound)
	}
	if err := json.Unmarshal(v, &m); err != nil {
		return m, fmt.Errorf("media %s: decode: %w", hash, err)
	}
	return m, nil
}

func putMediaMeta(tx *bolt.Tx, hash string, m mediaMeta) error {
	m.V = mediaVersion
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMediaMeta).Put([]byte(hash), v)
}

// PutMedia stores data under its SHA-256, unless those bytes are stored
// already, and returns its record. It takes no reference: uploads are
// stored before the post that uses them exists (to preview them), and a
// post takes its references when it is created. Storing bytes again while
// nobody uses them restarts their clock, so PruneUnreferencedMedia does
// not remove an upload that is in use again.
func (db *DB) PutMedia(data []byte, contentType string, w, h int) (Media, error) {
	if len(data) == 0 || contentType == "" || w <= 0 || h <= 0 {
		return Media{}, fmt.Errorf("put media: bytes, content type and size are required: %w", ErrInvalid)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	var out Media
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		m, err := getMediaMeta(tx, hash)
		switch {
		case err == nil:
			if m.Refs == 0 {
				m.Created = db.now().UTC()
				if err := putMediaMeta(tx, hash, m); err != nil {
					return err
				}
			}
		case errors.Is(err, ErrNotFound):
			m = mediaMeta{ContentType: contentType, Width: w, Height: h, Size: len(data), Created: db.now().UTC()}
			if err := tx.Bucket(bucketMedia).Put([]byte(hash), data); err != nil {
				return err
			}
			if err := putMediaMeta(tx, hash, m); err != nil {
				return err
			}
		default:
			return err
		}
		out = m.media(hash)
		return nil
	})
	if err != nil {
		return Media{}, fmt.Errorf("put media: %w", err)
	}
	return out, nil
}

// MediaInfo returns the record of a stored file; ErrNotFound when there is
// none.
func (db *DB) MediaInfo(hash string) (Media, error) {
	var out Media
	err := db.bolt.View(func(tx *bolt.Tx) error {
		m, err := getMediaMeta(tx, hash)
		out = m.media(hash)
		return err
	})
	if err != nil {
		return Media{}, fmt.Errorf("media info: %w", err)
	}
	return out, nil
}

// ServeMedia calls fn with a stored file's record and bytes, inside a read
// transaction: data is bbolt's own memory, valid only while fn runs. Write
// it out there (to an HTTP response) and do not keep it; this spares
// copying every served file into the heap. fn's error is returned as it
// is; ErrNotFound when there is no such file.
func (db *DB) ServeMedia(hash string, fn func(m Media, data []byte) error) error {
	var fnErr error
	err := db.bolt.View(func(tx *bolt.Tx) error {
		m, err := getMediaMeta(tx, hash)
		if err != nil {
			return err
		}
		data := tx.Bucket(bucketMedia).Get([]byte(hash))
		if data == nil {
			return fmt.Errorf("media %s: bytes missing: %w", hash, ErrNotFound)
		}
		fnErr = fn(m.media(hash), data)
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

// MediaRef takes a reference to a stored file, in its own transaction (see
// refMedia).
func (db *DB) MediaRef(hash string) error {
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return refMedia(tx, hash) }); err != nil {
		return fmt.Errorf("media ref: %w", err)
	}
	return nil
}

// MediaUnref drops a reference to a stored file, in its own transaction
// (see unrefMedia).
func (db *DB) MediaUnref(hash string) error {
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return unrefMedia(tx, hash) }); err != nil {
		return fmt.Errorf("media unref: %w", err)
	}
	return nil
}

// refMedia takes a reference to a stored file for a post or a profile
// being saved in tx. ErrNotFound when the file is not stored (never
// uploaded, or pruned before its post was sent).
func refMedia(tx *bolt.Tx, hash string) error {
	m, err := getMediaMeta(tx, hash)
	if err != nil {
		return err
	}
	m.Refs++
	return putMediaMeta(tx, hash, m)
}

// unrefMedia drops a reference taken by refMedia, for a post or a profile
// being deleted or changed in tx; when the last one goes, the bytes and
// the record go too, in the same transaction. It never fails for a file
// that is already gone or has no reference (a deletion must not be
// blocked by media bookkeeping): a file without references is left for
// PruneUnreferencedMedia.
func unrefMedia(tx *bolt.Tx, hash string) error {
	m, err := getMediaMeta(tx, hash)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case m.Refs <= 0:
		return nil
	case m.Refs == 1:
		return deleteMedia(tx, hash)
	}
	m.Refs--
	return putMediaMeta(tx, hash, m)
}

func deleteMedia(tx *bolt.Tx, hash string) error {
	if err := tx.Bucket(bucketMedia).Delete([]byte(hash)); err != nil {
		return err
	}
	return tx.Bucket(bucketMediaMeta).Delete([]byte(hash))
}

// PruneUnreferencedMedia deletes the stored files that nothing uses and
// that were stored before olderThan (uploads abandoned before their post
// was sent) and returns how many went.
func (db *DB) PruneUnreferencedMedia(olderThan time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var stale []string
		err := tx.Bucket(bucketMediaMeta).ForEach(func(k, v []byte) error {
			var m mediaMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("media %s: decode: %w", k, err)
			}
			if m.Refs <= 0 && m.Created.Before(olderThan) {
				stale = append(stale, string(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, hash := range stale {
			if err := deleteMedia(tx, hash); err != nil {
				return err
			}
		}
		n = len(stale)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune media: %w", err)
	}
	return n, nil
}

// MediaExt is the file name extension of a stored file's content type,
// as its address (/media/HASH.EXT) and the export archive spell it.
func MediaExt(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return "jpg"
	case "image/png":
		return "png"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	}
	return "bin"
}

// MediaPath is the address of a stored file on this instance:
// /media/HASH.EXT.
func MediaPath(hash, contentType string) string {
	return "/media/" + hash + "." + MediaExt(contentType)
}
