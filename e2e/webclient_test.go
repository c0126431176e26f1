package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTitleFollowsBadge: a notification that arrives while a page is open
// puts "(1) " in front of its title with the badge's next poll, without a
// reload, in the interface's digits; opening the notifications (which
// marks them read) takes it away.
func TestTitleFollowsBadge(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "أمل")
	bob := h.seedUser("bob", "Bob")
	for _, tc := range []struct{ lang, one string }{{"en", "(1) "}, {"ar", "(١) "}} {
		post := h.seedPost(amal, "A post to like, "+tc.lang)
		b := h.newTab("amal-"+tc.lang, true)
		b.language(tc.lang)
		b.fastPolling()
		b.login("amal")
		b.open("/")
		if title := eval[string](b, `document.title`); strings.HasPrefix(title, "(") {
			t.Fatalf("%s: with nothing unread the title is %q", tc.lang, title)
		}
		b.setMarker()
		if _, err := h.db.Like(bob.ID, post.ID); err != nil {
			t.Fatal(err)
		}
		b.waitUntil("the title counts the like", fmt.Sprintf(`document.title.startsWith(%s)`, jsString(tc.one)))
		if !b.markerKept() {
			t.Errorf("%s: the title changed by a reload; want the badge's polling to change it in place", tc.lang)
		}
		title := eval[string](b, `document.title`)
		if strings.Count(title, "(") != 1 {
			t.Errorf("%s: title %q, want one count in front", tc.lang, title)
		}
		// A second poll with the same count leaves the title alone.
		polls := eval[int](b, `window.__majlisPolls`)
		b.waitUntil("two more polls", fmt.Sprintf(`window.__majlisPolls >= %d`, polls+2))
		if got := eval[string](b, `document.title`); got != title {
			t.Errorf("%s: the title went from %q to %q with no news", tc.lang, title, got)
		}

		b.clickAndLoad(`[data-testid="nav-notifications"]`)
		b.waitUntil("the badge empties", `!document.querySelector('[data-testid="notif-badge"] .count')`)
		b.waitUntil("the title drops its count", `!document.title.startsWith("(")`)
		if got := eval[string](b, `document.title`); got == "" || strings.HasPrefix(got, tc.one) {
			t.Errorf("%s: after reading the notifications the title is %q", tc.lang, got)
		}
	}
}

// TestEmptyBoxesAndEditLimit: in Arabic on a phone, the unused composer
// is small and shows its options once used; the emptied bio and
// post edit boxes start right to left (their placeholders in the
// interface's direction); the edit form's Save is disabled over the
// character limit and its counter says so, as the composer's.
func TestEmptyBoxesAndEditLimit(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "أمل")
	post := h.seedPost(amal, "A post to edit")
	b := h.newTab("amal", true)
	b.language("ar")
	b.viewport(phoneWidth, phoneHeight)
	b.login("amal")

	direction := func(sel string) string {
		return eval[string](b, `getComputedStyle(document.querySelector(`+jsString(sel)+`)).direction`)
	}
	clear := func(sel string) {
		b.do("empty "+sel, chromedp.Evaluate[chromedp.Void](`(e => { e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})) })(document.querySelector(`+jsString(sel)+`))`))
	}
	setText := func(sel, s string) {
		b.do("write in "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(e => { e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true})) })(document.querySelector(%s))`, jsString(s), jsString(sel))))
	}

	// The unused composer is the box and its Publish row; using it shows
	// the warning, visibility and quote permission.
	b.open("/")
	shown := func(sel string) bool {
		return eval[bool](b, `(e => !!e && e.closest(".compose-options, .compose-quote-policy").getBoundingClientRect().height > 0)(document.querySelector(`+jsString(sel)+`))`)
	}
	options := []string{`[data-testid="compose-cw"]`, `[data-testid="compose-visibility"]`, `[data-testid="compose-quote-policy"]`}
	for _, sel := range options {
		if shown(sel) {
			t.Errorf("the unused composer shows %s", sel)
		}
	}
	if h := eval[float64](b, `document.querySelector('[data-testid="compose"]').getBoundingClientRect().height`); h > 200 {
		t.Errorf("the unused composer is %.0fpx high on a phone, want it small", h)
	}
	// (The box grows in 120 ms: wait before pointing at what moved.)
	b.do("focus the compose box", chromedp.Focus(chromedp.CSS(selComposeBody)), chromedp.Sleep(400*time.Millisecond))
	for _, sel := range options {
		if !shown(sel) {
			t.Errorf("the composer in use hides %s", sel)
		}
	}
	b.typeInto(`[data-testid="compose-cw"]`, "تحذير")
	if !shown(`[data-testid="compose-visibility"]`) {
		t.Error("writing the warning hid the rest of the composer")
	}

	b.open("/settings")
	for _, sel := range []string{`[data-testid="field-bio"]`, `[data-testid="field-display_name"]`, `[data-testid="field-link-label-0"]`} {
		clear(sel)
		if got := direction(sel); got != "rtl" {
			t.Errorf("the empty %s is %s in Arabic, want rtl", sel, got)
		}
	}

	b.open("/@amal/" + post.ID.String() + "/edit")
	body, cw, save := `[data-testid="edit-body"]`, `[data-testid="edit-cw"]`, `[data-testid="save"]`
	if got := direction(body); got != "ltr" {
		t.Errorf("the edit box holding Latin text is %s, want ltr", got)
	}
	clear(body)
	if got := direction(body); got != "rtl" {
		t.Errorf("the emptied edit box is %s in Arabic, want rtl", got)
	}
	if got := direction(cw); got != "rtl" {
		t.Errorf("the empty content-warning box is %s in Arabic, want rtl", got)
	}
	disabled := `document.querySelector(` + jsString(save) + `).disabled`
	counter := `document.querySelector('[data-testid="edit-counter"]')`
	setText(body, strings.Repeat("ب", 501))
	if !eval[bool](b, disabled) {
		t.Error("Save is enabled at 501 characters, over the limit")
	}
	b.waitUntil("the edit counter shows the draft over", counter+`.classList.contains("over") && `+counter+`.textContent.includes("٥٠١")`)
	if n := eval[int](b, `document.querySelectorAll('output.counter.over').length`); n != 1 {
		t.Errorf("%d counters show over, want only the edit form's", n)
	}
	setText(body, strings.Repeat("ب", 500))
	if eval[bool](b, disabled) {
		t.Error("Save is disabled at 500 characters, the limit")
	}
	b.waitUntil("the edit counter is back under", `!`+counter+`.classList.contains("over")`)
	b.clickAndLoad(save)
	if got := b.text(`[data-testid="post-body"]`); got != strings.Repeat("ب", 500) {
		t.Errorf("the saved post is %d characters, want the 500 written", len([]rune(got)))
	}
	checkScreenshot(t, b, "arabic-phone-edited.png")
}

// TestReplyBoxDirection: the reply box starts with the author's handle;
// in an Arabic interface it reads right to left from the start, and as
// in the published post, what follows the handle decides its direction.
func TestReplyBoxDirection(t *testing.T) {
	h := newHarness(t)
	h.seedUser("amal", "أمل")
	bob := h.seedUser("bob", "Bob")
	post := h.seedPost(bob, "Hello from Bob")
	for _, tc := range []struct{ lang, start string }{{"ar", "rtl"}, {"en", "ltr"}} {
		b := h.newTab("amal-"+tc.lang, true)
		b.language(tc.lang)
		b.login("amal")
		b.open("/@bob/" + post.ID.String())
		box := `document.querySelector(` + jsString(selReplyBody) + `)`
		if got := eval[string](b, box+`.value`); got != "@bob " {
			t.Fatalf("%s: the reply box holds %q, want @bob", tc.lang, got)
		}
		for _, step := range []struct{ text, want string }{
			{"", tc.start},
			{"شكرًا لك", "rtl"},
			{"thanks", "ltr"},
		} {
			b.do("write "+step.text, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(e => { e.value = "@bob " + %s; e.dispatchEvent(new Event("input", {bubbles: true})) })(%s)`, jsString(step.text), box)))
			if got := eval[string](b, `getComputedStyle(`+box+`).direction`); got != step.want {
				t.Errorf("%s: the reply box holding %q is %s, want %s", tc.lang, "@bob "+step.text, got, step.want)
			}
		}
	}
}
