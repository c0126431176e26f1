package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
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
	db.emoji.changed()
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
	db.emoji.changed()
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
	db.emoji.changed()
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
// that do not exist are left out. Lookups are remembered (emojiCache), so
// the names on a page of cards cost map lookups, not transactions.
func (db *DB) EmojiMap(domain string, shortcodes []string) (map[string]Emoji, error) {
	out := map[string]Emoji{}
	if len(shortcodes) == 0 {
		return out, nil
	}
	var missing []string
	gen := db.emoji.lookup(domain, shortcodes, func(code string, e Emoji, ok bool) {
		if ok {
			out[code] = e
		}
	}, &missing)
	if len(missing) == 0 {
		return out, nil
	}
	found := map[string]Emoji{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, s := range missing {
			if e, err := getEmoji(tx, s, domain); err == nil {
				found[s] = e
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	for s, e := range found {
		out[s] = e
	}
	db.emoji.store(gen, domain, missing, found)
	return out, nil
}

// emojiCache remembers which emoji exist (and which do not), by
// shortcode@domain. Emoji change rarely (an admin's upload, a remote
// emoji fetched), and every change clears it: changed runs after each
// write's commit and moves the generation on, and a reader stores what it
// read only if no change came since it began, so it never keeps a
// picture older than the file's.
type emojiCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]emojiCached
}

type emojiCached struct {
	e  Emoji
	ok bool // false: no such emoji
}

// maxCachedEmoji bounds the lookups remembered; past it they start over.
const maxCachedEmoji = 4096

// lookup calls fn with each valid shortcode it knows and adds the others
// to missing; it returns the generation to store what is read under.
func (c *emojiCache) lookup(domain string, codes []string, fn func(string, Emoji, bool), missing *[]string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range codes {
		if !ValidShortcode(s) || slices.Contains(*missing, s) {
			continue
		}
		if v, ok := c.m[string(emojiKey(s, domain))]; ok {
			fn(s, v.e, v.ok)
			continue
		}
		*missing = append(*missing, s)
	}
	return c.gen
}

// store remembers what a reader that began at generation gen found
// among codes.
func (c *emojiCache) store(gen uint64, domain string, codes []string, found map[string]Emoji) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m)+len(codes) > maxCachedEmoji {
		c.m = make(map[string]emojiCached, len(codes))
	}
	for _, s := range codes {
		e, ok := found[s]
		c.m[string(emojiKey(s, domain))] = emojiCached{e, ok}
	}
}

// changed forgets every lookup, after a write of the emoji bucket.
func (c *emojiCache) changed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
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
