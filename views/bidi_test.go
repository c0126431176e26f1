package views

import (
	"context"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"majlis/i18n"
)

// TestNamesIsolatedInSentences renders, in Arabic, every translated
// sentence that carries a name or a handle, with a Latin handle: each is
// wrapped whole in a <bdi> (the handle's "@" inside it, left to right),
// so the sentence's direction cannot turn "@bob" into "bob@".
func TestNamesIsolatedInSentences(t *testing.T) {
	ar := i18n.WithLang(context.Background(), i18n.Arabic)
	bob := &UserRef{Name: "Bob", Handle: "@bob", URL: "/@bob"}
	note := func(kind string) templ.Component {
		return noteItem(Note{Key: "1", Kind: kind, Actors: []UserItem{{Name: "Bob", Handle: "@bob", URL: "/@bob"}}})
	}
	tests := []struct {
		name string
		c    templ.Component
		// want is the text of the <bdi>; ltr says it must read left to
		// right whatever the page's direction.
		want string
		ltr  bool
	}{
		{"replying to", postCard(Post{DOMID: "post-1", ReplyTo: bob}, false, false), "@bob", true},
		{"compose replying to", ComposeForm(Compose{InReplyTo: "1", ReplyingTo: "@bob"}, false), "@bob", true},
		{"reposted by", postCard(Post{DOMID: "post-1", RepostedBy: bob}, false, false), "Bob", false},
		{"moved to", movedNotice(&MovedTo{Handle: "@bob@example.org", URL: "https://example.org/@bob"}), "@bob@example.org", true},
		{"aliases intro", sentence(ar, "move.aliases_intro", "handle", "@bob@example.org"), "@bob@example.org", true},
		{"quoted post", quotedPost(QuotedPost{AuthorName: "Bob", Handle: "@bob", URL: "/@bob/1", AuthorURL: "/@bob"}), "Bob", false},
		{"follow notification", note("follow"), "Bob", false},
		{"follow request notification", note("follow_request"), "Bob", false},
		{"poll ended notification", note("poll"), "Bob", false},
		{"move notification", note("move"), "Bob", false},
		{"quote notification", note("quote"), "Bob", false},
		{"report notification", note("report"), "Bob", false},
		{"report target", ReportItems(ReportList{Items: []ReportItem{{ID: "1", Category: "spam", Target: "bob", Open: true}}}), "@bob", true},
		{"report reporter", ReportItems(ReportList{Items: []ReportItem{{ID: "1", Category: "spam", Target: "amal", Reporter: bob, Open: true}}}), "@bob", true},
		{"temporary password", sentence(ar, "admin.temp.text", "handle", "@bob"), "@bob", true},
		{"delete account", sentenceN(ar, "admin.del.after", 3, "handle", "@bob"), "@bob", true},
		{"block", sentence(ar, "block.if", "handle", "@bob"), "@bob", true},
		{"muted", sentence(ar, "profile.muted_notice", "handle", "@bob"), "@bob", true},
		{"remote follow", sentence(ar, "federation.remote_follow_title", "handle", "@bob@example.org"), "@bob@example.org", true},
		{"flash: followed", FlashMessage(Flash{Message: i18n.T(ar, "flash.followed", "name", "bob")}), "@bob", true},
		{"flash: moved", FlashMessage(Flash{Message: i18n.N(ar, "move.moved", 2, "name", "@bob@example.org")}), "@bob@example.org", true},
		{"flash: alias added", FlashMessage(Flash{Message: i18n.T(ar, "move.alias_added", "name", "bob@example.org")}), "bob@example.org", false},
		{"empty profile", timeline(Timeline{Empty: i18n.T(ar, "empty.profile", "name", "bob")}), "@bob", true},
		{"only replies", timeline(Timeline{Empty: i18n.T(ar, "flows.profile.only_replies", "name", "bob")}), "@bob", true},
		{"error page", ErrorBody(ErrorInfo{Status: 404, Message: i18n.T(ar, "error.no_user", "name", "bob")}), "@bob", true},
		{"quote refused", FlashMessage(Flash{Error: true, Message: i18n.T(ar, "quote.not_allowed", "name", "Bob")}), "Bob", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.c.Render(ar, &b); err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(strings.NewReader(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			bare := strings.TrimPrefix(tt.want, "@")
			var found bool
			var outside []string
			var walk func(n *html.Node, inBdi bool)
			walk = func(n *html.Node, inBdi bool) {
				if n.Type == html.ElementNode && n.Data == "bdi" {
					if nodeText(n) == tt.want {
						found = true
						if tt.ltr && attrOf(n, "dir") != "ltr" {
							t.Errorf("<bdi>%s</bdi> has dir=%q, want ltr", tt.want, attrOf(n, "dir"))
						}
					}
					inBdi = true
				}
				if n.Type == html.ElementNode && hasClassOf(n, "handle") {
					// A handle beside a name in a card's header is isolated
					// by the stylesheet (unicode-bidi: plaintext).
					return
				}
				if n.Type == html.TextNode && !inBdi && strings.Contains(n.Data, bare) {
					outside = append(outside, n.Data)
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c, inBdi)
				}
			}
			walk(doc, false)
			if !found {
				t.Errorf("no <bdi> holds %q in\n%s", tt.want, b.String())
			}
			if len(outside) > 0 {
				t.Errorf("%q appears outside a <bdi>: %q", bare, outside)
			}
			if strings.ContainsAny(b.String(), "\u2068\u2069\uFDD0\uFDD1") {
				t.Errorf("isolation marks or markers left in the page: %q", b.String())
			}
		})
	}
}

// TestIsolatedKeepsText: the conversion of plain-text isolation into
// elements escapes what it writes and leaves other text alone.
func TestIsolatedKeepsText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"no names here", "no names here"},
		{"<b>&", "&lt;b&gt;&amp;"},
		{"x \u200e@bob.", `x <bdi dir="ltr">@bob</bdi>.`},
		{"\u2068<i>\u2069 y", "<bdi>&lt;i&gt;</bdi> y"},
		{"open \u2068 only", "open \u2068 only"},
	} {
		var b strings.Builder
		if err := isolated(tt.in).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("isolated(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func attrOf(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasClassOf(n *html.Node, c string) bool {
	for _, f := range strings.Fields(attrOf(n, "class")) {
		if f == c {
			return true
		}
	}
	return false
}
