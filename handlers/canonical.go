package handlers

import (
	"net/http"
	"net/url"
	"strings"
)

// canonicalMember answers every other spelling of a member's address with
// a permanent redirect to the canonical one, "/@Name/..." with the name as
// the member spelled it: "/@NAME", "/%40name", "/@%4Eame",
// "/users/name/...", "/@name%2Fwith_replies". robots.txt rules match one
// spelling (RFC 9309 compares paths case-sensitively and keeps an encoded
// "@" encoded), so the rules for members who refuse AI training (robots)
// hold only if crawlers are served at that one alone. Only GET and HEAD
// move (a form posts where it is), and not to the account of someone
// hidden from the viewer: that redirect would tell that it exists, where
// its pages answer 404. An ActivityPub request is not moved: the actor's
// id is /users/name, and servers fetch it there (federation.go).
func (h *Handler) canonicalMember(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !h.wantsActivity(r) {
			if to := h.canonicalMemberURI(r); to != "" {
				http.Redirect(w, r, to, http.StatusMovedPermanently)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// canonicalMemberURI is the canonical address of a request for a member's
// pages, "" when it already is one or names no member.
func (h *Handler) canonicalMemberURI(r *http.Request) string {
	u, err := url.ParseRequestURI(requestURI(r))
	if err != nil {
		return ""
	}
	var rest string
	switch {
	case strings.HasPrefix(u.Path, "/@"):
		rest = u.Path[len("/@"):]
	case strings.HasPrefix(u.Path, "/users/"):
		rest = u.Path[len("/users/"):]
	default:
		return ""
	}
	if seg, _, _ := strings.Cut(rest, "/"); strings.Contains(seg, "@") {
		return h.canonicalRemoteURI(r, u, seg, rest[len(seg):])
	}
	name := rest
	if i := strings.IndexAny(rest, "/."); i >= 0 { // "/@name/ID", "/@name.rss"
		name = rest[:i]
	}
	if !validUsername(name) {
		return ""
	}
	m, err := h.db.LocalUser(name)
	if err != nil || hiddenByModeration(r, m) != nil {
		return ""
	}
	want := (&url.URL{Path: "/@" + m.Username + rest[len(name):]}).EscapedPath()
	if want == u.EscapedPath() {
		return ""
	}
	if u.RawQuery != "" {
		want += "?" + u.RawQuery
	}
	return want
}

// canonicalRemoteURI is canonicalMemberURI for the pages of a remote
// account, "/@name@host/...", seg being "name@host" as requested and tail
// the rest of the path: the same rules, so that "/users/name@host" and
// other spellings move to the one address.
func (h *Handler) canonicalRemoteURI(r *http.Request, u *url.URL, seg, tail string) string {
	i := strings.LastIndexByte(seg, '@')
	if i <= 0 {
		return ""
	}
	m, err := h.db.RemoteUser(seg[:i], seg[i+1:])
	if err != nil || hiddenByModeration(r, m) != nil {
		return ""
	}
	want := userPath(m) + (&url.URL{Path: tail}).EscapedPath()
	if want == u.EscapedPath() {
		return ""
	}
	if u.RawQuery != "" {
		want += "?" + u.RawQuery
	}
	return want
}
