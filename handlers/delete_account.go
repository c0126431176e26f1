package handlers

import (
	"net/http"

	"golang.org/x/crypto/bcrypt"

	"majlis/i18n"
	"majlis/views"
)

// deleteOwnAccount deletes the signed-in member's account for good, after
// they confirm with their password (403 and nothing deleted when it is
// wrong; wrong ones count against the login's limits, and past them the
// answer is 429 whatever the password). social.DeleteAccount removes
// everything in one transaction, keeps the name reserved and rewrites the
// database file so the deleted bytes are not left in its free pages.
func (h *Handler) deleteOwnAccount(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	me := viewer(r).user
	tries := h.passwordTries(r, me.Username) // the login's limits (ratelimit.go)
	if wait := tries.wait(); wait > 0 {
		h.error(w, r, errTooMany(r.Context(), i18n.T(r.Context(), "error.too_many_passwords"), wait))
		return
	}
	password := r.PostForm.Get("password")
	if len(password) > maxPassword || bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(password)) != nil {
		tries.failed()
		h.render(w, r, http.StatusForbidden, views.DataSettingsPage(h.page(r, i18n.T(r.Context(), "title.your_data"), "settings"),
			views.DataSettings{DeleteError: i18n.T(r.Context(), "form.delete_wrong_password")}))
		return
	}
	done, err := h.social.DeleteAccount(r.Context(), me)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if done.CompactErr != nil {
		// The account is gone; only the scrubbing of the file failed.
		h.cfg.Logger.Error("compact after account deletion", "user", me.Username, "err", done.CompactErr)
	} else {
		h.cfg.Logger.Info("account deleted by its owner", "user", me.Username, "compact", done.Compacted)
	}
	if err := h.endSession(w, r); err != nil {
		h.cfg.Logger.Error("end session", "err", err)
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "flash.account_deleted")})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
