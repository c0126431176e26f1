package apiclients

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"
)

// TestGoMastodonLists drives lists, filters and followed hashtags with
// go-mastodon: create a list, add a followed account, read the list's
// timeline, the account's lists, rename and delete it; follow a hashtag
// and find a stranger's post at home; read a filter made with the v2 API
// through go-mastodon's (v1) filters.
func TestGoMastodonLists(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	amal, bilal, chadi := s.register(ctx, "amal"), s.register(ctx, "bilal"), s.register(ctx, "chadi")
	a := goMastodonLogin(ctx, t, s, amal)
	b := goMastodonLogin(ctx, t, s, bilal)
	c := goMastodonLogin(ctx, t, s, chadi)

	bAcct, err := a.AccountLookup(ctx, "bilal")
	if err != nil {
		t.Fatal(err)
	}
	cAcct, err := a.AccountLookup(ctx, "chadi")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AccountFollow(ctx, bAcct.ID); err != nil {
		t.Fatal(err)
	}

	t.Log("amal makes a list of bilal")
	l, err := a.CreateList(ctx, "Friends")
	if err != nil || l.Title != "Friends" {
		t.Fatalf("create list: %v %+v", err, l)
	}
	if err := a.AddToList(ctx, l.ID, bAcct.ID); err != nil {
		t.Fatalf("add bilal: %v", err)
	}
	if err := a.AddToList(ctx, l.ID, cAcct.ID); err == nil {
		t.Error("adding chadi, whom amal does not follow, was accepted")
	}
	members, err := a.GetListAccounts(ctx, l.ID)
	if err != nil || len(members) != 1 || members[0].ID != bAcct.ID {
		t.Fatalf("list accounts: %v %+v", err, members)
	}
	if lists, err := a.GetAccountLists(ctx, bAcct.ID); err != nil || len(lists) != 1 || lists[0].ID != l.ID {
		t.Errorf("bilal's lists: %v %+v", err, lists)
	}

	word := nonce("for the list")
	post, err := b.PostStatus(ctx, &mastodon.Toot{Status: word, Visibility: "private"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PostStatus(ctx, &mastodon.Toot{Status: nonce("not in the list"), Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	tl, err := a.GetTimelineList(ctx, l.ID, nil)
	if err != nil || len(tl) != 1 || tl[0].ID != post.ID {
		t.Fatalf("list timeline: %v %v", err, ids(tl))
	}
	if _, err := c.GetTimelineList(ctx, l.ID, nil); err == nil {
		t.Error("chadi reads amal's list")
	}
	if renamed, err := a.RenameList(ctx, l.ID, "Close friends"); err != nil || renamed.Title != "Close friends" {
		t.Errorf("rename: %v %+v", err, renamed)
	}
	if err := a.RemoveFromList(ctx, l.ID, bAcct.ID); err != nil {
		t.Errorf("remove: %v", err)
	}
	if err := a.DeleteList(ctx, l.ID); err != nil {
		t.Errorf("delete: %v", err)
	}
	if lists, err := a.GetLists(ctx); err != nil || len(lists) != 0 {
		t.Errorf("lists after deletion: %v %+v", err, lists)
	}

	t.Log("amal follows #majlistest and reads chadi's tagged post at home")
	tagged, err := c.PostStatus(ctx, &mastodon.Toot{Status: "hello #MajlisTest", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PostStatus(ctx, &mastodon.Toot{Status: "quietly #MajlisTest", Visibility: "unlisted"}); err != nil {
		t.Fatal(err)
	}
	if tag, err := a.TagFollow(ctx, "MajlisTest"); err != nil || !tag.Following {
		t.Fatalf("follow tag: %v %+v", err, tag)
	}
	if tags, err := a.TagsFollowed(ctx, nil); err != nil || len(tags) != 1 || tags[0].Name != "majlistest" {
		t.Errorf("followed tags: %v %+v", err, tags)
	}
	home, err := a.GetTimelineHome(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fromChadi []mastodon.ID
	for _, st := range home {
		if st.Account.Username == "chadi" {
			fromChadi = append(fromChadi, st.ID)
		}
	}
	if !slices.Equal(fromChadi, []mastodon.ID{tagged.ID}) {
		t.Errorf("chadi's posts at home: %v, want only the public tagged one %s", fromChadi, tagged.ID)
	}
	if tag, err := a.TagUnfollow(ctx, "majlistest"); err != nil || tag.Following {
		t.Errorf("unfollow tag: %v %+v", err, tag)
	}

	t.Log("a filter made with the v2 API, read with go-mastodon's v1 filters")
	resp := bearer(ctx, t, s, a.Config.AccessToken, http.MethodPost, "/api/v2/filters", url.Values{
		"title": {"Spoilers"}, "context[]": {"home"}, "filter_action": {"warn"},
		"keywords_attributes[][keyword]": {"ending"},
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create filter: %d", resp.StatusCode)
	}
	filters, err := a.GetFilters(ctx)
	if err != nil || len(filters) != 1 || filters[0].Phrase != "ending" || !slices.Contains(filters[0].Context, "home") {
		t.Fatalf("v1 filters: %v %+v", err, filters)
	}
	warned, err := b.PostStatus(ctx, &mastodon.Toot{Status: "the ending was sad", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	home, err = a.GetTimelineHome(ctx, nil)
	if err != nil || len(home) == 0 || home[0].ID != warned.ID {
		t.Fatalf("home: %v %v", err, ids(home))
	}
	if len(home[0].Filtered) != 1 || home[0].Filtered[0].Filter.Title != "Spoilers" ||
		!slices.Contains(home[0].Filtered[0].KeywordMatches, "ending") {
		t.Errorf("filtered: %+v", home[0].Filtered)
	}
}

// bearer sends a form with a bearer token, for what the client library
// has no call for.
func bearer(ctx context.Context, t *testing.T, s *server, token, method, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
