package social

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"majlis/admin"
	"majlis/i18n"
	"majlis/storage"
)

// postsWorld is a database in t.TempDir() with the actions on it and a
// fixed clock.
type postsWorld struct {
	t   testing.TB
	db  *storage.DB
	s   *Service
	now time.Time
}

func newPostsWorld(t testing.TB) *postsWorld {
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
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return &postsWorld{t: t, db: db, now: now, s: New(db, Config{BaseURL: "http://majlis.test/", Now: func() time.Time { return now }})}
}

// user stores a local account; edit sets its choices first.
func (w *postsWorld) user(name string, edit ...func(*storage.User)) storage.User {
	w.t.Helper()
	u := storage.User{Username: name, URI: w.s.UserURI(name)}
	for _, f := range edit {
		f(&u)
	}
	if err := w.db.CreateUser(&u); err != nil {
		w.t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// publish publishes d by author, failing the test on a refusal.
func (w *postsWorld) publish(author storage.User, d Draft) storage.Entry {
	w.t.Helper()
	e, err := w.s.Publish(context.Background(), author, d)
	if err != nil {
		w.t.Fatalf("Publish(%q) by %s: %v", d.Body, author.Username, err)
	}
	return e
}

func (w *postsWorld) block(blocker, blocked storage.User) {
	w.t.Helper()
	if err := w.db.Block(blocker.ID, blocked.ID); err != nil {
		w.t.Fatalf("Block: %v", err)
	}
}

func (w *postsWorld) upload(owner storage.User, data string) storage.Attachment {
	w.t.Helper()
	f := storage.File{Data: []byte(data), ContentType: "image/png", Width: 4, Height: 3}
	a, err := w.db.PutUpload(owner.ID, f, f, false)
	if err != nil {
		w.t.Fatalf("PutUpload: %v", err)
	}
	return a
}

// checkRefusal checks err is a refusal of kind on field saying want.
func checkRefusal(t *testing.T, err error, kind Kind, field, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want a refusal (%d, %q, %q)", err, kind, field, want)
	}
	if e.Kind != kind || e.Field != field || e.Message != want {
		t.Errorf("got refusal (%d, %q, %q), want (%d, %q, %q)", e.Kind, e.Field, e.Message, kind, field, want)
	}
}

func TestPublishRefusals(t *testing.T) {
	en := context.Background()
	tr := func(key string, args ...any) string { return i18n.T(en, key, args...) }
	for _, tt := range []struct {
		name string
		// draft builds the draft of author in w.
		draft       func(w *postsWorld, author storage.User) Draft
		bot         bool
		kind        Kind
		field, want string
	}{
		{name: "empty", draft: func(*postsWorld, storage.User) Draft { return Draft{} },
			kind: Invalid, field: "body", want: tr("form.post_empty")},
		{name: "blank", draft: func(*postsWorld, storage.User) Draft { return Draft{Body: " \r\n\t"} },
			kind: Invalid, field: "body", want: tr("form.post_empty")},
		{name: "too long", draft: func(*postsWorld, storage.User) Draft {
			return Draft{Body: strings.Repeat("a", storage.DefaultPostChars+1)}
		},
			kind: Invalid, field: "body", want: i18n.N(en, "form.post_too_long", storage.DefaultPostChars+1, "limit", storage.DefaultPostChars)},
		{name: "renders to nothing", draft: func(*postsWorld, storage.User) Draft { return Draft{Body: "[x]: https://example.com"} },
			kind: Invalid, field: "body", want: tr("form.post_empty")},
		{name: "body before warning", draft: func(*postsWorld, storage.User) Draft { return Draft{Warning: "\u202e"} },
			kind: Invalid, field: "body", want: tr("form.post_empty")},
		{name: "warning too long", draft: func(*postsWorld, storage.User) Draft {
			return Draft{Body: "hi", Warning: strings.Repeat("w", storage.MaxWarningChars+1)}
		}, kind: Invalid, field: "cw", want: i18n.N(en, "form.cw_too_long", storage.MaxWarningChars+1, "limit", storage.MaxWarningChars)},
		{name: "warning unshowable", draft: func(*postsWorld, storage.User) Draft { return Draft{Body: "hi", Warning: "a\u202eb"} },
			kind: Invalid, field: "cw", want: tr("form.cw_invalid")},
		{name: "unknown visibility", draft: func(*postsWorld, storage.User) Draft { return Draft{Body: "hi", Visibility: "everyone"} },
			kind: Invalid, field: "visibility", want: tr("form.visibility_required")},
		{name: "reply wider than its parent", draft: func(w *postsWorld, me storage.User) Draft {
			p := w.publish(me, Draft{Body: "for followers", Visibility: "followers"})
			return Draft{Body: "hi", Visibility: "public", InReplyTo: p.Post.ID}
		}, kind: Invalid, field: "visibility", want: tr("form.reply_too_wide", "visibility", strings.ToLower(tr("label.visibility.followers")))},
		{name: "reply to a deleted post", draft: func(w *postsWorld, me storage.User) Draft {
			p := w.publish(me, Draft{Body: "soon gone"})
			if err := w.s.Delete(context.Background(), me, p.Post.ID); err != nil {
				w.t.Fatal(err)
			}
			return Draft{Body: "hi", InReplyTo: p.Post.ID}
		}, kind: NotFound, field: "in_reply_to", want: tr("error.reply_to_gone")},
		{name: "mention of an account blocked", draft: func(w *postsWorld, me storage.User) Draft {
			w.block(me, w.user("carim"))
			return Draft{Body: "hi @carim"}
		}, kind: Forbidden, want: tr("form.mention_blocking", "name", "carim")},
		{name: "mention of an account that blocks", draft: func(w *postsWorld, me storage.User) Draft {
			w.block(w.user("carim"), me)
			return Draft{Body: "hi @Carim"}
		}, kind: Forbidden, want: tr("form.mention_blocked", "name", "carim")},
		{name: "reply across a block", draft: func(w *postsWorld, me storage.User) Draft {
			carim := w.user("carim")
			p := w.publish(carim, Draft{Body: "hello"})
			w.block(me, carim)
			return Draft{Body: "hi", InReplyTo: p.Post.ID}
		}, kind: NotFound, field: "in_reply_to", want: tr("error.reply_to_gone")},
		{name: "bot mentions who refuses bots", bot: true, draft: func(w *postsWorld, me storage.User) Draft {
			w.user("carim", func(u *storage.User) { u.NoBotContact = true })
			return Draft{Body: "beep @carim"}
		}, kind: Forbidden, want: tr("form.no_bot_contact", "name", "carim")},
		{name: "bot answers who refuses bots", bot: true, draft: func(w *postsWorld, me storage.User) Draft {
			carim := w.user("carim", func(u *storage.User) { u.NoBotContact = true })
			p := w.publish(carim, Draft{Body: "hello"})
			return Draft{Body: "beep", InReplyTo: p.Post.ID}
		}, kind: Forbidden, want: tr("form.no_bot_contact", "name", "carim")},
		{name: "image published already", draft: func(w *postsWorld, me storage.User) Draft {
			a := w.upload(me, "png bytes")
			w.publish(me, Draft{Body: "first click", Attachments: []storage.Attachment{a}})
			return Draft{Body: "second click", Attachments: []storage.Attachment{a}}
		}, kind: Invalid, field: "images", want: tr("form.images_gone")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newPostsWorld(t)
			amal := w.user("amal", func(u *storage.User) { u.Bot = tt.bot })
			d := tt.draft(w, amal)
			before := w.postsBy(amal)
			_, err := w.s.Publish(en, amal, d)
			checkRefusal(t, err, tt.kind, tt.field, tt.want)
			if got := w.postsBy(amal); got != before {
				t.Errorf("got %d posts by amal after the refusal, want %d", got, before)
			}
		})
	}
}

// postsBy is the number of posts author has.
func (w *postsWorld) postsBy(author storage.User) int {
	w.t.Helper()
	tl, err := w.db.AuthorTimeline(author.ID, author.ID, true, storage.Page{Limit: 100})
	if err != nil {
		w.t.Fatalf("AuthorTimeline: %v", err)
	}
	return len(tl.Entries)
}

func TestPublishArabic(t *testing.T) {
	w := newPostsWorld(t)
	amal := w.user("amal")
	ar := i18n.WithLang(context.Background(), i18n.Arabic)
	_, err := w.s.Publish(ar, amal, Draft{Body: "  "})
	want := i18n.T(ar, "form.post_empty")
	if want == i18n.T(context.Background(), "form.post_empty") {
		t.Fatalf("form.post_empty has no Arabic text")
	}
	checkRefusal(t, err, Invalid, "body", want)
}

func TestPublishRecords(t *testing.T) {
	for _, tt := range []struct {
		name string
		// draft builds the draft of amal (whose default audience is
		// followers only) in w, given bilal.
		draft func(w *postsWorld, amal, bilal storage.User) Draft
		// check checks the post written.
		check func(t *testing.T, w *postsWorld, p storage.Post, amal, bilal storage.User)
	}{
		{name: "post", draft: func(w *postsWorld, amal, bilal storage.User) Draft {
			return Draft{Body: "Hello **world** @bilal @nobody #Tea\r\nbye", Warning: "  tea \n talk ", Visibility: "unlisted"}
		}, check: func(t *testing.T, w *postsWorld, p storage.Post, amal, bilal storage.User) {
			if p.Source != "Hello **world** @bilal @nobody #Tea\nbye" {
				t.Errorf("got source %q, want line ends made \\n", p.Source)
			}
			if !strings.Contains(p.HTML, "<strong>world</strong>") || !strings.Contains(p.HTML, `href="/@bilal"`) || strings.Contains(p.HTML, `href="/@nobody"`) {
				t.Errorf("got HTML %q, want Markdown rendered and the local mention linked", p.HTML)
			}
			if !slices.Equal(p.Mentions, []storage.ID{bilal.ID}) {
				t.Errorf("got mentions %v, want [%d]", p.Mentions, bilal.ID)
			}
			if !slices.Equal(p.Tags, []string{"tea"}) {
				t.Errorf("got tags %q, want [tea]", p.Tags)
			}
			if p.ContentWarning != "tea talk" || p.Visibility != storage.Unlisted {
				t.Errorf("got warning %q, visibility %q, want \"tea talk\", unlisted", p.ContentWarning, p.Visibility)
			}
			if want := "http://majlis.test/@amal/" + p.ID.String(); p.URI != want {
				t.Errorf("got URI %q, want %q", p.URI, want)
			}
			if !p.Local || p.AuthorID != amal.ID || !p.CreatedAt.Equal(w.now) || p.InReplyTo != 0 {
				t.Errorf("got local %v, author %d, created %v, reply to %d; want true, %d, %v, 0", p.Local, p.AuthorID, p.CreatedAt, p.InReplyTo, amal.ID, w.now)
			}
		}},
		{name: "author's default audience", draft: func(*postsWorld, storage.User, storage.User) Draft {
			return Draft{Body: "hi"}
		}, check: func(t *testing.T, w *postsWorld, p storage.Post, amal, bilal storage.User) {
			if p.Visibility != storage.FollowersOnly {
				t.Errorf("got visibility %q, want followers", p.Visibility)
			}
		}},
		{name: "reply narrowed to its parent", draft: func(w *postsWorld, amal, bilal storage.User) Draft {
			parent := w.publish(bilal, Draft{Body: "to @amal only", Visibility: "direct"})
			return Draft{Body: "@bilal yes", InReplyTo: parent.Post.ID}
		}, check: func(t *testing.T, w *postsWorld, p storage.Post, amal, bilal storage.User) {
			if p.Visibility != storage.Direct || p.InReplyTo == 0 || p.InReplyToAuthor != bilal.ID {
				t.Errorf("got visibility %q, reply to %d by %d; want direct, a reply to bilal's post", p.Visibility, p.InReplyTo, p.InReplyToAuthor)
			}
		}},
		{name: "images uploaded before", draft: func(w *postsWorld, amal, bilal storage.User) Draft {
			a := w.upload(amal, "png one")
			a.Alt = "a cup"
			return Draft{Body: "look", Attachments: []storage.Attachment{a, w.upload(amal, "png two")}}
		}, check: func(t *testing.T, w *postsWorld, p storage.Post, amal, bilal storage.User) {
			if len(p.Attachments) != 2 || p.Attachments[0].Alt != "a cup" {
				t.Errorf("got attachments %+v, want two, the first described", p.Attachments)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newPostsWorld(t)
			amal := w.user("amal", func(u *storage.User) { u.DefaultVisibility = storage.FollowersOnly })
			bilal := w.user("bilal")
			e := w.publish(amal, tt.draft(w, amal, bilal))
			if e.Author.ID != amal.ID {
				t.Errorf("got author %d, want %d", e.Author.ID, amal.ID)
			}
			stored, err := w.db.Post(amal.ID, e.Post.ID)
			if err != nil {
				t.Fatalf("Post: %v", err)
			}
			tt.check(t, w, stored.Post, amal, bilal)
		})
	}
}

func TestCheckDraft(t *testing.T) {
	ctx := context.Background()
	me := storage.User{DefaultVisibility: storage.Unlisted}
	followers := &storage.Entry{Post: storage.Post{Visibility: storage.FollowersOnly}}
	for _, tt := range []struct {
		name   string
		d      Draft
		parent *storage.Entry
		want   Draft
		fields []string
	}{
		{"fine", Draft{Body: "a\r\nb", Warning: " x  y "}, nil, Draft{Body: "a\nb", Warning: "x y", Visibility: "unlisted"}, nil},
		{"default narrowed for a reply", Draft{Body: "a"}, followers, Draft{Body: "a", Visibility: "followers"}, nil},
		{"narrower reply", Draft{Body: "a", Visibility: "direct"}, followers, Draft{Body: "a", Visibility: "direct"}, nil},
		{"every problem in form order", Draft{Body: " ", Warning: "\x00", Visibility: "all"}, nil,
			Draft{Body: " ", Warning: "\x00", Visibility: "unlisted"}, []string{"body", "cw", "visibility"}},
		{"too wide kept as sent", Draft{Body: "a", Visibility: "public"}, followers, Draft{Body: "a", Visibility: "public"}, []string{"visibility"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := CheckDraft(ctx, me, tt.parent, tt.d, 10)
			if got.Body != tt.want.Body || got.Warning != tt.want.Warning || got.Visibility != tt.want.Visibility {
				t.Errorf("got draft %+v, want %+v", got, tt.want)
			}
			var fields []string
			for _, p := range problems {
				if p.Kind != Invalid || p.Message == "" {
					t.Errorf("got problem %+v, want an Invalid one with a message", p)
				}
				fields = append(fields, p.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("got problems with %q, want %q", fields, tt.fields)
			}
		})
	}
}

func TestEdit(t *testing.T) {
	en := context.Background()
	tr := func(key string, args ...any) string { return i18n.T(en, key, args...) }
	for _, tt := range []struct {
		name string
		// editor is who edits ("amal" wrote the post); d the new text.
		editor string
		d      func(w *postsWorld) Draft
		kind   Kind
		field  string
		want   string
	}{
		{name: "another's post", editor: "bilal", d: func(*postsWorld) Draft { return Draft{Body: "mine now"} },
			kind: Forbidden, want: tr("error.own_posts_edit")},
		{name: "emptied", editor: "amal", d: func(*postsWorld) Draft { return Draft{Body: "  "} },
			kind: Invalid, field: "body", want: tr("form.post_empty")},
		{name: "renders to nothing", editor: "amal", d: func(*postsWorld) Draft { return Draft{Body: "[a]: /x"} },
			kind: Invalid, field: "body", want: tr("form.post_empty")},
		{name: "warning too long", editor: "amal", d: func(*postsWorld) Draft {
			return Draft{Body: "ok", Warning: strings.Repeat("é", storage.MaxWarningChars+1)}
		}, kind: Invalid, field: "cw", want: i18n.N(en, "form.cw_too_long", storage.MaxWarningChars+1, "limit", storage.MaxWarningChars)},
		{name: "mention of an account that blocks", editor: "amal", d: func(w *postsWorld) Draft {
			carim := w.user("carim")
			amal, _ := w.db.LocalUser("amal")
			w.block(carim, amal)
			return Draft{Body: "hi @carim"}
		}, kind: Forbidden, want: tr("form.mention_blocked", "name", "carim")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newPostsWorld(t)
			amal := w.user("amal")
			w.user("bilal")
			p := w.publish(amal, Draft{Body: "first version"})
			editor, err := w.db.LocalUser(tt.editor)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.s.Edit(en, editor, p.Post.ID, tt.d(w))
			checkRefusal(t, err, tt.kind, tt.field, tt.want)
			got, err := w.db.Post(amal.ID, p.Post.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Post.Source != "first version" || !got.Post.EditedAt.IsZero() {
				t.Errorf("got source %q edited at %v, want the first version unedited", got.Post.Source, got.Post.EditedAt)
			}
		})
	}
}

func TestEditRecords(t *testing.T) {
	w := newPostsWorld(t)
	amal := w.user("amal")
	bilal := w.user("bilal")
	p := w.publish(amal, Draft{Body: "first #one", Visibility: "unlisted"})
	e, err := w.s.Edit(context.Background(), amal, p.Post.ID, Draft{Body: "second #two @bilal", Warning: " spoiler ", Visibility: "public"})
	if err != nil {
		t.Fatalf("Edit: %v", err)
	}
	stored, err := w.db.Post(amal.ID, p.Post.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []storage.Post{e.Post, stored.Post} {
		if got.Source != "second #two @bilal" || got.ContentWarning != "spoiler" || !strings.Contains(got.HTML, `href="/@bilal"`) {
			t.Errorf("got source %q, warning %q, HTML %q; want the second version", got.Source, got.ContentWarning, got.HTML)
		}
		if !slices.Equal(got.Tags, []string{"two"}) || !slices.Equal(got.Mentions, []storage.ID{bilal.ID}) {
			t.Errorf("got tags %q, mentions %v; want [two], [%d]", got.Tags, got.Mentions, bilal.ID)
		}
		if got.Visibility != storage.Unlisted {
			t.Errorf("got visibility %q, want unlisted: an edit keeps the audience", got.Visibility)
		}
	}
	edits, err := w.db.PostEdits(amal.ID, p.Post.ID)
	if err != nil || len(edits) != 1 || edits[0].Source != "first #one" {
		t.Errorf("got history %+v (%v), want the first version", edits, err)
	}
}

func TestDelete(t *testing.T) {
	en := context.Background()
	for _, tt := range []struct {
		name    string
		actor   string
		missing bool
		kind    Kind
		want    string
		wantErr error
		gone    bool
	}{
		{name: "own post", actor: "amal", gone: true},
		{name: "another's post", actor: "bilal", kind: Forbidden, want: i18n.T(en, "error.own_posts_delete")},
		{name: "no such post", actor: "amal", missing: true, wantErr: storage.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newPostsWorld(t)
			amal := w.user("amal")
			w.user("bilal")
			p := w.publish(amal, Draft{Body: "here"})
			actor, err := w.db.LocalUser(tt.actor)
			if err != nil {
				t.Fatal(err)
			}
			id := p.Post.ID
			if tt.missing {
				id++
			}
			err = w.s.Delete(en, actor, id)
			switch {
			case tt.kind != 0:
				checkRefusal(t, err, tt.kind, "", tt.want)
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("got %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("got %v, want the post deleted", err)
			}
			_, err = w.db.Post(amal.ID, p.Post.ID)
			if gone := errors.Is(err, storage.ErrNotFound); gone != tt.gone {
				t.Errorf("got post gone %v (%v), want %v", gone, err, tt.gone)
			}
		})
	}
}

// FuzzCheckWarning: a warning comes back on one line, valid UTF-8,
// without leading or trailing space, and is accepted exactly when it has
// at most MaxWarningChars characters and no control or direction-override
// character. Run with
//
//	go test ./social -run '^$' -fuzz '^FuzzCheckWarning$' -fuzztime 20s
func FuzzCheckWarning(f *testing.F) {
	for _, s := range []string{
		"", " ", "spoilers", "  film\nspoilers ", "\t\r\n", strings.Repeat("a", 100), strings.Repeat("a", 101),
		strings.Repeat("ت", 100), strings.Repeat("ت", 101), "\xff\xfe", "a\u2028b", "\u202eevil",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cw, problem := CheckWarning(context.Background(), raw)
		if !utf8.ValidString(cw) {
			t.Errorf("CheckWarning(%q) = %q, not valid UTF-8", raw, cw)
		}
		if strings.ContainsAny(cw, "\n\r\t") || strings.TrimSpace(cw) != cw || strings.Contains(cw, "  ") {
			t.Errorf("CheckWarning(%q) = %q, want one line with single spaces", raw, cw)
		}
		if accepted := problem == nil; accepted != (utf8.RuneCountInString(cw) <= storage.MaxWarningChars && !strings.ContainsFunc(cw, admin.IsControl)) {
			t.Errorf("CheckWarning(%q): problem %v with %d characters", raw, problem, utf8.RuneCountInString(cw))
		}
	})
}

// FuzzChooseVisibility: whatever is sent, the visibility is a valid one,
// and an accepted reply is never wider than its parent.
func FuzzChooseVisibility(f *testing.F) {
	for _, s := range []string{"", "public", "unlisted", "followers", "direct", "PUBLIC", "everyone", "\x00"} {
		f.Add(s, "public")
		f.Add(s, "direct")
	}
	f.Fuzz(func(t *testing.T, raw, parentVis string) {
		var parent *storage.Entry
		if pv := storage.Visibility(parentVis); pv.Valid() {
			parent = &storage.Entry{Post: storage.Post{Visibility: pv}}
		}
		v, problem := ChooseVisibility(context.Background(), raw, storage.User{}, parent)
		if !v.Valid() {
			t.Errorf("ChooseVisibility(%q) = %q, not a visibility", raw, v)
		}
		if problem == nil && parent != nil && v.Narrowness() < parent.Post.Visibility.Narrowness() {
			t.Errorf("ChooseVisibility(%q) = %q accepted for a %s parent", raw, v, parent.Post.Visibility)
		}
	})
}
