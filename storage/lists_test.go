package storage

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestListTimeline(t *testing.T) {
	db := openTestDB(t)
	amal, bilal, chadi, dina := createUser(t, db, "amal"), createUser(t, db, "bilal"), createUser(t, db, "chadi"), createUser(t, db, "dina")
	follow(t, db, amal, bilal)
	follow(t, db, amal, chadi)
	follow(t, db, amal, dina)

	l := List{OwnerID: amal.ID, Title: "friends", Replies: RepliesList}
	must(t, db.CreateList(&l), "CreateList")
	must(t, db.AddListMembers(amal.ID, l.ID, []ID{bilal.ID, dina.ID}), "AddListMembers")

	fromBilal := write(t, db, bilal, saying("bilal"))
	fromChadi := write(t, db, chadi, saying("chadi"))
	fromDina := write(t, db, dina, saying("dina"))
	replyToMember := write(t, db, dina, saying("to bilal"), replyingTo(fromBilal))
	replyToOther := write(t, db, bilal, saying("to chadi"), replyingTo(fromChadi))
	private := write(t, db, bilal, saying("followers only"), withVis(FollowersOnly))

	tl, err := db.ListTimeline(amal.ID, l.ID, Page{})
	must(t, err, "ListTimeline")
	want := []ID{private.ID, replyToMember.ID, fromDina.ID, fromBilal.ID}
	if got := ids(tl.Entries); !slices.Equal(got, want) {
		t.Errorf("list timeline: got %v, want %v", got, want)
	}

	t.Run("replies policy", func(t *testing.T) {
		for _, tt := range []struct {
			policy RepliesPolicy
			want   []ID
		}{
			{RepliesNone, []ID{private.ID, fromDina.ID, fromBilal.ID}},
			{RepliesFollowed, []ID{private.ID, replyToOther.ID, replyToMember.ID, fromDina.ID, fromBilal.ID}},
		} {
			l.Replies = tt.policy
			_, err := db.UpdateList(amal.ID, l)
			must(t, err, "UpdateList")
			tl, err := db.ListTimeline(amal.ID, l.ID, Page{})
			must(t, err, "ListTimeline")
			if got := ids(tl.Entries); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.policy, got, tt.want)
			}
		}
	})

	t.Run("someone else's list", func(t *testing.T) {
		if _, err := db.ListTimeline(bilal.ID, l.ID, Page{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("bilal reads amal's list: got %v, want ErrNotFound", err)
		}
		if err := db.AddListMembers(bilal.ID, l.ID, []ID{amal.ID}); !errors.Is(err, ErrNotFound) {
			t.Errorf("bilal adds to amal's list: got %v, want ErrNotFound", err)
		}
	})

	t.Run("only followed accounts", func(t *testing.T) {
		stranger := createUser(t, db, "stranger")
		if err := db.AddListMembers(amal.ID, l.ID, []ID{chadi.ID, stranger.ID}); !errors.Is(err, ErrForbidden) {
			t.Errorf("adding a stranger: got %v, want ErrForbidden", err)
		}
		if with, _ := db.ListsWith(amal.ID, chadi.ID); len(with) != 0 {
			t.Errorf("a refused addition put chadi in %v", with)
		}
	})

	t.Run("exclusive", func(t *testing.T) {
		home := func() []ID {
			tl, err := db.HomeTimeline(amal.ID, Page{})
			must(t, err, "HomeTimeline")
			return ids(tl.Entries)
		}
		if !slices.Contains(home(), fromDina.ID) {
			t.Fatal("dina's post is not on home before the list is exclusive")
		}
		l.Exclusive = true
		_, err := db.UpdateList(amal.ID, l)
		must(t, err, "UpdateList")
		got := home()
		if slices.Contains(got, fromDina.ID) || slices.Contains(got, fromBilal.ID) {
			t.Errorf("home shows an exclusive list's members: %v", got)
		}
		if _, ok, _ := db.FeedEntry(amal.ID, Feed{Kind: FeedHome}, fromDina.ID); ok {
			t.Error("the home stream takes an exclusive list's member's post")
		}
		if !slices.Contains(got, fromChadi.ID) {
			t.Errorf("home lost chadi, who is in no list: %v", got)
		}
	})

	t.Run("unfollow leaves the list", func(t *testing.T) {
		must(t, db.Unfollow(amal.ID, dina.ID), "Unfollow")
		members, err := db.ListMembers(amal.ID, l.ID)
		must(t, err, "ListMembers")
		if len(members) != 1 || members[0].ID != bilal.ID {
			t.Errorf("members after unfollowing dina: %v", members)
		}
	})

	t.Run("delete", func(t *testing.T) {
		must(t, db.DeleteList(amal.ID, l.ID), "DeleteList")
		if keys := keysUnder(t, db, bucketListMembers, nil); len(keys) != 0 {
			t.Errorf("list_members keeps %d entries", len(keys))
		}
		if lists, _ := db.Lists(amal.ID); len(lists) != 0 {
			t.Errorf("lists after deletion: %v", lists)
		}
	})
}

func TestFollowedTagsInHome(t *testing.T) {
	db := openTestDB(t)
	amal, stranger, friend := createUser(t, db, "amal"), createUser(t, db, "stranger"), createUser(t, db, "friend")
	follow(t, db, amal, friend)
	public := write(t, db, stranger, saying("#go public"), tagged("go"))
	unlisted := write(t, db, stranger, saying("#go unlisted"), tagged("go"), withVis(Unlisted))
	write(t, db, stranger, saying("#go followers"), tagged("go"), withVis(FollowersOnly))
	write(t, db, stranger, saying("#go direct"), tagged("go"), withVis(Direct), mentioning(amal))
	other := write(t, db, stranger, saying("#rust"), tagged("rust"))
	both := write(t, db, friend, saying("#go from a friend"), tagged("go"))

	must(t, db.FollowTag(amal.ID, "go"), "FollowTag")
	must(t, db.FollowTag(amal.ID, "go"), "FollowTag twice")
	// The live home stream takes what the page takes.
	for _, tt := range []struct {
		p    Post
		want bool
	}{{public, true}, {other, false}, {unlisted, false}} {
		if _, ok, err := db.FeedEntry(amal.ID, Feed{Kind: FeedHome}, tt.p.ID); err != nil || ok != tt.want {
			t.Errorf("home stream, post %q: got %v (%v), want %v", tt.p.Source, ok, err, tt.want)
		}
	}
	tl, err := db.HomeTimeline(amal.ID, Page{})
	must(t, err, "HomeTimeline")
	if got, want := ids(tl.Entries), []ID{both.ID, public.ID}; !slices.Equal(got, want) {
		t.Errorf("home with #go followed: got %v, want %v (other tag %d)", got, want, other.ID)
	}
	// Paging carries on across the tag's cursor.
	tl, err = db.HomeTimeline(amal.ID, Page{Limit: 1})
	must(t, err, "HomeTimeline")
	tl2, err := db.HomeTimeline(amal.ID, Page{Limit: 1, Before: tl.Next})
	must(t, err, "HomeTimeline page 2")
	if got := append(ids(tl.Entries), ids(tl2.Entries)...); !slices.Equal(got, []ID{both.ID, public.ID}) {
		t.Errorf("paged home: %v", got)
	}
	tags, err := db.FollowedTags(amal.ID)
	must(t, err, "FollowedTags")
	if len(tags) != 1 || tags[0].Tag != "go" {
		t.Errorf("FollowedTags: %v", tags)
	}
	must(t, db.UnfollowTag(amal.ID, "go"), "UnfollowTag")
	tl, err = db.HomeTimeline(amal.ID, Page{})
	must(t, err, "HomeTimeline")
	if got := ids(tl.Entries); !slices.Equal(got, []ID{both.ID}) {
		t.Errorf("home after unfollowing #go: %v", got)
	}
}

func TestFilters(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	gen := db.FiltersGeneration(amal.ID)
	f := Filter{UserID: amal.ID, Title: "spoilers", Contexts: []string{FilterHome}, Action: FilterWarn,
		Keywords: []FilterKeyword{{Keyword: "ending", WholeWord: true}}}
	must(t, db.PutFilter(&f), "PutFilter")
	if f.ID == 0 || f.Keywords[0].ID == 0 {
		t.Fatalf("IDs not set: %+v", f)
	}
	if db.FiltersGeneration(amal.ID) == gen {
		t.Error("the generation did not change")
	}
	if _, err := db.Filter(bilal.ID, f.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bilal reads amal's filter: %v", err)
	}
	other := Filter{ID: f.ID, UserID: bilal.ID, Title: "x", Contexts: []string{FilterHome}, Action: FilterHide}
	if err := db.PutFilter(&other); !errors.Is(err, ErrNotFound) {
		t.Errorf("bilal overwrites amal's filter: %v", err)
	}
	for _, bad := range []Filter{
		{UserID: amal.ID, Contexts: []string{FilterHome}, Action: FilterHide},
		{UserID: amal.ID, Title: "t", Action: FilterHide},
		{UserID: amal.ID, Title: "t", Contexts: []string{"elsewhere"}, Action: FilterHide},
		{UserID: amal.ID, Title: "t", Contexts: []string{FilterHome}, Action: "blur"},
	} {
		if err := db.PutFilter(&bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("PutFilter(%+v): got %v, want ErrInvalid", bad, err)
		}
	}
	f.Title, f.ExpiresAt = "endings", time.Now().Add(time.Hour)
	must(t, db.PutFilter(&f), "PutFilter update")
	all, err := db.Filters(amal.ID)
	must(t, err, "Filters")
	if len(all) != 1 || all[0].Title != "endings" || all[0].Keywords[0].Keyword != "ending" {
		t.Errorf("Filters: %+v", all)
	}
	must(t, db.DeleteFilter(amal.ID, f.ID), "DeleteFilter")
	if all, _ := db.Filters(amal.ID); len(all) != 0 {
		t.Errorf("after deletion: %+v", all)
	}
}

// TestDeleteUserDropsListsFiltersTags checks that a member's lists,
// filters and followed tags go with the account, and that the account
// leaves others' lists.
func TestDeleteUserDropsListsFiltersTags(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	follow(t, db, amal, bilal)
	follow(t, db, bilal, amal)
	mine := List{OwnerID: amal.ID, Title: "amal's secret list"}
	must(t, db.CreateList(&mine), "CreateList")
	must(t, db.AddListMembers(amal.ID, mine.ID, []ID{bilal.ID}), "AddListMembers")
	theirs := List{OwnerID: bilal.ID, Title: "bilal's"}
	must(t, db.CreateList(&theirs), "CreateList")
	must(t, db.AddListMembers(bilal.ID, theirs.ID, []ID{amal.ID}), "AddListMembers")
	must(t, db.PutFilter(&Filter{UserID: amal.ID, Title: "amal's filter", Contexts: []string{FilterHome}, Action: FilterHide,
		Keywords: []FilterKeyword{{Keyword: "amal's keyword"}}}), "PutFilter")
	must(t, db.FollowTag(amal.ID, "amalstag"), "FollowTag")

	must(t, db.DeleteUser(amal.ID, true), "DeleteUser")
	for _, b := range [][]byte{bucketFilters, bucketFollowedTags, bucketTagFollowers, bucketListMembers} {
		if keys := keysUnder(t, db, b, nil); len(keys) != 0 {
			t.Errorf("bucket %s keeps %d entries", b, len(keys))
		}
	}
	if lists, _ := db.Lists(bilal.ID); len(lists) != 1 {
		t.Errorf("bilal's lists: %v", lists)
	}
	if _, err := db.List(amal.ID, mine.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("amal's list: %v", err)
	}
}

// A list's stream (FeedEntry with FeedList) lets through exactly what the
// list's timeline shows, under every replies policy, and nothing to
// anyone but the list's owner.
func TestListFeedMatchesTimeline(t *testing.T) {
	db := openTestDB(t)
	amal, bilal, chadi, dina := createUser(t, db, "amal"), createUser(t, db, "bilal"), createUser(t, db, "chadi"), createUser(t, db, "dina")
	ezz := createUser(t, db, "ezz")
	follow(t, db, amal, bilal)
	follow(t, db, amal, chadi)
	follow(t, db, amal, dina)
	follow(t, db, amal, ezz)
	l := List{OwnerID: amal.ID, Title: "friends", Replies: RepliesList}
	must(t, db.CreateList(&l), "CreateList")
	must(t, db.AddListMembers(amal.ID, l.ID, []ID{bilal.ID, dina.ID, ezz.ID}), "AddListMembers")

	fromBilal := write(t, db, bilal, saying("bilal"))
	fromChadi := write(t, db, chadi, saying("chadi"))
	posts := []Post{
		fromBilal, fromChadi,
		write(t, db, dina, saying("dina")),
		write(t, db, dina, saying("to bilal"), replyingTo(fromBilal)),
		write(t, db, bilal, saying("to chadi"), replyingTo(fromChadi)),
		write(t, db, bilal, saying("followers only"), withVis(FollowersOnly)),
		write(t, db, chadi, saying("to bilal, not on the list"), replyingTo(fromBilal)),
		// A silenced member is still shown to those who follow them.
		write(t, db, ezz, saying("ezz, silenced")),
	}
	must(t, db.SetStatus(ezz.ID, StatusSilenced), "silence")
	// A member's repost of an outsider's post shows; a muted member's
	// posts do not.
	posts = append(posts, Post{ID: repost(t, db, bilal, fromChadi.ID), Source: "bilal's repost"})
	mute(t, db, amal, dina)
	feed := Feed{Kind: FeedList, List: l.ID}
	for _, policy := range []RepliesPolicy{RepliesList, RepliesNone, RepliesFollowed} {
		t.Run(string(policy), func(t *testing.T) {
			l.Replies = policy
			_, err := db.UpdateList(amal.ID, l)
			must(t, err, "UpdateList")
			tl, err := db.ListTimeline(amal.ID, l.ID, Page{})
			must(t, err, "ListTimeline")
			var shown []ID // a repost is on the timeline as itself
			for _, e := range tl.Entries {
				shown = append(shown, e.Cursor())
			}
			if len(shown) < 2 {
				t.Fatalf("the timeline shows %v: too little to compare", shown)
			}
			for _, p := range posts {
				_, inFeed, err := db.FeedEntry(amal.ID, feed, p.ID)
				must(t, err, "FeedEntry")
				if want := slices.Contains(shown, p.ID); inFeed != want {
					t.Errorf("%q: in the stream %v, on the timeline %v", p.Source, inFeed, want)
				}
				if _, theirs, _ := db.FeedEntry(bilal.ID, feed, p.ID); theirs {
					t.Errorf("%q reaches bilal's stream of amal's list", p.Source)
				}
			}
		})
	}
}
