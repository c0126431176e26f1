package federation

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	keyOnce sync.Once
	keyA    *rsa.PrivateKey
	keyB    *rsa.PrivateKey
)

// testKeys are two RSA keys made once for the package's tests (2048 bits
// as every account's; making them is the slow part).
func testKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if keyA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if keyB, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return keyA, keyB
}

// signed is a POST to an inbox as another server sends it, received as
// the server sees it (Host in r.Host, not in the header map).
func signed(t *testing.T, key *rsa.PrivateKey, target string, body []byte, at time.Time) *http.Request {
	t.Helper()
	out, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(out, body, "https://remote.example/users/amal#main-key", key, at); err != nil {
		t.Fatal(err)
	}
	in := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	in.Header = out.Header.Clone()
	return in
}

func TestSignatureRoundTripAndRefusals(t *testing.T) {
	a, b := testKeys(t)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"type":"Follow"}`)
	tests := []struct {
		name    string
		req     func() *http.Request
		key     *rsa.PrivateKey
		checkOK bool // CheckRequest passes
		ok      bool // and VerifyRequest too
	}{
		{"signed by the key's owner", func() *http.Request { return signed(t, a, "https://here.example/inbox", body, now) }, a, true, true},
		{"query string kept", func() *http.Request { return signed(t, a, "https://here.example/inbox?x=1", body, now) }, a, true, true},
		{"another key", func() *http.Request { return signed(t, a, "https://here.example/inbox", body, now) }, b, true, false},
		{"body changed after signing", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.Body = http.NoBody
			return r
		}, a, false, false},
		{"date 13 hours old", func() *http.Request { return signed(t, a, "https://here.example/inbox", body, now.Add(-13*time.Hour)) }, a, false, false},
		{"date 11 hours old", func() *http.Request { return signed(t, a, "https://here.example/inbox", body, now.Add(-11*time.Hour)) }, a, true, true},
		{"date 2 hours ahead", func() *http.Request { return signed(t, a, "https://here.example/inbox", body, now.Add(2*time.Hour)) }, a, false, false},
		{"date changed after signing", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.Header.Set("Date", now.Add(time.Minute).Format(http.TimeFormat))
			return r
		}, a, true, false},
		{"sent to another path", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.URL.Path = "/users/bob/inbox"
			return r
		}, a, true, false},
		{"sent to another host", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.Host = "elsewhere.example"
			return r
		}, a, true, false},
		{"no signature", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.Header.Del("Signature")
			return r
		}, a, false, false},
		{"digest not signed", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), " digest", "", 1))
			return r
		}, a, false, false},
		{"rsa-sha256 named", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1))
			return r
		}, a, true, true},
		{"hmac named", func() *http.Request {
			r := signed(t, a, "https://here.example/inbox", body, now)
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="hs2019"`, `algorithm="hmac-sha256"`, 1))
			return r
		}, a, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req()
			var got []byte
			if r.Body != nil {
				got, _ = ReadBody(r.Body, 1<<20)
			}
			sig, err := CheckRequest(r, got, now)
			if (err == nil) != tc.checkOK {
				t.Fatalf("CheckRequest: got error %v, want ok=%v", err, tc.checkOK)
			}
			if err != nil {
				if !errors.Is(err, ErrSignature) {
					t.Fatalf("got %v, want ErrSignature", err)
				}
				return
			}
			if sig.KeyID != "https://remote.example/users/amal#main-key" {
				t.Fatalf("got key id %q", sig.KeyID)
			}
			err = VerifyRequest(r, &tc.key.PublicKey)
			if (err == nil) != tc.ok {
				t.Fatalf("VerifyRequest: got error %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestVerifyWithoutQuery: some servers sign the path without its query
// string; such a request is accepted too.
func TestVerifyWithoutQuery(t *testing.T) {
	a, _ := testKeys(t)
	now := time.Now()
	out, _ := http.NewRequest(http.MethodGet, "https://here.example/users/amal/outbox", nil)
	if err := Sign(out, nil, "https://remote.example/actor#main-key", a, now); err != nil {
		t.Fatal(err)
	}
	in := httptest.NewRequest(http.MethodGet, "https://here.example/users/amal/outbox?page=true", nil)
	in.Header = out.Header.Clone()
	if _, err := CheckRequest(in, nil, now); err != nil {
		t.Fatal(err)
	}
	if err := VerifyRequest(in, &a.PublicKey); err != nil {
		t.Fatalf("got %v, want a signature without the query string accepted", err)
	}
}

func TestParseSignature(t *testing.T) {
	tests := []struct {
		in      string
		want    Signature
		wantErr bool
	}{
		{`keyId="k",algorithm="rsa-sha256",headers="(request-target) host date",signature="c2ln"`,
			Signature{KeyID: "k", Algorithm: "rsa-sha256", Headers: []string{"(request-target)", "host", "date"}, Signature: "c2ln"}, false},
		{`Signature keyId="k", headers="Host Date", signature="c2ln", created=1700000000`,
			Signature{KeyID: "k", Headers: []string{"host", "date"}, Signature: "c2ln", Created: 1700000000}, false},
		{`keyId="k",signature="c2ln"`, Signature{KeyID: "k", Headers: []string{"date"}, Signature: "c2ln"}, false},
		{`keyId="a,b",signature="x=y"`, Signature{KeyID: "a,b", Headers: []string{"date"}, Signature: "x=y"}, false},
		{`keyId="k",keyId="j",signature="c2ln"`, Signature{}, true},
		{`keyId="k,signature="c2ln"`, Signature{}, true},
		{`signature="c2ln"`, Signature{}, true},
		{`keyId="k",signature="c2ln",created=soon`, Signature{}, true},
		{`keyId="k" signature="c2ln"`, Signature{}, true},
		{``, Signature{}, true},
		{`=`, Signature{}, true},
		{`keyId="k",signature="` + strings.Repeat("A", maxSignatureHeader) + `"`, Signature{}, true},
	}
	for _, tc := range tests {
		got, err := ParseSignature(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseSignature(%.60q): got error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got.KeyID != tc.want.KeyID || got.Algorithm != tc.want.Algorithm || got.Signature != tc.want.Signature ||
			got.Created != tc.want.Created || strings.Join(got.Headers, " ") != strings.Join(tc.want.Headers, " ") {
			t.Errorf("ParseSignature(%q):\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
}

// FuzzParseSignature: the parser never panics, and what it accepts has a
// key id and a signature and at least one signed header.
func FuzzParseSignature(f *testing.F) {
	f.Add(`keyId="k",algorithm="rsa-sha256",headers="(request-target) host date",signature="c2ln"`)
	f.Add(`Signature keyId="k", headers="Host Date", signature="c2ln", created=1700000000, expires=1`)
	f.Add(`keyId="k,signature="c2ln"`)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSignature(in)
		if err != nil {
			return
		}
		if s.KeyID == "" || s.Signature == "" || len(s.Headers) == 0 {
			t.Fatalf("accepted %q as %+v", in, s)
		}
	})
}
