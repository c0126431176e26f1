package handlers_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestTimelinePagination(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse")
	u, err := srv.db.LocalUser("amal")
	if err != nil {
		t.Fatal(err)
	}
	var want []string // newest first
	for i := range 45 {
		p := newPost(t, srv.db, u, fmt.Sprintf("post number %d", i))
		want = append(want, p.ID.String())
	}
	slices.Reverse(want)

	for _, tc := range []struct {
		name string
		c    *client
		path string
		next string // the next page's link, without the cursor
	}{
		{"home", amal, "/", "/?before="},
		{"local", srv.newClient(t), "/local", "/local?before="},
		{"visitor start page", srv.newClient(t), "/", "/local?before="},
		{"profile", srv.newClient(t), "/@amal", "/@amal?before="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var sizes []int
			path := tc.path
			for path != "" {
				if len(sizes) > 5 {
					t.Fatalf("more than 5 pages; last %s", path)
				}
				page := tc.c.get(path)
				if page.StatusCode != http.StatusOK {
					t.Fatalf("%s: got status %d, want 200", path, page.StatusCode)
				}
				ids := postIDs(page.Doc())
				got = append(got, ids...)
				sizes = append(sizes, len(ids))
				path = ""
				if more := byTestID(page.Doc(), "more"); len(more) == 1 {
					if text(more[0]) != "Older posts" {
						t.Errorf("got link text %q, want Older posts", text(more[0]))
					}
					path = attr(more[0], "href")
					if want := tc.next + ids[len(ids)-1]; path != want {
						t.Errorf("got next link %q, want %q", path, want)
					}
					if hx := attr(more[0], "hx-get"); hx != path {
						t.Errorf("got hx-get %q, want the same as href %q", hx, path)
					}
				}
			}
			if !slices.Equal(sizes, []int{20, 20, 5}) {
				t.Errorf("got page sizes %v, want [20 20 5]", sizes)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got posts\n%v\nwant every post once, newest first:\n%v", got, want)
			}
		})

		t.Run(tc.name+"/htmx", func(t *testing.T) {
			first := tc.c.get(tc.path)
			more := oneByTestID(t, first.Doc(), "more")
			resp := tc.c.getHX(attr(more, "href"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if !resp.isFragment() {
				t.Errorf("got a whole page, want a fragment")
			}
			if len(byTestID(resp.Doc(), "timeline")) != 0 || len(byTestID(resp.Doc(), "compose")) != 0 {
				t.Errorf("got the timeline section or compose box, want the posts alone")
			}
			if got := postIDs(resp.Doc()); !slices.Equal(got, want[20:40]) {
				t.Errorf("got posts %v, want %v", got, want[20:40])
			}
			next := oneByTestID(t, resp.Doc(), "more")
			if !strings.HasSuffix(attr(next, "href"), "?before="+want[39]) {
				t.Errorf("got next link %q, want ?before=%s", attr(next, "href"), want[39])
			}
			if v := resp.Header.Values("Vary"); !slices.Contains(v, "HX-Request") {
				t.Errorf("got Vary %q, want HX-Request: the same URL answers two ways", v)
			}
		})

		t.Run(tc.name+"/invalid cursor", func(t *testing.T) {
			for _, cursor := range []string{"abc", "-1", "0", "01", "99999999999999999999999"} {
				resp := tc.c.get(tc.path + "?before=" + cursor)
				checkReadablePage(t, resp, http.StatusBadRequest)
			}
		})
	}
}

func TestTimelineEmpty(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("amal", "correct horse")
	for _, path := range []string{"/", "/local", "/@amal"} {
		t.Run(path, func(t *testing.T) {
			page := c.get(path)
			if page.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", page.StatusCode)
			}
			tl := oneByTestID(t, page.Doc(), "timeline")
			empty := findAll(tl, func(n *htmlNode) bool { return hasClass(n, "empty") })
			if len(empty) != 1 || text(empty[0]) == "" {
				t.Errorf("got no message on an empty timeline")
			}
			if len(byTestID(tl, "more")) != 0 {
				t.Errorf("got an Older posts link on an empty timeline")
			}
		})
	}
}

// A last page that happens to be full has no link to an empty page.
func TestTimelineFullLastPage(t *testing.T) {
	srv := newTestServer(t)
	u := newUser(t, srv.db, "amal")
	for i := range 40 {
		newPost(t, srv.db, u, fmt.Sprintf("post %d", i))
	}
	c := srv.newClient(t)
	first := c.get("/local")
	second := c.get(attr(oneByTestID(t, first.Doc(), "more"), "href"))
	if n := len(postIDs(second.Doc())); n != 20 {
		t.Errorf("second page: got %d posts, want 20", n)
	}
	if n := len(byTestID(second.Doc(), "more")); n != 0 {
		t.Errorf("second page: got %d Older posts links, want none", n)
	}
}
