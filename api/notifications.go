package api

import (
	"errors"
	"mime"
	"net/http"
	"slices"

	"majlis/bounded"
	"majlis/storage"
)

// noteType is a notification's type as Mastodon names it: a reply is a
// mention (the reply names whom it answers), a like a favourite, a repost
// a reblog.
func noteType(k storage.NoteKind) string {
	switch k {
	case storage.NoteMention, storage.NoteReply:
		return "mention"
	case storage.NoteLike:
		return "favourite"
	case storage.NoteRepost:
		return "reblog"
	case storage.NoteFollow:
		return "follow"
	case storage.NoteFollowRequest:
		return "follow_request"
	case storage.NoteApplication:
		return "admin.sign_up"
	case storage.NoteReport:
		return "admin.report"
	}
	return string(k)
}

// notification converts a notification with the viewer's converter.
func (c *statusConv) notification(n storage.NoteEntry) Notification {
	out := Notification{
		ID: n.ID.String(), Type: noteType(n.Kind), CreatedAt: apiTime(n.ID.Time()),
		GroupKey: "ungrouped-" + n.ID.String(),
		Account:  c.account(n.Actor),
	}
	if n.Post != nil {
		s := c.status(*n.Post)
		out.Status = &s
	}
	return out
}

// noteFilter reads types[] and exclude_types[]: whether a notification
// of a Mastodon type is listed.
func noteFilter(r *http.Request) func(string) bool {
	q := r.URL.Query()
	types := append(q["types[]"], q["types"]...)
	exclude := append(q["exclude_types[]"], q["exclude_types"]...)
	return func(t string) bool {
		return (len(types) == 0 || slices.Contains(types, t)) && !slices.Contains(exclude, t)
	}
}

// notifications lists the member's notifications, the web's
// notifications page, less the types left out.
func (a *API) notifications(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	keep := noteFilter(r)
	filters := a.soc.FiltersFor(me.ID, storage.FilterNotifications)
	c := a.conv(me)
	type shown struct {
		storage.NoteEntry
		v noteShown // staff_notes.go
	}
	read := func(before storage.ID, limit int) ([]shown, storage.ID, error) {
		// Asking for limit entries and dropping the types left out may
		// leave a page short; window reads on from Next.
		np, err := a.db.Notifications(me.ID, storage.Page{Before: before, Limit: min(limit, storagePageMax)})
		if err != nil {
			return nil, 0, err
		}
		var out []shown
		for _, n := range np.Notes {
			if !keep(noteType(n.Kind)) {
				continue
			}
			if v, ok := c.shows(n, filters); ok { // staff_notes.go
				out = append(out, shown{n, v})
			}
		}
		return out, np.Next, nil
	}
	notes, more, err := window(parsePaging(r, 80), read, func(n shown) storage.ID { return n.ID })
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := make([]Notification, 0, len(notes))
	for _, n := range notes {
		if note, ok := c.note(n.NoteEntry, n.v); ok {
			out = append(out, note)
		}
	}
	if len(notes) > 0 {
		a.setLink(w, r, notes[0].ID, notes[len(notes)-1].ID, more)
	}
	writeJSON(w, http.StatusOK, out)
}

// notification is one of the member's notifications, 404 when the list
// would not show it.
func (a *API) notification(w http.ResponseWriter, r *http.Request, au *Auth) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	n, err := a.db.Notification(au.User.ID, id)
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	note, ok := a.conv(au.User).shownNote(n, a.soc.FiltersFor(au.User.ID, storage.FilterNotifications))
	if !ok {
		notFound(w) // as the list leaves it out
		return
	}
	writeJSON(w, http.StatusOK, note)
}

// dismissNotification deletes one notification.
func (a *API) dismissNotification(w http.ResponseWriter, r *http.Request, au *Auth) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := a.db.DismissNotification(au.User.ID, id); err != nil {
		a.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// clearNotifications deletes every notification of the member.
func (a *API) clearNotifications(w http.ResponseWriter, r *http.Request, au *Auth) {
	if err := a.db.ClearNotifications(au.User.ID); err != nil {
		a.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// Marker is a place the member reached in a timeline.
type Marker struct {
	LastReadID string `json:"last_read_id"`
	Version    int    `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

// markers answers the member's places: in notifications, the newest one
// they have seen (what the web's unread badge counts from); in the home
// timeline, the one an app set (kept in memory).
func (a *API) markers(w http.ResponseWriter, r *http.Request, au *Auth) {
	q := r.URL.Query()
	asked := append(q["timeline[]"], q["timeline"]...)
	a.writeMarkers(w, r, au.User.ID, asked)
}

func (a *API) writeMarkers(w http.ResponseWriter, r *http.Request, userID storage.ID, timelines []string) {
	out := map[string]Marker{}
	u, err := a.db.UserByID(userID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	for _, t := range timelines {
		switch t {
		case "home":
			if u.HomeMarker != 0 {
				out["home"] = Marker{LastReadID: u.HomeMarker.String(), Version: u.HomeMarkerVersion, UpdatedAt: apiTime(u.HomeMarkerAt)}
			}
		case "notifications":
			if u.NotesReadTo != 0 {
				// The file keeps the place, not when it was set: the
				// notification's own time stands in for it.
				out["notifications"] = Marker{LastReadID: u.NotesReadTo.String(), Version: 1, UpdatedAt: apiTime(u.NotesReadTo.Time())}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// setMarkers sets the member's places: home[last_read_id] and
// notifications[last_read_id], in a form or as JSON. Setting the
// notifications marker marks them read up to there, as opening the
// notifications page does (it never moves back).
func (a *API) setMarkers(w http.ResponseWriter, r *http.Request, au *Auth) {
	home, notes, err := decodeMarkers(r)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	var set []string
	if home != "" {
		id, err := storage.ParseID(home)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, "home[last_read_id] is not an ID")
			return
		}
		if _, err := a.db.SetHomeMarker(au.User.ID, id); err != nil {
			a.serverError(w, r, err)
			return
		}
		set = append(set, "home")
	}
	if notes != "" {
		id, err := storage.ParseID(notes)
		if err != nil || id == 0 {
			writeError(w, http.StatusUnprocessableEntity, "notifications[last_read_id] is not an ID")
			return
		}
		if err := a.db.MarkNotificationsRead(au.User.ID, id); err != nil {
			a.serverError(w, r, err)
			return
		}
		set = append(set, "notifications")
	}
	a.writeMarkers(w, r, au.User.ID, set)
}

var errMarkers = errors.New("the markers cannot be read")

// decodeMarkers reads the last_read_id of home and notifications.
func decodeMarkers(r *http.Request) (home, notes string, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var m map[string]map[string]any
		if err := bounded.Decode(r.Body, &m, bounded.Limits{Bytes: 4 << 10, Depth: 3, Items: 8}); err != nil {
			return "", "", errMarkers
		}
		home, err1 := jsonString(m["home"]["last_read_id"], "home")
		notes, err2 := jsonString(m["notifications"]["last_read_id"], "notifications")
		if err1 != nil || err2 != nil {
			return "", "", errMarkers
		}
		return home, notes, nil
	}
	if err := r.ParseMultipartForm(4 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return "", "", errMarkers
	}
	return r.Form.Get("home[last_read_id]"), r.Form.Get("notifications[last_read_id]"), nil
}
