package api

import (
	"net/http"
	"slices"
	"strings"

	"majlis/search"
	"majlis/storage"
)

// The first filters API, which Mastodon still serves for the apps written
// before filters had titles and several keywords: each v1 filter is one
// keyword of a filter, by the keyword's ID (lists.go reads them). Writing
// through it: creating one makes a filter of one keyword, titled by it;
// changing one changes the keyword, and the filter's context, expiry
// and action only when the keyword is its filter's only one (the others'
// would change too: 422, as Mastodon); deleting one deletes the keyword,
// and the filter with its last one.

func (a *API) filtersV1Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/filters", a.route(UserToken, "write:filters", a.createFilterV1))
	mux.HandleFunc("PUT /api/v1/filters/{id}", a.route(UserToken, "write:filters", a.updateFilterV1))
	mux.HandleFunc("DELETE /api/v1/filters/{id}", a.route(UserToken, "write:filters", a.deleteFilterV1))
	mux.HandleFunc("POST /api/v2/filters/{id}/statuses", a.route(UserToken, "write:filters", a.addFilterStatus))
}

// addFilterStatus refuses to add a single status to a filter: majlis's
// filters match keywords only, and an app told so clearly (422) can say
// why, where a 404 would read as a filter gone. Reading a filter's
// statuses answers an empty list (lists.go).
func (a *API) addFilterStatus(w http.ResponseWriter, r *http.Request, au *Auth) {
	if _, err := a.pathFilter(r, au); err != nil {
		a.fail(w, r, err)
		return
	}
	writeError(w, http.StatusUnprocessableEntity, "Validation failed: filters here match keywords, not single statuses")
}

// filterV1Params reads the filter-wide fields a v1 request sends
// (context[], irreversible, expires_in) into f; false, with the answer
// written, for an expiry that is not a number of seconds.
func (a *API) filterV1Params(w http.ResponseWriter, ps *params, f *storage.Filter) bool {
	if cs := ps.list("context"); len(cs) > 0 {
		f.Contexts = cs
	}
	if hide, sent := ps.flag("irreversible"); sent {
		f.Action = storage.FilterWarn
		if hide {
			f.Action = storage.FilterHide
		}
	}
	if ps.has("expires_in") {
		at, ok := a.expiresIn(ps)
		if !ok {
			writeError(w, http.StatusUnprocessableEntity, errExpiresIn)
			return false
		}
		f.ExpiresAt = at
	}
	return true
}

func (a *API) createFilterV1(w http.ResponseWriter, r *http.Request, au *Auth) {
	ps, cleanup, err := readParams(w, r, 64<<10)
	defer cleanup()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	phrase := strings.TrimSpace(ps.Get("phrase"))
	if phrase == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Phrase can't be blank")
		return
	}
	// whole_word is true unless sent false, as Mastodon's.
	whole, sent := ps.flag("whole_word")
	f := storage.Filter{UserID: au.User.ID, Title: phrase, Action: storage.FilterWarn,
		Keywords: []storage.FilterKeyword{{Keyword: phrase, WholeWord: whole || !sent}}}
	if !a.filterV1Params(w, ps, &f) {
		return
	}
	if err := a.soc.SaveFilter(a.langContext(r, au), &f); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filtersV1(f)[0])
}

func (a *API) updateFilterV1(w http.ResponseWriter, r *http.Request, au *Auth) {
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
	id, old := f.Keywords[i].ID, f.Keywords[i].Keyword
	if s := strings.TrimSpace(ps.Get("phrase")); s != "" {
		for j, k := range f.Keywords {
			if j != i && search.Normalize(k.Keyword) == search.Normalize(s) {
				writeError(w, http.StatusUnprocessableEntity, "Validation failed: the filter has this phrase already")
				return
			}
		}
		f.Keywords[i].Keyword = s
	}
	if v, ok := ps.flag("whole_word"); ok {
		f.Keywords[i].WholeWord = v
	}
	before := f // filterV1Params replaces f's contexts, never changes them in place
	if !a.filterV1Params(w, ps, &f) {
		return
	}
	changed := !sameContexts(before.Contexts, f.Contexts) || before.Action != f.Action || !before.ExpiresAt.Equal(f.ExpiresAt)
	if changed && len(f.Keywords) > 1 {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: this filter has several keywords; change its context, expiry or action with the second filters API")
		return
	}
	if f.Title == old {
		// Titled by its phrase, as v1 made it: the title follows.
		f.Title = f.Keywords[i].Keyword
	}
	if err := a.soc.SaveFilter(a.langContext(r, au), &f); err != nil {
		a.fail(w, r, err)
		return
	}
	for _, v1 := range filtersV1(f) {
		if v1.ID == id.String() {
			writeJSON(w, http.StatusOK, v1)
			return
		}
	}
	notFound(w) // SaveFilter keeps every keyword it is given
}

// sameContexts tells whether two lists of contexts name the same ones,
// in whatever order: a client may send them back in another.
func sameContexts(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func (a *API) deleteFilterV1(w http.ResponseWriter, r *http.Request, au *Auth) {
	f, i, err := a.keywordOf(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(f.Keywords) == 1 {
		err = a.db.DeleteFilter(au.User.ID, f.ID)
	} else {
		f.Keywords = slices.Delete(f.Keywords, i, i+1)
		err = a.soc.SaveFilter(a.langContext(r, au), &f)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
