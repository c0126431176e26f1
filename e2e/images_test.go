package e2e

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Selectors of the images part of the compose box and of post cards.
const (
	selImageInput   = `[data-testid="image-input"]`
	selImagePreview = `[data-testid="image-preview"]`
	selPreviewAlt   = `[data-testid="preview-alt"]`
	selAltReminder  = `[data-testid="alt-reminder"]`
	selAltFields    = `[data-testid="alt-fields"] > summary`
	selFirstAlt     = `[data-testid="alt-1"]`
	selCardImage    = `[data-testid="timeline"] > [data-testid="post"]:first-of-type [data-testid="attachment-img"]`
)

// writePNG writes a w×h PNG to the test's temporary directory and returns
// its path, for the file input.
func writePNG(t *testing.T, name string, w, h int) string {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), 90, uint8(y * 255 / h), 255})
		}
	}
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkCardImage checks that the newest post on the timeline shows one
// image with the description as its alt text, and that the browser
// loaded it (the media route served it within the page's CSP).
func checkCardImage(t *testing.T, b *tab, alt string) {
	t.Helper()
	b.waitUntil("the new post's image has loaded",
		fmt.Sprintf(`(() => { const i = document.querySelector(%s); return !!i && i.complete && i.naturalWidth > 0 })()`, jsString(selCardImage)))
	if n := b.count(selCardImage); n != 1 {
		t.Fatalf("%s: the new post shows %d images, want 1", b.name, n)
	}
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%s).getAttribute("alt")`, jsString(selCardImage))); got != alt {
		t.Errorf("%s: the image's alt is %q, want %q", b.name, got, alt)
	}
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%s).closest("a").getAttribute("href")`, jsString(selCardImage))); len(got) < len("/media/") || got[:7] != "/media/" {
		t.Errorf("%s: the image links to %q, want its display version under /media/", b.name, got)
	}
}

// TestImageWithAltText: with JavaScript, choosing a file uploads it at
// once and shows a preview with a reminder to describe it; the
// description typed there goes out with the post, which appears without
// a reload, its image carrying the description as alt text.
func TestImageWithAltText(t *testing.T) {
	h := newHarness(t)
	path := writePNG(t, "sunrise.png", 320, 200)

	alice := h.newTab("alice", true)
	alice.register("alice", "Alice")
	alice.setMarker()
	alice.typeInto(selComposeBody, "Good morning")
	alice.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(selImageInput), []string{path}))
	alice.waitUntil("the preview is shown", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(selImagePreview)))
	if !alice.exists(selAltReminder) {
		t.Error("a preview without a description shows no reminder")
	}
	if got := eval[bool](alice, fmt.Sprintf(`document.querySelector(%s).querySelector("img").naturalWidth > 0`, jsString(selImagePreview))); !got {
		t.Error("the preview's thumbnail did not load")
	}
	const alt = "The sun rising over a blue sea"
	alice.typeInto(selPreviewAlt, alt)
	if shown := eval[bool](alice, fmt.Sprintf(`document.querySelector(%s).checkVisibility()`, jsString(selAltReminder))); shown {
		t.Error("the reminder still shows once a description is typed")
	}
	alice.click(selPublish)
	alice.waitUntil("the new post is on top", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes("Good morning")`, jsString(selFirstPost)))
	if !alice.markerKept() {
		t.Fatal("publishing reloaded the page; want the post added in place by HTMX")
	}
	checkCardImage(t, alice, alt)
	alice.waitUntil("the compose box is emptied", fmt.Sprintf(`!document.querySelector(%s)`, jsString(selImagePreview)))

	// Another member, on a fresh page load, sees the same.
	bob := h.newTab("bob", true)
	bob.register("bob", "")
	bob.open("/local")
	checkCardImage(t, bob, alt)
}

// TestImageWithAltTextNoJS: without JavaScript the description is typed
// in its field first, the file chosen, and both go with the post in one
// form submission.
func TestImageWithAltTextNoJS(t *testing.T) {
	h := newHarness(t)
	path := writePNG(t, "door.png", 200, 300)

	alice := h.newTab("alice", false)
	alice.register("alice", "Alice")
	if eval[bool](alice, `typeof window.htmx !== "undefined"`) {
		t.Fatal("htmx is loaded, so JavaScript is on; want it off for this test")
	}
	alice.open("/")
	alice.typeInto(selComposeBody, "Our new door")
	alice.click(selAltFields)
	const alt = "A red wooden door with a brass knocker"
	alice.typeInto(selFirstAlt, alt)
	alice.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(selImageInput), []string{path}))
	alice.setMarker()
	alice.clickAndLoad(selPublish)
	if alice.markerKept() {
		t.Fatal("publishing without JavaScript did not load a new page")
	}
	if got := alice.text(selFlash); got != "Your post is published." {
		t.Errorf("flash %q, want %q", got, "Your post is published.")
	}
	checkCardImage(t, alice, alt)
}
