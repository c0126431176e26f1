package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a connection would reach an address
// that federation must never reach: loopback, private, link-local and the
// other special-purpose ranges (unless Guard.AllowPrivate lets loopback and
// private ones through).
var ErrForbiddenAddress = errors.New("address not allowed for federation")

// ErrTooLarge is returned when a response body is longer than its budget.
var ErrTooLarge = errors.New("response too large")

// Guard decides which addresses outgoing connections may reach. It is
// checked at dial time, on the address actually connected to, so neither
// DNS answers that change between a check and the connection nor redirects
// get around it.
type Guard struct {
	// AllowPrivate lets connections reach loopback and private (RFC 1918,
	// unique-local, shared CGNAT) addresses, for tests and closed
	// networks. Link-local, unspecified, multicast, documentation and
	// reserved ranges stay refused.
	AllowPrivate bool
	// AllowHTTP allows plain http:// URLs (and redirects to them); by
	// default only https is followed.
	AllowHTTP bool
	// Hosts maps "host:port" to the address to dial instead, so that
	// tests run several instances under different host names on one
	// machine. The dialled address is still checked.
	Hosts map[string]string
}

// privateRanges are reachable only with AllowPrivate.
var privateRanges = prefixes(
	"127.0.0.0/8", "::1/128",
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
	"100.64.0.0/10",
)

// refusedRanges are never reachable: they name no public host, or they
// reach something on the local link (cloud metadata services among them).
var refusedRanges = prefixes(
	"0.0.0.0/8", "169.254.0.0/16", "192.0.0.0/24", "192.0.2.0/24",
	"192.88.99.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
	"224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
	"::/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
	"2001:db8::/32", "2002::/16", "fe80::/10", "fec0::/10", "ff00::/8",
)

func prefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// Allowed reports whether a connection to addr is allowed.
func (g Guard) Allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.Zone() != "" {
		return false
	}
	for _, p := range refusedRanges {
		if p.Contains(addr) {
			return false
		}
	}
	for _, p := range privateRanges {
		if p.Contains(addr) {
			return g.AllowPrivate
		}
	}
	return true
}

// control is the dialer's last word on each connection attempt: it sees
// the resolved address, after DNS.
func (g Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, ErrForbiddenAddress)
	}
	if !g.Allowed(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", ap.Addr(), ErrForbiddenAddress)
	}
	return nil
}

// checkURL refuses URLs that federation never follows.
func (g Guard) checkURL(scheme, host string) error {
	switch {
	case scheme == "https":
	case scheme == "http" && g.AllowHTTP:
	default:
		return fmt.Errorf("scheme %q: %w", scheme, ErrForbiddenAddress)
	}
	if host == "" {
		return fmt.Errorf("no host: %w", ErrForbiddenAddress)
	}
	return nil
}

// maxRedirects bounds the redirects one fetch follows.
const maxRedirects = 5

// NewClient is the HTTP client of every outgoing federation request: the
// guard checks each dialled address and each redirect, and every phase
// of a request has a timeout.
func NewClient(g Guard, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	dial := d.DialContext
	if len(g.Hosts) > 0 {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := g.Hosts[addr]; ok {
				addr = to
			}
			return d.DialContext(ctx, network, addr)
		}
	}
	tr := &http.Transport{
		Proxy:                  nil, // never through a proxy from the environment: it would dial for us
		DialContext:            dial,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  20 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects: %w", maxRedirects, ErrForbiddenAddress)
			}
			return g.checkURL(req.URL.Scheme, req.URL.Host)
		},
	}
}

// Do sends req with the guard's URL rules applied before any dial.
func (g Guard) Do(ctx context.Context, c *http.Client, req *http.Request) (*http.Response, error) {
	if err := g.checkURL(req.URL.Scheme, req.URL.Host); err != nil {
		return nil, err
	}
	return c.Do(req.WithContext(ctx))
}

// ReadBody reads at most max bytes of a response body; a longer body is
// ErrTooLarge, and nothing beyond max+1 bytes is ever held.
func ReadBody(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("body over %d bytes: %w", max, ErrTooLarge)
	}
	return b, nil
}
