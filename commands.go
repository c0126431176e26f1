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
	return nil
}
