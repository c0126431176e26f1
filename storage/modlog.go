package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ActionKind is what a moderator or admin did.
type ActionKind string

// Moderation actions. Each goes through Moderate, which does it and writes
// its LogEntry in one transaction.
const (
	// ActApprove lets a pending account in; ActReject deletes it and frees
	// its name.
	ActApprove ActionKind = "approve"
	ActReject  ActionKind = "reject"
	// ActSilence keeps an account's posts out of the local timeline and tag
	// pages (its followers and its profile still show them).
	ActSilence   ActionKind = "silence"
	ActUnsilence ActionKind = "unsilence"
	// ActSuspend stops an account from logging in, ends its sessions and
	// hides its profile and posts; ActUnsuspend undoes it.
	ActSuspend   ActionKind = "suspend"
	ActUnsuspend ActionKind = "unsuspend"
	// ActRole gives an account another role (admins only).
	ActRole ActionKind = "role"
	// ActResetPassword sets a temporary password that must be changed at
	// the next login, and ends the account's sessions (admins only).
	ActResetPassword ActionKind = "reset_password"
	// ActDeleteAccount deletes an account with everything it made, and
	// keeps its name reserved (admins only).
	ActDeleteAccount ActionKind = "delete_account"
	// ActDeletePost deletes a reported post.
	ActDeletePost ActionKind = "delete_post"
	// ActDismiss closes a report without acting on it.
	ActDismiss ActionKind = "dismiss"
	// ActSettings changed the instance settings (SaveInstanceSettings).
	ActSettings ActionKind = "settings"
	// ActDomainBlock and ActDomainUnblock decide about another server;
	// ActFederationMode switches allowlist federation (domains.go).
	ActDomainBlock    ActionKind = "domain_block"
	ActDomainUnblock  ActionKind = "domain_unblock"
	ActFederationMode ActionKind = "federation_mode"
)

// adminOnly are the actions moderators may not take.
func (k ActionKind) adminOnly() bool {
	return k == ActRole || k == ActResetPassword || k == ActDeleteAccount || k == ActSettings
}

// Action is one moderation action to take.
type Action struct {
	Kind    ActionKind
	ActorID ID
	// TargetID is the account acted on. For an action on a report it is
	// taken from the report.
	TargetID ID
	// ReportID, when set, is the report this action resolves: the report
	// must be open, and ActDismiss, ActDeletePost, ActSilence and
	// ActSuspend act on its account and post.
	ReportID ID
	// Role is the new role (ActRole).
	Role Role
	// PasswordHash is the temporary password's hash (ActResetPassword).
	PasswordHash string
	// Reason says why; it is kept in the log.
	Reason string
	// At dates the log entry (and the report's resolution).
	At time.Time
}

// LogEntry is one line of the moderation log. Names are copied in when
// the entry is written, so it still reads right after an account is
// renamed or deleted.
type LogEntry struct {
	ID         ID         `json:"id"`
	At         time.Time  `json:"at"`
	ActorID    ID         `json:"actor"`
	ActorName  string     `json:"actor_name"`
	Kind       ActionKind `json:"kind"`
	TargetID   ID         `json:"target,omitempty"`
	TargetName string     `json:"target_name,omitempty"`
	PostID     ID         `json:"post,omitempty"`
	ReportID   ID         `json:"report,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	// Detail says more: a role change "user → moderator", the settings
	// changed.
	Detail string `json:"detail,omitempty"`
}

// NotAllowedError is a refusal of a moderation rule, with a message for
// people. It is ErrForbidden to errors.Is.
type NotAllowedError struct{ Reason string }

func (e *NotAllowedError) Error() string { return e.Reason }

// Is makes a NotAllowedError match ErrForbidden.
func (e *NotAllowedError) Is(target error) bool { return target == ErrForbidden }

func notAllowed(reason string) error { return &NotAllowedError{Reason: reason} }

// CheckModeration tells whether actor may take an action of kind on
// target (nil), or why not (a *NotAllowedError). The rules:
//   - only admins and moderators who can log in moderate;
//   - role changes, password resets, account deletion and the instance
//     settings are for admins only;
//   - moderators act on members only, not on admins or other moderators
//     (dismissing a report about one is fine);
//   - nobody silences, suspends, resets or deletes their own account
//     (changing one's own role is allowed, within the last-admin rule,
//     which Moderate checks: an instance always keeps an admin who can
//     log in).
func CheckModeration(actor, target User, kind ActionKind) error {
	switch {
	case !actor.CanModerate() || !actor.CanLogIn():
		return notAllowed("Only moderators and admins may do that.")
	case kind.adminOnly() && !actor.IsAdmin():
		return notAllowed("Only admins may do that.")
	case kind == ActDismiss || kind == ActApprove || kind == ActReject:
		return nil
	case !actor.IsAdmin() && target.CanModerate():
		return notAllowed("Moderators cannot act on the accounts or posts of admins and moderators.")
	case target.ID == actor.ID && kind != ActRole && kind != ActDeletePost:
		return notAllowed("You cannot do that to your own account.")
	}
	return nil
}

// Moderate takes a moderation action and writes it to the moderation log,
// in one transaction. It checks CheckModeration with the accounts as they
// are in that transaction, refuses to leave the instance without an admin
// who can log in, and refuses an action that changes nothing (approving an
// account that is not pending, silencing a silenced one: ErrInvalid) or a
// report resolved already (ErrExists). It returns the log entry. The
// activities in out (the Delete of a post or an account) are queued in the
// same transaction, before anything is deleted.
func (db *DB) Moderate(a Action, out ...Activity) (LogEntry, error) {
	var e LogEntry
	if err := db.stampActivities(out); err != nil {
		return LogEntry{}, fmt.Errorf("moderate: %s: %w", a.Kind, err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) (err error) {
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		e, err = db.moderate(tx, a)
		return err
	})
	if err != nil {
		return LogEntry{}, fmt.Errorf("moderate: %s: %w", a.Kind, err)
	}
	return e, nil
}

func (db *DB) moderate(tx *bolt.Tx, a Action) (LogEntry, error) {
	actor, err := getUser(tx, a.ActorID)
	if err != nil {
		return LogEntry{}, fmt.Errorf("actor: %w", err)
	}
	e := LogEntry{At: a.At.UTC(), ActorID: actor.ID, ActorName: actor.Username, Kind: a.Kind, Reason: a.Reason, ReportID: a.ReportID}
	var report *Report
	if a.ReportID != 0 {
		r, err := getReport(tx, a.ReportID)
		if err != nil {
			return e, err
		}
		if r.Status != ReportOpen {
			return e, fmt.Errorf("report %d is resolved already: %w", r.ID, ErrExists)
		}
		switch a.Kind {
		case ActDismiss, ActDeletePost, ActSilence, ActSuspend:
		default:
			return e, fmt.Errorf("%s does not resolve a report: %w", a.Kind, ErrInvalid)
		}
		report = &r
		a.TargetID, e.PostID = r.TargetID, r.PostID
	} else if a.Kind == ActDismiss || a.Kind == ActDeletePost {
		return e, fmt.Errorf("%s needs a report: %w", a.Kind, ErrInvalid)
	}
	target, err := getUser(tx, a.TargetID)
	switch {
	case err == nil:
		e.TargetID, e.TargetName = target.ID, target.Username
	case errors.Is(err, ErrNotFound) && report != nil && (a.Kind == ActDismiss || a.Kind == ActDeletePost):
		// The reported account is gone (deleted since): its post is gone
		// with it; the report can still be closed.
		target = User{ID: report.TargetID}
		e.TargetID, e.TargetName = report.TargetID, report.Snapshot.Username
	default:
		return e, fmt.Errorf("target: %w", err)
	}
	if err := CheckModeration(actor, target, a.Kind); err != nil {
		return e, err
	}
	switch a.Kind {
	case ActApprove, ActReject:
		if target.AccountStatus() != StatusPending {
			return e, fmt.Errorf("%s is not waiting for approval: %w", target.Username, ErrInvalid)
		}
		if err := tx.Bucket(bucketApplications).Delete(idKey(target.ID)); err != nil {
			return e, err
		}
		if a.Kind == ActApprove {
			err = setStatus(tx, &target, StatusActive)
		} else {
			err = db.deleteUser(tx, target.ID, false)
		}
	case ActSilence:
		err = changeStatus(tx, &target, StatusActive, StatusSilenced)
	case ActUnsilence:
		err = changeStatus(tx, &target, StatusSilenced, StatusActive)
	case ActSuspend:
		if target.AccountStatus() == StatusPending {
			return e, fmt.Errorf("%s is waiting for approval: reject the application instead: %w", target.Username, ErrInvalid)
		}
		err = changeStatus(tx, &target, "", StatusSuspended)
	case ActUnsuspend:
		err = changeStatus(tx, &target, StatusSuspended, StatusActive)
	case ActRole:
		e.Detail = fmt.Sprintf("%s → %s", target.Role, a.Role)
		err = setRole(tx, &target, a.Role)
	case ActResetPassword:
		if a.PasswordHash == "" {
			return e, fmt.Errorf("empty password hash: %w", ErrInvalid)
		}
		target.PasswordHash, target.MustChangePassword = a.PasswordHash, true
		if err = putUser(tx, &target); err == nil {
			_, err = revokeSessions(tx, target.ID)
		}
	case ActDeleteAccount:
		err = db.deleteUser(tx, target.ID, true)
	case ActDeletePost:
		if err = deletePost(tx, report.PostID); errors.Is(err, ErrNotFound) {
			err = nil // deleted already, by its author or with its account
		}
	case ActDismiss:
	default:
		return e, fmt.Errorf("unknown action %q: %w", a.Kind, ErrInvalid)
	}
	if err != nil {
		return e, err
	}
	if report != nil {
		if err := resolveReport(tx, report, e); err != nil {
			return e, err
		}
	}
	if err := db.appendLog(tx, e); err != nil {
		return e, err
	}
	return e, nil
}

// changeStatus moves an account from status from ("" for any but to) to
// status to.
func changeStatus(tx *bolt.Tx, u *User, from, to Status) error {
	have := u.AccountStatus()
	if have == to || (from != "" && have != from) {
		return fmt.Errorf("%s is %s: %w", u.Username, have, ErrInvalid)
	}
	return setStatus(tx, u, to)
}

// setStatus writes an account's status in tx. A status that cannot log in
// ends every session of the account, and is refused for the last admin
// who can log in.
func setStatus(tx *bolt.Tx, u *User, status Status) error {
	if u.IsAdmin() && u.CanLogIn() && !status.CanLogIn() && !otherAdmin(tx, u.ID) {
		return notAllowed(u.Username + " is the only admin who can log in: make another account admin first.")
	}
	if !status.CanLogIn() {
		if _, err := revokeSessions(tx, u.ID); err != nil {
			return err
		}
	}
	u.Status = status
	return putUser(tx, u)
}

// setRole writes an account's role in tx; taking the admin role from the
// last admin who can log in is refused.
func setRole(tx *bolt.Tx, u *User, role Role) error {
	if !role.Valid() {
		return fmt.Errorf("role %q: %w", role, ErrInvalid)
	}
	if u.Role == role {
		return fmt.Errorf("%s is %s already: %w", u.Username, role, ErrInvalid)
	}
	if u.IsAdmin() && u.CanLogIn() && !otherAdmin(tx, u.ID) {
		return notAllowed(u.Username + " is the only admin who can log in: make another account admin first.")
	}
	u.Role = role
	return putUser(tx, u)
}

// appendLog writes a log entry with a fresh ID (time-ordered, so the log
// reads newest first from the end of the bucket).
func (db *DB) appendLog(tx *bolt.Tx, e LogEntry) error {
	e.ID = db.ids.Next(db.now())
	if e.At.IsZero() {
		e.At = db.now().UTC()
	}
	v, err := json.Marshal(&e)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketModLog).Put(idKey(e.ID), v)
}

// LogPage is one page of the moderation log, newest first; Next is the
// cursor of the next page (0: none).
type LogPage struct {
	Entries []LogEntry
	Next    ID
}

// ModerationLog lists the moderation log, newest first.
func (db *DB) ModerationLog(page Page) (LogPage, error) {
	var lp LogPage
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketModLog).Cursor()
		for k, v := lastBefore(c, page.Before); k != nil; k, v = c.Prev() {
			if len(lp.Entries) == limit {
				lp.Next = lp.Entries[limit-1].ID
				break
			}
			var e LogEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("log entry %d: decode: %w", keyID(k, 0), err)
			}
			lp.Entries = append(lp.Entries, e)
		}
		return nil
	})
	if err != nil {
		return LogPage{}, fmt.Errorf("moderation log: %w", err)
	}
	return lp, nil
}
