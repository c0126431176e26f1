package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"majlis/admin"
	"majlis/markup"
	"majlis/storage"
	"majlis/views"
)

// Administration: the overview, the instance settings (admins), user
// management and backups. Moderation queues are in moderation.go.

// adminHome is the overview of /admin: the queues, the registration mode,
// and the table of who may do what.
func (h *Handler) adminHome(w http.ResponseWriter, r *http.Request) {
	s := h.instance()
	home := views.AdminHome{Frame: h.adminFrame(r, "home"), Mode: views.OptionLabel(views.RegistrationModes, string(s.Registrations))}
	h.render(w, r, http.StatusOK, views.AdminHomePage(h.adminPage(r, "Overview"), home))
}

// instanceForm shows the instance settings as saved.
func (h *Handler) instanceForm(w http.ResponseWriter, r *http.Request) {
	s, _, err := h.db.InstanceSettings()
	if err != nil {
		h.error(w, r, err)
		return
	}
	f := views.InstanceForm{
		Name: s.Name, Tagline: s.Tagline, About: s.About, Rules: s.Rules, Contact: s.Contact,
		PostChars: itoa(s.PostChars), Registrations: string(s.Registrations), Invites: string(s.Invites),
		Language: s.Language, DefaultName: h.cfg.SiteName,
	}
	h.render(w, r, http.StatusOK, views.InstanceSettingsPage(h.adminPage(r, "Settings"), h.adminFrame(r, "settings"), f))
}

// oneLine cleans a one-line setting: white space collapsed, invalid UTF-8
// replaced.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// parseInstanceForm validates the settings form: it returns the form to
// show again and, without errors, the settings to save (HTML still to
// render).
func parseInstanceForm(v url.Values, defaultName string) (views.InstanceForm, storage.InstanceSettings) {
	f := views.InstanceForm{
		Name:          oneLine(v.Get("name")),
		Tagline:       oneLine(v.Get("tagline")),
		About:         strings.TrimRight(strings.ReplaceAll(v.Get("about"), "\r\n", "\n"), " \n\t"),
		Rules:         strings.TrimRight(strings.ReplaceAll(v.Get("rules"), "\r\n", "\n"), " \n\t"),
		Contact:       strings.TrimSpace(v.Get("contact")),
		PostChars:     strings.TrimSpace(v.Get("post_chars")),
		Registrations: v.Get("registrations"),
		Invites:       v.Get("invites"),
		Language:      v.Get("language"),
		Reason:        v.Get("reason"),
		DefaultName:   defaultName,
		Errors:        map[string]string{},
	}
	s := storage.DefaultInstanceSettings()
	s.Name, s.Tagline, s.About, s.Rules, s.Contact = f.Name, f.Tagline, f.About, f.Rules, f.Contact
	s.Registrations, s.Invites, s.Language = storage.RegistrationMode(f.Registrations), storage.InvitePolicy(f.Invites), f.Language

	checkText := func(field, value string, limit int) {
		switch n := utf8.RuneCountInString(value); {
		case strings.ContainsFunc(value, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }):
			f.Errors[field] = "This contains characters that cannot be shown."
		case n > limit:
			f.Errors[field] = "Use at most " + itoa(limit) + " characters; this has " + itoa(n) + "."
		}
	}
	checkText("name", f.Name, storage.MaxInstanceName)
	checkText("tagline", f.Tagline, storage.MaxInstanceTagline)
	checkText("about", f.About, storage.MaxInstanceText)
	checkText("rules", f.Rules, storage.MaxInstanceText)
	if !utf8.ValidString(f.About) || !utf8.ValidString(f.Rules) {
		f.Errors["about"] = "The text contains characters that cannot be shown."
	}
	switch {
	case f.Contact == "":
	case len(f.Contact) > storage.MaxInstanceContact:
		f.Errors["contact"] = "This contact is too long."
	case strings.HasPrefix(f.Contact, "http://") || strings.HasPrefix(f.Contact, "https://"):
		if u, msg := checkLinkURL(f.Contact); msg != "" {
			f.Errors["contact"] = msg
		} else {
			s.Contact = u
		}
	case contactURL(f.Contact) == "":
		f.Errors["contact"] = "Enter an e-mail address (name@example.org) or a web address starting with https://."
	}
	n, err := strconv.Atoi(f.PostChars)
	switch {
	case err != nil:
		f.Errors["post_chars"] = "Enter a number of characters, from " + itoa(storage.MinPostChars) + " to " + itoa(storage.MaxPostCharsLimit) + "."
	case n < storage.MinPostChars || n > storage.MaxPostCharsLimit:
		f.Errors["post_chars"] = "Choose from " + itoa(storage.MinPostChars) + " to " + itoa(storage.MaxPostCharsLimit) + " characters."
	}
	s.PostChars = n
	if !s.Registrations.Valid() {
		f.Errors["registrations"] = "Choose one of the listed modes."
	}
	if !s.Invites.Valid() {
		f.Errors["invites"] = "Choose one of the listed choices."
	}
	if !storage.ValidLanguage(s.Language) {
		f.Errors["language"] = "Choose one of the listed languages."
	}
	return f, s
}

// saveInstance validates and saves the instance settings, rendering the
// About text and rules once, now; it is logged with its reason.
func (h *Handler) saveInstance(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	f, s := parseInstanceForm(r.PostForm, h.cfg.SiteName)
	reason, err := modReason(r)
	if err != nil {
		f.Errors["reason"] = err.Error()
	}
	if len(f.Errors) == 0 {
		if s.AboutHTML, err = markup.Render(s.About); err == nil {
			s.RulesHTML, err = markup.Render(s.Rules)
		}
		if err == nil {
			err = h.db.SaveInstanceSettings(viewer(r).user.ID, s, reason, h.cfg.Now())
		}
		switch {
		case errors.Is(err, storage.ErrInvalid):
			f.Error = "These settings cannot be saved: " + err.Error()
		case err != nil:
			h.error(w, r, moderationError(err))
			return
		default:
			h.setFlash(w, r, views.Flash{Message: "The instance settings are saved."})
			http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
			return
		}
	}
	if f.Error == "" {
		f.Error = "Please correct the marked fields. Nothing was saved."
	}
	h.render(w, r, http.StatusBadRequest, views.InstanceSettingsPage(h.adminPage(r, "Settings"), h.adminFrame(r, "settings"), f))
}

// adminRow is an account as user management lists it.
func (h *Handler) adminRow(u storage.User) views.AdminUserRow {
	return views.AdminUserRow{
		User:     h.userItem(u),
		Username: u.Username,
		Role:     string(u.Role),
		Status:   string(u.AccountStatus()),
		Posts:    u.PostsCount,
		Joined:   timeOf(u.CreatedAt, h.cfg.Now()),
		URL:      "/admin/users/" + u.Username,
	}
}

// adminUsers lists the accounts, newest first, or those whose username
// starts with ?q=; under HTMX the rows alone (search as you type,
// infinite scroll).
func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) {
	page, err := pageParam(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page.Limit = 50
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxUsername {
		q = q[:maxUsername]
	}
	l, err := h.db.SearchUsers(q, page)
	if err != nil {
		h.error(w, r, err)
		return
	}
	lv := views.AdminUsers{Query: q, Empty: "No account matches."}
	for _, u := range l.Users {
		lv.Rows = append(lv.Rows, h.adminRow(u))
	}
	if l.Next != 0 {
		lv.MoreURL = "/admin/users?" + url.Values{"q": {q}, "before": {l.Next.String()}}.Encode()
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.AdminUserRows(lv))
		return
	}
	h.render(w, r, http.StatusOK, views.AdminUsersPage(h.adminPage(r, "Users"), h.adminFrame(r, "users"), lv))
}

// userActions are the state changes of the user management page, by the
// state they apply to.
var userActions = []struct {
	kind   storage.ActionKind
	label  string
	from   []storage.Status
	danger bool
}{
	{storage.ActSilence, "Silence", []storage.Status{storage.StatusActive}, false},
	{storage.ActUnsilence, "Lift the silence", []storage.Status{storage.StatusSilenced}, false},
	{storage.ActSuspend, "Suspend", []storage.Status{storage.StatusActive, storage.StatusSilenced}, true},
	{storage.ActUnsuspend, "Unsuspend", []storage.Status{storage.StatusSuspended}, false},
}

// roleOptions are the roles an admin may give.
var roleOptions = []views.Option{
	{Value: string(storage.RoleUser), Label: "user"},
	{Value: string(storage.RoleModerator), Label: "moderator"},
	{Value: string(storage.RoleAdmin), Label: "admin"},
}

// adminUserView is an account's management card: what the viewer may do
// to it, by storage.CheckModeration.
func (h *Handler) adminUserView(r *http.Request, u storage.User) views.AdminUser {
	me := viewer(r).user
	base := "/admin/users/" + u.Username
	v := views.AdminUser{Row: h.adminRow(u)}
	status := u.AccountStatus()
	if status == storage.StatusPending {
		if a, err := h.db.ApplicationOf(u.ID); err == nil {
			v.Application = a.Reason
		}
	}
	var refusal error
	for _, a := range userActions {
		err := storage.CheckModeration(me, u, a.kind)
		if err != nil {
			refusal = err
			continue
		}
		for _, from := range a.from {
			if from == status {
				v.Actions = append(v.Actions, views.UserAction{Kind: string(a.kind), Label: a.label, URL: base + "/" + string(a.kind), Danger: a.danger})
			}
		}
	}
	if storage.CheckModeration(me, u, storage.ActRole) == nil && status != storage.StatusPending {
		v.Roles, v.RoleURL = roleOptions, base+"/role"
	}
	if storage.CheckModeration(me, u, storage.ActResetPassword) == nil && status != storage.StatusPending {
		v.ResetURL = base + "/password"
	}
	if storage.CheckModeration(me, u, storage.ActDeleteAccount) == nil {
		v.DeleteURL = base + "/delete"
	}
	if len(v.Actions) == 0 && v.RoleURL == "" && v.DeleteURL == "" && refusal != nil {
		v.Notice = refusal.Error()
	}
	return v
}

// adminUser is an account's management page; under HTMX its card alone.
func (h *Handler) adminUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.managedUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	v := h.adminUserView(r, u)
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.AdminUserCard(v))
		return
	}
	h.render(w, r, http.StatusOK, views.AdminUserPage(h.adminPage(r, "@"+u.Username), h.adminFrame(r, "users"), v))
}

func (h *Handler) silenceUser(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, storage.Action{Kind: storage.ActSilence}, "is silenced: their posts stay out of the local timeline and tag pages.")
}

func (h *Handler) unsilenceUser(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, storage.Action{Kind: storage.ActUnsilence}, "is no longer silenced.")
}

func (h *Handler) suspendUser(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, storage.Action{Kind: storage.ActSuspend}, "is suspended: logged out everywhere, profile and posts hidden.")
}

func (h *Handler) unsuspendUser(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, storage.Action{Kind: storage.ActUnsuspend}, "is unsuspended and can log in again.")
}

func (h *Handler) setUserRole(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	role := storage.Role(r.PostForm.Get("role"))
	if !role.Valid() {
		h.error(w, r, errBadRequest("Choose one of the listed roles."))
		return
	}
	h.changeUser(w, r, storage.Action{Kind: storage.ActRole, Role: role}, "is "+string(role)+" now.")
}

// changeUser takes a moderation action on the account of the address.
// Under HTMX it answers with the account's card as it is after; without,
// it returns to the account's page. A refusal under HTMX is the card with
// the reason.
func (h *Handler) changeUser(w http.ResponseWriter, r *http.Request, a storage.Action, done string) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.managedUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	a.TargetID = u.ID
	if _, err := h.moderate(r, a); err != nil {
		h.error(w, r, err)
		return
	}
	msg := "@" + u.Username + " " + done
	if isHTMX(r) {
		u, err = h.db.UserByID(u.ID)
		if err != nil {
			h.error(w, r, err)
			return
		}
		v := h.adminUserView(r, u)
		h.render(w, r, http.StatusOK, views.AdminUserCard(v))
		return
	}
	h.setFlash(w, r, views.Flash{Message: msg})
	http.Redirect(w, r, "/admin/users/"+u.Username, http.StatusSeeOther)
}

// resetPassword gives the account a random temporary password, shown once
// to the admin; the user must choose a new one at the next login, and is
// logged out everywhere now.
func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.managedUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := storage.CheckModeration(viewer(r).user, u, storage.ActResetPassword); err != nil {
		h.error(w, r, moderationError(err))
		return
	}
	password := admin.RandomPassword()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), h.cfg.PasswordCost)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if _, err := h.moderate(r, storage.Action{Kind: storage.ActResetPassword, TargetID: u.ID, PasswordHash: string(hash)}); err != nil {
		h.error(w, r, err)
		return
	}
	t := views.TempPassword{Row: h.adminRow(u), Password: password}
	h.render(w, r, http.StatusOK, views.TempPasswordPage(h.adminPage(r, "New password"), h.adminFrame(r, "users"), t))
}

// deleteAccountForm asks before deleting an account.
func (h *Handler) deleteAccountForm(w http.ResponseWriter, r *http.Request) {
	u, err := h.managedUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := storage.CheckModeration(viewer(r).user, u, storage.ActDeleteAccount); err != nil {
		h.error(w, r, moderationError(err))
		return
	}
	h.render(w, r, http.StatusOK, views.DeleteAccountPage(h.adminPage(r, "Delete @"+u.Username), h.adminFrame(r, "users"), h.adminRow(u)))
}

// deleteAccount deletes an account with everything it made; its name
// stays reserved.
func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.managedUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if _, err := h.moderate(r, storage.Action{Kind: storage.ActDeleteAccount, TargetID: u.ID}); err != nil {
		h.error(w, r, err)
		return
	}
	h.setFlash(w, r, views.Flash{Message: "@" + u.Username + " is deleted, with everything the account made. The name stays reserved."})
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// backup streams a consistent copy of the whole database (one read
// transaction; the server keeps serving) as a download named
// majlis-YYYYMMDD-HHMMSS.db. A copy that fails half-way aborts the
// connection, so the browser does not keep a truncated file as complete.
func (h *Handler) backup(w http.ResponseWriter, r *http.Request) {
	name := "majlis-" + h.cfg.Now().UTC().Format("20060102-150405") + ".db"
	hd := w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	n, err := h.db.Backup(w)
	if err != nil {
		h.cfg.Logger.Error("backup download", "err", err, "bytes", n, "by", viewer(r).user.Username)
		panic(http.ErrAbortHandler)
	}
	h.cfg.Logger.Info("backup downloaded", "bytes", n, "by", viewer(r).user.Username)
}
