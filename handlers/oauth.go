package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"majlis/api"
	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// The web side of OAuth 2: the page where a member lets an app use the
// account, and the settings page of the apps that can. The token side is
// the client API's (package api), which shares the rules of a valid
// request (api.CheckAuthorization). These routes are cookie routes: the
// cross-origin form protection stays on them.

func (h *Handler) oauthRoutes() {
	m := h.mux
	m.HandleFunc("GET /oauth/authorize", h.requireUser(h.authorizeForm))
	m.HandleFunc("POST /oauth/authorize", h.requireUser(h.authorize))
	m.HandleFunc("GET /settings/apps", h.requireUser(h.authorizedApps))
	m.HandleFunc("POST /settings/apps/{id}/revoke", h.requireUser(h.revokeApp))
}

// authParams are the parameters of an authorization request, carried from
// the page to its form.
var authParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"}

// checkAuthorization validates an authorization request. A request
// that cannot be answered to the app (unknown client or redirect URI, or
// out of band) is refused with a readable 400 page; another bad request
// goes back to the app with its OAuth error. ok is false when the answer
// was written.
func (h *Handler) checkAuthorization(w http.ResponseWriter, r *http.Request, q url.Values) (req api.AuthRequest, ok bool) {
	req, aerr := api.CheckAuthorization(h.db, q)
	if aerr == nil {
		return req, true
	}
	if aerr.Redirect && req.RedirectURI != api.OOB {
		http.Redirect(w, r, req.RedirectWith(url.Values{"error": {aerr.Code}}), http.StatusSeeOther)
		return req, false
	}
	h.error(w, r, errBadRequest(i18n.T(r.Context(), "oauth.error."+aerr.Reason)))
	return req, false
}

// authorizeForm asks the member whether the app may use the account
// (GET /oauth/authorize). A visitor is sent to log in and back here.
func (h *Handler) authorizeForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, ok := h.checkAuthorization(w, r, q)
	if !ok {
		return
	}
	a := views.Authorize{AppName: req.App.Name, Website: req.App.Website, Username: viewer(r).user.Username, Scopes: scopeItems(req.Scopes)}
	for _, name := range authParams {
		if v := q.Get(name); v != "" {
			a.Params = append(a.Params, views.Param{Name: name, Value: v})
		}
	}
	// Browsers hold the redirect that answers this form to the page's
	// form-action: the app's address joins this site's there.
	if src := req.FormAction(); src != "" {
		w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+src, 1))
	}
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusOK, views.AuthorizePage(h.page(r, i18n.T(r.Context(), "oauth.authorize.title"), ""), a))
}

// authorize takes the member's answer (POST /oauth/authorize): a code
// sent back to the app, or shown to copy for an app without a redirect,
// or the refusal.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	req, ok := h.checkAuthorization(w, r, r.PostForm)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	title := i18n.T(r.Context(), "oauth.authorize.title")
	switch r.PostForm.Get("decision") {
	case "deny":
		if req.RedirectURI == api.OOB {
			h.render(w, r, http.StatusOK, views.AuthorizeResultPage(h.page(r, title, ""), views.AuthorizeResult{AppName: req.App.Name}))
			return
		}
		http.Redirect(w, r, req.RedirectWith(url.Values{"error": {"access_denied"}}), http.StatusSeeOther)
	case "approve":
		code, err := req.Grant(h.db, viewer(r).user.ID)
		if err != nil {
			h.error(w, r, err)
			return
		}
		if req.RedirectURI == api.OOB {
			h.render(w, r, http.StatusOK, views.AuthorizeResultPage(h.page(r, title, ""), views.AuthorizeResult{AppName: req.App.Name, Code: code}))
			return
		}
		http.Redirect(w, r, req.RedirectWith(url.Values{"code": {code}}), http.StatusSeeOther)
	default:
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "oauth.error.decision")))
	}
}

// scopeItems are scopes with the catalog keys of their plain words.
func scopeItems(scopes []string) []views.Scope {
	out := make([]views.Scope, 0, len(scopes))
	for _, s := range scopes {
		out = append(out, views.Scope{Name: s, Key: "oauth.scope." + s})
	}
	return out
}

// authorizedApps lists the apps that hold tokens of the member.
func (h *Handler) authorizedApps(w http.ResponseWriter, r *http.Request) {
	list, err := h.db.AuthorizedApps(viewer(r).user.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	now := h.cfg.Now()
	var l views.AuthorizedApps
	for _, a := range list {
		l.Apps = append(l.Apps, views.AuthorizedApp{
			ID: a.App.ID.String(), Name: a.App.Name, Website: a.App.Website, Scopes: scopeItems(a.Scopes),
			Authorized: timeOf(a.CreatedAt, now), LastUsed: timeOf(a.LastUsedAt, now),
		})
	}
	h.render(w, r, http.StatusOK, views.AuthorizedAppsPage(h.page(r, i18n.T(r.Context(), "oauth.apps.nav"), "settings"), l))
}

// revokeApp revokes every token the member gave an app.
func (h *Handler) revokeApp(w http.ResponseWriter, r *http.Request) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "error.not_found")))
		return
	}
	me := viewer(r).user
	app, _ := h.db.AppByID(id)
	msg := i18n.T(r.Context(), "oauth.flash.revoked", "app", app.Name)
	switch err := h.db.RevokeApp(me.ID, id); {
	case errors.Is(err, storage.ErrNotFound):
		msg = i18n.T(r.Context(), "oauth.flash.not_authorized")
	case err != nil:
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/settings/apps", http.StatusSeeOther)
}
