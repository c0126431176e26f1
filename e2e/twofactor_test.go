package e2e

import (
	"strings"
	"testing"
	"time"

	"majlis/social"
)

// TestTwoFactorInBrowser: a member sets up an authenticator app from the
// settings, without JavaScript (the QR code is an image of this origin),
// reads the recovery codes once, then logs in with the password and the
// app's code.
func TestTwoFactorInBrowser(t *testing.T) {
	h := newHarness(t)
	h.seedUser("amal", "Amal")
	b := h.newTab("amal", false)
	b.login("amal")

	b.open("/settings/security")
	b.typeInto(`[data-testid="f-totp-password"]`, password)
	b.clickAndLoad(`[data-testid="start-totp"]`)
	if w := eval[int](b, `document.querySelector('[data-testid="totp-qr"]').naturalWidth`); w == 0 {
		t.Error("the QR code image did not load")
	}
	secret := strings.ReplaceAll(b.text(`[data-testid="totp-secret"]`), " ", "")
	code, err := social.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.typeInto(`[data-testid="field-code"]`, code)
	b.clickAndLoad(`[data-testid="confirm-totp"]`)
	if n := b.count(`[data-testid="recovery-code"]`); n != social.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown, want %d", n, social.RecoveryCodeCount)
	}
	b.clickAndLoad(`[data-testid="recovery-done"]`)
	if got := b.text(`[data-testid="two-factor-status"]`); !strings.Contains(got, "on") {
		t.Errorf("status after setting up: %q", got)
	}

	b.clickAndLoad(`[data-testid="logout"]`)
	b.open("/login")
	b.typeInto(`[data-testid="field-username"]`, "amal")
	b.typeInto(`[data-testid="field-password"]`, password)
	b.clickAndLoad(`[data-testid="login"]`)
	if loc := b.location(); !strings.HasSuffix(loc, "/login/two-factor") {
		t.Fatalf("after the password: at %s, want the second step", loc)
	}
	if b.exists(`[data-testid="logout"]`) {
		t.Fatal("signed in after the password alone")
	}
	// The setup's code is spent; the app's next one is accepted.
	next, err := social.TOTPCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	b.typeInto(`[data-testid="field-code"]`, next)
	b.clickAndLoad(`[data-testid="verify-code"]`)
	b.checkSignedInAs("amal")
}
