package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"majlis/media"
	"majlis/storage"
)

// seedEmoji stores one of the instance's custom emoji.
func seedEmoji(t *testing.T, h *harness, code string) storage.Emoji {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			if (x-16)*(x-16)+(y-16)*(y-16) < 200 {
				m.SetNRGBA(x, y, color.NRGBA{250, 180, 0, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	img, err := media.Emoji(&b, media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := h.db.PutEmoji(code, storage.File{Data: img.Display.Data, ContentType: img.Display.ContentType, Width: img.Display.Width, Height: img.Display.Height})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEmojiPicker: with JavaScript, choosing an emoji in the composer's
// picker puts its shortcode at the cursor; the post then shows the
// picture. Without JavaScript the picker lists the shortcodes to type.
func TestEmojiPicker(t *testing.T) {
	h := newHarness(t)
	e := seedEmoji(t, h, "sun_face")
	h.seedUser("alice", "Alice")

	alice := h.newTab("alice", true)
	alice.login("alice")
	alice.open("/")
	alice.typeInto(selComposeBody, "Good morning")
	alice.click(`[data-testid="emoji-picker"] > summary`)
	alice.click(`[data-testid="emoji-choice"]`)
	if got := eval[string](alice, fmt.Sprintf(`document.querySelector(%s).value`, jsString(selComposeBody))); got != "Good morning :sun_face: " {
		t.Errorf("the text box holds %q, want the shortcode inserted at the cursor", got)
	}
	// In the middle of the text, at the cursor.
	eval[bool](alice, fmt.Sprintf(`(() => { const t = document.querySelector(%s); t.focus(); t.setSelectionRange(4, 4); return true })()`, jsString(selComposeBody)))
	alice.click(`[data-testid="emoji-choice"]`)
	if got := eval[string](alice, fmt.Sprintf(`document.querySelector(%s).value`, jsString(selComposeBody))); got != "Good :sun_face: morning :sun_face: " {
		t.Errorf("after a second choice the text box holds %q", got)
	}
	alice.click(selPublish)
	alice.waitUntil("the post is on top", fmt.Sprintf(`document.querySelector(%s)?.textContent.includes("morning")`, jsString(selFirstPost)))
	alice.waitUntil("the emoji pictures load", fmt.Sprintf(`[...document.querySelectorAll(%s)].filter(i => i.complete && i.naturalWidth > 0 && i.getAttribute("src") === %s).length === 2`,
		jsString(selFirstPost+` img.emoji`), jsString(e.Path())))
	if alt := eval[string](alice, fmt.Sprintf(`document.querySelector(%s).alt`, jsString(selFirstPost+` img.emoji`))); alt != ":sun_face:" {
		t.Errorf("the picture's alt is %q", alt)
	}

	plain := h.newTab("plain", false)
	plain.login("alice")
	plain.open("/")
	plain.click(`[data-testid="emoji-picker"] > summary`)
	if got := plain.text(`[data-testid="emoji-choice"]`); !strings.Contains(got, ":sun_face:") {
		t.Errorf("without JavaScript the picker shows %q, want the shortcode to type", got)
	}
}
