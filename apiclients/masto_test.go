package apiclients

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// mastoDir holds the masto project: package.json with the exact
	// version, its lock file, and the flow script.
	mastoDir     = "testdata/masto"
	mastoVersion = "7.12.0"
	minNode      = 20
)

// needMasto finds Node (20 or newer) and the installed masto package,
// skipping the test without them unless MAJLIS_E2E=1 makes that a
// failure.
func needMasto(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if e2e() {
			t.Fatalf("masto: %s, and MAJLIS_E2E=1", why)
		}
		t.Skipf("masto: %s; install Node 20 or newer and run npm ci in apiclients/%s, or set MAJLIS_E2E=1 to make this a failure", why, mastoDir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node found")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", node, err)
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	if n, err := strconv.Atoi(major); err != nil || n < minNode {
		missing(fmt.Sprintf("node is %s, masto %s needs %d or newer", strings.TrimSpace(string(out)), mastoVersion, minNode))
	}
	b, err := os.ReadFile(filepath.Join(mastoDir, "node_modules", "masto", "package.json"))
	if err != nil {
		missing("masto is not installed (" + err.Error() + ")")
	}
	var pkg struct{ Version string }
	if json.Unmarshal(b, &pkg) != nil || pkg.Version != mastoVersion {
		missing(fmt.Sprintf("masto %q is installed, want %s", pkg.Version, mastoVersion))
	}
	return node
}

// TestMasto runs the npm package masto through a web app's flow
// (testdata/masto/flow.mjs) against the real server; this test plays the
// members approving the app in their browser.
func TestMasto(t *testing.T) { runMasto(t, "flow.mjs", "amal", "bilal") }

// TestMastoLists runs lists, keyword filters and followed hashtags
// through masto (testdata/masto/lists.mjs).
func TestMastoLists(t *testing.T) { runMasto(t, "lists.mjs", "amal", "bilal", "chadi") }

// TestMastoStaff runs the moderators' notifications, a v1 filter on a
// profile and a list's stream through masto (testdata/masto/staff.mjs).
func TestMastoStaff(t *testing.T) { runMasto(t, "staff.mjs", "amal", "bilal", "chadi") }

// runMasto runs one masto script against a fresh server, as the members
// named, answering its requests to approve an app.
func runMasto(t *testing.T, name string, names ...string) {
	node := needMasto(t)
	s := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	members := map[string]*member{}
	for _, n := range names {
		members[n] = s.register(ctx, n)
	}
	pic := filepath.Join(t.TempDir(), "picture.png")
	if err := os.WriteFile(pic, testPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join(mastoDir, name))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = mastoDir
	cmd.Env = append(os.Environ(), "MAJLIS_URL="+s.base, "MAJLIS_REDIRECT=http://127.0.0.1:9/callback", "MAJLIS_PNG="+pic)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ok := false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var msg struct {
			Step      string `json:"step"`
			Authorize string `json:"authorize"`
			Member    string `json:"member"`
			OK        bool   `json:"ok"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Logf("masto: %s", sc.Text())
			continue
		}
		switch {
		case msg.Step != "":
			t.Logf("masto: %s", msg.Step)
		case msg.Authorize != "":
			m := members[msg.Member]
			if m == nil {
				t.Fatalf("the script asks for unknown member %q", msg.Member)
			}
			code := m.authorize(ctx, msg.Authorize)
			reply, _ := json.Marshal(map[string]string{"code": code})
			if _, err := stdin.Write(append(reply, '\n')); err != nil {
				t.Fatal(err)
			}
		case msg.OK:
			ok = true
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil || !ok {
		t.Fatalf("the masto script %s failed (%v):\n%s", name, err, stderr.String())
	}
}
