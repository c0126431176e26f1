package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// exportedArchive downloads the signed-in member's archive and returns its
// files by name.
func exportedArchive(t *testing.T, c *client) map[string][]byte {
	t.Helper()
	resp := c.get("/settings/data/export")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /settings/data/export: got status %d, want 200", resp.StatusCode)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q, want an attachment", cd)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/zip" {
		t.Errorf("Content-Type %q, want application/zip", ct)
	}
	zr, err := zip.NewReader(strings.NewReader(resp.body), int64(len(resp.body)))
	if err != nil {
		t.Fatalf("read archive: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := files[f.Name]; dup {
			t.Errorf("%s is in the archive twice", f.Name)
		}
		files[f.Name] = b
	}
	return files
}

func TestExport(t *testing.T) {
	srv, amal, me := imageServer(t, 0)
	bilal := newUser(t, srv.db, "bilal")
	carim := newUser(t, srv.db, "carim")
	dana := newUser(t, srv.db, "dana")

	// A post with an image, used twice (the file is in the archive once).
	img := pngFile(t, gradientImage(120, 80))
	for _, body := range []string{"first picture", "same picture again"} {
		resp := amal.postMultipart("/posts", []formField{{"body", body}, {"alt", "a gradient"}}, []formFile{{"image", "g.png", img}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /posts: got %d", resp.StatusCode)
		}
	}
	amal.publish(url.Values{"body": {"hello @bilal #greetings"}, "cw": {"a greeting"}, "visibility": {"unlisted"}})
	theirs := newPost(t, srv.db, bilal, "bilal writes")
	reply := amal.publish(url.Values{"body": {"an answer"}, "in_reply_to": {theirs.ID.String()}})

	if _, err := srv.db.Follow(me.ID, bilal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.Follow(dana.ID, me.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.db.Block(me.ID, carim.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.db.Mute(me.ID, dana.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.Like(me.ID, theirs.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.db.Bookmark(me.ID, theirs.ID); err != nil {
		t.Fatal(err)
	}

	files := exportedArchive(t, amal)
	for _, name := range []string{"README.md", "profile.json", "posts.json", "following.json", "followers.json",
		"blocks.json", "mutes.json", "bookmarks.json", "likes.json",
		"following_accounts.csv", "blocked_accounts.csv", "muted_accounts.csv"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the archive lacks %s", name)
		}
	}

	var posts []struct {
		ID, URI, Visibility, CW, Source, HTML string
		InReplyTo                             string `json:"in_reply_to"`
		Tags, Mentions                        []string
		Attachments                           []struct{ File, Alt string }
	}
	if err := json.Unmarshal(files["posts.json"], &posts); err != nil {
		t.Fatalf("posts.json: %v\n%s", err, files["posts.json"])
	}
	if len(posts) != 4 {
		t.Fatalf("posts.json has %d posts, want 4", len(posts))
	}
	if posts[0].Source != "first picture" || posts[3].Source != "an answer" {
		t.Errorf("posts are not oldest first: %q ... %q", posts[0].Source, posts[3].Source)
	}
	greeting := posts[2]
	if greeting.CW != "a greeting" || greeting.Visibility != "unlisted" ||
		strings.Join(greeting.Tags, ",") != "greetings" || strings.Join(greeting.Mentions, ",") != "bilal@majlis.test" || greeting.HTML == "" {
		t.Errorf("greeting exported as %+v", greeting)
	}
	if posts[3].InReplyTo != theirs.URI {
		t.Errorf("reply's in_reply_to = %q, want %q", posts[3].InReplyTo, theirs.URI)
	}
	if !strings.HasSuffix(reply, "/"+posts[3].ID) {
		t.Errorf("reply id %s, permalink %s", posts[3].ID, reply)
	}
	a0, a1 := posts[0].Attachments, posts[1].Attachments
	if len(a0) != 1 || len(a1) != 1 || a0[0].File != a1[0].File || a0[0].Alt != "a gradient" {
		t.Fatalf("attachments %+v and %+v, want the same file with its alt", a0, a1)
	}
	data, ok := files[a0[0].File]
	if !ok {
		t.Fatalf("the archive lacks %s", a0[0].File)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != 120 || cfg.Height != 80 {
		t.Errorf("%s decodes to %dx%d (%v), want 120x80", a0[0].File, cfg.Width, cfg.Height, err)
	}
	md := string(files["posts/"+posts[2].ID+".md"])
	for _, want := range []string{"---\ndate: ", "visibility: unlisted", `cw: "a greeting"`, "hello @bilal #greetings"} {
		if !strings.Contains(md, want) {
			t.Errorf("posts/%s.md lacks %q:\n%s", posts[2].ID, want, md)
		}
	}
	if md := string(files["posts/"+posts[3].ID+".md"]); !strings.Contains(md, "in_reply_to: "+theirs.URI) {
		t.Errorf("reply's Markdown lacks in_reply_to:\n%s", md)
	}

	jsonHas := func(name, want string) {
		t.Helper()
		if !strings.Contains(string(files[name]), want) {
			t.Errorf("%s lacks %q:\n%s", name, want, files[name])
		}
	}
	jsonHas("following.json", `"account": "bilal@majlis.test"`)
	jsonHas("followers.json", `"account": "dana@majlis.test"`)
	jsonHas("blocks.json", `"account": "carim@majlis.test"`)
	jsonHas("mutes.json", `"account": "dana@majlis.test"`)
	jsonHas("likes.json", theirs.URI)
	jsonHas("bookmarks.json", theirs.URI)
	jsonHas("profile.json", `"username": "amal"`)

	csvRows := func(name string) [][]string {
		rows, err := csv.NewReader(bytes.NewReader(files[name])).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return rows
	}
	if rows := csvRows("following_accounts.csv"); len(rows) != 2 ||
		strings.Join(rows[0], ",") != "Account address,Show boosts,Notify on new posts,Languages" || rows[1][0] != "bilal@majlis.test" {
		t.Errorf("following_accounts.csv = %q", rows)
	}
	if rows := csvRows("blocked_accounts.csv"); len(rows) != 2 || rows[0][0] != "Account address" || rows[1][0] != "carim@majlis.test" {
		t.Errorf("blocked_accounts.csv = %q", rows)
	}
	if rows := csvRows("muted_accounts.csv"); len(rows) != 2 || rows[0][0] != "Account address" || rows[1][0] != "dana@majlis.test" {
		t.Errorf("muted_accounts.csv = %q", rows)
	}
}

func TestExportNeedsLogin(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	resp := c.get("/settings/data/export")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("got %d to %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestDataSettingsPage(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	c := srv.newClient(t)
	c.login("amal", "password-amal")
	resp := c.get("/settings/data")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /settings/data: got %d", resp.StatusCode)
	}
	for _, id := range []string{"export-link", "delete-account-form", "settings-nav"} {
		if len(byTestID(resp.Doc(), id)) != 1 {
			t.Errorf("the page lacks data-testid=%q", id)
		}
	}
	if !strings.Contains(resp.body, `href="/settings/data"`) {
		t.Error("the settings navigation does not link to /settings/data")
	}
}
