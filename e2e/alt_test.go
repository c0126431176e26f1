package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Image descriptions done once: a field per image chosen, a reminder that
// clears while typing, an ALT badge that shows the description, the full
// size on click, and the description corrected after posting.
const (
	selAltBadge     = `[data-testid="alt-badge"]`
	selAltBadgeText = `[data-testid="alt-badge"] [data-testid="alt-text"]`
	selEditAlt      = `[data-testid="edit-alt"]`
)

// visible tells whether the first element sel matches is shown.
func visible(b *tab, sel string) bool {
	return eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && e.checkVisibility() })()`, jsString(sel)))
}

func TestAltTwoImagesBadgeFullSizeAndEdit(t *testing.T) {
	h := newHarness(t)
	one, two := writePNG(t, "one.png", 320, 200), writePNG(t, "two.png", 200, 320)

	alice := h.newTab("alice", true)
	alice.register("alice", "Alice")
	alice.open("/")
	if visible(alice, selAltFields) {
		t.Error("with JavaScript the fields for images not chosen yet still show")
	}
	alice.typeInto(selComposeBody, "Two pictures")
	alice.do("choose two files", chromedpUpload(selImageInput, one, two))
	alice.waitUntil("a description field for each image", fmt.Sprintf(`document.querySelectorAll(%s).length === 2`, jsString(selPreviewAlt)))
	if n := alice.count(selPreviewAlt); n != 2 {
		t.Fatalf("%d description fields for two images, want 2", n)
	}
	reminders := func() []bool {
		return eval[[]bool](alice, `[...document.querySelectorAll('[data-testid="image-preview"] [data-testid="alt-reminder"]')].map(e => e.checkVisibility())`)
	}
	if got := reminders(); len(got) != 2 || !got[0] || !got[1] {
		t.Fatalf("reminders shown %v, want both", got)
	}
	alice.typeInto(selImagePreview+`:nth-of-type(2) `+selPreviewAlt, "A")
	if got := reminders(); len(got) != 2 || !got[0] || got[1] {
		t.Errorf("after typing one letter the reminders show %v, want only the first", got)
	}
	alice.typeInto(selImagePreview+`:nth-of-type(2) `+selPreviewAlt, " tall blue gradient")
	alice.click(selPublish)
	alice.waitUntil("the post is on top", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes("Two pictures")`, jsString(selFirstPost)))

	// The ALT badge: only on the described image, and it opens.
	if n := alice.count(selFirstPost + " " + selAltBadge); n != 1 {
		t.Fatalf("%d ALT badges, want 1 (one image is described)", n)
	}
	if visible(alice, selFirstPost+" "+selAltBadgeText) {
		t.Error("the description shows before the badge is opened")
	}
	alice.click(selFirstPost + " " + selAltBadge + " > summary")
	alice.waitUntil("the description shows", fmt.Sprintf(`document.querySelector(%s).checkVisibility()`, jsString(selFirstPost+" "+selAltBadgeText)))
	if got := alice.text(selFirstPost + " " + selAltBadgeText); got != "A tall blue gradient" {
		t.Errorf("the badge shows %q", got)
	}

	// Clicking an image opens it at full size.
	postLink := eval[string](alice, fmt.Sprintf(`document.querySelector(%s).getAttribute("href")`, jsString(selFirstPost+" a.permalink")))
	alice.clickAndLoad(selFirstPost + ` [data-testid="attachment"]`)
	if loc := alice.location(); !strings.Contains(loc, "/media/") {
		t.Fatalf("clicking the image went to %q, want the picture under /media/", loc)
	}
	if w := eval[int](alice, `document.images.length ? document.images[0].naturalWidth : 0`); w != 320 {
		t.Errorf("the full-size image is %d wide, want 320", w)
	}

	// The description corrected after posting, on the edit page.
	alice.open(postLink + "/edit")
	if n := eval[int](alice, `[...document.querySelectorAll('[data-testid="edit-image"] img')].filter(i => i.complete && i.naturalWidth > 0).length`); n != 2 {
		t.Errorf("%d images visible while editing, want 2", n)
	}
	alice.typeInto(selEditAlt, "A wide pink gradient")
	alice.clickAndLoad(`[data-testid="save"]`)
	for _, b := range []*tab{alice, h.newTab("visitor", false)} {
		b.open(postLink)
		got := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.textContent.trim())`, jsString(selAltBadgeText)))
		if len(got) != 2 || got[0] != "A wide pink gradient" || got[1] != "A tall blue gradient" {
			t.Errorf("%s: after the edit the badges say %q", b.name, got)
		}
	}
}

// TestAltBadgeNoJS: without JavaScript the badge opens and the image
// link leads to the full-size picture.
func TestAltBadgeNoJS(t *testing.T) {
	h := newHarness(t)
	path := writePNG(t, "door.png", 300, 200)
	alice := h.newTab("alice", false)
	alice.register("alice", "")
	alice.open("/")
	alice.typeInto(selComposeBody, "Our door")
	alice.click(selAltFields)
	alice.typeInto(selFirstAlt, "A red door")
	alice.do("choose the file", chromedpUpload(selImageInput, path))
	alice.clickAndLoad(selPublish)
	alice.click(selFirstPost + " " + selAltBadge + " > summary")
	if !visible(alice, selFirstPost+" "+selAltBadgeText) || alice.text(selFirstPost+" "+selAltBadgeText) != "A red door" {
		t.Errorf("without JavaScript the badge does not show the description")
	}
	alice.clickAndLoad(selFirstPost + ` [data-testid="attachment"]`)
	if loc := alice.location(); !strings.Contains(loc, "/media/") {
		t.Errorf("clicking the image went to %q, want the picture", loc)
	}
}

// chromedpUpload chooses files in a file input.
func chromedpUpload(sel string, paths ...string) chromedp.Action[chromedp.Void] {
	return chromedp.SetUploadFiles(chromedp.CSS(sel), paths)
}
