package api

import (
	"net/http"
	"net/url"
	"strconv"

	"majlis/storage"
)

// paging is a list request's window, as Mastodon's clients send it:
// max_id (older than), since_id (newer than), min_id (newer than,
// oldest first — the page just after it), limit.
type paging struct {
	MaxID, SinceID, MinID storage.ID
	Limit                 int
}

// Default and largest page sizes, Mastodon's.
const (
	defaultLimit = 20
	maxLimit     = 40
)

// parsePaging reads the window of a list request; a malformed id is
// ignored (Mastodon ignores what it cannot parse) and the limit is
// clamped to 1..most (maxLimit when most is 0).
func parsePaging(r *http.Request, most int) paging {
	if most <= 0 {
		most = maxLimit
	}
	q := r.URL.Query()
	id := func(name string) storage.ID {
		v, err := storage.ParseID(q.Get(name))
		if err != nil {
			return 0
		}
		return v
	}
	p := paging{MaxID: id("max_id"), SinceID: id("since_id"), MinID: id("min_id"), Limit: defaultLimit}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		p.Limit = min(max(n, 1), most)
	}
	return p
}

// storagePage is the storage window for a page that walks back from
// max_id.
func (p paging) storagePage() storage.Page { return storage.Page{Before: p.MaxID, Limit: p.Limit} }

// setLink writes the Link header of a page whose items run from newest
// to oldest: "next" (older, max_id = the oldest item) and "prev" (newer,
// min_id = the newest item), keeping the request's other parameters.
// Nothing is written for an empty page.
func (a *API) setLink(w http.ResponseWriter, r *http.Request, newest, oldest storage.ID, more bool) {
	if newest == 0 && oldest == 0 {
		return
	}
	link := func(set, value string) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			if k == "max_id" || k == "since_id" || k == "min_id" || k == "access_token" {
				continue
			}
			q[k] = v
		}
		q.Set(set, value)
		return a.cfg.BaseURL + r.URL.Path + "?" + q.Encode()
	}
	h := ""
	if more && oldest != 0 {
		h = "<" + link("max_id", oldest.String()) + `>; rel="next"`
	}
	if newest != 0 {
		if h != "" {
			h += ", "
		}
		h += "<" + link("min_id", newest.String()) + `>; rel="prev"`
	}
	w.Header().Set("Link", h)
}
