package api

import "majlis/storage"

// movedAccount is the account u moved to, as an app shows it (Mastodon's
// "moved"); nil when u did not move or its new account is not known here.
// The new account is converted without its own move, so a chain of moves
// is not followed.
func (a *API) movedAccount(s storage.InstanceSettings, u storage.User, viewer storage.ID) *Account {
	if u.MovedTo == "" || a.cfg.Social == nil {
		return nil
	}
	t, err := a.cfg.Social.AccountByURI(u.MovedTo)
	if err != nil {
		return nil
	}
	t.MovedTo = ""
	acc := a.accountIn(s, t, viewer, false)
	return &acc
}
