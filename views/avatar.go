package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// letterAvatar is the avatar of an account without a picture: its initial
// on its colour. Written out rather than through templ's class list,
// which cost a third of a post header rendered afresh; people lists
// render every avatar afresh.
func letterAvatar(initial string, hue int, large bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		size := ""
		if large {
			size = " large"
		}
		_, err := io.WriteString(w, `<span class="avatar hue-`+itoa(hue)+size+`" aria-hidden="true">`+templ.EscapeString(initial)+`</span>`)
		return err
	})
}
