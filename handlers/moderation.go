package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"majlis/i18n"
	"majlis/social"
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
		return "", errBadRequest(i18n.T(r.Context(), "form.reason_invalid"))
	}
	if n := utf8.RuneCountInString(reason); n > maxModReason {
		return "", errBadRequest(i18n.N(r.Context(), "form.reason_too_long", n, "limit", maxModReason))
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
	if err == nil && (a.Kind == storage.ActDeleteAccount || a.Kind == storage.ActReject) {
		// A deleted account's words and password hash must not linger in
		// the file's freed pages: rewrite it, as a member's own deletion does.
		if _, cerr := h.db.Compact(); cerr != nil {
			h.cfg.Logger.Error("compact after account deletion", "err", cerr)
		}
	}
	return e, moderationError(r.Context(), err)
}

// moderationError maps what Moderate refuses to an answer.
func moderationError(ctx context.Context, err error) error {
	var na *storage.NotAllowedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &na):
		return errForbidden(notAllowedText(ctx, na))
	case errors.Is(err, storage.ErrExists):
		return &httpError{status: http.StatusConflict, message: i18n.T(ctx, "error.report_resolved")}
	case errors.Is(err, storage.ErrInvalid):
		return &httpError{status: http.StatusConflict, message: i18n.T(ctx, "error.moderation_stale")}
	}
	return err
}

// onlyAdminSuffix ends storage's refusal to take away the last admin who
// can log in, after the username.
const onlyAdminSuffix = " is the only admin who can log in: make another account admin first."

// notAllowedText is a refusal of storage's moderation rules
// (storage.CheckModeration and the others) in the language of ctx; a
// reason it does not know stays as storage wrote it.
func notAllowedText(ctx context.Context, na *storage.NotAllowedError) string {
	switch na.Reason {
	case "Only admins may change the instance settings.":
		return i18n.T(ctx, "admin.refusal.instance_settings")
	case "Only moderators and admins may do that.":
		return i18n.T(ctx, "admin.refusal.moderators_only")
	case "Only admins may do that.":
		return i18n.T(ctx, "admin.refusal.admins_only")
	case "Moderators cannot act on the accounts or posts of admins and moderators.":
		return i18n.T(ctx, "admin.refusal.staff")
	case "You cannot do that to your own account.":
		return i18n.T(ctx, "error.relation_self")
	}
	if name, ok := strings.CutSuffix(na.Reason, onlyAdminSuffix); ok {
		return i18n.T(ctx, "admin.refusal.last_admin", "name", name)
	}
	return na.Reason
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
	return h.page(r, i18n.T(r.Context(), "title.admin_page", "title", title), "admin")
}

// afterParam reads the ?after= cursor of the oldest-first queues.
func afterParam(r *http.Request) (storage.ID, error) {
	s := r.URL.Query().Get("after")
	if s == "" {
		return 0, nil
	}
	id, err := storage.ParseID(s)
	if err != nil {
		return 0, errBadRequest(i18n.T(r.Context(), "error.bad_cursor"))
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
	l := views.ApplicationList{Empty: i18n.T(r.Context(), "empty.applications")}
	for _, a := range ap.Applications {
		base := "/admin/applications/" + a.User.Username
		l.Items = append(l.Items, views.ApplicationItem{
			User:       h.userItem(r, a.User),
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
	h.render(w, r, http.StatusOK, views.ApplicationsPage(h.adminPage(r, i18n.T(r.Context(), "title.applications")), h.adminFrame(r, "applications"), l))
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
	kind, msg := storage.ActReject, i18n.T(r.Context(), "admin.application_rejected", "name", u.Username)
	if approve {
		kind, msg = storage.ActApprove, i18n.T(r.Context(), "admin.application_approved", "name", u.Username)
	}
	if _, err := h.moderate(r, storage.Action{Kind: kind, TargetID: u.ID}); err != nil {
		h.error(w, r, err)
		return
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.AdminDoneRow(views.PersonDone{User: h.userItem(r, u), Message: msg}))
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
	l := views.ReportList{Empty: i18n.T(r.Context(), "empty.open_reports")}
	for _, e := range rp.Reports {
		l.Items = append(l.Items, h.reportItem(r.Context(), e))
	}
	if rp.Next != 0 {
		l.MoreURL = "/admin/reports?after=" + rp.Next.String()
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.ReportItems(l))
		return
	}
	h.render(w, r, http.StatusOK, views.ReportQueuePage(h.adminPage(r, i18n.T(r.Context(), "title.reports")), h.adminFrame(r, "reports"), l))
}

// reportOf loads the report of the address.
func (h *Handler) reportOf(r *http.Request) (storage.ReportEntry, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.ReportEntry{}, errNotFound(i18n.T(r.Context(), "error.no_report"))
	}
	e, err := h.db.Report(id)
	if errors.Is(err, storage.ErrNotFound) {
		err = errNotFound(i18n.T(r.Context(), "error.no_report"))
	}
	return e, err
}

// resolutionChoices are the ways a report may be resolved, with labels.
func resolutionChoices(ctx context.Context) []views.Option {
	return []views.Option{
		{Value: string(storage.ActDismiss), Label: i18n.T(ctx, "admin.resolve.dismiss")},
		{Value: string(storage.ActDeletePost), Label: i18n.T(ctx, "admin.resolve.delete_post")},
		{Value: string(storage.ActSilence), Label: i18n.T(ctx, "admin.resolve.silence")},
		{Value: string(storage.ActSuspend), Label: i18n.T(ctx, "admin.resolve.suspend")},
	}
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
	h.render(w, r, http.StatusOK, views.ReportDetailPage(h.adminPage(r, i18n.T(r.Context(), "title.report")), h.adminFrame(r, "reports"), d))
}

func (h *Handler) reportDetailView(r *http.Request, e storage.ReportEntry) views.ReportDetail {
	now := h.cfg.Now()
	s := e.Snapshot
	d := views.ReportDetail{
		ReportItem:      h.reportItem(r.Context(), e),
		Username:        s.Username,
		DisplayName:     s.DisplayName,
		BioHTML:         s.BioHTML,
		PostHTML:        s.PostHTML,
		PostSource:      s.PostSource,
		PostCW:          s.PostCW,
		PostVisibility:  social.VisibilityLabel(r.Context(), s.PostVisibility),
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
	if !e.PurgedAt.IsZero() {
		t := timeOf(e.PurgedAt, now)
		d.PurgedAt = &t
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
	for _, o := range resolutionChoices(r.Context()) {
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
	if !slices.ContainsFunc(resolutionChoices(r.Context()), func(o views.Option) bool { return o.Value == string(kind) }) {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.resolution_required")))
		return
	}
	if _, err := h.moderate(r, storage.Action{Kind: kind, ReportID: e.ID}); err != nil {
		h.error(w, r, err)
		return
	}
	msg := reportDone(r.Context(), kind, e.Snapshot.Username) // flows.go
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/admin/reports", http.StatusSeeOther)
}

// managedUser finds the local account an administration address names,
// whatever its state (pending and suspended accounts included).
func (h *Handler) managedUser(r *http.Request) (storage.User, error) {
	name := r.PathValue("username")
	if !validUsername(name) {
		return storage.User{}, errNotFound(i18n.T(r.Context(), "error.no_account", "name", name))
	}
	u, err := h.db.LocalUser(name)
	if errors.Is(err, storage.ErrNotFound) {
		return u, errNotFound(i18n.T(r.Context(), "error.no_account", "name", name))
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
			Action:   views.ModActionText(r.Context(), string(e.Kind)),
			Target:   e.TargetName,
			Detail:   e.Detail,
			Reason:   e.Reason,
		}
		switch {
		case e.Kind == storage.ActDomainBlock || e.Kind == storage.ActDomainUnblock:
			it.Domain, it.TargetURL = true, "/admin/domains"
		case e.TargetName != "" && e.Kind != storage.ActReject && e.Kind != storage.ActDeleteAccount:
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
	h.render(w, r, http.StatusOK, views.ModLogPage(h.adminPage(r, i18n.T(r.Context(), "title.mod_log")), h.adminFrame(r, "log"), l))
}

// errSuspended answers for a suspended account's pages: its profile and
// posts are hidden, with this notice.
func errSuspended(ctx context.Context) error {
	return &httpError{status: http.StatusGone, message: i18n.T(ctx, "error.suspended")}
}

// hiddenByModeration tells why the pages of u are hidden from the viewer,
// or nil: a suspended account's say so (410); an account waiting for
// approval is not a member yet (404). Moderators see both.
func hiddenByModeration(r *http.Request, u storage.User) error {
	if v := viewer(r); v != nil && v.user.CanModerate() {
		return nil
	}
	switch u.AccountStatus() {
	case storage.StatusSuspended:
		return errSuspended(r.Context())
	case storage.StatusPending:
		return errNotFound(i18n.T(r.Context(), "error.no_user", "name", u.Username))
	}
	return nil
}
