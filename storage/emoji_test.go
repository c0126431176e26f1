package storage

import (
	"testing"
)

// TestEmojiMapRemembersAndForgets: lookups are remembered (also those
// that found nothing), and every write of an emoji is seen by the next
// lookup: a new emoji, a remote one whose picture changed, a deletion.
func TestEmojiMapRemembersAndForgets(t *testing.T) {
	db := openTestDB(t)
	pic := func(b byte) File {
		return File{Data: []byte{0x89, 'P', 'N', 'G', b}, ContentType: "image/png", Width: 20, Height: 20}
	}
	look := func(domain, code string) (Emoji, bool) {
		t.Helper()
		m, err := db.EmojiMap(domain, []string{code, code, "not valid!"})
		if err != nil {
			t.Fatal(err)
		}
		e, ok := m[code]
		return e, ok
	}
	if _, ok := look("", "wave"); ok {
		t.Fatal("an emoji before any was added")
	}
	if _, err := db.PutEmoji("wave", pic(1)); err != nil {
		t.Fatal(err)
	}
	if _, ok := look("", "wave"); !ok {
		t.Error("a remembered miss hides a new emoji")
	}
	if _, ok := look("far.example", "wave"); ok {
		t.Error("our emoji answers for another server")
	}
	first, err := db.PutRemoteEmoji(Emoji{Shortcode: "wave", Domain: "far.example", URI: "https://far.example/emoji/1"}, pic(2))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := look("far.example", "wave"); !ok || e.File != first.File {
		t.Errorf("the remote emoji: %+v %v", e, ok)
	}
	second, err := db.PutRemoteEmoji(Emoji{Shortcode: "wave", Domain: "far.example", URI: "https://far.example/emoji/2"}, pic(3))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := look("far.example", "wave"); e.File != second.File || e.File == first.File {
		t.Errorf("after an update the lookup gives file %s, want the new %s", e.File, second.File)
	}
	if err := db.DeleteEmoji("wave", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := look("", "wave"); ok {
		t.Error("a deleted emoji is still found")
	}
}
