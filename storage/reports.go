package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// ReportCategory is what a report says is wrong.
type ReportCategory string

// Report categories.
const (
	ReportSpam       ReportCategory = "spam"
	ReportHarassment ReportCategory = "harassment"
	ReportIllegal    ReportCategory = "illegal"
	ReportOther      ReportCategory = "other"
)

// Valid tells whether c is one of the categories.
func (c ReportCategory) Valid() bool {
	switch c {
	case ReportSpam, ReportHarassment, ReportIllegal, ReportOther:
		return true
	}
	return false
}

// ReportStatus is where a report stands.
type ReportStatus string

// Report statuses.
const (
	ReportOpen     ReportStatus = "open"
	ReportResolved ReportStatus = "resolved"
)

// MaxReportComment is the longest comment of a report, in characters.
const MaxReportComment = 1000

// Report is a member's complaint about an account or one of its posts,
// for the moderators. It keeps a snapshot of what was reported as it was
// then, so an edit or a deletion cannot hide it from them.
type Report struct {
	V          int            `json:"v"`
	ID         ID             `json:"id"`
	ReporterID ID             `json:"reporter"`
	TargetID   ID             `json:"target"`
	PostID     ID             `json:"post,omitempty"`
	Category   ReportCategory `json:"category"`
	Comment    string         `json:"comment,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	Snapshot   Snapshot       `json:"snapshot"`
	Status     ReportStatus   `json:"status"`
	// Resolution is set once a moderator resolved the report.
	Resolution *Resolution `json:"resolution,omitempty"`
	// AccountGoneAt is when the reported account or the reporter was
	// deleted (the first of them); zero while both exist.
	AccountGoneAt time.Time `json:"account_gone_at,omitzero"`
	// PurgedAt is when PruneReports erased the report's texts (see
	// ReportRetention); zero while they are kept.
	PurgedAt time.Time `json:"purged_at,omitzero"`
}

// ReportRetention is how long a report keeps its texts — the snapshot of
// the reported account and post, and the reporter's comment — once it is
// resolved or either account is deleted, whichever comes first: long
// enough for the moderators to look back at a case, not for ever. Then
// PruneReports erases them; the report keeps who reported whom, when, for
// what, and how it was resolved (the moderation log keeps the same).
const ReportRetention = 90 * 24 * time.Hour

// purgeAt is when the report's texts are due to go; false while they are
// kept with no end (an open report between two existing accounts).
func (r *Report) purgeAt() (time.Time, bool) {
	var from time.Time
	if r.Resolution != nil {
		from = r.Resolution.At
	}
	if !r.AccountGoneAt.IsZero() && (from.IsZero() || r.AccountGoneAt.Before(from)) {
		from = r.AccountGoneAt
	}
	if from.IsZero() {
		return time.Time{}, false
	}
	return from.Add(ReportRetention), true
}

// purge erases the report's texts: the snapshot but the username (the
// name stays reserved, and the moderation log names it too), the post's
// visibility, date and number of images; and the reporter's comment.
func (r *Report) purge(now time.Time) {
	r.Snapshot = Snapshot{
		Username:        r.Snapshot.Username,
		PostVisibility:  r.Snapshot.PostVisibility,
		PostCreatedAt:   r.Snapshot.PostCreatedAt,
		PostAttachments: r.Snapshot.PostAttachments,
	}
	r.Comment = ""
	r.PurgedAt = now.UTC()
}

// Snapshot is a copy of the reported account (and post) when reported.
type Snapshot struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name,omitempty"`
	Bio         string `json:"bio,omitempty"`
	BioHTML     string `json:"bio_html,omitempty"`
	// The post's text as written and as shown (sanitized HTML), its
	// content warning, visibility and date.
	PostSource     string     `json:"post_source,omitempty"`
	PostHTML       string     `json:"post_html,omitempty"`
	PostCW         string     `json:"post_cw,omitempty"`
	PostVisibility Visibility `json:"post_visibility,omitempty"`
	PostCreatedAt  time.Time  `json:"post_created_at,omitzero"`
	// PostAttachments counts the post's images (their alt texts follow).
	PostAttachments int      `json:"post_attachments,omitempty"`
	PostAlts        []string `json:"post_alts,omitempty"`
}

// Resolution is how a report was closed.
type Resolution struct {
	Action ActionKind `json:"action"`
	ByID   ID         `json:"by"`
	ByName string     `json:"by_name"`
	At     time.Time  `json:"at"`
	Reason string     `json:"reason,omitempty"`
}

const reportVersion = 1

// CreateReport files a report, giving it an ID and its snapshot in the
// same transaction. The reporter must exist and may not report
// themselves (ErrInvalid); a post must be by the target (ErrInvalid), and
// one the reporter may see — leaving blocks aside, so a member can report
// someone they blocked (ErrNotFound otherwise). A repost is reported as
// its original. An open report of the reporter about the same account and
// post is ErrExists. The activities in out (a Flag sent as the instance
// when the reported account is remote) are queued in the same
// transaction.
func (db *DB) CreateReport(r *Report, out ...Activity) error {
	if !r.Category.Valid() {
		return fmt.Errorf("create report: category %q: %w", r.Category, ErrInvalid)
	}
	if utf8.RuneCountInString(r.Comment) > MaxReportComment {
		return fmt.Errorf("create report: comment longer than %d characters: %w", MaxReportComment, ErrInvalid)
	}
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	in := *r
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		rep := in
		if _, err := getUser(tx, rep.ReporterID); err != nil {
			return fmt.Errorf("reporter: %w", err)
		}
		if rep.PostID != 0 {
			p, err := getPost(tx, rep.PostID)
			if err != nil {
				return err
			}
			if p.IsRepost() {
				if p, err = getPost(tx, p.RepostOf); err != nil {
					return err
				}
			}
			if rep.TargetID == 0 {
				rep.TargetID = p.AuthorID
			}
			if p.AuthorID != rep.TargetID {
				return fmt.Errorf("post %d is not by user %d: %w", p.ID, rep.TargetID, ErrInvalid)
			}
			v := newViewer(tx, rep.ReporterID)
			delete(v.blocked, p.AuthorID)
			if !v.canSee(tx, &p) {
				return fmt.Errorf("post %d: %w", p.ID, ErrNotFound)
			}
			rep.PostID = p.ID
			rep.Snapshot.PostSource, rep.Snapshot.PostHTML, rep.Snapshot.PostCW = p.Source, p.HTML, p.ContentWarning
			rep.Snapshot.PostVisibility, rep.Snapshot.PostCreatedAt = p.Visibility, p.CreatedAt
			rep.Snapshot.PostAttachments = len(p.Attachments)
			for _, a := range p.Attachments {
				rep.Snapshot.PostAlts = append(rep.Snapshot.PostAlts, a.Alt)
			}
		}
		if rep.TargetID == rep.ReporterID {
			return fmt.Errorf("reporting yourself: %w", ErrInvalid)
		}
		target, err := getUser(tx, rep.TargetID)
		if err != nil {
			return fmt.Errorf("target: %w", err)
		}
		rep.Snapshot.Username, rep.Snapshot.DisplayName = target.Username, target.DisplayName
		rep.Snapshot.Bio, rep.Snapshot.BioHTML = target.Bio, target.BioHTML
		var dup bool
		forPrefix(tx.Bucket(bucketUserReports), idKey(rep.ReporterID), func(k, _ []byte) {
			if dup || tx.Bucket(bucketOpenReports).Get(k[8:]) == nil {
				return
			}
			if old, err := getReport(tx, keyID(k, 8)); err == nil && old.TargetID == rep.TargetID && old.PostID == rep.PostID {
				dup = true
			}
		})
		if dup {
			return fmt.Errorf("reported already: %w", ErrExists)
		}
		rep.V = reportVersion
		rep.ID = db.ids.Next(db.now())
		if rep.CreatedAt.IsZero() {
			rep.CreatedAt = db.now()
		}
		rep.CreatedAt = rep.CreatedAt.UTC()
		rep.Status = ReportOpen
		if err := putReport(tx, &rep); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOpenReports).Put(idKey(rep.ID), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUserReports).Put(pairKey(rep.ReporterID, rep.ID), nil); err != nil {
			return err
		}
		// The report's ID is the notification's: IDs are unique across
		// records, and it dates the notification with the report.
		if err := notifyStaff(tx, NoteReport, rep.ReporterID, rep.ID, rep.ID); err != nil { // staffnotes.go
			return err
		}
		for i := range out {
			if out[i].Type == ActivityFlag {
				out[i].ReportID = rep.ID
			}
		}
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		*r = rep
		return nil
	})
	if err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	return nil
}

func putReport(tx *bolt.Tx, r *Report) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketReports).Put(idKey(r.ID), v)
}

func getReport(tx *bolt.Tx, id ID) (Report, error) {
	var r Report
	v := tx.Bucket(bucketReports).Get(idKey(id))
	if v == nil {
		return r, fmt.Errorf("report %d: %w", id, ErrNotFound)
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("report %d: decode: %w", id, err)
	}
	return r, nil
}

// resolveReport closes a report with the log entry of the action that
// resolved it (called by Moderate, in its transaction).
func resolveReport(tx *bolt.Tx, r *Report, e LogEntry) error {
	r.Status = ReportResolved
	r.Resolution = &Resolution{Action: e.Kind, ByID: e.ActorID, ByName: e.ActorName, At: e.At, Reason: e.Reason}
	if err := putReport(tx, r); err != nil {
		return err
	}
	return tx.Bucket(bucketOpenReports).Delete(idKey(r.ID))
}

// ReportEntry is a report with the accounts it names, as they are now
// (nil when deleted since).
type ReportEntry struct {
	Report
	Reporter *User
	Target   *User
}

// ReportPage is one page of reports; Next is the cursor of the next page
// (0: none).
type ReportPage struct {
	Reports []ReportEntry
	Next    ID
}

// Report returns one report with its accounts.
func (db *DB) Report(id ID) (ReportEntry, error) {
	var e ReportEntry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		r, err := getReport(tx, id)
		if err != nil {
			return err
		}
		e = reportEntry(tx, r)
		return nil
	})
	return e, err
}

func reportEntry(tx *bolt.Tx, r Report) ReportEntry {
	e := ReportEntry{Report: r}
	if u, err := getUser(tx, r.ReporterID); err == nil {
		e.Reporter = &u
	}
	if u, err := getUser(tx, r.TargetID); err == nil {
		e.Target = &u
	}
	return e
}

// OpenReports is the moderators' queue: the open reports, oldest first,
// from the one after the report after (0: from the first). Next is the
// after of the next page.
func (db *DB) OpenReports(after ID, limit int) (ReportPage, error) {
	var rp ReportPage
	limit = Page{Limit: limit}.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOpenReports).Cursor()
		k, _ := c.Seek(idKey(after + 1))
		for ; k != nil; k, _ = c.Next() {
			if len(rp.Reports) == limit {
				rp.Next = rp.Reports[limit-1].ID
				break
			}
			r, err := getReport(tx, keyID(k, 0))
			if err != nil {
				return err
			}
			rp.Reports = append(rp.Reports, reportEntry(tx, r))
		}
		return nil
	})
	if err != nil {
		return ReportPage{}, fmt.Errorf("open reports: %w", err)
	}
	return rp, nil
}

// ReportsBy lists a member's own reports, newest first.
func (db *DB) ReportsBy(reporterID ID, page Page) (ReportPage, error) {
	var rp ReportPage
	limit := page.limit()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		prefix := idKey(reporterID)
		c := tx.Bucket(bucketUserReports).Cursor()
		for k := seekBefore(c, prefix, page.Before); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
			if len(rp.Reports) == limit {
				rp.Next = rp.Reports[limit-1].ID
				break
			}
			r, err := getReport(tx, keyID(k, 8))
			if err != nil {
				return err
			}
			rp.Reports = append(rp.Reports, reportEntry(tx, r))
		}
		return nil
	})
	if err != nil {
		return ReportPage{}, fmt.Errorf("reports by %d: %w", reporterID, err)
	}
	return rp, nil
}

// CountOpenReports counts the moderators' queue, up to max.
func (db *DB) CountOpenReports(max int) (int, error) {
	return db.countKeys(bucketOpenReports, max)
}

// countKeys counts the keys of a bucket, stopping at max.
func (db *DB) countKeys(bucket []byte, max int) (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, _ := c.First(); k != nil && n < max; k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// PostExists tells whether a post is stored, whoever may see it (for
// moderators, who act on reports of posts they may not see).
func (db *DB) PostExists(id ID) (bool, error) {
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketPosts).Get(idKey(id)) != nil
		return nil
	})
	return ok, err
}

// PruneReports erases the texts of the reports whose ReportRetention has
// passed (see Report.purge) and returns how many it erased. A report that
// names an account deleted before AccountGoneAt was kept (a file from an
// older majlis) starts its clock now. When an erased report named a
// deleted account, the file is compacted (Compact), so those texts do not
// stay in its free pages: they were the last copy of a deleted member's
// words. The server runs it every hour.
func (db *DB) PruneReports() (int, error) {
	now := db.now()
	purged, ofDeleted := 0, false
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var changed []Report
		err := tx.Bucket(bucketReports).ForEach(func(k, v []byte) error {
			var r Report
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("report %x: decode: %w", k, err)
			}
			if !r.PurgedAt.IsZero() {
				return nil
			}
			stamped := false
			if r.AccountGoneAt.IsZero() && (!userExists(tx, r.TargetID) || !userExists(tx, r.ReporterID)) {
				r.AccountGoneAt, stamped = now.UTC(), true
			}
			if at, ok := r.purgeAt(); ok && !now.Before(at) {
				r.purge(now)
				purged++
				ofDeleted = ofDeleted || !r.AccountGoneAt.IsZero()
			} else if !stamped {
				return nil
			}
			changed = append(changed, r)
			return nil
		})
		if err != nil {
			return err
		}
		for i := range changed {
			if err := putReport(tx, &changed[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune reports: %w", err)
	}
	if ofDeleted {
		if _, err := db.Compact(); err != nil {
			return purged, fmt.Errorf("prune reports: %w", err)
		}
	}
	return purged, nil
}

func userExists(tx *bolt.Tx, id ID) bool {
	return tx.Bucket(bucketUsers).Get(idKey(id)) != nil
}

// markReportsGone starts the ReportRetention clock of the reports by or
// about a member whose account is being deleted in tx. Reports have no
// index by reported account, so this reads them all (a rare action).
func (db *DB) markReportsGone(tx *bolt.Tx, userID ID) error {
	var gone []Report
	err := tx.Bucket(bucketReports).ForEach(func(_, v []byte) error {
		var r Report
		if json.Unmarshal(v, &r) != nil {
			return nil // a deletion is not blocked by a damaged report
		}
		if (r.TargetID == userID || r.ReporterID == userID) && r.AccountGoneAt.IsZero() && r.PurgedAt.IsZero() {
			r.AccountGoneAt = db.now().UTC()
			gone = append(gone, r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range gone {
		if err := putReport(tx, &gone[i]); err != nil {
			return err
		}
	}
	return nil
}
