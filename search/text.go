package search

import (
	"strings"

	"golang.org/x/net/html"
)

// PlainText is the text a reader sees in an HTML fragment (a post from
// another server, which comes as HTML only): tags dropped, entities
// decoded, a line break where a block or a <br> ends, so that words of
// two paragraphs never run together.
func PlainText(fragment string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br", "p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr":
				b.WriteByte('\n')
			}
		}
	}
}
