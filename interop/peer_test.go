package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// fedifyVersion is the peer's Fedify, as pinned in package.json.
	fedifyVersion = "1.5.9"
	// minNode is the oldest Node major version the peer runs on.
	minNode = 20
	// peerDir holds the Node project of the peer.
	peerDir = "testdata/fedify"
	// peerStartTimeout covers Node's start and the 4096-bit RSA key Fedify
	// makes for the actor.
	peerStartTimeout = 30 * time.Second
	// pollInterval is how often a wait looks again; deliveries are
	// asynchronous on both sides.
	pollInterval = 50 * time.Millisecond
	// waitTimeout bounds one wait for a delivery to show.
	waitTimeout = 15 * time.Second
)

// needPeer returns the node binary, or skips the test when node or the
// peer's packages are missing (fails it when MAJLIS_E2E=1, so CI cannot
// skip the interop tests silently).
func needPeer(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("MAJLIS_E2E") == "1" {
			t.Fatalf("interop: %s, and MAJLIS_E2E=1", why)
		}
		t.Skipf("interop: %s; install Node (Debian: apt-get install nodejs npm) and run npm ci in interop/%s, or set MAJLIS_E2E=1 to make this a failure", why, peerDir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node found")
		return ""
	}
	// Fedify 1.5.9 needs Node 20: on 18 (Debian 12's) it serves no actor,
	// for want of the global CryptoKey.
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("interop: %s --version: %v", node, err)
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	if n, err := strconv.Atoi(major); err != nil || n < minNode {
		missing(fmt.Sprintf("node is %s, Fedify %s needs %d or newer", strings.TrimSpace(string(out)), fedifyVersion, minNode))
		return ""
	}
	b, err := os.ReadFile(filepath.Join(peerDir, "node_modules", "@fedify", "fedify", "package.json"))
	if err != nil {
		missing("the peer's packages are not installed (" + err.Error() + ")")
		return ""
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Version != fedifyVersion {
		t.Fatalf("interop: installed @fedify/fedify is %q, want %s (run npm ci in interop/%s)", pkg.Version, fedifyVersion, peerDir)
	}
	return node
}

// freePort finds a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// logBuffer collects a child process's output for the test log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// peer is a running Fedify peer.
type peer struct {
	t      *testing.T
	base   string // "http://127.0.0.1:PORT"
	actor  string // base + "/users/peer"
	handle string // "peer@127.0.0.1:PORT"
	log    *logBuffer
	client *http.Client
}

// startPeer runs peer.mjs on a free loopback port and waits for its
// "listening" line. It stops when the test ends; its log is printed when
// the test failed.
func startPeer(t *testing.T, node string) *peer {
	t.Helper()
	port := freePort(t)
	p := &peer{
		t:      t,
		base:   "http://127.0.0.1:" + strconv.Itoa(port),
		log:    &logBuffer{},
		client: &http.Client{Timeout: 30 * time.Second},
	}
	p.actor = p.base + "/users/peer"
	p.handle = "peer@127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(node, "peer.mjs", "--port", strconv.Itoa(port))
	cmd.Dir = peerDir
	cmd.Env = append(os.Environ(), "NODE_NO_WARNINGS=1")
	cmd.Stderr = p.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the peer: %v", err)
	}
	done := make(chan struct{})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "listening") {
				select {
				case ready <- line:
				default:
				}
			}
			fmt.Fprintln(p.log, "stdout: "+line)
		}
	}()
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		if t.Failed() {
			t.Logf("the Fedify peer's log:\n%s", p.log)
		}
	})
	select {
	case <-ready:
	case <-done:
		t.Fatalf("the peer exited before listening (%v):\n%s", waitErr, p.log)
	case <-time.After(peerStartTimeout):
		t.Fatalf("the peer did not listen within %s:\n%s", peerStartTimeout, p.log)
	}
	return p
}

// call sends a control request (in as JSON, nil for GET) and decodes the
// answer into out. It returns the status; a non-2xx answer is returned
// as an error carrying the peer's message.
func (p *peer) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &controlError{status: resp.StatusCode, body: strings.TrimSpace(string(b)), path: path}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w: %.300s", method, path, err, b)
	}
	return nil
}

type controlError struct {
	status     int
	body, path string
}

func (e *controlError) Error() string {
	return fmt.Sprintf("peer %s answered %d: %s", e.path, e.status, e.body)
}

// do is call that fails the test on an error.
func (p *peer) do(ctx context.Context, path string, in, out any) {
	p.t.Helper()
	if err := p.call(ctx, http.MethodPost, path, in, out); err != nil {
		p.t.Fatal(err)
	}
}

// described is what the peer's lookup parsed from an object.
type described struct {
	Type              string   `json:"type"`
	ID                string   `json:"id"`
	Name              *string  `json:"name"`
	Content           *string  `json:"content"`
	AttributedTo      *string  `json:"attributedTo"`
	InReplyTo         *string  `json:"inReplyTo"`
	To                []string `json:"to"`
	Cc                []string `json:"cc"`
	PreferredUsername *string  `json:"preferredUsername"`
	Inbox             *string  `json:"inbox"`
	SharedInbox       *string  `json:"sharedInbox"`
	Followers         *string  `json:"followers"`
	AlsoKnownAs       []string `json:"alsoKnownAs"`
	MovedTo           *string  `json:"movedTo"`
	PublicKey         *struct {
		ID      string `json:"id"`
		Owner   string `json:"owner"`
		Present bool   `json:"present"`
	} `json:"publicKey"`
}

// lookup asks the peer to read url; signed fetches it as the peer's actor.
func (p *peer) lookup(ctx context.Context, url string, signed bool) (described, error) {
	var d described
	err := p.call(ctx, http.MethodPost, "/control/lookup", map[string]any{"url": url, "signed": signed}, &d)
	return d, err
}

// received is one activity the peer's inbox accepted.
type received struct {
	N             int      `json:"n"`
	ID            string   `json:"id"`
	Type          string   `json:"type"`
	Actor         string   `json:"actor"`
	Object        string   `json:"object"`
	ObjectType    string   `json:"objectType"`
	Content       string   `json:"content"`
	InReplyTo     string   `json:"inReplyTo"`
	To            []string `json:"to"`
	Cc            []string `json:"cc"`
	ObjectTo      []string `json:"objectTo"`
	ObjectCc      []string `json:"objectCc"`
	InnerObject   string   `json:"innerObject"`
	Target        string   `json:"target"`   // a Move's new account
	Result        string   `json:"result"`   // an Accept's result
	QuoteURL      string   `json:"quoteUrl"` // what a Note quotes, as Fedify read it
	Verified      bool     `json:"verified"`
	HTTPSignature *struct {
		KeyID string `json:"keyId"`
		Owner string `json:"owner"`
	} `json:"httpSignature"`
	Inbox string `json:"inbox"`
}

func (r received) String() string {
	return fmt.Sprintf("#%d %s %s by %s (object %s %s, verified %t)", r.N, r.Type, r.ID, r.Actor, r.ObjectType, r.Object, r.Verified)
}

// signedBy tells whether Fedify's own check of the HTTP signature named a
// key owned by actor.
func (r received) signedBy(actor string) bool {
	return r.HTTPSignature != nil && r.HTTPSignature.Owner == actor
}

// inboxEntry is one POST the peer's inbox answered.
type inboxEntry struct {
	Inbox  string `json:"inbox"`
	Status int    `json:"status"`
	Answer string `json:"answer"`
	ID     string `json:"id"`
	Type   string `json:"type"`
	Actor  string `json:"actor"`
	// Object, ObjectType and Result are read from the JSON as sent.
	Object     string `json:"object"`
	ObjectType string `json:"objectType"`
	Result     string `json:"result"`
	// HTTPSignature is who signed it, by Fedify's verifyRequest.
	HTTPSignature *struct {
		Owner string `json:"owner"`
	} `json:"httpSignature"`
}

func (p *peer) received(ctx context.Context) []received {
	p.t.Helper()
	var rs []received
	if err := p.call(ctx, http.MethodGet, "/control/received", nil, &rs); err != nil {
		p.t.Fatal(err)
	}
	return rs
}

func (p *peer) inboxLog(ctx context.Context) []inboxEntry {
	p.t.Helper()
	var es []inboxEntry
	if err := p.call(ctx, http.MethodGet, "/control/inbox-log", nil, &es); err != nil {
		p.t.Fatal(err)
	}
	return es
}

// waitReceived polls until an accepted activity matches, and returns it.
// On timeout it fails the test listing what did arrive and what the inbox
// refused.
func (p *peer) waitReceived(ctx context.Context, what string, match func(received) bool) received {
	p.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		rs := p.received(ctx)
		for _, r := range rs {
			if match(r) {
				return r
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			var got []string
			for _, r := range rs {
				got = append(got, r.String())
			}
			var refused []string
			for _, e := range p.inboxLog(ctx) {
				if e.Status/100 != 2 {
					refused = append(refused, fmt.Sprintf("%s %s by %s: %d %s", e.Type, e.ID, e.Actor, e.Status, e.Answer))
				}
			}
			p.t.Fatalf("the peer did not receive %s within %s; it accepted:\n  %s\nits inbox refused:\n  %s",
				what, waitTimeout, strings.Join(got, "\n  "), strings.Join(refused, "\n  "))
		}
		time.Sleep(pollInterval)
	}
}

// waitFor polls cond until it says done, or fails the test with its last
// explanation.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("%s: not within %s: %s", what, waitTimeout, why)
		}
		time.Sleep(pollInterval)
	}
}

// waitInbox polls the peer's inbox log until a POST matches, whatever
// Fedify answered it, and returns it: for activities Fedify may refuse to
// parse.
func (p *peer) waitInbox(ctx context.Context, what string, match func(inboxEntry) bool) inboxEntry {
	p.t.Helper()
	var found inboxEntry
	waitFor(ctx, p.t, "the peer's inbox to get "+what, func() (bool, string) {
		for _, e := range p.inboxLog(ctx) {
			if match(e) {
				found = e
				return true, ""
			}
		}
		return false, "not delivered"
	})
	return found
}

// signedBy tells whether Fedify's verifyRequest found the POST signed
// with a key of actor.
func (e inboxEntry) signedBy(actor string) bool {
	return e.HTTPSignature != nil && e.HTTPSignature.Owner == actor
}
