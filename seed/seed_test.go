package seed

import (
	"context"
	"errors"
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

func walkUsers(t *testing.T, get func(storage.Page) (storage.UserList, error)) int {
	t.Helper()
	n := 0
	page := storage.Page{Limit: 100}
	for {
		l, err := get(page)
		if err != nil {
			t.Fatalf("user list: %v", err)
		}
		n += len(l.Users)
		if l.Next == 0 {
			return n
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

	local := walk(t, func(p storage.Page) (storage.Timeline, error) { return db.LocalTimeline(0, p) })
	if len(local) != 3000 {
		t.Fatalf("local timeline: got %d posts, want 3000", len(local))
	}
	if got := local[0].Post.CreatedAt; !got.Equal(end.Truncate(time.Millisecond)) {
		t.Errorf("newest post at %s, want %s", got, end)
	}
	if oldest := local[len(local)-1].Post.CreatedAt; oldest.Before(end.Add(-2*365*24*time.Hour)) || oldest.After(end.Add(-365*24*time.Hour)) {
		t.Errorf("oldest post at %s, want about two years before %s", oldest, end)
	}
	postsBy := map[storage.ID]int{}
	var arabicPosts, emojiPosts, mentions, tagged, links, lists, code, quotes, mentionLinks, tagLinks int
	for i, e := range local {
		p := e.Post
		if i > 0 && !(p.ID < local[i-1].Post.ID) {
			t.Fatalf("local timeline out of order at %d", i)
		}
		if !p.CreatedAt.Equal(p.ID.Time()) {
			t.Errorf("post %d: created %s, ID time %s", p.ID, p.CreatedAt, p.ID.Time())
		}
		if n := markup.Length(p.Source); n > 500 || n == 0 {
			t.Errorf("post %d: %d characters", p.ID, n)
		}
		if want := "https://majlis.example/@" + e.Author.Username + "/" + p.ID.String(); p.URI != want {
			t.Errorf("post URI %q, want %q", p.URI, want)
		}
		if p.HTML == "" || !p.Local || p.Visibility != storage.Public {
			t.Errorf("post %d: html %q local %v visibility %q", p.ID, p.HTML, p.Local, p.Visibility)
		}
		postsBy[p.AuthorID]++
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
			t.Errorf("only %d of 3000 posts have %s", n, name)
		}
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

	seen := map[string]bool{}
	var arabicNames, emojiNames int
	followers := map[string]int{}
	for _, a := range sum.Fixed {
		followers[a.Username] = a.Followers
	}
	var all []storage.User
	for _, e := range local {
		if !seen[strings.ToLower(e.Author.Username)] {
			seen[strings.ToLower(e.Author.Username)] = true
			all = append(all, e.Author)
		}
	}
	for _, a := range Fixed() {
		u, err := db.LocalUser(strings.ToUpper(a.Username))
		if err != nil {
			t.Fatalf("fixed account %s: %v", a.Username, err)
		}
		if !seen[u.Username] {
			seen[u.Username] = true
			all = append(all, u)
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
	for _, u := range all {
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
		fresh, err := db.LocalUser(u.Username)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.PostsCount != postsBy[u.ID] {
			t.Errorf("%s: PostsCount %d, wrote %d", u.Username, fresh.PostsCount, postsBy[u.ID])
		}
		if n := len(walk(t, func(p storage.Page) (storage.Timeline, error) { return db.AuthorTimeline(0, u.ID, false, p) })); n != fresh.PostsCount {
			t.Errorf("%s: profile lists %d posts, count says %d", u.Username, n, fresh.PostsCount)
		}
		if n := walkUsers(t, func(p storage.Page) (storage.UserList, error) { return db.Followers(u.ID, p) }); n != fresh.FollowersCount {
			t.Errorf("%s: %d followers listed, count says %d", u.Username, n, fresh.FollowersCount)
		}
		if n := walkUsers(t, func(p storage.Page) (storage.UserList, error) { return db.Following(u.ID, p) }); n != fresh.FollowingCount {
			t.Errorf("%s: %d followed listed, count says %d", u.Username, n, fresh.FollowingCount)
		}
		if f, ok := followers[u.Username]; ok && f != fresh.FollowersCount {
			t.Errorf("%s: summary says %d followers, profile %d", u.Username, f, fresh.FollowersCount)
		}
	}
	if arabicNames == 0 || emojiNames == 0 {
		t.Errorf("display names: %d in Arabic, %d with emoji; want some of each", arabicNames, emojiNames)
	}

	// The home timeline of follows10 is its own posts and those of the ten.
	f10, _ := db.LocalUser(Follows10)
	home := walk(t, func(p storage.Page) (storage.Timeline, error) { return db.HomeTimeline(f10.ID, p) })
	authors := map[storage.ID]bool{}
	for _, e := range home {
		authors[e.Post.AuthorID] = true
	}
	if len(authors) > 11 || len(home) == 0 {
		t.Errorf("home of %s: %d posts by %d authors, want posts by at most 11", Follows10, len(home), len(authors))
	}

	// The server's next post sorts after every seeded one.
	if id := db.NewID(); id <= local[0].Post.ID {
		t.Errorf("NewID %d after seeding, want > %d", id, local[0].Post.ID)
	}
	for _, p := range sum.SamplePosts {
		if !regexp.MustCompile(`^/@[A-Za-z0-9_]+/[0-9]+$`).MatchString(p) {
			t.Errorf("sample post %q is not a permalink", p)
		}
	}
	if len(sum.SamplePosts) < 10 || len(sum.Prolific) != 5 || sum.Prolific[0].Posts < sum.Prolific[4].Posts {
		t.Errorf("summary: %d samples, prolific %+v", len(sum.SamplePosts), sum.Prolific)
	}
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
	var counts []int
	for range 100 {
		tl, err := db.LocalTimeline(0, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tl.Entries {
			counts = append(counts, e.Author.FollowersCount)
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
}

func TestRunDeterministic(t *testing.T) {
	o := Options{Users: 15, Posts: 400, Follows: 4, Seed: 42, Distinct: 100, End: end}
	content := func(o Options) []string {
		db, _ := seedDB(t, o)
		var out []string
		for _, e := range walk(t, func(p storage.Page) (storage.Timeline, error) { return db.LocalTimeline(0, p) }) {
			out = append(out, e.Post.ID.String()+" "+e.Author.Username+" "+e.Author.DisplayName+" "+e.Post.Source)
		}
		return out
	}
	a, b := content(o), content(o)
	if !slices.Equal(a, b) {
		t.Errorf("two runs with seed 42 differ")
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
