package search

import (
	"reflect"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want Query
	}{
		{"", Query{}},
		{"   \t\n ", Query{}},
		{"cats dogs", Query{Words: []string{"cats", "dogs"}}},
		{`"hello world" cats`, Query{Words: []string{"cats"}, Phrases: []string{"hello world"}}},
		{`cats "unterminated phrase here`, Query{Words: []string{"cats"}, Phrases: []string{"unterminated phrase here"}}},
		{`“curly quotes” «قوسان عربيان»`, Query{Phrases: []string{"curly quotes", "قوسان عربيان"}}},
		{`cats -dogs -"hot dogs" -`, Query{Words: []string{"cats"}, Exclude: []string{"dogs", "hot dogs"}}},
		{"from:amal", Query{From: "amal"}},
		{"from:@amal@social.example", Query{From: "amal@social.example"}},
		{"FROM:Me", Query{From: "me"}},
		{"from:a from:b", Query{From: "b"}},
		{"from: from:@ from:a@ from:bad!name", Query{Words: []string{"from:", "from:@"}, Phrases: []string{"from:a@", "from:bad!name"}}},
		{"#Go #كتاب #123 # ##x", Query{Tags: []string{"Go", "كتاب"}, Words: []string{"#123", "##x"}}},
		{"has:media is:reply in:bookmarks", Query{HasMedia: true, IsReply: true, In: "bookmarks"}},
		{"HAS:Media in:LIKED", Query{HasMedia: true, In: "liked"}},
		{"has:poll is:public in:everything", Query{Phrases: []string{"has:poll", "is:public", "in:everything"}}},
		{"before:2026-01-02 after:2025-12-31", Query{Before: day(2026, 1, 2), After: day(2025, 12, 31)}},
		{"before:2026-02-30 after:2026-1-2 before:tomorrow", Query{Phrases: []string{"before:2026-02-30", "after:2026-1-2", "before:tomorrow"}}},
		{"foo:bar e-mail", Query{Phrases: []string{"foo:bar", "e-mail"}}},
		{`مدرسة "الكتاب الجديد" -قديم from:أحمد #وسم`, Query{Words: []string{"مدرسة"}, Phrases: []string{"الكتاب الجديد"},
			Exclude: []string{"قديم"}, From: "أحمد", Tags: []string{"وسم"}}},
		{"@bob https://example.org/x 😀 !!! \"\" -😀", Query{Words: []string{"@bob", "https://example.org/x"}}},
		{`ab"cd ef"`, Query{Words: []string{`ef"`}, Phrases: []string{"ab cd"}}}, // a quote inside a field is a character
	}
	for _, tt := range tests {
		got := ParseQuery(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseQuery(%q) =\n  %#v\nwant\n  %#v", tt.in, got, tt.want)
		}
		if again := ParseQuery(got.String()); !reflect.DeepEqual(again, got) {
			t.Errorf("ParseQuery(%q).String() = %q, which parses to %#v", tt.in, got.String(), again)
		}
	}
}

func TestQueryEmpty(t *testing.T) {
	for in, want := range map[string]bool{
		"": true, "  ": true, "😀 !!": true, "-cats": true, `""`: true,
		"cats": false, "#go": false, "from:me": false, "has:media": false, "is:reply": false,
		"in:liked": false, "before:2026-01-01": false, "after:2026-01-01": false, `"a b"`: false,
	} {
		if got := ParseQuery(in).Empty(); got != want {
			t.Errorf("ParseQuery(%q).Empty() = %v, want %v", in, got, want)
		}
	}
}

func TestQueryString(t *testing.T) {
	q := ParseQuery(`after:2026-01-01 in:liked -"a b" -c #t from:x "p q" w is:reply has:media before:2026-02-01`)
	const want = `w "p q" #t -"a b" -c from:x has:media is:reply before:2026-02-01 after:2026-01-01 in:liked`
	if got := q.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestInDates(t *testing.T) {
	q := ParseQuery("after:2026-01-02 before:2026-01-05")
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{day(2026, 1, 2).Add(23 * time.Hour), false},
		{day(2026, 1, 3), true},
		{day(2026, 1, 4).Add(23*time.Hour + 59*time.Minute), true},
		{day(2026, 1, 5), false},
	} {
		if got := q.InDates(tc.at); got != tc.want {
			t.Errorf("InDates(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if !(Query{}).InDates(time.Now()) {
		t.Error("a query without dates refuses a time")
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		`cats "hello world" -dogs -"hot dogs" from:@a@b.c #go has:media is:reply before:2026-01-02 after:2025-01-01 in:liked`,
		`"unterminated`, `-"`, `-`, `«»“”`, `from:me foo:bar e-mail`, `مدرسة "الكتاب الجديد" #وسم`, "\x00\xff\"a\xff b",
		`ab"cd ef" -x"y`, `--x -#t`, `## #_ #1a`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		positive := len(q.Words)+len(q.Phrases)+len(q.Tags) > 0 || q.From != "" || q.HasMedia || q.IsReply ||
			q.In != "" || !q.Before.IsZero() || !q.After.IsZero()
		if q.Empty() == positive {
			t.Fatalf("ParseQuery(%q).Empty() = %v for %#v", s, q.Empty(), q)
		}
		c := q.String()
		if (c == "") != (q.Empty() && len(q.Exclude) == 0) {
			t.Fatalf("ParseQuery(%q).String() = %q for %#v", s, c, q)
		}
		again := ParseQuery(c)
		if !reflect.DeepEqual(again, q) {
			t.Fatalf("ParseQuery(%q) = %#v\nits String %q parses to %#v", s, q, c, again)
		}
		for _, w := range q.Words {
			if n := len(Analyze(w)); n != 1 {
				t.Fatalf("word %q of %q has %d tokens", w, s, n)
			}
		}
		for _, tag := range q.Tags {
			if TagTerm(tag) == "" {
				t.Fatalf("tag %q of %q has no term", tag, s)
			}
		}
	})
}
