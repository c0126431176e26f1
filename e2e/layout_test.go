package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"majlis/handlers"
	"majlis/markup"
	"majlis/storage"
)

// The look of the site on a phone and on a desktop, in English and
// Arabic, light and dark: the header, the action row of a post, the
// compose box, direction of text, forms.

const (
	phoneWidth, phoneHeight     = 390, 844
	desktopWidth, desktopHeight = 1280, 900
	selHeader                   = `[data-testid="site-header"]`
	selActions                  = `[data-testid="actions"]`
	arabicMention               = "@bob @alice شكرًا لكم على المساعدة!"
)

// viewport sets the tab's window as a phone's (touch, small) or a
// desktop's.
func (b *tab) viewport(width, height int) {
	b.t.Helper()
	mobile := width < 600
	if _, err := chromedp.Call(b.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(width), Height: int64(height), DeviceScaleFactor: 1, Mobile: mobile,
	}); err != nil {
		b.t.Fatalf("set the viewport to %dx%d: %v", width, height, err)
	}
}

// colorScheme emulates prefers-color-scheme.
func (b *tab) colorScheme(scheme string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		b.t.Fatalf("prefer the %s colour scheme: %v", scheme, err)
	}
}

// language makes the tab's browser ask for lang (Accept-Language).
func (b *tab) language(lang string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": lang},
	}); err != nil {
		b.t.Fatalf("set Accept-Language: %v", err)
	}
}

// seedReply stores a reply by author to parent, as seedPost does a post.
func (h *harness) seedReply(author storage.User, parent storage.Post, src string) storage.Post {
	h.t.Helper()
	// Mentions of bob and alice are linked, as the compose box links them.
	res, err := markup.RenderPost(src, markup.Options{Mention: func(name string) (string, string, bool) {
		return "/@" + name, name, name == "bob" || name == "alice"
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	id := h.db.NewID()
	p := storage.Post{
		ID: id, AuthorID: author.ID, InReplyTo: parent.ID,
		URI:    h.baseURL + "/@" + author.Username + "/" + id.String(),
		Source: src, HTML: res.HTML, Visibility: storage.Public, Local: true,
	}
	if err := h.db.CreatePost(&p); err != nil {
		h.t.Fatalf("create reply %q: %v", src, err)
	}
	return p
}

// layoutWorld is an instance with an admin (amal, who sees the most
// navigation: federation is on), two more members and a thread in two
// languages, with likes.
type layoutWorld struct {
	h                *harness
	amal, bob, alice storage.User
	post, reply      storage.Post
}

func newLayoutWorld(t *testing.T) *layoutWorld {
	h := newHarnessWith(t, func(c *handlers.Config, db *storage.DB) { c.Federation = fakeFederation{db: db} })
	w := &layoutWorld{h: h}
	w.amal = h.seedUser("amal", "أمل الحسن")
	if err := h.db.SetRole(w.amal.ID, storage.RoleAdmin); err != nil {
		t.Fatalf("make amal admin: %v", err)
	}
	w.bob = h.seedUser("bob", "Bob")
	w.alice = h.seedUser("alice", "Alice")
	w.post = h.seedPost(w.bob, "Welcome to the **majlis**, everyone.\n\nمرحبًا بالجميع في المجلس.")
	w.reply = h.seedReply(w.amal, w.post, arabicMention+"\n\n- واحد\n- two\n\n> اقتباس قصير")
	for i := range 8 {
		h.seedPost(w.bob, fmt.Sprintf("Older post %d, long enough to fill a line or two of a phone's screen.", i))
	}
	if _, err := h.db.Like(w.amal.ID, w.post.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

// threadPath is the permalink page of the first post.
func (w *layoutWorld) threadPath() string { return "/@bob/" + w.post.ID.String() }

// TestLayoutScreenshots keeps screenshots of home, a thread and the
// settings at 390 and 1280 pixels, in English and Arabic, light and dark,
// and checks on each that nothing is wider than the window.
func TestLayoutScreenshots(t *testing.T) {
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) { layoutScreenshots(t, lang) })
	}
}

// layoutScreenshots is TestLayoutScreenshots in one language, with its
// own browser (and time budget).
func layoutScreenshots(t *testing.T, lang string) {
	w := newLayoutWorld(t)
	{
		b := w.h.newTab("amal-"+lang, true)
		b.login("amal")
		b.language(lang)
		for _, size := range [][2]int{{phoneWidth, phoneHeight}, {desktopWidth, desktopHeight}} {
			b.viewport(size[0], size[1])
			for _, page := range []struct{ name, path string }{
				{"home", "/"}, {"thread", w.threadPath()}, {"settings", "/settings"},
			} {
				b.open(page.path)
				if got := eval[string](b, `document.documentElement.lang`); got != lang {
					t.Errorf("%s: lang %q, want %q", page.path, got, lang)
				}
				if over := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
					t.Errorf("%s %s %dpx: the page is %dpx wider than the window", lang, page.name, size[0], over)
				}
				// A header that overflows may be clipped rather than widen
				// the page: every place in it stands inside the window, and
				// the brand keeps room to be read.
				if out := eval[string](b, headerOutside); out != "" {
					t.Errorf("%s %s %dpx: header places outside the window or squeezed to nothing: %s", lang, page.name, size[0], out)
				}
				if w := eval[float64](b, `document.querySelector("header.site a.brand").getBoundingClientRect().width`); w < 32 {
					t.Errorf("%s %s %dpx: the brand is %.0fpx wide, want room for it", lang, page.name, size[0], w)
				}
				// The colour scheme changes without a reload.
				for _, scheme := range []string{"light", "dark"} {
					b.colorScheme(scheme)
					checkScreenshot(t, b, fmt.Sprintf("layout-%s-%s-%s-%d.png", page.name, lang, scheme, size[0]))
				}
			}
		}
	}
}

// headerOutside is JavaScript: the header's shown places (links, the menu
// button, the search field) that stand outside the window or were
// squeezed to nothing, named by their text; "" when there are none.
const headerOutside = `[...document.querySelectorAll("header.site .nav-main a, header.site details.nav-more > summary, header.site .site-search input")]
	.filter(e => e.checkVisibility())
	.filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth + 0.5 || r.width < 1 })
	.map(e => (e.textContent.trim() || e.outerHTML.slice(0, 60)))
	.join(", ")`

// oneRow is JavaScript: whether the shown elements matching sel stand in
// one row (every one overlaps the others vertically).
func oneRow(sel string) string {
	return fmt.Sprintf(`(els => Math.max(...els.map(e => e.getBoundingClientRect().top)) < Math.min(...els.map(e => e.getBoundingClientRect().bottom)))([...document.querySelectorAll(%s)].filter(e => e.checkVisibility()))`, jsString(sel))
}

// shown is JavaScript: whether the element sel is rendered (not hidden by
// a closed menu or display:none).
func shown(sel string) string {
	return fmt.Sprintf(`!!document.querySelector(%s)?.checkVisibility()`, jsString(sel))
}

// TestPhoneHeader: on a 390px phone the header is one short row that
// scrolls away with the page; the places not in it are under the menu,
// which opens with and without JavaScript.
func TestPhoneHeader(t *testing.T) {
	w := newLayoutWorld(t)
	for _, js := range []bool{true, false} {
		for _, lang := range []string{"en", "ar"} {
			name := fmt.Sprintf("amal-%s-js=%v", lang, js)
			b := w.h.newTab(name, js)
			b.login("amal")
			b.language(lang)
			b.viewport(phoneWidth, phoneHeight)
			b.open("/local")
			height := eval[float64](b, `document.querySelector(`+jsString(selHeader)+`).getBoundingClientRect().height`)
			if height > 0.15*phoneHeight {
				t.Errorf("%s: the header is %.0fpx high, want under 15%% of %dpx", name, height, phoneHeight)
			}
			if pos := eval[string](b, `getComputedStyle(document.querySelector(`+jsString(selHeader)+`)).position`); pos == "fixed" || pos == "sticky" {
				t.Errorf("%s: the header is position:%s on a phone, want it to scroll away", name, pos)
			}
			if !eval[bool](b, oneRow(`nav.site-nav .brand, nav.site-nav .nav-main > li, [data-testid="nav-more-button"]`)) {
				t.Errorf("%s: the header takes more than one row", name)
			}
			if eval[bool](b, shown(`[data-testid="logout"]`)) {
				t.Errorf("%s: Log out shows before the menu is opened", name)
			}
			// The brand stands at the start of the line: the left in
			// English, the right in Arabic.
			brandRight := eval[float64](b, `document.querySelector('[data-testid="brand"]').getBoundingClientRect().right`)
			if rtl := lang == "ar"; rtl != (brandRight > phoneWidth/2) {
				t.Errorf("%s: the brand ends at x=%.0f, want it at the %s", name, brandRight, map[bool]string{true: "right", false: "left"}[rtl])
			}
			b.click(`[data-testid="nav-more-button"]`)
			b.waitVisible(`[data-testid="logout"]`)
			for _, sel := range []string{`[data-testid="nav-admin"] a`, `[data-testid="nav-people"] a`, `nav.site-nav a[href="/settings"]`} {
				if !eval[bool](b, shown(sel)) {
					t.Errorf("%s: %s is not shown in the open menu", name, sel)
				}
			}
			// Reading: after scrolling, the header is gone from the screen.
			b.do("scroll down", chromedp.Evaluate[chromedp.Void](`window.scrollTo({top: 400, behavior: "instant"})`))
			if y := eval[float64](b, `window.scrollY`); y < 100 {
				t.Fatalf("%s: the page scrolled only %.0fpx; want a page long enough to read", name, y)
			}
			if bottom := eval[float64](b, `document.querySelector(`+jsString(selHeader)+`).getBoundingClientRect().bottom`); bottom > 0 {
				t.Errorf("%s: after scrolling the header still covers %.0fpx of the screen", name, bottom)
			}
		}
	}
}

// TestDesktopHeaderOneRow: from 1024px on, every place of an admin's
// navigation stands in one row, without a menu button, in English and in
// Arabic.
func TestDesktopHeaderOneRow(t *testing.T) {
	w := newLayoutWorld(t)
	for _, lang := range []string{"en", "ar"} {
		b := w.h.newTab("amal-"+lang, true)
		b.login("amal")
		b.language(lang)
		for _, width := range []int{1024, desktopWidth} {
			b.viewport(width, desktopHeight)
			b.open("/settings")
			items := `nav.site-nav .brand, nav.site-nav li`
			if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(items))); n < 10 {
				t.Errorf("%s %dpx: %d items in the header, want the brand and the admin's 9 places", lang, width, n)
			}
			if !eval[bool](b, oneRow(items)) {
				t.Errorf("%s %dpx: the header items take more than one row", lang, width)
			}
			if eval[bool](b, shown(`[data-testid="nav-more-button"]`)) {
				t.Errorf("%s %dpx: the menu button shows; want every place in the row", lang, width)
			}
			// The Search place gives way to the search field itself.
			if n := eval[int](b, `[...document.querySelectorAll("nav.site-nav li:not(.nav-search) a, nav.site-nav li button")].filter(e => !e.checkVisibility()).length`); n != 0 {
				t.Errorf("%s %dpx: %d places of the navigation are hidden", lang, width, n)
			}
			if !eval[bool](b, shown(`[data-testid="site-search"] input`)) || eval[bool](b, shown(`.nav-search a`)) {
				t.Errorf("%s %dpx: want the search field in the row, not the Search place", lang, width)
			}
		}
	}
}

// TestRightToLeftEverywhere: a reply that starts with @mentions and goes
// on in Arabic reads right to left, block by block, in an English page as
// in an Arabic one; handles in translated sentences keep their @ in
// front; an empty box shows its placeholder in the interface's
// direction and follows what is typed; the action row mirrors.
func TestRightToLeftEverywhere(t *testing.T) {
	w := newLayoutWorld(t)
	for _, lang := range []string{"en", "ar"} {
		b := w.h.newTab("amal-"+lang, true)
		b.login("amal")
		b.language(lang)
		b.viewport(phoneWidth, phoneHeight)
		b.open("/")
		card := fmt.Sprintf(`document.getElementById("post-%s")`, w.reply.ID)
		blocks := eval[[]string](b, `[...`+card+`.querySelectorAll('[data-testid="post-body"] p, [data-testid="post-body"] li')].map(e => getComputedStyle(e).direction + " " + getComputedStyle(e).textAlign)`)
		want := []string{"rtl start", "rtl start", "ltr start", "rtl start"}
		if strings.Join(blocks, ",") != strings.Join(want, ",") {
			t.Errorf("%s: the reply's blocks are %q, want %q", lang, blocks, want)
		}
		// The first mention stands at the right edge of the paragraph,
		// where an Arabic sentence starts.
		first := card + `.querySelector('[data-testid="post-body"] p')`
		gap := eval[float64](b, `(p => p.getBoundingClientRect().right - p.querySelector("a.mention").getBoundingClientRect().right)(`+first+`)`)
		if gap > 2 {
			t.Errorf("%s: the first mention ends %.0fpx from the right edge, want it there", lang, gap)
		}
		if mention := eval[string](b, `getComputedStyle(`+first+`.querySelector("a.mention")).unicodeBidi`); mention != "plaintext" {
			t.Errorf("%s: a mention has unicode-bidi %q, want plaintext (isolated, @ in front)", lang, mention)
		}

		// "Replying to @bob": the @ stays in front of the name.
		at := eval[[]float64](b, `(e => { const t = e.firstChild, r = document.createRange(); r.setStart(t, 0); r.setEnd(t, 1); const a = r.getBoundingClientRect().left; r.setStart(t, 1); r.setEnd(t, 2); return [a, r.getBoundingClientRect().left] })(`+card+`.querySelector('[data-testid="replying-to"] bdi'))`)
		if len(at) != 2 || at[0] >= at[1] {
			t.Errorf("%s: in \"replying to @bob\" the @ is at %v, want it left of the b", lang, at)
		}

		// The bilingual post keeps its English paragraph left to right.
		b.open(w.threadPath())
		mixed := eval[[]string](b, fmt.Sprintf(`[...document.getElementById("post-%s").querySelectorAll('[data-testid="post-body"] p')].map(e => getComputedStyle(e).direction)`, w.post.ID))
		if strings.Join(mixed, ",") != "ltr,rtl" {
			t.Errorf("%s: the bilingual post's paragraphs are %q, want ltr,rtl", lang, mixed)
		}

		// The placeholder of the empty compose box reads in the
		// interface's direction; typed Latin text then goes left to right.
		b.open("/")
		box := `document.querySelector(` + jsString(selComposeBody) + `)`
		wantDir := map[string]string{"en": "ltr", "ar": "rtl"}[lang]
		if got := eval[string](b, `getComputedStyle(`+box+`).direction`); got != wantDir {
			t.Errorf("%s: the empty compose box is %s, want %s like the interface", lang, got, wantDir)
		}
		b.typeInto(selComposeBody, "Hello")
		if got := eval[string](b, `getComputedStyle(`+box+`).direction`); got != "ltr" {
			t.Errorf("%s: the compose box holding Latin text is %s, want ltr", lang, got)
		}
		b.open(w.threadPath())
		card = fmt.Sprintf(`document.getElementById("post-%s")`, w.post.ID)

		// The action row mirrors: Reply comes first, at the start side.
		xs := eval[[]float64](b, card+`.querySelector('[data-testid="actions"]') && [...`+card+`.querySelectorAll('[data-testid="reply"], [data-testid="like"]')].map(e => e.getBoundingClientRect().left)`)
		if len(xs) != 2 || (lang == "ar") != (xs[0] > xs[1]) {
			t.Errorf("%s: Reply at x=%v before Like, want it on the %s", lang, xs, map[bool]string{true: "right", false: "left"}[lang == "ar"])
		}
	}
}

// TestActionRow: at 390px the action row of a post is one line, for the
// author (most actions) and for a reader; like, repost and bookmark show
// their state with aria-pressed and a filled icon; nothing in the row
// moves when a count changes.
func TestActionRow(t *testing.T) {
	w := newLayoutWorld(t)
	for _, lang := range []string{"en", "ar"} {
		b := w.h.newTab("alice-"+lang, true)
		b.login("alice")
		b.language(lang)
		b.viewport(phoneWidth, phoneHeight)
		own := w.h.seedPost(w.alice, "My own post with every action "+lang)
		b.open("/local")
		for _, id := range []storage.ID{own.ID, w.post.ID} {
			row := fmt.Sprintf(`#post-%s [data-testid="actions"]`, id)
			if !eval[bool](b, oneRow(row+` > *`)) {
				t.Errorf("%s: the action row of post %s takes more than one line", lang, id)
			}
			if over := eval[float64](b, `(e => e.scrollWidth - e.clientWidth)(document.querySelector(`+jsString(row)+`))`); over > 0 {
				t.Errorf("%s: the action row of post %s overflows by %.0fpx", lang, id, over)
			}
			// Every action has a name for screen readers.
			if n := eval[int](b, `[...document.querySelectorAll(`+jsString(row+` a:not(.count), `+row+` button`)+`)].filter(e => !e.textContent.trim()).length`); n != 0 {
				t.Errorf("%s: %d actions of post %s have no accessible name", lang, n, id)
			}
		}

		row := fmt.Sprintf(`#post-%s [data-testid="actions"]`, w.post.ID)
		positions := `[...document.querySelectorAll(` + jsString(row+` button, `+row+` a`) + `)].map(e => Math.round(e.getBoundingClientRect().left))`
		before := eval[[]float64](b, positions)
		for _, action := range []string{"like", "repost", "bookmark"} {
			sel := row + ` [data-testid="` + action + `"]`
			if got := eval[string](b, `document.querySelector(`+jsString(sel)+`).getAttribute("aria-pressed")`); got != "false" {
				t.Errorf("%s: %s aria-pressed=%q before pressing, want false", lang, action, got)
			}
			b.click(sel)
			b.waitUntil(action+" is pressed", pressed(sel))
			fill := eval[string](b, `getComputedStyle(document.querySelector(`+jsString(sel+` svg`)+`)).fill`)
			colour := eval[string](b, `getComputedStyle(document.querySelector(`+jsString(sel)+`)).color`)
			muted := eval[string](b, `getComputedStyle(document.querySelector(`+jsString(row+` [data-testid="reply"]`)+`)).color`)
			if (fill == "none" && action != "repost") || colour == muted {
				t.Errorf("%s: pressed %s has fill %s and colour %s (unpressed %s), want it to stand out", lang, action, fill, colour, muted)
			}
		}
		if after := eval[[]float64](b, positions); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%s: the action row moved when counts changed: %v, then %v", lang, before, after)
		}
		if got := b.text(row + ` [data-testid="like-count"]`); got != map[string]string{"en": "2", "ar": "٢"}[lang] {
			t.Errorf("%s: like count %q after liking, want 2", lang, got)
		}
		// Undo the marks for the next language's tab.
		for _, action := range []string{"like", "repost", "bookmark"} {
			sel := row + ` [data-testid="` + action + `"]`
			b.click(sel)
			b.waitUntil(action+" is released", "!("+pressed(sel)+")")
		}
	}
}

// TestComposerAndLimit: the compose box is small until focused (also
// without JavaScript); with JavaScript Publish is disabled while the
// draft is over the limit.
func TestComposerAndLimit(t *testing.T) {
	w := newLayoutWorld(t)
	for _, js := range []bool{true, false} {
		b := w.h.newTab(fmt.Sprintf("alice-js=%v", js), js)
		b.login("alice")
		b.viewport(phoneWidth, phoneHeight)
		b.open("/")
		height := `document.querySelector(` + jsString(selComposeBody) + `).getBoundingClientRect().height`
		small := eval[float64](b, height)
		if small > 60 {
			t.Errorf("js=%v: the unused compose box is %.0fpx high, want it small", js, small)
		}
		b.do("focus the compose box", chromedp.Focus(chromedp.CSS(selComposeBody)), chromedp.Sleep(400*time.Millisecond))
		if big := eval[float64](b, height); big < 100 {
			t.Errorf("js=%v: the focused compose box is %.0fpx high, want it grown", js, big)
		}
		if !js {
			continue
		}
		publish := `document.querySelector(` + jsString(selPublish) + `).disabled`
		setBody := func(s string) {
			b.do("write a draft", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(t => { t.value = %s; t.dispatchEvent(new Event("input", {bubbles: true})) })(document.querySelector(%s))`, jsString(s), jsString(selComposeBody))))
		}
		setBody(strings.Repeat("ب", 500))
		if eval[bool](b, publish) {
			t.Error("Publish is disabled at 500 characters, the limit")
		}
		setBody(strings.Repeat("ب", 500) + "😀")
		if !eval[bool](b, publish) {
			t.Error("Publish is enabled at 501 characters, over the limit")
		}
		b.waitUntil("the counter shows the draft over", `document.querySelector(`+jsString(selCounter)+`).classList.contains("over")`)
		setBody(strings.Repeat("😀", 500))
		if eval[bool](b, publish) {
			t.Error("Publish is disabled at 500 emoji, which count one each")
		}
	}
}

// TestReplyAnchor: following Reply from a timeline lands on the reply box
// below the (sticky, on a desktop) header, the cursor in it.
func TestReplyAnchor(t *testing.T) {
	w := newLayoutWorld(t)
	b := w.h.newTab("alice", true)
	b.login("alice")
	b.viewport(desktopWidth, 700)
	b.open("/local")
	b.clickAndLoad(fmt.Sprintf(`#post-%s [data-testid="reply"]`, w.post.ID))
	b.waitUntil("the reply box has the focus", `document.activeElement && document.activeElement.matches('#reply textarea[name="body"]')`)
	headerBottom := eval[float64](b, `document.querySelector(`+jsString(selHeader)+`).getBoundingClientRect().bottom`)
	boxTop := eval[float64](b, `document.getElementById("reply").getBoundingClientRect().top`)
	if boxTop < headerBottom {
		t.Errorf("the reply box starts at y=%.0f, under the header that ends at y=%.0f", boxTop, headerBottom)
	}
}

// TestFormsFinished: the sign-up form carries the server's rules as
// hints; a profile link typed without https:// is saved with it; a field
// the server refused is outlined.
func TestFormsFinished(t *testing.T) {
	w := newLayoutWorld(t)
	visitor := w.h.newTab("visitor", true)
	visitor.open("/register")
	for sel, want := range map[string]string{
		`[data-testid="field-username"]`: "required=,maxlength=30,pattern=[A-Za-z0-9_]+",
		`[data-testid="field-password"]`: "required=,minlength=8,maxlength=72",
	} {
		got := eval[string](visitor, `(e => ["required", "minlength", "maxlength", "pattern"].filter(a => e.hasAttribute(a)).map(a => a + "=" + e.getAttribute(a)).join(","))(document.querySelector(`+jsString(sel)+`))`)
		if got != want {
			t.Errorf("%s: constraints %q, want %q", sel, got, want)
		}
	}

	b := w.h.newTab("alice", true)
	b.login("alice")
	b.viewport(phoneWidth, phoneHeight)
	b.open("/settings")
	b.typeInto(`[data-testid="field-link-label-0"]`, "Site")
	b.typeInto(`[data-testid="field-link-url-0"]`, "example.org/alice")
	b.clickAndLoad(`[data-testid="save-profile"]`)
	if got := eval[string](b, `document.querySelector('[data-testid="field-link-url-0"]').value`); got != "https://example.org/alice" {
		t.Errorf("the saved link is %q, want https://example.org/alice", got)
	}
	b.open("/@alice")
	if !b.exists(`a[href="https://example.org/alice"]`) {
		t.Error("the profile does not link to https://example.org/alice")
	}

	// A refused field is outlined in the danger colour.
	b.open("/settings")
	b.do("clear the label", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="field-link-label-0"]').value = ""`))
	b.clickAndLoad(`[data-testid="save-profile"]`)
	sel := `[data-testid="field-link-label-0"]`
	if got := eval[string](b, `document.querySelector(`+jsString(sel)+`).getAttribute("aria-invalid")`); got != "true" {
		t.Fatalf("the refused label has aria-invalid=%q, want true", got)
	}
	if got := eval[string](b, `getComputedStyle(document.querySelector(`+jsString(sel)+`)).outlineStyle`); got == "none" {
		t.Error("the refused field has no outline")
	}
}
