package handlers_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"majlis/handlers"
	"majlis/storage"
)

// emojiPNG is a small transparent PNG.
func emojiPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if (x+y)%3 != 0 {
				m.SetNRGBA(x, y, color.NRGBA{200, uint8(x * 4), 40, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// emojiServer is a test server with an admin (amal) and a member (bilal)
// signed in, uploads of at most maxUpload bytes.
func emojiServer(t *testing.T, maxUpload int64) (*testServer, *client, *client) {
	t.Helper()
	srv := newTestServerWith(t, serverOptions{config: func(c *handlers.Config) { c.MaxUploadBytes = maxUpload }})
	amal := newUser(t, srv.db, "amal")
	if err := srv.db.SetRole(amal.ID, storage.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	newUser(t, srv.db, "bilal")
	admin, member := srv.newClient(t), srv.newClient(t)
	admin.login("amal", "password-amal")
	member.login("bilal", "password-bilal")
	return srv, admin, member
}

func TestEmojiUploadValidation(t *testing.T) {
	srv, admin, member := emojiServer(t, 64<<10)
	if resp := admin.postMultipart("/admin/emoji", []formField{{"shortcode", "blob"}}, []formFile{{"image", "blob.png", emojiPNG(t, 40, 40)}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d, want 303:\n%s", resp.StatusCode, resp.body)
	}
	tests := []struct {
		name   string
		who    *client
		code   string
		files  []formFile
		status int
	}{
		{"a member", member, "wave", []formFile{{"image", "w.png", emojiPNG(t, 10, 10)}}, http.StatusForbidden},
		{"shortcode too short", admin, "a", []formFile{{"image", "a.png", emojiPNG(t, 10, 10)}}, http.StatusBadRequest},
		{"shortcode with a dash", admin, "blob-wave", []formFile{{"image", "a.png", emojiPNG(t, 10, 10)}}, http.StatusBadRequest},
		{"shortcode too long", admin, strings.Repeat("x", 33), []formFile{{"image", "a.png", emojiPNG(t, 10, 10)}}, http.StatusBadRequest},
		{"no file", admin, "wave", nil, http.StatusBadRequest},
		{"file too large", admin, "wave", []formFile{{"image", "big.png", append(emojiPNG(t, 10, 10), make([]byte, 70<<10)...)}}, http.StatusRequestEntityTooLarge},
		{"a jpeg", admin, "wave", []formFile{{"image", "photo.jpg", jpegFile(t, gradientImage(20, 20))}}, http.StatusUnsupportedMediaType},
		{"not a picture", admin, "wave", []formFile{{"image", "x.png", []byte("hello there, not a png")}}, http.StatusUnsupportedMediaType},
		{"shortcode taken", admin, "blob", []formFile{{"image", "b.png", emojiPNG(t, 12, 12)}}, http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.who.postMultipart("/admin/emoji", []formField{{"shortcode", tt.code}}, tt.files, nil)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != http.StatusForbidden {
				if n := len(byTestID(resp.Doc(), "form-error")); n != 1 {
					t.Errorf("%d error messages on the page, want 1", n)
				}
			}
			list, _ := srv.db.LocalEmoji()
			if len(list) != 1 {
				t.Errorf("%d emoji stored, want only :blob:", len(list))
			}
		})
	}
	if resp := member.get("/admin/emoji"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a member's GET /admin/emoji: %d, want 403", resp.StatusCode)
	}
	rows := byTestID(admin.get("/admin/emoji").Doc(), "emoji-row")
	if len(rows) != 1 {
		t.Fatalf("%d emoji listed, want 1", len(rows))
	}
	e, _ := srv.db.EmojiByCode("blob", "")
	if e.ContentType != "image/png" || e.Width != 40 {
		t.Errorf("stored emoji %+v, want a 40-pixel PNG (transparency kept)", e)
	}
	resp := member.get(e.Path())
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Errorf("the emoji's picture: %d %q, want 200 and public", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp := admin.postForm("/admin/emoji/blob/delete", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if _, err := srv.db.EmojiByCode("blob", ""); err == nil {
		t.Errorf("the emoji is still there after deleting it")
	}
	if resp := member.get(e.Path()); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted emoji's picture: %d, want 404", resp.StatusCode)
	}
}

func TestEmojiRendering(t *testing.T) {
	srv, admin, member := emojiServer(t, 0)
	admin.postMultipart("/admin/emoji", []formField{{"shortcode", "blob_wave"}}, []formFile{{"image", "blob.png", emojiPNG(t, 30, 30)}}, nil)
	e, err := srv.db.EmojiByCode("blob_wave", "")
	if err != nil {
		t.Fatal(err)
	}
	img := func(doc *htmlNode) []*htmlNode {
		return findAll(doc, func(n *htmlNode) bool {
			return n.Data == "img" && hasClass(n, "emoji") && attr(n, "alt") == ":blob_wave:" && attr(n, "src") == e.Path()
		})
	}
	member.postForm("/posts", url.Values{"body": {"hello :blob_wave: and `:blob_wave:` and :nope:"}}, nil)
	doc := member.get("/@bilal").Doc()
	body := byTestID(byTestID(doc, "post")[0], "post-body")[0]
	if n := len(img(body)); n != 1 {
		t.Errorf("%d emoji pictures in the post, want 1 (not in code)", n)
	}
	if !strings.Contains(text(body), ":nope:") {
		t.Errorf("an unknown shortcode is not kept as text: %q", text(body))
	}
	// The composer lists the emoji.
	if n := len(byTestID(member.get("/").Doc(), "emoji-choice")); n != 1 {
		t.Errorf("the picker lists %d emoji, want 1", n)
	}
	// Names and bios show them when shown.
	resp := member.postForm("/settings", url.Values{"display_name": {"Bilal :blob_wave:"}, "bio": {"I like :blob_wave:"}, "visibility": {"public"}}, nil)
	if resp.StatusCode >= 400 {
		t.Fatalf("profile: %d", resp.StatusCode)
	}
	doc = admin.get("/@bilal").Doc()
	if n := len(img(doc)); n < 2 {
		t.Errorf("%d emoji pictures on the profile, want the name's and the bio's", n)
	}
}

// TestEmojiInNamesOnCards: a name's custom emoji show wherever the name
// does, not only on the profile: a post card's author, the reposted-by
// line, a notification's line and post, a followers list. A remote
// account's name takes its own server's emoji, never ours of the same
// shortcode.
func TestEmojiInNamesOnCards(t *testing.T) {
	srv, admin, member := emojiServer(t, 0)
	admin.postMultipart("/admin/emoji", []formField{{"shortcode", "blob_wave"}}, []formFile{{"image", "blob.png", emojiPNG(t, 30, 30)}}, nil)
	local, err := srv.db.EmojiByCode("blob_wave", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  *client
		name string
	}{{admin, "Amal :blob_wave:"}, {member, "Bilal :blob_wave:"}} {
		if resp := c.who.postForm("/settings", url.Values{"display_name": {c.name}, "visibility": {"public"}}, nil); resp.StatusCode >= 400 {
			t.Fatalf("profile: %d", resp.StatusCode)
		}
	}
	link := member.post("a post by a name with an emoji")
	admin.postForm("/@bilal/follow", nil, nil)
	admin.postForm(link+"/like", nil, nil)
	admin.postForm(link+"/repost", nil, nil)
	if resp := admin.postForm("/posts", url.Values{"body": {"quoting"}, "quote_of": {path.Base(link)}}, nil); resp.StatusCode >= 400 {
		t.Fatalf("quote: %d", resp.StatusCode)
	}

	// A remote account: its server's :party: is stored for its domain;
	// its :blob_wave: is not ours.
	far := remoteAccount(t, srv.db, "rana", "far.example", "Rana :party: :blob_wave:")
	remote, err := srv.db.PutRemoteEmoji(storage.Emoji{Shortcode: "party", Domain: "far.example", URI: "https://far.example/emoji/party"},
		storage.File{Data: emojiPNG(t, 20, 20), ContentType: "image/png", Width: 20, Height: 20})
	if err != nil {
		t.Fatal(err)
	}
	farPost := remoteNote(t, srv.db, far, "<p>from far away</p>", "")

	pictures := func(n *htmlNode, e storage.Emoji) int {
		return len(findAll(n, func(n *htmlNode) bool {
			return n.Data == "img" && hasClass(n, "emoji") && attr(n, "src") == e.Path() &&
				attr(n, "alt") == ":"+e.Shortcode+":" && attr(n, "width") == "20"
		}))
	}
	names := func(n *htmlNode) []*htmlNode {
		return findAll(n, func(n *htmlNode) bool { return n.Data == "bdi" })
	}
	tests := []struct {
		name  string
		who   *client
		path  string
		find  string // the test id of the element to look in
		emoji storage.Emoji
		want  int
	}{
		{"the author on the home timeline", admin, "/", "post", local, 4}, // the card, its repost, and the quote: its author and the quoted one
		{"the author on the profile's cards", member, "/@bilal", "post", local, 1},
		{"the reposted-by line", member, "/@amal", "reposted-by", local, 1},
		{"the notification's actor", member, "/notifications", "note", local, 4}, // the follow, the like, the repost, the quote
		{"the followers list", member, "/@bilal/followers", "user-list", local, 1},
		{"the quoted author in a quote", member, "/@amal", "quoted-post", local, 1},
		{"a remote author's own emoji", admin, "/@rana@far.example/" + farPost.ID.String(), "post", remote, 1},
		{"not our emoji for a remote name", admin, "/@rana@far.example/" + farPost.ID.String(), "post", local, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.who.get(tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", tt.path, resp.StatusCode)
			}
			scope := []*htmlNode{resp.Doc()}
			if tt.find != "" {
				scope = byTestID(resp.Doc(), tt.find)
			}
			got := 0
			for _, s := range scope {
				for _, b := range names(s) {
					got += pictures(b, tt.emoji)
					if attr(b, "dir") != "auto" {
						t.Errorf("a name's <bdi> without dir=auto")
					}
				}
			}
			if got != tt.want {
				t.Errorf("%d pictures of :%s: in names, want %d:\n%.2000s", got, tt.emoji.Shortcode, tt.want, resp.body)
			}
		})
	}
	// The remote name keeps the shortcode that is not its server's as text.
	if body := admin.get("/@rana@far.example/" + farPost.ID.String()).body; !strings.Contains(body, ":blob_wave:") {
		t.Error("a remote name's unknown shortcode is not kept as text")
	}
	// Deleting an emoji takes its picture out of the names at once (the
	// cache of lookups is cleared).
	admin.postForm("/admin/emoji/blob_wave/delete", nil, nil)
	if n := pictures(member.get("/@bilal").Doc(), local); n != 0 {
		t.Errorf("%d pictures of a deleted emoji", n)
	}
}

// TestEmojiObject: the id of our emoji's tags dereferences, as other
// servers expect: GET /emoji/{code} is the Emoji object with its
// picture for ActivityStreams clients, the picture for a browser, and
// not found for a shortcode we do not have (or another server's).
func TestEmojiObject(t *testing.T) {
	s := newFedServer(t)
	e, err := s.db.PutEmoji("wave", storage.File{Data: emojiPNG(t, 20, 20), ContentType: "image/png", Width: 20, Height: 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.PutRemoteEmoji(storage.Emoji{Shortcode: "party", Domain: "far.example", URI: "https://far.example/emoji/party"},
		storage.File{Data: emojiPNG(t, 21, 21), ContentType: "image/png", Width: 21, Height: 21}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, accept string
		status             int
	}{
		{"activity+json", "/emoji/wave", acceptAS, http.StatusOK},
		{"ld+json", "/emoji/wave", acceptLD, http.StatusOK},
		{"a browser", "/emoji/wave", browser, http.StatusSeeOther},
		{"unknown", "/emoji/nope", acceptAS, http.StatusNotFound},
		{"another server's", "/emoji/party", acceptAS, http.StatusNotFound},
		{"not a shortcode", "/emoji/a-b", acceptAS, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.get(t, tt.path, tt.accept, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
				t.Errorf("Vary %q, want Accept", resp.Header.Get("Vary"))
			}
			switch tt.status {
			case http.StatusSeeOther:
				if loc := resp.Header.Get("Location"); loc != e.Path() {
					t.Errorf("a browser is sent to %q, want the picture %q", loc, e.Path())
				}
			case http.StatusOK:
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/activity+json") {
					t.Errorf("Content-Type %q", ct)
				}
				var o struct {
					ID, Type, Name string
					Icon           struct{ Type, MediaType, URL string }
				}
				if err := json.Unmarshal([]byte(body), &o); err != nil {
					t.Fatal(err)
				}
				if o.ID != testBaseURL+"/emoji/wave" || o.Type != "Emoji" || o.Name != ":wave:" ||
					o.Icon.Type != "Image" || o.Icon.MediaType != "image/png" || o.Icon.URL != testBaseURL+e.Path() {
					t.Errorf("the Emoji object: %+v", o)
				}
			}
		})
	}
}
