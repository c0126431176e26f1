package api

import (
	"net/http"
	"slices"
	"testing"
)

func TestFiltersV1API(t *testing.T) {
	g := newListsRig(t)
	amal, bilal := g.member("amal"), g.member("bilal")
	tok := g.token(amal)

	refused := []struct {
		name, tok, form string
		code            int
	}{
		{"read-only token", g.token(amal, "read:filters"), "phrase=x&context[]=home", http.StatusForbidden},
		{"no phrase", tok, "phrase=+&context[]=home", http.StatusUnprocessableEntity},
		{"no context", tok, "phrase=spoiler", http.StatusUnprocessableEntity},
		{"unknown context", tok, "phrase=spoiler&context[]=everywhere", http.StatusUnprocessableEntity},
		{"expiry not seconds", tok, "phrase=spoiler&context[]=home&expires_in=soon", http.StatusUnprocessableEntity},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			g.form("POST", "/api/v1/filters", c.tok, c.form).wantCode(t, c.code)
		})
	}
	var v2 []Filter
	if g.get("/api/v2/filters", tok).decode(t, &v2); len(v2) != 0 {
		t.Fatalf("a refused create left %+v", v2)
	}

	// Created: one filter of one keyword, titled by it.
	var f FilterV1
	g.form("POST", "/api/v1/filters", tok, "phrase=spoiler&context[]=home&context[]=thread&irreversible=true&whole_word=false&expires_in=3600").
		wantCode(t, http.StatusOK).decode(t, &f)
	if f.Phrase != "spoiler" || !slices.Equal(f.Context, []string{"home", "thread"}) || !f.Irreversible || f.WholeWord || f.ExpiresAt == nil {
		t.Errorf("created: %+v", f)
	}
	var whole FilterV1
	g.json("POST", "/api/v1/filters", tok, `{"phrase":"plot","context":["public"]}`).wantCode(t, http.StatusOK).decode(t, &whole)
	if !whole.WholeWord || whole.Irreversible || whole.ExpiresAt != nil {
		t.Errorf("defaults: %+v", whole)
	}
	g.get("/api/v2/filters", tok).decode(t, &v2)
	if len(v2) != 2 || v2[0].Title != "spoiler" || v2[0].FilterAction != "hide" || len(v2[0].Keywords) != 1 || v2[0].Keywords[0].ID != f.ID {
		t.Fatalf("as v2: %+v", v2)
	}

	// Changed: the keyword, and with it the title; the filter's fields
	// too, being its only keyword.
	g.form("PUT", "/api/v1/filters/"+f.ID, tok, "phrase=spoilers&context[]=public&irreversible=false&whole_word=true&expires_in=").
		wantCode(t, http.StatusOK).decode(t, &f)
	if f.Phrase != "spoilers" || !slices.Equal(f.Context, []string{"public"}) || f.Irreversible || !f.WholeWord || f.ExpiresAt != nil {
		t.Errorf("changed: %+v", f)
	}
	var one Filter
	g.get("/api/v2/filters/"+v2[0].ID, tok).decode(t, &one)
	if one.Title != "spoilers" || one.FilterAction != "warn" {
		t.Errorf("changed, as v2: %+v", one)
	}

	// A filter of several keywords (made with v2): each is a v1 filter;
	// its phrase changes alone, the filter's fields do not.
	var multi Filter
	g.json("POST", "/api/v2/filters", tok, `{"title":"Shows","context":["home"],
		"keywords_attributes":[{"keyword":"finale"},{"keyword":"episode"}]}`).wantCode(t, http.StatusOK).decode(t, &multi)
	kw := multi.Keywords[1].ID
	var pair Filter
	g.json("POST", "/api/v2/filters", tok, `{"title":"Matches","context":["home","public"],
		"keywords_attributes":[{"keyword":"score"},{"keyword":"result"}]}`).wantCode(t, http.StatusOK).decode(t, &pair)
	for _, c := range []struct {
		name, kw, form string
		code           int
	}{
		{"same context", kw, "phrase=episodes&context[]=home", http.StatusOK},
		{"another context", kw, "phrase=episodes&context[]=public", http.StatusUnprocessableEntity},
		{"irreversible", kw, "irreversible=true", http.StatusUnprocessableEntity},
		{"an expiry", kw, "expires_in=60", http.StatusUnprocessableEntity},
		{"the other keyword's phrase", kw, "phrase=Finale", http.StatusUnprocessableEntity},
		{"same contexts in another order", pair.Keywords[1].ID, "phrase=results&context[]=public&context[]=home", http.StatusOK},
		{"one context of two", pair.Keywords[1].ID, "context[]=public", http.StatusUnprocessableEntity},
	} {
		t.Run(c.name, func(t *testing.T) {
			g.form("PUT", "/api/v1/filters/"+c.kw, tok, c.form).wantCode(t, c.code)
		})
	}
	g.get("/api/v2/filters/"+multi.ID, tok).decode(t, &one)
	if one.Title != "Shows" || !slices.Equal(one.Context, []string{"home"}) || one.FilterAction != "warn" || one.ExpiresAt != nil ||
		len(one.Keywords) != 2 || one.Keywords[1].Keyword != "episodes" {
		t.Errorf("after the v1 changes: %+v", one)
	}

	// Someone else's is not there for them.
	other := g.token(bilal)
	g.get("/api/v1/filters/"+kw, other).wantCode(t, http.StatusNotFound)
	g.form("PUT", "/api/v1/filters/"+kw, other, "phrase=x").wantCode(t, http.StatusNotFound)
	g.do("DELETE", "/api/v1/filters/"+kw, other, nil, "").wantCode(t, http.StatusNotFound)

	// Deleted: the keyword, then with the last one the filter.
	g.do("DELETE", "/api/v1/filters/"+kw, tok, nil, "").wantCode(t, http.StatusOK)
	g.get("/api/v2/filters/"+multi.ID, tok).wantCode(t, http.StatusOK).decode(t, &one)
	if len(one.Keywords) != 1 || one.Keywords[0].Keyword != "finale" {
		t.Errorf("after deleting a keyword: %+v", one.Keywords)
	}
	g.do("DELETE", "/api/v1/filters/"+one.Keywords[0].ID, tok, nil, "").wantCode(t, http.StatusOK)
	g.get("/api/v2/filters/"+multi.ID, tok).wantCode(t, http.StatusNotFound)

	// Filters of single statuses: none to read, none to add.
	var none []any
	g.get("/api/v2/filters/"+v2[1].ID+"/statuses", tok).wantCode(t, http.StatusOK).decode(t, &none)
	if none == nil || len(none) != 0 {
		t.Errorf("a filter's statuses: %v", none)
	}
	g.form("POST", "/api/v2/filters/"+v2[1].ID+"/statuses", tok, "status_id=1").wantCode(t, http.StatusUnprocessableEntity)
	g.get("/api/v2/filters/"+v2[1].ID+"/statuses", other).wantCode(t, http.StatusNotFound)
}
