package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"majlis/storage"
)

// The search matrix: who finds which post. Two authors, one who agreed to
// be found (open) and one who did not (shy), each with a post of every
// visibility, each post with a word of its own. Every viewer searches for
// every word; the rule (storage/search.go, findable) is visibility first,
// then consent: the author, those the post mentions and those who liked
// it always find it; others only when its author agreed to be found and
// it is not unlisted.
func TestSearchVisibilityMatrix(t *testing.T) {
	srv := newTestServer(t)
	db := srv.db
	open, shy := newUser(t, db, "open"), newUser(t, db, "shy")
	_, err := db.UpdateProfile(open.ID, storage.ProfileUpdate{Indexable: true})
	if err != nil {
		t.Fatal(err)
	}
	users := map[matrixViewer]storage.User{}
	for _, v := range []matrixViewer{mxStranger, mxFollower, mxMentioned, mxBlocked, "liker"} {
		users[v] = newUser(t, db, string(v))
		// The viewers agreed to be found: it changes nothing of what they find.
		if _, err := db.UpdateProfile(users[v].ID, storage.ProfileUpdate{Indexable: true}); err != nil {
			t.Fatal(err)
		}
	}
	type cell struct {
		author storage.User
		vis    storage.Visibility
		word   string
	}
	var cells []cell
	for _, a := range []storage.User{open, shy} {
		for _, v := range []matrixViewer{mxFollower, mxBlocked} {
			if _, err := db.Follow(users[v].ID, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		for _, vis := range matrixVisibilities {
			word := "zq" + a.Username + string(vis)
			p := newPost(t, db, a, "the word "+word)
			// Written again with its visibility and mention (newPost makes
			// public posts).
			if err := db.DeletePost(p.ID); err != nil {
				t.Fatal(err)
			}
			p.ID = db.NewID()
			p.URI = testBaseURL + "/@" + a.Username + "/" + p.ID.String()
			p.Visibility, p.Mentions = vis, []storage.ID{users[mxMentioned].ID}
			if err := db.CreatePost(&p); err != nil {
				t.Fatal(err)
			}
			if vis.Repostable() {
				if _, err := db.Like(users["liker"].ID, p.ID); err != nil {
					t.Fatal(err)
				}
			}
			cells = append(cells, cell{a, vis, word})
		}
		if err := db.Block(a.ID, users[mxBlocked].ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CatchUpSearch(); err != nil {
		t.Fatal(err)
	}
	clients := map[matrixViewer]*client{mxAnonymous: srv.newClient(t)}
	for v, u := range users {
		c := srv.newClient(t)
		c.login(u.Username, "password-"+u.Username)
		clients[v] = c
	}
	clients["open author"] = srv.newClient(t)
	clients["open author"].login("open", "password-open")
	clients["shy author"] = srv.newClient(t)
	clients["shy author"].login("shy", "password-shy")

	want := func(c cell, v matrixViewer) bool {
		if v == matrixViewer(c.author.Username+" author") {
			return true
		}
		if strings.HasSuffix(string(v), " author") {
			v = mxStranger // the other author is a stranger to this post
		}
		if !mxMayView(c.vis, v) {
			return false
		}
		if v == mxMentioned || v == "liker" && c.vis.Repostable() {
			return true
		}
		return c.author.Indexable && c.vis != storage.Unlisted
	}
	for v, cl := range clients {
		for _, c := range cells {
			c.author, _ = db.UserByID(c.author.ID)
			for _, htmx := range []bool{false, true} {
				name := string(v) + "/" + c.author.Username + "/" + string(c.vis)
				if htmx {
					name += "/htmx"
				}
				t.Run(name, func(t *testing.T) {
					path := "/search?q=" + url.QueryEscape(c.word)
					var resp *response
					if htmx {
						resp = cl.do(http.MethodGet, path, nil, http.Header{"Hx-Request": {"true"}, "Hx-Target": {"search-results"}})
					} else {
						resp = cl.get(path)
					}
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("GET %s: %d", path, resp.StatusCode)
					}
					hits := byTestID(resp.Doc(), "search-hit")
					found := false
					for _, h := range hits {
						if strings.Contains(text(h), c.word) {
							found = true
						}
					}
					if w := want(c, v); found != w {
						t.Errorf("%s searching %q: found %v, want %v", v, c.word, found, w)
					}
					if len(hits) > 1 {
						t.Errorf("%d hits for a word of one post", len(hits))
					}
				})
			}
		}
	}
}

func TestSearchPageResults(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	if _, err := srv.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Indexable: true, DisplayName: "Amal Writer"}); err != nil {
		t.Fatal(err)
	}
	var ids []storage.ID
	for range 24 {
		ids = append(ids, newPost(t, srv.db, amal, "a zebra crossing").ID)
	}
	// The newest through the form, which reads its hashtag.
	author := srv.newClient(t)
	author.login("amal", "password-amal")
	link := author.post("<script>alert(1)</script> **zebra** & friends\n\nsee #zebras")
	last, err := storage.ParseID(link[strings.LastIndex(link, "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, last)
	if _, err := srv.db.CatchUpSearch(); err != nil {
		t.Fatal(err)
	}
	c := srv.newClient(t)
	resp := c.get("/search?q=Zebra")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /search: %d", resp.StatusCode)
	}
	doc := resp.Doc()
	hits := byTestID(doc, "search-hit")
	if len(hits) != 20 {
		t.Fatalf("first page: %d hits, want 20", len(hits))
	}
	// Newest first; the markup of the source is text, the word marked.
	first := hits[0]
	if got := permalinkOf(first); !strings.HasSuffix(got, ids[24].String()) {
		t.Errorf("first hit is %s, want the newest post", got)
	}
	if n := len(byTag(first, "script")); n != 0 {
		t.Errorf("a hit holds %d script elements", n)
	}
	ex := text(oneByTestID(t, first, "excerpt"))
	if !strings.Contains(ex, "<script>alert(1)</script>") {
		t.Errorf("excerpt %q: want the source's markup as text", ex)
	}
	marks := byTag(first, "mark")
	if len(marks) != 1 || text(marks[0]) != "zebra" {
		t.Errorf("marks in the first hit: %d, want one around zebra", len(marks))
	}
	more := byTestID(doc, "more")
	if len(more) != 1 {
		t.Fatalf("no more link on a full page")
	}
	next := c.getHX(attr(more[0], "href"))
	if n := len(byTestID(next.Doc(), "search-hit")); n != 5 || len(byTestID(next.Doc(), "more")) != 0 {
		t.Errorf("second page: %d hits (want 5) and %d more links (want 0)", n, len(byTestID(next.Doc(), "more")))
	}
	// A one-word query lists people and tags above the posts.
	side := c.get("/search?q=ama").Doc()
	if ppl := byTestID(side, "search-people"); len(ppl) != 1 || !strings.Contains(text(ppl[0]), "Amal Writer") {
		t.Errorf("people for ama: %v", len(ppl))
	}
	tags := c.get("/search?q=%23zeb").Doc()
	if tg := byTestID(tags, "search-tags"); len(tg) != 1 || !strings.Contains(text(tg[0]), "#zebras") {
		t.Errorf("tags for #zeb: %d sections", len(tg))
	}
	// As typed, under HTMX: the results fragment alone.
	frag := c.do(http.MethodGet, "/search?q=zebra", nil, http.Header{"Hx-Request": {"true"}, "Hx-Target": {"search-results"}})
	if frag.StatusCode != http.StatusOK || !frag.isFragment() || len(byTestID(frag.Doc(), "search-hit")) != 20 {
		t.Errorf("htmx results: status %d, fragment %v", frag.StatusCode, frag.isFragment())
	}
	// A deleted post is gone from the results at once.
	if err := srv.db.DeletePost(ids[24]); err != nil {
		t.Fatal(err)
	}
	if hits := byTestID(c.get("/search?q=friends").Doc(), "search-hit"); len(hits) != 0 {
		t.Errorf("the deleted post is still found")
	}
	// Empty, too long and bad cursors.
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/search", http.StatusOK},
		{"/search?q=" + strings.Repeat("a", 600), http.StatusOK},
		{"/search?q=zebra&before=nonsense", http.StatusBadRequest},
	} {
		if r := c.get(tt.path); r.StatusCode != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path[:min(len(tt.path), 40)], r.StatusCode, tt.status)
		}
	}
	// The header's search box is on every page.
	if n := len(byTestID(c.get("/local").Doc(), "site-search")); n != 1 {
		t.Errorf("search box in the header: %d", n)
	}
}

func TestSuggest(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	if _, err := srv.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Indexable: true, DisplayName: "Amal"}); err != nil {
		t.Fatal(err)
	}
	c := srv.newClient(t)
	c.login("amal", "password-amal")
	c.post("hello #golang")
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"@am", []string{"@amal"}},
		{"#go", []string{"#golang"}},
		{"am", nil},
		{"@", nil},
		{"@zz", nil},
	} {
		resp := c.get("/search/suggest?q=" + url.QueryEscape(tt.q))
		var got []struct{ Insert string }
		if err := json.Unmarshal([]byte(resp.body), &got); err != nil {
			t.Fatalf("suggest %q: %v: %s", tt.q, err, resp.body)
		}
		var ins []string
		for _, s := range got {
			ins = append(ins, s.Insert)
		}
		if strings.Join(ins, ",") != strings.Join(tt.want, ",") {
			t.Errorf("suggest %q = %v, want %v", tt.q, ins, tt.want)
		}
	}
}
