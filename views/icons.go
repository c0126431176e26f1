package views

import (
	"context"
	"io"

	"github.com/a-h/templ"

	"majlis/static"
)

// iconNames are the files of static/icons the views draw.
var iconNames = []string{
	"bell", "bookmark", "delete", "edit", "flag", "globe", "heart", "home", "login",
	"invite", "list", "logout", "mail", "menu", "pin", "quote", "reply", "repost", "search", "settings", "shield", "signup", "user", "users",
}

// icons holds each icon's markup, plain and mirrored, made once: a page
// draws dozens of them (the navigation, every post's actions), and
// writing a ready string costs nothing per icon.
var icons = makeIcons()

type iconKey struct {
	name   string
	mirror bool
}

func makeIcons() map[iconKey]templ.Component {
	m := make(map[iconKey]templ.Component, 2*len(iconNames))
	for _, name := range iconNames {
		for _, mirror := range []bool{false, true} {
			class := "icon icon-" + name
			if mirror {
				class += " mirror"
			}
			html := `<svg class="` + class + `" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><use href="` +
				templ.EscapeString(static.URL("icons/"+name+".svg")) + `#i"></use></svg>`
			m[iconKey{name, mirror}] = templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
				_, err := io.WriteString(w, html)
				return err
			})
		}
	}
	return m
}

// icon is one of static/icons, drawn with the text colour (the
// stylesheet's svg.icon sets stroke and fill, so a pressed action can fill
// it). It is decoration: whatever it stands for is also written beside
// it, visibly or for screen readers. mirror icons point along the line
// (reply, log out) and flip in right-to-left pages. An unknown name is a
// programming error and panics when the page is made.
func icon(name string, mirror bool) templ.Component {
	c, ok := icons[iconKey{name, mirror}]
	if !ok {
		panic("views: no icon " + name)
	}
	return c
}

// menuCurrent tells whether the current page is one of those under the
// navigation's menu, so the menu button can show it.
func menuCurrent(nav string) bool {
	switch nav {
	case "bookmarks", "lists", "direct", "invites", "people", "profile", "settings", "admin":
		return true
	}
	return false
}

// boolAttr spells a state for aria-pressed.
func boolAttr(on bool) string {
	if on {
		return "true"
	}
	return "false"
}
