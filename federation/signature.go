package federation

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"code.superseriousbusiness.org/httpsig"
)

// Signatures as deployed across the fediverse: draft-cavage HTTP
// Signatures with RSA-SHA256 ("rsa-sha256", or "hs2019" with an RSA key),
// a Digest of the body for POSTs. The library does the cryptography; this
// file owns the policy: which headers must be signed, how old a Date may
// be, that the Digest matches the body.

// ErrSignature is wrapped by every refusal of a request's signature.
var ErrSignature = errors.New("invalid HTTP signature")

// Signature is a parsed Signature header.
type Signature struct {
	KeyID     string
	Algorithm string
	// Headers are the signed header names, lower case, in order.
	Headers   []string
	Signature string
	Created   int64
	Expires   int64
}

// maxSignatureHeader bounds the Signature header accepted: a 4096-bit RSA
// signature in base64 is under 700 bytes, the key id a URL.
const maxSignatureHeader = 8 << 10

// ParseSignature parses the value of a Signature header (or of an
// Authorization header in the "Signature" scheme): comma-separated
// name="value" pairs, values quoted, unknown names ignored. It refuses
// duplicates, unterminated quotes and missing keyId, signature.
func ParseSignature(v string) (Signature, error) {
	var s Signature
	if len(v) > maxSignatureHeader {
		return s, fmt.Errorf("signature header over %d bytes: %w", maxSignatureHeader, ErrSignature)
	}
	v = strings.TrimSpace(v)
	if rest, ok := strings.CutPrefix(v, "Signature "); ok {
		v = strings.TrimSpace(rest)
	}
	seen := map[string]bool{}
	for len(v) > 0 {
		eq := strings.IndexByte(v, '=')
		if eq <= 0 {
			return s, fmt.Errorf("malformed parameter %q: %w", v, ErrSignature)
		}
		name := strings.ToLower(strings.TrimSpace(v[:eq]))
		v = strings.TrimLeft(v[eq+1:], " \t")
		var val string
		if strings.HasPrefix(v, `"`) {
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				return s, fmt.Errorf("unterminated %s: %w", name, ErrSignature)
			}
			val, v = v[1:1+end], v[2+end:]
		} else {
			end := strings.IndexByte(v, ',')
			if end < 0 {
				end = len(v)
			}
			val, v = strings.TrimSpace(v[:end]), v[end:]
		}
		v = strings.TrimLeft(v, " \t")
		if v != "" {
			if v[0] != ',' {
				return s, fmt.Errorf("expected a comma after %s: %w", name, ErrSignature)
			}
			v = strings.TrimLeft(v[1:], " \t")
		}
		if seen[name] {
			return s, fmt.Errorf("%s given twice: %w", name, ErrSignature)
		}
		seen[name] = true
		var err error
		switch name {
		case "keyid":
			s.KeyID = val
		case "algorithm":
			s.Algorithm = strings.ToLower(val)
		case "headers":
			s.Headers = strings.Fields(strings.ToLower(val))
		case "signature":
			s.Signature = val
		case "created":
			s.Created, err = strconv.ParseInt(val, 10, 64)
		case "expires":
			s.Expires, err = strconv.ParseInt(val, 10, 64)
		}
		if err != nil {
			return s, fmt.Errorf("%s: %v: %w", name, err, ErrSignature)
		}
	}
	if s.KeyID == "" || s.Signature == "" {
		return s, fmt.Errorf("keyId and signature are required: %w", ErrSignature)
	}
	if len(s.Headers) == 0 {
		s.Headers = []string{"date"} // the draft's default
	}
	return s, nil
}

// Date window: Mastodon refuses a signed request whose Date is more than
// 12 hours old; a little clock skew is forgiven in the future.
const (
	maxSignatureAge  = 12 * time.Hour
	maxClockSkew     = time.Hour
	signedGETHeaders = "(request-target) host date"
	signedPOSTHeader = "(request-target) host date digest content-type"
)

// Sign signs an outgoing request as keyID with key: (request-target),
// host and date, and for a request with a body its Digest and
// Content-Type too. It sets the Date, Host and Digest headers it signs.
func Sign(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.URL.Host)
	headers := strings.Fields(signedGETHeaders)
	if body != nil {
		headers = strings.Fields(signedPOSTHeader)
		if r.Header.Get("Content-Type") == "" {
			r.Header.Set("Content-Type", ContentType)
		}
	}
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return err
	}
	err = signer.SignRequest(key, keyID, r, body)
	r.Header.Del("Host") // net/http sends r.Host; the header was only there to be signed
	return err
}

// CheckRequest applies the policy to an incoming request before any key
// is fetched: the signature parses, covers (request-target), host and
// date (and digest for a request with a body), the Date is inside the
// window, and the Digest matches body. It returns the parsed signature,
// whose KeyID names the key to verify it with (VerifyRequest).
func CheckRequest(r *http.Request, body []byte, now time.Time) (Signature, error) {
	h := r.Header.Get("Signature")
	if h == "" {
		h = r.Header.Get("Authorization")
		if !strings.HasPrefix(h, "Signature ") {
			return Signature{}, fmt.Errorf("no signature: %w", ErrSignature)
		}
	}
	s, err := ParseSignature(h)
	if err != nil {
		return s, err
	}
	switch s.Algorithm {
	case "", "hs2019", "rsa-sha256":
	default:
		return s, fmt.Errorf("algorithm %q not accepted: %w", s.Algorithm, ErrSignature)
	}
	need := []string{"(request-target)", "host"}
	if r.Method == http.MethodPost || len(body) > 0 {
		need = append(need, "digest")
	}
	for _, n := range need {
		if !slices.Contains(s.Headers, n) {
			return s, fmt.Errorf("%s is not signed: %w", n, ErrSignature)
		}
	}
	// The time: a signed Date, or the draft's (created) in its place.
	var sent time.Time
	switch {
	case slices.Contains(s.Headers, "date"):
		sent, err = http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return s, fmt.Errorf("date %q: %w", r.Header.Get("Date"), ErrSignature)
		}
	case slices.Contains(s.Headers, "(created)") && s.Created > 0:
		sent = time.Unix(s.Created, 0)
	default:
		return s, fmt.Errorf("neither date nor (created) is signed: %w", ErrSignature)
	}
	if age := now.Sub(sent); age > maxSignatureAge || age < -maxClockSkew {
		return s, fmt.Errorf("signed at %s, outside the accepted window: %w", sent.UTC().Format(time.RFC3339), ErrSignature)
	}
	if s.Expires > 0 && now.Unix() > s.Expires {
		return s, fmt.Errorf("signature expired: %w", ErrSignature)
	}
	if slices.Contains(s.Headers, "digest") || len(body) > 0 {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return s, err
		}
	}
	return s, nil
}

// checkDigest accepts a Digest header whose SHA-256 value matches body
// (other algorithms listed beside it are ignored).
func checkDigest(values []string, body []byte) error {
	sum := sha256.Sum256(body)
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			algo, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(algo, "SHA-256") {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(val)
			if err != nil || subtle.ConstantTimeCompare(got, sum[:]) != 1 {
				return fmt.Errorf("digest does not match the body: %w", ErrSignature)
			}
			return nil
		}
	}
	return fmt.Errorf("no SHA-256 digest: %w", ErrSignature)
}

// VerifyRequest checks the signature of a request that passed
// CheckRequest against the public key of its KeyID. The request target
// is tried with its query string and, as some servers sign it, without.
func VerifyRequest(r *http.Request, pub crypto.PublicKey) error {
	if _, ok := pub.(*rsa.PublicKey); !ok {
		return fmt.Errorf("key type %T not accepted: %w", pub, ErrSignature)
	}
	// Go keeps the Host header in r.Host; the signature covers it.
	hdr := r.Header.Clone()
	if hdr.Get("Host") == "" {
		hdr.Set("Host", r.Host)
	}
	r2 := r.Clone(r.Context())
	r2.Header = hdr
	v, err := httpsig.NewVerifier(r2)
	if err != nil {
		return fmt.Errorf("%v: %w", err, ErrSignature)
	}
	err = v.VerifyWithOptions(pub, httpsig.RSA_SHA256, httpsig.SignatureOption{})
	if err != nil && r.URL.RawQuery != "" {
		err = v.VerifyWithOptions(pub, httpsig.RSA_SHA256, httpsig.SignatureOption{ExcludeQueryStringFromPathPseudoHeader: true})
	}
	if err != nil {
		return fmt.Errorf("%v: %w", err, ErrSignature)
	}
	return nil
}

// ContentType is the media type of ActivityPub requests and answers.
const ContentType = `application/activity+json`
