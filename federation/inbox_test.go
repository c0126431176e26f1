package federation

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

// note is a Note of the remote account actorID, public, with extra
// properties over the usual ones.
func note(id, actorID string, extra map[string]any) map[string]any {
	m := map[string]any{
		"id": id, "type": "Note", "attributedTo": actorID,
		"content": "<p>Hello</p>", "published": "2026-12-01T10:00:00Z",
		"to": []any{Public}, "cc": []any{actorID + "/followers"},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func create(actorID string, obj map[string]any) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": obj["id"].(string) + "/activity", "type": "Create", "actor": actorID, "object": obj}
}

// TestInboxCreate: a properly signed Create is answered 202, and once
// processed the post is stored and the member it mentions notified.
func TestInboxCreate(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	layla := rg.member(t, "layla", false)
	amal := rg.remote.actor(t, "amal", a, nil)
	n := note(amal+"/notes/1", amal, map[string]any{
		"content": `<p><a href="` + localBase + `/@layla" class="mention">@layla</a> hi <script>x</script>#<span>majlis</span></p>`,
		"tag": []any{
			map[string]any{"type": "Mention", "href": layla.URI, "name": "@layla@local.example"},
			map[string]any{"type": "Hashtag", "href": amal + "/tags/majlis", "name": "#Majlis"},
		},
	})
	if code := rg.deliver(t, "/users/layla/inbox", create(amal, n), amal+"#main-key", a, time.Now(), nil); code != http.StatusAccepted {
		t.Fatalf("got %d, want 202", code)
	}
	if len(rg.seen) != 1 || rg.seen[0] != rg.remote.host() {
		t.Errorf("seen: %v", rg.seen)
	}
	rg.process(t)
	p, err := rg.db.PostByURI(amal + "/notes/1")
	if err != nil {
		t.Fatalf("post not stored: %v", err)
	}
	if p.Local || p.Visibility != storage.Public || !p.Mentioned(layla.ID) || !slices.Contains(p.Tags, "majlis") {
		t.Errorf("stored %+v", p)
	}
	if strings.Contains(p.HTML, "script") {
		t.Errorf("HTML not sanitized: %q", p.HTML)
	}
	notes, err := rg.db.Notifications(layla.ID, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes.Notes) != 1 || notes.Notes[0].Kind != storage.NoteMention || notes.Notes[0].PostID != p.ID {
		t.Errorf("notifications: %+v", notes.Notes)
	}
	if rg.pending(t) != 0 {
		t.Error("the queue was not drained")
	}
}

// TestInboxRefusals: what does not hold is refused with its status, and
// nothing is queued.
func TestInboxRefusals(t *testing.T) {
	a, b := testKeys(t)
	tests := []struct {
		name string
		want int
		send func(rg *rig, amal string) int
	}{
		{"forged signature", http.StatusUnauthorized, func(rg *rig, amal string) int {
			return rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", b, time.Now(), nil)
		}},
		{"key owner is not the actor", http.StatusUnauthorized, func(rg *rig, amal string) int {
			other := rg.remote.actor(t, "other", b, nil)
			return rg.deliver(t, "/inbox", create(other, note(other+"/notes/1", other, nil)), amal+"#main-key", a, time.Now(), nil)
		}},
		{"activity on another host", http.StatusUnauthorized, func(rg *rig, amal string) int {
			act := create(amal, note(amal+"/notes/1", amal, nil))
			act["id"] = "http://elsewhere.example/a/1"
			return rg.deliver(t, "/inbox", act, amal+"#main-key", a, time.Now(), nil)
		}},
		{"date older than the window", http.StatusUnauthorized, func(rg *rig, amal string) int {
			return rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now().Add(-13*time.Hour), nil)
		}},
		{"digest mismatch", http.StatusUnauthorized, func(rg *rig, amal string) int {
			return rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now(), func(r *http.Request) {
				forged := []byte(`{"type":"Create","actor":"` + amal + `","object":{"id":"` + amal + `/notes/2"}}`)
				r.Body = io.NopCloser(bytes.NewReader(forged))
				r.ContentLength = int64(len(forged))
			})
		}},
		{"unsigned", http.StatusUnauthorized, func(rg *rig, amal string) int {
			return rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now(), func(r *http.Request) {
				r.Header.Del("Signature")
			})
		}},
		{"wrong content type", http.StatusUnsupportedMediaType, func(rg *rig, amal string) int {
			return rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now(), func(r *http.Request) {
				r.Header.Set("Content-Type", "text/plain")
			})
		}},
		{"oversized", http.StatusRequestEntityTooLarge, func(rg *rig, amal string) int {
			big := note(amal+"/notes/1", amal, map[string]any{"content": strings.Repeat("x", MaxObjectBytes)})
			return rg.deliver(t, "/inbox", create(amal, big), amal+"#main-key", a, time.Now(), nil)
		}},
		{"no such member", http.StatusNotFound, func(rg *rig, amal string) int {
			return rg.deliver(t, "/users/nobody/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now(), nil)
		}},
		{"suspended domain", http.StatusForbidden, func(rg *rig, amal string) int {
			suspend(t, rg)
			return rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now(), nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rg := newRig(t)
			rg.member(t, "layla", false)
			amal := rg.remote.actor(t, "amal", a, nil)
			if code := tt.send(rg, amal); code != tt.want {
				t.Errorf("got %d, want %d", code, tt.want)
			}
			if n := rg.pending(t); n != 0 {
				t.Errorf("%d activities queued", n)
			}
			rg.process(t)
			if _, err := rg.db.PostByURI(amal + "/notes/1"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("post stored anyway (%v)", err)
			}
		})
	}
}

// TestInboxRateLimit: a host over its rate gets 429 with Retry-After.
func TestInboxRateLimit(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	rg.inbox.RatePerHost = 1
	amal := rg.remote.actor(t, "amal", a, nil)
	codes := map[int]int{}
	for i := range 6 {
		id := amal + "/notes/" + string(rune('a'+i))
		codes[rg.deliver(t, "/inbox", create(amal, note(id, amal, nil)), amal+"#main-key", a, time.Now(), nil)]++
	}
	if codes[http.StatusAccepted] != 4 || codes[http.StatusTooManyRequests] != 2 {
		t.Errorf("got %v, want 4 accepted and 2 refused", codes)
	}
}

// TestInboxIdempotent: the same activity delivered twice (to the shared
// inbox and a member's) is processed once.
func TestInboxIdempotent(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	layla := rg.member(t, "layla", false)
	amal := rg.remote.actor(t, "amal", a, nil)
	like := map[string]any{"id": amal + "/likes/1", "type": "Like", "actor": amal, "object": layla.URI + "/x"}
	// A member's post to like.
	e, err := rg.social.Publish(context.Background(), layla, socialDraft("hello"))
	if err != nil {
		t.Fatal(err)
	}
	like["object"] = e.Post.URI
	for _, path := range []string{"/inbox", "/users/layla/inbox", "/inbox"} {
		if code := rg.deliver(t, path, like, amal+"#main-key", a, time.Now(), nil); code != http.StatusAccepted {
			t.Fatalf("%s: got %d", path, code)
		}
	}
	if n := rg.pending(t); n != 1 {
		t.Errorf("%d queued, want 1", n)
	}
	rg.process(t)
	p, _ := rg.db.PostByID(e.Post.ID)
	if p.Likes != 1 {
		t.Errorf("likes: got %d, want 1", p.Likes)
	}
	// Undo Like takes it back.
	undo := map[string]any{"id": amal + "/likes/1/undo", "type": "Undo", "actor": amal, "object": like}
	if code := rg.deliver(t, "/inbox", undo, amal+"#main-key", a, time.Now(), nil); code != http.StatusAccepted {
		t.Fatalf("undo: got %d", code)
	}
	rg.process(t)
	if p, _ := rg.db.PostByID(e.Post.ID); p.Likes != 0 {
		t.Errorf("likes after Undo: got %d, want 0", p.Likes)
	}
}

// TestInboxFollow: a follow of an unlocked member stands at once and
// queues the member's Accept; of a locked member it is a request; Undo
// ends it.
func TestInboxFollow(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	layla := rg.member(t, "layla", false)
	nour := rg.member(t, "nour", true)
	amal := rg.remote.actor(t, "amal", a, nil)
	remote, err := rg.res.Actor(context.Background(), amal)
	if err != nil {
		t.Fatal(err)
	}
	follow := func(id string, who storage.User) map[string]any {
		return map[string]any{"id": amal + "/follows/" + id, "type": "Follow", "actor": amal, "object": who.URI}
	}
	rg.deliver(t, "/inbox", follow("1", layla), amal+"#main-key", a, time.Now(), nil)
	rg.deliver(t, "/inbox", follow("2", nour), amal+"#main-key", a, time.Now(), nil)
	rg.process(t)

	if ok, _ := rg.db.IsFollowing(remote.ID, layla.ID); !ok {
		t.Error("the follow of an unlocked member does not stand")
	}
	acts, err := rg.db.PendingActivities(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var accepts []storage.Activity
	for _, x := range acts {
		if x.Type == storage.ActivityAccept {
			accepts = append(accepts, x)
		}
	}
	if len(accepts) != 1 || accepts[0].ActorID != layla.ID || accepts[0].TargetID != remote.ID {
		t.Errorf("accepts queued: %+v", accepts)
	}
	if got := rg.db.RemoteFollowID(remote.ID, layla.ID); got != amal+"/follows/1" {
		t.Errorf("follow id kept: %q", got)
	}
	if ok, _ := rg.db.IsFollowing(remote.ID, nour.ID); ok {
		t.Error("a locked member was followed without approving")
	}
	reqs, err := rg.db.FollowRequests(nour.ID, storage.Page{})
	if err != nil || len(reqs.Users) != 1 || reqs.Users[0].ID != remote.ID {
		t.Errorf("requests of the locked member: %+v, %v", reqs.Users, err)
	}

	undo := map[string]any{"id": amal + "/follows/1/undo", "type": "Undo", "actor": amal, "object": follow("1", layla)}
	rg.deliver(t, "/inbox", undo, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	if ok, _ := rg.db.IsFollowing(remote.ID, layla.ID); ok {
		t.Error("Undo Follow left the follow")
	}
}

// TestInboxAcceptOfOurFollow: a member's follow of a remote account is a
// request until its Accept arrives.
func TestInboxAcceptOfOurFollow(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	layla := rg.member(t, "layla", false)
	amal := rg.remote.actor(t, "amal", a, nil)
	remote, err := rg.res.Actor(context.Background(), amal)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rg.social.Follow(context.Background(), layla, remote)
	if err != nil || res.State != storage.Requested {
		t.Fatalf("follow: %+v, %v; want a request", res, err)
	}
	accept := map[string]any{"id": amal + "/accepts/1", "type": "Accept", "actor": amal,
		"object": map[string]any{"id": localBase + "/activities/1", "type": "Follow", "actor": layla.URI, "object": amal}}
	rg.deliver(t, "/inbox", accept, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	if ok, _ := rg.db.IsFollowing(layla.ID, remote.ID); !ok {
		t.Error("the Accept did not make the follow")
	}
}

// TestInboxDeleteByNonAuthor: only a post's author deletes it.
func TestInboxDeleteByNonAuthor(t *testing.T) {
	a, b := testKeys(t)
	rg := newRig(t)
	amal := rg.remote.actor(t, "amal", a, nil)
	other := rg.remote.actor(t, "other", b, nil)
	rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	del := map[string]any{"id": other + "/deletes/1", "type": "Delete", "actor": other,
		"object": map[string]any{"id": amal + "/notes/1", "type": "Tombstone"}}
	if code := rg.deliver(t, "/inbox", del, other+"#main-key", b, time.Now(), nil); code != http.StatusAccepted {
		t.Fatalf("got %d", code)
	}
	rg.process(t)
	if _, err := rg.db.PostByURI(amal + "/notes/1"); err != nil {
		t.Errorf("deleted by another account: %v", err)
	}
	del = map[string]any{"id": amal + "/deletes/1", "type": "Delete", "actor": amal, "object": amal + "/notes/1"}
	rg.deliver(t, "/inbox", del, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	if _, err := rg.db.PostByURI(amal + "/notes/1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("not deleted by its author: %v", err)
	}
}

// TestInboxReplyParents: the posts a reply answers are fetched, up to
// the depth.
func TestInboxReplyParents(t *testing.T) {
	a, _ := testKeys(t)
	for _, tt := range []struct {
		depth   int
		fetched []string
	}{{8, []string{"1", "2"}}, {1, []string{"2"}}} {
		rg := newRig(t)
		rg.res.MaxDepth = tt.depth
		amal := rg.remote.actor(t, "amal", a, nil)
		rg.remote.put("/notes/1", note(rg.remote.url("/notes/1"), amal, nil))
		rg.remote.put("/notes/2", note(rg.remote.url("/notes/2"), amal, map[string]any{"inReplyTo": rg.remote.url("/notes/1")}))
		reply := note(rg.remote.url("/notes/3"), amal, map[string]any{"inReplyTo": rg.remote.url("/notes/2")})
		rg.deliver(t, "/inbox", create(amal, reply), amal+"#main-key", a, time.Now(), nil)
		rg.process(t)
		p3, err := rg.db.PostByURI(rg.remote.url("/notes/3"))
		if err != nil {
			t.Fatalf("depth %d: reply not stored: %v", tt.depth, err)
		}
		for _, n := range []string{"1", "2"} {
			_, err := rg.db.PostByURI(rg.remote.url("/notes/" + n))
			if want := slices.Contains(tt.fetched, n); (err == nil) != want {
				t.Errorf("depth %d: note %s stored: %v, want %v", tt.depth, n, err == nil, want)
			}
		}
		p2, _ := rg.db.PostByURI(rg.remote.url("/notes/2"))
		if p3.InReplyTo != p2.ID {
			t.Errorf("depth %d: reply answers %d, want %d", tt.depth, p3.InReplyTo, p2.ID)
		}
	}
}

// TestInboxAnnounceAndVisibility: an Announce stores a repost by the
// remote account; addressing decides the visibility.
func TestInboxAnnounceAndVisibility(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	layla := rg.member(t, "layla", false)
	amal := rg.remote.actor(t, "amal", a, nil)
	tests := []struct {
		id     string
		to, cc []any
		want   storage.Visibility
	}{
		{"pub", []any{Public}, nil, storage.Public},
		{"unl", []any{amal + "/followers"}, []any{"as:Public"}, storage.Unlisted},
		{"fol", []any{amal + "/followers"}, nil, storage.FollowersOnly},
		{"dir", []any{layla.URI}, nil, storage.Direct},
	}
	for _, tt := range tests {
		n := note(amal+"/notes/"+tt.id, amal, map[string]any{"to": tt.to, "cc": tt.cc})
		rg.deliver(t, "/inbox", create(amal, n), amal+"#main-key", a, time.Now(), nil)
	}
	rg.process(t)
	for _, tt := range tests {
		p, err := rg.db.PostByURI(amal + "/notes/" + tt.id)
		if err != nil || p.Visibility != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.id, p.Visibility, err, tt.want)
		}
	}
	e, err := rg.social.Publish(context.Background(), layla, socialDraft("boost me"))
	if err != nil {
		t.Fatal(err)
	}
	ann := map[string]any{"id": amal + "/announces/1", "type": "Announce", "actor": amal, "object": e.Post.URI, "to": []any{Public}}
	rg.deliver(t, "/inbox", ann, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	if p, _ := rg.db.PostByID(e.Post.ID); p.Reposts != 1 {
		t.Errorf("reposts: got %d, want 1", p.Reposts)
	}
	undo := map[string]any{"id": amal + "/announces/1/undo", "type": "Undo", "actor": amal, "object": amal + "/announces/1"}
	rg.deliver(t, "/inbox", undo, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	if p, _ := rg.db.PostByID(e.Post.ID); p.Reposts != 0 {
		t.Errorf("reposts after Undo: got %d, want 0", p.Reposts)
	}
}

// TestInboxBlockFlagAndActorDelete: a remote block ends follows, a Flag
// lands in the moderation queue, an actor's Delete removes it.
func TestInboxBlockFlagAndActorDelete(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	layla := rg.member(t, "layla", false)
	amal := rg.remote.actor(t, "amal", a, nil)
	rg.deliver(t, "/inbox", map[string]any{"id": amal + "/f/1", "type": "Follow", "actor": amal, "object": layla.URI}, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	remote, _ := rg.db.RemoteUserByURI(amal)
	if ok, _ := rg.db.IsFollowing(remote.ID, layla.ID); !ok {
		t.Fatal("no follow to end")
	}
	rg.deliver(t, "/inbox", map[string]any{"id": amal + "/b/1", "type": "Block", "actor": amal, "object": layla.URI}, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	if ok, _ := rg.db.IsFollowing(remote.ID, layla.ID); ok {
		t.Error("the block left the follow")
	}
	rel, _ := rg.db.RelationshipOf(layla.ID, remote.ID)
	if !rel.BlockedBy {
		t.Error("the block is not recorded")
	}

	e, err := rg.social.Publish(context.Background(), layla, socialDraft("reported"))
	if err != nil {
		t.Fatal(err)
	}
	flag := map[string]any{"id": amal + "/flag/1", "type": "Flag", "actor": amal, "content": "spam",
		"object": []any{layla.URI, e.Post.URI}}
	rg.deliver(t, "/inbox", flag, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	reports, err := rg.db.OpenReports(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports.Reports) != 1 || reports.Reports[0].TargetID != layla.ID || reports.Reports[0].PostID != e.Post.ID || reports.Reports[0].Comment != "spam" {
		t.Errorf("reports: %+v", reports.Reports)
	}

	rg.deliver(t, "/inbox", map[string]any{"id": amal + "#delete", "type": "Delete", "actor": amal, "object": amal}, amal+"#main-key", a, time.Now(), nil)
	rg.process(t)
	if _, err := rg.db.RemoteUserByURI(amal); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the account is still there: %v", err)
	}
}

// TestInboxRunAfterRestart: what was queued before a restart is taken
// in by Run.
func TestInboxRunAfterRestart(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	amal := rg.remote.actor(t, "amal", a, nil)
	rg.deliver(t, "/inbox", create(amal, note(amal+"/notes/1", amal, nil)), amal+"#main-key", a, time.Now(), nil)
	fresh := &Inbox{Resolver: rg.res, Social: rg.social, DB: rg.db, URIs: rg.uris}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- fresh.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := rg.db.PostByURI(amal + "/notes/1"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if _, err := rg.db.PostByURI(amal + "/notes/1"); err != nil {
		t.Errorf("not processed by Run: %v", err)
	}
}

// TestVerifyGet: a signed GET names its signer; an unsigned one is
// refused.
func TestVerifyGet(t *testing.T) {
	a, _ := testKeys(t)
	rg := newRig(t)
	amal := rg.remote.actor(t, "amal", a, nil)
	out, _ := http.NewRequest(http.MethodGet, localBase+"/users/layla/statuses/1", nil)
	if err := Sign(out, nil, amal+"#main-key", a, time.Now()); err != nil {
		t.Fatal(err)
	}
	in, _ := http.NewRequest(http.MethodGet, localBase+"/users/layla/statuses/1", nil)
	in.Header = out.Header.Clone()
	in.Host = "local.example"
	u, err := rg.inbox.VerifyGet(in)
	if err != nil || u.URI != amal {
		t.Errorf("got %v, %v", u.URI, err)
	}
	in.Header.Del("Signature")
	if _, err := rg.inbox.VerifyGet(in); err == nil {
		t.Error("an unsigned GET was verified")
	}
}
