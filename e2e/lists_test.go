package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestListTimeline makes a list, adds a followed account to it from its
// profile and reads the list, scrolling (or following "Older posts") to
// its second page, with JavaScript and without.
func TestListTimeline(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "js", false: "no js"}[js], func(t *testing.T) {
			h := newHarness(t)
			amal := h.seedUser("amal", "Amal")
			bilal := h.seedUser("bilal", "Bilal")
			chadi := h.seedUser("chadi", "Chadi")
			for _, u := range []string{"bilal", "chadi"} {
				if _, err := h.db.Follow(amal.ID, h.user(u).ID); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 25 {
				h.seedPost(bilal, fmt.Sprintf("Bilal's post %02d", i))
			}
			h.seedPost(chadi, "Chadi is not in the list")

			b := h.newTab("amal", js)
			b.login("amal")

			// Create the list from the lists page.
			b.clickAndLoad(`[data-testid="nav-lists"] a`)
			b.typeInto(`[data-testid="list-title"]`, "Friends")
			b.clickAndLoad(`[data-testid="list-create-submit"]`)
			if got := b.text(`[data-testid="list-heading"]`); got != "Friends" {
				t.Fatalf("after creating, the page's heading is %q, want the list's title", got)
			}
			listURL := b.location()

			// Add bilal from his profile.
			b.open("/@bilal")
			b.click(`[data-testid="add-to-list"]`)
			b.click(`[data-testid^="list-choice-"]`)
			if js {
				b.setMarker()
				b.click(`[data-testid="profile-lists-save"]`)
				b.waitUntil("the header comes back with the list checked",
					`document.querySelector('[data-testid^="list-choice-"]')?.checked === true && !document.querySelector('[data-testid="profile-lists"]').open`)
				if !b.markerKept() {
					t.Error("saving the lists reloaded the page; want the header swapped in place")
				}
			} else {
				b.clickAndLoad(`[data-testid="profile-lists-save"]`)
				if got := b.text(selFlash); got != "Your lists were saved." {
					t.Errorf("flash after saving the lists = %q", got)
				}
			}

			// Read the list: bilal's newest 20, chadi nowhere.
			b.open(strings.TrimPrefix(listURL, h.baseURL))
			texts := b.postTexts()
			if len(texts) != 20 || texts[0] != "Bilal's post 24" {
				t.Fatalf("the list's first page: %d posts, first %q; want 20 starting with Bilal's post 24", len(texts), first(texts))
			}
			for _, s := range texts {
				if strings.Contains(s, "Chadi") {
					t.Errorf("the list shows %q", s)
				}
			}
			if js {
				eval[chromedp.Void](b, `window.scrollTo(0, document.documentElement.scrollHeight)`)
				b.waitUntil("the second page is appended",
					fmt.Sprintf(`document.querySelectorAll(%s).length === 25`, jsString(selTimeline+" "+selPost)))
			} else {
				b.clickAndLoad(selMore)
				if got := b.postTexts(); len(got) != 5 || got[4] != "Bilal's post 00" {
					t.Errorf("the list's second page: %q", got)
				}
			}
			b.saveScreenshot("list-timeline-" + map[bool]string{true: "js", false: "nojs"}[js])
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
