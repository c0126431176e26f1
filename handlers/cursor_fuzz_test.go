package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"majlis/storage"
)

// FuzzTimelineCursor: a timeline's ?before= never panics, and is accepted
// only as a canonical decimal ID or as exactly the sealed form of the ID
// it yields (a damaged sealed cursor is a 400, never some other ID).
func FuzzTimelineCursor(f *testing.F) {
	seal, err := newCursorSeal([]byte("a fixed test key"))
	if err != nil {
		f.Fatal(err)
	}
	h := &Handler{cursors: seal}
	for _, s := range []string{"", "1", "c", "cAAAAAAAAAAAAAAAAAAAAAA", seal.seal(1), seal.seal(7535492739073310826),
		seal.seal(storage.ID(^uint64(0))), seal.seal(42) + "=", "C" + seal.seal(42)[1:]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/", RawQuery: "before=" + url.QueryEscape(s)}}
		p, err := h.timelinePage(r)
		if err != nil {
			if code, _ := status(err); code != http.StatusBadRequest {
				t.Errorf("cursor %q: got error %v (status %d), want 400", s, err, code)
			}
			return
		}
		switch {
		case s == "":
			if p.Before != 0 {
				t.Errorf("no cursor: got %d", p.Before)
			}
		case canonicalID.MatchString(s):
			if n, _ := strconv.ParseUint(s, 10, 64); uint64(p.Before) != n {
				t.Errorf("cursor %q: got %d", s, p.Before)
			}
		default:
			if p.Before == 0 || seal.seal(p.Before) != s {
				t.Errorf("cursor %q accepted as %d, whose sealed form is %q", s, p.Before, seal.seal(p.Before))
			}
		}
	})
}
