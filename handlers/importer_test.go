package handlers_test

import (
	"archive/zip"
	"bytes"
	"image"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"majlis/storage"
)

// archiveOf zips files.
func archiveOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, data := range files {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postsOf lists a member's posts from storage, oldest first.
func postsOf(t *testing.T, db *storage.DB, id storage.ID) []storage.ExportedPost {
	t.Helper()
	var ps []storage.ExportedPost
	if err := db.ExportPosts(id, func(p storage.ExportedPost) error { ps = append(ps, p); return nil }); err != nil {
		t.Fatal(err)
	}
	return ps
}

func importFile(t *testing.T, c *client, name string, data []byte, kind string) *response {
	t.Helper()
	return c.postMultipart("/settings/data/import", []formField{{"kind", kind}}, []formFile{{"file", name, data}}, nil)
}

func TestExportImportRoundTrip(t *testing.T) {
	// The source instance.
	src, amal, me := imageServer(t, 0)
	bilal := newUser(t, src.db, "bilal")
	carim := newUser(t, src.db, "carim")
	dana := newUser(t, src.db, "dana")
	for _, im := range []struct {
		body string
		w, h int
	}{{"a wide picture", 160, 90}, {"a tall one", 60, 100}} {
		resp := amal.postMultipart("/posts", []formField{{"body", im.body}, {"alt", "alt of " + im.body}, {"visibility", "unlisted"}},
			[]formFile{{"image", "p.png", pngFile(t, gradientImage(im.w, im.h))}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /posts: got %d", resp.StatusCode)
		}
	}
	amal.publish(url.Values{"body": {"careful #spoilers"}, "cw": {"the ending"}, "visibility": {"followers"}})
	theirs := newPost(t, src.db, bilal, "bilal asks")
	amal.publish(url.Values{"body": {"my *answer*"}, "in_reply_to": {theirs.ID.String()}})
	amal.publish(url.Values{"body": {"just us"}, "visibility": {"direct"}})
	if _, err := src.db.Follow(me.ID, bilal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := src.db.Follow(me.ID, dana.ID); err != nil {
		t.Fatal(err)
	}
	if err := src.db.Block(me.ID, carim.ID); err != nil {
		t.Fatal(err)
	}
	if err := src.db.Mute(me.ID, dana.ID); err != nil {
		t.Fatal(err)
	}
	archive := exportedArchive(t, amal)
	zipped := archiveOf(t, archive)
	want := postsOf(t, src.db, me.ID)

	// The target instance has bilal and carim, not dana.
	dst, amal2, me2 := imageServer(t, 0)
	bilal2 := newUser(t, dst.db, "bilal")
	carim2 := newUser(t, dst.db, "carim")
	resp := importFile(t, amal2, "majlis-amal.zip", zipped, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: got %d:\n%s", resp.StatusCode, resp.body)
	}
	if len(byTestID(resp.Doc(), "import-report")) != 1 {
		t.Fatalf("no import report:\n%s", resp.body)
	}
	if missing := text(oneByTestID(t, resp.Doc(), "import-missing")); !strings.Contains(missing, "dana@majlis.test") {
		t.Errorf("the report's missing accounts %q lack dana", missing)
	}

	got := postsOf(t, dst.db, me2.ID)
	if len(got) != len(want) {
		t.Fatalf("imported %d posts, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Source != w.Source || !g.CreatedAt.Equal(w.CreatedAt) || g.Visibility != w.Visibility ||
			g.ContentWarning != w.ContentWarning || g.ImportedFrom != w.URI || g.ID.Time() != w.ID.Time() {
			t.Errorf("post %d imported as %+v, want %+v", i, g.Post, w.Post)
		}
		if g.InReplyTo != 0 || g.HTML != w.HTML || strings.Join(g.Tags, ",") != strings.Join(w.Tags, ",") {
			t.Errorf("post %d: reply %d, html %q, tags %q; want a plain post with html %q, tags %q", i, g.InReplyTo, g.HTML, g.Tags, w.HTML, w.Tags)
		}
		if len(g.Attachments) != len(w.Attachments) {
			t.Fatalf("post %d has %d images, want %d", i, len(g.Attachments), len(w.Attachments))
		}
		for j, a := range g.Attachments {
			wa := w.Attachments[j]
			if a.Alt != wa.Alt {
				t.Errorf("post %d image %d: alt %q, want %q", i, j, a.Alt, wa.Alt)
			}
			err := dst.db.ServeMedia(a.Display, func(m storage.Media, data []byte) error {
				cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
				if err != nil {
					return err
				}
				if cfg.Width != wa.Width || cfg.Height != wa.Height {
					t.Errorf("post %d image %d is %dx%d, want %dx%d", i, j, cfg.Width, cfg.Height, wa.Width, wa.Height)
				}
				return nil
			})
			if err != nil {
				t.Errorf("post %d image %d: %v", i, j, err)
			}
		}
	}
	// The imported posts show on the profile, with their original dates.
	prof := amal2.get("/@amal")
	if !strings.Contains(prof.body, "careful") || !strings.Contains(prof.body, want[0].CreatedAt.UTC().Format("2006-01-02")) {
		t.Errorf("the profile does not show the imported posts with their dates")
	}
	if n := len(byTestID(prof.Doc(), "imported")); n != len(want) { // the author sees all of them
		t.Errorf("%d cards say imported, want %d", n, len(want))
	}

	relations := func() storage.Relations {
		rel, err := dst.db.ExportRelations(me2.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rel
	}
	rel := relations()
	if len(rel.Following) != 1 || rel.Following[0].Username != "bilal" || len(rel.Blocks) != 1 || rel.Blocks[0].Username != "carim" || len(rel.Mutes) != 0 {
		t.Errorf("relations after import: %+v", rel)
	}
	_, _ = bilal2, carim2

	// A second import changes nothing.
	before, err := dst.db.UserByID(me2.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp = importFile(t, amal2, "majlis-amal.zip", zipped, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second import: got %d", resp.StatusCode)
	}
	again := postsOf(t, dst.db, me2.ID)
	after, _ := dst.db.UserByID(me2.ID)
	if len(again) != len(got) || after.PostsCount != before.PostsCount || after.FollowingCount != before.FollowingCount {
		t.Errorf("second import: %d posts (was %d), counts %d/%d (were %d/%d)", len(again), len(got),
			after.PostsCount, after.FollowingCount, before.PostsCount, before.FollowingCount)
	}
	if r := text(oneByTestID(t, resp.Doc(), "import-report")); !strings.Contains(r, "0 posts imported") {
		t.Errorf("second report: %q", r)
	}
}

func TestImportMastodonCSV(t *testing.T) {
	srv := newTestServer(t)
	me := newUser(t, srv.db, "amal")
	for _, n := range []string{"bilal", "carim", "dana"} {
		newUser(t, srv.db, n)
	}
	c := srv.newClient(t)
	c.login("amal", "password-amal")
	tests := []struct {
		name, file, kind, data string
		status                 int
	}{
		{"following", "following_accounts.csv", "", "Account address,Show boosts,Notify on new posts,Languages\nbilal@majlis.test,true,false,\nghost@elsewhere.example,true,false,\n", http.StatusOK},
		{"blocks without header", "blocked_accounts.csv", "", "carim@majlis.test\n", http.StatusOK},
		{"mutes", "export.csv", "", "Account address,Hide notifications\n@dana@majlis.test,true\n", http.StatusOK},
		{"unknown list", "accounts.csv", "", "someone@majlis.test\n", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := importFile(t, c, tt.file, []byte(tt.data), tt.kind)
			if resp.StatusCode != tt.status {
				t.Fatalf("got %d, want %d:\n%s", resp.StatusCode, tt.status, resp.body)
			}
		})
	}
	rel, err := srv.db.ExportRelations(me.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel.Following) != 1 || rel.Following[0].Username != "bilal" ||
		len(rel.Blocks) != 1 || rel.Blocks[0].Username != "carim" ||
		len(rel.Mutes) != 1 || rel.Mutes[0].Username != "dana" {
		t.Errorf("relations after the CSV imports: %+v", rel)
	}
}

func TestImportRefusesJunk(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	c := srv.newClient(t)
	c.login("amal", "password-amal")
	// A zip without posts.json.
	resp := importFile(t, c, "x.zip", archiveOf(t, map[string][]byte{"hello.txt": []byte("hi")}), "")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("zip without posts.json: got %d, want 400", resp.StatusCode)
	}
	// Not signed in.
	v := srv.newClient(t)
	if resp := importFile(t, v, "x.zip", []byte("PK"), ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("visitor: got %d, want 403", resp.StatusCode)
	}
}
