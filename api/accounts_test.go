package api

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"majlis/social"
	"majlis/storage"
)

// withProfile fills a member's profile as the web's settings would.
func (g *accRig) withProfile(u storage.User, ch social.ProfileChange) storage.User {
	g.t.Helper()
	u, err := g.soc.UpdateProfile(context.Background(), u, ch)
	if err != nil {
		g.t.Fatalf("UpdateProfile: %v", err)
	}
	return u
}

func TestAccountGolden(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	bilal := g.member("bilal")
	amal = g.withProfile(amal, social.ProfileChange{
		DisplayName: "Amal", Bio: "Hello, I write with @bilal about **gardens**.",
		Links:             []storage.ProfileLink{{Label: "Site", URL: "https://amal.example/"}},
		DefaultVisibility: storage.FollowersOnly, Locked: true, AITraining: storage.AITrainingNo,
		Indexable: true, Language: "ar",
	})
	g.remote("carla", "elsewhere.example")
	if _, err := g.soc.Follow(context.Background(), bilal, amal); err != nil {
		t.Fatal(err)
	}
	tok := g.token(amal)

	self := g.get("/api/v1/accounts/verify_credentials", tok).wantCode(t, http.StatusOK)
	golden(t, "account_self", self.body)
	other := g.get("/api/v1/accounts/"+bilal.ID.String(), tok).wantCode(t, http.StatusOK)
	golden(t, "account_other", other.body)
	remote, err := g.db.RemoteUser("carla", "elsewhere.example")
	if err != nil {
		t.Fatal(err)
	}
	rem := g.get("/api/v1/accounts/"+remote.ID.String(), tok).wantCode(t, http.StatusOK)
	golden(t, "account_remote", rem.body)
	rel := g.get("/api/v1/accounts/relationships?id[]="+bilal.ID.String(), tok).wantCode(t, http.StatusOK)
	golden(t, "relationships", rel.body)

	// What a user notices, beyond the golden bytes.
	var acc Account
	self.decode(t, &acc)
	if acc.Source == nil || acc.Source.Privacy != "private" || acc.Source.AITraining != "no" || acc.Source.FollowRequestsCount != 1 {
		t.Errorf("source: got %+v, want privacy private, ai_training no, one follow request", acc.Source)
	}
	if last := acc.Fields[len(acc.Fields)-1]; last.Name != "AI training" || last.Value != "not permitted" {
		t.Errorf("last field: got %+v, want the AI-training field", last)
	}
	if !strings.Contains(acc.Note, `href="`+accBase+`/@bilal"`) {
		t.Errorf("note: got %q, want the mention linked absolutely", acc.Note)
	}
	if strings.Contains(string(other.body), `"source"`) {
		t.Errorf("another's account: got a source, want none: %s", other.body)
	}
	if got := self.header.Get("X-Robots-Tag"); !strings.Contains(got, "noai") {
		t.Errorf("X-Robots-Tag: got %q, want the member's reservation", got)
	}
}

func TestAuthRefusals(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	bilal := g.member("bilal")
	readOnly := g.token(amal, "read")
	statusesOnly := g.token(amal, "read:statuses")
	appOnly := g.token(storage.User{}, "read")
	follow := "/api/v1/accounts/" + bilal.ID.String() + "/follow"
	for _, tt := range []struct {
		name, method, path, token string
		want                      int
	}{
		{"no token", "GET", "/api/v1/accounts/verify_credentials", "", http.StatusUnauthorized},
		{"bad token", "GET", "/api/v1/accounts/verify_credentials", "nonsense", http.StatusUnauthorized},
		{"bad token on a public endpoint", "GET", "/api/v1/accounts/" + bilal.ID.String(), "nonsense", http.StatusUnauthorized},
		{"scope", "GET", "/api/v1/accounts/verify_credentials", statusesOnly, http.StatusForbidden},
		{"write with read", "POST", follow, readOnly, http.StatusForbidden},
		{"update with read", "PATCH", "/api/v1/accounts/update_credentials", readOnly, http.StatusForbidden},
		{"block with read", "POST", "/api/v1/accounts/" + bilal.ID.String() + "/block", readOnly, http.StatusForbidden},
		{"domain block with read", "POST", "/api/v1/domain_blocks", readOnly, http.StatusForbidden},
		{"app token where a member is needed", "GET", "/api/v1/accounts/verify_credentials", appOnly, http.StatusUnprocessableEntity},
		{"preferences without a token", "GET", "/api/v1/preferences", "", http.StatusUnauthorized},
		{"public account without a token", "GET", "/api/v1/accounts/" + bilal.ID.String(), "", http.StatusOK},
		{"instance without a token", "GET", "/api/v2/instance", "", http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := g.do(tt.method, tt.path, tt.token, nil, "")
			r.wantCode(t, tt.want)
			if tt.want >= 400 && r.errorText(t) == "" {
				t.Errorf("got no error message: %s", r.body)
			}
		})
	}
	if rel, _ := g.db.RelationshipOf(amal.ID, bilal.ID); rel.Following || rel.Blocking {
		t.Errorf("refused requests changed the relationship: %+v", rel)
	}
}

func TestHiddenAccounts(t *testing.T) {
	g := newAccRig(t)
	admin := g.member("admin")
	amal := g.member("amal")
	gone := g.member("gone")
	waiting := g.member("waiting")
	if err := g.db.SetStatus(gone.ID, storage.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if err := g.db.SetStatus(waiting.ID, storage.StatusPending); err != nil {
		t.Fatal(err)
	}
	member, moderator := g.token(amal), g.token(admin)
	for _, u := range []storage.User{gone, waiting} {
		for _, path := range []string{
			"/api/v1/accounts/" + u.ID.String(),
			"/api/v1/accounts/" + u.ID.String() + "/statuses",
			"/api/v1/accounts/" + u.ID.String() + "/followers",
			"/api/v1/accounts/lookup?acct=" + u.Username,
		} {
			t.Run(u.Username+path, func(t *testing.T) {
				for _, tok := range []string{"", member} {
					r := g.get(path, tok).wantCode(t, http.StatusNotFound)
					if msg := r.errorText(t); msg != "Record not found" {
						t.Errorf("error: got %q, want Mastodon's", msg)
					}
				}
				g.get(path, moderator).wantCode(t, http.StatusOK)
			})
		}
	}
	g.get("/api/v1/accounts/123", member).wantCode(t, http.StatusNotFound)
	g.get("/api/v1/accounts/notanid", member).wantCode(t, http.StatusNotFound)
}

func TestRelationActions(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	bilal := g.member("bilal")
	locked := g.member("dana", func(u *storage.User) { u.Locked = true })
	carla := g.remote("carla", "elsewhere.example")
	tok := g.token(amal)
	act := func(who storage.User, action string) Relationship {
		t.Helper()
		var rel Relationship
		g.do("POST", "/api/v1/accounts/"+who.ID.String()+"/"+action, tok, nil, "").wantCode(t, http.StatusOK).decode(t, &rel)
		if rel.ID != who.ID.String() {
			t.Errorf("%s: relationship of %s, want %s", action, rel.ID, who.ID)
		}
		return rel
	}
	if rel := act(bilal, "follow"); !rel.Following || rel.Requested {
		t.Errorf("follow: got %+v, want following", rel)
	}
	if rel := act(bilal, "follow"); !rel.Following {
		t.Errorf("follow again: got %+v, want still following", rel)
	}
	if rel := act(locked, "follow"); rel.Following || !rel.Requested {
		t.Errorf("follow a locked account: got %+v, want requested", rel)
	}
	if rel := act(carla, "follow"); rel.Following || !rel.Requested {
		t.Errorf("follow a remote account: got %+v, want requested", rel)
	}
	if rel := act(bilal, "unfollow"); rel.Following {
		t.Errorf("unfollow: got %+v", rel)
	}
	if rel := act(bilal, "mute"); !rel.Muting {
		t.Errorf("mute: got %+v", rel)
	}
	if rel := act(bilal, "unmute"); rel.Muting {
		t.Errorf("unmute: got %+v", rel)
	}
	if rel := act(bilal, "block"); !rel.Blocking {
		t.Errorf("block: got %+v", rel)
	}
	// Across a block, following is refused, as on the web.
	r := g.do("POST", "/api/v1/accounts/"+bilal.ID.String()+"/follow", tok, nil, "").wantCode(t, http.StatusForbidden)
	if r.errorText(t) == "" {
		t.Error("refused follow: no message")
	}
	if rel := act(bilal, "unblock"); rel.Blocking {
		t.Errorf("unblock: got %+v", rel)
	}
	// Yourself: refused with a message.
	g.do("POST", "/api/v1/accounts/"+amal.ID.String()+"/follow", tok, nil, "").wantCode(t, http.StatusUnprocessableEntity)
	g.do("POST", "/api/v1/accounts/999/follow", tok, nil, "").wantCode(t, http.StatusNotFound)

	// The locked account answers its request.
	dana := g.token(locked)
	var reqs []Account
	g.get("/api/v1/follow_requests", dana).wantCode(t, http.StatusOK).decode(t, &reqs)
	if len(reqs) != 1 || reqs[0].ID != amal.ID.String() {
		t.Fatalf("follow requests: got %+v, want amal's", reqs)
	}
	var rel Relationship
	g.do("POST", "/api/v1/follow_requests/"+amal.ID.String()+"/authorize", dana, nil, "").wantCode(t, http.StatusOK).decode(t, &rel)
	if !rel.FollowedBy || rel.RequestedBy {
		t.Errorf("authorize: got %+v, want followed by amal", rel)
	}
	g.do("POST", "/api/v1/follow_requests/"+bilal.ID.String()+"/reject", dana, nil, "").wantCode(t, http.StatusNotFound)

	// Blocks and mutes lists.
	act(bilal, "block")
	act(locked, "mute")
	var list []Account
	g.get("/api/v1/blocks", tok).wantCode(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].ID != bilal.ID.String() {
		t.Errorf("blocks: got %+v", list)
	}
	g.get("/api/v1/mutes", tok).wantCode(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].ID != locked.ID.String() {
		t.Errorf("mutes: got %+v", list)
	}

	// Relationships of several accounts, unknown ones left out.
	var rels []Relationship
	g.get("/api/v1/accounts/relationships?id[]="+bilal.ID.String()+"&id[]=42&id[]="+locked.ID.String(), tok).wantCode(t, http.StatusOK).decode(t, &rels)
	if len(rels) != 2 || !rels[0].Blocking || !rels[1].Following || !rels[1].Muting {
		t.Errorf("relationships: got %+v", rels)
	}
}

func TestDomainBlocks(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	carla := g.remote("carla", "elsewhere.example")
	tok := g.token(amal)
	g.form("POST", "/api/v1/domain_blocks", tok, "domain=Elsewhere.Example").wantCode(t, http.StatusOK)
	g.form("POST", "/api/v1/domain_blocks", tok, "domain=elsewhere.example").wantCode(t, http.StatusOK)
	var list []string
	g.get("/api/v1/domain_blocks", tok).wantCode(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0] != "elsewhere.example" {
		t.Errorf("domain blocks: got %q", list)
	}
	var rels []Relationship
	g.get("/api/v1/accounts/relationships?id[]="+carla.ID.String(), tok).decode(t, &rels)
	if len(rels) != 1 || !rels[0].DomainBlocking {
		t.Errorf("relationship: got %+v, want domain_blocking", rels)
	}
	for _, bad := range []string{"", "domain=", "domain=majlis.example", "domain=a/b"} {
		g.form("POST", "/api/v1/domain_blocks", tok, bad).wantCode(t, http.StatusUnprocessableEntity)
	}
	g.json("DELETE", "/api/v1/domain_blocks", tok, `{"domain":"elsewhere.example"}`).wantCode(t, http.StatusOK)
	g.get("/api/v1/domain_blocks", tok).wantCode(t, http.StatusOK).decode(t, &list)
	if len(list) != 0 {
		t.Errorf("after unblock: got %q", list)
	}
}

func TestLookup(t *testing.T) {
	g := newAccRig(t)
	g.member("amal")
	g.remote("carla", "elsewhere.example")
	g.fed.known["@dan@far.example"] = storage.User{Username: "dan", Domain: "far.example", URI: "https://far.example/users/dan", Inbox: "https://far.example/inbox"}
	for _, tt := range []struct {
		acct, want string
		code       int
	}{
		{"amal", "amal", http.StatusOK},
		{"@amal", "amal", http.StatusOK},
		{"amal@majlis.example", "amal", http.StatusOK},
		{"carla@elsewhere.example", "carla@elsewhere.example", http.StatusOK},
		{"dan@far.example", "dan@far.example", http.StatusOK},
		{"nobody", "", http.StatusNotFound},
		{"nobody@far.example", "", http.StatusNotFound},
		{"", "", http.StatusNotFound},
	} {
		t.Run(tt.acct, func(t *testing.T) {
			r := g.get("/api/v1/accounts/lookup?acct="+url.QueryEscape(tt.acct), "").wantCode(t, tt.code)
			if tt.code == http.StatusNotFound && r.errorText(t) != "Record not found" {
				t.Errorf("error: got %s, want Mastodon's", r.body)
			}
			if tt.code == http.StatusOK {
				var acc Account
				r.decode(t, &acc)
				if acc.Acct != tt.want {
					t.Errorf("acct: got %q, want %q", acc.Acct, tt.want)
				}
			}
		})
	}
	if g.fed.calls != 2 {
		t.Errorf("federation lookups: got %d, want 2 (only for accounts not known here)", g.fed.calls)
	}
}

func TestAccountStatuses(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	bilal := g.member("bilal")
	carla := g.member("carla")
	ctx := context.Background()
	publish := func(d social.Draft) storage.Entry {
		t.Helper()
		e, err := g.soc.Publish(ctx, amal, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	pub := publish(social.Draft{Body: "public #garden", Visibility: "public"})
	publish(social.Draft{Body: "for followers", Visibility: "followers"})
	publish(social.Draft{Body: "a reply", Visibility: "public", InReplyTo: pub.Post.ID})
	if _, err := g.soc.Pin(ctx, amal, pub); err != nil {
		t.Fatal(err)
	}
	if _, err := g.soc.Follow(ctx, bilal, amal); err != nil {
		t.Fatal(err)
	}
	if err := g.soc.Block(ctx, amal, carla); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/accounts/" + amal.ID.String() + "/statuses"
	count := func(query, tok string) int {
		t.Helper()
		var out []Status
		g.get(path+query, tok).wantCode(t, http.StatusOK).decode(t, &out)
		return len(out)
	}
	for _, tt := range []struct {
		name, query, token string
		want               int
	}{
		{"visitor", "", "", 2},
		{"follower", "", g.token(bilal), 3},
		{"blocked", "", g.token(carla), 0},
		{"exclude_replies", "?exclude_replies=true", g.token(bilal), 2},
		{"pinned", "?pinned=true", "", 1},
		{"pinned, blocked", "?pinned=true", g.token(carla), 0},
		{"pinned, later page", "?pinned=true&max_id=1", "", 0},
		{"only_media", "?only_media=1", "", 0},
		{"tagged", "?tagged=garden", "", 1},
		{"limit", "?limit=1", "", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.query, tt.token); got != tt.want {
				t.Errorf("got %d statuses, want %d", got, tt.want)
			}
		})
	}
	r := g.get(path+"?limit=1", "").wantCode(t, http.StatusOK)
	if link := r.header.Get("Link"); !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "max_id=") {
		t.Errorf("Link: got %q, want a next page", link)
	}
}

func TestFollowersPaging(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	ctx := context.Background()
	for _, n := range []string{"b1", "b2", "b3"} {
		if _, err := g.soc.Follow(ctx, g.member(n), amal); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/v1/accounts/" + amal.ID.String() + "/followers"
	r := g.get(path+"?limit=2", "").wantCode(t, http.StatusOK)
	var page []Account
	r.decode(t, &page)
	if len(page) != 2 || page[0].Username != "b3" {
		t.Fatalf("first page: got %+v, want b3, b2", page)
	}
	link := r.header.Get("Link")
	next := strings.TrimPrefix(strings.SplitN(link, ">", 2)[0], "<")
	u, err := url.Parse(next)
	if err != nil || !strings.Contains(link, `rel="next"`) {
		t.Fatalf("Link: got %q", link)
	}
	g.get(u.RequestURI(), "").wantCode(t, http.StatusOK).decode(t, &page)
	if len(page) != 1 || page[0].Username != "b1" {
		t.Errorf("second page: got %+v, want b1", page)
	}
	var following []Account
	g.get("/api/v1/accounts/"+page[0].ID+"/following", "").wantCode(t, http.StatusOK).decode(t, &following)
	if len(following) != 1 || following[0].ID != amal.ID.String() {
		t.Errorf("following: got %+v", following)
	}
}

// pngOf is a small picture.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartBody is a multipart form with fields and files.
func multipartBody(t *testing.T, fields map[string]string, files map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for k, b := range files {
		fw, err := mw.CreateFormFile(k, k+".png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(b)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestUpdateCredentials(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	amal = g.withProfile(amal, social.ProfileChange{DisplayName: "Amal", Bio: "Old bio", DefaultVisibility: storage.Public,
		Links: []storage.ProfileLink{{Label: "Site", URL: "https://amal.example/"}}})
	tok := g.token(amal)
	const path = "/api/v1/accounts/update_credentials"

	t.Run("form, partial", func(t *testing.T) {
		var acc Account
		g.form("PATCH", path, tok, "note=New+*bio*&source[privacy]=private&bot=true").wantCode(t, http.StatusOK).decode(t, &acc)
		u := g.reload(amal)
		if u.Bio != "New *bio*" || u.DefaultVisibility != storage.FollowersOnly || !u.Bot || u.DisplayName != "Amal" || len(u.Links) != 1 {
			t.Errorf("saved: got %+v, want the bio, privacy and bot changed, the rest kept", u)
		}
		if !strings.Contains(acc.Note, "<em>bio</em>") || acc.Source.Note != "New *bio*" || !acc.Bot {
			t.Errorf("answer: got note %q source %+v", acc.Note, acc.Source)
		}
	})
	t.Run("json fields and the AI field sent back", func(t *testing.T) {
		body := `{"display_name":"Amal A.","fields_attributes":[{"name":"Blog","value":"https://blog.example"},{"name":"AI training","value":"not permitted"}],"source":{"ai_training":"no"},"indexable":true}`
		g.json("PATCH", path, tok, body).wantCode(t, http.StatusOK)
		u := g.reload(amal)
		if u.DisplayName != "Amal A." || len(u.Links) != 1 || u.Links[0].URL != "https://blog.example" || u.AITraining != storage.AITrainingNo || !u.Indexable {
			t.Errorf("saved: got %+v", u)
		}
	})
	t.Run("form fields numbered", func(t *testing.T) {
		g.form("PATCH", path, tok, "fields_attributes[1][name]=Two&fields_attributes[1][value]=https://two.example&fields_attributes[0][name]=One&fields_attributes[0][value]=https://one.example").wantCode(t, http.StatusOK)
		u := g.reload(amal)
		if len(u.Links) != 2 || u.Links[0].Label != "One" || u.Links[1].Label != "Two" {
			t.Errorf("links: got %+v, want One, Two", u.Links)
		}
	})
	before := g.reload(amal)
	for _, tt := range []struct {
		name, form, want string
	}{
		{"a field that is no URL", "fields_attributes[0][name]=Home&fields_attributes[0][value]=my+place", "fields_attributes[0][value]"},
		{"javascript link", "fields_attributes[0][name]=x&fields_attributes[0][value]=javascript:alert(1)", "fields_attributes[0][value]"},
		{"privacy", "source[privacy]=friends", "Privacy"},
		{"ai training", "source[ai_training]=maybe", "AI training"},
		{"ai training the instance refuses", "source[ai_training]=yes", "source[ai_training]"},
		{"bio too long", "note=" + strings.Repeat("a", 501), "note"},
		{"language", "source[language]=xx", "source[language]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := g.form("PATCH", path, tok, tt.form).wantCode(t, http.StatusUnprocessableEntity)
			if msg := r.errorText(t); !strings.Contains(msg, tt.want) {
				t.Errorf("error: got %q, want it to name %q", msg, tt.want)
			}
			if after := g.reload(amal); after.Bio != before.Bio || len(after.Links) != len(before.Links) || after.DefaultVisibility != before.DefaultVisibility {
				t.Errorf("a refused change saved something: got %+v", after)
			}
		})
	}
	t.Run("avatar and header", func(t *testing.T) {
		body, ct := multipartBody(t, map[string]string{"display_name": "With pictures"}, map[string][]byte{"avatar": pngOf(t, 64, 64), "header": pngOf(t, 300, 100)})
		var acc Account
		g.do("PATCH", path, tok, body, ct).wantCode(t, http.StatusOK).decode(t, &acc)
		u := g.reload(amal)
		if u.Avatar.IsZero() || u.Header.IsZero() || u.DisplayName != "With pictures" {
			t.Fatalf("saved: got avatar %+v header %+v name %q", u.Avatar, u.Header, u.DisplayName)
		}
		if !strings.HasPrefix(acc.Avatar, accBase+"/media/") || !strings.HasPrefix(acc.Header, accBase+"/media/") {
			t.Errorf("answer: avatar %q header %q, want the stored files", acc.Avatar, acc.Header)
		}
	})
	t.Run("not a picture", func(t *testing.T) {
		body, ct := multipartBody(t, map[string]string{"display_name": "Changed?"}, map[string][]byte{"avatar": []byte("not a picture at all")})
		g.do("PATCH", path, tok, body, ct).wantCode(t, http.StatusUnprocessableEntity)
		if u := g.reload(amal); u.DisplayName == "Changed?" {
			t.Error("the profile was saved with a refused picture")
		}
	})
	t.Run("too large", func(t *testing.T) {
		body, ct := multipartBody(t, nil, map[string][]byte{"avatar": bytes.Repeat([]byte{1}, 1<<20+1)})
		g.do("PATCH", path, tok, body, ct).wantCode(t, http.StatusRequestEntityTooLarge)
	})
	t.Run("unreadable JSON", func(t *testing.T) {
		g.json("PATCH", path, tok, `{"note":`).wantCode(t, http.StatusBadRequest)
	})
}

func TestStartupEndpoints(t *testing.T) {
	g := newAccRig(t)
	amal := g.member("amal")
	tok := g.token(amal)
	for _, path := range []string{
		// A member without filters, lists or followed tags gets [] too.
		"/api/v1/filters", "/api/v2/filters", "/api/v1/lists", "/api/v1/followed_tags", "/api/v1/announcements",
		"/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links",
		"/api/v1/conversations", "/api/v1/suggestions", "/api/v2/suggestions", "/api/v1/scheduled_statuses",
		"/api/v1/featured_tags", "/api/v1/custom_emojis", "/api/v1/instance/peers", "/api/v1/instance/activity",
		"/api/v1/endorsements", "/api/v1/accounts/" + amal.ID.String() + "/featured_tags",
		"/api/v1/accounts/" + amal.ID.String() + "/lists", "/api/v1/accounts/familiar_followers",
	} {
		t.Run(path, func(t *testing.T) {
			r := g.get(path, tok).wantCode(t, http.StatusOK)
			if got := strings.TrimSpace(string(r.body)); got != "[]" {
				t.Errorf("got %s, want []", got)
			}
		})
	}
	var ff []map[string]any
	g.get("/api/v1/accounts/familiar_followers?id[]="+amal.ID.String(), tok).wantCode(t, http.StatusOK).decode(t, &ff)
	if len(ff) != 1 || ff[0]["id"] != amal.ID.String() {
		t.Errorf("familiar followers: got %v", ff)
	}
	r := g.get("/api/v1/push/subscription", tok).wantCode(t, http.StatusNotFound)
	if r.errorText(t) != "Record not found" {
		t.Errorf("push: got %s", r.body)
	}
}

func TestInstance(t *testing.T) {
	g := newAccRig(t)
	admin := g.member("admin")
	s := storage.DefaultInstanceSettings()
	s.Name, s.Tagline, s.Contact = "Majlis Example", "A small place", "admin@majlis.example"
	s.Rules = "# Our rules\n\n1. Be kind.\n2. No spam,\n   no ads.\n\n- Credit artists.\n"
	s.PostChars = 1000
	s.Registrations = storage.RegistrationApproval
	if err := g.db.SaveInstanceSettings(admin.ID, s, "test", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if _, err := g.soc.Publish(context.Background(), admin, social.Draft{Body: "hello", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	g.remote("carla", "elsewhere.example")
	golden(t, "instance_v1", g.get("/api/v1/instance", "").wantCode(t, http.StatusOK).body)
	golden(t, "instance_v2", g.get("/api/v2/instance", "").wantCode(t, http.StatusOK).body)
	var rules []Rule
	g.get("/api/v1/instance/rules", "").wantCode(t, http.StatusOK).decode(t, &rules)
	want := []string{"Be kind.", "No spam, no ads.", "Credit artists."}
	if len(rules) != len(want) {
		t.Fatalf("rules: got %+v, want %q", rules, want)
	}
	for i, r := range rules {
		if r.Text != want[i] || r.ID != string(rune('1'+i)) {
			t.Errorf("rule %d: got %+v, want %q", i, r, want[i])
		}
	}

	var prefs map[string]any
	g.get("/api/v1/preferences", g.token(admin)).wantCode(t, http.StatusOK).decode(t, &prefs)
	if prefs["posting:default:visibility"] != "public" || prefs["reading:expand:media"] != "default" {
		t.Errorf("preferences: got %v", prefs)
	}
}

func TestParseRules(t *testing.T) {
	for _, tt := range []struct {
		md   string
		want []string
	}{
		{"", nil},
		{"Be kind.\nNo spam.", []string{"Be kind.", "No spam."}},
		{"Intro text\n\n* one\n* two\n  more of two", []string{"one", "two more of two"}},
		{"1) first\n10. tenth", []string{"first", "tenth"}},
		{"## Title\n\nplain", []string{"plain"}},
	} {
		got := parseRules(tt.md)
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %+v, want %q", tt.md, got, tt.want)
			continue
		}
		for i := range got {
			if got[i].Text != tt.want[i] {
				t.Errorf("%q: rule %d got %q, want %q", tt.md, i, got[i].Text, tt.want[i])
			}
		}
	}
}
