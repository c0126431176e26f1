package storage

import (
	"testing"
	"time"
)

// A remote account fetched again keeps the marks of the fields whose
// values did not change, also one recorded after the caller read the
// account (the carry-over happens in PutRemoteUser's transaction); a new
// value has none, whatever the caller sent.
func TestPutRemoteUserKeepsFieldChecks(t *testing.T) {
	db := openTestDB(t)
	site := `<a href="https://rami.example">rami.example</a>`
	code := `<a href="https://code.example/rami">code</a>`
	rami := User{Username: "rami", Domain: "far.example", URI: "https://far.example/users/rami",
		RemoteFields: []RemoteField{{Name: "Site", ValueHTML: site}, {Name: "Code", ValueHTML: code}}}
	must(t, db.PutRemoteUser(&rami), "PutRemoteUser")

	// The fetch read the account before the check was recorded.
	fetched := User{Username: "rami", Domain: "far.example", URI: rami.URI,
		RemoteFields: []RemoteField{{Name: "Website", ValueHTML: site}, {Name: "Pronouns", ValueHTML: "he/him", VerifiedAt: time.Unix(1, 0)}}}
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	if _, err := db.SetRemoteFieldsVerified(rami.ID, map[string]bool{site: true, code: false}, at); err != nil {
		t.Fatal(err)
	}
	must(t, db.PutRemoteUser(&fetched), "PutRemoteUser (again)")

	got := mustUser(t, db, rami.ID).RemoteFields
	if len(got) != 2 || got[0].Name != "Website" || !got[0].VerifiedAt.Equal(at) {
		t.Errorf("the unchanged value: %+v, want verified at %v", got, at)
	}
	if len(got) == 2 && !got[1].VerifiedAt.IsZero() {
		t.Errorf("the new value: verified at %v, want none", got[1].VerifiedAt)
	}

	// A check records only the values it was given, and keeps a first date.
	later := at.Add(time.Hour)
	u, err := db.SetRemoteFieldsVerified(rami.ID, map[string]bool{site: true}, later)
	if err != nil {
		t.Fatal(err)
	}
	if !u.RemoteFields[0].VerifiedAt.Equal(at) || !u.RemoteFields[1].VerifiedAt.IsZero() {
		t.Errorf("after a second check: %+v", u.RemoteFields)
	}
	if u, err = db.SetRemoteFieldsVerified(rami.ID, map[string]bool{site: false}, later); err != nil || !u.RemoteFields[0].VerifiedAt.IsZero() {
		t.Errorf("a value that no longer links back: %+v, %v; want no mark", u.RemoteFields, err)
	}
}

// Links are checked on the right kind of account only.
func TestSetVerifiedKindOfAccount(t *testing.T) {
	db := openTestDB(t)
	local := createUser(t, db, "amal")
	remote := putRemote(t, db, "rami", "far.example")
	_, err := db.SetLinksVerified(remote.ID, map[string]bool{}, time.Now())
	wantErr(t, err, ErrInvalid, "SetLinksVerified(remote)")
	_, err = db.SetRemoteFieldsVerified(local.ID, map[string]bool{}, time.Now())
	wantErr(t, err, ErrInvalid, "SetRemoteFieldsVerified(local)")
}
