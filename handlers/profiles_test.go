package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// counts reads the three counts of a profile header.
func counts(t *testing.T, c *client, name string) (posts, following, followers string) {
	t.Helper()
	page := c.get("/@" + name)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("/@%s: got status %d, want 200", name, page.StatusCode)
	}
	doc := page.Doc()
	return text(oneByTestID(t, doc, "posts-count")), text(oneByTestID(t, doc, "following-count")), text(oneByTestID(t, doc, "followers-count"))
}

// listed returns the handles on a followers or following page.
func listed(t *testing.T, c *client, path string) []string {
	t.Helper()
	page := c.get(path)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("%s: got status %d, want 200", path, page.StatusCode)
	}
	list := oneByTestID(t, page.Doc(), "user-list")
	var handles []string
	for _, h := range findAll(list, func(n *htmlNode) bool { return hasClass(n, "handle") }) {
		handles = append(handles, text(h))
	}
	return handles
}

func TestFollow(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.newClient(t)
	amal.register("amal", "correct horse")
	bilal := srv.newClient(t)
	bilal.register("bilal", "correct horse")
	bilal.post("a post by bilal")
	amal.post("a post by amal")

	wantCounts := func(t *testing.T, name, following, followers string) {
		t.Helper()
		_, gotFollowing, gotFollowers := counts(t, amal, name)
		if gotFollowing != following || gotFollowers != followers {
			t.Errorf("/@%s: got following %s, followers %s; want %s, %s", name, gotFollowing, gotFollowers, following, followers)
		}
	}
	homeAuthors := func(t *testing.T) []string {
		t.Helper()
		var authors []string
		for _, p := range byTestID(amal.get("/").Doc(), "post") {
			authors = append(authors, strings.SplitN(permalinkOf(p), "/", 3)[1])
		}
		return authors
	}

	t.Run("before", func(t *testing.T) {
		prof := amal.get("/@bilal").Doc()
		if len(byTestID(prof, "follow")) != 1 || len(byTestID(prof, "unfollow")) != 0 {
			t.Errorf("got no Follow button on a profile not followed")
		}
		if got := homeAuthors(t); !slices.Equal(got, []string{"@amal"}) {
			t.Errorf("home: got posts by %q, want only @amal", got)
		}
	})

	t.Run("follow", func(t *testing.T) {
		resp := amal.postForm("/@bilal/follow", nil, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "/@bilal" {
			t.Errorf("got Location %q, want /@bilal", loc)
		}
		prof := amal.get("/@bilal").Doc()
		if f := flashText(prof); !strings.Contains(f, "follow @bilal") {
			t.Errorf("got flash %q, want it to say you follow @bilal", f)
		}
		if len(byTestID(prof, "unfollow")) != 1 || len(byTestID(prof, "follow")) != 0 {
			t.Errorf("got no Unfollow button after following")
		}
		wantCounts(t, "bilal", "0", "1")
		wantCounts(t, "amal", "1", "0")
		if got := listed(t, amal, "/@bilal/followers"); !slices.Equal(got, []string{"@amal"}) {
			t.Errorf("followers of bilal: got %q, want [@amal]", got)
		}
		if got := listed(t, amal, "/@amal/following"); !slices.Equal(got, []string{"@bilal"}) {
			t.Errorf("following of amal: got %q, want [@bilal]", got)
		}
		if got := homeAuthors(t); !slices.Equal(got, []string{"@amal", "@bilal"}) {
			t.Errorf("home: got posts by %q, want @amal then @bilal", got)
		}
		// The other side's home is unchanged: following is one way.
		for _, p := range byTestID(bilal.get("/").Doc(), "post") {
			if strings.HasPrefix(permalinkOf(p), "/@amal/") {
				t.Errorf("bilal's home shows amal's post, but bilal does not follow amal")
			}
		}
	})

	t.Run("follow again", func(t *testing.T) {
		if resp := amal.postForm("/@bilal/follow", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("got status %d, want 303: a stale button is not an error", resp.StatusCode)
		}
		wantCounts(t, "bilal", "0", "1")
	})

	t.Run("unfollow", func(t *testing.T) {
		resp := amal.postForm("/@bilal/unfollow", nil, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "/@bilal" {
			t.Errorf("got Location %q, want /@bilal", loc)
		}
		wantCounts(t, "bilal", "0", "0")
		wantCounts(t, "amal", "0", "0")
		if got := listed(t, amal, "/@bilal/followers"); len(got) != 0 {
			t.Errorf("followers of bilal: got %q, want none", got)
		}
		if got := listed(t, amal, "/@amal/following"); len(got) != 0 {
			t.Errorf("following of amal: got %q, want none", got)
		}
		if got := homeAuthors(t); !slices.Equal(got, []string{"@amal"}) {
			t.Errorf("home: got posts by %q, want only @amal", got)
		}
		if resp := amal.postForm("/@bilal/unfollow", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("unfollow again: got status %d, want 303", resp.StatusCode)
		}
	})

	t.Run("yourself", func(t *testing.T) {
		prof := amal.get("/@amal").Doc()
		if len(byTestID(prof, "follow"))+len(byTestID(prof, "unfollow")) != 0 {
			t.Errorf("got a follow button on your own profile")
		}
		checkReadablePage(t, amal.postForm("/@amal/follow", nil, nil), http.StatusBadRequest)
		wantCounts(t, "amal", "0", "0")
	})

	t.Run("visitor", func(t *testing.T) {
		v := srv.newClient(t)
		if prof := v.get("/@bilal").Doc(); len(byTestID(prof, "follow")) != 0 {
			t.Errorf("got a Follow button for a visitor")
		}
		checkReadablePage(t, v.postForm("/@bilal/follow", nil, nil), http.StatusForbidden)
		wantCounts(t, "bilal", "0", "0")
	})

	t.Run("unknown user", func(t *testing.T) {
		checkReadablePage(t, amal.postForm("/@nobody/follow", nil, nil), http.StatusNotFound)
	})
}

func TestFollowHTMX(t *testing.T) {
	srv := newTestServer(t)
	srv.newClient(t).register("bilal", "correct horse")
	amal := srv.newClient(t)
	amal.register("amal", "correct horse")

	for _, tc := range []struct {
		action        string
		wantButton    string
		wantFollowers string
	}{
		{"follow", "unfollow", "1"},
		{"unfollow", "follow", "0"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			resp := amal.postForm("/@bilal/"+tc.action, nil, htmxHeader())
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if !resp.isFragment() {
				t.Errorf("got a whole page, want the profile header alone")
			}
			doc := resp.Doc()
			header := oneByTestID(t, doc, "profile-header")
			if attr(header, "id") != "profile-header" {
				t.Errorf("got header id %q, want profile-header (the swap target)", attr(header, "id"))
			}
			if len(byTestID(header, tc.wantButton)) != 1 {
				t.Errorf("got no %q button in the header", tc.wantButton)
			}
			if got := text(oneByTestID(t, header, "followers-count")); got != tc.wantFollowers {
				t.Errorf("got followers %q, want %q", got, tc.wantFollowers)
			}
		})
	}
}

func TestRelationsPagination(t *testing.T) {
	srv := newTestServer(t)
	star := newUser(t, srv.db, "star")
	var want []string
	for i := range 45 {
		u := newUser(t, srv.db, "fan"+string(rune('a'+i/26))+string(rune('a'+i%26)))
		if _, err := srv.db.Follow(u.ID, star.ID); err != nil {
			t.Fatal(err)
		}
		want = append(want, "@"+u.Username)
	}
	slices.Reverse(want) // newest accounts first
	c := srv.newClient(t)
	var got []string
	pages := 0
	for path := "/@star/followers"; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		page := c.get(path)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("%s: got status %d, want 200", path, page.StatusCode)
		}
		list := oneByTestID(t, page.Doc(), "user-list")
		for _, h := range findAll(list, func(n *htmlNode) bool { return hasClass(n, "handle") }) {
			got = append(got, text(h))
		}
		path = ""
		if more := findAll(list, func(n *htmlNode) bool { return hasClass(n, "more") }); len(more) == 1 {
			path = attr(more[0], "href")
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got followers %q, want %q", got, want)
	}
	if pages != 2 {
		t.Errorf("got %d pages, want 2 of up to 40", pages)
	}
	t.Run("htmx", func(t *testing.T) {
		first := c.get("/@star/followers")
		more := findAll(first.Doc(), func(n *htmlNode) bool { return hasClass(n, "more") })
		if len(more) != 1 {
			t.Fatalf("got %d More links, want 1", len(more))
		}
		resp := c.getHX(attr(more[0], "href"))
		if resp.StatusCode != http.StatusOK || !resp.isFragment() {
			t.Fatalf("got status %d fragment %v, want 200 and a fragment", resp.StatusCode, resp.isFragment())
		}
		var handles []string
		for _, h := range findAll(resp.Doc(), func(n *htmlNode) bool { return hasClass(n, "handle") }) {
			handles = append(handles, text(h))
		}
		if !slices.Equal(handles, want[40:]) {
			t.Errorf("got %q, want %q", handles, want[40:])
		}
	})
	t.Run("invalid cursor", func(t *testing.T) {
		checkReadablePage(t, c.get("/@star/followers?before=abc"), http.StatusBadRequest)
	})
	if _, _, followers := counts(t, c, "star"); followers != "45" {
		t.Errorf("got followers count %s, want 45", followers)
	}
}

// A profile's post count is what the viewer may see: a followers-only or
// direct post does not raise it for a visitor, so nobody learns that a
// private post was sent.
func TestProfilePostCountIsWhatTheViewerSees(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	fan := srv.signIn(t, "fan")
	dave := srv.signIn(t, "dave")
	visitor := srv.newClient(t)
	fan.postForm("/@amal/follow", nil, nil)
	amal.say("hello everyone")
	amal.publish(url.Values{"body": {"for my followers"}, "visibility": {"followers"}})
	amal.publish(url.Values{"body": {"@dave between us"}, "visibility": {"direct"}})
	for _, tt := range []struct {
		name string
		c    *client
		want string
	}{
		{"visitor", visitor, "1"},
		{"mentioned non-follower", dave, "1"},
		{"follower", fan, "2"},
		{"amal", amal, "3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, _, _ := counts(t, tt.c, "amal"); got != tt.want {
				t.Errorf("got %s posts, want %s", got, tt.want)
			}
		})
	}
}
