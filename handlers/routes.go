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
	m.HandleFunc("GET /tags/{tag}", h.tag)
	m.HandleFunc("GET /bookmarks", h.requireUser(h.bookmarks))
	m.HandleFunc("GET /users/{username}/with_replies", h.profileWithReplies)
	m.HandleFunc("GET /users/{username}/{id}/edit", h.requireUser(h.editForm))
	m.HandleFunc("POST /users/{username}/{id}/edit", h.requireUser(h.editPost))
	m.HandleFunc("GET /users/{username}/{id}/likes", h.likers)
	m.HandleFunc("GET /users/{username}/{id}/reposts", h.reposters)
	m.HandleFunc("POST /users/{username}/{id}/like", h.requireUser(h.like))
	m.HandleFunc("POST /users/{username}/{id}/unlike", h.requireUser(h.unlike))
	m.HandleFunc("POST /users/{username}/{id}/repost", h.requireUser(h.repost))
	m.HandleFunc("POST /users/{username}/{id}/unrepost", h.requireUser(h.unrepost))
	m.HandleFunc("POST /users/{username}/{id}/bookmark", h.requireUser(h.bookmark))
	m.HandleFunc("POST /users/{username}/{id}/unbookmark", h.requireUser(h.unbookmark))
	m.HandleFunc("POST /users/{username}/{id}/pin", h.requireUser(h.pin))
	m.HandleFunc("POST /users/{username}/{id}/unpin", h.requireUser(h.unpin))

	// People: notifications, profile settings, follow requests, blocks and
	// mutes (notifications.go, settings.go, relations.go).
	m.HandleFunc("GET /notifications", h.requireUser(h.notifications))
	m.HandleFunc("GET /notifications/badge", h.notificationBadge)
	m.HandleFunc("POST /settings", h.requireUser(h.saveSettings))
	m.HandleFunc("GET /settings/account", h.requireUser(h.account))
	m.HandleFunc("GET /settings/requests", h.requireUser(h.followRequests))
	m.HandleFunc("POST /settings/requests/{username}/accept", h.requireUser(h.acceptRequest))
	m.HandleFunc("POST /settings/requests/{username}/reject", h.requireUser(h.rejectRequest))
	m.HandleFunc("GET /settings/blocks", h.requireUser(h.blockedList))
	m.HandleFunc("GET /settings/mutes", h.requireUser(h.mutedList))
	m.HandleFunc("GET /users/{username}/block", h.requireUser(h.blockForm))
	m.HandleFunc("POST /users/{username}/block", h.requireUser(h.block))
	m.HandleFunc("POST /users/{username}/unblock", h.requireUser(h.unblock))
	m.HandleFunc("POST /users/{username}/mute", h.requireUser(h.mute))
	m.HandleFunc("POST /users/{username}/unmute", h.requireUser(h.unmute))

	m.HandleFunc("/", h.notFound)
}
