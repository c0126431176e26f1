package views

import (
	"context"

	"majlis/i18n"
)

// staffNoteVerb is what the actor of a report or application notification
// did.
func staffNoteVerb(ctx context.Context, kind string) string {
	if kind == "report" {
		return i18n.T(ctx, "flows.note.report")
	}
	return i18n.T(ctx, "flows.note.application")
}

// noteLinkLabel names the link of a staff notification.
func noteLinkLabel(ctx context.Context, kind string) string {
	if kind == "report" {
		return i18n.T(ctx, "flows.note.report_link")
	}
	return i18n.T(ctx, "flows.note.application_link")
}

// inviteState names an invitation that can no longer be used.
func inviteState(ctx context.Context, state string) string {
	switch state {
	case "expired":
		return i18n.T(ctx, "flows.invite.expired")
	case "used up":
		return i18n.T(ctx, "flows.invite.used_up")
	}
	return state
}

// ResolutionText is how a resolved report reads, in the reader's
// language: one sentence that says what was decided, with no second
// "resolved" in front of it.
func ResolutionText(ctx context.Context, action string) string {
	switch action {
	case "dismiss":
		return i18n.T(ctx, "flows.resolution.dismiss")
	case "delete_post":
		return i18n.T(ctx, "flows.resolution.delete_post")
	case "silence":
		return i18n.T(ctx, "flows.resolution.silence")
	case "suspend":
		return i18n.T(ctx, "flows.resolution.suspend")
	}
	return i18n.T(ctx, "flows.resolution.other")
}

// ModActionText is what a moderator did, as a line of the moderation log
// reads it ("Amal suspended bilal"), in the reader's language.
func ModActionText(ctx context.Context, kind string) string {
	switch kind {
	case "approve", "reject", "silence", "unsilence", "suspend", "unsuspend", "role",
		"reset_password", "delete_account", "delete_post", "dismiss", "settings",
		"domain_block", "domain_unblock", "federation_mode":
		return i18n.T(ctx, "flows.modlog."+kind)
	}
	return kind
}
