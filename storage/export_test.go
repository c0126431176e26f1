package storage

import (
	"bytes"
	"os"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestExportPostsPages(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	const n = 2*exportPageSize + 17
	var want []ID
	for i := 0; i < n; i++ {
		want = append(want, createPost(t, db, amal).ID)
		if i%50 == 0 {
			createPost(t, db, bilal)
		}
	}
	var got []ID
	err := db.ExportPosts(amal.ID, func(p ExportedPost) error {
		if p.AuthorID != amal.ID {
			t.Errorf("post %d by %d, want amal's only", p.ID, p.AuthorID)
		}
		got = append(got, p.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d posts, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("post %d: got %d, want %d (oldest first)", i, got[i], want[i])
		}
	}
}

func TestExportRelations(t *testing.T) {
	db := openTestDB(t)
	amal, bilal, carim := createUser(t, db, "amal"), createUser(t, db, "bilal"), createUser(t, db, "carim")
	p := createPost(t, db, bilal)
	if _, err := db.Follow(amal.ID, bilal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Follow(carim.ID, amal.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Block(amal.ID, carim.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Mute(amal.ID, bilal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Like(amal.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Bookmark(amal.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	rel, err := db.ExportRelations(amal.ID)
	if err != nil {
		t.Fatal(err)
	}
	names := func(l []ExportedAccount) string {
		var s string
		for _, a := range l {
			s += a.Username + " "
		}
		return s
	}
	// Blocking carim ended carim's follow of amal.
	if got := names(rel.Following) + "|" + names(rel.Followers) + "|" + names(rel.Blocks) + "|" + names(rel.Mutes); got != "bilal |"+"|carim |bilal " {
		t.Errorf("relations %q", got)
	}
	if len(rel.Likes) != 1 || rel.Likes[0] != p.URI || len(rel.Bookmarks) != 1 || rel.Bookmarks[0] != p.URI {
		t.Errorf("likes %q, bookmarks %q, want %q", rel.Likes, rel.Bookmarks, p.URI)
	}
}

func TestCompactRemovesDeletedBytes(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	const phrase = "ostrich-vellum-secret"
	for i := 0; i < 50; i++ {
		p := newPost(db, amal)
		p.Source = phrase
		p.HTML = "<p>" + phrase + "</p>"
		if err := db.CreatePost(&p); err != nil {
			t.Fatal(err)
		}
	}
	kept := createPost(t, db, bilal)
	// amal's follow notifies bilal; the deletion removes the notification.
	if _, err := db.Follow(amal.ID, bilal.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(amal.ID, true); err != nil {
		t.Fatal(err)
	}
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte(amal.ID.String())) {
				t.Errorf("a notification by amal is left: %s", v)
			}
			return nil
		})
	})
	// Reads go on while the file is swapped.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.UserByID(bilal.ID); err != nil {
				t.Errorf("read during compaction: %v", err)
				return
			}
		}
	}()
	if _, err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	raw, err := os.ReadFile(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(phrase)) {
		t.Error("the file still holds the deleted posts' text")
	}
	if _, err := db.Post(bilal.ID, kept.ID); err != nil {
		t.Errorf("bilal's post after compaction: %v", err)
	}
	createPost(t, db, bilal) // still writable
	if _, err := db.LocalUser("amal"); !isNotFound(err) {
		t.Errorf("LocalUser(amal) = %v, want not found", err)
	}
}

// BenchmarkCompact measures the pause of Compact on a file of about 100 MB
// (images and posts), the pause a member's account deletion causes.
func BenchmarkCompact(b *testing.B) {
	db := openTestDB(b)
	u := createUser(b, db, "amal")
	buf := make([]byte, 1<<20)
	for i := 0; i < 100; i++ {
		for j := range buf {
			buf[j] = byte(i*7 + j*13)
		}
		buf[0], buf[1] = byte(i), byte(i>>8)
		if _, err := db.PutMedia(buf, "image/jpeg", 100, 100); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 500; i++ {
		p := newPost(db, u)
		p.Source = string(bytes.Repeat([]byte("words "), 80))
		p.HTML = "<p>" + p.Source + "</p>"
		if err := db.CreatePost(&p); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Compact(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if fi, err := os.Stat(db.Path()); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "MB")
	}
}
