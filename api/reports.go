package api

import (
	"net/http"

	"majlis/social"
	"majlis/storage"
)

// POST /api/v1/reports: a member reports an account, or one of its
// posts, from an app, as the web's report form does (social.Report, one
// transaction). The moderators then read it as an admin.report
// notification (staff_notes.go).

func (a *API) reportRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/reports", a.route(UserToken, "write:reports", a.createReport))
}

// reportCategoryArg is Mastodon's category as majlis files it: "legal" is
// illegal content; "violation" (of the instance's rules, which majlis
// does not number) and anything else are "other". Empty is other too, as
// Mastodon's default.
func reportCategoryArg(c string) storage.ReportCategory {
	switch c {
	case "spam":
		return storage.ReportSpam
	case "legal":
		return storage.ReportIllegal
	}
	return storage.ReportOther
}

// createReport files a report: account_id, status_ids[] (at most one: a
// report here is about an account or one post), comment, category. The
// answer is the Report as the reporter may see it. forward and rule_ids
// are not read: a report about another server's account is always sent
// on to it (the Report's "forwarded" says so), and majlis's rules are
// not numbered.
func (a *API) createReport(w http.ResponseWriter, r *http.Request, au *Auth) {
	ps, cleanup, err := readParams(w, r, 64<<10)
	defer cleanup()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	target, err := storage.ParseID(ps.Get("account_id"))
	if err != nil || target == 0 {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Account can't be blank")
		return
	}
	d := social.ReportDraft{TargetID: target, Comment: ps.Get("comment"), Category: reportCategoryArg(ps.Get("category"))}
	switch ids := ps.list("status_ids"); {
	case len(ids) > 1:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: a report here names at most one status; report each on its own")
		return
	case len(ids) == 1:
		id, err := storage.ParseID(ids[0])
		if err != nil {
			notFound(w)
			return
		}
		d.PostID = id
	}
	// Report checks the account (404 for one unknown); the answer is read
	// back with the reporter and the account filled in.
	rep, err := a.soc.Report(a.langContext(r, au), au.User, d)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.db.Report(rep.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out, ok := a.conv(au.User).report(e) // staff_notes.go
	if !ok {
		notFound(w) // the account went in between
		return
	}
	writeJSON(w, http.StatusOK, out)
}
