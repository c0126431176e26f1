package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"majlis/i18n"
	"majlis/search"
	"majlis/storage"
	"majlis/views"
)

// Search: /search answers the search box (a plain GET form; under HTMX,
// as it is typed, the results fragment), /search/suggest the compose
// box's @name and #tag suggestions. What may be found and by whom is
// storage's decision (SearchPosts, SearchPeople, SearchTags).

const (
	searchPageSize = 20
	// searchSideList bounds the people and tags above the posts.
	searchSideList = 5
	maxSuggestions = 8
)

// searchText trims a query; "" when it is too long or holds control
// characters, which no one types.
func searchText(raw string) string {
	q := strings.TrimSpace(raw)
	if len(q) > maxQueryLen || strings.ContainsFunc(q, unicode.IsControl) {
		return ""
	}
	return q
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q := searchText(r.URL.Query().Get("q"))
	s := views.Search{Query: q, Asked: q != ""}
	page, err := h.timelinePage(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	s.First = page.Before == 0
	if s.Asked {
		if err := h.findPosts(r, q, page.Before, &s); err != nil {
			h.error(w, r, err)
			return
		}
		if s.First {
			if err := h.findSideResults(r, q, &s); err != nil {
				h.error(w, r, err)
				return
			}
		}
	}
	switch {
	case isHTMX(r) && !s.First:
		h.render(w, r, http.StatusOK, views.SearchHits(s))
	case isHTMX(r) && r.Header.Get("HX-Target") == "search-results":
		h.render(w, r, http.StatusOK, views.SearchResults(s))
	default:
		title := i18n.T(r.Context(), "search.title")
		if q != "" {
			title = q + " · " + title
		}
		p := h.page(r, title, "search")
		if p.Consent != nil {
			// Results pages are for the one who asked, not for engines.
			p.Consent.NoIndex = true
		}
		h.render(w, r, http.StatusOK, views.SearchPage(p, s))
	}
}

// findPosts fills in a page of posts found, with their excerpts.
func (h *Handler) findPosts(r *http.Request, q string, before storage.ID, s *views.Search) error {
	query := search.ParseQuery(q)
	cur := storage.SearchCursor{Before: before, Stemmed: r.URL.Query().Get("stemmed") == "1"}
	res, err := h.db.SearchPosts(viewerID(r), query, cur, searchPageSize)
	if err != nil {
		return err
	}
	s.Highlight = search.NewHighlighter(query)
	s.Hits = make([]views.SearchHit, 0, len(res.Entries))
	for _, e := range res.Entries {
		s.Hits = append(s.Hits, views.SearchHit{Post: h.postView(r, e), Text: storage.SearchText(&e.Post)})
	}
	if res.Next != 0 {
		base := "/search?q=" + url.QueryEscape(q)
		if res.NextStemmed {
			base += "&stemmed=1"
		}
		cursor := res.Next.String()
		if res.NextHidden {
			cursor = h.cursors.seal(res.Next)
		}
		s.MoreURL = base + "&before=" + url.QueryEscape(cursor)
	}
	return nil
}

// findSideResults fills in what the first page shows above the posts:
// people and hashtags whose names start with a one-word query, and for
// an address of another server the offer to look it up there.
func (h *Handler) findSideResults(r *http.Request, q string, s *views.Search) error {
	if viewerID(r) != 0 && h.cfg.Federation != nil && (isURL(q) || validHandle(q)) {
		if _, local := h.localAddress(q); !local {
			s.Lookup = q
		}
	}
	if strings.ContainsFunc(q, unicode.IsSpace) || isURL(q) {
		return nil
	}
	switch {
	case strings.HasPrefix(q, "#"):
		return h.findTags(q, s)
	case strings.HasPrefix(q, "@"), strings.Contains(q, ":"):
		if strings.HasPrefix(q, "@") {
			return h.findPeople(r, q, s)
		}
		return nil // from:, has: and the like ask for posts
	}
	if err := h.findPeople(r, q, s); err != nil {
		return err
	}
	return h.findTags(q, s)
}

func (h *Handler) findPeople(r *http.Request, q string, s *views.Search) error {
	us, err := h.db.SearchPeople(viewerID(r), q, searchSideList)
	if err != nil {
		return err
	}
	for _, u := range us {
		s.People = append(s.People, h.userItem(r, u))
	}
	return nil
}

func (h *Handler) findTags(q string, s *views.Search) error {
	tags, err := h.db.SearchTags(q, searchSideList)
	if err != nil {
		return err
	}
	for _, t := range tags {
		s.Tags = append(s.Tags, views.SearchTag{Name: t.Name, URL: "/tags/" + url.PathEscape(t.Name), Posts: t.Posts, Many: t.Posts >= storage.MaxTagCount})
	}
	return nil
}

// suggestion is one entry of the compose box's list: the text that
// replaces the typed @name or #tag, what the list shows, and a detail
// (the handle, a count of posts).
type suggestion struct {
	Insert string `json:"insert"`
	Label  string `json:"label"`
	Detail string `json:"detail"`
}

// suggest answers the compose box's script (static/js/suggest.js) with
// the accounts or hashtags that start with ?q= ("@am", "#go"), as JSON.
func (h *Handler) suggest(w http.ResponseWriter, r *http.Request) {
	q := searchText(r.URL.Query().Get("q"))
	out := []suggestion{}
	switch {
	case len(q) > 1 && q[0] == '@' && !strings.ContainsFunc(q, unicode.IsSpace):
		us, err := h.db.SearchPeople(viewerID(r), q, maxSuggestions)
		if err != nil {
			h.error(w, r, err)
			return
		}
		for _, u := range us {
			out = append(out, suggestion{Insert: handleOf(u), Label: u.Name(), Detail: handleOf(u)})
		}
	case len(q) > 1 && q[0] == '#' && !strings.ContainsFunc(q, unicode.IsSpace):
		tags, err := h.db.SearchTags(q, maxSuggestions)
		if err != nil {
			h.error(w, r, err)
			return
		}
		for _, t := range tags {
			detail := i18n.N(r.Context(), "search.tag_posts", t.Posts)
			if t.Posts >= storage.MaxTagCount {
				detail = i18n.T(r.Context(), "search.tag_posts_many", "count", itoa(t.Posts))
			}
			out = append(out, suggestion{Insert: "#" + t.Name, Label: "#" + t.Name, Detail: detail})
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}
