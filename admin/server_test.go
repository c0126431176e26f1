package admin

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

// socketPath is a path for a Unix socket: t.TempDir() can be longer than
// the ~100 bytes a socket path may have.
func socketPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mj")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, SocketName)
}

// serve runs a Server for ops on a fresh socket until the test ends; the
// channel closes when Serve has returned (and closed the listener).
func serve(t *testing.T, ops *Ops, tune func(*Server)) (string, *Server, <-chan struct{}) {
	t.Helper()
	path := socketPath(t)
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ops, slog.New(slog.DiscardHandler))
	if tune != nil {
		tune(srv)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("Shutdown: %v", err)
		}
		<-served
	})
	return path, srv, served
}

func dial(t *testing.T, path string) *Client {
	t.Helper()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Every operation through a real socket behaves as it does in-process,
// errors included.
func TestSocketRoundTrip(t *testing.T) {
	ops := newOps(t)
	path, _, _ := serve(t, ops, nil)
	c := dial(t, path)

	amal, err := c.CreateUser("amal", "Amal", "password123", false)
	wantError(t, err, nil, "")
	if amal.Role != storage.RoleAdmin || amal.DisplayName != "Amal" || amal.ID == 0 || amal.CreatedAt.IsZero() {
		t.Errorf("CreateUser: got %+v", amal)
	}
	bilal := mustCreate(t, c, "bilal", false)
	_, err = c.CreateUser("Bilal", "", "password123", false)
	wantError(t, err, storage.ErrExists, `user "Bilal" already exists`)
	_, err = c.CreateUser("bad name", "", "password123", false)
	wantError(t, err, storage.ErrInvalid, "letters, digits or underscores")

	session(t, ops.DB, "b1", bilal.ID)
	u, err := c.SetPassword("bilal", "password456", true)
	wantError(t, err, nil, "")
	if !u.MustChangePassword || sessionLive(ops.DB, "b1") {
		t.Errorf("SetPassword: must change %v, session live %v; want true, false", u.MustChangePassword, sessionLive(ops.DB, "b1"))
	}
	_, err = c.SetPassword("nobody", "password456", false)
	wantError(t, err, storage.ErrNotFound, `user "nobody" not found`)

	u, err = c.SetRole("bilal", storage.RoleModerator)
	wantError(t, err, nil, "")
	if u.Role != storage.RoleModerator {
		t.Errorf("SetRole: got %q", u.Role)
	}
	_, err = c.SetRole("amal", storage.RoleUser)
	wantError(t, err, storage.ErrForbidden, "only admin")

	session(t, ops.DB, "b2", bilal.ID)
	u, err = c.Suspend("bilal")
	wantError(t, err, nil, "")
	if _, _, err := ops.DB.SessionUser("b2"); u.Status != storage.StatusSuspended || !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Suspend: status %q, SessionUser %v; want suspended, ErrNotFound", u.Status, err)
	}
	u, err = c.Unsuspend("bilal")
	wantError(t, err, nil, "")
	if u.Status != storage.StatusActive {
		t.Errorf("Unsuspend: got %q", u.Status)
	}

	p, err := c.List("", storage.Page{Limit: 1})
	wantError(t, err, nil, "")
	if len(p.Users) != 1 || p.Users[0].Username != "bilal" || p.Next == 0 {
		t.Errorf("List: got %+v", p)
	}
	p, err = c.List("am", storage.Page{})
	wantError(t, err, nil, "")
	if len(p.Users) != 1 || p.Users[0].Username != "amal" || p.Users[0].Role != storage.RoleAdmin {
		t.Errorf("List(am): got %+v", p)
	}

	r, err := c.Check()
	wantError(t, err, nil, "")
	if r.Users != 2 || r.SchemaVersion != storage.SchemaVersion() {
		t.Errorf("Check: got %+v", r)
	}

	backup := filepath.Join(t.TempDir(), "backup.db")
	n, err := storage.WriteFileAtomic(backup, c.Backup, nil)
	wantError(t, err, nil, "")
	info, err := storage.Verify(backup)
	if err != nil || info.Users != 2 || info.Size != n {
		t.Errorf("Verify(backup of %d bytes): %+v, %v", n, info, err)
	}
	// The connection goes on after a backup.
	if _, err := c.Check(); err != nil {
		t.Errorf("Check after a backup: %v", err)
	}
}

func TestSocketFileLifecycle(t *testing.T) {
	ops := newOps(t)
	path, srv, served := serve(t, ops, nil)
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket file mode %v, want a socket with 0600", fi.Mode())
	}
	// A second server on the same socket is refused.
	if _, err := Listen(path); !errors.Is(err, ErrServerRunning) {
		t.Errorf("Listen on a live socket: got %v, want ErrServerRunning", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-served
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file after Shutdown: %v, want it removed", err)
	}
	if _, err := Dial(path); !errors.Is(err, ErrNoServer) {
		t.Errorf("Dial after Shutdown: got %v, want ErrNoServer", err)
	}
}

// A socket file left by a crashed server is told apart from a live one
// and removed.
func TestStaleSocket(t *testing.T) {
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // as a crash would: the file stays, nobody listens
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	if _, err := Dial(path); !errors.Is(err, ErrNoServer) {
		t.Errorf("Dial on a stale socket: got %v, want ErrNoServer", err)
	}
	removed, err := RemoveStale(path)
	if err != nil || !removed {
		t.Errorf("RemoveStale: %v, %v; want true, nil", removed, err)
	}
	if removed, err := RemoveStale(path); err != nil || removed {
		t.Errorf("RemoveStale with no file: %v, %v; want false, nil", removed, err)
	}

	// Listen replaces a stale socket by itself.
	ln, _ = net.Listen("unix", path)
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	ln, err = Listen(path)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	ln.Close()

	// A regular file in the way is not deleted.
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a regular file: got %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Errorf("the regular file was changed")
	}
}

// rawConn speaks the protocol by hand.
func rawConn(t *testing.T, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func TestProtocolErrors(t *testing.T) {
	ops := newOps(t)
	path, _, _ := serve(t, ops, nil)

	t.Run("bad requests keep the connection", func(t *testing.T) {
		c, r := rawConn(t, path)
		for _, tt := range []struct{ req, want string }{
			{"not json", `"code":"invalid"`},
			{`{"op":"user.delete","args":{}}`, `unknown operation \"user.delete\"`},
			{`{"op":"check","args":{},"extra":1}`, `unknown field`},
			{`{"op":"user.suspend","args":{"username":"ghost"}}`, `{"error":"user \"ghost\" not found","code":"not_found"}`},
			{`{"op":"check"}`, `{"ok":true,"result":{"path":`},
		} {
			if _, err := io.WriteString(c, tt.req+"\n"); err != nil {
				t.Fatal(err)
			}
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", tt.req, err)
			}
			if !strings.Contains(line, tt.want) {
				t.Errorf("%s: got %s, want it to contain %s", tt.req, line, tt.want)
			}
		}
	})

	t.Run("request too long", func(t *testing.T) {
		c, r := rawConn(t, path)
		go c.Write([]byte(`{"op":"check","args":{"username":"` + strings.Repeat("a", MaxRequest) + `"}}` + "\n"))
		line, err := r.ReadString('\n')
		if err != nil || !strings.Contains(line, "longer than 65536 bytes") {
			t.Errorf("got %q, %v; want a refusal", line, err)
		}
		// Closed with the rest of the request unread: EOF or a reset.
		if line, err := r.ReadString('\n'); err == nil {
			t.Errorf("after a long request: got %q, want the connection closed", line)
		}
	})
}

func TestIdleConnectionsEnd(t *testing.T) {
	ops := newOps(t)
	path, _, _ := serve(t, ops, func(s *Server) { s.IdleTimeout = 100 * time.Millisecond })
	_, r := rawConn(t, path)
	start := time.Now()
	if _, err := r.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection: got %v, want EOF", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("idle connection ended after %s", d)
	}

	// Shutdown ends idle connections at once, not after the idle timeout.
	path, srv, _ := serve(t, ops, func(s *Server) { s.IdleTimeout = time.Hour })
	_, r = rawConn(t, path)
	c := dial(t, path) // a client that made a call and now waits
	if _, err := c.Check(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with idle connections: %v", err)
	}
	if _, err := r.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection after Shutdown: got %v, want EOF", err)
	}
}

// failingWriter fails after a few bytes, as a full disk would.
type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errors.New("disk full")
	}
	w.left -= len(p)
	return len(p), nil
}

// A backup the client cannot store fails on the client side and leaves
// the server serving.
func TestBackupCutShort(t *testing.T) {
	ops := newOps(t)
	mustCreate(t, ops, "amal", false)
	path, _, _ := serve(t, ops, nil)
	c := dial(t, path)
	if _, err := c.Backup(&failingWriter{left: 5000}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Backup into a failing writer: got %v, want disk full", err)
	}
	// The same client connects again; the read transaction has ended, so
	// a write goes through.
	if _, err := c.CreateUser("bilal", "", "password123", false); err != nil {
		t.Errorf("CreateUser after a failed backup: %v", err)
	}
}
