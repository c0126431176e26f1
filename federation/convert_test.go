package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"majlis/social"
	"majlis/storage"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const testBase = "https://majlis.test"

// testClock advances a minute at each reading, so every record has its
// own time and the golden files stay the same from run to run.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Minute)
	return c.now
}

// world is a small federating instance: amal and bilal are members, rem
// is an account of far.example that follows amal (so that amal's
// activities are queued).
type world struct {
	t           *testing.T
	db          *storage.DB
	conv        *Converter
	soc         *social.Service
	amal, bilal storage.User
	rem         storage.User
	remPost     storage.Post
}

// testKey is one fixed key for every account, so that the golden files
// hold the same publicKeyPem from run to run.
func testKey(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "test-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixKey(t testing.TB, db *storage.DB, id storage.ID) {
	t.Helper()
	pem := testKey(t)
	if _, err := db.ActorKey(id, func() ([]byte, error) { return pem, nil }); err != nil {
		t.Fatalf("ActorKey(%d): %v", id, err)
	}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clock := &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	db, err := storage.Open(filepath.Join(t.TempDir(), "fed.db"), storage.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	uris := NewURIs(testBase)
	w := &world{t: t, db: db, soc: social.New(db, social.Config{BaseURL: testBase, Now: clock.Now})}
	w.conv = &Converter{DB: db, Keys: NewKeys(db), URIs: uris, SiteName: "Majlis Test", Now: clock.Now}
	w.amal = storage.User{Username: "amal", DisplayName: "Amal", URI: uris.Actor("amal"),
		Bio: "I write *here*.", BioHTML: "<p>I write <em>here</em>.</p>",
		Links:     []storage.ProfileLink{{Label: "Site", URL: "https://amal.example/"}, {Label: "Code", URL: "https://code.example/amal?a=1&b=2"}},
		Indexable: true}
	w.bilal = storage.User{Username: "bilal", URI: uris.Actor("bilal"), Bot: true}
	for _, u := range []*storage.User{&w.amal, &w.bilal} {
		if err := db.CreateUser(u); err != nil {
			t.Fatal(err)
		}
		fixKey(t, db, u.ID)
	}
	fixKey(t, db, storage.InstanceActor)
	d := storage.File{Data: []byte("amal's face"), ContentType: "image/jpeg", Width: 400, Height: 400}
	th := storage.File{Data: []byte("amal's small face"), ContentType: "image/jpeg", Width: 120, Height: 120}
	if w.amal, err = db.SetProfileImage(w.amal.ID, storage.AvatarSlot, d, th); err != nil {
		t.Fatal(err)
	}
	w.rem = storage.User{Username: "rem", Domain: "far.example", URI: "https://far.example/users/rem",
		Inbox: "https://far.example/users/rem/inbox", SharedInbox: "https://far.example/inbox"}
	if err := db.PutRemoteUser(&w.rem); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Follow(w.rem.ID, w.amal.ID); err != nil {
		t.Fatal(err)
	}
	w.remPost = storage.Post{ID: db.NewID(), AuthorID: w.rem.ID, URI: "https://far.example/users/rem/statuses/1",
		HTML: "<p>hello from far away</p>", Visibility: storage.Public, URL: "https://far.example/@rem/1"}
	if err := db.CreatePost(&w.remPost); err != nil {
		t.Fatal(err)
	}
	return w
}

// post stores a post of author as given (mentions, tags, images, reply).
func (w *world) post(author storage.User, p storage.Post) storage.Post {
	w.t.Helper()
	p.ID = w.db.NewID()
	p.AuthorID, p.Local = author.ID, true
	p.URI = w.conv.URIs.Post(author.Username, p.ID)
	if p.Visibility == "" {
		p.Visibility = storage.Public
	}
	if err := w.db.CreatePost(&p); err != nil {
		w.t.Fatalf("CreatePost: %v", err)
	}
	return p
}

func (w *world) image(owner storage.User, name, alt string) storage.Attachment {
	w.t.Helper()
	a, err := w.db.PutUpload(owner.ID,
		storage.File{Data: []byte("display " + name), ContentType: "image/jpeg", Width: 1200, Height: 800},
		storage.File{Data: []byte("thumb " + name), ContentType: "image/jpeg", Width: 480, Height: 320}, false)
	if err != nil {
		w.t.Fatal(err)
	}
	a.Alt = alt
	return a
}

func (w *world) entry(id storage.ID) storage.Entry {
	w.t.Helper()
	e, err := w.db.Post(w.amal.ID, id)
	if err != nil {
		w.t.Fatalf("Post(%d): %v", id, err)
	}
	return e
}

// golden compares a document with testdata/golden/name.json (indented),
// or rewrites it with -update.
func golden(t *testing.T, name string, doc []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, doc, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, doc)
	}
	b.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from %s:\n%s", name, path, b.String())
	}
}

// decode reads a document into a generic map for targeted checks.
func decode(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return m
}

func TestActorGolden(t *testing.T) {
	w := newWorld(t)
	locked := w.amal
	locked.Locked = true
	doc, err := w.conv.Actor(locked)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "actor", doc)
	// What other servers read, decoded as majlis decodes them.
	var o Object
	if err := json.Unmarshal(doc, &o); err != nil {
		t.Fatal(err)
	}
	if o.ID != testBase+"/users/amal" || !o.Type.Is("Person") || o.PreferredUsername != "amal" || !o.ManuallyApprovesFollowers {
		t.Errorf("actor: id %q type %v name %q locked %v", o.ID, o.Type, o.PreferredUsername, o.ManuallyApprovesFollowers)
	}
	if len(o.PublicKey) != 1 || o.PublicKey[0].ID != testBase+"/users/amal#main-key" || !strings.HasPrefix(o.PublicKey[0].PublicKeyPem, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("publicKey = %+v", o.PublicKey)
	}
	if o.XRobotsTag != "noai, noimageai" || o.ContentUsage != "train-ai=n" {
		t.Errorf("consent: xRobotsTag %q contentUsage %q, want noai and train-ai=n (the instance reserves AI training)", o.XRobotsTag, o.ContentUsage)
	}
	if o.Icon == nil || o.Icon.URL != testBase+"/media/"+w.amal.Avatar.Display+".jpg" {
		t.Errorf("icon = %+v", o.Icon)
	}
	last := o.Attachment[len(o.Attachment)-1]
	if last.Name != "AI training" || last.Value != "not permitted" {
		t.Errorf("last field = %q: %q, want AI training: not permitted", last.Name, last.Value)
	}

	bot, err := w.conv.Actor(w.bilal)
	if err != nil {
		t.Fatal(err)
	}
	if m := decode(t, bot); m["type"] != "Service" || m["indexable"] != false || m["xRobotsTag"] != "noindex, noai, noimageai" {
		t.Errorf("bot actor: type %v indexable %v xRobotsTag %v", m["type"], m["indexable"], m["xRobotsTag"])
	}

	inst, err := w.conv.InstanceActor()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "instance-actor", inst)
}

// The member's AI-training choice travels, bounded by the instance's.
func TestConsentTravels(t *testing.T) {
	tests := []struct {
		instance    bool
		member      string
		indexable   bool
		robots      string
		usage       string
		field       string
		tdmReserved bool
	}{
		{false, storage.AITrainingInherit, false, "noindex, noai, noimageai", "train-ai=n", "not permitted", true},
		{false, storage.AITrainingYes, true, "noai, noimageai", "train-ai=n", "not permitted", true},
		{true, storage.AITrainingInherit, true, "", "train-ai=y", "permitted", false},
		{true, storage.AITrainingNo, true, "noai, noimageai", "train-ai=n", "not permitted", true},
		{true, storage.AITrainingYes, false, "noindex", "train-ai=y", "permitted", false},
	}
	for _, tt := range tests {
		w := newWorld(t)
		s := storage.DefaultInstanceSettings()
		s.AITrainingAllowed = tt.instance
		if err := w.db.SaveInstanceSettings(w.amal.ID, s, "test", time.Now()); err != nil {
			t.Fatal(err)
		}
		u := w.amal
		u.AITraining, u.Indexable = tt.member, tt.indexable
		doc, err := w.conv.Actor(u)
		if err != nil {
			t.Fatal(err)
		}
		var o Object
		if err := json.Unmarshal(doc, &o); err != nil {
			t.Fatal(err)
		}
		last := o.Attachment[len(o.Attachment)-1]
		if o.XRobotsTag != tt.robots || o.ContentUsage != tt.usage || last.Value != tt.field {
			t.Errorf("instance %v member %q indexable %v: actor says %q, %q, field %q; want %q, %q, %q",
				tt.instance, tt.member, tt.indexable, o.XRobotsTag, o.ContentUsage, last.Value, tt.robots, tt.usage, tt.field)
		}
		p := w.post(w.amal, storage.Post{Source: "hi", HTML: "<p>hi</p>"})
		w.amal.AITraining, w.amal.Indexable = tt.member, tt.indexable
		if _, err := w.db.UpdateProfile(w.amal.ID, storage.ProfileUpdate{AITraining: tt.member, Indexable: tt.indexable}); err != nil {
			t.Fatal(err)
		}
		nd, err := w.conv.Note(p)
		if err != nil {
			t.Fatal(err)
		}
		var n Object
		if err := json.Unmarshal(nd, &n); err != nil {
			t.Fatal(err)
		}
		if n.XRobotsTag != tt.robots || n.ContentUsage != tt.usage {
			t.Errorf("instance %v member %q: note says %q, %q; want %q, %q", tt.instance, tt.member, n.XRobotsTag, n.ContentUsage, tt.robots, tt.usage)
		}
		h := make(map[string][]string)
		w.conv.ConsentFor(u).SetHeaders(h)
		if got := strings.Join(h["X-Robots-Tag"], ""); got != tt.robots {
			t.Errorf("X-Robots-Tag = %q, want %q", got, tt.robots)
		}
		if got := strings.Join(h["Content-Usage"], ""); got != tt.usage {
			t.Errorf("Content-Usage = %q, want %q", got, tt.usage)
		}
		if got := len(h["Tdm-Reservation"]) > 0; got != tt.tdmReserved {
			t.Errorf("tdm-reservation set %v, want %v", got, tt.tdmReserved)
		}
	}
}

func TestNoteGolden(t *testing.T) {
	w := newWorld(t)
	photo := w.image(w.amal, "dunes", "Dunes at sunset, long shadows")
	plain := w.image(w.amal, "cat", "")
	root := w.post(w.amal, storage.Post{Source: "Root of the thread", HTML: "<p>Root of the thread</p>"})
	tests := []struct {
		name string
		post storage.Post
	}{
		{"note-public", storage.Post{
			Source:         "Hello @bilal and @rem@far.example, #desert pictures",
			HTML:           `<p>Hello <a href="https://majlis.test/@bilal">@bilal</a> and @rem@far.example, <a href="https://majlis.test/tags/desert">#desert</a> pictures</p>`,
			ContentWarning: "bright light",
			Mentions:       []storage.ID{w.bilal.ID, w.rem.ID},
			Tags:           []string{"desert"},
			Attachments:    []storage.Attachment{photo, plain},
			Language:       "en",
		}},
		{"note-unlisted", storage.Post{Source: "quiet @rem@far.example", HTML: "<p>quiet @rem@far.example</p>", Visibility: storage.Unlisted, Mentions: []storage.ID{w.rem.ID}}},
		{"note-followers", storage.Post{Source: "for friends, cc @bilal", HTML: "<p>for friends, cc @bilal</p>", Visibility: storage.FollowersOnly, Mentions: []storage.ID{w.bilal.ID}, ContentWarning: "family"}},
		{"note-direct", storage.Post{Source: "@rem@far.example just you", HTML: "<p>@rem@far.example just you</p>", Visibility: storage.Direct, Mentions: []storage.ID{w.rem.ID}}},
		{"note-reply-remote", storage.Post{Source: "@rem@far.example agreed", HTML: "<p>@rem@far.example agreed</p>", InReplyTo: w.remPost.ID, InReplyToAuthor: w.rem.ID, Mentions: []storage.ID{w.rem.ID}}},
		{"note-reply-local", storage.Post{Source: "and more", HTML: "<p>and more</p>", InReplyTo: root.ID, InReplyToAuthor: w.amal.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := w.post(w.amal, tt.post)
			doc, err := w.conv.Note(p)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, doc)
		})
	}

	// A private post is never addressed to the public collection.
	for _, v := range []storage.Visibility{storage.FollowersOnly, storage.Direct} {
		p := w.post(w.amal, storage.Post{Source: "x", HTML: "<p>x</p>", Visibility: v, Mentions: []storage.ID{w.rem.ID}})
		doc, err := w.conv.Note(p)
		if err != nil {
			t.Fatal(err)
		}
		var o Object
		if err := json.Unmarshal(doc, &o); err != nil {
			t.Fatal(err)
		}
		if o.To.HasPublic() || o.CC.HasPublic() {
			t.Errorf("%s post addressed to the public: to %v cc %v", v, o.To, o.CC)
		}
		if v == storage.Direct && (len(o.To) != 1 || o.To[0] != w.rem.URI || len(o.CC) != 0) {
			t.Errorf("direct post: to %v cc %v, want only %s", o.To, o.CC, w.rem.URI)
		}
	}
	// A reply's thread is its root's, even two levels down.
	mid := w.post(w.amal, storage.Post{Source: "mid", HTML: "<p>mid</p>", InReplyTo: root.ID, InReplyToAuthor: w.amal.ID})
	leaf := w.post(w.amal, storage.Post{Source: "leaf", HTML: "<p>leaf</p>", InReplyTo: mid.ID, InReplyToAuthor: w.amal.ID})
	doc, err := w.conv.Note(leaf)
	if err != nil {
		t.Fatal(err)
	}
	var o Object
	json.Unmarshal(doc, &o)
	if o.InReplyTo.First() != mid.URI || o.Context.First() != root.URI || o.Conversation != root.URI {
		t.Errorf("leaf: inReplyTo %v context %v conversation %q; want %s and root %s", o.InReplyTo, o.Context, o.Conversation, mid.URI, root.URI)
	}
	if o.Source == nil || o.Source.Content != "leaf" || o.Source.MediaType != "text/markdown" {
		t.Errorf("source = %+v, want the Markdown", o.Source)
	}
}

// activityName names a queued activity's golden file.
func activityName(a storage.Activity) string {
	n := "render-" + strings.ToLower(a.Type)
	if a.Undo != "" {
		n += "-" + strings.ToLower(a.Undo)
	}
	return n
}

// Every kind of activity a member's action queues renders to what the
// golden files hold; each is queued by the real action (package social).
func TestRenderGolden(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var seen []storage.ID
	// drain renders what the last action queued, under name (once per
	// name: the first of its kind).
	drain := func(name string) {
		t.Helper()
		all, err := w.db.PendingActivities(0, 1000)
		step("PendingActivities", err)
		found := false
		for _, a := range all {
			if containsID(seen, a.ID) {
				continue
			}
			seen = append(seen, a.ID)
			found = true
			doc, err := w.conv.Render(a)
			if err != nil {
				t.Errorf("%s: Render(%s): %v", name, a.Type, err)
				continue
			}
			golden(t, name, doc)
			var o Object
			if err := json.Unmarshal(doc, &o); err != nil {
				t.Fatal(err)
			}
			if o.Type.Main() != a.Type {
				t.Errorf("%s: type %v, want %s", name, o.Type, a.Type)
			}
			keyID, key, err := w.conv.Signer(a)
			if err != nil || key == nil {
				t.Errorf("%s: Signer: %v", name, err)
			}
			wantKey := testBase + "/users/amal#main-key"
			if a.Type == storage.ActivityFlag {
				wantKey = testBase + "/actor#main-key"
			}
			if keyID != wantKey {
				t.Errorf("%s: signed by %q, want %q", name, keyID, wantKey)
			}
		}
		if !found {
			t.Errorf("%s: nothing was queued", name)
		}
	}

	e, err := w.soc.Publish(ctx, w.amal, social.Draft{Body: "A post for far away", Warning: "long", Visibility: "public"})
	step("Publish", err)
	drain("render-create")
	_, err = w.soc.Edit(ctx, w.amal, e.Post.ID, social.Draft{Body: "A post for far away, edited", Warning: "long", Visibility: "public"})
	step("Edit", err)
	drain("render-update-note")
	_, err = w.soc.UpdateProfile(ctx, w.amal, social.ProfileChange{DisplayName: "Amal A.", Bio: "Still here.", Locked: true, DefaultVisibility: storage.Public})
	step("UpdateProfile", err)
	drain("render-update-actor")
	w.amal, _ = w.db.UserByID(w.amal.ID)

	remote := w.entry(w.remPost.ID)
	_, err = w.soc.Like(ctx, w.amal, remote)
	step("Like", err)
	drain("render-like")
	_, err = w.soc.Unlike(ctx, w.amal, w.entry(w.remPost.ID))
	step("Unlike", err)
	drain("render-undo-like")
	_, err = w.soc.Repost(ctx, w.amal, w.entry(w.remPost.ID))
	step("Repost", err)
	drain("render-announce")
	_, err = w.soc.Unrepost(ctx, w.amal, w.entry(w.remPost.ID))
	step("Unrepost", err)
	drain("render-undo-announce")

	_, err = w.soc.Follow(ctx, w.amal, w.rem)
	step("Follow", err)
	drain("render-follow")
	_, err = w.soc.Unfollow(ctx, w.amal, w.rem)
	step("Unfollow", err)
	drain("render-undo-follow")

	// rem asks to follow the locked amal again (after an unfollow).
	step("Unfollow(rem)", w.db.Unfollow(w.rem.ID, w.amal.ID))
	_, err = w.db.Follow(w.rem.ID, w.amal.ID)
	step("Follow(rem)", err)
	w.conv.FollowID = func(follower, followee storage.ID) string {
		if follower == w.rem.ID && followee == w.amal.ID {
			return "https://far.example/activities/follow-1"
		}
		return ""
	}
	step("AcceptFollow", w.soc.AcceptFollow(ctx, w.amal, w.rem))
	drain("render-accept")
	step("Unfollow(rem)", w.db.Unfollow(w.rem.ID, w.amal.ID))
	_, err = w.db.Follow(w.rem.ID, w.amal.ID)
	step("Follow(rem)", err)
	w.conv.FollowID = nil
	step("RejectFollow", w.soc.RejectFollow(ctx, w.amal, w.rem))
	drain("render-reject")
	// Followers again, for what follows.
	remFollows := func() {
		t.Helper()
		_, err := w.db.Follow(w.rem.ID, w.amal.ID)
		step("Follow(rem)", err)
		step("AcceptFollowRequest", w.db.AcceptFollowRequest(w.amal.ID, w.rem.ID))
	}
	remFollows()
	if e, _ := w.db.Post(w.amal.ID, e.Post.ID); true {
		_, err = w.soc.Pin(ctx, w.amal, e)
		step("Pin", err)
		drain("render-add")
		_, err = w.soc.Unpin(ctx, w.amal, w.entry(e.Post.ID))
		step("Unpin", err)
		drain("render-remove")
	}
	step("Delete", w.soc.Delete(ctx, w.amal, e.Post.ID))
	drain("render-delete-note")

	_, err = w.soc.Report(ctx, w.amal, social.ReportDraft{TargetID: w.rem.ID, PostID: w.remPost.ID, Category: storage.ReportSpam, Comment: "Selling things in every thread."})
	step("Report", err)
	drain("render-flag")

	step("Block", w.soc.Block(ctx, w.amal, w.rem))
	drain("render-block")
	step("Unblock", w.soc.Unblock(ctx, w.amal, w.rem))
	drain("render-undo-block")

	// The account's Delete, signed with the key it kept.
	remFollows()
	_, err = w.soc.DeleteAccount(ctx, w.amal)
	step("DeleteAccount", err)
	drain("render-delete-actor")
}

func containsID(ids []storage.ID, id storage.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// An activity whose subject went before delivery is ErrGone, and is not
// rendered from stale data.
func TestRenderGone(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	e, err := w.soc.Publish(ctx, w.amal, social.Draft{Body: "soon gone", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.soc.Repost(ctx, w.amal, w.entry(w.remPost.ID))
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.soc.Unrepost(ctx, w.amal, w.entry(w.remPost.ID))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.soc.Delete(ctx, w.amal, e.Post.ID); err != nil {
		t.Fatal(err)
	}
	all, err := w.db.PendingActivities(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, a := range all {
		_, err := w.conv.Render(a)
		switch a.Type {
		case storage.ActivityCreate, storage.ActivityAnnounce:
			if !errors.Is(err, ErrGone) {
				t.Errorf("Render(%s) after its subject went: %v, want ErrGone", a.Type, err)
			}
		default:
			if err != nil {
				t.Errorf("Render(%s %s): %v", a.Type, a.Undo, err)
			}
		}
		types = append(types, a.Type)
	}
	if strings.Join(types, " ") != "Create Announce Undo Delete" {
		t.Errorf("queued %v", types)
	}
}

// A deleted account signs its Delete with the key it kept, and no key is
// made for an account that never had one.
func TestSignerOfDeletedAccount(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.soc.DeleteAccount(ctx, w.amal); err != nil {
		t.Fatal(err)
	}
	all, err := w.db.PendingActivities(0, 100)
	if err != nil || len(all) != 1 || all[0].Type != storage.ActivityDelete {
		t.Fatalf("queued %+v, %v; want the account's Delete", all, err)
	}
	keyID, key, err := w.conv.Signer(all[0])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ParsePrivateKey(testKey(t))
	if keyID != testBase+"/users/amal#main-key" || !key.Equal(want) {
		t.Errorf("deleted account signs as %q with another key", keyID)
	}
	doc, err := w.conv.Render(all[0])
	if err != nil {
		t.Fatal(err)
	}
	if m := decode(t, doc); m["actor"] != testBase+"/users/amal" || m["object"] != testBase+"/users/amal" {
		t.Errorf("account Delete: actor %v object %v", m["actor"], m["object"])
	}

	// bilal never had a key made... after deletion, none is made.
	keyless := storage.User{Username: "keyless", URI: testBase + "/users/keyless"}
	if err := w.db.CreateUser(&keyless); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.Follow(w.rem.ID, keyless.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.soc.DeleteAccount(ctx, keyless); err != nil {
		t.Fatal(err)
	}
	all, _ = w.db.PendingActivities(all[0].ID, 100)
	if len(all) != 1 {
		t.Fatalf("queued %d, want keyless's Delete", len(all))
	}
	if _, _, err := w.conv.Signer(all[0]); !errors.Is(err, ErrGone) {
		t.Errorf("Signer of a deleted account without a key: %v, want ErrGone", err)
	}
	if _, err := w.db.StoredActorKey(keyless.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a key was made for a deleted account: %v", err)
	}
}

// TestAliasesOf: only http(s) links with a host are kept of a remote
// actor's aliases and new home, once each.
func TestAliasesOf(t *testing.T) {
	o := &Object{AlsoKnownAs: IRIs{"https://a.example/users/x", "javascript://a.example/%0aalert(1)", "https://a.example/users/x", "data:text/html,x", "http://b.example/u/y", "/relative"}}
	got := aliasesOf(o)
	want := []string{"https://a.example/users/x", "http://b.example/u/y"}
	if !slices.Equal(got, want) {
		t.Errorf("aliases %q, want %q", got, want)
	}
	for in, want := range map[string]string{"https://b.example/users/y": "https://b.example/users/y", "javascript://b.example/%0a": "", "": ""} {
		if got := httpURL(in); got != want {
			t.Errorf("httpURL(%q) = %q, want %q", in, got, want)
		}
	}
}
