package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"majlis/media"
	"majlis/storage"
)

// TestEmojiTagsOut: a post that uses one of our emoji goes out with its
// shortcode as text and an Emoji tag whose icon is the picture here.
func TestEmojiTagsOut(t *testing.T) {
	rg := newRig(t)
	img, err := media.Emoji(bytes.NewReader(pngBytes(t, 40, 40)), media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := rg.db.PutEmoji("blob", storage.File{Data: img.Display.Data, ContentType: img.Display.ContentType, Width: img.Display.Width, Height: img.Display.Height})
	if err != nil {
		t.Fatal(err)
	}
	amal := rg.member(t, "amal", false)
	entry, err := rg.social.Publish(context.Background(), amal, socialDraft("hello :blob: :unknown:"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(entry.Post.HTML, `<img class="emoji"`) {
		t.Fatalf("the post was saved without its emoji: %s", entry.Post.HTML)
	}
	conv := &Converter{DB: rg.db, Keys: NewKeys(rg.db), URIs: rg.uris, SiteName: "t"}
	b, err := conv.Note(entry.Post)
	if err != nil {
		t.Fatal(err)
	}
	var n struct {
		Content string `json:"content"`
		Tag     []struct {
			ID, Type, Name string
			Icon           struct{ Type, MediaType, URL string }
		} `json:"tag"`
	}
	if err := json.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(n.Content, "<img") || !strings.Contains(n.Content, ":blob:") {
		t.Errorf("content %q, want the shortcode as text", n.Content)
	}
	var found int
	for _, tg := range n.Tag {
		if tg.Type == "Emoji" {
			found++
			if tg.Name != ":blob:" || tg.Icon.URL != localBase+e.Path() || tg.Icon.MediaType != "image/png" || tg.ID == "" {
				t.Errorf("emoji tag %+v", tg)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d Emoji tags, want 1 (the unknown shortcode has none)", found)
	}
	if !strings.Contains(string(b), `"Emoji":"toot:Emoji"`) {
		t.Errorf("the context does not define Emoji")
	}
}

// TestEmojiTagsIn: a remote post's Emoji tags are fetched once through
// the guarded client, stored, and shown in place of their shortcodes;
// a remote actor's too, for its name.
func TestEmojiTagsIn(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	rg.remote.serve("/emoji/wave.png", fakeObject{ctype: "image/png", body: pngBytes(t, 50, 50)})
	emojiTag := map[string]any{"id": rg.remote.url("/emoji/1"), "type": "Emoji", "name": ":wave:",
		"icon": map[string]any{"type": "Image", "mediaType": "image/png", "url": rg.remote.url("/emoji/wave.png")}}
	actor := rg.remote.actor(t, "rami", a, map[string]any{"name": "Rami :wave:", "tag": []any{emojiTag}})
	ctx := context.Background()
	o := note(rg.remote.url("/notes/1"), actor, map[string]any{
		"content": "<p>hi :wave: and :other:</p>",
		"tag":     []any{emojiTag, map[string]any{"type": "Emoji", "name": ":evil:", "icon": map[string]any{"url": "http://127.0.0.1:1/x.png"}}},
	})
	b, _ := json.Marshal(o)
	obj, err := DecodeObject(b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rg.res.StorePost(ctx, obj, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := rg.db.EmojiByCode("wave", rg.remote.host())
	if err != nil {
		t.Fatalf("the remote emoji is not stored: %v", err)
	}
	if !strings.Contains(p.HTML, `src="`+e.Path()+`"`) || !strings.Contains(p.HTML, ":other:") {
		t.Errorf("post HTML %q, want the stored picture for :wave: and :other: as text", p.HTML)
	}
	if _, err := rg.db.EmojiByCode("evil", rg.remote.host()); err == nil {
		t.Errorf("an emoji whose picture failed was stored")
	}
	hits := rg.remote.hitsOf("/emoji/wave.png")
	if _, err := rg.res.StorePost(ctx, obj, 0); err != nil {
		t.Fatal(err)
	}
	if got := rg.remote.hitsOf("/emoji/wave.png"); got != hits {
		t.Errorf("the emoji was fetched again (%d then %d)", hits, got)
	}
	// The picture is served here to anyone.
	ok := false
	err = rg.db.ServeMediaTo(0, e.File, func(m storage.Media, acc storage.MediaAccess, _ []byte) error {
		ok = acc == storage.MediaProfile
		return nil
	})
	if err != nil || !ok {
		t.Errorf("the emoji's picture is not public: %v", err)
	}
}
