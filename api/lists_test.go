package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"majlis/storage"
)

// newListsRig is the accounts rig with the statuses and lists routes too.
func newListsRig(t *testing.T) *accRig {
	g := newAccRig(t)
	mux := http.NewServeMux()
	g.api.accountsRoutes(mux)
	g.api.statusesRoutes(mux)
	g.api.listsRoutes(mux)
	g.srv.Close()
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *accRig) post(author storage.User, text string, vis storage.Visibility, tags ...string) storage.Post {
	g.t.Helper()
	id := g.db.NewID()
	p := storage.Post{ID: id, AuthorID: author.ID, URI: g.soc.PostURI(author.Username, id), Source: text,
		HTML: "<p>" + text + "</p>", Visibility: vis, Local: true, Tags: tags}
	if err := g.db.CreatePost(&p); err != nil {
		g.t.Fatalf("CreatePost: %v", err)
	}
	return p
}

func statusIDs(t *testing.T, r response) []string {
	t.Helper()
	var ss []Status
	r.decode(t, &ss)
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestListsAPI(t *testing.T) {
	g := newListsRig(t)
	amal, bilal, chadi, stranger := g.member("amal"), g.member("bilal"), g.member("chadi"), g.member("stranger")
	for _, u := range []storage.User{bilal, chadi} {
		if _, err := g.db.Follow(amal.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	tok := g.token(amal)
	readOnly := g.token(amal, "read:lists")

	g.form("POST", "/api/v1/lists", readOnly, "title=x").wantCode(t, http.StatusForbidden)
	g.form("POST", "/api/v1/lists", tok, "title=").wantCode(t, http.StatusUnprocessableEntity)
	var l List
	g.json("POST", "/api/v1/lists", tok, `{"title":"Friends","replies_policy":"none","exclusive":true}`).wantCode(t, http.StatusOK).decode(t, &l)
	if l.Title != "Friends" || l.RepliesPolicy != "none" || !l.Exclusive || l.ID == "" {
		t.Fatalf("created: %+v", l)
	}
	base := "/api/v1/lists/" + l.ID
	g.form("POST", base+"/accounts", tok, "account_ids[]="+bilal.ID.String()).wantCode(t, http.StatusOK)
	g.form("POST", base+"/accounts", tok, "account_ids[]="+stranger.ID.String()).wantCode(t, http.StatusUnprocessableEntity)

	var accts []Account
	g.get(base+"/accounts?limit=0", readOnly).wantCode(t, http.StatusOK).decode(t, &accts)
	if len(accts) != 1 || accts[0].ID != bilal.ID.String() {
		t.Errorf("members: %+v", accts)
	}
	var lists []List
	g.get("/api/v1/accounts/"+bilal.ID.String()+"/lists", readOnly).wantCode(t, http.StatusOK).decode(t, &lists)
	if len(lists) != 1 || lists[0].ID != l.ID {
		t.Errorf("bilal's lists: %+v", lists)
	}

	fromBilal := g.post(bilal, "bilal writes", storage.Public)
	fromChadi := g.post(chadi, "chadi writes", storage.Public)
	if got := statusIDs(t, g.get("/api/v1/timelines/list/"+l.ID, readOnly).wantCode(t, http.StatusOK)); !slices.Equal(got, []string{fromBilal.ID.String()}) {
		t.Errorf("list timeline: %v", got)
	}
	// Exclusive: bilal is not on home.
	if got := statusIDs(t, g.get("/api/v1/timelines/home", tok).wantCode(t, http.StatusOK)); !slices.Equal(got, []string{fromChadi.ID.String()}) {
		t.Errorf("home with an exclusive list: %v", got)
	}

	g.json("PUT", base, tok, `{"title":"Close"}`).wantCode(t, http.StatusOK).decode(t, &l)
	if l.Title != "Close" || !l.Exclusive {
		t.Errorf("updated: %+v", l)
	}
	// Someone else's list does not exist for them.
	other := g.token(stranger)
	for _, p := range []string{base, base + "/accounts", "/api/v1/timelines/list/" + l.ID} {
		g.get(p, other).wantCode(t, http.StatusNotFound)
	}
	g.do("DELETE", base+"/accounts?account_ids[]="+bilal.ID.String(), tok, nil, "").wantCode(t, http.StatusOK)
	g.get(base+"/accounts", tok).wantCode(t, http.StatusOK).decode(t, &accts)
	if len(accts) != 0 {
		t.Errorf("members after removal: %+v", accts)
	}
	g.do("DELETE", base, tok, nil, "").wantCode(t, http.StatusOK)
	g.get(base, tok).wantCode(t, http.StatusNotFound)
}

func TestFiltersAPI(t *testing.T) {
	g := newListsRig(t)
	amal, bilal := g.member("amal"), g.member("bilal")
	if _, err := g.db.Follow(amal.ID, bilal.ID); err != nil {
		t.Fatal(err)
	}
	tok := g.token(amal)
	warned := g.post(bilal, "the Ending was sad", storage.Public)
	hidden := g.post(bilal, "a secret plot", storage.Public)
	plain := g.post(bilal, "endings are fine", storage.Public)

	g.json("POST", "/api/v2/filters", g.token(amal, "read:filters"), `{"title":"x"}`).wantCode(t, http.StatusForbidden)
	var f Filter
	g.json("POST", "/api/v2/filters", tok, `{"title":"Spoilers","context":["home"],"filter_action":"warn",
		"keywords_attributes":[{"keyword":"ending","whole_word":true}]}`).wantCode(t, http.StatusOK).decode(t, &f)
	if f.Title != "Spoilers" || len(f.Keywords) != 1 || f.ExpiresAt != nil || f.FilterAction != "warn" {
		t.Fatalf("created: %+v", f)
	}
	var hide Filter
	g.form("POST", "/api/v2/filters", tok, "title=Plots&context[]=home&filter_action=hide&expires_in=3600&keywords_attributes[][keyword]=plot").
		wantCode(t, http.StatusOK).decode(t, &hide)
	if hide.ExpiresAt == nil {
		t.Error("expires_in set no expiry")
	}

	var ss []Status
	g.get("/api/v1/timelines/home", tok).wantCode(t, http.StatusOK).decode(t, &ss)
	got := map[string]Status{}
	for _, s := range ss {
		got[s.ID] = s
	}
	if _, ok := got[hidden.ID.String()]; ok {
		t.Error("a hide filter's match is in the timeline")
	}
	if s := got[plain.ID.String()]; len(s.Filtered) != 0 {
		t.Errorf("the plain status is filtered: %+v", s.Filtered)
	}
	s, ok := got[warned.ID.String()]
	if !ok || len(s.Filtered) != 1 {
		t.Fatalf("the warned status: %+v", s)
	}
	raw := string(g.get("/api/v1/timelines/home", tok).body)
	if !strings.Contains(raw, `"keyword_matches":["ending"]`) || !strings.Contains(raw, `"filter_action":"warn"`) {
		t.Errorf("filtered shape: %s", raw)
	}
	// Public timelines are not in the filter's contexts.
	if strings.Contains(string(g.get("/api/v1/timelines/public", tok).body), `"filtered"`) {
		t.Error("the public timeline carries filtered")
	}

	// Notifications: a mention that matches carries filtered once the
	// filter applies there; the member's own posts are never filtered.
	id := g.db.NewID()
	mention := storage.Post{ID: id, AuthorID: bilal.ID, URI: g.soc.PostURI("bilal", id), Source: "@amal the ending",
		HTML: "<p>@amal the ending</p>", Visibility: storage.Public, Local: true, Mentions: []storage.ID{amal.ID}}
	if err := g.db.CreatePost(&mention); err != nil {
		t.Fatal(err)
	}
	g.json("PUT", "/api/v2/filters/"+f.ID, tok, `{"context":["home","notifications"]}`).wantCode(t, http.StatusOK)
	if raw := string(g.get("/api/v1/notifications", tok).wantCode(t, http.StatusOK).body); !strings.Contains(raw, `"keyword_matches":["ending"]`) {
		t.Errorf("the mention's notification is not filtered: %s", raw)
	}
	own := g.post(amal, "my own ending", storage.Public)
	for _, st := range func() []Status {
		var ss []Status
		g.get("/api/v1/timelines/home", tok).decode(t, &ss)
		return ss
	}() {
		if st.ID == own.ID.String() && len(st.Filtered) > 0 {
			t.Error("the member's own status is filtered")
		}
	}

	// Keywords: add, change, remove; v1 reads each keyword as a filter.
	var k FilterKeyword
	g.form("POST", "/api/v2/filters/"+f.ID+"/keywords", tok, "keyword=finale&whole_word=false").wantCode(t, http.StatusOK).decode(t, &k)
	if k.Keyword != "finale" || k.WholeWord {
		t.Errorf("added keyword: %+v", k)
	}
	var v1 []FilterV1
	g.get("/api/v1/filters", tok).wantCode(t, http.StatusOK).decode(t, &v1)
	if len(v1) != 3 {
		t.Errorf("v1 filters: %+v", v1)
	}
	g.get("/api/v1/filters/"+k.ID, tok).wantCode(t, http.StatusOK)
	g.form("PUT", "/api/v2/filters/keywords/"+k.ID, tok, "keyword=finales").wantCode(t, http.StatusOK).decode(t, &k)
	if k.Keyword != "finales" {
		t.Errorf("changed keyword: %+v", k)
	}
	g.do("DELETE", "/api/v2/filters/keywords/"+k.ID, tok, nil, "").wantCode(t, http.StatusOK)
	g.get("/api/v2/filters/"+f.ID, tok).wantCode(t, http.StatusOK).decode(t, &f)
	if len(f.Keywords) != 1 {
		t.Errorf("after removing a keyword: %+v", f.Keywords)
	}
	// Another member's filter is not there for them.
	g.get("/api/v2/filters/"+f.ID, g.token(bilal)).wantCode(t, http.StatusNotFound)
	g.do("DELETE", "/api/v2/filters/"+hide.ID, tok, nil, "").wantCode(t, http.StatusOK)
	if !strings.Contains(string(g.get("/api/v1/timelines/home", tok).body), hidden.ID.String()) {
		t.Error("the deleted hide filter still hides")
	}
}

func TestFollowedTagsAPI(t *testing.T) {
	g := newListsRig(t)
	amal, stranger := g.member("amal"), g.member("stranger")
	tok := g.token(amal)
	public := g.post(stranger, "#Go public", storage.Public, "go")
	g.post(stranger, "#Go unlisted", storage.Unlisted, "go")

	var tag Tag
	g.get("/api/v1/tags/GO", tok).wantCode(t, http.StatusOK).decode(t, &tag)
	if tag.Name != "go" || tag.Following == nil || *tag.Following {
		t.Errorf("before: %+v", tag)
	}
	g.do("POST", "/api/v1/tags/go/follow", g.token(amal, "read"), nil, "").wantCode(t, http.StatusForbidden)
	g.do("POST", "/api/v1/tags/Go/follow", tok, nil, "").wantCode(t, http.StatusOK).decode(t, &tag)
	if tag.Following == nil || !*tag.Following {
		t.Errorf("follow: %+v", tag)
	}
	var tags []Tag
	g.get("/api/v1/followed_tags", tok).wantCode(t, http.StatusOK).decode(t, &tags)
	if len(tags) != 1 || tags[0].Name != "go" {
		t.Errorf("followed: %+v", tags)
	}
	if got := statusIDs(t, g.get("/api/v1/timelines/home", tok)); !slices.Equal(got, []string{public.ID.String()}) {
		t.Errorf("home: %v", got)
	}
	g.do("POST", "/api/v1/tags/go/unfollow", tok, nil, "").wantCode(t, http.StatusOK)
	if got := statusIDs(t, g.get("/api/v1/timelines/home", tok)); len(got) != 0 {
		t.Errorf("home after unfollowing: %v", got)
	}
	var anon Tag
	g.get("/api/v1/tags/go", "").wantCode(t, http.StatusOK).decode(t, &anon)
	if anon.Name != "go" || anon.Following != nil {
		t.Errorf("a visitor's tag: %+v", anon)
	}
}
