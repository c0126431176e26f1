package api

import (
	"context"
	"errors"
	"majlis/markup"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"majlis/federation"
	"majlis/social"
	"majlis/storage"
)

// Accounts: the member's own account and its settings, other accounts,
// their posts and lists, and the relations between them (follow, block,
// mute, follow requests, blocked domains). Every read is the one the web
// profile and settings pages make, as the token's member; every change is
// one action of package social.

// accountsRoutes registers the accounts endpoints, and with them the
// instance's (instance.go) and the empty answers apps expect at start-up
// (startup.go).
func (a *API) accountsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", a.route(UserToken, "read:accounts", a.verifyCredentials))
	mux.HandleFunc("PATCH /api/v1/accounts/update_credentials", a.route(UserToken, "write:accounts", a.updateCredentials))
	mux.HandleFunc("GET /api/v1/accounts/relationships", a.route(UserToken, "read:follows", a.relationships))
	mux.HandleFunc("GET /api/v1/accounts/lookup", a.route(Public, "read:accounts", a.lookup))
	mux.HandleFunc("GET /api/v1/accounts/familiar_followers", a.route(UserToken, "read:follows", a.familiarFollowers))
	mux.HandleFunc("GET /api/v1/accounts/{id}", a.route(Public, "read:accounts", a.getAccount))
	mux.HandleFunc("GET /api/v1/accounts/{id}/statuses", a.route(Public, "read:statuses", a.accountStatuses))
	mux.HandleFunc("GET /api/v1/accounts/{id}/followers", a.route(Public, "read:accounts", a.relationList((*storage.DB).Followers)))
	mux.HandleFunc("GET /api/v1/accounts/{id}/following", a.route(Public, "read:accounts", a.relationList((*storage.DB).Following)))
	mux.HandleFunc("GET /api/v1/accounts/{id}/featured_tags", a.route(Public, "read:accounts", a.ofAccount(emptyList)))
	mux.HandleFunc("GET /api/v1/accounts/{id}/lists", a.route(UserToken, "read:lists", a.accountLists)) // lists.go
	mux.HandleFunc("POST /api/v1/accounts/{id}/follow", a.route(UserToken, "write:follows", a.relate(follow)))
	mux.HandleFunc("POST /api/v1/accounts/{id}/unfollow", a.route(UserToken, "write:follows", a.relate(unfollow)))
	mux.HandleFunc("POST /api/v1/accounts/{id}/block", a.route(UserToken, "write:blocks", a.relate(block)))
	mux.HandleFunc("POST /api/v1/accounts/{id}/unblock", a.route(UserToken, "write:blocks", a.relate(unblock)))
	mux.HandleFunc("POST /api/v1/accounts/{id}/mute", a.route(UserToken, "write:mutes", a.relate(mute)))
	mux.HandleFunc("POST /api/v1/accounts/{id}/unmute", a.route(UserToken, "write:mutes", a.relate(unmute)))
	mux.HandleFunc("GET /api/v1/follow_requests", a.route(UserToken, "read:follows", a.ownList((*storage.DB).FollowRequests)))
	mux.HandleFunc("POST /api/v1/follow_requests/{id}/authorize", a.route(UserToken, "write:follows", a.answerRequest(true)))
	mux.HandleFunc("POST /api/v1/follow_requests/{id}/reject", a.route(UserToken, "write:follows", a.answerRequest(false)))
	mux.HandleFunc("GET /api/v1/blocks", a.route(UserToken, "read:blocks", a.ownList((*storage.DB).Blocked)))
	mux.HandleFunc("GET /api/v1/mutes", a.route(UserToken, "read:mutes", a.ownList((*storage.DB).Muted)))
	mux.HandleFunc("GET /api/v1/endorsements", a.route(UserToken, "read:accounts", emptyList))
	mux.HandleFunc("GET /api/v1/domain_blocks", a.route(UserToken, "read:blocks", a.domainBlocks))
	mux.HandleFunc("POST /api/v1/domain_blocks", a.route(UserToken, "write:blocks", a.changeDomainBlock(true)))
	mux.HandleFunc("DELETE /api/v1/domain_blocks", a.route(UserToken, "write:blocks", a.changeDomainBlock(false)))
	a.instanceRoutes(mux)
	a.startupRoutes(mux)
}

// viewerOf is the member a request is made as, zero for none (no token,
// or an app's own token).
func viewerOf(au *Auth) storage.User {
	if au == nil {
		return storage.User{}
	}
	return au.User
}

// accountByID is the account of the path's {id}, as the web's profile
// finds it: an ID that is nobody's is not found, and on a read so is an
// account moderation holds (suspended, or waiting for approval), except
// for the instance's moderators. Actions reach any account, as the web's
// forms do; social decides what they may do.
func (a *API) accountByID(r *http.Request, au *Auth) (storage.User, error) {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return storage.User{}, storage.ErrNotFound
	}
	u, err := a.db.UserByID(id)
	if err != nil {
		return u, err
	}
	if r.Method == http.MethodGet && hiddenFrom(u, viewerOf(au)) {
		return storage.User{}, storage.ErrNotFound
	}
	return u, nil
}

// hiddenFrom tells whether moderation hides u from viewer, as the web's
// pages hide it (moderators see every account).
func hiddenFrom(u, viewer storage.User) bool {
	if viewer.ID != 0 && viewer.CanModerate() {
		return false
	}
	switch u.AccountStatus() {
	case storage.StatusSuspended, storage.StatusPending:
		return true
	}
	return false
}

// accountAs converts u as viewer sees it, reading whether viewer follows
// u (the post count depends on it).
func (a *API) accountAs(u storage.User, viewer storage.ID) Account {
	follows := false
	if viewer != 0 && viewer != u.ID {
		follows, _ = a.db.IsFollowing(viewer, u.ID)
	}
	return a.account(u, viewer, follows)
}

// carries publishes the consent of a response that shows these accounts'
// content: the strictest of the instance's policy and theirs, in the
// headers the web pages send (federation.Consent).
func (a *API) carries(w http.ResponseWriter, users ...storage.User) {
	federation.ConsentOf(a.instance().AITrainingAllowed, users...).SetHeaders(w.Header())
}

func (a *API) verifyCredentials(w http.ResponseWriter, r *http.Request, au *Auth) {
	a.writeCredentials(w, r, au.User)
}

// writeCredentials answers the member's own account with its source.
func (a *API) writeCredentials(w http.ResponseWriter, r *http.Request, u storage.User) {
	pending := 0
	if u.Locked {
		// A badge count: one page of the list is enough.
		l, err := a.db.FollowRequests(u.ID, storage.Page{Limit: 100})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		pending = len(l.Users)
	}
	a.carries(w, u)
	writeJSON(w, http.StatusOK, a.credentialAccount(u, pending))
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request, au *Auth) {
	u, err := a.accountByID(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.carries(w, u)
	writeJSON(w, http.StatusOK, a.accountAs(u, viewerOf(au).ID))
}

// lookup finds an account by its address: a member's name (or
// name@this-host), or name@host of another server's account known here,
// else looked up over federation when the instance federates.
func (a *API) lookup(w http.ResponseWriter, r *http.Request, au *Auth) {
	q := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("acct")), "@")
	name, host, remote := strings.Cut(q, "@")
	if remote && strings.EqualFold(host, a.host()) {
		remote = false
	}
	var u storage.User
	var err error
	switch {
	case name == "":
		err = storage.ErrNotFound
	case !remote:
		if u, err = a.soc.LocalAccount(r.Context(), name); social.KindOf(err) == social.NotFound {
			err = storage.ErrNotFound // Mastodon's wording, as for any account not found
		}
	default:
		u, err = a.db.RemoteUser(name, host)
		if errors.Is(err, storage.ErrNotFound) && a.cfg.Federation != nil {
			u, err = a.cfg.Federation.Lookup(r.Context(), "@"+name+"@"+host)
		}
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			// Refused, unreachable or nonsense over there: for the app
			// the account is simply not found.
			a.cfg.Logger.Info("api lookup failed", "acct", q, "err", err)
			err = storage.ErrNotFound
		}
	}
	if err == nil && hiddenFrom(u, viewerOf(au)) {
		err = storage.ErrNotFound
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.carries(w, u)
	writeJSON(w, http.StatusOK, a.accountAs(u, viewerOf(au).ID))
}

// host is the instance's host name, as accounts' addresses write it.
func (a *API) host() string {
	u, err := url.Parse(a.cfg.BaseURL)
	if err != nil {
		return ""
	}
	return u.Host
}

func (a *API) relationships(w http.ResponseWriter, r *http.Request, au *Auth) {
	out := []Relationship{}
	seen := map[storage.ID]bool{}
	for _, s := range (&params{Values: r.URL.Query()}).list("id") {
		id, err := storage.ParseID(s)
		if err != nil || seen[id] || len(seen) >= maxLimit {
			continue
		}
		seen[id] = true
		if _, err := a.db.UserByID(id); err != nil {
			continue // Mastodon leaves out the accounts it does not know
		}
		rel, err := a.db.RelationshipOf(au.User.ID, id)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out = append(out, relationship(id, rel))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) familiarFollowers(w http.ResponseWriter, r *http.Request, au *Auth) {
	// majlis does not compute followers in common: each account asked
	// for is answered with none.
	out := []map[string]any{}
	for _, s := range (&params{Values: r.URL.Query()}).list("id") {
		if id, err := storage.ParseID(s); err == nil && len(out) < maxLimit {
			out = append(out, map[string]any{"id": id.String(), "accounts": []Account{}})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// ofAccount is an endpoint about the path's account: 404 when there is
// no such account (or it is hidden), else fn.
func (a *API) ofAccount(fn Endpoint) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		if _, err := a.accountByID(r, au); err != nil {
			a.fail(w, r, err)
			return
		}
		fn(w, r, au)
	}
}

// userList is one of storage's lists of accounts (followers, following,
// follow requests, blocks, mutes): of userID, a page.
type userList func(db *storage.DB, userID storage.ID, page storage.Page) (storage.UserList, error)

// relationList is an account's followers or following, as the web's
// lists show them to everyone.
func (a *API) relationList(list userList) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		u, err := a.accountByID(r, au)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.writeUserList(w, r, au, u.ID, list)
	}
}

// ownList is one of the member's own lists: follow requests, blocks,
// mutes.
func (a *API) ownList(list userList) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		a.writeUserList(w, r, au, au.User.ID, list)
	}
}

// writeUserList answers a page of accounts of a list, newest first,
// with its Link header. The lists are ordered by account ID, which is
// the cursor: max_id walks back; since_id and min_id keep the accounts
// above them from the top of the list.
func (a *API) writeUserList(w http.ResponseWriter, r *http.Request, au *Auth, of storage.ID, list userList) {
	p := parsePaging(r, 80)
	l, err := list(a.db, of, p.storagePage())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	above := max(p.SinceID, p.MinID)
	users := l.Users
	if above != 0 {
		users = users[:0:0]
		for _, u := range l.Users {
			if u.ID > above {
				users = append(users, u)
			}
		}
	}
	out := make([]Account, 0, len(users))
	for _, u := range users {
		out = append(out, a.accountAs(u, viewerOf(au).ID))
	}
	if len(users) > 0 {
		a.setLink(w, r, users[0].ID, users[len(users)-1].ID, l.Next != 0)
	}
	a.carries(w, users...)
	writeJSON(w, http.StatusOK, out)
}

// accountStatuses is an account's posts as the viewer may see them, read
// as its web profile reads them (storage.AuthorTimeline: across a block,
// nothing), narrowed by Mastodon's filters: pinned (the pinned posts,
// on the first page only), exclude_replies, exclude_reblogs, only_media,
// tagged. The member's keyword filters of the "account" context apply, as
// on Mastodon: a status one hides is left out, one that warns is marked.
func (a *API) accountStatuses(w http.ResponseWriter, r *http.Request, au *Auth) {
	u, err := a.accountByID(r, au)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	viewer := viewerOf(au)
	q := &params{Values: r.URL.Query()}
	p := parsePaging(r, 0)
	out := []Status{}
	c := a.conv(viewer)
	filters := a.soc.FiltersFor(viewer.ID, storage.FilterAccount)
	shown := func(e storage.Entry) bool {
		s, ok := c.filteredStatus(e, filters) // lists.go
		if ok {
			out = append(out, s)
		}
		return ok
	}
	if pinned, _ := q.flag("pinned"); pinned {
		if p.MaxID == 0 && p.SinceID == 0 && p.MinID == 0 {
			entries, err := a.db.PinnedPosts(viewer.ID, u.ID)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			for _, e := range entries {
				if shown(e) {
					a.carries(w, e.Author)
				}
			}
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	noReplies, _ := q.flag("exclude_replies")
	noReposts, _ := q.flag("exclude_reblogs")
	onlyMedia, _ := q.flag("only_media")
	tag := markup.NormalizeTag(q.Get("tagged"))
	t, err := a.db.AuthorTimeline(viewer.ID, u.ID, !noReplies, p.storagePage())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	above := max(p.SinceID, p.MinID)
	var newest, oldest storage.ID
	authors := []storage.User{u}
	for _, e := range t.Entries {
		at := e.Cursor()
		if above != 0 && at <= above {
			break
		}
		if newest == 0 {
			newest = at
		}
		oldest = at
		switch {
		case noReposts && e.RepostedBy != nil,
			onlyMedia && len(e.Post.Attachments) == 0,
			tag != "" && !slices.Contains(e.Post.Tags, tag):
			continue
		}
		if shown(e) {
			authors = append(authors, e.Author)
		}
	}
	a.setLink(w, r, newest, oldest, t.Next != 0 && !t.NextHidden && above == 0)
	a.carries(w, authors...)
	writeJSON(w, http.StatusOK, out)
}

// relation is one of the actions on another account; it reports the
// relationship as it stands after.
type relation func(a *API, ctx context.Context, me, other storage.User) error

var (
	follow relation = func(a *API, ctx context.Context, me, other storage.User) error {
		_, err := a.soc.Follow(ctx, me, other)
		return err
	}
	unfollow relation = func(a *API, ctx context.Context, me, other storage.User) error {
		_, err := a.soc.Unfollow(ctx, me, other)
		return err
	}
	block relation = func(a *API, ctx context.Context, me, other storage.User) error {
		return a.soc.Block(ctx, me, other)
	}
	unblock relation = func(a *API, ctx context.Context, me, other storage.User) error {
		return a.soc.Unblock(ctx, me, other)
	}
	mute relation = func(a *API, ctx context.Context, me, other storage.User) error {
		return a.soc.Mute(ctx, me, other)
	}
	unmute relation = func(a *API, ctx context.Context, me, other storage.User) error {
		return a.soc.Unmute(ctx, me, other)
	}
)

// relate is an endpoint doing one relation action on the path's account
// and answering the Relationship after it.
func (a *API) relate(do relation) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		other, err := a.accountByID(r, au)
		if err == nil {
			err = do(a, a.langContext(r, au), au.User, other)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.writeRelationship(w, r, au.User.ID, other.ID)
	}
}

func (a *API) writeRelationship(w http.ResponseWriter, r *http.Request, me, other storage.ID) {
	rel, err := a.db.RelationshipOf(me, other)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, relationship(other, rel))
}

// answerRequest accepts or rejects the follow request of the path's
// account.
func (a *API) answerRequest(accept bool) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		requester, err := a.accountByID(r, au)
		if err == nil {
			if accept {
				err = a.soc.AcceptFollow(a.langContext(r, au), au.User, requester)
			} else {
				err = a.soc.RejectFollow(a.langContext(r, au), au.User, requester)
			}
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.writeRelationship(w, r, au.User.ID, requester.ID)
	}
}

// domainBlocks lists the servers the member blocked.
func (a *API) domainBlocks(w http.ResponseWriter, r *http.Request, au *Auth) {
	list, err := a.db.BlockedDomains(au.User.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if list == nil {
		list = []string{}
	}
	writeJSON(w, http.StatusOK, list)
}

// changeDomainBlock blocks or unblocks the server named by the domain
// parameter. Doing again what is done is not refused, as Mastodon does.
func (a *API) changeDomainBlock(on bool) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		ps, cleanup, err := readParams(w, r, 64<<10)
		defer cleanup()
		if err != nil {
			a.fail(w, r, err)
			return
		}
		d := storage.NormalizeDomain(ps.Get("domain"))
		if d == "" || strings.EqualFold(d, a.host()) {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: Domain is not a server's name")
			return
		}
		if on {
			err = a.db.BlockDomain(au.User.ID, d)
		} else {
			err = a.db.UnblockDomain(au.User.ID, d)
		}
		if err != nil && !errors.Is(err, storage.ErrExists) && !errors.Is(err, storage.ErrNotFound) {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	}
}

// emptyList answers an empty list: a feature majlis does not have, for
// which apps expect a list.
func emptyList(w http.ResponseWriter, _ *http.Request, _ *Auth) {
	writeJSON(w, http.StatusOK, []struct{}{})
}
