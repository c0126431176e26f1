package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"majlis/storage"
)

// peopleListed returns the handles of a settings list page.
func peopleListed(t *testing.T, c *client, path string) []string {
	t.Helper()
	resp := c.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: got status %d, want 200", path, resp.StatusCode)
	}
	var handles []string
	for _, p := range byTestID(resp.Doc(), "person") {
		for _, h := range findAll(p, func(n *htmlNode) bool { return hasClass(n, "handle") }) {
			handles = append(handles, text(h))
		}
	}
	return handles
}

func peopleFollows(t *testing.T, db *storage.DB, a, b storage.User) bool {
	t.Helper()
	ok, err := db.IsFollowing(a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestLockedAccount(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	carim := newUser(t, srv.db, "carim")
	dina := newUser(t, srv.db, "dina")
	if _, err := srv.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Locked: true}); err != nil {
		t.Fatal(err)
	}
	owner := peopleClient(t, srv, "amal")

	request := func(t *testing.T, name string) *client {
		t.Helper()
		c := peopleClient(t, srv, name)
		prof := c.get("/@amal").Doc()
		if got := text(oneByTestID(t, prof, "follow")); got != "Request to follow" {
			t.Errorf("button on a locked profile: got %q, want Request to follow", got)
		}
		if len(byTestID(prof, "locked")) != 1 {
			t.Errorf("got no lock label on a locked profile")
		}
		resp := c.postForm("/@amal/follow", nil, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("follow: got status %d, want 303", resp.StatusCode)
		}
		prof = c.get("/@amal").Doc()
		if f := flashText(prof); !strings.Contains(f, "asked to follow @amal") {
			t.Errorf("got flash %q, want it to say you asked", f)
		}
		if len(byTestID(prof, "requested")) != 1 || len(byTestID(prof, "withdraw")) != 1 || len(byTestID(prof, "follow")) != 0 {
			t.Errorf("pending request: want Requested with a Withdraw button and no Follow button")
		}
		return c
	}

	t.Run("accept", func(t *testing.T) {
		c := request(t, "bilal")
		if peopleFollows(t, srv.db, bilal, amal) {
			t.Fatalf("bilal follows amal before she accepted")
		}
		if got := peopleListed(t, owner, "/settings/requests"); !slices.Equal(got, []string{"@bilal"}) {
			t.Fatalf("requests: got %q, want [@bilal]", got)
		}
		resp := owner.postForm("/settings/requests/bilal/accept", url.Values{"next": {"/settings/requests"}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/requests" {
			t.Fatalf("accept: got status %d to %q, want 303 to /settings/requests", resp.StatusCode, resp.Header.Get("Location"))
		}
		if !peopleFollows(t, srv.db, bilal, amal) {
			t.Errorf("bilal does not follow amal after the accept")
		}
		if got := peopleListed(t, owner, "/settings/requests"); len(got) != 0 {
			t.Errorf("requests after accepting: got %q, want none", got)
		}
		if len(byTestID(c.get("/@amal").Doc(), "unfollow")) != 1 {
			t.Errorf("bilal: got no Unfollow button once accepted")
		}
		if len(byTestID(owner.get("/@bilal").Doc(), "follows-you")) != 1 {
			t.Errorf("amal on bilal's profile: got no Follows you")
		}
	})

	t.Run("reject under HTMX", func(t *testing.T) {
		request(t, "carim")
		resp := owner.postForm("/settings/requests/carim/reject", url.Values{"next": {"/settings/requests"}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || !resp.isFragment() {
			t.Fatalf("got status %d fragment %v, want 200 and the row", resp.StatusCode, resp.isFragment())
		}
		if got := text(oneByTestID(t, resp.Doc(), "person-done")); !strings.Contains(got, "rejected") {
			t.Errorf("got row %q, want it to say rejected", got)
		}
		if peopleFollows(t, srv.db, carim, amal) {
			t.Errorf("carim follows amal after a reject")
		}
		if rel, _ := srv.db.RelationshipOf(carim.ID, amal.ID); rel.Requested {
			t.Errorf("carim's request is still pending after a reject")
		}
		checkReadablePage(t, owner.postForm("/settings/requests/carim/accept", nil, nil), http.StatusNotFound)
	})

	t.Run("withdraw", func(t *testing.T) {
		c := request(t, "dina")
		resp := c.postForm("/@amal/unfollow", nil, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", resp.StatusCode)
		}
		prof := c.get("/@amal").Doc()
		if f := flashText(prof); !strings.Contains(f, "withdrew") {
			t.Errorf("got flash %q, want it to say you withdrew", f)
		}
		if len(byTestID(prof, "follow")) != 1 {
			t.Errorf("after withdrawing: want the Request to follow button back")
		}
		if got := peopleListed(t, owner, "/settings/requests"); slices.Contains(got, "@dina") {
			t.Errorf("requests: got %q after dina withdrew", got)
		}
		if peopleFollows(t, srv.db, dina, amal) {
			t.Errorf("dina follows amal")
		}
	})

	t.Run("HTMX request swaps the header", func(t *testing.T) {
		c := peopleClient(t, srv, "dina")
		resp := c.postForm("/@amal/follow", nil, htmxHeader())
		if resp.StatusCode != http.StatusOK || !resp.isFragment() {
			t.Fatalf("got status %d fragment %v, want 200 and the header", resp.StatusCode, resp.isFragment())
		}
		header := oneByTestID(t, resp.Doc(), "profile-header")
		if len(byTestID(header, "withdraw")) != 1 {
			t.Errorf("got no Withdraw button in the swapped header")
		}
	})
}

func TestBlock(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	peopleMust(t, peopleErr(srv.db.Follow(amal.ID, bilal.ID)))
	peopleMust(t, peopleErr(srv.db.Follow(bilal.ID, amal.ID)))
	newPost(t, srv.db, bilal, "a post by bilal")
	newPost(t, srv.db, amal, "a post by amal")
	a := peopleClient(t, srv, "amal")
	b := peopleClient(t, srv, "bilal")

	prof := a.get("/@bilal").Doc()
	block := oneByTestID(t, prof, "block")
	if attr(block, "href") != "/@bilal/block" || attr(block, "hx-post") != "/@bilal/block" || attr(block, "hx-confirm") == "" {
		t.Errorf("Block: got href %q hx-post %q hx-confirm %q, want the confirmation page and hx-confirm",
			attr(block, "href"), attr(block, "hx-post"), attr(block, "hx-confirm"))
	}

	confirm := a.get("/@bilal/block")
	checkReadablePage(t, confirm, http.StatusOK)
	form := oneByTestID(t, confirm.Doc(), "block-form")
	if attr(form, "method") != "post" || attr(form, "action") != "/@bilal/block" {
		t.Errorf("confirmation form: got %s %s", attr(form, "method"), attr(form, "action"))
	}
	if peopleFollows(t, srv.db, amal, bilal) != true {
		t.Fatalf("the confirmation page blocked already")
	}

	resp := a.postForm("/@bilal/block", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/@bilal" {
		t.Fatalf("block: got status %d to %q, want 303 to /@bilal", resp.StatusCode, resp.Header.Get("Location"))
	}
	if peopleFollows(t, srv.db, amal, bilal) || peopleFollows(t, srv.db, bilal, amal) {
		t.Errorf("follows survived the block")
	}

	t.Run("blocker's view", func(t *testing.T) {
		doc := a.get("/@bilal").Doc()
		if got := text(oneByTestID(t, doc, "profile-notice")); !strings.Contains(got, "You have blocked @bilal") {
			t.Errorf("got notice %q", got)
		}
		if n := len(byTestID(doc, "post")); n != 0 {
			t.Errorf("got %d posts on a blocked profile, want 0", n)
		}
		if len(byTestID(doc, "unblock")) != 1 || len(byTestID(doc, "follow")) != 0 {
			t.Errorf("want an Unblock button and no Follow button")
		}
	})
	t.Run("blocked viewer's view", func(t *testing.T) {
		doc := b.get("/@amal").Doc()
		if len(byTestID(doc, "profile-header")) != 1 {
			t.Errorf("got no profile header")
		}
		if got := text(oneByTestID(t, doc, "profile-notice")); got != "You can't follow or see posts from @amal." {
			t.Errorf("got notice %q", got)
		}
		if n := len(byTestID(doc, "post")); n != 0 {
			t.Errorf("got %d posts, want 0", n)
		}
		if len(byTestID(doc, "follow"))+len(byTestID(doc, "unfollow")) != 0 {
			t.Errorf("got a follow button across a block")
		}
	})
	t.Run("follow across the block", func(t *testing.T) {
		resp := b.postForm("/@amal/follow", nil, nil)
		checkReadablePage(t, resp, http.StatusForbidden)
		if !strings.Contains(resp.body, "can&#39;t follow @amal") && !strings.Contains(resp.body, "can't follow @amal") {
			t.Errorf("got no clear message in the 403 page")
		}
		resp = b.postForm("/@amal/follow", nil, htmxHeader())
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("HX-Retarget") != "#flash" {
			t.Errorf("under HTMX: got %d retarget %q, want 403 into #flash", resp.StatusCode, resp.Header.Get("HX-Retarget"))
		}
		if peopleFollows(t, srv.db, bilal, amal) {
			t.Errorf("bilal follows amal across the block")
		}
	})
	t.Run("settings list and unblock", func(t *testing.T) {
		if got := peopleListed(t, a, "/settings/blocks"); !slices.Equal(got, []string{"@bilal"}) {
			t.Fatalf("blocks: got %q, want [@bilal]", got)
		}
		resp := a.postForm("/@bilal/unblock", url.Values{"next": {"/settings/blocks"}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/blocks" {
			t.Fatalf("unblock: got status %d to %q, want 303 to /settings/blocks", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := peopleListed(t, a, "/settings/blocks"); len(got) != 0 {
			t.Errorf("blocks after unblocking: got %q", got)
		}
		doc := a.get("/@bilal").Doc()
		if len(byTestID(doc, "post")) != 1 || len(byTestID(doc, "follow")) != 1 {
			t.Errorf("after unblocking: want bilal's post and a Follow button back")
		}
	})
	t.Run("HTMX block reloads the profile", func(t *testing.T) {
		resp := a.postForm("/@bilal/block", nil, htmxHeader())
		if resp.StatusCode != http.StatusOK || resp.Header.Get("HX-Redirect") != "/@bilal" {
			t.Errorf("got status %d HX-Redirect %q, want 200 and /@bilal", resp.StatusCode, resp.Header.Get("HX-Redirect"))
		}
		if rel, _ := srv.db.RelationshipOf(amal.ID, bilal.ID); !rel.Blocking {
			t.Errorf("not blocked after the HTMX block")
		}
		if resp := a.postForm("/@bilal/block", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("blocking again: got status %d, want 303 (a stale button is not an error)", resp.StatusCode)
		}
		resp = a.postForm("/@bilal/unblock", url.Values{"next": {"/settings/blocks"}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || len(byTestID(resp.Doc(), "person-done")) != 1 {
			t.Errorf("HTMX unblock from the list: got status %d, want the row's outcome", resp.StatusCode)
		}
	})
	t.Run("yourself", func(t *testing.T) {
		checkReadablePage(t, a.postForm("/@amal/block", nil, nil), http.StatusBadRequest)
		checkReadablePage(t, a.get("/@amal/block"), http.StatusBadRequest)
	})
}

func TestMute(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	peopleMust(t, peopleErr(srv.db.Follow(amal.ID, bilal.ID)))
	newPost(t, srv.db, bilal, "a post by bilal")
	a := peopleClient(t, srv, "amal")
	homePosts := func() int { return len(byTestID(a.get("/").Doc(), "post")) }
	if n := homePosts(); n != 1 {
		t.Fatalf("home before muting: got %d posts, want 1", n)
	}

	resp := a.postForm("/@bilal/mute", nil, htmxHeader())
	if resp.StatusCode != http.StatusOK || !resp.isFragment() {
		t.Fatalf("HTMX mute: got status %d fragment %v, want the header", resp.StatusCode, resp.isFragment())
	}
	if len(byTestID(resp.Doc(), "unmute")) != 1 {
		t.Errorf("swapped header: got no Unmute button")
	}
	if n := homePosts(); n != 0 {
		t.Errorf("home after muting: got %d posts, want 0", n)
	}
	prof := a.get("/@bilal").Doc()
	if len(byTestID(prof, "post")) != 1 {
		t.Errorf("a muted account's profile: want its post still shown")
	}
	if !peopleFollows(t, srv.db, amal, bilal) {
		t.Errorf("muting ended the follow")
	}
	if got := peopleListed(t, a, "/settings/mutes"); !slices.Equal(got, []string{"@bilal"}) {
		t.Fatalf("mutes: got %q, want [@bilal]", got)
	}
	resp = a.postForm("/@bilal/unmute", url.Values{"next": {"/settings/mutes"}}, htmxHeader())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTMX unmute from settings: got status %d", resp.StatusCode)
	}
	if got := text(oneByTestID(t, resp.Doc(), "person-done")); !strings.Contains(got, "unmuted @bilal") {
		t.Errorf("got row %q", got)
	}
	if n := homePosts(); n != 1 {
		t.Errorf("home after unmuting: got %d posts, want 1", n)
	}
	if got := peopleListed(t, a, "/settings/mutes"); len(got) != 0 {
		t.Errorf("mutes after unmuting: got %q", got)
	}
	// Without JavaScript: back to the profile with a flash.
	resp = a.postForm("/@bilal/mute", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/@bilal" {
		t.Errorf("mute: got status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if f := flashText(a.get("/@bilal").Doc()); !strings.Contains(f, "muted @bilal") {
		t.Errorf("got flash %q", f)
	}
}

// peopleErr drops the value of a (value, error) pair.
func peopleErr[T any](_ T, err error) error { return err }

// Every people action refuses a request from another site.
func TestPeopleCrossOrigin(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	if _, err := srv.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Locked: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.Follow(bilal.ID, amal.ID); err != nil {
		t.Fatal(err)
	}
	c := peopleClient(t, srv, "amal")
	foreign := http.Header{"Sec-Fetch-Site": {"cross-site"}}
	for _, path := range []string{"/settings", "/settings/requests/bilal/accept", "/settings/requests/bilal/reject", "/@bilal/block", "/@bilal/mute"} {
		t.Run(path, func(t *testing.T) {
			checkReadablePage(t, c.postForm(path, validProfileForm(), foreign), http.StatusForbidden)
		})
	}
	rel, err := srv.db.RelationshipOf(amal.ID, bilal.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := srv.db.LocalUser("amal")
	if rel.Blocking || rel.Muting || rel.FollowedBy || u.DisplayName != "" {
		t.Errorf("a cross-site request changed something: %+v, display name %q", rel, u.DisplayName)
	}
	if got := peopleListed(t, c, "/settings/requests"); !slices.Equal(got, []string{"@bilal"}) {
		t.Errorf("requests: got %q, want bilal's still pending", got)
	}
}
