package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"majlis/search"
)

// findable creates a local account that agreed to be found.
func findableUser(t testing.TB, db *DB, name string) User {
	t.Helper()
	u := User{Username: name, URI: "http://localhost:8080/users/" + name, Indexable: true}
	must(t, db.CreateUser(&u), "CreateUser(%s)", name)
	return u
}

func catchUp(t testing.TB, db *DB) {
	t.Helper()
	if _, err := db.CatchUpSearch(); err != nil {
		t.Fatalf("CatchUpSearch: %v", err)
	}
}

func searchIDs(t testing.TB, db *DB, viewer ID, q string) []ID {
	t.Helper()
	var ids []ID
	cur := SearchCursor{}
	for range 500 {
		page, err := db.SearchPosts(viewer, search.ParseQuery(q), cur, 7)
		if err != nil {
			t.Fatalf("SearchPosts(%q): %v", q, err)
		}
		ids = append(ids, postIDs(page.Timeline)...)
		if page.Next == 0 {
			return ids
		}
		cur = SearchCursor{Stemmed: page.NextStemmed, Before: page.Next}
	}
	t.Fatalf("SearchPosts(%q): pages never end", q)
	return nil
}

func checkOK(t testing.TB, db *DB) {
	t.Helper()
	if err := db.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestSearchQueries(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	bilal := findableUser(t, db, "bilal")
	p1 := write(t, db, amal, saying("the quick brown fox"))
	p2 := write(t, db, bilal, saying("a brown dog, not quick"), tagged("dogs"))
	p3 := write(t, db, amal, saying("quick thinking"), replyingTo(p2))
	p4 := write(t, db, bilal, saying("nothing to see"), tagged("dogs"))
	catchUp(t, db)
	for _, tt := range []struct {
		q    string
		want []ID
	}{
		{"quick", []ID{p3.ID, p2.ID, p1.ID}},
		{"QUICK brown", []ID{p2.ID, p1.ID}},
		{"quick -dog", []ID{p3.ID, p1.ID}},
		{"#dogs", []ID{p4.ID, p2.ID}},
		{"#Dogs brown", []ID{p2.ID}},
		{"from:amal quick", []ID{p3.ID, p1.ID}},
		{"from:bilal", []ID{p4.ID, p2.ID}},
		{"from:nobody quick", nil},
		{"elephant", nil},
		{"quick elephant", nil},
	} {
		t.Run(tt.q, func(t *testing.T) {
			got := searchIDs(t, db, amal.ID, tt.q)
			if !slices.Equal(got, tt.want) {
				t.Errorf("search %q: got %v, want %v", tt.q, got, tt.want)
			}
		})
	}
	// What the query parser reads (written directly: the parser is
	// another part's).
	for _, tt := range []struct {
		name string
		q    search.Query
		want []ID
	}{
		{"phrase", search.Query{Phrases: []string{"brown fox"}}, []ID{p1.ID}},
		{"phrase in another order", search.Query{Phrases: []string{"fox brown"}}, nil},
		{"phrase and word", search.Query{Words: []string{"quick"}, Phrases: []string{"brown dog"}}, []ID{p2.ID}},
		{"is:reply", search.Query{Words: []string{"quick"}, IsReply: true}, []ID{p3.ID}},
		{"has:media", search.Query{Words: []string{"quick"}, HasMedia: true}, nil},
		{"from:me", search.Query{From: "me"}, []ID{p3.ID, p1.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.SearchPosts(amal.ID, tt.q, SearchCursor{}, 10)
			must(t, err, "SearchPosts")
			if got := postIDs(page.Timeline); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	checkOK(t, db)
}

func TestSearchBeforeAfterAndIn(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	bilal := findableUser(t, db, "bilal")
	old := write(t, db, bilal, saying("tea time"))
	fresh := write(t, db, bilal, saying("tea again"))
	_, err := db.Like(amal.ID, old.ID)
	must(t, err, "Like")
	must(t, db.Bookmark(amal.ID, fresh.ID), "Bookmark")
	catchUp(t, db)
	cut := fresh.ID.Time()
	for _, tt := range []struct {
		name string
		q    search.Query
		want []ID
	}{
		{"before", search.Query{Words: []string{"tea"}, Before: cut}, []ID{old.ID}},
		{"after", search.Query{Words: []string{"tea"}, After: cut}, []ID{fresh.ID}},
		{"in:liked", search.Query{Words: []string{"tea"}, In: "liked"}, []ID{old.ID}},
		{"in:bookmarks alone", search.Query{In: "bookmarks"}, []ID{fresh.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.SearchPosts(amal.ID, tt.q, SearchCursor{}, 10)
			must(t, err, "SearchPosts")
			if got := postIDs(page.Timeline); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// A visitor has no bookmarks.
	page, err := db.SearchPosts(0, search.Query{In: "bookmarks"}, SearchCursor{}, 10)
	if err != nil || len(page.Entries) != 0 {
		t.Errorf("a visitor's in:bookmarks: %d results, %v; want none", len(page.Entries), err)
	}
}

// The exact tier comes before the stemmed one, each newest first, and a
// post is in one tier only. The stand-in analyzer does not stem, so the
// stem postings are written here as the indexer writes them.
func TestSearchStemmedTierAfterExact(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	a := write(t, db, amal, saying("book"))
	b := write(t, db, amal, saying("books"))
	c := write(t, db, amal, saying("book"))
	catchUp(t, db)
	must(t, db.bolt.Update(func(tx *bolt.Tx) error {
		return addPostings(tx.Bucket(bucketSearchPostings), termKey(termStem, "book"), []ID{b.ID})
	}), "add stem posting")
	got := searchIDs(t, db, amal.ID, "book")
	if want := []ID{c.ID, a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("book: got %v, want %v (exact newest first, then the stemmed)", got, want)
	}
}

// The indexer commits in batches and goes on after a restart from where
// it stopped; posts written meanwhile, edited or deleted are right in the
// end.
func TestIndexerBatchesAndResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	db, err := Open(path, Options{})
	must(t, err, "Open")
	amal := findableUser(t, db, "amal")
	var posts []Post
	for i := range 450 {
		word := "odd"
		if i%2 == 0 {
			word = "even"
		}
		posts = append(posts, write(t, db, amal, saying("common "+word)))
	}
	n, more, err := db.IndexSearch(200)
	if err != nil || n != 200 || !more {
		t.Fatalf("first batch: %d posts, more %v, %v; want 200, true", n, more, err)
	}
	checkOK(t, db) // the index agrees with its cursor at every commit
	must(t, db.Close(), "Close")

	db = openTestDBWith(t, path, Options{})
	// Changes behind and ahead of the cursor before the indexer goes on.
	_, err = db.EditPost(amal.ID, posts[10].ID, PostChange{Source: "rare words now"})
	must(t, err, "EditPost behind")
	_, err = db.EditPost(amal.ID, posts[300].ID, PostChange{Source: "rare ahead"})
	must(t, err, "EditPost ahead")
	must(t, db.DeletePost(posts[20].ID), "DeletePost behind")
	must(t, db.DeletePost(posts[400].ID), "DeletePost ahead")
	total := 0
	for {
		n, more, err := db.IndexSearch(200)
		must(t, err, "IndexSearch")
		total += n
		if !more {
			break
		}
	}
	// 249 left after the cursor (one deleted), the post edited behind it,
	// and the one edited ahead of it, queued and then walked past again.
	if total != 251 {
		t.Errorf("after the restart the indexer did %d posts, want 251", total)
	}
	checkOK(t, db)
	if got := len(searchIDs(t, db, amal.ID, "common")); got != 446 {
		t.Errorf("common: %d results, want 446", got)
	}
	if got := searchIDs(t, db, amal.ID, "rare"); !slices.Equal(got, []ID{posts[300].ID, posts[10].ID}) {
		t.Errorf("rare: got %v, want the two edited posts", got)
	}
	if got := len(searchIDs(t, db, amal.ID, "common even")); got != 221 {
		t.Errorf("common even: %d results, want 221", got)
	}
}

// An import writes posts with old IDs, behind the cursor: they are queued
// and indexed all the same.
func TestSearchIndexesPostsBehindTheCursor(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	write(t, db, amal, saying("first"))
	catchUp(t, db)
	old := Post{ID: MinIDAt(time.Now().Add(-24 * time.Hour)), AuthorID: amal.ID, URI: "http://localhost:8080/@amal/old", Source: "archived words", Local: true}
	must(t, db.CreatePost(&old), "CreatePost behind the cursor")
	catchUp(t, db)
	if got := searchIDs(t, db, amal.ID, "archived"); !slices.Equal(got, []ID{old.ID}) {
		t.Errorf("archived: got %v, want the old post", got)
	}
	checkOK(t, db)
}

// Many posts under one term, with posts taken out of and put back into
// the middle of full blocks, keep every posting once and in order.
func TestPostingBlocksSplitAndMerge(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	var posts []Post
	for range 3*postingBlockSize + 7 {
		posts = append(posts, write(t, db, amal, saying("word")))
	}
	catchUp(t, db)
	for i := 5; i < len(posts); i += 37 {
		_, err := db.EditPost(amal.ID, posts[i].ID, PostChange{Source: "other"})
		must(t, err, "edit away")
	}
	catchUp(t, db)
	checkOK(t, db)
	for i := 5; i < len(posts); i += 37 {
		_, err := db.EditPost(amal.ID, posts[i].ID, PostChange{Source: "word again"})
		must(t, err, "edit back")
	}
	catchUp(t, db)
	checkOK(t, db)
	got := searchIDs(t, db, amal.ID, "word")
	if want := reversed(posts); !slices.Equal(got, want) {
		t.Errorf("word: %d results, want all %d newest first", len(got), len(want))
	}
}

// A deleted post's words leave the index in the deletion's transaction:
// after compaction the file holds none of them.
func TestDeletedPostLeavesTheIndex(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	const secret = "zanzibarquokka"
	p := write(t, db, amal, saying("a "+secret+" here"))
	write(t, db, amal, saying("something else"))
	catchUp(t, db)
	raw, err := os.ReadFile(db.Path())
	must(t, err, "ReadFile")
	if !bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the index does not hold the word before the deletion; the test checks nothing")
	}
	must(t, db.DeletePost(p.ID), "DeletePost")
	must(t, db.DeleteUser(amal.ID, false), "DeleteUser")
	checkOK(t, db)
	_, err = db.Compact()
	must(t, err, "Compact")
	raw, err = os.ReadFile(db.Path())
	must(t, err, "ReadFile")
	if bytes.Contains(raw, []byte(secret)) {
		t.Error("the file still holds a word of the deleted post")
	}
	if bytes.Contains(raw, []byte("something")) {
		t.Error("the file still holds a word of the deleted account's posts")
	}
}

func TestSearchPeopleAndTags(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	_, err := db.UpdateProfile(amal.ID, ProfileUpdate{DisplayName: "أمل الكاتبة", Indexable: true})
	must(t, err, "UpdateProfile")
	hidden := createUser(t, db, "amina") // has not agreed to be found
	viewer := findableUser(t, db, "viewer")
	for _, tt := range []struct {
		prefix string
		viewer ID
		want   []string
	}{
		{"am", viewer.ID, []string{"amal"}},
		{"@am", viewer.ID, []string{"amal"}},
		{"AMA", viewer.ID, []string{"amal"}},
		{"الكا", viewer.ID, []string{"amal"}},
		{"amina", viewer.ID, []string{"amina"}}, // the whole name is an address
		{"am", hidden.ID, []string{"amal", "amina"}},
		{"zz", viewer.ID, nil},
	} {
		t.Run(tt.prefix, func(t *testing.T) {
			us, err := db.SearchPeople(tt.viewer, tt.prefix, 10)
			must(t, err, "SearchPeople")
			var got []string
			for _, u := range us {
				got = append(got, u.Username)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("SearchPeople(%q) = %v, want %v", tt.prefix, got, tt.want)
			}
		})
	}
	// A new name replaces the old one.
	_, err = db.UpdateProfile(amal.ID, ProfileUpdate{DisplayName: "Hope", Indexable: true})
	must(t, err, "UpdateProfile")
	if us, _ := db.SearchPeople(viewer.ID, "الكا", 10); len(us) != 0 {
		t.Errorf("the old display name still finds %d accounts", len(us))
	}
	if us, _ := db.SearchPeople(viewer.ID, "hop", 10); len(us) != 1 {
		t.Errorf("the new display name finds %d accounts, want 1", len(us))
	}

	write(t, db, amal, tagged("golang"))
	write(t, db, amal, tagged("golang", "gopher"))
	write(t, db, amal, tagged("gold"), withVis(FollowersOnly))
	tags, err := db.SearchTags("#go", 10)
	must(t, err, "SearchTags")
	want := []TagCount{{"golang", 2}, {"gopher", 1}}
	if !slices.Equal(tags, want) {
		t.Errorf("SearchTags(#go) = %v, want %v (followers-only tags not listed)", tags, want)
	}
	must(t, db.DeleteUser(hidden.ID, false), "DeleteUser")
	checkOK(t, db)
}

func TestSearchStats(t *testing.T) {
	db := openTestDB(t)
	amal := findableUser(t, db, "amal")
	for range 20 {
		write(t, db, amal, saying("some words to count"))
	}
	catchUp(t, db)
	s, err := db.SearchStats()
	must(t, err, "SearchStats")
	if s.Posts != 20 || s.Postings != 20*4 || s.Terms != 4 || s.TextBytes != 20*int64(len("some words to count")) {
		t.Errorf("stats %+v: want 20 posts, 80 postings, 4 terms", s)
	}
}
