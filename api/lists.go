package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"majlis/social"
	"majlis/storage"
)

// Lists, keyword filters (v2, and v1: filters_v1.go) and followed hashtags, in
// Mastodon's shapes and scopes.

// List is a member's list.
type List struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func listEntity(l storage.List) List {
	return List{ID: l.ID.String(), Title: l.Title, RepliesPolicy: string(l.Replies), Exclusive: l.Exclusive}
}

// FilterKeyword is one keyword of a filter.
type FilterKeyword struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

// Filter is a keyword filter (v2).
type Filter struct {
	ID           string          `json:"id"`
	Title        string          `json:"title"`
	Context      []string        `json:"context"`
	ExpiresAt    *string         `json:"expires_at"`
	FilterAction string          `json:"filter_action"`
	Keywords     []FilterKeyword `json:"keywords"`
	Statuses     []any           `json:"statuses"`
}

// FilterResult is what a status's "filtered" says of one filter.
type FilterResult struct {
	Filter         Filter   `json:"filter"`
	KeywordMatches []string `json:"keyword_matches"`
	StatusMatches  []string `json:"status_matches"`
}

// FilterV1 is one keyword of a filter as the first filters API showed it.
type FilterV1 struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	WholeWord    bool     `json:"whole_word"`
	ExpiresAt    *string  `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
}

func filterEntity(f storage.Filter) Filter {
	out := Filter{ID: f.ID.String(), Title: f.Title, Context: f.Contexts, FilterAction: f.Action,
		Keywords: []FilterKeyword{}, Statuses: []any{}}
	if !f.ExpiresAt.IsZero() {
		s := f.ExpiresAt.UTC().Format(time.RFC3339Nano)
		out.ExpiresAt = &s
	}
	if out.Context == nil {
		out.Context = []string{}
	}
	for _, k := range f.Keywords {
		out.Keywords = append(out.Keywords, FilterKeyword{ID: k.ID.String(), Keyword: k.Keyword, WholeWord: k.WholeWord})
	}
	return out
}

func (a *API) listsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/lists", a.route(UserToken, "read:lists", a.getLists))
	mux.HandleFunc("POST /api/v1/lists", a.route(UserToken, "write:lists", a.createList))
	mux.HandleFunc("GET /api/v1/lists/{id}", a.route(UserToken, "read:lists", a.getList))
	mux.HandleFunc("PUT /api/v1/lists/{id}", a.route(UserToken, "write:lists", a.updateList))
	mux.HandleFunc("DELETE /api/v1/lists/{id}", a.route(UserToken, "write:lists", a.deleteList))
	mux.HandleFunc("GET /api/v1/lists/{id}/accounts", a.route(UserToken, "read:lists", a.listAccounts))
	mux.HandleFunc("POST /api/v1/lists/{id}/accounts", a.route(UserToken, "write:lists", a.changeListAccounts(true)))
	mux.HandleFunc("DELETE /api/v1/lists/{id}/accounts", a.route(UserToken, "write:lists", a.changeListAccounts(false)))
	mux.HandleFunc("GET /api/v1/timelines/list/{id}", a.route(UserToken, "read:lists", a.listTimeline))

	mux.HandleFunc("GET /api/v2/filters", a.route(UserToken, "read:filters", a.getFilters))
	mux.HandleFunc("POST /api/v2/filters", a.route(UserToken, "write:filters", a.saveFilter(true)))
	mux.HandleFunc("GET /api/v2/filters/{id}", a.route(UserToken, "read:filters", a.getFilter))
	mux.HandleFunc("PUT /api/v2/filters/{id}", a.route(UserToken, "write:filters", a.saveFilter(false)))
	mux.HandleFunc("DELETE /api/v2/filters/{id}", a.route(UserToken, "write:filters", a.deleteFilter))
	// GET /api/v2/filters/ID/keywords and /api/v2/filters/keywords/ID
	// share a pattern: the mux cannot tell which is more specific.
	mux.HandleFunc("GET /api/v2/filters/{a}/{b}", a.route(UserToken, "read:filters", a.filterKeywordsOrKeyword))
	mux.HandleFunc("POST /api/v2/filters/{id}/keywords", a.route(UserToken, "write:filters", a.addFilterKeyword))
	mux.HandleFunc("PUT /api/v2/filters/keywords/{id}", a.route(UserToken, "write:filters", a.changeFilterKeyword(false)))
	mux.HandleFunc("DELETE /api/v2/filters/keywords/{id}", a.route(UserToken, "write:filters", a.changeFilterKeyword(true)))
	mux.HandleFunc("GET /api/v1/filters", a.route(UserToken, "read:filters", a.getFiltersV1))
	mux.HandleFunc("GET /api/v1/filters/{id}", a.route(UserToken, "read:filters", a.getFilterV1))
	a.filtersV1Routes(mux) // filters_v1.go

	mux.HandleFunc("GET /api/v1/followed_tags", a.route(UserToken, "read:follows", a.followedTags))
	mux.HandleFunc("GET /api/v1/tags/{name}", a.route(Public, "read:statuses", a.getTag))
	mux.HandleFunc("POST /api/v1/tags/{name}/follow", a.route(UserToken, "write:follows", a.changeTagFollow(true)))
	mux.HandleFunc("POST /api/v1/tags/{name}/unfollow", a.route(UserToken, "write:follows", a.changeTagFollow(false)))
}

// --- lists ---

// A member's lists and filters are read alike: all of them, or the one the
// path names (404 when it is not the member's).

func (a *API) getLists(w http.ResponseWriter, r *http.Request, au *Auth) {
	writeAll(a, w, r, au, a.db.Lists, listEntity)
}

func (a *API) getList(w http.ResponseWriter, r *http.Request, au *Auth) {
	writeOne(a, w, r, au, a.db.List, listEntity)
}

func (a *API) pathList(r *http.Request, au *Auth) (storage.List, error) {
	return pathOwned(r, au, a.db.List)
}

// writeAll answers with the entities of everything the member has of a
// kind, an empty array for none.
func writeAll[T, E any](a *API, w http.ResponseWriter, r *http.Request, au *Auth, all func(storage.ID) ([]T, error), entity func(T) E) {
	items, err := all(au.User.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]E, 0, len(items))
	for _, it := range items {
		out = append(out, entity(it))
	}
	writeJSON(w, http.StatusOK, out)
}

// writeOne answers with the entity of the member's record the path names.
func writeOne[T, E any](a *API, w http.ResponseWriter, r *http.Request, au *Auth, get func(owner, id storage.ID) (T, error), entity func(T) E) {
	it, err := pathOwned(r, au, get)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, entity(it))
}

// pathOwned is the member's record the path's {id} names; ErrNotFound for
// an id that is not a number or not the member's.
func pathOwned[T any](r *http.Request, au *Auth, get func(owner, id storage.ID) (T, error)) (T, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		var zero T
		return zero, storage.ErrNotFound
	}
	return get(au.User.ID, id)
}

// listParams reads a list's fields into l; those not sent stay.
func listParams(ps *params, l *storage.List) {
	if ps.has("title") {
		l.Title = ps.Get("title")
	}
	if ps.has("replies_policy") {
		l.Replies = storage.RepliesPolicy(ps.Get("replies_policy"))
	}
	if v, ok := ps.flag("exclusive"); ok {
		l.Exclusive = v
	}
}

func (a *API) createList(w http.ResponseWriter, r *http.Request, au *Auth) {
	ps, cleanup, err := readParams(w, r, 64<<10)
	defer cleanup()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	l := storage.List{OwnerID: au.User.ID}
	listParams(ps, &l)
	if err := a.soc.CreateList(a.langContext(r, au), &l); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEntity(l))
}

func (a *API) updateList(w http.ResponseWriter, r *http.Request, au *Auth) {
	l, err := a.pathList(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ps, cleanup, err := readParams(w, r, 64<<10)
	defer cleanup()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	listParams(ps, &l)
	out, err := a.soc.UpdateList(a.langContext(r, au), au.User.ID, l)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEntity(out))
}

func (a *API) deleteList(w http.ResponseWriter, r *http.Request, au *Auth) {
	l, err := a.pathList(r, au)
	if err == nil {
		err = a.soc.DeleteList(a.langContext(r, au), au.User.ID, l.ID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// listAccounts is a list's members, oldest account first; limit 0 is
// every one of them, as Mastodon allows.
func (a *API) listAccounts(w http.ResponseWriter, r *http.Request, au *Auth) {
	l, err := a.pathList(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	members, err := a.db.ListMembers(au.User.ID, l.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	limit := maxLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			limit = n
		}
	}
	if max, err := storage.ParseID(r.URL.Query().Get("max_id")); err == nil {
		members = slices.DeleteFunc(members, func(u storage.User) bool { return u.ID >= max })
	}
	if since, err := storage.ParseID(r.URL.Query().Get("since_id")); err == nil {
		members = slices.DeleteFunc(members, func(u storage.User) bool { return u.ID <= since })
	}
	if limit > 0 && len(members) > limit {
		members = members[:limit]
	}
	s := a.instance()
	out := make([]Account, 0, len(members))
	for _, u := range members {
		out = append(out, a.accountIn(s, u, au.User.ID, true))
		a.carries(w, u)
	}
	writeJSON(w, http.StatusOK, out)
}

// changeListAccounts adds or removes the accounts of account_ids[]; an
// account the member does not follow cannot be added (422, as Mastodon).
func (a *API) changeListAccounts(add bool) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		l, err := a.pathList(r, au)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		ps, cleanup, err := readParams(w, r, 64<<10)
		defer cleanup()
		if err != nil {
			a.fail(w, r, err)
			return
		}
		var ids []storage.ID
		for _, s := range ps.list("account_ids") {
			id, err := storage.ParseID(s)
			if err != nil {
				notFound(w)
				return
			}
			ids = append(ids, id)
		}
		ctx := a.langContext(r, au)
		if add {
			err = a.soc.AddToList(ctx, au.User.ID, l.ID, ids)
		} else {
			err = a.soc.RemoveFromList(ctx, au.User.ID, l.ID, ids)
		}
		if social.KindOf(err) == social.Forbidden {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: Account has not been followed")
			return
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

// accountLists is the member's lists that hold the path's account.
func (a *API) accountLists(w http.ResponseWriter, r *http.Request, au *Auth) {
	u, err := a.accountByID(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	with, err := a.db.ListsWith(au.User.ID, u.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]List, 0, len(with))
	for _, l := range with {
		out = append(out, listEntity(l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) listTimeline(w http.ResponseWriter, r *http.Request, au *Auth) {
	l, err := a.pathList(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	me := au.User
	a.writeFilteredTimeline(w, r, me, parsePaging(r, 0), storage.FilterHome, func(p storage.Page) (storage.Timeline, error) {
		return a.db.ListTimeline(me.ID, l.ID, p)
	})
}

// writeFilteredTimeline is writeTimeline with the member's keyword
// filters of a context applied: a status a filter hides is left out, one
// a filter warns about carries "filtered" (its reblog too), for the app
// to fold.
func (a *API) writeFilteredTimeline(w http.ResponseWriter, r *http.Request, viewer storage.User, p paging, context string, fn func(storage.Page) (storage.Timeline, error)) {
	f := a.soc.FiltersFor(viewer.ID, context)
	if f == nil {
		a.writeTimeline(w, r, viewer, p, fn)
		return
	}
	entries, more, err := window(p, timelineRead(fn), entryCursor)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	if len(entries) > 0 {
		a.setLink(w, r, entries[0].Cursor(), entries[len(entries)-1].Cursor(), more)
	}
	c := a.conv(viewer)
	out := make([]Status, 0, len(entries))
	for _, e := range entries {
		if s, ok := c.filteredStatus(e, f); ok {
			out = append(out, s)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// filteredStatus converts an entry with the member's keyword filters f
// applied: false when one hides it, else the status, marked "filtered"
// (its reblog too) when one warns about it.
func (c *statusConv) filteredStatus(e storage.Entry, f *social.Filterer) (Status, bool) {
	m := f.Match(&e.Post)
	if m.Hide {
		return Status{}, false
	}
	s := c.status(e)
	markFiltered(&s, m)
	return s, true
}

// markFiltered gives a status (and its reblog) the "filtered" of what the
// member's filters said of it, for the app to fold; nothing when none
// matched.
func markFiltered(s *Status, m social.Filtered) {
	if len(m.Matches) == 0 {
		return
	}
	results := filterResults(m)
	s.Filtered = results
	if s.Reblog != nil {
		s.Reblog.Filtered = results
	}
}

func filterResults(m social.Filtered) []any {
	out := make([]any, 0, len(m.Matches))
	for _, fm := range m.Matches {
		out = append(out, FilterResult{Filter: filterEntity(fm.Filter), KeywordMatches: fm.Keywords})
	}
	return out
}

// --- filters ---

func (a *API) getFilters(w http.ResponseWriter, r *http.Request, au *Auth) {
	writeAll(a, w, r, au, a.db.Filters, filterEntity)
}

func (a *API) getFilter(w http.ResponseWriter, r *http.Request, au *Auth) {
	writeOne(a, w, r, au, a.db.Filter, filterEntity)
}

func (a *API) pathFilter(r *http.Request, au *Auth) (storage.Filter, error) {
	return pathOwned(r, au, a.db.Filter)
}

// saveFilter creates a filter (POST) or changes one (PUT): title,
// context[], filter_action, expires_in (seconds; empty: never) and
// keywords_attributes[] (keyword, whole_word; with id to change one,
// _destroy to remove it).
func (a *API) saveFilter(create bool) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		f := storage.Filter{UserID: au.User.ID}
		if !create {
			var err error
			if f, err = a.pathFilter(r, au); err != nil {
				a.fail(w, r, err)
				return
			}
		}
		ps, cleanup, err := readParams(w, r, 64<<10)
		defer cleanup()
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if ps.has("title") {
			f.Title = ps.Get("title")
		}
		if cs := ps.list("context"); len(cs) > 0 || create {
			f.Contexts = cs
		}
		if ps.has("filter_action") {
			f.Action = ps.Get("filter_action")
		}
		if ps.has("expires_in") {
			at, ok := a.expiresIn(ps)
			if !ok {
				writeError(w, http.StatusUnprocessableEntity, errExpiresIn)
				return
			}
			f.ExpiresAt = at
		}
		for _, row := range ps.rows("keywords_attributes", "id", "keyword", "whole_word", "_destroy") {
			whole := row["whole_word"] == "" || flagValue(row["whole_word"])
			if id, err := storage.ParseID(row["id"]); err == nil && row["id"] != "" {
				i := slices.IndexFunc(f.Keywords, func(k storage.FilterKeyword) bool { return k.ID == id })
				if i < 0 {
					continue
				}
				if flagValue(row["_destroy"]) {
					f.Keywords = slices.Delete(f.Keywords, i, i+1)
					continue
				}
				if row["keyword"] != "" {
					f.Keywords[i].Keyword = row["keyword"]
				}
				if row["whole_word"] != "" {
					f.Keywords[i].WholeWord = whole
				}
				continue
			}
			if row["keyword"] != "" {
				f.Keywords = append(f.Keywords, storage.FilterKeyword{Keyword: row["keyword"], WholeWord: whole})
			}
		}
		if err := a.soc.SaveFilter(a.langContext(r, au), &f); err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, filterEntity(f))
	}
}

const errExpiresIn = "Validation failed: Expires in is not a number of seconds"

// expiresIn is when a filter sent with expires_in (seconds from now)
// expires: zero for "" (never); false for what is not a number of
// seconds.
func (a *API) expiresIn(ps *params) (time.Time, bool) {
	s := strings.TrimSpace(ps.Get("expires_in"))
	if s == "" {
		return time.Time{}, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return a.cfg.Now().Add(time.Duration(n) * time.Second).UTC(), true
}

func flagValue(s string) bool {
	switch s {
	case "1", "t", "true", "on", "yes", "True", "TRUE":
		return true
	}
	return false
}

func (a *API) deleteFilter(w http.ResponseWriter, r *http.Request, au *Auth) {
	f, err := a.pathFilter(r, au)
	if err == nil {
		err = a.db.DeleteFilter(au.User.ID, f.ID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (a *API) filterKeywordsOrKeyword(w http.ResponseWriter, r *http.Request, au *Auth) {
	switch first, second := r.PathValue("a"), r.PathValue("b"); {
	case first == "keywords":
		r.SetPathValue("id", second)
		a.filterKeyword(w, r, au)
	case second == "keywords":
		r.SetPathValue("id", first)
		a.filterKeywords(w, r, au)
	case second == "statuses":
		// A filter of single statuses: majlis filters match keywords
		// only, so a filter has none of those (filters_v1.go).
		r.SetPathValue("id", first)
		if _, err := a.pathFilter(r, au); err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, []any{})
	default:
		notFound(w)
	}
}

func (a *API) filterKeywords(w http.ResponseWriter, r *http.Request, au *Auth) {
	f, err := a.pathFilter(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterEntity(f).Keywords)
}

func (a *API) addFilterKeyword(w http.ResponseWriter, r *http.Request, au *Auth) {
	f, err := a.pathFilter(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ps, cleanup, err := readParams(w, r, 64<<10)
	defer cleanup()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if ps.Get("keyword") == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Keyword can't be blank")
		return
	}
	whole, sent := ps.flag("whole_word")
	f.Keywords = append(f.Keywords, storage.FilterKeyword{Keyword: ps.Get("keyword"), WholeWord: whole || !sent})
	if err := a.soc.SaveFilter(a.langContext(r, au), &f); err != nil {
		a.fail(w, r, err)
		return
	}
	k := f.Keywords[len(f.Keywords)-1]
	writeJSON(w, http.StatusOK, FilterKeyword{ID: k.ID.String(), Keyword: k.Keyword, WholeWord: k.WholeWord})
}

// keywordOf finds one of the member's filter keywords by its ID: the
// filter and the keyword's index in it.
func (a *API) keywordOf(r *http.Request, au *Auth) (storage.Filter, int, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.Filter{}, 0, storage.ErrNotFound
	}
	all, err := a.db.Filters(au.User.ID)
	if err != nil {
		return storage.Filter{}, 0, err
	}
	for _, f := range all {
		if i := slices.IndexFunc(f.Keywords, func(k storage.FilterKeyword) bool { return k.ID == id }); i >= 0 {
			return f, i, nil
		}
	}
	return storage.Filter{}, 0, storage.ErrNotFound
}

func (a *API) filterKeyword(w http.ResponseWriter, r *http.Request, au *Auth) {
	f, i, err := a.keywordOf(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	k := f.Keywords[i]
	writeJSON(w, http.StatusOK, FilterKeyword{ID: k.ID.String(), Keyword: k.Keyword, WholeWord: k.WholeWord})
}

// changeFilterKeyword changes (keyword, whole_word) or removes a keyword.
func (a *API) changeFilterKeyword(remove bool) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		f, i, err := a.keywordOf(r, au)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		ps, cleanup, err := readParams(w, r, 64<<10)
		defer cleanup()
		if err != nil {
			a.fail(w, r, err)
			return
		}
		k := f.Keywords[i]
		if remove {
			f.Keywords = slices.Delete(f.Keywords, i, i+1)
		} else {
			if s := ps.Get("keyword"); s != "" {
				f.Keywords[i].Keyword = s
			}
			if v, ok := ps.flag("whole_word"); ok {
				f.Keywords[i].WholeWord = v
			}
			k = f.Keywords[i]
		}
		if err := a.soc.SaveFilter(a.langContext(r, au), &f); err != nil {
			a.fail(w, r, err)
			return
		}
		if remove {
			writeJSON(w, http.StatusOK, map[string]any{})
			return
		}
		writeJSON(w, http.StatusOK, FilterKeyword{ID: k.ID.String(), Keyword: k.Keyword, WholeWord: k.WholeWord})
	}
}

// v1 filters: each keyword is a filter of its own, by the keyword's ID.
func filtersV1(f storage.Filter) []FilterV1 {
	var out []FilterV1
	e := filterEntity(f)
	for _, k := range f.Keywords {
		out = append(out, FilterV1{ID: k.ID.String(), Phrase: k.Keyword, Context: e.Context, WholeWord: k.WholeWord,
			ExpiresAt: e.ExpiresAt, Irreversible: f.Action == storage.FilterHide})
	}
	return out
}

func (a *API) getFiltersV1(w http.ResponseWriter, r *http.Request, au *Auth) {
	all, err := a.db.Filters(au.User.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := []FilterV1{}
	for _, f := range all {
		out = append(out, filtersV1(f)...)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getFilterV1(w http.ResponseWriter, r *http.Request, au *Auth) {
	f, i, err := a.keywordOf(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filtersV1(f)[i])
}

// --- followed hashtags ---

func (a *API) tagEntity(name string, following *bool) Tag {
	return Tag{Name: name, URL: a.tagURL(name), History: []any{}, Following: following}
}

func (a *API) followedTags(w http.ResponseWriter, r *http.Request, au *Auth) {
	tags, err := a.db.FollowedTags(au.User.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]Tag, 0, len(tags))
	yes := true
	for _, t := range tags {
		out = append(out, a.tagEntity(t.Tag, &yes))
	}
	writeJSON(w, http.StatusOK, out)
}

// getTag is a hashtag, with whether the member follows it (no "following"
// without a member).
func (a *API) getTag(w http.ResponseWriter, r *http.Request, au *Auth) {
	key := social.TagKey(r.PathValue("name"))
	if key == "" {
		notFound(w)
		return
	}
	var following *bool
	if v := viewerOf(au); v.ID != 0 {
		ok, err := a.db.FollowsTag(v.ID, key)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		following = &ok
	}
	writeJSON(w, http.StatusOK, a.tagEntity(key, following))
}

func (a *API) changeTagFollow(follow bool) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		ctx := a.langContext(r, au)
		var key string
		var err error
		if follow {
			key, err = a.soc.FollowTag(ctx, au.User.ID, r.PathValue("name"))
		} else {
			key, err = a.soc.UnfollowTag(ctx, au.User.ID, r.PathValue("name"))
		}
		if social.KindOf(err) == social.Invalid && social.TagKey(r.PathValue("name")) == "" {
			notFound(w)
			return
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, a.tagEntity(key, &follow))
	}
}
