// Package social is the one door of every member action: publish, reply,
// edit, delete, like, repost, bookmark, pin, follow, accept and reject a
// follower, block, mute, report, change the profile, delete the account.
//
// The web pages (package handlers), the client API and the federation
// inbox are front doors: each parses its protocol, calls one action here
// and renders its protocol's answer. The rules live here only: what is
// valid, how Markdown is rendered and mentions resolved, who may see or
// answer what, what is refused and why. An action calls storage once, so
// one member action is one bbolt transaction, and records there, in the
// same transaction, the activities other servers must receive.
//
// The package knows nothing of HTTP, HTML pages or JSON shapes. A refusal
// is an *Error whose Kind a front door maps to its own status (400, 403,
// 404, 409, 413) and whose Message, in the language of the action's
// context, can be shown as it is.
package social
