package storage

import (
	"errors"
	"slices"
	"testing"
)

// remoteUser stores an account of another server.
func remoteUser(t testing.TB, db *DB, name, domain string) User {
	t.Helper()
	u := User{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name, ProfileURL: "https://" + domain + "/@" + name}
	must(t, db.PutRemoteUser(&u), "PutRemoteUser(%s@%s)", name, domain)
	return u
}

// remotePost stores a post of a remote account, as the inbox would.
func remotePost(t testing.TB, db *DB, author User, opts ...postOpt) Post {
	t.Helper()
	p := newPost(db, author)
	p.Local = false
	p.URI = "https://" + author.Domain + "/notes/" + p.ID.String()
	p.URL = "https://" + author.Domain + "/@" + author.Username + "/" + p.ID.String()
	for _, o := range opts {
		o(&p)
	}
	must(t, db.CreatePost(&p), "CreatePost by %s@%s", author.Username, author.Domain)
	return p
}

func TestPolicyFor(t *testing.T) {
	db := openTestDB(t)
	admin := createUser(t, db, "admin")
	must(t, db.PutDomainBlock(admin, DomainBlock{Domain: "Bad.Example", Severity: SeveritySuspend}), "suspend")
	must(t, db.PutDomainBlock(admin, DomainBlock{Domain: "loud.example", Severity: SeverityLimit, RejectMedia: true}), "limit")
	must(t, db.PutDomainBlock(admin, DomainBlock{Domain: "pics.example", Severity: SeverityNone, RejectMedia: true}), "none")
	must(t, db.PutDomainBlock(admin, DomainBlock{Domain: "friends.example", Severity: SeverityAllow}), "allow")

	tests := []struct {
		domain                      string
		allowlist                   bool
		refused, limited, rejectMed bool
	}{
		{"bad.example", false, true, false, true},
		{"BAD.example.", false, true, false, true},
		{"sub.bad.example", false, true, false, true},
		{"deep.sub.bad.example", false, true, false, true},
		{"notbad.example", false, false, false, false},
		{"loud.example", false, false, true, true},
		{"a.loud.example", false, false, true, true},
		{"pics.example", false, false, false, true},
		{"fine.example", false, false, false, false},
		{"friends.example", false, false, false, false},
		// Allowlist mode: only listed domains (and their subdomains) pass.
		{"fine.example", true, true, false, true},
		{"friends.example", true, false, false, false},
		{"social.friends.example", true, false, false, false},
		{"loud.example", true, true, true, true},
		{"", false, true, false, true},
	}
	for _, tt := range tests {
		must(t, db.SetFederationAllowlist(admin, tt.allowlist), "allowlist")
		p, err := db.PolicyFor(tt.domain)
		if err != nil {
			t.Fatal(err)
		}
		if p.Refused != tt.refused || p.Limited != tt.limited || p.RejectMedia != tt.rejectMed {
			t.Errorf("PolicyFor(%q) allowlist=%v = refused %v limited %v reject media %v; want %v %v %v",
				tt.domain, tt.allowlist, p.Refused, p.Limited, p.RejectMedia, tt.refused, tt.limited, tt.rejectMed)
		}
	}
}

func TestRemoteUserAndKnownDomains(t *testing.T) {
	db := openTestDB(t)
	createUser(t, db, "amal")
	bob := remoteUser(t, db, "Bob", "Social.Example")
	remoteUser(t, db, "carol", "social.example")
	remoteUser(t, db, "dan", "other.example")

	got, err := db.RemoteUser("bob", "SOCIAL.example")
	if err != nil || got.ID != bob.ID {
		t.Fatalf("RemoteUser(bob, social.example) = %d, %v; want %d", got.ID, err, bob.ID)
	}
	for _, c := range [][2]string{{"amal", "social.example"}, {"bob", "other.example"}, {"bob", ""}, {"amal", ""}, {"a@b", "social.example"}} {
		if _, err := db.RemoteUser(c[0], c[1]); !errors.Is(err, ErrNotFound) {
			t.Errorf("RemoteUser(%q, %q): got %v, want ErrNotFound", c[0], c[1], err)
		}
	}
	doms, err := db.KnownDomains(0)
	if err != nil {
		t.Fatal(err)
	}
	want := []KnownDomain{{"other.example", 1}, {"social.example", 2}}
	if !slices.Equal(doms, want) {
		t.Errorf("KnownDomains = %v, want %v", doms, want)
	}
}

// TestRemoteUserWithPort: an account of a server on a port is found by
// its host with that port (its profile page, its follow form), not by
// the bare host name.
func TestRemoteUserWithPort(t *testing.T) {
	db := openTestDB(t)
	peer := remoteUser(t, db, "peer", "127.0.0.1:8081")
	for _, c := range []struct {
		domain string
		found  bool
	}{
		{"127.0.0.1:8081", true},
		{"127.0.0.1", false},
		{"127.0.0.1:8082", false},
	} {
		got, err := db.RemoteUser("peer", c.domain)
		if c.found && (err != nil || got.ID != peer.ID) {
			t.Errorf("RemoteUser(peer, %q) = %d, %v; want %d", c.domain, got.ID, err, peer.ID)
		}
		if !c.found && !errors.Is(err, ErrNotFound) {
			t.Errorf("RemoteUser(peer, %q): got %v, want ErrNotFound", c.domain, err)
		}
	}
}

// TestMemberDomainBlock: a member who blocks a domain no longer sees its
// accounts' posts in timelines, thread replies or notifications, as with
// a mute; the profile they visit still shows; unblocking brings it back;
// other members are not affected.
func TestMemberDomainBlock(t *testing.T) {
	db := openTestDB(t)
	amal, other := createUser(t, db, "amal"), createUser(t, db, "other")
	bob := remoteUser(t, db, "bob", "social.example")
	sub := remoteUser(t, db, "sub", "a.social.example")
	follow(t, db, amal, bob)
	follow(t, db, amal, sub)
	follow(t, db, other, bob)
	mine := write(t, db, amal, tagged("news"))
	bobPost := remotePost(t, db, bob, tagged("news"))
	subPost := remotePost(t, db, sub)
	reply := remotePost(t, db, bob, replyingTo(mine))
	mention := remotePost(t, db, sub, mentioning(amal))

	home := func(u User) []ID {
		tl, err := db.HomeTimeline(u.ID, Page{Limit: 50})
		must(t, err, "HomeTimeline")
		return postIDs(tl)
	}
	notes := func(u User) int {
		np, err := db.Notifications(u.ID, Page{Limit: 50})
		must(t, err, "Notifications")
		return len(np.Notes)
	}
	threadReplies := func(u User) int {
		th, err := db.Thread(u.ID, mine.ID)
		must(t, err, "Thread")
		return len(th.Replies)
	}
	tag := func(u User) []ID {
		tl, err := db.TagTimeline(u.ID, "news", Page{Limit: 50})
		must(t, err, "TagTimeline")
		return postIDs(tl)
	}
	before := home(amal)
	if !slices.Contains(before, bobPost.ID) || !slices.Contains(before, subPost.ID) {
		t.Fatalf("before the block, home = %v; want bob's and sub's posts", before)
	}
	if n := notes(amal); n != 2 {
		t.Fatalf("before the block, %d notifications, want 2 (reply, mention)", n)
	}
	unread, _ := db.UnreadNotifications(amal.ID, 10)
	if unread != 2 {
		t.Fatalf("before the block, unread = %d, want 2", unread)
	}

	must(t, db.BlockDomain(amal.ID, "social.example"), "BlockDomain")
	after := home(amal)
	for _, id := range []ID{bobPost.ID, subPost.ID, reply.ID, mention.ID} {
		if slices.Contains(after, id) {
			t.Errorf("after blocking social.example, home still shows %d", id)
		}
	}
	if !slices.Contains(after, mine.ID) {
		t.Error("after the block, amal's own post left her home")
	}
	if n := notes(amal); n != 0 {
		t.Errorf("after the block, %d notifications, want 0", n)
	}
	if n, _ := db.UnreadNotifications(amal.ID, 10); n != 0 {
		t.Errorf("after the block, unread badge = %d, want 0", n)
	}
	if n := threadReplies(amal); n != 0 {
		t.Errorf("after the block, the thread shows %d replies, want 0", n)
	}
	if got := tag(amal); !slices.Equal(got, []ID{mine.ID}) {
		t.Errorf("after the block, tag page = %v, want only %d", got, mine.ID)
	}
	prof, err := db.AuthorTimeline(amal.ID, bob.ID, false, Page{Limit: 50})
	must(t, err, "AuthorTimeline")
	if !slices.Contains(postIDs(prof), bobPost.ID) {
		t.Error("bob's profile, visited by amal, hides his posts: a domain block hides like a mute, not on the profile visited")
	}
	if got := home(other); !slices.Contains(got, bobPost.ID) {
		t.Error("another member lost bob's post from their home")
	}
	if n := threadReplies(other); n != 1 {
		t.Errorf("another member's thread shows %d replies, want 1", n)
	}

	must(t, db.UnblockDomain(amal.ID, "social.example"), "UnblockDomain")
	if got := home(amal); !slices.Contains(got, bobPost.ID) {
		t.Error("after unblocking, bob's post is still hidden")
	}
}

// TestLimitedAndSuspendedDomains: a limited server's posts reach only
// the author's followers and those they mention; a suspended server's
// posts reach nobody, followers included. Local posts are untouched.
func TestLimitedAndSuspendedDomains(t *testing.T) {
	db := openTestDB(t)
	admin, fan, stranger, named := createUser(t, db, "admin"), createUser(t, db, "fan"), createUser(t, db, "stranger"), createUser(t, db, "named")
	loud := remoteUser(t, db, "loud", "loud.example")
	follow(t, db, fan, loud)
	post := remotePost(t, db, loud, tagged("news"))
	toNamed := remotePost(t, db, loud, mentioning(named), tagged("news"))
	local := write(t, db, admin, tagged("news"))
	must(t, db.PutDomainBlock(admin, DomainBlock{Domain: "loud.example", Severity: SeverityLimit}), "limit")

	tag := func(viewer ID) []ID {
		tl, err := db.TagTimeline(viewer, "news", Page{Limit: 50})
		must(t, err, "TagTimeline")
		return postIDs(tl)
	}
	profile := func(viewer ID) []ID {
		tl, err := db.AuthorTimeline(viewer, loud.ID, false, Page{Limit: 50})
		must(t, err, "AuthorTimeline")
		return postIDs(tl)
	}
	tests := []struct {
		name   string
		viewer ID
		want   []ID
	}{
		{"visitor", 0, []ID{local.ID}},
		{"stranger", stranger.ID, []ID{local.ID}},
		{"mentioned", named.ID, []ID{local.ID, toNamed.ID}},
		{"follower", fan.ID, []ID{local.ID, toNamed.ID, post.ID}},
	}
	for _, tt := range tests {
		if got := tag(tt.viewer); !slices.Equal(got, tt.want) {
			t.Errorf("limited, %s: tag page = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := profile(0); len(got) != 0 {
		t.Errorf("limited: a visitor sees %v on the profile, want nothing", got)
	}
	if got := profile(fan.ID); len(got) != 2 {
		t.Errorf("limited: the follower sees %v on the profile, want both posts", got)
	}
	if _, err := db.Post(stranger.ID, post.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("limited: a stranger opens the post: %v, want ErrNotFound", err)
	}

	must(t, db.PutDomainBlock(admin, DomainBlock{Domain: "loud.example", Severity: SeveritySuspend}), "suspend")
	for _, tt := range tests {
		if got := tag(tt.viewer); !slices.Equal(got, []ID{local.ID}) {
			t.Errorf("suspended, %s: tag page = %v, want only the local post", tt.name, got)
		}
	}
	if home, _ := db.HomeTimeline(fan.ID, Page{Limit: 50}); len(home.Entries) != 0 {
		t.Errorf("suspended: the follower's home shows %v", postIDs(home))
	}
}

// A decision about a server holds whatever port its addresses name: a
// suspended bad.example is suspended at bad.example:443 and :8443 too,
// for the instance and for a member who blocked it.
func TestDomainDecisionsIgnorePorts(t *testing.T) {
	db := openTestDB(t)
	admin := createUser(t, db, "admin")
	if err := db.PutDomainBlock(admin, DomainBlock{Domain: "bad.example", Severity: SeveritySuspend}); err != nil {
		t.Fatal(err)
	}
	if err := db.BlockDomain(admin.ID, "noisy.example"); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"bad.example:443", "BAD.example:8443", "sub.bad.example:80"} {
		if p, err := db.PolicyFor(host); err != nil || !p.Refused {
			t.Errorf("PolicyFor(%q): refused %t, %v; want refused", host, p.Refused, err)
		}
	}
	if yes, err := db.BlocksDomain(admin.ID, "noisy.example:8443"); err != nil || !yes {
		t.Errorf("BlocksDomain with a port: %t, %v; want true", yes, err)
	}
	if p, _ := db.PolicyFor("good.example:443"); p.Refused {
		t.Error("an unblocked server with a port is refused")
	}
}
