package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"majlis/media"
	"majlis/social"
	"majlis/storage"
)

// TestAccountFieldsVerifiedAt: a verified profile link carries
// verified_at in the account's fields, an unverified one null; a remote
// account's fields are listed too.
func TestAccountFieldsVerifiedAt(t *testing.T) {
	g := newAccRig(t)
	alice := g.member("alice")
	ta := g.token(alice)
	if _, err := g.db.UpdateProfile(alice.ID, storage.ProfileUpdate{Links: []storage.ProfileLink{
		{Label: "Blog", URL: "https://blog.example/"}, {Label: "Code", URL: "https://code.example/alice"},
	}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	if _, err := g.db.SetLinksVerified(alice.ID, map[string]bool{"https://blog.example/": true, "https://code.example/alice": false}, at); err != nil {
		t.Fatal(err)
	}
	var acc Account
	g.get("/api/v1/accounts/"+alice.ID.String(), ta).wantCode(t, http.StatusOK).decode(t, &acc)
	if len(acc.Fields) < 2 {
		t.Fatalf("fields %+v", acc.Fields)
	}
	if v := acc.Fields[0].VerifiedAt; v == nil || *v != "2026-12-07T09:30:00.000Z" {
		t.Errorf("verified link: verified_at %v, want 2026-12-07T09:30:00.000Z", v)
	}
	if v := acc.Fields[1].VerifiedAt; v != nil {
		t.Errorf("unverified link: verified_at %v, want null", *v)
	}

	remote := g.remote("rami", "other.example")
	remote.RemoteFields = []storage.RemoteField{{Name: "Pronouns", ValueHTML: "he/him"}}
	if err := g.db.PutRemoteUser(&remote); err != nil {
		t.Fatal(err)
	}
	g.get("/api/v1/accounts/"+remote.ID.String(), ta).wantCode(t, http.StatusOK).decode(t, &acc)
	if len(acc.Fields) != 1 || acc.Fields[0].Name != "Pronouns" || acc.Fields[0].Value != "he/him" {
		t.Errorf("remote fields %+v", acc.Fields)
	}
}

// TestCustomEmojiAPI: the instance's emoji are listed, and a status and
// an account that use one carry it in `emojis`, the content keeping the
// shortcode as text.
func TestCustomEmojiAPI(t *testing.T) {
	g := newAccRig(t)
	alice := g.member("alice")
	ta := g.token(alice)
	var list []Emoji
	g.get("/api/v1/custom_emojis", "").wantCode(t, http.StatusOK).decode(t, &list)
	if len(list) != 0 {
		t.Fatalf("custom emoji before any: %+v", list)
	}
	png := stPNG(t, 20, 20)
	img, err := media.Emoji(bytes.NewReader(png), media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := g.db.PutEmoji("blob", storage.File{Data: img.Display.Data, ContentType: img.Display.ContentType, Width: img.Display.Width, Height: img.Display.Height})
	if err != nil {
		t.Fatal(err)
	}
	g.get("/api/v1/custom_emojis", "").wantCode(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].Shortcode != "blob" || !strings.HasSuffix(list[0].URL, e.Path()) || !list[0].VisibleInPicker {
		t.Errorf("custom emoji: %+v", list)
	}
	soc := social.New(g.db, social.Config{BaseURL: "https://majlis.example"})
	entry, err := soc.Publish(context.Background(), alice, social.Draft{Body: "hi :blob:", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	var sts []struct {
		ID      string  `json:"id"`
		Content string  `json:"content"`
		Emojis  []Emoji `json:"emojis"`
	}
	g.get("/api/v1/accounts/"+alice.ID.String()+"/statuses", ta).wantCode(t, http.StatusOK).decode(t, &sts)
	if len(sts) != 1 || sts[0].ID != entry.Post.ID.String() {
		t.Fatalf("statuses %+v", sts)
	}
	st := sts[0]
	if len(st.Emojis) != 1 || st.Emojis[0].Shortcode != "blob" || !strings.Contains(st.Content, ":blob:") || strings.Contains(st.Content, "<img") {
		t.Errorf("status: content %q, emojis %+v", st.Content, st.Emojis)
	}
	if _, err := g.db.UpdateProfile(alice.ID, storage.ProfileUpdate{DisplayName: "Alice :blob:"}); err != nil {
		t.Fatal(err)
	}
	var acc Account
	g.get("/api/v1/accounts/"+alice.ID.String(), ta).wantCode(t, http.StatusOK).decode(t, &acc)
	if len(acc.Emojis) != 1 || acc.Emojis[0].Shortcode != "blob" {
		t.Errorf("account emojis %+v", acc.Emojis)
	}
}
