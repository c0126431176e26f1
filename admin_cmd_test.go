package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/admin"
	"majlis/storage"
)

// cli runs "majlis ARGS..." as main would, with stdin as standard input.
func cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

// mustCLI runs a command that must succeed and print want.
func mustCLI(t *testing.T, want, stdin string, args ...string) string {
	t.Helper()
	out, err := cli(t, stdin, args...)
	if err != nil {
		t.Fatalf("majlis %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if !strings.Contains(out, want) {
		t.Errorf("majlis %s printed %q, want it to contain %q", strings.Join(args, " "), out, want)
	}
	return out
}

// failCLI runs a command that must fail with an error saying want.
func failCLI(t *testing.T, want, stdin string, args ...string) {
	t.Helper()
	out, err := cli(t, stdin, args...)
	if err == nil {
		t.Fatalf("majlis %s succeeded, want an error saying %q\n%s", strings.Join(args, " "), want, out)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("majlis %s: error %q does not say %q", strings.Join(args, " "), err, want)
	}
}

// shortDir is a data folder whose admin socket path fits the ~100 bytes
// a Unix socket path may have (t.TempDir() can be longer).
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mj")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// openData opens the data folder's database while no server runs.
func openData(t *testing.T, dir string) *storage.DB {
	t.Helper()
	db, err := storage.Open(filepath.Join(dir, "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func clearEnv(t *testing.T) {
	for _, k := range []string{"MAJLIS_DATA", "MAJLIS_URL"} {
		t.Setenv(k, "")
		unsetenv(t, k)
	}
}

// The user commands with no server running: they open the file.
func TestUserCommandsOffline(t *testing.T) {
	clearEnv(t)
	dir := shortDir(t)
	d := []string{"-data", dir}

	failCLI(t, "-url", "password123\n", append([]string{"user", "create", "amal"}, d...)...)
	mustCLI(t, `created "amal", role admin`, "password123\n", append([]string{"user", "create", "amal", "-url", "https://m.example"}, d...)...)
	// Flags after the name; a made-up password, printed.
	out := mustCLI(t, `created "bilal", role user`, "", "user", "create", "bilal", "-display", "Bilal B", "-random-password", "-data", dir, "-url", "https://m.example")
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password printed:\n%s", out)
	}
	bilalPassword := m[1]
	mustCLI(t, `created "chadi", role admin`, "password123\r\n", append([]string{"user", "create", "-admin", "chadi", "-url", "https://m.example"}, d...)...)

	failCLI(t, `user "AMAL" already exists`, "password123\n", append([]string{"user", "create", "AMAL"}, d...)...)
	failCLI(t, "letters, digits or underscores", "password123\n", append([]string{"user", "create", "no-dashes"}, d...)...)
	failCLI(t, "no password on standard input", "", append([]string{"user", "create", "dana"}, d...)...)
	failCLI(t, "at least 8 characters", "short\n", append([]string{"user", "create", "dana"}, d...)...)
	failCLI(t, "usage: majlis user create NAME", "", append([]string{"user", "create"}, d...)...)
	failCLI(t, "unknown command", "", "user", "frobnicate")

	db := openData(t, dir)
	bilal, err := db.LocalUser("bilal")
	if err != nil {
		t.Fatal(err)
	}
	if bilal.URI != "https://m.example/users/bilal" || bilal.DisplayName != "Bilal B" {
		t.Errorf("bilal: URI %q, display name %q", bilal.URI, bilal.DisplayName)
	}
	if bcrypt.CompareHashAndPassword([]byte(bilal.PasswordHash), []byte(bilalPassword)) != nil {
		t.Errorf("the printed password does not match bilal's hash")
	}
	now := time.Now()
	if err := db.SaveSession(storage.Session{ID: "s-bilal", UserID: bilal.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// While this process holds the file, a command fails fast.
	failCLI(t, "another majlis process", "", append([]string{"user", "list"}, d...)...)
	db.Close()

	mustCLI(t, `"bilal" is now moderator`, "", append([]string{"user", "role", "bilal", "moderator"}, d...)...)
	failCLI(t, `role "king"`, "", append([]string{"user", "role", "bilal", "king"}, d...)...)
	mustCLI(t, `"bilal" is suspended`, "", append([]string{"user", "suspend", "bilal"}, d...)...)
	failCLI(t, `user "ghost" not found`, "", append([]string{"user", "suspend", "ghost"}, d...)...)
	mustCLI(t, `two-factor login of "amal" is off`, "", append([]string{"user", "reset-2fa", "amal"}, d...)...)
	failCLI(t, `user "ghost" not found`, "", append([]string{"user", "reset-2fa", "ghost"}, d...)...)
	out = mustCLI(t, "3 accounts", "", append([]string{"user", "list"}, d...)...)
	for _, re := range []string{`(?m)^USERNAME\s+ROLE\s+STATUS\s+POSTS\s+CREATED$`, `(?m)^chadi\s+admin\s+active\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d$`,
		`(?m)^bilal\s+moderator\s+suspended\s+0\s`, `(?m)^amal\s+admin\s+active\s`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("user list does not match %s:\n%s", re, out)
		}
	}
	mustCLI(t, "1 account\n", "", append([]string{"user", "list", "BI"}, d...)...)

	db = openData(t, dir)
	if _, _, err := db.SessionUser("s-bilal"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bilal's session after the suspension: got %v, want ErrNotFound", err)
	}
	db.Close()

	mustCLI(t, `"bilal" is active`, "", append([]string{"user", "unsuspend", "bilal"}, d...)...)
	mustCLI(t, `new password for "bilal"`, "new password 1\n", append([]string{"user", "password", "bilal"}, d...)...)
	failCLI(t, `user "ghost" not found`, "password123\n", append([]string{"user", "password", "ghost"}, d...)...)
	db = openData(t, dir)
	bilal, _ = db.LocalUser("bilal")
	if bcrypt.CompareHashAndPassword([]byte(bilal.PasswordHash), []byte("new password 1")) != nil || bilal.MustChangePassword {
		t.Errorf("after user password: the hash does not match, or must-change is set")
	}
	db.Close()

	mustCLI(t, "ok (schema", "", "check", "-data", dir)
	failCLI(t, "no database at", "", "user", "list", "-data", filepath.Join(dir, "typo"))
	failCLI(t, "no such file", "", "check", "-data", filepath.Join(dir, "typo"))

	// A socket left by a crashed server does not stop the commands, and
	// goes once the file is held.
	sock := filepath.Join(dir, admin.SocketName)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	mustCLI(t, "ok (schema", "", "check", "-data", dir)
	mustCLI(t, "3 accounts", "", append([]string{"user", "list"}, d...)...)
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale socket after a command: %v, want it removed", err)
	}
}

// webUser is a logged-in browser.
type webUser struct {
	name string
	c    *http.Client
}

func login(t *testing.T, base, name, password string) webUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: got %d, want 303", name, resp.StatusCode)
	}
	return webUser{name, c}
}

// signedIn tells whether the browser's session still works.
func (u webUser) signedIn(t *testing.T, base string) bool {
	t.Helper()
	resp, err := u.c.Get(base + "/settings")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (u webUser) post(base, body string) error {
	resp, err := u.c.PostForm(base+"/posts", url.Values{"body": {body}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("post by %s: got %d, want 303", u.name, resp.StatusCode)
	}
	return nil
}

// The commands with the server running reach it through the admin
// socket: accounts, suspension (which signs the browser out at once), a
// hot backup taken while eight people keep posting, check, and restore
// refused until the server stops.
func TestCommandsWithServerRunning(t *testing.T) {
	clearEnv(t)
	dir := shortDir(t)
	d := []string{"-data", dir}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, "-addr", "127.0.0.1:0", "-data", dir, "-url", "https://m.example")
	base := "http://" + addr

	sock := filepath.Join(dir, admin.SocketName)
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v, %v; want a socket with mode 0600", fi, err)
	}

	mustCLI(t, `created "amal", role admin`, "password123\n", append([]string{"user", "create", "amal"}, d...)...)
	mustCLI(t, `created "bilal", role user`, "password123\n", append([]string{"user", "create", "bilal", "-display", "Bilal"}, d...)...)
	failCLI(t, `user "bilal" already exists`, "password123\n", append([]string{"user", "create", "bilal"}, d...)...)
	mustCLI(t, `"bilal" is now moderator`, "", append([]string{"user", "role", "bilal", "moderator"}, d...)...)
	failCLI(t, `only admin`, "", append([]string{"user", "role", "amal", "user"}, d...)...)

	bilal := login(t, base, "bilal", "password123")
	if !bilal.signedIn(t, base) {
		t.Fatal("bilal is not signed in after logging in")
	}
	mustCLI(t, `"bilal" is suspended`, "", append([]string{"user", "suspend", "bilal"}, d...)...)
	if bilal.signedIn(t, base) {
		t.Errorf("bilal's browser is still signed in after the suspension")
	}
	out := mustCLI(t, "2 accounts", "", append([]string{"user", "list"}, d...)...)
	if !regexp.MustCompile(`(?m)^bilal\s+moderator\s+suspended\s`).MatchString(out) {
		t.Errorf("user list:\n%s", out)
	}
	mustCLI(t, `"bilal" is active`, "", append([]string{"user", "unsuspend", "bilal"}, d...)...)
	bilal = login(t, base, "bilal", "password123")
	mustCLI(t, `new password for "bilal"`, "password456\n", append([]string{"user", "password", "bilal"}, d...)...)
	if bilal.signedIn(t, base) {
		t.Errorf("bilal's browser is still signed in after the password change")
	}
	login(t, base, "bilal", "password456")
	mustCLI(t, "checked by the running server", "", "check", "-data", dir)

	// Eight writers post through the web while the backup runs.
	var writers []webUser
	for i := range 8 {
		name := fmt.Sprintf("w%d", i)
		mustCLI(t, "created", "password123\n", append([]string{"user", "create", name}, d...)...)
		writers = append(writers, login(t, base, name, "password123"))
	}
	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make(chan error, len(writers))
	)
	for _, w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf("post %d by %s", i, w.name)
				if err := w.post(base, body); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				acked = append(acked, body)
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "nightly.db")
	out = mustCLI(t, "from the running server", "", append([]string{"backup", backup}, d...)...)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%s(%d posts acknowledged before the backup, %d while it ran)", out, len(before), during)

	info, err := storage.Verify(backup)
	if err != nil {
		t.Fatalf("the backup does not pass the check: %v", err)
	}
	if info.Users != 10 || info.Posts < len(before) {
		t.Errorf("backup: %+v; want 10 users and at least %d posts", info, len(before))
	}
	if missing := missingPosts(t, backup, before); len(missing) > 0 {
		t.Errorf("%d posts acknowledged before the backup are not in it, e.g. %q", len(missing), missing[0])
	}

	failCLI(t, "server is running", "", append([]string{"restore", backup}, d...)...)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop")
	}
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("admin socket after the server stopped: %v, want it removed", err)
	}
	if !strings.Contains(logs.String(), `msg="admin operation" op=user.suspend`) {
		t.Errorf("the server did not log the suspension:\n%s", logs)
	}
	if strings.Contains(logs.String(), "password123") || strings.Contains(logs.String(), "password456") {
		t.Errorf("a password reached the log")
	}

	// Stopped: the same commands work on the file, and restore goes ahead.
	mustCLI(t, "10 accounts", "", append([]string{"user", "list"}, d...)...)
	mustCLI(t, "ok (schema", "", "check", "-data", dir)
	out = mustCLI(t, "restored "+backup, "", append([]string{"restore", backup}, d...)...)
	m := regexp.MustCompile(`kept as (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("restore does not say where the old file is:\n%s", out)
	}
	if !strings.HasPrefix(m[1], filepath.Join(dir, "majlis.db.before-restore-")) {
		t.Errorf("old file kept as %q", m[1])
	}
	if info, err := storage.Verify(m[1]); err != nil || info.Posts < len(before)+during {
		t.Errorf("the kept file: %+v, %v; want every acknowledged post (%d)", info, err, len(before)+during)
	}
	if info, err := storage.Verify(filepath.Join(dir, "majlis.db")); err != nil || info.Posts != mustVerify(t, backup).Posts {
		t.Errorf("the restored file: %+v, %v; want the backup's posts", info, err)
	}
}

func mustVerify(t *testing.T, path string) storage.FileInfo {
	t.Helper()
	info, err := storage.Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// missingPosts lists the bodies of want that no post in the file at path
// has.
func missingPosts(t *testing.T, path string, want []string) []string {
	t.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	have := map[string]bool{}
	users, err := db.ListUsers(storage.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Users {
		page := storage.Page{Limit: 100}
		for {
			tl, err := db.AuthorTimeline(u.ID, u.ID, true, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tl.Entries {
				have[strings.TrimSpace(e.Post.Source)] = true
			}
			if tl.Next == 0 {
				break
			}
			page.Before = tl.Next
		}
	}
	var missing []string
	for _, body := range want {
		if !have[body] {
			missing = append(missing, body)
		}
	}
	return missing
}

// schemaKey is the meta key of the schema version; bbolt keeps a key and
// its value side by side in a leaf page.
var schemaKey = []byte("schema_version")

// newerSchemaFile makes a database in dir and rewrites its schema version
// to a newer one, as a newer majlis would have left it. (Only storage
// imports bbolt, so the test edits the bytes: the value follows the key.)
func newerSchemaFile(t *testing.T, dir string, newer uint64) {
	t.Helper()
	openData(t, dir).Close()
	path := filepath.Join(dir, "majlis.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cur := storage.SchemaVersion()
	old := append(append([]byte(nil), schemaKey...), be64(cur)...)
	if !bytes.Contains(b, old) {
		t.Fatalf("schema version %d not found in the file", cur)
	}
	b = bytes.ReplaceAll(b, old, append(append([]byte(nil), schemaKey...), be64(newer)...))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Verify(path); !errors.Is(err, storage.ErrNewerSchema) {
		t.Fatalf("the edited file: Verify says %v, want ErrNewerSchema", err)
	}
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	for i := range 8 {
		b[7-i] = byte(v >> (8 * i))
	}
	return b
}

// A file from a newer majlis is refused with a clear message: by the
// server at start, by restore and by check.
func TestNewerSchemaRefused(t *testing.T) {
	clearEnv(t)
	dir := shortDir(t)
	newer := storage.SchemaVersion() + 1
	newerSchemaFile(t, dir, newer)
	want := fmt.Sprintf("file has schema version %d, this majlis knows up to %d", newer, storage.SchemaVersion())

	var out bytes.Buffer
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", dir}, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("serve on a newer file: got %v, want %q", err, want)
	}
	failCLI(t, want, "", "check", "-data", dir)

	other := shortDir(t)
	mustCLI(t, "created", "password123\n", "user", "create", "amal", "-data", other, "-url", "https://m.example")
	failCLI(t, want, "", "restore", "-data", other, filepath.Join(dir, "majlis.db"))
	mustCLI(t, "1 account\n", "", "user", "list", "-data", other)
}

func TestBackupAndRestoreOffline(t *testing.T) {
	clearEnv(t)
	dir := shortDir(t)
	d := []string{"-data", dir}
	mustCLI(t, "created", "password123\n", append([]string{"user", "create", "amal", "-url", "https://m.example"}, d...)...)
	backup := filepath.Join(t.TempDir(), "b.db")
	mustCLI(t, "from the file (no server running)", "", append([]string{"backup", backup}, d...)...)
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, %v; want mode 0600", fi, err)
	}
	failCLI(t, "is the database itself", "", append([]string{"backup", filepath.Join(dir, "majlis.db")}, d...)...)
	failCLI(t, "is a folder", "", append([]string{"backup", dir}, d...)...)

	mustCLI(t, "created", "password123\n", append([]string{"user", "create", "bilal", "-url", "https://m.example"}, d...)...)
	mustCLI(t, "2 accounts", "", append([]string{"user", "list"}, d...)...)

	// Refused while another process holds the file.
	db := openData(t, dir)
	failCLI(t, "stop the server first", "", append([]string{"restore", backup}, d...)...)
	db.Close()

	mustCLI(t, "kept as", "", append([]string{"restore", backup}, d...)...)
	mustCLI(t, "1 account\n", "", append([]string{"user", "list"}, d...)...)
	failCLI(t, "no such file", "", append([]string{"restore", filepath.Join(dir, "nothing-here.db")}, d...)...)
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("junk"), 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	failCLI(t, "not a majlis database", "", append([]string{"restore", junk}, d...)...)
	mustCLI(t, "1 account\n", "", append([]string{"user", "list"}, d...)...)
}
