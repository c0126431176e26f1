package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"majlis/storage"
)

// majlis reindex rebuilds the search index of a file no server holds, and
// majlis check then finds it in agreement with the posts and prints its
// size.
func TestReindexAndCheckSearch(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := storage.User{Username: "amal", URI: "http://localhost/users/amal", Indexable: true}
	if err := db.CreateUser(&u); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"first words", "second words"} {
		id := db.NewID()
		p := storage.Post{ID: id, AuthorID: u.ID, URI: "http://localhost/@amal/" + id.String(), Source: text, Local: true}
		if err := db.CreatePost(&p); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"reindex", "-data", dir}, nil, &out, io.Discard); err != nil {
		t.Fatalf("reindex: %v", err)
	}
	if !strings.Contains(out.String(), "2 posts indexed") {
		t.Errorf("reindex printed %q, want 2 posts indexed", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"check", "-data", dir}, nil, &out, io.Discard); err != nil {
		t.Fatalf("check: %v", err)
	}
	if !strings.Contains(out.String(), "search index: 2 posts indexed") {
		t.Errorf("check printed %q, want the search index's size", out.String())
	}
}
