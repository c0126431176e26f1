package twoinstance

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// wavePNG is a small picture for an emoji.
func wavePNG(t *testing.T) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			if (x+y)%2 == 0 {
				m.SetNRGBA(x, y, color.NRGBA{240, 180, uint8(x * 8), 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a form with one file, as a browser does, and must be
// answered 303.
func (m *member) upload(t *testing.T, path string, fields map[string]string, field, name string, data []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(data)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, m.in.base+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := m.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: POST %s: got %d, want 303: %.300s", m.name, path, resp.StatusCode, b)
	}
}

var emojiImgRE = regexp.MustCompile(`<img class="emoji" src="([^"]+)" alt=":wave:"`)

// TestCustomEmojiAcross: an admin of a.test uploads :wave:; a member uses
// it in her name and a post. Her follower on b.test sees both with the
// picture stored and served by b.test (not hot-linked to a.test), and
// the Emoji tag's id dereferences on a.test.
func TestCustomEmojiAcross(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two federating instances; skipped with -short")
	}
	a, b := startPair(t)
	anna := a.register(t, "anna") // a.test's admin
	b.register(t, "bob")
	lina := a.register(t, "lina")
	ben := b.register(t, "ben")

	anna.upload(t, "/admin/emoji", map[string]string{"shortcode": "wave"}, "image", "wave.png", wavePNG(t))
	lina.submit(t, "/settings", url.Values{"display_name": {"Lina :wave:"}, "visibility": {"public"}})

	linaOnB := ben.lookup(t, lina.handle())
	ben.submit(t, linaOnB+"/follow", nil)
	ben.waitPage(t, linaOnB, `data-testid="unfollow"`)
	text := nonce("hi")
	post := lina.publish(t, text+" :wave:", "public")
	settle(t, a, b)

	onB, err := b.db.EmojiByCode("wave", a.host)
	if err != nil {
		t.Fatalf("b.test did not store a.test's :wave:: %v", err)
	}
	home := ben.waitPage(t, "/", text)
	var inPost, inName bool
	for _, m := range emojiImgRE.FindAllStringSubmatch(home, -1) {
		if m[1] != onB.Path() {
			t.Errorf("an emoji on b.test's page is at %q, want b.test's own %q", m[1], onB.Path())
		}
	}
	// The card: the author's name and the body each show the picture.
	card := home[strings.Index(home, `data-testid="post"`):]
	card = card[:strings.Index(card, "</article>")]
	if i := strings.Index(card, `class="display-name"`); i >= 0 {
		inName = emojiImgRE.MatchString(card[i : i+strings.Index(card[i:], "</bdi>")])
	}
	inPost = strings.Contains(card, text+" ") && emojiImgRE.MatchString(card[strings.Index(card, text):])
	if !inName || !inPost {
		t.Errorf("on b.test's home the picture is in the name: %v, in the post: %v:\n%.1500s", inName, inPost, card)
	}
	if strings.Contains(home, a.base+"/media/") || strings.Contains(home, `src="`+a.base) {
		t.Error("b.test's page loads a picture from a.test")
	}
	// b.test serves the picture itself.
	if code, body := fetch(t, b, b.base+onB.Path(), "image/*"); code != http.StatusOK || len(body) == 0 {
		t.Errorf("b.test's copy of the picture: %d, %d bytes", code, len(body))
	}
	// The profile on b.test shows the name with it too.
	if page := ben.page(t, linaOnB); !emojiImgRE.MatchString(page) {
		t.Error("lina's profile on b.test shows no emoji in her name")
	}

	// The tag's id on a.test is the Emoji with its picture.
	_, note := fetch(t, a, a.uri(post), "application/activity+json")
	var n struct {
		Tag []struct{ ID, Type, Name string } `json:"tag"`
	}
	if err := json.Unmarshal([]byte(note), &n); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, tg := range n.Tag {
		if tg.Type == "Emoji" && tg.Name == ":wave:" {
			id = tg.ID
		}
	}
	if id == "" {
		t.Fatalf("the note has no :wave: tag: %s", note)
	}
	code, obj := fetch(t, a, id, "application/activity+json")
	var e struct {
		Type string
		Icon struct{ Type, MediaType, URL string }
	}
	if err := json.Unmarshal([]byte(obj), &e); code != http.StatusOK || err != nil || e.Type != "Emoji" || e.Icon.MediaType != "image/png" || !strings.HasPrefix(e.Icon.URL, a.base+"/media/") {
		t.Errorf("the tag's id %s answers %d: %s", id, code, obj)
	}
}

// TestVerifiedLinksAcross: lina on a.test links to two pages, one of
// which links back to her with rel="me". a.test marks that one verified.
// b.test receives both as PropertyValue fields and checks them itself,
// by its own rule (the page must link back to the account's profile or
// actor with rel="me"): the same one is verified there, the other on
// neither side.
func TestVerifiedLinksAcross(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two federating instances; skipped with -short")
	}
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/lina":
			w.Write([]byte(`<!doctype html><title>Lina</title><a rel="me" href="http://a.test/@lina">me elsewhere</a>`))
		default:
			w.Write([]byte(`<!doctype html><title>Other</title><a href="http://a.test/@lina">a link, not rel=me</a>`))
		}
	}))
	t.Cleanup(pages.Close)
	hosts := map[string]string{"links.test:80": pages.Listener.Addr().String()}
	a := newInstance(t, "a.test", hosts)
	b := newInstance(t, "b.test", hosts)
	a.start()
	b.start()
	a.register(t, "anna")
	b.register(t, "bob")
	lina := a.register(t, "lina")
	ben := b.register(t, "ben")

	lina.submit(t, "/settings", url.Values{"display_name": {"Lina"}, "visibility": {"public"},
		"link_label": {"Site", "Other", "", ""}, "link_url": {"http://links.test/lina", "http://links.test/other", "", ""}})
	if err := a.fed.Links.VerifyUser(t.Context(), lina.user(t).ID); err != nil {
		t.Fatal(err)
	}
	verifiedRE := regexp.MustCompile(`<li class="verified" data-testid="profile-field">(?s:.*?)</li>`)
	check := func(t *testing.T, where, page string) {
		t.Helper()
		got := verifiedRE.FindAllString(page, -1)
		if len(got) != 1 || !strings.Contains(got[0], "links.test/lina") {
			t.Errorf("%s: verified fields %q, want the one to links.test/lina", where, got)
		}
		if n := strings.Count(page, `data-testid="profile-field"`); n < 2 {
			t.Errorf("%s: %d fields shown, want both links", where, n)
		}
	}
	check(t, "a.test", lina.page(t, "/@lina"))

	// The actor carries both as PropertyValue, marked rel="me".
	_, actor := fetch(t, a, lina.actor(), "application/activity+json")
	var doc struct {
		Attachment []struct{ Type, Name, Value string } `json:"attachment"`
	}
	if err := json.Unmarshal([]byte(actor), &doc); err != nil {
		t.Fatal(err)
	}
	var props int
	for _, at := range doc.Attachment {
		if at.Type == "PropertyValue" && strings.Contains(at.Value, "http://links.test/") && strings.Contains(at.Value, `rel="me`) {
			props++
		}
	}
	if props != 2 {
		t.Errorf("the actor has %d PropertyValue links, want 2: %s", props, actor)
	}

	// b.test checks them when it first sees lina.
	linaOnB := ben.lookup(t, lina.handle())
	page := ben.waitPage(t, linaOnB, `class="verified"`)
	check(t, "b.test", page)
}
