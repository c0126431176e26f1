package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestApprovalRegistration is the approval flow in real browsers: the
// admin switches the instance to approval in the settings; a newcomer
// applies (without JavaScript) and is told to wait, also when trying to
// log in; the admin approves the application in the queue (with
// JavaScript: the row turns into the outcome in place); the newcomer logs
// in.
func TestApprovalRegistration(t *testing.T) {
	h := newHarness(t)

	admin := h.newTab("amal", true)
	admin.register("amal", "Amal")
	if n := admin.count(`[data-testid="nav-admin"]`); n != 1 {
		t.Fatalf("the admin's navigation has %d Admin links, want 1", n)
	}
	admin.clickAndLoad(`[data-testid="nav-admin"] a`)
	admin.clickAndLoad(`nav.admin-nav a[href="/admin/settings"]`)
	admin.do("choose approval", chromedp.SetValue(chromedp.CSS(`[data-testid="field-registrations"]`), "approval"))
	admin.typeInto(`[data-testid="field-reason"]`, "a quieter start")
	admin.clickAndLoad(`[data-testid="save-instance"]`)
	if got := admin.text(selFlash); got != "The instance settings are saved." {
		t.Fatalf("after saving the settings, flash %q", got)
	}

	newcomer := h.newTab("bilal", false)
	newcomer.open("/register")
	if !newcomer.exists(`[data-testid="registration-approval"]`) {
		t.Fatal("the sign-up page does not say that accounts are approved")
	}
	newcomer.typeInto(`[data-testid="field-username"]`, "bilal")
	newcomer.typeInto(`[data-testid="field-password"]`, password)
	newcomer.typeInto(`[data-testid="field-reason"]`, "I bake the bread on the corner.")
	newcomer.clickAndLoad(`[data-testid="register"]`)
	if got := newcomer.text(selFlash); !strings.Contains(got, "Your application is waiting for approval") {
		t.Errorf("after applying, flash %q", got)
	}
	if newcomer.exists(`[data-testid="logout"]`) {
		t.Error("the applicant is signed in before approval")
	}
	// Logging in before approval says why it cannot.
	newcomer.typeInto(`[data-testid="field-username"]`, "bilal")
	newcomer.typeInto(`[data-testid="field-password"]`, password)
	newcomer.clickAndLoad(`[data-testid="login"]`)
	if got := newcomer.text(`[data-testid="form-error"]`); !strings.Contains(got, "Your application is waiting for approval") {
		t.Errorf("login before approval says %q", got)
	}

	admin.open("/admin/applications")
	if got := admin.text(`[data-testid="application-reason"]`); got != "I bake the bread on the corner." {
		t.Errorf("the queue shows the application %q", got)
	}
	admin.setMarker()
	admin.typeInto(`[data-testid="reason-approve-bilal"]`, "welcome, neighbour")
	admin.click(`[data-testid="approve-bilal"]`)
	admin.waitUntil("the application row says it is approved",
		`document.querySelector('[data-testid="admin-done"]')?.textContent.includes("approved")`)
	if !admin.markerKept() {
		t.Error("approving reloaded the page; want the row swapped by HTMX")
	}

	newcomer.login("bilal")
	admin.open("/admin/log")
	if got := admin.text(`[data-testid="log-entry"]`); !strings.Contains(got, "approved the application of @bilal") || !strings.Contains(got, "welcome, neighbour") {
		t.Errorf("newest log entry = %q", got)
	}
}
