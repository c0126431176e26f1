package handlers

import (
	"net/http"

	"majlis/static"
)

// routes lists every route of the web interface in one place. Public
// profile addresses "/@name/..." reach the "/users/{name}/..." routes (see
// profilePath).
func (h *Handler) routes() {
	m := h.mux
	m.Handle("GET /static/", static.Handler())
	m.HandleFunc("GET /healthz", h.healthz)
	m.HandleFunc("GET /robots.txt", h.robots)
	m.HandleFunc("GET /.well-known/tdmrep.json", h.tdmrep)
	m.HandleFunc("GET /about/data", h.dataPolicy)

	// Federation: other servers deliver activities here (signed,
	// server to server: no session, no cross-origin check).
	inbox := h.cfg.Inbox
	if inbox == nil {
		inbox = http.NotFoundHandler()
	}
	m.Handle(sharedInboxPattern, inbox)
	m.Handle(memberInboxPattern, inbox)

	m.HandleFunc("GET /{$}", h.home)
	m.HandleFunc("GET /local", h.local)

	m.HandleFunc("GET /register", h.registerForm)
	m.HandleFunc("POST /register", h.register)
	m.HandleFunc("GET /login", h.loginForm)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.logout)
	h.twoFactorRoutes() // the login's second step and its settings (twofactor.go)
	h.moveRoutes()      // account aliases and moves (moves.go)

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
	// Search (search.go): the search box, the compose box's suggestions.
	m.HandleFunc("GET /search", h.search)
	m.HandleFunc("GET /search/suggest", h.suggest)
	m.HandleFunc("GET /bookmarks", h.requireUser(h.bookmarks))
	m.HandleFunc("GET /direct", h.requireUser(h.direct)) // flows.go
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
	m.HandleFunc("POST /users/{username}/{id}/vote", h.requireUser(h.vote))     // polls.go
	m.HandleFunc("POST /users/{username}/{id}/detach", h.requireUser(h.detach)) // quotes.go
	m.HandleFunc("GET /users/{username}/{id}/quotes", h.quotes)                 // quotes.go
	m.HandleFunc("POST /settings/quotes", h.requireUser(h.saveQuotePolicy))     // quotes.go

	// Lists, keyword filters, followed hashtags (lists.go, filters.go).
	m.HandleFunc("GET /lists", h.requireUser(h.lists))
	m.HandleFunc("POST /lists", h.requireUser(h.createList))
	m.HandleFunc("GET /lists/{id}", h.requireUser(h.list))
	m.HandleFunc("POST /lists/{id}", h.requireUser(h.updateList))
	m.HandleFunc("GET /lists/{id}/edit", h.requireUser(h.editList))
	m.HandleFunc("POST /lists/{id}/delete", h.requireUser(h.deleteList))
	m.HandleFunc("POST /lists/{id}/members/remove", h.requireUser(h.removeListMember))
	m.HandleFunc("POST /users/{username}/lists", h.requireUser(h.setProfileLists))
	m.HandleFunc("GET /filters", h.requireUser(h.filters))
	m.HandleFunc("POST /filters", h.requireUser(h.createFilter))
	m.HandleFunc("GET /filters/{id}", h.requireUser(h.editFilter))
	m.HandleFunc("POST /filters/{id}", h.requireUser(h.updateFilter))
	m.HandleFunc("POST /filters/{id}/delete", h.requireUser(h.deleteFilter))
	m.HandleFunc("POST /filters/{id}/keywords", h.requireUser(h.addFilterKeyword))
	m.HandleFunc("POST /filters/{id}/keywords/{kid}/delete", h.requireUser(h.removeFilterKeyword))
	m.HandleFunc("POST /tags/{tag}/follow", h.requireUser(h.followTag))
	m.HandleFunc("POST /tags/{tag}/unfollow", h.requireUser(h.unfollowTag))
	m.HandleFunc("GET /settings/tags", h.requireUser(h.followedTags))

	// People: notifications, profile settings, follow requests, blocks and
	// mutes (notifications.go, settings.go, relations.go).
	m.HandleFunc("GET /notifications", h.requireUser(h.notifications))
	m.HandleFunc("POST /notifications/read", h.requireUser(h.markNotificationsRead))
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

	// Images: uploads for the compose box, stored files, profile
	// pictures (media.go, settings.go). Multipart bodies of POST
	// /media/upload, /settings/images and /posts have their own cap
	// (bodyLimit).
	m.HandleFunc("POST /media/upload", h.requireUser(h.uploadMedia))
	m.HandleFunc("GET /media/{file}", h.serveMedia)
	m.HandleFunc("POST /settings/images", h.requireUser(h.saveProfileImages))

	// Administration: the About page and instance settings, registration
	// modes and invitations, password changes, reports and moderation,
	// user management and backups (about.go, auth.go, invites.go,
	// reports.go, moderation.go, admin.go). Every /admin route is behind
	// requireModerator or requireAdmin; storage.CheckModeration decides
	// each action.
	m.HandleFunc("GET /about", h.about)
	m.HandleFunc("GET /invite/{code}", h.inviteLanding)
	m.HandleFunc("GET /invites", h.requireUser(h.invites))
	m.HandleFunc("POST /invites", h.requireUser(h.createInvite))
	m.HandleFunc("POST /invites/{code}/delete", h.requireUser(h.deleteInvite))
	m.HandleFunc("GET /settings/password", h.requireUser(h.passwordForm))
	m.HandleFunc("POST /settings/password", h.requireUser(h.changePassword))
	m.HandleFunc("GET /reports", h.requireUser(h.myReports))
	m.HandleFunc("GET /users/{username}/report", h.requireUser(h.reportForm))
	m.HandleFunc("POST /users/{username}/report", h.requireUser(h.report))
	m.HandleFunc("GET /users/{username}/{id}/report", h.requireUser(h.reportForm))
	m.HandleFunc("POST /users/{username}/{id}/report", h.requireUser(h.report))
	m.HandleFunc("GET /admin", h.requireModerator(h.adminHome))
	m.HandleFunc("GET /admin/reports", h.requireModerator(h.reportQueue))
	m.HandleFunc("GET /admin/reports/{id}", h.requireModerator(h.reportDetail))
	m.HandleFunc("POST /admin/reports/{id}/resolve", h.requireModerator(h.resolveReport))
	m.HandleFunc("GET /admin/applications", h.requireModerator(h.applications))
	m.HandleFunc("POST /admin/applications/{username}/approve", h.requireModerator(h.approve))
	m.HandleFunc("POST /admin/applications/{username}/reject", h.requireModerator(h.reject))
	m.HandleFunc("GET /admin/log", h.requireModerator(h.modLog))
	m.HandleFunc("GET /admin/users", h.requireModerator(h.adminUsers))
	m.HandleFunc("GET /admin/users/{username}", h.requireModerator(h.adminUser))
	m.HandleFunc("POST /admin/users/{username}/silence", h.requireModerator(h.silenceUser))
	m.HandleFunc("POST /admin/users/{username}/unsilence", h.requireModerator(h.unsilenceUser))
	m.HandleFunc("POST /admin/users/{username}/suspend", h.requireModerator(h.suspendUser))
	m.HandleFunc("POST /admin/users/{username}/unsuspend", h.requireModerator(h.unsuspendUser))
	m.HandleFunc("POST /admin/users/{username}/role", h.requireAdmin(h.setUserRole))
	m.HandleFunc("POST /admin/users/{username}/password", h.requireAdmin(h.resetPassword))
	m.HandleFunc("GET /admin/users/{username}/delete", h.requireAdmin(h.deleteAccountForm))
	m.HandleFunc("POST /admin/users/{username}/delete", h.requireAdmin(h.deleteAccount))
	m.HandleFunc("GET /admin/settings", h.requireAdmin(h.instanceForm))
	m.HandleFunc("POST /admin/settings", h.requireAdmin(h.saveInstance))
	m.HandleFunc("GET /admin/backup", h.requireAdmin(h.backup))
	m.HandleFunc("GET /admin/emoji", h.requireAdmin(h.emojiAdmin))                 // emoji.go
	m.HandleFunc("POST /admin/emoji", h.requireAdmin(h.addEmoji))                  // emoji.go
	m.HandleFunc("POST /admin/emoji/{code}/delete", h.requireAdmin(h.deleteEmoji)) // emoji.go

	// Your data: download an archive, import one, delete the account
	// (export.go, importer.go, delete_account.go). The import's
	// multipart body has its own cap (bodyLimit).
	m.HandleFunc("GET /settings/data", h.requireUser(h.dataSettings))
	m.HandleFunc("GET /settings/data/export", h.requireUser(h.exportData))
	m.HandleFunc("POST /settings/data/import", h.requireUser(h.importData))
	m.HandleFunc("POST /settings/data/delete", h.requireUser(h.deleteOwnAccount))

	// Apps: the client API (package api, registered by Config.APIRoutes;
	// apidoor.go puts it behind CORS and its rate limit), and OAuth's
	// authorization page and the settings page of authorized apps
	// (oauth.go).
	if h.cfg.APIRoutes != nil {
		h.cfg.APIRoutes(m)
	}
	h.oauthRoutes()

	h.federationRoutes() // activitypub.go
	// Federation: remote profiles and posts go through the "/users/{username}"
	// routes above as "name@host" (profileUser, postFromPath); looking
	// people up elsewhere, "follow from your own server", the target of
	// other servers' follow links, a member's blocked domains, and the
	// administration of other servers (federation.go, admin_federation.go).
	m.HandleFunc("GET /people", h.requireUser(h.people))
	m.HandleFunc("POST /people/lookup", h.requireUser(h.lookup))
	m.HandleFunc("GET /authorize_interaction", h.requireUser(h.authorizeInteraction))
	m.HandleFunc("POST /users/{username}/remote_follow", h.remoteFollow)
	m.HandleFunc("GET /settings/domains", h.requireUser(h.domainBlocks))
	m.HandleFunc("POST /settings/domains", h.requireUser(h.blockDomain))
	m.HandleFunc("POST /settings/domains/unblock", h.requireUser(h.unblockDomain))
	m.HandleFunc("GET /admin/federation", h.requireModerator(h.adminFederation))
	m.HandleFunc("POST /admin/federation/retry", h.requireAdmin(h.retryHost))
	m.HandleFunc("GET /admin/domains", h.requireModerator(h.adminDomains))
	m.HandleFunc("POST /admin/domains", h.requireAdmin(h.saveDomainBlock))
	m.HandleFunc("POST /admin/domains/delete", h.requireAdmin(h.deleteDomainBlock))
	m.HandleFunc("POST /admin/domains/allowlist", h.requireAdmin(h.setAllowlist))

	m.HandleFunc("/", h.notFound)
}
