package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"majlis/storage"
)

// TestMoveHere: a member moves to another account of theirs on the same
// instance. The new account must name the old one first; the move asks
// for the password; the followers' follows move at once, with a
// notification; the old profile points to the new one and takes no new
// followers.
func TestMoveHere(t *testing.T) {
	srv := newTestServer(t)
	old := srv.newClient(t)
	old.register("olive", "password-olive")
	newUser(t, srv.db, "olivia")
	newUser(t, srv.db, "bilal")
	newUser(t, srv.db, "carol")
	olivia := srv.newClient(t)
	olivia.login("olivia", "password-olivia")
	bilal := srv.newClient(t)
	bilal.login("bilal", "password-bilal")
	carol := srv.newClient(t)
	carol.login("carol", "password-carol")
	bilal.postForm("/@olive/follow", nil, nil)

	tests := []struct {
		name string
		form url.Values
		want int
		msg  string
	}{
		{"wrong password", url.Values{"target": {"@olivia"}, "current_password": {"not it at all"}}, http.StatusUnauthorized, "password"},
		{"unknown target", url.Values{"target": {"@nobody"}, "current_password": {"password-olive"}}, http.StatusNotFound, "nobody"},
		{"to itself", url.Values{"target": {"@olive"}, "current_password": {"password-olive"}}, http.StatusBadRequest, "itself"},
		{"target without the alias", url.Values{"target": {"@olivia"}, "current_password": {"password-olive"}}, http.StatusForbidden, "aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := old.postForm("/settings/move", tt.form, nil)
			if resp.StatusCode != tt.want || !strings.Contains(text(oneByTestID(t, resp.Doc(), "form-error")), tt.msg) {
				t.Errorf("got %d %q, want %d saying %q", resp.StatusCode, text(oneByTestID(t, resp.Doc(), "form-error")), tt.want, tt.msg)
			}
			if u, _ := srv.db.LocalUser("olive"); u.MovedTo != "" {
				t.Fatal("a refused move marked the account moved")
			}
		})
	}

	// olivia names olive among her aliases; adding it twice keeps one.
	for range 2 {
		if resp := olivia.postForm("/settings/aliases", url.Values{"alias": {"@olive"}}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add alias: got %d", resp.StatusCode)
		}
	}
	page := olivia.get("/settings/move")
	if n := len(byTestID(page.Doc(), "alias")); n != 1 {
		t.Fatalf("%d aliases listed, want 1", n)
	}
	if resp := olivia.postForm("/settings/aliases", url.Values{"alias": {"@olivia"}}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an account as its own alias: got %d, want 400", resp.StatusCode)
	}

	resp := old.postForm("/settings/move", url.Values{"target": {"@olivia"}, "current_password": {"password-olive"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: got %d: %s", resp.StatusCode, text(oneByTestID(t, resp.Doc(), "form-error")))
	}
	oliveU, _ := srv.db.LocalUser("olive")
	oliviaU, _ := srv.db.LocalUser("olivia")
	bilalU, _ := srv.db.LocalUser("bilal")
	if oliveU.MovedTo != oliviaU.URI {
		t.Errorf("olive moved to %q, want %q", oliveU.MovedTo, oliviaU.URI)
	}
	if f, _ := srv.db.IsFollowing(bilalU.ID, oliviaU.ID); !f {
		t.Error("bilal's follow did not move to olivia")
	}
	if f, _ := srv.db.IsFollowing(bilalU.ID, oliveU.ID); f {
		t.Error("bilal still follows olive")
	}
	if got := bilal.get("/notifications").body; !strings.Contains(got, `data-kind="move"`) {
		t.Error("bilal was not told of the move")
	}

	prof := carol.get("/@olive")
	link := oneByTestID(t, prof.Doc(), "moved-to")
	if attr(link, "href") != "/@olivia" {
		t.Errorf("the moved profile links %q, want /@olivia", attr(link, "href"))
	}
	if len(byTestID(prof.Doc(), "follow")) != 0 {
		t.Error("the moved profile offers a follow button")
	}
	if resp := carol.postForm("/@olive/follow", nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("following a moved account: got %d, want 403", resp.StatusCode)
	}
	// Moving again, elsewhere, is refused; the page says where it went.
	if resp := old.postForm("/settings/move", url.Values{"target": {"@carol"}, "current_password": {"password-olive"}}, nil); resp.StatusCode < 400 {
		t.Errorf("a second move: got %d", resp.StatusCode)
	}
	if len(byTestID(old.get("/settings/move").Doc(), "moved-notice")) != 1 {
		t.Error("the settings page does not say the account moved")
	}
}

// TestImportAfterMove: the new account imports the archive of the moved
// one: its follows, blocks and mutes come along, a follow of an account
// that moved since goes to where it moved, and the posts are imported.
func TestImportAfterMove(t *testing.T) {
	srv := newTestServer(t)
	old := srv.newClient(t)
	old.register("olive", "password-olive")
	for _, n := range []string{"olivia", "bilal", "carim", "dana", "dana2"} {
		newUser(t, srv.db, n)
	}
	id := func(n string) storage.User {
		u, err := srv.db.LocalUser(n)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	old.post("a post that travels")
	for _, n := range []string{"bilal", "dana"} {
		if _, err := srv.db.Follow(id("olive").ID, id(n).ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.db.Block(id("olive").ID, id("carim").ID); err != nil {
		t.Fatal(err)
	}
	zipped := archiveOf(t, exportedArchive(t, old))
	// dana moved meanwhile.
	if _, err := srv.db.SetMovedTo(id("dana").ID, id("dana2").URI); err != nil {
		t.Fatal(err)
	}
	olivia := srv.newClient(t)
	olivia.login("olivia", "password-olivia")
	olivia.postForm("/settings/aliases", url.Values{"alias": {"@olive"}}, nil)
	if resp := old.postForm("/settings/move", url.Values{"target": {"@olivia"}, "current_password": {"password-olive"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: got %d", resp.StatusCode)
	}
	// The moved account can still download its data.
	if again := exportedArchive(t, old); len(again) == 0 {
		t.Fatal("the moved account's export is empty")
	}

	resp := importFile(t, olivia, "majlis-olive.zip", zipped, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: got %d:\n%s", resp.StatusCode, resp.body)
	}
	me := id("olivia")
	for _, tt := range []struct {
		who  string
		want bool
	}{{"bilal", true}, {"dana2", true}, {"dana", false}} {
		if f, _ := srv.db.IsFollowing(me.ID, id(tt.who).ID); f != tt.want {
			t.Errorf("olivia follows %s: %v, want %v", tt.who, f, tt.want)
		}
	}
	if rel, _ := srv.db.RelationshipOf(me.ID, id("carim").ID); !rel.Blocking {
		t.Error("the block of carim did not come along")
	}
	if n := len(postsOf(t, srv.db, me.ID)); n != 1 {
		t.Errorf("olivia has %d posts after the import, want 1", n)
	}
}
