package api

import (
	"strings"
)

// Stand-ins for two helpers the accounts endpoints define the same way
// (viewerOf in accounts.go, absoluteLinks in convert.go), so that these
// endpoints build before that merge. Delete this file on it.

// absoluteLinks makes the instance-relative links of rendered HTML
// (mentions "/@name", hashtags "/tags/x") absolute: an app shows it away
// from the site.
func (a *API) absoluteLinks(h string) string {
	return strings.ReplaceAll(h, `href="/`, `href="`+a.cfg.BaseURL+`/`)
}
