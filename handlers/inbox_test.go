package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"majlis/handlers"
)

// TestInboxRoutes: other servers' deliveries reach the federation inbox
// whatever origin headers they carry and with bodies up to an activity's
// cap; without an inbox configured the addresses answer 404.
func TestInboxRoutes(t *testing.T) {
	var got []string
	inbox := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		got = append(got, r.URL.Path+" "+r.PathValue("username"))
		if len(b) == 0 {
			t.Error("empty body")
		}
		w.WriteHeader(http.StatusAccepted)
	})
	srv := newTestServerWith(t, serverOptions{config: func(c *handlers.Config) { c.Inbox = inbox }})
	body := `{"type":"Create","content":"` + strings.Repeat("x", 700<<10) + `"}`
	for _, path := range []string{"/inbox", "/users/layla/inbox"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/activity+json")
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("%s: got %d, want 202", path, resp.StatusCode)
		}
	}
	if len(got) != 2 || got[1] != "/users/layla/inbox layla" {
		t.Errorf("the inbox saw %v", got)
	}

	plain := newTestServer(t)
	resp, err := plain.Client().Post(plain.URL+"/inbox", "application/activity+json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("without an inbox: got %d, want 404", resp.StatusCode)
	}
}
