package storage

import (
	"testing"

	bolt "go.etcd.io/bbolt"
)

func quoting(q Post) postOpt {
	return func(p *Post) {
		p.QuoteOf, p.QuoteState, p.QuoteAuth = q.ID, QuoteAccepted, "http://localhost:8080/auth/"+p.ID.String()
	}
}

func quotePolicy(q QuotePolicy) postOpt { return func(p *Post) { p.QuotePolicy = q } }

func TestQuoteConsent(t *testing.T) {
	db := openTestDB(t)
	amal, badr, dina := createUser(t, db, "amal"), createUser(t, db, "badr"), createUser(t, db, "dina")
	follow(t, db, badr, amal)
	public := write(t, db, amal)
	followersQuote := write(t, db, amal, quotePolicy(QuoteFollowers))
	nobody := write(t, db, amal, quotePolicy(QuoteNobody))
	private := write(t, db, amal, withVis(FollowersOnly))
	cases := []struct {
		name   string
		quoter User
		quoted Post
		want   error
	}{
		{"anyone may quote a post open to everyone", dina, public, nil},
		{"a follower may quote a post open to followers", badr, followersQuote, nil},
		{"someone else may not", dina, followersQuote, ErrForbidden},
		{"nobody may quote a post closed to quotes", badr, nobody, ErrForbidden},
		{"but its author may", amal, nobody, nil},
		{"a followers-only post cannot be quoted", badr, private, ErrForbidden},
		{"a post one cannot see cannot be quoted", dina, private, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tryWrite(db, c.quoter, quoting(c.quoted))
			wantErr(t, err, c.want, "CreatePost quoting")
		})
	}
	block(t, db, amal, dina)
	_, err := tryWrite(db, dina, quoting(public))
	if err == nil {
		t.Errorf("a quote across a block was stored")
	}
}

func TestQuoteShowsOnlyWhatTheViewerMaySee(t *testing.T) {
	db := openTestDB(t)
	amal, badr, dina := createUser(t, db, "amal"), createUser(t, db, "badr"), createUser(t, db, "dina")
	orig := write(t, db, amal, saying("the original"))
	q := write(t, db, badr, quoting(orig))

	e, err := db.Post(dina.ID, q.ID)
	must(t, err, "Post")
	if e.Quote == nil || e.Quote.Post.ID != orig.ID {
		t.Fatalf("the quote does not embed the original: %+v", e.Quote)
	}
	np, err := db.Notifications(amal.ID, Page{})
	must(t, err, "Notifications")
	if len(np.Notes) != 1 || np.Notes[0].Kind != NoteQuote {
		t.Errorf("amal's notifications %+v, want one quote", np.Notes)
	}
	tl, err := db.Quotes(dina.ID, orig.ID, Page{})
	must(t, err, "Quotes")
	if len(tl.Entries) != 1 || tl.Entries[0].Post.ID != q.ID {
		t.Errorf("quotes of the original: %v", ids(tl.Entries))
	}

	// Someone who blocked the original's author sees the quote, not
	// the original.
	block(t, db, dina, amal)
	e, err = db.Post(dina.ID, q.ID)
	must(t, err, "Post")
	if e.Quote != nil {
		t.Errorf("the quote shows a post of someone the viewer blocked")
	}

	// Revoked: nothing of the original.
	_, err = db.SetQuoteState(q.ID, QuoteRevoked, "")
	must(t, err, "SetQuoteState")
	e, err = db.Post(badr.ID, q.ID)
	must(t, err, "Post")
	if e.Quote != nil || e.Post.QuoteState != QuoteRevoked {
		t.Errorf("a revoked quote still shows the original")
	}
	if tl, _ := db.Quotes(badr.ID, orig.ID, Page{}); len(tl.Entries) != 0 {
		t.Errorf("a revoked quote is still listed")
	}

	// Deleted: the quote stays, the link goes.
	q2 := write(t, db, badr, quoting(orig))
	must(t, db.DeletePost(orig.ID), "DeletePost")
	e, err = db.Post(badr.ID, q2.ID)
	must(t, err, "Post")
	if e.Quote != nil {
		t.Errorf("a quote of a deleted post still shows it")
	}
	if _, err := db.QuoteByAuth(q2.QuoteAuth); err != nil {
		t.Errorf("the quote's authorization is lost with the original: %v", err)
	}
	must(t, db.DeletePost(q2.ID), "DeletePost quote")
	if _, err := db.QuoteByAuth(q2.QuoteAuth); err == nil {
		t.Errorf("a deleted quote's authorization still names it")
	}
}

// The quotes count of a permalink reads a bounded number of index
// entries: quotes it does not show (here entries whose post is gone)
// count towards the bound, and a quote past it is not counted.
func TestQuoteCountScansABoundedNumberOfEntries(t *testing.T) {
	db := openTestDB(t)
	amal, badr := createUser(t, db, "amal"), createUser(t, db, "badr")
	orig := write(t, db, amal)
	write(t, db, badr, quoting(orig))
	if n, err := db.QuoteCount(amal.ID, orig.ID); err != nil || n != 1 {
		t.Fatalf("QuoteCount: %d, %v; want 1", n, err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for range maxQuoteCount*scanFactor - 2 {
			if err := tx.Bucket(bucketQuotes).Put(pairKey(orig.ID, db.NewID()), nil); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err, "index entries")
	write(t, db, badr, quoting(orig)) // the last entry within the bound
	write(t, db, badr, quoting(orig)) // the first past it
	if n, err := db.QuoteCount(amal.ID, orig.ID); err != nil || n != 2 {
		t.Errorf("QuoteCount past the bound: %d, %v; want 2", n, err)
	}
	if th, err := db.Thread(amal.ID, orig.ID); err != nil || th.Quotes != 2 {
		t.Errorf("Thread's quotes: %d, %v; want 2", th.Quotes, err)
	}
	if tl, err := db.Quotes(amal.ID, orig.ID, Page{}); err != nil || len(tl.Entries) != 2 {
		t.Errorf("the quotes page, newest first: %d, %v; want the 2 newest", len(tl.Entries), err)
	}
}

// A permalink counts no quotes for a post that cannot be quoted, though
// another server may have sent one (stored as it came).
func TestThreadCountsNoQuotesOfAPrivatePost(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	rami := putRemote(t, db, "rami", "far.example")
	follow(t, db, rami, amal)
	for _, vis := range []Visibility{Public, FollowersOnly} {
		orig := write(t, db, amal, withVis(vis))
		write(t, db, rami, quoting(orig))
		want := 0
		if vis == Public {
			want = 1
		}
		if n, err := db.QuoteCount(amal.ID, orig.ID); err != nil || n != 1 {
			t.Errorf("%s: QuoteCount %d, %v; want 1", vis, n, err)
		}
		if th, err := db.Thread(amal.ID, orig.ID); err != nil || th.Quotes != want {
			t.Errorf("%s: Thread's quotes %d, %v; want %d", vis, th.Quotes, err, want)
		}
	}
}
