package markup

import "strings"

// maxRemoteHTML bounds the remote HTML sanitized: a post of another
// server is at most a few thousand characters; anything longer is cut
// before parsing, so one hostile post cannot cost more than that.
const maxRemoteHTML = 256 << 10

// SanitizeRemote cleans HTML written by another server (a post's content,
// an account's bio) with the same allow-list as the HTML rendered here:
// what a remote post may show is exactly what a local one may. Elements
// outside the list are dropped with their text kept (Mastodon's span
// wrappers), links keep only an http, https or mailto href and get
// rel="nofollow noopener" and target="_blank".
func SanitizeRemote(html string) string {
	if len(html) > maxRemoteHTML {
		html = strings.ToValidUTF8(html[:maxRemoteHTML], "")
	}
	return SetDirections(strings.TrimSpace(policy.Sanitize(html)))
}
