package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"majlis/social"
	"majlis/storage"
)

// Polls in the client API, in Mastodon's shapes: the Poll of a Status,
// a poll sent with a new status (poll[options][], poll[expires_in],
// poll[multiple]), GET /api/v1/polls/:id and POST /api/v1/polls/:id/votes.
// A poll's id is its post's.

// Poll is Mastodon's Poll entity.
type Poll struct {
	ID          string       `json:"id"`
	ExpiresAt   *string      `json:"expires_at"`
	Expired     bool         `json:"expired"`
	Multiple    bool         `json:"multiple"`
	VotesCount  int          `json:"votes_count"`
	VotersCount *int         `json:"voters_count"`
	Options     []PollOption `json:"options"`
	Emojis      []Emoji      `json:"emojis"`
	Voted       *bool        `json:"voted,omitempty"`
	OwnVotes    []int        `json:"own_votes,omitempty"`
}

// PollOption is one answer; VotesCount is null while the viewer may not
// see the results (before voting, unless the poll ended or is theirs).
type PollOption struct {
	Title      string `json:"title"`
	VotesCount *int   `json:"votes_count"`
}

// pollForm is the poll of a status request.
type pollForm struct {
	Options   []string
	ExpiresIn int
	Multiple  bool
}

func pollRoutes(a *API, mux *http.ServeMux) {
	mux.Handle("GET /api/v1/polls/{id}", a.route(Public, "read:statuses", a.getPoll))
	mux.Handle("POST /api/v1/polls/{id}/votes", a.route(UserToken, "write:statuses", a.votePoll))
}

// poll converts an entry's poll as the converter's viewer sees it.
func (c *statusConv) poll(e storage.Entry) *Poll {
	p := e.Post.Poll
	if p == nil {
		return nil
	}
	now := c.a.cfg.Now()
	out := &Poll{
		ID: e.Post.ID.String(), ExpiresAt: new(apiTime(p.EndsAt)), Expired: p.Closed(now),
		Multiple: p.Multiple, Options: make([]PollOption, 0, len(p.Options)), Emojis: []Emoji{},
	}
	own := c.viewer.ID != 0 && c.viewer.ID == e.Post.AuthorID
	shown := out.Expired || e.Voted != nil || own
	if shown {
		out.VotesCount = p.TotalVotes()
		out.VotersCount = new(p.Voters)
	}
	for _, o := range p.Options {
		po := PollOption{Title: o.Title}
		if shown {
			po.VotesCount = new(o.Votes)
		}
		out.Options = append(out.Options, po)
	}
	if c.viewer.ID != 0 {
		out.Voted = new(e.Voted != nil || own)
		out.OwnVotes = slices.Clone(e.Voted)
		if out.OwnVotes == nil {
			out.OwnVotes = []int{}
		}
	}
	return out
}

// draftPoll turns a status request's poll into the action's draft.
func (f pollForm) draft() *social.PollDraft {
	return &social.PollDraft{Options: f.Options, Multiple: f.Multiple, Duration: time.Duration(f.ExpiresIn) * time.Second}
}

// readPollValues reads poll[...] from a form.
func readPollValues(v url.Values) (*pollForm, error) {
	opts, ok := v["poll[options][]"]
	if !ok {
		opts, ok = v["poll[options]"]
	}
	if !ok {
		return nil, nil
	}
	f := &pollForm{Options: opts, Multiple: formBool(v.Get("poll[multiple]"))}
	if s := v.Get("poll[expires_in]"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("%w: poll[expires_in] is not a number", errStatusForm)
		}
		f.ExpiresIn = n
	}
	return f, nil
}

// readPollJSON reads "poll" from a JSON status.
func readPollJSON(raw any) (*pollForm, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: poll is not an object", errStatusForm)
	}
	list, ok := m["options"].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: poll options is not a list", errStatusForm)
	}
	f := &pollForm{}
	for _, it := range list {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("%w: a poll option is not a string", errStatusForm)
		}
		f.Options = append(f.Options, s)
	}
	switch v := m["expires_in"].(type) {
	case float64:
		f.ExpiresIn = int(v)
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%w: poll expires_in is not a number", errStatusForm)
		}
		f.ExpiresIn = n
	}
	switch v := m["multiple"].(type) {
	case bool:
		f.Multiple = v
	case string:
		f.Multiple = formBool(v)
	}
	return f, nil
}

// getPoll is one poll, 404 when its post is hidden or has none.
func (a *API) getPoll(w http.ResponseWriter, r *http.Request, au *Auth) {
	viewer := viewerOf(au)
	e, ok := a.visibleStatus(w, r, viewer)
	if !ok {
		return
	}
	if e.Post.Poll == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, http.StatusOK, a.conv(viewer).poll(e))
}

// votePoll votes (choices[], indexes) and answers with the poll.
func (a *API) votePoll(w http.ResponseWriter, r *http.Request, au *Auth) {
	me := au.User
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	choices, err := readChoices(w, r)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	e, err := a.soc.Vote(actionContext(r, me), me, id, choices)
	if err != nil {
		a.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.conv(me).poll(e))
}

// readChoices reads choices[] from a form or a JSON body.
func readChoices(w http.ResponseWriter, r *http.Request) ([]int, error) {
	p, cleanup, err := readParams(w, r, 64<<10)
	defer cleanup()
	if err != nil {
		return nil, err
	}
	raw := p.list("choices")
	if len(raw) == 0 || len(raw) > storage.MaxRemotePollOptions {
		return nil, fmt.Errorf("choices: choose one or more of the poll's answers")
	}
	out := make([]int, 0, len(raw))
	for _, s := range raw {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("choices: %q is not a number", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// pollsConfig is the instance's limits of polls, as apps read them.
func (a *API) pollsConfig() PollsConfig {
	return PollsConfig{
		MaxOptions:             a.instance().MaxPollOptions(),
		MaxCharactersPerOption: storage.MaxPollOptionChars,
		MinExpiration:          int(storage.MinPollDuration / time.Second),
		MaxExpiration:          int(storage.MaxPollDuration / time.Second),
	}
}
