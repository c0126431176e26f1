package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"majlis/storage"
)

func TestDeleteOwnAccount(t *testing.T) {
	srv, amal, me := imageServer(t, 0)
	bilal := srv.newClient(t)
	bu := newUser(t, srv.db, "bilal")
	bilal.login("bilal", "password-bilal")

	const phrase = "zebra-quartz-unique-phrase"
	resp := amal.postMultipart("/posts", []formField{{"body", phrase + " with a picture"}, {"alt", "noise"}},
		[]formFile{{"image", "n.png", noisePNG(t, 64, 64)}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /posts: got %d", resp.StatusCode)
	}
	link := newestLink(t, srv.db, "amal")
	mediaPath := ""
	for _, im := range cardImages(t, amal.get(link).Doc()) {
		mediaPath = im.href
	}
	if mediaPath == "" {
		t.Fatal("the post shows no image")
	}
	amal.publish(url.Values{"body": {"@bilal " + phrase + " mention"}})
	theirs := newPost(t, srv.db, bu, "bilal's own words")
	if _, err := srv.db.Like(me.ID, theirs.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.Follow(me.ID, bu.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.Follow(bu.ID, me.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.db.Bookmark(me.ID, theirs.ID); err != nil {
		t.Fatal(err)
	}
	if got := bilal.get("/notifications").body; !strings.Contains(got, "amal") {
		t.Fatal("bilal has no notification from amal before the deletion")
	}
	// An image uploaded for a post never sent: its files are amal's too.
	up := amal.postMultipart("/media/upload", nil, []formFile{{"image", "draft.png", noisePNG(t, 600, 40)}}, htmxHeader())
	if up.StatusCode != http.StatusOK {
		t.Fatalf("upload: got %d", up.StatusCode)
	}
	part := oneByTestID(t, up.Doc(), "compose-images")
	pending := previewHashes(t, part)
	thumb, _, _ := strings.Cut(strings.TrimPrefix(attr(byTag(part, "img")[0], "src"), "/media/"), ".")
	pending = append(pending, thumb)
	var pendingBytes [][]byte
	for _, h := range pending {
		if err := srv.db.ServeMedia(h, func(_ storage.Media, data []byte) error {
			pendingBytes = append(pendingBytes, bytes.Clone(data))
			return nil
		}); err != nil {
			t.Fatalf("the pending upload's file %s: %v", h, err)
		}
	}
	u, err := srv.db.LocalUser("amal")
	if err != nil {
		t.Fatal(err)
	}
	hash := u.PasswordHash

	t.Run("wrong password", func(t *testing.T) {
		resp := amal.postForm("/settings/data/delete", url.Values{"password": {"not-it"}}, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("got %d, want 403", resp.StatusCode)
		}
		if got := amal.get(link).StatusCode; got != http.StatusOK {
			t.Errorf("the post answers %d after a refused deletion, want 200", got)
		}
		if _, err := srv.db.LocalUser("amal"); err != nil {
			t.Errorf("the account is gone after a refused deletion: %v", err)
		}
	})

	resp = amal.postForm("/settings/data/delete", url.Values{"password": {"password-amal"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: got %d, want 303:\n%s", resp.StatusCode, resp.body)
	}

	for _, tt := range []struct {
		name   string
		c      *client
		path   string
		status int
	}{
		{"profile", bilal, "/@amal", http.StatusNotFound},
		{"permalink", bilal, link, http.StatusNotFound},
		{"media", bilal, mediaPath, http.StatusNotFound},
		{"home", bilal, "/", http.StatusOK},
		{"local", bilal, "/local", http.StatusOK},
		{"notifications", bilal, "/notifications", http.StatusOK},
		{"bilal's post", bilal, "/@bilal/" + theirs.ID.String(), http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.c.get(tt.path)
			if resp.StatusCode != tt.status {
				t.Errorf("GET %s: got %d, want %d", tt.path, resp.StatusCode, tt.status)
			}
			if tt.status == http.StatusOK && (strings.Contains(resp.body, phrase) || strings.Contains(resp.body, "@amal")) {
				t.Errorf("GET %s still shows amal or her words", tt.path)
			}
		})
	}
	// The deleted session is gone: amal's browser is signed out.
	if resp := amal.get("/settings/data"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("amal's old session still opens settings: %d", resp.StatusCode)
	}
	// The name stays reserved.
	reg := srv.newClient(t)
	if resp := reg.postForm("/register", url.Values{"username": {"amal"}, "password": {"another-password-1"}}, nil); resp.StatusCode == http.StatusSeeOther {
		t.Error("the name amal could be registered again")
	}
	// Counts on the other side are back.
	if b, err := srv.db.LocalUser("bilal"); err != nil || b.FollowersCount != 0 || b.FollowingCount != 0 {
		t.Errorf("bilal after the deletion: %+v, %v", b, err)
	}
	if p, err := srv.db.Post(bu.ID, theirs.ID); err != nil || p.Post.Likes != 0 {
		t.Errorf("bilal's post after the deletion: likes %d, %v", p.Post.Likes, err)
	}

	raw, err := os.ReadFile(srv.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{phrase, hash} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the database file still holds %q", secret)
		}
	}
	for i, b := range pendingBytes {
		if bytes.Contains(raw, b) {
			t.Errorf("the database file still holds the bytes of the pending upload's file %s", pending[i])
		}
	}
}
