package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"majlis/storage"
)

// runCheck opens the database and runs the consistency check.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("majlis check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("data", "data"), "folder that holds majlis.db (MAJLIS_DATA)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := filepath.Join(*data, "majlis.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		return err
	}
	users, _ := db.CountUsers()
	posts, _ := db.CountPosts()
	fmt.Fprintf(stdout, "%s: ok (schema %d, %d users, %d posts)\n", path, storage.SchemaVersion(), users, posts)
	return nil
}
