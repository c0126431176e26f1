package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"majlis/admin"
	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// The account rules live in package admin, shared with the command line.
const (
	maxUsername    = admin.MaxUsername
	minPassword    = admin.MinPassword
	maxPassword    = admin.MaxPassword // bcrypt reads at most 72 bytes
	maxDisplayName = admin.MaxDisplayName
	// DefaultPasswordCost is the bcrypt work factor for password hashes.
	DefaultPasswordCost = admin.DefaultPasswordCost
)

// validUsername: 1-30 ASCII letters, digits and underscores.
func validUsername(s string) bool { return admin.ValidUsername(s) }

// registration is a validated sign-up form.
type registration struct {
	username, displayName, password string
}

// parseRegistration validates the sign-up form, returning the field errors
// to show.
func parseRegistration(get func(string) string) (registration, map[string]string) {
	return parseRegistrationCtx(context.Background(), get)
}

// parseRegistrationCtx is parseRegistration with the messages in the
// language of ctx.
func parseRegistrationCtx(ctx context.Context, get func(string) string) (registration, map[string]string) {
	reg := registration{
		username:    strings.TrimSpace(get("username")),
		displayName: strings.TrimSpace(get("display_name")),
		password:    get("password"),
	}
	errs := map[string]string{}
	switch {
	case reg.username == "":
		errs["username"] = i18n.T(ctx, "form.username_required")
	case !validUsername(reg.username):
		errs["username"] = i18n.T(ctx, "form.username_invalid")
	}
	if e := social.DisplayNameProblem(ctx, reg.displayName); e != "" {
		errs["display_name"] = e
	}
	switch {
	case utf8.RuneCountInString(reg.password) < minPassword:
		errs["password"] = i18n.N(ctx, "form.password_too_short", minPassword)
	case len(reg.password) > maxPassword:
		errs["password"] = i18n.N(ctx, "form.password_too_long", maxPassword)
	}
	return reg, errs
}

// isControl refuses control characters and the bidi embedding, override
// and isolate controls, which could make a name display reversed or leak
// its direction into the text around it. Marks (LRM, RLM) and the
// zero-width joiners that Arabic, Persian and emoji need stay allowed.
func isControl(r rune) bool { return admin.IsControl(r) }

func (h *Handler) registerForm(w http.ResponseWriter, r *http.Request) {
	if viewer(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.showRegister(w, r, http.StatusOK, views.Form{}, "")
}

// showRegister renders the sign-up page as the registration mode has it;
// invite is the code of the invitation the form carries ("" for none).
func (h *Handler) showRegister(w http.ResponseWriter, r *http.Request, code int, f views.Form, invite string) {
	hasUsers, _ := h.db.HasUsers()
	s := h.instanceTexts() // the rules show above the form
	su := views.Signup{
		First:       !hasUsers,
		Mode:        string(s.Registrations),
		Invite:      invite,
		Site:        s.Name,
		RulesHTML:   s.RulesHTML,
		ReasonLimit: storage.MaxApplication,
	}
	title := i18n.T(r.Context(), "title.sign_up")
	if invite != "" {
		title = i18n.T(r.Context(), "title.invitation")
	}
	h.render(w, r, code, views.RegisterPage(h.page(r, title, "register"), f, su))
}

// inviteLanding is the page an invitation link opens: the sign-up form
// with the code in a hidden field, or why the link does not work (403 for
// an unknown code or a closed instance, 410 for one expired or used up).
func (h *Handler) inviteLanding(w http.ResponseWriter, r *http.Request) {
	if viewer(r) != nil {
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.already_member")})
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	code := r.PathValue("code")
	if hasUsers, _ := h.db.HasUsers(); hasUsers && h.instance().Registrations == storage.RegistrationClosed {
		h.error(w, r, errRegistrationClosed(r.Context()))
		return
	}
	inv, err := h.db.InviteByCode(code)
	if err == nil {
		err = inv.Usable(h.cfg.Now())
	}
	if err != nil {
		h.error(w, r, inviteError(r.Context(), err))
		return
	}
	h.showRegister(w, r, http.StatusOK, views.Form{}, inv.Code)
}

func errRegistrationClosed(ctx context.Context) error {
	return errForbidden(i18n.T(ctx, "error.registration_closed"))
}

// inviteError turns why an invitation cannot be used into the answer.
func inviteError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, storage.ErrInviteExpired):
		return &httpError{status: http.StatusGone, message: i18n.T(ctx, "error.invite_expired")}
	case errors.Is(err, storage.ErrInviteUsedUp):
		return &httpError{status: http.StatusGone, message: i18n.T(ctx, "error.invite_used_up")}
	case errors.Is(err, storage.ErrNotFound):
		return errForbidden(i18n.T(ctx, "error.invite_invalid"))
	}
	return err
}

// register creates an account as the registration mode allows: at once
// (open, or with an invitation), as an application waiting for approval,
// or not at all (closed; invite-only without an invitation: 403). The
// instance's first account always registers, as its admin. Sign-ups are
// limited per client address.
func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	ip := h.clientIP(r)
	if wait := h.limits.register.RetryAfter(ip); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_signups"), wait))
		return
	}
	hasUsers, err := h.db.HasUsers()
	if err != nil {
		h.error(w, r, err)
		return
	}
	s := h.instance()
	invite := strings.TrimSpace(r.PostForm.Get("invite"))
	mode := s.Registrations
	if !hasUsers {
		mode, invite = storage.RegistrationOpen, ""
	}
	reg, errs := parseRegistrationCtx(r.Context(), r.PostForm.Get)
	reason := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("reason"), "\r\n", "\n"))
	form := views.Form{Values: map[string]string{"username": reg.username, "display_name": reg.displayName, "reason": reason}, Errors: errs}
	switch mode {
	case storage.RegistrationClosed:
		form.Error = i18n.T(r.Context(), "form.registration_closed")
		h.showRegister(w, r, http.StatusForbidden, form, "")
		return
	case storage.RegistrationInvite:
		if invite == "" {
			form.Error = i18n.T(r.Context(), "form.invite_required")
			h.showRegister(w, r, http.StatusForbidden, form, "")
			return
		}
	case storage.RegistrationOpen:
		invite = "" // not needed: no use of it is spent
	}
	approval := mode == storage.RegistrationApproval
	if approval && invite == "" {
		switch n := utf8.RuneCountInString(reason); {
		case !utf8.ValidString(reason):
			errs["reason"] = i18n.T(r.Context(), "form.text_invalid")
		case strings.TrimSpace(reason) == "":
			errs["reason"] = i18n.T(r.Context(), "form.reason_required")
		case n > storage.MaxApplication:
			errs["reason"] = i18n.N(r.Context(), "form.at_most_chars_wrote", storage.MaxApplication, "wrote", n)
		}
	}
	if len(errs) > 0 {
		form.Error = i18n.T(r.Context(), "form.correct_fields")
		h.showRegister(w, r, http.StatusBadRequest, form, invite)
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(reg.password), h.cfg.PasswordCost)
	if err != nil {
		h.error(w, r, err)
		return
	}
	u := storage.User{
		ID:           h.db.NewID(),
		Username:     reg.username,
		DisplayName:  reg.displayName,
		PasswordHash: string(hash),
		URI:          h.userURI(reg.username),
	}
	err = h.db.Register(&u, storage.Registration{Invite: invite, Approval: approval, Reason: reason, Now: h.cfg.Now()})
	switch {
	case errors.Is(err, storage.ErrExists):
		form.Errors = map[string]string{"username": i18n.T(r.Context(), "form.username_taken")}
		form.Error = i18n.T(r.Context(), "form.correct_fields")
		h.showRegister(w, r, http.StatusConflict, form, invite)
		return
	case invite != "" && (errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrForbidden)):
		h.error(w, r, inviteError(r.Context(), err))
		return
	case err != nil:
		h.error(w, r, err)
		return
	}
	h.limits.register.Add(ip)
	if u.AccountStatus() == storage.StatusPending {
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.application_waiting", "site", s.Name)})
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err := h.startSession(w, r, u.ID); err != nil {
		h.error(w, r, err)
		return
	}
	msg := i18n.T(r.Context(), "flash.welcome", "site", s.Name, "name", u.Name())
	if u.IsAdmin() {
		msg += " " + i18n.T(r.Context(), "flash.welcome_admin")
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if viewer(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	f := views.Form{Values: map[string]string{"next": r.URL.Query().Get("next")}}
	h.render(w, r, http.StatusOK, views.LoginPage(h.page(r, i18n.T(r.Context(), "title.log_in"), "login"), f, h.loginHelp()))
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	tries := h.passwordTries(r, username) // ratelimit.go
	if wait := tries.wait(); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_logins"), wait))
		return
	}
	fail := func() {
		tries.failed()
		// One message for every wrong credential, so the form does not
		// tell which usernames exist.
		f := views.Form{Values: map[string]string{"username": username, "next": r.PostForm.Get("next")}, Error: i18n.T(r.Context(), "form.login_failed")}
		h.render(w, r, http.StatusUnauthorized, views.LoginPage(h.page(r, i18n.T(r.Context(), "title.log_in"), "login"), f, h.loginHelp()))
	}
	if !validUsername(username) || len(password) > maxPassword {
		bcrypt.CompareHashAndPassword(h.dummyHash, []byte(password))
		fail()
		return
	}
	u, err := h.db.LocalUser(username)
	if errors.Is(err, storage.ErrNotFound) {
		bcrypt.CompareHashAndPassword(h.dummyHash, []byte(password))
		fail()
		return
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		fail()
		return
	}
	// The right password: now the account's state may be told.
	if msg := loginRefusal(r.Context(), u); msg != "" {
		tries.succeeded()
		f := views.Form{Values: map[string]string{"username": username, "next": r.PostForm.Get("next")}, Error: msg}
		h.render(w, r, http.StatusForbidden, views.LoginPage(h.page(r, i18n.T(r.Context(), "title.log_in"), "login"), f, h.loginHelp()))
		return
	}
	// With a second factor, the account's wrong tries are forgotten only
	// once its code is right too (twofactor.go), so that typing the
	// password again does not buy more guesses at the code.
	if pending, err := h.startSecondStep(w, r, u, r.PostForm.Get("next")); pending || err != nil {
		if err != nil {
			h.error(w, r, err)
		}
		return
	}
	tries.succeeded()
	if err := h.startSession(w, r, u.ID); err != nil {
		h.error(w, r, err)
		return
	}
	if u.MustChangePassword {
		http.Redirect(w, r, passwordPath, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// loginRefusal says why an account may not log in, "" when it may.
func loginRefusal(ctx context.Context, u storage.User) string {
	switch u.AccountStatus() {
	case storage.StatusPending:
		return i18n.T(ctx, "form.login_pending")
	case storage.StatusSuspended:
		return i18n.T(ctx, "form.login_suspended")
	}
	if !u.CanLogIn() {
		return i18n.T(ctx, "form.login_refused")
	}
	return ""
}

// safeNext keeps a post-login redirect on this site: only a local path,
// in the canonical form url.URL.RequestURI gives it (the fragment dropped,
// characters outside URLs escaped). The result is checked again, because
// re-escaping can make a local path protocol-relative: "/%2Fevil.example/{"
// is the path "//evil.example/{", which RequestURI writes back as
// "//evil.example/%7B" (its raw form is not kept once "{" needs escaping),
// a link to another host.
func safeNext(next string) string {
	if !isLocalPath(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	if out := u.RequestURI(); isLocalPath(out) {
		return out
	}
	return "/"
}

// isLocalPath tells whether s is a path on this site and not a
// protocol-relative URL ("//host", or "/\host", which browsers read as
// "//host").
func isLocalPath(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, "/\\")
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.endSession(w, r); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.logged_out")})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// passwordForm is the page that changes one's password; after an admin
// reset it, the page every other one leads to.
func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request) {
	f := views.PasswordForm{Must: viewer(r).user.MustChangePassword}
	h.render(w, r, http.StatusOK, views.PasswordPage(h.page(r, i18n.T(r.Context(), "title.change_password"), "settings"), f))
}

// changePassword sets a new password: it checks the current one (unless
// an admin reset it and the user must choose a new one), ends every
// session of the account and signs this browser in again. Wrong current
// passwords count against the login's limits (passwordTries).
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	tries := h.passwordTries(r, me.Username) // ratelimit.go
	if wait := tries.wait(); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_passwords"), wait))
		return
	}
	f := views.PasswordForm{Must: me.MustChangePassword, Errors: map[string]string{}}
	current, next, confirm := r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	if !f.Must && (len(current) > maxPassword || bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(current)) != nil) {
		tries.failed()
		f.Errors["current_password"] = i18n.T(r.Context(), "form.current_password_wrong")
	}
	switch {
	case utf8.RuneCountInString(next) < minPassword:
		f.Errors["new_password"] = i18n.N(r.Context(), "form.password_too_short", minPassword)
	case len(next) > maxPassword:
		f.Errors["new_password"] = i18n.N(r.Context(), "form.password_too_long", maxPassword)
	case f.Must && bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(next)) == nil:
		f.Errors["new_password"] = i18n.T(r.Context(), "form.password_same_as_temporary")
	case next != confirm:
		f.Errors["confirm_password"] = i18n.T(r.Context(), "form.passwords_differ")
	}
	if len(f.Errors) > 0 {
		f.Error = i18n.T(r.Context(), "form.correct_fields_password")
		h.render(w, r, http.StatusBadRequest, views.PasswordPage(h.page(r, i18n.T(r.Context(), "title.change_password"), "settings"), f))
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), h.cfg.PasswordCost)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.db.SetPassword(me.ID, string(hash), false); err != nil {
		h.error(w, r, err)
		return
	}
	// SetPassword ended every session, this one too: sign in again here.
	if err := h.startSession(w, r, me.ID); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.password_changed")})
	if r.PostForm.Get("from") == "account" { // the form of the account settings (flows.templ)
		http.Redirect(w, r, "/settings/account", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
