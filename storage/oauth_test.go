package storage

import (
	"errors"
	"testing"
)

// An app's secrets work once each, are not in the file, and a member's
// tokens end with "log out everywhere", a new password or a suspension.
func TestOAuthLifecycle(t *testing.T) {
	db := openTestDB(t)
	amal := User{Username: "amal", URI: "https://here.example/users/amal"}
	if err := db.CreateUser(&amal); err != nil {
		t.Fatal(err)
	}
	app := OAuthApp{Name: "Phone", RedirectURIs: []string{"app.example://cb"}, Scopes: []string{"read", "write"}}
	secret, err := db.CreateApp(&app)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.AppByClientID(app.ClientID)
	if err != nil || got.ID != app.ID || !got.CheckSecret(secret) || got.CheckSecret(secret+"x") || got.CheckSecret("") {
		t.Fatalf("AppByClientID: %+v %v", got, err)
	}
	code, err := db.CreateCode(OAuthCode{AppID: app.ID, UserID: amal.ID, Scopes: []string{"read"}, RedirectURI: "app.example://cb"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.TakeCode(code); err != nil || c.UserID != amal.ID {
		t.Fatalf("TakeCode: %+v %v", c, err)
	}
	if _, err := db.TakeCode(code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a code used twice: %v, want ErrNotFound", err)
	}
	newToken := func() string {
		tok := OAuthToken{AppID: app.ID, UserID: amal.ID, Scopes: []string{"read"}}
		s, err := db.CreateToken(&tok)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, end := range []struct {
		name string
		do   func() error
	}{
		{"log out everywhere", func() error { _, err := db.DeleteUserSessions(amal.ID); return err }},
		{"a new password", func() error { return db.SetPassword(amal.ID, "$2a$10$x", false) }},
		{"revoking the app", func() error { return db.RevokeApp(amal.ID, app.ID) }},
	} {
		tok := newToken()
		if _, u, err := db.TokenFor(tok); err != nil || u.ID != amal.ID {
			t.Fatalf("%s: TokenFor before: %v", end.name, err)
		}
		if apps, err := db.AuthorizedApps(amal.ID); err != nil || len(apps) != 1 || apps[0].App.Name != "Phone" {
			t.Fatalf("%s: AuthorizedApps: %+v %v", end.name, apps, err)
		}
		if err := end.do(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.TokenFor(tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: the token still works: %v", end.name, err)
		}
		if apps, _ := db.AuthorizedApps(amal.ID); len(apps) != 0 {
			t.Errorf("%s: still listed: %+v", end.name, apps)
		}
	}
	tok := newToken()
	if err := db.RevokeToken(tok, app.ID+1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.TokenFor(tok); err != nil {
		t.Fatalf("another app revoked this app's token: %v", err)
	}
	if err := db.RevokeToken(tok, app.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.TokenFor(tok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked token works: %v", err)
	}
}
