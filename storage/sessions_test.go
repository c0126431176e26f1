package storage

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

func sessionFixture(t *testing.T) (*DB, *fakeClock, User, User) {
	t.Helper()
	clock := newFakeClock()
	db := openTestDBWith(t, t.TempDir()+"/majlis.db", Options{Now: clock.Now})
	return db, clock, createUser(t, db, "amal"), createUser(t, db, "bilal")
}

func saveSession(t *testing.T, db *DB, clock *fakeClock, id string, user ID, ttl time.Duration) Session {
	t.Helper()
	s := Session{ID: id, UserID: user, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(ttl)}
	if err := db.SaveSession(s); err != nil {
		t.Fatalf("SaveSession(%q): %v", id, err)
	}
	return s
}

// live lists which of ids load as live sessions.
func live(db *DB, ids ...string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		_, err := db.Session(id)
		m[id] = err == nil
	}
	return m
}

func TestSessionSaveLoad(t *testing.T) {
	db, clock, amal, _ := sessionFixture(t)
	in := Session{
		ID:        "s-amal-1",
		UserID:    amal.ID,
		CreatedAt: clock.Now(),
		ExpiresAt: clock.Now().Add(24 * time.Hour),
		UserAgent: "Firefox",
		Values:    map[string]string{"flash": "Welcome back"},
	}
	if err := db.SaveSession(in); err != nil {
		t.Fatalf("SaveSession: %v", err)
	}
	got, err := db.Session(in.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if got.ID != in.ID || got.UserID != in.UserID || got.UserAgent != in.UserAgent ||
		!got.CreatedAt.Equal(in.CreatedAt) || !got.ExpiresAt.Equal(in.ExpiresAt) || !maps.Equal(got.Values, in.Values) {
		t.Errorf("Session = %+v, want %+v", got, in)
	}

	t.Run("replace", func(t *testing.T) {
		in.Values = map[string]string{}
		if err := db.SaveSession(in); err != nil {
			t.Fatalf("SaveSession: %v", err)
		}
		got, err := db.Session(in.ID)
		if err != nil || len(got.Values) != 0 {
			t.Errorf("Session after replace = %v, %v; want no values (flash consumed)", got.Values, err)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, s := range []Session{{UserID: amal.ID}, {ID: "no-user"}} {
			if err := db.SaveSession(s); !errors.Is(err, ErrInvalid) {
				t.Errorf("SaveSession(%+v) error = %v, want ErrInvalid", s, err)
			}
		}
	})

	t.Run("unknown", func(t *testing.T) {
		if _, err := db.Session("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Session(unknown) error = %v, want ErrNotFound", err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	db, clock, amal, _ := sessionFixture(t)
	saveSession(t, db, clock, "s", amal.ID, time.Hour)
	tests := []struct {
		name    string
		advance time.Duration
		wantErr error
	}{
		{"fresh", 0, nil},
		{"a minute before expiry", 59 * time.Minute, nil},
		{"at expiry", time.Minute, ErrNotFound},
		{"long after", 48 * time.Hour, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.advance)
			s, err := db.Session("s")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Session error = %v, want %v", err, tt.wantErr)
			}
			if err != nil && s.UserID != 0 {
				t.Errorf("expired Session returned user %d, want none", s.UserID)
			}
		})
	}
}

func TestDeleteSession(t *testing.T) {
	db, clock, amal, _ := sessionFixture(t)
	saveSession(t, db, clock, "a1", amal.ID, time.Hour)
	saveSession(t, db, clock, "a2", amal.ID, time.Hour)
	if err := db.DeleteSession("a1"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if got, want := live(db, "a1", "a2"), map[string]bool{"a1": false, "a2": true}; !maps.Equal(got, want) {
		t.Errorf("live sessions = %v, want %v", got, want)
	}
	if err := db.DeleteSession("a1"); err != nil {
		t.Errorf("DeleteSession of a deleted session = %v, want nil", err)
	}
	if err := db.DeleteSession("never"); err != nil {
		t.Errorf("DeleteSession of an unknown session = %v, want nil", err)
	}
	// The index entry went with it: "log out everywhere" counts only a2.
	if n, err := db.DeleteUserSessions(amal.ID); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions = %d, %v; want 1, nil", n, err)
	}
}

func TestDeleteUserSessions(t *testing.T) {
	db, clock, amal, bilal := sessionFixture(t)
	saveSession(t, db, clock, "a1", amal.ID, time.Hour)
	saveSession(t, db, clock, "a2", amal.ID, time.Hour)
	saveSession(t, db, clock, "a3", amal.ID, -time.Hour) // already expired
	saveSession(t, db, clock, "b1", bilal.ID, time.Hour)
	saveSession(t, db, clock, "b2", bilal.ID, time.Hour)
	all := []string{"a1", "a2", "a3", "b1", "b2"}

	if n, err := db.DeleteUserSessions(amal.ID); err != nil || n != 3 {
		t.Fatalf("DeleteUserSessions(amal) = %d, %v; want 3, nil", n, err)
	}
	want := map[string]bool{"a1": false, "a2": false, "a3": false, "b1": true, "b2": true}
	if got := live(db, all...); !maps.Equal(got, want) {
		t.Errorf("live sessions = %v, want %v", got, want)
	}
	if n, err := db.DeleteUserSessions(amal.ID); err != nil || n != 0 {
		t.Errorf("second DeleteUserSessions(amal) = %d, %v; want 0, nil", n, err)
	}
	if n, err := db.DeleteUserSessions(db.NewID()); err != nil || n != 0 {
		t.Errorf("DeleteUserSessions(unknown) = %d, %v; want 0, nil", n, err)
	}
	if got := live(db, all...); !maps.Equal(got, want) {
		t.Errorf("live sessions after no-op deletes = %v, want %v", got, want)
	}
}

// A session ID saved again for another user (sign out, sign in as someone
// else in the same browser) belongs to the new user only: the old user's
// "log out everywhere" must not end it.
func TestSessionChangesUser(t *testing.T) {
	db, clock, amal, bilal := sessionFixture(t)
	saveSession(t, db, clock, "shared", amal.ID, time.Hour)
	saveSession(t, db, clock, "shared", bilal.ID, time.Hour)

	if n, err := db.DeleteUserSessions(amal.ID); err != nil || n != 0 {
		t.Errorf("DeleteUserSessions(amal) = %d, %v; want 0, nil", n, err)
	}
	s, err := db.Session("shared")
	if err != nil || s.UserID != bilal.ID {
		t.Fatalf("Session(shared) = user %d, %v; want %d, nil", s.UserID, err, bilal.ID)
	}
	if n, err := db.DeleteUserSessions(bilal.ID); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions(bilal) = %d, %v; want 1, nil", n, err)
	}
}

func TestPruneSessions(t *testing.T) {
	db, clock, amal, bilal := sessionFixture(t)
	saveSession(t, db, clock, "a-short", amal.ID, time.Hour)
	saveSession(t, db, clock, "a-long", amal.ID, 30*24*time.Hour)
	saveSession(t, db, clock, "b-short", bilal.ID, 2*time.Hour)
	saveSession(t, db, clock, "b-long", bilal.ID, 30*24*time.Hour)
	all := []string{"a-short", "a-long", "b-short", "b-long"}

	steps := []struct {
		advance time.Duration
		pruned  int
		live    map[string]bool
	}{
		{0, 0, map[string]bool{"a-short": true, "a-long": true, "b-short": true, "b-long": true}},
		{90 * time.Minute, 1, map[string]bool{"a-short": false, "a-long": true, "b-short": true, "b-long": true}},
		{time.Hour, 1, map[string]bool{"a-short": false, "a-long": true, "b-short": false, "b-long": true}},
		{time.Hour, 0, map[string]bool{"a-short": false, "a-long": true, "b-short": false, "b-long": true}},
	}
	for i, step := range steps {
		clock.Advance(step.advance)
		n, err := db.PruneSessions()
		if err != nil || n != step.pruned {
			t.Errorf("step %d: PruneSessions = %d, %v; want %d, nil", i, n, err, step.pruned)
		}
		if got := live(db, all...); !maps.Equal(got, step.live) {
			t.Errorf("step %d: live sessions = %v, want %v", i, got, step.live)
		}
	}
	// Pruned sessions left the per-user index too.
	for _, u := range []User{amal, bilal} {
		if n, err := db.DeleteUserSessions(u.ID); err != nil || n != 1 {
			t.Errorf("DeleteUserSessions(%s) after prune = %d, %v; want 1, nil", u.Username, n, err)
		}
	}
}

// A session record that no longer decodes must not stop the pruning of
// every other session, nor "log out everywhere".
func TestPruneSessionsCorruptRecord(t *testing.T) {
	db, clock, amal, bilal := sessionFixture(t)
	saveSession(t, db, clock, "old", bilal.ID, time.Minute)
	saveSession(t, db, clock, "good", amal.ID, time.Hour)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketSessions).Put([]byte("bad"), []byte("{not json")); err != nil {
			return err
		}
		return tx.Bucket(bucketUserSessions).Put(append(idKey(amal.ID), "bad"...), nil)
	})
	if err != nil {
		t.Fatalf("write corrupt session: %v", err)
	}
	clock.Advance(10 * time.Minute)
	if n, err := db.PruneSessions(); err != nil || n != 2 {
		t.Fatalf("PruneSessions = %d, %v; want 2 (old, bad), nil", n, err)
	}
	if got, want := live(db, "old", "good", "bad"), map[string]bool{"old": false, "good": true, "bad": false}; !maps.Equal(got, want) {
		t.Errorf("live sessions = %v, want %v", got, want)
	}
	if n, err := db.DeleteUserSessions(amal.ID); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions(amal) = %d, %v; want 1 (good), nil", n, err)
	}
	if n, err := db.DeleteUserSessions(amal.ID); err != nil || n != 0 {
		t.Errorf("second DeleteUserSessions(amal) = %d, %v; want 0, nil (no index entry left)", n, err)
	}
}

// An account keeps at most MaxSessionsPerUser sessions: a new login ends
// the oldest (an expired one first); saving a session again (its flash
// message) ends none. Other accounts' sessions are untouched.
func TestSessionCap(t *testing.T) {
	db, clock, amal, bilal := sessionFixture(t)
	saveSession(t, db, clock, "bilal", bilal.ID, 48*time.Hour)
	var ids []string
	for i := range MaxSessionsPerUser {
		clock.Advance(time.Second)
		ttl := 24 * time.Hour
		if i == 10 {
			ttl = time.Minute // expires before the others
		}
		id := fmt.Sprintf("amal-%03d", i)
		saveSession(t, db, clock, id, amal.ID, ttl)
		ids = append(ids, id)
	}
	count := func() int {
		t.Helper()
		n, err := db.CountUserSessions(amal.ID)
		must(t, err, "CountUserSessions")
		return n
	}
	if n := count(); n != MaxSessionsPerUser {
		t.Fatalf("got %d sessions, want %d", n, MaxSessionsPerUser)
	}
	// A flash message saved into the newest session ends nothing.
	s, err := db.Session(ids[len(ids)-1])
	must(t, err, "Session")
	s.Values = map[string]string{"flash": "saved"}
	must(t, db.SaveSession(s), "SaveSession again")
	if n := count(); n != MaxSessionsPerUser {
		t.Fatalf("after saving a session again: got %d sessions, want %d", n, MaxSessionsPerUser)
	}

	clock.Advance(time.Hour) // amal-010 has expired
	saveSession(t, db, clock, "amal-new-1", amal.ID, 24*time.Hour)
	saveSession(t, db, clock, "amal-new-2", amal.ID, 24*time.Hour)
	if n := count(); n != MaxSessionsPerUser {
		t.Errorf("got %d sessions, want %d", n, MaxSessionsPerUser)
	}
	want := map[string]bool{"amal-000": false, "amal-001": true, "amal-010": false, "amal-099": true,
		"amal-new-1": true, "amal-new-2": true, "bilal": true}
	got := live(db, slices.Collect(maps.Keys(want))...)
	if !maps.Equal(got, want) {
		t.Errorf("got live %v, want %v (the expired one, then the oldest, ended)", got, want)
	}
	keys := keysUnder(t, db, bucketUserSessions, idKey(amal.ID))
	if len(keys) != MaxSessionsPerUser {
		t.Errorf("user_sessions holds %d entries of amal, want %d", len(keys), MaxSessionsPerUser)
	}
}

// A session keeps at most MaxUserAgentBytes of the User-Agent, as valid
// UTF-8 cut between characters.
func TestSessionUserAgentCut(t *testing.T) {
	db, clock, amal, _ := sessionFixture(t)
	for _, tt := range []struct {
		name, ua, want string
	}{
		{"short", "Firefox", "Firefox"},
		{"64 KB", strings.Repeat("x", 64<<10), strings.Repeat("x", MaxUserAgentBytes)},
		{"multibyte at the cut", "a" + strings.Repeat("é", 200), "a" + strings.Repeat("é", (MaxUserAgentBytes-1)/2)},
		{"invalid bytes dropped", "Fire\xfffox", "Firefox"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Session{ID: "ua-" + tt.name, UserID: amal.ID, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour), UserAgent: tt.ua}
			must(t, db.SaveSession(s), "SaveSession")
			got, err := db.Session(s.ID)
			must(t, err, "Session")
			if got.UserAgent != tt.want || !utf8.ValidString(got.UserAgent) || len(got.UserAgent) > MaxUserAgentBytes {
				t.Errorf("got a User-Agent of %d bytes %.40q…, want %d bytes %.40q…", len(got.UserAgent), got.UserAgent, len(tt.want), tt.want)
			}
		})
	}
}
