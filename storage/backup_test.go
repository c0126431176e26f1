package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A backup taken while writers keep posting opens, passes the check and
// holds every post acknowledged before it began.
func TestBackupWhileWriting(t *testing.T) {
	db := openTestDB(t)
	var authors []User
	for i := range 8 {
		authors = append(authors, createUser(t, db, fmt.Sprintf("writer%d", i)))
	}
	var (
		mu    sync.Mutex
		acked []Post // in acknowledgement order
		stop  atomic.Bool
		wg    sync.WaitGroup
		errs  = make(chan error, len(authors))
	)
	for _, a := range authors {
		wg.Go(func() {
			for !stop.Load() {
				p := newPost(db, a)
				if err := db.CreatePost(&p); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				acked = append(acked, p)
				mu.Unlock()
			}
		})
	}
	// Let the writers get going.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 50 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := append([]Post(nil), acked...)
	mu.Unlock()
	path := filepath.Join(t.TempDir(), "backup.db")
	n, err := WriteFileAtomic(path, db.Backup, nil)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("CreatePost during the backup: %v", err)
	}
	must(t, err, "backup")
	if fi, err := os.Stat(path); err != nil || fi.Size() != n {
		t.Fatalf("backup file: %v, size %d; want %d bytes", err, fi.Size(), n)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind: %v", err)
	}
	info, err := Verify(path)
	must(t, err, "Verify(backup)")
	if info.SchemaVersion != SchemaVersion() || info.Users != len(authors) || info.Posts < len(before) {
		t.Errorf("got %+v; want schema %d, %d users, at least %d posts", info, SchemaVersion(), len(authors), len(before))
	}
	dup := openTestDBWith(t, path, Options{})
	for _, p := range before {
		if e, err := dup.Post(p.AuthorID, p.ID); err != nil || e.Post.Source != p.Source {
			t.Fatalf("post %s acknowledged before the backup: got %q, %v", p.ID, e.Post.Source, err)
		}
	}
}

func TestBackupFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "majlis.db")
	db, err := Open(path, Options{})
	must(t, err, "Open")
	amal := createUser(t, db, "amal")

	// While a process holds the file, BackupFile refuses quickly.
	var buf bytes.Buffer
	if _, err := BackupFile(path, &buf); !errors.Is(err, ErrLocked) {
		t.Errorf("BackupFile on a held file: got %v, want ErrLocked", err)
	}
	must(t, db.Close(), "Close")

	out := filepath.Join(dir, "copy.db")
	n, err := WriteFileAtomic(out, func(w io.Writer) (int64, error) { return BackupFile(path, w) }, func(tmp string) error {
		_, err := Verify(tmp)
		return err
	})
	must(t, err, "BackupFile")
	if fi, _ := os.Stat(out); fi == nil || fi.Size() != n || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file %v; want %d bytes, mode 0600", fi, n)
	}
	dup := openTestDBWith(t, out, Options{})
	if u, err := dup.LocalUser("amal"); err != nil || u.ID != amal.ID {
		t.Errorf("LocalUser(amal) in the copy: %v, %v", u.ID, err)
	}
	if _, err := BackupFile(filepath.Join(dir, "missing.db"), io.Discard); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("BackupFile(missing): got %v, want ErrNotExist", err)
	}
}

// writeBoltFile writes a bare bbolt file at path through fn.
func writeBoltFile(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	must(t, err, "bolt.Open")
	err = b.Update(fn)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	must(t, err, "write %s", path)
}

// schemaFile writes a file with only a meta bucket at schema version v.
func schemaFile(t *testing.T, path string, v uint64) string {
	writeBoltFile(t, path, func(tx *bolt.Tx) error {
		m, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return m.Put(keySchemaVersion, u64(v))
	})
	return path
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	db, err := Open(good, Options{})
	must(t, err, "Open")
	amal := createUser(t, db, "amal")
	for range 3 {
		createPost(t, db, amal)
	}
	must(t, db.Close(), "Close")

	garbage := filepath.Join(dir, "garbage.db")
	must(t, os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 1000), 0o600), "write garbage")
	empty := filepath.Join(dir, "other.db")
	writeBoltFile(t, empty, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("stuff")); return err })
	newer := schemaFile(t, filepath.Join(dir, "newer.db"), SchemaVersion()+3)
	noVersion := schemaFile(t, filepath.Join(dir, "zero.db"), 0)

	tests := []struct {
		name    string
		path    string
		wantErr error
		wantMsg string
	}{
		{"good", good, nil, ""},
		{"garbage", garbage, ErrInvalid, "not a majlis database"},
		{"bbolt but not majlis", empty, ErrInvalid, "no meta bucket"},
		{"no schema version", noVersion, ErrInvalid, "no schema version"},
		{"newer schema", newer, ErrNewerSchema, fmt.Sprintf("file has schema version %d, this majlis knows up to %d", SchemaVersion()+3, SchemaVersion())},
		{"missing", filepath.Join(dir, "missing.db"), os.ErrNotExist, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Verify(tt.path)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Verify: got %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
			if err == nil && (info.SchemaVersion != SchemaVersion() || info.Users != 1 || info.Posts != 3) {
				t.Errorf("got %+v; want schema %d, 1 user, 3 posts", info, SchemaVersion())
			}
		})
	}
}

func TestRestore(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "majlis.db")
	now := time.Date(2026, 11, 28, 14, 30, 5, 0, time.UTC)

	// The backup holds amal; the live file later holds amal and bilal.
	db, err := Open(dbPath, Options{})
	must(t, err, "Open")
	createUser(t, db, "amal")
	backup := filepath.Join(dir, "backup.db")
	_, err = WriteFileAtomic(backup, db.Backup, nil)
	must(t, err, "Backup")
	createUser(t, db, "bilal")

	// Refused while the file is open.
	if _, _, err := Restore(dbPath, backup, now); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "stop the server") {
		t.Errorf("Restore over an open file: got %v, want ErrLocked telling to stop the server", err)
	}
	must(t, db.Close(), "Close")

	// A newer file is refused and the live file stays.
	newer := schemaFile(t, filepath.Join(dir, "newer.db"), SchemaVersion()+1)
	if _, _, err := Restore(dbPath, newer, now); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Restore(newer): got %v, want ErrNewerSchema", err)
	}
	if _, _, err := Restore(dbPath, dbPath, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("Restore(itself): got %v, want ErrInvalid", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dbPath)); len(entries) != 1 {
		t.Errorf("refused restores left files: %v", entries)
	}

	info, kept, err := Restore(dbPath, backup, now)
	must(t, err, "Restore")
	if want := dbPath + ".before-restore-20261128T143005Z"; kept != want {
		t.Errorf("kept the old file as %q, want %q", kept, want)
	}
	if info.Users != 1 || info.SchemaVersion != SchemaVersion() {
		t.Errorf("got %+v, want 1 user at schema %d", info, SchemaVersion())
	}
	restored := openTestDBWith(t, dbPath, Options{})
	if _, err := restored.LocalUser("bilal"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bilal after the restore: got %v, want ErrNotFound", err)
	}
	if _, err := restored.LocalUser("amal"); err != nil {
		t.Errorf("amal after the restore: %v", err)
	}
	old := openTestDBWith(t, kept, Options{})
	if _, err := old.LocalUser("bilal"); err != nil {
		t.Errorf("bilal in the kept file: %v", err)
	}
	if fi, err := os.Stat(dbPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}

	// Into an empty data folder: nothing to keep.
	fresh := filepath.Join(dir, "fresh", "majlis.db")
	if _, kept, err := Restore(fresh, backup, now); err != nil || kept != "" {
		t.Errorf("Restore into a new folder: kept %q, %v; want nothing kept, nil", kept, err)
	}
}

// A file written by the first release — schema version 1, only the buckets
// it knew — is upgraded step by step when opened, with a log line per step.
func TestUpgradeFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	v1Buckets := []string{"meta", "users", "usernames", "posts", "author_posts", "local_posts",
		"follows", "followers", "sessions", "user_sessions"}
	writeBoltFile(t, path, func(tx *bolt.Tx) error {
		for _, name := range v1Buckets {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), u64(1))
	})

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	db := openTestDBWith(t, path, Options{Logger: logger})
	if v, err := db.schemaVersion(); err != nil || v != SchemaVersion() {
		t.Fatalf("got schema version %d, %v; want %d", v, err, SchemaVersion())
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing after the upgrade", name)
			}
		}
		return nil
	})
	must(t, err, "View")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var upgrades []string
	for _, l := range lines {
		if strings.Contains(l, `msg="database upgraded"`) {
			upgrades = append(upgrades, l)
		}
	}
	if got, want := len(upgrades), int(SchemaVersion())-1; got != want {
		t.Fatalf("got %d upgrade log lines, want one per step (%d):\n%s", got, want, logs.String())
	}
	for i, l := range upgrades {
		v := i + 2
		if want := fmt.Sprintf("schema_version=%d", v); !strings.Contains(l, want) || !strings.Contains(l, migrations[v-1].name) {
			t.Errorf("log line %q does not name step %d (%s)", l, v, migrations[v-1].name)
		}
	}
	if _, err := Verify(path); !errors.Is(err, ErrLocked) {
		// The file is open here; Verify must not wait forever nor succeed.
		t.Errorf("Verify on an open file: got %v, want ErrLocked", err)
	}
}
