package handlers

import (
	"bytes"
	"errors"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Two-factor login (social/twofactor.go holds the codes): the login's
// second step, and the account settings that set it up and take it away.

const (
	// pendingCookie carries the token of a login waiting for its second
	// factor; the login itself stays on the server (pendingLogins).
	pendingCookie = "majlis_login"
	// pendingLife is how long the second step waits for its code.
	pendingLife = 5 * time.Minute
	// pendingTries is how many wrong codes one pending login takes
	// before it must start again with the password (the account's own
	// limit, passwordTries, counts them too).
	pendingTries = 5
	// securityPath is the page of the second factor's settings.
	securityPath = "/settings/security"
	// secondStepPath is the page that asks for the code.
	secondStepPath = "/login/two-factor"
)

// pendingLogin is a login whose password was right and whose second
// factor is still to come. It is not a session: nothing is signed in.
type pendingLogin struct {
	userID  storage.ID
	next    string
	expires time.Time
	wrong   int
}

// pendingLogins keeps the logins waiting for their second factor, in
// memory: a restart forgets them, and the member types the password again.
type pendingLogins struct {
	mu sync.Mutex
	m  map[string]*pendingLogin
}

func newPendingLogins() *pendingLogins { return &pendingLogins{m: map[string]*pendingLogin{}} }

// add keeps p and returns its token.
func (s *pendingLogins) add(p pendingLogin, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	tok := randomToken()
	s.m[tok] = &p
	return tok
}

// get returns the pending login of tok, nil when there is none or it
// expired.
func (s *pendingLogins) get(tok string, now time.Time) *pendingLogin {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.m[tok]
	if p == nil {
		return nil
	}
	if now.After(p.expires) {
		delete(s.m, tok)
		return nil
	}
	c := *p
	return &c
}

// wrongCode counts a wrong code and tells whether the pending login may
// go on; after pendingTries it is forgotten.
func (s *pendingLogins) wrongCode(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.m[tok]
	if p == nil {
		return false
	}
	p.wrong++
	if p.wrong >= pendingTries {
		delete(s.m, tok)
		return false
	}
	return true
}

func (s *pendingLogins) drop(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, tok)
}

// startSecondStep keeps the login of u pending and sends the browser to
// the code's page, when u has a second factor; false (nothing written)
// when u has none.
func (h *Handler) startSecondStep(w http.ResponseWriter, r *http.Request, u storage.User, next string) (bool, error) {
	on, err := h.social.HasTwoFactor(u.ID)
	if err != nil || !on {
		return false, err
	}
	now := h.cfg.Now()
	tok := h.pending.add(pendingLogin{userID: u.ID, next: next, expires: now.Add(pendingLife)}, now)
	v, err := h.flash.Encode(pendingCookie, tok)
	if err != nil {
		return false, err
	}
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: v, Path: "/login", MaxAge: int(pendingLife / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
	http.Redirect(w, r, secondStepPath, http.StatusSeeOther)
	return true, nil
}

// pendingOf is the pending login the request's cookie names.
func (h *Handler) pendingOf(r *http.Request) (string, *pendingLogin) {
	c, err := r.Cookie(pendingCookie)
	if err != nil {
		return "", nil
	}
	var tok string
	if h.flash.Decode(pendingCookie, c.Value, &tok) != nil {
		return "", nil
	}
	return tok, h.pending.get(tok, h.cfg.Now())
}

func (h *Handler) clearPending(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

// secondStepForm asks for the code (GET /login/two-factor); without a
// pending login it sends the browser back to the password.
func (h *Handler) secondStepForm(w http.ResponseWriter, r *http.Request) {
	if viewer(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if _, p := h.pendingOf(r); p == nil {
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "twofactor.login_expired"), Error: true})
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, views.SecondStepPage(h.page(r, i18n.T(r.Context(), "twofactor.login_title"), "login"), views.Form{}))
}

// secondStep checks the code and signs in. Wrong codes count against the
// account's and the address's login limits, like wrong passwords, and a
// pending login takes at most pendingTries of them.
func (h *Handler) secondStep(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	tok, p := h.pendingOf(r)
	if p == nil {
		h.clearPending(w, r)
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "twofactor.login_expired"), Error: true})
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u, err := h.db.UserByID(p.userID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	tries := h.passwordTries(r, u.Username)
	if wait := tries.wait(); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_logins"), wait))
		return
	}
	recovery, left, err := h.social.CheckSecondFactor(u.ID, r.PostForm.Get("code"))
	if errors.Is(err, social.ErrWrongCode) {
		tries.failed()
		if !h.pending.wrongCode(tok) {
			h.clearPending(w, r)
			h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "twofactor.login_too_many"), Error: true})
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		f := views.Form{Errors: map[string]string{"code": i18n.T(r.Context(), "twofactor.wrong_code")}, Error: i18n.T(r.Context(), "twofactor.wrong_code")}
		h.render(w, r, http.StatusUnauthorized, views.SecondStepPage(h.page(r, i18n.T(r.Context(), "twofactor.login_title"), "login"), f))
		return
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	tries.succeeded()
	h.pending.drop(tok)
	h.clearPending(w, r)
	if msg := loginRefusal(r.Context(), u); msg != "" {
		h.error(w, r, errForbidden(msg))
		return
	}
	if err := h.startSession(w, r, u.ID); err != nil {
		h.error(w, r, err)
		return
	}
	if recovery {
		h.setFlash(w, r, views.Flash{Message: i18n.N(r.Context(), "twofactor.recovery_used", left)})
	}
	if u.MustChangePassword {
		http.Redirect(w, r, passwordPath, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, safeNext(p.next), http.StatusSeeOther)
}

// security is the page of the second factor's settings.
func (h *Handler) security(w http.ResponseWriter, r *http.Request) {
	h.showSecurity(w, r, http.StatusOK, views.Form{})
}

func (h *Handler) showSecurity(w http.ResponseWriter, r *http.Request, code int, f views.Form) {
	me := viewer(r).user
	s := views.Security{Form: f, Required: h.instance().StaffTwoFactor && me.CanModerate()}
	t, err := h.db.TwoFactor(me.ID)
	switch {
	case err == nil:
		s.Enabled, s.RecoveryLeft = t.TOTPSecret != "", len(t.RecoveryCodes)
		now := h.cfg.Now()
		for _, k := range t.Passkeys {
			row := views.PasskeyRow{Name: k.Name, Created: timeOf(k.CreatedAt, now)}
			if !k.LastUsedAt.IsZero() {
				used := timeOf(k.LastUsedAt, now)
				row.LastUsed = &used
			}
			s.Passkeys = append(s.Passkeys, row)
		}
	case !errors.Is(err, storage.ErrNotFound):
		h.error(w, r, err)
		return
	}
	h.render(w, r, code, views.SecurityPage(h.page(r, i18n.T(r.Context(), "twofactor.title"), "settings"), s))
}

// checkPassword checks the password re-entered to change the second
// factor, within the login's limits; false when the answer was written.
func (h *Handler) checkPassword(w http.ResponseWriter, r *http.Request) bool {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return false
	}
	me := viewer(r).user
	tries := h.passwordTries(r, me.Username)
	if wait := tries.wait(); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_passwords"), wait))
		return false
	}
	pw := r.PostForm.Get("current_password")
	if len(pw) > maxPassword || bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(pw)) != nil {
		tries.failed()
		msg := i18n.T(r.Context(), "form.current_password_wrong")
		h.showSecurity(w, r, http.StatusUnauthorized, views.Form{Error: msg, Errors: map[string]string{"current_password": msg}})
		return false
	}
	return true
}

// totpAccount is how the authenticator app names the account.
func (h *Handler) totpAccount(u storage.User) string {
	host := h.cfg.BaseURL
	if p, err := url.Parse(h.cfg.BaseURL); err == nil && p.Host != "" {
		host = p.Host
	}
	return u.Username + "@" + host
}

// startTOTP makes a new secret and shows it, as a QR code and as text,
// with the field for the first code.
func (h *Handler) startTOTP(w http.ResponseWriter, r *http.Request) {
	if !h.checkPassword(w, r) {
		return
	}
	me := viewer(r).user
	secret, err := h.social.StartTOTP(me.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.showTOTPSetup(w, r, http.StatusOK, secret, views.Form{})
}

func (h *Handler) showTOTPSetup(w http.ResponseWriter, r *http.Request, code int, secret string, f views.Form) {
	key, err := social.TOTPKey(secret, h.instance().Name, h.totpAccount(viewer(r).user))
	if err != nil {
		h.error(w, r, err)
		return
	}
	// Grouped by four, as it is easier to type into an app by hand.
	var grouped []string
	for i := 0; i < len(secret); i += 4 {
		grouped = append(grouped, secret[i:min(i+4, len(secret))])
	}
	s := views.TOTPSetup{Secret: strings.Join(grouped, " "), URI: key.URL(), Form: f}
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, code, views.TOTPSetupPage(h.page(r, i18n.T(r.Context(), "twofactor.title"), "settings"), s))
}

// totpQR is the QR code of the secret being set up, a PNG from this
// origin (the page's Content-Security-Policy allows no other).
func (h *Handler) totpQR(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	secret, err := h.social.PendingTOTP(me.ID)
	if err != nil {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "twofactor.no_setup")))
		return
	}
	key, err := social.TOTPKey(secret, h.instance().Name, h.totpAccount(me))
	if err != nil {
		h.error(w, r, err)
		return
	}
	img, err := key.Image(240, 240)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// confirmTOTP puts the new secret in force with its first code, and
// shows the recovery codes, once.
func (h *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	tries := h.passwordTries(r, me.Username)
	if wait := tries.wait(); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_logins"), wait))
		return
	}
	codes, err := h.social.ConfirmTOTP(me.ID, r.PostForm.Get("code"))
	switch {
	case errors.Is(err, social.ErrWrongCode):
		tries.failed()
		secret, perr := h.social.PendingTOTP(me.ID)
		if perr != nil {
			h.error(w, r, perr)
			return
		}
		msg := i18n.T(r.Context(), "twofactor.wrong_code")
		h.showTOTPSetup(w, r, http.StatusBadRequest, secret, views.Form{Error: msg, Errors: map[string]string{"code": msg}})
		return
	case errors.Is(err, storage.ErrNotFound):
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "twofactor.no_setup"), Error: true})
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	case err != nil:
		h.error(w, r, err)
		return
	}
	h.showRecoveryCodes(w, r, codes, true)
}

func (h *Handler) showRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string, enabled bool) {
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusOK, views.RecoveryCodesPage(h.page(r, i18n.T(r.Context(), "twofactor.title"), "settings"), views.RecoveryCodes{Codes: codes, JustEnabled: enabled}))
}

// newRecoveryCodes replaces the recovery codes (the password again).
func (h *Handler) newRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	if !h.checkPassword(w, r) {
		return
	}
	codes, err := h.social.NewRecoveryCodes(viewer(r).user.ID)
	if errors.Is(err, storage.ErrNotFound) {
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.showRecoveryCodes(w, r, codes, false)
}

// disableTwoFactor turns the second factor off (the password again).
func (h *Handler) disableTwoFactor(w http.ResponseWriter, r *http.Request) {
	if !h.checkPassword(w, r) {
		return
	}
	if err := h.social.DisableTwoFactor(viewer(r).user.ID); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "twofactor.disabled")})
	http.Redirect(w, r, securityPath, http.StatusSeeOther)
}

// staffWithoutSecondFactor tells whether the instance requires a second
// factor of its moderators and admins and the viewer has none.
func (h *Handler) staffWithoutSecondFactor(r *http.Request) bool {
	v := viewer(r)
	if v == nil || !v.user.CanModerate() || !h.instance().StaffTwoFactor {
		return false
	}
	on, err := h.social.HasTwoFactor(v.user.ID)
	return err == nil && !on
}

// requireStaffSecondFactor sends a moderator or admin without a second
// factor to set one up, where the instance requires it.
func (h *Handler) requireStaffSecondFactor(w http.ResponseWriter, r *http.Request) bool {
	if !h.staffWithoutSecondFactor(r) {
		return true
	}
	if r.Method == http.MethodGet && !isHTMX(r) {
		h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "twofactor.required_for_staff"), Error: true})
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return false
	}
	h.error(w, r, errForbidden(i18n.T(r.Context(), "twofactor.required_for_staff")))
	return false
}

func (h *Handler) twoFactorRoutes() {
	m := h.mux
	m.HandleFunc("GET "+secondStepPath, h.secondStepForm)
	m.HandleFunc("POST "+secondStepPath, h.secondStep)
	m.HandleFunc("GET "+securityPath, h.requireUser(h.security))
	m.HandleFunc("POST "+securityPath+"/totp", h.requireUser(h.startTOTP))
	m.HandleFunc("GET "+securityPath+"/totp/qr.png", h.requireUser(h.totpQR))
	m.HandleFunc("POST "+securityPath+"/totp/confirm", h.requireUser(h.confirmTOTP))
	m.HandleFunc("POST "+securityPath+"/recovery", h.requireUser(h.newRecoveryCodes))
	m.HandleFunc("POST "+securityPath+"/disable", h.requireUser(h.disableTwoFactor))
	h.passkeyRoutes() // passkeys.go
}
