package apiclients

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"
)

// TestGoMastodonStaffAndFilters drives, with go-mastodon, what the
// moderators' notifications and the filters' contexts show an app: bilal
// reports chadi on the web, and amal (the admin) reads the report as an
// admin.report notification, which bilal never sees; amal writes v1
// filters and finds chadi's posts marked or left out on his profile.
func TestGoMastodonStaffAndFilters(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	amal, bilal, chadi := s.register(ctx, "amal"), s.register(ctx, "bilal"), s.register(ctx, "chadi")
	a := goMastodonLogin(ctx, t, s, amal)
	b := goMastodonLogin(ctx, t, s, bilal)
	c := goMastodonLogin(ctx, t, s, chadi)
	cAcct, err := a.AccountLookup(ctx, "chadi")
	if err != nil {
		t.Fatal(err)
	}
	spoiler, err := c.PostStatus(ctx, &mastodon.Toot{Status: "the spoiler: it was a dream", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.PostStatus(ctx, &mastodon.Toot{Status: nonce("nothing to see"), Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}

	t.Log("bilal reports chadi's post on the web; amal reads it as admin.report")
	if resp := bilal.do(ctx, http.MethodPost, "/users/chadi/"+string(spoiler.ID)+"/report", url.Values{
		"category": {"spam"}, "comment": {"spoils everything"},
	}); resp.code != http.StatusSeeOther {
		t.Fatalf("report: %d %.300s", resp.code, resp.body)
	}
	notes, err := a.GetNotificationsExclude(ctx, &[]string{"follow", "mention", "favourite", "reblog"}, nil)
	if err != nil || len(notes) != 1 || notes[0].Type != "admin.report" || notes[0].Account.Username != "bilal" {
		t.Fatalf("amal's notifications: %v %s", err, pretty(notes))
	}
	var full struct {
		Report struct {
			Category      string           `json:"category"`
			Comment       string           `json:"comment"`
			StatusIDs     []mastodon.ID    `json:"status_ids"`
			TargetAccount mastodon.Account `json:"target_account"`
		} `json:"report"`
	}
	body := bearerGet(ctx, t, s, a.Config.AccessToken, "/api/v1/notifications/"+string(notes[0].ID))
	if err := json.Unmarshal(body, &full); err != nil || full.Report.Category != "spam" || full.Report.Comment != "spoils everything" ||
		full.Report.TargetAccount.ID != cAcct.ID || !slices.Equal(full.Report.StatusIDs, []mastodon.ID{spoiler.ID}) {
		t.Errorf("the report: %v %s", err, body)
	}
	bNotes, err := b.GetNotificationsExclude(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range bNotes {
		if n.Type == "admin.report" {
			t.Errorf("bilal, not on the staff, reads %s", pretty(n))
		}
	}

	t.Log("amal filters with v1: chadi's profile marks the spoiler, then leaves it out")
	f, err := a.CreateFilter(ctx, &mastodon.Filter{Phrase: "spoiler", Context: []string{"account"}, WholeWord: true})
	if err != nil || f.Phrase != "spoiler" || f.Irreversible {
		t.Fatalf("create filter: %v %+v", err, f)
	}
	profile := func() map[mastodon.ID]*mastodon.Status {
		t.Helper()
		ss, err := a.GetAccountStatuses(ctx, cAcct.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[mastodon.ID]*mastodon.Status{}
		for _, st := range ss {
			out[st.ID] = st
		}
		return out
	}
	got := profile()
	if st := got[spoiler.ID]; st == nil || len(st.Filtered) != 1 || !slices.Contains(st.Filtered[0].KeywordMatches, "spoiler") {
		t.Errorf("the spoiler on chadi's profile: %s", pretty(st))
	}
	if st := got[plain.ID]; st == nil || len(st.Filtered) != 0 {
		t.Errorf("the plain post on chadi's profile: %s", pretty(st))
	}
	f.Irreversible = true
	if f, err = a.UpdateFilter(ctx, f.ID, f); err != nil || !f.Irreversible {
		t.Fatalf("update filter: %v %+v", err, f)
	}
	if got := profile(); got[spoiler.ID] != nil || got[plain.ID] == nil {
		t.Errorf("with the filter hiding: spoiler shown %v, plain shown %v", got[spoiler.ID] != nil, got[plain.ID] != nil)
	}
	if err := a.DeleteFilter(ctx, f.ID); err != nil {
		t.Fatalf("delete filter: %v", err)
	}
	if fs, err := a.GetFilters(ctx); err != nil || len(fs) != 0 {
		t.Errorf("filters after deletion: %v %+v", err, fs)
	}
	if got := profile(); got[spoiler.ID] == nil {
		t.Error("the spoiler is still left out after the filter's deletion")
	}
}

// bearerGet reads an answer with a bearer token, for what the client
// library does not decode; anything but 200 fails the test.
func bearerGet(ctx context.Context, t *testing.T, s *server, token, path string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}
