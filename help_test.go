package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, []string{"Usage: majlis", "user", "backup", "restore", "check", "seed", "help", "-addr", "-data", "-url", "-name"}},
		{[]string{"-h"}, []string{"Usage: majlis", "backup", "-addr"}},
		{[]string{"--help"}, []string{"Usage: majlis", "backup", "-addr"}},
		{[]string{"help", "user"}, []string{"majlis user", "create", "password"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), tc.args, nil, &out, io.Discard); err != nil {
				t.Fatalf("run: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	if err := run(context.Background(), []string{"help", "nosuch"}, nil, io.Discard, io.Discard); err == nil {
		t.Error("help nosuch: got nil, want an error")
	}
}

// TestStartHints: a fresh instance says at start what to set; once the
// -url is given and an admin saved the settings, it says nothing more.
func TestStartHints(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, done, out := startServer(t, ctx, "-addr", "127.0.0.1:0", "-data", dir)
	waitLog(t, out, "not set up yet")
	for _, w := range []string{"-url", "name", "rules", "registration mode"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("first start's log lacks %q:\n%s", w, out)
		}
	}
	cancel()
	<-done

	db, err := storage.Open(filepath.Join(dir, "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	admin := &storage.User{Username: "amal", URI: "https://majlis.example/users/amal"}
	if err := db.CreateUser(admin); err != nil { // the first account: the admin
		t.Fatal(err)
	}
	s := storage.DefaultInstanceSettings()
	s.Name, s.Rules, s.Registrations = "Our place", "Be kind.", storage.RegistrationApproval
	if err := db.SaveInstanceSettings(admin.ID, s, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ctx2, cancel2 := context.WithCancel(context.Background())
	_, done2, out2 := startServer(t, ctx2, "-addr", "127.0.0.1:0", "-data", dir, "-url", "https://majlis.example")
	time.Sleep(200 * time.Millisecond)
	cancel2()
	<-done2
	if s := out2.String(); strings.Contains(s, "not set up yet") || strings.Contains(s, "set the public address") {
		t.Errorf("a set-up instance still logs hints:\n%s", s)
	}
}

func waitLog(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(out.String(), want) {
			return
		}
	}
	t.Fatalf("log never said %q:\n%s", want, out)
}
