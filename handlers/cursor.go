package handlers

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"

	"majlis/storage"
)

// Timeline cursors. "Older posts" links carry ?before=ID, the place of the
// page's last post. A page that stopped in a long run of posts the viewer
// may not see (storage.Timeline.NextHidden) must carry on after the last
// of them without telling its ID, which is its time: that cursor is
// sealed, "c" and the ID encrypted with a key of the instance (one AES
// block: the ID and eight zero bytes, so a forged or damaged cursor is
// refused). The same ID always seals the same way; nothing else about the
// hidden posts can be read from it.

// sealedPrefix starts a sealed cursor; plain cursors are decimal IDs.
const sealedPrefix = "c"

// cursorSeal seals and opens hidden cursors.
type cursorSeal struct{ block cipher.Block }

// newCursorSeal derives the cursor key from the instance's cookie key
// (HMAC, so neither key tells the other).
func newCursorSeal(secret []byte) (*cursorSeal, error) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("majlis timeline cursor"))
	block, err := aes.NewCipher(m.Sum(nil)[:16])
	if err != nil {
		return nil, err
	}
	return &cursorSeal{block: block}, nil
}

func (s *cursorSeal) seal(id storage.ID) string {
	var b [aes.BlockSize]byte
	binary.BigEndian.PutUint64(b[:8], uint64(id))
	s.block.Encrypt(b[:], b[:])
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// open returns the ID of a sealed cursor; false when it is not one.
func (s *cursorSeal) open(c string) (storage.ID, bool) {
	if len(c) != len(sealedPrefix)+base64.RawURLEncoding.EncodedLen(aes.BlockSize) || c[:len(sealedPrefix)] != sealedPrefix {
		return 0, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c[len(sealedPrefix):])
	if err != nil || len(b) != aes.BlockSize {
		return 0, false
	}
	s.block.Decrypt(b, b)
	if binary.BigEndian.Uint64(b[8:]) != 0 {
		return 0, false
	}
	id := storage.ID(binary.BigEndian.Uint64(b[:8]))
	return id, id != 0
}

// nextURL is the "Older posts" address of a timeline page, "" when there
// is nothing older.
func (h *Handler) nextURL(base string, t storage.Timeline) string {
	switch {
	case t.Next == 0:
		return ""
	case t.NextHidden:
		return base + "?before=" + url.QueryEscape(h.cursors.seal(t.Next))
	}
	return withBefore(base, t.Next)
}

// timelinePage reads the ?before= cursor of a timeline: a plain ID, or one
// sealed by nextURL. Anything else is a 400.
func (h *Handler) timelinePage(r *http.Request) (storage.Page, error) {
	s := r.URL.Query().Get("before")
	if id, ok := h.cursors.open(s); ok {
		return storage.Page{Limit: 20, Before: id}, nil
	}
	return pageParam(r) // refuses a damaged sealed cursor: it is not a decimal ID
}
