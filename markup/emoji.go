package markup

import (
	"bytes"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// Custom emoji: ":shortcode:" in the text of a post, a bio or a name
// becomes the emoji's picture. It is done on sanitized HTML, after
// Markdown (a post when it is saved, a remote post when it is received, a
// bio or a name when it is shown), never inside code, preformatted text or
// a link's text, and the result goes through the sanitizer again with one
// more rule: an <img class="emoji"> whose src is a stored file of this
// instance (/media/HASH.EXT) and whose alt and title are the shortcode.

var (
	shortcodeInText = regexp.MustCompile(`:([a-zA-Z0-9_]{2,32}):`)
	emojiSrcRe      = regexp.MustCompile(`^/media/[0-9a-f]{64}\.(?:png|gif|webp|jpg)$`)
	emojiAltRe      = regexp.MustCompile(`^:[a-zA-Z0-9_]{2,32}:$`)
)

// emojiPolicy is the sanitizer's policy with the emoji picture allowed.
var emojiPolicy = func() *bluemonday.Policy {
	p := newPolicy()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^emoji$`)).OnElements("img")
	p.AllowAttrs("src").Matching(emojiSrcRe).OnElements("img")
	p.AllowAttrs("alt", "title").Matching(emojiAltRe).OnElements("img")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("img")
	return p
}()

// EmojiShortcodes lists the distinct shortcodes written in s (text, not
// HTML), in order of first appearance: none, without a match, when s has
// no colon (most names and bios).
func EmojiShortcodes(s string) []string {
	if !strings.Contains(s, ":") {
		return nil
	}
	var out []string
	for _, m := range shortcodeInText.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// emojiImg is the picture of shortcode code at src.
func emojiImg(code, src string) string {
	alt := ":" + code + ":"
	return `<img class="emoji" src="` + src + `" alt="` + alt + `" title="` + alt + `" width="20" height="20">`
}

// Emojify replaces the ":shortcode:" in the text of sanitized HTML h
// with the emoji's picture, for the shortcodes src resolves to a stored
// file's address (/media/HASH.EXT; anything else is left as text). It
// returns the HTML, sanitized, and the shortcodes it replaced, in order.
// HTML without a colon comes back as it is.
func Emojify(h string, src func(shortcode string) (string, bool)) (string, []string) {
	if !strings.Contains(h, ":") || src == nil {
		return h, nil
	}
	var used []string
	var b bytes.Buffer
	z := xhtml.NewTokenizer(strings.NewReader(h))
	skip := 0 // inside code, pre or a
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			out := strings.TrimSpace(emojiPolicy.Sanitize(b.String()))
			return out, used
		case xhtml.StartTagToken:
			if name, _ := z.TagName(); isSkipped(name) {
				skip++
			}
		case xhtml.EndTagToken:
			if name, _ := z.TagName(); isSkipped(name) && skip > 0 {
				skip--
			}
		case xhtml.TextToken:
			if skip == 0 {
				text := string(z.Text())
				last := 0
				for _, m := range shortcodeInText.FindAllStringSubmatchIndex(text, -1) {
					code := text[m[2]:m[3]]
					s, ok := src(code)
					if !ok || !emojiSrcRe.MatchString(s) {
						continue
					}
					b.WriteString(html.EscapeString(text[last:m[0]]))
					b.WriteString(emojiImg(code, s))
					last = m[1]
					if !slices.Contains(used, code) {
						used = append(used, code)
					}
				}
				b.WriteString(html.EscapeString(text[last:]))
				continue
			}
		}
		b.Write(z.Raw())
	}
}

func isSkipped(name []byte) bool {
	switch string(name) {
	case "code", "pre", "a":
		return true
	}
	return false
}

// EmojifyText is Emojify for plain text (a display name): the text
// escaped, its shortcodes made pictures.
func EmojifyText(s string, src func(shortcode string) (string, bool)) (string, []string) {
	return Emojify(html.EscapeString(s), src)
}

// emojiImgRe finds the emoji pictures Emojify writes (the sanitizer keeps
// their attributes in the order written).
var emojiImgRe = regexp.MustCompile(`<img class="emoji" src="[^"]*" alt="(:[a-zA-Z0-9_]{2,32}:)"[^>]*>`)

// EmojiInHTML lists the shortcodes of the emoji pictures in h, in order,
// once each.
func EmojiInHTML(h string) []string {
	var out []string
	for _, m := range emojiImgRe.FindAllStringSubmatch(h, -1) {
		code := strings.Trim(m[1], ":")
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out
}

// Unemojify turns the emoji pictures of h back into their ":shortcode:"
// text, as other servers and apps expect it (with the emoji listed
// beside the content).
func Unemojify(h string) string {
	if !strings.Contains(h, `<img class="emoji"`) {
		return h
	}
	return emojiImgRe.ReplaceAllString(h, "$1")
}
