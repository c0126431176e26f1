package handlers_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

// --- the feeds as a reader parses them ---

// xmlLink is a <link> of either kind: RSS's text link or an Atom link
// (atom:link in RSS), told apart by XMLName.Space.
type xmlLink struct {
	XMLName xml.Name
	Rel     string `xml:"rel,attr"`
	Type    string `xml:"type,attr"`
	Href    string `xml:"href,attr"`
	Text    string `xml:",chardata"`
}

type rssFeed struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string    `xml:"title"`
		Links       []xmlLink `xml:"link"`
		Description string    `xml:"description"`
		Items       []struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			GUID  struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				Value       string `xml:",chardata"`
			} `xml:"guid"`
			PubDate     string   `xml:"pubDate"`
			Description string   `xml:"description"`
			Categories  []string `xml:"category"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  *atomPerson `xml:"author"`
	Links   []xmlLink   `xml:"link"`
	Entries []struct {
		ID        string      `xml:"id"`
		Title     string      `xml:"title"`
		Published string      `xml:"published"`
		Updated   string      `xml:"updated"`
		Author    *atomPerson `xml:"author"`
		Links     []xmlLink   `xml:"link"`
		Content   struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// feedItem is an item or an entry, whichever the format.
type feedItem struct {
	title, link, id, html string
	published, updated    time.Time
}

// feedDoc is a feed as a reader understands it.
type feedDoc struct {
	resp  *response
	title string
	items []feedItem
}

// text is everything a reader of the feed may see: titles and decoded
// bodies (the raw XML escapes HTML, so a word in it is found here).
func (d feedDoc) text() string {
	var b strings.Builder
	b.WriteString(d.title + "\n")
	for _, it := range d.items {
		fmt.Fprintf(&b, "%s\n%s\n%s\n", it.title, it.link, it.html)
	}
	return b.String()
}

// byLink is the item whose link is the permalink (a path), or nil.
func (d feedDoc) byLink(permalink string) *feedItem {
	for i := range d.items {
		if d.items[i].link == testBaseURL+permalink {
			return &d.items[i]
		}
	}
	return nil
}

// feedFormats are the two formats: a suffix and a parser that checks
// what the format requires.
var feedFormats = []struct {
	suffix string
	parse  func(t *testing.T, resp *response) feedDoc
}{
	{".rss", parseRSS},
	{".atom", parseAtom},
}

// getFeed fetches a feed and parses it, failing unless it is a 200 with
// a valid document of its format.
func getFeed(t *testing.T, c *client, p string) feedDoc {
	t.Helper()
	resp := c.get(p)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got status %d, want 200; body:\n%s", p, resp.StatusCode, resp.body)
	}
	if strings.HasSuffix(p, ".atom") {
		return parseAtom(t, resp)
	}
	return parseRSS(t, resp)
}

// parseRSS decodes an RSS 2.0 document and checks its required elements.
func parseRSS(t *testing.T, resp *response) feedDoc {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
		t.Errorf("got Content-Type %q, want application/rss+xml; charset=utf-8", ct)
	}
	var f rssFeed
	if err := xml.Unmarshal([]byte(resp.body), &f); err != nil {
		t.Fatalf("RSS does not parse: %v\n%s", err, resp.body)
	}
	if f.Version != "2.0" {
		t.Errorf("got <rss version=%q>, want 2.0", f.Version)
	}
	ch := f.Channel
	var link, self string
	for _, l := range ch.Links {
		switch l.XMLName.Space {
		case "":
			link = l.Text
		case "http://www.w3.org/2005/Atom":
			if l.Rel == "self" {
				self = l.Href
			}
		}
	}
	if ch.Title == "" || ch.Description == "" || !strings.HasPrefix(link, testBaseURL+"/") {
		t.Errorf("channel: got title %q, link %q, description %q; want all three, the link absolute", ch.Title, link, ch.Description)
	}
	if want := testBaseURL + resp.Request.URL.EscapedPath(); !strings.EqualFold(self, want) {
		t.Errorf("channel atom:link rel=self: got %q, want %q", self, want)
	}
	d := feedDoc{resp: resp, title: ch.Title}
	for _, it := range ch.Items {
		pub, err := time.Parse(time.RFC1123Z, it.PubDate)
		if err != nil {
			t.Errorf("item %q: pubDate %q is not RFC 1123 with a numeric zone: %v", it.Link, it.PubDate, err)
		}
		if it.GUID.Value == "" || it.GUID.IsPermaLink != "true" || !strings.HasPrefix(it.Link, testBaseURL+"/@") || it.Title == "" {
			t.Errorf("item: got title %q, link %q, guid %q (isPermaLink %q); want all, the link absolute, a permalink guid",
				it.Title, it.Link, it.GUID.Value, it.GUID.IsPermaLink)
		}
		d.items = append(d.items, feedItem{title: it.Title, link: it.Link, id: it.GUID.Value, html: it.Description, published: pub, updated: pub})
	}
	return d
}

// parseAtom decodes an Atom document (in the Atom namespace, or Unmarshal
// fails) and checks its required elements.
func parseAtom(t *testing.T, resp *response) feedDoc {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("got Content-Type %q, want application/atom+xml; charset=utf-8", ct)
	}
	var f atomFeed
	if err := xml.Unmarshal([]byte(resp.body), &f); err != nil {
		t.Fatalf("Atom does not parse: %v\n%s", err, resp.body)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	if !strings.HasPrefix(f.ID, testBaseURL+"/") || f.Title == "" || f.Author == nil || f.Author.Name == "" {
		t.Errorf("feed: got id %q, title %q, author %+v; want all, the id absolute", f.ID, f.Title, f.Author)
	}
	rels := map[string]string{}
	for _, l := range f.Links {
		rels[l.Rel] = l.Href
	}
	if want := testBaseURL + resp.Request.URL.EscapedPath(); !strings.EqualFold(rels["self"], want) || rels["alternate"] != f.ID {
		t.Errorf("feed links: got %v, want self %q and alternate %q", rels, want, f.ID)
	}
	d := feedDoc{resp: resp, title: f.Title}
	for _, e := range f.Entries {
		pub, err1 := time.Parse(time.RFC3339, e.Published)
		upd, err2 := time.Parse(time.RFC3339, e.Updated)
		if err1 != nil || err2 != nil {
			t.Errorf("entry %q: published %q, updated %q: %v, %v", e.ID, e.Published, e.Updated, err1, err2)
		}
		var link string
		for _, l := range e.Links {
			if l.Rel == "alternate" {
				link = l.Href
			}
		}
		if e.ID == "" || e.Title == "" || e.Content.Type != "html" || e.Author == nil || e.Author.Name == "" || !strings.HasPrefix(link, testBaseURL+"/@") {
			t.Errorf("entry: got id %q, title %q, content type %q, author %+v, link %q; want all, content type html",
				e.ID, e.Title, e.Content.Type, e.Author, link)
		}
		d.items = append(d.items, feedItem{title: e.Title, link: link, id: e.ID, html: e.Content.Value, published: pub, updated: upd})
	}
	return d
}

// --- fixtures ---

// storedPost is the post at a permalink, as its author sees it.
func storedPost(t *testing.T, db *storage.DB, link string) storage.Post {
	t.Helper()
	id, err := storage.ParseID(path.Base(link))
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.LocalUser(strings.TrimPrefix(path.Dir(link), "/@"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.Post(u.ID, id)
	if err != nil {
		t.Fatalf("post %s: %v", link, err)
	}
	return e.Post
}

// feedFixture is a member, layla, with a post of every kind a feed must
// show or leave out.
type feedFixture struct {
	srv         *testServer
	layla, rami *client
	// shown are the permalinks the feed shows; each post's source holds a
	// word of its own, hidden the words that must appear nowhere.
	strong, xss, arabic, cw, tagged string
	// reply is layla's public reply with #feeds: not in her feed, in the
	// tag's.
	reply  string
	hidden []string
}

func newFeedFixture(t *testing.T) *feedFixture {
	t.Helper()
	srv := newTestServer(t)
	newUser(t, srv.db, "admin") // the first account, so layla is a member
	fx := &feedFixture{srv: srv, layla: srv.signIn(t, "layla"), rami: srv.signIn(t, "rami")}
	if _, err := srv.db.Follow(mustUser(t, srv.db, "rami").ID, mustUser(t, srv.db, "layla").ID); err != nil {
		t.Fatal(err)
	}
	ramis := fx.rami.say("feedramipublic from rami #feeds")
	fx.strong = fx.layla.say("Hello **feedstrongword** world")
	fx.xss = fx.layla.say(`feedxssword <script>alert(1)</script> <img src=x onerror=alert(2)> ]]></description><b>"quoted" & 'single'</b>`)
	fx.arabic = fx.layla.say("مرحبا بكم في المجلس feedarabicword")
	fx.cw = fx.layla.publish(url.Values{"body": {"The butler did it feedcwword"}, "cw": {"Spoilers for the finale"}})
	fx.tagged = fx.layla.say("Reading #Feeds today feedtaggedword")
	for _, vis := range []string{"unlisted", "followers", "direct"} {
		fx.layla.publish(url.Values{"body": {"feedsecret" + vis + " #feeds"}, "visibility": {vis}})
		fx.hidden = append(fx.hidden, "feedsecret"+vis)
	}
	fx.reply = fx.layla.reply(ramis, "feedsecretreply #feeds")
	if _, err := srv.db.Repost(mustUser(t, srv.db, "layla").ID, storedPost(t, srv.db, ramis).ID, func(id storage.ID) string {
		return testBaseURL + "/r/" + id.String()
	}); err != nil {
		t.Fatal(err)
	}
	// rami's post is public, but layla only reposted it: not in her feed.
	fx.hidden = append(fx.hidden, "feedsecretreply", "feedramipublic")
	return fx
}

func mustUser(t *testing.T, db *storage.DB, name string) storage.User {
	t.Helper()
	u, err := db.LocalUser(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// --- tests ---

func TestMemberFeed(t *testing.T) {
	fx := newFeedFixture(t)
	visitor := fx.srv.newClient(t)
	for _, f := range feedFormats {
		t.Run(f.suffix, func(t *testing.T) {
			d := getFeed(t, visitor, "/@layla"+f.suffix)
			all := d.text()
			if !strings.Contains(d.title, "@layla") {
				t.Errorf("feed title %q does not name @layla", d.title)
			}
			for _, w := range fx.hidden {
				if strings.Contains(all, w) || strings.Contains(d.resp.body, w) {
					t.Errorf("the feed shows %q, which is not a public post of layla's own", w)
				}
			}
			var links []string
			for _, it := range d.items {
				links = append(links, strings.TrimPrefix(it.link, testBaseURL))
			}
			want := []string{fx.tagged, fx.cw, fx.arabic, fx.xss, fx.strong} // newest first
			if !slices.Equal(links, want) {
				t.Fatalf("got items %v, want %v", links, want)
			}
			for _, l := range want {
				it, p := d.byLink(l), storedPost(t, fx.srv.db, l)
				if it.id != p.URI {
					t.Errorf("%s: got id %q, want the post's URI %q", l, it.id, p.URI)
				}
				if !it.published.Equal(p.CreatedAt.Truncate(time.Second)) {
					t.Errorf("%s: got published %v, want %v", l, it.published, p.CreatedAt)
				}
			}

			t.Run("rendered HTML", func(t *testing.T) {
				it, p := d.byLink(fx.strong), storedPost(t, fx.srv.db, fx.strong)
				if it.html != p.HTML || !strings.Contains(it.html, "<strong>feedstrongword</strong>") {
					t.Errorf("got body %q, want the stored HTML %q", it.html, p.HTML)
				}
				if !strings.Contains(d.resp.body, "&lt;strong&gt;feedstrongword&lt;/strong&gt;") {
					t.Errorf("the <strong> is not escaped in the XML:\n%s", d.resp.body)
				}
				if it.title != "Hello feedstrongword world" {
					t.Errorf("got title %q, want the text without markup", it.title)
				}
			})
			t.Run("XSS stays escaped", func(t *testing.T) {
				it, p := d.byLink(fx.xss), storedPost(t, fx.srv.db, fx.xss)
				if it.html != p.HTML {
					t.Errorf("decoded body %q, want the stored HTML %q", it.html, p.HTML)
				}
				for _, bad := range []string{"<script", "<img", "onerror=alert", "<b>"} {
					if strings.Contains(strings.ToLower(it.html), bad) && !strings.Contains(p.HTML, bad) {
						t.Errorf("decoded body holds %q", bad)
					}
				}
				for _, bad := range []string{"<script", "<img", "<b>", "<![CDATA["} {
					if strings.Contains(d.resp.body, bad) {
						t.Errorf("the raw XML holds %q:\n%s", bad, d.resp.body)
					}
				}
			})
			t.Run("Arabic", func(t *testing.T) {
				it := d.byLink(fx.arabic)
				if !strings.Contains(it.title, "مرحبا بكم في المجلس") || !strings.Contains(it.html, "مرحبا بكم في المجلس") {
					t.Errorf("got title %q and body %q, want the Arabic text intact", it.title, it.html)
				}
			})
			t.Run("content warning", func(t *testing.T) {
				it := d.byLink(fx.cw)
				if it.title != "Spoilers for the finale" {
					t.Errorf("got title %q, want the content warning", it.title)
				}
				if !strings.HasPrefix(it.html, "CW: Spoilers for the finale") || !strings.Contains(it.html, "feedcwword") {
					t.Errorf("got body %q, want it to begin with the warning, then the post", it.html)
				}
			})
			t.Run("links absolute", func(t *testing.T) {
				it := d.byLink(fx.tagged)
				if !strings.Contains(it.html, `href="`+testBaseURL+`/tags/feeds"`) || strings.Contains(it.html, `href="/`) {
					t.Errorf("got body %q, want the hashtag's link absolute", it.html)
				}
			})
		})
	}
}

// TestFeedsAreAnonymous: whoever asks, a feed is the visitor's, and the
// same bytes: a follower finds no followers-only post in it, and the
// member layla blocked still gets it.
func TestFeedsAreAnonymous(t *testing.T) {
	fx := newFeedFixture(t)
	if err := fx.srv.db.Block(mustUser(t, fx.srv.db, "layla").ID, mustUser(t, fx.srv.db, "rami").ID); err != nil {
		t.Fatal(err)
	}
	for _, f := range feedFormats {
		anon := getFeed(t, fx.srv.newClient(t), "/@layla"+f.suffix)
		for name, c := range map[string]*client{"layla": fx.layla, "rami (blocked)": fx.rami} {
			d := getFeed(t, c, "/@layla"+f.suffix)
			if d.resp.body != anon.resp.body || d.resp.Header.Get("ETag") != anon.resp.Header.Get("ETag") {
				t.Errorf("%s as %s: got a feed that differs from a visitor's", f.suffix, name)
			}
		}
	}
}

// TestFeedSize: the 20 newest public posts, found behind more recent
// unlisted ones and reposts (more than a timeline page of them).
func TestFeedSize(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "admin")
	layla := newUser(t, srv.db, "layla")
	for i := range 25 {
		newPost(t, srv.db, layla, fmt.Sprintf("feedpublic%02d", i))
	}
	rami := newUser(t, srv.db, "rami")
	for i := range 30 {
		p := storage.Post{ID: srv.db.NewID(), AuthorID: layla.ID, Source: "unlisted", HTML: "<p>unlisted</p>", Visibility: storage.Unlisted, Local: true}
		p.URI = testBaseURL + "/@layla/" + p.ID.String()
		if err := srv.db.CreatePost(&p); err != nil {
			t.Fatal(err)
		}
		orig := newPost(t, srv.db, rami, fmt.Sprintf("rami%02d", i))
		if _, err := srv.db.Repost(layla.ID, orig.ID, func(id storage.ID) string { return testBaseURL + "/r/" + id.String() }); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range feedFormats {
		d := getFeed(t, srv.newClient(t), "/@layla"+f.suffix)
		if len(d.items) != 20 {
			t.Fatalf("%s: got %d items, want 20", f.suffix, len(d.items))
		}
		for i, it := range d.items {
			if want := fmt.Sprintf("feedpublic%02d", 24-i); it.title != want {
				t.Errorf("%s: item %d: got %q, want %q", f.suffix, i, it.title, want)
			}
		}
	}
}

func TestTagFeed(t *testing.T) {
	fx := newFeedFixture(t)
	arabic := fx.rami.say("نقرأ اليوم #مجلس_الكتب feedarabictag")
	visitor := fx.srv.newClient(t)
	for _, f := range feedFormats {
		t.Run(f.suffix, func(t *testing.T) {
			// Tags are case-insensitive: /tags/FEEDS is #feeds.
			d := getFeed(t, visitor, "/tags/FEEDS"+f.suffix)
			var links []string
			for _, it := range d.items {
				links = append(links, strings.TrimPrefix(it.link, testBaseURL))
			}
			// Replies count: the tag page lists them too.
			ramis := newestPublic(t, fx.srv.db, "rami", "feedramipublic")
			if want := []string{fx.reply, fx.tagged, ramis}; !slices.Equal(links, want) {
				t.Errorf("got items %v, want %v", links, want)
			}
			all := d.text()
			for _, w := range []string{"feedsecretunlisted", "feedsecretfollowers", "feedsecretdirect"} {
				if strings.Contains(all, w) {
					t.Errorf("the tag feed shows %q", w)
				}
			}
			if !strings.Contains(d.title, "#feeds") {
				t.Errorf("got title %q, want it to name #feeds", d.title)
			}
			ar := getFeed(t, visitor, "/tags/"+url.PathEscape("مجلس_الكتب")+f.suffix)
			if len(ar.items) != 1 || ar.items[0].link != testBaseURL+arabic || !strings.Contains(ar.items[0].html, "نقرأ اليوم") {
				t.Errorf("Arabic tag: got %+v, want the post %s", ar.items, arabic)
			}
		})
	}
}

// newestPublic is the permalink of the public post of name's whose
// source holds word.
func newestPublic(t *testing.T, db *storage.DB, name, word string) string {
	t.Helper()
	u := mustUser(t, db, name)
	tl, err := db.AuthorTimeline(0, u.ID, true, storage.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tl.Entries {
		if e.RepostedBy == nil && strings.Contains(e.Post.Source, word) {
			return "/@" + name + "/" + e.Post.ID.String()
		}
	}
	t.Fatalf("no post of %s with %q", name, word)
	return ""
}

func TestFeedConditionalGet(t *testing.T) {
	fx := newFeedFixture(t)
	c := fx.srv.newClient(t)
	for _, p := range []string{"/@layla.rss", "/@layla.atom", "/tags/feeds.rss", "/tags/feeds.atom"} {
		t.Run(p, func(t *testing.T) {
			first := getFeed(t, c, p)
			etag := first.resp.Header.Get("ETag")
			if len(etag) < 10 || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
				t.Fatalf("got ETag %q, want a strong entity tag", etag)
			}
			if lm := first.resp.Header.Get("Last-Modified"); lm == "" {
				t.Errorf("got no Last-Modified")
			} else if _, err := http.ParseTime(lm); err != nil {
				t.Errorf("Last-Modified %q: %v", lm, err)
			}
			if again := c.get(p); again.Header.Get("ETag") != etag || again.body != first.resp.body {
				t.Errorf("asked again: got ETag %q, want the same %q and the same bytes", again.Header.Get("ETag"), etag)
			}
			for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
				resp := c.do(http.MethodGet, p, nil, http.Header{"If-None-Match": {inm}})
				if resp.StatusCode != http.StatusNotModified || resp.body != "" || resp.Header.Get("ETag") != etag {
					t.Errorf("If-None-Match %s: got %d, ETag %q, body %q; want 304, the same ETag, no body", inm, resp.StatusCode, resp.Header.Get("ETag"), resp.body)
				}
			}
			if resp := c.do(http.MethodGet, p, nil, http.Header{"If-None-Match": {`"stale"`}}); resp.StatusCode != http.StatusOK {
				t.Errorf("another ETag: got %d, want 200", resp.StatusCode)
			}
		})
	}

	// A new post, then an edit: a new ETag each time, and the old one no
	// longer matches.
	paths := []string{"/@layla.rss", "/@layla.atom", "/tags/feeds.rss", "/tags/feeds.atom"}
	etags := map[string]string{}
	for _, p := range paths {
		etags[p] = c.get(p).Header.Get("ETag")
	}
	link := fx.layla.say("A new one feednewword #feeds")
	checkChanged := func(what, word string) {
		t.Helper()
		for _, p := range paths {
			resp := c.do(http.MethodGet, p, nil, http.Header{"If-None-Match": {etags[p]}})
			if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etags[p] || !strings.Contains(resp.body, word) {
				t.Errorf("%s after %s: got %d with ETag %q (was %q); want 200, a new ETag and %q", p, what, resp.StatusCode, resp.Header.Get("ETag"), etags[p], word)
			}
			etags[p] = resp.Header.Get("ETag")
		}
	}
	checkChanged("a new post", "feednewword")
	resp := fx.layla.postForm(link+"/edit", url.Values{"body": {"Edited feededitedword #feeds"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: got %d, want 303: %s", resp.StatusCode, resp.body)
	}
	checkChanged("an edit", "feededitedword")
	d := getFeed(t, c, "/@layla.atom")
	if it := d.byLink(link); it == nil || !it.updated.After(it.published) && !it.updated.Equal(it.published) {
		t.Errorf("edited entry: got %+v, want updated at or after published", it)
	}
}

func TestFeedAutodiscovery(t *testing.T) {
	fx := newFeedFixture(t)
	for _, page := range []struct{ path, feed string }{
		{"/@layla", "/@layla"},
		{"/tags/feeds", "/tags/feeds"},
		{"/tags/" + url.PathEscape("مجلس"), ""}, // no posts: no feed to announce
	} {
		for _, c := range []*client{fx.srv.newClient(t), fx.rami} {
			resp := c.get(page.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: got %d", page.path, resp.StatusCode)
			}
			head := oneByTag(t, resp.Doc(), "head")
			got := map[string]string{}
			for _, l := range byTag(head, "link") {
				if attr(l, "rel") == "alternate" {
					got[attr(l, "type")] = attr(l, "href")
					if attr(l, "title") == "" {
						t.Errorf("%s: feed link %q has no title", page.path, attr(l, "href"))
					}
				}
			}
			want := map[string]string{}
			if page.feed != "" {
				want = map[string]string{"application/rss+xml": page.feed + ".rss", "application/atom+xml": page.feed + ".atom"}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: got feed links %v, want %v", page.path, got, want)
			}
			for _, href := range got {
				getFeed(t, c, href)
			}
		}
	}
}

func TestFeedNotFound(t *testing.T) {
	fx := newFeedFixture(t)
	newUser(t, fx.srv.db, "gone")
	if err := fx.srv.db.SetStatus(mustUser(t, fx.srv.db, "gone").ID, storage.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	newUser(t, fx.srv.db, "waiting")
	if err := fx.srv.db.SetStatus(mustUser(t, fx.srv.db, "waiting").ID, storage.StatusPending); err != nil {
		t.Fatal(err)
	}
	newUser(t, fx.srv.db, "quiet") // no posts: an empty feed, not a 404
	c := fx.srv.newClient(t)
	for _, f := range feedFormats {
		for _, p := range []string{
			"/@nobody", "/@gone", "/@waiting", "/@no-such", "/users/nobody",
			"/tags/nosuchtagever", "/tags/___", "/tags/123",
			"/tags/feedsecretunlisted", // only an unlisted post has it
		} {
			resp := c.get(p + f.suffix)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: got %d, want 404", p+f.suffix, resp.StatusCode)
			}
		}
		if d := getFeed(t, c, "/@quiet"+f.suffix); len(d.items) != 0 {
			t.Errorf("quiet's feed: got %d items, want none", len(d.items))
		}
	}
	// The profile of a suspended account announces no feed, even to a
	// moderator, who may look (its feed is a 404).
	admin := fx.srv.newClient(t)
	admin.login("admin", "password-admin")
	if links := memberFeedLinksOf(t, admin.get("/@gone")); len(links) != 0 {
		t.Errorf("suspended profile: got feed links %v", links)
	}
	// Users and tags have no dots: "/@layla.json" is nobody's profile.
	if resp := c.get("/@layla.json"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /@layla.json: got %d, want 404", resp.StatusCode)
	}
}

func memberFeedLinksOf(t *testing.T, resp *response) []string {
	t.Helper()
	var out []string
	for _, l := range byTag(resp.Doc(), "link") {
		if attr(l, "rel") == "alternate" {
			out = append(out, attr(l, "href"))
		}
	}
	return out
}
