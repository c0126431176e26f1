package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"majlis/storage"
)

// The client API's rows: the home timeline and status creation as apps
// make them, beside the same run's web page and form (issue targets:
// /api/v1/timelines/home at least half the web home page's requests/s,
// status creation within 10 % of the web form's rate).

const (
	apiHomeRow = "api home timeline (GET /api/v1/timelines/home, 20 statuses)"
	apiPostRow = "api create status (POST /api/v1/statuses)"
	webHomeRow = "home timeline (GET /, follows 100)"
	webPostRow = "create post (POST /posts)"
)

// apiTokens gives the accounts an app's token, written straight into the
// seeded file before the server opens it (the server holds the file's
// lock while it runs): what logging in through OAuth would leave there.
// It returns username -> bearer token.
func apiTokens(dir string, m seedManifest, accounts []string) (map[string]string, error) {
	db, err := storage.Open(filepath.Join(dir, "majlis.db"), storage.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	scopes := []string{"read", "write", "follow"}
	app := storage.OAuthApp{Name: "loadtest", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: scopes}
	if _, err := db.CreateApp(&app); err != nil {
		return nil, fmt.Errorf("api app: %w", err)
	}
	names := append([]string{}, accounts...)
	for _, a := range m.Fixed {
		if strings.HasPrefix(a.Username, "writer") {
			names = append(names, a.Username)
		}
	}
	tokens := map[string]string{}
	for _, name := range names {
		if _, ok := tokens[name]; ok {
			continue
		}
		u, err := db.LocalUser(name)
		if err != nil {
			return nil, fmt.Errorf("api token for %s: %w", name, err)
		}
		tok := storage.OAuthToken{AppID: app.ID, UserID: u.ID, Scopes: scopes}
		secret, err := db.CreateToken(&tok)
		if err != nil {
			return nil, fmt.Errorf("api token for %s: %w", name, err)
		}
		tokens[name] = secret
	}
	return tokens, nil
}

// discoverAPI checks that the server has the client API: without it
// (/api/v1/instance answers 404) the API rows say so instead of
// measuring errors.
func discoverAPI(ctx context.Context, c *http.Client, s *site, tokens map[string]string) {
	s.tokens = tokens
	status, _, err := get(ctx, c, s.base, "/api/v1/instance", "", false)
	switch {
	case err != nil:
		s.apiNA = "n/a (" + err.Error() + ")"
	case status == http.StatusNotFound:
		s.apiNA = "n/a (client API not built yet)"
	case len(tokens) == 0:
		s.apiNA = "n/a (no API tokens)"
	}
}

// apiScenarios are the API rows.
func (s *site) apiScenarios() []scenario {
	home := s.tokens[s.home]
	return []scenario{
		{name: apiHomeRow, na: s.apiNA, next: func(int, int, *rand.Rand) req {
			return req{method: http.MethodGet, path: "/api/v1/timelines/home?limit=20", bearer: home}
		}, ok: func(_ req, st int) bool { return st == http.StatusOK }},
		{name: apiPostRow, na: s.apiNA, unit: "posts", next: func(w, _ int, _ *rand.Rand) req {
			n := postCounter.Add(1)
			body := fmt.Sprintf("Load test status %d from connection %d: *measuring* the API write path, see https://example.com/load/%d #loadtest", n, w, n)
			return req{method: http.MethodPost, path: "/api/v1/statuses", form: url.Values{"status": {body}, "visibility": {"public"}}.Encode(),
				bearer: s.tokens[s.writers[w%len(s.writers)]], write: true}
		}, ok: func(_ req, st int) bool { return st == http.StatusOK }},
	}
}

// apiTargets says how the API rows stand against their web twins of the
// same run.
func apiTargets(rows []result) string {
	by := map[string]result{}
	for _, r := range rows {
		by[r.name] = r
	}
	var b strings.Builder
	check := func(api, web, target string, ok func(a, w float64) bool) {
		a, okA := by[api]
		w, okW := by[web]
		switch {
		case !okA || !okW:
			return
		case a.na != "":
			fmt.Fprintf(&b, "- %s: %s\n", api, a.na)
		case w.rps() == 0:
			fmt.Fprintf(&b, "- %s: the web row measured nothing\n", api)
		default:
			verdict := "met"
			switch {
			case a.errors > 0:
				// Refusals (a rate limit's 429s) are fast: a row that
				// has them measured something else.
				verdict = fmt.Sprintf("**not measured**: %d requests failed", a.errors)
			case !ok(a.rps(), w.rps()):
				verdict = "**missed**"
			}
			fmt.Fprintf(&b, "- %s: %.0f req/s = %.2f× the web's %.0f (target %s): %s\n", api, a.rps(), a.rps()/w.rps(), w.rps(), target, verdict)
		}
	}
	check(apiHomeRow, webHomeRow, "≥ 0.5×", func(a, w float64) bool { return a >= 0.5*w })
	check(apiPostRow, webPostRow, "no more than 10 % slower", func(a, w float64) bool { return a >= 0.9*w })
	if b.Len() == 0 {
		return ""
	}
	return "API targets:\n\n" + b.String()
}
