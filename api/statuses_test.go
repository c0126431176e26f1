package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"majlis/social"
	"majlis/storage"
)

// TestStatusGolden pins the Status, MediaAttachment and Notification
// entities as apps decode them.
func TestStatusGolden(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	ta, tb := g.token(alice), g.token(bob)
	g.follow(bob, alice)

	up := g.upload(ta, stPNG(t, 64, 48), "A red square on grey").want(t, http.StatusOK)
	stGolden(t, "media_attachment", up.body)
	var m MediaAttachment
	up.decode(t, &m)

	pub := g.json("POST", "/api/v1/statuses", ta, `{"status":"Hello #Majlis, see the picture","visibility":"public","media_ids":["`+m.ID+`"],"language":"en"}`).want(t, http.StatusOK)
	stGolden(t, "status_public_media", pub.body)
	p := pub.status(t)

	reply := g.form("POST", "/api/v1/statuses", tb, url.Values{"status": {"@alice nice one"}, "in_reply_to_id": {p.ID}, "visibility": {"unlisted"}}.Encode()).want(t, http.StatusOK)
	stGolden(t, "status_reply", reply.body)

	g.tick()
	reblog := g.do("POST", "/api/v1/statuses/"+p.ID+"/reblog", tb, nil, "").want(t, http.StatusOK)
	stGolden(t, "status_reblog", reblog.body)

	cw := g.json("POST", "/api/v1/statuses", ta, `{"status":"The ending of the film","spoiler_text":"Film spoilers","visibility":"private"}`).want(t, http.StatusOK)
	stGolden(t, "status_cw", cw.body)

	direct := g.json("POST", "/api/v1/statuses", ta, `{"status":"@bob a word between us","visibility":"direct"}`).want(t, http.StatusOK)
	stGolden(t, "status_direct", direct.body)

	notes := g.get("/api/v1/notifications?types[]=mention&limit=1", tb).want(t, http.StatusOK)
	var ns []Notification
	notes.decode(t, &ns)
	if len(ns) != 1 || ns[0].Type != "mention" || ns[0].Status == nil || ns[0].Status.Visibility != "direct" {
		t.Fatalf("bob's newest mention: got %s, want the direct post", notes.body)
	}
	one := g.get("/api/v1/notifications/"+ns[0].ID, tb).want(t, http.StatusOK)
	stGolden(t, "notification_mention", one.body)
}

// TestVisibilityMatrix: a followers-only and a direct post are seen
// through the API by exactly those who see them on the web (the web's own
// read, storage's Post), in statuses/{id}, context, timelines and
// notifications.
func TestVisibilityMatrix(t *testing.T) {
	g := newStRig(t)
	alice, follower, mentioned, stranger := g.member("alice"), g.member("fatima"), g.member("musa"), g.member("sam")
	g.follow(follower, alice)
	root := g.post(alice, social.Draft{Body: "A public start", Visibility: "public"})
	fo := g.post(alice, social.Draft{Body: "For my followers only", Visibility: "followers", InReplyTo: root.ID})
	dm := g.post(alice, social.Draft{Body: "@musa just you", Visibility: "direct", InReplyTo: root.ID})

	viewers := []struct {
		name  string
		user  storage.User
		token string
	}{
		{"author", alice, g.token(alice)},
		{"follower", follower, g.token(follower)},
		{"mentioned", mentioned, g.token(mentioned)},
		{"stranger", stranger, g.token(stranger)},
		{"visitor", storage.User{}, ""},
	}
	for _, v := range viewers {
		t.Run(v.name, func(t *testing.T) {
			ctxIDs := map[string]bool{}
			var c Context
			g.get("/api/v1/statuses/"+root.ID.String()+"/context", v.token).want(t, http.StatusOK).decode(t, &c)
			for _, s := range c.Descendants {
				ctxIDs[s.ID] = true
			}
			home := map[string]bool{}
			if v.token != "" {
				for _, s := range g.get("/api/v1/timelines/home?limit=40", v.token).want(t, http.StatusOK).statuses(t) {
					home[s.ID] = true
				}
			}
			for _, p := range []storage.Post{fo, dm} {
				_, err := g.db.Post(v.user.ID, p.ID)
				web := err == nil
				resp := g.get("/api/v1/statuses/"+p.ID.String(), v.token)
				if got := resp.code == http.StatusOK; got != web {
					t.Errorf("%s post: statuses/{id} answers %d, the web shows it: %v", p.Visibility, resp.code, web)
				}
				if web && resp.status(t).ID != p.ID.String() {
					t.Errorf("statuses/{id}: got %s", resp.body)
				}
				if ctxIDs[p.ID.String()] != web {
					t.Errorf("%s post in context: %v, the web shows it: %v", p.Visibility, ctxIDs[p.ID.String()], web)
				}
				// Home shows replies to followed accounts: the follower's
				// and author's home carry what they may see.
				if (v.name == "author" || v.name == "follower") && home[p.ID.String()] != web {
					t.Errorf("%s post in home: %v, want %v", p.Visibility, home[p.ID.String()], web)
				}
				if !web && home[p.ID.String()] {
					t.Errorf("%s post leaks into the home timeline", p.Visibility)
				}
			}
			for _, s := range g.get("/api/v1/timelines/public", v.token).want(t, http.StatusOK).statuses(t) {
				if s.ID == fo.ID.String() || s.ID == dm.ID.String() {
					t.Errorf("public timeline shows a %s post", s.Visibility)
				}
			}
		})
	}
	// The mentioned member hears of the direct post; nobody else does.
	var ns []Notification
	g.get("/api/v1/notifications", viewers[2].token).want(t, http.StatusOK).decode(t, &ns)
	if len(ns) != 1 || ns[0].Status == nil || ns[0].Status.ID != dm.ID.String() {
		t.Errorf("mentioned member's notifications: got %+v, want the direct post's mention", ns)
	}
	for _, i := range []int{1, 3} {
		var ns []Notification
		g.get("/api/v1/notifications", viewers[i].token).want(t, http.StatusOK).decode(t, &ns)
		if len(ns) != 0 {
			t.Errorf("%s has notifications %+v, want none", viewers[i].name, ns)
		}
	}
	// A hidden post is not found either by its interactions.
	g.do("POST", "/api/v1/statuses/"+dm.ID.String()+"/favourite", viewers[3].token, nil, "").want(t, http.StatusNotFound)
	g.get("/api/v1/statuses/"+fo.ID.String()+"/favourited_by", "").want(t, http.StatusNotFound)
	g.get("/api/v1/statuses/"+dm.ID.String()+"/history", viewers[1].token).want(t, http.StatusNotFound)
}

// TestIdempotencyKey: the same key from the same token posts once.
func TestIdempotencyKey(t *testing.T) {
	g := newStRig(t)
	alice := g.member("alice")
	t1, t2 := g.token(alice), g.token(alice)
	first := g.form("POST", "/api/v1/statuses", t1, "status=once", "Idempotency-Key", "k1").want(t, http.StatusOK).status(t)
	again := g.form("POST", "/api/v1/statuses", t1, "status=once", "Idempotency-Key", "k1").want(t, http.StatusOK).status(t)
	if again.ID != first.ID {
		t.Errorf("same key, same token: got status %s, want the first %s", again.ID, first.ID)
	}
	if n := g.user(alice).PostsCount; n != 1 {
		t.Errorf("posts after a repeated request: %d, want 1", n)
	}
	other := g.form("POST", "/api/v1/statuses", t2, "status=once", "Idempotency-Key", "k1").want(t, http.StatusOK).status(t)
	if other.ID == first.ID {
		t.Error("another token's key found the first token's status")
	}
	// A refused request does not hold its key: the retry posts.
	g.form("POST", "/api/v1/statuses", t1, "status=", "Idempotency-Key", "k2").want(t, http.StatusUnprocessableEntity)
	g.form("POST", "/api/v1/statuses", t1, "status=now+with+text", "Idempotency-Key", "k2").want(t, http.StatusOK)
	// An hour later the key is free again.
	*g.now = g.now.Add(61 * 60e9)
	later := g.form("POST", "/api/v1/statuses", t1, "status=once", "Idempotency-Key", "k1").want(t, http.StatusOK).status(t)
	if later.ID == first.ID {
		t.Error("a key older than an hour still answered the first status")
	}
	if n := g.user(alice).PostsCount; n != 4 {
		t.Errorf("posts: %d, want 4", n)
	}
}

func TestCreateStatusRefusals(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	ta := g.token(alice)
	fo := g.post(bob, social.Draft{Body: "followers", Visibility: "followers"})
	g.follow(alice, bob)
	bobPublic := g.post(bob, social.Draft{Body: "open", Visibility: "public"})
	readOnly := g.token(alice, "read")
	cases := []struct {
		name, token, body string
		code              int
		msg               string
	}{
		{"empty", ta, `{"status":"  "}`, http.StatusUnprocessableEntity, "Write something first"},
		{"unknown visibility", ta, `{"status":"x","visibility":"everyone"}`, http.StatusUnprocessableEntity, "Choose who can see"},
		{"reply wider than its parent", ta, `{"status":"x","visibility":"public","in_reply_to_id":"` + fo.ID.String() + `"}`, http.StatusUnprocessableEntity, ""},
		{"reply to nothing", ta, `{"status":"x","in_reply_to_id":"123"}`, http.StatusNotFound, ""},
		{"poll of one answer", ta, `{"status":"x","poll":{"options":["a"],"expires_in":300}}`, http.StatusUnprocessableEntity, "at least two answers"},
		{"poll too short", ta, `{"status":"x","poll":{"options":["a","b"],"expires_in":60}}`, http.StatusUnprocessableEntity, "5 minutes"},
		{"poll not an object", ta, `{"status":"x","poll":["a","b"]}`, http.StatusUnprocessableEntity, "poll"},
		{"media of nobody", ta, `{"status":"x","media_ids":["abc"]}`, http.StatusUnprocessableEntity, ""},
		{"bad language", ta, `{"status":"x","language":"english!"}`, http.StatusUnprocessableEntity, "language"},
		{"not JSON", ta, `{"status":`, http.StatusUnprocessableEntity, ""},
		{"read-only token", readOnly, `{"status":"x"}`, http.StatusForbidden, ""},
		{"no token", "", `{"status":"x"}`, http.StatusUnauthorized, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := g.json("POST", "/api/v1/statuses", c.token, c.body).want(t, c.code)
			if msg := r.errorText(t); !strings.Contains(msg, c.msg) || msg == "" {
				t.Errorf("error %q, want it to say %q", msg, c.msg)
			}
		})
	}
	if n := g.user(alice).PostsCount; n != 0 {
		t.Errorf("refused requests left %d posts", n)
	}
	// A reply narrower than its parent is fine, and "private" is
	// followers-only.
	s := g.json("POST", "/api/v1/statuses", ta, `{"status":"x","visibility":"private","in_reply_to_id":"`+bobPublic.ID.String()+`"}`).want(t, http.StatusOK).status(t)
	if s.Visibility != "private" || s.InReplyToID == nil || *s.InReplyToID != bobPublic.ID.String() {
		t.Errorf("reply: got visibility %s, in_reply_to %v", s.Visibility, s.InReplyToID)
	}
}

func TestStatusLifecycle(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	ta, tb := g.token(alice), g.token(bob)
	s := g.json("POST", "/api/v1/statuses", ta, `{"status":"first **draft**","spoiler_text":"cw"}`).want(t, http.StatusOK).status(t)
	path := "/api/v1/statuses/" + s.ID

	// Public: read without a token.
	if got := g.get(path, "").want(t, http.StatusOK).status(t); got.Favourited != nil {
		t.Error("a visitor's status carries the viewer's marks")
	}
	var src StatusSource
	g.get(path+"/source", ta).want(t, http.StatusOK).decode(t, &src)
	if src.Text != "first **draft**" || src.SpoilerText != "cw" {
		t.Errorf("source: %+v", src)
	}
	g.get(path+"/source", tb).want(t, http.StatusForbidden)

	// Edit: another member may not; the author may, and the history shows
	// both versions, oldest first.
	g.json("PUT", path, tb, `{"status":"hijack"}`).want(t, http.StatusForbidden)
	ed := g.json("PUT", path, ta, `{"status":"second version","spoiler_text":""}`).want(t, http.StatusOK).status(t)
	if ed.EditedAt == nil || !strings.Contains(ed.Content, "second version") || ed.Sensitive {
		t.Errorf("edited: %s", g.get(path, ta).body)
	}
	g.json("PUT", path, ta, `{"status":"x","media_ids":["abc"]}`).want(t, http.StatusUnprocessableEntity)
	var hist []StatusEdit
	g.get(path+"/history", tb).want(t, http.StatusOK).decode(t, &hist)
	if len(hist) != 2 || !strings.Contains(hist[0].Content, "<strong>draft</strong>") || !strings.Contains(hist[1].Content, "second version") {
		t.Errorf("history: %+v", hist)
	}

	// Interactions, each answering the status with the member's mark.
	for _, c := range []struct {
		action string
		check  func(Status) bool
	}{
		{"favourite", func(s Status) bool { return *s.Favourited && s.FavouritesCount == 1 }},
		{"bookmark", func(s Status) bool { return *s.Bookmarked }},
		{"reblog", func(s Status) bool { return s.Reblog != nil && *s.Reblog.Reblogged && s.Reblog.ReblogsCount == 1 }},
	} {
		g.tick()
		got := g.do("POST", path+"/"+c.action, tb, nil, "").want(t, http.StatusOK).status(t)
		if !c.check(got) {
			t.Errorf("%s: got %+v", c.action, got)
		}
	}
	var accs []Account
	g.get(path+"/favourited_by", "").want(t, http.StatusOK).decode(t, &accs)
	if len(accs) != 1 || accs[0].Username != "bob" {
		t.Errorf("favourited_by: %+v", accs)
	}
	g.get(path+"/reblogged_by", ta).want(t, http.StatusOK).decode(t, &accs)
	if len(accs) != 1 || accs[0].Username != "bob" {
		t.Errorf("reblogged_by: %+v", accs)
	}
	if l := g.get("/api/v1/bookmarks", tb).want(t, http.StatusOK).statuses(t); len(l) != 1 || l[0].ID != s.ID {
		t.Errorf("bookmarks: %+v", l)
	}
	if l := g.get("/api/v1/favourites", tb).want(t, http.StatusOK).statuses(t); len(l) != 1 || l[0].ID != s.ID {
		t.Errorf("favourites: %+v", l)
	}
	// Alice's home shows nothing of bob's (she does not follow him); the
	// notifications tell her of the like and the repost.
	var ns []Notification
	g.get("/api/v1/notifications?exclude_types[]=mention", ta).want(t, http.StatusOK).decode(t, &ns)
	types := map[string]bool{}
	for _, n := range ns {
		types[n.Type] = true
	}
	if !types["favourite"] || !types["reblog"] || len(ns) != 2 {
		t.Errorf("notifications: %+v", ns)
	}
	for _, c := range []struct {
		action string
		check  func(Status) bool
	}{
		{"unfavourite", func(s Status) bool { return !*s.Favourited && s.FavouritesCount == 0 }},
		{"unbookmark", func(s Status) bool { return !*s.Bookmarked }},
		{"unreblog", func(s Status) bool { return !*s.Reblogged && s.ReblogsCount == 0 }},
	} {
		got := g.do("POST", path+"/"+c.action, tb, nil, "").want(t, http.StatusOK).status(t)
		if !c.check(got) {
			t.Errorf("%s: got %+v", c.action, got)
		}
	}
	// Pin: one's own posts only.
	g.do("POST", path+"/pin", tb, nil, "").want(t, http.StatusForbidden)
	if got := g.do("POST", path+"/pin", ta, nil, "").want(t, http.StatusOK).status(t); !*got.Pinned {
		t.Error("pin: not pinned")
	}
	if got := g.get(path, ta).want(t, http.StatusOK).status(t); got.Pinned == nil || !*got.Pinned {
		t.Error("a pinned status does not say so to its author")
	}
	if got := g.do("POST", path+"/unpin", ta, nil, "").want(t, http.StatusOK).status(t); *got.Pinned {
		t.Error("unpin: still pinned")
	}

	// Delete: another's is refused; one's own answers its source.
	g.do("DELETE", path, tb, nil, "").want(t, http.StatusForbidden)
	del := g.do("DELETE", path, ta, nil, "").want(t, http.StatusOK).status(t)
	if del.Text == nil || *del.Text != "second version" {
		t.Errorf("deleted status's text: %v, want the source", del.Text)
	}
	g.get(path, ta).want(t, http.StatusNotFound)
	g.get("/api/v1/statuses/nonsense", ta).want(t, http.StatusNotFound)
}

func TestTimelinesPaging(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	tb := g.token(bob)
	g.follow(bob, alice)
	var ids []string
	for i := 0; i < 5; i++ {
		p := g.post(alice, social.Draft{Body: "post #go " + string(rune('a'+i)), Visibility: "public"})
		ids = append(ids, p.ID.String())
	}
	// Newest first, two at a time, with the links to follow.
	r := g.get("/api/v1/timelines/home?limit=2", tb).want(t, http.StatusOK)
	if got := stIDs(r.statuses(t)); got != ids[4]+","+ids[3] {
		t.Fatalf("first page: %s", got)
	}
	link := r.header.Get("Link")
	if !strings.Contains(link, "max_id="+ids[3]) || !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "min_id="+ids[4]) {
		t.Errorf("Link: %s", link)
	}
	next := stLink(t, link, "next")
	if got := stIDs(g.get(next, tb).want(t, http.StatusOK).statuses(t)); got != ids[2]+","+ids[1] {
		t.Errorf("next page: %s", got)
	}
	for _, c := range []struct{ query, want string }{
		{"since_id=" + ids[1] + "&limit=2", ids[4] + "," + ids[3]},
		{"min_id=" + ids[1] + "&limit=2", ids[3] + "," + ids[2]},
		{"min_id=" + ids[3], ids[4]},
		{"max_id=" + ids[1], ids[0]},
		{"max_id=" + ids[4] + "&since_id=" + ids[1], ids[3] + "," + ids[2]},
	} {
		if got := stIDs(g.get("/api/v1/timelines/home?"+c.query, tb).want(t, http.StatusOK).statuses(t)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.query, got, c.want)
		}
	}
	if got := g.get("/api/v1/timelines/public?local=true&limit=1", "").want(t, http.StatusOK).statuses(t); len(got) != 1 || got[0].ID != ids[4] {
		t.Errorf("local timeline: %+v", got)
	}
	if got := g.get("/api/v1/timelines/public", "").want(t, http.StatusOK).statuses(t); len(got) != 5 {
		t.Errorf("public timeline: %d statuses, want 5", len(got))
	}
	if got := g.get("/api/v1/timelines/public?remote=true", "").want(t, http.StatusOK).statuses(t); len(got) != 0 {
		t.Errorf("remote timeline: %d statuses, want none", len(got))
	}
	if got := g.get("/api/v1/timelines/tag/Go?limit=3", "").want(t, http.StatusOK).statuses(t); len(got) != 3 || len(got[0].Tags) != 1 || got[0].Tags[0].URL != stBase+"/tags/go" {
		t.Errorf("tag timeline: %+v", got)
	}
	g.get("/api/v1/timelines/home", "").want(t, http.StatusUnauthorized)
}

func stIDs(ss []Status) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return strings.Join(out, ",")
}

// stLink is the path and query of a Link header's rel.
func stLink(t *testing.T, h, rel string) string {
	t.Helper()
	for _, part := range strings.Split(h, ",") {
		if strings.Contains(part, `rel="`+rel+`"`) {
			raw := strings.TrimSpace(part)
			raw = raw[1:strings.Index(raw, ">")]
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			return u.RequestURI()
		}
	}
	t.Fatalf("no %s link in %q", rel, h)
	return ""
}

func TestNotificationsAndMarkers(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	ta := g.token(alice)
	p := g.post(alice, social.Draft{Body: "hello", Visibility: "public"})
	g.follow(bob, alice)
	g.post(bob, social.Draft{Body: "@alice hi", Visibility: "public"})
	e, _ := g.db.Post(bob.ID, p.ID)
	if _, err := g.soc.Like(context.Background(), g.user(bob), e); err != nil {
		t.Fatal(err)
	}
	var all []Notification
	g.get("/api/v1/notifications", ta).want(t, http.StatusOK).decode(t, &all)
	if got := stTypes(all); got != "favourite,mention,follow" {
		t.Fatalf("notifications: %s", got)
	}
	var some []Notification
	g.get("/api/v1/notifications?types[]=follow&types[]=favourite", ta).want(t, http.StatusOK).decode(t, &some)
	if got := stTypes(some); got != "favourite,follow" {
		t.Errorf("types[]: %s", got)
	}
	g.get("/api/v1/notifications?exclude_types[]=favourite&limit=1", ta).want(t, http.StatusOK).decode(t, &some)
	if got := stTypes(some); got != "mention" {
		t.Errorf("exclude_types[]: %s", got)
	}

	// Markers: the notifications marker is the web's unread mark.
	if n, _ := g.db.UnreadNotifications(alice.ID, 10); n != 3 {
		t.Fatalf("unread before: %d", n)
	}
	var mk map[string]Marker
	g.form("POST", "/api/v1/markers", ta, url.Values{"notifications[last_read_id]": {all[0].ID}, "home[last_read_id]": {p.ID.String()}}.Encode()).want(t, http.StatusOK).decode(t, &mk)
	if mk["notifications"].LastReadID != all[0].ID || mk["home"].LastReadID != p.ID.String() {
		t.Errorf("markers set: %+v", mk)
	}
	if n, _ := g.db.UnreadNotifications(alice.ID, 10); n != 0 {
		t.Errorf("unread after the marker: %d, want 0", n)
	}
	g.get("/api/v1/markers?timeline[]=home&timeline[]=notifications", ta).want(t, http.StatusOK).decode(t, &mk)
	if mk["home"].LastReadID != p.ID.String() || mk["home"].Version != 1 || mk["notifications"].LastReadID != all[0].ID {
		t.Errorf("markers: %+v", mk)
	}
	g.json("POST", "/api/v1/markers", ta, `{"home":{"last_read_id":"`+all[0].ID+`"}}`).want(t, http.StatusOK).decode(t, &mk)
	if mk["home"].Version != 2 {
		t.Errorf("home marker version: %+v", mk)
	}
	// The home marker is in the file: a new server over it (a restart)
	// still has it.
	if u, err := g.db.UserByID(alice.ID); err != nil || u.HomeMarker.String() != all[0].ID || u.HomeMarkerVersion != 2 {
		t.Errorf("home marker in the file: %v %v/%d", err, u.HomeMarker, u.HomeMarkerVersion)
	}

	// One, dismiss, clear.
	g.get("/api/v1/notifications/"+all[1].ID, ta).want(t, http.StatusOK)
	g.get("/api/v1/notifications/"+all[1].ID, g.token(bob)).want(t, http.StatusNotFound)
	g.do("POST", "/api/v1/notifications/"+all[1].ID+"/dismiss", ta, nil, "").want(t, http.StatusOK)
	g.get("/api/v1/notifications/"+all[1].ID, ta).want(t, http.StatusNotFound)
	g.get("/api/v1/notifications", ta).want(t, http.StatusOK).decode(t, &some)
	if got := stTypes(some); got != "favourite,follow" {
		t.Errorf("after dismiss: %s", got)
	}
	g.do("POST", "/api/v1/notifications/clear", ta, nil, "").want(t, http.StatusOK)
	g.get("/api/v1/notifications", ta).want(t, http.StatusOK).decode(t, &some)
	if len(some) != 0 {
		t.Errorf("after clear: %+v", some)
	}
	g.get("/api/v1/notifications", g.token(alice, "read:statuses")).want(t, http.StatusForbidden)
}

func stTypes(ns []Notification) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Type)
	}
	return strings.Join(out, ",")
}

func TestMediaEndpoints(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("bob")
	ta, tb := g.token(alice), g.token(bob)
	g.upload(ta, []byte("not a picture at all"), "").want(t, http.StatusUnprocessableEntity)
	g.upload(ta, stPNG(t, 8, 8), strings.Repeat("x", 1501)).want(t, http.StatusUnprocessableEntity)
	g.do("POST", "/api/v2/media", ta, strings.NewReader("x"), "text/plain").want(t, http.StatusUnprocessableEntity)

	var m MediaAttachment
	g.upload(ta, stPNG(t, 40, 20), "").want(t, http.StatusOK).decode(t, &m)
	if m.Description != nil || m.Type != "image" {
		t.Errorf("upload: %+v", m)
	}
	g.get("/api/v1/media/"+m.ID, tb).want(t, http.StatusNotFound)
	g.form("PUT", "/api/v1/media/"+m.ID, ta, "description=Two+stripes").want(t, http.StatusOK).decode(t, &m)
	if m.Description == nil || *m.Description != "Two stripes" {
		t.Errorf("description: %v", m.Description)
	}
	// The description set before the post reaches the post.
	s := g.json("POST", "/api/v1/statuses", ta, `{"status":"with a picture","media_ids":["`+m.ID+`"]}`).want(t, http.StatusOK).status(t)
	if len(s.MediaAttachments) != 1 || s.MediaAttachments[0].Description == nil || *s.MediaAttachments[0].Description != "Two stripes" {
		t.Fatalf("status media: %+v", s.MediaAttachments)
	}
	// After the post: readable, and its description still the author's
	// to correct (an edit of the post; majlis allows what Mastodon does
	// not), never another member's.
	g.get("/api/v1/media/"+m.ID, ta).want(t, http.StatusOK)
	g.json("PUT", "/api/v1/media/"+m.ID, tb, `{"description":"Bob's"}`).want(t, http.StatusNotFound)
	g.json("PUT", "/api/v1/media/"+m.ID, ta, `{"description":"`+strings.Repeat("x", 1501)+`"}`).want(t, http.StatusUnprocessableEntity)
	g.json("PUT", "/api/v1/media/"+m.ID, ta, `{"description":"Two blue stripes"}`).want(t, http.StatusOK).decode(t, &m)
	if m.Description == nil || *m.Description != "Two blue stripes" {
		t.Errorf("description after posting: %v", m.Description)
	}
	var after Status
	g.get("/api/v1/statuses/"+s.ID, tb).want(t, http.StatusOK).decode(t, &after)
	if len(after.MediaAttachments) != 1 || after.MediaAttachments[0].Description == nil || *after.MediaAttachments[0].Description != "Two blue stripes" {
		t.Errorf("status media after the change: %+v", after.MediaAttachments)
	}
	if after.EditedAt == nil {
		t.Errorf("edited_at: nil, want the time of the change")
	}
	// An image is attached once: a second post with it is refused.
	g.json("POST", "/api/v1/statuses", ta, `{"status":"again","media_ids":["`+m.ID+`"]}`).want(t, http.StatusUnprocessableEntity)
	// Bob cannot attach Alice's upload.
	var m2 MediaAttachment
	g.upload(ta, stPNG(t, 10, 30), "").want(t, http.StatusOK).decode(t, &m2)
	g.json("POST", "/api/v1/statuses", tb, `{"status":"stolen","media_ids":["`+m2.ID+`"]}`).want(t, http.StatusUnprocessableEntity)
}

func TestSearch(t *testing.T) {
	g := newStRig(t)
	alice, bob := g.member("alice"), g.member("albert")
	g.member("zed")
	ta := g.token(alice)
	remote := g.remote("rami", "other.example")
	g.fed.users["nadia@far.example"] = func() storage.User { return g.remote("nadia", "far.example") }
	p := g.post(bob, social.Draft{Body: "tagged #Sunset", Visibility: "public"})
	// Both agreed to be found; zed did not.
	for _, u := range []storage.User{alice, bob} {
		if _, err := g.db.UpdateProfile(u.ID, storage.ProfileUpdate{Indexable: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.db.CatchUpSearch(); err != nil {
		t.Fatal(err)
	}

	var res SearchResults
	g.get("/api/v2/search?q=al&type=accounts", ta).want(t, http.StatusOK).decode(t, &res)
	if len(res.Accounts) != 2 {
		t.Errorf("prefix search: %+v", res.Accounts)
	}
	g.get("/api/v2/search?q=ze&type=accounts", ta).want(t, http.StatusOK).decode(t, &res)
	if len(res.Accounts) != 0 {
		t.Errorf("an account that did not agree to be found, by a prefix: %+v", res.Accounts)
	}
	// Full text, with Mastodon's paging.
	for _, tt := range []struct {
		query string
		want  int
	}{
		{"q=TAGGED&type=statuses", 1},
		{"q=tagged&type=statuses&offset=1", 0},
		{"q=tagged&type=statuses&account_id=" + bob.ID.String(), 1},
		{"q=tagged&type=statuses&account_id=" + alice.ID.String(), 0},
		{"q=tagged&type=statuses&max_id=" + p.ID.String(), 0},
		{"q=tagged&type=statuses&min_id=" + p.ID.String(), 0},
		{"q=nowhere&type=statuses", 0},
	} {
		g.get("/api/v2/search?"+tt.query, ta).want(t, http.StatusOK).decode(t, &res)
		if len(res.Statuses) != tt.want || tt.want == 1 && res.Statuses[0].ID != p.ID.String() {
			t.Errorf("%s: %d statuses, want %d", tt.query, len(res.Statuses), tt.want)
		}
	}
	g.get("/api/v2/search?q=@rami@other.example", "").want(t, http.StatusOK).decode(t, &res)
	if len(res.Accounts) != 1 || res.Accounts[0].ID != remote.ID.String() || res.Accounts[0].Acct != "rami@other.example" {
		t.Errorf("known remote account: %+v", res.Accounts)
	}
	g.get("/api/v2/search?q=@nadia@far.example", ta).want(t, http.StatusOK).decode(t, &res)
	if len(res.Accounts) != 0 {
		t.Errorf("unknown remote account found without resolve: %+v", res.Accounts)
	}
	g.get("/api/v2/search?q=@nadia@far.example&resolve=true", ta).want(t, http.StatusOK).decode(t, &res)
	if len(res.Accounts) != 1 || res.Accounts[0].Acct != "nadia@far.example" {
		t.Errorf("resolved account: %+v", res.Accounts)
	}
	g.get("/api/v2/search?q=%23sunset", "").want(t, http.StatusOK).decode(t, &res)
	if len(res.Hashtags) != 1 || res.Hashtags[0].Name != "sunset" {
		t.Errorf("hashtags: %+v", res.Hashtags)
	}
	g.get("/api/v2/search?q=nothere&type=hashtags", "").want(t, http.StatusOK).decode(t, &res)
	if len(res.Hashtags) != 0 {
		t.Errorf("a tag without posts: %+v", res.Hashtags)
	}
	g.get("/api/v2/search?q="+url.QueryEscape(stBase+"/@albert/"+p.ID.String())+"&resolve=true", ta).want(t, http.StatusOK).decode(t, &res)
	if len(res.Statuses) != 1 || res.Statuses[0].ID != p.ID.String() {
		t.Errorf("status by URL: %+v", res.Statuses)
	}
	var accs []Account
	g.get("/api/v1/accounts/search?q=zed", ta).want(t, http.StatusOK).decode(t, &accs)
	if len(accs) != 1 || accs[0].Username != "zed" {
		t.Errorf("accounts/search: %+v", accs)
	}
	// Someone who blocks the searcher is not found.
	if err := g.soc.Block(context.Background(), g.user(bob), g.user(alice)); err != nil {
		t.Fatal(err)
	}
	g.get("/api/v1/accounts/search?q=al", ta).want(t, http.StatusOK).decode(t, &accs)
	if len(accs) != 1 || accs[0].Username != "alice" {
		t.Errorf("search past a block: %+v", accs)
	}
}
