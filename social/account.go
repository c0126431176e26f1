package social

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"majlis/admin"
	"majlis/i18n"
	"majlis/markup"
	"majlis/media"
	"majlis/storage"
)

// The account actions: changing the profile and its pictures, reporting
// an account or a post, and deleting one's own account.

const (
	// MaxBioChars is the longest bio source, in Unicode characters.
	MaxBioChars = 500
	// MaxProfileLinks is how many links a profile shows.
	MaxProfileLinks = 4
	// MaxLinkLabel is the longest label of a profile link, in characters.
	MaxLinkLabel = 30
	// MaxLinkURL is the longest address of a profile link, in bytes.
	MaxLinkURL = 500
)

// ProfileChange is a member's profile as they want it, every field at
// once (what is left out is cleared).
type ProfileChange struct {
	// DisplayName is shown instead of the username; "" shows the username.
	DisplayName string
	// Bio is Markdown; @names of local accounts become links.
	Bio string
	// Links are the profile's links, label and address as typed; rows
	// with neither are left out.
	Links []storage.ProfileLink
	// DefaultVisibility is preselected in the compose box.
	DefaultVisibility storage.Visibility
	// Locked accounts approve each follower; unlocking accepts every
	// pending request.
	Locked bool
	// AITraining is storage.AITrainingInherit, No or Yes (Yes only where
	// the instance allows training).
	AITraining string
	// Indexable, Bot, HideBots, NoBotContact: see storage.User.
	Indexable, Bot, HideBots, NoBotContact bool
	// Language is the interface language, "" for automatic.
	Language string
}

// Clean is the change as UpdateProfile reads it: the display name, link
// labels and addresses without the white space around them, the bio with
// Unix line ends and no trailing white space, and the empty link rows left
// out. A form shows these values again when the change is refused.
func (c ProfileChange) Clean() ProfileChange {
	c.DisplayName = strings.TrimSpace(c.DisplayName)
	c.Bio = strings.TrimRightFunc(strings.ReplaceAll(c.Bio, "\r\n", "\n"), unicode.IsSpace)
	var links []storage.ProfileLink
	for _, l := range c.Links {
		l.Label, l.URL = strings.TrimSpace(l.Label), strings.TrimSpace(l.URL)
		if l.Label == "" && l.URL == "" {
			continue
		}
		links = append(links, l)
	}
	c.Links = links
	return c
}

// ProfileProblems are all the problems of a refused profile change, so a
// form can show each beside its field. UpdateProfile's refusal wraps it
// (errors.As).
type ProfileProblems struct {
	// Fields maps a field ("display_name", "bio", "links", "visibility",
	// "language", "ai_training") to what is wrong with it.
	Fields map[string]string
	// Links has one entry for each link of the cleaned change, in order.
	Links []LinkProblem
}

// LinkProblem is what is wrong with one profile link ("" for nothing).
type LinkProblem struct{ Label, URL string }

// profileFieldOrder is the order in which a refusal names the fields.
var profileFieldOrder = []string{"display_name", "bio", "links", "visibility", "language", "ai_training"}

func (p *ProfileProblems) Error() string {
	var msgs []string
	for _, f := range profileFieldOrder {
		if m := p.Fields[f]; m != "" {
			msgs = append(msgs, f+": "+m)
		}
	}
	return strings.Join(msgs, "; ")
}

// refusal is p as the refusal of an action: the first field at fault
// names it.
func (p *ProfileProblems) refusal() *Error {
	e := &Error{Kind: Invalid, Err: p}
	for _, f := range profileFieldOrder {
		if m := p.Fields[f]; m != "" {
			e.Field, e.Message = f, m
			break
		}
	}
	return e
}

// CheckProfile is every problem of c as UpdateProfile would find it, nil
// when there is none. Nothing is saved.
func (s *Service) CheckProfile(ctx context.Context, c ProfileChange) *ProfileProblems {
	_, p := checkProfile(ctx, c.Clean(), s.aiTrainingAllowed())
	return p
}

// UpdateProfile saves actor's profile in one transaction: the fields are
// checked (a refusal wraps *ProfileProblems, and nothing is saved), the
// bio rendered with its mentions linked, and the links saved in their
// canonical form.
func (s *Service) UpdateProfile(ctx context.Context, actor storage.User, c ProfileChange) (storage.User, error) {
	up, p := checkProfile(ctx, c.Clean(), s.aiTrainingAllowed())
	if p != nil {
		return storage.User{}, p.refusal()
	}
	res, err := markup.RenderPost(up.Bio, markup.Options{Mention: s.bioMention})
	if err != nil {
		return storage.User{}, err
	}
	up.BioHTML = res.HTML
	u, err := s.db.UpdateProfile(actor.ID, up, profileActivity(actor))
	if errors.Is(err, storage.ErrInvalid) {
		e := refuse(ctx, Invalid, "visibility", "form.visibility_invalid")
		e.Err = err
		return storage.User{}, e
	}
	if err == nil && len(u.Links) > 0 && u.LinksCheckedAt.IsZero() && s.cfg.LinksChanged != nil {
		s.cfg.LinksChanged(u.ID)
	}
	return u, err
}

// aiTrainingAllowed is the instance's AI-training policy; false (the
// strictest) when it cannot be read.
func (s *Service) aiTrainingAllowed() bool {
	st, _, err := s.db.InstanceSummary()
	return err == nil && st.AITrainingAllowed
}

// bioMention links an @name of a bio to the local account of that name.
func (s *Service) bioMention(name string) (string, string, bool) {
	if !admin.ValidUsername(name) {
		return "", "", false
	}
	u, err := s.db.LocalUser(name)
	if err != nil {
		return "", "", false
	}
	return "/@" + u.Username, u.Username, true
}

// checkProfile checks a cleaned change against every rule, returning the
// update to save (BioHTML still to render) or the problems.
func checkProfile(ctx context.Context, c ProfileChange, aiAllowed bool) (storage.ProfileUpdate, *ProfileProblems) {
	p := &ProfileProblems{Fields: map[string]string{}}
	up := storage.ProfileUpdate{
		DisplayName: c.DisplayName, Bio: c.Bio, Language: c.Language,
		DefaultVisibility: c.DefaultVisibility, Locked: c.Locked,
		AITraining: c.AITraining, Indexable: c.Indexable, Bot: c.Bot, HideBots: c.HideBots, NoBotContact: c.NoBotContact,
	}
	if c.Language != "" && !storage.ValidLanguage(c.Language) {
		p.Fields["language"] = i18n.T(ctx, "form.language_invalid")
	}
	if m := DisplayNameProblem(ctx, c.DisplayName); m != "" {
		p.Fields["display_name"] = m
	}
	switch n := markup.Length(c.Bio); {
	case !utf8.ValidString(c.Bio):
		p.Fields["bio"] = i18n.T(ctx, "form.bio_invalid")
	case n > MaxBioChars:
		p.Fields["bio"] = i18n.N(ctx, "form.bio_too_long", n, "limit", MaxBioChars)
	}

	for _, l := range c.Links {
		var lp LinkProblem
		lp.Label = linkLabelProblem(ctx, l.Label)
		l.URL, lp.URL = CheckLinkURL(ctx, WithScheme(l.URL))
		if lp.Label != "" || lp.URL != "" {
			p.Fields["links"] = i18n.T(ctx, "form.correct_links")
		}
		p.Links = append(p.Links, lp)
		up.Links = append(up.Links, l)
	}
	if len(c.Links) > MaxProfileLinks {
		p.Fields["links"] = i18n.N(ctx, "form.too_many_links", MaxProfileLinks, "entered", len(c.Links))
	}

	if !c.DefaultVisibility.Valid() {
		p.Fields["visibility"] = i18n.T(ctx, "form.visibility_invalid")
	}
	switch {
	case !storage.ValidAITraining(c.AITraining):
		p.Fields["ai_training"] = i18n.T(ctx, "form.choose_listed_choice")
	case c.AITraining == storage.AITrainingYes && !aiAllowed:
		p.Fields["ai_training"] = i18n.T(ctx, "form.ai_training_not_allowed")
	}
	if len(p.Fields) > 0 {
		return storage.ProfileUpdate{}, p
	}
	return up, nil
}

// DisplayNameProblem is what is wrong with a display name (already
// trimmed), in the language of ctx, "" for nothing: the rule of the
// profile, of sign-up and of the command line (admin.DisplayNameProblem).
func DisplayNameProblem(ctx context.Context, name string) string {
	switch admin.DisplayNameProblem(name) {
	case admin.NameUnshowable:
		return i18n.T(ctx, "form.display_name_invalid")
	case admin.NameTooLong:
		return i18n.N(ctx, "form.at_most_chars", admin.MaxDisplayName)
	}
	return ""
}

func linkLabelProblem(ctx context.Context, label string) string {
	switch {
	case label == "":
		return i18n.T(ctx, "form.link_label_required")
	case !utf8.ValidString(label) || strings.ContainsFunc(label, admin.IsControl):
		return i18n.T(ctx, "form.link_label_invalid")
	case utf8.RuneCountInString(label) > MaxLinkLabel:
		return i18n.N(ctx, "form.at_most_chars", MaxLinkLabel)
	}
	return ""
}

// CheckLinkURL accepts an absolute http or https address with a host and
// no user name or password (which could disguise the host), returning it
// in its canonical form; or else "" and what is wrong with it, in the
// language of ctx.
func CheckLinkURL(ctx context.Context, raw string) (canonical, problem string) {
	if raw == "" {
		return "", i18n.T(ctx, "form.url_required")
	}
	if len(raw) > MaxLinkURL {
		return "", i18n.T(ctx, "form.url_too_long")
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || admin.IsControl(r) }) {
		return "", i18n.T(ctx, "form.url_spaces")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", i18n.T(ctx, "form.url_invalid")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "":
		return "", i18n.T(ctx, "form.url_no_scheme")
	case scheme != "http" && scheme != "https":
		return "", i18n.T(ctx, "form.url_bad_scheme")
	case u.Opaque != "" || u.Hostname() == "":
		return "", i18n.T(ctx, "form.url_no_host")
	case u.User != nil:
		return "", i18n.T(ctx, "form.url_userinfo")
	}
	u.Scheme = scheme
	return u.String(), ""
}

// SetProfileImage shows img (made by media.Avatar or media.Header for
// that slot) as actor's avatar or header. The picture it replaces goes
// when nothing else uses its files.
func (s *Service) SetProfileImage(ctx context.Context, actor storage.User, slot storage.ProfileSlot, img media.Image) (storage.User, error) {
	if err := checkProfileSlot(ctx, slot); err != nil {
		return storage.User{}, err
	}
	return s.db.SetProfileImage(actor.ID, slot, profileFile(img.Display), profileFile(img.Thumb), profileActivity(actor))
}

// RemoveProfileImage takes actor's avatar or header off the profile (the
// generated avatar shows again).
func (s *Service) RemoveProfileImage(ctx context.Context, actor storage.User, slot storage.ProfileSlot) (storage.User, error) {
	if err := checkProfileSlot(ctx, slot); err != nil {
		return storage.User{}, err
	}
	return s.db.RemoveProfileImage(actor.ID, slot, profileActivity(actor))
}

func checkProfileSlot(ctx context.Context, slot storage.ProfileSlot) error {
	if slot != storage.AvatarSlot && slot != storage.HeaderSlot {
		e := refuse(ctx, Invalid, "slot", "error.invalid")
		e.Err = fmt.Errorf("profile slot %q: %w", slot, storage.ErrInvalid)
		return e
	}
	return nil
}

func profileFile(v media.Variant) storage.File {
	return storage.File{Data: v.Data, ContentType: v.ContentType, Width: v.Width, Height: v.Height}
}

// ReportDraft is a member's report: an account, or one of its posts, and
// what is wrong with it.
type ReportDraft struct {
	// TargetID is the account reported.
	TargetID storage.ID
	// PostID is the post reported, 0 for the account as a whole.
	PostID   storage.ID
	Category storage.ReportCategory
	// Comment is for the moderators, up to storage.MaxReportComment
	// characters.
	Comment string
}

// Clean is the draft as Report reads it: the comment with Unix line ends
// and no white space around it.
func (d ReportDraft) Clean() ReportDraft {
	d.Comment = strings.TrimSpace(strings.ReplaceAll(d.Comment, "\r\n", "\n"))
	return d
}

// ReportProblems maps each field of a refused report ("category",
// "comment") to what is wrong with it. Report's refusal wraps it
// (errors.As).
type ReportProblems map[string]string

func (p ReportProblems) Error() string {
	var msgs []string
	for _, f := range []string{"category", "comment"} {
		if m := p[f]; m != "" {
			msgs = append(msgs, f+": "+m)
		}
	}
	return strings.Join(msgs, "; ")
}

// ReportSubject is what a report is about, as the reporter may see it.
type ReportSubject struct {
	User storage.User
	// Post is the post reported, nil for the account.
	Post *storage.Entry
}

// ReportSubject checks that reporter may report target, or its post
// postID (0 for none): nobody reports themselves (Invalid), and a post
// must be by target and one the reporter may see (NotFound otherwise).
func (s *Service) ReportSubject(ctx context.Context, reporter, target storage.User, postID storage.ID) (ReportSubject, error) {
	post, err := s.reportSubject(ctx, reporter.ID, target.ID, postID)
	return ReportSubject{User: target, Post: post}, err
}

func (s *Service) reportSubject(ctx context.Context, reporterID, targetID, postID storage.ID) (*storage.Entry, error) {
	if targetID == reporterID {
		return nil, refuse(ctx, Invalid, "", "error.report_self")
	}
	if postID == 0 {
		return nil, nil
	}
	e, err := s.db.Post(reporterID, postID)
	if err != nil || e.Author.ID != targetID {
		return nil, refuse(ctx, NotFound, "", "error.no_post")
	}
	return &e, nil
}

// Report files d for the moderators, with a copy of the account (and
// post) as they are now, in one transaction. A refusal of its fields
// wraps ReportProblems; an open report of the same account and post by
// the same member is a Conflict.
func (s *Service) Report(ctx context.Context, reporter storage.User, d ReportDraft) (storage.Report, error) {
	d = d.Clean()
	if _, err := s.reportSubject(ctx, reporter.ID, d.TargetID, d.PostID); err != nil {
		return storage.Report{}, err
	}
	target, err := s.db.UserByID(d.TargetID)
	if err != nil {
		return storage.Report{}, err
	}
	p := ReportProblems{}
	if !d.Category.Valid() {
		p["category"] = i18n.T(ctx, "form.report_category_required")
	}
	switch n := utf8.RuneCountInString(d.Comment); {
	case !utf8.ValidString(d.Comment):
		p["comment"] = i18n.T(ctx, "form.comment_invalid")
	case n > storage.MaxReportComment:
		p["comment"] = i18n.N(ctx, "form.at_most_chars_wrote", storage.MaxReportComment, "wrote", n)
	}
	if len(p) > 0 {
		e := &Error{Kind: Invalid, Err: p}
		for _, f := range []string{"category", "comment"} {
			if m := p[f]; m != "" {
				e.Field, e.Message = f, m
				break
			}
		}
		return storage.Report{}, e
	}
	rep := storage.Report{
		ReporterID: reporter.ID,
		TargetID:   d.TargetID,
		PostID:     d.PostID,
		Category:   d.Category,
		Comment:    d.Comment,
		CreatedAt:  s.cfg.Now(),
	}
	// Reported to the account's own server too when it lives on another
	// (storage queues the Flag only then), as the instance.
	if err := s.db.CreateReport(&rep, flagActivity(target, d.PostID)); err != nil {
		if errors.Is(err, storage.ErrExists) {
			e := refuse(ctx, Conflict, "", "form.report_exists")
			e.Err = err
			return storage.Report{}, e
		}
		return storage.Report{}, err
	}
	return rep, nil
}

// AccountDeleted is how the deletion of an account went after the
// account itself was gone.
type AccountDeleted struct {
	// Compacted is how long rewriting the database file took.
	Compacted time.Duration
	// CompactErr is why the file could not be rewritten: the account is
	// gone, but its bytes may remain in the file's free pages.
	CompactErr error
}

// DeleteAccount deletes actor's own local account for good, with
// everything it made, in one transaction, keeping its name reserved so
// nobody can pass for it; then it rewrites the database file so the
// deleted bytes (posts, password hash) do not stay in its free pages,
// which pauses every other request while it runs. The front door checks
// the member's password first.
func (s *Service) DeleteAccount(ctx context.Context, actor storage.User) (AccountDeleted, error) {
	if actor.Domain != "" {
		return AccountDeleted{}, refuse(ctx, Forbidden, "", "error.forbidden")
	}
	if err := s.db.DeleteUser(actor.ID, true, accountDeleteActivity(actor)); err != nil {
		return AccountDeleted{}, err
	}
	var d AccountDeleted
	d.Compacted, d.CompactErr = s.db.Compact()
	return d, nil
}
