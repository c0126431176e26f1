package admin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"majlis/storage"
)

// SocketName is the admin socket's file name in the data folder.
const SocketName = "admin.sock"

// ErrServerRunning means a majlis server answers on the admin socket.
var ErrServerRunning = errors.New("a majlis server is running (its admin socket answers)")

// Server answers the admin socket with Ops: one goroutine per connection,
// requests of at most MaxRequest bytes, and deadlines on every read and
// write so a stuck client cannot hold a connection forever.
type Server struct {
	ops *Ops
	log *slog.Logger
	// IdleTimeout is how long a connection may wait between requests;
	// WriteTimeout bounds each write of a response (or backup chunk).
	IdleTimeout, WriteTimeout time.Duration

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{}
	closing bool
	wg      sync.WaitGroup
}

// NewServer serves ops; logger receives one line per operation (never a
// password).
func NewServer(ops *Ops, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	return &Server{
		ops:          ops,
		log:          logger,
		IdleTimeout:  time.Minute,
		WriteTimeout: 30 * time.Second,
		conns:        map[net.Conn]struct{}{},
	}
}

// Listen opens the admin socket at path with mode 0600. A socket file left
// by a crashed server (nobody answers on it) is removed first; a live one
// is ErrServerRunning.
func Listen(path string) (net.Listener, error) {
	if _, err := RemoveStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		if len(path) > 100 {
			return nil, fmt.Errorf("admin socket %s: %w (Unix socket paths are limited to about 100 bytes: use a shorter -data path)", path, err)
		}
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return ln, nil
}

// RemoveStale removes the socket file at path when no server answers on
// it, telling whether it did. A missing file is not an error; a live
// socket is ErrServerRunning; a file that is not a socket is left alone.
func RemoveStale(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return false, fmt.Errorf("%s exists and is not a socket; move it away", path)
	}
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err == nil {
		c.Close()
		return false, fmt.Errorf("%s: %w", path, ErrServerRunning)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return false, fmt.Errorf("admin socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.ln = ln
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("admin socket: %w", err)
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	}
}

// Shutdown stops accepting, removes the socket file, lets each connection
// finish the request it is serving (a backup included) and closes it. When
// ctx ends first, it closes the remaining connections at once. A Serve
// that had not started yet closes its listener itself: wait for Serve to
// return to be sure the socket file is gone.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	ln := s.ln
	for c := range s.conns {
		// Idle connections stop waiting for a request now; busy ones
		// finish first, then find the deadline passed.
		c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	var err error
	if ln != nil {
		err = ln.Close() // removes the socket file too
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
	return err
}

func (s *Server) serveConn(c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.wg.Done()
	}()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 4096), MaxRequest)
	for {
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return
		}
		c.SetReadDeadline(time.Now().Add(s.IdleTimeout))
		s.mu.Unlock()
		if !sc.Scan() {
			if errors.Is(sc.Err(), bufio.ErrTooLong) {
				s.reply(c, nil, fmt.Errorf("request longer than %d bytes: %w", MaxRequest, storage.ErrInvalid))
			}
			return
		}
		var req request
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			if s.reply(c, nil, fmt.Errorf("bad request: %v: %w", err, storage.ErrInvalid)) != nil {
				return
			}
			continue
		}
		if req.Op == opBackup {
			if !s.backup(c) {
				return
			}
			continue
		}
		start := time.Now()
		result, err := s.do(req)
		s.logOp(req, start, err)
		if s.reply(c, result, err) != nil {
			return
		}
	}
}

// do runs one operation.
func (s *Server) do(req request) (any, error) {
	a := req.Args
	switch req.Op {
	case opCreate:
		return s.ops.CreateUser(a.Username, a.DisplayName, a.Password, a.Admin)
	case opPassword:
		return s.ops.SetPassword(a.Username, a.Password, a.MustChange)
	case opRole:
		return s.ops.SetRole(a.Username, a.Role)
	case opSuspend:
		return s.ops.Suspend(a.Username)
	case opUnsuspend:
		return s.ops.Unsuspend(a.Username)
	case opReset2FA:
		return s.ops.ResetTwoFactor(a.Username)
	case opList:
		return s.ops.List(a.Query, storage.Page{Before: a.Before, Limit: a.Limit})
	case opCheck:
		return s.ops.Check()
	}
	return nil, fmt.Errorf("unknown operation %q: %w", req.Op, storage.ErrInvalid)
}

func (s *Server) logOp(req request, start time.Time, err error, extra ...any) {
	attrs := append([]any{"op", req.Op, "duration", time.Since(start).Round(time.Millisecond)}, extra...)
	if req.Args.Username != "" {
		attrs = append(attrs, "user", req.Args.Username)
	}
	if req.Args.Role != "" {
		attrs = append(attrs, "role", req.Args.Role)
	}
	if err != nil {
		s.log.Warn("admin operation failed", append(attrs, "err", err)...)
		return
	}
	s.log.Info("admin operation", attrs...)
}

// reply writes one response line.
func (s *Server) reply(c net.Conn, result any, err error) error {
	var resp response
	if err != nil {
		resp = response{Error: err.Error(), Code: codeOf(err)}
	} else {
		raw, merr := json.Marshal(result)
		if merr != nil {
			resp = response{Error: "encode result: " + merr.Error()}
		} else {
			resp = response{OK: true, Result: raw}
		}
	}
	line, merr := json.Marshal(resp)
	if merr != nil {
		return merr
	}
	c.SetWriteDeadline(time.Now().Add(s.WriteTimeout))
	_, werr := c.Write(append(line, '\n'))
	return werr
}

// backup streams a consistent copy of the database (see the protocol) and
// tells whether the connection can go on.
func (s *Server) backup(c net.Conn) bool {
	start := time.Now()
	if s.reply(c, backupResult{Stream: "chunks"}, nil) != nil {
		return false
	}
	cw := &chunkWriter{c: c, timeout: s.WriteTimeout}
	bw := bufio.NewWriterSize(cw, 256<<10)
	n, err := s.ops.Backup(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cw.err != nil {
		// The client is gone; the transaction has ended.
		s.log.Warn("admin operation failed", "op", opBackup, "err", cw.err)
		return false
	}
	if cerr := cw.end(); cerr != nil {
		return false
	}
	s.logOp(request{Op: opBackup}, start, err, "bytes", n)
	if err != nil {
		return s.reply(c, nil, err) == nil
	}
	return s.reply(c, backupResult{Bytes: n}, nil) == nil
}

// chunkWriter frames what it is given as length-prefixed chunks, with a
// fresh write deadline for each.
type chunkWriter struct {
	c       net.Conn
	timeout time.Duration
	err     error
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		n := min(len(p), maxChunk)
		if err := w.chunk(p[:n]); err != nil {
			w.err = err
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

func (w *chunkWriter) chunk(p []byte) error {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(p)))
	w.c.SetWriteDeadline(time.Now().Add(w.timeout))
	bufs := net.Buffers{hdr[:], p}
	_, err := bufs.WriteTo(w.c)
	return err
}

// end writes the zero-length chunk that closes the stream.
func (w *chunkWriter) end() error { return w.chunk(nil) }
