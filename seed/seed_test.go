package seed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/markup"
	"majlis/storage"
)

var end = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// seedDB seeds a fresh file with o, closes it and reopens it the way the
// server does (with fsync), so the test reads what a server would.
func seedDB(t *testing.T, o Options) (*storage.DB, Summary) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "majlis.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), db, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, sum
}

// walk returns every entry of a timeline, newest first.
func walk(t *testing.T, get func(storage.Page) (storage.Timeline, error)) []storage.Entry {
	t.Helper()
	var out []storage.Entry
	page := storage.Page{Limit: 100}
	for {
		tl, err := get(page)
		if err != nil {
			t.Fatalf("timeline: %v", err)
		}
		out = append(out, tl.Entries...)
		if tl.Next == 0 {
			return out
		}
		page.Before = tl.Next
	}
}

func listAll(t *testing.T, get func(storage.Page) (storage.UserList, error)) []storage.User {
	t.Helper()
	var out []storage.User
	page := storage.Page{Limit: 100}
	for {
		l, err := get(page)
		if err != nil {
			t.Fatalf("user list: %v", err)
		}
		out = append(out, l.Users...)
		if l.Next == 0 {
			return out
		}
		page.Before = l.Next
	}
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`)

func TestRunServesNormally(t *testing.T) {
	o := Options{Users: 40, Posts: 3000, Follows: 6, Seed: 7, Distinct: 700, Chunk: 400, End: end, BaseURL: "https://majlis.example/"}
	db, sum := seedDB(t, o)
	if err := db.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if sum.Users != 40 || sum.Posts != 3000 {
		t.Errorf("summary: got %d users %d posts, want 40 and 3000", sum.Users, sum.Posts)
	}
	if n, err := db.CountUsers(); err != nil || n != 40 {
		t.Errorf("CountUsers: got %d, %v", n, err)
	}

	users := listUsers(t, db)
	if len(users) != 40 {
		t.Fatalf("ListUsers: %d users, want 40", len(users))
	}
	posts, reposts := everything(t, db, users)
	if len(posts) != 3000 {
		t.Fatalf("the profiles list %d posts, want 3000", len(posts))
	}
	if got := posts[len(posts)-1].Post.CreatedAt; !got.Equal(end.Truncate(time.Millisecond)) {
		t.Errorf("newest post at %s, want %s", got, end)
	}
	if oldest := posts[0].Post.CreatedAt; oldest.Before(end.Add(-2*365*24*time.Hour)) || oldest.After(end.Add(-365*24*time.Hour)) {
		t.Errorf("oldest post at %s, want about two years before %s", oldest, end)
	}
	byID := map[storage.ID]storage.Entry{}
	for _, e := range posts {
		byID[e.Post.ID] = e
	}
	local := walk(t, func(p storage.Page) (storage.Timeline, error) { return db.LocalTimeline(0, p) })
	if len(local)+sum.Replies != 3000 {
		t.Errorf("local timeline: %d posts, and %d replies: want 3000 in all", len(local), sum.Replies)
	}
	if sum.Replies < 600 || sum.Replies > 1000 {
		t.Errorf("%d replies of 3000 posts, want about 27%%", sum.Replies)
	}
	postsBy := map[storage.ID]int{}
	var arabicPosts, emojiPosts, mentions, tagged, links, lists, code, quotes, mentionLinks, tagLinks int
	var replies, nested, namingParent, unlisted, likes int
	for _, e := range posts {
		p := e.Post
		if !p.CreatedAt.Equal(p.ID.Time()) {
			t.Errorf("post %d: created %s, ID time %s", p.ID, p.CreatedAt, p.ID.Time())
		}
		if n := markup.Length(p.Source); n > 500 || n == 0 {
			t.Errorf("post %d: %d characters", p.ID, n)
		}
		if want := "https://majlis.example/@" + e.Author.Username + "/" + p.ID.String(); p.URI != want {
			t.Errorf("post URI %q, want %q", p.URI, want)
		}
		if p.HTML == "" || !p.Local || (p.Visibility != storage.Public && (p.InReplyTo == 0 || p.Visibility != storage.Unlisted)) {
			t.Errorf("post %d: html %q local %v visibility %q", p.ID, p.HTML, p.Local, p.Visibility)
		}
		postsBy[p.AuthorID]++
		likes += p.Likes
		if p.InReplyTo != 0 {
			replies++
			parent, ok := byID[p.InReplyTo]
			switch {
			case !ok:
				t.Errorf("reply %d: parent %d not found", p.ID, p.InReplyTo)
			case !parent.Post.CreatedAt.Before(p.CreatedAt) || p.InReplyToAuthor != parent.Post.AuthorID:
				t.Errorf("reply %d at %s to %d by %d at %s, says it answers %d", p.ID, p.CreatedAt, parent.Post.ID, parent.Post.AuthorID, parent.Post.CreatedAt, p.InReplyToAuthor)
			default:
				if parent.Post.InReplyTo != 0 {
					nested++
				}
				if strings.HasPrefix(p.Source, "@"+parent.Author.Username+" ") && slices.Contains(p.Mentions, parent.Author.ID) {
					namingParent++
				}
			}
			if p.Visibility == storage.Unlisted {
				unlisted++
			}
			continue
		}
		s := p.Source
		count := func(n *int, ok bool) {
			if ok {
				*n++
			}
		}
		count(&arabicPosts, strings.ContainsAny(s, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"))
		count(&emojiPosts, strings.ContainsAny(s, strings.Join(emoji, "")))
		count(&mentions, strings.Contains(s, "@"))
		count(&tagged, strings.Contains(s, "#"))
		count(&links, strings.Contains(p.HTML, "<a href="))
		count(&lists, strings.Contains(p.HTML, "<li>"))
		count(&code, strings.Contains(p.HTML, "<code>"))
		count(&quotes, strings.Contains(p.HTML, "<blockquote>"))
		// Linked as the server links them, and listed on the post.
		count(&mentionLinks, strings.Contains(p.HTML, `class="mention"`) && len(p.Mentions) > 0)
		count(&tagLinks, strings.Contains(p.HTML, `class="hashtag"`) && len(p.Tags) > 0)
	}
	for name, n := range map[string]int{"Arabic": arabicPosts, "emoji": emojiPosts, "mentions": mentions, "hashtags": tagged, "links": links, "lists": lists, "code": code, "quotes": quotes,
		"mention links": mentionLinks, "hashtag links": tagLinks} {
		if n < 30 {
			t.Errorf("only %d of the top-level posts have %s", n, name)
		}
	}
	if replies != sum.Replies || nested < 20 || namingParent < replies/2 || unlisted == 0 {
		t.Errorf("%d replies (summary: %d), %d of them to replies, %d naming whom they answer, %d unlisted; want some of each, most naming",
			replies, sum.Replies, nested, namingParent, unlisted)
	}
	if likes != sum.Likes || likes < 2*3000 || likes > 4*3000 {
		t.Errorf("%d likes in the counts, summary says %d; want about 3 per post", likes, sum.Likes)
	}

	// Every count agrees with the list that shows it: likers (never the
	// author), reposters, the thread's replies.
	for _, e := range posts {
		p := e.Post
		likers := listAll(t, func(pg storage.Page) (storage.UserList, error) { return db.Likers(0, p.ID, pg) })
		if len(likers) != p.Likes {
			t.Errorf("post %d: %d likers listed, count says %d", p.ID, len(likers), p.Likes)
		}
		for _, u := range likers {
			if u.ID == p.AuthorID {
				t.Errorf("post %d: liked by its author", p.ID)
			}
		}
		if n := len(listAll(t, func(pg storage.Page) (storage.UserList, error) { return db.Reposters(0, p.ID, pg) })); n != p.Reposts {
			t.Errorf("post %d: %d reposters listed, count says %d", p.ID, n, p.Reposts)
		}
		th, err := db.Thread(0, p.ID)
		if err != nil {
			t.Fatalf("Thread(%d): %v", p.ID, err)
		}
		if len(th.Replies) != min(p.Replies, 60) || th.MoreReplies != (p.Replies > 60) {
			t.Errorf("post %d: %d replies in the thread (more: %v), count says %d", p.ID, len(th.Replies), th.MoreReplies, p.Replies)
		}
	}
	if len(reposts) != sum.Reposts || sum.Reposts < 3000/10 {
		t.Errorf("%d reposts on the profiles, summary says %d; want about 0.3 per post", len(reposts), sum.Reposts)
	}
	for _, e := range reposts {
		if !e.RepostID.Time().After(e.Post.CreatedAt) || e.Post.InReplyTo != 0 || e.RepostedBy.ID == e.Post.AuthorID {
			t.Errorf("repost %d by %s at %s of post %d by %s at %s (a reply: %v)", e.RepostID, e.RepostedBy.Username, e.RepostID.Time(),
				e.Post.ID, e.Author.Username, e.Post.CreatedAt, e.Post.InReplyTo != 0)
		}
		postsBy[e.RepostedBy.ID]++
	}
	marks := 0
	for _, u := range users {
		for _, e := range walk(t, func(p storage.Page) (storage.Timeline, error) { return db.Bookmarks(u.ID, p) }) {
			if e.Post.AuthorID == u.ID {
				t.Errorf("%s bookmarked their own post %d", u.Username, e.Post.ID)
			}
			marks++
		}
	}
	if marks != sum.Bookmarks || marks < 40*10 || marks > 40*30 {
		t.Errorf("%d bookmarks listed, summary says %d; want about 20 per user", marks, sum.Bookmarks)
	}

	// The busiest tag has a tag page.
	byTag := walk(t, func(p storage.Page) (storage.Timeline, error) { return db.TagTimeline(0, sum.Tags[0], p) })
	if len(byTag) < 30 {
		t.Errorf("tag %q lists %d posts, want many", sum.Tags[0], len(byTag))
	}
	for _, e := range byTag {
		if !slices.Contains(e.Post.Tags, sum.Tags[0]) {
			t.Fatalf("post %d on the page of tag %q has tags %q", e.Post.ID, sum.Tags[0], e.Post.Tags)
		}
	}

	var arabicNames, emojiNames int
	followers := map[string]int{}
	for _, a := range sum.Fixed {
		followers[a.Username] = a.Followers
	}
	for _, a := range Fixed() {
		u, err := db.LocalUser(strings.ToUpper(a.Username))
		if err != nil {
			t.Fatalf("fixed account %s: %v", a.Username, err)
		}
		if want := min(a.Following, 39); a.Following > 0 && u.FollowingCount != want {
			t.Errorf("%s follows %d, want %d", a.Username, u.FollowingCount, want)
		}
		if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("password123")); err != nil {
			t.Errorf("%s: password: %v", a.Username, err)
		}
		if a.Username == Admin && !u.IsAdmin() {
			t.Errorf("%s is not the admin", a.Username)
		}
		if a.Username != Admin && u.IsAdmin() {
			t.Errorf("%s is an admin", a.Username)
		}
	}
	for _, u := range users {
		if !validName.MatchString(u.Username) {
			t.Errorf("username %q is not valid", u.Username)
		}
		if want := "https://majlis.example/users/" + u.Username; u.URI != want {
			t.Errorf("user URI %q, want %q", u.URI, want)
		}
		if strings.ContainsAny(u.DisplayName, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") {
			arabicNames++
		}
		if strings.ContainsAny(u.DisplayName, strings.Join(emoji, "")) {
			emojiNames++
		}
		// The counts on the profile agree with what the lists show.
		if u.PostsCount != postsBy[u.ID] {
			t.Errorf("%s: PostsCount %d, wrote %d posts and reposts", u.Username, u.PostsCount, postsBy[u.ID])
		}
		if n := len(walk(t, func(p storage.Page) (storage.Timeline, error) { return db.AuthorTimeline(0, u.ID, true, p) })); n != u.PostsCount {
			t.Errorf("%s: profile lists %d posts, count says %d", u.Username, n, u.PostsCount)
		}
		if n := len(listAll(t, func(p storage.Page) (storage.UserList, error) { return db.Followers(u.ID, p) })); n != u.FollowersCount {
			t.Errorf("%s: %d followers listed, count says %d", u.Username, n, u.FollowersCount)
		}
		if n := len(listAll(t, func(p storage.Page) (storage.UserList, error) { return db.Following(u.ID, p) })); n != u.FollowingCount {
			t.Errorf("%s: %d followed listed, count says %d", u.Username, n, u.FollowingCount)
		}
		if f, ok := followers[u.Username]; ok && f != u.FollowersCount {
			t.Errorf("%s: summary says %d followers, profile %d", u.Username, f, u.FollowersCount)
		}
	}
	if arabicNames == 0 || emojiNames == 0 {
		t.Errorf("display names: %d in Arabic, %d with emoji; want some of each", arabicNames, emojiNames)
	}

	// The home timeline of follows10 is its own posts and those of the ten,
	// and what they reposted.
	f10, _ := db.LocalUser(Follows10)
	home := walk(t, func(p storage.Page) (storage.Timeline, error) { return db.HomeTimeline(f10.ID, p) })
	authors := map[storage.ID]bool{}
	for _, e := range home {
		if e.RepostedBy != nil {
			authors[e.RepostedBy.ID] = true
		} else {
			authors[e.Post.AuthorID] = true
		}
	}
	if len(authors) > 11 || len(home) == 0 {
		t.Errorf("home of %s: %d posts by %d authors, want posts by at most 11", Follows10, len(home), len(authors))
	}

	// The server's next post sorts after every seeded one.
	newest := posts[len(posts)-1].Post.ID
	for _, e := range reposts {
		newest = max(newest, e.RepostID)
	}
	if id := db.NewID(); id <= newest {
		t.Errorf("NewID %d after seeding, want > %d", id, newest)
	}
	permalink := regexp.MustCompile(`^/@[A-Za-z0-9_]+/[0-9]+$`)
	writers := map[string]bool{}
	for _, w := range Writers {
		writers[w] = true
	}
	for _, link := range sum.SamplePosts {
		e := byPermalink(t, db, link)
		if e.Post.InReplyTo != 0 {
			t.Errorf("sample post %s is a reply", link)
		}
		for _, u := range listAll(t, func(p storage.Page) (storage.UserList, error) { return db.Likers(0, e.Post.ID, p) }) {
			if writers[u.Username] {
				t.Errorf("sample post %s is liked by %s", link, u.Username)
			}
		}
	}
	if len(sum.SamplePosts) < 10 || len(sum.Prolific) != 5 || sum.Prolific[0].Posts < sum.Prolific[4].Posts {
		t.Errorf("summary: %d samples, prolific %+v", len(sum.SamplePosts), sum.Prolific)
	}
	if len(sum.SampleThreads) != 20 || sum.SampleThreads[0].Replies < 5 {
		t.Errorf("sample threads: %+v, want 20, the first with several replies", sum.SampleThreads)
	}
	for i, th := range sum.SampleThreads {
		if !permalink.MatchString(th.Permalink) {
			t.Fatalf("sample thread %q is not a permalink", th.Permalink)
		}
		e := byPermalink(t, db, th.Permalink)
		if e.Post.InReplyTo != 0 || e.Post.Replies != th.Replies || (i > 0 && th.Replies > sum.SampleThreads[i-1].Replies) {
			t.Errorf("sample thread %d %s: %d replies (summary: %d), a reply: %v; want top-level posts, most replies first",
				i, th.Permalink, e.Post.Replies, th.Replies, e.Post.InReplyTo != 0)
		}
	}
}

// listUsers returns every account.
func listUsers(t *testing.T, db *storage.DB) []storage.User {
	t.Helper()
	return listAll(t, db.ListUsers)
}

// everything returns every post (replies included), oldest first, and
// every repost, from the profiles of users.
func everything(t *testing.T, db *storage.DB, users []storage.User) (posts, reposts []storage.Entry) {
	t.Helper()
	for _, u := range users {
		for _, e := range walk(t, func(p storage.Page) (storage.Timeline, error) { return db.AuthorTimeline(0, u.ID, true, p) }) {
			if e.RepostedBy != nil {
				reposts = append(reposts, e)
			} else {
				posts = append(posts, e)
			}
		}
	}
	slices.SortFunc(posts, func(a, b storage.Entry) int { return cmp.Compare(a.Post.ID, b.Post.ID) })
	return posts, reposts
}

// byPermalink loads the post of a "/@name/ID" permalink.
func byPermalink(t *testing.T, db *storage.DB, link string) storage.Entry {
	t.Helper()
	_, idStr, _ := strings.Cut(strings.TrimPrefix(link, "/@"), "/")
	id, err := storage.ParseID(idStr)
	if err != nil {
		t.Fatalf("permalink %q: %v", link, err)
	}
	e, err := db.Post(0, id)
	if err != nil {
		t.Fatalf("permalink %q: %v", link, err)
	}
	if !strings.HasPrefix(link, "/@"+e.Author.Username+"/") {
		t.Errorf("permalink %q names the wrong author, %s", link, e.Author.Username)
	}
	return e
}

// TestRunPowerLaws checks the shapes at the default mean of 50 follows: a
// few accounts followed by hundreds, most by few; a few prolific authors.
func TestRunPowerLaws(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 1,000 users")
	}
	db, sum := seedDB(t, Options{Users: 1000, Posts: 20_000, Seed: 3, Distinct: 500, End: end})
	if mean := float64(sum.Follows) / 1000; mean < 40 || mean > 60 {
		t.Errorf("mean follows %.1f, want about 50", mean)
	}
	if f := sum.Popular[0].Followers; f < 500 {
		t.Errorf("most followed account has %d followers, want hundreds", f)
	}
	// Most accounts have few followers.
	few := 0
	page := storage.Page{Limit: 100}
	var counts, likes []int
	for range 100 {
		tl, err := db.LocalTimeline(0, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tl.Entries {
			counts = append(counts, e.Author.FollowersCount)
			likes = append(likes, e.Post.Likes)
		}
		page.Before = tl.Next
	}
	slices.Sort(counts)
	for _, c := range counts {
		if c < 50 {
			few++
		}
	}
	if median := counts[len(counts)/2]; median > 100 {
		t.Errorf("median followers of authors %d, want few", median)
	}
	if top, fifth := sum.Prolific[0].Posts, sum.Prolific[4].Posts; top < 200 || top < fifth {
		t.Errorf("most prolific authors: %+v, want a few hundred posts each", sum.Prolific)
	}
	for _, a := range sum.Fixed {
		if want := map[string]int{Follows10: 10, Follows100: 100, Follows1000: 999}[a.Username]; want > 0 && a.Following != want {
			t.Errorf("%s follows %d, want %d", a.Username, a.Following, want)
		}
	}

	// Interactions at the default means: about 27% replies, 3 likes and
	// 0.3 reposts per post, 20 bookmarks per user.
	n := float64(sum.Posts)
	if f := float64(sum.Replies) / n; f < 0.24 || f > 0.30 {
		t.Errorf("%.2f of the posts are replies, want about 0.27", f)
	}
	if m := float64(sum.Likes) / n; m < 2.5 || m > 3.5 {
		t.Errorf("%.2f likes per post, want about 3", m)
	}
	if m := float64(sum.Reposts) / n; m < 0.2 || m > 0.4 {
		t.Errorf("%.2f reposts per post, want about 0.3", m)
	}
	if m := float64(sum.Bookmarks) / 1000; m < 15 || m > 25 {
		t.Errorf("%.1f bookmarks per user, want about 20", m)
	}
	// Likes follow a power law: most top-level posts get none or a few,
	// popular authors' posts dozens to hundreds.
	slices.Sort(likes)
	few = 0
	for _, l := range likes {
		if l <= 3 {
			few++
		}
	}
	if share, most := float64(few)/float64(len(likes)), likes[len(likes)-1]; share < 0.6 || most < 100 {
		t.Errorf("%.0f%% of posts have at most 3 likes, the most liked %d; want most and over 100", 100*share, most)
	}
	// A few long threads.
	if th := sum.SampleThreads; len(th) != 20 || th[0].Replies < 20 || th[19].Replies < 8 {
		t.Errorf("the longest threads: %+v, want 20 with at least 8 replies, the first with dozens", th)
	}
}

func TestRunDeterministic(t *testing.T) {
	o := Options{Users: 15, Posts: 400, Follows: 4, Seed: 42, Distinct: 100, End: end}
	// content lists the posts and reposts in time order, each with who
	// wrote it, its text, counts, whom it answers or reposts (by place in
	// the list) and who liked and bookmarked it; no IDs or times.
	content := func(o Options) []string {
		db, _ := seedDB(t, o)
		users := listUsers(t, db)
		posts, reposts := everything(t, db, users)
		place := map[storage.ID]int{}
		for i, e := range posts {
			place[e.Post.ID] = i
		}
		marked := map[storage.ID][]string{}
		for _, u := range users {
			for _, e := range walk(t, func(p storage.Page) (storage.Timeline, error) { return db.Bookmarks(u.ID, p) }) {
				marked[e.Post.ID] = append(marked[e.Post.ID], u.Username)
			}
		}
		var out []string
		for _, e := range posts {
			p := e.Post
			var likers []string
			for _, u := range listAll(t, func(pg storage.Page) (storage.UserList, error) { return db.Likers(0, p.ID, pg) }) {
				likers = append(likers, u.Username)
			}
			parent := -1
			if p.InReplyTo != 0 {
				parent = place[p.InReplyTo]
			}
			out = append(out, fmt.Sprintf("%s %s %s %d %d/%d/%d %v %v %s", e.Author.Username, e.Author.DisplayName, p.Visibility,
				parent, p.Replies, p.Likes, p.Reposts, likers, marked[p.ID], p.Source))
		}
		slices.SortFunc(reposts, func(a, b storage.Entry) int { return cmp.Compare(a.RepostID, b.RepostID) })
		for _, e := range reposts {
			out = append(out, fmt.Sprintf("repost of %d by %s", place[e.Post.ID], e.RepostedBy.Username))
		}
		return out
	}
	a, b := content(o), content(o)
	if !slices.Equal(a, b) {
		t.Errorf("two runs with seed 42 differ")
	}
	if len(a) < 400 || !slices.ContainsFunc(a, func(s string) bool { return strings.HasPrefix(s, "repost of") }) {
		t.Errorf("content of %d lines, want 400 posts and some reposts", len(a))
	}
	// Only the timestamps move with End.
	later := o
	later.End = end.Add(1000 * time.Hour)
	if c := content(later); !slices.Equal(a, c) {
		t.Errorf("another End gave other content")
	}
	o.Seed = 43
	if c := content(o); slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same content")
	}
}

func TestRunRefusesUsedFile(t *testing.T) {
	db, _ := seedDB(t, Options{Users: 10, Posts: 5, End: end})
	_, err := Run(context.Background(), db, Options{Users: 10, Posts: 5})
	if !errors.Is(err, ErrNotEmpty) {
		t.Errorf("seeding a seeded file: got %v, want ErrNotEmpty", err)
	}
	if _, err := Run(context.Background(), db, Options{Users: 9}); err == nil {
		t.Errorf("9 users: got no error, want one (the fixed accounts need 10)")
	}
}

func TestBodies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	w := &writer{r: r, mention: func() string { return "someone_12" }, tag: rand.NewZipf(r, 1.3, 1, uint64(len(tags)-1))}
	var short, long int
	for range 20_000 {
		b := w.body()
		n := markup.Length(b)
		if n > maxBody || n == 0 {
			t.Fatalf("body of %d characters:\n%s", n, b)
		}
		if n < 80 {
			short++
		}
		if n > 300 {
			long++
		}
	}
	if short < 2000 || long < 1000 {
		t.Errorf("%d short and %d long bodies of 20,000; want both kinds", short, long)
	}
}
