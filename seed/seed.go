// Package seed fills a fresh majlis database with generated users, follows,
// posts and replies, likes, reposts and bookmarks, for measuring: realistic
// sizes and shapes (power-law follower, post, like and reply counts, threads
// of a few dozen replies, Markdown bodies of varied length, Arabic and
// emoji), made deterministically from a seed and written with storage's
// bulk loader.
//
// The first accounts have fixed names that load tests log in as (see
// Fixed); every account has the same password.
package seed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/markup"
	"majlis/storage"
)

// Names of the fixed accounts, the first ten users of every seeded
// instance.
const (
	// Admin administers the instance; it follows the average number of
	// accounts.
	Admin = "admin"
	// Follows10, Follows100 and Follows1000 follow exactly 10, 100 and
	// 1,000 accounts (or every other account on a smaller instance): the
	// home timeline at three sizes of the followed set.
	Follows10   = "follows10"
	Follows100  = "follows100"
	Follows1000 = "follows1000"
)

// Writers are the accounts load tests post as (writer1 ... writer6); they
// follow the average number of accounts.
var Writers = []string{"writer1", "writer2", "writer3", "writer4", "writer5", "writer6"}

// Fixed lists the fixed accounts in the order they are created, with the
// number of accounts each follows (0: drawn like everyone else's).
func Fixed() []Account {
	a := []Account{
		{Username: Admin, Role: string(storage.RoleAdmin)},
		{Username: Follows10, Following: 10},
		{Username: Follows100, Following: 100},
		{Username: Follows1000, Following: 1000},
	}
	for _, w := range Writers {
		a = append(a, Account{Username: w})
	}
	return a
}

// MinUsers is the smallest instance Run makes: the fixed accounts.
const MinUsers = 10

// ErrNotEmpty means the database to seed already has users.
var ErrNotEmpty = errors.New("database is not empty")

// Options say what to generate. Users and Posts are required.
type Options struct {
	Users int
	Posts int
	// Follows is the mean number of accounts a user follows (default 50,
	// capped at Users-1). Who is followed follows a power law.
	Follows int
	// Seed makes the content: the same seed and options give the same
	// users, follows, posts, replies, likes, reposts and bookmarks. Only
	// the timestamps move with End.
	Seed uint64
	// Password is every account's password (default "password123"). It is
	// hashed once with bcrypt.DefaultCost and the hash is shared.
	Password string
	// BaseURL is the instance's public URL, for the canonical URIs of users
	// and posts (default http://localhost:8080).
	BaseURL string
	// End is the time of the newest post (default now); posts spread over
	// Span (default two years) before it.
	End  time.Time
	Span time.Duration
	// Distinct is how many different bodies are written and rendered
	// (default 10,000); posts reuse them by index. Rendering Markdown is
	// the slow part of seeding. At least Posts means every body is new.
	Distinct int
	// Chunk is the number of posts per transaction (default 25,000).
	Chunk int
	// Replies is the fraction of posts that answer an earlier post
	// (default 0.27, at most 0.9; negative for none). Replies go to
	// recent posts, the more to a post the more attention it draws (the
	// same appeal that brings likes: its author's followers times a
	// heavy-tailed draw of its own), so a few threads grow to dozens of
	// replies; some answer replies. Most are written by followers of the
	// author they answer, and most begin with a mention of that author.
	Replies float64
	// Likes is the mean number of likes per post (default 3), Reposts the
	// mean number of reposts per post (default 0.3; only top-level posts
	// are reposted) and Bookmarks the mean number of bookmarks per user
	// (default 20); negative for none. How many a post gets grows with its
	// author's followers, times a heavy-tailed draw of its own, so most
	// posts get none or a few and popular authors' posts dozens to
	// hundreds. They come from distinct accounts other than the author,
	// mostly the author's followers; reposts and bookmarks mostly from the
	// post's likers.
	Likes, Reposts, Bookmarks float64
	// Progress receives progress lines; nil discards them.
	Progress io.Writer
}

func (o *Options) defaults() error {
	if o.Users < MinUsers {
		return fmt.Errorf("seed: at least %d users are needed (the fixed accounts), got %d", MinUsers, o.Users)
	}
	if o.Posts < 0 {
		return fmt.Errorf("seed: negative number of posts %d", o.Posts)
	}
	if o.Follows == 0 {
		o.Follows = 50
	}
	if o.Follows < 0 {
		return fmt.Errorf("seed: negative mean follows %d", o.Follows)
	}
	o.Follows = min(o.Follows, o.Users-1)
	if o.Password == "" {
		o.Password = "password123"
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://localhost:8080"
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.End.IsZero() {
		o.End = time.Now()
	}
	if o.Span == 0 {
		o.Span = 2 * 365 * 24 * time.Hour
	}
	if o.Distinct <= 0 {
		o.Distinct = 10_000
	}
	if o.Chunk <= 0 {
		o.Chunk = 25_000
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	// Zero means the default; negative, none.
	rate := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
		*v = max(*v, 0)
	}
	rate(&o.Replies, 0.27)
	o.Replies = min(o.Replies, 0.9)
	rate(&o.Likes, 3)
	rate(&o.Reposts, 0.3)
	rate(&o.Bookmarks, 20)
	return nil
}

// Account is a generated user, as the summary lists it.
type Account struct {
	Username  string `json:"username"`
	Role      string `json:"role,omitempty"`
	Following int    `json:"following"`
	Followers int    `json:"followers"`
	Posts     int    `json:"posts"`
}

// Summary tells what Run made, with names a load test can use.
type Summary struct {
	Users int `json:"users"`
	// Posts counts the posts written, Replies among them; Reposts are
	// stored as posts too, besides.
	Posts     int `json:"posts"`
	Replies   int `json:"replies"`
	Reposts   int `json:"reposts"`
	Likes     int `json:"likes"`
	Bookmarks int `json:"bookmarks"`
	Follows   int `json:"follows"`
	// Password is the password of every account.
	Password string `json:"password"`
	// Fixed are the fixed accounts (see Fixed) with their counts.
	Fixed []Account `json:"fixed"`
	// Prolific are the five accounts with the most posts, most first;
	// Popular the five with the most followers.
	Prolific []Account `json:"prolific"`
	Popular  []Account `json:"popular"`
	// Tags are the hashtags written in posts, busiest first.
	Tags []string `json:"tags"`
	// SamplePosts are permalinks ("/@name/ID") of some recent top-level
	// posts that none of the Writers liked: a load test can like and
	// unlike them as the writers.
	SamplePosts []string `json:"sample_posts"`
	// SampleThreads are the top-level posts with the most direct replies,
	// most first: the longest threads' pages.
	SampleThreads []Thread `json:"sample_threads"`
	// Timings of the phases.
	Render  time.Duration `json:"render_ns"`
	Write   time.Duration `json:"write_ns"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Thread is a post with replies.
type Thread struct {
	Permalink string `json:"permalink"`
	Replies   int    `json:"replies"`
}

// user is a generated account while Run works.
type user struct {
	storage.User
	following []int32 // indexes of followed users, ascending
}

// Run fills db, which must hold no users, and returns what it made. Open
// db with storage.Options{NoSync: true} and call db.Sync afterwards.
func Run(ctx context.Context, db *storage.DB, o Options) (Summary, error) {
	start := time.Now()
	if err := o.defaults(); err != nil {
		return Summary{}, err
	}
	n, err := db.CountUsers()
	if err != nil {
		return Summary{}, fmt.Errorf("seed: %w", err)
	}
	if n > 0 {
		return Summary{}, fmt.Errorf("seed: %s already has %d users; seed fills only a fresh data folder (remove the file or choose another folder): %w", db.Path(), n, ErrNotEmpty)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(o.Password), bcrypt.DefaultCost)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: hash password: %w", err)
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	g := &gen{o: o, r: r, hash: string(hash)}
	g.makeUsers()
	g.makeFollows()
	fmt.Fprintf(o.Progress, "seed: %d users, %d follows generated\n", len(g.users), g.nFollows)

	g.shapePosts()
	fmt.Fprintf(o.Progress, "seed: %d posts planned, %d of them replies\n", o.Posts, g.shape.nReplies)

	t := time.Now()
	bodies, replies, err := g.makeBodies(ctx)
	if err != nil {
		return Summary{}, err
	}
	render := time.Since(t)
	fmt.Fprintf(o.Progress, "seed: %d distinct bodies and %d replies rendered in %s\n", len(bodies), len(replies), render.Round(time.Millisecond))

	t = time.Now()
	if err := g.writeUsers(ctx, db); err != nil {
		return Summary{}, err
	}
	sum, err := g.writePosts(ctx, db, bodies, replies)
	if err != nil {
		return Summary{}, err
	}
	sum.Render = render + g.rendered
	sum.Write = time.Since(t) - g.rendered
	sum.Elapsed = time.Since(start)
	sum.Password = o.Password
	return sum, nil
}

type gen struct {
	o         Options
	r         *rand.Rand
	hash      string
	users     []user
	popular   []int     // users by popularity rank: popular[0] is followed most
	followers [][]int32 // indexes of each user's followers, ascending
	nFollows  int
	ids       storage.IDGenerator
	shape     shape
	// byName finds a user's index by lower-case username, for mentions.
	byName map[string]int
	// rendered is rendering time spent while writing (replies that name
	// whom they answer).
	rendered time.Duration
	// picked marks the accounts already drawn for one post.
	picked []bool
}

// start is when the first post may be written.
func (g *gen) start() time.Time { return g.o.End.Add(-g.o.Span) }

func (g *gen) makeUsers() {
	taken := map[string]bool{}
	for _, a := range Fixed() {
		taken[a.Username] = true
	}
	// Accounts join over the month before the first post, in order.
	joinSpan := 30 * 24 * time.Hour
	n := g.o.Users
	fixed := Fixed()
	g.users = make([]user, n)
	for i := range n {
		var name string
		role := storage.RoleUser
		if i < len(fixed) {
			name = fixed[i].Username
			if fixed[i].Role != "" {
				role = storage.Role(fixed[i].Role)
			}
		} else {
			name = g.username(taken)
		}
		joined := g.start().Add(-joinSpan + time.Duration(int64(joinSpan)/int64(n)*int64(i)))
		id := g.ids.Next(joined)
		g.users[i].User = storage.User{
			ID:           id,
			Username:     name,
			DisplayName:  g.displayName(),
			Bio:          g.bio(),
			PasswordHash: g.hash,
			Role:         role,
			URI:          g.o.BaseURL + "/users/" + name,
			CreatedAt:    id.Time(),
			// Most agreed to be found by search; every fifth did not, so
			// search is measured with its consent check at work.
			Indexable: i%5 != 4,
		}
	}
}

// username is word_word12: valid for the server (letters, digits,
// underscore, at most 30) and unique regardless of case.
func (g *gen) username(taken map[string]bool) string {
	for i := 0; ; i++ {
		digits := 100
		if i > 20 {
			digits = 100_000
		}
		name := adjectives[g.r.IntN(len(adjectives))] + "_" + nouns[g.r.IntN(len(nouns))] + fmt.Sprint(g.r.IntN(digits))
		if k := strings.ToLower(name); !taken[k] {
			taken[k] = true
			return name
		}
	}
}

func (g *gen) displayName() string {
	switch n := g.r.IntN(100); {
	case n < 30:
		s := arabicNames[g.r.IntN(len(arabicNames))]
		if g.r.IntN(2) == 0 {
			s += " " + arabicFamily[g.r.IntN(len(arabicFamily))]
		}
		return s
	case n < 42:
		return latinNames[g.r.IntN(len(latinNames))] + " " + emoji[g.r.IntN(len(emoji))]
	case n < 85:
		return latinNames[g.r.IntN(len(latinNames))] + " " + latinFamily[g.r.IntN(len(latinFamily))]
	}
	return "" // the username is shown
}

func (g *gen) bio() string {
	if g.r.IntN(2) == 0 {
		return ""
	}
	return strings.ToUpper(adjectives[g.r.IntN(len(adjectives))][:1]) + adjectives[g.r.IntN(len(adjectives))][1:] +
		" " + nouns[g.r.IntN(len(nouns))] + " keeper. " + sentences[g.r.IntN(len(sentences))]
}

// makeFollows draws each user's followed accounts: how many from an
// exponential distribution around the mean, which ones from a Zipf
// distribution over a random popularity order, so a few accounts are
// followed by most users and most by few.
func (g *gen) makeFollows() {
	n := len(g.users)
	g.popular = g.r.Perm(n)
	zipf := rand.NewZipf(g.r, 1.1, 1, uint64(n-1))
	exact := map[int]int{}
	for i, a := range Fixed() {
		if a.Following > 0 {
			exact[i] = min(a.Following, n-1)
		}
	}
	chosen := make([]bool, n)
	for u := range g.users {
		k, ok := exact[u]
		if !ok {
			k = int(math.Round(float64(g.o.Follows) * g.r.ExpFloat64()))
			k = max(1, min(k, n-1))
		}
		var f []int32
		if k*3 > n-1 {
			// Dense: a uniform sample of everyone else.
			for _, v := range g.r.Perm(n)[:min(k+1, n)] {
				if v != u && len(f) < k {
					f = append(f, int32(v))
				}
			}
		} else {
			for tries := 0; len(f) < k; tries++ {
				var v int
				if tries < 50*k {
					v = g.popular[zipf.Uint64()]
				} else {
					v = g.r.IntN(n) // the popular ones are all taken
				}
				if v == u || chosen[v] {
					continue
				}
				chosen[v] = true
				f = append(f, int32(v))
			}
			for _, v := range f {
				chosen[v] = false
			}
		}
		slices.Sort(f)
		g.users[u].following = f
		g.nFollows += len(f)
	}
	g.followers = make([][]int32, n)
	for u := range g.users {
		for _, v := range g.users[u].following {
			g.followers[v] = append(g.followers[v], int32(u))
		}
	}
}

// body is one distinct post text, rendered.
type body struct {
	source, html string
	tags         []string
	mentions     []storage.ID
}

// makeBodies writes the distinct bodies of top-level posts and of
// replies and renders them on every core, as the server does: mentions of
// existing accounts become links (and the post's Mentions), hashtags
// become links (and its Tags).
func (g *gen) makeBodies(ctx context.Context) (bodies, replies []body, err error) {
	n := min(g.o.Distinct, g.o.Posts)
	mz := rand.NewZipf(g.r, 1.1, 1, uint64(len(g.users)-1))
	w := &writer{
		r:       g.r,
		mention: func() string { return g.users[g.popular[mz.Uint64()]].Username },
		tag:     rand.NewZipf(g.r, 1.3, 1, uint64(len(tags)-1)),
	}
	bodies = make([]body, n)
	for i := range bodies {
		bodies[i].source = w.body()
	}
	replies = make([]body, min(g.o.Distinct, g.shape.nReplies))
	for i := range replies {
		replies[i].source = w.reply()
	}
	g.byName = make(map[string]int, len(g.users))
	for i, u := range g.users {
		g.byName[strings.ToLower(u.Username)] = i
	}
	all := make([]*body, 0, len(bodies)+len(replies))
	for i := range bodies {
		all = append(all, &bodies[i])
	}
	for i := range replies {
		all = append(all, &replies[i])
	}
	if err := g.render(ctx, all); err != nil {
		return nil, nil, err
	}
	return bodies, replies, nil
}

// render renders the sources of bs on every core.
func (g *gen) render(ctx context.Context, bs []*body) error {
	opt := markup.Options{Mention: func(name string) (string, string, bool) {
		i, ok := g.byName[strings.ToLower(name)]
		if !ok {
			return "", "", false
		}
		return "/@" + g.users[i].Username, g.users[i].Username, true
	}}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan *body, 256)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				res, err := markup.RenderPost(b.source, opt)
				if err == nil && markup.Length(b.source) > 500 {
					err = fmt.Errorf("body %q is %d characters long", b.source, markup.Length(b.source))
				}
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					continue
				}
				b.html, b.tags = res.HTML, res.Tags
				for _, name := range res.Mentions {
					b.mentions = append(b.mentions, g.users[g.byName[strings.ToLower(name)]].ID)
				}
			}
		}()
	}
	for i, b := range bs {
		if i%1024 == 0 && ctx.Err() != nil {
			break
		}
		next <- b
	}
	close(next)
	wg.Wait()
	if err := cmp.Or(ctx.Err(), firstErr); err != nil {
		return fmt.Errorf("seed: render: %w", err)
	}
	return nil
}

func (g *gen) writeUsers(ctx context.Context, db *storage.DB) error {
	err := db.Bulk(func(b *storage.BulkWriter) error {
		for _, u := range g.users {
			if err := b.PutUser(u.User); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed: users: %w", err)
	}
	// Follows in transactions of about Chunk each, grouped by follower.
	end := g.o.End
	for from := 0; from < len(g.users); {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		to, count := from, 0
		for to < len(g.users) && (count == 0 || count+len(g.users[to].following) <= g.o.Chunk) {
			count += len(g.users[to].following)
			to++
		}
		err := db.Bulk(func(b *storage.BulkWriter) error {
			for _, u := range g.users[from:to] {
				for _, v := range u.following {
					followee := g.users[v]
					since := u.CreatedAt
					if followee.CreatedAt.After(since) {
						since = followee.CreatedAt
					}
					// One draw whatever the length (Int64N may take more
					// for some bounds), so the content does not move with End.
					since = since.Add(time.Duration(g.r.Float64() * float64(end.Sub(since))))
					if err := b.PutFollow(u.ID, followee.ID, since); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed: follows: %w", err)
		}
		from = to
	}
	return nil
}
