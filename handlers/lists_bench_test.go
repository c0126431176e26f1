package handlers_test

import (
	"fmt"
	"testing"

	"majlis/storage"
)

// BenchmarkHomeTimelinePrefs is BenchmarkHomeTimelinePage's page for a
// viewer without and with 20 keyword filters and 10 followed hashtags
// (the hashtags' 500 posts are by accounts the viewer does not follow,
// mixed in time with the followed authors' posts).
func BenchmarkHomeTimelinePrefs(b *testing.B) {
	for _, tt := range []struct {
		name          string
		filters, tags bool
	}{{"none", false, false}, {"filters", true, false}, {"tags", false, true}, {"both", true, true}} {
		b.Run(tt.name, func(b *testing.B) {
			bi, authors := newBenchInstance(b, 100, 1000)
			viewer := newUser(b, bi.db, "viewer")
			for _, a := range authors {
				if _, err := bi.db.Follow(viewer.ID, a.ID); err != nil {
					b.Fatal(err)
				}
			}
			strangers := make([]storage.User, 10)
			for i := range strangers {
				strangers[i] = newUser(b, bi.db, fmt.Sprintf("stranger%d", i))
			}
			for i := range 500 {
				tag := fmt.Sprintf("tag%d", i%10)
				p := newPost(b, bi.db, authors[i%len(authors)], "followed "+tag) // keeps the two kinds interleaved
				_ = p
				id := bi.db.NewID()
				s := strangers[i%10]
				tp := storage.Post{ID: id, AuthorID: s.ID, URI: testBaseURL + "/@" + s.Username + "/" + id.String(),
					Source: "#" + tag, HTML: "<p>#" + tag + " post</p>", Visibility: storage.Public, Local: true, Tags: []string{tag}}
				if err := bi.db.CreatePost(&tp); err != nil {
					b.Fatal(err)
				}
			}
			if tt.filters {
				for i := range 20 {
					f := storage.Filter{UserID: viewer.ID, Title: fmt.Sprintf("f%d", i), Action: storage.FilterWarn,
						Contexts: storage.FilterContexts, Keywords: []storage.FilterKeyword{
							{Keyword: fmt.Sprintf("unheard-of %d", i), WholeWord: true}, {Keyword: fmt.Sprintf("nothing%d", i)}}}
					if err := bi.db.PutFilter(&f); err != nil {
						b.Fatal(err)
					}
				}
			}
			if tt.tags {
				for i := range 10 {
					if err := bi.db.FollowTag(viewer.ID, fmt.Sprintf("tag%d", i)); err != nil {
						b.Fatal(err)
					}
				}
			}
			bi.benchPage(b, "/", bi.signIn(b, "viewer"), 20)
		})
	}
}
