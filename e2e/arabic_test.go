package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestArabicInterface renders the interface in Arabic, right to left:
// first for a visitor whose browser asks for Arabic (Accept-Language),
// then for a member who chooses Arabic in the profile settings while the
// browser asks for English. Each time it keeps a screenshot.
func TestArabicInterface(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "أمل الحسن")
	h.seedPost(amal, "مرحبًا بالجميع في **المجلس**")

	t.Run("browser asks for Arabic", func(t *testing.T) {
		b := h.newTab("visitor", true)
		if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"},
		}); err != nil {
			t.Fatalf("set Accept-Language: %v", err)
		}
		b.open("/local")
		checkArabic(t, b, "المحلي", "تسجيل الدخول")
		if got := b.text(`nav.site-nav a[href="/register"]`); got != "إنشاء حساب" {
			t.Errorf("sign-up link = %q, want إنشاء حساب", got)
		}
		checkScreenshot(t, b, "arabic-visitor-local.png")
	})

	t.Run("member setting", func(t *testing.T) {
		b := h.newTab("amal", true)
		if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "en-US,en;q=0.9"},
		}); err != nil {
			t.Fatalf("set Accept-Language: %v", err)
		}
		b.login("amal")
		if got := eval[string](b, `document.documentElement.dir`); got != "ltr" {
			t.Fatalf("before choosing Arabic, dir = %q, want ltr", got)
		}
		b.open("/settings")
		b.do("choose Arabic", chromedp.SetValue(chromedp.CSS(`[data-testid="field-language"]`), "ar"))
		b.clickAndLoad(`[data-testid="save-profile"]`)
		checkArabic(t, b, "الرئيسية", "الإعدادات")
		b.open("/")
		checkArabic(t, b, "الرئيسية", "الإشعارات")
		if got := b.text(`[data-testid="publish"]`); got != "انشر" {
			t.Errorf("publish button = %q, want انشر", got)
		}
		checkScreenshot(t, b, "arabic-member-home.png")
	})
}

// checkArabic checks that the page is in Arabic, right to left, and that
// its main navigation shows the given labels.
func checkArabic(t *testing.T, b *tab, labels ...string) {
	t.Helper()
	if got := eval[string](b, `document.documentElement.dir`); got != "rtl" {
		t.Errorf("document.documentElement.dir = %q, want rtl", got)
	}
	if got := eval[string](b, `document.documentElement.lang`); got != "ar" {
		t.Errorf("document.documentElement.lang = %q, want ar", got)
	}
	nav := b.text(`nav.site-nav`)
	for _, l := range labels {
		if !strings.Contains(nav, l) {
			t.Errorf("the navigation %q does not show %q", nav, l)
		}
	}
}

// checkScreenshot saves a screenshot of the window to the artifacts
// folder and checks the PNG file is there. (A full-page screenshot of a
// short right-to-left page comes out shifted, so this takes the window.)
func checkScreenshot(t *testing.T, b *tab, name string) {
	t.Helper()
	img := run(b, "take a screenshot", chromedp.CaptureScreenshot())
	path := filepath.Join(artifactsDir(t), name)
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if len(data) == 0 || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", path, len(data))
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(data))
}
