package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"majlis/social"
	"majlis/storage"
)

// Every timeline-ish endpoint applies the member's keyword filters of its
// own context, as Mastodon's: home and lists "home", the public and
// hashtag timelines "public", a profile's statuses "account", a thread
// "thread", notifications "notifications"; bookmarks and favourites none.
// A filter that warns marks the status "filtered", one that hides leaves
// it out, except the one status an app asked for by its ID, which is only
// marked.
func TestFilterContextsAPI(t *testing.T) {
	g := newListsRig(t)
	amal, bilal := g.member("amal"), g.member("bilal")
	ctx := context.Background()
	if _, err := g.soc.Follow(ctx, amal, bilal); err != nil {
		t.Fatal(err)
	}
	bilal = g.reload(bilal)
	tok := g.token(amal)
	top, err := g.soc.Publish(ctx, bilal, social.Draft{Body: "@amal the spoiler is out #show", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := g.soc.Publish(ctx, bilal, social.Draft{Body: "and nothing more", Visibility: "public", InReplyTo: top.Post.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := top.Post.ID.String()
	for _, act := range []string{"favourite", "bookmark"} {
		g.do("POST", "/api/v1/statuses/"+id+"/"+act, tok, nil, "").wantCode(t, http.StatusOK)
	}
	var l List
	g.form("POST", "/api/v1/lists", tok, "title=Friends").wantCode(t, http.StatusOK).decode(t, &l)
	g.form("POST", "/api/v1/lists/"+l.ID+"/accounts", tok, "account_ids[]="+bilal.ID.String()).wantCode(t, http.StatusOK)

	// statusesIn finds top in a list of statuses: whether it is there,
	// and how many filters its "filtered" names.
	statusesIn := func(t *testing.T, body []byte) (bool, int) {
		var ss []Status
		if err := json.Unmarshal(body, &ss); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		for _, s := range ss {
			if s.ID == id {
				return true, len(s.Filtered)
			}
		}
		return false, 0
	}
	endpoints := []struct {
		name, path, context string
		find                func(*testing.T, []byte) (bool, int)
		// asked: the app asked for this very status; a hiding filter
		// marks it rather than leaving it out.
		asked bool
	}{
		{"home", "/api/v1/timelines/home", storage.FilterHome, statusesIn, false},
		{"list", "/api/v1/timelines/list/" + l.ID, storage.FilterHome, statusesIn, false},
		{"public", "/api/v1/timelines/public", storage.FilterPublic, statusesIn, false},
		{"local", "/api/v1/timelines/public?local=true", storage.FilterPublic, statusesIn, false},
		{"tag", "/api/v1/timelines/tag/show", storage.FilterPublic, statusesIn, false},
		{"account", "/api/v1/accounts/" + bilal.ID.String() + "/statuses", storage.FilterAccount, statusesIn, false},
		{"bookmarks", "/api/v1/bookmarks", "", statusesIn, false},
		{"favourites", "/api/v1/favourites", "", statusesIn, false},
		{"thread", "/api/v1/statuses/" + reply.Post.ID.String() + "/context", storage.FilterThread, func(t *testing.T, body []byte) (bool, int) {
			var c Context
			if err := json.Unmarshal(body, &c); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			for _, s := range c.Ancestors {
				if s.ID == id {
					return true, len(s.Filtered)
				}
			}
			return false, 0
		}, false},
		{"status", "/api/v1/statuses/" + id, storage.FilterThread, func(t *testing.T, body []byte) (bool, int) {
			var s Status
			if err := json.Unmarshal(body, &s); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			return s.ID == id, len(s.Filtered)
		}, true},
		{"notifications", "/api/v1/notifications", storage.FilterNotifications, func(t *testing.T, body []byte) (bool, int) {
			var ns []Notification
			if err := json.Unmarshal(body, &ns); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			for _, n := range ns {
				if n.Type == "mention" && n.Status != nil && n.Status.ID == id {
					return true, len(n.Status.Filtered)
				}
			}
			return false, 0
		}, false},
	}

	// Without a filter, every endpoint shows top, unmarked.
	for _, e := range endpoints {
		if there, marks := e.find(t, g.get(e.path, tok).wantCode(t, http.StatusOK).body); !there || marks != 0 {
			t.Fatalf("%s without filters: there %v, filtered %d", e.name, there, marks)
		}
	}
	for _, fc := range storage.FilterContexts {
		for _, action := range []string{storage.FilterWarn, storage.FilterHide} {
			t.Run(fc+"/"+action, func(t *testing.T) {
				var f Filter
				g.json("POST", "/api/v2/filters", tok, fmt.Sprintf(`{"title":"Spoilers","context":[%q],"filter_action":%q,
					"keywords_attributes":[{"keyword":"spoiler"}]}`, fc, action)).wantCode(t, http.StatusOK).decode(t, &f)
				defer func() { g.do("DELETE", "/api/v2/filters/"+f.ID, tok, nil, "").wantCode(t, http.StatusOK) }()
				for _, e := range endpoints {
					wantThere, wantMarks := true, 0
					if e.context == fc {
						wantMarks = 1
						if action == storage.FilterHide && !e.asked {
							wantThere, wantMarks = false, 0
						}
					}
					there, marks := e.find(t, g.get(e.path, tok).wantCode(t, http.StatusOK).body)
					if there != wantThere || marks != wantMarks {
						t.Errorf("%s: there %v, filtered %d; want there %v, filtered %d", e.name, there, marks, wantThere, wantMarks)
					}
				}
			})
		}
	}
}

// The streams apply the filters of the timeline they follow: the user
// stream home's, the public ones public's.
func TestFilterContextsStream(t *testing.T) {
	e := newStreamEnv(t)
	ann, bob := e.user("ann"), e.user("bob")
	e.follow(ann, bob)
	for _, f := range []storage.Filter{
		{UserID: ann.ID, Title: "Hidden", Contexts: []string{storage.FilterHome}, Action: storage.FilterHide,
			Keywords: []storage.FilterKeyword{{Keyword: "secret", WholeWord: true}}},
		{UserID: ann.ID, Title: "Folded", Contexts: []string{storage.FilterPublic}, Action: storage.FilterWarn,
			Keywords: []storage.FilterKeyword{{Keyword: "secret", WholeWord: true}}},
	} {
		if err := e.soc.SaveFilter(context.Background(), &f); err != nil {
			t.Fatal(err)
		}
	}
	tok := e.token(ann)
	home := e.sse("/api/v1/streaming/user", tok)
	public := e.sse("/api/v1/streaming/public", tok)
	e.post(bob, "a secret", "public")
	shown := e.post(bob, "nothing to hide", "public")
	if ev := next(t, home); ev.name != "update" || statusOf(t, ev.data).ID != shown.ID.String() {
		t.Errorf("home heard %q %s, want only the post no filter hides", ev.name, ev.data)
	}
	ev := next(t, public)
	if s := statusOf(t, ev.data); ev.name != "update" || len(s.Filtered) != 1 {
		t.Errorf("public heard %q %s, want the post marked filtered", ev.name, ev.data)
	}
	if ev := next(t, public); statusOf(t, ev.data).ID != shown.ID.String() || len(statusOf(t, ev.data).Filtered) != 0 {
		t.Errorf("public heard %s after", ev.data)
	}
}
