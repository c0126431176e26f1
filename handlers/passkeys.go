package handlers

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/crypto/bcrypt"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// Passkeys (WebAuthn): registered from the security settings (after the
// password again) and used to log in, on the login page without a
// password (the passkey checks the person itself), or as the login's
// second step. The browser's side is static/js/passkeys.js: the
// ceremonies need navigator.credentials, so without JavaScript the
// passkey buttons stay hidden and the password (and a code) still work.

const (
	// ceremonyLife is how long a ceremony's challenge waits for its answer.
	ceremonyLife = 5 * time.Minute
	// maxCeremonyBody caps the JSON a ceremony's answer may be.
	maxCeremonyBody = 64 << 10
)

// ceremony is a WebAuthn challenge waiting for the browser's answer.
type ceremony struct {
	data    webauthn.SessionData
	userID  storage.ID // 0: a login by any passkey
	name    string     // a new passkey's name
	next    string     // where a login goes
	expires time.Time
}

// passkeys holds the relying party and the ceremonies in flight, in
// memory (a restart only makes the member press the button again).
type passkeys struct {
	once sync.Once
	rp   *webauthn.WebAuthn
	err  error
	mu   sync.Mutex
	m    map[string]*ceremony
}

// relyingParty is the instance as WebAuthn names it: its host (without
// port) and its origin, from BaseURL.
func (h *Handler) relyingParty() (*webauthn.WebAuthn, error) {
	p := h.passkeys
	p.once.Do(func() {
		u, err := url.Parse(h.cfg.BaseURL)
		if err != nil {
			p.err = err
			return
		}
		p.rp, p.err = webauthn.New(&webauthn.Config{
			RPID:          u.Hostname(),
			RPDisplayName: h.cfg.SiteName,
			RPOrigins:     []string{u.Scheme + "://" + u.Host},
		})
	})
	return p.rp, p.err
}

func (p *passkeys) put(c *ceremony, now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.m {
		if now.After(v.expires) {
			delete(p.m, k)
		}
	}
	tok := randomToken()
	p.m[tok] = c
	return tok
}

// take returns the ceremony of tok and forgets it: a challenge answers
// once.
func (p *passkeys) take(tok string, now time.Time) *ceremony {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.m[tok]
	delete(p.m, tok)
	if c == nil || now.After(c.expires) {
		return nil
	}
	return c
}

// webauthnUser is a member as the library sees them: the user handle is
// the account's ID (8 bytes), the credentials their passkeys.
type webauthnUser struct {
	u     storage.User
	creds []webauthn.Credential
}

func (w webauthnUser) WebAuthnID() []byte                         { return userHandle(w.u.ID) }
func (w webauthnUser) WebAuthnName() string                       { return w.u.Username }
func (w webauthnUser) WebAuthnDisplayName() string                { return w.u.Name() }
func (w webauthnUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func userHandle(id storage.ID) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(id))
	return b
}

// webauthnUserOf loads a member with their passkeys.
func (h *Handler) webauthnUserOf(u storage.User) (webauthnUser, error) {
	keys, err := h.social.Passkeys(u.ID)
	if err != nil {
		return webauthnUser{}, err
	}
	w := webauthnUser{u: u}
	for _, k := range keys {
		var c webauthn.Credential
		if json.Unmarshal(k.Credential, &c) == nil {
			w.creds = append(w.creds, c)
		}
	}
	return w, nil
}

// ceremonyJSON answers a ceremony's first step: the token of the
// challenge and the options for navigator.credentials.
func ceremonyJSON(w http.ResponseWriter, tok string, options any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"token": tok, "options": options})
}

// jsonError answers a ceremony's step with a message for the page.
func (h *Handler) jsonError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// ceremonyAnswer is what the script posts back: the challenge's token
// and the credential as the browser gave it (its JSON form).
type ceremonyAnswer struct {
	Token      string          `json:"token"`
	Credential json.RawMessage `json:"credential"`
}

func readAnswer(r *http.Request) (ceremonyAnswer, error) {
	var a ceremonyAnswer
	b, err := io.ReadAll(io.LimitReader(r.Body, maxCeremonyBody+1))
	if err != nil {
		return a, err
	}
	if len(b) > maxCeremonyBody {
		return a, errors.New("answer too large")
	}
	return a, json.Unmarshal(b, &a)
}

// bcryptMatches tells whether pw is the password of hash.
func bcryptMatches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// passkeyOptions begins registering a passkey: the password again, then
// the options for navigator.credentials.create.
func (h *Handler) passkeyOptions(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.jsonError(w, r, http.StatusBadRequest, i18n.T(r.Context(), "error.form_unreadable"))
		return
	}
	me := viewer(r).user
	tries := h.passwordTries(r, me.Username)
	if wait := tries.wait(); wait > 0 {
		h.jsonError(w, r, http.StatusTooManyRequests, i18n.T(r.Context(), "error.too_many_passwords"))
		return
	}
	if !h.passwordMatches(me, r.PostForm.Get("current_password")) {
		tries.failed()
		h.jsonError(w, r, http.StatusUnauthorized, i18n.T(r.Context(), "form.current_password_wrong"))
		return
	}
	rp, err := h.relyingParty()
	if err != nil {
		h.jsonError(w, r, http.StatusInternalServerError, i18n.T(r.Context(), "error.internal"))
		return
	}
	wu, err := h.webauthnUserOf(me)
	if err != nil {
		h.jsonError(w, r, http.StatusInternalServerError, i18n.T(r.Context(), "error.internal"))
		return
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range wu.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, data, err := rp.BeginRegistration(wu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude))
	if err != nil {
		h.jsonError(w, r, http.StatusInternalServerError, i18n.T(r.Context(), "error.internal"))
		return
	}
	tok := h.passkeys.put(&ceremony{data: *data, userID: me.ID, name: r.PostForm.Get("name"), expires: h.cfg.Now().Add(ceremonyLife)}, h.cfg.Now())
	ceremonyJSON(w, tok, creation)
}

// addPasskey finishes registering a passkey.
func (h *Handler) addPasskey(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	a, err := readAnswer(r)
	c := h.passkeys.take(a.Token, h.cfg.Now())
	if err != nil || c == nil || c.userID != me.ID {
		h.jsonError(w, r, http.StatusBadRequest, i18n.T(r.Context(), "passkey.expired"))
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(a.Credential)
	if err != nil {
		h.jsonError(w, r, http.StatusBadRequest, i18n.T(r.Context(), "passkey.failed"))
		return
	}
	rp, _ := h.relyingParty()
	wu, err := h.webauthnUserOf(me)
	if err != nil {
		h.jsonError(w, r, http.StatusInternalServerError, i18n.T(r.Context(), "error.internal"))
		return
	}
	cred, err := rp.CreateCredential(wu, c.data, parsed)
	if err != nil {
		h.jsonError(w, r, http.StatusBadRequest, i18n.T(r.Context(), "passkey.failed"))
		return
	}
	stored, err := json.Marshal(cred)
	if err == nil {
		err = h.social.AddPasskey(r.Context(), me.ID, cred.ID, c.name, stored)
	}
	if err != nil {
		code, msg := statusCtx(r.Context(), err)
		h.jsonError(w, r, code, msg)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "passkey.added")})
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"redirect": securityPath})
}

// removePasskey deletes a passkey (the password again): a plain form.
func (h *Handler) removePasskey(w http.ResponseWriter, r *http.Request) {
	if !h.checkPassword(w, r) {
		return
	}
	i, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		h.error(w, r, errNotFound(i18n.T(r.Context(), "passkey.not_found")))
		return
	}
	if err := h.social.RemovePasskey(r.Context(), viewer(r).user.ID, i); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "passkey.removed")})
	http.Redirect(w, r, securityPath, http.StatusSeeOther)
}

// passwordMatches checks a password against the member's hash.
func (h *Handler) passwordMatches(u storage.User, pw string) bool {
	return len(pw) <= maxPassword && bcryptMatches(u.PasswordHash, pw)
}

// loginOptions begins a login by passkey: with a login waiting for its
// second step, a passkey of that account; otherwise any passkey of this
// site the browser holds (it names the account).
func (h *Handler) loginOptions(w http.ResponseWriter, r *http.Request) {
	rp, err := h.relyingParty()
	if err != nil {
		h.jsonError(w, r, http.StatusInternalServerError, i18n.T(r.Context(), "error.internal"))
		return
	}
	c := &ceremony{expires: h.cfg.Now().Add(ceremonyLife), next: safeNext(r.URL.Query().Get("next"))}
	var assertion *protocol.CredentialAssertion
	var data *webauthn.SessionData
	if _, p := h.pendingOf(r); p != nil {
		u, err := h.db.UserByID(p.userID)
		if err != nil {
			h.jsonError(w, r, http.StatusBadRequest, i18n.T(r.Context(), "twofactor.login_expired"))
			return
		}
		wu, err := h.webauthnUserOf(u)
		if err == nil && len(wu.creds) == 0 {
			err = errors.New("no passkey")
		}
		if err != nil {
			h.jsonError(w, r, http.StatusBadRequest, i18n.T(r.Context(), "passkey.none"))
			return
		}
		c.userID, c.next = u.ID, safeNext(p.next)
		assertion, data, err = rp.BeginLogin(wu)
	} else {
		assertion, data, err = rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	}
	if err != nil {
		h.jsonError(w, r, http.StatusInternalServerError, i18n.T(r.Context(), "error.internal"))
		return
	}
	c.data = *data
	ceremonyJSON(w, h.passkeys.put(c, h.cfg.Now()), assertion)
}

// loginPasskey finishes a login by passkey and signs in. A failed one
// counts against the address's login limit.
func (h *Handler) loginPasskey(w http.ResponseWriter, r *http.Request) {
	ip := "ip:" + h.clientIP(r)
	if wait := h.limits.loginClient.RetryAfter(ip); wait > 0 {
		h.jsonError(w, r, http.StatusTooManyRequests, i18n.T(r.Context(), "error.too_many_logins"))
		return
	}
	fail := func(msg string) {
		h.limits.loginClient.Add(ip)
		h.jsonError(w, r, http.StatusUnauthorized, msg)
	}
	a, err := readAnswer(r)
	c := h.passkeys.take(a.Token, h.cfg.Now())
	if err != nil || c == nil {
		fail(i18n.T(r.Context(), "passkey.expired"))
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(a.Credential)
	if err != nil {
		fail(i18n.T(r.Context(), "passkey.failed"))
		return
	}
	rp, _ := h.relyingParty()
	var who webauthnUser
	var cred *webauthn.Credential
	if c.userID != 0 {
		u, err := h.db.UserByID(c.userID)
		if err == nil {
			who, err = h.webauthnUserOf(u)
		}
		if err == nil {
			cred, err = rp.ValidateLogin(who, c.data, parsed)
		}
		if err != nil {
			fail(i18n.T(r.Context(), "passkey.failed"))
			return
		}
	} else {
		found := func(_, handle []byte) (webauthn.User, error) {
			if len(handle) != 8 {
				return nil, errors.New("unknown user handle")
			}
			u, err := h.db.UserByID(storage.ID(binary.BigEndian.Uint64(handle)))
			if err != nil || !u.IsLocal() {
				return nil, errors.New("unknown user handle")
			}
			wu, err := h.webauthnUserOf(u)
			who = wu
			return wu, err
		}
		if _, cred, err = rp.ValidatePasskeyLogin(found, c.data, parsed); err != nil {
			fail(i18n.T(r.Context(), "passkey.failed"))
			return
		}
	}
	if msg := loginRefusal(r.Context(), who.u); msg != "" {
		h.jsonError(w, r, http.StatusForbidden, msg)
		return
	}
	if stored, err := json.Marshal(cred); err == nil {
		h.social.UsedPasskey(who.u.ID, cred.ID, stored)
	}
	if tok, p := h.pendingOf(r); p != nil {
		h.pending.drop(tok)
		h.clearPending(w, r)
	}
	h.passwordTries(r, who.u.Username).succeeded()
	if err := h.startSession(w, r, who.u.ID); err != nil {
		h.jsonError(w, r, http.StatusInternalServerError, i18n.T(r.Context(), "error.internal"))
		return
	}
	next := c.next
	if who.u.MustChangePassword {
		next = passwordPath
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"redirect": next})
}

func (h *Handler) passkeyRoutes() {
	m := h.mux
	m.HandleFunc("POST "+securityPath+"/passkeys/options", h.requireUser(h.passkeyOptions))
	m.HandleFunc("POST "+securityPath+"/passkeys", h.requireUser(h.addPasskey))
	m.HandleFunc("POST "+securityPath+"/passkeys/{n}/delete", h.requireUser(h.removePasskey))
	m.HandleFunc("POST /login/passkey/options", h.loginOptions)
	m.HandleFunc("POST /login/passkey", h.loginPasskey)
}
