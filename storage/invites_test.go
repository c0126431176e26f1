package storage

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func registerUser(db *DB, name string, reg Registration) (User, error) {
	u := User{Username: name, URI: "http://localhost:8080/users/" + name}
	err := db.Register(&u, reg)
	return u, err
}

func TestRegisterFirstAccountIsActiveAdmin(t *testing.T) {
	db := openTestDB(t)
	// Whatever the registration asks (approval, an unknown invitation),
	// the first account is created, active, as admin.
	u, err := registerUser(db, "amal", Registration{Approval: true, Reason: "first", Invite: "NOSUCHCODE234567"})
	must(t, err, "Register the first account")
	if u.Role != RoleAdmin || u.AccountStatus() != StatusActive {
		t.Errorf("first account: role %s, status %s; want admin, active", u.Role, u.AccountStatus())
	}
	if n, _ := db.CountApplications(10); n != 0 {
		t.Errorf("got %d applications, want none for the first account", n)
	}
	stored := mustUser(t, db, u.ID)
	if stored.Role != RoleAdmin || !stored.CanLogIn() {
		t.Errorf("stored first account: %+v", stored)
	}
}

func TestRegisterWithApproval(t *testing.T) {
	db := openTestDB(t)
	createUser(t, db, "amal")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	u, err := registerUser(db, "bilal", Registration{Approval: true, Reason: "I live nearby", Now: now})
	must(t, err, "Register")
	if u.AccountStatus() != StatusPending || u.Role != RoleUser || u.CanLogIn() {
		t.Errorf("applicant: role %s, status %s; want user, pending", u.Role, u.AccountStatus())
	}
	a, err := db.ApplicationOf(u.ID)
	must(t, err, "ApplicationOf")
	if a.Reason != "I live nearby" || !a.CreatedAt.Equal(now) {
		t.Errorf("application = %+v", a)
	}
	_, err = registerUser(db, "BILAL", Registration{Approval: true, Reason: "again"})
	wantErr(t, err, ErrExists, "the same name in another case")
	_, err = registerUser(db, "chadi", Registration{Approval: true, Reason: strings.Repeat("x", MaxApplication+1)})
	wantErr(t, err, ErrInvalid, "an application of more than %d characters", MaxApplication)

	for _, name := range []string{"chadi", "dina", "emad"} {
		_, err := registerUser(db, name, Registration{Approval: true, Reason: "hello " + name})
		must(t, err, "Register %s", name)
	}
	var got []string
	after := ID(0)
	for {
		page, err := db.Applications(after, 2)
		must(t, err, "Applications")
		for _, a := range page.Applications {
			got = append(got, a.User.Username)
		}
		if page.Next == 0 {
			break
		}
		after = page.Next
	}
	if want := "bilal,chadi,dina,emad"; strings.Join(got, ",") != want {
		t.Errorf("queue = %v, want %s (oldest first)", got, want)
	}
}

func TestRegisterWithInvite(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	twice, err := db.CreateInvite(amal.ID, now.Add(24*time.Hour), 2, now)
	must(t, err, "CreateInvite")
	if len(twice.Code) != 26 || !validInviteCode(twice.Code) {
		t.Errorf("code %q: want 26 base32 characters", twice.Code)
	}
	forever, err := db.CreateInvite(amal.ID, time.Time{}, 0, now)
	must(t, err, "CreateInvite")

	// Two uses, then used up.
	for _, name := range []string{"bilal", "chadi"} {
		u, err := registerUser(db, name, Registration{Invite: twice.Code, Now: now.Add(time.Hour)})
		must(t, err, "Register %s with the invitation", name)
		if u.AccountStatus() != StatusActive {
			t.Errorf("%s: status %s, want active", name, u.AccountStatus())
		}
	}
	_, err = registerUser(db, "dina", Registration{Invite: twice.Code, Now: now.Add(time.Hour)})
	wantErr(t, err, ErrInviteUsedUp, "a third use of a two-use invitation")
	if _, err := db.LocalUser("dina"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused registration left an account: %v", err)
	}
	inv, err := db.InviteByCode(twice.Code)
	must(t, err, "InviteByCode")
	if inv.Uses != 2 {
		t.Errorf("uses = %d, want 2", inv.Uses)
	}

	// Expiry, decided by the registration's clock.
	day, err := db.CreateInvite(amal.ID, now.Add(24*time.Hour), 0, now)
	must(t, err, "CreateInvite")
	_, err = registerUser(db, "dina", Registration{Invite: day.Code, Now: now.Add(24 * time.Hour)})
	wantErr(t, err, ErrInviteExpired, "an invitation at its expiry")
	_, err = registerUser(db, "dina", Registration{Invite: day.Code, Now: now.Add(24*time.Hour - time.Second)})
	must(t, err, "an invitation a second before its expiry")

	// Unknown and malformed codes.
	for _, code := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAA", "../../etc", "short"} {
		_, err := registerUser(db, "emad", Registration{Invite: code})
		wantErr(t, err, ErrNotFound, "invitation %q", code)
	}

	// With approval, an invitation admits at once.
	u, err := registerUser(db, "emad", Registration{Invite: forever.Code, Approval: true, Reason: "invited", Now: now.Add(1000 * time.Hour)})
	must(t, err, "Register with an invitation where approval is needed")
	if u.AccountStatus() != StatusActive {
		t.Errorf("invited applicant: status %s, want active", u.AccountStatus())
	}

	list, err := db.InvitesBy(amal.ID)
	must(t, err, "InvitesBy")
	if len(list) != 3 {
		t.Fatalf("got %d invitations, want 3", len(list))
	}
	must(t, db.DeleteInvite(forever.Code), "DeleteInvite")
	_, err = registerUser(db, "fadi", Registration{Invite: forever.Code})
	wantErr(t, err, ErrNotFound, "a withdrawn invitation")
	if list, _ := db.InvitesBy(amal.ID); len(list) != 2 {
		t.Errorf("got %d invitations after withdrawing one, want 2", len(list))
	}
}

func TestInviteUsable(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		inv  Invite
		want error
	}{
		{"never expires, unlimited", Invite{Uses: 1000}, nil},
		{"before expiry", Invite{ExpiresAt: now.Add(time.Second)}, nil},
		{"at expiry", Invite{ExpiresAt: now}, ErrInviteExpired},
		{"one use left", Invite{MaxUses: 5, Uses: 4}, nil},
		{"used up", Invite{MaxUses: 5, Uses: 5}, ErrInviteUsedUp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.inv.Usable(now); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if !errors.Is(ErrInviteExpired, ErrForbidden) || !errors.Is(ErrInviteUsedUp, ErrForbidden) {
		t.Error("invitation errors should be ErrForbidden")
	}
}
