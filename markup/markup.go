// Package markup turns the Markdown source of a post into safe HTML.
//
// Rendering happens once, when a post is saved; the resulting HTML is stored
// beside the source and embedded in pages as-is. Safety therefore rests on two
// walls:
//
//  1. A goldmark renderer (see renderer.go) that only ever emits a small,
//     fixed set of elements and attributes: raw HTML in the source is shown
//     as escaped text, images become plain links, and links whose URL is not
//     http, https or mailto are reduced to their text. The only relative
//     links are the renderer's own mention and hashtag links, of the exact
//     shapes /@USERNAME and /tags/KEY; relative links written by the author
//     are reduced to their text like any other disallowed URL.
//  2. A strict bluemonday allow-list policy applied to the renderer's output,
//     allowing exactly what the renderer produces.
//
// Supported syntax: paragraphs with hard wraps (a single newline is a line
// break, as on Mastodon), emphasis, strong, GFM strikethrough, inline code,
// fenced and indented code blocks (no highlighting, no language class),
// block quotes, ordered and unordered lists, thematic breaks, links,
// autolinks and bare http/https/www URLs, @mentions of existing accounts and
// #hashtags (see social.go and RenderPost). Headings are flattened to a bold
// paragraph. GFM strikethrough accepts ~one~ or ~~two~~ tildes. Tables, task
// lists, footnotes and attribute syntax are not enabled.
//
// Rendering has budgets (see budget.go): block quotes and lists nested too
// deeply, and too many inline marks in one paragraph, are shown as text;
// input whose syntax tree is still nested deeper than maxDepth levels, or
// that is longer than maxSource bytes, is rendered as plain escaped
// paragraphs instead. Time and memory stay proportional to the length of
// the source, and the output never nests deeply enough to trip HTML
// parsers.
package markup

import (
	"bytes"
	stdhtml "html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linkRel is the rel attribute value put on every link.
const linkRel = "nofollow noopener ugc"

// md is the compiled Markdown converter. It is built once at init and never
// mutated afterwards; goldmark converters are safe for concurrent use.
var md = goldmark.New(
	goldmark.WithParser(newParser()),
	goldmark.WithExtensions(
		extension.NewLinkify(
			extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}),
		),
	),
	goldmark.WithRendererOptions(
		html.WithHardWraps(),
		// Our node renderer overrides the default HTML renderer (priority
		// 1000) for the kinds it registers, strikethrough included; lower
		// priority values win.
		renderer.WithNodeRenderers(util.Prioritized(nodeRenderer{}, 100)),
	),
)

// policy is the sanitizer applied to every rendered post: an allow-list of
// exactly the elements and attributes the renderer produces. It is built
// once at init and never mutated afterwards; bluemonday policies are safe for
// concurrent use once built.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(
		"p", "br", "hr",
		"em", "strong", "del", "code", "pre",
		"blockquote", "ul", "ol", "li",
	)
	// Each block carries its own direction (direction.go).
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`^(ltr|rtl)$`)).OnElements("p", "li", "ul", "ol", "blockquote")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	// Relative URLs must be allowed for mention and hashtag links, so the
	// href pattern admits only absolute http, https and mailto URLs (which
	// AllowURLSchemes and RequireParseableURLs then check) and exactly the
	// two local shapes the renderer generates.
	p.AllowAttrs("href").Matching(hrefRe).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(mention|hashtag)$`)).OnElements("a")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + linkRel + `$`)).OnElements("a")
	p.AllowAttrs("target").Matching(regexp.MustCompile(`^_blank$`)).OnElements("a")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("http", "https", "mailto")
	// Belt and braces: if an external link ever reached the sanitizer
	// without our rel and target, these add rel="nofollow noopener" and
	// target="_blank". Only links with a host are affected: local mention
	// and hashtag links stay without rel and target.
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// hrefRe is the sanitizer's pattern for hrefs: an http, https or mailto
// URL, a profile path /@USERNAME (or /@USERNAME@HOST, a remote account's
// page here) or a tag path /tags/KEY, KEY being a path-escaped tag
// (unreserved characters and percent-escapes only).
var hrefRe = regexp.MustCompile(`^(?:(?:https?|mailto):|/@[A-Za-z0-9_]{1,30}(?:@` + hostPattern + `)?$|/tags/(?:[A-Za-z0-9_.~-]|%[0-9A-F]{2})+$)`)

// Render converts post Markdown to sanitized HTML that is safe to embed in a
// page. It is RenderPost(src, Options{}).HTML: hashtags are linked, mentions
// are not (there is no resolver to tell which accounts exist).
//
// Line endings are normalised ("\r\n" and "\r" become "\n") and NUL bytes are
// replaced by U+FFFD before parsing. Empty or whitespace-only source renders
// to "" with no error. The output carries no trailing newline. Render is
// deterministic, and its output is a fixed point of the sanitizer.
func Render(src string) (string, error) {
	res, err := render(src, Options{})
	return res.HTML, err
}

// render implements Render and RenderPost.
func render(src string, opt Options) (Result, error) {
	if strings.TrimSpace(src) == "" {
		return Result{}, nil
	}
	src = normalise(src)
	var res Result
	var buf bytes.Buffer
	if len(src) > maxSource {
		writePlainParagraphs(&buf, src)
		return sanitize(res, &buf), nil
	}
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source), parser.WithContext(parseContext(opt)))
	buf.Grow(len(source) * 2)
	if deeperThan(doc, maxDepth) {
		writePlainParagraphs(&buf, src)
		return sanitize(res, &buf), nil
	}
	res.Mentions, res.Tags = collect(doc, source)
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		return Result{}, err
	}
	if buf.Len() > maxOutputFactor*len(source)+outputSlack {
		res = Result{}
		buf.Reset()
		writePlainParagraphs(&buf, src)
	}
	return sanitize(res, &buf), nil
}

// sanitize sets res.HTML to the sanitized HTML in buf.
func sanitize(res Result, buf *bytes.Buffer) Result {
	out := policy.SanitizeBytes(buf.Bytes())
	res.HTML = SetDirections(strings.Trim(string(out), " \t\n"))
	return res
}

// maxDepth bounds the nesting of the Markdown syntax tree that Render turns
// into markup. Real posts nest a handful of levels; pathological input such
// as a thousand asterisks would otherwise produce hundreds of nested
// elements, which HTML parsers refuse or flatten (golang.org/x/net/html and
// Blink stop at 512). Each tree level yields at most two elements, so the
// output stays far below that. Block quotes and lists nest at most
// maxBlockDepth deep (see budget.go), which takes at most 2*maxBlockDepth+1
// levels and leaves room for inline markup inside them.
const maxDepth = 48

// writePlainParagraphs renders src without any Markdown: the fallback for
// input beyond a budget (nested too deeply, too long). Blank lines separate paragraphs, single newlines
// are line breaks, and everything is escaped text, so no content is lost.
func writePlainParagraphs(buf *bytes.Buffer, src string) {
	for para := range strings.SplitSeq(src, "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		buf.WriteString("<p>")
		buf.WriteString(strings.ReplaceAll(stdhtml.EscapeString(para), "\n", "<br>\n"))
		buf.WriteString("</p>\n")
	}
}

// normalise prepares source for the Markdown parser: CRLF and lone CR become
// LF, NUL becomes U+FFFD (as CommonMark requires).
func normalise(src string) string {
	if strings.ContainsAny(src, "\r\x00") {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
		src = strings.ReplaceAll(src, "\x00", "\uFFFD")
	}
	return src
}

// Length counts the characters of a post source as a person would: Unicode
// code points (utf8.RuneCountInString) after normalising "\r\n" to "\n".
//
// It counts code points, not grapheme clusters: a letter followed by a
// combining mark counts 2, an emoji that is a single code point counts 1, and
// multi-code-point emoji (skin tones, ZWJ sequences, flags) count each of
// their code points. Each byte of invalid UTF-8 counts 1.
func Length(src string) int {
	return utf8.RuneCountInString(strings.ReplaceAll(src, "\r\n", "\n"))
}
