package admin

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sync"
	"syscall"
	"time"

	"majlis/storage"
)

// ErrNoServer means no server answers on the admin socket: the socket file
// is missing, or is left over from a server that crashed.
var ErrNoServer = errors.New("no majlis server is running")

// Client runs operations in a running server through its admin socket.
// Its methods are safe for concurrent use (they take turns).
type Client struct {
	// Timeout bounds each call (a check of a large file takes a while);
	// during a backup it bounds the wait for each chunk.
	Timeout time.Duration

	mu   sync.Mutex
	path string
	conn net.Conn
	r    *bufio.Reader
}

// Dial connects to the admin socket at path. When no server answers there
// it returns an error matching ErrNoServer; the caller may then open the
// database itself (and, once it holds the file, remove a stale socket with
// RemoveStale).
func Dial(path string) (*Client, error) {
	c := &Client{path: path, Timeout: 10 * time.Minute}
	if err := c.connect(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) connect() error {
	conn, err := net.DialTimeout("unix", c.path, 5*time.Second)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("%w (admin socket %s: %v)", ErrNoServer, c.path, err)
		}
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("admin socket %s: %w (run majlis as the user the server runs as)", c.path, err)
		}
		return fmt.Errorf("admin socket %s: %w", c.path, err)
	}
	c.conn, c.r = conn, bufio.NewReader(conn)
	return nil
}

// Close ends the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// send writes a request, connecting again if an earlier call closed the
// connection.
func (c *Client) send(op string, a args) error {
	if c.conn == nil {
		if err := c.connect(); err != nil {
			return err
		}
	}
	line, err := json.Marshal(request{Op: op, Args: a})
	if err != nil {
		return err
	}
	if len(line) >= MaxRequest {
		return fmt.Errorf("%s: request longer than %d bytes: %w", op, MaxRequest, storage.ErrInvalid)
	}
	c.conn.SetDeadline(time.Now().Add(c.Timeout))
	if _, err := c.conn.Write(append(line, '\n')); err != nil {
		c.drop()
		return fmt.Errorf("admin socket: %w", err)
	}
	return nil
}

// receive reads one response line into out.
func (c *Client) receive(out any) error {
	line, err := readLine(c.r, maxResponse)
	if err != nil {
		c.drop()
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("admin socket: %w", err)
	}
	var resp response
	if err := json.Unmarshal(line, &resp); err != nil {
		c.drop()
		return fmt.Errorf("admin socket: bad response: %w", err)
	}
	if resp.Error != "" || !resp.OK {
		if resp.Error == "" {
			resp.Error = "the server answered neither ok nor an error"
		}
		return &RemoteError{Msg: resp.Error, Code: resp.Code}
	}
	if out != nil {
		if err := json.Unmarshal(resp.Result, out); err != nil {
			return fmt.Errorf("admin socket: bad result: %w", err)
		}
	}
	return nil
}

func (c *Client) drop() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// readLine reads up to a newline, refusing lines longer than max.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		part, err := r.ReadSlice('\n')
		line = append(line, part...)
		if len(line) > max {
			return nil, fmt.Errorf("response longer than %d bytes", max)
		}
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

func (c *Client) call(op string, a args, out any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.send(op, a); err != nil {
		return err
	}
	return c.receive(out)
}

func (c *Client) userCall(op string, a args) (UserInfo, error) {
	var u UserInfo
	err := c.call(op, a, &u)
	return u, err
}

// CreateUser asks the server to make an account.
func (c *Client) CreateUser(username, displayName, password string, admin bool) (UserInfo, error) {
	return c.userCall(opCreate, args{Username: username, DisplayName: displayName, Password: password, Admin: admin})
}

// SetPassword asks the server to replace a password.
func (c *Client) SetPassword(username, password string, mustChange bool) (UserInfo, error) {
	return c.userCall(opPassword, args{Username: username, Password: password, MustChange: mustChange})
}

// SetRole asks the server to change a role.
func (c *Client) SetRole(username string, role storage.Role) (UserInfo, error) {
	return c.userCall(opRole, args{Username: username, Role: role})
}

// Suspend asks the server to suspend an account.
func (c *Client) Suspend(username string) (UserInfo, error) {
	return c.userCall(opSuspend, args{Username: username})
}

// Unsuspend asks the server to lift a suspension.
func (c *Client) Unsuspend(username string) (UserInfo, error) {
	return c.userCall(opUnsuspend, args{Username: username})
}

// ResetTwoFactor asks the server to turn an account's second factor off.
func (c *Client) ResetTwoFactor(username string) (UserInfo, error) {
	return c.userCall(opReset2FA, args{Username: username})
}

// List asks the server for a page of accounts.
func (c *Client) List(query string, page storage.Page) (UserPage, error) {
	var p UserPage
	err := c.call(opList, args{Query: query, Before: page.Before, Limit: page.Limit}, &p)
	return p, err
}

// Check asks the server to check its database.
func (c *Client) Check() (CheckResult, error) {
	var r CheckResult
	err := c.call(opCheck, args{}, &r)
	return r, err
}

// Backup asks the server for a consistent copy of its database, written to
// w as it arrives. It fails unless the server says the copy is whole.
func (c *Client) Backup(w io.Writer) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.send(opBackup, args{}); err != nil {
		return 0, err
	}
	var head backupResult
	if err := c.receive(&head); err != nil {
		return 0, err
	}
	if head.Stream != "chunks" {
		c.drop()
		return 0, fmt.Errorf("admin socket: backup: unexpected stream %q", head.Stream)
	}
	var n int64
	var hdr [4]byte
	for {
		c.conn.SetDeadline(time.Now().Add(c.Timeout))
		if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
			c.drop()
			return n, fmt.Errorf("backup: %w", unexpectedEOF(err))
		}
		size := binary.BigEndian.Uint32(hdr[:])
		if size == 0 {
			break
		}
		if size > maxChunk {
			c.drop()
			return n, fmt.Errorf("backup: chunk of %d bytes, more than %d", size, maxChunk)
		}
		m, err := io.CopyN(w, c.r, int64(size))
		n += m
		if err != nil {
			// A failed write here (a full disk) or a broken stream: the
			// server's next write fails and its transaction ends.
			c.drop()
			return n, fmt.Errorf("backup: %w", unexpectedEOF(err))
		}
	}
	var done backupResult
	if err := c.receive(&done); err != nil {
		return n, err
	}
	if done.Bytes != n {
		return n, fmt.Errorf("backup: got %d bytes, the server sent %d", n, done.Bytes)
	}
	return n, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
