package views

// Helpers that put view-model values into the request's interface
// language (see package i18n): times, counts, and the fixed labels some
// view models carry in English.

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"majlis/i18n"
)

// lang is the request's interface language.
func lang(ctx context.Context) string { return string(i18n.FromContext(ctx)) }

// dir is the request's text direction, "ltr" or "rtl".
func dir(ctx context.Context) string { return i18n.FromContext(ctx).Dir() }

// num formats a count in the request's language.
func num(ctx context.Context, n int) string { return i18n.Number(ctx, n) }

// backArrow points to the start of the line: "←" left to right, "→"
// right to left.
func backArrow(ctx context.Context) string {
	if dir(ctx) == "rtl" {
		return "→"
	}
	return "←"
}

// digits writes the ASCII digits of s in the request's language.
func digits(ctx context.Context, s string) string {
	if i18n.FromContext(ctx) != i18n.Arabic {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + r - '0'
		}
		return r
	}, s)
}

// timeLabel is the short label of a moment relative to the page's now:
// "now", "5m", "2h", "3d", "Mar 3", "Mar 3, 2024" (in Arabic "الآن",
// "٥ د", ...); nothing for a Time without its moment.
func timeLabel(ctx context.Context, t Time) string {
	if t.At.IsZero() {
		return ""
	}
	d := t.Now.Sub(t.At)
	switch {
	case d < time.Minute:
		return i18n.T(ctx, "time.now")
	case d < time.Hour:
		return i18n.T(ctx, "time.minutes", "n", int(d/time.Minute))
	case d < 24*time.Hour:
		return i18n.T(ctx, "time.hours", "n", int(d/time.Hour))
	case d < 7*24*time.Hour:
		return i18n.T(ctx, "time.days", "n", int(d/(24*time.Hour)))
	case t.At.Year() == t.Now.Year():
		return i18n.T(ctx, "time.date_short", "day", t.At.Day(), "month", monthShort(ctx, t.At.Month()))
	}
	return i18n.T(ctx, "time.date_year", "day", t.At.Day(), "month", monthShort(ctx, t.At.Month()), "year", digits(ctx, strconv.Itoa(t.At.Year())))
}

// timeTitle is the full date and time of a moment, in UTC: "2 January
// 2006, 15:04 UTC". Titles are kept by language and minute: a card that
// is not in the card cache spent a third of its header's time writing
// its title, and the posts of a page share few minutes.
func timeTitle(ctx context.Context, t Time) string {
	if t.At.IsZero() {
		return ""
	}
	u := t.At.UTC().Truncate(time.Minute)
	k := titleKey{i18n.FromContext(ctx), u.Unix()}
	titles.Lock()
	s, ok := titles.m[k]
	titles.Unlock()
	if ok {
		return s
	}
	s = i18n.T(ctx, "time.full", "day", u.Day(), "month", monthLong(ctx, u.Month()),
		"year", digits(ctx, strconv.Itoa(u.Year())), "clock", digits(ctx, u.Format("15:04")))
	titles.Lock()
	if len(titles.m) >= maxTitles {
		clear(titles.m)
	}
	titles.m[k] = s
	titles.Unlock()
	return s
}

type titleKey struct {
	lang   i18n.Lang
	minute int64
}

// maxTitles bounds the titles kept (a few hundred KB at most).
const maxTitles = 4096

var titles = struct {
	sync.Mutex
	m map[titleKey]string
}{m: map[titleKey]string{}}

func monthShort(ctx context.Context, m time.Month) string {
	return i18n.T(ctx, "month.short."+strconv.Itoa(int(m)))
}

func monthLong(ctx context.Context, m time.Month) string {
	return i18n.T(ctx, "month.long."+strconv.Itoa(int(m)))
}

// badgeText is the unread count as the badge shows it: "99+" beyond 99.
func badgeText(ctx context.Context, b Badge) string {
	if b.Count > 99 {
		return i18n.T(ctx, "nav.unread_many")
	}
	return num(ctx, b.Count)
}

// visibilityLabel names a post's visibility on its card; fallback is the
// handler's label for a value this list does not know.
func visibilityLabel(ctx context.Context, value, fallback string) string {
	switch value {
	case "public":
		return i18n.T(ctx, "visibility.public")
	case "unlisted":
		return i18n.T(ctx, "visibility.unlisted")
	case "followers":
		return i18n.T(ctx, "visibility.followers")
	case "direct":
		return i18n.T(ctx, "visibility.direct")
	}
	return fallback
}

// visibilityOption is a choice of the compose box's visibility select.
func visibilityOption(ctx context.Context, o Option) string {
	return visibilityLabel(ctx, o.Value, o.Label)
}

// visibilitySetting is a choice of the default visibility in the profile
// settings (Visibilities), which says more than the compose box.
func visibilitySetting(ctx context.Context, o Option) string {
	switch o.Value {
	case "public":
		return i18n.T(ctx, "visibility.setting.public")
	case "unlisted":
		return i18n.T(ctx, "visibility.setting.unlisted")
	case "followers":
		return i18n.T(ctx, "visibility.followers")
	case "direct":
		return i18n.T(ctx, "visibility.setting.direct")
	}
	return o.Label
}

// tabLabel names a profile's timeline tab.
func tabLabel(ctx context.Context, t Tab) string {
	switch t.TestID {
	case "tab-posts":
		return i18n.T(ctx, "profile.tab_posts")
	case "tab-replies":
		return i18n.T(ctx, "profile.tab_replies")
	}
	return t.Label
}

// imagesHint says how many images fit and which files: "up to 4 per post:
// JPEG, PNG, GIF or WebP, at most 10 MB each".
func imagesHint(ctx context.Context, c ComposeImages) string {
	size := digits(ctx, c.MaxSize)
	if c.Free() == c.Max {
		return i18n.N(ctx, "image.hint_per_post", c.Max, "size", size)
	}
	return i18n.N(ctx, "image.hint_more", c.Free(), "size", size)
}

// noteVerb is what the actors of a notification did, after their names,
// agreeing with how many they are.
func noteVerb(ctx context.Context, n Note) string {
	c := len(n.Actors)
	switch n.Kind {
	case "mention":
		return i18n.N(ctx, "note.verb.mention", c)
	case "reply":
		return i18n.N(ctx, "note.verb.reply", c)
	case "like":
		return i18n.N(ctx, "note.verb.like", c)
	case "repost":
		return i18n.N(ctx, "note.verb.repost", c)
	case "follow":
		return i18n.N(ctx, "note.verb.follow", c)
	case "follow_request":
		return i18n.N(ctx, "note.verb.follow_request", c)
	case "poll":
		return i18n.N(ctx, "note.verb.poll", c)
	case "move":
		return i18n.N(ctx, "note.verb.move", c)
	case "report", "application":
		return staffNoteVerb(ctx, n.Kind) // flows_i18n.go
	case "quote":
		return i18n.N(ctx, "note.verb.quote", c)
	}
	return i18n.N(ctx, "note.verb.other", c)
}

// aiOption is a choice of the member's AI-training select; opts are all
// of them (the instance allows training when "yes" is among them).
func aiOption(ctx context.Context, o Option, opts []Option) string {
	switch o.Value {
	case "":
		allows := false
		for _, x := range opts {
			allows = allows || x.Value == "yes"
		}
		if allows {
			return i18n.T(ctx, "consent.ai_inherit_allowed")
		}
		return i18n.T(ctx, "consent.ai_inherit_refused")
	case "no":
		return i18n.T(ctx, "consent.ai_no")
	case "yes":
		return i18n.T(ctx, "consent.ai_yes")
	}
	return o.Label
}

// instanceAIOptions are AITrainingInstanceOptions in the reader's
// language.
func instanceAIOptions(ctx context.Context) []Option {
	out := make([]Option, 0, len(AITrainingInstanceOptions))
	for _, o := range AITrainingInstanceOptions {
		switch o.Value {
		case "":
			o.Label = i18n.T(ctx, "consent.instance_ai_no")
		case "allowed":
			o.Label = i18n.T(ctx, "consent.instance_ai_yes")
		}
		out = append(out, o)
	}
	return out
}

// categoryLabel names a report category (ReportCategories).
func categoryLabel(ctx context.Context, c string) string {
	switch c {
	case "spam":
		return i18n.T(ctx, "report.cat.spam")
	case "harassment":
		return i18n.T(ctx, "report.cat.harassment")
	case "illegal":
		return i18n.T(ctx, "report.cat.illegal")
	case "other":
		return i18n.T(ctx, "report.cat.other")
	}
	return CategoryLabel(c)
}

// registrationModes are RegistrationModes in the reader's language.
func registrationModes(ctx context.Context) []Option {
	out := make([]Option, 0, len(RegistrationModes))
	for _, o := range RegistrationModes {
		switch o.Value {
		case "open":
			o.Label = i18n.T(ctx, "admin.mode.open")
		case "approval":
			o.Label = i18n.T(ctx, "admin.mode.approval")
		case "invite":
			o.Label = i18n.T(ctx, "admin.mode.invite")
		case "closed":
			o.Label = i18n.T(ctx, "admin.mode.closed")
		}
		out = append(out, o)
	}
	return out
}

// invitePolicies are InvitePolicies in the reader's language.
func invitePolicies(ctx context.Context) []Option {
	out := make([]Option, 0, len(InvitePolicies))
	for _, o := range InvitePolicies {
		switch o.Value {
		case "members":
			o.Label = i18n.T(ctx, "admin.invites.members")
		case "admins":
			o.Label = i18n.T(ctx, "admin.invites.admins")
		}
		out = append(out, o)
	}
	return out
}

// badgeLabel is the badge for screen readers: "3 unread notifications",
// "99+ unread notifications" beyond 99.
func badgeLabel(ctx context.Context, b Badge) string {
	if b.Count > 99 {
		return i18n.T(ctx, "nav.unread_over")
	}
	return i18n.N(ctx, "nav.unread", b.Count)
}
