package markup

import (
	"strings"
	"testing"
)

// TestDirections renders posts and checks the direction each block ends up
// with in a page, where the post sits in a container with dir="auto": the
// block's own dir if it has one, else the container's (the first strong
// character of the whole post).
func TestDirections(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // one per block, in document order: "ltr", "rtl" or "" (neutral, left as is)
		same bool     // the HTML carries no dir at all
	}{
		{"latin", "Hello there", []string{"ltr"}, true},
		{"arabic", "مرحبا بكم", []string{"rtl"}, true},
		{"hebrew", "שלום", []string{"rtl"}, true},
		{"leading mentions then arabic", "@bob @alice شكرًا لكم!", []string{"rtl"}, false},
		{"leading remote mention then arabic", "@bob@example.org شكرًا", []string{"rtl"}, false},
		{"leading link then arabic", "https://example.org/a انظر هذا", []string{"rtl"}, false},
		{"leading markdown link then arabic", "[page](https://example.org) انظر هذا", []string{"rtl"}, false},
		{"mention then latin", "@bob thanks!", []string{"ltr"}, true},
		{"mention only", "@bob", []string{"ltr"}, true},
		{"arabic then latin paragraph", "مرحبا\n\nHello", []string{"rtl", "ltr"}, false},
		{"latin then arabic paragraph", "Hello\n\nمرحبا", []string{"ltr", "rtl"}, false},
		{"mixed list", "- one\n- اثنان\n- three", []string{"ltr", "ltr", "rtl", "ltr"}, false},
		{"arabic list", "- واحد\n- اثنان", []string{"rtl", "rtl", "rtl"}, true},
		{"quote arabic after latin", "Said:\n\n> قال لي", []string{"ltr", "rtl", "rtl"}, false},
		{"arabic heading", "# عنوان\n\nText", []string{"rtl", "ltr"}, false},
		{"emoji only", "🎉🎉", []string{""}, true},
		{"digits only", "12345", []string{""}, true},
		{"emoji between arabic", "مرحبا\n\n🎉\n\nHello", []string{"rtl", "rtl", "ltr"}, false},
		{"arabic mid-sentence latin", "هذا هو majlis الجديد", []string{"rtl"}, true},
		{"latin with arabic word", "The word مرحبا means hello", []string{"ltr"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Render(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			checkSafe(t, out)
			if again := SetDirections(out); again != out {
				t.Errorf("not idempotent:\n%s\n%s", out, again)
			}
			if got := policy.Sanitize(out); got != out {
				t.Errorf("not a fixed point of the sanitizer:\n%s\n%s", out, got)
			}
			if has := strings.Contains(out, " dir="); has == tt.same {
				t.Errorf("dir attributes present = %v, want %v in %s", has, !tt.same, out)
			}
			got := blockDirections(out)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %q, want %q in %s", got, tt.want, out)
			}
		})
	}
}

// TestSanitizeRemoteDirections: remote HTML gets the same treatment, and a
// dir it brought along is replaced by the one its text calls for.
func TestSanitizeRemoteDirections(t *testing.T) {
	out := SanitizeRemote(`<p dir="ltr"><span class="h-card"><a href="https://example.org/@bob" class="u-url mention">@<span>bob</span></a></span> شكرًا</p><p dir="auto">Fine</p>`)
	if got := blockDirections(out); strings.Join(got, ",") != "rtl,ltr" {
		t.Errorf("got %q, want rtl,ltr in %s", got, out)
	}
	if strings.Contains(out, "auto") {
		t.Errorf("dir=auto kept in %s", out)
	}
}

// blockDirections is the direction a browser gives each block of out
// inside a dir="auto" container.
func blockDirections(out string) []string {
	container := firstStrong(tagless(out)).attr()
	var dirs []string
	rest := out
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		end := strings.IndexByte(rest, '>')
		tag := rest[:end]
		name, attrs, _ := strings.Cut(tag, " ")
		if !directedBlocks[name] {
			continue
		}
		d := container
		if _, v, ok := strings.Cut(attrs, `dir="`); ok {
			d, _, _ = strings.Cut(v, `"`)
		}
		dirs = append(dirs, d)
	}
	return dirs
}

// tagless drops the tags of out.
func tagless(out string) string {
	var b strings.Builder
	in := false
	for _, r := range out {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func BenchmarkSetDirections(b *testing.B) {
	out, err := Render("@bob @alice شكرًا لكم على **المساعدة** اليوم\n\n- one\n- اثنان\n\n> quote")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		SetDirections(out)
	}
}
