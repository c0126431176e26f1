package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"majlis/storage"
)

// Streaming: Mastodon's live streams, so apps update as things happen.
// Two transports carry the same events: server-sent events, one stream
// per request (GET /api/v1/streaming/user, /public, ...), and a WebSocket
// on GET /api/v1/streaming that multiplexes several streams and lets the
// client subscribe and unsubscribe. Events come from the storage hub
// (stream_hub.go) and are rendered per connection as its member sees
// them.
//
// The token may come in the query string (browsers cannot set headers on
// an EventSource or a WebSocket): nothing here logs a request's URL, and
// the request log writes paths only.

// heartbeat is how often an idle stream shows it is alive (a comment for
// server-sent events, a ping for a WebSocket) and re-checks its token, so
// a revoked token or a member who logged out everywhere loses the stream
// within one beat. A variable for the tests.
var heartbeat = 30 * time.Second

// writeWait bounds one write to a client; a client that does not take
// it in time loses the stream.
const writeWait = 15 * time.Second

func (a *API) streamingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/streaming/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "OK")
	})
	for path, name := range map[string]string{
		"user": "user", "user/notification": "user:notification",
		"public": "public", "public/local": "public:local", "public/remote": "public:remote",
		"hashtag": "hashtag", "hashtag/local": "hashtag:local",
		"list": "list",
	} {
		mux.HandleFunc("GET /api/v1/streaming/"+path, a.route(Public, "", a.serveEvents(name)))
	}
	ws := wsToken(a.route(Public, "", a.serveWebSocket))
	mux.HandleFunc("GET /api/v1/streaming", ws)
	mux.HandleFunc("GET /api/v1/streaming/{$}", ws)
}

// authorizeChannel checks that the token may follow c: a member's token
// for the member's own streams (a list only its owner's), and the
// channel's scope. Public streams are open without a token. It returns 0
// when allowed, else the status and error to answer.
func (a *API) authorizeChannel(au *Auth, c channel) (int, string) {
	switch {
	case c.member && au == nil:
		return http.StatusUnauthorized, "Missing access token"
	case c.member && au.User.ID == 0:
		return http.StatusUnprocessableEntity, "This method requires an authenticated user"
	case au != nil && !au.HasScope(c.scope):
		return http.StatusForbidden, "This action is outside the authorized scopes"
	}
	if c.list != 0 {
		if _, err := a.db.List(au.User.ID, c.list); err != nil {
			// As Mastodon's: someone else's list is not found, and says so
			// as an authentication error.
			return http.StatusUnauthorized, "List not found"
		}
	}
	return 0, ""
}

// recheck authenticates a stream's request again (see heartbeat) and
// refreshes its member (their mutes, blocks and settings are read per
// event, but HideBots and the like live on the record). false: the token
// is gone.
func (a *API) recheck(r *http.Request, au *Auth, viewer *storage.User) bool {
	if au == nil {
		return true
	}
	fresh, err := a.authenticate(r)
	if err != nil || fresh.User.ID != au.User.ID {
		return false
	}
	*viewer = fresh.User
	return true
}

func truthy(v string) bool { return v == "true" || v == "1" }

// serveEvents serves one stream as server-sent events.
func (a *API) serveEvents(name string) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		q := r.URL.Query()
		n := name
		if strings.HasPrefix(n, "public") && truthy(q.Get("only_media")) {
			n += ":media"
		}
		c, err := parseChannel(n, streamArg(n, q.Get("tag"), q.Get("list")))
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if status, msg := a.authorizeChannel(au, c); status != 0 {
			writeError(w, status, msg)
			return
		}
		viewer := viewerOf(au)
		l, err := a.listen(viewer.ID)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "The server is shutting down")
			return
		}
		defer a.leave(l)
		rc := http.NewResponseController(w)
		// The server's read and write timeouts are for ordinary requests;
		// a stream lives on, each write with its own deadline.
		_ = rc.SetReadDeadline(time.Time{})
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no") // a buffering proxy would hold events back
		w.WriteHeader(http.StatusOK)
		write := func(s string) bool {
			_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
			if _, err := io.WriteString(w, s); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		if !write(":)\n\n") {
			return
		}
		chans := []channel{c}
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-l.dropped:
				return
			case ev := <-l.events:
				for _, m := range a.render(ev, viewer, chans) {
					if !write("event: " + m.event + "\ndata: " + m.payload + "\n\n") {
						return
					}
				}
			case <-tick.C:
				if !a.recheck(r, au, &viewer) || !write(":thump\n\n") {
					return
				}
			}
		}
	}
}

// wsToken lets a WebSocket client send its token as the subprotocol
// (Sec-WebSocket-Protocol), as Mastodon's web app and its libraries do
// from a browser: it becomes the request's bearer token when the request
// names no other. serveWebSocket answers with the same subprotocol, which
// browsers require.
func wsToken(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.URL.Query().Get("access_token") == "" {
			if p := wsProtocol(r); p != "" {
				r.Header.Set("Authorization", "Bearer "+p)
			}
		}
		next(w, r)
	}
}

// wsProtocol is the first subprotocol a WebSocket request names.
func wsProtocol(r *http.Request) string {
	first, _, _ := strings.Cut(r.Header.Get("Sec-WebSocket-Protocol"), ",")
	return strings.TrimSpace(first)
}

// wsMessage is Mastodon's WebSocket event: the payload is itself JSON
// text (or a deleted status's ID) inside a string.
type wsMessage struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// wsRequest is what a WebSocket client sends.
type wsRequest struct {
	Type   string `json:"type"` // subscribe, unsubscribe
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   string `json:"list"`
}

// wsError is Mastodon's answer to a request it refuses.
type wsError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// serveWebSocket serves the multiplexed WebSocket stream. The stream
// parameter names a first channel; the client subscribes to more (and
// unsubscribes) with {"type":"subscribe","stream":"public"} messages.
//
// The WebSocket protocol itself (framing, masking, close and ping
// handshakes, the upgrade) is a well-kept, dependency-free library's:
// getting those details right by hand is where hand-written servers
// break, and the standard library has no WebSocket server.
func (a *API) serveWebSocket(w http.ResponseWriter, r *http.Request, au *Auth) {
	q := r.URL.Query()
	var chans []channel
	if name := q.Get("stream"); name != "" {
		c, err := parseChannel(name, streamArg(name, q.Get("tag"), q.Get("list")))
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if status, msg := a.authorizeChannel(au, c); status != 0 {
			writeError(w, status, msg)
			return
		}
		chans = append(chans, c)
	}
	viewer := viewerOf(au)
	l, err := a.listen(viewer.ID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "The server is shutting down")
		return
	}
	defer a.leave(l)
	rc := http.NewResponseController(w)
	// The connection is hijacked with the server's deadlines on it: lift
	// them, every write below has its own.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	opts := &websocket.AcceptOptions{
		// The token, never a cookie, authenticates the stream, so a page
		// of another origin (a web app) gains nothing it was not given:
		// any origin may connect, as to Mastodon.
		InsecureSkipVerify: true,
	}
	if p := wsProtocol(r); p != "" && r.Header.Get("Authorization") == "Bearer "+p {
		opts.Subprotocols = []string{p}
	}
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept answered
	}
	defer conn.CloseNow()
	conn.SetReadLimit(4 << 10)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex // guards chans
	replies := make(chan string, 8)
	go func() {
		defer cancel()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var req wsRequest
			if json.Unmarshal(data, &req) != nil {
				continue // Mastodon ignores what it cannot read
			}
			if req.Type != "subscribe" && req.Type != "unsubscribe" {
				continue
			}
			c, err := parseChannel(req.Stream, streamArg(req.Stream, req.Tag, req.List))
			status, msg := http.StatusBadRequest, ""
			if err != nil {
				msg = err.Error()
			} else {
				status, msg = a.authorizeChannel(au, c)
			}
			if msg != "" {
				select {
				case replies <- payloadJSON(wsError{Error: msg, Status: status}):
				default:
				}
				continue
			}
			same := func(o channel) bool { return o.name == c.name && o.tag == c.tag }
			mu.Lock()
			switch {
			case req.Type == "unsubscribe":
				chans = slices.DeleteFunc(chans, same)
			case !slices.ContainsFunc(chans, same):
				chans = append(chans, c)
			}
			mu.Unlock()
		}
	}()

	send := func(text string) bool {
		wctx, done := context.WithTimeout(ctx, writeWait)
		defer done()
		return conn.Write(wctx, websocket.MessageText, []byte(text)) == nil
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.dropped:
			conn.Close(websocket.StatusTryAgainLater, "stream too slow or server stopping")
			return
		case text := <-replies:
			if !send(text) {
				return
			}
		case ev := <-l.events:
			mu.Lock()
			cs := slices.Clone(chans)
			mu.Unlock()
			for _, m := range a.render(ev, viewer, cs) {
				if !send(payloadJSON(wsMessage{Stream: m.stream, Event: m.event, Payload: m.payload})) {
					return
				}
			}
		case <-tick.C:
			if !a.recheck(r, au, &viewer) {
				conn.Close(websocket.StatusPolicyViolation, "access token revoked")
				return
			}
			pctx, done := context.WithTimeout(ctx, writeWait)
			err := conn.Ping(pctx)
			done()
			if err != nil {
				return
			}
		}
	}
}
