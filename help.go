package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"majlis/storage"
)

// runHelp prints how to use majlis: the subcommands and the server's
// flags ("majlis help", like "majlis -h"), or a subcommand's own flags
// ("majlis help user"). It prints to stdout, so the text can be piped to
// a pager.
func runHelp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] != "help" {
		for _, c := range commands {
			if c.name == args[0] {
				return c.run(ctx, []string{"-h"}, stdin, stdout, stdout)
			}
		}
		return fmt.Errorf("unknown command %q (run majlis help)", args[0])
	}
	if _, err := parseFlags([]string{"-h"}, stdout); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}

// isHelp tells whether the first argument asks for help rather than a
// command or a flag.
func isHelp(args []string) bool {
	return len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help")
}

// logStartHints says at every start what a newcomer still has to set, until
// it is set: the public address (-url), and, until an admin has saved the
// instance settings, its name, rules and registration mode. Nothing is
// logged once all is done.
func logStartHints(logger *slog.Logger, db *storage.DB, c config) {
	if c.urlDefault {
		logger.Warn("set the public address before people join: -url https://your.domain (or MAJLIS_URL); users and posts get their addresses from it", "url", c.url)
	}
	s, saved, err := db.InstanceSettings()
	if err != nil {
		logger.Error("instance settings", "err", err)
		return
	}
	has, err := db.HasUsers()
	if err != nil {
		logger.Error("instance settings", "err", err)
		return
	}
	var todo []string
	if s.Name == "" {
		todo = append(todo, "name")
	}
	if strings.TrimSpace(s.Rules) == "" {
		todo = append(todo, "rules")
	}
	if !saved {
		todo = append(todo, "registration mode (now: "+string(s.Registrations)+")")
	}
	if len(todo) == 0 {
		return
	}
	where := "sign in as an admin and set them at " + c.url + "/admin/settings"
	if !has {
		where = "sign up at " + c.url + "/register (the first account becomes the admin), then set them at " + c.url + "/admin/settings"
	}
	logger.Info("the instance is not set up yet: "+where, "to set", strings.Join(todo, ", "))
}
