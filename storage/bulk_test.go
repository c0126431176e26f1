package storage

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bulkPlan is a small generated instance: users, posts and follows, with
// their IDs chosen up front so that the same data can go through the normal
// write paths and through Bulk.
type bulkPlan struct {
	users   []User
	posts   []Post // ascending IDs
	follows [][2]int
	at      time.Time // when every follow happened
}

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
		p.posts = append(p.posts, post)
	}
	// Grouped by follower, followees ascending, as the seeder writes them.
	p.follows = [][2]int{{0, 1}, {0, 2}, {0, 5}, {1, 0}, {1, 2}, {1, 3}, {1, 4}, {2, 0}, {3, 0}, {3, 1}, {4, 0}}
	return p
}

// writeNormal stores the plan through CreateUser, Follow and CreatePost.
func (p bulkPlan) writeNormal(t *testing.T, db *DB) {
	t.Helper()
	for _, u := range p.users {
		if err := db.CreateUser(&u); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.Username, err)
		}
	}
	for _, f := range p.follows {
		if err := followErr(db, p.users[f[0]].ID, p.users[f[1]].ID); err != nil {
			t.Fatalf("Follow: %v", err)
		}
	}
	storePosts(t, db, slices.Clone(p.posts))
}

// writeBulk stores the plan with Bulk, in several transactions: users, the
// first half of the posts, the follows, the rest of the posts.
func (p bulkPlan) writeBulk(t *testing.T, db *DB) {
	t.Helper()
	half := len(p.posts) / 2
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
			return nil
		},
		func(b *BulkWriter) error {
			for _, f := range p.follows {
				if err := b.PutFollow(p.users[f[0]].ID, p.users[f[1]].ID, p.at); err != nil {
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
			return nil
		},
	}
	for i, step := range steps {
		if err := db.Bulk(step); err != nil {
			t.Fatalf("Bulk step %d: %v", i, err)
		}
	}
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

// TestBulkMatchesNormalWrites checks that Bulk writes exactly the records,
// index entries and counts that the normal write paths write (less the
// notifications, which generated data does not send).
func TestBulkMatchesNormalWrites(t *testing.T) {
	plan := newBulkPlan()
	normal := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{Now: func() time.Time { return plan.at }, NoSync: true})
	plan.writeNormal(t, normal)
	bulk := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{NoSync: true})
	plan.writeBulk(t, bulk)

	want, got := dumpBuckets(t, normal), dumpBuckets(t, bulk)
	for name := range want {
		// Generated follows tell no one: nobody was there to be notified.
		if name == string(bucketNotes) {
			if got[name] != "" {
				t.Errorf("Bulk wrote notifications:\n%s", got[name])
			}
			continue
		}
		if got[name] != want[name] {
			t.Errorf("bucket %s after Bulk:\n%s\nwant (normal writes):\n%s", name, got[name], want[name])
		}
	}
}

// TestBulkFileServes seeds a file with Bulk, reopens it as a server would
// and reads it through the normal API.
func TestBulkFileServes(t *testing.T) {
	plan := newBulkPlan()
	path := filepath.Join(t.TempDir(), "majlis.db")
	seeded, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	plan.writeBulk(t, seeded)
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

	// Expected counts and timelines, from the plan.
	wantPosts := map[ID]int{}
	byAuthor := map[ID][]ID{}
	var local []ID
	for _, p := range plan.posts {
		wantPosts[p.AuthorID]++
		byAuthor[p.AuthorID] = append(byAuthor[p.AuthorID], p.ID)
		if p.Local {
			local = append(local, p.ID)
		}
	}
	wantFollowers, wantFollowing := map[ID]int{}, map[ID]int{}
	followees := map[ID][]ID{}
	for _, f := range plan.follows {
		a, b := plan.users[f[0]].ID, plan.users[f[1]].ID
		wantFollowing[a]++
		wantFollowers[b]++
		followees[a] = append(followees[a], b)
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
		author := walkTimeline(t, func(p Page) (Timeline, error) { return db.AuthorTimeline(0, u.ID, false, p) })
		if want := newestFirst(byAuthor[u.ID]); !slices.Equal(author, want) {
			t.Errorf("AuthorTimeline(%s): got %d posts, want %d in order", u.Username, len(author), len(want))
		}
		home := walkTimeline(t, func(p Page) (Timeline, error) { return db.HomeTimeline(u.ID, p) })
		var wantHome []ID
		for _, p := range plan.posts {
			if p.AuthorID == u.ID || slices.Contains(followees[u.ID], p.AuthorID) {
				wantHome = append(wantHome, p.ID)
			}
		}
		if want := newestFirst(wantHome); !slices.Equal(home, want) {
			t.Errorf("HomeTimeline(%s): got %d posts, want %d in order", u.Username, len(home), len(want))
		}
	}
	if got, want := walkTimeline(t, localTL(db)), newestFirst(local); !slices.Equal(got, want) {
		t.Errorf("LocalTimeline: got %d posts, want %d in order", len(got), len(want))
	}
	var tagged []ID
	for _, p := range plan.posts {
		if slices.Contains(p.Tags, "go") {
			tagged = append(tagged, p.ID)
		}
	}
	tagTL := walkTimeline(t, func(p Page) (Timeline, error) { return db.TagTimeline(0, "go", p) })
	if want := newestFirst(tagged); len(want) == 0 || !slices.Equal(tagTL, want) {
		t.Errorf("TagTimeline(go): got %d posts, want %d in order", len(tagTL), len(want))
	}
	e, err := db.Post(0, plan.posts[10].ID)
	if err != nil || e.Post.Source != plan.posts[10].Source || e.Author.ID != plan.posts[10].AuthorID {
		t.Errorf("Post(%d): got %+v, %v", plan.posts[10].ID, e, err)
	}
	if n, err := db.CountPosts(); err != nil || n != len(plan.posts) {
		t.Errorf("CountPosts: got %d, %v; want %d", n, err, len(plan.posts))
	}
	if n, err := db.CountUsers(); err != nil || n != len(plan.users)-1 {
		t.Errorf("CountUsers: got %d, %v; want %d local", n, err, len(plan.users)-1)
	}

	// The server writes on: new IDs sort after the seeded ones, and the
	// counts go on from the seeded values.
	last := plan.posts[len(plan.posts)-1].ID
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
	alice, bob := plan.users[0], plan.users[1]
	post := plan.posts[0]
	tests := []struct {
		name string
		fn   func(b *BulkWriter) error
		want error
	}{
		{"username taken in another case", func(b *BulkWriter) error {
			u := bob
			u.ID, u.Username = u.ID+1, "BOB"
			return b.PutUser(u)
		}, ErrExists},
		{"user ID taken", func(b *BulkWriter) error {
			u := bob
			u.Username = "bob2"
			return b.PutUser(u)
		}, ErrExists},
		{"username with @", func(b *BulkWriter) error {
			return b.PutUser(User{ID: 99, Username: "x@y", URI: "u"})
		}, ErrInvalid},
		{"user without URI", func(b *BulkWriter) error { return b.PutUser(User{ID: 99, Username: "x"}) }, ErrInvalid},
		{"post twice", func(b *BulkWriter) error { return b.PutPost(post) }, ErrExists},
		{"post by nobody", func(b *BulkWriter) error {
			p := post
			p.ID, p.AuthorID = p.ID+1<<30, 12345
			return b.PutPost(p)
		}, ErrNotFound},
		{"post without URI", func(b *BulkWriter) error {
			p := post
			p.ID, p.URI = p.ID+1<<30, ""
			return b.PutPost(p)
		}, ErrInvalid},
		{"reply", func(b *BulkWriter) error {
			p := post
			p.ID, p.InReplyTo = p.ID+1<<30, post.ID
			return b.PutPost(p)
		}, ErrInvalid},
		{"unknown visibility", func(b *BulkWriter) error {
			p := post
			p.ID, p.Visibility = p.ID+1<<30, "friends"
			return b.PutPost(p)
		}, ErrInvalid},
		{"mention of nobody", func(b *BulkWriter) error {
			p := post
			p.ID, p.Mentions = p.ID+1<<30, []ID{12345}
			return b.PutPost(p)
		}, ErrNotFound},
		{"follow twice", func(b *BulkWriter) error { return b.PutFollow(alice.ID, bob.ID, plan.at) }, ErrExists},
		{"follow yourself", func(b *BulkWriter) error { return b.PutFollow(bob.ID, bob.ID, plan.at) }, ErrInvalid},
		{"follow nobody", func(b *BulkWriter) error { return b.PutFollow(bob.ID, 12345, plan.at) }, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTestDB(t)
			plan.writeBulk(t, db)
			before := dumpBuckets(t, db)
			err := db.Bulk(func(b *BulkWriter) error {
				// Something valid first: the refusal must roll it back.
				if err := b.PutPost(Post{ID: post.ID + 1<<40, AuthorID: bob.ID, URI: "x"}); err != nil {
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
