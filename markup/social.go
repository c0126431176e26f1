package markup

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Mentions and hashtags
//
// A mention is "@" followed by a username of 1 to maxUsernameLen ASCII
// letters, digits or underscores. The "@" must be at the start of the text or
// follow a character that is not a letter, digit, combining mark,
// underscore, "@" or "/" (so e-mail addresses and URL paths are not
// mentions), and the name must not be followed by another username
// character, a letter, digit or mark of any script, or "@". In particular a
// remote-looking "@name@domain" is left entirely as text (federation is not
// supported yet). A mention becomes a link only when Options.Mention accepts
// it; the link shows the name as the author wrote it but points to the
// canonical profile path. If a name ending in underscores is not accepted,
// the name without them is tried, so that "_hi @amal_" is emphasis around a
// mention of amal. A mention that is not accepted is left to the rest of the
// Markdown syntax exactly as if there were no mentions.
//
// An account of another server is mentioned as "@name@host": the name, "@"
// and a host of ASCII letters, digits, "-" and "." (a "." that ends it is
// the sentence's) with an optional ":port". With Options.RemoteMentions,
// Options.Mention is asked for "name@host" as a whole, never for the name
// alone, so "@amal@elsewhere" is never a mention of the local amal;
// without it such a mention stays text.
//
// A hashtag is "#" followed by a run of characters that are letters of any
// script, combining marks (Arabic harakat, for example), decimal digits or
// underscores. The tag is that run without trailing underscores (so that
// "_learn #go_" is emphasis around #go); it must be 1 to maxTagLen
// characters long and contain at least one letter once normalised (so "#1",
// "#١٢" and "#_" are not tags, nor is a run longer than maxTagLen). The "#"
// must be at the start of the text or follow a character that is not a
// letter, digit, mark, underscore, "&", "#" or "/" (so "a#b", the entity
// "&#39;" and URL fragments are not tags). Hashtags need no resolver: every
// valid one becomes a link to /tags/KEY, KEY being the path-escaped
// NormalizeTag of the written tag.
//
// Neither is recognised inside code spans, code blocks, raw HTML (shown as
// text), autolinks, bare URLs, or the text of Markdown links and images, nor
// after a backslash: "\#tag" and "\@name" are the way to write them as text.
// Recognition looks at the source, where entity references are not decoded:
// "&#35;tag" shows "#tag" as text.

const (
	// maxUsernameLen is the longest username a mention may name.
	maxUsernameLen = 30
	// maxTagLen is the longest hashtag, in code points, not counting "#".
	maxTagLen = 100
	// tatweel is ARABIC TATWEEL, the elongation stroke, which NormalizeTag
	// drops: "#مـجـلـس" and "#مجلس" are the same tag.
	tatweel = '\u0640'
)

// Options tell the renderer which @names exist.
type Options struct {
	// Mention resolves a username (as written, without "@") to the profile
	// URL path of an existing local account, e.g. "/@amal", and its
	// canonical username spelling; ok false leaves the text as it is. A
	// remote account's "name@host" resolves to its path here,
	// "/@name@host", and canonical "name@host".
	//
	// href must have the shape "/@" followed by 1 to 30 ASCII letters,
	// digits or underscores (and, for a remote account, "@host"), and
	// canonical must be such a username (or "name@host");
	// anything else is treated like ok false, so a faulty resolver can
	// never inject a URL. Mention is called during parsing, at most once
	// per distinct spelling in a post, never for names in code or raw
	// HTML, but possibly for names in the text of a link, which are not
	// linked. A nil Mention links no mentions.
	Mention func(username string) (href, canonical string, ok bool)
	// RemoteMentions lets Mention resolve "@name@host" too (as
	// "name@host"); without it those are always text.
	RemoteMentions bool
}

// Result is a rendered post.
type Result struct {
	// HTML is the sanitized HTML. With a nil Options.Mention it is exactly
	// Render's output.
	HTML string
	// Mentions are the canonical usernames of mentioned existing accounts,
	// unique, in order of first appearance: exactly the accounts linked in
	// HTML.
	Mentions []string
	// Tags are the hashtags, normalised by NormalizeTag, unique, in order
	// of first appearance: exactly the tags linked in HTML.
	Tags []string
}

// RenderPost converts post Markdown to sanitized HTML like Render, linking
// @mentions of the accounts opt.Mention accepts and all #hashtags, and
// reports which accounts were mentioned and which tags used.
//
// Mention links look like <a href="/@amal" class="mention">@Amal</a> and
// hashtag links like <a href="/tags/go" class="hashtag">#Go</a>; being
// local, they carry no rel or target attribute. Input nested too deeply for
// Markdown (see maxDepth) or longer than maxSource bytes is rendered as plain
// text with no links at all, and then Mentions and Tags are empty.
func RenderPost(src string, opt Options) (Result, error) {
	return render(src, opt)
}

// NormalizeTag returns the canonical, case-insensitive key of a hashtag
// (without '#'), or "" if it is not a valid tag. A single leading '#' is
// accepted and dropped, so NormalizeTag("#Go") and NormalizeTag("Go") are
// both "go". A valid tag is 1 to 100 letters, marks, decimal digits and
// underscores, does not end with an underscore, and has a letter other than
// tatweel; its key is at most 100 characters long too.
//
// The key is the tag with every ARABIC TATWEEL (U+0640) removed, put in
// Unicode normalization form NFC, lowercased (strings.ToLower, so "İ" is
// "i"), then case-folded (so "ß" is "ss" and the final "ς" is "σ") and put
// in NFC again: after the lowercasing, the canonical caseless form of
// Unicode's definition D145, composed. Spellings
// that Unicode deems the same text are the same tag: a precomposed "é" and
// "e" + COMBINING ACUTE ACCENT, or Arabic harakat typed in either order
// ("شدّة" with shadda then fatha, or fatha then shadda). Compatibility
// variants stay apart: fullwidth "ｇｏ" is not "go", and an Arabic
// presentation form is not its letter (NFKC would join them, but it also
// turns some letters, such as the ligature "ﷺ", into text with spaces,
// which is no tag). NormalizeTag is idempotent: NormalizeTag(k) == k for
// every key k it returns.
func NormalizeTag(tag string) string {
	tag = strings.TrimPrefix(tag, "#")
	if tag == "" || utf8.RuneCountInString(tag) > maxTagLen {
		return ""
	}
	for _, r := range tag {
		if !isTagRune(r) {
			return ""
		}
	}
	if strings.HasSuffix(tag, "_") {
		return ""
	}
	key := strings.ToLower(norm.NFC.String(strings.ReplaceAll(tag, string(tatweel), "")))
	key = norm.NFC.String(cases.Fold().String(norm.NFD.String(key)))
	if strings.IndexFunc(key, unicode.IsLetter) < 0 || utf8.RuneCountInString(key) > maxTagLen {
		return ""
	}
	return key
}

// tagHref is the link of the hashtag whose key is key.
func tagHref(key string) string {
	return "/tags/" + url.PathEscape(key)
}

// mentionHrefRe is the only shape of profile link a mention may carry.
var mentionHrefRe = regexp.MustCompile(`^/@[A-Za-z0-9_]{1,30}(@` + hostPattern + `)?$`)

// hostPattern is a host name with an optional port, as a remote mention
// names it.
const hostPattern = `[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?`

var localHrefRe = regexp.MustCompile(`^/@[A-Za-z0-9_]{1,30}$`)

var remoteCanonicalRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,30}@` + hostPattern + `$`)

// validUsername reports whether s is 1 to maxUsernameLen username bytes.
func validUsername(s string) bool {
	if s == "" || len(s) > maxUsernameLen {
		return false
	}
	for i := range len(s) {
		if !isUsernameByte(s[i]) {
			return false
		}
	}
	return true
}

func isUsernameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isTagRune reports whether r may appear in a hashtag.
func isTagRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// isWordRune reports whether r is part of a word: a letter of any script, a
// mark, a digit or underscore (the same set as isTagRune).
func isWordRune(r rune) bool {
	return isTagRune(r)
}

// kindMention and kindHashtag are the node kinds of mentions and hashtags.
var (
	kindMention = ast.NewNodeKind("Mention")
	kindHashtag = ast.NewNodeKind("Hashtag")
)

// mentionNode is an @mention of an existing account. Its only child is the
// Text "@name" as written. It renders as a link while href is set; collect
// clears it inside links, where the mention is just text.
type mentionNode struct {
	ast.BaseInline
	name      string // as written, without "@"
	href      string // validated profile path, or "" for text
	canonical string // validated canonical username
}

// Kind implements ast.Node.
func (n *mentionNode) Kind() ast.NodeKind { return kindMention }

// Dump implements ast.Node.
func (n *mentionNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Name": n.name, "Href": n.href, "Canonical": n.canonical}, nil)
}

// hashtagNode is a #hashtag. Its only child is the Text "#Tag" as written.
// It renders as a link when linked is set (by collect) and as its text
// otherwise.
type hashtagNode struct {
	ast.BaseInline
	key    string // NormalizeTag of the written tag, never ""
	linked bool
}

// Kind implements ast.Node.
func (n *hashtagNode) Kind() ast.NodeKind { return kindHashtag }

// Dump implements ast.Node.
func (n *hashtagNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Key": n.key}, nil)
}

// mentionKey is the parser.Context key of the *mentionLookup of a parse.
var mentionKey = parser.NewContextKey()

// mentionLookup calls a resolver at most once per name and validates its
// answers. It belongs to a single parse.
type mentionLookup struct {
	resolve func(string) (href, canonical string, ok bool)
	remote  bool
	cache   map[string]mentionTarget
}

// mentionTarget is a validated resolver answer.
type mentionTarget struct {
	href, canonical string
	ok              bool
}

func (l *mentionLookup) lookup(name string) mentionTarget {
	if t, done := l.cache[name]; done {
		return t
	}
	href, canonical, ok := l.resolve(name)
	t := mentionTarget{}
	valid := validUsername(canonical) && localHrefRe.MatchString(href)
	if strings.Contains(name, "@") {
		// A remote account: its name and page here, nothing else.
		valid = l.remote && remoteCanonicalRe.MatchString(canonical) && href == "/@"+canonical
	}
	if ok && valid && mentionHrefRe.MatchString(href) {
		t = mentionTarget{href: href, canonical: canonical, ok: true}
	}
	if l.cache == nil {
		l.cache = map[string]mentionTarget{}
	}
	l.cache[name] = t
	return t
}

// parseContext returns a goldmark parser context for a parse under opt.
func parseContext(opt Options) parser.Context {
	pc := parser.NewContext()
	if opt.Mention != nil {
		pc.Set(mentionKey, &mentionLookup{resolve: opt.Mention, remote: opt.RemoteMentions})
	}
	return pc
}

// socialParser is the inline parser that recognises mentions of existing
// accounts (asking the parse's mentionLookup) and hashtags. It is
// stateless; per-parse state lives in the parser context.
//
// goldmark calls inline parsers only at unescaped punctuation, so "\@a" and
// "\#a" never reach it, and parsers that consume their whole construct
// (code spans, raw HTML, autolinks, Linkify's bare URLs and e-mail
// addresses, link destinations) run before it sees the characters inside.
// Returning nil leaves the text to the other parsers, exactly as without
// this one.
type socialParser struct{}

// Trigger implements parser.InlineParser.
func (socialParser) Trigger() []byte { return []byte{'@', '#'} }

// Parse implements parser.InlineParser.
func (socialParser) Parse(_ ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	if len(line) < 2 || seg.Padding != 0 {
		return nil
	}
	prev := block.PrecendingCharacter()
	if isWordRune(prev) {
		return nil
	}
	var n ast.Node
	size := 0
	switch line[0] {
	case '@':
		if prev == '@' || prev == '/' {
			return nil
		}
		lookup, _ := pc.Get(mentionKey).(*mentionLookup)
		if lookup == nil {
			return nil
		}
		name := scanMention(line, lookup.remote)
		if name == "" {
			return nil
		}
		t := lookup.lookup(name)
		if trimmed := strings.TrimRight(name, "_"); !t.ok && trimmed != name && trimmed != "" {
			name, t = trimmed, lookup.lookup(trimmed)
		}
		if !t.ok {
			return nil
		}
		size = 1 + len(name)
		n = &mentionNode{name: name, href: t.href, canonical: t.canonical}
	case '#':
		if prev == '&' || prev == '#' || prev == '/' {
			return nil
		}
		var key string
		if key, size = scanHashtag(line); size == 0 {
			return nil
		}
		n = &hashtagNode{key: key}
	default:
		return nil
	}
	n.AppendChild(n, ast.NewTextSegment(text.NewSegment(seg.Start, seg.Start+size)))
	block.Advance(size)
	return n
}

// scanMention returns the username of the mention at the start of line
// (which begins with '@'), or "" if there is none.
func scanMention(line []byte, remote bool) string {
	i := 1
	for i < len(line) && isUsernameByte(line[i]) {
		i++
		if i-1 > maxUsernameLen {
			return ""
		}
	}
	if remote && i < len(line) && line[i] == '@' && i > 1 {
		return scanRemoteMention(line, i)
	}
	if i < len(line) {
		if r, _ := utf8.DecodeRune(line[i:]); r == '@' || isWordRune(r) {
			return ""
		}
	}
	return string(line[1:i])
}

// scanRemoteMention returns "name@host" of the mention "@name@host" at the
// start of line, whose name ends at at, or "" if there is none.
func scanRemoteMention(line []byte, at int) string {
	j := at + 1
	for j < len(line) && (isUsernameByte(line[j]) && line[j] != '_' || line[j] == '-' || line[j] == '.') {
		j++
	}
	for j > at+1 && (line[j-1] == '.' || line[j-1] == '-') {
		j-- // "@amal@example.org." ends a sentence
	}
	if j == at+1 {
		return ""
	}
	if j+1 < len(line) && line[j] == ':' && line[j+1] >= '0' && line[j+1] <= '9' {
		j++
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
	}
	if j < len(line) {
		if r, _ := utf8.DecodeRune(line[j:]); r == '@' || r == '_' || isWordRune(r) {
			return ""
		}
	}
	if !remoteCanonicalRe.Match(line[1:j]) {
		return ""
	}
	return string(line[1:j])
}

// scanHashtag returns the key of the hashtag at the start of line (which
// begins with '#') and the hashtag's length in bytes, or size 0 if there is
// none. Trailing underscores are not part of the hashtag.
func scanHashtag(line []byte) (key string, size int) {
	i, end, runes := 1, 1, 0
	for i < len(line) {
		r, w := utf8.DecodeRune(line[i:])
		if !isTagRune(r) {
			break
		}
		i += w
		if runes++; r != '_' {
			if runes > maxTagLen {
				return "", 0
			}
			end = i
		}
	}
	if key = NormalizeTag(string(line[1:end])); key == "" {
		return "", 0
	}
	return key, end
}

// collect unlinks the mentions and hashtags in doc that are inside a link,
// autolink or image, where they are just text, and lists the linked ones in
// document order. It also rejoins text split by the parser (see
// rejoinTexts).
func collect(doc ast.Node, source []byte) (mentions, tags []string) {
	var seenMention, seenTag map[string]bool // allocated on first use
	inLink := 0
	_ = ast.Walk(doc, func(node ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && node.HasChildren() {
			rejoinTexts(node, source)
		}
		switch n := node.(type) {
		case *ast.Link, *ast.AutoLink, *ast.Image:
			if entering {
				inLink++
			} else {
				inLink--
			}
		case *mentionNode:
			if !entering {
				return ast.WalkSkipChildren, nil
			}
			if inLink > 0 {
				n.href = ""
				return ast.WalkSkipChildren, nil
			}
			if !seenMention[n.canonical] {
				if seenMention == nil {
					seenMention = map[string]bool{}
				}
				seenMention[n.canonical] = true
				mentions = append(mentions, n.canonical)
			}
			return ast.WalkSkipChildren, nil
		case *hashtagNode:
			if !entering || inLink > 0 {
				return ast.WalkSkipChildren, nil
			}
			n.linked = true
			if !seenTag[n.key] {
				if seenTag == nil {
					seenTag = map[string]bool{}
				}
				seenTag[n.key] = true
				tags = append(tags, n.key)
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return mentions, tags
}

// rejoinTexts undoes the splits of text that socialParser causes without
// producing a node. goldmark ends the current Text at every character an
// inline parser triggers on, even when the parser declines, and does not
// always join the pieces again; a Text renders its entity references on its
// own, so "&#62;" split into "&" and "#62;" would show as "&amp;#62;". Each
// child Text of parent that starts with '@' or '#' and directly continues
// the previous Text in the source (same line, no line break) is merged into
// it. Code spans keep their Texts as they are: they are line pieces.
func rejoinTexts(parent ast.Node, source []byte) {
	if parent.Kind() == ast.KindCodeSpan {
		return
	}
	c := parent.FirstChild()
	for c != nil {
		next := c.NextSibling()
		a, ok := c.(*ast.Text)
		b, okNext := next.(*ast.Text)
		if ok && okNext && !a.SoftLineBreak() && !a.HardLineBreak() && !a.IsRaw() && !b.IsRaw() &&
			a.Segment.Padding == 0 && b.Segment.Padding == 0 &&
			a.Segment.Stop == b.Segment.Start && b.Segment.Start < b.Segment.Stop &&
			b.Segment.Start < len(source) && (source[b.Segment.Start] == '@' || source[b.Segment.Start] == '#') {
			a.Segment = a.Segment.WithStop(b.Segment.Stop)
			a.SetSoftLineBreak(b.SoftLineBreak())
			a.SetHardLineBreak(b.HardLineBreak())
			parent.RemoveChild(parent, b)
			continue // a may continue into the new next sibling
		}
		c = next
	}
}
