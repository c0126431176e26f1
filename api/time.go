package api

import "time"

// apiTime formats a time as Mastodon does: ISO 8601, UTC, milliseconds.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
