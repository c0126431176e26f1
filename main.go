// Command majlis is a self-hosted microblog for small communities: one
// binary, one bbolt file.
package main

import (
	"context"
	"errors"
	"expvar"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/acme/autocert"

	"majlis/api"
	"majlis/federation"
	"majlis/handlers"
	"majlis/social"
	"majlis/storage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "majlis:", err)
		os.Exit(1)
	}
}

// config is the server's configuration, from flags and MAJLIS_* variables.
type config struct {
	addr       string
	debugAddr  string
	data       string
	url        string
	name       string
	trustProxy bool
	logFormat  string
	// maxUpload is the largest image file accepted, in bytes.
	maxUpload int64
	// apiRateLimit is how many client API requests a token (or an
	// address without one) may make in five minutes.
	apiRateLimit int
	// allowPrivate lets federation reach loopback and private addresses
	// (tests, closed networks); every other check stays in force.
	allowPrivate bool
	// tlsDomain turns on the built-in HTTPS (tls.go): certificates from
	// ACME for this name, kept in the database; tlsEmail is the contact
	// the certificate authority may write to; httpAddr serves the
	// redirect to HTTPS and the ACME challenges.
	tlsDomain, tlsEmail, httpAddr string
	// urlDefault: -url was not given, url is http://localhost:PORT (the
	// start hints ask for it; help.go).
	urlDefault bool
}

// env returns the MAJLIS_ twin of a flag, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv("MAJLIS_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); ok {
		return v
	}
	return def
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("majlis", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("addr", ":8080"), "address to listen on (MAJLIS_ADDR)")
	fs.StringVar(&c.data, "data", env("data", "data"), "folder that holds majlis.db (MAJLIS_DATA)")
	fs.StringVar(&c.url, "url", env("url", ""), "public URL of the instance, e.g. https://majlis.example (MAJLIS_URL); default http://localhost:PORT")
	fs.StringVar(&c.name, "name", env("name", "majlis"), "name of the instance (MAJLIS_NAME)")
	trust := env("trust-proxy", "false")
	fs.BoolVar(&c.trustProxy, "trust-proxy", trust == "1" || strings.EqualFold(trust, "true"), "trust X-Forwarded-Proto and X-Forwarded-For from a reverse proxy (MAJLIS_TRUST_PROXY)")
	fs.StringVar(&c.logFormat, "log", env("log", "text"), "log format: text or json (MAJLIS_LOG)")
	fs.StringVar(&c.debugAddr, "debug-addr", env("debug-addr", ""), "if set, serve pprof profiles and expvar memory statistics on this address; keep it on loopback (MAJLIS_DEBUG_ADDR)")
	private := env("allow-private-addresses", "false")
	fs.BoolVar(&c.allowPrivate, "allow-private-addresses", private == "1" || strings.EqualFold(private, "true"), "let federation reach loopback and private network addresses, for tests and closed networks (MAJLIS_ALLOW_PRIVATE_ADDRESSES)")
	apiLimit := env("api-rate-limit", strconv.Itoa(handlers.DefaultAPIRateLimit))
	fs.StringVar(&apiLimit, "api-rate-limit", apiLimit, "client API requests allowed per token (or per address without one) in five minutes (MAJLIS_API_RATE_LIMIT)")
	maxUpload := env("max-upload", "10")
	fs.StringVar(&maxUpload, "max-upload", maxUpload, "largest image file accepted, in megabytes; a post may carry 4 (MAJLIS_MAX_UPLOAD)")
	fs.StringVar(&c.tlsDomain, "tls-domain", env("tls-domain", ""), "serve HTTPS for this domain with a certificate obtained and renewed automatically (ACME), on :443 with HTTP redirected from :80 (MAJLIS_TLS_DOMAIN)")
	fs.StringVar(&c.tlsEmail, "tls-email", env("tls-email", ""), "contact address for the certificate authority, with -tls-domain (MAJLIS_TLS_EMAIL)")
	fs.StringVar(&c.httpAddr, "http-addr", env("http-addr", ":80"), "with -tls-domain, address of the plain HTTP listener that redirects to HTTPS (MAJLIS_HTTP_ADDR)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: majlis [flags]\n       majlis COMMAND [flags]\n\nWith no command, serves a majlis instance. Commands:\n")
		for _, c := range commands {
			fmt.Fprintf(fs.Output(), "  %-8s %s\n", c.name, c.help)
		}
		fmt.Fprintf(fs.Output(), "  %-8s %s\n", "help", "print this help; \"majlis help COMMAND\" prints the command's flags")
		fmt.Fprintf(fs.Output(), "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unknown command %q (run majlis -h)", fs.Arg(0))
	}
	mb, err := strconv.Atoi(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(maxUpload)), "MB"))
	if err != nil || mb < 1 || mb > 1024 {
		return c, fmt.Errorf("-max-upload %q: want a number of megabytes from 1 to 1024", maxUpload)
	}
	c.maxUpload = int64(mb) << 20
	if c.apiRateLimit, err = strconv.Atoi(strings.TrimSpace(apiLimit)); err != nil || c.apiRateLimit < 1 {
		return c, fmt.Errorf("-api-rate-limit %q: want a number of requests, 1 or more", apiLimit)
	}
	if c.tlsDomain != "" {
		c.tlsDomain = strings.ToLower(strings.TrimSpace(c.tlsDomain))
		if err := validDomain(c.tlsDomain); err != nil {
			return c, err
		}
		// HTTPS is served on its own port unless the operator chose one.
		addrSet := false
		fs.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
		if _, ok := os.LookupEnv("MAJLIS_ADDR"); !addrSet && !ok {
			c.addr = ":443"
		}
		if c.url == "" {
			c.url = "https://" + c.tlsDomain
		}
		if !strings.HasPrefix(c.url, "https://") {
			return c, fmt.Errorf("-url %q: with -tls-domain the public URL is https://", c.url)
		}
	}
	if c.url == "" {
		_, port, err := net.SplitHostPort(c.addr)
		if err != nil {
			return c, fmt.Errorf("-addr %q: %w", c.addr, err)
		}
		c.url = "http://localhost:" + port
		c.urlDefault = true
	}
	if !strings.HasPrefix(c.url, "http://") && !strings.HasPrefix(c.url, "https://") {
		return c, fmt.Errorf("-url %q must start with http:// or https://", c.url)
	}
	return c, nil
}

// command is a subcommand for operators: "majlis NAME [flags]".
type command struct {
	name string
	help string
	run  func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// commands lists every subcommand.
var commands = []command{
	{"user", "manage accounts: create, password, role, suspend, unsuspend, reset-2fa, list", runUser},
	{"backup", "write a consistent copy of the database to a file, also while the server runs", runBackup},
	{"restore", "replace the database with a backup (with the server stopped)", runRestore},
	{"check", "check the database for consistency, also while the server runs", runCheck},
	{"seed", "fill a data folder with generated users and posts, for measuring", runSeed},
	{"reindex", "build the search index again from every post (with the server stopped)", runReindex},
}

// run dispatches to a subcommand or serves.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if isHelp(args) {
		return runHelp(ctx, args[1:], stdin, stdout, stderr) // help.go
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		for _, c := range commands {
			if c.name == args[0] {
				return c.run(ctx, args[1:], stdin, stdout, stderr)
			}
		}
		return fmt.Errorf("unknown command %q (run majlis -h)", args[0])
	}
	return serve(ctx, args, stdout, stderr)
}

// serve starts the server and returns when ctx is done and every request in
// flight has finished.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var logger *slog.Logger
	if c.logFormat == "json" {
		logger = slog.New(slog.NewJSONHandler(stdout, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(stdout, nil))
	}
	tuneGC()
	path := filepath.Join(c.data, "majlis.db")
	db, err := storage.Open(path, storage.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer db.Close()

	// The actions find the accounts elsewhere that posts mention through
	// federation's resolver, which needs the actions in turn.
	var fed *federation.Federation
	soc := social.New(db, social.Config{BaseURL: c.url, Resolve: func(ctx context.Context, handle string) (storage.User, error) {
		return fed.Resolver.Lookup(ctx, handle)
	}, LinksChanged: func(id storage.ID) { fed.Links.Request(id) }})
	fed = federation.New(federation.Config{
		DB: db, Social: soc, BaseURL: c.url, SiteName: c.name,
		AllowPrivate: c.allowPrivate, Logger: logger,
	})
	apps := api.New(api.Config{
		DB: db, Social: soc, Federation: fed.Resolver, BaseURL: c.url, SiteName: c.name,
		MaxUploadBytes: c.maxUpload, Logger: logger,
	})
	hcfg := handlers.Config{
		APIRoutes:    apps.Routes,
		APIRateLimit: c.apiRateLimit,
		BaseURL:      c.url,
		SiteName:     c.name,
		TrustProxy:   c.trustProxy,
		// Images may be this large; requests that carry them get their
		// own body cap (see handlers' bodyLimit).
		MaxUploadBytes: c.maxUpload,
		Logger:         logger,
	}
	hcfg.Federate(db, fed)
	h, err := handlers.New(db, hcfg)
	if err != nil {
		return err
	}
	stopAdmin, err := startAdmin(db, c, logger)
	if err != nil {
		return err
	}
	defer stopAdmin()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	var handler http.Handler = h
	var certs *autocert.Manager
	if c.tlsDomain != "" {
		certs = certManager(db, c.tlsDomain, c.tlsEmail)
		handler = withHSTS(h)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Open streams would hold a graceful shutdown for its whole grace.
	srv.RegisterOnShutdown(apps.CloseStreams)
	fedCtx, stopFederation := context.WithCancel(ctx)
	fedDone := make(chan struct{})
	go func() { fed.Run(fedCtx); close(fedDone) }()
	defer func() { stopFederation(); <-fedDone }()
	go pruneSessions(ctx, db, logger)
	if os.Getenv("MAJLIS_NO_INDEXER") != "1" { // off only to measure what the indexer costs
		go db.RunSearchIndexer(ctx, logger) // keeps search up to date, in batches
	}
	go pruneMedia(ctx, db, logger)
	go pruneReports(ctx, db, logger)
	go soc.RunPolls(ctx, logger) // announces polls that ended
	if c.debugAddr != "" {
		if err := serveDebug(ctx, c.debugAddr, logger, db); err != nil {
			return err
		}
	}

	errc := make(chan error, 1)
	if certs != nil {
		// The HTTP port answers the certificate authority's challenges and
		// sends everyone else to HTTPS.
		if err := serveRedirects(ctx, c.httpAddr, certs.HTTPHandler(redirectToHTTPS(c.tlsDomain)), logger); err != nil {
			return err
		}
		srv.TLSConfig = certs.TLSConfig()
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	logger.Info("majlis is serving", "addr", ln.Addr().String(), "url", c.url, "data", path)
	logStartHints(logger, db, c) // help.go

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopAdmin()
	logger.Info("stopped")
	return nil
}

// pruneSessions deletes expired sessions every hour.
func pruneSessions(ctx context.Context, db *storage.DB, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.PruneSessions(); err != nil {
			logger.Error("prune sessions", "err", err)
		} else if n > 0 {
			logger.Info("pruned expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// uploadGrace is how long an uploaded image waits for the post that
// uses it before pruneMedia deletes it.
const uploadGrace = 24 * time.Hour

// pruneMedia deletes, every hour, the images uploaded more than
// uploadGrace ago that no post or profile uses (storage.PruneMedia:
// abandoned uploads, with PruneUnreferencedMedia).
func pruneMedia(ctx context.Context, db *storage.DB, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.PruneMedia(time.Now().Add(-uploadGrace)); err != nil {
			logger.Error("prune media", "err", err)
		} else if n > 0 {
			logger.Info("pruned abandoned uploads", "files", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pruneReports erases, every hour, the texts of the reports kept for
// storage.ReportRetention (see storage.PruneReports).
func pruneReports(ctx context.Context, db *storage.DB, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.PruneReports(); err != nil {
			logger.Error("prune reports", "err", err)
		} else if n > 0 {
			logger.Info("erased the texts of old reports", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveDebug serves pprof and expvar (with runtime.MemStats, and the
// record caches' hits and misses as "majlis_cache") on a separate
// listener, never on the public one.
func serveDebug(ctx context.Context, addr string, logger *slog.Logger, db *storage.DB) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug listener: %w", err)
	}
	debugDB.Store(db)
	publishCacheStats.Do(func() {
		expvar.Publish("majlis_cache", expvar.Func(func() any {
			if db := debugDB.Load(); db != nil {
				return db.CacheStats()
			}
			return nil
		}))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /debug/vars", expvar.Handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	logger.Info("debug endpoints", "addr", ln.Addr().String())
	return nil
}

// tuneGC lets the heap grow further between collections than Go's
// default, unless the operator set GOGC or GOMEMLIMIT. A majlis server
// keeps a small live heap (5 to 30 MB, the in-memory caches included) and
// allocates 100 to 300 KB per page, so with GOGC=100 it collected hundreds
// of times a second; BENCHMARKS.md measured GOGC=400 taking the home
// timeline from 2,200 to 3,700 requests/s and its p99 from 64 to 28 ms.
// With full caches, though, GOGC=400 alone lets the heap reach five times
// 27 MB: the 64 MiB soft memory limit makes the collector work harder
// instead, keeping a small machine's footprint small. It is soft: a burst
// that needs more (a 40-megapixel image being resized) gets it, at the
// price of more collecting meanwhile. Operators with memory to spare can
// raise it (GOMEMLIMIT=256MiB) for a little more throughput.
// debugDB is the database whose cache statistics /debug/vars shows: expvar
// names are process-wide and published once, while run may serve more than
// once in a process (the tests do).
var (
	debugDB           atomic.Pointer[storage.DB]
	publishCacheStats sync.Once
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
}
