package storage

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestInstanceSettings(t *testing.T) {
	db := openTestDB(t)
	admin := createUser(t, db, "amal") // the first account: admin
	member := createUser(t, db, "bilal")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	got, saved, err := db.InstanceSettings()
	must(t, err, "InstanceSettings")
	if saved || got != DefaultInstanceSettings() {
		t.Errorf("fresh file: got %+v, saved %v; want the defaults, not saved", got, saved)
	}
	if got.PostChars != 500 || got.Registrations != RegistrationOpen || got.Invites != InvitesByMembers || got.Language != "en" {
		t.Errorf("defaults = %+v, want 500 characters, open, members invite, en", got)
	}

	s := DefaultInstanceSettings()
	s.Name, s.Tagline, s.PostChars, s.Registrations, s.Language = "Majlis of the valley", "A quiet room", 1000, RegistrationApproval, "ar"
	s.About, s.AboutHTML, s.Rules, s.RulesHTML = "We **talk**.", "<p>We <strong>talk</strong>.</p>", "Be kind", "<p>Be kind</p>"
	wantErr(t, db.SaveInstanceSettings(member.ID, s, "", now), ErrForbidden, "a member saves the settings")
	must(t, db.SaveInstanceSettings(admin.ID, s, "welcome neighbours", now), "SaveInstanceSettings")
	got, saved, err = db.InstanceSettings()
	must(t, err, "InstanceSettings")
	if !saved || got.Name != s.Name || got.PostChars != 1000 || got.Registrations != RegistrationApproval || got.Language != "ar" ||
		got.UpdatedBy != admin.ID || !got.UpdatedAt.Equal(now) {
		t.Errorf("after saving: got %+v, saved %v", got, saved)
	}
	if got.AboutHTML != s.AboutHTML || got.Rules != "Be kind" || got.RulesHTML != s.RulesHTML || got.About != s.About {
		t.Errorf("texts after saving: %q %q %q %q", got.About, got.AboutHTML, got.Rules, got.RulesHTML)
	}
	sum, saved, err := db.InstanceSummary()
	must(t, err, "InstanceSummary")
	if !saved || sum.Name != s.Name || sum.PostChars != 1000 || sum.About != "" || sum.RulesHTML != "" {
		t.Errorf("summary = %+v, saved %v; want the settings without the texts", sum, saved)
	}

	log, err := db.ModerationLog(Page{})
	must(t, err, "ModerationLog")
	if len(log.Entries) != 1 {
		t.Fatalf("got %d log entries, want 1: %+v", len(log.Entries), log.Entries)
	}
	e := log.Entries[0]
	if e.Kind != ActSettings || e.ActorName != "amal" || e.Reason != "welcome neighbours" ||
		!strings.Contains(e.Detail, "post limit 500 → 1000") || !strings.Contains(e.Detail, "registrations open → approval") {
		t.Errorf("log entry = %+v", e)
	}

	for name, change := range map[string]func(*InstanceSettings){
		"limit too low":   func(s *InstanceSettings) { s.PostChars = 99 },
		"limit too high":  func(s *InstanceSettings) { s.PostChars = 5001 },
		"unknown mode":    func(s *InstanceSettings) { s.Registrations = "sometimes" },
		"unknown policy":  func(s *InstanceSettings) { s.Invites = "everyone" },
		"unknown lang":    func(s *InstanceSettings) { s.Language = "xx" },
		"long name":       func(s *InstanceSettings) { s.Name = strings.Repeat("n", MaxInstanceName+1) },
		"long tagline":    func(s *InstanceSettings) { s.Tagline = strings.Repeat("ت", MaxInstanceTagline+1) },
		"long rules":      func(s *InstanceSettings) { s.Rules = strings.Repeat("r", MaxInstanceText+1) },
		"no registration": func(s *InstanceSettings) { s.Registrations = "" },
	} {
		t.Run(name, func(t *testing.T) {
			bad := DefaultInstanceSettings()
			change(&bad)
			if err := db.SaveInstanceSettings(admin.ID, bad, "", now); !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
	for _, limit := range []int{MinPostChars, MaxPostCharsLimit} {
		ok := DefaultInstanceSettings()
		ok.PostChars = limit
		wantErr(t, db.SaveInstanceSettings(admin.ID, ok, "", now), nil, "limit %d", limit)
	}
}

func TestStaff(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	bilal := createUser(t, db, "bilal")
	createUser(t, db, "chadi")
	dina := createUser(t, db, "dina")
	must(t, db.SetRole(bilal.ID, RoleModerator), "SetRole")
	must(t, db.SetRole(dina.ID, RoleAdmin), "SetRole")
	must(t, db.SetStatus(dina.ID, StatusSuspended), "SetStatus")
	staff, err := db.Staff()
	must(t, err, "Staff")
	var names []string
	for _, u := range staff {
		names = append(names, u.Username)
	}
	if got, want := strings.Join(names, ","), "amal,bilal"; got != want {
		t.Errorf("staff = %s, want %s (a suspended admin is not listed)", got, want)
	}
	_ = amal
	_, err = registerUser(db, "emad", Registration{Approval: true, Reason: "hi"})
	must(t, err, "Register")
	if n, err := db.CountMembers(); err != nil || n != 3 {
		t.Errorf("CountMembers = %d, %v; want 3 (not the suspended nor the pending account)", n, err)
	}
}
