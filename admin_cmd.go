package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"majlis/admin"
	"majlis/storage"
)

// The operator's commands (user, backup, restore, check) work whether or
// not the server runs. bbolt lets one process open the file, so when a
// server runs they ask it through its admin socket DATA/admin.sock; when
// none answers there they open the file themselves.

// startAdmin records the instance's URL (for accounts made while the
// server is stopped) and serves the admin socket in the data folder. The
// returned stop, safe to call twice, lets operations in flight finish (up
// to 15 seconds) and removes the socket. The server runs on without a
// socket when it cannot make one (a data path too long for a Unix socket).
func startAdmin(db *storage.DB, c config, logger *slog.Logger) (stop func(), err error) {
	if err := db.SetInstanceURL(c.url); err != nil {
		return nil, err
	}
	path := filepath.Join(c.data, admin.SocketName)
	ln, err := admin.Listen(path)
	if err != nil {
		logger.Error("no admin socket: the user, backup and check commands need the server stopped", "err", err)
		return func() {}, nil
	}
	srv := admin.NewServer(&admin.Ops{DB: db, PasswordCost: admin.DefaultPasswordCost, BaseURL: c.url}, logger)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil {
			logger.Error("admin socket", "err", err)
		}
	}()
	logger.Info("admin socket", "path", path)
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				logger.Error("admin socket shutdown", "err", err)
			}
			<-done
		})
	}, nil
}

// target is how a command reaches the database: a Client of the running
// server, or Ops on the file opened here.
type target struct {
	op    admin.Operator
	close func() error
}

// connect reaches the running server through its admin socket or, when no
// server answers, opens the database file (creating it only when create is
// set). A socket file left by a crashed server is removed once the file is
// held, when no server can be starting.
func connect(data, url string, create bool, stderr io.Writer) (*target, error) {
	dbPath := filepath.Join(data, "majlis.db")
	sock := filepath.Join(data, admin.SocketName)
	online := func() (*target, error) {
		c, err := admin.Dial(sock)
		if err != nil {
			return nil, err
		}
		return &target{op: c, close: c.Close}, nil
	}
	t, err := online()
	if !errors.Is(err, admin.ErrNoServer) {
		return t, err
	}
	if !create {
		if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (is -data right?)", dbPath)
		}
	}
	db, err := storage.Open(dbPath, storage.Options{Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if errors.Is(err, storage.ErrLocked) {
		// A server may have started in between.
		if t, derr := online(); derr == nil {
			return t, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if _, err := admin.RemoveStale(sock); err != nil {
		fmt.Fprintf(stderr, "majlis: %v\n", err)
	}
	ops := &admin.Ops{DB: db, PasswordCost: admin.DefaultPasswordCost, BaseURL: url}
	return &target{op: ops, close: db.Close}, nil
}

// newFlags makes the flag set of "majlis NAME".
func newFlags(name, usage, about string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("majlis "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: majlis %s %s\n\n%s\n\nFlags:\n", name, usage, about)
		fs.PrintDefaults()
	}
	data := fs.String("data", env("data", "data"), "folder that holds majlis.db (MAJLIS_DATA)")
	return fs, data
}

// parseArgs parses flags placed before, between or after the positional
// arguments ("user create NAME -admin") and returns the positionals; "--"
// ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parsePositional parses args and wants exactly len(names) positionals.
func parsePositional(fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != len(names) {
		return nil, fmt.Errorf("usage: %s %s (run %s -h)", fs.Name(), strings.Join(names, " "), fs.Name())
	}
	return pos, nil
}

// helpOrErr turns -h into a quiet success.
func helpOrErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// readPassword reads a password from the first line of stdin. On a
// terminal the typing shows (golang.org/x/term is not a dependency), so it
// says so and tells how to pipe one in instead.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(stderr, "New password (it shows as you type; to hide it, pipe it in: echo 'pw' | majlis user ...): ")
		}
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on standard input: pipe one in (echo 'pw' | majlis user ...) or use -random-password")
	}
	return line, nil
}

const userUsage = `Usage: majlis user COMMAND [flags]

Manages accounts, with the server running (through its admin socket) or
stopped (on the database file). Commands:

  create NAME [-admin] [-display NAME] [-random-password]
                        create an account; the password is the first line of
                        standard input (echo 'pw' | majlis user create NAME),
                        or made up and printed with -random-password
  password NAME [-random-password] [-must-change]
                        set a new password (from standard input) and sign the
                        account out everywhere
  role NAME ROLE        make the account a user, moderator or admin
  suspend NAME          stop the account from logging in and end its sessions
  unsuspend NAME        let a suspended account log in again
  reset-2fa NAME        turn the account's two-factor login off (a member who
                        lost both the phone and the recovery codes)
  list [PREFIX]         list the accounts (username, role, status, posts,
                        created), newest first

Every command takes -data DIR (MAJLIS_DATA). Run majlis user COMMAND -h for
its flags.
`

// runUser is "majlis user COMMAND".
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return errors.New("user: which command? (create, password, role, suspend, unsuspend, reset-2fa, list)")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "create":
		return helpOrErr(userCreate(rest, stdin, stdout, stderr))
	case "password":
		return helpOrErr(userPassword(rest, stdin, stdout, stderr))
	case "role":
		return helpOrErr(userRole(rest, stdout, stderr))
	case "suspend", "unsuspend":
		return helpOrErr(userSuspend(sub, rest, stdout, stderr))
	case "list":
		return helpOrErr(userList(rest, stdout, stderr))
	case "reset-2fa":
		return helpOrErr(userResetTwoFactor(rest, stdout, stderr))
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	return fmt.Errorf("user: unknown command %q (run majlis user -h)", sub)
}

func userCreate(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, data := newFlags("user create", "NAME [-admin] [-display NAME] [-random-password]",
		"Creates an account. The password is the first line of standard input:\n"+
			"  echo 'a long password' | majlis user create NAME\n"+
			"or, with -random-password, made up and printed.", stderr)
	url := fs.String("url", env("url", ""), "public URL of the instance, for the account's URI while the server is stopped (MAJLIS_URL); default: the URL the server last ran with")
	isAdmin := fs.Bool("admin", false, "make the account an admin")
	display := fs.String("display", "", "display name")
	random := fs.Bool("random-password", false, "make up a password and print it instead of reading one")
	pos, err := parsePositional(fs, args, "NAME")
	if err != nil {
		return err
	}
	name := pos[0]
	if err := admin.CheckUsername(name); err != nil {
		return err // before asking for a password
	}
	password := admin.RandomPassword()
	if !*random {
		if password, err = readPassword(stdin, stderr); err != nil {
			return err
		}
	}
	t, err := connect(*data, *url, true, stderr)
	if err != nil {
		return err
	}
	defer t.close()
	u, err := t.op.CreateUser(name, *display, password, *isAdmin)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %q, role %s\n", u.Username, u.Role)
	if *random {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func userPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, data := newFlags("user password", "NAME [-random-password] [-must-change]",
		"Sets a new password, read from the first line of standard input\n"+
			"(echo 'a long password' | majlis user password NAME), and ends every\n"+
			"session of the account.", stderr)
	random := fs.Bool("random-password", false, "make up a password and print it instead of reading one")
	mustChange := fs.Bool("must-change", false, "ask for a new password at the next login")
	pos, err := parsePositional(fs, args, "NAME")
	if err != nil {
		return err
	}
	password := admin.RandomPassword()
	if !*random {
		if password, err = readPassword(stdin, stderr); err != nil {
			return err
		}
	}
	t, err := connect(*data, "", false, stderr)
	if err != nil {
		return err
	}
	defer t.close()
	u, err := t.op.SetPassword(pos[0], password, *mustChange)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new password for %q; every session of the account has ended\n", u.Username)
	if *random {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func userRole(args []string, stdout, stderr io.Writer) error {
	fs, data := newFlags("user role", "NAME ROLE", "Makes the account a user, moderator or admin.", stderr)
	pos, err := parsePositional(fs, args, "NAME", "ROLE")
	if err != nil {
		return err
	}
	role := storage.Role(strings.ToLower(pos[1]))
	if !role.Valid() {
		return fmt.Errorf("role %q: use user, moderator or admin", pos[1])
	}
	t, err := connect(*data, "", false, stderr)
	if err != nil {
		return err
	}
	defer t.close()
	u, err := t.op.SetRole(pos[0], role)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%q is now %s\n", u.Username, u.Role)
	return nil
}

func userSuspend(sub string, args []string, stdout, stderr io.Writer) error {
	about := "Suspends the account: it cannot log in, and its sessions end at once."
	if sub == "unsuspend" {
		about = "Lets a suspended account log in again."
	}
	fs, data := newFlags("user "+sub, "NAME", about, stderr)
	pos, err := parsePositional(fs, args, "NAME")
	if err != nil {
		return err
	}
	t, err := connect(*data, "", false, stderr)
	if err != nil {
		return err
	}
	defer t.close()
	var u admin.UserInfo
	if sub == "suspend" {
		u, err = t.op.Suspend(pos[0])
	} else {
		u, err = t.op.Unsuspend(pos[0])
	}
	if err != nil {
		return err
	}
	switch {
	case u.Status == storage.StatusSuspended:
		fmt.Fprintf(stdout, "%q is suspended; its sessions have ended\n", u.Username)
	case u.Status == storage.StatusActive:
		fmt.Fprintf(stdout, "%q is active\n", u.Username)
	default:
		fmt.Fprintf(stdout, "%q is %s, not suspended: left as it is\n", u.Username, u.Status)
	}
	return nil
}

func userResetTwoFactor(args []string, stdout, stderr io.Writer) error {
	fs, data := newFlags("user reset-2fa", "NAME",
		"Turns the account's two-factor login off: its authenticator secret and\n"+
			"recovery codes are deleted, and the password alone logs it in again.\n"+
			"Check first that the person asking really is the member.", stderr)
	pos, err := parsePositional(fs, args, "NAME")
	if err != nil {
		return err
	}
	t, err := connect(*data, "", false, stderr)
	if err != nil {
		return err
	}
	defer t.close()
	u, err := t.op.ResetTwoFactor(pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "two-factor login of %q is off; the password alone logs it in\n", u.Username)
	return nil
}

func userList(args []string, stdout, stderr io.Writer) error {
	fs, data := newFlags("user list", "[PREFIX]", "Lists the accounts, newest first; with PREFIX, those whose username starts with it.", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("usage: majlis user list [PREFIX]")
	}
	query := ""
	if len(pos) == 1 {
		query = pos[0]
	}
	t, err := connect(*data, "", false, stderr)
	if err != nil {
		return err
	}
	defer t.close()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tSTATUS\tPOSTS\tCREATED")
	n := 0
	page := storage.Page{Limit: 100}
	for {
		p, err := t.op.List(query, page)
		if err != nil {
			return err
		}
		for _, u := range p.Users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", u.Username, u.Role, u.Status, u.Posts, u.CreatedAt.UTC().Format("2006-01-02 15:04"))
			n++
		}
		if p.Next == 0 {
			break
		}
		page.Before = p.Next
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 1 {
		fmt.Fprintln(stdout, "1 account")
	} else {
		fmt.Fprintf(stdout, "%d accounts\n", n)
	}
	return nil
}

// runBackup is "majlis backup FILE".
func runBackup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, data := newFlags("backup", "[-data DIR] FILE",
		"Writes a consistent copy of the whole database to FILE (\"-\": standard output).\n"+
			"While the server runs, the server makes the copy and keeps serving; otherwise\n"+
			"majlis reads the file itself. The copy goes to FILE.tmp, is synced to disk and\n"+
			"checked, then renamed to FILE.", stderr)
	pos, err := parsePositional(fs, args, "FILE")
	if err != nil {
		return helpOrErr(err)
	}
	file, dbPath := pos[0], filepath.Join(*data, "majlis.db")
	if a, b := absPath(file), absPath(dbPath); a == b {
		return fmt.Errorf("backup: %s is the database itself; name another file", file)
	}
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		return fmt.Errorf("backup: %s is a folder; name the backup file, e.g. %s", file, filepath.Join(file, "majlis-"+time.Now().UTC().Format("2006-01-02")+".db"))
	}

	var write func(io.Writer) (int64, error)
	how := "from the running server"
	c, err := admin.Dial(filepath.Join(*data, admin.SocketName))
	switch {
	case err == nil:
		defer c.Close()
		write = c.Backup
	case errors.Is(err, admin.ErrNoServer):
		how = "from the file (no server running)"
		write = func(w io.Writer) (int64, error) { return storage.BackupFile(dbPath, w) }
	default:
		return fmt.Errorf("backup: %w", err)
	}

	if file == "-" {
		n, err := write(stdout)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "backed up %s %s: %d bytes\n", dbPath, how, n)
		return nil
	}
	var info storage.FileInfo
	n, err := storage.WriteFileAtomic(file, write, func(tmp string) error {
		var err error
		info, err = storage.Verify(tmp)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s %s: %d bytes, schema %d, %d users, %d posts; the copy passed the consistency check\n",
		dbPath, file, how, n, info.SchemaVersion, info.Users, info.Posts)
	return nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// runRestore is "majlis restore FILE".
func runRestore(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, data := newFlags("restore", "[-data DIR] FILE",
		"Replaces the database with the backup FILE, with the server stopped. FILE is\n"+
			"checked first (a majlis database, not from a newer majlis, consistent); the\n"+
			"database it replaces is kept as majlis.db.before-restore-TIMESTAMP.", stderr)
	pos, err := parsePositional(fs, args, "FILE")
	if err != nil {
		return helpOrErr(err)
	}
	file, dbPath := pos[0], filepath.Join(*data, "majlis.db")
	sock := filepath.Join(*data, admin.SocketName)
	c, err := admin.Dial(sock)
	if err == nil {
		c.Close()
		return fmt.Errorf("restore: the server is running (its admin socket %s answers); stop it first (e.g. systemctl stop majlis), then restore", sock)
	}
	if !errors.Is(err, admin.ErrNoServer) {
		return fmt.Errorf("restore: cannot tell whether the server runs: %w", err)
	}
	info, kept, err := storage.Restore(dbPath, file, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s: schema %d, %d users, %d posts\n", file, dbPath, info.SchemaVersion, info.Users, info.Posts)
	if kept != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", kept)
	}
	if v := storage.SchemaVersion(); info.SchemaVersion < v {
		fmt.Fprintf(stdout, "majlis upgrades it from schema %d to %d when it next starts\n", info.SchemaVersion, v)
	}
	return nil
}
