package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"majlis/storage"
)

// peopleClient signs a client in as an account made with newUser.
func peopleClient(t *testing.T, srv *testServer, name string) *client {
	t.Helper()
	c := srv.newClient(t)
	c.login(name, "password-"+name)
	return c
}

// peoplePost stores a post like newPost, after change adjusts it
// (mentions, a reply, a content warning).
func peoplePost(t *testing.T, db *storage.DB, author storage.User, source string, change func(*storage.Post)) storage.Post {
	t.Helper()
	id := db.NewID()
	p := storage.Post{
		ID:         id,
		AuthorID:   author.ID,
		URI:        testBaseURL + "/@" + author.Username + "/" + id.String(),
		Source:     source,
		HTML:       "<p>" + source + "</p>",
		Visibility: storage.Public,
		Local:      true,
	}
	if change != nil {
		change(&p)
	}
	if err := db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	return p
}

func peopleMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// noteLines reads the notifications of a page: kind and text of each line.
func noteLines(t *testing.T, n *htmlNode) (kinds, texts []string) {
	t.Helper()
	for _, li := range byTestID(n, "note") {
		kinds = append(kinds, attr(li, "data-kind"))
		texts = append(texts, text(oneByTestID(t, li, "note-text")))
	}
	return kinds, texts
}

// badgeOf reads the unread badge of a page or fragment: its count
// attribute and its accessible label.
func badgeOf(t *testing.T, n *htmlNode) (count, label string) {
	t.Helper()
	b := oneByTestID(t, n, "notif-badge")
	if l := byTestID(b, "notif-badge-label"); len(l) == 1 {
		label = text(l[0])
	}
	if c := findAll(b, func(n *htmlNode) bool { return hasClass(n, "count") }); len(c) == 1 {
		count = text(c[0])
	}
	return count, label
}

func TestNotificationsPage(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	carim := newUser(t, srv.db, "carim")
	dina := newUser(t, srv.db, "dina")
	emad := newUser(t, srv.db, "emad")
	mine := newPost(t, srv.db, amal, "a post by amal")

	// Follows first: amal locks her account afterwards, so emad's follow
	// is a request.
	for _, u := range []storage.User{bilal, carim, dina} {
		if _, err := srv.db.Follow(u.ID, amal.ID); err != nil {
			t.Fatal(err)
		}
	}
	peoplePost(t, srv.db, bilal, "hello @amal", func(p *storage.Post) { p.Mentions = []storage.ID{amal.ID} })
	peoplePost(t, srv.db, carim, "the ending is sad", func(p *storage.Post) {
		p.InReplyTo = mine.ID
		p.ContentWarning = "spoilers"
	})
	for _, u := range []storage.User{bilal, carim, dina} {
		if _, err := srv.db.Like(u.ID, mine.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.db.Repost(emad.ID, mine.ID, func(id storage.ID) string { return testBaseURL + "/r/" + id.String() }); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.UpdateProfile(amal.ID, storage.ProfileUpdate{Locked: true}); err != nil {
		t.Fatal(err)
	}
	if state, err := srv.db.Follow(emad.ID, amal.ID); err != nil || state != storage.Requested {
		t.Fatalf("Follow of a locked account: got %v, %v; want Requested", state, err)
	}

	c := peopleClient(t, srv, "amal")
	// 3 follows, a mention, a reply, 3 likes, a repost and a request: the
	// badge counts notifications, not lines.
	if count, label := badgeOf(t, c.get("/").Doc()); count != "10" || label != "10 unread notifications" {
		t.Errorf("badge on home: got %q labelled %q, want 10 unread notifications", count, label)
	}

	page := c.get("/notifications")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", page.StatusCode)
	}
	doc := page.Doc()
	kinds, texts := noteLines(t, doc)
	wantKinds := []string{"follow_request", "repost", "like", "reply", "mention", "follow"}
	if !slices.Equal(kinds, wantKinds) {
		t.Errorf("got lines %q, want %q (newest first, likes and follows grouped)", kinds, wantKinds)
	}
	wantTexts := []string{
		"emad asked to follow you",
		"emad reposted your post",
		"dina and 2 others liked your post",
		"carim replied to your post",
		"bilal mentioned you",
		"dina and 2 others followed you",
	}
	for i, want := range wantTexts {
		if i < len(texts) && !strings.Contains(texts[i], want) {
			t.Errorf("line %d: got %q, want it to say %q", i, texts[i], want)
		}
	}
	notes := byTestID(doc, "note")
	if len(notes) != len(wantKinds) {
		t.Fatalf("got %d lines, want %d", len(notes), len(wantKinds))
	}

	t.Run("all new on the first visit", func(t *testing.T) {
		for i, n := range notes {
			if !hasClass(n, "unread") || len(byTestID(n, "note-new")) != 1 {
				t.Errorf("line %d (%s): got no unread mark, want New", i, kinds[i])
			}
		}
		if count, _ := badgeOf(t, doc); count != "10" {
			t.Errorf("badge on the notifications page: got %q, want 10 (opening it marks nothing)", count)
		}
		form := oneByTestID(t, doc, "mark-read")
		if attr(form, "method") != "post" || attr(form, "action") != "/notifications/read" || attr(form, "hx-post") != "/notifications/read" {
			t.Errorf("Mark all as read: got <form method=%q action=%q hx-post=%q>, want a POST form to /notifications/read with htmx",
				attr(form, "method"), attr(form, "action"), attr(form, "hx-post"))
		}
		if got := text(oneByTestID(t, form, "mark-read-button")); got != "Mark all as read" {
			t.Errorf("button: got %q, want Mark all as read", got)
		}
	})
	t.Run("grouped avatars", func(t *testing.T) {
		likes := notes[2]
		avatars := findAll(likes, func(n *htmlNode) bool { return hasClass(n, "avatar") && !hasClass(n, "large") })
		var shown []string
		for _, a := range avatars {
			shown = append(shown, text(a))
		}
		if len(findAll(oneByTestID(t, likes, "note-text"), func(n *htmlNode) bool { return hasClass(n, "actor") })) != 1 {
			t.Errorf("grouped likes: want one named actor and a count")
		}
		if len(byTag(likes, "article")) != 1 {
			t.Errorf("grouped likes: got no card of the liked post")
		}
		if !slices.Equal(shown, []string{"D", "C", "B"}) {
			t.Errorf("grouped likes: got avatars %q, want D, C, B", shown)
		}
	})
	t.Run("mention shows the post", func(t *testing.T) {
		card := oneByTestID(t, notes[4], "note-post")
		if got := text(card); !strings.Contains(got, "hello @amal") || !strings.Contains(got, "@bilal") {
			t.Errorf("mention card: got %q, want the post and its author", got)
		}
		if permalinkOf(card) == "" || !strings.HasPrefix(permalinkOf(card), "/@bilal/") {
			t.Errorf("mention card: got permalink %q, want /@bilal/ID", permalinkOf(card))
		}
		if attr(oneByTestID(t, card, "note-body"), "dir") != "auto" {
			t.Errorf("mention card body: want dir=auto")
		}
	})
	t.Run("content warning folds the reply", func(t *testing.T) {
		cw := oneByTestID(t, notes[3], "note-cw")
		if cw.Data != "details" || hasAttr(cw, "open") {
			t.Fatalf("reply with a content warning: got <%s open=%v>, want a closed <details>", cw.Data, hasAttr(cw, "open"))
		}
		if got := text(oneByTag(t, cw, "summary")); got != "spoilers" {
			t.Errorf("got summary %q, want spoilers", got)
		}
	})
	t.Run("follow request buttons", func(t *testing.T) {
		req := notes[0]
		accept := oneByTestID(t, req, "accept").Parent
		if got := attr(accept, "action"); got != "/settings/requests/emad/accept" {
			t.Errorf("accept form: got action %q", got)
		}
		if attr(accept, "hx-post") == "" || attr(accept, "hx-target") != "closest li" {
			t.Errorf("accept form: want hx-post swapping its row")
		}
		if len(byTestID(req, "reject")) != 1 {
			t.Errorf("got no Reject button")
		}
	})
	t.Run("second visit", func(t *testing.T) {
		again := c.get("/notifications").Doc()
		if n := len(byTestID(again, "note-new")); n != len(notes) {
			t.Errorf("got %d New labels on the second visit, want %d: opening the page marks nothing", n, len(notes))
		}
		if count, _ := badgeOf(t, c.get("/").Doc()); count != "10" {
			t.Errorf("badge after opening the page twice: got %q, want 10", count)
		}
	})
	t.Run("mark all as read", func(t *testing.T) {
		upTo := attr(findAll(oneByTestID(t, doc, "mark-read"), func(n *htmlNode) bool { return attr(n, "name") == "up_to" })[0], "value")
		resp := c.postForm("/notifications/read", url.Values{"up_to": {upTo}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/notifications" {
			t.Fatalf("got %d to %q, want 303 to /notifications", resp.StatusCode, resp.Header.Get("Location"))
		}
		again := c.get("/notifications").Doc()
		if n := len(byTestID(again, "note-new")); n != 0 {
			t.Errorf("got %d New labels after marking them read, want 0", n)
		}
		if n := len(byTestID(again, "mark-read")); n != 0 {
			t.Errorf("got %d Mark all as read forms with nothing unread, want 0", n)
		}
		if count, _ := badgeOf(t, again); count != "" {
			t.Errorf("badge after reading: got %q, want none", count)
		}
	})
	t.Run("accept under HTMX", func(t *testing.T) {
		resp := c.postForm("/settings/requests/emad/accept", url.Values{"next": {"/notifications"}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || !resp.isFragment() {
			t.Fatalf("got status %d (fragment %v), want 200 and the row", resp.StatusCode, resp.isFragment())
		}
		if got := text(oneByTestID(t, resp.Doc(), "person-done")); !strings.Contains(got, "@emad follows you now") {
			t.Errorf("got row %q, want it to say @emad follows you now", got)
		}
		if ok, _ := srv.db.IsFollowing(emad.ID, amal.ID); !ok {
			t.Errorf("emad does not follow amal after the accept")
		}
		kinds, _ := noteLines(t, c.get("/notifications").Doc())
		if slices.Contains(kinds, "follow_request") {
			t.Errorf("got the answered request still listed: %q", kinds)
		}
	})
}

func TestNotificationBadge(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	c := peopleClient(t, srv, "amal")

	like := func(n int) {
		t.Helper()
		for range n {
			p := newPost(t, srv.db, amal, "post")
			if _, err := srv.db.Like(bilal.ID, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("none", func(t *testing.T) {
		count, label := badgeOf(t, c.get("/").Doc())
		if count != "" || label != "" {
			t.Errorf("got badge %q %q, want an empty badge", count, label)
		}
	})
	t.Run("three", func(t *testing.T) {
		like(3)
		doc := c.get("/local").Doc()
		count, label := badgeOf(t, doc)
		if count != "3" || label != "3 unread notifications" {
			t.Errorf("got badge %q labelled %q, want 3, \"3 unread notifications\"", count, label)
		}
		link := oneByTestID(t, doc, "nav-notifications")
		if attr(link, "href") != "/notifications" {
			t.Errorf("got notifications link %q", attr(link, "href"))
		}
		if !strings.Contains(text(link), "3 unread notifications") {
			t.Errorf("notifications link: got name %q, want it to include the count", text(link))
		}
		bookmarks := findAll(doc, func(n *htmlNode) bool { return n.Data == "a" && attr(n, "href") == "/bookmarks" })
		if len(bookmarks) != 1 {
			t.Errorf("got %d Bookmarks links in the navigation, want 1", len(bookmarks))
		}
	})
	t.Run("fragment", func(t *testing.T) {
		resp := c.getHX("/notifications/badge")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got status %d, want 200", resp.StatusCode)
		}
		if !resp.isFragment() || strings.Contains(resp.body, "<html") {
			t.Errorf("got a whole page, want the badge alone")
		}
		b := oneByTestID(t, resp.Doc(), "notif-badge")
		for k, want := range map[string]string{"id": "notif-badge", "hx-get": "/notifications/badge", "hx-trigger": "every 30s", "hx-swap": "outerHTML"} {
			if got := attr(b, k); got != want {
				t.Errorf("badge %s: got %q, want %q", k, got, want)
			}
		}
		if count, label := badgeOf(t, resp.Doc()); count != "3" || label != "3 unread notifications" {
			t.Errorf("got %q %q, want 3", count, label)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("got Cache-Control %q, want no-store", cc)
		}
	})
	t.Run("opening the page keeps it, marking read resets it", func(t *testing.T) {
		c.get("/notifications")
		if count, _ := badgeOf(t, c.getHX("/notifications/badge").Doc()); count != "3" {
			t.Errorf("got badge %q after opening the page, want 3", count)
		}
		c.postForm("/notifications/read", nil, nil)
		if count, _ := badgeOf(t, c.getHX("/notifications/badge").Doc()); count != "" {
			t.Errorf("got badge %q after marking read, want none", count)
		}
	})
	t.Run("99+", func(t *testing.T) {
		like(120)
		count, label := badgeOf(t, c.getHX("/notifications/badge").Doc())
		if count != "99+" || label != "99+ unread notifications" {
			t.Errorf("got badge %q labelled %q, want 99+", count, label)
		}
	})
	t.Run("visitor", func(t *testing.T) {
		v := srv.newClient(t)
		resp := v.getHX("/notifications/badge")
		if resp.StatusCode != 286 || strings.TrimSpace(resp.body) != "" {
			t.Errorf("visitor polling: got status %d body %q, want 286 (stop polling) and nothing", resp.StatusCode, resp.body)
		}
		if resp := v.get("/notifications"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("visitor: got status %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestNotificationsPagination(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	for range 45 {
		p := newPost(t, srv.db, amal, "post")
		if _, err := srv.db.Like(bilal.ID, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	c := peopleClient(t, srv, "amal")
	seen := 0
	path := "/notifications"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		var resp *response
		if pages == 0 {
			resp = c.get(path)
		} else {
			resp = c.getHX(path)
			if !resp.isFragment() {
				t.Errorf("page %d under HTMX: got a whole page, want the items", pages)
			}
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: got status %d", path, resp.StatusCode)
		}
		seen += len(byTestID(resp.Doc(), "note"))
		path = ""
		if more := byTestID(resp.Doc(), "more"); len(more) == 1 {
			path = attr(more[0], "href")
			if attr(more[0], "hx-trigger") != "revealed" {
				t.Errorf("More link: want hx-trigger=revealed")
			}
		}
	}
	if seen != 45 {
		t.Errorf("got %d lines over all pages, want 45 (likes of different posts are not grouped)", seen)
	}
	checkReadablePage(t, c.get("/notifications?before=nope"), http.StatusBadRequest)
}

// Opening the notifications changes nothing; a POST marks them read: the
// form without JavaScript, the same form under htmx, and the page's own
// mark when htmx shows it — which a page that another site linked to
// does not make.
func TestNotificationsMarkRead(t *testing.T) {
	type fixture struct {
		srv   *testServer
		amal  storage.User
		bilal storage.User
		c     *client
	}
	like := func(t *testing.T, f fixture) {
		t.Helper()
		p := newPost(t, f.srv.db, f.amal, "post")
		if _, err := f.srv.db.Like(f.bilal.ID, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	badge := func(t *testing.T, f fixture) string {
		t.Helper()
		count, _ := badgeOf(t, f.c.getHX("/notifications/badge").Doc())
		return count
	}
	// upTo is the newest notification the page offers to mark read.
	upTo := func(t *testing.T, doc *htmlNode) string {
		t.Helper()
		inputs := findAll(oneByTestID(t, doc, "mark-read"), func(n *htmlNode) bool { return attr(n, "name") == "up_to" })
		if len(inputs) != 1 || attr(inputs[0], "value") == "" {
			t.Fatalf("the Mark all as read form has no up_to")
		}
		return attr(inputs[0], "value")
	}
	fromSite := func(site string) http.Header { return http.Header{"Sec-Fetch-Site": {site}} }

	for _, tc := range []struct {
		name string
		// run acts and returns the badge and the number of New marks
		// wanted afterwards on a fresh GET of the page.
		run                 func(t *testing.T, f fixture) (badge string, unread int)
		wantBadge, wantMark string
	}{
		{
			name: "a link from another site",
			run: func(t *testing.T, f fixture) (string, int) {
				doc := f.c.do("GET", "/notifications", nil, fromSite("cross-site")).Doc()
				if n := len(byTestID(doc, "note-new")); n != 3 {
					t.Errorf("got %d New marks, want 3", n)
				}
				upTo(t, doc)
				if n := len(byTestID(doc, "mark-seen")); n != 0 {
					t.Errorf("got %d forms that mark read when the page is shown, want none on a page another site linked to", n)
				}
				return "3", 3
			},
		},
		{
			name: "opened from this site",
			run: func(t *testing.T, f fixture) (string, int) {
				doc := f.c.do("GET", "/notifications", nil, fromSite("same-origin")).Doc()
				seen := oneByTestID(t, doc, "mark-seen")
				for k, want := range map[string]string{"method": "post", "action": "/notifications/read", "hx-post": "/notifications/read", "hx-trigger": "load", "hx-swap": "none"} {
					if got := attr(seen, k); got != want {
						t.Errorf("the page's own mark: %s=%q, want %q", k, got, want)
					}
				}
				vals := map[string]string{}
				for _, in := range byTag(seen, "input") {
					vals[attr(in, "name")] = attr(in, "value")
				}
				if vals["only"] != "badge" || vals["up_to"] != upTo(t, doc) {
					t.Errorf("the page's own mark sends %v, want only=badge and the page's up_to", vals)
				}
				return "3", 3 // the GET itself marked nothing
			},
		},
		{
			name: "the page's own mark under htmx",
			run: func(t *testing.T, f fixture) (string, int) {
				id := upTo(t, f.c.get("/notifications").Doc())
				resp := f.c.postForm("/notifications/read", url.Values{"up_to": {id}, "only": {"badge"}}, htmxHeader())
				if resp.StatusCode != http.StatusOK || !resp.isFragment() {
					t.Fatalf("got %d (fragment %t), want 200 and the badge", resp.StatusCode, resp.isFragment())
				}
				b := oneByTestID(t, resp.Doc(), "notif-badge")
				if attr(b, "hx-swap-oob") != "true" || attr(b, "hx-get") != "/notifications/badge" {
					t.Errorf("badge: got hx-swap-oob=%q hx-get=%q, want an out-of-band badge that keeps polling", attr(b, "hx-swap-oob"), attr(b, "hx-get"))
				}
				if count, _ := badgeOf(t, resp.Doc()); count != "" {
					t.Errorf("badge in the answer: got %q, want none", count)
				}
				if n := len(byTestID(resp.Doc(), "note")); n != 0 {
					t.Errorf("got %d notifications in the answer, want the badge alone (the page keeps its marks)", n)
				}
				return "", 0
			},
		},
		{
			name: "Mark all as read under htmx",
			run: func(t *testing.T, f fixture) (string, int) {
				id := upTo(t, f.c.get("/notifications").Doc())
				resp := f.c.postForm("/notifications/read", url.Values{"up_to": {id}}, htmxHeader())
				if resp.StatusCode != http.StatusOK || !resp.isFragment() {
					t.Fatalf("got %d (fragment %t), want 200 and the list", resp.StatusCode, resp.isFragment())
				}
				doc := resp.Doc()
				if n, marks := len(byTestID(doc, "note")), len(byTestID(doc, "note-new")); n != 3 || marks != 0 {
					t.Errorf("got %d notifications with %d New marks, want 3 and none", n, marks)
				}
				place := findAll(doc, func(n *htmlNode) bool { return attr(n, "id") == "notes-read" })
				if len(place) != 1 || attr(place[0], "hx-swap-oob") != "true" || len(byTag(place[0], "form")) != 0 {
					t.Errorf("want the form's place swapped out of band, empty")
				}
				if b := oneByTestID(t, doc, "notif-badge"); attr(b, "hx-swap-oob") != "true" {
					t.Errorf("want the badge swapped out of band")
				}
				if count, _ := badgeOf(t, doc); count != "" {
					t.Errorf("badge in the answer: got %q, want none", count)
				}
				return "", 0
			},
		},
		{
			name: "what came after the page stays unread",
			run: func(t *testing.T, f fixture) (string, int) {
				id := upTo(t, f.c.get("/notifications").Doc())
				like(t, f)
				if resp := f.c.postForm("/notifications/read", url.Values{"up_to": {id}}, nil); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("got %d, want 303", resp.StatusCode)
				}
				return "1", 1
			},
		},
		{
			name: "a form that names no notification",
			run: func(t *testing.T, f fixture) (string, int) {
				checkReadablePage(t, f.c.postForm("/notifications/read", url.Values{"up_to": {"nope"}}, nil), http.StatusBadRequest)
				return "3", 3
			},
		},
		{
			name: "a form on another site",
			run: func(t *testing.T, f fixture) (string, int) {
				resp := f.c.postForm("/notifications/read", nil, fromSite("cross-site"))
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("got %d, want 403", resp.StatusCode)
				}
				return "3", 3
			},
		},
		{
			name: "a visitor",
			run: func(t *testing.T, f fixture) (string, int) {
				checkReadablePage(t, f.srv.newClient(t).postForm("/notifications/read", nil, nil), http.StatusForbidden)
				return "3", 3
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t)
			f := fixture{srv: srv, amal: newUser(t, srv.db, "amal"), bilal: newUser(t, srv.db, "bilal")}
			for range 3 {
				like(t, f)
			}
			f.c = peopleClient(t, srv, "amal")
			wantBadge, wantUnread := tc.run(t, f)
			if got := badge(t, f); got != wantBadge {
				t.Errorf("badge afterwards: got %q, want %q", got, wantBadge)
			}
			if got := len(byTestID(f.c.get("/notifications").Doc(), "note-new")); got != wantUnread {
				t.Errorf("New marks afterwards: got %d, want %d", got, wantUnread)
			}
		})
	}
}
