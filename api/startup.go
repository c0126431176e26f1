package api

import "net/http"

// What apps ask for at start-up, and show an error for when it answers
// 404, though majlis has no such feature: announcements, trends, conversations (majlis's direct posts are read
// in the notifications and timelines), suggestions, scheduled posts and
// featured tags answer an honest empty list, with the scope Mastodon asks
// for each. Push has no subscription to show: "Record not found", as
// Mastodon answers a member who has none.
func (a *API) startupRoutes(mux *http.ServeMux) {
	for _, e := range []struct{ pattern, scope string }{
		{"GET /api/v1/announcements", ""},
		{"GET /api/v1/conversations", "read:statuses"},
		{"GET /api/v1/suggestions", "read"},
		{"GET /api/v2/suggestions", "read"},
		{"GET /api/v1/scheduled_statuses", "read:statuses"},
		{"GET /api/v1/featured_tags", "read:accounts"},
	} {
		mux.HandleFunc(e.pattern, a.route(UserToken, e.scope, emptyList))
	}
	for _, p := range []string{"GET /api/v1/trends", "GET /api/v1/trends/tags", "GET /api/v1/trends/statuses", "GET /api/v1/trends/links"} {
		mux.HandleFunc(p, a.route(Public, "", emptyList))
	}
	mux.HandleFunc("GET /api/v1/push/subscription", a.route(UserToken, "push", func(w http.ResponseWriter, _ *http.Request, _ *Auth) {
		notFound(w)
	}))
}
