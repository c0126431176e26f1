package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"majlis/storage"
)

// TestPasskeyCeremonyRefusals: registering asks for the password; a
// login's answer that is no answer is refused and counted; a member with
// only a passkey still gets the second step after the password. (The
// ceremonies themselves run in a browser: e2e's TestPasskeyInBrowser.)
func TestPasskeyCeremonyRefusals(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("amal", "correct horse battery")

	resp := c.postForm("/settings/security/passkeys/options", url.Values{"current_password": {"wrong wrong wrong"}}, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		t.Errorf("options with a wrong password: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp = c.postForm("/settings/security/passkeys/options", url.Values{"current_password": {"correct horse battery"}, "name": {"laptop"}}, nil)
	var start struct {
		Token   string `json:"token"`
		Options struct {
			PublicKey struct {
				Challenge string `json:"challenge"`
				RP        struct {
					ID string `json:"id"`
				} `json:"rp"`
				AuthenticatorSelection struct {
					ResidentKey string `json:"residentKey"`
				} `json:"authenticatorSelection"`
			} `json:"publicKey"`
		} `json:"options"`
	}
	if err := json.Unmarshal([]byte(resp.body), &start); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("options: %d %v: %s", resp.StatusCode, err, resp.body)
	}
	pk := start.Options.PublicKey
	if start.Token == "" || pk.Challenge == "" || pk.RP.ID != "majlis.test" || pk.AuthenticatorSelection.ResidentKey != "required" {
		t.Errorf("registration options: %+v", start)
	}
	// A forged answer adds nothing, and the challenge is spent.
	for range 2 {
		r := c.do(http.MethodPost, "/settings/security/passkeys", strings.NewReader(`{"token":"`+start.Token+`","credential":{"id":"x","type":"public-key"}}`), http.Header{"Content-Type": {"application/json"}})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("forged registration: got %d, want 400", r.StatusCode)
		}
	}
	if _, err := srv.db.TwoFactor(userID(t, srv.db, "amal")); err == nil {
		t.Error("a forged registration left a record")
	}

	// Logins: a visitor gets a challenge for any passkey; a forged answer
	// is refused.
	v := srv.newClient(t)
	opt := v.postForm("/login/passkey/options", nil, nil)
	if opt.StatusCode != http.StatusOK || !strings.Contains(opt.body, `"challenge"`) {
		t.Fatalf("login options: %d %s", opt.StatusCode, opt.body)
	}
	var login struct {
		Token string `json:"token"`
	}
	json.Unmarshal([]byte(opt.body), &login)
	r := v.do(http.MethodPost, "/login/passkey", strings.NewReader(`{"token":"`+login.Token+`","credential":{}}`), http.Header{"Content-Type": {"application/json"}})
	if r.StatusCode != http.StatusUnauthorized || clientSignedIn(v) {
		t.Errorf("forged login: got %d", r.StatusCode)
	}

	// A member whose only second factor is a passkey: the password leads
	// to the second step, whose page offers the passkey.
	id := userID(t, srv.db, "amal")
	if _, err := srv.db.UpdateTwoFactor(id, func(f *storage.TwoFactor) error {
		f.Passkeys = []storage.Passkey{{ID: []byte{1}, Name: "phone", Credential: []byte(`{}`)}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w := srv.newClient(t)
	if resp := loginPassword(w, "amal", "correct horse battery", ""); resp.Header.Get("Location") != "/login/two-factor" {
		t.Fatalf("password with a passkey: to %q, want the second step", resp.Header.Get("Location"))
	}
	if page := w.get("/login/two-factor"); len(byTestID(page.Doc(), "passkey-login")) != 1 {
		t.Error("the second step offers no passkey")
	}
}
