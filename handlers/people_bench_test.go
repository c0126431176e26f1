package handlers_test

import (
	"testing"
)

// BenchmarkNotificationBadge answers the badge's 30-second poll for a
// member with more than 99 unread notifications (likes of 150 posts): the
// worst case, where the count stops at 100.
func BenchmarkNotificationBadge(b *testing.B) {
	bi, users := newBenchInstance(b, 2, 0)
	for range 150 {
		p := newPost(b, bi.db, users[0], "a post")
		if _, err := bi.db.Like(users[1].ID, p.ID); err != nil {
			b.Fatal(err)
		}
	}
	bi.benchPage(b, "/notifications/badge", bi.signIn(b, users[0].Username), 0)
}

// BenchmarkNotificationsPage renders the first page of notifications: 20
// likes of different posts, each with its post card (read after the first
// run, so the navigation badge is 0).
func BenchmarkNotificationsPage(b *testing.B) {
	bi, users := newBenchInstance(b, 2, 0)
	for range 45 {
		p := newPost(b, bi.db, users[0], "a post")
		if _, err := bi.db.Like(users[1].ID, p.ID); err != nil {
			b.Fatal(err)
		}
	}
	bi.benchPage(b, "/notifications", bi.signIn(b, users[0].Username), 0)
}
