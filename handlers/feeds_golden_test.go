package handlers_test

import (
	"encoding/xml"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/storage"
)

// TestFeedTitlesGolden: titles are plain text whatever the member typed.
// A post's title is its text without Markdown or HTML, a content warning
// its text as typed, and in both "&", "<" and ">" reach a reader as
// escaped HTML (Atom says type="html"): text that looks like markup shows
// as typed and never becomes a tag in a reader that takes an RSS title for
// HTML. The whole feeds, on a fixed clock, are compared with
// testdata/feed-titles.{rss,atom}.golden; run `go test ./handlers/ -run
// Golden -update` after an intended change.
func TestFeedTitlesGolden(t *testing.T) {
	clock := newFakeClock()
	db := newTestDB(t, storage.Options{Now: clock.Now})
	cfg := testConfig()
	cfg.Now = clock.Now
	h, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	newUser(t, db, "admin") // the first account, so amal is a member
	amal := storage.User{Username: "amal", DisplayName: "Amal <b>&</b> co", URI: testBaseURL + "/users/amal"}
	if err := db.CreateUser(&amal); err != nil {
		t.Fatal(err)
	}
	posts := []struct {
		source, cw string
		title      string // the title a reader shows
	}{
		{
			source: "**Bold**, `<b>code</b>` & <script>alert(1)</script> [a link](https://example.com) _done_",
			title:  "Bold, <b>code</b> & <script>alert(1)</script> a link done",
		},
		{
			source: "The butler did it",
			cw:     "<i>Spoilers</i> & **not Markdown** ]]></title>",
			title:  "<i>Spoilers</i> & **not Markdown** ]]></title>",
		},
		{
			source: "# مرحبا\n\n**بكم** في #المجلس <3",
			title:  "مرحبا بكم في #المجلس <3",
		},
		{
			// Cut at 80 characters before escaping, so no escape is cut.
			source: strings.Repeat("long ", 14) + "<tag> & more after the cut",
			title:  strings.Repeat("long ", 14) + "<tag> & m…",
		},
	}
	for _, p := range posts {
		clock.Advance(time.Hour)
		post := newPost(t, db, amal, p.source)
		if p.cw != "" {
			if _, err := db.EditPost(amal.ID, post.ID, storage.PostChange{Source: post.Source, HTML: post.HTML, ContentWarning: p.cw}); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, suffix := range []string{".rss", ".atom"} {
		t.Run(suffix, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/@amal"+suffix, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			body := rec.Body.String()

			var titles []string // decoded, as a reader gets them; newest first
			var feedTitle string
			if suffix == ".rss" {
				var f rssFeed
				if err := xml.Unmarshal([]byte(body), &f); err != nil {
					t.Fatal(err)
				}
				feedTitle = f.Channel.Title
				for _, it := range f.Channel.Items {
					titles = append(titles, it.Title)
				}
			} else {
				var f struct {
					Title   atomTitle   `xml:"title"`
					Entries []atomTitle `xml:"entry>title"`
				}
				if err := xml.Unmarshal([]byte(body), &f); err != nil {
					t.Fatal(err)
				}
				feedTitle = f.Title.Value
				for _, e := range append([]atomTitle{f.Title}, f.Entries...) {
					if e.Type != "html" {
						t.Errorf("Atom title %q: got type %q, want html", e.Value, e.Type)
					}
				}
				for _, e := range f.Entries {
					titles = append(titles, e.Value)
				}
			}
			if got, want := html.UnescapeString(feedTitle), "Amal <b>&</b> co (@amal) · majlis"; got != want || strings.ContainsAny(feedTitle, "<>") {
				t.Errorf("feed title: got %q (shown as %q), want %q with no tag", feedTitle, got, want)
			}
			if len(titles) != len(posts) {
				t.Fatalf("got %d items, want %d", len(titles), len(posts))
			}
			for i, p := range posts {
				got := titles[len(titles)-1-i]
				if strings.ContainsAny(got, "<>") {
					t.Errorf("item title %q holds markup, want escaped text", got)
				}
				if shown := html.UnescapeString(got); shown != p.title {
					t.Errorf("item title %q shows as %q, want %q", got, shown, p.title)
				}
			}

			checkGolden(t, filepath.Join("testdata", "feed-titles"+suffix+".golden"), body, "the feed")
		})
	}
}

// atomTitle is an Atom text construct with its type.
type atomTitle struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}
