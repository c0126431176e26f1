package federation

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestGuardAllowed(t *testing.T) {
	tests := []struct {
		addr            string
		public, private bool // allowed by default, allowed with AllowPrivate
	}{
		{"93.184.216.34", true, true},
		{"2606:2800:220:1:248:1893:25c8:1946", true, true},
		{"127.0.0.1", false, true},
		{"127.1.2.3", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"172.32.0.1", true, true},
		{"192.168.1.1", false, true},
		{"fd00::1", false, true},
		{"100.64.0.1", false, true},
		{"169.254.169.254", false, false}, // cloud metadata: never
		{"::ffff:169.254.169.254", false, false},
		{"fe80::1", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"255.255.255.255", false, false},
		{"192.0.2.1", false, false},
		{"64:ff9b::7f00:1", false, false},
		{"2002:7f00:1::", false, false},
	}
	for _, tc := range tests {
		a := netip.MustParseAddr(tc.addr)
		if got := (Guard{}).Allowed(a); got != tc.public {
			t.Errorf("Allowed(%s): got %v, want %v", tc.addr, got, tc.public)
		}
		if got := (Guard{AllowPrivate: true}).Allowed(a); got != tc.private {
			t.Errorf("AllowPrivate: Allowed(%s): got %v, want %v", tc.addr, got, tc.private)
		}
	}
}

// TestClientRefusesAtDial: a URL whose host resolves to loopback is refused
// by the dialer itself, and a redirect from an allowed server to a refused
// one is refused too.
func TestClientRefusesAtDial(t *testing.T) {
	var hits int
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Write([]byte("secret"))
	}))
	defer inner.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(inner.URL, "127.0.0.1", "localhost", 1)+"/meta", http.StatusFound)
	}))
	defer redirect.Close()

	strict := Guard{AllowHTTP: true}
	c := NewClient(strict, 0)
	for _, u := range []string{inner.URL, strings.Replace(inner.URL, "127.0.0.1", "localhost", 1)} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if _, err := strict.Do(context.Background(), c, req); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: got %v, want ErrForbiddenAddress", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the refused server was reached %d times", hits)
	}

	// Allowed to reach loopback, the redirect still goes through the guard's
	// URL rules: https only unless AllowHTTP.
	loose := Guard{AllowPrivate: true}
	req, _ := http.NewRequest(http.MethodGet, redirect.URL, nil)
	if _, err := loose.Do(context.Background(), NewClient(loose, 0), req); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("plain http without AllowHTTP: got %v, want ErrForbiddenAddress", err)
	}
	open := Guard{AllowPrivate: true, AllowHTTP: true}
	req, _ = http.NewRequest(http.MethodGet, redirect.URL, nil)
	resp, err := open.Do(context.Background(), NewClient(open, 0), req)
	if err != nil {
		t.Fatalf("with private addresses allowed: %v", err)
	}
	b, err := ReadBody(resp.Body, 3)
	resp.Body.Close()
	if !errors.Is(err, ErrTooLarge) || b != nil {
		t.Fatalf("6-byte body with a budget of 3: got %q, %v, want ErrTooLarge", b, err)
	}
}
