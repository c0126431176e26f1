package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"majlis/markup"
	"majlis/storage"
)

// Search: accounts (members by name, and with resolve=true accounts of
// other servers by address or URL), hashtags (a tag with public posts)
// and statuses (only a post's URL with resolve=true: full-text search is
// not there yet).

// SearchResults is the answer of /api/v2/search.
type SearchResults struct {
	Accounts []Account `json:"accounts"`
	Statuses []Status  `json:"statuses"`
	Hashtags []Tag     `json:"hashtags"`
}

const (
	// searchTimeout bounds a lookup on another server: the app waits.
	searchTimeout = 20 * time.Second
	maxQueryLen   = 500
)

// searchQuery is a search's question, trimmed; "" when it cannot be one.
func searchQuery(r *http.Request) string {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQueryLen || strings.ContainsFunc(q, unicode.IsControl) {
		return ""
	}
	return q
}

// search answers /api/v2/search.
func (a *API) search(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	q := searchQuery(r)
	out := SearchResults{Accounts: []Account{}, Statuses: []Status{}, Hashtags: []Tag{}}
	if q == "" {
		writeJSON(w, http.StatusOK, out)
		return
	}
	kind := r.URL.Query().Get("type")
	limit := searchLimit(r)
	// Mastodon resolves for a member's token only, and has no pages past
	// the first for lookups.
	resolve := formBool(r.URL.Query().Get("resolve")) && viewer.ID != 0
	if off, _ := strconv.Atoi(r.URL.Query().Get("offset")); off > 0 {
		writeJSON(w, http.StatusOK, out)
		return
	}
	c := a.conv(viewer)
	if kind == "" || kind == "statuses" {
		if e, ok := a.findStatus(r.Context(), viewer, q, resolve); ok {
			out.Statuses = append(out.Statuses, c.status(e))
		}
	}
	if kind == "" || kind == "accounts" {
		users, err := a.findAccounts(r.Context(), viewer, q, resolve, limit)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		for _, u := range users {
			out.Accounts = append(out.Accounts, c.account(u))
		}
	}
	if kind == "" || kind == "hashtags" {
		if tag := markup.NormalizeTag(q); tag != "" {
			t, err := a.db.TagTimeline(viewer.ID, tag, storage.Page{Limit: 1})
			if err != nil {
				a.serverError(w, r, err)
				return
			}
			if len(t.Entries) > 0 {
				out.Hashtags = append(out.Hashtags, Tag{Name: tag, URL: a.tagURL(tag), History: []any{}})
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// accountSearch answers /api/v1/accounts/search: the accounts part.
func (a *API) accountSearch(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	q := searchQuery(r)
	out := []Account{}
	if q != "" {
		resolve := formBool(r.URL.Query().Get("resolve")) && viewer.ID != 0
		users, err := a.findAccounts(r.Context(), viewer, q, resolve, searchLimit(r))
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		c := a.conv(viewer)
		for _, u := range users {
			out = append(out, c.account(u))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func searchLimit(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return defaultLimit
	}
	return min(n, maxLimit)
}

// splitHandle reads "name@host" or "@name@host" (host "" for "@name" or a
// bare name).
func splitHandle(q string) (name, host string, ok bool) {
	q = strings.TrimPrefix(q, "@")
	name, host, _ = strings.Cut(q, "@")
	if name == "" || strings.ContainsAny(name, "@/?# ") || strings.ContainsAny(host, "@/?# ") {
		return "", "", false
	}
	return name, strings.ToLower(host), true
}

// ownHost is the instance's host name.
func (a *API) ownHost() string {
	u, err := url.Parse(a.cfg.BaseURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

func isHTTPURL(q string) bool {
	return strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://")
}

// findAccounts lists the accounts a query names: the account of an
// address or URL (fetched from its server with resolve), else the
// members whose name starts with the query. Accounts moderation holds
// and accounts a block stands between the viewer and are left out.
func (a *API) findAccounts(ctx context.Context, viewer storage.User, q string, resolve bool, limit int) ([]storage.User, error) {
	var found []storage.User
	switch name, host, ok := splitHandle(q); {
	case isHTTPURL(q):
		if u, ok := a.localURLAccount(q); ok {
			found = append(found, u)
		} else if u, err := a.db.RemoteUserByURI(q); err == nil {
			found = append(found, u)
		} else if resolve && a.cfg.Federation != nil {
			if u, err := a.resolveAccount(ctx, q); err == nil {
				found = append(found, u)
			}
		}
	case ok && host != "" && host != a.ownHost():
		if u, err := a.db.RemoteUser(name, host); err == nil {
			found = append(found, u)
		} else if resolve && a.cfg.Federation != nil {
			if u, err := a.resolveAccount(ctx, "@"+name+"@"+host); err == nil {
				found = append(found, u)
			}
		}
	case ok:
		l, err := a.db.SearchUsers(name, storage.Page{Limit: limit})
		if err != nil {
			return nil, err
		}
		found = l.Users
	}
	out := found[:0]
	for _, u := range found {
		if st := u.AccountStatus(); st == storage.StatusPending || st == storage.StatusSuspended {
			continue
		}
		if viewer.ID != 0 && u.ID != viewer.ID {
			rel, err := a.db.RelationshipOf(viewer.ID, u.ID)
			if err != nil || rel.Blocking || rel.BlockedBy {
				continue
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// resolveAccount asks federation for an account, within the search's time.
func (a *API) resolveAccount(ctx context.Context, q string) (storage.User, error) {
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	return a.cfg.Federation.Lookup(ctx, q)
}

// localURLAccount is the member of one of the instance's own profile
// addresses (/@name, /users/name).
func (a *API) localURLAccount(q string) (storage.User, bool) {
	rest, ok := strings.CutPrefix(q, a.cfg.BaseURL+"/")
	if !ok || a.cfg.BaseURL == "" {
		return storage.User{}, false
	}
	rest = strings.TrimPrefix(rest, "users/")
	rest = strings.TrimPrefix(rest, "@")
	if rest == "" || strings.ContainsAny(rest, "/?#@") {
		return storage.User{}, false
	}
	u, err := a.db.LocalUser(rest)
	return u, err == nil
}

// findStatus is the post a URL names, as the viewer may see it: one of
// the instance's own permalinks, a post known here by its URI, or (with
// resolve) one fetched from its server.
func (a *API) findStatus(ctx context.Context, viewer storage.User, q string, resolve bool) (storage.Entry, bool) {
	if !isHTTPURL(q) {
		return storage.Entry{}, false
	}
	var id storage.ID
	if rest, ok := strings.CutPrefix(q, a.cfg.BaseURL+"/@"); ok && a.cfg.BaseURL != "" {
		if _, tail, ok := strings.Cut(rest, "/"); ok {
			id, _ = storage.ParseID(tail)
		}
	}
	if id == 0 {
		if p, err := a.db.PostByURI(q); err == nil {
			id = p.ID
		}
	}
	if id == 0 && resolve && a.cfg.Federation != nil {
		ctx, cancel := context.WithTimeout(ctx, searchTimeout)
		defer cancel()
		p, err := a.cfg.Federation.LookupPost(ctx, q)
		if err != nil {
			return storage.Entry{}, false
		}
		id = p.ID
	}
	if id == 0 {
		return storage.Entry{}, false
	}
	e, err := a.db.Post(viewer.ID, id)
	if errors.Is(err, storage.ErrNotFound) || err != nil {
		return storage.Entry{}, false
	}
	return e, true
}
