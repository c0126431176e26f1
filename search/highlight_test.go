package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// render writes segments with [brackets] around marks.
func render(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Mark {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// Highlight is NewHighlighter(q).Excerpt(text, max).
func Highlight(text string, q Query, max int) []Segment {
	return NewHighlighter(q).Excerpt(text, max)
}

func TestHighlight(t *testing.T) {
	long := strings.Repeat("filler ", 40) + "the Target word " + strings.Repeat("more ", 40)
	for _, tt := range []struct {
		name, text string
		q          Query
		max        int
		want       string
	}{
		{"words", "Hello world, hello", Query{Words: []string{"hello"}}, 0, "[Hello] world, [hello]"},
		{"phrase words", "a brown fox", Query{Phrases: []string{"brown fox"}}, 0, "a [brown] [fox]"},
		{"tag", "see #Go here", Query{Tags: []string{"go"}}, 0, "see [#Go] here"}, // a tag is marked whole, # and all
		{"markup stays text", "<b>bold</b> & bold", Query{Words: []string{"bold"}}, 0, "<b>[bold]</b> & [bold]"},
		{"Arabic", "قرأت الكتاب", Query{Words: []string{"الكتاب"}}, 0, "قرأت [الكتاب]"},
		{"no match", "nothing here", Query{Words: []string{"zzz"}}, 0, "nothing here"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(Highlight(tt.text, tt.q, tt.max)); got != tt.want {
				t.Errorf("Highlight(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
	got := render(Highlight(long, Query{Words: []string{"target"}}, 80))
	if !strings.Contains(got, "[Target]") || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || len(got) > 100 {
		t.Errorf("excerpt of a long text: %q", got)
	}
	arabic := strings.Repeat("كلمة ", 60)
	if got := render(Highlight(arabic, Query{Words: []string{"x"}}, 51)); !utf8.ValidString(got) {
		t.Errorf("an excerpt cut a character in two: %q", got)
	}
}

// TestHighlighterKey: queries that mark the same words share a key (their
// cached excerpts serve each other), and queries that mark other words
// do not.
func TestHighlighterKey(t *testing.T) {
	key := func(q string) string { return NewHighlighter(ParseQuery(q)).Key() }
	for _, same := range [][2]string{
		{"morning tea", "Tea MORNING"},
		{"morning tea", "tea morning morning"},
		{"الكتاب", "الكتاب -قلم"},
		{"مدرسة", "مدرسه"},
	} {
		if key(same[0]) != key(same[1]) {
			t.Errorf("%q and %q mark the same words but have other keys", same[0], same[1])
		}
	}
	for _, other := range [][2]string{
		{"morning tea", "morning"},
		{"#tea", "tea"},
		{"tea", "teas"},
		{"ab c", "a bc"},
	} {
		if key(other[0]) == key(other[1]) {
			t.Errorf("%q and %q mark other words but share a key", other[0], other[1])
		}
	}
}

func BenchmarkExcerpt(b *testing.B) {
	text := "Good morning! The tea is ready and the kettle sings; come to the table, " +
		"we will talk about the books we read this week and the ones we want to read next. " +
		"صباح الخير، الشاي جاهز والكتاب على الطاولة."
	h := NewHighlighter(ParseQuery("morning tea"))
	b.ReportAllocs()
	for b.Loop() {
		h.Excerpt(text, 280)
	}
}
