package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"unicode/utf8"
)

// liveBarOf is the "new posts" bar of a page: its poll address, and the
// link's text and whether it shows the posts in place (hx-get).
func liveBarOf(t *testing.T, resp *response) (poll, link string, inPlace bool) {
	t.Helper()
	bar := oneByTestID(t, resp.Doc(), "new-posts")
	poll = attr(bar, "hx-get")
	if l := byTestID(bar, "new-posts-link"); len(l) == 1 {
		link, inPlace = text(l[0]), attr(l[0], "hx-get") != ""
	}
	return poll, link, inPlace
}

// TestLiveTimelines: an open home, local, tag or profile timeline learns
// how many posts came since it was shown (those the viewer may see,
// leaving out their own), and shows them in place; without htmx the
// bar's address reloads the timeline.
func TestLiveTimelines(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	if resp := amal.postForm("/@bilal/follow", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: %d", resp.StatusCode)
	}
	bilal.say("first #news")
	for _, tc := range []struct {
		name, page string
		// post is what bilal writes after the page was shown; want the
		// count amal's bar then says.
		post url.Values
		want string
	}{
		{"home", "/", url.Values{"body": {"home news"}}, "1 new post"},
		{"local", "/local", url.Values{"body": {"local news"}}, "1 new post"},
		{"tag", "/tags/news", url.Values{"body": {"more #news"}}, "1 new post"},
		{"profile", "/@bilal", url.Values{"body": {"profile news"}}, "1 new post"},
		{"followers-only is home news", "/", url.Values{"body": {"for followers"}, "visibility": {"followers"}}, "1 new post"},
		{"followers-only is not local news", "/local", url.Values{"body": {"for followers"}, "visibility": {"followers"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := amal.get(tc.page)
			poll, link, _ := liveBarOf(t, page)
			if !strings.Contains(poll, "since=") || link != "" {
				t.Fatalf("fresh page: bar polls %q and says %q; want a poll and no link", poll, link)
			}
			if resp := amal.getHX(poll); resp.StatusCode != http.StatusOK || len(byTestID(resp.Doc(), "new-posts-link")) != 0 {
				t.Fatalf("poll before any news: %d, %s", resp.StatusCode, resp.body)
			}
			amal.say("my own post, shown to me already")
			bilal.publish(tc.post)
			_, link, inPlace := liveBarOf(t, amal.getHX(poll))
			if link != tc.want {
				t.Fatalf("after bilal posted: bar says %q, want %q", link, tc.want)
			}
			if tc.want == "" {
				return
			}
			if !inPlace {
				t.Fatal("the link does not show the posts in place")
			}
			shown := amal.getHX(poll + "&show=1")
			cards := byTestID(shown.Doc(), "post")
			if len(cards) != 1 || !strings.Contains(text(cards[0]), tc.post.Get("body")) {
				t.Fatalf("shown in place: %d cards, want bilal's one:\n%s", len(cards), shown.body)
			}
			next, link, _ := liveBarOf(t, shown)
			if link != "" || next == poll {
				t.Errorf("after showing: bar polls %q (was %q) and says %q; want a new poll and no link", next, poll, link)
			}
			if _, link, _ := liveBarOf(t, amal.getHX(next)); link != "" {
				t.Errorf("polling after showing: %q, want nothing new", link)
			}
		})
	}

	// Without JavaScript the bar's address reloads the timeline.
	poll, _, _ := liveBarOf(t, amal.get("/local"))
	if resp := amal.get(poll); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/local" {
		t.Errorf("the bar's address without htmx: got %d to %q, want 303 to /local", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := amal.getHX("/local?since=x"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a damaged since: got %d, want 400", resp.StatusCode)
	}
}

// TestLiveTimelineCountIsBounded: past 20 new posts the bar says "20+"
// and reloads instead of showing them in place.
func TestLiveTimelineCountIsBounded(t *testing.T) {
	srv := newTestServer(t)
	visitor := srv.newClient(t)
	bilal := newUser(t, srv.db, "bilal")
	poll, _, _ := liveBarOf(t, visitor.get("/local"))
	for i := range 25 {
		newPost(t, srv.db, bilal, "post "+string(rune('a'+i)))
	}
	_, link, inPlace := liveBarOf(t, visitor.getHX(poll))
	if link != "20+ new posts" || inPlace {
		t.Errorf("after 25 posts: bar says %q (in place %v), want \"20+ new posts\" reloading", link, inPlace)
	}
}

// TestWordsMatchTheState: flashes in the language just chosen, one
// sentence per report resolution, a profile with only replies, short
// excerpts in like notifications.
func TestWordsMatchTheState(t *testing.T) {
	t.Run("flash in the language just chosen", func(t *testing.T) {
		srv := newTestServer(t)
		amal := srv.signIn(t, "amal")
		for _, tc := range []struct{ lang, want string }{
			{"ar", "حُفظ"},
			{"en", "saved"},
		} {
			form := validProfileForm()
			form.Set("language", tc.lang)
			if resp := amal.postForm("/settings", form, nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save: %d", resp.StatusCode)
			}
			if got := flashText(amal.get("/settings").Doc()); !strings.Contains(got, tc.want) {
				t.Errorf("after choosing %s: flash %q, want it to contain %q", tc.lang, got, tc.want)
			}
		}
	})

	t.Run("report resolutions", func(t *testing.T) {
		for _, tc := range []struct{ action, accept, want string }{
			{"dismiss", "en", "The report about @chadi was reviewed: no action was needed."},
			{"suspend", "en", "The report about @chadi is resolved: the account was suspended."},
			// The handle is isolated in a <bdi> in the page (the
			// catalog's left-to-right mark is for plain text).
			{"dismiss", "ar", "رُوجع البلاغ عن @chadi: لم يلزم أي إجراء."},
		} {
			w := newModWorld(t)
			report := w.report(t, w.post, "spam", "")
			w.mona.header.Set("Accept-Language", tc.accept)
			w.resolve(t, w.mona, report, tc.action, "")
			got := flashText(w.mona.get("/admin/reports").Doc())
			if got != tc.want {
				t.Errorf("%s in %s: flash %q, want %q", tc.action, tc.accept, got, tc.want)
			}
			if low := strings.ToLower(got); strings.Count(low, "resolved")+strings.Count(low, "reviewed") > 1 {
				t.Errorf("%s: doubled prefix in %q", tc.action, got)
			}
		}
	})

	t.Run("profile with only replies", func(t *testing.T) {
		srv := newTestServer(t)
		amal := srv.signIn(t, "amal")
		bilal := srv.signIn(t, "bilal")
		bilal.reply(amal.say("a question"), "an answer")
		page := amal.get("/@bilal")
		body := text(oneByTestID(t, page.Doc(), "timeline"))
		if strings.Contains(body, "has not posted yet") || !strings.Contains(body, "only replied") {
			t.Errorf("bilal's Posts tab says %q", body)
		}
	})

	t.Run("like notifications show an excerpt", func(t *testing.T) {
		srv := newTestServer(t)
		amal := srv.signIn(t, "amal")
		bilal := srv.signIn(t, "bilal")
		long := strings.Repeat("words of a long post ", 20)
		link := amal.say(long)
		bilal.postForm(link+"/like", nil, nil)
		notes := byTestID(amal.get("/notifications").Doc(), "note-body")
		if len(notes) != 1 {
			t.Fatalf("got %d note bodies, want 1", len(notes))
		}
		got := text(notes[0])
		stem := strings.TrimSuffix(got, "…")
		if !strings.HasSuffix(got, "…") || utf8.RuneCountInString(stem) > 100 || !strings.HasPrefix(long, stem) || !strings.HasSuffix(stem, "post") && !strings.HasSuffix(stem, "words") && !strings.HasSuffix(stem, "of") && !strings.HasSuffix(stem, "a") && !strings.HasSuffix(stem, "long") {
			t.Errorf("excerpt %q: want at most 100 characters of the post, cut between words, then …", got)
		}
	})
}

// TestExportHasEverySettingAndHeaders: profile.json carries every choice
// a member made in Settings, and each CSV keeps its header row when empty.
func TestExportHasEverySettingAndHeaders(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	form := validProfileForm()
	for k, v := range map[string]string{"language": "ar", "ai_training": "no", "indexable": "on", "bot": "on", "hide_bots": "on", "no_bot_contact": "on"} {
		form.Set(k, v)
	}
	if resp := amal.postForm("/settings", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d\n%s", resp.StatusCode, resp.body)
	}
	resp := amal.get("/settings/data/export")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	z, err := zip.NewReader(bytes.NewReader([]byte(resp.body)), int64(len(resp.body)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		t.Helper()
		f, err := z.Open(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		return b
	}
	var prof struct {
		Settings map[string]any `json:"settings"`
	}
	if err := json.Unmarshal(read("profile.json"), &prof); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"language": "ar", "ai_training": "no", "indexable": true, "bot": true, "hide_bots": true, "no_bot_contact": true} {
		if got := prof.Settings[k]; got != want {
			t.Errorf("profile.json settings.%s = %v, want %v", k, got, want)
		}
	}
	for _, tc := range []struct{ file, header string }{
		{"following_accounts.csv", "Account address,Show boosts,Notify on new posts,Languages"},
		{"blocked_accounts.csv", "Account address"},
		{"muted_accounts.csv", "Account address,Hide notifications"},
	} {
		rows, err := csv.NewReader(bytes.NewReader(read(tc.file))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(rows) != 1 || strings.Join(rows[0], ",") != tc.header {
			t.Errorf("%s of a member with none: %q, want the header row %q alone", tc.file, rows, tc.header)
		}
	}
}

// TestFindable: change the password from the account settings, what to
// do about a forgotten one, invitations in the navigation, the Admin
// badge and the moderators' notifications, the local intro.
func TestFindable(t *testing.T) {
	t.Run("change password in account settings", func(t *testing.T) {
		srv := newTestServer(t)
		amal := srv.signIn(t, "amal")
		other := srv.newClient(t)
		other.login("amal", "password-amal")
		page := amal.get("/settings/account")
		oneByTestID(t, page.Doc(), "account-password-form")
		resp := amal.postForm("/settings/password", url.Values{"from": {"account"}, "current_password": {"password-amal"}, "new_password": {"a brand new one"}, "confirm_password": {"a brand new one"}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/account" {
			t.Fatalf("change: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
		}
		if !isSignedIn(amal.get("/").Doc()) || isSignedIn(other.get("/").Doc()) {
			t.Error("want this session kept and the other one ended")
		}
		wrong := amal.postForm("/settings/password", url.Values{"from": {"account"}, "current_password": {"nope"}, "new_password": {"another new one"}, "confirm_password": {"another new one"}}, nil)
		if wrong.StatusCode != http.StatusBadRequest {
			t.Errorf("a wrong current password: %d, want 400", wrong.StatusCode)
		}
	})

	t.Run("forgot password", func(t *testing.T) {
		w := newAdminWorld(t)
		w.settings(t, url.Values{"name": {"Our Majlis"}, "contact": {"admins@our.example"}})
		help := text(oneByTestID(t, w.srv.newClient(t).get("/login").Doc(), "forgot-password"))
		for _, want := range []string{"Forgot your password?", "Our Majlis", "admins@our.example", "majlis user password"} {
			if !strings.Contains(help, want) {
				t.Errorf("login help %q lacks %q", help, want)
			}
		}
	})

	t.Run("invitations in the navigation", func(t *testing.T) {
		w := newAdminWorld(t)
		member := w.srv.signIn(t, "bilal")
		for _, tc := range []struct {
			policy string
			admin  bool
			member bool
		}{{"members", true, true}, {"admins", true, false}} {
			w.settings(t, url.Values{"invites": {tc.policy}})
			if got := len(byTestID(w.admin.get("/").Doc(), "nav-invites")) == 1; got != tc.admin {
				t.Errorf("policy %s: admin sees Invite %v, want %v", tc.policy, got, tc.admin)
			}
			if got := len(byTestID(member.get("/").Doc(), "nav-invites")) == 1; got != tc.member {
				t.Errorf("policy %s: member sees Invite %v, want %v", tc.policy, got, tc.member)
			}
		}
		w.settings(t, url.Values{"invites": {"members"}})
		if resp := member.postForm("/invites", url.Values{"expires": {"7d"}, "uses": {"5"}}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("make an invitation: %d\n%s", resp.StatusCode, resp.body)
		}
		page := member.get("/invites").Doc()
		link := attr(oneByTestID(t, page, "invite-url"), "value")
		button := oneByTestID(t, page, "copy-invite")
		if attr(button, "data-copy") != link || !hasAttr(button, "hidden") {
			t.Errorf("copy button copies %q (hidden %v), want %q, hidden until the script shows it", attr(button, "data-copy"), hasAttr(button, "hidden"), link)
		}
	})

	t.Run("admin badge and notifications", func(t *testing.T) {
		w := newModWorld(t)
		w.settings(t, url.Values{"registrations": {"approval"}})
		w.report(t, w.post, "spam", "")
		newcomer := w.srv.newClient(t)
		newcomer.registerWith(url.Values{"username": {"dana"}, "password": {"long enough pw"}, "reason": {"I live here"}})
		for name, c := range map[string]*client{"admin": w.admin, "moderator": w.mona} {
			page := c.get("/").Doc()
			if got := text(oneByTestID(t, page, "admin-badge")); !strings.Contains(got, "2") {
				t.Errorf("%s's Admin badge: %q, want 2", name, got)
			}
			notes := c.get("/notifications").Doc()
			var kinds []string
			for _, n := range byTestID(notes, "note") {
				kinds = append(kinds, attr(n, "data-kind"))
			}
			if strings.Join(kinds, ",") != "application,report" {
				t.Errorf("%s's notifications: %v, want application,report", name, kinds)
			}
			links := byTestID(notes, "note-link")
			if len(links) != 2 || attr(links[0], "href") != "/admin/applications" || !strings.HasPrefix(attr(links[1], "href"), "/admin/reports/") {
				t.Errorf("%s's notification links: %d", name, len(links))
			}
		}
		if len(byTestID(w.bilal.get("/").Doc(), "admin-badge")) != 0 {
			t.Error("a member sees the Admin badge")
		}
	})

	t.Run("local intro", func(t *testing.T) {
		w := newAdminWorld(t)
		visitor := w.srv.newClient(t)
		for _, tc := range []struct{ mode, want, not string }{
			{"open", "Sign up", ""},
			{"closed", "Our Majlis", "Sign up"},
			{"invite", "invitation", "Sign up"},
		} {
			w.settings(t, url.Values{"name": {"Our Majlis"}, "registrations": {tc.mode}})
			main := text(oneByTag(t, visitor.get("/local").Doc(), "main"))
			if !strings.Contains(main, "Our Majlis") || !strings.Contains(main, tc.want) || tc.not != "" && strings.Contains(main, tc.not) {
				t.Errorf("%s: intro %q, want the saved name and %q, not %q", tc.mode, main, tc.want, tc.not)
			}
		}
	})
}

// TestConversationsPeopleLookFor: the Direct view, actions on
// notifications, follow buttons in lists, and the parent's reply count
// after a reply under htmx.
func TestConversationsPeopleLookFor(t *testing.T) {
	srv := newTestServer(t)
	amal := srv.signIn(t, "amal")
	bilal := srv.signIn(t, "bilal")
	carim := srv.signIn(t, "carim")

	t.Run("direct", func(t *testing.T) {
		var links []string
		for i := range 22 {
			links = append(links, amal.publish(url.Values{"body": {"psst @bilal " + string(rune('a'+i))}, "visibility": {"direct"}}))
		}
		amal.say("public @bilal")
		for _, tc := range []struct {
			c    *client
			want int
		}{{amal, 22}, {bilal, 22}, {carim, 0}} {
			page := tc.c.get("/direct")
			got := len(byTestID(page.Doc(), "post"))
			more := byTestID(page.Doc(), "more")
			if len(more) == 1 {
				got += len(byTestID(tc.c.getHX(attr(more[0], "href")).Doc(), "post"))
			}
			if got != tc.want {
				t.Errorf("%s's Direct: %d posts, want %d", tc.c.username, got, tc.want)
			}
		}
		first := byTestID(bilal.get("/direct").Doc(), "post")[0]
		if permalinkOf(first) != links[len(links)-1] {
			t.Errorf("newest first: got %s, want %s", permalinkOf(first), links[len(links)-1])
		}
	})

	t.Run("reply and like from notifications", func(t *testing.T) {
		link := carim.say("hello @amal")
		notes := amal.get("/notifications").Doc()
		actions := byTestID(notes, "note-actions")
		if len(actions) == 0 {
			t.Fatal("no actions on the mention")
		}
		if r := byTestID(actions[0], "reply"); len(r) != 1 || !strings.HasPrefix(attr(r[0], "href"), link) {
			t.Errorf("reply link: %v", r)
		}
		resp := amal.postForm(link+"/like", url.Values{"card": {"post-" + path.Base(link)}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || attr(oneByTestID(t, resp.Doc(), "like"), "aria-pressed") != "true" {
			t.Errorf("like from the notification: %d\n%s", resp.StatusCode, resp.body)
		}
	})

	t.Run("follow from a followers list", func(t *testing.T) {
		bilal.postForm("/@amal/follow", nil, nil)
		list := carim.get("/@amal/followers").Doc()
		btn := byTestID(list, "list-follow")
		if len(btn) != 1 {
			t.Fatalf("carim sees %d follow buttons in amal's followers, want 1 (bilal)", len(btn))
		}
		form := btn[0].Parent
		resp := carim.postForm(attr(form, "action"), url.Values{"in": {"list"}, "next": {"/@amal/followers"}}, htmxHeader())
		if resp.StatusCode != http.StatusOK || len(byTestID(resp.Doc(), "list-unfollow")) != 1 {
			t.Fatalf("follow from the list: %d\n%s", resp.StatusCode, resp.body)
		}
		rel, err := srv.db.RelationshipOf(userID(t, srv.db, "carim"), userID(t, srv.db, "bilal"))
		if err != nil || !rel.Following {
			t.Errorf("carim follows bilal: %v %v", rel.Following, err)
		}
		noJS := carim.postForm("/@bilal/unfollow", url.Values{"in": {"list"}, "next": {"/@amal/followers"}}, nil)
		if noJS.StatusCode != http.StatusSeeOther || noJS.Header.Get("Location") != "/@amal/followers" {
			t.Errorf("unfollow without JS: %d to %q", noJS.StatusCode, noJS.Header.Get("Location"))
		}
		if len(byTestID(bilal.get("/@amal/followers").Doc(), "list-follow")) != 0 {
			t.Error("bilal is offered to follow himself")
		}
	})

	t.Run("reply count updates in place", func(t *testing.T) {
		link := amal.say("ask me")
		resp := bilal.postForm("/posts", url.Values{"body": {"asked"}, "in_reply_to": {path.Base(link)}}, htmxHeader())
		if !strings.Contains(resp.body, `hx-swap-oob="innerHTML:#post-`+path.Base(link)) {
			t.Fatalf("the reply's answer does not update the parent's count:\n%s", resp.body)
		}
	})
}
