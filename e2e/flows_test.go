package e2e

import (
	"strings"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/markup"
	"majlis/storage"
)

// Selectors of the flows (views/flows.templ), by data-testid.
const (
	selNewPostsLink   = `[data-testid="new-posts-link"]`
	selNewPostsReload = `[data-testid="new-posts-reload"]`
)

// newFlowsHarness is a harness whose timelines ask for new posts every
// half second, so a test need not wait the real 25 seconds.
func newFlowsHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, func(c *handlers.Config, _ *storage.DB) { c.LiveEvery = 500 * time.Millisecond })
}

// writePost stores a post as the compose box would, with a visibility
// and the accounts it mentions.
func (h *harness) writePost(author storage.User, src string, vis storage.Visibility, mentions ...storage.User) storage.Post {
	h.t.Helper()
	html, err := markup.Render(src)
	if err != nil {
		h.t.Fatal(err)
	}
	id := h.db.NewID()
	p := storage.Post{ID: id, AuthorID: author.ID, URI: h.baseURL + "/@" + author.Username + "/" + id.String(),
		Source: src, HTML: html, Visibility: vis, Local: true}
	for _, m := range mentions {
		p.Mentions = append(p.Mentions, m.ID)
	}
	if err := h.db.CreatePost(&p); err != nil {
		h.t.Fatalf("create post %q: %v", src, err)
	}
	return p
}

// TestLiveTimeline: a member reading the local timeline sees "1 new post"
// appear after someone else posts, and the post in place when they click
// it, without a reload; without JavaScript a link reloads the timeline.
func TestLiveTimeline(t *testing.T) {
	h := newFlowsHarness(t)
	h.seedUser("amal", "Amal")
	bilal := h.seedUser("bilal", "Bilal")
	h.seedPost(bilal, "good morning")

	b := h.newTab("amal", true)
	b.login("amal")
	b.open("/local")
	b.setMarker()
	if b.exists(selNewPostsLink) {
		t.Fatal("a fresh page already says there are new posts")
	}
	h.seedPost(bilal, "fresh news from bilal")
	b.waitUntil("the bar says 1 new post", `(document.querySelector('`+selNewPostsLink+`')||{}).textContent?.trim() === "1 new post"`)
	b.click(selNewPostsLink)
	b.waitUntil("the new post shows", `document.querySelectorAll('`+selPostBody+`').length === 2`)
	if got := b.postTexts(); len(got) != 2 || got[0] != "fresh news from bilal" {
		t.Errorf("after showing the new post: %q, want it first", got)
	}
	if !b.markerKept() {
		t.Error("showing the new posts reloaded the page")
	}
	if b.exists(selNewPostsLink) {
		t.Error("the bar still offers new posts after showing them")
	}
	b.saveScreenshot("live-timeline.png")

	// Without JavaScript nothing polls: a link reloads the timeline.
	n := h.newTab("visitor", false)
	n.open("/local")
	h.seedPost(bilal, "news for the reload")
	n.clickAndLoad(selNewPostsReload)
	if got := n.postTexts(); len(got) == 0 || got[0] != "news for the reload" {
		t.Errorf("after the no-JS link: %q, want the newest post first", got)
	}
}

// TestFindableFlows: change password from the account settings, the
// login page's help, invitations from the navigation with a copy button,
// and the Admin badge.
func TestFindableFlows(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "Amal") // the first account: the admin
	bilal := h.seedUser("bilal", "Bilal")
	carim := h.seedUser("carim", "Carim")

	// The login page says what to do about a forgotten password.
	v := h.newTab("visitor", true)
	v.open("/login")
	v.click(`[data-testid="forgot-password-summary"]`)
	v.waitVisible(`[data-testid="forgot-admin"]`)
	if got := v.text(`[data-testid="forgot-password"]`); !strings.Contains(got, "Ask an admin") || !strings.Contains(got, "majlis user password") {
		t.Errorf("forgot-password help: %q", got)
	}

	b := h.newTab("amal", true)
	b.login("amal")

	// Invitations are in the navigation, with a copy button.
	b.clickAndLoad(`[data-testid="nav-invites"] a`)
	b.clickAndLoad(`[data-testid="create-invite"]`)
	b.waitVisible(`[data-testid="copy-invite"]`)
	b.click(`[data-testid="copy-invite"]`)
	b.waitUntil("the button says the link was copied", `["Copied", "Select the link and copy it"].includes(document.querySelector('[data-testid="copy-invite"]').textContent.trim())`)

	// Without JavaScript the button stays hidden and the link is text.
	n := h.newTab("amal without JS", false)
	n.login("amal")
	n.open("/invites")
	if eval[bool](n, `!document.querySelector('[data-testid="copy-invite"]').hidden`) {
		t.Error("the copy button shows without JavaScript")
	}
	if url := eval[string](n, `document.querySelector('[data-testid="invite-url"]').value`); !strings.Contains(url, "/invite/") {
		t.Errorf("the invitation link is %q", url)
	}

	// A report puts a badge on Admin, and a notification.
	post := h.seedPost(carim, "spam spam spam")
	if err := h.db.CreateReport(&storage.Report{ReporterID: bilal.ID, PostID: post.ID, Category: storage.ReportSpam}); err != nil {
		t.Fatal(err)
	}
	b.open("/")
	if got := b.text(`[data-testid="admin-badge"] .count`); got != "1" {
		t.Errorf("the Admin badge: %q, want 1", got)
	}
	b.open("/notifications")
	b.clickAndLoad(`[data-testid="note-link"]`)
	if loc := b.location(); !strings.Contains(loc, "/admin/reports/") {
		t.Errorf("the report notification leads to %s", loc)
	}

	// Change the password from the account settings.
	b.open("/settings/account")
	b.typeInto(`[data-testid="account-current-password"]`, password)
	b.typeInto(`[data-testid="account-new-password"]`, "a brand new password")
	b.typeInto(`[data-testid="account-confirm-password"]`, "a brand new password")
	b.clickAndLoad(`[data-testid="account-change-password"]`)
	if !strings.HasSuffix(b.location(), "/settings/account") || !strings.Contains(b.text(`[data-testid="flash"]`), "password") {
		t.Errorf("after changing the password: %s, flash %q", b.location(), b.text(`[data-testid="flash"]`))
	}
	b.checkSignedInAs("amal")
	_ = amal
}

// TestConversationFlows: the Direct view, reply and like from a
// notification, follow from a followers list.
func TestConversationFlows(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "Amal")
	bilal := h.seedUser("bilal", "Bilal")
	carim := h.seedUser("carim", "Carim")
	h.writePost(bilal, "just between us @amal", storage.Direct, amal)
	h.writePost(bilal, "everyone can read this", storage.Public)
	mention := h.writePost(carim, "what do you think @amal", storage.Public, amal)
	if _, err := h.db.Follow(bilal.ID, amal.ID); err != nil {
		t.Fatal(err)
	}

	b := h.newTab("amal", true)
	b.login("amal")

	// Direct conversations, from the navigation.
	b.clickAndLoad(`[data-testid="nav-direct"] a`)
	if got := b.postTexts(); len(got) != 1 || !strings.Contains(got[0], "just between us") {
		t.Errorf("Direct shows %q, want bilal's direct post alone", got)
	}

	// Like and reply from the notification about a mention.
	b.open("/notifications")
	note := `[data-testid="note"][data-kind="mention"] [data-testid="note-actions"]`
	b.setMarker()
	b.click(note + ` [data-testid="like"]`)
	b.waitUntil("the like is pressed", `document.querySelector('`+note+` [data-testid="like"]').getAttribute("aria-pressed") === "true"`)
	if !b.markerKept() {
		t.Error("liking from a notification reloaded the page")
	}
	if liked, err := h.db.Post(amal.ID, mention.ID); err != nil || !liked.Liked {
		t.Errorf("the post is not liked: %v", err)
	}
	b.clickAndLoad(note + ` [data-testid="reply"]`)
	if loc := b.location(); !strings.Contains(loc, mention.ID.String()) {
		t.Errorf("Reply leads to %s, want the post", loc)
	}
	b.waitVisible(`#reply`)
	// Replying there updates the post's reply count in place.
	card := `#post-` + mention.ID.String() + ` [data-testid="reply-count"]`
	if got := b.text(card); got != "0" {
		t.Fatalf("reply count before: %q", got)
	}
	b.setMarker()
	b.typeInto(selReplyBody, "I think it is fine")
	b.click(selReplySend)
	b.waitUntil("the reply count says 1", `document.querySelector('`+card+`').textContent.trim() === "1"`)
	if !b.markerKept() {
		t.Error("replying reloaded the page")
	}

	// Follow someone from a followers list.
	c := h.newTab("carim", true)
	c.login("carim")
	c.open("/@amal/followers")
	c.setMarker()
	c.click(`[data-testid="list-follow"]`)
	c.waitVisible(`[data-testid="list-unfollow"]`)
	if !c.markerKept() {
		t.Error("following from the list reloaded the page")
	}
	if rel, err := h.db.RelationshipOf(carim.ID, bilal.ID); err != nil || !rel.Following {
		t.Errorf("carim does not follow bilal after the click (%v)", err)
	}
}
