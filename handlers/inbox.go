package handlers

import "strings"

// The federation inbox's routes: the handler itself is federation's
// (Config.Inbox); the web door only gives it its addresses, its body cap
// and a pass through the cross-origin check.
const (
	sharedInboxPattern = "POST /inbox"
	memberInboxPattern = "POST /users/{username}/inbox"
	// inboxBodyLimit is one activity: the inbox refuses more itself (413).
	inboxBodyLimit = 1<<20 + 1
)

// isInboxPath tells whether a path is the shared inbox or a member's.
func isInboxPath(p string) bool {
	if p == "/inbox" {
		return true
	}
	rest, ok := strings.CutPrefix(p, "/users/")
	if !ok {
		rest, ok = strings.CutPrefix(p, "/@")
	}
	name, tail, _ := strings.Cut(rest, "/")
	return ok && name != "" && tail == "inbox"
}
