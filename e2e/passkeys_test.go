package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"majlis/handlers"
	"majlis/storage"
)

// TestPasskeyInBrowser: a member adds a passkey from the settings (a
// virtual authenticator stands in for the device) and logs in with it,
// without the password. WebAuthn needs a domain, not an IP address: the
// instance is reached as localhost.
func TestPasskeyInBrowser(t *testing.T) {
	h := newHarnessWith(t, func(cfg *handlers.Config, _ *storage.DB) {
		cfg.BaseURL = strings.Replace(cfg.BaseURL, "127.0.0.1", "localhost", 1)
	})
	h.baseURL = strings.Replace(h.baseURL, "127.0.0.1", "localhost", 1)
	amal := h.seedUser("amal", "Amal")
	b := h.newTab("amal", true)
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("enable WebAuthn: %v", err)
	}
	_, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol:                    webauthn.AuthenticatorProtocolCtap2,
		Transport:                   webauthn.AuthenticatorTransportInternal,
		HasResidentKey:              true,
		HasUserVerification:         true,
		IsUserVerified:              true,
		AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		t.Fatalf("add a virtual authenticator: %v", err)
	}
	b.login("amal")

	b.open("/settings/security")
	b.waitVisible(`[data-testid="passkey-form"]`)
	b.typeInto(`[data-testid="field-passkey-name"]`, "test laptop")
	b.typeInto(`#f-passkey-password`, password)
	b.click(`[data-testid="add-passkey"]`)
	b.waitVisible(`[data-testid="passkey-name"]`)
	if got := b.text(`[data-testid="passkey-name"]`); got != "test laptop" {
		t.Errorf("passkey listed as %q", got)
	}
	tf, err := h.db.TwoFactor(amal.ID)
	if err != nil || len(tf.Passkeys) != 1 {
		t.Fatalf("stored passkeys: %+v, %v", tf.Passkeys, err)
	}

	b.clickAndLoad(`[data-testid="logout"]`)
	b.open("/login")
	b.waitVisible(`[data-testid="passkey-login"]`)
	b.click(`[data-testid="passkey-login"]`)
	b.waitVisible(`[data-testid="logout"]`)
	b.checkSignedInAs("amal")
	if tf, _ := h.db.TwoFactor(amal.ID); tf.Passkeys[0].LastUsedAt.IsZero() {
		t.Error("the login did not record the passkey's use")
	}
}
