package storage

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Every bucket the code uses is made by a migration step, so a file
// upgraded from any released version has it too (not only a fresh one).
func TestMigrationsCreateEveryBucket(t *testing.T) {
	if got, want := SchemaVersion(), uint64(len(migrations)); got != want {
		t.Errorf("got SchemaVersion() %d, want len(migrations) %d", got, want)
	}

	// Run the steps themselves on an empty bbolt file and see what they make.
	path := filepath.Join(t.TempDir(), "bare.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	must(t, err, "bolt.Open")
	defer b.Close()
	createdBy := map[string]string{}
	for _, m := range migrations {
		err := b.Update(func(tx *bolt.Tx) error {
			before := map[string]bool{}
			tx.ForEach(func(name []byte, _ *bolt.Bucket) error { before[string(name)] = true; return nil })
			if err := m.up(tx); err != nil {
				return err
			}
			return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				if !before[string(name)] {
					createdBy[string(name)] = m.name
				}
				return nil
			})
		})
		must(t, err, "migration %q", m.name)
	}
	known := map[string]bool{}
	for _, name := range allBuckets {
		known[string(name)] = true
		if _, ok := createdBy[string(name)]; !ok && string(name) != string(bucketMeta) {
			t.Errorf("bucket %s is in allBuckets but no migration creates it", name)
		}
	}
	for name, step := range createdBy {
		if !known[name] {
			t.Errorf("migration %q creates bucket %s, which allBuckets does not list", step, name)
		}
	}

	t.Run("fresh file", func(t *testing.T) {
		db := openTestDB(t)
		err := db.bolt.View(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				if tx.Bucket(name) == nil {
					t.Errorf("bucket %s missing in a fresh file", name)
				}
			}
			return nil
		})
		must(t, err, "View")
		if v, err := db.schemaVersion(); err != nil || v != SchemaVersion() {
			t.Errorf("got schema version %d, %v; want %d", v, err, SchemaVersion())
		}
	})

	// A file written by the first release (schema 1) gains the
	// conversation buckets when opened.
	t.Run("upgrade from schema 1", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.db")
		b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		must(t, err, "bolt.Open")
		err = b.Update(func(tx *bolt.Tx) error {
			if err := migrations[0].up(tx); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(1))
		})
		b.Close()
		must(t, err, "write a schema 1 file")
		db := openTestDBWith(t, path, Options{})
		u := createUser(t, db, "amal")
		v := createUser(t, db, "bilal")
		p := write(t, db, u, tagged("x"), mentioning(v))
		if _, err := db.Like(v.ID, p.ID); err != nil {
			t.Errorf("Like on an upgraded file: %v", err)
		}
		if v, _ := db.schemaVersion(); v != SchemaVersion() {
			t.Errorf("got schema version %d, want %d", v, SchemaVersion())
		}
	})
}
