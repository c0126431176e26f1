package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// postOpt changes a post before write stores it.
type postOpt func(*Post)

func withVis(v Visibility) postOpt { return func(p *Post) { p.Visibility = v } }

func mentioning(us ...User) postOpt {
	return func(p *Post) {
		for _, u := range us {
			p.Mentions = append(p.Mentions, u.ID)
		}
	}
}

func tagged(tags ...string) postOpt {
	return func(p *Post) { p.Tags = append(p.Tags, tags...) }
}

func replyingTo(parent Post) postOpt { return func(p *Post) { p.InReplyTo = parent.ID } }

func saying(s string) postOpt { return func(p *Post) { p.Source, p.HTML = s, "<p>"+s+"</p>" } }

// tryWrite stores a new post by author, changed by opts, and returns it
// with the error of CreatePost.
func tryWrite(db *DB, author User, opts ...postOpt) (Post, error) {
	p := newPost(db, author)
	for _, opt := range opts {
		opt(&p)
	}
	err := db.CreatePost(&p)
	return p, err
}

// write stores a new post by author, changed by opts.
func write(t testing.TB, db *DB, author User, opts ...postOpt) Post {
	t.Helper()
	p, err := tryWrite(db, author, opts...)
	if err != nil {
		t.Fatalf("CreatePost by %s: %v", author.Username, err)
	}
	return p
}

// must stops the test when a setup step fails.
func must(t testing.TB, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}

// wantErr checks that err is target (nil for success).
func wantErr(t testing.TB, err, target error, format string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(format, args...)
	switch {
	case target == nil && err != nil:
		t.Errorf("%s: got error %v, want nil", what, err)
	case target != nil && !errors.Is(err, target):
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

func follow(t testing.TB, db *DB, follower, followee User) {
	t.Helper()
	must(t, followErr(db, follower.ID, followee.ID), "Follow(%s, %s)", follower.Username, followee.Username)
}

func block(t testing.TB, db *DB, blocker, blocked User) {
	t.Helper()
	must(t, db.Block(blocker.ID, blocked.ID), "Block(%s, %s)", blocker.Username, blocked.Username)
}

func mute(t testing.TB, db *DB, muter, muted User) {
	t.Helper()
	must(t, db.Mute(muter.ID, muted.ID), "Mute(%s, %s)", muter.Username, muted.Username)
}

// repost reposts a post as u and returns the repost's own ID (the cursor
// of its entry), read from the user_reposts index.
func repost(t testing.TB, db *DB, u User, postID ID) ID {
	t.Helper()
	orig, err := db.Repost(u.ID, postID, testURI)
	if err != nil {
		t.Fatalf("Repost(%s, %d): %v", u.Username, postID, err)
	}
	var id ID
	err = db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUserReposts).Get(pairKey(u.ID, orig.ID))
		if len(v) != 8 {
			return fmt.Errorf("user_reposts has no entry for %s and %d", u.Username, orig.ID)
		}
		id = keyID(v, 0)
		return nil
	})
	must(t, err, "find repost")
	return id
}

func testURI(id ID) string { return "http://localhost:8080/reposts/" + id.String() }

// walkEntries follows a timeline's cursors from the newest page to the end
// with pages of limit and returns every entry. Each page's cursor must move
// strictly back in time, and a full page must not promise more ("older
// posts") when there is nothing more to show.
func walkEntries(t testing.TB, get func(Page) (Timeline, error), limit int) []Entry {
	t.Helper()
	var out []Entry
	page := Page{Limit: limit}
	prevFull := false
	for range 10000 {
		tl, err := get(page)
		if err != nil {
			t.Fatalf("timeline page before %d: %v", page.Before, err)
		}
		if prevFull && len(tl.Entries) == 0 && tl.Next == 0 {
			t.Errorf("a full page had Next %d, but the page it leads to is empty: want Next 0 when nothing visible is left", page.Before)
		}
		prevFull = len(tl.Entries) == limit
		if tl.Next != 0 && !tl.NextHidden && !slices.ContainsFunc(tl.Entries, func(e Entry) bool { return e.Cursor() == tl.Next }) {
			t.Errorf("page before %d: got Next %d, the place of no entry shown, and not marked hidden", page.Before, tl.Next)
		}
		out = append(out, tl.Entries...)
		if tl.Next == 0 {
			return out
		}
		if page.Before != 0 && tl.Next >= page.Before {
			t.Fatalf("page before %d has Next %d, want an older cursor (no progress)", page.Before, tl.Next)
		}
		page.Before = tl.Next
	}
	t.Fatal("timeline does not end after 10000 pages")
	return nil
}

// ids lists the post IDs of entries, in order.
func ids(es []Entry) []ID {
	out := make([]ID, 0, len(es))
	for _, e := range es {
		out = append(out, e.Post.ID)
	}
	return out
}

func hasPost(es []Entry, id ID) bool {
	for _, e := range es {
		if e.Post.ID == id {
			return true
		}
	}
	return false
}

func hasUser(us []User, id ID) bool {
	for _, u := range us {
		if u.ID == id {
			return true
		}
	}
	return false
}

// allNotes walks every page of a user's notifications, pages of limit.
func allNotes(t testing.TB, db *DB, userID ID, limit int) []NoteEntry {
	t.Helper()
	var out []NoteEntry
	page := Page{Limit: limit}
	prevFull := false
	for range 10000 {
		np, err := db.Notifications(userID, page)
		if err != nil {
			t.Fatalf("Notifications(%d): %v", userID, err)
		}
		if prevFull && len(np.Notes) == 0 && np.Next == 0 {
			t.Errorf("a full page of notifications had Next %d, but the page it leads to is empty", page.Before)
		}
		prevFull = len(np.Notes) == limit
		out = append(out, np.Notes...)
		if np.Next == 0 {
			return out
		}
		if page.Before != 0 && np.Next >= page.Before {
			t.Fatalf("notifications page before %d has Next %d, want an older cursor", page.Before, np.Next)
		}
		page.Before = np.Next
	}
	t.Fatal("notifications do not end")
	return nil
}

// noteSummary is a notification as a test compares it.
type noteSummary struct {
	Kind  NoteKind
	Actor ID
	Post  ID
}

func summarize(ns []NoteEntry) []noteSummary {
	out := []noteSummary{}
	for _, n := range ns {
		out = append(out, noteSummary{n.Kind, n.ActorID, n.PostID})
	}
	return out
}

// keysUnder lists the keys of a bucket under prefix, straight from bbolt.
func keysUnder(t testing.TB, db *DB, bucket, prefix []byte) [][]byte {
	t.Helper()
	var out [][]byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return fmt.Errorf("bucket %s missing", bucket)
		}
		forPrefix(b, prefix, func(k, _ []byte) { out = append(out, bytes.Clone(k)) })
		return nil
	})
	must(t, err, "read bucket %s", bucket)
	return out
}

// hasKey tells whether a bucket holds key.
func hasKey(t testing.TB, db *DB, bucket, key []byte) bool {
	t.Helper()
	found := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		found = tx.Bucket(bucket).Get(key) != nil
		return nil
	})
	must(t, err, "read bucket %s", bucket)
	return found
}

// postOf reloads a post as its author sees it (for its counts).
func postOf(t testing.TB, db *DB, p Post) Post {
	t.Helper()
	e, err := db.Post(p.AuthorID, p.ID)
	must(t, err, "Post(%d)", p.ID)
	return e.Post
}
