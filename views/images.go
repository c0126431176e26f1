package views

import (
	"context"

	"github.com/a-h/templ"

	"majlis/i18n"
)

// altScriptText is the text static/js/alt.js writes when it shows a field
// for each image chosen, in the page's language: the label and reminder
// with "{n}" for the image's number.
func altScriptText(ctx context.Context) templ.Attributes {
	return templ.Attributes{
		"data-alt-label":       i18n.T(ctx, "image.description_of", "n", "{n}"),
		"data-alt-placeholder": i18n.T(ctx, "image.alt_placeholder"),
		"data-alt-reminder":    i18n.T(ctx, "image.alt_reminder"),
		"data-alt-preview":     i18n.T(ctx, "image.n", "n", "{n}"),
	}
}
