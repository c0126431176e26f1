package storage

import (
	"errors"
	"testing"
)

// The notification reads and writes of the client API: one notification,
// dismissing one, clearing all, each touching only its member's.
func TestNotificationDismissAndClear(t *testing.T) {
	db := openTestDB(t)
	alice, bob, carol := createUser(t, db, "alice"), createUser(t, db, "bob"), createUser(t, db, "carol")
	for _, f := range []User{bob, carol} {
		if _, err := db.Follow(f.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Follow(alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	np, err := db.Notifications(alice.ID, Page{})
	if err != nil || len(np.Notes) != 2 {
		t.Fatalf("alice's notifications: %+v, %v", np.Notes, err)
	}
	first := np.Notes[0]
	if got, err := db.Notification(alice.ID, first.ID); err != nil || got.ActorID != first.ActorID {
		t.Errorf("Notification: %+v, %v", got, err)
	}
	if _, err := db.Notification(bob.ID, first.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another member's notification: %v, want ErrNotFound", err)
	}
	if err := db.DismissNotification(bob.ID, first.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("dismissing another member's: %v, want ErrNotFound", err)
	}
	if err := db.DismissNotification(alice.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Notification(alice.ID, first.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("dismissed notification: %v, want ErrNotFound", err)
	}
	if err := db.ClearNotifications(alice.ID); err != nil {
		t.Fatal(err)
	}
	if np, _ := db.Notifications(alice.ID, Page{}); len(np.Notes) != 0 {
		t.Errorf("after clear: %+v", np.Notes)
	}
	if np, _ := db.Notifications(bob.ID, Page{}); len(np.Notes) != 1 {
		t.Errorf("clearing alice's cleared bob's: %+v", np.Notes)
	}
}
