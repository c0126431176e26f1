package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	mastodon "github.com/mattn/go-mastodon"

	"majlis/social"
	"majlis/storage"
)

// A list's stream (Mastodon's "list" channel) carries what its timeline
// shows, to its owner only.
func TestListStream(t *testing.T) {
	e := newStreamEnv(t)
	ann, bob, cat, dan := e.user("ann"), e.user("bob"), e.user("cat"), e.user("dan")
	e.follow(ann, bob)
	e.follow(ann, cat)
	l := storage.List{OwnerID: ann.ID, Title: "Bob", Replies: storage.RepliesNone}
	if err := e.soc.CreateList(context.Background(), &l); err != nil {
		t.Fatal(err)
	}
	if err := e.soc.AddToList(context.Background(), ann.ID, l.ID, []storage.ID{bob.ID}); err != nil {
		t.Fatal(err)
	}
	tok := e.token(ann)
	path := "/api/v1/streaming/list?list=" + l.ID.String()

	for _, c := range []struct {
		name, path, token string
		want              int
	}{
		{"no token", path, "", http.StatusUnauthorized},
		{"no list", "/api/v1/streaming/list", tok, http.StatusBadRequest},
		{"someone else's list", path, e.token(dan), http.StatusUnauthorized},
		{"no lists scope", path, e.token(ann, "read:statuses"), http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+c.path, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("got %d, want %d", resp.StatusCode, c.want)
			}
		})
	}

	events := e.sse(path, tok)
	wsURL := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v1/streaming?access_token=" + tok
	ws, _, err := websocket.Dial(context.Background(), wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	sub := `{"type":"subscribe","stream":"list","list":"` + l.ID.String() + `"}`
	if err := ws.Write(context.Background(), websocket.MessageText, []byte(sub)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the subscription is read apart

	// cat is followed but not on the list; bob's reply is left out by the
	// list's replies policy; bob's post is the first thing heard.
	e.post(cat, "cat, not on the list", "public")
	first := e.post(bob, "bob on the list", "public")
	if _, err := e.soc.Publish(context.Background(), bob, social.Draft{Body: "bob answers", Visibility: "public", InReplyTo: first.ID}); err != nil {
		t.Fatal(err)
	}
	last := e.post(bob, "bob again", "followers")
	for _, want := range []storage.Post{first, last} {
		if ev := next(t, events); ev.name != "update" || statusOf(t, ev.data).ID != want.ID.String() {
			t.Fatalf("the list's stream: %q %s, want %s", ev.name, ev.data, want.ID)
		}
		if m := wsRead(t, ws); m.Event != "update" || strings.Join(m.Stream, " ") != "list "+l.ID.String() || statusOf(t, m.Payload).ID != want.ID.String() {
			t.Fatalf("the list over the WebSocket: %+v, want %s", m, want.ID)
		}
	}
	if err := e.soc.Delete(context.Background(), bob, last.ID); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events); ev.name != "delete" || ev.data != last.ID.String() {
		t.Errorf("after a deletion: %q %q", ev.name, ev.data)
	}

	// go-mastodon follows a list's stream too.
	c := mastodon.NewClient(&mastodon.Config{Server: e.srv.URL, AccessToken: tok})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := c.StreamingList(ctx, mastodon.ID(l.ID.String()))
	if err != nil {
		t.Fatal(err)
	}
	// The stream opens in the background: post until it hears one.
	posted := map[string]bool{}
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("go-mastodon's stream ended")
			}
			switch ev := ev.(type) {
			case *mastodon.UpdateEvent:
				if !posted[string(ev.Status.ID)] {
					t.Errorf("go-mastodon heard %s, not one of bob's posts", ev.Status.ID)
				}
				return
			case *mastodon.ErrorEvent:
				t.Fatalf("go-mastodon: %v", ev)
			}
		case <-tick.C:
			posted[e.post(bob, "bob for go-mastodon", "public").ID.String()] = true
		case <-ctx.Done():
			t.Fatal("go-mastodon heard nothing")
		}
	}
}
