package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Custom emoji: :shortcode: pictures. An admin uploads the instance's own;
// those of other servers arrive as Emoji tags on their posts and profiles
// and are stored here too (fetched once, served from /media like every
// stored file). Each emoji's picture is a stored file (media.go) holding a
// reference for the emoji; emoji_files says which files are emoji, served
// to everyone like avatars.

// Emoji is a custom emoji: its shortcode (without colons), the server it
// belongs to (Domain "" for this instance's own), and its picture.
type Emoji struct {
	V           int    `json:"v"`
	Shortcode   string `json:"shortcode"`
	Domain      string `json:"domain,omitempty"`
	File        string `json:"file"` // hash of the stored picture
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	// URI is a remote emoji's id (or its picture's address when it has
	// none), by which an update is recognised.
	URI       string    `json:"uri,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

const emojiVersion = 1

// MaxEmoji bounds how many custom emoji an instance keeps of its own.
const MaxEmoji = 500

var shortcodeRE = regexp.MustCompile(`^[a-zA-Z0-9_]{2,32}$`)

// ValidShortcode tells whether s may name an emoji: 2 to 32 ASCII
// letters, digits and underscores.
func ValidShortcode(s string) bool { return shortcodeRE.MatchString(s) }

// Path is the address of the emoji's picture on this instance.
func (e Emoji) Path() string { return MediaPath(e.File, e.ContentType) }

// emojiKey is shortcode for this instance's emoji, shortcode@domain for
// another server's: shortcodes are matched exactly, as they are typed.
func emojiKey(shortcode, domain string) []byte {
	if domain == "" {
		return []byte(shortcode)
	}
	return []byte(shortcode + "@" + domain)
}

func getEmoji(tx *bolt.Tx, shortcode, domain string) (Emoji, error) {
	var e Emoji
	v := tx.Bucket(bucketEmoji).Get(emojiKey(shortcode, domain))
	if v == nil {
		return e, fmt.Errorf("emoji :%s: %w", shortcode, ErrNotFound)
	}
	if err := decodeRecord(v, &e); err != nil {
		return e, fmt.Errorf("emoji :%s: decode: %w", shortcode, err)
	}
	return e, nil
}

// putEmoji stores e with its file (stored already), taking the file's
// reference and dropping the one of the picture it replaces.
func putEmoji(tx *bolt.Tx, e Emoji, old *Emoji) error {
	key := emojiKey(e.Shortcode, e.Domain)
	if old != nil && old.File == e.File {
		e.CreatedAt = old.CreatedAt
	} else {
		if err := refMedia(tx, e.File); err != nil {
			return err
		}
		if err := tx.Bucket(bucketEmojiFiles).Put([]byte(e.File), key); err != nil {
			return err
		}
		if old != nil {
			if err := dropEmojiFile(tx, *old); err != nil {
				return err
			}
		}
	}
	e.V = emojiVersion
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketEmoji).Put(key, v)
}

func dropEmojiFile(tx *bolt.Tx, e Emoji) error {
	files := tx.Bucket(bucketEmojiFiles)
	if bytes.Equal(files.Get([]byte(e.File)), emojiKey(e.Shortcode, e.Domain)) {
		if err := files.Delete([]byte(e.File)); err != nil {
			return err
		}
	}
	return unrefMedia(tx, e.File)
}

// isEmojiFile tells whether a stored file is an emoji's picture (public).
func isEmojiFile(tx *bolt.Tx, hash string) bool {
	b := tx.Bucket(bucketEmojiFiles)
	return b != nil && b.Get([]byte(hash)) != nil
}

// PutEmoji stores one of this instance's emoji with its picture f;
// ErrExists when the shortcode is taken, ErrInvalid for a bad shortcode,
// ErrForbidden beyond MaxEmoji.
func (db *DB) PutEmoji(shortcode string, f File) (Emoji, error) {
	if !ValidShortcode(shortcode) {
		return Emoji{}, fmt.Errorf("put emoji %q: %w", shortcode, ErrInvalid)
	}
	m, err := db.PutMedia(f.Data, f.ContentType, f.Width, f.Height)
	if err != nil {
		return Emoji{}, fmt.Errorf("put emoji: %w", err)
	}
	e := Emoji{Shortcode: shortcode, File: m.Hash, ContentType: m.ContentType, Width: m.Width, Height: m.Height, CreatedAt: db.now().UTC()}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEmoji).Get(emojiKey(shortcode, "")) != nil {
			return fmt.Errorf("emoji :%s: %w", shortcode, ErrExists)
		}
		n := 0
		c := tx.Bucket(bucketEmoji).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if !bytes.Contains(k, []byte("@")) {
				n++
			}
		}
		if n >= MaxEmoji {
			return fmt.Errorf("more than %d emoji: %w", MaxEmoji, ErrForbidden)
		}
		return putEmoji(tx, e, nil)
	})
	if err != nil {
		return Emoji{}, fmt.Errorf("put emoji: %w", err)
	}
	return e, nil
}

// PutRemoteEmoji stores (or updates) another server's emoji with its
// picture f.
func (db *DB) PutRemoteEmoji(e Emoji, f File) (Emoji, error) {
	if !ValidShortcode(e.Shortcode) || e.Domain == "" {
		return Emoji{}, fmt.Errorf("put remote emoji %q@%q: %w", e.Shortcode, e.Domain, ErrInvalid)
	}
	m, err := db.PutMedia(f.Data, f.ContentType, f.Width, f.Height)
	if err != nil {
		return Emoji{}, fmt.Errorf("put remote emoji: %w", err)
	}
	e.File, e.ContentType, e.Width, e.Height = m.Hash, m.ContentType, m.Width, m.Height
	e.CreatedAt = db.now().UTC()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		old, err := getEmoji(tx, e.Shortcode, e.Domain)
		switch {
		case err == nil:
			return putEmoji(tx, e, &old)
		case errors.Is(err, ErrNotFound):
			return putEmoji(tx, e, nil)
		}
		return err
	})
	if err != nil {
		return Emoji{}, fmt.Errorf("put remote emoji: %w", err)
	}
	return e, nil
}

// DeleteEmoji removes an emoji; its picture goes with its last reference.
// Posts that used it keep their text.
func (db *DB) DeleteEmoji(shortcode, domain string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		e, err := getEmoji(tx, shortcode, domain)
		if err != nil {
			return err
		}
		if err := dropEmojiFile(tx, e); err != nil {
			return err
		}
		return tx.Bucket(bucketEmoji).Delete(emojiKey(shortcode, domain))
	})
	if err != nil {
		return fmt.Errorf("delete emoji: %w", err)
	}
	return nil
}

// EmojiByCode is the emoji of domain ("" for this instance) named
// shortcode; ErrNotFound when there is none.
func (db *DB) EmojiByCode(shortcode, domain string) (Emoji, error) {
	var e Emoji
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		e, err = getEmoji(tx, shortcode, domain)
		return err
	})
	return e, err
}

// EmojiMap is the emoji of domain among shortcodes, by shortcode; those
// that do not exist are left out.
func (db *DB) EmojiMap(domain string, shortcodes []string) (map[string]Emoji, error) {
	out := map[string]Emoji{}
	if len(shortcodes) == 0 {
		return out, nil
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, s := range shortcodes {
			if _, seen := out[s]; seen || !ValidShortcode(s) {
				continue
			}
			if e, err := getEmoji(tx, s, domain); err == nil {
				out[s] = e
			}
		}
		return nil
	})
	return out, err
}

// LocalEmoji lists this instance's emoji in shortcode order.
func (db *DB) LocalEmoji() ([]Emoji, error) {
	var out []Emoji
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEmoji).ForEach(func(k, v []byte) error {
			if bytes.Contains(k, []byte("@")) {
				return nil
			}
			var e Emoji
			if err := decodeRecord(v, &e); err != nil {
				return fmt.Errorf("emoji %s: decode: %w", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Emoji) int { return bytes.Compare([]byte(a.Shortcode), []byte(b.Shortcode)) })
	return out, err
}
