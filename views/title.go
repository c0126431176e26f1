package views

import "context"

// titlePrefix is what the page's title starts with while notifications
// wait unread: "(3) ", in the interface's digits as on the badge, so a
// background tab says there is something new. The badge carries it too
// (data-title-prefix), for the script that keeps the title in step with
// the badge's polling (static/js/title.js).
func titlePrefix(ctx context.Context, b Badge) string {
	if b.Count <= 0 {
		return ""
	}
	return "(" + badgeText(ctx, b) + ") "
}

// pageTitlePrefix is the title's prefix of a page: none for a visitor.
func pageTitlePrefix(ctx context.Context, p Page) string {
	if p.Viewer == nil {
		return ""
	}
	return titlePrefix(ctx, Badge{Count: p.Viewer.Unread})
}
