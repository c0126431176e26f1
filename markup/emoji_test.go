package markup

import (
	"slices"
	"strings"
	"testing"
)

func TestEmojify(t *testing.T) {
	const hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	src := func(code string) (string, bool) {
		switch code {
		case "blob":
			return "/media/" + hash + ".png", true
		case "evil":
			return `javascript:alert(1)`, true
		case "quote":
			return `/media/` + hash + `.png" onerror="alert(1)`, true
		}
		return "", false
	}
	img := `<img class="emoji" src="/media/` + hash + `.png" alt=":blob:" title=":blob:" width="20" height="20">`
	tests := []struct {
		name, in, want string
		used           []string
	}{
		{"in text", "<p>hi :blob: there</p>", "<p>hi " + img + " there</p>", []string{"blob"}},
		{"twice and unknown", "<p>:blob::blob: :nope:</p>", "<p>" + img + img + " :nope:</p>", []string{"blob"}},
		{"not in code", "<p><code>:blob:</code></p>", "<p><code>:blob:</code></p>", nil},
		{"not in a link", `<p><a href="https://x.example" rel="nofollow noopener ugc" target="_blank">:blob:</a></p>`, `<p><a href="https://x.example" rel="nofollow noopener ugc" target="_blank">:blob:</a></p>`, nil},
		{"bad src is text", "<p>:evil: :quote:</p>", "<p>:evil: :quote:</p>", nil},
		{"escaped text stays escaped", "<p>&lt;script&gt; :blob:</p>", "<p>&lt;script&gt; " + img + "</p>", []string{"blob"}},
		{"too short", "<p>:a:</p>", "<p>:a:</p>", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, used := Emojify(tt.in, src)
			if got != tt.want || strings.Join(used, ",") != strings.Join(tt.used, ",") {
				t.Errorf("Emojify(%q) =\n %q %v\nwant\n %q %v", tt.in, got, used, tt.want, tt.used)
			}
			if back := Unemojify(got); strings.Contains(back, "<img") {
				t.Errorf("Unemojify left a picture: %q", back)
			}
		})
	}
	if got := EmojiInHTML("<p>" + img + " and " + img + "</p>"); len(got) != 1 || got[0] != "blob" {
		t.Errorf("EmojiInHTML: %v", got)
	}
	// Remote HTML cannot bring an emoji picture of its own: the remote
	// policy has no <img>.
	if got := SanitizeRemote(img); strings.Contains(got, "<img") {
		t.Errorf("SanitizeRemote kept %q", got)
	}
	if got, _ := EmojifyText(`<b>Amal</b> :blob:`, src); got != "&lt;b&gt;Amal&lt;/b&gt; "+img {
		t.Errorf("EmojifyText: %q", got)
	}
}

func TestEmojiShortcodes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Amal", nil},
		{"time 10:30", nil},
		{":a: and :x:", nil},
		{"Amal :blob: :cat_2: :blob:", []string{"blob", "cat_2"}},
		{"::blob::", []string{"blob"}},
	}
	for _, tt := range tests {
		if got := EmojiShortcodes(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("EmojiShortcodes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
