package api

import (
	"net/http"
	"testing"
	"time"

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
