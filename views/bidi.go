package views

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"majlis/i18n"
)

// A name or a handle inside a translated sentence is isolated in a <bdi>,
// so the sentence's direction does not reorder it: in Arabic, "@bob"
// would otherwise show as "bob@" and a Latin name at the end of a
// sentence would take the full stop with it. The catalogs write such
// arguments as {handle} (or ‎@{name} in messages that end up as plain
// text, with the marks that isolate them there); in a page they become
// elements instead of invisible marks.

// Argument values are replaced for the lookup by markers made of Unicode
// noncharacters, which no catalog text contains, and the markers are then
// replaced by the isolated, escaped values.
const (
	markOpen  = "\uFDD0"
	markClose = "\uFDD1"
)

// sentence is i18n.T with each argument isolated in a <bdi>. args are
// name/value pairs, as for i18n.T.
func sentence(ctx context.Context, key string, args ...string) templ.Component {
	marked, values := markArgs(args)
	return bidiText(i18n.T(ctx, key, marked...), values)
}

// sentenceN is sentence for a counted message (i18n.N).
func sentenceN(ctx context.Context, key string, n int, args ...string) templ.Component {
	marked, values := markArgs(args)
	return bidiText(i18n.N(ctx, key, n, marked...), values)
}

func markArgs(args []string) ([]any, []string) {
	marked := make([]any, 0, len(args))
	var values []string
	for i := 0; i+1 < len(args); i += 2 {
		marked = append(marked, args[i], markOpen+strconv.Itoa(len(values))+markClose)
		values = append(values, args[i+1])
	}
	return marked, values
}

// bidiText writes text, escaped, with each marker replaced by its value
// in a <bdi>. A handle's "@" written before the placeholder goes inside
// with it, and the marks the catalog put around the placeholder for plain
// text are dropped: the element isolates instead. A handle reads left to
// right whatever the page's direction; any other value takes its own.
func bidiText(text string, values []string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var b strings.Builder
		for {
			open := strings.Index(text, markOpen)
			if open < 0 {
				break
			}
			end := strings.Index(text[open:], markClose)
			if end < 0 {
				break
			}
			i, err := strconv.Atoi(text[open+len(markOpen) : open+end])
			if err != nil || i < 0 || i >= len(values) {
				break
			}
			before := strings.TrimRight(text[:open], "\u200e\u200f\u2066\u2067\u2068")
			v := values[i]
			if strings.HasSuffix(before, "@") && !strings.HasPrefix(v, "@") {
				before = strings.TrimRight(strings.TrimSuffix(before, "@"), "\u200e\u200f")
				v = "@" + v
			}
			b.WriteString(templ.EscapeString(before))
			writeIsolated(&b, v)
			text = strings.TrimPrefix(text[open+end+len(markClose):], "\u2069")
		}
		b.WriteString(templ.EscapeString(text))
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// isolatedHandle is a handle after a left-to-right mark, as the catalogs
// write ‎@{name} in messages made as plain text (flash messages, errors,
// empty timelines): "‎@bob", "‎@bob@example.org".
var isolatedHandle = regexp.MustCompile(`\x{200e}@[A-Za-z0-9_]+(?:[.\-][A-Za-z0-9_]+)*(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?`)

// isolated writes a message made as plain text, escaped, with what its
// catalog isolated for plain text (a handle after a left-to-right mark,
// or anything between first-strong-isolate and pop-directional-isolate)
// in a <bdi> instead, as sentence does.
func isolated(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		if !strings.ContainsAny(s, "\u200e\u2068") {
			_, err := io.WriteString(w, templ.EscapeString(s))
			return err
		}
		var b strings.Builder
		for s != "" {
			fsi := strings.Index(s, "\u2068")
			pdi := -1
			if fsi >= 0 {
				if j := strings.Index(s[fsi:], "\u2069"); j >= 0 {
					pdi = fsi + j
				}
			}
			h := isolatedHandle.FindStringIndex(s)
			switch {
			case h != nil && (pdi < 0 || h[0] < fsi):
				b.WriteString(templ.EscapeString(s[:h[0]]))
				writeIsolated(&b, s[h[0]+len("\u200e"):h[1]]) // a handle: left to right
				s = s[h[1]:]
			case pdi >= 0:
				inner := s[fsi+len("\u2068") : pdi]
				b.WriteString(templ.EscapeString(s[:fsi]))
				writeIsolated(&b, inner)
				s = s[pdi+len("\u2069"):]
			default:
				b.WriteString(templ.EscapeString(s))
				s = ""
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// writeIsolated writes v, escaped, in its own <bdi>: a handle ("@name")
// always left to right, a name in the direction of its own letters.
func writeIsolated(b *strings.Builder, v string) {
	if strings.HasPrefix(v, "@") {
		b.WriteString(`<bdi dir="ltr">`)
	} else {
		b.WriteString(`<bdi>`)
	}
	b.WriteString(templ.EscapeString(v))
	b.WriteString(`</bdi>`)
}
