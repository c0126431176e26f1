package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"majlis/admin"
	"majlis/i18n"
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
	h.render(w, r, http.StatusOK, views.AdminHomePage(h.adminPage(r, i18n.T(r.Context(), "title.admin_overview")), home))
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
		RefuseAICrawlers: s.RefuseAICrawlers,
		StaffTwoFactor:   s.StaffTwoFactor,
	}
	if s.PollOptions != 0 {
		f.PollOptions = itoa(s.PollOptions)
	}
	if s.AITrainingAllowed {
		f.AITraining = "allowed"
	}
	h.render(w, r, http.StatusOK, views.InstanceSettingsPage(h.adminPage(r, i18n.T(r.Context(), "title.admin_settings")), h.adminFrame(r, "settings"), f))
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
	return parseInstanceFormCtx(context.Background(), v, defaultName)
}

// parseInstanceFormCtx is parseInstanceForm with the messages in the
// language of ctx.
func parseInstanceFormCtx(ctx context.Context, v url.Values, defaultName string) (views.InstanceForm, storage.InstanceSettings) {
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
			f.Errors[field] = i18n.T(ctx, "form.field_invalid")
		case n > limit:
			f.Errors[field] = i18n.N(ctx, "form.at_most_chars_has", limit, "has", n)
		}
	}
	checkText("name", f.Name, storage.MaxInstanceName)
	checkText("tagline", f.Tagline, storage.MaxInstanceTagline)
	checkText("about", f.About, storage.MaxInstanceText)
	checkText("rules", f.Rules, storage.MaxInstanceText)
	if !utf8.ValidString(f.About) || !utf8.ValidString(f.Rules) {
		f.Errors["about"] = i18n.T(ctx, "form.text_invalid")
	}
	switch {
	case f.Contact == "":
	case len(f.Contact) > storage.MaxInstanceContact:
		f.Errors["contact"] = i18n.T(ctx, "form.contact_too_long")
	case strings.HasPrefix(f.Contact, "http://") || strings.HasPrefix(f.Contact, "https://"):
		if u, msg := checkLinkURLCtx(ctx, f.Contact); msg != "" {
			f.Errors["contact"] = msg
		} else {
			s.Contact = u
		}
	case contactURL(f.Contact) == "":
		f.Errors["contact"] = i18n.T(ctx, "form.contact_invalid")
	}
	n, err := strconv.Atoi(f.PostChars)
	switch {
	case err != nil:
		f.Errors["post_chars"] = i18n.T(ctx, "form.post_chars_invalid", "min", storage.MinPostChars, "max", storage.MaxPostCharsLimit)
	case n < storage.MinPostChars || n > storage.MaxPostCharsLimit:
		f.Errors["post_chars"] = i18n.T(ctx, "form.post_chars_range", "min", storage.MinPostChars, "max", storage.MaxPostCharsLimit)
	}
	s.PostChars = n
	if !s.Registrations.Valid() {
		f.Errors["registrations"] = i18n.T(ctx, "form.mode_invalid")
	}
	if !s.Invites.Valid() {
		f.Errors["invites"] = i18n.T(ctx, "form.choose_listed_choice")
	}
	if !storage.ValidLanguage(s.Language) {
		f.Errors["language"] = i18n.T(ctx, "form.language_invalid")
	}
	f.AITraining = v.Get("ai_training")
	switch f.AITraining {
	case "":
	case "allowed":
		s.AITrainingAllowed = true
	default:
		f.Errors["ai_training"] = i18n.T(ctx, "form.choose_listed_choice")
	}
	f.RefuseAICrawlers = v.Get("refuse_ai_crawlers") != ""
	s.RefuseAICrawlers = f.RefuseAICrawlers
	readPollOptions(ctx, v, &f, &s) // polls.go
	f.StaffTwoFactor = v.Get("staff_two_factor") != ""
	s.StaffTwoFactor = f.StaffTwoFactor
	return f, s
}

// saveInstance validates and saves the instance settings, rendering the
// About text and rules once, now; it is logged with its reason.
func (h *Handler) saveInstance(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	f, s := parseInstanceFormCtx(r.Context(), r.PostForm, h.cfg.SiteName)
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
			f.Error = i18n.T(r.Context(), "form.settings_invalid", "reason", err.Error())
		case err != nil:
			h.error(w, r, moderationError(r.Context(), err))
			return
		default:
			h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.instance_saved")})
			http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
			return
		}
	}
	if f.Error == "" {
		f.Error = i18n.T(r.Context(), "form.correct_fields_nothing_saved")
	}
	h.render(w, r, http.StatusBadRequest, views.InstanceSettingsPage(h.adminPage(r, i18n.T(r.Context(), "title.admin_settings")), h.adminFrame(r, "settings"), f))
}

// adminRow is an account as user management lists it.
func (h *Handler) adminRow(r *http.Request, u storage.User) views.AdminUserRow {
	return views.AdminUserRow{
		User:     h.userItem(r, u),
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
	lv := views.AdminUsers{Query: q, Empty: i18n.T(r.Context(), "empty.admin_users")}
	for _, u := range l.Users {
		lv.Rows = append(lv.Rows, h.adminRow(r, u))
	}
	if l.Next != 0 {
		lv.MoreURL = "/admin/users?" + url.Values{"q": {q}, "before": {l.Next.String()}}.Encode()
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.AdminUserRows(lv))
		return
	}
	h.render(w, r, http.StatusOK, views.AdminUsersPage(h.adminPage(r, i18n.T(r.Context(), "title.admin_users")), h.adminFrame(r, "users"), lv))
}

// userActions are the state changes of the user management page, by the
// state they apply to.
var userActions = []struct {
	kind   storage.ActionKind
	label  func(context.Context) string
	from   []storage.Status
	danger bool
}{
	{storage.ActSilence, func(ctx context.Context) string { return i18n.T(ctx, "admin.action.silence") }, []storage.Status{storage.StatusActive}, false},
	{storage.ActUnsilence, func(ctx context.Context) string { return i18n.T(ctx, "admin.action.unsilence") }, []storage.Status{storage.StatusSilenced}, false},
	{storage.ActSuspend, func(ctx context.Context) string { return i18n.T(ctx, "admin.action.suspend") }, []storage.Status{storage.StatusActive, storage.StatusSilenced}, true},
	{storage.ActUnsuspend, func(ctx context.Context) string { return i18n.T(ctx, "admin.action.unsuspend") }, []storage.Status{storage.StatusSuspended}, false},
}

// roleOptions are the roles an admin may give.
func roleOptions(ctx context.Context) []views.Option {
	return []views.Option{
		{Value: string(storage.RoleUser), Label: roleLabel(ctx, storage.RoleUser)},
		{Value: string(storage.RoleModerator), Label: roleLabel(ctx, storage.RoleModerator)},
		{Value: string(storage.RoleAdmin), Label: roleLabel(ctx, storage.RoleAdmin)},
	}
}

// roleLabel names a role.
func roleLabel(ctx context.Context, role storage.Role) string {
	switch role {
	case storage.RoleUser:
		return i18n.T(ctx, "admin.role.user")
	case storage.RoleModerator:
		return i18n.T(ctx, "admin.role.moderator")
	case storage.RoleAdmin:
		return i18n.T(ctx, "admin.role.admin")
	}
	return string(role)
}

// adminUserView is an account's management card: what the viewer may do
// to it, by storage.CheckModeration.
func (h *Handler) adminUserView(r *http.Request, u storage.User) views.AdminUser {
	me := viewer(r).user
	base := "/admin/users/" + u.Username
	v := views.AdminUser{Row: h.adminRow(r, u)}
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
				v.Actions = append(v.Actions, views.UserAction{Kind: string(a.kind), Label: a.label(r.Context()), URL: base + "/" + string(a.kind), Danger: a.danger})
			}
		}
	}
	if storage.CheckModeration(me, u, storage.ActRole) == nil && status != storage.StatusPending {
		v.Roles, v.RoleURL = roleOptions(r.Context()), base+"/role"
	}
	if storage.CheckModeration(me, u, storage.ActResetPassword) == nil && status != storage.StatusPending {
		v.ResetURL = base + "/password"
	}
	if storage.CheckModeration(me, u, storage.ActDeleteAccount) == nil {
		v.DeleteURL = base + "/delete"
	}
	if len(v.Actions) == 0 && v.RoleURL == "" && v.DeleteURL == "" && refusal != nil {
		v.Notice = refusal.Error()
		if na := (*storage.NotAllowedError)(nil); errors.As(refusal, &na) {
			v.Notice = notAllowedText(r.Context(), na)
		}
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
	h.changeUser(w, r, storage.Action{Kind: storage.ActSilence}, func(name string) string {
		return i18n.T(r.Context(), "admin.user_silenced", "name", name)
	})
}

func (h *Handler) unsilenceUser(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, storage.Action{Kind: storage.ActUnsilence}, func(name string) string {
		return i18n.T(r.Context(), "admin.user_unsilenced", "name", name)
	})
}

func (h *Handler) suspendUser(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, storage.Action{Kind: storage.ActSuspend}, func(name string) string {
		return i18n.T(r.Context(), "admin.user_suspended", "name", name)
	})
}

func (h *Handler) unsuspendUser(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, storage.Action{Kind: storage.ActUnsuspend}, func(name string) string {
		return i18n.T(r.Context(), "admin.user_unsuspended", "name", name)
	})
}

func (h *Handler) setUserRole(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	role := storage.Role(r.PostForm.Get("role"))
	if !role.Valid() {
		h.error(w, r, errBadRequest(i18n.T(r.Context(), "error.role_invalid")))
		return
	}
	h.changeUser(w, r, storage.Action{Kind: storage.ActRole, Role: role}, func(name string) string {
		return i18n.T(r.Context(), "admin.user_role", "name", name, "role", roleLabel(r.Context(), role))
	})
}

// changeUser takes a moderation action on the account of the address;
// done says what became of the account, by its username.
// Under HTMX it answers with the account's card as it is after; without,
// it returns to the account's page. A refusal under HTMX is the card with
// the reason.
func (h *Handler) changeUser(w http.ResponseWriter, r *http.Request, a storage.Action, done func(name string) string) {
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
	msg := done(u.Username)
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
		h.error(w, r, moderationError(r.Context(), err))
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
	t := views.TempPassword{Row: h.adminRow(r, u), Password: password}
	h.render(w, r, http.StatusOK, views.TempPasswordPage(h.adminPage(r, i18n.T(r.Context(), "title.new_password")), h.adminFrame(r, "users"), t))
}

// deleteAccountForm asks before deleting an account.
func (h *Handler) deleteAccountForm(w http.ResponseWriter, r *http.Request) {
	u, err := h.managedUser(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := storage.CheckModeration(viewer(r).user, u, storage.ActDeleteAccount); err != nil {
		h.error(w, r, moderationError(r.Context(), err))
		return
	}
	h.render(w, r, http.StatusOK, views.DeleteAccountPage(h.adminPage(r, i18n.T(r.Context(), "title.delete_account", "name", u.Username)), h.adminFrame(r, "users"), h.adminRow(r, u)))
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
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "admin.user_deleted", "name", u.Username)})
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
