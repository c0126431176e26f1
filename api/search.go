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

	"majlis/search"
	"majlis/storage"
)

// Search: statuses (full text through the search index, as the web's
// search box finds them, or a post's URL, fetched with resolve=true),
// accounts (by the words of their names, and with resolve=true accounts
// of other servers by address or URL) and hashtags (by prefix, those of
// public posts). Mastodon's parameters: q, type, resolve, following,
// account_id, limit, offset, and max_id/min_id for statuses.

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
	// maxSearchOffset bounds offset paging, which reads every result
	// before the offset: deeper pages use max_id.
	maxSearchOffset = 200
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
	// Mastodon resolves for a member's token only.
	resolve := formBool(r.URL.Query().Get("resolve")) && viewer.ID != 0
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	if offset > maxSearchOffset {
		writeJSON(w, http.StatusOK, out)
		return
	}
	c := a.conv(viewer)
	if kind == "" || kind == "statuses" {
		entries, err := a.findStatuses(r, viewer, q, resolve, offset, limit)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		for _, e := range entries {
			out.Statuses = append(out.Statuses, c.status(e))
		}
	}
	if (kind == "" || kind == "accounts") && offset == 0 {
		users, err := a.findAccounts(r.Context(), viewer, q, resolve, limit, formBool(r.URL.Query().Get("following")))
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		for _, u := range users {
			out.Accounts = append(out.Accounts, c.account(u))
		}
	}
	if (kind == "" || kind == "hashtags") && offset == 0 && !isHTTPURL(q) && !strings.ContainsFunc(q, unicode.IsSpace) {
		tags, err := a.db.SearchTags(q, limit)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		for _, t := range tags {
			out.Hashtags = append(out.Hashtags, Tag{Name: t.Name, URL: a.tagURL(t.Name), History: []any{}})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// findStatuses is the statuses part: the post a URL names, or the posts
// the query finds, newest first, the exact matches before the stemmed
// ones; offset skips results (Mastodon's paging for search), max_id
// starts below an ID, min_id keeps only newer posts, account_id keeps
// one account's.
func (a *API) findStatuses(r *http.Request, viewer storage.User, q string, resolve bool, offset, limit int) ([]storage.Entry, error) {
	if isHTTPURL(q) {
		if e, ok := a.findStatus(r.Context(), viewer, q, resolve); ok && offset == 0 {
			return []storage.Entry{e}, nil
		}
		return nil, nil
	}
	query := search.ParseQuery(q)
	pg := parsePaging(r, 0)
	if s := r.URL.Query().Get("account_id"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			return nil, nil
		}
		u, err := a.db.UserByID(id)
		if err != nil {
			return nil, nil
		}
		query.From = u.Username
		if u.Domain != "" {
			query.From += "@" + u.Domain
		}
	}
	if pg.MinID != 0 {
		query.After = pg.MinID.Time()
	}
	cur := storage.SearchCursor{Before: pg.MaxID}
	var out []storage.Entry
	for len(out) < offset+limit {
		page, err := a.db.SearchPosts(viewer.ID, query, cur, offset+limit-len(out))
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entries {
			if e.Post.ID > pg.MinID {
				out = append(out, e)
			}
		}
		if page.Next == 0 {
			break
		}
		cur = storage.SearchCursor{Before: page.Next, Stemmed: page.NextStemmed}
	}
	if offset >= len(out) {
		return nil, nil
	}
	return out[offset:min(len(out), offset+limit)], nil
}

// accountSearch answers /api/v1/accounts/search: the accounts part.
func (a *API) accountSearch(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	q := searchQuery(r)
	out := []Account{}
	if q != "" {
		resolve := formBool(r.URL.Query().Get("resolve")) && viewer.ID != 0
		users, err := a.findAccounts(r.Context(), viewer, q, resolve, searchLimit(r), formBool(r.URL.Query().Get("following")))
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
// accounts a word of whose names starts with the query (storage's people
// search, which leaves out those who did not agree to be found unless
// their whole name was typed). Accounts moderation holds and accounts a
// block stands between the viewer and are left out; with following, so
// are those the viewer does not follow.
func (a *API) findAccounts(ctx context.Context, viewer storage.User, q string, resolve bool, limit int, following bool) ([]storage.User, error) {
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
		us, err := a.db.SearchPeople(viewer.ID, name, limit)
		if err != nil {
			return nil, err
		}
		found = us
	}
	out := found[:0]
	for _, u := range found {
		if st := u.AccountStatus(); st == storage.StatusPending || st == storage.StatusSuspended {
			continue
		}
		if viewer.ID != 0 && u.ID != viewer.ID {
			rel, err := a.db.RelationshipOf(viewer.ID, u.ID)
			if err != nil || rel.Blocking || rel.BlockedBy || following && !rel.Following {
				continue
			}
		} else if following {
			continue
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
