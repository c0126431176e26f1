package storage

import (
	"errors"
	"slices"
	"testing"
)

func lock(t testing.TB, db *DB, u User) {
	t.Helper()
	_, err := db.UpdateProfile(u.ID, ProfileUpdate{Locked: true})
	must(t, err, "lock %s", u.Username)
}

func userIDs(l UserList, err error) []ID {
	out := []ID{}
	for _, u := range l.Users {
		out = append(out, u.ID)
	}
	return out
}

func TestBlockEndsRelations(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	carim := createUser(t, db, "carim")
	dina := createUser(t, db, "dina")
	erin := createUser(t, db, "erin")
	// amal and bilal follow each other; carim follows both.
	follow(t, db, amal, bilal)
	follow(t, db, bilal, amal)
	follow(t, db, carim, amal)
	follow(t, db, carim, bilal)
	// dina and erin are locked and have asked to follow each other.
	lock(t, db, dina)
	lock(t, db, erin)
	follow(t, db, dina, erin)
	follow(t, db, erin, dina)

	block(t, db, amal, bilal)
	block(t, db, erin, dina)

	t.Run("follows end both ways, with counts", func(t *testing.T) {
		for _, pair := range [][2]User{{amal, bilal}, {bilal, amal}} {
			if ok, _ := db.IsFollowing(pair[0].ID, pair[1].ID); ok {
				t.Errorf("%s still follows %s", pair[0].Username, pair[1].Username)
			}
		}
		for _, tt := range []struct {
			u    User
			want counts
		}{
			{amal, counts{followers: 1}},
			{bilal, counts{followers: 1}},
			{carim, counts{following: 2}},
		} {
			if got := countsOf(t, db, tt.u.ID); got != tt.want {
				t.Errorf("%s: got counts %+v, want %+v", tt.u.Username, got, tt.want)
			}
		}
		if got := userIDs(db.Followers(amal.ID, Page{})); !slices.Equal(got, []ID{carim.ID}) {
			t.Errorf("amal's followers: got %v, want carim only", got)
		}
		if got := userIDs(db.Following(bilal.ID, Page{})); len(got) != 0 {
			t.Errorf("bilal's following: got %v, want none", got)
		}
	})

	t.Run("pending requests end both ways", func(t *testing.T) {
		for _, u := range []User{dina, erin} {
			if got := userIDs(db.FollowRequests(u.ID, Page{})); len(got) != 0 {
				t.Errorf("%s's requests: got %v, want none", u.Username, got)
			}
			if got := allNotes(t, db, u.ID, 10); len(got) != 0 {
				t.Errorf("%s's notifications: got %+v, want none", u.Username, summarize(got))
			}
		}
		for _, pair := range [][2]User{{dina, erin}, {erin, dina}} {
			r, err := db.RelationshipOf(pair[0].ID, pair[1].ID)
			must(t, err, "RelationshipOf")
			if r.Requested || r.Following {
				t.Errorf("%s -> %s: got %+v, want no request, no follow", pair[0].Username, pair[1].Username, r)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		wantErr(t, db.Block(amal.ID, bilal.ID), ErrExists, "Block twice")
		wantErr(t, db.Block(amal.ID, amal.ID), ErrInvalid, "Block self")
		wantErr(t, db.Block(amal.ID, db.NewID()), ErrNotFound, "Block unknown")
		wantErr(t, db.Unblock(bilal.ID, amal.ID), ErrNotFound, "Unblock by the blocked")
	})

	t.Run("unblock restores nothing", func(t *testing.T) {
		must(t, db.Unblock(amal.ID, bilal.ID), "Unblock")
		wantErr(t, db.Unblock(amal.ID, bilal.ID), ErrNotFound, "Unblock twice")
		for _, pair := range [][2]User{{amal, bilal}, {bilal, amal}} {
			if ok, _ := db.IsFollowing(pair[0].ID, pair[1].ID); ok {
				t.Errorf("%s follows %s again after unblock, want the follow to stay ended", pair[0].Username, pair[1].Username)
			}
		}
		if got := countsOf(t, db, amal.ID); got != (counts{followers: 1}) {
			t.Errorf("amal: got counts %+v, want followers 1", got)
		}
		st, err := db.Follow(bilal.ID, amal.ID)
		if err != nil || st != Followed {
			t.Errorf("Follow after unblock = %v, %v; want Followed, nil", st, err)
		}
	})
}

// Neither side of a block can follow, like, repost, bookmark, reply to or
// mention the other; each attempt is ErrForbidden and changes nothing.
func TestBlockForbids(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	byAmal := write(t, db, amal)
	byBilal := write(t, db, bilal)
	block(t, db, amal, bilal)
	sides := []struct {
		name       string
		actor      User
		target     User
		targetPost Post
	}{
		{"blocked acts on blocker", bilal, amal, byAmal},
		{"blocker acts on blocked", amal, bilal, byBilal},
	}
	for _, s := range sides {
		actions := []struct {
			name string
			do   func() error
		}{
			{"follow", func() error { return followErr(db, s.actor.ID, s.target.ID) }},
			{"like", func() error { _, err := db.Like(s.actor.ID, s.targetPost.ID); return err }},
			{"repost", func() error { _, err := db.Repost(s.actor.ID, s.targetPost.ID, testURI); return err }},
			{"bookmark", func() error { return db.Bookmark(s.actor.ID, s.targetPost.ID) }},
			{"reply", func() error { _, err := tryWrite(db, s.actor, replyingTo(s.targetPost)); return err }},
			{"mention", func() error { _, err := tryWrite(db, s.actor, mentioning(s.target)); return err }},
			{"mention among others", func() error {
				other := createUser(t, db, "other"+s.actor.Username)
				_, err := tryWrite(db, s.actor, mentioning(other, s.target))
				return err
			}},
		}
		for _, a := range actions {
			t.Run(s.name+"/"+a.name, func(t *testing.T) {
				before := countsOf(t, db, s.actor.ID)
				wantErr(t, a.do(), ErrForbidden, "%s", a.name)
				if got := countsOf(t, db, s.actor.ID); got != before {
					t.Errorf("actor counts: got %+v, want %+v unchanged", got, before)
				}
				if p := postOf(t, db, s.targetPost); p.Likes != 0 || p.Reposts != 0 || p.Replies != 0 {
					t.Errorf("target post: got likes %d reposts %d replies %d, want 0", p.Likes, p.Reposts, p.Replies)
				}
				if n := allNotes(t, db, s.target.ID, 10); len(n) != 0 {
					t.Errorf("target told %+v, want nothing", summarize(n))
				}
			})
		}
	}
}

func TestMute(t *testing.T) {
	db := openTestDB(t)
	viewer := createUser(t, db, "viewer")
	muted := createUser(t, db, "muted")
	other := createUser(t, db, "other")
	follow(t, db, viewer, muted)
	follow(t, db, viewer, other)
	follow(t, db, muted, viewer)
	byOther := write(t, db, other, tagged("t"))
	byMuted := write(t, db, muted, tagged("t"))
	repost(t, db, other, byMuted.ID)
	repost(t, db, muted, byOther.ID)
	byViewer := write(t, db, viewer, tagged("t"))
	mute(t, db, viewer, muted)

	type view struct {
		name string
		get  func(Page) (Timeline, error)
		// want are the entries, as "post" or "post<reposter".
		want []string
	}
	names := map[ID]string{byOther.ID: "other", byMuted.ID: "muted", byViewer.ID: "viewer"}
	describe := func(es []Entry) []string {
		out := []string{}
		for _, e := range es {
			s := names[e.Post.ID]
			if e.RepostedBy != nil {
				s += "<" + e.RepostedBy.Username
			}
			out = append(out, s)
		}
		return out
	}
	check := func(t *testing.T, views []view) {
		t.Helper()
		for _, v := range views {
			if got := describe(walkEntries(t, v.get, 2)); !slices.Equal(got, v.want) {
				t.Errorf("%s: got %v, want %v", v.name, got, v.want)
			}
		}
	}
	t.Run("muted", func(t *testing.T) {
		check(t, []view{
			// muted's repost of other's post hides; other's own post then
			// shows in its place.
			{"viewer's home", func(p Page) (Timeline, error) { return db.HomeTimeline(viewer.ID, p) }, []string{"viewer", "other"}},
			{"viewer's local", func(p Page) (Timeline, error) { return db.LocalTimeline(viewer.ID, p) }, []string{"viewer", "other"}},
			{"viewer's tag page", func(p Page) (Timeline, error) { return db.TagTimeline(viewer.ID, "t", p) }, []string{"viewer", "other"}},
			// The muted account's own profile still shows everything they
			// posted and reposted: the viewer came to look.
			{"muted's profile for the viewer", func(p Page) (Timeline, error) { return db.AuthorTimeline(viewer.ID, muted.ID, false, p) }, []string{"other<muted", "muted"}},
			// Another profile does not show a repost of the muted account.
			{"other's profile for the viewer", func(p Page) (Timeline, error) { return db.AuthorTimeline(viewer.ID, other.ID, false, p) }, []string{"other"}},
			// The muted account notices nothing.
			{"muted's home", func(p Page) (Timeline, error) { return db.HomeTimeline(muted.ID, p) }, []string{"viewer", "other<muted", "muted"}},
			{"muted's local", func(p Page) (Timeline, error) { return db.LocalTimeline(muted.ID, p) }, []string{"viewer", "muted", "other"}},
		})
		if _, err := db.Post(viewer.ID, byMuted.ID); err != nil {
			t.Errorf("Post(muted's post) for the viewer: %v, want shown on its own page", err)
		}
		r, err := db.RelationshipOf(muted.ID, viewer.ID)
		must(t, err, "RelationshipOf")
		if r != (Relationship{Following: true, FollowedBy: true}) {
			t.Errorf("muted's relationship to the viewer = %+v, want following both ways only", r)
		}
	})
	t.Run("refused", func(t *testing.T) {
		wantErr(t, db.Mute(viewer.ID, muted.ID), ErrExists, "Mute twice")
		wantErr(t, db.Mute(viewer.ID, viewer.ID), ErrInvalid, "Mute self")
		wantErr(t, db.Mute(viewer.ID, db.NewID()), ErrNotFound, "Mute unknown")
		if got := userIDs(db.Muted(viewer.ID, Page{})); !slices.Equal(got, []ID{muted.ID}) {
			t.Errorf("Muted list: got %v, want [muted]", got)
		}
	})
	t.Run("unmuted", func(t *testing.T) {
		must(t, db.Unmute(viewer.ID, muted.ID), "Unmute")
		wantErr(t, db.Unmute(viewer.ID, muted.ID), ErrNotFound, "Unmute twice")
		check(t, []view{
			{"viewer's home", func(p Page) (Timeline, error) { return db.HomeTimeline(viewer.ID, p) }, []string{"viewer", "other<muted", "muted<other"}},
			{"viewer's local", func(p Page) (Timeline, error) { return db.LocalTimeline(viewer.ID, p) }, []string{"viewer", "muted", "other"}},
		})
	})
}

func TestRelationshipOf(t *testing.T) {
	db := openTestDB(t)
	me := createUser(t, db, "me")
	tests := []struct {
		name  string
		setup func(them User)
		want  Relationship
	}{
		{"strangers", func(User) {}, Relationship{}},
		{"I follow", func(u User) { follow(t, db, me, u) }, Relationship{Following: true}},
		{"they follow", func(u User) { follow(t, db, u, me) }, Relationship{FollowedBy: true}},
		{"mutual", func(u User) { follow(t, db, me, u); follow(t, db, u, me) }, Relationship{Following: true, FollowedBy: true}},
		{"requested", func(u User) { lock(t, db, u); follow(t, db, me, u) }, Relationship{Requested: true}},
		{"I block", func(u User) { follow(t, db, me, u); block(t, db, me, u) }, Relationship{Blocking: true}},
		{"they block", func(u User) { follow(t, db, u, me); block(t, db, u, me) }, Relationship{BlockedBy: true}},
		{"both block", func(u User) { block(t, db, u, me); block(t, db, me, u) }, Relationship{Blocking: true, BlockedBy: true}},
		{"I mute", func(u User) { follow(t, db, me, u); mute(t, db, me, u) }, Relationship{Following: true, Muting: true}},
		{"they mute", func(u User) { mute(t, db, u, me) }, Relationship{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			them := createUser(t, db, "them"+string(rune('a'+i)))
			tt.setup(them)
			got, err := db.RelationshipOf(me.ID, them.ID)
			must(t, err, "RelationshipOf")
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLockedAccount(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	lock(t, db, amal)
	fo := write(t, db, amal, withVis(FollowersOnly))
	users := map[string]User{}
	for _, n := range []string{"bilal", "carim", "dina", "erin", "fay"} {
		users[n] = createUser(t, db, n)
	}
	sees := func(u User) bool {
		_, err := db.Post(u.ID, fo.ID)
		return err == nil
	}
	requests := func() []ID { return userIDs(db.FollowRequests(amal.ID, Page{})) }
	kinds := func() []noteSummary { return summarize(allNotes(t, db, amal.ID, 10)) }

	t.Run("request", func(t *testing.T) {
		bilal := users["bilal"]
		st, err := db.Follow(bilal.ID, amal.ID)
		if err != nil || st != Requested {
			t.Fatalf("Follow = %v, %v; want Requested", st, err)
		}
		if ok, _ := db.IsFollowing(bilal.ID, amal.ID); ok {
			t.Errorf("following before approval")
		}
		if got := countsOf(t, db, amal.ID); got != (counts{posts: 1}) {
			t.Errorf("amal counts = %+v, want no followers yet", got)
		}
		if got := requests(); !slices.Equal(got, []ID{bilal.ID}) {
			t.Errorf("got requests %v, want [bilal]", got)
		}
		if r, _ := db.RelationshipOf(bilal.ID, amal.ID); r != (Relationship{Requested: true}) {
			t.Errorf("got relationship %+v, want Requested", r)
		}
		if sees(bilal) {
			t.Errorf("bilal sees the followers-only post before approval")
		}
		_, err = db.Follow(bilal.ID, amal.ID)
		wantErr(t, err, ErrExists, "asking twice")
	})

	t.Run("accept", func(t *testing.T) {
		bilal := users["bilal"]
		must(t, db.AcceptFollowRequest(amal.ID, bilal.ID), "Accept")
		wantErr(t, db.AcceptFollowRequest(amal.ID, bilal.ID), ErrNotFound, "Accept twice")
		if ok, _ := db.IsFollowing(bilal.ID, amal.ID); !ok {
			t.Errorf("not following after approval")
		}
		if got := countsOf(t, db, amal.ID); got != (counts{posts: 1, followers: 1}) {
			t.Errorf("amal counts = %+v, want 1 follower", got)
		}
		if got := countsOf(t, db, bilal.ID); got != (counts{following: 1}) {
			t.Errorf("bilal counts = %+v, want following 1", got)
		}
		if got := requests(); len(got) != 0 {
			t.Errorf("got requests %v, want none", got)
		}
		if got, want := kinds(), []noteSummary{{NoteFollow, bilal.ID, 0}}; !slices.Equal(got, want) {
			t.Errorf("got notifications %+v, want %+v", got, want)
		}
		if !sees(bilal) {
			t.Errorf("bilal does not see the followers-only post after approval")
		}
		if r, _ := db.RelationshipOf(bilal.ID, amal.ID); r != (Relationship{Following: true}) {
			t.Errorf("got relationship %+v, want Following", r)
		}
	})

	t.Run("reject", func(t *testing.T) {
		carim := users["carim"]
		follow(t, db, carim, amal)
		must(t, db.RejectFollowRequest(amal.ID, carim.ID), "Reject")
		wantErr(t, db.RejectFollowRequest(amal.ID, carim.ID), ErrNotFound, "Reject twice")
		if ok, _ := db.IsFollowing(carim.ID, amal.ID); ok || sees(carim) {
			t.Errorf("carim follows or sees after rejection")
		}
		if got := requests(); len(got) != 0 {
			t.Errorf("got requests %v, want none", got)
		}
		if r, _ := db.RelationshipOf(carim.ID, amal.ID); r != (Relationship{}) {
			t.Errorf("got relationship %+v, want none", r)
		}
		if got := countsOf(t, db, amal.ID); got.followers != 1 {
			t.Errorf("got %d followers, want 1", got.followers)
		}
		if got := kinds(); len(got) != 1 {
			t.Errorf("got notifications %+v, want bilal's follow only", got)
		}
	})

	t.Run("withdraw", func(t *testing.T) {
		dina := users["dina"]
		follow(t, db, dina, amal)
		must(t, db.Unfollow(dina.ID, amal.ID), "Unfollow (withdraw)")
		wantErr(t, db.Unfollow(dina.ID, amal.ID), ErrNotFound, "withdraw twice")
		if got := requests(); len(got) != 0 {
			t.Errorf("got requests %v, want none", got)
		}
		wantErr(t, db.AcceptFollowRequest(amal.ID, dina.ID), ErrNotFound, "accept a withdrawn request")
		if got := kinds(); len(got) != 1 {
			t.Errorf("got notifications %+v, want bilal's follow only", got)
		}
	})

	t.Run("unlocking accepts every pending request", func(t *testing.T) {
		erin, fay := users["erin"], users["fay"]
		follow(t, db, erin, amal)
		follow(t, db, fay, amal)
		u, err := db.UpdateProfile(amal.ID, ProfileUpdate{DisplayName: "Amal", Locked: false})
		must(t, err, "UpdateProfile(unlock)")
		if u.FollowersCount != 3 || u.Locked || u.DisplayName != "Amal" {
			t.Errorf("returned user: followers %d locked %v name %q, want 3, false, Amal", u.FollowersCount, u.Locked, u.DisplayName)
		}
		for _, f := range []User{erin, fay} {
			if ok, _ := db.IsFollowing(f.ID, amal.ID); !ok || !sees(f) {
				t.Errorf("%s does not follow or see after unlocking", f.Username)
			}
			if got := countsOf(t, db, f.ID); got.following != 1 {
				t.Errorf("%s: got following %d, want 1", f.Username, got.following)
			}
		}
		if got := requests(); len(got) != 0 {
			t.Errorf("got requests %v, want none", got)
		}
		want := []noteSummary{{NoteFollow, fay.ID, 0}, {NoteFollow, erin.ID, 0}, {NoteFollow, users["bilal"].ID, 0}}
		if got := kinds(); !slices.Equal(got, want) {
			t.Errorf("got notifications %+v, want %+v", got, want)
		}
		st, err := db.Follow(users["carim"].ID, amal.ID)
		if err != nil || st != Followed {
			t.Errorf("Follow of the unlocked account = %v, %v; want Followed", st, err)
		}
	})

	t.Run("block ends a pending request", func(t *testing.T) {
		lock(t, db, amal)
		dina := users["dina"]
		follow(t, db, dina, amal)
		block(t, db, amal, dina)
		if got := requests(); len(got) != 0 {
			t.Errorf("got requests %v, want none", got)
		}
		err := followErr(db, dina.ID, amal.ID)
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("request across a block: got %v, want ErrForbidden", err)
		}
	})
}

// A pending request towards the viewer and the viewer's block of the
// other's server are part of the relationship (the client API shows both).
func TestRelationshipOfRequestedByAndDomain(t *testing.T) {
	db := openTestDB(t)
	me := createUser(t, db, "me")
	lock(t, db, me)
	asker := createUser(t, db, "asker")
	follow(t, db, asker, me)
	far := remoteUser(t, db, "far", "far.example")
	must(t, db.BlockDomain(me.ID, "far.example"), "BlockDomain")
	for _, tt := range []struct {
		name string
		them User
		want Relationship
	}{
		{"asked to follow me", asker, Relationship{RequestedBy: true}},
		{"on a server I block", far, Relationship{DomainBlocking: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.RelationshipOf(me.ID, tt.them.ID)
			must(t, err, "RelationshipOf")
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if got, _ := db.RelationshipOf(asker.ID, me.ID); got.RequestedBy || !got.Requested {
		t.Errorf("the asker's side: got %+v, want requested only", got)
	}
}
