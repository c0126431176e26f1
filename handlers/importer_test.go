package handlers_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"majlis/handlers"
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

// zipEntry is a file of a test archive. declared, when not 0, is the
// unpacked size its headers claim instead of the real one.
type zipEntry struct {
	name     string
	data     []byte
	declared uint64
}

// zipOf zips entries in order.
func zipOf(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, e := range entries {
		if e.declared == 0 {
			w, err := z.Create(e.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.data)
			continue
		}
		rawEntry(t, z, e.name, e.declared, func(add func([]byte, int64)) { add(e.data, 1) })
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawEntry adds to z a deflated file made of pieces (add(data, times)),
// each compressed once and repeated: hundreds of MB of a repeated piece
// cost the test milliseconds and a few hundred KB. declared, when not 0,
// is the size the headers claim.
func rawEntry(t testing.TB, z *zip.Writer, name string, declared uint64, pieces func(add func(data []byte, times int64))) {
	t.Helper()
	var packed bytes.Buffer
	crc := crc32.NewIEEE()
	var size uint64
	pieces(func(data []byte, times int64) {
		var p bytes.Buffer
		fw, _ := flate.NewWriter(&p, flate.BestCompression)
		fw.Write(data)
		fw.Flush() // byte-aligned and not final: the next piece follows
		for range times {
			packed.Write(p.Bytes())
			crc.Write(data)
			size += uint64(len(data))
		}
	})
	fw, _ := flate.NewWriter(&packed, flate.BestSpeed)
	fw.Close() // the final, empty block
	if declared == 0 {
		declared = size
	}
	w, err := z.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(packed.Len()), UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(packed.Bytes())
}

// bombZip is an archive whose posts.json is head, then n bytes of fill,
// then tail.
func bombZip(t testing.TB, head string, fill byte, n int64, tail string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	rawEntry(t, z, "posts.json", 0, func(add func([]byte, int64)) {
		chunk := bytes.Repeat([]byte{fill}, 1<<20)
		add([]byte(head), 1)
		add(chunk, n/int64(len(chunk)))
		add(chunk[:n%int64(len(chunk))], 1)
		add([]byte(tail), 1)
	})
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// archivePost is an entry of posts.json as the export writes it.
func archivePost(t testing.TB, n int, source, cw string, images ...string) string {
	t.Helper()
	atts := []map[string]string{}
	for _, im := range images {
		atts = append(atts, map[string]string{"file": im, "alt": "an image"})
	}
	b, err := json.Marshal(map[string]any{
		"id": fmt.Sprint(n), "uri": fmt.Sprintf("https://old.example/@amal/%d", n),
		"created": fmt.Sprintf("2021-03-04T05:06:%02dZ", n%60), "visibility": "public",
		"cw": cw, "source": source, "html": "<p>" + source + "</p>", "tags": []string{}, "mentions": []string{},
		"attachments": atts,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// importErrorText is the error an import form shows, "" for none.
func importErrorText(resp *response) string {
	for _, n := range findAll(resp.Doc(), func(n *html.Node) bool { return attr(n, "id") == "import-error" }) {
		return text(n)
	}
	return ""
}

// nothingImported checks that a refused import wrote nothing: no post,
// no follow, block or mute.
func nothingImported(t *testing.T, db *storage.DB, me storage.User) {
	t.Helper()
	if ps := postsOf(t, db, me.ID); len(ps) != 0 {
		t.Errorf("a refused import wrote %d posts, want none", len(ps))
	}
	rel, err := db.ExportRelations(me.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel.Following)+len(rel.Blocks)+len(rel.Mutes) != 0 {
		t.Errorf("a refused import restored relations: %+v", rel)
	}
	if u, _ := db.UserByID(me.ID); u.PostsCount != 0 || u.FollowingCount != 0 {
		t.Errorf("a refused import changed the counts: %d posts, %d following", u.PostsCount, u.FollowingCount)
	}
}

// TestImportZipBomb: a small archive whose posts.json unpacks to one
// string of 300 MB, after a good post, is refused with 413 and a page
// that says why, having unpacked little more than the longest string an
// import takes; the good post is not written either.
func TestImportZipBomb(t *testing.T) {
	srv := newTestServer(t)
	me := newUser(t, srv.db, "amal")
	newUser(t, srv.db, "bilal")
	c := srv.newClient(t)
	c.login("amal", "password-amal")

	head := "[" + archivePost(t, 1, "a good post", "") + `,{"uri":"https://old.example/@amal/2","created":"2021-03-04T05:06:07Z","source":"`
	bomb := bombZip(t, head, 'a', 300<<20, `"}]`)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes, want under 1 MB", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp := importFile(t, c, "bomb.zip", bomb, "")
	runtime.ReadMemStats(&after)

	checkReadablePage(t, resp, http.StatusRequestEntityTooLarge)
	if msg := importErrorText(resp); !strings.Contains(msg, "posts.json") || !strings.Contains(msg, "a text longer than 256 KB") {
		t.Errorf("got the message %q, want it to say posts.json holds a text longer than 256 KB", msg)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("the refused import allocated %d MB, want under 64 MB", grew>>20)
	}
	nothingImported(t, srv.db, me)
}

// TestImportRefusesHostileArchives: every budget of an import refuses
// with a page that says which, and a refused archive writes nothing,
// not even the good post that comes first.
func TestImportRefusesHostileArchives(t *testing.T) {
	good := archivePost(t, 1, "a good post", "")
	list := func(entries ...string) []byte { return []byte("[" + strings.Join(entries, ",") + "]") }
	follows := []byte(`[{"account":"bilal@majlis.test"}]`)
	many := func(item string, n int) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	image := bytes.Repeat([]byte{0}, 1<<20)
	tests := []struct {
		name    string
		budgets handlers.ImportBudgets
		zip     func(t *testing.T) []byte
		status  int
		message string
	}{
		{"deep nesting", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			// In a member the import does not read, which is skipped, not
			// kept: the tokenizer reads it all the same.
			deep := `{"uri":"https://old.example/@amal/2","tags":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}"
			return zipOf(t, zipEntry{"posts.json", list(good, deep), 0}, zipEntry{"following.json", follows, 0})
		}, http.StatusRequestEntityTooLarge, "values nested more than 16 deep"},
		{"huge list in a post", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			huge := `{"uri":"https://old.example/@amal/2","attachments":[` + many("{}", 1_000_000) + "]}"
			return zipOf(t, zipEntry{"posts.json", list(good, huge), 0}, zipEntry{"following.json", follows, 0})
		}, http.StatusRequestEntityTooLarge, "a list of more than 10000 items"},
		{"huge list of accounts", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			accounts := "[" + many(`{"account":"bilal@majlis.test"}`, 200_001) + "]"
			return zipOf(t, zipEntry{"posts.json", list(good), 0}, zipEntry{"following.json", []byte(accounts), 0})
		}, http.StatusRequestEntityTooLarge, "following.json holds more than an import takes: a list of more than 200000 items"},
		{"posts.json not a list", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			return zipOf(t, zipEntry{"posts.json", []byte(good), 0})
		}, http.StatusBadRequest, "posts.json is not a list."},
		{"damaged posts.json", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			return zipOf(t, zipEntry{"posts.json", []byte("[" + good + `,{"uri": ]`), 0}, zipEntry{"following.json", follows, 0})
		}, http.StatusBadRequest, "posts.json is damaged"},
		{"a post of the wrong shape", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			return zipOf(t, zipEntry{"posts.json", list(good, `{"uri":5}`), 0}, zipEntry{"following.json", follows, 0})
		}, http.StatusBadRequest, "posts.json is damaged"},
		{"unsafe entry name", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			return zipOf(t, zipEntry{"posts.json", list(good), 0}, zipEntry{"../../etc/cron.d/x", []byte("x"), 0})
		}, http.StatusBadRequest, "not a safe path: ../../etc/cron.d/x"},
		{"declared size smaller than the file", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			big := list(good, archivePost(t, 2, strings.Repeat("b", 200_000), ""))
			return zipOf(t, zipEntry{"posts.json", big, 1000}, zipEntry{"following.json", follows, 0})
		}, http.StatusBadRequest, "posts.json is damaged"},
		{"declared size over the budget", handlers.ImportBudgets{}, func(t *testing.T) []byte {
			return zipOf(t, zipEntry{"posts.json", list(good), 1 << 40}, zipEntry{"following.json", follows, 0})
		}, http.StatusRequestEntityTooLarge, "posts.json is too large once unpacked: the limit is 512 MB."},
		{"too many entries", handlers.ImportBudgets{Files: 5}, func(t *testing.T) []byte {
			entries := []zipEntry{{"posts.json", list(good), 0}, {"following.json", follows, 0}}
			for i := range 4 {
				entries = append(entries, zipEntry{fmt.Sprintf("posts/%d.md", i), []byte("x"), 0})
			}
			return zipOf(t, entries...)
		}, http.StatusRequestEntityTooLarge, "This archive holds too many files: an import takes at most 5."},
		{"images over the archive's budget", handlers.ImportBudgets{Total: 4 << 20}, func(t *testing.T) []byte {
			var posts []string
			for i := range 6 {
				posts = append(posts, archivePost(t, i+1, "a post", "", "media/big.png"))
			}
			return zipOf(t, zipEntry{"posts.json", list(posts...), 0}, zipEntry{"media/big.png", image, 0}, zipEntry{"following.json", follows, 0})
		}, http.StatusRequestEntityTooLarge, "This archive is too large once unpacked: an import unpacks at most 4 MB in all."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handlers.LowerImportBudgets(t, tt.budgets)
			srv := newTestServer(t)
			me := newUser(t, srv.db, "amal")
			newUser(t, srv.db, "bilal")
			c := srv.newClient(t)
			c.login("amal", "password-amal")
			resp := importFile(t, c, "archive.zip", tt.zip(t), "")
			checkReadablePage(t, resp, tt.status)
			if msg := importErrorText(resp); !strings.Contains(msg, tt.message) {
				t.Errorf("got the message %q, want it to say %q", msg, tt.message)
			}
			nothingImported(t, srv.db, me)
		})
	}
}

// TestImportCSVBudgets: a CSV file over a budget is refused with 413
// before any of its accounts is followed.
func TestImportCSVBudgets(t *testing.T) {
	handlers.LowerImportBudgets(t, handlers.ImportBudgets{CSVRecords: 3})
	tests := []struct {
		name, data string
	}{
		{"too many lines", "Account address,Show boosts\nbilal@majlis.test,true\ncarim@majlis.test,true\ndana@majlis.test,true\n"},
		{"a line too long", "bilal@majlis.test\n" + strings.Repeat("x", 5000) + "\n"},
		{"a quoted record too long", "bilal@majlis.test\n\"" + strings.Repeat("x\n", 2500) + "\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			me := newUser(t, srv.db, "amal")
			for _, n := range []string{"bilal", "carim", "dana"} {
				newUser(t, srv.db, n)
			}
			c := srv.newClient(t)
			c.login("amal", "password-amal")
			resp := importFile(t, c, "following_accounts.csv", []byte(tt.data), "following")
			checkReadablePage(t, resp, http.StatusRequestEntityTooLarge)
			if msg := importErrorText(resp); !strings.Contains(msg, "at most 3 lines of 4 KB each") {
				t.Errorf("got the message %q, want the budgets", msg)
			}
			nothingImported(t, srv.db, me)
		})
	}
}

// TestImportWarningsAsComposer: an imported post passes the content
// warning rule the composer applies, no more and no less: a warning the
// composer refuses leaves the post out (and the report says why), one it
// accepts is kept as the composer keeps it.
func TestImportWarningsAsComposer(t *testing.T) {
	srv := newTestServer(t)
	me := newUser(t, srv.db, "amal")
	c := srv.newClient(t)
	c.login("amal", "password-amal")
	warnings := []string{
		strings.Repeat("w", 10_000),
		"film\nspoilers\r\nahead",
		"gnp.\u202eexe",
		"a\u2067b",
		"spoilers",
	}
	var posts []string
	for i, cw := range warnings {
		posts = append(posts, archivePost(t, i+1, fmt.Sprintf("imported %d", i+1), cw))
	}
	resp := importFile(t, c, "archive.zip", zipOf(t, zipEntry{"posts.json", []byte("[" + strings.Join(posts, ",") + "]"), 0}), "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: got %d:\n%s", resp.StatusCode, resp.body)
	}
	importedCW := map[string]string{} // by original URI
	for _, p := range postsOf(t, srv.db, me.ID) {
		importedCW[p.ImportedFrom] = p.ContentWarning
	}
	for i, cw := range warnings {
		typed := c.postForm("/posts", url.Values{"body": {fmt.Sprintf("typed %d", i+1)}, "cw": {cw}}, nil)
		accepted := typed.StatusCode == http.StatusSeeOther
		if !accepted && typed.StatusCode != http.StatusBadRequest {
			t.Fatalf("composer, warning %d: got %d, want 303 or 400", i+1, typed.StatusCode)
		}
		got, imported := importedCW[fmt.Sprintf("https://old.example/@amal/%d", i+1)]
		if imported != accepted {
			t.Errorf("warning %q: imported %v, but the composer accepts it: %v", cw, imported, accepted)
			continue
		}
		if accepted {
			if want := newestPost(t, srv.db, "amal").ContentWarning; got != want {
				t.Errorf("warning %q: imported as %q, the composer keeps %q", cw, got, want)
			}
		}
	}
	report := text(oneByTestID(t, resp.Doc(), "import-skips"))
	for _, want := range []string{"a content warning longer than 100 characters: 1", "a content warning with characters that cannot be shown: 2"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report says %q, want %q", report, want)
		}
	}
}
