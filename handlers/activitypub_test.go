package handlers_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"majlis/federation"
	"majlis/handlers"
	"majlis/storage"
)

// fedServer is an instance that federates: the web door with the
// ActivityPub read side. Its Verify is a stand-in for the signature
// check: a request "signed" by a remote account carries that account's
// URI in its Signature header.
type fedServer struct {
	*httptest.Server
	db *storage.DB
}

func newFedServer(t *testing.T) *fedServer {
	t.Helper()
	db := newTestDB(t, storage.Options{})
	uris := federation.NewURIs(testBaseURL)
	conv := &federation.Converter{DB: db, Keys: federation.NewKeys(db), URIs: uris, SiteName: "majlis"}
	fed := &federation.Server{Conv: conv, DB: db, URIs: uris, Version: "1.2.3",
		Verify: func(r *http.Request) (storage.User, error) {
			sig := r.Header.Get("Signature")
			if sig == "" {
				return storage.User{}, errors.New("unsigned")
			}
			return db.RemoteUserByURI(sig)
		}}
	cfg := testConfig()
	cfg.ActivityPub = fed
	h, err := handlers.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fedServer{Server: srv, db: db}
}

const (
	acceptAS = "application/activity+json"
	acceptLD = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	browser  = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
)

// get fetches path with Accept (and Signature, when signer is set),
// without following redirects.
func (s *fedServer) get(t *testing.T, path, accept, signer string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if signer != "" {
		req.Header.Set("Signature", signer)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func remoteUser(t *testing.T, db *storage.DB, name, domain string) storage.User {
	t.Helper()
	u := storage.User{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name}
	if err := db.PutRemoteUser(&u); err != nil {
		t.Fatal(err)
	}
	return u
}

func isActivityJSON(resp *http.Response) bool {
	return resp.Header.Get("Content-Type") == "application/activity+json; charset=utf-8"
}

func TestWebFinger(t *testing.T) {
	s := newFedServer(t)
	newUser(t, s.db, "amal")
	sus := newUser(t, s.db, "sus")
	if err := s.db.SetStatus(sus.ID, storage.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		resource string
		code     int
	}{
		{"acct:amal@majlis.test", 200},
		{"acct:AMAL@majlis.test", 200},
		{"amal@majlis.test", 200},
		{testBaseURL + "/users/amal", 200},
		{testBaseURL + "/@amal", 200},
		{"acct:amal@elsewhere.example", 404},
		{"https://elsewhere.example/users/amal", 404},
		{"acct:nobody@majlis.test", 404},
		{"acct:sus@majlis.test", 404},
		{"", 400},
		{"acct:amal", 400},
		{"mailto:amal@majlis.test", 400},
	}
	for _, tt := range tests {
		resp, body := s.get(t, "/.well-known/webfinger?resource="+url.QueryEscape(tt.resource), "", "")
		if resp.StatusCode != tt.code {
			t.Errorf("resource %q: status %d, want %d (%s)", tt.resource, resp.StatusCode, tt.code, body)
			continue
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("resource %q: no CORS header", tt.resource)
		}
		if tt.code != 200 {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jrd+json") {
			t.Errorf("resource %q: Content-Type %q", tt.resource, ct)
		}
		// What a remote server reads from it: the actor's id.
		actor, err := federation.ParseJRD([]byte(body), "amal", "majlis.test")
		if err != nil || actor != testBaseURL+"/users/amal" {
			t.Errorf("resource %q: actor %q, %v", tt.resource, actor, err)
		}
		var jrd federation.JRD
		json.Unmarshal([]byte(body), &jrd)
		var sub, page string
		for _, l := range jrd.Links {
			switch l.Rel {
			case federation.RelSubscribe:
				sub = l.Template
			case federation.RelProfilePage:
				page = l.Href
			}
		}
		if sub != testBaseURL+"/authorize_interaction?uri={uri}" || page != testBaseURL+"/@amal" || jrd.Subject != "acct:amal@majlis.test" {
			t.Errorf("resource %q: subject %q, subscribe %q, profile page %q", tt.resource, jrd.Subject, sub, page)
		}
	}

	resp, body := s.get(t, "/.well-known/host-meta", "", "")
	if resp.StatusCode != 200 || !strings.Contains(body, `template="`+testBaseURL+`/.well-known/webfinger?resource={uri}"`) {
		t.Errorf("host-meta: %d %s", resp.StatusCode, body)
	}
}

func TestNodeInfo(t *testing.T) {
	s := newFedServer(t)
	amal := newUser(t, s.db, "amal")
	newPost(t, s.db, amal, "one")
	newPost(t, s.db, amal, "two")
	newUser(t, s.db, "bilal")
	remoteUser(t, s.db, "rem", "far.example")

	resp, body := s.get(t, "/.well-known/nodeinfo", "", "")
	var index struct {
		Links []struct{ Rel, Href string }
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &index) != nil || len(index.Links) != 2 {
		t.Fatalf("nodeinfo index: %d %s", resp.StatusCode, body)
	}
	for _, l := range index.Links {
		path := strings.TrimPrefix(l.Href, testBaseURL)
		resp, body := s.get(t, path, "", "")
		var doc struct {
			Version           string
			Software          struct{ Name, Version string }
			Protocols         []string
			OpenRegistrations bool
			Usage             struct {
				Users struct {
					Total, ActiveMonth, ActiveHalfyear int
				}
				LocalPosts int
			}
		}
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &doc) != nil {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if !strings.HasSuffix(l.Rel, doc.Version) || doc.Software.Name != "majlis" || doc.Software.Version != "1.2.3" ||
			len(doc.Protocols) != 1 || doc.Protocols[0] != "activitypub" || !doc.OpenRegistrations {
			t.Errorf("%s: %s", path, body)
		}
		// Two members (the remote account is not one), one of whom posted.
		if u := doc.Usage.Users; u.Total != 2 || u.ActiveMonth != 1 || u.ActiveHalfyear != 1 || doc.Usage.LocalPosts != 2 {
			t.Errorf("%s: usage %+v, local posts %d; want 2 members, 1 active, 2 posts", path, u, doc.Usage.LocalPosts)
		}
	}
}

// A member's addresses answer ActivityPub JSON to servers and HTML to
// browsers; the actor's id (/users/name) is not redirected for servers.
func TestActorNegotiation(t *testing.T) {
	s := newFedServer(t)
	newUser(t, s.db, "amal")
	for _, path := range []string{"/@amal", "/users/amal", "/users/AMAL"} {
		for _, accept := range []string{acceptAS, acceptLD, "application/ld+json"} {
			resp, body := s.get(t, path, accept, "")
			if resp.StatusCode != 200 || !isActivityJSON(resp) {
				t.Errorf("GET %s (Accept %s): %d %q, want the actor's JSON", path, accept, resp.StatusCode, resp.Header.Get("Content-Type"))
				continue
			}
			var o federation.Object
			if err := json.Unmarshal([]byte(body), &o); err != nil || o.ID != testBaseURL+"/users/amal" || o.Inbox != testBaseURL+"/users/amal/inbox" {
				t.Errorf("GET %s: id %q inbox %q (%v)", path, o.ID, o.Inbox, err)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
				t.Errorf("GET %s: Vary %q", path, resp.Header.Get("Vary"))
			}
			// The instance reserves AI training by default; amal is not indexable.
			if resp.Header.Get("X-Robots-Tag") != "noindex, noai, noimageai" || resp.Header.Get("Content-Usage") != "train-ai=n" {
				t.Errorf("GET %s: X-Robots-Tag %q Content-Usage %q", path, resp.Header.Get("X-Robots-Tag"), resp.Header.Get("Content-Usage"))
			}
		}
	}
	resp, body := s.get(t, "/@amal", browser, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<html") {
		t.Errorf("browser GET /@amal: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
		t.Errorf("browser GET /@amal: Vary %q, want Accept (the answer depends on it)", resp.Header.Get("Vary"))
	}
	resp, _ = s.get(t, "/users/amal", browser, "")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/@amal" {
		t.Errorf("browser GET /users/amal: %d to %q, want the 301 to the page", resp.StatusCode, resp.Header.Get("Location"))
	}

	resp, body = s.get(t, "/actor", acceptAS, "")
	var o federation.Object
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &o) != nil || !o.Type.Is("Application") || o.PreferredUsername != "majlis.test" {
		t.Errorf("instance actor: %d %s", resp.StatusCode, body)
	}
	resp, _ = s.get(t, "/users/nobody", acceptAS, "")
	if resp.StatusCode != 404 {
		t.Errorf("unknown actor: %d, want 404", resp.StatusCode)
	}
}

// A post's JSON follows storage's visibility rules: public and unlisted
// for anyone; followers-only only to a signed request from a follower;
// everything else 404, as if it did not exist.
func TestPostJSONVisibility(t *testing.T) {
	s := newFedServer(t)
	amal := newUser(t, s.db, "amal")
	fan := remoteUser(t, s.db, "fan", "far.example")
	stranger := remoteUser(t, s.db, "stranger", "far.example")
	friend := remoteUser(t, s.db, "friend", "near.example")
	if _, err := s.db.Follow(fan.ID, amal.ID); err != nil {
		t.Fatal(err)
	}
	post := func(v storage.Visibility, mentions ...storage.ID) string {
		p := newPost(t, s.db, amal, "a "+string(v)+" post")
		if v != storage.Public {
			// Stored again with its audience (newPost makes public posts).
			if err := s.db.DeletePost(p.ID); err != nil {
				t.Fatal(err)
			}
			p.ID = s.db.NewID()
			p.URI = testBaseURL + "/@amal/" + p.ID.String()
			p.Visibility, p.Mentions = v, mentions
			if err := s.db.CreatePost(&p); err != nil {
				t.Fatal(err)
			}
		}
		return "/@amal/" + p.ID.String()
	}
	public, unlisted := post(storage.Public), post(storage.Unlisted)
	followers, direct := post(storage.FollowersOnly), post(storage.Direct, friend.ID)
	tests := []struct {
		name, path, signer string
		code               int
	}{
		{"public, unsigned", public, "", 200},
		{"unlisted, unsigned", unlisted, "", 200},
		{"followers-only, unsigned", followers, "", 404},
		{"followers-only, signed by a follower", followers, fan.URI, 200},
		{"followers-only, signed by a stranger", followers, stranger.URI, 404},
		{"followers-only, bad signature", followers, "https://far.example/users/ghost", 404},
		{"direct, unsigned", direct, "", 404},
		{"direct, signed by a follower not mentioned", direct, fan.URI, 404},
		{"direct, signed by the mentioned", direct, friend.URI, 200},
		{"wrong author", strings.Replace(public, "amal", "bilal", 1), "", 404},
		{"not an id", "/@amal/nope", "", 404},
	}
	for _, tt := range tests {
		resp, body := s.get(t, tt.path, acceptAS, tt.signer)
		if resp.StatusCode != tt.code {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.code)
			continue
		}
		if tt.code != 200 {
			if strings.Contains(body, "post") {
				t.Errorf("%s: the refusal tells something of the post: %s", tt.name, body)
			}
			continue
		}
		var o federation.Object
		if err := json.Unmarshal([]byte(body), &o); err != nil || !o.Type.Is("Note") || o.ID != testBaseURL+tt.path {
			t.Errorf("%s: %v %s", tt.name, err, body)
		}
		if !isActivityJSON(resp) || resp.Header.Get("Content-Usage") == "" {
			t.Errorf("%s: Content-Type %q, Content-Usage %q", tt.name, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Usage"))
		}
		if tt.signer != "" && !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
			t.Errorf("%s: a private post's JSON may be cached by others: Cache-Control %q", tt.name, resp.Header.Get("Cache-Control"))
		}
	}
	// A browser still gets the page (and the private post is still 404 to it).
	resp, _ := s.get(t, public, browser, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("browser GET %s: %d %q", public, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// A member who left: the actor and their posts answer 410 Gone, also
// after their queued activities drained.
func TestDeletedAccountIsGone(t *testing.T) {
	s := newFedServer(t)
	amal := newUser(t, s.db, "amal")
	p := newPost(t, s.db, amal, "bye")
	if err := s.db.DeleteUser(amal.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/users/amal", "/@amal", "/users/amal/outbox", "/@amal/" + p.ID.String()} {
		if resp, _ := s.get(t, path, acceptAS, ""); resp.StatusCode != http.StatusGone {
			t.Errorf("GET %s: %d, want 410", path, resp.StatusCode)
		}
	}
	if resp, _ := s.get(t, "/.well-known/webfinger?resource=acct:amal@majlis.test", "", ""); resp.StatusCode != 404 {
		t.Errorf("webfinger of a deleted account: %d, want 404", resp.StatusCode)
	}
}

// The collections: the outbox holds public posts only; followers and
// following are served as JSON to servers and stay pages for browsers.
func TestCollections(t *testing.T) {
	s := newFedServer(t)
	amal := newUser(t, s.db, "amal")
	bilal := newUser(t, s.db, "bilal")
	rem := remoteUser(t, s.db, "rem", "far.example")
	for _, f := range []storage.User{bilal, rem} {
		if _, err := s.db.Follow(f.ID, amal.ID); err != nil {
			t.Fatal(err)
		}
	}
	pub := newPost(t, s.db, amal, "public words")
	hidden := newPost(t, s.db, amal, "for followers")
	s.db.DeletePost(hidden.ID)
	hidden.ID = s.db.NewID()
	hidden.URI = testBaseURL + "/@amal/" + hidden.ID.String()
	hidden.Visibility = storage.FollowersOnly
	if err := s.db.CreatePost(&hidden); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Pin(amal.ID, pub.ID); err != nil {
		t.Fatal(err)
	}

	resp, body := s.get(t, "/users/amal/outbox?page=true", acceptAS, "")
	if resp.StatusCode != 200 || !strings.Contains(body, pub.URI) || strings.Contains(body, hidden.URI) || strings.Contains(body, "for followers") {
		t.Errorf("outbox page: %d %s", resp.StatusCode, body)
	}
	resp, body = s.get(t, "/users/amal/outbox", acceptAS, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"first":"`+testBaseURL+`/users/amal/outbox?page=true"`) {
		t.Errorf("outbox: %d %s", resp.StatusCode, body)
	}
	resp, body = s.get(t, "/users/amal/featured", acceptAS, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"id":"`+pub.URI+`"`) {
		t.Errorf("featured: %d %s", resp.StatusCode, body)
	}

	resp, body = s.get(t, "/users/amal/followers", acceptAS, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"totalItems":2`) {
		t.Errorf("followers: %d %s", resp.StatusCode, body)
	}
	resp, body = s.get(t, "/users/amal/followers?page=true", acceptAS, "")
	if resp.StatusCode != 200 || !strings.Contains(body, rem.URI) || !strings.Contains(body, testBaseURL+"/users/bilal") {
		t.Errorf("followers page: %d %s", resp.StatusCode, body)
	}
	resp, body = s.get(t, "/users/bilal/following?page=true", acceptAS, "")
	if resp.StatusCode != 200 || !strings.Contains(body, testBaseURL+"/users/amal") {
		t.Errorf("following page: %d %s", resp.StatusCode, body)
	}
	resp, _ = s.get(t, "/@amal/followers", browser, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("browser followers: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// Without federation configured, nothing answers ActivityPub: the pages
// stay pages and the discovery addresses do not exist.
func TestNoFederationNoChange(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/.well-known/webfinger?resource=acct:amal@majlis.test", 404},
		{"/nodeinfo/2.1", 404},
		{"/@amal", 200},
		{"/users/amal", http.StatusMovedPermanently},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		req.Header.Set("Accept", acceptAS)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code || isActivityJSON(resp) {
			t.Errorf("GET %s: %d %q, want %d and no JSON", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.code)
		}
	}
}

// The picture of a followers-only post is fetched by the servers of the
// followers it was sent to, with a signed GET (as the server's instance
// actor or one of its accounts): a follower's server gets it, another
// server and an unsigned request get 404.
func TestSignedMediaFetch(t *testing.T) {
	s := newFedServer(t)
	amal := newUser(t, s.db, "amal")
	fan := remoteUser(t, s.db, "fan", "far.example")
	farInstance := remoteUser(t, s.db, "far.example", "far.example")
	stranger := remoteUser(t, s.db, "stranger", "other.example")
	if _, err := s.db.Follow(fan.ID, amal.ID); err != nil {
		t.Fatal(err)
	}
	pic := storage.File{Data: []byte("a private picture"), ContentType: "image/png", Width: 10, Height: 10}
	thumb := storage.File{Data: []byte("a private thumbnail"), ContentType: "image/png", Width: 5, Height: 5}
	att, err := s.db.PutUpload(amal.ID, pic, thumb, false)
	if err != nil {
		t.Fatal(err)
	}
	id := s.db.NewID()
	p := storage.Post{ID: id, AuthorID: amal.ID, URI: testBaseURL + "/@amal/" + id.String(), Local: true,
		HTML: "<p>for my followers</p>", Visibility: storage.FollowersOnly, Attachments: []storage.Attachment{att}}
	if err := s.db.CreatePost(&p); err != nil {
		t.Fatal(err)
	}
	path := "/media/" + att.Display + ".png"
	for _, tt := range []struct {
		name, signer string
		code         int
	}{
		{"unsigned", "", 404},
		{"signed by a follower", fan.URI, 200},
		{"signed by the follower's server", farInstance.URI, 200},
		{"signed by another server", stranger.URI, 404},
	} {
		resp, body := s.get(t, path, "image/*", tt.signer)
		if resp.StatusCode != tt.code {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.code)
			continue
		}
		if tt.code == 200 && (body != "a private picture" || !strings.Contains(resp.Header.Get("Cache-Control"), "private")) {
			t.Errorf("%s: body %q, Cache-Control %q", tt.name, body, resp.Header.Get("Cache-Control"))
		}
	}
}
