package storage

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

// Notifications for the moderators: each new report and each application
// to join tells every local admin and moderator who can log in, in the
// transaction that files it. Once the report is resolved or the
// application answered, the notification drops out of the list and the
// badge (staffNoteDone), as an answered follow request does.

// Notification kinds for the staff.
const (
	// NoteReport: ActorID filed the report Subject.
	NoteReport NoteKind = "report"
	// NoteApplication: ActorID applied to join and waits for approval.
	NoteApplication NoteKind = "application"
)

// staffIDs lists the local admins and moderators who can log in.
func staffIDs(tx *bolt.Tx) []ID {
	var out []ID
	_ = tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var peek struct {
			Domain string `json:"domain"`
			Role   Role   `json:"role"`
		}
		if json.Unmarshal(v, &peek) != nil || peek.Domain != "" || (peek.Role != RoleAdmin && peek.Role != RoleModerator) {
			return nil
		}
		if u, err := getUser(tx, keyID(k, 0)); err == nil && u.CanLogIn() {
			out = append(out, u.ID)
		}
		return nil
	})
	return out
}

// notifyStaff tells every member of the staff but the actor. A moderator's
// blocks and mutes do not hide reports or applications from them: it is
// their task to read them.
func notifyStaff(tx *bolt.Tx, kind NoteKind, actorID, subject, noteID ID) error {
	for _, id := range staffIDs(tx) {
		if id == actorID {
			continue
		}
		v, err := json.Marshal(Notification{ID: noteID, Kind: kind, ActorID: actorID, Subject: subject})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketNotes).Put(pairKey(id, noteID), v); err != nil {
			return err
		}
		emit(tx, Event{Kind: NotificationCreated, UserID: id, NoteID: noteID})
	}
	return nil
}

// staffNote tells whether a notification is one of the staff's.
func staffNote(k NoteKind) bool { return k == NoteReport || k == NoteApplication }

// staffNoteDone tells whether the report or application a staff
// notification is about was dealt with already.
func staffNoteDone(tx *bolt.Tx, n Notification) bool {
	switch n.Kind {
	case NoteReport:
		return tx.Bucket(bucketOpenReports).Get(idKey(n.Subject)) == nil
	case NoteApplication:
		return tx.Bucket(bucketApplications).Get(idKey(n.ActorID)) == nil
	}
	return false
}
