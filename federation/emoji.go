package federation

import (
	"context"
	"net/http"
	"strings"

	"majlis/media"
	"majlis/storage"
)

// Custom emoji in ActivityPub: a post or an actor lists the emoji its
// text uses as `Emoji` tags (name ":shortcode:", icon the picture). Ours
// go out with our Notes and actors; other servers' are fetched through
// the guarded client, made into stills like ours, stored and served from
// here (never hot-linked), and put in place of the shortcodes when their
// post or profile is shown.

// maxEmojiTags bounds the emoji taken from one object.
const maxEmojiTags = 20

// emojiTags are the Emoji tags of our emoji named by codes (those that
// exist).
func (c *Converter) emojiTags(codes []string) []tagJSON {
	if len(codes) == 0 {
		return nil
	}
	m, err := c.DB.EmojiMap("", codes)
	if err != nil {
		return nil
	}
	var out []tagJSON
	for _, code := range codes {
		e, ok := m[code]
		if !ok {
			continue
		}
		out = append(out, c.emojiTag(e))
	}
	return out
}

// emojiTag is one of our emoji as ActivityStreams: its id (EmojiPath)
// is what Emoji serves.
func (c *Converter) emojiTag(e storage.Emoji) tagJSON {
	return tagJSON{
		ID:      c.URIs.Base + EmojiPath(e.Shortcode),
		Type:    "Emoji",
		Name:    ":" + e.Shortcode + ":",
		Icon:    &imageJSON{Type: "Image", MediaType: e.ContentType, URL: c.URIs.Base + e.Path()},
		Updated: stamp(e.CreatedAt),
	}
}

// EmojiPath is the address of one of our emoji as an object of its own
// (the id of its tags).
func EmojiPath(shortcode string) string { return "/emoji/" + shortcode }

// emojiJSON is an Emoji served on its own.
type emojiJSON struct {
	Context any `json:"@context"`
	tagJSON
}

// Emoji serves GET /emoji/{code}: one of our emoji as an Emoji object,
// so the id of the tags that list it dereferences, as other servers
// expect of Mastodon's. A browser (not asking for ActivityStreams) is
// sent to the picture. An unknown shortcode, or another server's emoji,
// is not found.
func (s *Server) Emoji(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	var e storage.Emoji
	var err error
	if !storage.ValidShortcode(code) {
		err = storage.ErrNotFound
	} else {
		e, err = s.DB.EmojiByCode(code, "")
	}
	if err != nil {
		s.Error(w, err)
		return
	}
	w.Header().Add("Vary", "Accept")
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, e.Path(), http.StatusSeeOther)
		return
	}
	body, err := marshal(emojiJSON{Context: s.Conv.ldContext(), tagJSON: s.Conv.emojiTag(e)})
	if err != nil {
		s.Error(w, err)
		return
	}
	writeActivity(w, body, s.Conv.ConsentFor(), false)
}

// storeEmoji fetches and stores the emoji an object of host lists in its
// tags, those not stored already with the same picture address; none
// when the host's media are rejected. A picture that fails is left out
// (its shortcode stays text).
func (r *Resolver) storeEmoji(ctx context.Context, host string, tags Many[Tag]) {
	if host == "" {
		return
	}
	n := 0
	for _, t := range tags {
		if !t.Type.Is("Emoji") || t.Icon == nil || t.Icon.URL == "" {
			continue
		}
		if n++; n > maxEmojiTags {
			return
		}
		code := strings.Trim(strings.TrimSpace(t.Name), ":")
		if !storage.ValidShortcode(code) {
			continue
		}
		uri := t.ID
		if uri == "" {
			uri = t.Icon.URL
		}
		if old, err := r.DB.EmojiByCode(code, host); err == nil && old.URI == uri {
			continue
		}
		if p, err := r.DB.PolicyFor(host); err != nil || p.RejectMedia {
			return
		}
		img, err := r.fetchImage(ctx, t.Icon.URL, media.Emoji)
		if err != nil {
			r.logger().Info("federation: emoji not taken", "emoji", code, "host", host, "err", err)
			continue
		}
		f := storage.File{Data: img.Display.Data, ContentType: img.Display.ContentType, Width: img.Display.Width, Height: img.Display.Height}
		if _, err := r.DB.PutRemoteEmoji(storage.Emoji{Shortcode: code, Domain: host, URI: uri}, f); err != nil {
			r.logger().Info("federation: emoji not stored", "emoji", code, "host", host, "err", err)
		}
	}
}
