package e2e

import (
	"strings"
	"testing"
)

// TestQuotePost: a member quotes a post from its card's Quote action,
// with JavaScript turned off; the quote shows the post embedded, and its
// author, told of it, detaches their post.
func TestQuotePost(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "Amal")
	h.seedPost(amal, "Words worth quoting")
	h.seedUser("bilal", "Bilal")

	bilal := h.newTab("bilal", false)
	bilal.login("bilal")
	bilal.open("/@amal")
	bilal.clickAndLoad(`[data-testid="quote-action"]`)
	if got := bilal.text(`[data-testid="compose-quote"]`); !strings.Contains(got, "Words worth quoting") {
		t.Fatalf("the compose box quotes %q", got)
	}
	bilal.typeInto(`[data-testid="compose-body"]`, "So true")
	bilal.clickAndLoad(`[data-testid="publish"]`)
	bilal.open("/@bilal")
	if got := bilal.text(`[data-testid="quoted-body"]`); got != "Words worth quoting" {
		t.Fatalf("the quote embeds %q", got)
	}
	bilal.saveScreenshot("quote-without-js")

	author := h.newTab("amal", true)
	author.login("amal")
	author.open("/notifications")
	author.waitVisible(`[data-kind="quote"]`)
	author.open("/@bilal")
	author.clickAndLoad(`[data-testid="detach"]`)
	author.waitVisible(`[data-testid="quote-removed"]`)
	if author.exists(`[data-testid="quoted-post"]`) {
		t.Errorf("the detached post still shows in the quote")
	}
}
