package federation

import (
	"path/filepath"
	"testing"

	"majlis/storage"
)

func TestKeysAreMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := NewKeys(db)
	a, err := k.Private(storage.InstanceActor)
	if err != nil {
		t.Fatal(err)
	}
	if a.N.BitLen() != KeyBits {
		t.Fatalf("key of %d bits, want %d", a.N.BitLen(), KeyBits)
	}
	db.Close()
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := NewKeys(db).Private(storage.InstanceActor)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Equal(b) {
		t.Fatal("the instance key changed across a restart: every server that cached it would refuse our signatures")
	}
	if _, err := NewKeys(db).Private(storage.ID(12345)); err == nil {
		t.Fatal("a key was made for an account that does not exist")
	}
}
