package api

import (
	"net/http"

	"majlis/storage"
)

// Windows of the newest-first lists (timelines, bookmarks, notifications)
// as Mastodon's clients ask for them. Storage pages walk back from a
// cursor (Page.Before); since_id and min_id ask for what is newer than an
// ID, which this reads by walking back from the newest (or max_id) until
// it reaches that ID, within a bound.

const (
	// windowRounds bounds the storage pages read for one plain page that
	// came back short (a run of posts the viewer may not see stops a
	// storage page at its scan bound).
	windowRounds = 4
	// newerRounds bounds the storage pages (of storagePageMax) read to
	// reach a since_id or min_id: a client that was away for more than
	// that many entries gets the oldest it can reach, not the ones just
	// after its min_id.
	newerRounds    = 10
	storagePageMax = 100
)

// readFunc reads up to limit items older than before (0: the newest),
// newest first, and the cursor of the next page (0: none).
type readFunc[T any] func(before storage.ID, limit int) ([]T, storage.ID, error)

// window reads the page p asks for: items newest first, and whether
// there is more to read past the oldest one (for the "next" link). The
// cursor of a hidden post (storage's NextHidden) is never returned: the
// links are built from the items shown.
func window[T any](p paging, read readFunc[T], cursor func(T) storage.ID) ([]T, bool, error) {
	lower := max(p.SinceID, p.MinID)
	if lower == 0 {
		var out []T
		before := p.MaxID
		for round := 0; round < windowRounds; round++ {
			items, next, err := read(before, p.Limit-len(out))
			if err != nil {
				return nil, false, err
			}
			out = append(out, items...)
			if next == 0 {
				return out, false, nil
			}
			if len(out) >= p.Limit {
				return out, true, nil
			}
			before = next
		}
		return out, len(out) > 0, nil
	}
	var newer []T
	before := p.MaxID
	reached := false
	for round := 0; round < newerRounds && !reached; round++ {
		items, next, err := read(before, storagePageMax)
		if err != nil {
			return nil, false, err
		}
		for _, it := range items {
			if cursor(it) <= lower {
				reached = true
				break
			}
			newer = append(newer, it)
		}
		if next == 0 {
			reached = true
		}
		if p.MinID == 0 && len(newer) >= p.Limit {
			// since_id: the newest ones are all it takes.
			break
		}
		before = next
	}
	// Older entries than these are there (at least the one at the ID
	// asked for), so a page that shows any has a "next" link.
	if len(newer) <= p.Limit {
		return newer, len(newer) > 0, nil
	}
	if p.MinID != 0 {
		// min_id: the page just after it, the oldest of what is newer.
		return newer[len(newer)-p.Limit:], true, nil
	}
	return newer[:p.Limit], true, nil
}

// timelineRead adapts a storage timeline read to window.
func timelineRead(fn func(storage.Page) (storage.Timeline, error)) readFunc[storage.Entry] {
	return func(before storage.ID, limit int) ([]storage.Entry, storage.ID, error) {
		t, err := fn(storage.Page{Before: before, Limit: min(limit, storagePageMax)})
		return t.Entries, t.Next, err
	}
}

func entryCursor(e storage.Entry) storage.ID { return e.Cursor() }

// writeTimeline answers a page of a timeline: its statuses for the viewer
// and the Link header.
func (a *API) writeTimeline(w http.ResponseWriter, r *http.Request, viewer storage.User, p paging, fn func(storage.Page) (storage.Timeline, error)) {
	entries, more, err := window(p, timelineRead(fn), entryCursor)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	if len(entries) > 0 {
		a.setLink(w, r, entries[0].Cursor(), entries[len(entries)-1].Cursor(), more)
	}
	writeJSON(w, http.StatusOK, a.conv(viewer).statuses(entries))
}
