package seed

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"time"

	"majlis/storage"
)

// shape is the structure of the posts, drawn before any is written: when
// each is written, by whom, which earlier post it answers, and how much
// attention it draws. Indexes are in time order.
type shape struct {
	times  []int64 // milliseconds after start, ascending
	author []int32
	parent []int32 // the post answered; -1 for a top-level post
	// appeal is how much attention a post draws, relative to others: its
	// author's followers (plus two, so that nobody goes unnoticed) times
	// a heavy-tailed draw of its own. Replies, likes, reposts and
	// bookmarks all go by it.
	appeal   []float32
	replies  []int32 // direct replies of each post
	nReplies int
}

// Attention: a post's own draw is lognormal with this sigma (scaled to a
// mean of 1), so a few posts draw tens of times the attention of most.
const appealSigma = 1.0

// recent is how many of the latest posts a reply chooses its parent
// among (at 1,000,000 posts over two years, about 18 hours' worth),
// each with a chance proportional to its appeal; a reply's appeal counts
// replyAppeal times as much, so some replies are answered in turn.
const (
	recent      = 1000
	replyAppeal = 0.4
)

// shapePosts spreads the posts over the span (uniform times, sorted, so
// IDs follow time), draws the authors of top-level posts from a power law
// over a random order of users, and makes a fraction of the posts replies
// to recent posts, mostly by followers of the author answered.
func (g *gen) shapePosts() {
	n := g.o.Posts
	s := shape{times: make([]int64, n), author: make([]int32, n), parent: make([]int32, n),
		appeal: make([]float32, n), replies: make([]int32, n)}
	span := g.o.Span.Milliseconds()
	for i := range s.times {
		s.times[i] = g.r.Int64N(span)
	}
	slices.Sort(s.times)
	if n > 0 {
		s.times[n-1] = span // the newest post is "now"
	}
	prolific := g.r.Perm(len(g.users))
	az := rand.NewZipf(g.r, 1.2, 10, uint64(len(g.users)-1))
	draw := func() int32 { return int32(prolific[az.Uint64()]) }
	// The recent posts, by slot (post i in slot i%recent), with their
	// weights in a Fenwick tree for drawing by weight.
	slot := make([]int32, recent)
	weight := make([]int64, recent)
	tree := fenwick(make([]int64, recent+1))
	var total int64
	meanX := math.Exp(appealSigma * appealSigma / 2)
	for i := range n {
		s.parent[i] = -1
		if total > 0 && g.r.Float64() < g.o.Replies {
			for range 4 {
				j := slot[tree.find(g.r.Int64N(total))]
				if s.times[j] < s.times[i] { // strictly after its parent
					s.parent[i] = j
					break
				}
			}
		}
		a := draw()
		if p := s.parent[i]; p >= 0 {
			answered := s.author[p]
			fol := g.followers[answered]
			switch x := g.r.Float64(); {
			case x < 0.1:
				a = answered // a thread of one's own
			case x < 0.8 && len(fol) > 0:
				a = fol[g.r.IntN(len(fol))]
			}
			s.replies[p]++
			s.nReplies++
		}
		s.author[i] = a
		s.appeal[i] = float32(float64(len(g.followers[a])+2) * math.Exp(appealSigma*g.r.NormFloat64()) / meanX)
		factor := 1.0
		if s.parent[i] >= 0 {
			factor = replyAppeal
		}
		// Integer weights keep the tree's sums exact; at least 1, so
		// every recent post may be answered.
		w := int64(float64(s.appeal[i])*factor*1000) + 1
		k := i % recent
		slot[k] = int32(i)
		tree.add(k, w-weight[k])
		total += w - weight[k]
		weight[k] = w
	}
	g.shape = s
}

// fenwick is a binary indexed tree of weights: prefix sums and drawing by
// weight in O(log n).
type fenwick []int64

func (f fenwick) add(i int, d int64) {
	for i++; i < len(f); i += i & -i {
		f[i] += d
	}
}

// find returns the index whose weight covers u, for 0 <= u < the total:
// the smallest i with weights[0..i] summing to more than u.
func (f fenwick) find(u int64) int {
	pos := 0
	for step := 1 << (bits.Len(uint(len(f)-1)) - 1); step > 0; step >>= 1 {
		if pos+step < len(f) && f[pos+step] <= u {
			pos += step
			u -= f[pos]
		}
	}
	return pos
}

// audience sets the means of a post's likes, reposts and bookmarks per
// unit of appeal, so that the means over all posts are the options'.
type audience struct {
	likesTop, likesReply float64
	reposts, bookmarks   float64
}

// replyLikes is how much a reply is liked compared with a top-level post:
// fewer people see it.
const replyLikes = 0.4

func (g *gen) audience() audience {
	s := &g.shape
	n := len(s.author)
	var sumTop, sumReply float64
	for i, a := range s.appeal {
		if s.parent[i] < 0 {
			sumTop += float64(a)
		} else {
			sumReply += float64(a)
		}
	}
	nTop, nReply := float64(n-s.nReplies), float64(s.nReplies)
	// Top-level posts get a likes on average, replies replyLikes*a, so
	// that the mean over all posts is Likes.
	a := g.o.Likes * float64(n) / (nTop + replyLikes*nReply)
	var au audience
	if sumTop > 0 {
		au.likesTop = a * nTop / sumTop
		au.reposts = g.o.Reposts * float64(n) / sumTop
	}
	if sumReply > 0 {
		au.likesReply = replyLikes * a * nReply / sumReply
	}
	if sumTop+sumReply > 0 {
		au.bookmarks = g.o.Bookmarks * float64(len(g.users)) / (sumTop + sumReply)
	}
	return au
}

// count draws how many of something a post with this mean gets, rounding
// at random so that the mean holds.
func (g *gen) count(mean float64) int {
	if mean <= 0 {
		return 0
	}
	whole, frac := math.Modf(mean)
	k := int(whole)
	if g.r.Float64() < frac {
		k++
	}
	return k
}

// pick appends k distinct accounts other than the author to dst, each
// drawn from prefer (with probability share, while it has any), else from
// the author's followers (mostly), else from everyone; in ascending order
// (of index, so of ID).
func (g *gen) pick(dst []int32, k int, author int32, prefer []int32, share float64) []int32 {
	k = min(k, len(g.users)-1)
	if k <= 0 {
		return dst
	}
	fol := g.followers[author]
	start := len(dst)
	g.picked[author] = true
	for tries := 0; len(dst)-start < k; tries++ {
		var v int32
		switch {
		case tries > 20*k: // the likely ones are taken: anyone
			v = int32(g.r.IntN(len(g.users)))
		case len(prefer) > 0 && g.r.Float64() < share:
			v = prefer[g.r.IntN(len(prefer))]
		case len(fol) > 0 && g.r.Float64() < 0.8:
			v = fol[g.r.IntN(len(fol))]
		default:
			v = int32(g.r.IntN(len(g.users)))
		}
		if g.picked[v] {
			continue
		}
		g.picked[v] = true
		dst = append(dst, v)
	}
	for _, v := range dst[start:] {
		g.picked[v] = false
	}
	g.picked[author] = false
	slices.Sort(dst[start:])
	return dst
}

// Delays after a post, on average, of its reposts and bookmarks.
const (
	repostDelay   = 6 * time.Hour
	bookmarkDelay = 2 * 24 * time.Hour
)

// later is a moment after a post (t, in milliseconds after start):
// exponentially distributed with the mean d, at least a millisecond
// after it; false when it falls after the newest post.
func (g *gen) later(t int64, d time.Duration) (int64, bool) {
	at := t + 1 + int64(g.r.ExpFloat64()*float64(d.Milliseconds()))
	return at, at <= g.o.Span.Milliseconds()
}

// repost is one to write when its time comes.
type repost struct {
	at   int64 // milliseconds after start
	orig int32 // post index
	user int32
}

type repostHeap []repost

func (h repostHeap) Len() int { return len(h) }
func (h repostHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && (h[i].orig < h[j].orig || (h[i].orig == h[j].orig && h[i].user < h[j].user)))
}
func (h repostHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *repostHeap) Push(x any)   { *h = append(*h, x.(repost)) }
func (h *repostHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// item is one post of a chunk, ready to be written.
type item struct {
	body *body // shared, or own
	own  body  // a reply's text with the mentions of whom it answers
	vis  storage.Visibility
	// likers and markers are ranges of chunk.users.
	likers, markers [2]int
}

// chunk is the posts of one transaction with everything written with them.
type chunk struct {
	items []item
	users []int32 // likers and bookmarkers of every item
	at    []int64 // when each bookmark was made, beside its bookmarker
	own   []*body // the items' own texts, to render
}

// writePosts writes the posts as shaped, in transactions of Chunk posts,
// each post with its likes and bookmarks, and the reposts among them in
// time order.
func (g *gen) writePosts(ctx context.Context, db *storage.DB, bodies, replyTexts []body) (Summary, error) {
	s := &g.shape
	n := len(s.times)
	au := g.audience()
	g.picked = make([]bool, len(g.users))
	startMS := g.start().UnixMilli()
	ids := make([]storage.ID, n)
	posts := make([]int, len(g.users))
	writer := make([]bool, len(g.users))
	fixed := Fixed()
	for i := len(fixed) - len(Writers); i < len(fixed); i++ {
		writer[i] = true
	}
	var (
		samples                      []int
		wantSample                   bool
		pending                      repostHeap
		nLikes, nReposts, nBookmarks int
	)
	sampleEvery := max(1, n/40)
	permalink := func(i int) string {
		return "/@" + g.users[s.author[i]].Username + "/" + ids[i].String()
	}
	uri := func(u int32, id storage.ID) string {
		return g.o.BaseURL + "/@" + g.users[u].Username + "/" + id.String()
	}
	putRepost := func(b *storage.BulkWriter, r repost) error {
		id := g.ids.Next(time.UnixMilli(startMS + r.at))
		err := b.PutPost(storage.Post{ID: id, AuthorID: g.users[r.user].ID, URI: uri(r.user, id), Local: true,
			Visibility: storage.Public, CreatedAt: id.Time(), RepostOf: ids[r.orig]})
		posts[r.user]++
		nReposts++
		return err
	}

	var c chunk
	t0, printed := time.Now(), time.Now()
	for from := 0; from < n; from += g.o.Chunk {
		if err := ctx.Err(); err != nil {
			return Summary{}, fmt.Errorf("seed: %w", err)
		}
		to := min(n, from+g.o.Chunk)
		g.plan(&c, from, to, au, bodies, replyTexts, &pending)
		t := time.Now()
		if err := g.render(ctx, c.own); err != nil {
			return Summary{}, err
		}
		g.rendered += time.Since(t)
		err := db.Bulk(func(b *storage.BulkWriter) error {
			for k := range c.items {
				i := from + k
				it := &c.items[k]
				for len(pending) > 0 && pending[0].at < s.times[i] {
					if err := putRepost(b, heap.Pop(&pending).(repost)); err != nil {
						return err
					}
				}
				a := &g.users[s.author[i]]
				id := g.ids.Next(time.UnixMilli(startMS + s.times[i]))
				ids[i] = id
				p := storage.Post{
					ID:         id,
					AuthorID:   a.ID,
					URI:        g.o.BaseURL + "/@" + a.Username + "/" + id.String(),
					Source:     it.body.source,
					HTML:       it.body.html,
					Tags:       it.body.tags,
					Mentions:   it.body.mentions,
					Visibility: it.vis,
					Local:      true,
					CreatedAt:  id.Time(),
				}
				if s.parent[i] >= 0 {
					p.InReplyTo = ids[s.parent[i]]
				}
				if err := b.PutPost(p); err != nil {
					return err
				}
				posts[s.author[i]]++
				writerLiked := false
				for _, u := range c.users[it.likers[0]:it.likers[1]] {
					if err := b.PutLike(g.users[u].ID, id); err != nil {
						return err
					}
					writerLiked = writerLiked || writer[u]
				}
				for j := it.markers[0]; j < it.markers[1]; j++ {
					if err := b.PutBookmark(g.users[c.users[j]].ID, id, time.UnixMilli(startMS+c.at[j])); err != nil {
						return err
					}
				}
				nLikes += it.likers[1] - it.likers[0]
				nBookmarks += it.markers[1] - it.markers[0]
				if i >= n/2 && (n-1-i)%sampleEvery == 0 {
					wantSample = true
				}
				if wantSample && s.parent[i] < 0 && !writerLiked {
					samples = append(samples, i)
					wantSample = false
				}
			}
			if to == n {
				// The reposts of the newest posts, after the newest post.
				for len(pending) > 0 {
					if err := putRepost(b, heap.Pop(&pending).(repost)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return Summary{}, fmt.Errorf("seed: posts: %w", err)
		}
		if time.Since(printed) >= 2*time.Second || to == n {
			printed = time.Now()
			el := time.Since(t0)
			fmt.Fprintf(g.o.Progress, "seed: %d/%d posts (%.0f%%) in %s, %.0f posts/s; %d likes, %d reposts, %d bookmarks\n",
				to, n, 100*float64(to)/float64(n), el.Round(time.Millisecond), float64(to)/el.Seconds(), nLikes, nReposts, nBookmarks)
		}
	}

	followers := make([]int, len(g.users))
	for i := range g.users {
		followers[i] = len(g.followers[i])
	}
	account := func(i int) Account {
		u := g.users[i]
		return Account{Username: u.Username, Role: string(u.Role), Following: len(u.following), Followers: followers[i], Posts: posts[i]}
	}
	sum := Summary{Users: len(g.users), Posts: n, Replies: s.nReplies, Reposts: nReposts, Likes: nLikes, Bookmarks: nBookmarks,
		Follows: g.nFollows, Tags: slices.Clone(tags)}
	for i := range Fixed() {
		sum.Fixed = append(sum.Fixed, account(i))
	}
	top := func(count []int) []Account {
		idx := make([]int, len(count))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(count[b], count[a]) })
		var out []Account
		for _, i := range idx[:min(5, len(idx))] {
			out = append(out, account(i))
		}
		return out
	}
	sum.Prolific = top(posts)
	sum.Popular = top(followers)
	for _, i := range slices.Backward(samples) { // newest first
		sum.SamplePosts = append(sum.SamplePosts, permalink(i))
	}
	for _, i := range g.threads(20) {
		sum.SampleThreads = append(sum.SampleThreads, Thread{Permalink: permalink(i), Replies: int(s.replies[i])})
	}
	return sum, nil
}

// threads returns up to k top-level posts with the most direct replies,
// most first (the newer first among equals).
func (g *gen) threads(k int) []int {
	s := &g.shape
	var idx []int
	for i, r := range s.replies {
		if r > 0 && s.parent[i] < 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(s.replies[b], s.replies[a]), cmp.Compare(b, a)) })
	return idx[:min(k, len(idx))]
}

// plan draws the posts from..to: their texts and visibilities, their
// likers and bookmarkers, and their reposts (pushed on pending to be
// written when their time comes).
func (g *gen) plan(c *chunk, from, to int, au audience, bodies, replyTexts []body, pending *repostHeap) {
	s := &g.shape
	c.items = slices.Grow(c.items[:0], to-from)[:to-from]
	c.users, c.at, c.own = c.users[:0], c.at[:0], c.own[:0]
	for k := range c.items {
		i := from + k
		it := &c.items[k]
		*it = item{vis: storage.Public}
		a, p := s.author[i], s.parent[i]
		appeal := float64(s.appeal[i])
		likes := au.likesTop
		switch {
		case p < 0:
			it.body = &bodies[g.r.IntN(len(bodies))]
		case s.author[p] == a:
			// The author goes on: a post like any other.
			it.body = &bodies[g.r.IntN(len(bodies))]
			likes = au.likesReply
		default:
			likes = au.likesReply
			text := &replyTexts[g.r.IntN(len(replyTexts))]
			it.body = text
			if g.r.IntN(10) < 7 {
				// Most replies name whom they answer, some also who
				// began the conversation.
				src := "@" + g.users[s.author[p]].Username + " "
				if root := g.root(i); s.author[root] != s.author[p] && s.author[root] != a && g.r.IntN(5) == 0 {
					src += "@" + g.users[s.author[root]].Username + " "
				}
				it.own = body{source: src + text.source}
				it.body = &it.own
				c.own = append(c.own, &it.own)
			}
			if g.r.IntN(30) == 0 {
				it.vis = storage.Unlisted
			}
		}
		start := len(c.users)
		c.users = g.pick(c.users, g.count(likes*appeal), a, nil, 0)
		it.likers = [2]int{start, len(c.users)}
		likers := c.users[start:]
		if p < 0 {
			var reposters [8]int32
			for _, u := range g.pick(reposters[:0], g.count(au.reposts*appeal), a, likers, 0.6) {
				if at, ok := g.later(s.times[i], repostDelay); ok {
					heap.Push(pending, repost{at: at, orig: int32(i), user: u})
				}
			}
		}
		start = len(c.users)
		c.users = g.pick(c.users, g.count(au.bookmarks*appeal), a, likers, 0.7)
		// c.at runs beside c.users, unused beside the likers.
		c.at = append(c.at, make([]int64, start-len(c.at))...)
		kept := start
		for _, u := range c.users[start:] {
			if at, ok := g.later(s.times[i], bookmarkDelay); ok {
				c.users[kept] = u
				c.at = append(c.at, at)
				kept++
			}
		}
		c.users = c.users[:kept]
		it.markers = [2]int{start, kept}
	}
}

// root is the top-level post of post i's conversation.
func (g *gen) root(i int) int {
	for g.shape.parent[i] >= 0 {
		i = int(g.shape.parent[i])
	}
	return i
}
