package federation

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"majlis/social"
	"majlis/storage"
)

// Config is what federation needs to know about the instance.
type Config struct {
	DB     *storage.DB
	Social *social.Service
	// BaseURL is the instance's public URL; an http:// one federates
	// over plain HTTP (tests, closed networks).
	BaseURL  string
	SiteName string
	// AllowPrivate lets outgoing connections reach loopback and private
	// addresses (-allow-private-addresses).
	AllowPrivate bool
	// Hosts maps host names to listeners, for tests (Guard.Hosts).
	Hosts  map[string]string
	Logger *slog.Logger
	Now    func() time.Time
}

// Federation is ActivityPub for one instance: the parts, built to work
// together, that the web door routes to and main starts.
type Federation struct {
	URIs      URIs
	Keys      *Keys
	Guard     Guard
	Conv      *Converter
	Server    *Server
	Deliverer *Deliverer
	Resolver  *Resolver
	Inbox     *Inbox
	// Links checks members' profile links for a link back (links.go).
	Links  *LinkVerifier
	logger *slog.Logger
}

// Version is the program's version as NodeInfo and the User-Agent tell
// it: the module version when built from a tagged module, else the
// revision it was built from, else "dev".
var Version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return strings.TrimPrefix(v, "v")
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "0+" + s.Value[:12]
		}
	}
	return "dev"
})

// New assembles federation for an instance.
func New(cfg Config) *Federation {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	uris := NewURIs(cfg.BaseURL)
	f := &Federation{URIs: uris, Keys: NewKeys(cfg.DB), logger: cfg.Logger}
	f.Guard = Guard{AllowPrivate: cfg.AllowPrivate, AllowHTTP: strings.HasPrefix(cfg.BaseURL, "http://"), Hosts: cfg.Hosts}
	f.Conv = &Converter{DB: cfg.DB, Keys: f.Keys, URIs: uris, SiteName: cfg.SiteName, Now: cfg.Now,
		FollowID: cfg.DB.RemoteFollowID}
	client := NewClient(f.Guard, 30*time.Second)
	f.Resolver = &Resolver{DB: cfg.DB, Social: cfg.Social, Client: client, Guard: f.Guard, Keys: f.Keys,
		URIs: uris, Now: cfg.Now, Logger: cfg.Logger}
	f.Inbox = &Inbox{Resolver: f.Resolver, Social: cfg.Social, DB: cfg.DB, URIs: uris, Now: cfg.Now,
		Logger: cfg.Logger, Seen: func(host string) {
			if err := cfg.DB.MarkHostSeen(host); err != nil {
				cfg.Logger.Warn("mark host seen", "host", host, "err", err)
			}
		}}
	f.Server = &Server{Conv: f.Conv, DB: cfg.DB, URIs: uris, Version: Version(), Verify: f.Inbox.VerifyGet}
	ua := "majlis/" + Version() + " (+" + uris.Base + "/)"
	f.Deliverer = &Deliverer{
		DB: cfg.DB, Client: client, Guard: f.Guard,
		Render: f.Conv.Render, Signer: f.Conv.Signer, Now: cfg.Now, Logger: cfg.Logger, UserAgent: ua,
	}
	f.Links = NewLinkVerifier(cfg.DB, f.Guard, uris, ua, cfg.Now, cfg.Logger)
	f.Resolver.LinksChanged = f.Links.Request // remote accounts' links, checked here (links.go)
	return f
}

// Run delivers and takes in activities, and checks profile links, until
// ctx ends.
func (f *Federation) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := f.Deliverer.Run(ctx); err != nil {
			f.logger.Error("delivery stopped", "err", err)
		}
	})
	wg.Go(func() {
		if err := f.Inbox.Run(ctx); err != nil && ctx.Err() == nil {
			f.logger.Error("inbox stopped", "err", err)
		}
	})
	wg.Go(func() { f.Links.Run(ctx) })
	wg.Wait()
}
