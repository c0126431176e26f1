package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	mastodon "github.com/mattn/go-mastodon"

	"majlis/social"
	"majlis/storage"
)

// streamEnv is a server with only the streaming routes, over a real file.
type streamEnv struct {
	t   *testing.T
	db  *storage.DB
	soc *social.Service
	api *API
	srv *httptest.Server
}

func newStreamEnv(t *testing.T) *streamEnv {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Start()
	t.Cleanup(srv.Close)
	soc := social.New(db, social.Config{BaseURL: srv.URL})
	a := New(Config{DB: db, Social: soc, BaseURL: srv.URL, SiteName: "test"})
	a.streamingRoutes(mux)
	// Streams outlive requests: end them before the server waits for them.
	t.Cleanup(a.CloseStreams)
	return &streamEnv{t: t, db: db, soc: soc, api: a, srv: srv}
}

func (e *streamEnv) user(name string) storage.User {
	e.t.Helper()
	u := storage.User{Username: name, URI: e.srv.URL + "/users/" + name}
	if err := e.db.CreateUser(&u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *streamEnv) token(u storage.User, scopes ...string) string {
	e.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"read", "write", "follow", "push"}
	}
	app := storage.OAuthApp{Name: "t", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: scopes}
	if _, err := e.db.CreateApp(&app); err != nil {
		e.t.Fatal(err)
	}
	tok := storage.OAuthToken{AppID: app.ID, UserID: u.ID, Scopes: scopes}
	secret, err := e.db.CreateToken(&tok)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func (e *streamEnv) post(u storage.User, body, vis string) storage.Post {
	e.t.Helper()
	en, err := e.soc.Publish(context.Background(), u, social.Draft{Body: body, Visibility: vis})
	if err != nil {
		e.t.Fatalf("publish as %s: %v", u.Username, err)
	}
	return en.Post
}

func (e *streamEnv) follow(a, b storage.User) {
	e.t.Helper()
	if _, err := e.soc.Follow(context.Background(), a, b); err != nil {
		e.t.Fatal(err)
	}
}

// sseEvent is one server-sent event as a client reads it.
type sseEvent struct {
	name, data string
	comment    bool
}

// sse opens a server-sent events stream and reads it in the background.
func (e *streamEnv) sse(path, token string) <-chan sseEvent {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		e.t.Fatalf("GET %s: %s %s", path, resp.Status, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 100)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev != (sseEvent{}) {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = true
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	// The opening comment: the stream is registered from here on.
	if ev := waitEvent(e.t, out, 5*time.Second); !ev.comment {
		e.t.Fatalf("stream opened with %+v, want a comment", ev)
	}
	return out
}

func waitEvent(t *testing.T, ch <-chan sseEvent, d time.Duration) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(d):
		t.Fatal("no event in time")
	}
	return sseEvent{}
}

// next returns the next event that is not a comment.
func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	for {
		if ev := waitEvent(t, ch, 5*time.Second); !ev.comment {
			return ev
		}
	}
}

func statusOf(t *testing.T, data string) Status {
	t.Helper()
	var s Status
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		t.Fatalf("payload %q: %v", data, err)
	}
	return s
}

func TestStreamingHealth(t *testing.T) {
	e := newStreamEnv(t)
	resp, err := http.Get(e.srv.URL + "/api/v1/streaming/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
	if resp.StatusCode != 200 || b.String() != "OK" {
		t.Errorf("health: %d %q", resp.StatusCode, b.String())
	}
}

func TestUserStream(t *testing.T) {
	e := newStreamEnv(t)
	ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
	e.follow(ann, bob)
	events := e.sse("/api/v1/streaming/user", e.token(ann))

	// cat is not followed: neither her followers-only post nor her
	// public one reaches ann's home; bob's followers-only post does, as
	// "private", and arrives first.
	e.post(cat, "cat to her followers", "followers")
	e.post(cat, "cat in public", "public")
	mine := e.post(bob, "bob to his followers", "followers")
	ev := next(t, events)
	if ev.name != "update" {
		t.Fatalf("got %q, want update", ev.name)
	}
	s := statusOf(t, ev.data)
	if s.ID != mine.ID.String() || s.Visibility != "private" || s.Account.Username != "bob" || !strings.Contains(s.Content, "bob to his followers") {
		t.Errorf("update is %s by %s (%s) %q, want bob's followers-only post", s.ID, s.Account.Username, s.Visibility, s.Content)
	}
	if s.Favourited == nil || *s.Favourited {
		t.Errorf("update not rendered for ann (favourited %v)", s.Favourited)
	}

	// Her notifications: cat mentions her.
	e.post(cat, "hello @ann", "public")
	ev = next(t, events)
	if ev.name != "notification" {
		t.Fatalf("got %q, want notification", ev.name)
	}
	var n Notification
	if err := json.Unmarshal([]byte(ev.data), &n); err != nil || n.Type != "mention" || n.Account.Username != "cat" || n.Status == nil {
		t.Errorf("notification %s (%v)", ev.data, err)
	}

	// An edit and a deletion of bob's post.
	if _, err := e.soc.Edit(context.Background(), bob, mine.ID, social.Draft{Body: "bob, edited"}); err != nil {
		t.Fatal(err)
	}
	ev = next(t, events)
	if s := statusOf(t, ev.data); ev.name != "status.update" || !strings.Contains(s.Content, "edited") || s.EditedAt == nil {
		t.Errorf("after an edit got %q %s", ev.name, ev.data)
	}
	if err := e.soc.Delete(context.Background(), bob, mine.ID); err != nil {
		t.Fatal(err)
	}
	if ev = next(t, events); ev.name != "delete" || ev.data != mine.ID.String() {
		t.Errorf("after a deletion got %q %q, want delete %s", ev.name, ev.data, mine.ID)
	}

	// cat deleting her own followers-only post tells ann nothing; the
	// next thing she hears is bob's next post.
	other := e.post(cat, "gone soon", "followers")
	if err := e.soc.Delete(context.Background(), cat, other.ID); err != nil {
		t.Fatal(err)
	}
	last := e.post(bob, "bob again", "public")
	if ev = next(t, events); ev.name != "update" || statusOf(t, ev.data).ID != last.ID.String() {
		t.Errorf("got %q %s, want bob's new post", ev.name, ev.data)
	}
}

func TestStreamAuth(t *testing.T) {
	e := newStreamEnv(t)
	ann := e.user("ann")
	noNotes := e.token(ann, "read:statuses")
	cases := []struct {
		path, token string
		want        int
	}{
		{"/api/v1/streaming/user", "", http.StatusUnauthorized},
		{"/api/v1/streaming/user", "nonsense", http.StatusUnauthorized},
		{"/api/v1/streaming/user/notification", noNotes, http.StatusForbidden},
		{"/api/v1/streaming/user", e.token(ann, "write"), http.StatusForbidden},
		{"/api/v1/streaming/hashtag", noNotes, http.StatusBadRequest},
		{"/api/v1/streaming?stream=nonsense", noNotes, http.StatusBadRequest},
		{"/api/v1/streaming?stream=user", "", http.StatusUnauthorized},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("GET", e.srv.URL+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.want || body["error"] == nil {
			t.Errorf("GET %s: %d %v, want %d with an error", c.path, resp.StatusCode, body, c.want)
		}
	}
}

func TestPublicStreams(t *testing.T) {
	e := newStreamEnv(t)
	ann, bob := e.user("ann"), e.user("bob")
	local := e.sse("/api/v1/streaming/public/local", "")
	public := e.sse("/api/v1/streaming/public", e.token(ann))
	tag := e.sse("/api/v1/streaming/hashtag?tag=Go", "")

	e.post(bob, "unlisted #go", "unlisted")
	e.post(bob, "followers #go", "followers")
	e.post(bob, "secret @ann #go", "direct")
	pub := e.post(bob, "public #go", "public")
	for name, ch := range map[string]<-chan sseEvent{"local": local, "public": public, "tag": tag} {
		ev := next(t, ch)
		if s := statusOf(t, ev.data); ev.name != "update" || s.ID != pub.ID.String() || s.Visibility != "public" {
			t.Errorf("%s stream: first event %q %s %s, want the public post", name, ev.name, s.ID, s.Visibility)
		}
	}
	if err := e.soc.Delete(context.Background(), bob, pub.ID); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, local); ev.name != "delete" || ev.data != pub.ID.String() {
		t.Errorf("local stream after a deletion: %q %q", ev.name, ev.data)
	}
}

func TestHeartbeat(t *testing.T) {
	old := heartbeat
	heartbeat = 50 * time.Millisecond
	t.Cleanup(func() { heartbeat = old })
	e := newStreamEnv(t)
	ann := e.user("ann")
	tok := e.token(ann)
	events := e.sse("/api/v1/streaming/user", tok)
	if ev := waitEvent(t, events, 2*time.Second); !ev.comment {
		t.Errorf("idle stream sent %+v, want a heartbeat comment", ev)
	}
	// A revoked token loses its stream at the next beat.
	if err := e.db.RevokeToken(tok, 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(2 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream of a revoked token goes on")
		}
	}
}

// wsRead reads the next message of a WebSocket stream.
func wsRead(t *testing.T, c *websocket.Conn) wsMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("message %s: %v", data, err)
	}
	return m
}

func TestWebSocket(t *testing.T) {
	e := newStreamEnv(t)
	ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
	e.follow(ann, bob)
	tok := e.token(ann)
	ctx := context.Background()
	wsURL := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v1/streaming?stream=user&access_token=" + tok
	c, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()

	p := e.post(bob, "bob says hi", "public")
	m := wsRead(t, c)
	if m.Event != "update" || len(m.Stream) != 1 || m.Stream[0] != "user" || statusOf(t, m.Payload).ID != p.ID.String() {
		t.Fatalf("got %+v, want bob's post on the user stream", m)
	}

	// Subscribing to the local timeline and to a tag; an unknown stream
	// is refused with an error message.
	for _, req := range []string{`{"type":"subscribe","stream":"public:local"}`, `{"type":"subscribe","stream":"hashtag","tag":"cats"}`, `{"type":"subscribe","stream":"nonsense"}`} {
		if err := c.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, data, err := c.Read(rctx)
	cancel()
	var refusal wsError
	if err != nil || json.Unmarshal(data, &refusal) != nil || refusal.Error == "" || refusal.Status != 400 {
		t.Fatalf("subscribing to nonsense answered %s (%v)", data, err)
	}
	q := e.post(cat, "cat likes #cats", "public")
	got := map[string]bool{}
	for range 2 {
		m := wsRead(t, c)
		if m.Event != "update" || statusOf(t, m.Payload).ID != q.ID.String() {
			t.Fatalf("got %+v, want cat's post", m)
		}
		got[strings.Join(m.Stream, " ")] = true
	}
	if !got["public:local"] || !got["hashtag cats"] || got["user"] {
		t.Errorf("cat's post came on %v, want public:local and hashtag cats only", got)
	}

	// Unsubscribing stops them.
	for _, req := range []string{`{"type":"unsubscribe","stream":"public:local"}`, `{"type":"unsubscribe","stream":"hashtag","tag":"cats"}`} {
		if err := c.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	e.post(cat, "cat again #cats", "public")
	r := e.post(bob, "bob again", "public")
	if m := wsRead(t, c); strings.Join(m.Stream, " ") != "user" || statusOf(t, m.Payload).ID != r.ID.String() {
		t.Errorf("after unsubscribing got %+v, want only bob's post on user", m)
	}
}

func TestWebSocketTokenAsProtocol(t *testing.T) {
	e := newStreamEnv(t)
	ann := e.user("ann")
	tok := e.token(ann)
	wsURL := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v1/streaming?stream=user:notification"
	c, resp, err := websocket.Dial(context.Background(), wsURL, &websocket.DialOptions{Subprotocols: []string{tok}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if resp.Header.Get("Sec-WebSocket-Protocol") != tok {
		t.Errorf("server chose protocol %q, want the token back", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	bob := e.user("bob")
	e.post(bob, "hi @ann", "public")
	if m := wsRead(t, c); m.Event != "notification" || m.Stream[0] != "user:notification" {
		t.Errorf("got %+v, want a notification", m)
	}
}

// A client that reads nothing must not hold posting up: its connection
// is dropped once it falls listenerBuffer events behind.
func TestSlowStreamDoesNotBlockPosting(t *testing.T) {
	e := newStreamEnv(t)
	bob := e.user("bob")
	stalled, err := e.api.listen(0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.posts(bob, listenerBuffer+20)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("posting blocked behind a stalled stream")
	}
	select {
	case <-stalled.dropped:
	default:
		t.Error("a stream that fell behind was kept")
	}
	if n := e.api.StreamCount(); n != 0 {
		t.Errorf("%d streams left", n)
	}

	// And over the network: a raw connection that never reads.
	conn, err := (&net.Dialer{}).Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("GET /api/v1/streaming/public HTTP/1.1\r\nHost: x\r\n\r\n"))
	deadline := time.Now().Add(5 * time.Second)
	for e.api.StreamCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	e.posts(bob, 2*listenerBuffer)
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("posting took %s with a stalled reader", d)
	}
}

// posts publishes n public posts by u from several goroutines at once
// (their commits share transactions, as a busy server's do).
func (e *streamEnv) posts(u storage.User, n int) {
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				if _, err := e.soc.Publish(context.Background(), u, social.Draft{Body: fmt.Sprintf("post %d", i), Visibility: "public"}); err != nil {
					e.t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// The streams as a real client library reads them: go-mastodon's
// server-sent events and WebSocket clients hear a followed account's new
// post, its deletion and a notification.
func TestGoMastodonReadsStreams(t *testing.T) {
	e := newStreamEnv(t)
	ann, bob := e.user("ann"), e.user("bob")
	e.follow(ann, bob)
	c := mastodon.NewClient(&mastodon.Config{Server: e.srv.URL, AccessToken: e.token(ann)})
	for _, transport := range []string{"sse", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var events chan mastodon.Event
			var err error
			if transport == "sse" {
				events, err = c.StreamingUser(ctx)
			} else {
				events, err = c.NewWSClient().StreamingWSUser(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			// Wait until the stream is registered.
			deadline := time.Now().Add(5 * time.Second)
			for e.api.StreamCount() == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			p := e.post(bob, "bob over "+transport, "public")
			e.post(bob, "hey @ann", "public")
			if err := e.soc.Delete(context.Background(), bob, p.ID); err != nil {
				t.Fatal(err)
			}
			var update, note, del bool
			timeout := time.After(5 * time.Second)
			for !update || !note || !del {
				select {
				case ev := <-events:
					switch ev := ev.(type) {
					case *mastodon.UpdateEvent:
						update = update || (ev.Status.ID == mastodon.ID(p.ID.String()) && ev.Status.Account.Username == "bob")
					case *mastodon.NotificationEvent:
						note = note || (ev.Notification.Type == "mention" && ev.Notification.Account.Username == "bob")
					case *mastodon.DeleteEvent:
						del = del || ev.ID == mastodon.ID(p.ID.String())
					case *mastodon.ErrorEvent:
						t.Fatalf("stream error: %v", ev.Err)
					}
				case <-timeout:
					t.Fatalf("heard update %v, notification %v, delete %v", update, note, del)
				}
			}
			cancel()
			deadline = time.Now().Add(5 * time.Second)
			for e.api.StreamCount() != 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
