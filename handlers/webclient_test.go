package handlers_test

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"unicode"
)

// titleOf is the text of a page's <title>.
func titleOf(t *testing.T, n *htmlNode) string {
	t.Helper()
	return text(oneByTag(t, n, "title"))
}

// TestTitleCountsUnread: while notifications wait unread, every page's
// title starts with "(N) ", in the interface's digits, and the badge the
// polling and "mark read" send carries the same prefix for the script
// that keeps the title in step; with none unread the title has no count.
func TestTitleCountsUnread(t *testing.T) {
	srv := newTestServer(t)
	amal := newUser(t, srv.db, "amal")
	bilal := newUser(t, srv.db, "bilal")
	like := func(n int) {
		t.Helper()
		for range n {
			p := newPost(t, srv.db, amal, "post")
			if _, err := srv.db.Like(bilal.ID, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		lang   string
		likes  int // more, before the check
		prefix string
	}{
		{"en", 0, ""},
		{"en", 3, "(3) "},
		{"ar", 0, "(٣) "},
		{"ar", 110, "(+٩٩) "},
		{"en", 0, "(99+) "},
	}
	for _, tt := range tests {
		like(tt.likes)
		c := peopleClient(t, srv, "amal")
		c.header.Set("Accept-Language", tt.lang)
		for _, p := range []string{"/", "/local", "/settings"} {
			title := titleOf(t, c.get(p).Doc())
			if !strings.HasPrefix(title, tt.prefix) || (tt.prefix == "" && strings.HasPrefix(title, "(")) {
				t.Errorf("%s %s: title %q, want it to start with %q", tt.lang, p, title, tt.prefix)
			}
		}
		badge := oneByTestID(t, c.getHX("/notifications/badge").Doc(), "notif-badge")
		if got := attr(badge, "data-title-prefix"); got != tt.prefix {
			t.Errorf("%s: the polled badge says the title starts with %q, want %q", tt.lang, got, tt.prefix)
		}
	}

	// Marking read: the badge sent out of band clears the prefix, and so
	// does the next page.
	c := peopleClient(t, srv, "amal")
	resp := c.postForm("/notifications/read", url.Values{"only": {"badge"}}, htmxHeader())
	badge := oneByTestID(t, resp.Doc(), "notif-badge")
	if hasAttr(badge, "data-title-prefix") || attr(badge, "hx-swap-oob") != "true" {
		t.Errorf("after marking read the badge has data-title-prefix=%q hx-swap-oob=%q, want no prefix, out of band",
			attr(badge, "data-title-prefix"), attr(badge, "hx-swap-oob"))
	}
	if title := titleOf(t, c.get("/").Doc()); strings.HasPrefix(title, "(") {
		t.Errorf("after marking read the title is %q, want no count", title)
	}
	// A visitor's title never counts.
	if title := titleOf(t, srv.newClient(t).get("/local").Doc()); strings.HasPrefix(title, "(") {
		t.Errorf("a visitor's title is %q", title)
	}
}

// TestEmptyBoxesSpeakTheInterface: the free-text boxes a member may find
// empty carry a placeholder in the interface's language (the stylesheet
// sets an empty box's direction by it) and keep dir="auto" for what is
// typed.
func TestEmptyBoxesSpeakTheInterface(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	amal.header.Set("Accept-Language", "ar")
	link := amal.say("first post")
	boxes := []struct{ page, testID string }{
		{"/settings", "field-bio"},
		{"/settings", "field-display_name"},
		{"/settings", "field-link-label-0"},
		{link + "/edit", "edit-body"},
		{link + "/edit", "edit-cw"},
		{"/", "compose-body"},
	}
	for _, b := range boxes {
		box := oneByTestID(t, amal.get(b.page).Doc(), b.testID)
		ph := attr(box, "placeholder")
		if !strings.ContainsFunc(ph, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
			t.Errorf("%s %s: placeholder %q, want an Arabic one", b.page, b.testID, ph)
		}
		if attr(box, "dir") != "auto" {
			t.Errorf("%s %s: dir=%q, want auto", b.page, b.testID, attr(box, "dir"))
		}
	}
}

// TestEditFormCounter: the edit form counts characters as the compose
// box does, into its own counter (a timeline can show both), and says
// its limit for the script that disables Save over it.
func TestEditFormCounter(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	link := amal.say("first post")
	id := path.Base(link)
	doc := amal.get(link + "/edit").Doc()
	box := oneByTestID(t, doc, "edit-body")
	for k, want := range map[string]string{
		"data-limit": "500", "hx-post": "/posts/count", "hx-target": "#edit-counter-" + id,
		"hx-params": "body,counter", "hx-vals": `{"counter":"edit-counter-` + id + `"}`,
	} {
		if got := attr(box, k); got != want {
			t.Errorf("edit box %s=%q, want %q", k, got, want)
		}
	}
	if c := oneByTestID(t, doc, "edit-counter"); attr(c, "id") != "edit-counter-"+id || text(c) != "10/500" {
		t.Errorf("edit counter id=%q text %q, want edit-counter-%s, 10/500", attr(c, "id"), text(c), id)
	}

	tests := []struct {
		name, counter, body string
		status              int
		id, text            string
		over                bool
	}{
		{"compose box", "", "hello", http.StatusOK, "counter", "5/500", false},
		{"edit form", "edit-counter-" + id, "hello", http.StatusOK, "edit-counter-" + id, "5/500", false},
		{"edit form over", "edit-counter-" + id, strings.Repeat("x", 501), http.StatusOK, "edit-counter-" + id, "501/500", true},
		{"not a post's counter", "edit-counter-<b>", "hello", http.StatusBadRequest, "", "", false},
	}
	for _, tt := range tests {
		form := url.Values{"body": {tt.body}}
		if tt.counter != "" {
			form.Set("counter", tt.counter)
		}
		resp := amal.postForm("/posts/count", form, htmxHeader())
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
			continue
		}
		if tt.status != http.StatusOK {
			if strings.Contains(resp.body, "<b>") {
				t.Errorf("%s: the answer repeats the bad name unescaped", tt.name)
			}
			continue
		}
		out := oneByTag(t, resp.Doc(), "output")
		if attr(out, "id") != tt.id || text(out) != tt.text || hasClass(out, "over") != tt.over {
			t.Errorf("%s: <output id=%q class=%q>%s, want id %q, %q, over=%v", tt.name, attr(out, "id"), attr(out, "class"), text(out), tt.id, tt.text, tt.over)
		}
	}
}
