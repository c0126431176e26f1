package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/social"
	"majlis/storage"
	"majlis/views"
)

// Polls on the web: the poll part of the compose box, the poll of a card,
// and the vote (a form that works without JavaScript).

// defaultPollDuration is the compose box's preselected length.
const defaultPollDuration = 24 * time.Hour

// composePoll is an empty poll section: as many option fields as the
// instance allows.
func (h *Handler) composePoll(ctx context.Context) views.ComposePoll {
	c := views.ComposePoll{
		Options:  make([]string, h.instance().MaxPollOptions()),
		Duration: strconv.Itoa(int(defaultPollDuration / time.Second)),
	}
	for _, d := range social.PollDurations {
		c.Durations = append(c.Durations, views.Option{Value: strconv.Itoa(int(d / time.Second)), Label: social.PollDurationLabel(ctx, d)})
	}
	return c
}

// readPoll reads the poll fields of a compose form into the box c and
// returns the poll drafted, nil when no option was typed.
func readPoll(r *http.Request, c *views.ComposePoll) *social.PollDraft {
	opts := r.PostForm["poll_option"]
	typed := false
	for i, o := range opts {
		if i < len(c.Options) {
			c.Options[i] = o
		}
		typed = typed || o != ""
	}
	c.Multiple = r.PostForm.Get("poll_multiple") != ""
	if v := r.PostForm.Get("poll_duration"); v != "" {
		c.Duration = v
	}
	if !typed {
		return nil
	}
	c.Open = true
	secs, err := strconv.Atoi(c.Duration)
	if err != nil {
		secs = 0 // refused by CheckPoll, with its message
	}
	return &social.PollDraft{Options: opts, Multiple: c.Multiple, Duration: time.Duration(secs) * time.Second}
}

// pollView is the poll of an entry as the viewer sees it, nil when the
// post has none; card is the element id of the card.
func (h *Handler) pollView(r *http.Request, e storage.Entry, card string) *views.PollView {
	poll := e.Post.Poll
	if poll == nil {
		return nil
	}
	now := h.cfg.Now()
	v := &views.PollView{
		URL:      postPath(e.Author, e.Post.ID) + "/vote",
		Card:     card,
		Multiple: poll.Multiple,
		Closed:   poll.Closed(now),
		Voted:    e.Voted != nil,
		EndsAt:   timeOf(poll.EndsAt, now),
		Voters:   poll.Voters,
	}
	me := viewer(r)
	own := me != nil && me.user.ID == e.Post.AuthorID
	v.ShowResults = v.Closed || v.Voted || own
	v.CanVote = me != nil && !own && !v.Voted && !v.Closed
	if me == nil && !v.Closed {
		v.LoginURL = "/login?next=" + url.QueryEscape(postPath(e.Author, e.Post.ID))
	}
	total := poll.TotalVotes()
	for i, o := range poll.Options {
		ov := views.PollOptionView{Index: i, Title: o.Title, Chosen: slices.Contains(e.Voted, i)}
		if v.ShowResults {
			ov.Votes = o.Votes
			if total > 0 {
				ov.Percent = (o.Votes*100 + total/2) / total
			}
		}
		v.Options = append(v.Options, ov)
	}
	return v
}

// vote records the viewer's vote (the "choice" values) in the poll of the
// address. Without JavaScript it goes back to the page with a flash (or
// the refusal); under HTMX it answers with the poll.
func (h *Handler) vote(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.error(w, r, err)
		return
	}
	e, err := h.postFromPath(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	card := cardParam(r, "post-"+e.Post.ID.String())
	var choices []int
	for _, c := range r.PostForm["choice"] {
		n, err := strconv.Atoi(c)
		if err != nil || len(choices) >= storage.MaxRemotePollOptions {
			h.error(w, r, errBadRequest(i18n.T(r.Context(), "poll.choose")))
			return
		}
		choices = append(choices, n)
	}
	voted, err := h.social.Vote(r.Context(), viewer(r).user, e.Post.ID, choices)
	if err != nil {
		code, msg := statusCtx(r.Context(), err)
		if code >= 500 || code == http.StatusNotFound {
			h.error(w, r, err)
			return
		}
		if isHTMX(r) {
			v := h.pollView(r, e, card)
			v.Error = msg
			h.render(w, r, code, views.Poll(*v))
			return
		}
		h.setFlash(w, r, views.Flash{Message: msg})
		http.Redirect(w, r, h.backTo(r, postPath(e.Author, e.Post.ID))+"#"+card, http.StatusSeeOther)
		return
	}
	if isHTMX(r) {
		h.render(w, r, http.StatusOK, views.Poll(*h.pollView(r, voted, card)))
		return
	}
	h.setFlash(w, r, views.Flash{Message: i18n.T(r.Context(), "poll.flash_voted")})
	http.Redirect(w, r, h.backTo(r, postPath(e.Author, e.Post.ID))+"#"+card, http.StatusSeeOther)
}

// readPollOptions reads the instance setting of the most answers a poll
// may have: empty for the default, else a number in range.
func readPollOptions(ctx context.Context, v url.Values, f *views.InstanceForm, s *storage.InstanceSettings) {
	f.PollOptions = strings.TrimSpace(v.Get("poll_options"))
	if f.PollOptions == "" {
		return
	}
	n, err := strconv.Atoi(f.PollOptions)
	if err != nil || n < storage.MinPollOptions || n > storage.MaxPollOptionsLimit {
		f.Errors["poll_options"] = i18n.T(ctx, "form.poll_options_range", "min", storage.MinPollOptions, "max", storage.MaxPollOptionsLimit)
		return
	}
	s.PollOptions = n
}
