package federation

import (
	"context"
	"encoding/json"
	"testing"
)

// TestRemoteAltUpdate: an Update of a remote post whose images say
// something new changes their descriptions here, as an edit, without
// fetching the pictures again; one whose images no longer match keeps
// them.
func TestRemoteAltUpdate(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	rg.remote.serve("/pic.png", fakeObject{ctype: "image/png", body: pngBytes(t, 40, 30)})
	actor := rg.remote.actor(t, "rami", a, nil)
	att := func(name string) map[string]any {
		return map[string]any{"type": "Document", "mediaType": "image/png", "url": rg.remote.url("/pic.png"), "name": name}
	}
	store := func(content string, atts ...any) {
		t.Helper()
		b, _ := json.Marshal(note(rg.remote.url("/notes/1"), actor, map[string]any{"content": content, "attachment": atts}))
		o, err := DecodeObject(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rg.res.StorePost(context.Background(), o, 0); err != nil {
			t.Fatal(err)
		}
	}
	alts := func() []string {
		t.Helper()
		p, err := rg.db.PostByURI(rg.remote.url("/notes/1"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, at := range p.Attachments {
			out = append(out, at.Alt)
		}
		return out
	}
	store("<p>a picture</p>", att("first words"))
	if got := alts(); len(got) != 1 || got[0] != "first words" {
		t.Fatalf("alts %q", got)
	}
	hits := rg.remote.hitsOf("/pic.png")
	store("<p>a picture</p>", att("A red kite"))
	if got := alts(); len(got) != 1 || got[0] != "A red kite" {
		t.Errorf("after the update: %q, want the new description", got)
	}
	if rg.remote.hitsOf("/pic.png") != hits {
		t.Errorf("the picture was fetched again for an update")
	}
	p, _ := rg.db.PostByURI(rg.remote.url("/notes/1"))
	if p.EditedAt.IsZero() {
		t.Errorf("a description change is not marked as an edit")
	}
	store("<p>a picture</p>", att("one"), att("two"))
	if got := alts(); len(got) != 1 || got[0] != "A red kite" {
		t.Errorf("an update whose images do not match changed them: %q", got)
	}
}
