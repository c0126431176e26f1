package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"majlis/markup"
	"majlis/storage"
)

// setInstanceConsent saves the instance's AI-training policy, as an admin.
func setInstanceConsent(t testing.TB, db *storage.DB, allowed, refuse bool) {
	t.Helper()
	admin, err := db.LocalUser("root")
	if err != nil {
		admin = newUser(t, db, "root")
		if err := db.SetRole(admin.ID, storage.RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}
	s, _, err := db.InstanceSettings()
	if err != nil {
		t.Fatal(err)
	}
	s.AITrainingAllowed, s.RefuseAICrawlers = allowed, refuse
	if err := db.SaveInstanceSettings(admin.ID, s, "", time.Now()); err != nil {
		t.Fatalf("SaveInstanceSettings: %v", err)
	}
}

// setConsent saves a member's consent choices.
func setConsent(t testing.TB, db *storage.DB, u storage.User, up storage.ProfileUpdate) storage.User {
	t.Helper()
	up.DisplayName = u.DisplayName
	got, err := db.UpdateProfile(u.ID, up)
	if err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	return got
}

// newTagged stores a public post with hashtags (newPost leaves them out).
func newTagged(t testing.TB, db *storage.DB, author storage.User, source string, tags ...string) storage.Post {
	t.Helper()
	id := db.NewID()
	p := storage.Post{
		ID: id, AuthorID: author.ID, URI: testBaseURL + "/@" + author.Username + "/" + id.String(),
		Source: source, HTML: "<p>" + source + "</p>", Visibility: storage.Public, Local: true, Tags: tags,
	}
	if err := db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	return p
}

// newReply stores a public reply by author to parent.
func newReply(t testing.TB, db *storage.DB, author storage.User, parent storage.Post, source string) storage.Post {
	t.Helper()
	rendered, err := markup.Render(source)
	if err != nil {
		t.Fatal(err)
	}
	id := db.NewID()
	p := storage.Post{
		ID: id, AuthorID: author.ID, URI: testBaseURL + "/@" + author.Username + "/" + id.String(),
		Source: source, HTML: rendered, Visibility: storage.Public, Local: true, InReplyTo: parent.ID,
	}
	if err := db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost (reply): %v", err)
	}
	return p
}

// metaContent is the content of <meta name=name>, and whether there is one.
func metaContent(doc *html.Node, name string) (string, bool) {
	for _, m := range byTag(doc, "meta") {
		if attr(m, "name") == name {
			return attr(m, "content"), true
		}
	}
	return "", false
}

// wantConsent checks what a response says about AI training and indexing.
func wantConsent(t *testing.T, resp *response, noAI, noIndex, page bool) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	robots := resp.Header.Get("X-Robots-Tag")
	if got := strings.Contains(robots, "noai") && strings.Contains(robots, "noimageai"); got != noAI {
		t.Errorf("X-Robots-Tag %q: noai %t, want %t", robots, got, noAI)
	}
	if got := strings.Contains(robots, "noindex"); got != noIndex {
		t.Errorf("X-Robots-Tag %q: noindex %t, want %t", robots, got, noIndex)
	}
	wantUsage, wantTDM := "", ""
	if noAI {
		wantUsage, wantTDM = "train-ai=n", "1"
	}
	if got := resp.Header.Get("Content-Usage"); got != wantUsage {
		t.Errorf("Content-Usage %q, want %q", got, wantUsage)
	}
	if got := resp.Header.Get("tdm-reservation"); got != wantTDM {
		t.Errorf("tdm-reservation %q, want %q", got, wantTDM)
	}
	if !page {
		return
	}
	doc := resp.Doc()
	meta, ok := metaContent(doc, "robots")
	if ok != (noAI || noIndex) || meta != robots {
		t.Errorf("robots meta %q (present %t), want the header's %q", meta, ok, robots)
	}
	tdm, ok := metaContent(doc, "tdm-reservation")
	if ok != noAI || (ok && tdm != "1") {
		t.Errorf("tdm-reservation meta %q (present %t), want present %t", tdm, ok, noAI)
	}
}

// For each instance policy and each member choice, every response that
// carries the member's content says what applies, the strictest of the
// two; a page that mixes members follows the strictest among them, and a
// page of a member who allows it alone stays allowed.
func TestConsentMatrix(t *testing.T) {
	for _, instance := range []bool{false, true} {
		for _, choice := range []string{storage.AITrainingInherit, storage.AITrainingNo, storage.AITrainingYes} {
			name := "instance-forbids"
			if instance {
				name = "instance-allows"
			}
			name += "/member-" + map[string]string{"": "inherit", "no": "no", "yes": "yes"}[choice]
			t.Run(name, func(t *testing.T) {
				srv := newTestServer(t)
				db := srv.db
				setInstanceConsent(t, db, instance, false)
				open := setConsent(t, db, newUser(t, db, "open"), storage.ProfileUpdate{AITraining: storage.AITrainingYes, Indexable: true})
				m := setConsent(t, db, newUser(t, db, "m"), storage.ProfileUpdate{AITraining: choice, Indexable: true})
				img := pngFile(t, gradientImage(8, 8))
				f := storage.File{Data: img, ContentType: "image/png", Width: 8, Height: 8}
				m, err := db.SetProfileImage(m.ID, storage.AvatarSlot, f, f)
				if err != nil {
					t.Fatal(err)
				}
				openPost := newTagged(t, db, open, "hello #mixed", "mixed")
				mPost := newTagged(t, db, m, "mine #mixed", "mixed")
				newReply(t, db, m, openPost, "a reply")

				mNoAI := !(instance && choice != storage.AITrainingNo)
				openNoAI := !instance
				c := srv.newClient(t)
				for _, tc := range []struct {
					path       string
					noAI, page bool
				}{
					{"/@m", mNoAI, true},
					{"/@m/" + mPost.ID.String(), mNoAI, true},
					{"/@open/" + openPost.ID.String(), mNoAI, true}, // a thread with m's reply
					{"/tags/mixed", mNoAI, true},
					{"/local", mNoAI, true},
					{"/@m.rss", mNoAI, false},
					{"/@m.atom", mNoAI, false},
					{"/tags/mixed.rss", mNoAI, false},
					{"/media/" + m.Avatar.Display + ".png", mNoAI, false},
					{"/@open", openNoAI, true},
					{"/@open.rss", openNoAI, false},
				} {
					t.Run(tc.path, func(t *testing.T) {
						wantConsent(t, c.get(tc.path), tc.noAI, false, tc.page)
					})
				}
				t.Run("htmx fragment", func(t *testing.T) {
					wantConsent(t, c.getHX("/tags/mixed"), mNoAI, false, false)
				})
				t.Run("robots.txt", func(t *testing.T) {
					body := c.get("/robots.txt").body
					wantGroup := !instance || choice == storage.AITrainingNo
					if got := strings.Contains(body, "User-agent: GPTBot\n"); got != wantGroup {
						t.Errorf("AI group present %t, want %t:\n%s", got, wantGroup, body)
					}
					if !instance && !strings.Contains(body, "User-agent: iaskspider/2.0\nDisallow: /\n") {
						t.Errorf("AI group does not disallow everything:\n%s", body)
					}
					if instance && choice == storage.AITrainingNo && (!strings.Contains(body, "Disallow: /@m$\nDisallow: /@m/\n") || !strings.Contains(body, "Disallow: /tags/\n")) {
						t.Errorf("AI group does not name the member who refuses:\n%s", body)
					}
					usage := "train-ai=n"
					if instance {
						usage = "train-ai=y"
					}
					if instance && choice == storage.AITrainingNo && !strings.Contains(body, "User-agent: *\nContent-Usage: /@m$ train-ai=n\n") {
						t.Errorf("the * group does not reserve the member who refuses:\n%s", body)
					}
					if !strings.Contains(body, "\nContent-Usage: "+usage+"\n") {
						t.Errorf("want Content-Usage: %s in the * group:\n%s", usage, body)
					}
					for _, p := range []string{"/settings", "/admin", "/login", "/register", "/media/upload", "/notifications", "/bookmarks", "/posts"} {
						if !strings.Contains(body, "Disallow: "+p+"\n") {
							t.Errorf("robots.txt does not disallow %s", p)
						}
					}
					for _, a := range []string{"User-agent: Applebot\n", "facebookexternalhit", "Googlebot"} {
						if strings.Contains(body, a) {
							t.Errorf("robots.txt names %q, which search and link previews need", a)
						}
					}
				})
				t.Run("tdmrep.json", func(t *testing.T) {
					resp := c.get("/.well-known/tdmrep.json")
					var rules []struct {
						Location       string `json:"location"`
						TDMReservation *int   `json:"tdm-reservation"`
					}
					if err := json.Unmarshal([]byte(resp.body), &rules); err != nil {
						t.Fatalf("decode %q: %v", resp.body, err)
					}
					reservation := func(path string) int {
						for _, r := range rules {
							if r.Location == path || strings.HasSuffix(r.Location, "*") && strings.HasPrefix(path, strings.TrimSuffix(r.Location, "*")) {
								return *r.TDMReservation
							}
						}
						return -1
					}
					want := func(b bool) int {
						if b {
							return 1
						}
						return 0
					}
					for path, noAI := range map[string]bool{"/@m": mNoAI, "/@m/" + mPost.ID.String(): mNoAI, "/@open": openNoAI, "/tags/mixed": mNoAI} {
						if got := reservation(path); got != want(noAI) {
							t.Errorf("%s: tdm-reservation %d, want %d (rules %s)", path, got, want(noAI), resp.body)
						}
					}
				})
			})
		}
	}
}

// A member is not indexed unless they say so; a page with any
// non-indexable author is noindex.
func TestConsentNoindex(t *testing.T) {
	srv := newTestServer(t)
	db := srv.db
	setInstanceConsent(t, db, true, false)
	shy := newUser(t, db, "shy") // the default: not indexed
	open := setConsent(t, db, newUser(t, db, "open"), storage.ProfileUpdate{Indexable: true})
	shyPost := newTagged(t, db, shy, "quiet #both", "both")
	openPost := newTagged(t, db, open, "loud #both", "both")
	newTagged(t, db, open, "only #loud", "loud")
	c := srv.newClient(t)
	for _, tc := range []struct {
		path    string
		noIndex bool
		page    bool
	}{
		{"/@shy", true, true},
		{"/@shy/" + shyPost.ID.String(), true, true},
		{"/@shy.rss", true, false},
		{"/@open", false, true},
		{"/@open/" + openPost.ID.String(), false, true},
		{"/@open.atom", false, false},
		{"/tags/both", true, true},
		{"/tags/loud", false, true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			wantConsent(t, c.get(tc.path), false, tc.noIndex, tc.page)
		})
	}
}

// With "Refuse known AI crawlers", a listed crawler gets a readable 403
// everywhere but robots.txt; others and ordinary crawlers get through.
func TestConsentRefuseCrawlers(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "m")
	c := srv.newClient(t)
	gpt := http.Header{"User-Agent": {"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)"}}
	if resp := c.do("GET", "/@m", nil, gpt); resp.StatusCode != http.StatusOK {
		t.Errorf("refusal off: got %d, want 200", resp.StatusCode)
	}
	setInstanceConsent(t, srv.db, false, true)
	for _, ua := range []string{gpt.Get("User-Agent"), "CCBot/2.0 (https://commoncrawl.org/faq/)", "Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"} {
		resp := c.do("GET", "/@m", nil, http.Header{"User-Agent": {ua}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, "does not allow AI crawlers") {
			t.Errorf("%s: got %d %q, want a readable 403", ua, resp.StatusCode, resp.body)
		}
	}
	if resp := c.do("GET", "/robots.txt", nil, gpt); resp.StatusCode != http.StatusOK {
		t.Errorf("robots.txt for a crawler: got %d, want 200", resp.StatusCode)
	}
	for _, ua := range []string{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "facebookexternalhit/1.1", "Mozilla/5.0 (Macintosh) Applebot/0.1", "Mozilla/5.0 Firefox/130.0"} {
		if resp := c.do("GET", "/@m", nil, http.Header{"User-Agent": {ua}}); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: got %d, want 200", ua, resp.StatusCode)
		}
	}
}

// The data page says the current policy in plain words and links to the
// export and deletion settings.
func TestDataPolicyPage(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	for _, allowed := range []bool{false, true} {
		setInstanceConsent(t, srv.db, allowed, false)
		resp := c.get("/about/data")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		policy := text(oneByTestID(t, resp.Doc(), "ai-policy"))
		want := "does not allow"
		if allowed {
			want = "allows"
		}
		if !strings.Contains(policy, want) {
			t.Errorf("allowed %t: policy %q, want %q", allowed, policy, want)
		}
		if !strings.Contains(resp.body, `href="/settings/data"`) {
			t.Error("no link to /settings/data")
		}
	}
}

// The profile form offers "allowed" only where the instance allows it,
// and saves the consent and bot choices.
func TestConsentSettingsForm(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("layla", "correct horse battery")
	hasYes := func() bool {
		for _, o := range byTag(c.get("/settings").Doc(), "option") {
			if attr(o, "value") == "yes" {
				return true
			}
		}
		return false
	}
	if hasYes() {
		t.Error("\"allowed\" offered on an instance that does not allow training")
	}
	form := url.Values{"visibility": {"public"}, "ai_training": {"yes"}}
	if resp := c.postForm("/settings", form, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("ai_training=yes on a forbidding instance: got %d, want 400", resp.StatusCode)
	}
	setInstanceConsent(t, srv.db, true, false)
	if !hasYes() {
		t.Error("\"allowed\" not offered on an instance that allows training")
	}
	form = url.Values{"visibility": {"public"}, "ai_training": {"no"}, "indexable": {"on"}, "bot": {"on"}, "hide_bots": {"on"}, "no_bot_contact": {"on"}}
	if resp := c.postForm("/settings", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: got %d, want 303: %s", resp.StatusCode, resp.body)
	}
	u, err := srv.db.LocalUser("layla")
	if err != nil {
		t.Fatal(err)
	}
	if u.AITraining != "no" || !u.Indexable || !u.Bot || !u.HideBots || !u.NoBotContact {
		t.Errorf("saved %+v", u)
	}
}

// The instance form saves the AI policy.
func TestInstanceConsentForm(t *testing.T) {
	srv := newTestServer(t)
	c := srv.newClient(t)
	c.register("boss", "correct horse battery")
	u, _ := srv.db.LocalUser("boss")
	if err := srv.db.SetRole(u.ID, storage.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"post_chars": {"500"}, "registrations": {"open"}, "invites": {"members"}, "language": {"en"},
		"ai_training": {"allowed"}, "refuse_ai_crawlers": {"on"}}
	if resp := c.postForm("/admin/settings", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("got %d, want 303: %s", resp.StatusCode, resp.body)
	}
	s, _, _ := srv.db.InstanceSettings()
	if !s.AITrainingAllowed || !s.RefuseAICrawlers {
		t.Errorf("saved %+v", s)
	}
	doc := c.get("/admin/settings").Doc()
	if !hasAttr(oneByTestID(t, doc, "field-refuse_ai_crawlers"), "checked") {
		t.Error("refuse box not ticked after saving")
	}
}

// A bot wears a badge on its profile and its posts; members who hide
// bots do not see their posts in home, local and tag timelines (but do
// on the bot's profile); bots may not mention or reply to members who
// refuse them.
func TestBots(t *testing.T) {
	srv := newTestServer(t)
	db := srv.db
	bot := setConsent(t, db, newUser(t, db, "beep"), storage.ProfileUpdate{Bot: true})
	human := newUser(t, db, "human")
	botPost := newTagged(t, db, bot, "automated #news", "news")
	newTagged(t, db, human, "by hand #news", "news")
	c := srv.newClient(t)

	t.Run("badge", func(t *testing.T) {
		for _, path := range []string{"/@beep", "/@beep/" + botPost.ID.String(), "/local"} {
			if n := len(byTestID(c.get(path).Doc(), "bot-badge")); n == 0 {
				t.Errorf("%s: no bot badge", path)
			}
		}
		if n := len(byTestID(c.get("/@human").Doc(), "bot-badge")); n != 0 {
			t.Errorf("/@human: %d bot badges, want 0", n)
		}
	})

	t.Run("hide bots", func(t *testing.T) {
		reader := srv.newClient(t)
		reader.register("reader", "correct horse battery")
		r, _ := db.LocalUser("reader")
		if _, err := db.Follow(r.ID, bot.ID); err != nil {
			t.Fatal(err)
		}
		for _, hide := range []bool{false, true} {
			setConsent(t, db, r, storage.ProfileUpdate{HideBots: hide})
			for _, path := range []string{"/", "/local", "/tags/news"} {
				got := strings.Contains(reader.get(path).body, "automated")
				if got == hide {
					t.Errorf("hide %t: %s shows the bot's post %t", hide, path, got)
				}
			}
			if !strings.Contains(reader.get("/@beep").body, "automated") {
				t.Errorf("hide %t: the bot's profile hides its posts", hide)
			}
		}
	})

	t.Run("no bot contact", func(t *testing.T) {
		shy := setConsent(t, db, newUser(t, db, "shy"), storage.ProfileUpdate{NoBotContact: true})
		shyPost := newPost(t, db, shy, "leave me alone")
		id := db.NewID()
		p := storage.Post{ID: id, AuthorID: bot.ID, URI: testBaseURL + "/@beep/" + id.String(), Source: "@shy hi", HTML: "x", Visibility: storage.Public, Local: true, Mentions: []storage.ID{shy.ID}}
		if err := db.CreatePost(&p); err == nil || !strings.Contains(err.Error(), "does not accept") {
			t.Errorf("bot mentions shy: got %v, want a refusal", err)
		}
		id = db.NewID()
		p = storage.Post{ID: id, AuthorID: bot.ID, URI: testBaseURL + "/@beep/" + id.String(), Source: "hi", HTML: "x", Visibility: storage.Public, Local: true, InReplyTo: shyPost.ID}
		if err := db.CreatePost(&p); err == nil {
			t.Error("bot replies to shy: accepted")
		}
		// Through the compose form: a readable 403.
		bc := srv.newClient(t)
		bc.login("beep", "password-beep")
		resp := bc.postForm("/posts", url.Values{"body": {"hello @shy"}, "visibility": {"public"}}, nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, "@shy does not accept mentions or replies from bots") {
			t.Errorf("compose: got %d, want 403 with the reason; body %q", resp.StatusCode, resp.body)
		}
		// A human may still mention shy, and the bot may mention others.
		newReply(t, db, human, shyPost, "@shy fine")
		id = db.NewID()
		p = storage.Post{ID: id, AuthorID: bot.ID, URI: testBaseURL + "/@beep/" + id.String(), Source: "@human hi", HTML: "x", Visibility: storage.Public, Local: true, Mentions: []storage.ID{human.ID}}
		if err := db.CreatePost(&p); err != nil {
			t.Errorf("bot mentions human: %v", err)
		}
	})
}

// Pages that show members without their posts — follower and following
// lists, likers, reposters, notifications — follow the strictest choice
// of the members they show, as pages and as HTMX fragments; the same
// pages showing only members who allow training and indexing stay open.
func TestConsentPeoplePages(t *testing.T) {
	srv := newTestServer(t)
	db := srv.db
	setInstanceConsent(t, db, true, false)
	yes := storage.ProfileUpdate{AITraining: storage.AITrainingYes, Indexable: true}
	open := setConsent(t, db, newUser(t, db, "open"), yes)
	other := setConsent(t, db, newUser(t, db, "other"), yes)
	shy := setConsent(t, db, newUser(t, db, "shy"), storage.ProfileUpdate{AITraining: storage.AITrainingNo})
	repostURI := func(id storage.ID) string { return testBaseURL + "/r/" + id.String() }

	// open's post and lists show shy; other's show only open.
	openPost := newPost(t, db, open, "open's words")
	otherPost := newPost(t, db, other, "other's words")
	for _, a := range []struct{ who, whom storage.User }{{shy, open}, {open, shy}, {open, other}, {other, open}} {
		if _, err := db.Follow(a.who.ID, a.whom.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []struct {
		who  storage.User
		post storage.Post
	}{{shy, openPost}, {open, otherPost}} {
		if _, err := db.Like(a.who.ID, a.post.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Repost(a.who.ID, a.post.ID, repostURI); err != nil {
			t.Fatal(err)
		}
	}
	openPath := "/@open/" + openPost.ID.String()
	otherPath := "/@other/" + otherPost.ID.String()

	visitor := srv.newClient(t)
	openClient := peopleClient(t, srv, "open")
	otherClient := peopleClient(t, srv, "other")
	for _, tc := range []struct {
		name     string
		c        *client
		path     string
		reserved bool
	}{
		{"followers showing shy", visitor, "/@open/followers", true},
		{"following showing shy", visitor, "/@open/following", true},
		{"likers showing shy", visitor, openPath + "/likes", true},
		{"reposters showing shy", visitor, openPath + "/reposts", true},
		{"notifications from shy", openClient, "/notifications", true},
		{"followers showing open", visitor, "/@other/followers", false},
		{"following showing open", visitor, "/@other/following", false},
		{"likers showing open", visitor, otherPath + "/likes", false},
		{"reposters showing open", visitor, otherPath + "/reposts", false},
		{"notifications from open", otherClient, "/notifications", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("page", func(t *testing.T) {
				wantConsent(t, tc.c.get(tc.path), tc.reserved, tc.reserved, true)
			})
			t.Run("htmx fragment", func(t *testing.T) {
				resp := tc.c.getHX(tc.path)
				if !resp.isFragment() {
					t.Fatalf("GET %s under HTMX: got a whole page, want a fragment", tc.path)
				}
				wantConsent(t, resp, tc.reserved, tc.reserved, false)
			})
		})
	}
}

// Consent travels in: a remote account's content is reserved from AI
// training unless its own server says otherwise in so many words, and a
// remote account or post that asks not to be indexed is not, whatever
// this instance allows.
func TestConsentRemoteSignals(t *testing.T) {
	srv := newTestServer(t)
	db := srv.db
	setInstanceConsent(t, db, true, false)
	remote := func(name, robots, usage string, indexable bool) storage.User {
		u := storage.User{Username: name, Domain: "far.example", URI: "https://far.example/users/" + name,
			Inbox: "https://far.example/users/" + name + "/inbox", XRobotsTag: robots, ContentUsage: usage, Indexable: indexable}
		if err := db.PutRemoteUser(&u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	post := func(author storage.User, robots, usage string) storage.Post {
		id := db.NewID()
		p := storage.Post{ID: id, AuthorID: author.ID, URI: author.URI + "/statuses/" + id.String(),
			HTML: "<p>hello</p>", Visibility: storage.Public, XRobotsTag: robots, ContentUsage: usage}
		if err := db.CreatePost(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	silent := remote("silent", "", "", true)
	willing := remote("willing", "", "train-ai=y", true)
	hidden := remote("hidden", "noindex", "train-ai=y", false)
	silentPost := post(silent, "", "")
	willingPost := post(willing, "", "")
	refusedPost := post(willing, "noai, noimageai", "train-ai=n")
	hiddenPost := post(hidden, "", "")
	c := srv.newClient(t)
	for _, tc := range []struct {
		name          string
		path          string
		noAI, noIndex bool
	}{
		{"silence is not consent", "/@silent@far.example/" + silentPost.ID.String(), true, false},
		{"an account that allows it", "/@willing@far.example/" + willingPost.ID.String(), false, false},
		{"a post that reserves itself", "/@willing@far.example/" + refusedPost.ID.String(), true, false},
		{"an account that asks not to be indexed", "/@hidden@far.example/" + hiddenPost.ID.String(), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantConsent(t, c.get(tc.path), tc.noAI, tc.noIndex, true)
		})
	}
}
