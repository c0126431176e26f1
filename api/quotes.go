package api

import (
	"net/http"

	"majlis/storage"
)

// Quotes in the client API, as Mastodon 4.5 has them: a Status's quote
// ({state, quoted_status}) and quote_approval, quoted_status_id and
// quote_approval_policy on POST /api/v1/statuses, the quotes of a status
// and the revocation of one by the quoted author.

// StatusQuote is a Status's quote.
type StatusQuote struct {
	State        string  `json:"state"`
	QuotedStatus *Status `json:"quoted_status"`
}

// QuoteApproval says who may quote a status, and the viewer.
type QuoteApproval struct {
	Automatic   []string `json:"automatic"`
	Manual      []string `json:"manual"`
	CurrentUser string   `json:"current_user"`
}

func quoteRoutes(a *API, mux *http.ServeMux) {
	mux.Handle("GET /api/v1/statuses/{id}/quotes", a.route(Public, "read:statuses", a.statusQuotes))
	mux.Handle("POST /api/v1/statuses/{id}/quotes/{quoting}/revoke", a.route(UserToken, "write:statuses", a.revokeQuote))
}

// quote converts an entry's quote as the viewer sees it: the quoted
// status only when its author consented and the viewer may see it.
func (c *statusConv) quote(e storage.Entry) *StatusQuote {
	p := e.Post
	if p.QuoteOf == 0 && p.QuoteURI == "" {
		return nil
	}
	q := &StatusQuote{State: string(p.QuoteState)}
	switch {
	case p.QuoteState == storage.QuoteAccepted && e.Quote != nil:
		s := c.post(*e.Quote)
		q.QuotedStatus = &s
	case p.QuoteState == storage.QuoteAccepted:
		q.State = "deleted"
	case p.QuoteState == "":
		q.State = "pending"
	}
	return q
}

// quoteApproval is who may quote a post, and whether the viewer may.
func (c *statusConv) quoteApproval(e storage.Entry) *QuoteApproval {
	p := e.Post
	out := &QuoteApproval{Automatic: []string{}, Manual: []string{}, CurrentUser: "denied"}
	if !p.Visibility.Repostable() || p.IsRepost() {
		return out
	}
	switch p.QuotePolicy {
	case "", storage.QuotePublic:
		out.Automatic = []string{"public"}
	case storage.QuoteFollowers:
		out.Automatic = []string{"followers"}
	}
	if c.viewer.ID == 0 {
		out.CurrentUser = "unknown"
		return out
	}
	if ok, err := c.a.db.MayQuote(c.viewer.ID, p.ID); err == nil && ok {
		out.CurrentUser = "automatic"
	}
	return out
}

// statusQuotes lists the statuses that quote one, with consent, newest
// first and paged like the timelines (max_id, since_id, min_id, limit,
// Link header): to the quoted author all of them they may see, to others
// those they may see but the accounts they muted (storage.Quotes).
func (a *API) statusQuotes(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	e, ok := a.visibleStatus(w, r, viewer)
	if !ok {
		return
	}
	a.writeTimeline(w, r, viewer, parsePaging(r, 0), func(p storage.Page) (storage.Timeline, error) {
		return a.db.Quotes(viewer.ID, e.Post.ID, p)
	})
}

// revokeQuote detaches the member's status from a quote of it.
func (a *API) revokeQuote(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	e, ok := a.visibleStatus(w, r, me)
	if !ok {
		return
	}
	quoting, err := storage.ParseID(r.PathValue("quoting"))
	if err != nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	if q, err := a.db.PostByID(quoting); err != nil || q.QuoteOf != e.Post.ID {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	detached, err := a.soc.Detach(actionContext(r, me), me, quoting)
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.status(detached, me))
}
