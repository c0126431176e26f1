package handlers_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
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
