package storage

import (
	"errors"
	"slices"
	"testing"
)

func TestMoveFollow(t *testing.T) {
	db := openTestDB(t)
	olive, olivia := createUser(t, db, "olive"), createUser(t, db, "olivia")
	bilal, carol := createUser(t, db, "bilal"), createUser(t, db, "carol")
	for _, f := range []User{bilal, carol} {
		if _, err := db.Follow(f.ID, olive.ID); err != nil {
			t.Fatal(err)
		}
	}
	// carol follows the new account already: the move changes only the old
	// follow.
	if _, err := db.Follow(carol.ID, olivia.ID); err != nil {
		t.Fatal(err)
	}
	ids, err := db.LocalFollowerIDs(olive.ID)
	if err != nil || len(ids) != 2 {
		t.Fatalf("LocalFollowerIDs: %v, %v; want bilal and carol", ids, err)
	}
	if _, err := db.SetMovedTo(olive.ID, olivia.URI); err != nil {
		t.Fatal(err)
	}
	for _, f := range ids {
		if _, err := db.MoveFollow(f, olive.ID, olivia.ID); err != nil {
			t.Fatalf("MoveFollow(%d): %v", f, err)
		}
	}
	if _, err := db.MoveFollow(bilal.ID, olive.ID, olivia.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("moving a follow that is gone: %v, want ErrNotFound", err)
	}
	olive, olivia = mustUser(t, db, olive.ID), mustUser(t, db, olivia.ID)
	if olive.FollowersCount != 0 || olivia.FollowersCount != 2 {
		t.Errorf("followers: olive %d, olivia %d; want 0 and 2", olive.FollowersCount, olivia.FollowersCount)
	}
	for _, f := range []User{bilal, carol} {
		if ok, _ := db.IsFollowing(f.ID, olivia.ID); !ok {
			t.Errorf("%s does not follow olivia", f.Username)
		}
		np, err := db.Notifications(f.ID, Page{Limit: 10})
		notes := np.Notes
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) == 0 || notes[0].Kind != NoteMove || notes[0].ActorID != olive.ID {
			t.Errorf("%s's notifications: %+v, want a move by olive first", f.Username, notes)
		}
	}
}

func TestSetMovedToAndAliases(t *testing.T) {
	db := openTestDB(t)
	olive := createUser(t, db, "olive")
	tests := []struct {
		name   string
		target string
		want   error
	}{
		{"no target", "", ErrInvalid},
		{"itself", olive.URI, ErrInvalid},
		{"elsewhere", "https://b.example/users/olivia", nil},
		{"the same again", "https://b.example/users/olivia", nil},
		{"another place", "https://c.example/users/o", ErrExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.SetMovedTo(olive.ID, tt.target); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if got := mustUser(t, db, olive.ID).MovedTo; got != "https://b.example/users/olivia" {
		t.Errorf("moved to %q", got)
	}
	aliases := []string{"https://b.example/users/o1", "https://c.example/users/o2"}
	if _, err := db.SetAliases(olive.ID, aliases); err != nil {
		t.Fatal(err)
	}
	if got := mustUser(t, db, olive.ID).AlsoKnownAs; !slices.Equal(got, aliases) {
		t.Errorf("aliases %q, want %q", got, aliases)
	}
	if _, err := db.SetAliases(olive.ID, make([]string, MaxAliases+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("too many aliases: %v, want ErrInvalid", err)
	}
}

func TestTwoFactorRecord(t *testing.T) {
	db := openTestDB(t)
	u := createUser(t, db, "amal")
	if _, err := db.TwoFactor(u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before: %v, want ErrNotFound", err)
	}
	if _, err := db.UpdateTwoFactor(u.ID, func(t *TwoFactor) error {
		t.TOTPSecret, t.RecoveryCodes = "SECRET", []string{"h1", "h2"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	if _, err := db.UpdateTwoFactor(u.ID, func(t *TwoFactor) error { t.TOTPSecret = ""; return refused }); !errors.Is(err, refused) {
		t.Errorf("a refusal: %v", err)
	}
	got, err := db.TwoFactor(u.ID)
	if err != nil || got.TOTPSecret != "SECRET" || !got.Enabled() {
		t.Errorf("after a refused change: %+v, %v; want it unchanged", got, err)
	}
	// Emptied, the record goes.
	if _, err := db.UpdateTwoFactor(u.ID, func(t *TwoFactor) error { *t = TwoFactor{}; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TwoFactor(u.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("emptied: %v, want ErrNotFound", err)
	}
	remote := User{Username: "r", Domain: "b.example", URI: "https://b.example/users/r"}
	if err := db.PutRemoteUser(&remote); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateTwoFactor(remote.ID, func(t *TwoFactor) error { t.TOTPSecret = "X"; return nil }); !errors.Is(err, ErrInvalid) {
		t.Errorf("a remote account's second factor: %v, want ErrInvalid", err)
	}
}
