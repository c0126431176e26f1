package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"

	"majlis/storage"
)

// Tests of conversations: replies and threads, likes and reposts,
// mentions and hashtags, edits, content warnings, visibility, pins and
// bookmarks.

// signIn makes an account in storage and a client signed in as it
// (logins, unlike sign-ups, are not rate limited when they succeed).
func (s *testServer) signIn(t testing.TB, name string) *client {
	t.Helper()
	newUser(t, s.db, name)
	c := s.newClient(t)
	c.login(name, "password-"+name)
	return c
}

// publish sends the compose form (no HTMX) and returns the new post's
// permalink, read from storage.
func (c *client) publish(form url.Values) string {
	c.t.Helper()
	resp := c.postForm("/posts", form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("publish %v: got status %d, want 303; body:\n%s", form, resp.StatusCode, resp.body)
	}
	return newestLink(c.t, c.srv.db, c.username)
}

// say publishes a plain public post.
func (c *client) say(body string) string {
	c.t.Helper()
	return c.publish(url.Values{"body": {body}})
}

// reply publishes a reply to the post at link.
func (c *client) reply(link, body string) string {
	c.t.Helper()
	return c.publish(url.Values{"body": {body}, "in_reply_to": {path.Base(link)}})
}

// newestLink is the permalink of an account's newest post or reply.
func newestLink(t testing.TB, db *storage.DB, name string) string {
	t.Helper()
	u, err := db.LocalUser(name)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := db.AuthorTimeline(u.ID, u.ID, true, storage.Page{Limit: 1})
	if err != nil || len(tl.Entries) == 0 {
		t.Fatalf("newest post of %s: got %d entries, %v", name, len(tl.Entries), err)
	}
	return "/@" + name + "/" + tl.Entries[0].Post.ID.String()
}

// stored reads the post at link from storage, as its author sees it.
func stored(t testing.TB, db *storage.DB, link string) storage.Post {
	t.Helper()
	name := strings.TrimPrefix(path.Dir(link), "/@")
	u, err := db.LocalUser(name)
	if err != nil {
		t.Fatal(err)
	}
	id, err := storage.ParseID(path.Base(link))
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.Post(u.ID, id)
	if err != nil {
		t.Fatalf("post %s: %v", link, err)
	}
	return e.Post
}

func userID(t testing.TB, db *storage.DB, name string) storage.ID {
	t.Helper()
	u, err := db.LocalUser(name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// cardOf is the card of the post at link on a page (by its permalink).
func cardOf(t testing.TB, doc *htmlNode, link string) *htmlNode {
	t.Helper()
	for _, p := range byTestID(doc, "post") {
		if permalinkOf(p) == link {
			return p
		}
	}
	t.Fatalf("got no card of %s on the page", link)
	return nil
}

// countIn is the text of a count (data-testid) in a card or action bar.
func countIn(t testing.TB, n *htmlNode, testid string) string {
	t.Helper()
	return text(oneByTestID(t, n, testid))
}

// checkUniqueIDs fails when two elements of a page share an id.
func checkUniqueIDs(t testing.TB, doc *htmlNode) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range findAll(doc, func(n *htmlNode) bool { return attr(n, "id") != "" }) {
		id := attr(n, "id")
		if seen[id] {
			t.Errorf("got id=%q twice on the page", id)
		}
		seen[id] = true
	}
}

// formOf is the form around a node.
func formOf(n *htmlNode) *htmlNode {
	for ; n != nil; n = n.Parent {
		if n.Data == "form" {
			return n
		}
	}
	return nil
}

func TestReplyFlow(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	chadi := srv.signIn(t, "chadi")
	visitor := srv.newClient(t)
	parent := amal.say("Where shall we meet, @bilal and @chadi?")

	t.Run("reply box", func(t *testing.T) {
		page := chadi.get(parent)
		form := oneByTestID(t, page.Doc(), "compose")
		if attr(form, "id") != "reply" || attr(form, "action") != "/posts" {
			t.Errorf("got reply form id=%q action=%q, want id=reply action=/posts", attr(form, "id"), attr(form, "action"))
		}
		hidden := findAll(form, func(n *htmlNode) bool { return attr(n, "name") == "in_reply_to" })
		if len(hidden) != 1 || attr(hidden[0], "value") != path.Base(parent) {
			t.Errorf("got no in_reply_to=%s in the reply form", path.Base(parent))
		}
		if got := innerText(oneByTestID(t, form, "compose-body")); strings.TrimPrefix(got, "\n") != "@amal @bilal " {
			t.Errorf("got reply box %q, want the author and the other mentioned, without the replier", got)
		}
		if attr(form, "hx-target") != "#replies" {
			t.Errorf("got hx-target %q, want #replies", attr(form, "hx-target"))
		}
		// Every card's Reply link leads to the box.
		reply := oneByTestID(t, cardOf(t, page.Doc(), parent), "reply")
		if got := attr(reply, "href"); got != parent+"#reply" {
			t.Errorf("got Reply link %q, want %s#reply", got, parent)
		}
	})

	t.Run("visitor", func(t *testing.T) {
		page := visitor.get(parent)
		if n := len(byTestID(page.Doc(), "compose")); n != 0 {
			t.Errorf("got %d compose forms for a visitor, want 0", n)
		}
		login := oneByTestID(t, page.Doc(), "login-to-reply")
		if attr(login, "id") != "reply" {
			t.Errorf("got the log-in line without id=reply")
		}
	})

	resp := bilal.postForm("/posts", url.Values{"body": {"@amal At the library."}, "in_reply_to": {path.Base(parent)}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: got status %d, want 303: %s", resp.StatusCode, resp.body)
	}
	reply := newestLink(t, srv.db, "bilal")
	if loc, want := resp.Header.Get("Location"), parent+"#post-"+path.Base(reply); loc != want {
		t.Errorf("got Location %q, want %q", loc, want)
	}
	if p := stored(t, srv.db, reply); p.InReplyTo.String() != path.Base(parent) || !slices.Contains(p.Mentions, userID(t, srv.db, "amal")) {
		t.Errorf("got stored reply InReplyTo=%v Mentions=%v, want the parent and amal", p.InReplyTo, p.Mentions)
	}

	t.Run("parent shows the reply", func(t *testing.T) {
		page := visitor.get(parent)
		focus := cardOf(t, page.Doc(), parent)
		if !hasClass(focus, "focus") {
			t.Errorf("got the permalink's post without class focus")
		}
		if got := countIn(t, focus, "reply-count"); got != "1" {
			t.Errorf("got reply count %q, want 1", got)
		}
		replies := oneByTestID(t, page.Doc(), "replies")
		branches := byTestID(replies, "reply-branch")
		if len(branches) != 1 || permalinkOf(oneByTestID(t, branches[0], "post")) != reply {
			t.Fatalf("got %d reply branches, want the reply", len(branches))
		}
		if n := len(byTestID(replies, "replying-to")); n != 0 {
			t.Errorf("got %d \"Replying to\" lines in the thread's replies, want none", n)
		}
	})

	t.Run("reply shows its ancestor", func(t *testing.T) {
		page := visitor.get(reply)
		anc := oneByTestID(t, page.Doc(), "ancestors")
		if got := postIDs(anc); len(got) != 1 || "/@amal/"+got[0] != parent {
			t.Errorf("got ancestors %v, want the parent", got)
		}
		if !hasClass(cardOf(t, page.Doc(), reply), "focus") {
			t.Errorf("got the reply without class focus on its permalink")
		}
	})

	t.Run("timelines say whom it answers", func(t *testing.T) {
		page := visitor.get("/@bilal/with_replies")
		card := cardOf(t, page.Doc(), reply)
		line := oneByTestID(t, card, "replying-to")
		if got := text(line); got != "Replying to @amal" {
			t.Errorf("got %q, want Replying to @amal", got)
		}
		if n := len(byTestID(visitor.get("/@bilal").Doc(), "post")); n != 0 {
			t.Errorf("Posts tab: got %d posts, want the reply only under Posts and replies", n)
		}
		tabs := oneByTestID(t, page.Doc(), "profile-tabs")
		cur := findAll(tabs, func(n *htmlNode) bool { return attr(n, "aria-current") == "page" })
		if len(cur) != 1 || attr(cur[0], "data-testid") != "tab-replies" {
			t.Errorf("got no current Posts and replies tab")
		}
	})

	t.Run("htmx", func(t *testing.T) {
		resp := chadi.postForm("/posts", url.Values{"body": {"@amal I'll be late"}, "in_reply_to": {path.Base(parent)}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || !resp.isFragment() {
			t.Fatalf("got status %d fragment %v, want 200 and a fragment", resp.StatusCode, resp.isFragment())
		}
		branch := oneByTestID(t, resp.Doc(), "reply-branch")
		if got := text(oneByTestID(t, branch, "post-body")); got != "@amal I'll be late" {
			t.Errorf("got reply %q", got)
		}
		form := oneByTestID(t, resp.Doc(), "compose")
		if attr(form, "id") != "reply" || attr(form, "hx-swap-oob") != "true" {
			t.Errorf("got compose id=%q oob=%q, want a fresh reply box out of band", attr(form, "id"), attr(form, "hx-swap-oob"))
		}
		if got := strings.TrimPrefix(innerText(oneByTestID(t, form, "compose-body")), "\n"); got != "@amal @bilal " {
			t.Errorf("got fresh reply box %q, want it prefilled again", got)
		}
		if got := stored(t, srv.db, parent).Replies; got != 2 {
			t.Errorf("got %d replies counted, want 2", got)
		}
	})

	t.Run("nested replies and show more", func(t *testing.T) {
		child := amal.reply(reply, "@bilal Which floor?")
		grandchild := bilal.reply(child, "@amal The second.")
		page := visitor.get(parent)
		branch := byTestID(oneByTestID(t, page.Doc(), "replies"), "reply-branch")[0]
		children := oneByTestID(t, branch, "reply-children")
		if got := postIDs(children); len(got) != 1 || got[0] != path.Base(child) {
			t.Errorf("got children %v, want %s", got, path.Base(child))
		}
		more := byTestID(children, "show-more")
		if len(more) != 1 || attr(more[0], "href") != child {
			t.Errorf("got show-more links %d, want one to %s", len(more), child)
		}
		if strings.Contains(page.body, path.Base(grandchild)) {
			t.Errorf("got the grandchild on the parent's page, want it behind show more")
		}
		deep := visitor.get(child)
		if got := postIDs(oneByTestID(t, deep.Doc(), "ancestors")); !slices.Equal(got, []string{path.Base(parent), path.Base(reply)}) {
			t.Errorf("got ancestors %v, want parent then reply", got)
		}
		if !strings.Contains(text(oneByTestID(t, deep.Doc(), "replies")), "The second.") {
			t.Errorf("got no grandchild under the child's permalink")
		}
	})

	t.Run("reply to a deleted post", func(t *testing.T) {
		gone := amal.say("This will go")
		orphan := bilal.reply(gone, "Replying before it goes")
		if resp := amal.postForm(gone+"/delete", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: got status %d", resp.StatusCode)
		}
		page := visitor.get(orphan)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("permalink of the orphan: got status %d, want 200", page.StatusCode)
		}
		missing := oneByTestID(t, page.Doc(), "missing-post")
		if !strings.Contains(text(missing), "deleted") {
			t.Errorf("got placeholder %q, want it to say deleted", text(missing))
		}
		if got := text(oneByTestID(t, cardOf(t, page.Doc(), orphan), "replying-to")); got != "Replying to @amal" {
			t.Errorf("got %q on the orphan, want Replying to @amal", got)
		}
		// The conversation goes on under the orphan.
		amal.reply(orphan, "Sorry, I deleted it")
		if got := countIn(t, cardOf(t, visitor.get(orphan).Doc(), orphan), "reply-count"); got != "1" {
			t.Errorf("got reply count %q, want 1", got)
		}
		// Replying to the deleted post itself is refused clearly.
		checkReadablePage(t, bilal.postForm("/posts", url.Values{"body": {"late"}, "in_reply_to": {path.Base(gone)}}, nil), http.StatusNotFound)
	})

	t.Run("invalid parent", func(t *testing.T) {
		checkReadablePage(t, bilal.postForm("/posts", url.Values{"body": {"x"}, "in_reply_to": {"abc"}}, nil), http.StatusBadRequest)
		checkReadablePage(t, bilal.postForm("/posts", url.Values{"body": {"x"}, "in_reply_to": {"123456789"}}, nil), http.StatusNotFound)
	})

	t.Run("empty reply keeps the thread", func(t *testing.T) {
		resp := bilal.postForm("/posts", url.Values{"body": {"  "}, "in_reply_to": {path.Base(parent)}}, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("got status %d, want 400", resp.StatusCode)
		}
		form := oneByTestID(t, resp.Doc(), "compose")
		if attr(form, "id") != "reply" || len(byTestID(form, "compose-error")) != 1 {
			t.Errorf("got no reply box with the error")
		}
		if len(byTestID(resp.Doc(), "thread")) != 1 {
			t.Errorf("got no thread around the reply box")
		}
		hx := bilal.postForm("/posts", url.Values{"body": {""}, "in_reply_to": {path.Base(parent)}}, htmxHeader())
		if got := hx.Header.Get("HX-Retarget"); got != "#reply" {
			t.Errorf("htmx: got HX-Retarget %q, want #reply", got)
		}
	})
}

func TestVisibility(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	visitor := srv.newClient(t)
	bilal.postForm("/@amal/follow", nil, nil)

	selected := func(t *testing.T, doc *htmlNode) (string, []string) {
		t.Helper()
		sel := oneByTestID(t, doc, "compose-visibility")
		var chosen string
		var all []string
		for _, o := range byTag(sel, "option") {
			all = append(all, attr(o, "value"))
			if hasAttr(o, "selected") {
				chosen = attr(o, "value")
			}
		}
		return chosen, all
	}

	t.Run("default", func(t *testing.T) {
		got, all := selected(t, amal.get("/").Doc())
		if got != "public" || !slices.Equal(all, []string{"public", "unlisted", "followers", "direct"}) {
			t.Errorf("got %q of %v, want public of all four", got, all)
		}
		if _, err := srv.db.UpdateProfile(userID(t, srv.db, "amal"), storage.ProfileUpdate{DefaultVisibility: storage.Unlisted}); err != nil {
			t.Fatal(err)
		}
		if got, _ := selected(t, amal.get("/").Doc()); got != "unlisted" {
			t.Errorf("after choosing unlisted as default: got %q selected", got)
		}
		link := amal.say("no visibility sent")
		if v := stored(t, srv.db, link).Visibility; v != storage.Unlisted {
			t.Errorf("got a post without a visibility stored as %q, want the default unlisted", v)
		}
		if strings.Contains(visitor.get("/local").body, path.Base(link)) {
			t.Errorf("got an unlisted post on the local timeline")
		}
		card := cardOf(t, visitor.get(link).Doc(), link)
		if got := text(oneByTestID(t, card, "visibility")); got != "Unlisted" {
			t.Errorf("got visibility label %q, want Unlisted", got)
		}
	})

	followers := amal.publish(url.Values{"body": {"for my followers"}, "visibility": {"followers"}})

	t.Run("honoured", func(t *testing.T) {
		if v := stored(t, srv.db, followers).Visibility; v != storage.FollowersOnly {
			t.Fatalf("got %q, want followers", v)
		}
		checkReadablePage(t, visitor.get(followers), http.StatusNotFound)
		page := bilal.get(followers)
		card := cardOf(t, page.Doc(), followers)
		if got := text(oneByTestID(t, card, "visibility")); got != "Followers only" {
			t.Errorf("got label %q, want Followers only", got)
		}
		repost := oneByTestID(t, card, "repost")
		if !hasAttr(repost, "disabled") || formOf(repost) != nil {
			t.Errorf("got a repost button that works on a followers-only post")
		}
		if posts := byTestID(bilal.get("/").Doc(), "post"); len(posts) == 0 {
			t.Errorf("follower's home: got no posts, want the followers-only one")
		}
	})

	t.Run("reply defaults never wider", func(t *testing.T) {
		got, all := selected(t, bilal.get(followers).Doc())
		if got != "followers" || !slices.Equal(all, []string{"followers", "direct"}) {
			t.Errorf("got %q of %v, want followers of [followers direct]", got, all)
		}
		resp := bilal.postForm("/posts", url.Values{"body": {"wide"}, "in_reply_to": {path.Base(followers)}, "visibility": {"public"}}, nil)
		if resp.StatusCode != http.StatusBadRequest || len(byTestID(resp.Doc(), "compose-error")) != 1 {
			t.Errorf("public reply to a followers-only post: got status %d, want 400 with the error in the box", resp.StatusCode)
		}
		r := bilal.reply(followers, "@amal ok")
		if v := stored(t, srv.db, r).Visibility; v != storage.FollowersOnly {
			t.Errorf("got reply stored as %q, want followers", v)
		}
		direct := amal.publish(url.Values{"body": {"@bilal just us"}, "visibility": {"direct"}})
		got, all = selected(t, bilal.get(direct).Doc())
		if got != "direct" || !slices.Equal(all, []string{"direct"}) {
			t.Errorf("reply to direct: got %q of %v, want direct only", got, all)
		}
		if n := len(byTestID(visitor.get("/@amal").Doc(), "post")); n != 1 {
			t.Errorf("visitor on the profile: got %d posts, want only the unlisted one", n)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		resp := amal.postForm("/posts", url.Values{"body": {"x"}, "visibility": {"everyone"}}, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("got status %d, want 400", resp.StatusCode)
		}
	})
}

func TestLikesAndReposts(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	chadi := srv.signIn(t, "chadi")
	visitor := srv.newClient(t)
	chadi.postForm("/@bilal/follow", nil, nil)
	link := amal.say("Like me")

	t.Run("like without javascript", func(t *testing.T) {
		hdr := http.Header{"Referer": {srv.URL + "/local?before=99999999999999999"}}
		resp := bilal.postForm(link+"/like", url.Values{"card": {"post-" + path.Base(link)}}, hdr)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", resp.StatusCode)
		}
		if got, want := resp.Header.Get("Location"), "/local?before=99999999999999999#post-"+path.Base(link); got != want {
			t.Errorf("got Location %q, want %q", got, want)
		}
		// Twice is the same as once (a stale button).
		bilal.postForm(link+"/like", nil, nil)
		if got := stored(t, srv.db, link).Likes; got != 1 {
			t.Errorf("got %d likes, want 1", got)
		}
		// A Referer from elsewhere sends back to the permalink.
		resp = chadi.postForm(link+"/like", nil, http.Header{"Referer": {"https://evil.example/@amal"}})
		if got := resp.Header.Get("Location"); got != link+"#post-"+path.Base(link) {
			t.Errorf("foreign Referer: got Location %q, want the permalink", got)
		}
		card := cardOf(t, bilal.get(link).Doc(), link)
		like := oneByTestID(t, card, "like")
		if attr(like, "aria-pressed") != "true" || attr(formOf(like), "action") != link+"/unlike" {
			t.Errorf("got like button pressed=%q action=%q, want pressed and unlike", attr(like, "aria-pressed"), attr(formOf(like), "action"))
		}
		if got := countIn(t, card, "like-count"); got != "2" {
			t.Errorf("got like count %q, want 2", got)
		}
	})

	t.Run("like under htmx", func(t *testing.T) {
		resp := bilal.postForm(link+"/unlike", url.Values{"card": {"pinned-post-" + path.Base(link)}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || !resp.isFragment() {
			t.Fatalf("got status %d fragment %v", resp.StatusCode, resp.isFragment())
		}
		bar := oneByTestID(t, resp.Doc(), "actions")
		if bar.Data != "footer" {
			t.Errorf("got <%s>, want the footer to swap", bar.Data)
		}
		if got := countIn(t, bar, "like-count"); got != "1" {
			t.Errorf("got like count %q, want 1", got)
		}
		like := oneByTestID(t, bar, "like")
		if attr(like, "aria-pressed") != "false" || attr(formOf(like), "hx-post") != link+"/like" || attr(formOf(like), "hx-target") != "closest footer" {
			t.Errorf("got like form %q target %q", attr(formOf(like), "hx-post"), attr(formOf(like), "hx-target"))
		}
		cards := findAll(bar, func(n *htmlNode) bool { return attr(n, "name") == "card" })
		if len(cards) == 0 || attr(cards[0], "value") != "pinned-post-"+path.Base(link) {
			t.Errorf("got the card id lost in the answer")
		}
		resp = bilal.postForm(link+"/like", nil, htmxHeader())
		if got := countIn(t, resp.Doc(), "like-count"); got != "2" {
			t.Errorf("got like count %q after liking again, want 2", got)
		}
	})

	t.Run("visitor", func(t *testing.T) {
		card := cardOf(t, visitor.get(link).Doc(), link)
		if like := oneByTestID(t, card, "like"); like.Data != "a" || !strings.HasPrefix(attr(like, "href"), "/login?next=") {
			t.Errorf("got a visitor's like %s href=%q, want a link to log in", like.Data, attr(like, "href"))
		}
		checkReadablePage(t, visitor.postForm(link+"/like", nil, nil), http.StatusForbidden)
	})

	var repostCard string
	t.Run("repost", func(t *testing.T) {
		resp := bilal.postForm(link+"/repost", nil, htmxHeader())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got status %d, want 200", resp.StatusCode)
		}
		if got := countIn(t, resp.Doc(), "repost-count"); got != "1" {
			t.Errorf("got repost count %q, want 1", got)
		}
		if attr(oneByTestID(t, resp.Doc(), "repost"), "aria-pressed") != "true" {
			t.Errorf("got repost not pressed")
		}
		home := chadi.get("/")
		card := cardOf(t, home.Doc(), link)
		by := oneByTestID(t, card, "reposted-by")
		if got := text(by); got != "bilal reposted" {
			t.Errorf("got %q, want bilal reposted", got)
		}
		repostCard = attr(card, "id")
		if repostCard == "post-"+path.Base(link) || !strings.HasPrefix(repostCard, "post-") {
			t.Errorf("got card id %q, want post-REPOSTID", repostCard)
		}
		like := oneByTestID(t, card, "like")
		if got := attr(formOf(like), "action"); got != link+"/like" && got != link+"/unlike" {
			t.Errorf("got actions on %q, want on the original", got)
		}
		// The list of reposters.
		list := visitor.get(link + "/reposts")
		if list.StatusCode != http.StatusOK {
			t.Fatalf("reposts list: got status %d", list.StatusCode)
		}
		if got := text(oneByTestID(t, list.Doc(), "user-list")); !strings.Contains(got, "@bilal") {
			t.Errorf("got reposters %q, want bilal", got)
		}
		resp = bilal.postForm(link+"/unrepost", nil, nil)
		if resp.StatusCode != http.StatusSeeOther || stored(t, srv.db, link).Reposts != 0 {
			t.Errorf("unrepost: got status %d and %d reposts", resp.StatusCode, stored(t, srv.db, link).Reposts)
		}
	})

	t.Run("repost refused for followers-only", func(t *testing.T) {
		bilal.postForm("/@amal/follow", nil, nil)
		private := amal.publish(url.Values{"body": {"only followers"}, "visibility": {"followers"}})
		resp := bilal.postForm(private+"/repost", nil, nil)
		checkReadablePage(t, resp, http.StatusForbidden)
		if !strings.Contains(resp.body, "Only public and unlisted posts can be reposted") {
			t.Errorf("got no clear reason in the 403 page")
		}
		hx := bilal.postForm(private+"/repost", nil, htmxHeader())
		if hx.StatusCode != http.StatusForbidden || hx.Header.Get("HX-Retarget") != "#flash" {
			t.Errorf("htmx: got status %d retarget %q, want 403 into #flash", hx.StatusCode, hx.Header.Get("HX-Retarget"))
		}
		if stored(t, srv.db, private).Reposts != 0 {
			t.Errorf("got a repost stored")
		}
		// Its lists are as hidden as the post.
		checkReadablePage(t, visitor.get(private+"/likes"), http.StatusNotFound)
		checkReadablePage(t, visitor.get(private+"/reposts"), http.StatusNotFound)
		if resp := bilal.get(private + "/likes"); resp.StatusCode != http.StatusOK {
			t.Errorf("follower: likes list got status %d, want 200", resp.StatusCode)
		}
	})

	t.Run("likes list pages", func(t *testing.T) {
		id, _ := storage.ParseID(path.Base(link))
		for i := range 45 {
			u := newUser(t, srv.db, fmt.Sprintf("fan%02d", i))
			if _, err := srv.db.Like(u.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		next := link + "/likes"
		for pages := 0; next != ""; pages++ {
			if pages > 3 {
				t.Fatalf("too many pages")
			}
			resp := visitor.get(next)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: got status %d", next, resp.StatusCode)
			}
			list := oneByTestID(t, resp.Doc(), "user-list")
			for _, h := range findAll(list, func(n *htmlNode) bool { return hasClass(n, "handle") }) {
				names = append(names, text(h))
			}
			next = ""
			if more := findAll(list, func(n *htmlNode) bool { return hasClass(n, "more") }); len(more) == 1 {
				next = attr(more[0], "href")
			}
		}
		if len(names) != 47 { // bilal, chadi and 45 fans
			t.Errorf("got %d likers over the pages, want 47", len(names))
		}
		slices.Sort(names)
		if len(slices.Compact(names)) != len(names) {
			t.Errorf("got a liker twice")
		}
	})
}

// Home timelines page through reposts by their own IDs.
func TestRepostPagination(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := srv.signIn(t, "bilal")
	chadi := srv.signIn(t, "chadi")
	chadi.postForm("/@bilal/follow", nil, nil)
	for i := range 25 {
		p := newPost(t, srv.db, amal, fmt.Sprintf("post %d", i))
		if resp := bilal.postForm("/@amal/"+p.ID.String()+"/repost", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("repost: got status %d", resp.StatusCode)
		}
	}
	var seen []string
	next := "/"
	for next != "" {
		page := chadi.get(next)
		checkUniqueIDs(t, page.Doc())
		ids := postIDs(page.Doc())
		for _, c := range byTestID(page.Doc(), "post") {
			if len(byTestID(c, "reposted-by")) != 1 {
				t.Errorf("got a card without its reposted-by line")
			}
		}
		seen = append(seen, ids...)
		next = ""
		if more := byTestID(page.Doc(), "more"); len(more) == 1 {
			next = attr(more[0], "href")
			if !strings.HasSuffix(next, "?before="+ids[len(ids)-1]) {
				t.Errorf("got next link %q, want the last card's repost ID %s", next, ids[len(ids)-1])
			}
		}
	}
	if len(seen) != 25 {
		t.Errorf("got %d reposts over the pages, want 25", len(seen))
	}
}

func TestMentions(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	newUser(t, srv.db, "bilal")
	newUser(t, srv.db, "chadi")
	newUser(t, srv.db, "dana")

	t.Run("linked and stored", func(t *testing.T) {
		link := amal.say("Hello @Dana and @nobody")
		body := oneByTestID(t, cardOf(t, amal.get(link).Doc(), link), "post-body")
		links := findAll(body, func(n *htmlNode) bool { return n.Data == "a" && hasClass(n, "mention") })
		if len(links) != 1 || attr(links[0], "href") != "/@dana" {
			t.Errorf("got mention links %d, want one to /@dana: %s", len(links), innerHTML(body))
		}
		if got := stored(t, srv.db, link).Mentions; !slices.Equal(got, []storage.ID{userID(t, srv.db, "dana")}) {
			t.Errorf("got Mentions %v, want dana's ID", got)
		}
	})

	if err := srv.db.Block(userID(t, srv.db, "bilal"), userID(t, srv.db, "amal")); err != nil {
		t.Fatal(err)
	}
	if err := srv.db.Block(userID(t, srv.db, "amal"), userID(t, srv.db, "chadi")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, body, want string
	}{
		{"blocked by them", "hi @bilal", "You cannot mention @bilal."},
		{"blocking them", "hi @chadi", "You cannot mention @chadi because you have blocked them."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := amal.postForm("/posts", url.Values{"body": {tc.body}}, nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("got status %d, want 403", resp.StatusCode)
			}
			if got := text(oneByTestID(t, resp.Doc(), "compose-error")); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if got := strings.TrimPrefix(innerText(oneByTestID(t, resp.Doc(), "compose-body")), "\n"); got != tc.body {
				t.Errorf("got the draft %q, want %q kept", got, tc.body)
			}
			hx := amal.postForm("/posts", url.Values{"body": {tc.body}}, htmxHeader())
			if hx.StatusCode != http.StatusForbidden || hx.Header.Get("HX-Retarget") != "#compose" {
				t.Errorf("htmx: got status %d retarget %q, want 403 into #compose", hx.StatusCode, hx.Header.Get("HX-Retarget"))
			}
			if got := text(oneByTestID(t, hx.Doc(), "compose-error")); !strings.HasPrefix(got, tc.want) {
				t.Errorf("htmx: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTagPage(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	visitor := srv.newClient(t)
	goPost := amal.say("#Go is fun")
	goAgain := amal.say("more #go")
	arabic := amal.say("مرحبا #مجلس")
	amal.publish(url.Values{"body": {"#go unlisted"}, "visibility": {"unlisted"}})
	amal.publish(url.Values{"body": {"#go secret"}, "visibility": {"followers"}})
	amal.say("no tags here, go")
	// The same tags typed two ways: precomposed é or e + combining acute,
	// shadda before fatha or after it.
	cafeNFC := amal.say("#caf\u00e9 au lait")
	cafeNFD := amal.say("#CAFE\u0301 noir")
	shaddaFirst := amal.say("#\u0645\u0651\u064e")
	fathaFirst := amal.say("#\u0645\u064e\u0651")

	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/tags/go", []string{goAgain, goPost}},
		{"/tags/GO", []string{goAgain, goPost}},
		{"/tags/" + url.PathEscape("مجلس"), []string{arabic}},
		{"/tags/" + url.PathEscape("مـجـلـس"), []string{arabic}},
		{"/tags/" + url.PathEscape("caf\u00e9"), []string{cafeNFD, cafeNFC}},
		{"/tags/" + url.PathEscape("cafe\u0301"), []string{cafeNFD, cafeNFC}},
		{"/tags/" + url.PathEscape("\u0645\u0651\u064e"), []string{fathaFirst, shaddaFirst}},
		{"/tags/" + url.PathEscape("\u0645\u064e\u0651"), []string{fathaFirst, shaddaFirst}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			page := visitor.get(tc.path)
			if page.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", page.StatusCode)
			}
			var got []string
			for _, p := range byTestID(page.Doc(), "post") {
				got = append(got, permalinkOf(p))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("hashtag links", func(t *testing.T) {
		body := oneByTestID(t, cardOf(t, visitor.get(goPost).Doc(), goPost), "post-body")
		links := findAll(body, func(n *htmlNode) bool { return hasClass(n, "hashtag") })
		if len(links) != 1 || attr(links[0], "href") != "/tags/go" {
			t.Errorf("got hashtag links %s", innerHTML(body))
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, p := range []string{"/tags/123", "/tags/a-b", "/tags/%23%23"} {
			checkReadablePage(t, visitor.get(p), http.StatusNotFound)
		}
	})

	t.Run("pagination", func(t *testing.T) {
		for i := range 22 {
			amal.say(fmt.Sprintf("#paged number %d", i))
		}
		first := visitor.get("/tags/paged")
		if n := len(byTestID(first.Doc(), "post")); n != 20 {
			t.Fatalf("got %d posts on the first page, want 20", n)
		}
		more := oneByTestID(t, first.Doc(), "more")
		ids := postIDs(first.Doc())
		if got, want := attr(more, "href"), "/tags/paged?before="+ids[19]; got != want || attr(more, "hx-get") != want {
			t.Errorf("got more link %q, want %q", got, want)
		}
		second := visitor.getHX(attr(more, "href"))
		if !second.isFragment() || len(byTestID(second.Doc(), "post")) != 2 {
			t.Errorf("got second page fragment %v with %d posts, want 2", second.isFragment(), len(byTestID(second.Doc(), "post")))
		}
	})
}

func TestEditPost(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	newUser(t, srv.db, "dana")
	visitor := srv.newClient(t)
	link := amal.say("first #old")

	t.Run("form", func(t *testing.T) {
		page := amal.get(link + "/edit")
		if page.StatusCode != http.StatusOK {
			t.Fatalf("got status %d", page.StatusCode)
		}
		if got := strings.TrimPrefix(innerText(oneByTestID(t, page.Doc(), "edit-body")), "\n"); got != "first #old" {
			t.Errorf("got %q in the form, want the source", got)
		}
		checkReadablePage(t, bilal.get(link+"/edit"), http.StatusForbidden)
		checkReadablePage(t, bilal.postForm(link+"/edit", url.Values{"body": {"hacked"}}, nil), http.StatusForbidden)
		if resp := visitor.get(link + "/edit"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("visitor: got status %d, want 303 to log in", resp.StatusCode)
		}
	})

	t.Run("save", func(t *testing.T) {
		resp := amal.postForm(link+"/edit", url.Values{"body": {"second #new @dana"}, "cw": {"spoiler"}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != link {
			t.Fatalf("got status %d Location %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), link)
		}
		p := stored(t, srv.db, link)
		if p.Source != "second #new @dana" || p.ContentWarning != "spoiler" || !slices.Equal(p.Tags, []string{"new"}) ||
			!slices.Equal(p.Mentions, []storage.ID{userID(t, srv.db, "dana")}) {
			t.Errorf("got stored %q cw %q tags %v mentions %v", p.Source, p.ContentWarning, p.Tags, p.Mentions)
		}
		page := visitor.get(link)
		card := cardOf(t, page.Doc(), link)
		if len(byTestID(card, "edited")) != 1 {
			t.Errorf("got no edited marker")
		}
		hist := oneByTestID(t, card, "edit-history")
		if hist.Data != "details" {
			t.Errorf("got edit history in <%s>, want <details>", hist.Data)
		}
		edits := byTestID(hist, "edit-body")
		if len(edits) != 1 || text(edits[0]) != "first #old" {
			t.Errorf("got %d earlier versions, want the first one", len(edits))
		}
		if n := len(byTestID(visitor.get("/tags/old").Doc(), "post")); n != 0 {
			t.Errorf("got %d posts under #old after the edit, want 0", n)
		}
		if n := len(byTestID(visitor.get("/tags/new").Doc(), "post")); n != 1 {
			t.Errorf("got %d posts under #new, want 1", n)
		}
		if len(byTestID(cardOf(t, visitor.get("/local").Doc(), link), "edited")) != 1 {
			t.Errorf("got no edited marker in the timeline")
		}
	})

	t.Run("htmx", func(t *testing.T) {
		card := "pinned-post-" + path.Base(link)
		form := amal.getHX(link + "/edit?card=" + card)
		if !form.isFragment() {
			t.Fatalf("got a whole page, want the form alone")
		}
		ec := oneByTestID(t, form.Doc(), "edit-card")
		if attr(ec, "id") != card || attr(oneByTestID(t, ec, "edit-form"), "hx-target") != "closest article" {
			t.Errorf("got edit card id %q, want %q swapping itself", attr(ec, "id"), card)
		}
		resp := amal.postForm(link+"/edit", url.Values{"body": {"third"}, "card": {card}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || !resp.isFragment() {
			t.Fatalf("got status %d fragment %v", resp.StatusCode, resp.isFragment())
		}
		post := oneByTestID(t, resp.Doc(), "post")
		if attr(post, "id") != card || len(byTestID(post, "pinned-label")) != 1 {
			t.Errorf("got card id %q, want the pinned copy back", attr(post, "id"))
		}
		if got := text(oneByTestID(t, post, "post-body")); got != "third" {
			t.Errorf("got %q, want third", got)
		}
		// On the permalink the card comes back focused, with its history.
		hdr := htmxHeader()
		hdr.Set("HX-Current-URL", srv.URL+link)
		resp = amal.postForm(link+"/edit", url.Values{"body": {"fourth"}}, hdr)
		post = oneByTestID(t, resp.Doc(), "post")
		if !hasClass(post, "focus") || len(byTestID(post, "edit-version")) != 3 {
			t.Errorf("got focus %v and %d versions, want the focused card with 3 earlier versions", hasClass(post, "focus"), len(byTestID(post, "edit-version")))
		}
		// Cancel swaps the card back.
		back := amal.getHX(link + "?card=post-" + path.Base(link))
		if got := attr(oneByTestID(t, back.Doc(), "post"), "id"); got != "post-"+path.Base(link) || !back.isFragment() {
			t.Errorf("got card %q, want the card alone", got)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		resp := amal.postForm(link+"/edit", url.Values{"body": {strings.Repeat("x", 501)}}, nil)
		if resp.StatusCode != http.StatusBadRequest || len(byTestID(resp.Doc(), "edit-error")) != 1 {
			t.Errorf("got status %d, want 400 with the error", resp.StatusCode)
		}
		hx := amal.postForm(link+"/edit", url.Values{"body": {""}}, htmxHeader())
		if hx.StatusCode != http.StatusBadRequest || len(byTestID(hx.Doc(), "edit-card")) != 1 {
			t.Errorf("htmx: got status %d, want 400 with the form", hx.StatusCode)
		}
		if got := stored(t, srv.db, link).Source; got != "fourth" {
			t.Errorf("got %q stored, want the last good version", got)
		}
	})
}

func TestContentWarning(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	link := amal.publish(url.Values{"body": {"The butler did it"}, "cw": {"  film\nspoilers "}})
	if got := stored(t, srv.db, link).ContentWarning; got != "film spoilers" {
		t.Errorf("got warning %q stored, want it on one line", got)
	}
	for _, p := range []string{"/", "/local", "/@amal", link} {
		t.Run(p, func(t *testing.T) {
			card := cardOf(t, amal.get(p).Doc(), link)
			cw := oneByTestID(t, card, "cw")
			if cw.Data != "details" || hasAttr(cw, "open") {
				t.Fatalf("got <%s open=%v>, want a closed <details>", cw.Data, hasAttr(cw, "open"))
			}
			if got := text(oneByTestID(t, cw, "cw-summary")); got != "film spoilers" {
				t.Errorf("got summary %q", got)
			}
			if got := text(oneByTestID(t, cw, "post-body")); got != "The butler did it" {
				t.Errorf("got the body %q outside the details", got)
			}
		})
	}
	t.Run("title keeps the secret", func(t *testing.T) {
		title := text(oneByTag(t, amal.get(link).Doc(), "title"))
		if strings.Contains(title, "butler") {
			t.Errorf("got title %q, want the warning, not the body", title)
		}
	})
	t.Run("limit", func(t *testing.T) {
		if resp := amal.postForm("/posts", url.Values{"body": {"x"}, "cw": {strings.Repeat("ت", 100)}}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("100 Arabic characters: got status %d, want 303", resp.StatusCode)
		}
		resp := amal.postForm("/posts", url.Values{"body": {"x"}, "cw": {strings.Repeat("a", 101)}}, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("101 characters: got status %d, want 400", resp.StatusCode)
		}
		if got := text(oneByTestID(t, resp.Doc(), "compose-error")); !strings.Contains(got, "101 characters") {
			t.Errorf("got %q", got)
		}
		if got := attr(oneByTestID(t, resp.Doc(), "compose-cw"), "value"); got != strings.Repeat("a", 101) {
			t.Errorf("got the warning %q not kept", got)
		}
	})
	t.Run("direction override", func(t *testing.T) {
		resp := amal.postForm("/posts", url.Values{"body": {"x"}, "cw": {"gnp.\u202eexe"}}, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("got status %d, want 400", resp.StatusCode)
		}
		if got := text(oneByTestID(t, resp.Doc(), "compose-error")); !strings.Contains(got, "cannot be shown") {
			t.Errorf("got %q, want the warning refused for characters that cannot be shown", got)
		}
	})
}

func TestPins(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	visitor := srv.newClient(t)
	var links []string
	for i := range 6 {
		links = append(links, amal.say(fmt.Sprintf("post %d", i)))
	}
	for _, l := range links[:5] {
		if resp := amal.postForm(l+"/pin", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("pin %s: got status %d", l, resp.StatusCode)
		}
	}
	t.Run("sixth refused", func(t *testing.T) {
		resp := amal.postForm(links[5]+"/pin", nil, nil)
		checkReadablePage(t, resp, http.StatusForbidden)
		if !strings.Contains(resp.body, "at most 5") {
			t.Errorf("got no clear reason")
		}
	})
	t.Run("profile", func(t *testing.T) {
		page := visitor.get("/@amal")
		checkUniqueIDs(t, page.Doc())
		pinned := oneByTestID(t, page.Doc(), "pinned-posts")
		cards := byTestID(pinned, "post")
		if len(cards) != 5 {
			t.Fatalf("got %d pinned posts, want 5", len(cards))
		}
		// Newest pin first.
		if got := permalinkOf(cards[0]); got != links[4] {
			t.Errorf("got first pinned %s, want %s", got, links[4])
		}
		for _, c := range cards {
			if !strings.HasPrefix(attr(c, "id"), "pinned-post-") || len(byTestID(c, "pinned-label")) != 1 {
				t.Errorf("got pinned card id %q without its label", attr(c, "id"))
			}
		}
		if n := len(byTestID(oneByTestID(t, page.Doc(), "timeline"), "post")); n != 6 {
			t.Errorf("got %d posts in the timeline, want all 6", n)
		}
		if n := len(byTestID(visitor.get("/@amal/with_replies").Doc(), "pinned-posts")); n != 0 {
			t.Errorf("got pinned posts on the Posts and replies tab")
		}
		pin := oneByTestID(t, cardOf(t, amal.get(links[0]).Doc(), links[0]), "pin")
		if text(pin) != "Unpin" {
			t.Errorf("got %q on a pinned post, want Unpin", text(pin))
		}
	})
	t.Run("others", func(t *testing.T) {
		checkReadablePage(t, bilal.postForm(links[5]+"/pin", nil, nil), http.StatusForbidden)
		if n := len(byTestID(cardOf(t, bilal.get(links[5]).Doc(), links[5]), "pin")); n != 0 {
			t.Errorf("got a pin button on someone else's post")
		}
	})
	t.Run("unpin htmx", func(t *testing.T) {
		resp := amal.postForm(links[0]+"/unpin", nil, htmxHeader())
		if got := text(oneByTestID(t, resp.Doc(), "pin")); got != "Pin to profile" {
			t.Errorf("got %q, want Pin to profile", got)
		}
		if n := len(byTestID(oneByTestID(t, visitor.get("/@amal").Doc(), "pinned-posts"), "post")); n != 4 {
			t.Errorf("got %d pinned, want 4", n)
		}
		// From the pinned list, the card leaves the list.
		card := "pinned-post-" + path.Base(links[1])
		resp = amal.postForm(links[1]+"/unpin", url.Values{"card": {card}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(resp.body) != "" || resp.Header.Get("HX-Retarget") != "#"+card {
			t.Errorf("got status %d body %q retarget %q, want the pinned card removed", resp.StatusCode, resp.body, resp.Header.Get("HX-Retarget"))
		}
		resp = amal.postForm(links[5]+"/pin", nil, htmxHeader())
		if got := text(oneByTestID(t, resp.Doc(), "pin")); got != "Unpin" {
			t.Errorf("got %q, want Unpin", got)
		}
	})
}

func TestBookmarks(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	chadi := srv.signIn(t, "chadi")
	link := amal.say("worth keeping")
	amal.say("not kept")

	resp := bilal.postForm(link+"/bookmark", nil, htmxHeader())
	// Bookmark keeps its name and says its state, as like and repost do.
	if b := oneByTestID(t, resp.Doc(), "bookmark"); text(b) != "Bookmark" || attr(b, "aria-pressed") != "true" || attr(formOf(b), "action") != link+"/unbookmark" {
		t.Errorf("got bookmark %q aria-pressed=%q action=%q, want Bookmark, pressed, unbookmark", text(b), attr(b, "aria-pressed"), attr(formOf(b), "action"))
	}
	page := bilal.get("/bookmarks")
	var got []string
	for _, p := range byTestID(page.Doc(), "post") {
		got = append(got, permalinkOf(p))
	}
	if !slices.Equal(got, []string{link}) {
		t.Errorf("got bookmarks %v, want %v", got, []string{link})
	}
	if n := len(byTestID(chadi.get("/bookmarks").Doc(), "post")); n != 0 {
		t.Errorf("another user: got %d bookmarks, want their own (none)", n)
	}
	visitor := srv.newClient(t)
	if resp := visitor.get("/bookmarks"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("visitor: got status %d Location %q, want 303 to log in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := bilal.postForm(link+"/unbookmark", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("unbookmark: got status %d", resp.StatusCode)
	}
	if n := len(byTestID(bilal.get("/bookmarks").Doc(), "post")); n != 0 {
		t.Errorf("after unbookmark: got %d, want 0", n)
	}
}

// A mentioned-only post to dave, edited to mention carol instead: carol
// sees the post and its "edited" mark, but never the version written for
// dave, on the page or in the card htmx swaps in.
func TestEditHistoryOnlyForEveryVersionsAudience(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	carol := srv.signIn(t, "carol")
	newUser(t, srv.db, "dave")
	link := amal.publish(url.Values{"body": {"@dave the door code is 4711"}, "visibility": {"direct"}})
	if resp := amal.postForm(link+"/edit", url.Values{"body": {"@carol hello"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: got status %d, want 303", resp.StatusCode)
	}
	focused := htmxHeader()
	focused.Set("HX-Current-URL", srv.URL+link)
	for _, tt := range []struct {
		name     string
		c        *client
		hdr      http.Header
		versions int
	}{
		{"author, page", amal, nil, 1},
		{"author, htmx card", amal, focused, 1},
		{"carol, page", carol, nil, 0},
		{"carol, htmx card", carol, focused, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.c.do(http.MethodGet, link, nil, tt.hdr)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			card := cardOf(t, resp.Doc(), link)
			if n := len(byTestID(card, "edit-version")); n != tt.versions {
				t.Errorf("got %d earlier versions, want %d", n, tt.versions)
			}
			if len(byTestID(card, "edited")) != 1 {
				t.Errorf("got no edited mark")
			}
			if leaked := strings.Contains(resp.body, "4711"); leaked != (tt.versions > 0) {
				t.Errorf("got the text written for dave shown: %v, want %v", leaked, tt.versions > 0)
			}
		})
	}
}
