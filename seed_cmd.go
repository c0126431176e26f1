package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"majlis/seed"
	"majlis/storage"
)

// seedManifest is the file the seeder leaves beside majlis.db, so that a
// load test knows which accounts, posts and tags to use.
const seedManifest = "seed.json"

// runSeed fills a fresh data folder with generated users, follows, posts
// (replies among them), likes, reposts and bookmarks.
func runSeed(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("majlis seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("data", "data"), "folder to fill; its majlis.db must have no users (MAJLIS_DATA)")
	var o seed.Options
	fs.IntVar(&o.Users, "users", 1000, "number of accounts (at least 10: the fixed accounts come first)")
	fs.IntVar(&o.Posts, "posts", 100_000, "number of posts")
	fs.IntVar(&o.Follows, "follows", 50, "mean number of accounts each user follows")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same content")
	fs.StringVar(&o.Password, "password", "password123", "password of every account")
	fs.StringVar(&o.BaseURL, "url", env("url", "http://localhost:8080"), "public URL of the instance, for the canonical URIs of users and posts (MAJLIS_URL)")
	fs.IntVar(&o.Distinct, "distinct", 10_000, "number of different post bodies to write and render; posts reuse them")
	fs.Float64Var(&o.Replies, "replies", 0.27, "fraction of the posts that are replies to earlier posts (0 for none)")
	fs.Float64Var(&o.Likes, "likes", 3, "mean number of likes per post (0 for none)")
	fs.Float64Var(&o.Reposts, "reposts", 0.3, "mean number of reposts per post, besides the posts (0 for none)")
	fs.Float64Var(&o.Bookmarks, "bookmarks", 20, "mean number of bookmarks per user (0 for none)")
	end := fs.String("end", "", "time of the newest post, RFC 3339 (default now); posts spread over the two years before it")
	quiet := fs.Bool("q", false, "print only the summary")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: majlis seed -data DIR -users N -posts M [flags]\n\n"+
			"Fills a fresh data folder with generated content for measuring: accounts, follows, posts\n"+
			"and replies, likes, reposts and bookmarks. The first accounts are\n"+
			"%s; every account has the same password.\n\nFlags:\n", fixedNames())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("seed: unexpected argument %q", fs.Arg(0))
	}
	// For the seeder zero means its default; here it means none.
	for _, v := range []*float64{&o.Replies, &o.Likes, &o.Reposts, &o.Bookmarks} {
		if *v < 0 {
			return fmt.Errorf("seed: negative -replies, -likes, -reposts or -bookmarks")
		}
		if *v == 0 {
			*v = -1
		}
	}
	if *end != "" {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			return fmt.Errorf("seed: -end: %w", err)
		}
		o.End = t
	}
	if !*quiet {
		o.Progress = stdout
	}

	path := filepath.Join(*data, "majlis.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		return err
	}
	sum, err := seed.Run(ctx, db, o)
	// The server indexes posts for search in the background; the seeded
	// ones are indexed here, so measurements start from a whole index.
	indexStart, indexed := time.Now(), 0
	if err == nil {
		indexed, err = db.CatchUpSearch()
	}
	indexTime := time.Since(indexStart)
	if err == nil {
		err = db.Sync()
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	manifest, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*data, seedManifest), append(manifest, '\n'), 0o600); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	perPost := 0.0
	if sum.Posts > 0 {
		perPost = float64(fi.Size()) / float64(sum.Posts)
	}
	fmt.Fprintf(stdout, "seeded %s: %d users, %d posts (%d replies), %d reposts, %d likes, %d bookmarks, %d follows in %s (render %s, write %s); file %.1f MB, %.0f bytes per post\n",
		path, sum.Users, sum.Posts, sum.Replies, sum.Reposts, sum.Likes, sum.Bookmarks, sum.Follows, sum.Elapsed.Round(time.Millisecond),
		sum.Render.Round(time.Millisecond), sum.Write.Round(time.Millisecond), float64(fi.Size())/1e6, perPost)
	fmt.Fprintf(stdout, "search index: %d posts indexed in %s\n", indexed, indexTime.Round(time.Millisecond))
	fmt.Fprintf(stdout, "password of every account: %s\n", sum.Password)
	for _, a := range sum.Fixed {
		fmt.Fprintf(stdout, "  %-12s follows %4d, %4d followers, %6d posts\n", a.Username, a.Following, a.Followers, a.Posts)
	}
	if len(sum.Prolific) > 0 {
		a := sum.Prolific[0]
		fmt.Fprintf(stdout, "most prolific: %s (%d posts); most followed: %s (%d followers)\n", a.Username, a.Posts, sum.Popular[0].Username, sum.Popular[0].Followers)
	}
	if len(sum.SampleThreads) > 0 {
		th := sum.SampleThreads
		fmt.Fprintf(stdout, "longest threads: %d to %d direct replies (%s ...)\n", th[len(th)-1].Replies, th[0].Replies, th[0].Permalink)
	}
	fmt.Fprintf(stdout, "details in %s\n", filepath.Join(*data, seedManifest))
	return nil
}

func fixedNames() string {
	var names []string
	for _, a := range seed.Fixed() {
		names = append(names, a.Username)
	}
	return strings.Join(names, ", ")
}
