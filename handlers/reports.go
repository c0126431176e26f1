package handlers

import (
	"context"
	"errors"
	"maps"
	"net/http"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// reportTarget is what a report form is about: an account, and a post of
// it when the address names one.
type reportTarget struct {
	user storage.User
	post *storage.Entry
	// path is the form's address.
	path string
}

// reportTargetOf reads "/@name/report" or "/@name/ID/report";
// social.ReportSubject says whether the viewer may report it.
func (h *Handler) reportTargetOf(r *http.Request) (reportTarget, error) {
	var t reportTarget
	u, err := h.profileUser(r)
	if err != nil {
		return t, err
	}
	var postID storage.ID
	if s := r.PathValue("id"); s != "" {
		if postID, err = storage.ParseID(s); err != nil || postID == 0 {
			return t, errNotFound(i18n.T(r.Context(), "error.no_post"))
		}
	}
	sub, err := h.social.ReportSubject(r.Context(), viewer(r).user, u, postID)
	if err != nil {
		return t, err
	}
	t.user, t.post, t.path = u, sub.Post, userPath(u)+"/report"
	if t.post != nil {
		t.path = postPath(u, t.post.Post.ID) + "/report"
	}
	return t, nil
}

func (h *Handler) reportFormView(r *http.Request, t reportTarget) views.ReportForm {
	f := views.ReportForm{
		Target:     h.userItem(r, t.user),
		Action:     t.path,
		Categories: views.ReportCategories,
		Limit:      storage.MaxReportComment,
		Errors:     map[string]string{},
	}
	if t.post != nil {
		pv := h.postView(r, *t.post)
		f.Post = &pv
	}
	return f
}

// reportForm asks what is wrong with an account or a post.
func (h *Handler) reportForm(w http.ResponseWriter, r *http.Request) {
	t, err := h.reportTargetOf(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.ReportFormPage(h.page(r, i18n.T(r.Context(), "title.report"), ""), h.reportFormView(r, t)))
}

// report files a report for the moderators, with a copy of the account
// (and post) as they are now.
func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.reportTargetOf(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	d := social.ReportDraft{
		TargetID: t.user.ID,
		Category: storage.ReportCategory(r.PostForm.Get("category")),
		Comment:  r.PostForm.Get("comment"),
	}.Clean()
	if t.post != nil {
		d.PostID = t.post.Post.ID
	}
	_, err = h.social.Report(r.Context(), viewer(r).user, d)
	if err == nil {
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.report_sent")})
		http.Redirect(w, r, "/reports", http.StatusSeeOther)
		return
	}
	f := h.reportFormView(r, t)
	f.Category, f.Comment = string(d.Category), d.Comment
	var problems social.ReportProblems
	var se *social.Error
	switch {
	case errors.As(err, &problems):
		maps.Copy(f.Errors, problems)
		f.Error = i18n.T(r.Context(), "form.correct_fields_nothing_sent")
		h.render(w, r, http.StatusBadRequest, views.ReportFormPage(h.page(r, i18n.T(r.Context(), "title.report"), ""), f))
	case errors.As(err, &se) && se.Kind == social.Conflict:
		f.Error = se.Message
		h.render(w, r, http.StatusConflict, views.ReportFormPage(h.page(r, i18n.T(r.Context(), "title.report"), ""), f))
	default:
		h.error(w, r, err)
	}
}

// myReports lists the viewer's own reports and what became of them.
func (h *Handler) myReports(w http.ResponseWriter, r *http.Request) {
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	rp, err := h.db.ReportsBy(viewer(r).user.ID, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	l := views.ReportList{Empty: i18n.T(r.Context(), "empty.my_reports")}
	for _, e := range rp.Reports {
		it := h.reportItem(r.Context(), e)
		it.URL, it.Reporter = "", nil
		l.Items = append(l.Items, it)
	}
	if rp.Next != 0 {
		l.MoreURL = withBefore("/reports", rp.Next)
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.ReportItems(l))
		return
	}
	h.render(w, r, http.StatusOK, views.MyReportsPage(h.page(r, i18n.T(r.Context(), "title.my_reports"), ""), l))
}

// reportItem is a report as a list shows it to moderators.
func (h *Handler) reportItem(ctx context.Context, e storage.ReportEntry) views.ReportItem {
	it := views.ReportItem{
		ID:       e.ID.String(),
		URL:      "/admin/reports/" + e.ID.String(),
		Category: string(e.Category),
		Comment:  e.Comment,
		Target:   e.Snapshot.Username,
		OfPost:   e.PostID != 0,
		Time:     timeOf(e.CreatedAt, h.cfg.Now()),
		Open:     e.Status == storage.ReportOpen,
		Purged:   !e.PurgedAt.IsZero(),
	}
	if e.Reporter != nil {
		it.Reporter = userRef(*e.Reporter)
	}
	if e.Target != nil {
		it.Target, it.TargetURL = e.Target.Username, userPath(*e.Target)
	}
	if e.Resolution != nil {
		it.Outcome = views.ResolutionText(ctx, string(e.Resolution.Action))
	}
	return it
}
