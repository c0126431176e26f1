package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"majlis/handlers"
	"majlis/storage"
)

// fakeFederation finds one remote account, bob of social.example, whose
// name and bio are in Arabic, and stores it as the resolver would.
type fakeFederation struct{ db *storage.DB }

func (f fakeFederation) Lookup(ctx context.Context, q string) (storage.User, error) {
	if strings.TrimPrefix(q, "@") != "bob@social.example" {
		return storage.User{}, fmt.Errorf("lookup %q: %w", q, storage.ErrNotFound)
	}
	u := storage.User{
		Username: "bob", Domain: "social.example", DisplayName: "بوب البحري",
		URI: "https://social.example/users/bob", ProfileURL: "https://social.example/@bob",
		Inbox:   "https://social.example/users/bob/inbox",
		BioHTML: "<p>أكتب عن البحر والمراكب.</p>",
	}
	return u, f.db.PutRemoteUser(&u)
}

func (f fakeFederation) LookupPost(ctx context.Context, uri string) (storage.Post, error) {
	return storage.Post{}, fmt.Errorf("lookup post %q: %w", uri, storage.ErrNotFound)
}

func (f fakeFederation) SubscribeURL(ctx context.Context, handle, uri string) (string, error) {
	return "", fmt.Errorf("subscribe: %w", storage.ErrNotFound)
}

// TestFollowSomeoneElsewhere: a member looks up @bob@social.example in
// the People box, lands on his profile here (an Arabic name and bio, right
// to left, his handle left to right, in an English and then an Arabic
// interface) and follows him in place; then the admin blocks a domain in
// the administration, without JavaScript.
func TestFollowSomeoneElsewhere(t *testing.T) {
	h := newHarnessWith(t, func(c *handlers.Config, db *storage.DB) { c.Federation = fakeFederation{db: db} })
	h.seedUser("amal", "Amal")
	noor := h.seedUser("noor", "Noor")

	b := h.newTab("noor", true)
	b.login("noor")
	b.clickAndLoad(`[data-testid="nav-people"] a`)
	b.typeInto(`[data-testid="lookup-q"]`, "@nobody@social.example")
	b.clickAndLoad(`[data-testid="lookup-submit"]`)
	if got := b.text(`[data-testid="error-q"]`); !strings.Contains(got, "No account or post was found") {
		t.Errorf("looking up nobody says %q", got)
	}
	eval[string](b, `document.querySelector('[data-testid="lookup-q"]').value = ""`)
	b.typeInto(`[data-testid="lookup-q"]`, "@bob@social.example")
	b.clickAndLoad(`[data-testid="lookup-submit"]`)
	if got := eval[string](b, `location.pathname`); got != "/@bob@social.example" {
		t.Fatalf("after the lookup, the tab is at %q", got)
	}

	checkDirections := func(pageDir, viewOn string) {
		t.Helper()
		if got := eval[string](b, `document.documentElement.dir`); got != pageDir {
			t.Errorf("page dir = %q, want %q", got, pageDir)
		}
		if got := eval[string](b, `getComputedStyle(document.querySelector('#profile-header .display-name')).direction`); got != "rtl" {
			t.Errorf("the Arabic display name runs %q, want rtl", got)
		}
		if got := eval[string](b, `getComputedStyle(document.querySelector('[data-testid="bio"]')).direction`); got != "rtl" {
			t.Errorf("the Arabic bio runs %q, want rtl", got)
		}
		if got := eval[string](b, `getComputedStyle(document.querySelector('[data-testid="handle"]')).direction`); got != "ltr" {
			t.Errorf("the handle runs %q, want ltr", got)
		}
		if got := b.text(`[data-testid="handle"]`); got != "@bob@social.example" {
			t.Errorf("handle = %q", got)
		}
		if got := b.text(`[data-testid="view-on-host"]`); got != viewOn {
			t.Errorf("view-on link says %q, want %q", got, viewOn)
		}
		if got := eval[string](b, `document.querySelector('[data-testid="view-on-host"]').href`); got != "https://social.example/@bob" {
			t.Errorf("view-on link goes to %q", got)
		}
	}
	checkDirections("ltr", "View on social.example")

	b.setMarker()
	b.click(`[data-testid="follow"]`)
	b.waitVisible(`[data-testid="unfollow"], [data-testid="withdraw"]`)
	if !b.markerKept() {
		t.Error("following reloaded the page; want the header swapped by HTMX")
	}
	rel, err := h.db.RelationshipOf(noor.ID, mustRemote(t, h.db).ID)
	if err != nil || !rel.Following && !rel.Requested {
		t.Errorf("after Follow: %+v, %v", rel, err)
	}

	// The same profile in Arabic.
	if _, err := h.db.UpdateProfile(noor.ID, storage.ProfileUpdate{Language: "ar", DisplayName: "Noor"}); err != nil {
		t.Fatalf("choose Arabic: %v", err)
	}
	b.open("/@bob@social.example")
	checkDirections("rtl", "اعرض على social.example")
	checkScreenshot(t, b, "remote-profile-ar.png")

	// The admin suspends a domain, without JavaScript.
	a := h.newTab("amal", false)
	a.login("amal")
	a.open("/admin")
	a.clickAndLoad(`[data-testid="admin-home-domains"]`)
	a.typeInto(`[data-testid="field-domain"]`, "spam.example")
	a.do("choose suspend", chromedp.SetValue(chromedp.CSS(`[data-testid="field-severity"]`), "suspend"))
	a.typeInto(`[data-testid="field-public_comment"]`, "Spam")
	a.clickAndLoad(`[data-testid="save-domain-block"]`)
	if got := a.text(selFlash); !strings.Contains(got, "spam.example") {
		t.Errorf("after saving, flash %q", got)
	}
	if got := a.text(`[data-testid="domain-blocks"] [data-testid="domain-name"]`); got != "spam.example" {
		t.Errorf("the list shows %q", got)
	}
	if p, _ := h.db.PolicyFor("spam.example"); !p.Refused {
		t.Error("spam.example is not refused after the admin's block")
	}
	a.open("/about")
	if got := a.text(`[data-testid="suspended-domain"]`); !strings.Contains(got, "spam.example") {
		t.Errorf("about lists %q", got)
	}
}

func mustRemote(t *testing.T, db *storage.DB) storage.User {
	t.Helper()
	u, err := db.RemoteUser("bob", "social.example")
	if err != nil {
		t.Fatal(err)
	}
	return u
}
