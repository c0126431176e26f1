package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"majlis/admin"
	"majlis/storage"
)

// runCheck runs the consistency check: in the running server, through its
// admin socket, or on the file (opened read-only) when no server runs.
func runCheck(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("majlis check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("data", "data"), "folder that holds majlis.db (MAJLIS_DATA)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	c, err := admin.Dial(filepath.Join(*data, admin.SocketName))
	switch {
	case err == nil:
		defer c.Close()
		r, err := c.Check()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: ok (schema %d, %d users, %d posts; checked by the running server)\n", r.Path, r.SchemaVersion, r.Users, r.Posts)
		return nil
	case !errors.Is(err, admin.ErrNoServer):
		return err
	}
	path := filepath.Join(*data, "majlis.db")
	info, err := storage.CheckFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok (schema %d, %d users, %d posts)\n", path, info.SchemaVersion, info.Users, info.Posts)
	return printSearchStats(path, stdout)
}

// printSearchStats says how big the search index is beside the text it
// indexes (opening the file read-only: no server runs).
func printSearchStats(path string, stdout io.Writer) error {
	s, err := storage.FileSearchStats(path)
	if err != nil {
		return err
	}
	ratio := 0.0
	if s.TextBytes > 0 {
		ratio = float64(s.KeyValueBytes) / float64(s.TextBytes)
	}
	fmt.Fprintf(stdout, "search index: %d posts indexed (%d queued, %d not yet), %d terms, %d postings in %d blocks; %d bytes of keys and values, %d bytes of pages, for %d bytes of text (%.2f)\n",
		s.Posts, s.Queued, s.Behind, s.Terms, s.Postings, s.Blocks, s.KeyValueBytes, s.PageBytes, s.TextBytes, ratio)
	return nil
}

// runReindex builds the search index again (storage.RebuildSearchIndex):
// after an upgrade that changes how text is analysed, or when check
// finds the index wrong.
func runReindex(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("majlis reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("data", "data"), "folder that holds majlis.db (MAJLIS_DATA)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	db, err := storage.Open(filepath.Join(*data, "majlis.db"), storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.RebuildSearchIndex()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "search index rebuilt: %d posts indexed\n", n)
	return nil
}
