package social

import (
	"testing"

	"majlis/storage"
)

func TestMatchKeyword(t *testing.T) {
	for _, tt := range []struct {
		text, kw string
		whole    bool
		want     bool
	}{
		{"the ending was sad", "ending", true, true},
		{"the endings were sad", "ending", true, false},
		{"the endings were sad", "ending", false, true},
		{"ending", "ending", true, true},
		{"(ending)", "ending", true, true},
		{"unending", "ending", true, false},
		{"unending story, ending", "ending", true, true},
		{"كتاب جميل", "كتاب", true, true},
		{"الكتاب جميل", "كتاب", true, false},
		{"الكتاب جميل", "كتاب", false, true},
		{"big news today", "big news", true, true},
		{"", "x", false, false},
	} {
		if got := matchKeyword(tt.text, tt.kw, tt.whole); got != tt.want {
			t.Errorf("matchKeyword(%q, %q, %v) = %v, want %v", tt.text, tt.kw, tt.whole, got, tt.want)
		}
	}
}

func TestPostText(t *testing.T) {
	p := storage.Post{ContentWarning: "cw", HTML: "<p>one</p><p>two &amp; three</p>",
		Attachments: []storage.Attachment{{Alt: "a cat"}}}
	got := PostText(&p)
	for _, w := range []string{"cw", "one", "two & three", "a cat"} {
		if !matchKeyword(got, w, true) {
			t.Errorf("PostText = %q: %q not found as a word", got, w)
		}
	}
	if matchKeyword(got, "onetwo", false) {
		t.Errorf("paragraphs run together: %q", got)
	}
}
