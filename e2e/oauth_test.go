package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"majlis/api"
	"majlis/handlers"
	"majlis/social"
	"majlis/storage"
)

// withAPI wires the client API in, as main.go does.
func withAPI(cfg *handlers.Config, db *storage.DB) {
	cfg.APIRoutes = api.New(api.Config{
		DB: db, Social: social.New(db, social.Config{BaseURL: cfg.BaseURL}),
		BaseURL: cfg.BaseURL, SiteName: "majlis", Logger: cfg.Logger,
	}).Routes
}

// postJSON posts to the instance as an app would, outside the browser.
func postJSON(t *testing.T, h *harness, path string, form url.Values) map[string]any {
	t.Helper()
	resp, err := http.PostForm(h.baseURL+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: got %d: %s", path, resp.StatusCode, b)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return v
}

// TestAuthorizeApp: a member lets an app in, on the authorization page,
// without JavaScript: an app without a redirect gets the code shown to
// copy (in English and in Arabic), and an app on another origin gets
// the browser sent back to it with the code.
func TestAuthorizeApp(t *testing.T) {
	h := newHarnessWith(t, withAPI)
	h.seedUser("amal", "Amal")
	h.seedUser("huda", "هدى")

	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>app</title><p id=got>"+r.URL.Query().Get("code")+"</p>")
	}))
	t.Cleanup(callback.Close)

	app := postJSON(t, h, "/api/v1/apps", url.Values{
		"client_name":   {"Pocket"},
		"redirect_uris": {api.OOB + "\n" + callback.URL + "/cb"},
		"scopes":        {"read write"},
		"website":       {"https://pocket.example"},
	})
	clientID, secret := app["client_id"].(string), app["client_secret"].(string)
	authorizePath := func(redirect string) string {
		return "/oauth/authorize?" + url.Values{
			"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"read write:statuses"},
		}.Encode()
	}
	exchange := func(code, redirect string) {
		t.Helper()
		tok := postJSON(t, h, "/oauth/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID},
			"client_secret": {secret}, "redirect_uri": {redirect},
		})
		if tok["access_token"] == "" || tok["scope"] != "read write:statuses" {
			t.Errorf("token = %v", tok)
		}
	}

	t.Run("English, out of band", func(t *testing.T) {
		b := h.newTab("amal", false)
		b.login("amal")
		b.open(authorizePath(api.OOB))
		if got := b.text(`[data-testid="authorize-intro"]`); !strings.Contains(got, "Pocket asks to use your account") {
			t.Errorf("intro = %q", got)
		}
		if got := b.text(`[data-testid="authorize-scopes"]`); !strings.Contains(got, "Publish, edit, delete") {
			t.Errorf("scopes = %q", got)
		}
		if got := b.text(`[data-testid="authorize-approve"]`); got != "Authorize" {
			t.Errorf("button = %q", got)
		}
		b.clickAndLoad(`[data-testid="authorize-approve"]`)
		code := b.text(`[data-testid="oauth-code"]`)
		if len(code) < 40 {
			t.Fatalf("code shown = %q", code)
		}
		checkScreenshot(t, b, "oauth-code-en.png")
		exchange(code, api.OOB)
	})

	t.Run("Arabic, out of band", func(t *testing.T) {
		b := h.newTab("huda", false)
		if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "ar"},
		}); err != nil {
			t.Fatalf("set Accept-Language: %v", err)
		}
		b.login("huda")
		b.open(authorizePath(api.OOB))
		if got := eval[string](b, `document.documentElement.dir`); got != "rtl" {
			t.Errorf("dir = %q, want rtl", got)
		}
		if got := b.text(`[data-testid="authorize-intro"]`); !strings.Contains(got, "يطلب Pocket استخدام حسابك") {
			t.Errorf("intro = %q", got)
		}
		if got := b.text(`[data-testid="authorize-scopes"]`); !strings.Contains(got, "نشر المنشورات") {
			t.Errorf("scopes = %q", got)
		}
		checkScreenshot(t, b, "oauth-authorize-ar.png")
		if got := b.text(`[data-testid="authorize-approve"]`); got != "اسمح" {
			t.Errorf("button = %q", got)
		}
		b.clickAndLoad(`[data-testid="authorize-approve"]`)
		if got := b.text(`h1`); got != "رمز الإذن" {
			t.Errorf("heading = %q", got)
		}
		code := b.text(`[data-testid="oauth-code"]`)
		if len(code) < 40 {
			t.Fatalf("code shown = %q", code)
		}
		checkScreenshot(t, b, "oauth-code-ar.png")
		exchange(code, api.OOB)
	})

	t.Run("redirect to the app's origin", func(t *testing.T) {
		// The page's form-action lets the answer's redirect through.
		b := h.newTab("amal-redirect", false)
		b.login("amal")
		b.open(authorizePath(callback.URL + "/cb"))
		b.clickAndLoad(`[data-testid="authorize-approve"]`)
		if loc := b.location(); !strings.HasPrefix(loc, callback.URL+"/cb?code=") {
			t.Fatalf("after authorizing, the browser is at %q, want the app's callback", loc)
		}
		exchange(b.text(`#got`), callback.URL+"/cb")
	})
}
