package api

import (
	"majlis/social"
	"majlis/storage"
)

// The moderators' notifications in the client API, as Mastodon names
// them: a new report is "admin.report" (with the report), an application
// to join is "admin.sign_up" (the applicant is its account). Storage
// files them for every member of the staff and drops them once the
// report is resolved or the application answered (storage/staffnotes.go);
// here they are shown only to a member who is still a moderator or an
// admin, so one who lost the role stops seeing what they were told.

// Report is Mastodon's Report entity, as an admin.report notification
// carries it.
type Report struct {
	ID            string   `json:"id"`
	ActionTaken   bool     `json:"action_taken"`
	ActionTakenAt *string  `json:"action_taken_at"`
	Category      string   `json:"category"`
	Comment       string   `json:"comment"`
	Forwarded     bool     `json:"forwarded"`
	CreatedAt     string   `json:"created_at"`
	StatusIDs     []string `json:"status_ids"`
	RuleIDs       []string `json:"rule_ids"`
	TargetAccount Account  `json:"target_account"`
}

// reportCategory is a report's category as Mastodon names it. Mastodon
// has no harassment category, and its "violation" names the instance's
// rules broken, which a majlis report does not: harassment is "other",
// the comment says the rest.
func reportCategory(c storage.ReportCategory) string {
	switch c {
	case storage.ReportSpam:
		return "spam"
	case storage.ReportIllegal:
		return "legal"
	}
	return "other"
}

// report converts a report for a moderator; false when its reported
// account is gone (the entity cannot be without one: the web's report
// page still shows the snapshot).
func (c *statusConv) report(e storage.ReportEntry) (Report, bool) {
	if e.Target == nil {
		return Report{}, false
	}
	out := Report{
		ID: e.ID.String(), ActionTaken: e.Status == storage.ReportResolved,
		Category: reportCategory(e.Category), Comment: e.Comment,
		// A local member's report about an account of another server is
		// sent on to that server (social: the Flag), one from elsewhere
		// is not.
		Forwarded: !e.Target.IsLocal() && e.Reporter != nil && e.Reporter.IsLocal(),
		CreatedAt: apiTime(e.CreatedAt), StatusIDs: []string{}, RuleIDs: []string{},
		TargetAccount: c.account(*e.Target),
	}
	if e.Resolution != nil {
		at := apiTime(e.Resolution.At)
		out.ActionTakenAt = &at
	}
	if e.PostID != 0 {
		out.StatusIDs = append(out.StatusIDs, e.PostID.String())
	}
	return out, true
}

// noteShown is what shows read of a notification it lets through, for
// note: what the keyword filters said of its post and, for a report
// notification, the report.
type noteShown struct {
	m      social.Filtered
	report storage.ReportEntry
}

// shows tells whether the list shows a notification to the converter's
// member, and what their keyword filters of the notifications context say
// of its post. It leaves out a moderators' notification for a member no
// longer on the staff, a report that cannot be shown, and a post a filter
// hides.
func (c *statusConv) shows(n storage.NoteEntry, filters *social.Filterer) (noteShown, bool) {
	switch n.Kind {
	case storage.NoteReport, storage.NoteApplication:
		if !c.viewer.CanModerate() {
			return noteShown{}, false
		}
	}
	var v noteShown
	if n.Kind == storage.NoteReport {
		e, err := c.a.db.Report(n.Subject)
		if err != nil || e.Target == nil {
			return noteShown{}, false
		}
		v.report = e
	}
	if n.Post != nil {
		v.m = filters.Match(&n.Post.Post)
	}
	return v, !v.m.Hide
}

// note converts a notification shows let through, with what shows read
// of it (a filter that warns marks the status "filtered"). false: the
// report cannot be shown, which shows has already left out.
func (c *statusConv) note(n storage.NoteEntry, v noteShown) (Notification, bool) {
	out := c.notification(n)
	if n.Kind == storage.NoteReport {
		r, ok := c.report(v.report)
		if !ok {
			return Notification{}, false
		}
		out.Report = &r
	}
	if out.Status != nil {
		markFiltered(out.Status, v.m) // lists.go
	}
	return out, true
}

// shownNote is shows and note together, for one notification.
func (c *statusConv) shownNote(n storage.NoteEntry, filters *social.Filterer) (Notification, bool) {
	v, ok := c.shows(n, filters)
	if !ok {
		return Notification{}, false
	}
	return c.note(n, v)
}
