package api

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"majlis/markup"
	"majlis/social"
	"majlis/storage"
)

// The streaming hub: one storage subscription (storage.DB.Subscribe) for
// every live connection. Storage calls fire in the writer's goroutine,
// right after its commit, so fire never blocks: it hands each event to
// each connection's buffered channel and drops (closes) a connection
// whose buffer is full. A slow or stalled client loses its stream, never
// slows a post down; apps reconnect and fill the gap from the timeline.

// listenerBuffer is how many events a connection may fall behind by.
const listenerBuffer = 256

type streamHub struct {
	mu        sync.Mutex
	listeners map[*listener]struct{}
	closed    bool
	subscribe sync.Once
}

// listener is one connection's place in the hub.
type listener struct {
	// user is the connection's member (0: none): notifications go only
	// to their own member's connections.
	user   storage.ID
	events chan storage.Event
	// dropped is closed when the hub lets go of the connection: too slow,
	// or the server is stopping.
	dropped chan struct{}
}

var errStreamsClosed = errors.New("streaming is shut down")

// listen adds a connection for user, subscribing the hub to storage on
// first use.
func (a *API) listen(user storage.ID) (*listener, error) {
	h := &a.streams
	h.subscribe.Do(func() { a.db.Subscribe(h.fire) })
	l := &listener{user: user, events: make(chan storage.Event, listenerBuffer), dropped: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errStreamsClosed
	}
	if h.listeners == nil {
		h.listeners = map[*listener]struct{}{}
	}
	h.listeners[l] = struct{}{}
	return l, nil
}

// leave removes a connection.
func (a *API) leave(l *listener) {
	h := &a.streams
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.listeners[l]; ok {
		delete(h.listeners, l)
		close(l.dropped)
	}
}

// fire hands an event to every connection it may concern, without
// waiting.
func (h *streamHub) fire(ev storage.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.listeners {
		if ev.Kind == storage.NotificationCreated && ev.UserID != l.user {
			continue
		}
		select {
		case l.events <- ev:
		default:
			delete(h.listeners, l)
			close(l.dropped)
		}
	}
}

// CloseStreams ends every live stream and refuses new ones: the server
// calls it when it shuts down (http.Server.RegisterOnShutdown), since
// shutting down does not wait for hijacked WebSocket connections and
// would wait its whole grace period for streams that never end.
func (a *API) CloseStreams() {
	h := &a.streams
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for l := range h.listeners {
		delete(h.listeners, l)
		close(l.dropped)
	}
}

// StreamCount is the number of live streaming connections.
func (a *API) StreamCount() int {
	h := &a.streams
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.listeners)
}

// channel is one stream a connection follows, as Mastodon names them.
type channel struct {
	name string
	tag  string
	// list is the member's list a "list" channel follows.
	list storage.ID
	// feed is the timeline whose posts the channel carries; zero Kind
	// for a channel of notifications only.
	feed storage.Feed
	// media keeps only posts with pictures (the :media channels).
	media bool
	// notes: the channel carries the member's notifications.
	notes bool
	// member: it needs a member's token; scope: the scope it needs.
	member bool
	scope  string
}

// names is the channel as messages name it: ["hashtag", "tag"] or
// ["user"].
func (c channel) names() []string {
	if c.tag != "" {
		return []string{c.name, c.tag}
	}
	if c.list != 0 {
		return []string{c.name, c.list.String()}
	}
	return []string{c.name}
}

var errUnknownStream = errors.New("Unknown stream type")

// parseChannel reads a stream name and its argument: a hashtag's tag, a
// list's ID (streamArg).
func parseChannel(name, arg string) (channel, error) {
	tag := arg
	c := channel{name: name, scope: "read:statuses"}
	switch name {
	case "list":
		id, err := storage.ParseID(arg)
		if err != nil || id == 0 {
			return c, errors.New("No list for stream provided")
		}
		c.list, c.member, c.scope = id, true, "read:lists"
		c.feed = storage.Feed{Kind: storage.FeedList, List: id}
	case "user":
		c.feed, c.notes, c.member = storage.Feed{Kind: storage.FeedHome}, true, true
	case "user:notification":
		c.notes, c.member, c.scope = true, true, "read:notifications"
	case "public", "public:media":
		c.feed = storage.Feed{Kind: storage.FeedPublic}
	case "public:local", "public:local:media":
		c.feed = storage.Feed{Kind: storage.FeedLocal}
	case "public:remote", "public:remote:media":
		c.feed = storage.Feed{Kind: storage.FeedRemote}
	case "hashtag", "hashtag:local":
		c.tag = markup.NormalizeTag(tag)
		if c.tag == "" {
			return c, errors.New("No tag for stream provided")
		}
		c.feed = storage.Feed{Kind: storage.FeedTag, Tag: c.tag, Local: name == "hashtag:local"}
	default:
		return c, errUnknownStream
	}
	c.media = len(name) > 6 && name[len(name)-6:] == ":media"
	return c, nil
}

// message is one event of one channel, ready to send.
type message struct {
	stream  []string
	event   string
	payload string // JSON of an entity, or a deleted status's ID
}

// render turns an event into the messages a connection's channels carry,
// each read as viewer sees it now (never any rule here: FeedEntry,
// FeedHad and Notification are the timelines' and notifications page's
// own reads).
func (a *API) render(ev storage.Event, viewer storage.User, chans []channel) []message {
	var out []message
	// One conversion serves every channel of the connection that shows
	// the post in the same filter context: it is the same post, as the
	// same viewer sees it. The member's keyword filters apply as on the
	// timeline each channel follows (feedContext).
	conv := a.conv(viewer)
	filters := map[string]*social.Filterer{}
	filtersFor := func(context string) *social.Filterer {
		f, ok := filters[context]
		if !ok {
			f = a.soc.FiltersFor(viewer.ID, context)
			filters[context] = f
		}
		return f
	}
	// The notification, too, is read and converted once, for the first
	// channel that carries it ("" when it is not to be shown).
	payloads := map[string]string{}
	notePayload, noteRead := "", false
	for _, c := range chans {
		switch ev.Kind {
		case storage.PostCreated, storage.PostEdited:
			if c.feed.Kind == 0 {
				continue
			}
			e, ok, err := a.db.FeedEntry(viewer.ID, c.feed, ev.PostID)
			if err != nil || !ok || (c.media && len(e.Post.Attachments) == 0) {
				continue
			}
			// "" when a filter of the context hides the post.
			context := feedContext(c.feed)
			payload, ok := payloads[context]
			if !ok {
				if s, shown := conv.filteredStatus(e, filtersFor(context)); shown { // lists.go
					payload = payloadJSON(s)
				}
				payloads[context] = payload
			}
			if payload == "" {
				continue
			}
			name := "update"
			if ev.Kind == storage.PostEdited {
				name = "status.update"
			}
			out = append(out, message{c.names(), name, payload})
		case storage.PostDeleted:
			if c.feed.Kind == 0 || ev.Deleted == nil {
				continue
			}
			if had, err := a.db.FeedHad(viewer.ID, c.feed, *ev.Deleted); err == nil && had {
				out = append(out, message{c.names(), "delete", ev.PostID.String()})
			}
		case storage.NotificationCreated:
			if !c.notes || viewer.ID == 0 || ev.UserID != viewer.ID {
				continue
			}
			if !noteRead {
				noteRead = true
				if n, err := a.db.Notification(viewer.ID, ev.NoteID); err == nil {
					if note, ok := conv.shownNote(n, filtersFor(storage.FilterNotifications)); ok { // staff_notes.go
						notePayload = payloadJSON(note)
					}
				}
			}
			if notePayload != "" {
				out = append(out, message{c.names(), "notification", notePayload})
			}
		}
	}
	return out
}

// feedContext is the keyword-filter context of the timeline a feed
// follows, as Mastodon's: home for the home feed and lists, public for
// the public and hashtag timelines.
func feedContext(f storage.Feed) string {
	if f.Kind == storage.FeedHome || f.Kind == storage.FeedList {
		return storage.FilterHome
	}
	return storage.FilterPublic
}

// payloadJSON is v's JSON as the other endpoints write it (HTML not
// escaped), on one line.
func payloadJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "{}"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// streamArg is the argument a stream's name takes, of the tag and list
// a request (or a WebSocket message) sends: a list's list, else the tag.
func streamArg(name, tag, list string) string {
	if name == "list" {
		return list
	}
	return tag
}
