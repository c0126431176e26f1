package markup

import (
	"bufio"
	"bytes"
	stdhtml "html"
	"net/url"
	"strings"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// nodeRenderer overrides goldmark's HTML rendering for every node kind whose
// default output could be unsafe or falls outside our allow-list. It is
// stateless: all decisions are derived from the node and its ancestors, so
// one instance is shared by all concurrent conversions.
//
// Kinds not registered here (document, paragraph, blockquote, lists, list
// items, text blocks, thematic break, indented code block, emphasis, code
// span, text, string) use goldmark's default renderer, which emits no
// attributes for them because the attribute syntax is not enabled.
type nodeRenderer struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (nodeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, renderHeading)
	reg.Register(ast.KindFencedCodeBlock, renderFencedCodeBlock)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlock)
	reg.Register(ast.KindRawHTML, renderRawHTML)
	reg.Register(ast.KindLink, renderLink)
	reg.Register(ast.KindAutoLink, renderAutoLink)
	reg.Register(ast.KindImage, renderImage)
	reg.Register(extast.KindStrikethrough, renderStrikethrough)
	reg.Register(kindMention, renderMention)
	reg.Register(kindHashtag, renderHashtag)
}

// renderHeading flattens headings into a paragraph of strong text, the way
// Mastodon shows them: a post is not a document and has no outline.
func renderHeading(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString("<p><strong>")
	} else {
		_, _ = w.WriteString("</strong></p>\n")
	}
	return ast.WalkContinue, nil
}

// renderFencedCodeBlock renders a fenced code block like an indented one:
// the info string (language) is dropped, there is no highlighting.
func renderFencedCodeBlock(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString("<pre><code>")
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			writeEscaped(w, seg.Value(source))
		}
	} else {
		_, _ = w.WriteString("</code></pre>\n")
	}
	return ast.WalkContinue, nil
}

// renderHTMLBlock shows a raw HTML block as what the author typed: a
// paragraph of escaped text, one line per source line.
func renderHTMLBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.HTMLBlock)
	var text []byte
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		text = append(text, seg.Value(source)...)
	}
	if n.HasClosure() {
		text = append(text, n.ClosureLine.Value(source)...)
	}
	text = bytes.TrimRight(text, " \t\n")
	if len(bytes.TrimSpace(text)) == 0 {
		return ast.WalkSkipChildren, nil
	}
	_, _ = w.WriteString("<p>")
	writeEscapedLines(w, text)
	_, _ = w.WriteString("</p>\n")
	return ast.WalkSkipChildren, nil
}

// renderRawHTML shows inline raw HTML (tags, comments, declarations) as the
// escaped text the author typed.
func renderRawHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	for i := range n.Segments.Len() {
		seg := n.Segments.At(i)
		writeEscapedLines(w, seg.Value(source))
	}
	return ast.WalkSkipChildren, nil
}

// renderLink renders a link as an anchor when its destination is an allowed
// URL and it is not nested in another anchor; otherwise only its content is
// rendered. The title is dropped.
func renderLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	href, ok := safeURL(util.URLEscape(n.Destination, true))
	if !ok || insideAnchor(n, source) {
		return ast.WalkContinue, nil
	}
	if entering {
		openAnchor(w, href)
	} else {
		_, _ = w.WriteString("</a>")
	}
	return ast.WalkContinue, nil
}

// renderAutoLink renders <scheme:...> / <user@host> autolinks and bare URLs
// found by Linkify. Disallowed schemes are shown as their text.
func renderAutoLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.AutoLink)
	label := n.Label(source)
	href, ok := autoLinkURL(n, source)
	if !ok || insideAnchor(n, source) {
		writeEscaped(w, label)
		return ast.WalkContinue, nil
	}
	openAnchor(w, href)
	writeEscaped(w, label)
	_, _ = w.WriteString("</a>")
	return ast.WalkContinue, nil
}

// renderImage never loads an image: it renders a link to the image URL whose
// text is the alt text, or the URL itself when there is no alt text. With a
// disallowed URL, or inside another link, only the text remains.
func renderImage(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.Image)
	alt := plainText(n, source)
	href, ok := safeURL(util.URLEscape(n.Destination, true))
	if len(bytes.TrimSpace(alt)) == 0 {
		if ok {
			alt = []byte(stdhtml.EscapeString(href))
		} else {
			alt = []byte(stdhtml.EscapeString(string(n.Destination)))
		}
	}
	if !ok || insideAnchor(n, source) {
		_, _ = w.Write(alt)
		return ast.WalkSkipChildren, nil
	}
	openAnchor(w, href)
	_, _ = w.Write(alt)
	_, _ = w.WriteString("</a>")
	return ast.WalkSkipChildren, nil
}

// renderStrikethrough renders GFM ~~text~~ as <del>.
func renderStrikethrough(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString("<del>")
	} else {
		_, _ = w.WriteString("</del>")
	}
	return ast.WalkContinue, nil
}

// renderMention renders a resolved mention as a local profile link, with no
// rel or target, around its text as written; an unresolved one is just its
// text.
func renderMention(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*mentionNode)
	if n.href == "" || !mentionHrefRe.MatchString(n.href) || insideAnchor(n, source) {
		return ast.WalkContinue, nil
	}
	if entering {
		openLocalAnchor(w, n.href, "mention")
	} else {
		_, _ = w.WriteString("</a>")
	}
	return ast.WalkContinue, nil
}

// renderHashtag renders a hashtag as a link to its tag page around its text
// as written, or as just its text where it is not linked.
func renderHashtag(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*hashtagNode)
	if !n.linked || insideAnchor(n, source) {
		return ast.WalkContinue, nil
	}
	if entering {
		openLocalAnchor(w, tagHref(n.key), "hashtag")
	} else {
		_, _ = w.WriteString("</a>")
	}
	return ast.WalkContinue, nil
}

// openLocalAnchor writes the start tag of a mention or hashtag link: a
// local path the renderer built itself, so no rel and no target.
func openLocalAnchor(w util.BufWriter, href, class string) {
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.WriteString(stdhtml.EscapeString(href))
	_, _ = w.WriteString(`" class="` + class + `">`)
}

// openAnchor writes the start tag of a link to an already validated href.
func openAnchor(w util.BufWriter, href string) {
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.WriteString(stdhtml.EscapeString(href))
	_, _ = w.WriteString(`" rel="` + linkRel + `" target="_blank">`)
}

// autoLinkURL returns the validated href of an autolink.
func autoLinkURL(n *ast.AutoLink, source []byte) (string, bool) {
	u := util.URLEscape(n.URL(source), false)
	if n.AutoLinkType == ast.AutoLinkEmail && !bytes.HasPrefix(bytes.ToLower(u), []byte("mailto:")) {
		u = append([]byte("mailto:"), u...)
	}
	return safeURL(u)
}

// insideAnchor reports whether an ancestor of n is rendered as an anchor, in
// which case n must not open another one (HTML forbids nested anchors).
// Images render their content as plain text, so nothing inside an image ever
// becomes a link either.
func insideAnchor(n ast.Node, source []byte) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		switch p := p.(type) {
		case *ast.Image:
			return true
		case *ast.Link:
			if _, ok := safeURL(util.URLEscape(p.Destination, true)); ok {
				return true
			}
		case *ast.AutoLink:
			return true
		}
	}
	return false
}

// safeURL validates an already URL-escaped link destination. Only absolute
// http and https URLs with a host, and mailto URLs with an address, are
// allowed; everything else (other schemes, relative URLs, unparseable input)
// is refused, so author-written relative links such as [x](/tags/a) or
// [x](/@amal) keep only their text (the renderer's own mention and hashtag
// links do not pass through here). The returned href is the canonical form
// produced by net/url, which is also what the sanitizer would produce, so the
// sanitizer leaves it unchanged.
//
// Obfuscated schemes are refused naturally: entity references were already
// decoded by goldmark, url.Parse lowercases the scheme, and control
// characters or whitespace were percent-encoded by util.URLEscape, which
// makes the scheme invalid.
func safeURL(escaped []byte) (string, bool) {
	raw := string(escaped)
	if raw == "" || strings.ContainsAny(raw, " \t\n\r\f\v\x00") {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" || u.Opaque != "" {
			return "", false
		}
	case "mailto":
		if u.Opaque == "" {
			return "", false
		}
	default:
		return "", false
	}
	href := u.String()
	// The canonical form must be stable and keep its scheme; anything
	// that does not round-trip is refused rather than trusted.
	v, err := url.Parse(href)
	if err != nil || v.Scheme != u.Scheme || v.String() != href {
		return "", false
	}
	return href, true
}

// plainText returns the escaped text content of n's descendants, without
// any markup: used for image alt text.
func plainText(n ast.Node, source []byte) []byte {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	writePlain(w, n, source)
	_ = w.Flush()
	return buf.Bytes()
}

func writePlain(w util.BufWriter, n ast.Node, source []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			if c.IsRaw() {
				html.DefaultWriter.RawWrite(w, c.Value(source))
			} else {
				html.DefaultWriter.Write(w, c.Value(source))
			}
			if c.SoftLineBreak() || c.HardLineBreak() {
				_ = w.WriteByte(' ')
			}
		case *ast.String:
			if c.IsRaw() || c.IsCode() {
				html.DefaultWriter.RawWrite(w, c.Value)
			} else {
				html.DefaultWriter.Write(w, c.Value)
			}
		case *ast.AutoLink:
			writeEscaped(w, c.Label(source))
		case *ast.RawHTML:
			for i := range c.Segments.Len() {
				seg := c.Segments.At(i)
				writeEscaped(w, seg.Value(source))
			}
		default:
			writePlain(w, c, source)
		}
	}
}

// writeEscaped writes b as HTML text, escaping &, <, >, " and '.
func writeEscaped(w util.BufWriter, b []byte) {
	_, _ = w.WriteString(stdhtml.EscapeString(string(b)))
}

// writeEscapedLines writes b as escaped HTML text with every newline turned
// into a line break, matching the hard-wrap rendering of ordinary text.
func writeEscapedLines(w util.BufWriter, b []byte) {
	s := stdhtml.EscapeString(string(b))
	_, _ = w.WriteString(strings.ReplaceAll(s, "\n", "<br>\n"))
}
