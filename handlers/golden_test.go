package handlers_test

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/handlers"
	"majlis/storage"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// staticHash matches the content hash in an asset URL, which changes
// whenever the asset does.
var staticHash = regexp.MustCompile(`(/static/[^"]*?)\.[0-9a-f]{16}(\.[a-z0-9]+")`)

// TestPermalinkGolden compares the whole HTML of a permalink page, on a
// fixed clock and so with fixed IDs, with testdata/permalink-*.golden.
// Run `go test ./handlers/ -run Golden -update` after an intended change.
func TestPermalinkGolden(t *testing.T) {
	clock := newFakeClock()
	db := newTestDB(t, storage.Options{Now: clock.Now})
	cfg := testConfig()
	cfg.Now = clock.Now
	h, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("password-amal"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	author := storage.User{Username: "amal", DisplayName: "أمل الحسن", URI: testBaseURL + "/users/amal", PasswordHash: string(hash)}
	if err := db.CreateUser(&author); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	post := newPost(t, db, author, "Hello **world**, مرحبا!\n\n> a quote with a https://example.org/ link\n\n<script>alert(1)</script>")
	clock.Advance(2*time.Hour + 5*time.Minute)

	// The author's own view: sign in through the handler.
	login := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {"amal"}, "password": {"password-amal"}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, login)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login: got status %d, want 303", rec.Code)
	}
	cookies := rec.Result().Cookies()

	path := "/@amal/" + post.ID.String()
	for _, tc := range []struct {
		name    string
		cookies []*http.Cookie
	}{
		{"visitor", nil},
		{"author", cookies},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			for _, c := range tc.cookies {
				req.AddCookie(c)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			got := staticHash.ReplaceAllString(rec.Body.String(), "$1.HASH$2")
			// One element per line, so a diff points at the change.
			got = strings.ReplaceAll(got, "><", ">\n<") + "\n"
			checkGolden(t, filepath.Join("testdata", "permalink-"+tc.name+".golden"), got, "the page")
		})
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want: %s\n  got:  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

// checkGolden compares got with the golden file (rewriting it first with
// -update); what names what got is, for the message.
func checkGolden(t *testing.T, file, got, what string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s; run with -update if the change is intended.\n%s", file, what, lineDiff(string(want), got))
	}
}
