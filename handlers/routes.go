package handlers

import "majlis/static"

// routes lists every route of the web interface in one place. Public
// profile addresses "/@name/..." reach the "/users/{name}/..." routes (see
// profilePath).
func (h *Handler) routes() {
	m := h.mux
	m.Handle("GET /static/", static.Handler())
	m.HandleFunc("GET /healthz", h.healthz)
	m.HandleFunc("GET /robots.txt", h.robots)

	m.HandleFunc("GET /{$}", h.home)
	m.HandleFunc("GET /local", h.local)

	m.HandleFunc("GET /register", h.registerForm)
	m.HandleFunc("POST /register", h.register)
	m.HandleFunc("GET /login", h.loginForm)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.logout)

	m.HandleFunc("GET /settings", h.requireUser(h.settings))
	m.HandleFunc("POST /settings/logout-everywhere", h.requireUser(h.logoutEverywhere))

	m.HandleFunc("POST /posts", h.requireUser(h.createPost))
	m.HandleFunc("POST /posts/count", h.countChars)

	m.HandleFunc("GET /users/{username}", h.profile)
	m.HandleFunc("GET /users/{username}/followers", h.followers)
	m.HandleFunc("GET /users/{username}/following", h.following)
	m.HandleFunc("POST /users/{username}/follow", h.requireUser(h.follow))
	m.HandleFunc("POST /users/{username}/unfollow", h.requireUser(h.unfollow))
	m.HandleFunc("GET /users/{username}/{id}", h.permalink)
	m.HandleFunc("GET /users/{username}/{id}/delete", h.requireUser(h.deleteForm))
	m.HandleFunc("POST /users/{username}/{id}/delete", h.requireUser(h.deletePost))

	// Conversations: replies and threads, likes, reposts, bookmarks, pins,
	// edits, hashtags (posts.go, thread.go, interactions.go, tags.go).

	// People: notifications, profile settings, follow requests, blocks and
	// mutes (notifications.go, settings.go, relations.go).

	m.HandleFunc("/", h.notFound)
}
