package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"majlis/storage"
	"majlis/views"
)

// Moderation: the approval queue and the reports queue (moderators and
// admins), and the helpers every moderation action shares. Who may do
// what is storage.CheckModeration; the table on /admin says it for
// people.

// maxModReason is the longest reason of a moderation action, in
// characters.
const maxModReason = 500

// modReason reads the reason of a moderation form.
func modReason(r *http.Request) (string, error) {
	reason := strings.Join(strings.Fields(strings.ToValidUTF8(r.PostForm.Get("reason"), "\uFFFD")), " ")
	if strings.ContainsFunc(reason, isControl) {
		return "", errBadRequest("The reason contains characters that cannot be shown.")
	}
	if n := utf8.RuneCountInString(reason); n > maxModReason {
		return "", errBadRequest("The reason is too long: " + itoa(n) + " characters, the limit is " + itoa(maxModReason) + ".")
	}
	return reason, nil
}

// moderate takes a moderation action as the viewer, dated by the
// handler's clock, with the form's reason, and turns storage's refusals
// into messages for people.
func (h *Handler) moderate(r *http.Request, a storage.Action) (storage.LogEntry, error) {
	reason, err := modReason(r)
	if err != nil {
		return storage.LogEntry{}, err
	}
	a.ActorID, a.At, a.Reason = viewer(r).user.ID, h.cfg.Now(), reason
	e, err := h.db.Moderate(a)
	return e, moderationError(err)
}

// moderationError maps what Moderate refuses to an answer.
func moderationError(err error) error {
	var na *storage.NotAllowedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &na):
		return errForbidden(na.Reason)
	case errors.Is(err, storage.ErrExists):
		return &httpError{status: http.StatusConflict, message: "This report is resolved already, perhaps by another moderator."}
	case errors.Is(err, storage.ErrInvalid):
		return &httpError{status: http.StatusConflict, message: "That does not apply to the account as it is now (it may have changed meanwhile). Reload the page to see it."}
	}
	return err
}

// adminFrame is the sub-navigation of the administration pages, with the
// sizes of the queues.
func (h *Handler) adminFrame(r *http.Request, current string) views.AdminFrame {
	f := views.AdminFrame{Current: current, Admin: viewer(r).user.IsAdmin()}
	f.OpenReports, _ = h.db.CountOpenReports(999)
	f.Applications, _ = h.db.CountApplications(999)
	return f
}

// adminPage is the frame of an administration page.
func (h *Handler) adminPage(r *http.Request, title string) views.Page {
	return h.page(r, title+" · Administration", "admin")
}

// afterParam reads the ?after= cursor of the oldest-first queues.
func afterParam(r *http.Request) (storage.ID, error) {
	s := r.URL.Query().Get("after")
	if s == "" {
		return 0, nil
	}
	id, err := storage.ParseID(s)
	if err != nil {
		return 0, errBadRequest("The page cursor in this address is not valid.")
	}
	return id, nil
}

// applications is the approval queue, oldest first; under HTMX a page of
// it alone (infinite scroll).
func (h *Handler) applications(w http.ResponseWriter, r *http.Request) {
	after, err := afterParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	ap, err := h.db.Applications(after, 20)
	if err != nil {
		h.error(w, r, err)
		return
	}
	now := h.cfg.Now()
	l := views.ApplicationList{Empty: "Nobody is waiting for approval."}
	for _, a := range ap.Applications {
		base := "/admin/applications/" + a.User.Username
		l.Items = append(l.Items, views.ApplicationItem{
			User:       h.userItem(a.User),
			Username:   a.User.Username,
			Reason:     a.Reason,
			Time:       timeOf(a.CreatedAt, now),
			ApproveURL: base + "/approve",
			RejectURL:  base + "/reject",
		})
	}
	if ap.Next != 0 {
		l.MoreURL = "/admin/applications?after=" + ap.Next.String()
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.ApplicationItems(l))
		return
	}
	h.render(w, r, http.StatusOK, views.ApplicationsPage(h.adminPage(r, "Applications"), h.adminFrame(r, "applications"), l))
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) { h.answerApplication(w, r, true) }
func (h *Handler) reject(w http.ResponseWriter, r *http.Request)  { h.answerApplication(w, r, false) }

// answerApplication approves or rejects a pending account. Under HTMX its
// row becomes the outcome; without, the browser returns to the queue.
func (h *Handler) answerApplication(w http.ResponseWriter, r *http.Request, approve bool) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.managedUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	kind, msg := storage.ActReject, "@"+u.Username+"'s application was rejected; the account is deleted."
	if approve {
		kind, msg = storage.ActApprove, "@"+u.Username+" is approved and can log in now."
	}
	if _, err := h.moderate(r, storage.Action{Kind: kind, TargetID: u.ID}); err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.AdminDoneRow(views.PersonDone{User: h.userItem(u), Message: msg}))
		return
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/admin/applications", http.StatusSeeOther)
}

// reportQueue is the open reports, oldest first; under HTMX a page of it
// alone.
func (h *Handler) reportQueue(w http.ResponseWriter, r *http.Request) {
	after, err := afterParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	rp, err := h.db.OpenReports(after, 20)
	if err != nil {
		h.error(w, r, err)
		return
	}
	l := views.ReportList{Empty: "No open reports. All is well."}
	for _, e := range rp.Reports {
		l.Items = append(l.Items, h.reportItem(e))
	}
	if rp.Next != 0 {
		l.MoreURL = "/admin/reports?after=" + rp.Next.String()
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.ReportItems(l))
		return
	}
	h.render(w, r, http.StatusOK, views.ReportQueuePage(h.adminPage(r, "Reports"), h.adminFrame(r, "reports"), l))
}

// reportOf loads the report of the address.
func (h *Handler) reportOf(r *http.Request) (storage.ReportEntry, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.ReportEntry{}, errNotFound("There is no report at this address.")
	}
	e, err := h.db.Report(id)
	if errors.Is(err, storage.ErrNotFound) {
		err = errNotFound("There is no report at this address.")
	}
	return e, err
}

// resolutionChoices are the ways a report may be resolved, with labels.
var resolutionChoices = []views.Option{
	{Value: string(storage.ActDismiss), Label: "Dismiss: nothing to do"},
	{Value: string(storage.ActDeletePost), Label: "Delete the post"},
	{Value: string(storage.ActSilence), Label: "Silence the account: its posts leave the local timeline and tag pages"},
	{Value: string(storage.ActSuspend), Label: "Suspend the account: it cannot log in, its profile and posts are hidden"},
}

// reportDetail shows a report with the snapshot of what was reported and
// the resolutions the viewer may choose.
func (h *Handler) reportDetail(w http.ResponseWriter, r *http.Request) {
	e, err := h.reportOf(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	d := h.reportDetailView(r, e)
	h.render(w, r, http.StatusOK, views.ReportDetailPage(h.adminPage(r, "Report"), h.adminFrame(r, "reports"), d))
}

func (h *Handler) reportDetailView(r *http.Request, e storage.ReportEntry) views.ReportDetail {
	now := h.cfg.Now()
	s := e.Snapshot
	d := views.ReportDetail{
		ReportItem:      h.reportItem(e),
		Username:        s.Username,
		DisplayName:     s.DisplayName,
		BioHTML:         s.BioHTML,
		PostHTML:        s.PostHTML,
		PostSource:      s.PostSource,
		PostCW:          s.PostCW,
		PostVisibility:  visibilityLabels[s.PostVisibility],
		PostAttachments: s.PostAttachments,
		PostAlts:        s.PostAlts,
		TargetStatus:    "deleted",
		ResolveURL:      "/admin/reports/" + e.ID.String() + "/resolve",
	}
	if d.DisplayName == "" {
		d.DisplayName = s.Username
	}
	if e.PostID != 0 {
		t := timeOf(s.PostCreatedAt, now)
		d.PostTime = &t
	}
	if e.Target != nil {
		d.TargetStatus = string(e.Target.AccountStatus())
		if e.PostID != 0 {
			if ok, err := h.db.PostExists(e.PostID); err == nil && ok {
				d.PostURL = postPath(*e.Target, e.PostID)
			}
		}
	}
	if e.Resolution != nil {
		d.ResolvedBy, d.Reason = "@"+e.Resolution.ByName, e.Resolution.Reason
	}
	me := viewer(r).user
	target := storage.User{ID: e.TargetID}
	if e.Target != nil {
		target = *e.Target
	}
	for _, o := range resolutionChoices {
		kind := storage.ActionKind(o.Value)
		switch {
		case storage.CheckModeration(me, target, kind) != nil:
			continue
		case kind == storage.ActDeletePost && d.PostURL == "":
			continue // no post, or gone already
		case (kind == storage.ActSilence || kind == storage.ActSuspend) && e.Target == nil:
			continue
		case kind == storage.ActSilence && target.AccountStatus() != storage.StatusActive:
			continue
		case kind == storage.ActSuspend && (target.AccountStatus() == storage.StatusSuspended || target.AccountStatus() == storage.StatusPending):
			continue
		}
		d.Choices = append(d.Choices, o)
	}
	return d
}

// resolveReport resolves a report with the chosen action, and goes back
// to the queue.
func (h *Handler) resolveReport(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	e, err := h.reportOf(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	kind := storage.ActionKind(r.PostForm.Get("action"))
	if !slices.ContainsFunc(resolutionChoices, func(o views.Option) bool { return o.Value == string(kind) }) {
		h.error(w, r, errBadRequest("Choose how to resolve the report."))
		return
	}
	if _, err := h.moderate(r, storage.Action{Kind: kind, ReportID: e.ID}); err != nil {
		h.error(w, r, err)
		return
	}
	msg := "The report about @" + e.Snapshot.Username + " is resolved: " + strings.ToLower(views.ResolutionLabel(string(kind))) + "."
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/admin/reports", http.StatusSeeOther)
}

// managedUser finds the local account an administration address names,
// whatever its state (pending and suspended accounts included).
func (h *Handler) managedUser(r *http.Request) (storage.User, error) {
	name := r.PathValue("username")
	if !validUsername(name) {
		return storage.User{}, errNotFound("There is no account called @" + name + " here.")
	}
	u, err := h.db.LocalUser(name)
	if errors.Is(err, storage.ErrNotFound) {
		return u, errNotFound("There is no account called @" + name + " here.")
	}
	return u, err
}

// modLog is the moderation log, newest first; under HTMX a page of it
// alone.
func (h *Handler) modLog(w http.ResponseWriter, r *http.Request) {
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page.Limit = 50
	lp, err := h.db.ModerationLog(page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	now := h.cfg.Now()
	var l views.ModLog
	for _, e := range lp.Entries {
		it := views.LogItem{
			Time:     timeOf(e.At, now),
			Actor:    e.ActorName,
			ActorURL: "/admin/users/" + url.PathEscape(e.ActorName),
			Action:   views.ActionLabel(string(e.Kind)),
			Target:   e.TargetName,
			Detail:   e.Detail,
			Reason:   e.Reason,
		}
		if e.TargetName != "" && e.Kind != storage.ActReject && e.Kind != storage.ActDeleteAccount {
			it.TargetURL = "/admin/users/" + url.PathEscape(e.TargetName)
		}
		if e.ReportID != 0 {
			it.ReportURL = "/admin/reports/" + e.ReportID.String()
		}
		l.Items = append(l.Items, it)
	}
	if lp.Next != 0 {
		l.MoreURL = withBefore("/admin/log", lp.Next)
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.LogItems(l))
		return
	}
	h.render(w, r, http.StatusOK, views.ModLogPage(h.adminPage(r, "Log"), h.adminFrame(r, "log"), l))
}

// errSuspended answers for a suspended account's pages: its profile and
// posts are hidden, with this notice.
var errSuspended = &httpError{status: http.StatusGone, message: "This account is suspended. Its profile and posts are hidden."}

// hiddenByModeration tells why the pages of u are hidden from the viewer,
// or nil: a suspended account's say so (410); an account waiting for
// approval is not a member yet (404). Moderators see both.
func hiddenByModeration(r *http.Request, u storage.User) error {
	if v := viewer(r); v != nil && v.user.CanModerate() {
		return nil
	}
	switch u.AccountStatus() {
	case storage.StatusSuspended:
		return errSuspended
	case storage.StatusPending:
		return errNotFound("There is no one called @" + u.Username + " here.")
	}
	return nil
}
