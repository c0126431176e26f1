package handlers

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Moving accounts (social/moves.go): the settings page of aliases and of
// the move, and what a moved profile shows.

const movePath = "/settings/move"

// actorRefresher is the part of federation that fetches an account again
// from its server, whatever is stored (federation.Resolver has it).
type actorRefresher interface {
	RefreshActor(ctx context.Context, uri string) (storage.User, error)
}

// freshAccount finds the account a member names, fetched again from its
// server when it is elsewhere: an alias just added there must be seen.
func (h *Handler) freshAccount(ctx context.Context, handle string) (storage.User, error) {
	u, err := h.social.FindAccount(ctx, handle)
	if err != nil || u.IsLocal() {
		return u, err
	}
	if rf, ok := h.cfg.Federation.(actorRefresher); ok {
		fresh, err := rf.RefreshActor(ctx, u.URI)
		if err != nil {
			e := &social.Error{Kind: social.NotFound, Field: "target", Message: i18n.T(ctx, "move.not_found", "name", handle), Err: err}
			return u, e
		}
		return fresh, nil
	}
	return u, nil
}

// movedView is where a moved account went, as its profile shows it; nil
// when it did not move.
func (h *Handler) movedView(u storage.User) *views.MovedTo {
	if u.MovedTo == "" {
		return nil
	}
	if t, err := h.social.AccountByURI(u.MovedTo); err == nil {
		return &views.MovedTo{Handle: handleOf(t), URL: userPath(t)}
	}
	if !strings.HasPrefix(u.MovedTo, "https://") && !strings.HasPrefix(u.MovedTo, "http://") {
		return nil
	}
	return &views.MovedTo{Handle: u.MovedTo, URL: u.MovedTo}
}

// moveSettings is the page of the member's aliases and move.
func (h *Handler) moveSettings(w http.ResponseWriter, r *http.Request) {
	h.showMoveSettings(w, r, http.StatusOK, views.Form{})
}

func (h *Handler) showMoveSettings(w http.ResponseWriter, r *http.Request, code int, f views.Form) {
	me := viewer(r).user
	m := views.MoveSettings{Form: f, MovedTo: h.movedView(me), Handle: handleOf(me) + "@" + h.social.Host(), Federates: h.cfg.Federation != nil}
	for _, uri := range me.AlsoKnownAs {
		a := views.Alias{URI: uri, Handle: uri}
		if u, err := h.social.AccountByURI(uri); err == nil {
			a.Handle = handleOf(u)
			if u.IsLocal() {
				a.Handle += "@" + h.social.Host()
			}
		}
		m.Aliases = append(m.Aliases, a)
	}
	h.render(w, r, code, views.MoveSettingsPage(h.page(r, i18n.T(r.Context(), "move.title"), "settings"), m))
}

// moveFormError shows the page again with a refusal's message.
func (h *Handler) moveFormError(w http.ResponseWriter, r *http.Request, field string, err error) {
	code, msg := statusCtx(r.Context(), err)
	if code >= 500 {
		h.error(w, r, err)
		return
	}
	h.showMoveSettings(w, r, code, views.Form{Error: msg, Errors: map[string]string{field: msg}})
}

// addAlias adds an account of the member's elsewhere to the aliases.
func (h *Handler) addAlias(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	handle := strings.TrimSpace(r.PostForm.Get("alias"))
	alias, err := h.social.FindAccount(r.Context(), handle)
	if err == nil {
		_, err = h.social.AddAlias(r.Context(), viewer(r).user, alias)
	}
	if err != nil {
		h.moveFormError(w, r, "alias", err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "move.alias_added", "name", handle)})
	http.Redirect(w, r, movePath, http.StatusSeeOther)
}

// removeAlias takes an alias out.
func (h *Handler) removeAlias(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	if _, err := h.social.RemoveAlias(r.Context(), viewer(r).user, r.PostForm.Get("uri")); err != nil {
		h.error(w, r, err)
		return
	}
	http.Redirect(w, r, movePath, http.StatusSeeOther)
}

// moveAccount moves the member's account to another, which must name this
// one among its aliases (checked on a fresh copy). It asks for the
// password: a move cannot be taken back.
func (h *Handler) moveAccount(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	tries := h.passwordTries(r, me.Username)
	if wait := tries.wait(); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_passwords"), wait))
		return
	}
	pw := r.PostForm.Get("current_password")
	if len(pw) > maxPassword || bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(pw)) != nil {
		tries.failed()
		h.moveFormError(w, r, "current_password", errUnauthorized(i18n.T(r.Context(), "form.current_password_wrong")))
		return
	}
	target, err := h.freshAccount(r.Context(), r.PostForm.Get("target"))
	var res social.MoveResult
	if err == nil {
		res, err = h.social.MoveAccount(r.Context(), me, target)
	}
	if err != nil {
		h.moveFormError(w, r, "target", err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.N(r.Context(), "move.moved", res.Moved, "name", handleOf(target))})
	http.Redirect(w, r, movePath, http.StatusSeeOther)
}

func errUnauthorized(msg string) error {
	return &httpError{status: http.StatusUnauthorized, message: msg}
}

func (h *Handler) moveRoutes() {
	m := h.mux
	m.HandleFunc("GET "+movePath, h.requireUser(h.moveSettings))
	m.HandleFunc("POST "+movePath, h.requireUser(h.moveAccount))
	m.HandleFunc("POST /settings/aliases", h.requireUser(h.addAlias))
	m.HandleFunc("POST /settings/aliases/remove", h.requireUser(h.removeAlias))
}
