package handlers

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"majlis/i18n"
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

// reportTargetOf reads "/@name/report" or "/@name/ID/report". A post must
// be one the viewer may see, by that account; nobody reports themselves.
func (h *Handler) reportTargetOf(r *http.Request) (reportTarget, error) {
	var t reportTarget
	u, err := h.profileUser(r)
	if err != nil {
		return t, err
	}
	if u.ID == viewer(r).user.ID {
		return t, errBadRequest(i18n.T(r.Context(), "error.report_self"))
	}
	t.user, t.path = u, userPath(u)+"/report"
	if s := r.PathValue("id"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			return t, errNotFound(i18n.T(r.Context(), "error.no_post"))
		}
		e, err := h.db.Post(viewerID(r), id)
		if err != nil || e.Author.ID != u.ID {
			return t, errNotFound(i18n.T(r.Context(), "error.no_post"))
		}
		t.post, t.path = &e, postPath(u, e.Post.ID)+"/report"
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
	f := h.reportFormView(r, t)
	f.Category = r.PostForm.Get("category")
	f.Comment = strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("comment"), "\r\n", "\n"))
	if !storage.ReportCategory(f.Category).Valid() {
		f.Errors["category"] = i18n.T(r.Context(), "form.report_category_required")
	}
	switch n := utf8.RuneCountInString(f.Comment); {
	case !utf8.ValidString(f.Comment):
		f.Errors["comment"] = i18n.T(r.Context(), "form.comment_invalid")
	case n > storage.MaxReportComment:
		f.Errors["comment"] = i18n.N(r.Context(), "form.at_most_chars_wrote", storage.MaxReportComment, "wrote", n)
	}
	if len(f.Errors) == 0 {
		rep := storage.Report{
			ReporterID: viewer(r).user.ID,
			TargetID:   t.user.ID,
			Category:   storage.ReportCategory(f.Category),
			Comment:    f.Comment,
			CreatedAt:  h.cfg.Now(),
		}
		if t.post != nil {
			rep.PostID = t.post.Post.ID
		}
		err := h.db.CreateReport(&rep)
		switch {
		case errors.Is(err, storage.ErrExists):
			f.Error = i18n.T(r.Context(), "form.report_exists")
		case err != nil:
			h.error(w, r, err)
			return
		default:
			h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.report_sent")})
			http.Redirect(w, r, "/reports", http.StatusSeeOther)
			return
		}
	} else {
		f.Error = i18n.T(r.Context(), "form.correct_fields_nothing_sent")
	}
	code := http.StatusBadRequest
	if len(f.Errors) == 0 {
		code = http.StatusConflict
	}
	h.render(w, r, code, views.ReportFormPage(h.page(r, i18n.T(r.Context(), "title.report"), ""), f))
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
		it := h.reportItem(e)
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
func (h *Handler) reportItem(e storage.ReportEntry) views.ReportItem {
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
		it.Outcome = views.ResolutionLabel(string(e.Resolution.Action))
	}
	return it
}
