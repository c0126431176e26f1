package twoinstance

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestMoveAcross: olive moves from a.test to olivia on b.test. Her
// followers on b.test move through the Move their server receives, her
// follower on a.test at once; her old profile points to the new one on
// both servers, and takes no new followers.
func TestMoveAcross(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two federating instances; skipped with -short")
	}
	a, b := startPair(t)
	a.register(t, "anna") // the admins
	b.register(t, "bob")
	olive := a.register(t, "olive")
	amir := a.register(t, "amir")
	olivia := b.register(t, "olivia")
	ben := b.register(t, "ben")
	cleo := b.register(t, "cleo")

	// amir (a.test) and ben (b.test) follow olive.
	amir.submit(t, "/@olive/follow", nil)
	oliveOnB := ben.lookup(t, olive.handle())
	ben.submit(t, oliveOnB+"/follow", nil)
	ben.waitPage(t, oliveOnB, `data-testid="unfollow"`)
	olive.waitCount(t, "/@olive", "followers-count", 2)

	// Moving before the new account names the old one is refused.
	code, _, body := olive.form(t, "/settings/move", url.Values{"target": {olivia.handle()}, "current_password": {password}}, false)
	if code != http.StatusForbidden || !strings.Contains(body, "aliases") {
		t.Fatalf("move without the alias: got %d, want 403 saying why: %.300s", code, body)
	}
	// A wrong password moves nothing.
	if code, _, _ := olive.form(t, "/settings/move", url.Values{"target": {olivia.handle()}, "current_password": {"not the password"}}, false); code != http.StatusUnauthorized {
		t.Errorf("move with a wrong password: got %d, want 401", code)
	}

	// olivia names her old account (resolved through b.test's federation).
	olivia.submit(t, "/settings/aliases", url.Values{"alias": {olive.handle()}})
	if got := olivia.user(t).AlsoKnownAs; !slices.Equal(got, []string{olive.actor()}) {
		t.Fatalf("olivia's aliases: %q, want [%s]", got, olive.actor())
	}
	_, actor := fetch(t, b, olivia.actor(), "application/activity+json")
	var doc struct {
		AlsoKnownAs []string `json:"alsoKnownAs"`
		MovedTo     string   `json:"movedTo"`
	}
	if err := json.Unmarshal([]byte(actor), &doc); err != nil || !slices.Equal(doc.AlsoKnownAs, []string{olive.actor()}) {
		t.Fatalf("olivia's actor alsoKnownAs: %q (%v), want olive's", doc.AlsoKnownAs, err)
	}

	if code, _, body := olive.form(t, "/settings/move", url.Values{"target": {olivia.handle()}, "current_password": {password}}, false); code != http.StatusSeeOther {
		i := strings.Index(body, `form-error`)
		t.Fatalf("move: got %d: %s", code, body[i:min(len(body), i+300)])
	}
	if got := olive.user(t).MovedTo; got != olivia.actor() {
		t.Fatalf("olive's movedTo: %q, want %q", got, olivia.actor())
	}
	settle(t, a, b)

	t.Run("the actor says where she went", func(t *testing.T) {
		_, actor := fetch(t, a, olive.actor(), "application/activity+json")
		doc.MovedTo = ""
		if err := json.Unmarshal([]byte(actor), &doc); err != nil || doc.MovedTo != olivia.actor() {
			t.Errorf("olive's actor movedTo: %q (%v), want %q", doc.MovedTo, err, olivia.actor())
		}
	})
	t.Run("the follower elsewhere moved with the Move", func(t *testing.T) {
		oliviaU, benU := olivia.user(t), ben.user(t)
		oldOnB, err := b.db.RemoteUserByURI(olive.actor())
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "ben to follow olivia", func() (bool, string) {
			f, _ := b.db.IsFollowing(benU.ID, oliviaU.ID)
			return f, "not yet"
		})
		if f, _ := b.db.IsFollowing(benU.ID, oldOnB.ID); f {
			t.Error("ben still follows olive@a.test")
		}
		if oldOnB.MovedTo != olivia.actor() {
			t.Errorf("olive@a.test on b.test: movedTo %q, want %q", oldOnB.MovedTo, olivia.actor())
		}
		ben.waitPage(t, "/notifications", `data-kind="move"`)
		page := ben.page(t, oliveOnB)
		if !strings.Contains(page, `data-testid="moved-notice"`) || !strings.Contains(page, `href="/@olivia"`) {
			t.Errorf("olive's profile on b.test does not point to olivia: %.600s", page)
		}
	})
	t.Run("the follower here moved at once", func(t *testing.T) {
		amir.waitPage(t, "/@olivia@b.test", `data-testid="unfollow"`)
		amir.waitPage(t, "/@olive", `data-testid="moved-notice"`, `href="/@olivia@b.test"`)
		if strings.Contains(amir.page(t, "/@olive"), `data-testid="unfollow"`) {
			t.Error("amir still follows olive")
		}
		olivia.waitCount(t, "/@olivia", "followers-count", 2)
	})
	t.Run("the old account takes no new followers", func(t *testing.T) {
		page := cleo.page(t, cleo.lookup(t, olive.handle()))
		if strings.Contains(page, `data-testid="follow"`) {
			t.Error("olive's old profile still offers a follow button")
		}
		if code, _, _ := cleo.form(t, oliveOnB+"/follow", nil, false); code != http.StatusForbidden {
			t.Errorf("following the moved account: got %d, want 403", code)
		}
	})
}
