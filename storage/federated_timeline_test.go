package storage

import "testing"

// The federated timeline holds the public top-level posts known here,
// from this instance and from others; remoteOnly leaves this instance's
// out; a limited server's posts stay away from those who do not follow
// its accounts, and a deleted post leaves the index.
func TestFederatedTimeline(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	reader := createUser(t, db, "reader")
	far := User{Username: "far", Domain: "far.example", URI: "https://far.example/users/far"}
	limited := User{Username: "lim", Domain: "lim.example", URI: "https://lim.example/users/lim"}
	for _, u := range []*User{&far, &limited} {
		if err := db.PutRemoteUser(u); err != nil {
			t.Fatal(err)
		}
	}
	remote := func(author User, v Visibility) Post {
		id := db.NewID()
		p := Post{ID: id, AuthorID: author.ID, URI: author.URI + "/statuses/" + id.String(), HTML: "<p>x</p>", Visibility: v}
		if err := db.CreatePost(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	here := write(t, db, amal)
	reply := write(t, db, amal, replyingTo(here))
	unlisted := write(t, db, amal, withVis(Unlisted))
	farPublic := remote(far, Public)
	farFollowers := remote(far, FollowersOnly)
	limPublic := remote(limited, Public)
	if err := db.PutDomainBlock(amal, DomainBlock{Domain: "lim.example", Severity: SeverityLimit}); err != nil {
		t.Fatal(err)
	}
	get := func(viewer ID, remoteOnly bool) []Entry {
		return walkEntries(t, func(p Page) (Timeline, error) { return db.FederatedTimeline(viewer, remoteOnly, p) }, 2)
	}
	all := get(reader.ID, false)
	for _, tc := range []struct {
		name string
		id   ID
		want bool
	}{
		{"a public post here", here.ID, true},
		{"a public post elsewhere", farPublic.ID, true},
		{"a reply", reply.ID, false},
		{"an unlisted post", unlisted.ID, false},
		{"a followers-only post elsewhere", farFollowers.ID, false},
		{"a limited server's post, to a non-follower", limPublic.ID, false},
	} {
		if hasPost(all, tc.id) != tc.want {
			t.Errorf("%s: on the federated timeline %t, want %t", tc.name, !tc.want, tc.want)
		}
	}
	if es := get(reader.ID, true); hasPost(es, here.ID) || !hasPost(es, farPublic.ID) {
		t.Errorf("remote only: %v", ids(es))
	}
	if _, err := db.Follow(reader.ID, limited.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptRemoteFollow(limited.ID, reader.ID); err != nil {
		t.Fatal(err)
	}
	if !hasPost(get(reader.ID, false), limPublic.ID) {
		t.Error("a limited server's post is hidden from a follower of its author")
	}
	if err := db.DeletePost(farPublic.ID); err != nil {
		t.Fatal(err)
	}
	if hasKey(t, db, bucketPublicPosts, idKey(farPublic.ID)) {
		t.Error("a deleted post stays in the federated timeline's index")
	}
}
