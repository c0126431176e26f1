package views

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"majlis/i18n"
	"majlis/search"
)

// samplePost is a card with every field set, so that changing any one of
// them changes what the card shows.
func samplePost() Post {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	edited := Time{ISO: "2026-03-01T12:05:00Z", At: at.Add(5 * time.Minute), Now: at.Add(10 * time.Minute)}
	return Post{
		ID: "1", DOMID: "post-1", URL: "/@amal/1", AuthorName: "Amal", AuthorURL: "/@amal", Handle: "@amal",
		Avatar: Avatar{Initial: "A", Hue: 3},
		HTML:   "<p>hello</p>",
		Time:   Time{ISO: "2026-03-01T12:00:00Z", At: at, Now: at.Add(10 * time.Minute)},
		Edited: &edited,
		Actions: Actions{
			URL: "/@amal/1", Card: "post-1", SignedIn: true, LoginURL: "/login",
			Replies: 1, Likes: 2, Reposts: 3, CanRepost: true,
		},
		Images: []Image{{N: 1, URL: "/media/a", ThumbURL: "/media/t", ThumbWidth: 10, ThumbHeight: 10}},
	}
}

func keyOf(ctx context.Context, p Post) string {
	var b bytes.Buffer
	cardKey(ctx, &b, &p)
	return b.String()
}

// eachFieldChange changes each field of p, one at a time (and inside
// structs, pointers and slices, each of theirs), calls changed with the
// top field's name while the change stands, and restores the field. It
// walks Post by reflection, so a field added later is changed too.
func eachFieldChange(t *testing.T, p *Post, changed func(name string)) {
	t.Helper()
	var walk func(path string, v reflect.Value, apply func())
	walk = func(path string, v reflect.Value, apply func()) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(49 * time.Hour)))
				apply()
				return
			}
			for i := range v.NumField() {
				f := v.Field(i)
				old := reflect.New(f.Type()).Elem()
				old.Set(f)
				walk(path+"."+v.Type().Field(i).Name, f, apply)
				f.Set(old)
			}
			return
		case reflect.Pointer:
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
				apply()
				return
			}
			walk(path, v.Elem(), apply)
			old := reflect.New(v.Type()).Elem()
			old.Set(v)
			v.Set(reflect.Zero(v.Type()))
			apply()
			v.Set(old)
			return
		case reflect.Slice:
			if v.Len() == 0 {
				v.Set(reflect.MakeSlice(v.Type(), 1, 1))
				apply()
				return
			}
			// Change the first element in a copy (the sample's slices are
			// shared with nothing else, but stay careful).
			cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(cp, v)
			old := reflect.New(v.Type()).Elem()
			old.Set(v)
			v.Set(cp)
			walk(path+"[0]", v.Index(0), apply)
			v.Set(old)
			return
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Int:
			v.SetInt(v.Int() + 1)
		case reflect.Bool:
			v.SetBool(!v.Bool())
		default:
			t.Fatalf("%s: the test does not know kind %s", path, v.Kind())
		}
		apply()
	}
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		f := v.Field(i)
		old := reflect.New(f.Type()).Elem()
		old.Set(f)
		walk(name, f, func() { changed(name) })
		f.Set(old)
	}
}

// TestCardKeyCoversEveryField changes each field of a card, one at a time,
// and checks that the cache key changes with it: a field the key missed
// would let a cached card show stale or another reader's content.
func TestCardKeyCoversEveryField(t *testing.T) {
	ctx := i18n.WithLang(context.Background(), "en")
	base := keyOf(ctx, samplePost())
	p := samplePost()
	eachFieldChange(t, &p, func(name string) {
		if keyOf(ctx, p) == base {
			t.Errorf("changing Post.%s (or inside it) leaves the card's cache key as it was", name)
		}
	})
	if got := keyOf(ctx, p); got != base {
		t.Fatal("the test did not restore the post")
	}
	if keyOf(i18n.WithLang(context.Background(), "ar"), samplePost()) == base {
		t.Error("the same card in Arabic has the English card's key")
	}
}

// TestHitKeyCoversWhatHitsShow changes each field of a post, one at a
// time: when the search hit renders otherwise, its cache key must change
// too, or a cached hit would show stale or another reader's content.
func TestHitKeyCoversWhatHitsShow(t *testing.T) {
	ctx := i18n.WithLang(context.Background(), "en")
	segs := []search.Segment{{Text: "morning "}, {Text: "tea", Mark: true}}
	render := func(p Post) string {
		var b bytes.Buffer
		if err := searchHit(p, segs).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	key := func(p Post) string {
		var b bytes.Buffer
		hitKey(ctx, &b, &p)
		return b.String()
	}
	p := samplePost()
	p.ContentWarning, p.Visibility, p.Remote = "cw", "unlisted", &Origin{Host: "example.org", URL: "https://example.org/1"}
	baseHTML, baseKey := render(p), key(p)
	shown := 0
	eachFieldChange(t, &p, func(name string) {
		if render(p) == baseHTML {
			return
		}
		shown++
		if key(p) == baseKey {
			t.Errorf("changing Post.%s changes the search hit but not its cache key", name)
		}
	})
	if shown < 10 {
		t.Errorf("only %d changes showed in the hit: the sample shows too little to test the key", shown)
	}
	if render(p) != baseHTML {
		t.Fatal("the test did not restore the post")
	}
	if key(p) != baseKey {
		t.Fatal("the key of the restored post differs")
	}
	ar := i18n.WithLang(context.Background(), "ar")
	var b bytes.Buffer
	hitKey(ar, &b, &p)
	if b.String() == baseKey {
		t.Error("the same hit in Arabic has the English hit's key")
	}
}

// TestCachedCardRendersAsPostCard: a card from the cache is byte for byte
// the card rendered afresh, in each language, and a card whose relative
// time has moved on is rendered again, not served stale.
func TestCachedCardRendersAsPostCard(t *testing.T) {
	for _, lang := range []i18n.Lang{"en", "ar"} {
		ctx := i18n.WithLang(context.Background(), lang)
		p := samplePost()
		p.ID, p.DOMID = "cached-"+string(lang), "post-cached-"+string(lang)
		var fresh, first, second bytes.Buffer
		if err := PostCard(p, false).Render(ctx, &fresh); err != nil {
			t.Fatal(err)
		}
		for _, out := range []*bytes.Buffer{&first, &second} {
			if err := cachedCard(&p).Render(ctx, out); err != nil {
				t.Fatal(err)
			}
		}
		if first.String() != fresh.String() || second.String() != fresh.String() {
			t.Errorf("%s: cached card differs from PostCard:\nfresh  %s\nfirst  %s\nsecond %s", lang, fresh.String(), first.String(), second.String())
		}
		later := p
		later.Time.Now = later.Time.Now.Add(2 * time.Hour)
		var moved bytes.Buffer
		if err := cachedCard(&later).Render(ctx, &moved); err != nil {
			t.Fatal(err)
		}
		if moved.String() == fresh.String() {
			t.Errorf("%s: two hours later the card still says %q", lang, timeLabel(ctx, p.Time))
		}
	}
}

// TestCachedSearchHit: a hit served from the cache is the hit rendered
// afresh, and what changes the excerpt (the words the query marks, the
// post's text) or the header (the reader's language) gives another one.
func TestCachedSearchHit(t *testing.T) {
	p := samplePost()
	p.ID, p.DOMID = "hit", "post-hit"
	render := func(lang i18n.Lang, text, q string) string {
		t.Helper()
		ctx := i18n.WithLang(context.Background(), lang)
		hl := search.NewHighlighter(search.ParseQuery(q))
		var fresh, cached bytes.Buffer
		if err := searchHit(p, hl.Excerpt(text, searchExcerptBytes)).Render(ctx, &fresh); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second one comes from the cache
			cached.Reset()
			if err := cachedSearchHit(&SearchHit{Post: p, Text: text}, hl).Render(ctx, &cached); err != nil {
				t.Fatal(err)
			}
		}
		if cached.String() != fresh.String() {
			t.Errorf("cached hit differs from a fresh one:\nfresh  %s\ncached %s", fresh.String(), cached.String())
		}
		return cached.String()
	}
	tea := render("en", "morning tea and bread", "tea")
	for _, tt := range []struct {
		name, want string
		got        string
	}{
		{"first query", "<mark>tea</mark>", tea},
		{"another word marked", "<mark>bread</mark>", render("en", "morning tea and bread", "bread")},
		{"same words, other order", "<mark>morning</mark> <mark>tea</mark>", render("en", "morning tea and bread", "Tea morning")},
		{"edited text", "<mark>tea</mark> and cake", render("en", "morning tea and cake", "tea")},
		{"other language", "افتح المنشور", render("ar", "morning tea and bread", "tea")},
	} {
		if !strings.Contains(tt.got, tt.want) {
			t.Errorf("%s: the hit lacks %q: %s", tt.name, tt.want, tt.got)
		}
	}
	if strings.Contains(render("en", "morning tea and bread", "bread"), "<mark>tea</mark>") {
		t.Error("a hit cached for one query shows the marks of another")
	}
}

// TestCardCacheIsBounded: the cache turns generations over instead of
// growing past twice its bound.
func TestCardCacheIsBounded(t *testing.T) {
	c := &cardCache{cur: map[string][]byte{}, old: map[string][]byte{}, max: 10 << 10}
	html := []byte(strings.Repeat("x", 1000))
	for i := range 100 {
		c.put([]byte{byte(i)}, html)
	}
	held := 0
	for _, m := range []map[string][]byte{c.cur, c.old} {
		for k, v := range m {
			held += len(k) + len(v)
		}
	}
	if held > 2*c.max {
		t.Errorf("cache holds %d bytes, bound is 2 × %d", held, c.max)
	}
	if _, ok := c.get([]byte{99}); !ok {
		t.Error("the newest card is not in the cache")
	}
	if _, ok := c.get([]byte{0}); ok {
		t.Error("the oldest card is still in the cache")
	}
}
