package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"majlis/admin"
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
	reg := registration{
		username:    strings.TrimSpace(get("username")),
		displayName: strings.TrimSpace(get("display_name")),
		password:    get("password"),
	}
	errs := map[string]string{}
	switch {
	case reg.username == "":
		errs["username"] = "Choose a username."
	case !validUsername(reg.username):
		errs["username"] = "Use 1 to 30 letters, digits or underscores."
	}
	if e := displayNameError(reg.displayName); e != "" {
		errs["display_name"] = e
	}
	switch {
	case utf8.RuneCountInString(reg.password) < minPassword:
		errs["password"] = "Use at least 8 characters."
	case len(reg.password) > maxPassword:
		errs["password"] = "Use at most 72 bytes."
	}
	return reg, errs
}

// displayNameError checks a display name (already trimmed), returning
// the message to show or "".
func displayNameError(name string) string {
	switch {
	case !utf8.ValidString(name) || strings.ContainsFunc(name, isControl):
		return "The display name contains characters that cannot be shown."
	case utf8.RuneCountInString(name) > maxDisplayName:
		return "Use at most 50 characters."
	}
	return ""
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
	h.showRegister(w, r, http.StatusOK, views.Form{})
}

func (h *Handler) showRegister(w http.ResponseWriter, r *http.Request, code int, f views.Form) {
	hasUsers, _ := h.db.HasUsers()
	h.render(w, r, code, views.RegisterPage(h.page(r, "Sign up", "register"), f, !hasUsers))
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	ip := h.clientIP(r)
	if wait := h.limits.register.RetryAfter(ip); wait > 0 {
		h.error(w, r, errTooMany("Too many accounts were created from your network recently.", wait))
		return
	}
	reg, errs := parseRegistration(r.PostForm.Get)
	form := views.Form{Values: map[string]string{"username": reg.username, "display_name": reg.displayName}, Errors: errs}
	if len(errs) > 0 {
		form.Error = "Please correct the marked fields."
		h.showRegister(w, r, http.StatusBadRequest, form)
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
	if err := h.db.CreateUser(&u); err != nil {
		if errors.Is(err, storage.ErrExists) {
			form.Errors = map[string]string{"username": "This username is taken."}
			form.Error = "Please correct the marked fields."
			h.showRegister(w, r, http.StatusConflict, form)
			return
		}
		h.error(w, r, err)
		return
	}
	h.limits.register.Add(ip)
	if err := h.startSession(w, r, u.ID); err != nil {
		h.error(w, r, err)
		return
	}
	msg := "Welcome to " + h.cfg.SiteName + ", " + u.Name() + "!"
	if u.IsAdmin() {
		msg += " As the first member you administer this instance."
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
	h.render(w, r, http.StatusOK, views.LoginPage(h.page(r, "Log in", "login"), f))
}

// errLoginFailed is the one message for every wrong credential, so the form
// does not tell which usernames exist.
const errLoginFailed = "The username or password is not right."

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	account := "account:" + strings.ToLower(username)
	ip := "ip:" + h.clientIP(r)
	if wait := max(h.limits.loginAccount.RetryAfter(account), h.limits.loginClient.RetryAfter(ip)); wait > 0 {
		h.error(w, r, errTooMany("Too many failed logins.", wait))
		return
	}
	fail := func() {
		h.limits.loginAccount.Add(account)
		h.limits.loginClient.Add(ip)
		f := views.Form{Values: map[string]string{"username": username, "next": r.PostForm.Get("next")}, Error: errLoginFailed}
		h.render(w, r, http.StatusUnauthorized, views.LoginPage(h.page(r, "Log in", "login"), f))
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
	h.limits.loginAccount.Reset(account)
	if err := h.startSession(w, r, u.ID); err != nil {
		h.error(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
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
	h.setFlash(w, r, views.Flash{Message: "You have logged out."})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
