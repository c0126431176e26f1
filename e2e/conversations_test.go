package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Selectors of conversations, by data-testid (and the focused card of a
// permalink page, article.focus).
const (
	selBadge      = `[data-testid="notif-badge"]`
	selBadgeCount = `[data-testid="notif-badge"] .count`
	selReplyBody  = `#reply [data-testid="compose-body"]`
	selReplySend  = `#reply [data-testid="publish"]`
	selReplies    = `[data-testid="replies"]`
	selFocus      = `article.focus`
	selLike       = `article.focus [data-testid="like"]`
	selLikeCount  = `article.focus [data-testid="like-count"]`
	selRepost     = `article.focus [data-testid="repost"]`
	selRepostCnt  = `article.focus [data-testid="repost-count"]`
	selNote       = `[data-testid="note"]`
)

// fastPollJS makes htmx's 30-second polling fire every 300 ms. The badge
// polls with hx-trigger="every 30s", which htmx 2 (2.0.11, vendored)
// implements as a window.setTimeout of 30000 ms re-armed after each poll;
// no DOM event starts a poll (htmx.trigger(badge, "every") does nothing),
// and htmx.ajax would only test the fragment route, not the trigger. So
// the test keeps htmx's own polling, request and swap, and only shortens
// that timer, counting how often htmx asked for it. The script runs
// before the page's own (CDP's addScriptToEvaluateOnNewDocument, which
// the Content-Security-Policy does not govern).
const fastPollJS = `(() => {
	const setTimeout = window.setTimeout;
	window.__majlisPolls = 0;
	window.setTimeout = function (fn, ms, ...args) {
		if (ms === 30000) {
			window.__majlisPolls++;
			ms = 300;
		}
		return setTimeout.call(this, fn, ms, ...args);
	};
})()`

// fastPolling installs fastPollJS for every page the tab loads from now on.
func (b *tab) fastPolling() {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fastPollJS})
	if err != nil {
		b.t.Fatalf("%s: install the fast polling: %v", b.name, err)
	}
}

// textIs is a condition: the trimmed text of the first match of sel is want.
func textIs(sel, want string) string {
	return fmt.Sprintf(`document.querySelector(%s)?.textContent.trim() === %s`, jsString(sel), jsString(want))
}

// pressed is a condition: the button sel is pressed (aria-pressed).
func pressed(sel string) string {
	return fmt.Sprintf(`document.querySelector(%s)?.getAttribute("aria-pressed") === "true"`, jsString(sel))
}

// TestConversation: alice posts; bob follows her, opens the post, replies
// through the reply box, likes and reposts it, each in place without a
// reload. alice, whose home page was open before bob did anything, sees
// her badge count it without reloading, then the notifications, then
// bob's reply under her post.
func TestConversation(t *testing.T) {
	start := time.Now()
	h := newHarness(t)

	alice := h.newTab("alice", true)
	alice.register("alice", "Alice")
	const question = "Shall we meet at the library tomorrow?"
	alice.typeInto(selComposeBody, question)
	alice.click(selPublish)
	alice.waitUntil("the post is on the timeline", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes(%s)`, jsString(selFirstPost), jsString(question)))
	postPath := eval[string](alice, fmt.Sprintf(`document.querySelector(%s).getAttribute("href")`, jsString(selFirstPost+" a.permalink")))
	if !strings.HasPrefix(postPath, "/@alice/") {
		t.Fatalf("the post's permalink is %q, want /@alice/ID", postPath)
	}
	postID := "post-" + strings.TrimPrefix(postPath, "/@alice/")

	// alice's home page is open before bob does anything, and stays open.
	alice.fastPolling()
	alice.open("/")
	alice.waitVisible(selFirstPost)
	alice.setMarker()
	if n := alice.count(selBadgeCount); n != 0 {
		t.Fatalf("alice's badge shows %q before anyone did anything, want it empty", alice.text(selBadge))
	}

	bob := h.newTab("bob", true)
	bob.register("bob", "Bob")
	bob.open("/@alice")
	bob.click(selFollow)
	bob.waitUntil("the Follow button turns into Unfollow", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(selUnfollow)))

	// bob opens the post from alice's profile.
	bob.clickAndLoad(`[data-testid="timeline"] [data-testid="post"] a.permalink`)
	if loc := bob.location(); !strings.HasSuffix(loc, postPath) {
		t.Fatalf("the post's link leads to %s, want %s", loc, postPath)
	}
	if got := bob.text(selFocus + " " + selPostBody); got != question {
		t.Fatalf("the permalink shows %q, want alice's post", got)
	}
	bob.setMarker()

	// The reply box starts with the author's handle; bob writes after it.
	if got := eval[string](bob, fmt.Sprintf(`document.querySelector(%s).value`, jsString(selReplyBody))); got != "@alice " {
		t.Errorf("the reply box starts with %q, want %q", got, "@alice ")
	}
	const answer = "Yes, at ten by the entrance."
	bob.do("type the reply after the handle",
		chromedp.Focus(chromedp.CSS(selReplyBody)),
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(answer))
	bob.click(selReplySend)
	bob.waitUntil("the reply is under the post", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes(%s)`, jsString(selReplies), jsString(answer)))
	if got := eval[string](bob, fmt.Sprintf(`document.querySelector(%s).value`, jsString(selReplyBody))); got != "@alice " {
		t.Errorf("after replying the reply box holds %q, want it fresh with %q", got, "@alice ")
	}
	if !bob.markerKept() {
		t.Fatal("replying reloaded the page; want the reply added in place by htmx")
	}

	// Like, then repost: the action bar is swapped in place.
	if got := bob.text(selLikeCount); got != "0" {
		t.Errorf("like count before liking = %q, want 0", got)
	}
	bob.click(selLike)
	bob.waitUntil("the like count is 1 and the button pressed", textIs(selLikeCount, "1")+" && "+pressed(selLike))
	bob.click(selRepost)
	bob.waitUntil("the repost count is 1 and the button pressed", textIs(selRepostCnt, "1")+" && "+pressed(selRepost))
	if !bob.markerKept() {
		t.Error("liking or reposting reloaded the page; want the action bar swapped by htmx")
	}
	if got := bob.text(selLikeCount); got != "1" {
		t.Errorf("like count after liking = %q, want 1", got)
	}

	// alice's badge: a follow, a reply, a like and a repost.
	alice.waitUntil("alice's badge shows 4", textIs(selBadgeCount, "4"))
	if got := alice.text(`[data-testid="notif-badge-label"]`); got != "4 unread notifications" {
		t.Errorf("the badge's label = %q, want %q", got, "4 unread notifications")
	}
	if !alice.markerKept() {
		t.Error("the badge changed by a reload; want htmx's polling to swap it in place")
	}
	if polls := eval[int](alice, `window.__majlisPolls`); polls < 2 {
		t.Errorf("htmx set %d timers of 30 s, want the badge's polling to have re-armed itself", polls)
	}

	alice.clickAndLoad(`[data-testid="nav-notifications"]`)
	kinds := eval[[]string](alice, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.dataset.kind)`, jsString(selNote)))
	texts := eval[[]string](alice, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.textContent.replace(/\s+/g, " ").trim())`, jsString(selNote+` [data-testid="note-text"]`)))
	if want := []string{"repost", "like", "reply", "follow"}; !slices.Equal(kinds, want) {
		t.Errorf("notifications %q, want %q (newest first)", kinds, want)
	}
	for i, want := range []string{"Bob reposted your post", "Bob liked your post", "Bob replied to your post", "Bob followed you"} {
		if i >= len(texts) || !strings.Contains(texts[i], want) {
			t.Errorf("notification %d says %q, want it to say %q", i+1, texts, want)
			break
		}
	}
	if got := alice.text(`[data-kind="reply"] [data-testid="note-body"]`); !strings.Contains(got, answer) {
		t.Errorf("the reply notification shows %q, want bob's reply", got)
	}
	// Opening the page marks nothing by itself (a GET changes no state):
	// htmx posts the page's own "mark read" form once the page is shown,
	// which empties the badge and leaves this view's highlights.
	alice.waitUntil("the badge is empty on the notifications page", fmt.Sprintf(`!document.querySelector(%s)`, jsString(selBadgeCount)))
	if n := alice.count(selNote + ".unread"); n != 4 {
		t.Errorf("%d notifications highlighted as new after the badge emptied, want all 4 still", n)
	}
	// "Mark all as read" takes the highlights away, in place.
	alice.setMarker()
	alice.click(`[data-testid="mark-read-button"]`)
	alice.waitUntil("no notification is highlighted and the button is gone",
		fmt.Sprintf(`!document.querySelector(%s) && !document.querySelector('[data-testid="mark-read"]') && document.querySelectorAll(%s).length === 4`,
			jsString(selNote+".unread"), jsString(selNote)))
	if !alice.markerKept() {
		t.Error("Mark all as read reloaded the page; want the list swapped by htmx")
	}

	// The thread: bob's reply under alice's post.
	alice.open(postPath)
	if got := alice.text("#" + postID + " " + selPostBody); got != question {
		t.Errorf("the permalink's post = %q, want alice's question", got)
	}
	replies := eval[[]string](alice, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.textContent.trim())`, jsString(selReplies+" "+selPost+" "+selPostBody)))
	if len(replies) != 1 || !strings.Contains(replies[0], answer) {
		t.Errorf("replies under the post: %q, want bob's", replies)
	}
	if got := alice.text(selReplies + " " + selPost + " .handle"); got != "@bob" {
		t.Errorf("the reply's author = %q, want @bob", got)
	}
	for sel, want := range map[string]string{selLikeCount: "1", selRepostCnt: "1", selFocus + ` [data-testid="reply-count"]`: "1"} {
		if got := alice.text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	t.Logf("conversation flow took %v", time.Since(start).Round(time.Millisecond))
}

// TestContentWarningOpens: a post behind a content warning, written
// through the compose box, shows folded, its warning as the summary; a
// click opens it.
func TestContentWarningOpens(t *testing.T) {
	h := newHarness(t)
	h.seedUser("writer", "")
	w := h.newTab("writer", true)
	w.login("writer")
	w.open("/")
	const warning, body = "film spoilers", "The butler did it."
	// The warning's box shows once the compose box is in use.
	w.typeInto(selComposeBody, body)
	w.typeInto(`[data-testid="compose-cw"]`, warning)
	w.click(selPublish)
	w.waitUntil("the post appears", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(selFirstPost+` [data-testid="cw"]`)))
	link := eval[string](w, fmt.Sprintf(`document.querySelector(%s).getAttribute("href")`, jsString(selFirstPost+" a.permalink")))

	// A visitor, on the post's page.
	v := h.newTab("visitor", true)
	v.open(link)
	cw := selFocus + ` [data-testid="cw"]`
	bodyShown := fmt.Sprintf(`!!document.querySelector(%s)?.checkVisibility()`, jsString(cw+" "+selPostBody))
	isOpen := fmt.Sprintf(`document.querySelector(%s).open`, jsString(cw))
	if eval[bool](v, isOpen) || eval[bool](v, bodyShown) {
		t.Fatal("the post behind a content warning shows open; want it folded")
	}
	if got := v.text(cw + ` [data-testid="cw-summary"]`); got != warning {
		t.Errorf("the summary says %q, want %q", got, warning)
	}
	if strings.Contains(eval[string](v, `document.title`), "butler") {
		t.Errorf("the page title %q gives the body away", eval[string](v, `document.title`))
	}
	v.click(cw + ` [data-testid="cw-summary"]`)
	v.waitUntil("the body shows", isOpen+" && "+bodyShown)
	if got := v.text(cw + " " + selPostBody); got != body {
		t.Errorf("the opened post says %q, want %q", got, body)
	}
}

// TestLikeWithoutJavaScript: without scripts the Like button is a form;
// it posts, the server redirects back to the post, and the count is one
// more.
func TestLikeWithoutJavaScript(t *testing.T) {
	h := newHarness(t)
	author := h.seedUser("amal", "Amal")
	p := h.seedPost(author, "Like me without scripts")
	h.seedUser("bilal", "")
	b := h.newTab("bilal", false)
	b.login("bilal")
	link := "/@amal/" + p.ID.String()
	b.open(link)
	if got := b.text(selLikeCount); got != "0" {
		t.Fatalf("like count = %q, want 0", got)
	}
	b.setMarker()
	b.clickAndLoad(selLike)
	if b.markerKept() {
		t.Fatal("liking without JavaScript did not load a new page")
	}
	if loc := b.location(); !strings.HasSuffix(loc, link+"#post-"+p.ID.String()) {
		t.Errorf("after liking the tab shows %s, want the post back (%s#post-ID)", loc, link)
	}
	if got := b.text(selFlash); got != "You liked the post." {
		t.Errorf("flash = %q, want %q", got, "You liked the post.")
	}
	if got := b.text(selLikeCount); got != "1" {
		t.Errorf("like count after liking = %q, want 1", got)
	}
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%s).getAttribute("aria-pressed")`, jsString(selLike))); got != "true" {
		t.Errorf("the Like button after liking has aria-pressed=%q, want true", got)
	}
	e, err := h.db.Post(0, p.ID)
	if err != nil || e.Post.Likes != 1 {
		t.Errorf("stored likes = %d (%v), want 1", e.Post.Likes, err)
	}
}

// TestNotificationsWithoutJS: without JavaScript, opening the
// notifications marks nothing — reloading shows the same highlights and
// badge — and the "Mark all as read" button, a plain form, does.
func TestNotificationsWithoutJS(t *testing.T) {
	h := newHarness(t)
	reader := h.seedUser("reader", "Reader")
	fan := h.seedUser("fan", "Fan")
	p := h.seedPost(reader, "Something worth liking.")
	if _, err := h.db.Like(fan.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	r := h.newTab("reader", false)
	r.login("reader")
	for range 2 {
		r.open("/notifications")
		if n := r.count(selNote + ".unread"); n != 1 {
			t.Fatalf("%d notifications highlighted as new, want 1 (opening the page marks nothing)", n)
		}
		if got := r.text(selBadgeCount); got != "1" {
			t.Fatalf("the badge shows %q on the notifications page, want 1", got)
		}
	}
	r.clickAndLoad(`[data-testid="mark-read-button"]`)
	if loc := r.location(); !strings.HasSuffix(loc, "/notifications") {
		t.Errorf("Mark all as read leads to %s, want /notifications", loc)
	}
	if n := r.count(selNote + ".unread"); n != 0 {
		t.Errorf("%d notifications highlighted after Mark all as read, want none", n)
	}
	if r.exists(selBadgeCount) {
		t.Errorf("the badge shows %q after Mark all as read, want it empty", r.text(selBadgeCount))
	}
}
