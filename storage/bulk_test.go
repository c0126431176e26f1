package storage

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bulkPlan is a small generated instance: users, posts (replies among
// them), follows, likes, reposts and bookmarks, with the IDs of users and
// posts chosen up front so that the same data can go through the normal
// write paths and through Bulk. Reposts get their IDs from Repost: the
// normal writes make them, and Bulk stores the same records.
type bulkPlan struct {
	users     []User
	posts     []Post // ascending IDs
	follows   [][2]int
	likes     [][2]int // user, post
	reposts   [][2]int // user, post
	bookmarks [][2]int // user, post
	// Likes and bookmarks made through a repost: user, index in reposts.
	likesVia, marksVia [][2]int
	at                 time.Time // when every follow, repost and bookmark happened
}

// Indexes of posts the plan gives a role.
const (
	// planShared is a post with replies, likes, reposts and bookmarks.
	planShared = 4
	// planFollowers is alice's followers-only post, answered and liked by
	// followers; planFollowersReply is Bob's reply to it.
	planFollowers      = 250
	planFollowersReply = 251
)

func newBulkPlan() bulkPlan {
	var g IDGenerator
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	p := bulkPlan{at: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	names := []string{"alice", "Bob", "carol", "dave", "erin", "zed"}
	for i, name := range names {
		u := User{
			ID:       g.Next(start.Add(time.Duration(i) * time.Minute)),
			Username: name,
			URI:      "http://localhost:8080/users/" + name,
		}
		if name == "zed" {
			// A remote account: its posts stay off the local timeline.
			u.Domain = "remote.example"
			u.URI = "https://remote.example/users/zed"
		}
		if i == 0 {
			u.Role = RoleAdmin
		}
		p.users = append(p.users, u)
	}
	t := start.Add(time.Hour)
	for i := range 300 {
		// Skewed authors: alice writes half, the others share the rest.
		ai := 0
		if i%2 == 1 {
			ai = 1 + (i/2)%(len(names)-1)
		}
		if i%7 == 0 {
			t = t.Add(time.Minute)
		} // else: the same millisecond, so IDs differ only in sequence
		a := p.users[ai]
		id := g.Next(t)
		post := Post{
			ID:         id,
			AuthorID:   a.ID,
			URI:        fmt.Sprintf("http://localhost:8080/@%s/%s", a.Username, id),
			Source:     fmt.Sprintf("post %d by **%s**", i, a.Username),
			HTML:       fmt.Sprintf("<p>post %d by <strong>%s</strong></p>", i, a.Username),
			Visibility: Public,
			Local:      a.Domain == "",
			CreatedAt:  id.Time(),
		}
		if i%5 == 0 {
			post.Tags = []string{"go", "majlis"}
		}
		if i%11 == 0 {
			post.Mentions = []ID{p.users[(ai+1)%len(names)].ID}
		}
		// Replies: every sixth post from the 15th, to a post eleven
		// before (a top-level post or a reply), and every twelfth to
		// the reply six before: conversations two and three deep. The
		// latter have no replies of their own, so some of them may have
		// visibilities that do not count in their parent's replies.
		switch {
		case i >= 15 && i%12 == 3:
			post.InReplyTo = p.posts[i-11].ID
		case i >= 15 && i%12 == 9:
			post.InReplyTo = p.posts[i-6].ID
			switch i % 36 {
			case 9:
				post.Visibility = Unlisted
			case 21:
				post.Visibility = FollowersOnly
			case 33:
				post.Visibility = Direct
				post.Mentions = []ID{p.posts[i-6].AuthorID}
			}
		}
		switch i {
		case planFollowers:
			post.Visibility = FollowersOnly
		case planFollowersReply:
			post.InReplyTo = p.posts[planFollowers].ID
		}
		p.posts = append(p.posts, post)
	}
	// Grouped by follower, followees ascending, as the seeder writes them.
	p.follows = [][2]int{{0, 1}, {0, 2}, {0, 5}, {1, 0}, {1, 2}, {1, 3}, {1, 4}, {2, 0}, {3, 0}, {3, 1}, {4, 0}}
	open := func(j int) bool { return p.posts[j].Visibility.Repostable() }
	for j := 0; j < len(p.posts); j += 7 {
		for k := range names {
			if (j+k)%3 == 0 && open(j) {
				p.likes = append(p.likes, [2]int{k, j}) // some are the author's own
			}
		}
	}
	for j := 4; j < len(p.posts); j += 10 {
		if open(j) {
			p.reposts = append(p.reposts, [2]int{(j / 10) % len(names), j})
		}
	}
	for j := 1; j < len(p.posts); j += 13 {
		if open(j) {
			p.bookmarks = append(p.bookmarks, [2]int{j % len(names), j})
		}
	}
	p.likes = append(p.likes, [2]int{1, planShared}, [2]int{2, planShared}, [2]int{4, planFollowers})
	p.reposts = append(p.reposts, [2]int{3, planShared}, [2]int{2, 15}) // 15 is a reply
	p.bookmarks = append(p.bookmarks, [2]int{2, planShared}, [2]int{2, planFollowers})
	// Through dave's repost of the shared post, and zed's of post 54.
	p.likesVia = [][2]int{{4, len(p.reposts) - 2}, {2, 5}}
	p.marksVia = [][2]int{{4, len(p.reposts) - 2}}
	return p
}

// depth is how many replies up a post's conversation starts.
func (p bulkPlan) depth(i int) int {
	d := 0
	for id := p.posts[i].InReplyTo; id != 0; d++ {
		j, _ := slices.BinarySearchFunc(p.posts, id, func(q Post, id ID) int { return cmp.Compare(q.ID, id) })
		id = p.posts[j].InReplyTo
	}
	return d
}

func (p bulkPlan) user(i int) ID { return p.users[i].ID }
func (p bulkPlan) post(i int) ID { return p.posts[i].ID }

// writeNormal stores the plan through CreateUser, Follow, CreatePost,
// Like, Repost and Bookmark, and returns the reposts as Repost made them.
func (p bulkPlan) writeNormal(t *testing.T, db *DB) []Post {
	t.Helper()
	for _, u := range p.users {
		if err := db.CreateUser(&u); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.Username, err)
		}
	}
	for _, f := range p.follows {
		if err := followErr(db, p.user(f[0]), p.user(f[1])); err != nil {
			t.Fatalf("Follow: %v", err)
		}
	}
	// A wave per depth: a reply needs its parent stored first.
	for d := 0; ; d++ {
		var wave []Post
		for i, post := range p.posts {
			if p.depth(i) == d {
				wave = append(wave, post)
			}
		}
		if len(wave) == 0 {
			break
		}
		storePosts(t, db, wave)
	}
	for _, l := range p.likes {
		if _, err := db.Like(p.user(l[0]), p.post(l[1])); err != nil {
			t.Fatalf("Like(%d, %d): %v", l[0], l[1], err)
		}
	}
	var reposts []Post
	for _, r := range p.reposts {
		u := p.users[r[0]]
		orig, err := db.Repost(u.ID, p.post(r[1]), func(id ID) string { return fmt.Sprintf("http://localhost:8080/@%s/%s", u.Username, id) })
		if err != nil {
			t.Fatalf("Repost(%d, %d): %v", r[0], r[1], err)
		}
		var rp Post
		err = db.bolt.View(func(tx *bolt.Tx) (err error) {
			rp, err = getPost(tx, keyID(tx.Bucket(bucketUserReposts).Get(pairKey(u.ID, orig.ID)), 0))
			return err
		})
		if err != nil {
			t.Fatalf("the repost of %d by %d: %v", r[1], r[0], err)
		}
		reposts = append(reposts, rp)
	}
	for _, l := range p.likesVia {
		if _, err := db.Like(p.user(l[0]), reposts[l[1]].ID); err != nil {
			t.Fatalf("Like(%d, repost %d): %v", l[0], l[1], err)
		}
	}
	for _, m := range p.bookmarks {
		if err := db.Bookmark(p.user(m[0]), p.post(m[1])); err != nil {
			t.Fatalf("Bookmark(%d, %d): %v", m[0], m[1], err)
		}
	}
	for _, m := range p.marksVia {
		if err := db.Bookmark(p.user(m[0]), reposts[m[1]].ID); err != nil {
			t.Fatalf("Bookmark(%d, repost %d): %v", m[0], m[1], err)
		}
	}
	return reposts
}

// writeBulk stores the plan with Bulk, in several transactions: users; the
// first half of the posts with some of their likes and bookmarks; the
// follows (which the followers-only post in the second half needs); the
// rest of the posts, likes (of posts stored in this transaction and of
// older ones), the reposts as the normal writes made them, and the
// bookmarks.
func (p bulkPlan) writeBulk(t *testing.T, db *DB, reposts []Post) {
	t.Helper()
	half := len(p.posts) / 2
	early := func(i int, pair [2]int) bool { return pair[1] < half && i%2 == 0 }
	steps := []func(b *BulkWriter) error{
		func(b *BulkWriter) error {
			for _, u := range p.users {
				if err := b.PutUser(u); err != nil {
					return err
				}
			}
			return nil
		},
		func(b *BulkWriter) error {
			for _, post := range p.posts[:half] {
				if err := b.PutPost(post); err != nil {
					return err
				}
			}
			for i, l := range p.likes {
				if early(i, l) {
					if err := b.PutLike(p.user(l[0]), p.post(l[1])); err != nil {
						return err
					}
				}
			}
			for i, m := range p.bookmarks {
				if early(i, m) {
					if err := b.PutBookmark(p.user(m[0]), p.post(m[1]), p.at); err != nil {
						return err
					}
				}
			}
			return nil
		},
		func(b *BulkWriter) error {
			for _, f := range p.follows {
				if err := b.PutFollow(p.user(f[0]), p.user(f[1]), p.at); err != nil {
					return err
				}
			}
			return nil
		},
		func(b *BulkWriter) error {
			for _, post := range p.posts[half:] {
				if err := b.PutPost(post); err != nil {
					return err
				}
			}
			for i, l := range p.likes {
				if !early(i, l) {
					if err := b.PutLike(p.user(l[0]), p.post(l[1])); err != nil {
						return err
					}
				}
			}
			for _, r := range reposts {
				if err := b.PutPost(r); err != nil {
					return err
				}
			}
			for _, l := range p.likesVia {
				if err := b.PutLike(p.user(l[0]), reposts[l[1]].ID); err != nil {
					return err
				}
			}
			for i, m := range p.bookmarks {
				if !early(i, m) {
					if err := b.PutBookmark(p.user(m[0]), p.post(m[1]), p.at); err != nil {
						return err
					}
				}
			}
			for _, m := range p.marksVia {
				if err := b.PutBookmark(p.user(m[0]), reposts[m[1]].ID, p.at); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for i, step := range steps {
		if err := db.Bulk(step); err != nil {
			t.Fatalf("Bulk step %d: %v", i, err)
		}
	}
}

// writeBoth stores the plan in two fresh files, through the normal write
// paths and through Bulk, with the same clock.
func writeBoth(t *testing.T) (plan bulkPlan, normal, bulk *DB, reposts []Post) {
	t.Helper()
	plan = newBulkPlan()
	opts := Options{Now: func() time.Time { return plan.at }, NoSync: true}
	normal = openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), opts)
	reposts = plan.writeNormal(t, normal)
	bulk = openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), opts)
	plan.writeBulk(t, bulk, reposts)
	return plan, normal, bulk, reposts
}

// dumpBuckets renders every bucket but meta and the sessions as text, to
// compare two files: a bucket the normal paths write and Bulk does not
// shows up as a difference.
func dumpBuckets(t *testing.T, db *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	skip := map[string]bool{string(bucketMeta): true, string(bucketSessions): true, string(bucketUserSessions): true}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if skip[string(name)] {
				return nil
			}
			var sb strings.Builder
			err := b.ForEach(func(k, v []byte) error {
				fmt.Fprintf(&sb, "%x => %s\n", k, v)
				return nil
			})
			out[string(name)] = sb.String()
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compareDumps reports every bucket that differs between a file written by
// the normal paths and one written by Bulk (and then used normally), but
// the notifications, which Bulk does not send, and the values of likes,
// which name those notifications: Bulk's must be 0 unless likedSince
// (likes made normally afterwards name theirs).
func compareDumps(t *testing.T, normal, bulk *DB, likedSince bool) {
	t.Helper()
	want, got := dumpBuckets(t, normal), dumpBuckets(t, bulk)
	for _, name := range []string{string(bucketLikes), string(bucketUserLikes)} {
		var keys []string
		for line := range strings.Lines(got[name]) {
			k, v, _ := strings.Cut(line, " => ")
			if v != "\x00\x00\x00\x00\x00\x00\x00\x00\n" && !likedSince {
				t.Errorf("bucket %s after Bulk: %s holds %q, want ID 0 (no notification)", name, k, v)
			}
			keys = append(keys, k)
		}
		got[name] = strings.Join(keys, "\n")
		keys = nil
		for line := range strings.Lines(want[name]) {
			k, _, _ := strings.Cut(line, " => ")
			keys = append(keys, k)
		}
		want[name] = strings.Join(keys, "\n")
	}
	for name := range want {
		if name == string(bucketNotes) {
			continue
		}
		if got[name] != want[name] {
			t.Errorf("bucket %s after Bulk:\n%s\nwant (normal writes):\n%s", name, got[name], want[name])
		}
	}
}

// TestBulkMatchesNormalWrites checks that Bulk writes exactly the records,
// index entries and counts that the normal write paths write (less the
// notifications, which generated data does not send).
func TestBulkMatchesNormalWrites(t *testing.T) {
	_, normal, bulk, _ := writeBoth(t)
	if notes := dumpBuckets(t, bulk)[string(bucketNotes)]; notes != "" {
		t.Errorf("Bulk wrote notifications:\n%s", notes)
	}
	if dumpBuckets(t, normal)[string(bucketLikes)] == "" {
		t.Fatal("the plan wrote no likes")
	}
	compareDumps(t, normal, bulk, false)
}

// TestBulkThenNormalWrites checks that the normal paths work on data
// written by Bulk: taking back likes, reposts and bookmarks, deleting
// posts that have them, replying, deleting an account. Done the same on a
// file written normally, they leave the same buckets.
func TestBulkThenNormalWrites(t *testing.T) {
	plan, normal, bulk, reposts := writeBoth(t)
	shared := plan.posts[planShared]
	alice, bob, carol, dave, erin := plan.users[0], plan.users[1], plan.users[2], plan.users[3], plan.users[4]

	// What the pages show agrees with the counts, before any change.
	for _, db := range []*DB{normal, bulk} {
		e, err := db.Post(0, shared.ID)
		must(t, err, "Post(shared)")
		if e.Post.Replies == 0 || e.Post.Likes < 2 || e.Post.Reposts < 2 {
			t.Fatalf("the shared post has %d replies, %d likes, %d reposts; the plan gives it some of each", e.Post.Replies, e.Post.Likes, e.Post.Reposts)
		}
		checkCounts(t, db, plan, reposts)
	}

	newReply := Post{ID: MinIDAt(plan.at.Add(time.Hour)), AuthorID: carol.ID, URI: "http://localhost:8080/@carol/new",
		Source: "late reply", HTML: "<p>late reply</p>", Local: true, InReplyTo: plan.post(40)}
	steps := []struct {
		name string
		fn   func(db *DB) error
	}{
		{"unlike", func(db *DB) error { _, err := db.Unlike(bob.ID, shared.ID); return err }},
		{"unlike through a repost", func(db *DB) error { _, err := db.Unlike(erin.ID, reposts[plan.likesVia[0][1]].ID); return err }},
		{"like again", func(db *DB) error { _, err := db.Like(dave.ID, plan.post(planFollowers)); return err }},
		{"unrepost", func(db *DB) error { _, err := db.Unrepost(dave.ID, shared.ID); return err }},
		{"unbookmark", func(db *DB) error { return db.Unbookmark(carol.ID, plan.post(planFollowers)) }},
		{"reply to a bulk-written post", func(db *DB) error { p := newReply; return db.CreatePost(&p) }},
		{"delete a reply", func(db *DB) error { return db.DeletePost(plan.post(27)) }},
		{"delete a post with replies, likes, reposts and bookmarks", func(db *DB) error { return db.DeletePost(shared.ID) }},
		{"delete an account", func(db *DB) error { return db.DeleteUser(erin.ID, true) }},
		{"unlike after a deletion", func(db *DB) error { _, err := db.Unlike(alice.ID, plan.post(0)); return err }},
	}
	for _, s := range steps {
		for _, db := range []*DB{normal, bulk} {
			if err := s.fn(db); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
	}
	compareDumps(t, normal, bulk, true)
	if err := bulk.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if _, err := bulk.Post(0, shared.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the deleted post: got %v, want ErrNotFound", err)
	}
	// The deleted post's likers, repost and bookmark went with it.
	if marks, err := bulk.Bookmarks(carol.ID, Page{Limit: 100}); err != nil || hasPost(marks.Entries, shared.ID) {
		t.Errorf("carol's bookmarks after the deletion: %v, %v; want no deleted post", postIDs(marks), err)
	}
}

// checkCounts compares every post's counts with the lists that show them
// (likers, reposters, the thread's replies) and every account's bookmarks
// with the plan.
func checkCounts(t *testing.T, db *DB, plan bulkPlan, reposts []Post) {
	t.Helper()
	for _, p := range plan.posts {
		if p.Visibility != Public {
			continue
		}
		e, err := db.Post(0, p.ID)
		must(t, err, "Post(%d)", p.ID)
		likers := walkUsers(t, func(pg Page) (UserList, error) { return db.Likers(0, p.ID, pg) })
		if len(likers) != e.Post.Likes {
			t.Errorf("post %d: %d likers listed, count says %d", p.ID, len(likers), e.Post.Likes)
		}
		reposters := walkUsers(t, func(pg Page) (UserList, error) { return db.Reposters(0, p.ID, pg) })
		if len(reposters) != e.Post.Reposts {
			t.Errorf("post %d: %d reposters listed, count says %d", p.ID, len(reposters), e.Post.Reposts)
		}
		th, err := db.Thread(0, p.ID)
		must(t, err, "Thread(%d)", p.ID)
		if len(th.Replies) != e.Post.Replies {
			t.Errorf("post %d: %d replies in the thread, count says %d", p.ID, len(th.Replies), e.Post.Replies)
		}
	}
	wantMarks := map[ID][]ID{}
	for _, m := range plan.bookmarks {
		wantMarks[plan.user(m[0])] = append(wantMarks[plan.user(m[0])], plan.post(m[1]))
	}
	for _, m := range plan.marksVia {
		wantMarks[plan.user(m[0])] = append(wantMarks[plan.user(m[0])], reposts[m[1]].RepostOf)
	}
	for _, u := range plan.users {
		got := walkTimeline(t, func(pg Page) (Timeline, error) { return db.Bookmarks(u.ID, pg) })
		if want := newestFirst(wantMarks[u.ID]); !slices.Equal(got, want) {
			t.Errorf("bookmarks of %s: got %v, want %v", u.Username, got, want)
		}
	}
}

// TestBulkFileServes seeds a file with Bulk, reopens it as a server would
// and reads it through the normal API, as a file written normally reads.
func TestBulkFileServes(t *testing.T) {
	plan := newBulkPlan()
	opts := Options{Now: func() time.Time { return plan.at }, NoSync: true}
	normal := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), opts)
	reposts := plan.writeNormal(t, normal)
	path := filepath.Join(t.TempDir(), "majlis.db")
	seeded, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	plan.writeBulk(t, seeded, reposts)
	if err := seeded.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := seeded.Close(); err != nil {
		t.Fatal(err)
	}

	db := openTestDBWith(t, path, Options{})
	if err := db.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}

	// Expected counts, from the plan.
	wantPosts := map[ID]int{}
	var local []ID
	for _, p := range plan.posts {
		wantPosts[p.AuthorID]++
		if p.Local && p.Visibility == Public && p.InReplyTo == 0 {
			local = append(local, p.ID)
		}
	}
	for _, r := range reposts {
		wantPosts[r.AuthorID]++
	}
	wantFollowers, wantFollowing := map[ID]int{}, map[ID]int{}
	for _, f := range plan.follows {
		a, b := plan.user(f[0]), plan.user(f[1])
		wantFollowing[a]++
		wantFollowers[b]++
	}
	// Every timeline as every account and a visitor see it, as in the file
	// written normally.
	same := func(what string, get func(db *DB, p Page) (Timeline, error)) {
		t.Helper()
		var want, got []ID
		for _, e := range walkEntries(t, func(p Page) (Timeline, error) { return get(normal, p) }, 7) {
			want = append(want, e.Post.ID, e.RepostID)
		}
		for _, e := range walkEntries(t, func(p Page) (Timeline, error) { return get(db, p) }, 7) {
			got = append(got, e.Post.ID, e.RepostID)
		}
		if len(want) == 0 && what != "HomeTimeline(zed)" {
			t.Errorf("%s: empty in the file written normally", what)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}

	for _, u := range plan.users {
		var got User
		if u.Domain == "" {
			got, err = db.LocalUser(strings.ToUpper(u.Username))
			if err != nil {
				t.Fatalf("LocalUser(%q): %v", strings.ToUpper(u.Username), err)
			}
		} else {
			if _, err := db.LocalUser(u.Username); !errors.Is(err, ErrNotFound) {
				t.Errorf("LocalUser(%q) of a remote account: got %v, want ErrNotFound", u.Username, err)
			}
			got = mustUser(t, db, u.ID)
		}
		wantRole := u.Role
		if wantRole == "" {
			wantRole = RoleUser
		}
		if got.ID != u.ID || got.Role != wantRole {
			t.Errorf("user %s: got id %d role %s, want %d %s", u.Username, got.ID, got.Role, u.ID, wantRole)
		}
		if got.PostsCount != wantPosts[u.ID] || got.FollowersCount != wantFollowers[u.ID] || got.FollowingCount != wantFollowing[u.ID] {
			t.Errorf("user %s counts: got posts %d, followers %d, following %d; want %d, %d, %d", u.Username,
				got.PostsCount, got.FollowersCount, got.FollowingCount, wantPosts[u.ID], wantFollowers[u.ID], wantFollowing[u.ID])
		}
		// The counts agree with the lists a profile shows.
		if n := len(walkUsers(t, func(p Page) (UserList, error) { return db.Followers(u.ID, p) })); n != got.FollowersCount {
			t.Errorf("user %s: %d followers listed, count says %d", u.Username, n, got.FollowersCount)
		}
		if n := len(walkUsers(t, func(p Page) (UserList, error) { return db.Following(u.ID, p) })); n != got.FollowingCount {
			t.Errorf("user %s: %d followed listed, count says %d", u.Username, n, got.FollowingCount)
		}
		if n := len(walkTimeline(t, func(p Page) (Timeline, error) { return db.AuthorTimeline(u.ID, u.ID, true, p) })); n != got.PostsCount {
			t.Errorf("user %s: own profile with replies lists %d posts, count says %d", u.Username, n, got.PostsCount)
		}
		same("HomeTimeline("+u.Username+")", func(db *DB, p Page) (Timeline, error) { return db.HomeTimeline(u.ID, p) })
		for _, v := range plan.users[:3] {
			same("AuthorTimeline("+u.Username+") for "+v.Username, func(db *DB, p Page) (Timeline, error) { return db.AuthorTimeline(v.ID, u.ID, false, p) })
			same("AuthorTimeline("+u.Username+", replies) for "+v.Username, func(db *DB, p Page) (Timeline, error) { return db.AuthorTimeline(v.ID, u.ID, true, p) })
		}
	}
	if got, want := walkTimeline(t, localTL(db)), newestFirst(local); !slices.Equal(got, want) {
		t.Errorf("LocalTimeline: got %d posts, want %d in order", len(got), len(want))
	}
	same("TagTimeline(go)", func(db *DB, p Page) (Timeline, error) { return db.TagTimeline(0, "go", p) })
	checkCounts(t, db, plan, reposts)
	th, err := db.Thread(plan.user(1), plan.post(planFollowersReply))
	if err != nil || len(th.Ancestors) != 1 || th.Ancestors[0].Post.ID != plan.post(planFollowers) {
		t.Errorf("Thread of the reply to a followers-only post, for a follower: %+v, %v", th.Ancestors, err)
	}
	e, err := db.Post(0, plan.posts[10].ID)
	if err != nil || e.Post.Source != plan.posts[10].Source || e.Author.ID != plan.posts[10].AuthorID {
		t.Errorf("Post(%d): got %+v, %v", plan.posts[10].ID, e, err)
	}
	if n, err := db.CountPosts(); err != nil || n != len(plan.posts)+len(reposts) {
		t.Errorf("CountPosts: got %d, %v; want %d", n, err, len(plan.posts)+len(reposts))
	}
	if n, err := db.CountUsers(); err != nil || n != len(plan.users)-1 {
		t.Errorf("CountUsers: got %d, %v; want %d local", n, err, len(plan.users)-1)
	}

	// The server writes on: new IDs sort after the seeded ones, and the
	// counts go on from the seeded values.
	last := reposts[len(reposts)-1].ID
	alice, bob, erin := plan.users[0], plan.users[1], plan.users[4]
	p := newPost(db, erin)
	if p.ID <= last {
		t.Fatalf("NewID after a seeded file: got %d, want > %d", p.ID, last)
	}
	if err := db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	if err := followErr(db, erin.ID, bob.ID); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	if err := db.Unfollow(alice.ID, bob.ID); err != nil {
		t.Fatalf("Unfollow: %v", err)
	}
	if got := mustUser(t, db, erin.ID); got.PostsCount != wantPosts[erin.ID]+1 || got.FollowingCount != wantFollowing[erin.ID]+1 {
		t.Errorf("erin after writing: got posts %d following %d, want %d %d", got.PostsCount, got.FollowingCount, wantPosts[erin.ID]+1, wantFollowing[erin.ID]+1)
	}
	if got := mustUser(t, db, bob.ID); got.FollowersCount != wantFollowers[bob.ID] {
		t.Errorf("bob after one follow and one unfollow: got %d followers, want %d", got.FollowersCount, wantFollowers[bob.ID])
	}
	tl, err := db.LocalTimeline(0, Page{Limit: 1})
	if err != nil || len(tl.Entries) != 1 || tl.Entries[0].Post.ID != p.ID {
		t.Errorf("LocalTimeline after a new post: got %v, %v; want the new post first", postIDs(tl), err)
	}
	if err := db.Check(); err != nil {
		t.Fatalf("Check after writes: %v", err)
	}
}

func TestBulkRefuses(t *testing.T) {
	plan := newBulkPlan()
	alice, bob, carol, dave, zed := plan.users[0], plan.users[1], plan.users[2], plan.users[3], plan.users[5]
	post := plan.posts[0]
	followersOnly := plan.post(planFollowers)
	fresh := post.ID + 1<<40 // a valid post each case writes first
	reply := func(author User, parent ID) Post {
		p := post
		p.ID, p.AuthorID, p.InReplyTo, p.Mentions = post.ID+1<<30, author.ID, parent, nil
		return p
	}
	repostOf := func(author User, orig ID) Post {
		return Post{ID: post.ID + 1<<30, AuthorID: author.ID, URI: "r", Local: true, RepostOf: orig}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, db *DB)
		fn    func(b *BulkWriter) error
		want  error
	}{
		{"username taken in another case", nil, func(b *BulkWriter) error {
			u := bob
			u.ID, u.Username = u.ID+1, "BOB"
			return b.PutUser(u)
		}, ErrExists},
		{"user ID taken", nil, func(b *BulkWriter) error {
			u := bob
			u.Username = "bob2"
			return b.PutUser(u)
		}, ErrExists},
		{"username with @", nil, func(b *BulkWriter) error {
			return b.PutUser(User{ID: 99, Username: "x@y", URI: "u"})
		}, ErrInvalid},
		{"user without URI", nil, func(b *BulkWriter) error { return b.PutUser(User{ID: 99, Username: "x"}) }, ErrInvalid},
		{"post twice", nil, func(b *BulkWriter) error { return b.PutPost(post) }, ErrExists},
		{"post twice in one transaction", nil, func(b *BulkWriter) error { return b.PutPost(Post{ID: fresh, AuthorID: bob.ID, URI: "y"}) }, ErrExists},
		{"post by nobody", nil, func(b *BulkWriter) error {
			p := post
			p.ID, p.AuthorID = p.ID+1<<30, 12345
			return b.PutPost(p)
		}, ErrNotFound},
		{"post without URI", nil, func(b *BulkWriter) error {
			p := post
			p.ID, p.URI = p.ID+1<<30, ""
			return b.PutPost(p)
		}, ErrInvalid},
		{"post with attachments", nil, func(b *BulkWriter) error {
			p := post
			p.ID, p.Attachments = p.ID+1<<30, []Attachment{{Display: "x", Thumb: "y"}}
			return b.PutPost(p)
		}, ErrInvalid},
		{"unknown visibility", nil, func(b *BulkWriter) error {
			p := post
			p.ID, p.Visibility = p.ID+1<<30, "friends"
			return b.PutPost(p)
		}, ErrInvalid},
		{"mention of nobody", nil, func(b *BulkWriter) error {
			p := post
			p.ID, p.Mentions = p.ID+1<<30, []ID{12345}
			return b.PutPost(p)
		}, ErrNotFound},
		{"reply to nothing", nil, func(b *BulkWriter) error { return b.PutPost(reply(bob, 12345)) }, ErrNotFound},
		{"reply to a repost", nil, func(b *BulkWriter) error {
			if err := b.PutPost(repostOf(carol, post.ID)); err != nil {
				return err
			}
			r := reply(bob, post.ID+1<<30)
			r.ID++
			return b.PutPost(r)
		}, ErrInvalid},
		{"reply to a followers-only post by a non-follower", nil, func(b *BulkWriter) error { return b.PutPost(reply(zed, followersOnly)) }, ErrForbidden},
		{"reply across a block", func(t *testing.T, db *DB) { must(t, db.Block(alice.ID, dave.ID), "Block") },
			func(b *BulkWriter) error { return b.PutPost(reply(dave, post.ID)) }, ErrForbidden},
		{"mention across a block", func(t *testing.T, db *DB) { must(t, db.Block(dave.ID, alice.ID), "Block") },
			func(b *BulkWriter) error {
				p := reply(dave, 0)
				p.Mentions = []ID{alice.ID}
				return b.PutPost(p)
			}, ErrForbidden},
		{"like twice", nil, func(b *BulkWriter) error { return b.PutLike(plan.user(plan.likes[0][0]), plan.post(plan.likes[0][1])) }, ErrExists},
		{"like twice in one transaction", nil, func(b *BulkWriter) error {
			if err := b.PutLike(carol.ID, fresh); err != nil {
				return err
			}
			return b.PutLike(carol.ID, fresh)
		}, ErrExists},
		{"like by nobody", nil, func(b *BulkWriter) error { return b.PutLike(12345, post.ID) }, ErrNotFound},
		{"like of nothing", nil, func(b *BulkWriter) error { return b.PutLike(bob.ID, 12345) }, ErrNotFound},
		{"like of a post one may not see", nil, func(b *BulkWriter) error { return b.PutLike(zed.ID, followersOnly) }, ErrNotFound},
		{"like across a block", func(t *testing.T, db *DB) { must(t, db.Block(alice.ID, dave.ID), "Block") },
			func(b *BulkWriter) error { return b.PutLike(dave.ID, post.ID) }, ErrForbidden},
		{"repost twice", nil, func(b *BulkWriter) error {
			r := plan.reposts[0]
			return b.PutPost(repostOf(plan.users[r[0]], plan.post(r[1])))
		}, ErrExists},
		{"repost of a followers-only post", nil, func(b *BulkWriter) error { return b.PutPost(repostOf(bob, followersOnly)) }, ErrForbidden},
		{"repost with text", nil, func(b *BulkWriter) error {
			r := repostOf(carol, post.ID)
			r.Source = "mine"
			return b.PutPost(r)
		}, ErrInvalid},
		{"repost with another visibility", nil, func(b *BulkWriter) error {
			r := repostOf(carol, post.ID)
			r.Visibility = Unlisted
			return b.PutPost(r)
		}, ErrInvalid},
		{"repost of nothing", nil, func(b *BulkWriter) error { return b.PutPost(repostOf(carol, 12345)) }, ErrNotFound},
		{"bookmark twice", nil, func(b *BulkWriter) error {
			m := plan.bookmarks[0]
			return b.PutBookmark(plan.user(m[0]), plan.post(m[1]), plan.at)
		}, ErrExists},
		{"bookmark of a post one may not see", nil, func(b *BulkWriter) error { return b.PutBookmark(zed.ID, followersOnly, plan.at) }, ErrNotFound},
		{"follow twice", nil, func(b *BulkWriter) error { return b.PutFollow(alice.ID, bob.ID, plan.at) }, ErrExists},
		{"follow yourself", nil, func(b *BulkWriter) error { return b.PutFollow(bob.ID, bob.ID, plan.at) }, ErrInvalid},
		{"follow nobody", nil, func(b *BulkWriter) error { return b.PutFollow(bob.ID, 12345, plan.at) }, ErrNotFound},
	}
	reposts := plan.writeNormal(t, openTestDB(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTestDB(t)
			plan.writeBulk(t, db, reposts)
			if tt.setup != nil {
				tt.setup(t, db)
			}
			before := dumpBuckets(t, db)
			err := db.Bulk(func(b *BulkWriter) error {
				// Something valid first: the refusal must roll it back.
				if err := b.PutPost(Post{ID: fresh, AuthorID: bob.ID, URI: "x"}); err != nil {
					return err
				}
				if err := b.PutLike(alice.ID, fresh); err != nil {
					return err
				}
				return tt.fn(b)
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if after := dumpBuckets(t, db); !mapsEqual(before, after) {
				t.Errorf("a refused Bulk changed the file")
			}
		})
	}
}

// TestBulkBotContact checks that Bulk refuses a bot's reply or mention to
// an account that refuses bots, as CreatePost does.
func TestBulkBotContact(t *testing.T) {
	plan := newBulkPlan()
	db := openTestDB(t)
	plan.writeBulk(t, db, plan.writeNormal(t, openTestDB(t)))
	bob, carol := plan.users[1], plan.users[2]
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := updateUser(tx, bob.ID, func(u *User) { u.Bot = true }); err != nil {
			return err
		}
		return updateUser(tx, carol.ID, func(u *User) { u.NoBotContact = true })
	})
	must(t, err, "make bob a bot")
	var carols ID
	for _, p := range plan.posts {
		if p.AuthorID == carol.ID && p.Visibility == Public {
			carols = p.ID
			break
		}
	}
	id := MinIDAt(plan.at.Add(time.Hour))
	for name, p := range map[string]Post{
		"reply":   {ID: id, AuthorID: bob.ID, URI: "x", InReplyTo: carols},
		"mention": {ID: id, AuthorID: bob.ID, URI: "x", Mentions: []ID{carol.ID}},
	} {
		err := db.Bulk(func(b *BulkWriter) error { return b.PutPost(p) })
		if bce := (*BotContactError)(nil); !errors.As(err, &bce) || bce.Username != carol.Username {
			t.Errorf("%s by a bot to an account that refuses bots: got %v, want a BotContactError", name, err)
		}
	}
	// Other accounts still may.
	err = db.Bulk(func(b *BulkWriter) error {
		return b.PutPost(Post{ID: id, AuthorID: plan.user(3), URI: "x", InReplyTo: carols, Mentions: []ID{carol.ID}})
	})
	if err != nil {
		t.Errorf("reply by a person: %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestBulkPacksPages checks that in-order keys fill pages well: the posts
// bucket of a bulk-loaded file is at least 85% full.
func TestBulkPacksPages(t *testing.T) {
	db := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{NoSync: true})
	var g IDGenerator
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	author := User{ID: g.Next(start), Username: "a", URI: "u"}
	err := db.Bulk(func(b *BulkWriter) error {
		if err := b.PutUser(author); err != nil {
			return err
		}
		for i := range 5000 {
			id := g.Next(start.Add(time.Duration(i+1) * time.Second))
			p := Post{ID: id, AuthorID: author.ID, URI: "u/" + id.String(), Source: strings.Repeat("x", 100), Local: true}
			if err := b.PutPost(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketPosts, bucketAuthorPosts, bucketLocalPosts} {
			s := tx.Bucket(name).Stats()
			fill := float64(s.LeafInuse) / float64(s.LeafAlloc)
			if fill < 0.85 {
				t.Errorf("bucket %s: leaf pages %.0f%% full, want >= 85%%", name, fill*100)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustUser(t, db, author.ID).PostsCount; got != 5000 {
		t.Errorf("PostsCount: got %d, want 5000", got)
	}
}

func newestFirst(ids []ID) []ID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b ID) int { return bytes.Compare(idKey(b), idKey(a)) })
	return out
}

// walkTimeline follows a timeline's cursors to the end, small pages at a
// time, and returns every post ID in order.
func walkTimeline(t *testing.T, get func(Page) (Timeline, error)) []ID {
	t.Helper()
	var ids []ID
	page := Page{Limit: 7}
	for range 1000 {
		tl, err := get(page)
		if err != nil {
			t.Fatalf("timeline: %v", err)
		}
		ids = append(ids, postIDs(tl)...)
		if tl.Next == 0 {
			return ids
		}
		page.Before = tl.Next
	}
	t.Fatal("timeline does not end")
	return nil
}

func walkUsers(t *testing.T, get func(Page) (UserList, error)) []User {
	t.Helper()
	var us []User
	page := Page{Limit: 2}
	for range 1000 {
		l, err := get(page)
		if err != nil {
			t.Fatalf("user list: %v", err)
		}
		us = append(us, l.Users...)
		if l.Next == 0 {
			return us
		}
		page.Before = l.Next
	}
	t.Fatal("user list does not end")
	return nil
}
