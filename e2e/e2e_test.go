package e2e

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"majlis/storage"
)

// Selectors of the pages' elements, by their data-testid attributes.
const (
	selCompose      = `[data-testid="compose"]`
	selComposeBody  = `[data-testid="compose-body"]`
	selComposeError = `[data-testid="compose-error"]`
	selCounter      = `[data-testid="counter"]`
	selPublish      = `[data-testid="publish"]`
	selTimeline     = `[data-testid="timeline"]`
	selPost         = `[data-testid="post"]`
	selPostBody     = `[data-testid="post-body"]`
	selFirstPost    = `[data-testid="timeline"] > [data-testid="post"]:first-of-type`
	selMore         = `[data-testid="more"]`
	selFlash        = `[data-testid="flash"]`
	selFollow       = `[data-testid="follow"]`
	selUnfollow     = `[data-testid="unfollow"]`
	selFollowers    = `[data-testid="followers-count"]`
)

// TestFollowAndRead is the main flow with JavaScript: the first member signs
// up and posts Markdown through the compose box (the post appears without a
// reload); a second member, in another browser context, follows them
// (again without a reload) and reads the post on their home timeline.
func TestFollowAndRead(t *testing.T) {
	h := newHarness(t)

	alice := h.newTab("alice", true)
	alice.register("alice", "Alice")
	if got := alice.text(selFlash); !strings.Contains(got, "As the first member you administer this instance.") {
		t.Errorf("flash for the first account = %q, want it to say the account administers the instance", got)
	}

	// Post through the compose box. The counter follows the typing.
	const src = "Hello **world** from [majlis](https://example.org)"
	alice.typeInto(selComposeBody, src)
	alice.waitUntil("the counter shows the draft's length",
		fmt.Sprintf(`document.querySelector(%s).textContent.trim() === "%d/500"`, jsString(selCounter), utf8.RuneCountInString(src)))
	alice.setMarker()
	alice.click(selPublish)
	alice.waitUntil("the new post is at the top of the timeline",
		fmt.Sprintf(`document.querySelector(%s)?.textContent.includes("Hello world from majlis")`, jsString(selFirstPost)))
	if !alice.markerKept() {
		t.Fatal("publishing reloaded the page; want the post added in place by HTMX")
	}
	checkRenderedHello(t, alice, selFirstPost)
	// The compose box comes back empty (an out-of-band swap).
	alice.waitUntil("the compose box is emptied",
		fmt.Sprintf(`document.querySelector(%s).value === "" && document.querySelector(%s).textContent.trim() === "0/500"`,
			jsString(selComposeBody), jsString(selCounter)))
	if n := alice.count(selTimeline + " " + selPost); n != 1 {
		t.Errorf("alice's timeline has %d posts, want 1", n)
	}
	if emptyShown := eval[bool](alice, fmt.Sprintf(`!!document.querySelector(%s)?.checkVisibility()`, jsString(selTimeline+" .empty"))); emptyShown {
		t.Errorf("with a post on it, the timeline still says %q", alice.text(selTimeline+" .empty"))
	}

	// A second person in another browser context: their own cookies.
	bob := h.newTab("bob", true)
	bob.register("bob", "")
	if got := bob.text(selFlash); strings.Contains(got, "administer") {
		t.Errorf("flash for the second account = %q, want no mention of administering", got)
	}
	// alice is still alice: bob's sign-up did not touch her cookie.
	alice.open("/")
	alice.checkSignedInAs("alice")
	checkSeparateCookies(t, h, alice, bob)

	bob.open("/@alice")
	if got := bob.text(selFollowers); got != "0" {
		t.Errorf("followers of alice before the follow = %q, want 0", got)
	}
	bob.setMarker()
	bob.click(selFollow)
	bob.waitUntil("the Follow button turns into Unfollow",
		fmt.Sprintf(`document.querySelector(%s) && !document.querySelector(%s)`, jsString(selUnfollow), jsString(selFollow)))
	if got := bob.text(selFollowers); got != "1" {
		t.Errorf("followers of alice after the follow = %q, want 1", got)
	}
	if !bob.markerKept() {
		t.Error("following reloaded the page; want the profile header swapped by HTMX")
	}

	bob.open("/")
	bob.waitVisible(selFirstPost)
	if got := bob.postTexts(); len(got) != 1 || got[0] != "Hello world from majlis" {
		t.Errorf("bob's home timeline shows %q, want alice's post only", got)
	}
	checkRenderedHello(t, bob, selFirstPost)
	if got := bob.text(selFirstPost + " .handle"); got != "@alice" {
		t.Errorf("the post's author handle = %q, want @alice", got)
	}

	path, img := bob.saveScreenshot("home.png")
	t.Logf("screenshot of bob's home page: %s", path)
	if os.Getenv("CI") == "" {
		if err := os.WriteFile("/tmp/e2e-home.png", img, 0o644); err != nil {
			t.Logf("could not write /tmp/e2e-home.png: %v", err)
		} else {
			t.Logf("screenshot copied to /tmp/e2e-home.png")
		}
	}

	// Unfollowing takes the post off bob's home timeline again.
	bob.open("/@alice")
	bob.setMarker()
	bob.click(selUnfollow)
	bob.waitUntil("the Unfollow button turns back into Follow",
		fmt.Sprintf(`document.querySelector(%s) && document.querySelector(%s).textContent.trim() === "0"`,
			jsString(selFollow), jsString(selFollowers)))
	if !bob.markerKept() {
		t.Error("unfollowing reloaded the page; want the profile header swapped by HTMX")
	}
	bob.open("/")
	bob.waitVisible(selTimeline)
	if n := bob.count(selPost); n != 0 {
		t.Errorf("after unfollowing, bob's home shows %d posts, want 0", n)
	}
}

// checkRenderedHello checks the post under sel shows the Markdown of the
// hello post as HTML: bold text and a link marked nofollow.
func checkRenderedHello(t *testing.T, b *tab, sel string) {
	t.Helper()
	body := sel + " " + selPostBody
	if got := b.text(body + " strong"); got != "world" {
		t.Errorf("%s: <strong> in the post = %q, want %q", b.name, got, "world")
	}
	link := eval[map[string]string](b, fmt.Sprintf(
		`(a => a ? {href: a.getAttribute("href"), rel: a.getAttribute("rel") || "", text: a.textContent} : {})(document.querySelector(%s))`,
		jsString(body+" a")))
	if link["href"] != "https://example.org" || link["text"] != "majlis" {
		t.Errorf("%s: link in the post = %v, want href https://example.org and text majlis", b.name, link)
	}
	if !slices.Contains(strings.Fields(link["rel"]), "nofollow") {
		t.Errorf("%s: link rel = %q, want it to contain nofollow", b.name, link["rel"])
	}
}

// checkSeparateCookies checks that two tabs hold different session cookies.
func checkSeparateCookies(t *testing.T, h *harness, a, b *tab) {
	t.Helper()
	session := func(x *tab) string {
		res, err := chromedp.Call(x.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{h.baseURL + "/"}})
		if err != nil {
			t.Fatalf("%s: read cookies: %v", x.name, err)
		}
		for _, c := range res.Cookies {
			if c.Name == "majlis_session" {
				if !c.HTTPOnly {
					t.Errorf("%s: the session cookie is not HttpOnly", x.name)
				}
				return c.Value
			}
		}
		t.Fatalf("%s: no session cookie", x.name)
		return ""
	}
	if session(a) == session(b) {
		t.Errorf("%s and %s share one session cookie; want one each", a.name, b.name)
	}
}

// TestInfiniteScroll scrolls a home timeline of 45 posts: 20 come with the
// page, 20 more when the "Older posts" link scrolls into view, then the
// last 5, all without a reload, newest first, none twice.
func TestInfiniteScroll(t *testing.T) {
	h := newHarness(t)
	const total = 45
	reader := h.seedUser("reader", "Reader")
	for i := 1; i <= total; i++ {
		h.seedPost(reader, fmt.Sprintf("Post number %d", i))
	}

	b := h.newTab("reader", true)
	b.login("reader")
	b.open("/")
	b.waitVisible(selMore)
	if n := b.count(selPost); n != 20 {
		t.Fatalf("the home page shows %d posts, want 20", n)
	}
	b.setMarker()

	scrollAndWait := func(want int) {
		t.Helper()
		eval[chromedp.Void](b, `window.scrollTo(0, document.documentElement.scrollHeight)`)
		b.waitUntil(fmt.Sprintf("%d posts are on the page", want),
			fmt.Sprintf(`document.querySelectorAll(%s).length >= %d`, jsString(selPost), want))
		if n := b.count(selPost); n != want {
			t.Fatalf("after scrolling, %d posts are on the page, want %d", n, want)
		}
	}
	scrollAndWait(40)
	if !b.exists(selMore) {
		t.Fatal(`after the second page, the "Older posts" link is gone; want it while older posts remain`)
	}
	scrollAndWait(total)
	b.waitUntil(`the "Older posts" link is gone`, fmt.Sprintf(`!document.querySelector(%s)`, jsString(selMore)))
	if !b.markerKept() {
		t.Error("infinite scroll reloaded the page; want pages appended by HTMX")
	}

	texts := b.postTexts()
	for i, got := range texts {
		if want := fmt.Sprintf("Post number %d", total-i); got != want {
			t.Errorf("post %d on the page = %q, want %q (newest first)", i+1, got, want)
		}
	}
	ids := b.postIDs()
	seen := map[string]bool{}
	var prev storage.ID
	for i, s := range ids {
		if seen[s] {
			t.Errorf("post %s appears twice", s)
		}
		seen[s] = true
		id, err := storage.ParseID(strings.TrimPrefix(s, "post-"))
		if err != nil {
			t.Errorf("post element id %q: %v", s, err)
			continue
		}
		if i > 0 && id >= prev {
			t.Errorf("post %d (%s) is not older than the one above it", i+1, s)
		}
		prev = id
	}
	if len(seen) != total {
		t.Errorf("%d distinct posts on the page, want %d", len(seen), total)
	}
}

// TestWithoutJavaScript runs the follow-and-read flow in browsers that run
// no script: every action is a form that posts and redirects, and "Older
// posts" is a plain link.
func TestWithoutJavaScript(t *testing.T) {
	h := newHarness(t)

	alice := h.newTab("alice", false)
	alice.register("alice", "Alice")
	// Scripts really are off: htmx (a deferred script) never defined itself.
	if eval[bool](alice, `document.readyState === "complete" && typeof window.htmx !== "undefined"`) {
		t.Fatal("htmx is loaded, so JavaScript is on; want it off for this test")
	}

	// Older posts, so that the home timeline has a second page.
	const older = 24
	aliceUser := h.user("alice")
	for i := 1; i <= older; i++ {
		h.seedPost(aliceUser, fmt.Sprintf("Older post %d", i))
	}

	const src = "Hello **world** from [majlis](https://example.org)"
	alice.open("/")
	alice.typeInto(selComposeBody, src)
	// Without htmx the counter does not follow the typing.
	if got := alice.text(selCounter); got != "0/500" {
		t.Errorf("without JavaScript the counter shows %q after typing; want it untouched at 0/500", got)
	}
	alice.setMarker()
	alice.clickAndLoad(selPublish)
	if alice.markerKept() {
		t.Fatal("publishing without JavaScript did not load a new page")
	}
	if got := alice.text(selFlash); got != "Your post is published." {
		t.Errorf("flash after publishing = %q, want %q", got, "Your post is published.")
	}
	if !strings.HasSuffix(alice.location(), "/") || strings.Contains(alice.location(), "/posts") {
		t.Errorf("after publishing the tab shows %s, want the home page", alice.location())
	}
	checkRenderedHello(t, alice, selFirstPost)

	bob := h.newTab("bob", false)
	bob.register("bob", "Bob")
	alice.open("/")
	alice.checkSignedInAs("alice")
	checkSeparateCookies(t, h, alice, bob)

	bob.open("/@alice")
	bob.setMarker()
	bob.clickAndLoad(selFollow)
	if bob.markerKept() {
		t.Fatal("following without JavaScript did not load a new page")
	}
	if got := bob.text(selFlash); got != "You follow @alice now." {
		t.Errorf("flash after following = %q, want %q", got, "You follow @alice now.")
	}
	if !strings.HasSuffix(bob.location(), "/@alice") {
		t.Errorf("after following the tab shows %s, want /@alice", bob.location())
	}
	if !bob.exists(selUnfollow) || bob.exists(selFollow) {
		t.Error("after following, want an Unfollow button and no Follow button")
	}
	if got := bob.text(selFollowers); got != "1" {
		t.Errorf("followers of alice after the follow = %q, want 1", got)
	}

	// Home, page 1: alice's new post on top, then the 19 newest older ones.
	bob.open("/")
	page1 := bob.postTexts()
	if len(page1) != 20 {
		t.Fatalf("bob's home page 1 has %d posts, want 20", len(page1))
	}
	if page1[0] != "Hello world from majlis" {
		t.Errorf("bob's newest post = %q, want alice's hello", page1[0])
	}
	checkRenderedHello(t, bob, selFirstPost)
	if got, want := page1[19], fmt.Sprintf("Older post %d", older-18); got != want {
		t.Errorf("last post of page 1 = %q, want %q", got, want)
	}

	// "Older posts" is a plain link to page 2.
	if got := bob.text(selMore); got != "Older posts" {
		t.Errorf("the pager link says %q, want Older posts", got)
	}
	bob.setMarker()
	bob.clickAndLoad(selMore)
	if bob.markerKept() {
		t.Fatal(`"Older posts" did not load a new page`)
	}
	if loc := bob.location(); !strings.Contains(loc, "?before=") {
		t.Errorf("page 2 is at %s, want a ?before= cursor", loc)
	}
	page2 := bob.postTexts()
	var want []string
	for i := older - 19; i >= 1; i-- {
		want = append(want, "Older post "+strconv.Itoa(i))
	}
	if !slices.Equal(page2, want) {
		t.Errorf("page 2 shows %q, want %q", page2, want)
	}
	if bob.exists(selMore) {
		t.Error(`page 2 is the last page but has an "Older posts" link`)
	}

	// Deleting is a link to a confirmation page, then a form.
	alice.open("/")
	hello := alice.postIDs()[0]
	alice.clickAndLoad("#" + hello + ` [data-testid="delete"]`)
	if loc := alice.location(); !strings.HasSuffix(loc, "/delete") {
		t.Errorf("the delete link leads to %s, want the confirmation page", loc)
	}
	alice.clickAndLoad(`[data-testid="confirm-delete"]`)
	if got := alice.text(selFlash); got != "Your post is deleted." {
		t.Errorf("flash after deleting = %q, want %q", got, "Your post is deleted.")
	}
	if !strings.HasSuffix(alice.location(), "/@alice") {
		t.Errorf("after deleting the tab shows %s, want /@alice", alice.location())
	}
	if alice.exists("#" + hello) {
		t.Error("the deleted post is still on alice's profile")
	}
}

// TestCharacterCounter types into the compose box: the counter follows
// live, marks a draft over 500 characters, and publishing such a draft
// shows the error in the compose box without a reload and keeps the text.
func TestCharacterCounter(t *testing.T) {
	h := newHarness(t)
	h.seedUser("writer", "")
	b := h.newTab("writer", true)
	b.login("writer")
	b.open("/")

	counterIs := func(want string, over bool) string {
		cond := fmt.Sprintf(`(c => c.textContent.trim() === %s && c.classList.contains("over") === %t)(document.querySelector(%s))`,
			jsString(want), over, jsString(selCounter))
		return cond
	}
	if got := b.text(selCounter); got != "0/500" {
		t.Errorf("counter of the empty compose box = %q, want 0/500", got)
	}
	b.typeInto(selComposeBody, "Hello")
	b.waitUntil("the counter shows 5/500", counterIs("5/500", false))

	// Up to 500 characters is fine; the 501st goes over.
	long := "Hello" + strings.Repeat("a", 495)
	b.typeInto(selComposeBody, strings.Repeat("a", 495))
	b.waitUntil("the counter shows 500/500, not over", counterIs("500/500", false))
	b.typeInto(selComposeBody, "!")
	long += "!"
	b.waitUntil("the counter shows 501/500, over the limit", counterIs("501/500", true))

	// Over the limit Publish is disabled; Ctrl+Enter still sends the
	// draft, and the server says what is wrong.
	if !eval[bool](b, fmt.Sprintf(`document.querySelector(%s).disabled`, jsString(selPublish))) {
		t.Error("Publish is enabled with 501 characters, over the limit")
	}
	b.setMarker()
	b.do("press Ctrl+Enter in the compose box",
		chromedp.Focus(chromedp.CSS(selComposeBody)),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	b.waitUntil("the error shows in the compose box", fmt.Sprintf(`document.querySelector(%s)`, jsString(selComposeError)))
	if got, want := b.text(selComposeError), "This post is too long: 501 characters, the limit is 500."; got != want {
		t.Errorf("compose error = %q, want %q", got, want)
	}
	if !b.markerKept() {
		t.Error("publishing a too-long post reloaded the page; want the error swapped in")
	}
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%s).value`, jsString(selComposeBody))); got != long {
		t.Errorf("after the error the compose box holds %d characters, want the %d typed", utf8.RuneCountInString(got), utf8.RuneCountInString(long))
	}
	if got := b.text(selCounter); got != "501/500" {
		t.Errorf("counter after the error = %q, want 501/500", got)
	}
	if n := b.count(selPost); n != 0 {
		t.Errorf("the timeline has %d posts after a refused one, want 0", n)
	}
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%s).getAttribute("aria-invalid") || ""`, jsString(selComposeBody))); got != "true" {
		t.Errorf("the compose box after the error has aria-invalid=%q, want true", got)
	}

	// The swapped-in compose box still works: shorten the draft, publish.
	b.do("go to the end of the draft and press Backspace",
		chromedp.Focus(chromedp.CSS(selComposeBody)),
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(kb.Backspace))
	b.waitUntil("the counter shows 500/500 again", counterIs("500/500", false))
	b.click(selPublish)
	b.waitUntil("the post appears", fmt.Sprintf(`document.querySelectorAll(%s).length === 1`, jsString(selTimeline+" "+selPost)))
	if b.exists(selComposeError) {
		t.Error("the compose error is still shown after a successful post")
	}
	if !b.markerKept() {
		t.Error("publishing reloaded the page")
	}
	if got := b.postTexts(); len(got) != 1 || got[0] != long[:500] {
		t.Errorf("published post = %q, want the 500-character draft", got)
	}
}

// TestDeletePost deletes a post from the timeline through the confirm
// dialog: it leaves the page without a reload and stays gone after one.
func TestDeletePost(t *testing.T) {
	h := newHarness(t)
	u := h.seedUser("deleter", "")
	kept := h.seedPost(u, "Keep me")
	doomed := h.seedPost(u, "Delete me")

	b := h.newTab("deleter", true)
	b.login("deleter")
	b.open("/")
	if got := b.postTexts(); !slices.Equal(got, []string{"Delete me", "Keep me"}) {
		t.Fatalf("home shows %q, want both posts", got)
	}

	dialogs := make(chan string, 4)
	events := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			dialogs <- ev.Message
			chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()

	doomedSel := "#post-" + doomed.ID.String()
	b.setMarker()
	b.click(doomedSel + ` [data-testid="delete"]`)
	b.waitUntil("the post leaves the timeline", fmt.Sprintf(`!document.querySelector(%s)`, jsString(doomedSel)))
	// The dialog was answered before the post could go, so its message is
	// already in the channel.
	expectConfirm := func() {
		t.Helper()
		select {
		case msg := <-dialogs:
			if want := "Delete this post? This cannot be undone."; msg != want {
				t.Errorf("confirm dialog said %q, want %q", msg, want)
			}
		default:
			t.Error("the post was deleted without a confirm dialog")
		}
	}
	expectConfirm()
	if !b.markerKept() {
		t.Error("deleting reloaded the page; want the post removed by HTMX")
	}
	if got := b.postTexts(); !slices.Equal(got, []string{"Keep me"}) {
		t.Errorf("after deleting, home shows %q, want only Keep me", got)
	}

	b.do("reload", chromedp.Reload())
	if got := b.postTexts(); !slices.Equal(got, []string{"Keep me"}) {
		t.Errorf("after a reload, home shows %q, want only Keep me", got)
	}
	b.open("/@deleter")
	if got := b.text(`[data-testid="posts-count"]`); got != "1" {
		t.Errorf("posts count on the profile = %q, want 1", got)
	}
	if _, err := h.db.Post(0, doomed.ID); err == nil {
		t.Error("the deleted post is still in storage")
	}

	// Deleting from the post's own page leaves nothing to show there: the
	// server sends the browser to the profile, with a message.
	b.open("/@deleter/" + kept.ID.String())
	b.clickAndLoad(`[data-testid="delete"]`)
	expectConfirm()
	if got := b.text(selFlash); got != "Your post is deleted." {
		t.Errorf("flash after deleting from the permalink = %q, want %q", got, "Your post is deleted.")
	}
	if loc := b.location(); !strings.HasSuffix(loc, "/@deleter") {
		t.Errorf("after deleting from the permalink the tab shows %s, want /@deleter", loc)
	}
	if n := b.count(selPost); n != 0 {
		t.Errorf("the profile shows %d posts after both were deleted, want 0", n)
	}
}

// TestRightToLeft checks Arabic names and posts read right to left while the
// interface stays left to right.
func TestRightToLeft(t *testing.T) {
	h := newHarness(t)
	b := h.newTab("amal", true)
	b.register("amal", "أمل")

	const text = "مرحبا بكم في المجلس"
	b.typeInto(selComposeBody, text)
	b.click(selPublish)
	b.waitUntil("the Arabic post appears", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes(%s)`,
		jsString(selFirstPost), jsString(text)))

	type dirInfo struct {
		Text     string `json:"text"`
		Dir      string `json:"dir"`
		Computed string `json:"computed"`
	}
	dirOf := func(sel string) dirInfo {
		t.Helper()
		return eval[dirInfo](b, fmt.Sprintf(
			`(e => e ? {text: e.textContent.trim(), dir: e.getAttribute("dir") || "", computed: getComputedStyle(e).direction} : null)(document.querySelector(%s))`,
			jsString(sel)))
	}
	body := dirOf(selFirstPost + " " + selPostBody)
	if body.Text != text || body.Dir != "auto" || body.Computed != "rtl" {
		t.Errorf("post body: %+v, want text %q, dir auto, computed direction rtl", body, text)
	}
	name := dirOf(selFirstPost + " bdi.display-name")
	if name.Text != "أمل" || name.Computed != "rtl" {
		t.Errorf("author name: %+v, want text أمل and computed direction rtl", name)
	}
	if got := eval[string](b, `getComputedStyle(document.body).direction`); got != "ltr" {
		t.Errorf("the page's direction = %q, want ltr (only the Arabic parts turn)", got)
	}

	// A Latin post beside it stays left to right: dir="auto" decides per
	// post, not per page.
	b.typeInto(selComposeBody, "Hello in English")
	b.click(selPublish)
	b.waitUntil("the English post appears", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes("Hello in English")`, jsString(selFirstPost)))
	if got := dirOf(selFirstPost + " " + selPostBody); got.Computed != "ltr" {
		t.Errorf("English post body: %+v, want computed direction ltr", got)
	}

	b.open("/@amal")
	if got := dirOf(`[data-testid="profile-header"] bdi.display-name`); got.Text != "أمل" || got.Computed != "rtl" {
		t.Errorf("profile name: %+v, want أمل computed rtl", got)
	}
}
