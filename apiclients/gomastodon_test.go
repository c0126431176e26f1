package apiclients

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	mastodon "github.com/mattn/go-mastodon"
)

// testPNG is a small picture to attach.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// goMastodonLogin registers an app with go-mastodon, has the member
// approve it on the authorization page (out of band: the code shown on
// the page) and trades the code for a token, as a command-line app does.
func goMastodonLogin(ctx context.Context, t *testing.T, s *server, m *member) *mastodon.Client {
	t.Helper()
	app, err := mastodon.RegisterApp(ctx, &mastodon.AppConfig{
		Server: s.base, ClientName: "go-mastodon test " + m.name, RedirectURIs: oob,
		Scopes: "read write follow", Website: "https://example.org/app",
	})
	if err != nil {
		t.Fatalf("POST /api/v1/apps: %v", err)
	}
	if app.ClientID == "" || app.ClientSecret == "" || !strings.Contains(app.AuthURI, "/oauth/authorize?") {
		t.Fatalf("app registered as %s", pretty(app))
	}
	code := m.authorize(ctx, app.AuthURI)
	c := mastodon.NewClient(&mastodon.Config{Server: s.base, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	if err := c.GetUserAccessToken(ctx, code, oob); err != nil {
		t.Fatalf("POST /oauth/token: %v", err)
	}
	me, err := c.GetAccountCurrentUser(ctx)
	if err != nil || me.Username != m.name {
		t.Fatalf("verify_credentials: %v %+v, want %s", err, me, m.name)
	}
	return c
}

// TestGoMastodon runs github.com/mattn/go-mastodon against the real
// server: log in with OAuth, post with a picture and its alt text, reply,
// favourite, reblog, bookmark, follow, read home, notifications and the
// thread, edit, delete, and hear a new post on the user stream over
// server-sent events and over a WebSocket.
func TestGoMastodon(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	amal, bilal := s.register(ctx, "amal"), s.register(ctx, "bilal")
	a := goMastodonLogin(ctx, t, s, amal)
	b := goMastodonLogin(ctx, t, s, bilal)

	t.Log("amal follows bilal")
	bAcct, err := a.AccountLookup(ctx, "bilal")
	if err != nil {
		t.Fatalf("lookup bilal: %v", err)
	}
	rel, err := a.AccountFollow(ctx, bAcct.ID)
	if err != nil || !rel.Following {
		t.Fatalf("follow bilal: %v %+v", err, rel)
	}

	t.Log("bilal posts a picture with alt text")
	att, err := b.UploadMediaFromMedia(ctx, &mastodon.Media{File: bytes.NewReader(testPNG(t)), Description: "a gradient of colours"})
	if err != nil {
		t.Fatalf("upload media: %v", err)
	}
	text := nonce("hello from go-mastodon")
	post, err := b.PostStatus(ctx, &mastodon.Toot{Status: text, MediaIDs: []mastodon.ID{att.ID}, Visibility: "public"})
	if err != nil {
		t.Fatalf("post status: %v", err)
	}
	if len(post.MediaAttachments) != 1 || post.MediaAttachments[0].Description != "a gradient of colours" || !strings.Contains(post.Content, text) {
		t.Fatalf("posted %s", pretty(post))
	}

	t.Log("amal reads it at home, replies, favourites, reblogs and bookmarks it")
	home, err := a.GetTimelineHome(ctx, &mastodon.Pagination{Limit: 20})
	if err != nil {
		t.Fatalf("home: %v", err)
	}
	if len(home) == 0 || home[0].ID != post.ID {
		t.Fatalf("amal's home starts with %v, want bilal's post %s", ids(home), post.ID)
	}
	reply, err := a.PostStatus(ctx, &mastodon.Toot{Status: "@bilal " + nonce("nice"), InReplyToID: post.ID, Visibility: "public"})
	if err != nil || reply.InReplyToID == nil {
		t.Fatalf("reply: %v %+v", err, reply)
	}
	if st, err := a.Favourite(ctx, post.ID); err != nil || st.Favourited != true {
		t.Fatalf("favourite: %v %+v", err, st)
	}
	if st, err := a.Reblog(ctx, post.ID); err != nil || st.Reblog == nil || st.Reblog.ID != post.ID {
		t.Fatalf("reblog: %v %+v", err, st)
	}
	if st, err := a.Bookmark(ctx, post.ID); err != nil || st.Bookmarked != true {
		t.Fatalf("bookmark: %v %+v", err, st)
	}
	if marks, err := a.GetBookmarks(ctx, nil); err != nil || len(marks) != 1 || marks[0].ID != post.ID {
		t.Errorf("bookmarks: %v %v", err, ids(marks))
	}

	t.Log("bilal's notifications and the thread")
	notes, err := b.GetNotifications(ctx, nil)
	if err != nil {
		t.Fatalf("notifications: %v", err)
	}
	kinds := map[string]bool{}
	for _, n := range notes {
		if n.Account.Username == "amal" {
			kinds[n.Type] = true
		}
	}
	for _, k := range []string{"follow", "favourite", "reblog", "mention"} {
		if !kinds[k] {
			t.Errorf("bilal's notifications from amal lack %q (have %v)", k, kinds)
		}
	}
	thread, err := b.GetStatusContext(ctx, post.ID)
	if err != nil || len(thread.Descendants) != 1 || thread.Descendants[0].ID != reply.ID {
		t.Errorf("context: %v %+v", err, thread)
	}

	t.Log("bilal edits the post, then deletes it")
	edited, err := b.UpdateStatus(ctx, &mastodon.Toot{Status: text + " (edited)"}, post.ID)
	if err != nil || !strings.Contains(edited.Content, "(edited)") || edited.EditedAt.IsZero() {
		t.Fatalf("edit: %v %+v", err, edited)
	}
	if err := b.DeleteStatus(ctx, post.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := a.GetStatus(ctx, post.ID); err == nil {
		t.Error("a deleted status still answers")
	}

	t.Log("amal hears bilal's next posts live: server-sent events, then a WebSocket")
	for _, transport := range []string{"sse", "websocket"} {
		sctx, stop := context.WithCancel(ctx)
		var events chan mastodon.Event
		if transport == "sse" {
			events, err = a.StreamingUser(sctx)
		} else {
			events, err = a.NewWSClient().StreamingWSUser(sctx)
		}
		if err != nil {
			t.Fatalf("%s: %v", transport, err)
		}
		live := nonce("live over " + transport)
		// The stream is open once it carries a post; post until one comes.
		got := make(chan *mastodon.Status, 1)
		go func() {
			for ev := range events {
				if u, ok := ev.(*mastodon.UpdateEvent); ok && strings.Contains(u.Status.Content, live) {
					got <- u.Status
					return
				}
			}
		}()
		var heard *mastodon.Status
		for try := 0; heard == nil && try < 20; try++ {
			if _, err := b.PostStatus(ctx, &mastodon.Toot{Status: live, Visibility: "public"}); err != nil {
				t.Fatalf("post: %v", err)
			}
			select {
			case heard = <-got:
			case <-time.After(time.Second):
			}
		}
		stop()
		if heard == nil {
			t.Fatalf("%s: amal's user stream never carried bilal's new post", transport)
		}
		if heard.Account.Username != "bilal" {
			t.Errorf("%s: the streamed post is by %q", transport, heard.Account.Username)
		}
	}
}

func ids(ss []*mastodon.Status) []mastodon.ID {
	var out []mastodon.ID
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}
