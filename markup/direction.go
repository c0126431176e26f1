package markup

import (
	"bytes"
	stdhtml "html"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/unicode/bidi"
)

// Text direction is decided per block (paragraph, list item, quote), not
// once per post: a post may hold an Arabic paragraph and an English one,
// and each must read and align its own way. The browser's dir="auto"
// looks at the first strong character, which in a reply is the Latin
// "@bob" of a leading mention, so a reply written in Arabic would read
// left to right with its punctuation on the wrong side. SetDirections
// therefore skips leading mentions and links (linked or typed as text)
// and writes an explicit dir on every block.
//
// A block with no strong character of its own (emoji, digits) takes the
// direction of the block around it, else that of the post (its first
// decided block). Code blocks are left alone: the stylesheet keeps them
// left to right.
//
// Pages show post HTML inside a container with dir="auto", which gives
// every block the direction of the post's first strong character. When
// that is already each block's direction (a post written in one language
// without leading mentions: nearly all of them) the HTML is left as it
// is, byte for byte; otherwise every block gets its dir.

// direction of a run of text: none (neutral only), left to right, right to
// left.
type direction uint8

const (
	dirNone direction = iota
	dirLTR
	dirRTL
)

func (d direction) attr() string {
	switch d {
	case dirLTR:
		return "ltr"
	case dirRTL:
		return "rtl"
	}
	return ""
}

// directedBlocks are the elements that get a dir attribute (the sanitizer
// allows exactly these with ltr or rtl).
var directedBlocks = map[string]bool{
	"p": true, "li": true, "ul": true, "ol": true, "blockquote": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
}

// block is one open block element while SetDirections walks the HTML.
type block struct {
	name    string
	piece   int // index of its start tag in the output pieces
	attrs   []html.Attribute
	hadDir  bool      // the input gave it a dir (remote HTML)
	own     direction // first strong direction after the leading mentions and links
	skipped direction // first strong direction inside those mentions and links
	child   direction // direction of its first decided child block
	leading bool      // still among leading mentions, links and spaces
	anchor  int       // depth of the leading link being skipped
	parent  *block
	out     direction // decided at its end tag
}

// SetDirections returns sanitized post HTML with an explicit dir on each
// paragraph, list item, list, quote and heading (see the comment above).
// Any dir already there is replaced. The input must be the output of the
// sanitizer (Render, RenderPost and SanitizeRemote call it themselves);
// the result is still a fixed point of the sanitizer. It runs in one pass
// over the tokens, in time linear in the length of the HTML.
func SetDirections(s string) string {
	if s == "" || !strings.Contains(s, "<") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var (
		pieces [][]byte // raw tokens; block start tags are rewritten at the end
		open   *block
		blocks []*block
		first  direction // the post's direction: its first decided block
		auto   direction // what dir="auto" on the container would give
	)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := bytes.Clone(z.Raw())
		switch tt {
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if directedBlocks[tag] {
				b := &block{name: tag, piece: len(pieces), leading: true, parent: open}
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "dir" {
						b.hadDir = true
					} else {
						b.attrs = append(b.attrs, html.Attribute{Key: string(k), Val: string(v)})
					}
				}
				if open != nil {
					open.leading = false // a nested block ends its parent's lead
				}
				open = b
				blocks = append(blocks, b)
			} else if tag == "a" && open != nil && (open.leading || open.anchor > 0) {
				open.anchor++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tag == "a" && open != nil && open.anchor > 0 {
				open.anchor--
			} else if open != nil && tag == open.name {
				b := open
				b.out = b.own
				if b.out == dirNone {
					b.out = b.child
				}
				if b.out == dirNone {
					b.out = b.skipped
				}
				if b.parent != nil && b.parent.child == dirNone {
					b.parent.child = b.out
				}
				if first == dirNone {
					first = b.out
				}
				open = b.parent
			}
		case html.TextToken:
			text := stdhtml.UnescapeString(string(raw))
			if auto == dirNone {
				auto = firstStrong(text)
			}
			if open != nil {
				open.text(text)
			}
		}
		pieces = append(pieces, raw)
	}
	if first == dirNone {
		return s // neutral throughout: the container decides
	}
	same := true
	for _, b := range blocks {
		d := b.out
		for p := b.parent; d == dirNone && p != nil; p = p.parent {
			d = p.out
		}
		if d == dirNone {
			d = first
		}
		b.out = d
		same = same && d == auto && !b.hadDir
	}
	if same {
		return s
	}
	for _, b := range blocks {
		pieces[b.piece] = startTag(b.name, b.attrs, b.out)
	}
	return string(bytes.Join(pieces, nil))
}

// startTag writes a block's start tag with its attributes and dir.
func startTag(name string, attrs []html.Attribute, d direction) []byte {
	var b bytes.Buffer
	b.WriteByte('<')
	b.WriteString(name)
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteString(`="`)
		b.WriteString(stdhtml.EscapeString(a.Val))
		b.WriteByte('"')
	}
	b.WriteString(` dir="`)
	b.WriteString(d.attr())
	b.WriteString(`">`)
	return b.Bytes()
}

// text takes one run of a block's text into account.
func (b *block) text(s string) {
	if b.own != dirNone {
		return
	}
	if b.anchor > 0 {
		if b.skipped == dirNone {
			b.skipped = firstStrong(s)
		}
		return
	}
	if !b.leading {
		b.own = firstStrong(s)
		return
	}
	// Among the leading words: skip mentions and addresses typed as text
	// ("@bob", "@bob@example.org", "https://...", "www...").
	for s != "" {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !isSpace(r) {
				break
			}
			i += n
		}
		s = s[i:]
		if s == "" {
			return
		}
		end := strings.IndexFunc(s, isSpace)
		if end < 0 {
			end = len(s)
		}
		word := s[:end]
		if !skippable(word) {
			b.leading = false
			b.own = firstStrong(s)
			return
		}
		if b.skipped == dirNone {
			b.skipped = firstStrong(word)
		}
		s = s[end:]
	}
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0'
}

// skippable reports whether a leading word is a mention or an address,
// which says nothing about the language of the sentence after it.
func skippable(w string) bool {
	return len(w) > 1 && w[0] == '@' ||
		strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://") ||
		strings.HasPrefix(w, "www.")
}

// firstStrong is the direction of the first strongly directional character
// of s, as the Unicode bidirectional algorithm classes it.
func firstStrong(s string) direction {
	for _, r := range s {
		if r < 0x80 {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
				return dirLTR
			}
			continue
		}
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return dirLTR
		case bidi.R, bidi.AL:
			return dirRTL
		}
	}
	return dirNone
}
