package social

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"majlis/markup"
	"majlis/media"
	"majlis/storage"
)

// accountWorld is a service on a fresh database with a few members.
type accountWorld struct {
	s     *Service
	db    *storage.DB
	users map[string]storage.User
}

func newAccountWorld(t testing.TB, names ...string) *accountWorld {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "majlis.db"), storage.Options{})
	if err != nil {
		t.Fatalf("storage.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("db.Close: %v", err)
		}
	})
	w := &accountWorld{s: New(db, Config{BaseURL: "https://majlis.example"}), db: db, users: map[string]storage.User{}}
	for _, name := range names {
		u := storage.User{Username: name, URI: w.s.UserURI(name), PasswordHash: "x"}
		if err := db.CreateUser(&u); err != nil {
			t.Fatalf("CreateUser(%q): %v", name, err)
		}
		w.users[name] = u
	}
	return w
}

// user is the stored account of name, as it is now.
func (w *accountWorld) user(t testing.TB, name string) storage.User {
	t.Helper()
	u, err := w.db.LocalUser(name)
	if err != nil {
		t.Fatalf("LocalUser(%q): %v", name, err)
	}
	return u
}

// post stores a post of author with the visibility.
func (w *accountWorld) post(t testing.TB, author string, vis storage.Visibility) storage.Post {
	t.Helper()
	u := w.users[author]
	id := w.db.NewID()
	p := storage.Post{ID: id, AuthorID: u.ID, URI: w.s.PostURI(author, id), Source: "words", HTML: "<p>words</p>", Visibility: vis, Local: true}
	if err := w.db.CreatePost(&p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	return p
}

// refusal is err as a refusal, failing the test when it is not one.
func refusal(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want a refusal", err)
	}
	return e
}

// goodProfile is a change that saves; cases change one field.
func goodProfile() ProfileChange {
	return ProfileChange{
		DisplayName:       "Amal",
		Bio:               "I write **Go** and poems.",
		Links:             []storage.ProfileLink{{Label: "Site", URL: "https://amal.example/"}},
		DefaultVisibility: storage.Public,
	}
}

func TestUpdateProfileRefusals(t *testing.T) {
	w := newAccountWorld(t, "amal")
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		change func(*ProfileChange)
		// field is the field the refusal names; link, the link row at
		// fault (-1 for none) and which of its parts ("label", "url").
		field      string
		link       int
		linkFields string
	}{
		{"bio too long", func(c *ProfileChange) { c.Bio = strings.Repeat("ب", 501) }, "bio", -1, ""},
		{"bio not UTF-8", func(c *ProfileChange) { c.Bio = "a\xffb" }, "bio", -1, ""},
		{"display name too long", func(c *ProfileChange) { c.DisplayName = strings.Repeat("x", 51) }, "display_name", -1, ""},
		{"display name reversed", func(c *ProfileChange) { c.DisplayName = "\u202eevil" }, "display_name", -1, ""},
		{"display name invisible", func(c *ProfileChange) { c.DisplayName = "\u200b" }, "display_name", -1, ""},
		{"javascript link", func(c *ProfileChange) { c.Links[0].URL = "javascript:alert(1)" }, "links", 0, "url"},
		{"ftp link", func(c *ProfileChange) { c.Links[0].URL = "ftp://amal.example/" }, "links", 0, "url"},
		// A link typed without its scheme gets https:// (WithScheme); one
		// that is no address at all is still refused.
		{"link that is no address", func(c *ProfileChange) { c.Links[0].URL = "amal" }, "links", 0, "url"},
		{"link with user", func(c *ProfileChange) { c.Links[0].URL = "https://bank.example@evil.example/" }, "links", 0, "url"},
		{"link with space", func(c *ProfileChange) { c.Links[0].URL = "https://amal.example/a b" }, "links", 0, "url"},
		{"link without address", func(c *ProfileChange) { c.Links[0].URL = "" }, "links", 0, "url"},
		{"link without label", func(c *ProfileChange) { c.Links[0].Label = "" }, "links", 0, "label"},
		{"label too long", func(c *ProfileChange) { c.Links[0].Label = strings.Repeat("l", 31) }, "links", 0, "label"},
		{"second link bad", func(c *ProfileChange) {
			c.Links = append(c.Links, storage.ProfileLink{}, storage.ProfileLink{Label: "Blog", URL: "data:text/html,x"})
		}, "links", 1, "url"},
		{"five links", func(c *ProfileChange) {
			c.Links = nil
			for _, s := range []string{"a", "b", "c", "d", "e"} {
				c.Links = append(c.Links, storage.ProfileLink{Label: s, URL: "https://" + s + ".example"})
			}
		}, "links", -1, ""},
		{"bad visibility", func(c *ProfileChange) { c.DefaultVisibility = "everyone" }, "visibility", -1, ""},
		{"no visibility", func(c *ProfileChange) { c.DefaultVisibility = "" }, "visibility", -1, ""},
		{"unknown language", func(c *ProfileChange) { c.Language = "xx" }, "language", -1, ""},
		{"unknown AI choice", func(c *ProfileChange) { c.AITraining = "maybe" }, "ai_training", -1, ""},
		{"AI training the instance refuses", func(c *ProfileChange) { c.AITraining = storage.AITrainingYes }, "ai_training", -1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := goodProfile()
			tt.change(&c)
			if p := w.s.CheckProfile(ctx, c); p == nil || p.Fields[tt.field] == "" {
				t.Errorf("CheckProfile: got %+v, want a problem with %s", p, tt.field)
			}
			_, err := w.s.UpdateProfile(ctx, w.users["amal"], c)
			e := refusal(t, err)
			if e.Kind != Invalid || e.Field != tt.field || e.Message == "" {
				t.Errorf("got refusal %v %q %q, want Invalid about %s with a message", e.Kind, e.Field, e.Message, tt.field)
			}
			var p *ProfileProblems
			if !errors.As(err, &p) {
				t.Fatalf("got %v, want it to list the problems", err)
			}
			if len(p.Fields) != 1 {
				t.Errorf("got problems %v, want only %s", p.Fields, tt.field)
			}
			if len(p.Links) != len(c.Clean().Links) {
				t.Errorf("got %d link problems, want one for each of the %d links", len(p.Links), len(c.Clean().Links))
			}
			for i, lp := range p.Links {
				wantLabel := i == tt.link && tt.linkFields == "label"
				wantURL := i == tt.link && tt.linkFields == "url"
				if (lp.Label != "") != wantLabel || (lp.URL != "") != wantURL {
					t.Errorf("link %d: got problems %+v, want label %v url %v", i, lp, wantLabel, wantURL)
				}
			}
			if u := w.user(t, "amal"); u.DisplayName != "" || u.Bio != "" || len(u.Links) != 0 || u.DefaultVisibility != "" {
				t.Errorf("a refused change saved something: %+v", u)
			}
		})
	}
}

func TestUpdateProfileSaves(t *testing.T) {
	w := newAccountWorld(t, "amal", "bilal")
	ctx := context.Background()
	c := ProfileChange{
		DisplayName:       "  Amal  ",
		Bio:               "Hi from **Cairo**, friend of @bilal and @nobody.\r\n\r\n<script>alert(1)</script>\n\n",
		Links:             []storage.ProfileLink{{Label: " Site ", URL: " HTTPS://amal.example/ "}, {}, {Label: "مدونة", URL: "http://blog.example/x?y=1"}},
		DefaultVisibility: storage.FollowersOnly,
		Locked:            true,
		AITraining:        storage.AITrainingNo,
		Indexable:         true,
		Bot:               true,
		Language:          "ar",
	}
	got, err := w.s.UpdateProfile(ctx, w.users["amal"], c)
	if err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	saved := w.user(t, "amal")
	if got.DisplayName != saved.DisplayName || got.BioHTML != saved.BioHTML {
		t.Errorf("got %+v returned, want the saved account %+v", got, saved)
	}
	wantLinks := []storage.ProfileLink{{Label: "Site", URL: "https://amal.example/"}, {Label: "مدونة", URL: "http://blog.example/x?y=1"}}
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"display name", saved.DisplayName, "Amal"},
		{"bio", saved.Bio, "Hi from **Cairo**, friend of @bilal and @nobody.\n\n<script>alert(1)</script>"},
		{"links", slices.Equal(saved.Links, wantLinks), true},
		{"visibility", saved.DefaultVisibility, storage.FollowersOnly},
		{"locked", saved.Locked, true},
		{"AI training", saved.AITraining, storage.AITrainingNo},
		{"indexable", saved.Indexable, true},
		{"bot", saved.Bot, true},
		{"language", saved.Language, "ar"},
		{"Markdown rendered", strings.Contains(saved.BioHTML, "<strong>Cairo</strong>"), true},
		{"mention linked", strings.Contains(saved.BioHTML, `href="/@bilal"`), true},
		{"unknown name not linked", strings.Contains(saved.BioHTML, `/@nobody`), false},
		{"script not run", strings.Contains(saved.BioHTML, "<script>"), false},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}

	// Where the instance allows AI training, a member may allow it too
	// (amal, the first account, is the admin).
	s := storage.DefaultInstanceSettings()
	s.AITrainingAllowed = true
	if err := w.db.SaveInstanceSettings(w.users["amal"].ID, s, "", time.Now()); err != nil {
		t.Fatalf("SaveInstanceSettings: %v", err)
	}
	c = goodProfile()
	c.AITraining = storage.AITrainingYes
	if _, err := w.s.UpdateProfile(ctx, w.users["amal"], c); err != nil {
		t.Fatalf("AI training allowed by the instance: %v", err)
	}
	if got := w.user(t, "amal").AITraining; got != storage.AITrainingYes {
		t.Errorf("AI training: got %q, want yes", got)
	}

	// Clearing every field empties the profile.
	if _, err := w.s.UpdateProfile(ctx, w.users["amal"], ProfileChange{DefaultVisibility: storage.Public}); err != nil {
		t.Fatalf("clear: %v", err)
	}
	if u := w.user(t, "amal"); u.DisplayName != "" || u.Bio != "" || u.BioHTML != "" || len(u.Links) != 0 || u.Locked {
		t.Errorf("got %+v after clearing, want an empty profile", u)
	}
}

func TestCheckLinkURL(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ raw, want string }{
		{"https://amal.example/", "https://amal.example/"},
		{"HTTP://A.example", "http://A.example"},
		{"https://[::1]:8080/", "https://[::1]:8080/"},
		{"javascript:alert(1)", ""},
		{"JaVaScRiPt:alert(1)", ""},
		{"ftp://a.example", ""},
		{"a.example", ""},
		{"//a.example", ""},
		{"https://", ""},
		{"https:a.example", ""},
		{"https://u:p@a.example", ""},
		{"https://a.example/a b", ""},
		{"https://a.example/\u202e", ""},
		{"https://a.example/%zz", ""},
		{"https://a.example/" + strings.Repeat("x", MaxLinkURL), ""},
		{"", ""},
	} {
		got, problem := CheckLinkURL(ctx, tt.raw)
		if got != tt.want || (problem == "") != (tt.want != "") {
			t.Errorf("CheckLinkURL(%q) = %q, %q; want %q", tt.raw, got, problem, tt.want)
		}
	}
}

// FuzzProfileChange: a change without problems gives an update within
// every limit, and one with problems names them.
func FuzzProfileChange(f *testing.F) {
	f.Add("Amal", "I write **Go**.", "Site", "https://amal.example/", "public", 1)
	f.Add("", "", "", "", "direct", 0)
	f.Add("\u202eevil", strings.Repeat("x", 501), strings.Repeat("l", 31), "javascript:alert(1)", "everyone", 5)
	f.Fuzz(func(t *testing.T, name, bio, label, link, vis string, rows int) {
		c := ProfileChange{DisplayName: name, Bio: bio, DefaultVisibility: storage.Visibility(vis)}
		for range rows % 8 {
			c.Links = append(c.Links, storage.ProfileLink{Label: label, URL: link})
		}
		up, p := checkProfile(context.Background(), c.Clean(), false)
		if p != nil {
			if len(p.Fields) == 0 {
				t.Errorf("got problems without a field")
			}
			return
		}
		if len(up.Links) > MaxProfileLinks {
			t.Errorf("accepted %d links", len(up.Links))
		}
		for _, l := range up.Links {
			if l.Label == "" || utf8.RuneCountInString(l.Label) > MaxLinkLabel {
				t.Errorf("accepted label %q", l.Label)
			}
			if again, msg := CheckLinkURL(context.Background(), l.URL); msg != "" || again != l.URL {
				t.Errorf("accepted link %q", l.URL)
			}
			if u, err := url.Parse(l.URL); err != nil || u.User != nil {
				t.Errorf("accepted link %q", l.URL)
			}
		}
		if markup.Length(up.Bio) > MaxBioChars || !utf8.ValidString(up.Bio) {
			t.Errorf("accepted a bio of %d characters", markup.Length(up.Bio))
		}
		if !up.DefaultVisibility.Valid() {
			t.Errorf("accepted visibility %q", up.DefaultVisibility)
		}
		if DisplayNameProblem(context.Background(), up.DisplayName) != "" {
			t.Errorf("accepted display name %q", up.DisplayName)
		}
	})
}

// squarePNG is a small picture to upload.
func squarePNG(t *testing.T, side int) media.Image {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := range side {
		m.Set(i, i, color.RGBA{R: uint8(i), G: 80, B: 160, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	img, err := media.Avatar(&b, media.Limits{})
	if err != nil {
		t.Fatalf("media.Avatar: %v", err)
	}
	return img
}

func TestProfileImages(t *testing.T) {
	w := newAccountWorld(t, "amal")
	ctx := context.Background()
	img := squarePNG(t, 64)
	for _, tt := range []struct {
		name string
		slot storage.ProfileSlot
		// set is whether the picture is set (else removed).
		set bool
		// want is what the account shows afterwards: avatar, header.
		avatar, header bool
		// refused is the kind of the refusal, 0 for none.
		refused Kind
	}{
		{"set avatar", storage.AvatarSlot, true, true, false, 0},
		{"set header", storage.HeaderSlot, true, true, true, 0},
		{"remove avatar", storage.AvatarSlot, false, false, true, 0},
		{"unknown slot", storage.ProfileSlot('z'), true, false, true, Invalid},
		{"remove unknown slot", storage.ProfileSlot('z'), false, false, true, Invalid},
		{"remove header", storage.HeaderSlot, false, false, false, 0},
		{"remove header again", storage.HeaderSlot, false, false, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.set {
				_, err = w.s.SetProfileImage(ctx, w.users["amal"], tt.slot, img)
			} else {
				_, err = w.s.RemoveProfileImage(ctx, w.users["amal"], tt.slot)
			}
			if tt.refused != 0 {
				if e := refusal(t, err); e.Kind != tt.refused || e.Field != "slot" {
					t.Errorf("got refusal %v about %q, want %v about slot", e.Kind, e.Field, tt.refused)
				}
			} else if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			u := w.user(t, "amal")
			if got := !u.Avatar.IsZero(); got != tt.avatar {
				t.Errorf("avatar shown: got %v, want %v", got, tt.avatar)
			}
			if got := !u.Header.IsZero(); got != tt.header {
				t.Errorf("header shown: got %v, want %v", got, tt.header)
			}
		})
	}
}

func TestReport(t *testing.T) {
	w := newAccountWorld(t, "amal", "bilal", "chadi")
	ctx := context.Background()
	public := w.post(t, "chadi", storage.Public)
	private := w.post(t, "chadi", storage.FollowersOnly)
	others := w.post(t, "amal", storage.Public)
	chadi := w.users["chadi"].ID
	for _, tt := range []struct {
		name  string
		draft ReportDraft
		// kind and field of the refusal; 0 when the report is filed.
		kind  Kind
		field string
	}{
		{"no category", ReportDraft{TargetID: chadi, Comment: "bad"}, Invalid, "category"},
		{"unknown category", ReportDraft{TargetID: chadi, Category: "rude"}, Invalid, "category"},
		{"comment too long", ReportDraft{TargetID: chadi, Category: storage.ReportSpam, Comment: strings.Repeat("x", 1001)}, Invalid, "comment"},
		{"comment not UTF-8", ReportDraft{TargetID: chadi, Category: storage.ReportSpam, Comment: "a\xffb"}, Invalid, "comment"},
		{"oneself", ReportDraft{TargetID: w.users["bilal"].ID, Category: storage.ReportSpam}, Invalid, ""},
		{"a post not shown to the reporter", ReportDraft{TargetID: chadi, PostID: private.ID, Category: storage.ReportSpam}, NotFound, ""},
		{"a post by someone else", ReportDraft{TargetID: chadi, PostID: others.ID, Category: storage.ReportSpam}, NotFound, ""},
		{"a post that does not exist", ReportDraft{TargetID: chadi, PostID: w.db.NewID(), Category: storage.ReportSpam}, NotFound, ""},
		{"a post", ReportDraft{TargetID: chadi, PostID: public.ID, Category: storage.ReportSpam, Comment: "  selling\r\nthings  "}, 0, ""},
		{"the same post again", ReportDraft{TargetID: chadi, PostID: public.ID, Category: storage.ReportSpam}, Conflict, ""},
		{"the account", ReportDraft{TargetID: chadi, Category: storage.ReportHarassment}, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, err := w.db.ReportsBy(w.users["bilal"].ID, storage.Page{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := w.s.Report(ctx, w.users["bilal"], tt.draft)
			after, aerr := w.db.ReportsBy(w.users["bilal"].ID, storage.Page{Limit: 50})
			if aerr != nil {
				t.Fatal(aerr)
			}
			if tt.kind != 0 {
				e := refusal(t, err)
				if e.Kind != tt.kind || e.Field != tt.field || e.Message == "" {
					t.Errorf("got refusal %v about %q (%q), want %v about %q", e.Kind, e.Field, e.Message, tt.kind, tt.field)
				}
				var problems ReportProblems
				if tt.field != "" && !errors.As(err, &problems) {
					t.Errorf("got %v, want it to list the problems", err)
				}
				if len(after.Reports) != len(before.Reports) {
					t.Errorf("a refused report was filed")
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want the report filed", err)
			}
			if len(after.Reports) != len(before.Reports)+1 {
				t.Fatalf("got %d reports, want %d", len(after.Reports), len(before.Reports)+1)
			}
			got := after.Reports[0]
			if got.ID != rep.ID || got.TargetID != chadi || got.PostID != tt.draft.PostID || got.Category != tt.draft.Category ||
				got.Comment != strings.TrimSpace(strings.ReplaceAll(tt.draft.Comment, "\r\n", "\n")) || got.Status != storage.ReportOpen {
				t.Errorf("got report %+v, want the draft %+v filed open", got.Report, tt.draft)
			}
			if got.Snapshot.Username != "chadi" {
				t.Errorf("got a snapshot of %q, want chadi", got.Snapshot.Username)
			}
		})
	}
}

func TestReportSubject(t *testing.T) {
	w := newAccountWorld(t, "bilal", "chadi")
	ctx := context.Background()
	public := w.post(t, "chadi", storage.Public)
	private := w.post(t, "chadi", storage.FollowersOnly)
	bilal, chadi := w.users["bilal"], w.users["chadi"]
	for _, tt := range []struct {
		name     string
		target   storage.User
		post     storage.ID
		kind     Kind
		wantPost bool
	}{
		{"an account", chadi, 0, 0, false},
		{"a public post", chadi, public.ID, 0, true},
		{"a followers-only post", chadi, private.ID, NotFound, false},
		{"oneself", bilal, 0, Invalid, false},
		{"a post under the wrong account", bilal, public.ID, Invalid, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := w.s.ReportSubject(ctx, bilal, tt.target, tt.post)
			if got := KindOf(err); got != tt.kind {
				t.Fatalf("got %v (kind %v), want kind %v", err, got, tt.kind)
			}
			if (sub.Post != nil) != tt.wantPost {
				t.Errorf("got post %v, want one %v", sub.Post != nil, tt.wantPost)
			}
		})
	}
	// Once bilal follows chadi, the followers-only post can be reported.
	if _, err := w.db.Follow(bilal.ID, chadi.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.ReportSubject(ctx, bilal, chadi, private.ID); err != nil {
		t.Errorf("a follower reports a followers-only post: got %v", err)
	}
}

func TestDeleteAccount(t *testing.T) {
	w := newAccountWorld(t, "amal", "bilal")
	ctx := context.Background()
	p := w.post(t, "amal", storage.Public)
	if _, err := w.db.Follow(w.users["bilal"].ID, w.users["amal"].ID); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		actor storage.User
		kind  Kind
	}{
		{"a remote account", storage.User{ID: w.users["bilal"].ID, Username: "bilal", Domain: "elsewhere.example"}, Forbidden},
		{"one's own account", w.users["amal"], 0},
		{"again", w.users["amal"], NotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done, err := w.s.DeleteAccount(ctx, tt.actor)
			if tt.kind == NotFound {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("got %v, want not found", err)
				}
				return
			}
			if got := KindOf(err); got != tt.kind {
				t.Fatalf("got %v (kind %v), want kind %v", err, got, tt.kind)
			}
			if tt.kind != 0 {
				return
			}
			if done.CompactErr != nil {
				t.Errorf("compaction: %v", done.CompactErr)
			}
			if _, err := w.db.LocalUser("amal"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("the account: got %v, want it gone", err)
			}
			if _, err := w.db.Post(0, p.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("its post: got %v, want it gone", err)
			}
			if got := w.user(t, "bilal").FollowingCount; got != 0 {
				t.Errorf("bilal follows %d accounts, want 0", got)
			}
			again := storage.User{Username: "amal", URI: w.s.UserURI("amal"), PasswordHash: "x"}
			if err := w.db.CreateUser(&again); !errors.Is(err, storage.ErrExists) {
				t.Errorf("taking the name again: got %v, want it reserved", err)
			}
		})
	}
	if _, err := w.db.LocalUser("bilal"); err != nil {
		t.Errorf("the remote actor's refusal deleted bilal: %v", err)
	}
}
