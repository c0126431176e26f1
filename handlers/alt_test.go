package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"majlis/storage"
)

// postWithImages posts body with one image per alt (as the form without
// JavaScript sends them) and returns the post's address and the post.
func postWithImages(t *testing.T, srv *testServer, c *client, author storage.User, body string, alts ...string) (string, storage.Post) {
	t.Helper()
	fields := []formField{{"body", body}}
	var files []formFile
	for i, a := range alts {
		fields = append(fields, formField{"alt", a})
		files = append(files, formFile{"image", "p" + string(rune('a'+i)) + ".png", pngFile(t, gradientImage(60+i, 40))})
	}
	if resp := c.postMultipart("/posts", fields, files, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /posts: got %d, want 303:\n%s", resp.StatusCode, resp.body)
	}
	tl, err := srv.db.AuthorTimeline(author.ID, author.ID, true, storage.Page{Limit: 1})
	if err != nil || len(tl.Entries) != 1 {
		t.Fatalf("the post is not stored: %v", err)
	}
	p := tl.Entries[0].Post
	return "/@" + author.Username + "/" + p.ID.String(), p
}

// altTexts are the descriptions the ALT badges of a page show, in order.
func altTexts(doc *htmlNode) []string {
	var out []string
	for _, b := range byTestID(doc, "alt-badge") {
		for _, p := range byTestID(b, "alt-text") {
			out = append(out, text(p))
		}
	}
	return out
}

func TestAltBadgeAndFullSize(t *testing.T) {
	srv, c, amal := imageServer(t, 0)
	link, p := postWithImages(t, srv, c, amal, "two pictures", "A red kite over the hill", "")
	doc := c.get(link).Doc()
	if got := altTexts(doc); len(got) != 1 || got[0] != "A red kite over the hill" {
		t.Errorf("ALT badges show %q, want only the described image's text", got)
	}
	for _, b := range byTestID(doc, "alt-badge") {
		if b.Data != "details" || len(byTag(b, "summary")) != 1 || text(byTag(b, "summary")[0]) != "ALT" {
			t.Errorf("the badge is a <%s>, want a <details> with an ALT summary", b.Data)
		}
	}
	links := byTestID(doc, "attachment")
	if len(links) != 2 {
		t.Fatalf("%d image links, want 2", len(links))
	}
	for i, a := range links {
		want := storage.MediaPath(p.Attachments[i].Display, p.Attachments[i].ContentType)
		if a.Data != "a" || attr(a, "href") != want {
			t.Errorf("image %d links to %q, want the full-size %q", i+1, attr(a, "href"), want)
		}
		if resp := c.get(want); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", want, resp.StatusCode)
		}
	}
}

func TestAltEditAfterPosting(t *testing.T) {
	srv, amal, amalUser := imageServer(t, 0)
	newUser(t, srv.db, "bilal")
	bilal := srv.newClient(t)
	bilal.login("bilal", "password-bilal")
	link, p := postWithImages(t, srv, amal, amalUser, "a view #hills", "first words", "")

	// The edit page shows each image with its description to correct.
	page := amal.get(link + "/edit")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET edit: %d", page.StatusCode)
	}
	imgs := byTestID(page.Doc(), "edit-image")
	if len(imgs) != 2 {
		t.Fatalf("the edit page shows %d images, want 2", len(imgs))
	}
	if len(byTag(imgs[0], "img")) != 1 {
		t.Errorf("image 1 is not visible while editing")
	}
	fields := byTestID(page.Doc(), "edit-alt")
	if len(fields) != 2 || text(fields[0]) != "first words" || text(fields[1]) != "" {
		t.Fatalf("description fields %d, want 2 holding the descriptions", len(fields))
	}
	if n := len(byTestID(imgs[1], "alt-reminder")); n != 1 {
		t.Errorf("the image without description has %d reminders, want 1", n)
	}

	unchanged := func(why string) {
		t.Helper()
		e, err := srv.db.Post(amalUser.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Post.Attachments[0].Alt != "first words" || e.Post.Attachments[1].Alt != "" || !e.Post.EditedAt.IsZero() {
			t.Errorf("%s: the post changed: %+v", why, e.Post.Attachments)
		}
	}
	tests := []struct {
		name string
		who  *client
		form url.Values
		want int
	}{
		{"another member", bilal, url.Values{"body": {"a view #hills"}, "image_alt": {"mine now", "x"}}, http.StatusForbidden},
		{"too long", amal, url.Values{"body": {"a view #hills"}, "image_alt": {"ok", strings.Repeat("é", storage.MaxAltChars+1)}}, http.StatusBadRequest},
		{"more descriptions than images", amal, url.Values{"body": {"a view #hills"}, "image_alt": {"a", "b", "c"}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.who.postForm(link+"/edit", tt.form, nil)
			if resp.StatusCode != tt.want {
				t.Errorf("POST edit: %d, want %d", resp.StatusCode, tt.want)
			}
			unchanged(tt.name)
		})
	}
	if resp := bilal.get(link + "/edit"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another member's GET edit: %d, want 403", resp.StatusCode)
	}

	resp := amal.postForm(link+"/edit", url.Values{"body": {"a view #hills"}, "image_alt": {"  A red kite over the hill\r\n", "Sheep grazing"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST edit: %d, want 303:\n%s", resp.StatusCode, resp.body)
	}
	doc := bilal.get(link).Doc()
	if got := altTexts(doc); len(got) != 2 || got[0] != "A red kite over the hill" || got[1] != "Sheep grazing" {
		t.Errorf("after the edit the badges show %q", got)
	}
	if imgs := cardImages(t, doc); len(imgs) != 2 || imgs[1].alt != "Sheep grazing" {
		t.Errorf("card images after the edit: %+v", imgs)
	}
	e, _ := srv.db.Post(amalUser.ID, p.ID)
	if e.Post.EditedAt.IsZero() || e.Post.Attachments[0].Display != p.Attachments[0].Display {
		t.Errorf("the edit must mark the post edited and keep its pictures: %+v", e.Post)
	}
	edits, err := srv.db.PostEdits(amalUser.ID, p.ID)
	if err != nil || len(edits) != 1 || len(edits[0].Alts) != 2 || edits[0].Alts[0] != "first words" {
		t.Errorf("history: %+v (%v), want the earlier descriptions kept", edits, err)
	}

	// A form without description fields (an older page) keeps them.
	amal.postForm(link+"/edit", url.Values{"body": {"a view #hills, again"}}, nil)
	if got := altTexts(bilal.get(link).Doc()); len(got) != 2 {
		t.Errorf("an edit without fields dropped descriptions: %q", got)
	}
}
