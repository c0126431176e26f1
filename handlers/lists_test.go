package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/handlers"
	"majlis/storage"
)

// signedIn makes an account and a client logged in as it.
func signedIn(t *testing.T, srv *testServer, name string) (storage.User, *client) {
	t.Helper()
	u := newUser(t, srv.db, name)
	c := srv.newClient(t)
	c.login(name, "password-"+name)
	return u, c
}

func mustFollow(t *testing.T, db *storage.DB, a, b storage.User) {
	t.Helper()
	if _, err := db.Follow(a.ID, b.ID); err != nil {
		t.Fatalf("follow: %v", err)
	}
}

// publish posts through the compose form with a visibility.
func publish(t *testing.T, c *client, body string, vis storage.Visibility) {
	t.Helper()
	resp := c.postForm("/posts", url.Values{"body": {body}, "visibility": {string(vis)}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post %q: got %d: %s", body, resp.StatusCode, resp.body)
	}
}

func TestListPages(t *testing.T) {
	srv := newTestServer(t)
	amal, ac := signedIn(t, srv, "amal")
	bilal := newUser(t, srv.db, "bilal")
	chadi := newUser(t, srv.db, "chadi")
	mustFollow(t, srv.db, amal, bilal)
	mustFollow(t, srv.db, amal, chadi)

	if resp := ac.postForm("/lists", url.Values{"title": {"  "}}, nil); resp.StatusCode != http.StatusBadRequest ||
		len(byTestID(resp.Doc(), "form-error")) != 1 {
		t.Fatalf("an empty title: got %d, want 400 with the form's error", resp.StatusCode)
	}
	resp := ac.postForm("/lists", url.Values{"title": {"Friends"}, "replies_policy": {"list"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/lists/") {
		t.Fatalf("create: got %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	listURL := resp.Header.Get("Location")
	listID := strings.TrimPrefix(listURL, "/lists/")

	// The "Add to list" control is on the profile of someone amal follows.
	prof := ac.get("/@bilal")
	if len(byTestID(prof.Doc(), "list-choice-"+listID)) != 1 {
		t.Fatal("no checkbox for the list on bilal's profile")
	}
	if other := srv.newClient(t); len(byTestID(other.get("/@bilal").Doc(), "profile-lists")) != 0 {
		t.Error("a visitor sees the Add to list control")
	}
	if resp := ac.postForm("/@bilal/lists", url.Values{"list": {listID}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add bilal: got %d: %s", resp.StatusCode, resp.body)
	}
	if prof := ac.get("/@bilal"); !hasAttr(oneByTestID(t, prof.Doc(), "list-choice-"+listID), "checked") {
		t.Error("the list is not checked on bilal's profile after adding him")
	}
	// Under htmx the form answers with the profile header.
	if resp := ac.postForm("/@bilal/lists", url.Values{"list": {listID}}, htmxHeader()); resp.StatusCode != http.StatusOK ||
		len(byTestID(resp.Doc(), "profile-header")) != 1 {
		t.Errorf("add under htmx: got %d without the header", resp.StatusCode)
	}

	for i := range 25 {
		newPost(t, srv.db, bilal, fmt.Sprintf("bilalword%02d", i))
	}
	newPost(t, srv.db, chadi, "chadiword")

	page := ac.get(listURL)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("list page: %d", page.StatusCode)
	}
	if !strings.Contains(page.body, "bilalword24") || strings.Contains(page.body, "chadiword") {
		t.Error("the list shows posts of someone not in it, or not those of its member")
	}
	more := byTestID(page.Doc(), "more")
	if len(more) != 1 {
		t.Fatal("no More link on a list of 25 posts")
	}
	next := ac.getHX(attr(more[0], "href"))
	if !next.isFragment() || !strings.Contains(next.body, "bilalword00") || strings.Contains(next.body, "bilalword24") {
		t.Errorf("the next page (htmx) does not carry on: %s", next.body)
	}
	if plain := ac.get(attr(more[0], "href")); plain.StatusCode != http.StatusOK || !strings.Contains(plain.body, "bilalword00") {
		t.Error("the More link does not work without JavaScript")
	}

	t.Run("someone else's list", func(t *testing.T) {
		_, dc := signedIn(t, srv, "dina")
		for _, path := range []string{listURL, listURL + "/edit"} {
			if got := dc.get(path).StatusCode; got != http.StatusNotFound {
				t.Errorf("dina GET %s: %d, want 404", path, got)
			}
		}
		if got := dc.postForm(listURL+"/delete", nil, nil).StatusCode; got != http.StatusNotFound {
			t.Errorf("dina deletes amal's list: %d, want 404", got)
		}
		if got := dc.postForm("/@bilal/lists", url.Values{"list": {listID}}, nil).StatusCode; got != http.StatusNotFound {
			t.Errorf("dina adds to amal's list: %d, want 404", got)
		}
	})

	t.Run("exclusive", func(t *testing.T) {
		if !strings.Contains(ac.get("/").body, "bilalword24") {
			t.Fatal("bilal's post is not on home before the list is exclusive")
		}
		resp := ac.postForm(listURL, url.Values{"title": {"Close friends"}, "replies_policy": {"none"}, "exclusive": {"1"}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d", resp.StatusCode)
		}
		home := ac.get("/").body
		if strings.Contains(home, "bilalword24") || !strings.Contains(home, "chadiword") {
			t.Error("an exclusive list's member is still on home (or chadi is gone)")
		}
		if l, err := srv.db.List(amal.ID, mustID(t, listID)); err != nil || l.Title != "Close friends" || l.Replies != storage.RepliesNone {
			t.Errorf("after the update: %+v, %v", l, err)
		}
	})

	t.Run("unfollow leaves the list", func(t *testing.T) {
		if resp := ac.postForm("/@bilal/unfollow", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("unfollow: %d", resp.StatusCode)
		}
		edit := ac.get(listURL + "/edit")
		if len(byTestID(edit.Doc(), "list-member")) != 0 {
			t.Error("bilal is still a member after the unfollow")
		}
		if strings.Contains(ac.get(listURL).body, "bilalword") {
			t.Error("the list still shows bilal's posts after the unfollow")
		}
	})

	t.Run("delete", func(t *testing.T) {
		if resp := ac.postForm(listURL+"/delete", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		if got := ac.get(listURL).StatusCode; got != http.StatusNotFound {
			t.Errorf("the deleted list answers %d", got)
		}
		if len(byTestID(ac.get("/lists").Doc(), "list-link")) != 0 {
			t.Error("the deleted list is still on /lists")
		}
	})
}

func TestFilterPages(t *testing.T) {
	clock := newFakeClock()
	srv := newTestServerWith(t, serverOptions{
		config:  func(c *handlers.Config) { c.Now = clock.Now },
		storage: func(o *storage.Options) { o.Now = clock.Now },
	})
	amal, ac := signedIn(t, srv, "amal")
	bilal := newUser(t, srv.db, "bilal")
	mustFollow(t, srv.db, amal, bilal)
	newPost(t, srv.db, bilal, "the Ending was sad, postone")
	newPost(t, srv.db, bilal, "endings are fine, posttwo")

	resp := ac.postForm("/filters", url.Values{"title": {"Spoilers"}, "context": {"home"}, "action": {"warn"},
		"keyword": {"ending"}, "whole_word": {"1"}, "expires_in": {""}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d: %s", resp.StatusCode, resp.body)
	}
	filters, err := srv.db.Filters(amal.ID)
	if err != nil || len(filters) != 1 {
		t.Fatalf("filters: %v %v", filters, err)
	}
	fpath := "/filters/" + filters[0].ID.String()

	// folded tells whether the page shows the word folded behind the
	// filter's warning, and shown whether it shows it at all.
	look := func(path, word string) (shown, folded bool) {
		t.Helper()
		doc := ac.get(path)
		for _, d := range byTestID(doc.Doc(), "filtered") {
			if strings.Contains(text(d), word) {
				if !strings.Contains(text(d), "Spoilers") {
					t.Errorf("%s: the warning does not name the filter", path)
				}
				folded = true
			}
		}
		return strings.Contains(doc.body, word), folded
	}
	for _, tt := range []struct {
		path, word    string
		shown, folded bool
	}{
		{"/", "postone", true, true},
		{"/", "posttwo", true, false}, // "endings" is not the whole word
		{"/@bilal", "postone", true, false},
	} {
		if shown, folded := look(tt.path, tt.word); shown != tt.shown || folded != tt.folded {
			t.Errorf("warn: %s %s: shown %v folded %v, want %v %v", tt.path, tt.word, shown, folded, tt.shown, tt.folded)
		}
	}

	// Hide, on home and profiles, for 30 minutes.
	resp = ac.postForm(fpath, url.Values{"title": {"Spoilers"}, "context": {"home", "account"}, "action": {"hide"}, "expires_in": {"1800"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d: %s", resp.StatusCode, resp.body)
	}
	for _, path := range []string{"/", "/@bilal"} {
		if shown, _ := look(path, "postone"); shown {
			t.Errorf("hide: %s still shows the post", path)
		}
		if shown, _ := look(path, "posttwo"); !shown {
			t.Errorf("hide: %s lost the other post", path)
		}
	}
	if shown, _ := look("/local", "postone"); !shown {
		t.Error("hide: the local timeline, not in the filter's contexts, hides the post")
	}
	clock.Advance(31 * time.Minute)
	if shown, folded := look("/", "postone"); !shown || folded {
		t.Errorf("after the expiry: shown %v folded %v, want the post as it is", shown, folded)
	}

	// Keywords: add a substring one, remove it; an invalid form changes nothing.
	resp = ac.postForm(fpath, url.Values{"title": {""}, "context": {"home"}, "action": {"hide"}, "expires_in": {""}}, nil)
	if resp.StatusCode != http.StatusBadRequest || len(byTestID(resp.Doc(), "form-error")) != 1 {
		t.Errorf("an empty title: got %d", resp.StatusCode)
	}
	if f, _ := srv.db.Filter(amal.ID, filters[0].ID); f.Title != "Spoilers" {
		t.Errorf("a refused update changed the filter: %+v", f)
	}
	resp = ac.postForm(fpath, url.Values{"title": {"Spoilers"}, "context": {"home"}, "action": {"hide"}, "expires_in": {""}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	if resp := ac.postForm(fpath+"/keywords", url.Values{"keyword": {"ENDINGS"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add keyword: %d", resp.StatusCode)
	}
	if shown, _ := look("/", "posttwo"); shown {
		t.Error("the added keyword (any case, substring) does not hide the post")
	}
	f, _ := srv.db.Filter(amal.ID, filters[0].ID)
	if len(f.Keywords) != 2 {
		t.Fatalf("keywords: %+v", f.Keywords)
	}
	if resp := ac.postForm(fpath+"/keywords/"+f.Keywords[1].ID.String()+"/delete", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove keyword: %d", resp.StatusCode)
	}
	if shown, _ := look("/", "posttwo"); !shown {
		t.Error("the removed keyword still hides the post")
	}

	// Someone else's filter does not exist for them.
	_, dc := signedIn(t, srv, "dina")
	if got := dc.get(fpath).StatusCode; got != http.StatusNotFound {
		t.Errorf("dina reads amal's filter: %d", got)
	}
	if resp := ac.postForm(fpath+"/delete", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if shown, folded := look("/", "postone"); !shown || folded {
		t.Error("the deleted filter still applies")
	}

	t.Run("notifications and own posts", func(t *testing.T) {
		bc := srv.newClient(t)
		bc.login("bilal", "password-bilal")
		publish(t, bc, "@amal the ending, notifword", storage.Public)
		ac.post("my own ending, ownword")
		resp := ac.postForm("/filters", url.Values{"title": {"Spoilers"}, "context": {"home", "notifications"}, "action": {"warn"},
			"keyword": {"ending"}, "whole_word": {"1"}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		notes := ac.get("/notifications").body
		if !strings.Contains(notes, "notifword") || !strings.Contains(notes, "Filtered: Spoilers") {
			t.Error("warn: the mention is not shown folded behind the filter's name")
		}
		if _, folded := look("/", "ownword"); folded {
			t.Error("amal's own post is folded by her filter")
		}
		all, _ := srv.db.Filters(amal.ID)
		path := "/filters/" + all[0].ID.String()
		resp = ac.postForm(path, url.Values{"title": {"Spoilers"}, "context": {"notifications"}, "action": {"hide"}, "expires_in": {"keep"}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d", resp.StatusCode)
		}
		if strings.Contains(ac.get("/notifications").body, "notifword") {
			t.Error("hide: the mention is still in the notifications")
		}
	})
}

func TestFollowedTagPages(t *testing.T) {
	srv := newTestServer(t)
	_, ac := signedIn(t, srv, "amal")
	_, sc := signedIn(t, srv, "stranger")
	publish(t, sc, "tagpublicword #Café", storage.Public)
	publish(t, sc, "tagunlistedword #café", storage.Unlisted)
	publish(t, sc, "tagfollowersword #cafe", storage.FollowersOnly)
	publish(t, sc, "tagdirectword #café @amal", storage.Direct)

	tag := ac.get("/tags/caf%C3%A9")
	if len(byTestID(tag.Doc(), "tag-follow")) != 1 {
		t.Fatal("no Follow button on the tag page")
	}
	if len(byTestID(srv.newClient(t).get("/tags/caf%C3%A9").Doc(), "tag-follow")) != 0 {
		t.Error("a visitor gets a Follow button")
	}
	if resp := ac.postForm("/tags/CAF%C3%89/follow", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: %d", resp.StatusCode)
	}
	if len(byTestID(ac.get("/tags/caf%C3%A9").Doc(), "tag-unfollow")) != 1 {
		t.Error("no Unfollow button after following")
	}
	home := ac.get("/").body
	if !strings.Contains(home, "tagpublicword") {
		t.Error("the followed tag's public post is not on home")
	}
	for _, w := range []string{"tagunlistedword", "tagfollowersword"} {
		if strings.Contains(home, w) {
			t.Errorf("home shows %s through the followed tag", w)
		}
	}
	if settings := ac.get("/settings/tags"); len(byTestID(settings.Doc(), "followed-tag")) != 1 {
		t.Error("the settings page does not list the followed tag")
	}
	resp := ac.postForm("/tags/caf%C3%A9/unfollow", url.Values{"next": {"/settings/tags"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/tags" {
		t.Fatalf("unfollow: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if strings.Contains(ac.get("/").body, "tagpublicword") {
		t.Error("home still shows the tag's post after unfollowing it")
	}
}
