package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/acme/autocert"

	"majlis/storage"
)

// Built-in HTTPS for a server on its own (a homelab, a small VPS): with
// -tls-domain, majlis gets its certificate from Let's Encrypt (ACME,
// HTTP-01 challenge) and renews it, keeping the account key and the
// certificates in its one database file.

// hstsHeader tells browsers to come back over HTTPS only, for two years.
const hstsHeader = "max-age=63072000"

// certCache is autocert's cache on the database file: the instance stays
// one file to back up, certificates included.
type certCache struct{ db *storage.DB }

var _ autocert.Cache = certCache{}

func (c certCache) Get(_ context.Context, key string) ([]byte, error) {
	b, err := c.db.CertCacheGet(key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, autocert.ErrCacheMiss
	}
	return b, err
}

func (c certCache) Put(_ context.Context, key string, data []byte) error {
	return c.db.CertCachePut(key, data)
}

func (c certCache) Delete(_ context.Context, key string) error {
	return c.db.CertCacheDelete(key)
}

// certManager gets and renews the certificate of domain, and of nothing
// else: a request for any other name gets no certificate (and spends no
// rate limit at the certificate authority).
func certManager(db *storage.DB, domain, email string) *autocert.Manager {
	return &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      certCache{db: db},
		HostPolicy: autocert.HostWhitelist(domain),
		Email:      email,
	}
}

// withHSTS adds Strict-Transport-Security to the responses sent over TLS.
func withHSTS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", hstsHeader)
		}
		next.ServeHTTP(w, r)
	})
}

// redirectToHTTPS answers plain HTTP: a GET or HEAD goes to the same
// path on https://domain (the configured name, never the Host header, so
// it cannot be made to point elsewhere); anything else is refused, since
// a form sent in the clear should not be sent at all.
func redirectToHTTPS(domain string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "Use HTTPS: https://"+domain+"/", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "https://"+domain+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
}

// validDomain checks a -tls-domain: a host name, without scheme, port or
// path, with at least one dot (a certificate authority signs no single
// label name).
func validDomain(d string) error {
	if d == "" || strings.ContainsAny(d, ":/ @") || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || len(d) > 253 {
		return fmt.Errorf("-tls-domain %q: want a host name such as majlis.example.org, without scheme or port", d)
	}
	return nil
}

// serveRedirects serves the HTTP port: the ACME HTTP-01 challenges and
// the redirect to HTTPS, until ctx is done.
func serveRedirects(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("HTTP listener for the redirect to HTTPS: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx)
	}()
	logger.Info("redirecting HTTP to HTTPS", "addr", ln.Addr().String())
	return nil
}
