package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestCreatePost(t *testing.T) {
	srv := newTestServer(t)
	author := srv.newClient(t)
	author.register("amal", "correct horse")
	reader := srv.newClient(t)
	reader.register("bilal", "correct horse")
	reader.postForm("/@amal/follow", nil, nil)

	resp := author.postForm("/posts", url.Values{"body": {"Hello **bold** world"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /posts: got status %d, want 303", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("POST /posts: got Location %q, want /", loc)
	}
	home := author.get("/")
	if f := flashText(home.Doc()); !strings.Contains(f, "published") {
		t.Errorf("home after posting: got flash %q, want it to say published", f)
	}
	posts := byTestID(home.Doc(), "post")
	if len(posts) != 1 {
		t.Fatalf("home after posting: got %d posts, want 1", len(posts))
	}
	link := permalinkOf(posts[0])
	if !strings.HasPrefix(link, "/@amal/") {
		t.Fatalf("got permalink %q, want /@amal/ID", link)
	}

	t.Run("permalink title", func(t *testing.T) {
		page := reader.get(link)
		title := text(oneByTag(t, page.Doc(), "title"))
		if want := "amal: Hello bold world · majlis"; title != want {
			t.Errorf("got title %q, want %q", title, want)
		}
		desc := findAll(page.Doc(), func(n *htmlNode) bool { return n.Data == "meta" && attr(n, "name") == "description" })
		if len(desc) != 1 || attr(desc[0], "content") != "Hello bold world" {
			t.Errorf("got no description %q", "Hello bold world")
		}
	})

	for _, tc := range []struct {
		name string
		c    *client
		path string
	}{
		{"author home", author, "/"},
		{"follower home", reader, "/"},
		{"local", reader, "/local"},
		{"visitor start page", srv.newClient(t), "/"},
		{"profile", reader, "/@amal"},
		{"permalink", srv.newClient(t), link},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := tc.c.get(tc.path)
			if page.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", page.StatusCode)
			}
			posts := byTestID(page.Doc(), "post")
			if len(posts) != 1 {
				t.Fatalf("got %d posts, want 1", len(posts))
			}
			if got := permalinkOf(posts[0]); got != link {
				t.Errorf("got permalink %q, want %q", got, link)
			}
			body := oneByTestID(t, posts[0], "post-body")
			strong := byTag(body, "strong")
			if len(strong) != 1 || text(strong[0]) != "bold" {
				t.Errorf("got body %q, want **bold** rendered as <strong>bold</strong>", innerHTML(body))
			}
			if got := text(body); got != "Hello bold world" {
				t.Errorf("got text %q, want %q", got, "Hello bold world")
			}
		})
	}
}

func TestCreatePostHTMX(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("amal", "correct horse")

	resp := c.postForm("/posts", url.Values{"body": {"via *htmx*"}}, htmxHeader())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	if !resp.isFragment() {
		t.Errorf("got a whole page, want a fragment")
	}
	doc := resp.Doc()
	post := oneByTestID(t, doc, "post")
	if em := byTag(post, "em"); len(em) != 1 || text(em[0]) != "htmx" {
		t.Errorf("got post %q, want *htmx* as <em>", innerHTML(post))
	}
	compose := oneByTestID(t, doc, "compose")
	if attr(compose, "hx-swap-oob") != "true" {
		t.Errorf("got compose form without hx-swap-oob=\"true\", want it out of band")
	}
	if got := text(oneByTestID(t, compose, "compose-body")); got != "" {
		t.Errorf("got compose box %q, want it emptied", got)
	}
	if got := text(oneByTestID(t, compose, "counter")); got != "0/500" {
		t.Errorf("got counter %q, want 0/500", got)
	}
	if len(byTestID(compose, "compose-error")) != 0 {
		t.Errorf("got an error in the compose box after a successful post")
	}
	// The flash of a plain post is not left for the next page.
	if f := flashText(c.get("/").Doc()); strings.Contains(f, "published") {
		t.Errorf("next page: got flash %q, want none: the htmx answer already showed the post", f)
	}
	if n := postCount(t, srv.db, "amal"); n != 1 {
		t.Errorf("got %d posts stored, want 1", n)
	}
}

func TestCreatePostInvalid(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("amal", "correct horse")

	tests := []struct {
		name      string
		body      string
		wantError string
	}{
		{"empty", "", "Write something"},
		{"blank", "  \r\n\t ", "Write something"},
		{"501 characters", strings.Repeat("a", 501), "501 characters"},
		{"501 Arabic characters", strings.Repeat("ب", 501), "501 characters"},
		{"renders to nothing", "[x]: https://ok.example", "Write something"},
	}
	for _, tc := range tests {
		for _, htmx := range []bool{false, true} {
			name := tc.name
			if htmx {
				name += "/htmx"
			}
			t.Run(name, func(t *testing.T) {
				var hdr http.Header
				if htmx {
					hdr = htmxHeader()
				}
				resp := c.postForm("/posts", url.Values{"body": {tc.body}}, hdr)
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("got status %d, want 400", resp.StatusCode)
				}
				if htmx {
					if !resp.isFragment() {
						t.Errorf("got a whole page, want the compose form alone")
					}
					if got := resp.Header.Get("HX-Retarget"); got != "#compose" {
						t.Errorf("got HX-Retarget %q, want #compose", got)
					}
				} else if len(byTestID(resp.Doc(), "timeline")) != 1 {
					t.Errorf("got no timeline, want the home page with the error")
				}
				compose := oneByTestID(t, resp.Doc(), "compose")
				errs := byTestID(compose, "compose-error")
				if len(errs) != 1 || !strings.Contains(text(errs[0]), tc.wantError) {
					t.Errorf("got compose errors %d %q, want one mentioning %q", len(errs), text(compose), tc.wantError)
				}
				body := oneByTestID(t, compose, "compose-body")
				if got, want := strings.TrimPrefix(innerText(body), "\n"), strings.ReplaceAll(tc.body, "\r\n", "\n"); got != want {
					t.Errorf("got compose box %q, want the draft %q kept", got, want)
				}
				if n := postCount(t, srv.db, "amal"); n != 0 {
					t.Errorf("got %d posts stored, want 0", n)
				}
			})
		}
	}

	t.Run("500 Arabic characters", func(t *testing.T) {
		body := strings.Repeat("ب", 500) // 1,000 bytes
		resp := c.postForm("/posts", url.Values{"body": {body}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303: the limit counts characters, not bytes", resp.StatusCode)
		}
		if n := postCount(t, srv.db, "amal"); n != 1 {
			t.Errorf("got %d posts stored, want 1", n)
		}
	})
	t.Run("500 characters with CRLF line ends", func(t *testing.T) {
		body := strings.Repeat("abcd\r\n", 100) // 500 characters once CRLF counts 1
		resp := c.postForm("/posts", url.Values{"body": {body}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303: a line end counts as one character", resp.StatusCode)
		}
	})
}

// innerText is the raw text content of n, white space kept.
func innerText(n *htmlNode) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(c.Data)
	}
	return b.String()
}

func TestCountChars(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	tests := []struct {
		name     string
		body     string
		want     string
		wantOver bool
	}{
		{"empty", "", "0/500", false},
		{"ascii", "hello", "5/500", false},
		{"arabic counts characters", "مرحبا", "5/500", false},
		{"crlf counts one", "a\r\nb", "3/500", false},
		{"at the limit", strings.Repeat("x", 500), "500/500", false},
		{"over the limit", strings.Repeat("ب", 501), "501/500", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := c.postForm("/posts/count", url.Values{"body": {tc.body}}, htmxHeader())
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if !resp.isFragment() {
				t.Errorf("got a whole page, want the counter alone")
			}
			counter := oneByTestID(t, resp.Doc(), "counter")
			if got := text(counter); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if got := hasClass(counter, "over"); got != tc.wantOver {
				t.Errorf("got class over %v, want %v", got, tc.wantOver)
			}
		})
	}
}

// Raw HTML in a post is shown as text, never run.
func TestPostEscapesHTML(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("amal", "correct horse")
	src := `<script>alert("x")</script> and <img src=x onerror=alert(1)>`
	link := c.post(src)

	for _, path := range []string{"/", "/local", "/@amal", link, link + "/delete"} {
		t.Run(path, func(t *testing.T) {
			page := c.get(path)
			if page.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", page.StatusCode)
			}
			body := oneByTestID(t, oneByTestID(t, page.Doc(), "post"), "post-body")
			for _, tag := range []string{"script", "img"} {
				if n := len(byTag(body, tag)); n != 0 {
					t.Errorf("got %d <%s> elements in the post, want 0", n, tag)
				}
			}
			if got := text(body); !strings.Contains(got, `<script>alert("x")</script>`) || !strings.Contains(got, "<img src=x onerror=alert(1)>") {
				t.Errorf("got text %q, want the markup shown as text", got)
			}
			// No script element anywhere in the page but the htmx one.
			for _, s := range byTag(page.Doc(), "script") {
				if !strings.HasPrefix(attr(s, "src"), "/static/") || text(s) != "" {
					t.Errorf("got a <script> that is not a static file: src=%q %q", attr(s, "src"), text(s))
				}
			}
		})
	}
}

func TestDeletePost(t *testing.T) {
	srv := newTestServer(t)
	author := srv.newClient(t)
	author.register("amal", "correct horse")
	other := srv.newClient(t)
	other.register("bilal", "correct horse")
	visitor := srv.newClient(t)
	link := author.post("delete me")
	keep := author.post("keep me")

	t.Run("confirmation page", func(t *testing.T) {
		page := author.get(link + "/delete")
		if page.StatusCode != http.StatusOK {
			t.Fatalf("got status %d, want 200", page.StatusCode)
		}
		doc := page.Doc()
		if got := text(oneByTestID(t, doc, "post-body")); got != "delete me" {
			t.Errorf("got post %q, want the post to delete shown", got)
		}
		button := oneByTestID(t, doc, "confirm-delete")
		var form *htmlNode
		for n := button.Parent; n != nil; n = n.Parent {
			if n.Data == "form" {
				form = n
				break
			}
		}
		if form == nil || attr(form, "action") != link+"/delete" || !strings.EqualFold(attr(form, "method"), "post") {
			t.Errorf("got confirm button outside a POST form to %s/delete", link)
		}
		if postCount(t, srv.db, "amal") != 2 {
			t.Errorf("the confirmation page deleted something")
		}
	})

	t.Run("other user", func(t *testing.T) {
		checkReadablePage(t, other.get(link+"/delete"), http.StatusForbidden)
		checkReadablePage(t, other.postForm(link+"/delete", nil, nil), http.StatusForbidden)
		if page := other.get(link); page.StatusCode != http.StatusOK {
			t.Errorf("permalink after another user's delete: got status %d, want 200", page.StatusCode)
		}
		if n := postCount(t, srv.db, "amal"); n != 2 {
			t.Errorf("got %d posts, want 2", n)
		}
	})

	t.Run("other user htmx", func(t *testing.T) {
		resp := other.postForm(link+"/delete", nil, htmxHeader())
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("got status %d, want 403", resp.StatusCode)
		}
		if n := postCount(t, srv.db, "amal"); n != 2 {
			t.Errorf("got %d posts, want 2", n)
		}
	})

	t.Run("visitor", func(t *testing.T) {
		resp := visitor.get(link + "/delete")
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("GET: got status %d, want 303", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
			t.Errorf("GET: got Location %q, want /login", loc)
		}
		checkReadablePage(t, visitor.postForm(link+"/delete", nil, nil), http.StatusForbidden)
		if n := postCount(t, srv.db, "amal"); n != 2 {
			t.Errorf("got %d posts, want 2", n)
		}
	})

	t.Run("author", func(t *testing.T) {
		resp := author.postForm(link+"/delete", nil, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "/@amal" {
			t.Errorf("got Location %q, want /@amal", loc)
		}
		prof := author.get("/@amal")
		if f := flashText(prof.Doc()); !strings.Contains(f, "deleted") {
			t.Errorf("profile: got flash %q, want it to say deleted", f)
		}
		var links []string
		for _, p := range byTestID(prof.Doc(), "post") {
			links = append(links, permalinkOf(p))
		}
		if len(links) != 1 || links[0] != keep {
			t.Errorf("profile: got posts %q, want only %q", links, keep)
		}
		if got := text(oneByTestID(t, prof.Doc(), "posts-count")); got != "1" {
			t.Errorf("profile: got posts count %q, want 1", got)
		}
		checkReadablePage(t, visitor.get(link), http.StatusNotFound)
		checkReadablePage(t, author.get(link+"/delete"), http.StatusNotFound)
		checkReadablePage(t, author.postForm(link+"/delete", nil, nil), http.StatusNotFound)
	})

	t.Run("author htmx", func(t *testing.T) {
		resp := author.postForm(keep+"/delete", nil, htmxHeader())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got status %d, want 200", resp.StatusCode)
		}
		if strings.TrimSpace(resp.body) != "" {
			t.Errorf("got body %q, want empty: the post leaves the list", resp.body)
		}
		if n := postCount(t, srv.db, "amal"); n != 0 {
			t.Errorf("got %d posts, want 0", n)
		}
	})
}

// Deleting from the permalink page under htmx sends the browser to the
// profile, since nothing is left to show.
func TestDeletePostHTMXFromPermalink(t *testing.T) {
	srv := newTestServer(t)
	author := srv.newClient(t)
	author.register("amal", "correct horse")
	for _, tc := range []struct {
		name         string
		current      func(link string) string
		wantRedirect string
	}{
		{"from the permalink", func(link string) string { return srv.URL + link }, "/@amal"},
		{"from the permalink in another case", func(link string) string { return srv.URL + strings.ToUpper(link) }, "/@amal"},
		{"from the permalink with a fragment", func(link string) string { return srv.URL + link + "#post" }, "/@amal"},
		{"from the timeline", func(string) string { return srv.URL + "/" }, ""},
		{"from the profile", func(string) string { return srv.URL + "/@amal" }, ""},
		{"from the delete page of another post", func(string) string { return srv.URL + "/@amal/1/delete" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			link := author.post("bye")
			hdr := htmxHeader()
			hdr.Set("HX-Current-URL", tc.current(link))
			resp := author.postForm(link+"/delete", nil, hdr)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("HX-Redirect"); got != tc.wantRedirect {
				t.Errorf("got HX-Redirect %q, want %q", got, tc.wantRedirect)
			}
			if resp := author.get(link); resp.StatusCode != http.StatusNotFound {
				t.Errorf("permalink: got status %d, want 404", resp.StatusCode)
			}
		})
	}
}

// Many people posting at once: every post is stored once and counted.
func TestConcurrentPosts(t *testing.T) {
	srv := newTestServer(t)
	const writers, each = 4, 10
	clients := make([]*client, writers)
	for i := range clients {
		clients[i] = srv.newClient(t)
		clients[i].register("writer"+string(rune('a'+i)), "correct horse")
	}
	errs := make(chan string, writers*each)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for j := range each {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/posts", strings.NewReader(url.Values{"body": {"post " + strconv.Itoa(i) + "/" + strconv.Itoa(j)}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := c.hc.Do(req)
				if err != nil {
					errs <- err.Error()
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther {
					errs <- "got status " + strconv.Itoa(resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for _, c := range clients {
		if n := postCount(t, srv.db, c.username); n != each {
			t.Errorf("%s: got %d posts, want %d", c.username, n, each)
		}
	}
	var all []string
	for path := "/local"; path != ""; {
		page := srv.newClient(t).get(path)
		all = append(all, postIDs(page.Doc())...)
		path = ""
		if more := byTestID(page.Doc(), "more"); len(more) == 1 {
			path = attr(more[0], "href")
		}
	}
	if len(all) != writers*each {
		t.Errorf("local timeline: got %d posts, want %d", len(all), writers*each)
	}
}
