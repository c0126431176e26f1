package storage

import (
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// putRemoteAt stores a remote account with its inbox and, when shared is
// not "", a shared inbox.
func putRemoteAt(t testing.TB, db *DB, name, domain, shared string) User {
	t.Helper()
	u := User{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name,
		Inbox: "https://" + domain + "/users/" + name + "/inbox", SharedInbox: shared}
	must(t, db.PutRemoteUser(&u), "PutRemoteUser(%s@%s)", name, domain)
	return u
}

// inboxURLs lists the URLs of inboxes, sorted.
func inboxURLs(in []Inbox) []string {
	var out []string
	for _, i := range in {
		out = append(out, i.URL)
	}
	sort.Strings(out)
	return out
}

// queue stores an activity in the outbox as an action would.
func queue(t testing.TB, db *DB, a Activity) Activity {
	t.Helper()
	acts := []Activity{a}
	must(t, db.stampActivities(acts), "stampActivities")
	must(t, db.bolt.Update(func(tx *bolt.Tx) error { return recordOutgoing(tx, acts) }), "recordOutgoing")
	return acts[0]
}

// Each activity reaches the inboxes of those it concerns, one URL per
// shared inbox, never a local account, never a suspended domain, and a
// post only those its visibility lets read it.
func TestDeliveryTargets(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	const sharedA = "https://a.example/inbox"
	f1 := putRemoteAt(t, db, "f1", "a.example", sharedA)
	f2 := putRemoteAt(t, db, "f2", "a.example", sharedA)
	f3 := putRemoteAt(t, db, "f3", "b.example", "")
	m1 := putRemoteAt(t, db, "m1", "c.example", "https://c.example/inbox")
	r1 := putRemoteAt(t, db, "r1", "d.example", "https://d.example/inbox")
	x := putRemoteAt(t, db, "x", "evil.example", "https://evil.example/inbox")
	for _, u := range []User{f1, f2, f3, x, bilal} {
		follow(t, db, u, amal)
	}
	must(t, db.PutDomainBlock(amal, DomainBlock{Domain: "evil.example", Severity: SeveritySuspend}), "PutDomainBlock")
	parent := write(t, db, r1, saying("a question"))
	const (
		inA, inB, inC, inD = sharedA, "https://b.example/users/f3/inbox", "https://c.example/inbox", "https://d.example/inbox"
	)
	post := func(v Visibility) Post {
		return write(t, db, amal, withVis(v), replyingTo(parent), mentioning(m1, bilal))
	}
	public, followers, direct := post(Public), post(FollowersOnly), post(Direct)
	tests := []struct {
		name string
		a    Activity
		want []string
	}{
		{"public reply", Activity{Type: ActivityCreate, ActorID: amal.ID, PostID: public.ID}, []string{inA, inB, inC, inD}},
		{"unlisted edit", Activity{Type: ActivityUpdate, ActorID: amal.ID, PostID: post(Unlisted).ID}, []string{inA, inB, inC, inD}},
		{"followers-only reply: not the author answered", Activity{Type: ActivityCreate, ActorID: amal.ID, PostID: followers.ID}, []string{inA, inB, inC}},
		{"direct reply: only the mentioned", Activity{Type: ActivityCreate, ActorID: amal.ID, PostID: direct.ID}, []string{inC}},
		{"like", Activity{Type: ActivityLike, ActorID: amal.ID, PostID: parent.ID}, []string{inD}},
		{"undo like", Activity{Type: ActivityUndo, Undo: ActivityLike, ActorID: amal.ID, PostID: parent.ID}, []string{inD}},
		{"announce", Activity{Type: ActivityAnnounce, ActorID: amal.ID, PostID: parent.ID}, []string{inA, inB, inD}},
		{"follow", Activity{Type: ActivityFollow, ActorID: amal.ID, TargetID: m1.ID}, []string{inC}},
		{"undo block", Activity{Type: ActivityUndo, Undo: ActivityBlock, ActorID: amal.ID, TargetID: r1.ID}, []string{inD}},
		{"follow of a local account", Activity{Type: ActivityFollow, ActorID: amal.ID, TargetID: bilal.ID}, nil},
		{"profile update", Activity{Type: ActivityUpdate, ActorID: amal.ID}, []string{inA, inB}},
		{"pin", Activity{Type: ActivityAdd, ActorID: amal.ID, PostID: public.ID}, []string{inA, inB}},
		{"flag", Activity{Type: ActivityFlag, TargetID: r1.ID, PostID: parent.ID}, []string{inD}},
		{"flag of a suspended domain", Activity{Type: ActivityFlag, TargetID: x.ID}, nil},
		{"a post that is gone: those addressed", Activity{Type: ActivityDelete, ActorID: amal.ID, PostID: 12345, To: []ID{m1.ID, bilal.ID}}, []string{inC}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.DeliveryTargets(tt.a)
			must(t, err, "DeliveryTargets")
			if g := inboxURLs(got); !slices.Equal(g, tt.want) {
				t.Errorf("got %v, want %v", g, tt.want)
			}
			for _, in := range got {
				if in.Host != HostOf(in.URL) {
					t.Errorf("inbox %s: host %q, want %q", in.URL, in.Host, HostOf(in.URL))
				}
			}
		})
	}

	// A member who blocked a domain sends it nothing, except the Delete
	// of their account.
	must(t, db.BlockDomain(amal.ID, "b.example"), "BlockDomain")
	got, _ := db.DeliveryTargets(Activity{Type: ActivityCreate, ActorID: amal.ID, PostID: public.ID})
	if g := inboxURLs(got); !slices.Equal(g, []string{inA, inC, inD}) {
		t.Errorf("with b.example blocked by amal: got %v", g)
	}
	got, _ = db.DeliveryTargets(Activity{Type: ActivityDelete, ActorID: amal.ID, TargetID: amal.ID})
	if g := inboxURLs(got); !slices.Equal(g, []string{inA, inB}) {
		t.Errorf("the Delete of amal: got %v, want her followers' inboxes", g)
	}
}

func TestHostOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://Social.Example/inbox":     "social.example",
		"https://social.example:443/inbox": "social.example",
		"http://127.0.0.1:8080/inbox":      "127.0.0.1:8080",
		"http://example.org:80/x":          "example.org",
		"https://example.org.:8443/":       "example.org:8443",
		"/inbox":                           "",
		"::":                               "",
	} {
		if got := HostOf(in); got != want {
			t.Errorf("HostOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// deliveryWorld: amal has two remote followers on two hosts and one
// queued Create.
type deliveryWorld struct {
	db    *DB
	clock *fakeClock
	amal  User
	a, b  User
	act   Activity
}

func newDeliveryWorld(t *testing.T) *deliveryWorld {
	t.Helper()
	clock := newFakeClock()
	db := openTestDBWith(t, t.TempDir()+"/majlis.db", Options{Now: clock.Now})
	w := &deliveryWorld{db: db, clock: clock, amal: createUser(t, db, "amal")}
	w.a = putRemoteAt(t, db, "a", "a.example", "https://a.example/inbox")
	w.b = putRemoteAt(t, db, "b", "b.example", "https://b.example/inbox")
	follow(t, db, w.a, w.amal)
	follow(t, db, w.b, w.amal)
	w.act = w.create(t)
	return w
}

func (w *deliveryWorld) create(t *testing.T) Activity {
	t.Helper()
	p := newPost(w.db, w.amal)
	acts := []Activity{{Type: ActivityCreate, ActorID: w.amal.ID, PostID: p.ID, Object: p.URI}}
	must(t, w.db.CreatePost(&p, acts...), "CreatePost")
	return acts[0]
}

func (w *deliveryWorld) fanOut(t *testing.T, a Activity) {
	t.Helper()
	in, err := w.db.DeliveryTargets(a)
	must(t, err, "DeliveryTargets")
	must(t, w.db.StartDelivery(a.ID, in), "StartDelivery")
}

func (w *deliveryWorld) due(t *testing.T) []Delivery {
	t.Helper()
	ds, err := w.db.DueDeliveries(w.clock.Now(), 0)
	must(t, err, "DueDeliveries")
	return ds
}

func deliveryHosts(ds []Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Host)
	}
	return out
}

// An activity is fanned out once; its deliveries leave one by one, and
// the activity leaves the outbox with the last.
func TestDeliveryLifecycle(t *testing.T) {
	w := newDeliveryWorld(t)
	db := w.db
	if un, _ := db.UnstartedActivities(0, 0); len(un) != 1 || un[0].ID != w.act.ID {
		t.Fatalf("UnstartedActivities before the fan-out: got %+v, want the Create", un)
	}
	w.fanOut(t, w.act)
	w.fanOut(t, w.act) // again: nothing changes
	must(t, db.StartDelivery(w.act.ID, []Inbox{{URL: "https://c.example/inbox"}}), "StartDelivery after the fan-out")
	if un, _ := db.UnstartedActivities(0, 0); len(un) != 0 {
		t.Errorf("UnstartedActivities after the fan-out: got %+v, want none", un)
	}
	ds := w.due(t)
	if got := deliveryHosts(ds); !slices.Equal(got, []string{"a.example", "b.example"}) {
		t.Fatalf("due: got %v, want a.example and b.example", got)
	}
	checkClean(t, db, "after the fan-out")

	// b fails: due again later, with its error.
	next := w.clock.Now().Add(time.Minute)
	must(t, db.DeliveryFailed(ds[1], "503 Service Unavailable", true, next), "DeliveryFailed")
	if got := deliveryHosts(w.due(t)); !slices.Equal(got, []string{"a.example"}) {
		t.Errorf("due after b failed: got %v, want a.example", got)
	}
	if at, _ := db.NextDeliveryAt(w.clock.Now()); !at.Equal(next) {
		t.Errorf("NextDeliveryAt: got %v, want %v", at, next)
	}
	must(t, db.DeliverySucceeded(ds[0]), "DeliverySucceeded")
	wantErr(t, db.DeliverySucceeded(ds[0]), ErrNotFound, "DeliverySucceeded twice")
	st, err := db.DeliveryStats()
	must(t, err, "DeliveryStats")
	if st != (DeliveryStats{PendingActivities: 1, PendingDeliveries: 1, FailingHosts: 1}) {
		t.Errorf("DeliveryStats: got %+v", st)
	}
	w.clock.Advance(time.Minute)
	ds = w.due(t)
	if len(ds) != 1 || ds[0].Attempts != 1 || ds[0].LastError != "503 Service Unavailable" {
		t.Fatalf("due a minute later: got %+v, want b with 1 attempt and its error", ds)
	}
	checkClean(t, db, "with a retry pending")
	must(t, db.DeliverySucceeded(ds[0]), "DeliverySucceeded")
	if n, _ := db.CountPendingActivities(); n != 0 {
		t.Errorf("after the last delivery: %d activities queued, want 0", n)
	}
	hb, err := db.HostStateOf("b.example")
	if err != nil || hb.Delivered != 1 || hb.Failed != 1 || len(hb.FailDays) != 0 || hb.LastSuccess.IsZero() {
		t.Errorf("host b.example: got %+v, %v", hb, err)
	}
	checkClean(t, db, "drained")

	// Given up (a 4xx; the last attempt): gone, and the activity with it.
	a2 := w.create(t)
	w.fanOut(t, a2)
	ds = w.due(t)
	must(t, db.DeliveryFailed(ds[0], "404 Not Found", false, time.Time{}), "DeliveryFailed, no retry")
	must(t, db.DeliveryFailed(ds[1], "timeout", true, time.Time{}), "DeliveryFailed, last attempt")
	if n, _ := db.CountPendingActivities(); n != 0 {
		t.Errorf("after both were given up: %d activities queued, want 0", n)
	}
	if ha, _ := db.HostStateOf("a.example"); len(ha.FailDays) != 0 {
		t.Errorf("a.example answered 404: got fail days %v, want none", ha.FailDays)
	}
	if hb, _ := db.HostStateOf("b.example"); len(hb.FailDays) != 1 {
		t.Errorf("b.example timed out: got fail days %v, want one", hb.FailDays)
	}

	// An activity with nowhere to go leaves at its fan-out.
	a3 := w.create(t)
	must(t, db.StartDelivery(a3.ID, nil), "StartDelivery with no inbox")
	if _, err := db.QueuedActivity(a3.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("an activity with no inbox: got %v, want it gone", err)
	}

	// FinishActivity (a rendering that no longer applies) takes the
	// deliveries with it.
	a4 := w.create(t)
	w.fanOut(t, a4)
	must(t, db.FinishActivity(a4.ID), "FinishActivity")
	if ds := w.due(t); len(ds) != 0 {
		t.Errorf("after FinishActivity: %d deliveries left", len(ds))
	}
	checkClean(t, db, "at the end")
}

// A host that fails on three different days is unavailable: what waits
// for it is dropped and nothing new goes there, until it sends something
// (MarkHostSeen) or an admin retries it.
func TestHostUnavailable(t *testing.T) {
	w := newDeliveryWorld(t)
	db := w.db
	fail := func() {
		t.Helper()
		for _, d := range w.due(t) {
			if d.Host == "b.example" {
				must(t, db.DeliveryFailed(d, "connection refused", true, w.clock.Now().Add(time.Hour)), "DeliveryFailed")
			}
		}
	}
	w.fanOut(t, w.act)
	fail()
	w.clock.Advance(2 * time.Hour) // same day
	fail()
	if h, _ := db.HostStateOf("b.example"); len(h.FailDays) != 1 || h.Unavailable {
		t.Fatalf("two failures on one day: got %+v", h)
	}
	for range 2 {
		w.clock.Advance(24 * time.Hour)
		fail()
	}
	h, _ := db.HostStateOf("b.example")
	if !h.Unavailable || len(h.FailDays) != HostFailDays {
		t.Fatalf("failures on three days: got %+v, want unavailable", h)
	}
	if got, _ := db.PendingDeliveriesFor("b.example", 0); len(got) != 0 {
		t.Errorf("deliveries to an unavailable host were kept: %+v", got)
	}
	if st, _ := db.DeliveryStats(); st.UnavailableHosts != 1 {
		t.Errorf("DeliveryStats: got %+v, want one unavailable host", st)
	}
	checkClean(t, db, "with an unavailable host")

	a2 := w.create(t)
	w.fanOut(t, a2)
	if got := deliveryHosts(w.due(t)); slices.Contains(got, "b.example") {
		t.Errorf("a new activity was queued for an unavailable host: %v", got)
	}
	must(t, db.MarkHostSeen("B.example"), "MarkHostSeen")
	if h, _ := db.HostStateOf("b.example"); h.Unavailable || len(h.FailDays) != 0 || h.LastSeen.IsZero() {
		t.Errorf("after MarkHostSeen: got %+v", h)
	}
	a3 := w.create(t)
	w.fanOut(t, a3)
	if got, _ := db.PendingDeliveriesFor("b.example", 0); len(got) != 1 || got[0].ActivityID != a3.ID {
		t.Errorf("after MarkHostSeen: got %+v, want the new activity", got)
	}

	// Retry now: every delivery for the host due now.
	for _, d := range w.due(t) {
		if d.Host == "b.example" {
			must(t, db.DeliveryFailed(d, "503", true, w.clock.Now().Add(8*time.Hour)), "DeliveryFailed")
		}
	}
	if slices.Contains(deliveryHosts(w.due(t)), "b.example") {
		t.Fatal("b.example due before RetryHostNow")
	}
	must(t, db.RetryHostNow("b.example"), "RetryHostNow")
	if !slices.Contains(deliveryHosts(w.due(t)), "b.example") {
		t.Error("b.example not due after RetryHostNow")
	}
	wantErr(t, db.RetryHostNow("nowhere.example"), ErrNotFound, "RetryHostNow of an unknown host")
	must(t, db.MarkHostSeen("a.example"), "MarkHostSeen") // a host known only for what it sent
	hosts, err := db.Hosts("", 0)
	must(t, err, "Hosts")
	var names []string
	for _, h := range hosts {
		names = append(names, h.Domain)
	}
	if !slices.Equal(names, []string{"a.example", "b.example"}) {
		t.Errorf("Hosts: got %v", names)
	}
	if hosts, _ := db.Hosts("a.example", 1); len(hosts) != 1 || hosts[0].Domain != "b.example" {
		t.Errorf("Hosts after a.example: got %+v", hosts)
	}
	checkClean(t, db, "at the end")
}

// Deleting an account fans its Delete out in the same transaction (its
// follows are gone after it); its key and tombstone stay until that has
// drained, then go. With nothing queued the key goes with the account.
func TestAccountDeleteDelivery(t *testing.T) {
	w := newDeliveryWorld(t)
	db := w.db
	must(t, db.FinishActivity(w.act.ID), "FinishActivity")
	gen := func() ([]byte, error) { return []byte("-----KEY-----"), nil }
	_, err := db.ActorKey(w.amal.ID, gen)
	must(t, err, "ActorKey")
	del := []Activity{{Type: ActivityDelete, ActorID: w.amal.ID, Object: w.amal.URI, TargetID: w.amal.ID}}
	must(t, db.DeleteUser(w.amal.ID, true, del...), "DeleteUser")
	ds := w.due(t)
	if got := deliveryHosts(ds); !slices.Equal(got, []string{"a.example", "b.example"}) {
		t.Fatalf("the Delete's deliveries: got %v, want both followers' hosts", got)
	}
	if _, err := db.StoredActorKey(w.amal.ID); err != nil {
		t.Errorf("the key went before the Delete was delivered: %v", err)
	}
	checkClean(t, db, "with the Delete pending")
	for _, d := range ds {
		must(t, db.DeliverySucceeded(d), "DeliverySucceeded")
	}
	if _, err := db.TombstoneOf(w.amal.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("tombstone after the Delete drained: got %v, want ErrNotFound", err)
	}
	if _, err := db.StoredActorKey(w.amal.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("key after the Delete drained: got %v, want ErrNotFound", err)
	}
	checkClean(t, db, "drained")

	bilal := createUser(t, db, "bilal")
	_, err = db.ActorKey(bilal.ID, gen)
	must(t, err, "ActorKey")
	must(t, db.DeleteUser(bilal.ID, true, Activity{Type: ActivityDelete, ActorID: bilal.ID, Object: bilal.URI, TargetID: bilal.ID}), "DeleteUser")
	if _, err := db.StoredActorKey(bilal.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("key of an account with nothing queued: got %v, want ErrNotFound", err)
	}
	checkClean(t, db, "at the end")
}

// The check finds deliveries and keys that disagree with the records.
func TestCheckDeliveries(t *testing.T) {
	w := newDeliveryWorld(t)
	w.fanOut(t, w.act)
	checkClean(t, w.db, "before")
	tests := []struct {
		name   string
		breaks func(tx *bolt.Tx) error
	}{
		{"a delivery without its activity", func(tx *bolt.Tx) error { return tx.Bucket(bucketOutbox).Delete(idKey(w.act.ID)) }},
		{"a lost due entry", func(tx *bolt.Tx) error {
			k, _ := tx.Bucket(bucketDeliveries).Cursor().Seek([]byte{delDue})
			return tx.Bucket(bucketDeliveries).Delete(k)
		}},
		{"a key of nobody", func(tx *bolt.Tx) error { return tx.Bucket(bucketActorKeys).Put(idKey(12345), []byte("k")) }},
		{"a delivery to an unavailable host", func(tx *bolt.Tx) error {
			return updateHost(tx, "a.example", func(h *HostState) { h.Unavailable = true })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.db.bolt.Update(func(tx *bolt.Tx) error {
				if err := tt.breaks(tx); err != nil {
					return err
				}
				if errs := checkRecords(tx); len(errs) == 0 {
					t.Error("the check found nothing")
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
		})
	}
}

// OnOutbox's functions run after a commit that queued something, not for
// one that did not, and still after a compaction swapped the file.
func TestOnOutbox(t *testing.T) {
	w := newDeliveryWorld(t)
	calls := 0
	stop := w.db.OnOutbox(func() { calls++ })
	w.create(t)
	if calls != 1 {
		t.Errorf("after a queued Create: %d calls, want 1", calls)
	}
	createPost(t, w.db, createUser(t, w.db, "bilal")) // no remote audience
	if calls != 1 {
		t.Errorf("after a post with no remote audience: %d calls, want 1", calls)
	}
	_, err := w.db.Compact()
	must(t, err, "Compact")
	w.create(t)
	if calls != 2 {
		t.Errorf("after a compaction: %d calls, want 2", calls)
	}
	stop()
	w.create(t)
	if calls != 2 {
		t.Errorf("after unregistering: %d calls, want 2", calls)
	}
}
