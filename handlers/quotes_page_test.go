package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"majlis/storage"
)

// quotePolicyWorld is an author with followers, a stranger, a member she
// blocked and one who blocked her, and an account of another server.
type quotePolicyWorld struct {
	srv   *testServer
	users map[string]storage.User
	as    map[string]*client // "" is a visitor
}

func newQuotePolicyWorld(t *testing.T) *quotePolicyWorld {
	t.Helper()
	srv := newTestServer(t)
	w := &quotePolicyWorld{srv: srv, users: map[string]storage.User{}, as: map[string]*client{"": srv.newClient(t)}}
	for _, name := range []string{"amal", "fadi", "sami", "bilal", "dana"} {
		w.users[name] = newUser(t, srv.db, name)
		c := srv.newClient(t)
		c.login(name, "password-"+name)
		w.as[name] = c
	}
	carol := storage.User{Username: "carol", Domain: "far.example", URI: "https://far.example/users/carol",
		Inbox: "https://far.example/users/carol/inbox"}
	if err := srv.db.PutRemoteUser(&carol); err != nil {
		t.Fatal(err)
	}
	w.users["carol"] = carol
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// fadi follows amal and carol; amal blocked bilal; dana blocked amal.
	_, err := srv.db.Follow(w.users["fadi"].ID, w.users["amal"].ID)
	must(err)
	_, err = srv.db.Follow(w.users["fadi"].ID, carol.ID)
	must(err)
	must(srv.db.AcceptRemoteFollow(carol.ID, w.users["fadi"].ID))
	must(srv.db.Block(w.users["amal"].ID, w.users["bilal"].ID))
	must(srv.db.Block(w.users["dana"].ID, w.users["amal"].ID))
	return w
}

// post stores a post of author with a quote policy; a remote one keeps
// what its server said ("" for nothing).
func (w *quotePolicyWorld) post(t *testing.T, author string, vis storage.Visibility, policy storage.QuotePolicy, words string) storage.Post {
	t.Helper()
	u := w.users[author]
	id := w.srv.db.NewID()
	p := storage.Post{ID: id, AuthorID: u.ID, Source: words, HTML: "<p>" + words + "</p>", Visibility: vis, QuotePolicy: policy}
	if u.IsLocal() {
		p.URI, p.Local = testBaseURL+"/@"+u.Username+"/"+id.String(), true
	} else {
		p.URI, p.URL = u.URI+"/statuses/"+id.String(), "https://far.example/@carol/"+id.String()
	}
	if err := w.srv.db.CreatePost(&p); err != nil {
		t.Fatalf("post %q: %v", words, err)
	}
	return p
}

// cardOf is the card of post id on a page, nil when the page has none.
func quoteCardOf(doc *html.Node, id storage.ID) *html.Node {
	cards := findAll(doc, func(n *html.Node) bool { return n.Data == "article" && attr(n, "id") == "post-"+id.String() })
	if len(cards) == 0 {
		return nil
	}
	return cards[0]
}

// TestQuoteActionFollowsPolicy: the Quote action of a card is there
// exactly for the viewers the post's policy lets quote it (the rule
// storage applies when the quote is sent), on the permalink and on a
// timeline (whose cards are cached), for posts here and elsewhere.
func TestQuoteActionFollowsPolicy(t *testing.T) {
	w := newQuotePolicyWorld(t)
	viewers := []string{"", "amal", "fadi", "sami", "bilal", "dana"}
	cases := []struct {
		name   string
		author string
		vis    storage.Visibility
		policy storage.QuotePolicy
		may    []string // the viewers who may quote it
	}{
		{"anyone", "amal", storage.Public, storage.QuotePublic, []string{"amal", "fadi", "sami"}},
		{"followers", "amal", storage.Public, storage.QuoteFollowers, []string{"amal", "fadi"}},
		{"nobody", "amal", storage.Public, storage.QuoteNobody, []string{"amal"}},
		{"unlisted, followers", "amal", storage.Unlisted, storage.QuoteFollowers, []string{"amal", "fadi"}},
		{"followers-only post", "amal", storage.FollowersOnly, storage.QuotePublic, nil},
		// Another server's posts carry its policy; one that said nothing
		// is its server's to decide, so asking is allowed.
		{"remote, unsaid", "carol", storage.Public, "", []string{"amal", "fadi", "sami", "bilal", "dana"}},
		{"remote, anyone", "carol", storage.Public, storage.QuotePublic, []string{"amal", "fadi", "sami", "bilal", "dana"}},
		{"remote, followers", "carol", storage.Public, storage.QuoteFollowers, []string{"fadi"}},
		{"remote, nobody", "carol", storage.Public, storage.QuoteNobody, nil},
	}
	for _, tc := range cases {
		p := w.post(t, tc.author, tc.vis, tc.policy, "quotable words "+tc.name)
		author := w.users[tc.author]
		name := author.Username
		if author.Domain != "" {
			name += "@" + author.Domain
		}
		pages := map[string]string{"permalink": "/@" + name + "/" + p.ID.String(), "profile": "/@" + name}
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range viewers {
				for _, page := range []string{"permalink", "profile"} {
					resp := w.as[v].get(pages[page])
					card := quoteCardOf(resp.Doc(), p.ID)
					got := card != nil && len(byTestID(card, "quote-action")) == 1
					want := slices.Contains(tc.may, v)
					if got != want {
						t.Errorf("%s as %q (status %d, card %v): Quote action %v, want %v", page, v, resp.StatusCode, card != nil, got, want)
					}
					if want && !strings.Contains(attr(byTestID(card, "quote-action")[0], "href"), "quote="+p.ID.String()) {
						t.Errorf("%s as %q: the Quote action goes to %q", page, v, attr(byTestID(card, "quote-action")[0], "href"))
					}
				}
			}
		})
	}
}

// TestQuotesPage lists the quotes of a post as each viewer may see them:
// accepted ones only (not pending, rejected nor detached), none the
// viewer may not see, none from accounts they muted (but the quoted
// author's own page shows those); counted on the permalink, paged by
// cursor without JavaScript and under htmx, in Arabic too.
func TestQuotesPage(t *testing.T) {
	w := newQuotePolicyWorld(t)
	db := w.srv.db
	for _, name := range []string{"badr", "gus"} {
		w.users[name] = newUser(t, db, name)
		c := w.srv.newClient(t)
		c.login(name, "password-"+name)
		w.as[name] = c
	}
	orig := w.post(t, "amal", storage.Public, storage.QuotePublic, "the original words")
	path := "/@amal/" + orig.ID.String()

	quote := func(who, words string, vis storage.Visibility) storage.ID {
		t.Helper()
		resp := w.as[who].postForm("/posts", url.Values{"body": {words}, "visibility": {string(vis)}, "quote_of": {orig.ID.String()}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s quotes: status %d", who, resp.StatusCode)
		}
		tl, err := db.AuthorTimeline(w.users[who].ID, w.users[who].ID, true, storage.Page{Limit: 1})
		if err != nil || len(tl.Entries) != 1 {
			t.Fatalf("newest post of %s: %v", who, err)
		}
		return tl.Entries[0].Post.ID
	}
	remoteQuote := func(words string, state storage.QuoteState) {
		t.Helper()
		carol := w.users["carol"]
		id := db.NewID()
		p := storage.Post{ID: id, AuthorID: carol.ID, URI: carol.URI + "/statuses/" + id.String(), HTML: "<p>" + words + "</p>",
			Visibility: storage.Public, QuoteOf: orig.ID, QuoteURI: orig.URI, QuoteState: state}
		if err := db.CreatePost(&p); err != nil {
			t.Fatal(err)
		}
	}
	quote("badr", "badr quotes it", storage.Public)
	quote("fadi", "fadi quotes it for followers", storage.FollowersOnly)
	gus := quote("gus", "gus quotes it", storage.Public)
	remoteQuote("carol accepted quote", storage.QuoteAccepted)
	remoteQuote("carol pending quote", storage.QuotePending)
	remoteQuote("carol rejected quote", storage.QuoteRejected)
	// amal detaches her post from gus's quote.
	if resp := w.as["amal"].postForm("/@gus/"+gus.String()+"/detach", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("detach: %d %s", resp.StatusCode, resp.body)
	}
	// sami follows fadi (so sees the followers-only quote) and, like
	// amal, muted badr.
	if _, err := db.Follow(w.users["sami"].ID, w.users["fadi"].ID); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"sami", "amal"} {
		if err := db.Mute(w.users[who].ID, w.users["badr"].ID); err != nil {
			t.Fatal(err)
		}
	}

	all := []string{"badr quotes it", "fadi quotes it for followers", "gus quotes it", "carol accepted quote", "carol pending quote", "carol rejected quote"}
	for _, tc := range []struct {
		viewer string
		see    []string
	}{
		{"", []string{"badr quotes it", "carol accepted quote"}},
		{"amal", []string{"badr quotes it", "carol accepted quote"}}, // her own post: the muted badr too
		{"sami", []string{"fadi quotes it for followers", "carol accepted quote"}},
		{"badr", []string{"badr quotes it", "carol accepted quote"}},
		{"fadi", []string{"badr quotes it", "fadi quotes it for followers", "carol accepted quote"}},
	} {
		t.Run("as "+tc.viewer, func(t *testing.T) {
			c := w.as[tc.viewer]
			for _, htmx := range []bool{false, true} {
				var hdr http.Header
				if htmx {
					hdr = htmxHeader()
				}
				resp := c.do(http.MethodGet, path+"/quotes", nil, hdr)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("quotes page (htmx %v): status %d", htmx, resp.StatusCode)
				}
				if htmx == strings.Contains(resp.body, "<html") {
					t.Errorf("quotes page (htmx %v): a full page %v", htmx, !htmx)
				}
				for _, words := range all {
					if got, want := strings.Contains(resp.body, words), slices.Contains(tc.see, words); got != want {
						t.Errorf("quotes page (htmx %v): shows %q %v, want %v", htmx, words, got, want)
					}
				}
			}
			link := oneByTestID(t, quoteCardOf(c.get(path).Doc(), orig.ID), "quotes-link")
			if got, want := attr(link, "title"), strconv.Itoa(len(tc.see))+" quotes"; got != want || attr(link, "href") != path+"/quotes" {
				t.Errorf("permalink: quotes link %q to %q, want %q to %q", got, attr(link, "href"), want, path+"/quotes")
			}
		})
	}

	// More than a page: the next one by cursor, as a plain link and as an
	// htmx fragment.
	for i := 0; i < 20; i++ {
		remoteQuote("carol quotes again "+strconv.Itoa(i)+"!", storage.QuoteAccepted)
	}
	c := w.as[""]
	doc := c.get(path + "/quotes").Doc()
	first := len(byTestID(oneByTestID(t, doc, "quotes"), "post"))
	more := attr(oneByTestID(t, doc, "more"), "href")
	if first != 20 || !strings.HasPrefix(more, path+"/quotes?before=") {
		t.Fatalf("first page: %d quotes, more %q", first, more)
	}
	for _, htmx := range []bool{false, true} {
		var hdr http.Header
		if htmx {
			hdr = htmxHeader()
		}
		next := c.do(http.MethodGet, more, nil, hdr)
		got := len(byTestID(next.Doc(), "post"))
		if next.StatusCode != http.StatusOK || got != 2 || !strings.Contains(next.body, "badr quotes it") || len(byTestID(next.Doc(), "more")) != 0 {
			t.Errorf("next page (htmx %v): status %d, %d quotes", htmx, next.StatusCode, got)
		}
	}

	// In Arabic.
	ar := http.Header{"Accept-Language": {"ar"}}
	link := oneByTestID(t, quoteCardOf(c.do(http.MethodGet, path, nil, ar).Doc(), orig.ID), "quotes-link")
	if !strings.Contains(attr(link, "title"), "اقتباس") {
		t.Errorf("the quotes link in Arabic: %q", attr(link, "title"))
	}
	if page := c.do(http.MethodGet, path+"/quotes", nil, ar); !strings.Contains(text(oneByTag(t, page.Doc(), "h1")), "الاقتباسات") {
		t.Errorf("the quotes page in Arabic: %q", text(oneByTag(t, page.Doc(), "h1")))
	}

	// Liked under htmx on its permalink, the action bar keeps its count;
	// elsewhere (a timeline) it has none.
	for _, tc := range []struct {
		from string
		want int
	}{{path, 1}, {"/@amal", 0}} {
		hdr := htmxHeader()
		hdr.Set("HX-Current-URL", w.srv.URL+tc.from)
		resp := w.as["fadi"].postForm(path+"/like", url.Values{"card": {"post-" + orig.ID.String()}}, hdr)
		if got := len(byTestID(resp.Doc(), "quotes-link")); resp.StatusCode != http.StatusOK || got != tc.want {
			t.Errorf("like from %s under htmx: status %d, %d quotes links, want %d", tc.from, resp.StatusCode, got, tc.want)
		}
		w.as["fadi"].postForm(path+"/unlike", nil, nil)
	}

	// A followers-only post has no quotes link; a missing post's quotes
	// are 404.
	private := w.post(t, "amal", storage.FollowersOnly, storage.QuotePublic, "for followers")
	if card := quoteCardOf(w.as["fadi"].get("/@amal/"+private.ID.String()).Doc(), private.ID); card == nil || len(byTestID(card, "quotes-link")) != 0 {
		t.Errorf("a followers-only post: card %v with a quotes link", card != nil)
	}
	if resp := c.get("/@amal/" + db.NewID().String() + "/quotes"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("quotes of a missing post: status %d", resp.StatusCode)
	}
}
