package markup

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestRenderPost covers the Mentions and Tags lists and exact outputs of
// mention and hashtag recognition, with goldenOptions.
func TestRenderPost(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		html     string
		mentions []string
		tags     []string
	}{
		{
			name:     "canonical spelling, unique, first appearance order",
			src:      "@bilal_2 @Amal @BILAL_2 @amal @nobody",
			html:     `<p><a href="/@Bilal_2" class="mention">@bilal_2</a> <a href="/@amal" class="mention">@Amal</a> <a href="/@Bilal_2" class="mention">@BILAL_2</a> <a href="/@amal" class="mention">@amal</a> @nobody</p>`,
			mentions: []string{"Bilal_2", "amal"},
		},
		{
			name: "tags normalised, unique, first appearance order",
			src:  "#Go #المـجلس #go #المجلس #Zig",
			html: `<p><a href="/tags/go" class="hashtag">#Go</a> <a href="/tags/%D8%A7%D9%84%D9%85%D8%AC%D9%84%D8%B3" class="hashtag">#المـجلس</a> <a href="/tags/go" class="hashtag">#go</a> <a href="/tags/%D8%A7%D9%84%D9%85%D8%AC%D9%84%D8%B3" class="hashtag">#المجلس</a> <a href="/tags/zig" class="hashtag">#Zig</a></p>`,
			tags: []string{"go", "المجلس", "zig"},
		},
		{
			name: "arabic tag href",
			src:  "#المجلس",
			html: `<p><a href="/tags/%D8%A7%D9%84%D9%85%D8%AC%D9%84%D8%B3" class="hashtag">#المجلس</a></p>`,
			tags: []string{"المجلس"},
		},
		{
			name: "neither in code, links or images is listed",
			src:  "`@amal #a` [@amal #b](https://x.example) ![@amal #c](https://x.example/i.png) <https://x.example/#d>\n\n```\n@amal #e\n```",
			html: "<p><code>@amal #a</code> <a href=\"https://x.example\" rel=\"nofollow noopener ugc\" target=\"_blank\">@amal #b</a> <a href=\"https://x.example/i.png\" rel=\"nofollow noopener ugc\" target=\"_blank\">@amal #c</a> <a href=\"https://x.example/#d\" rel=\"nofollow noopener ugc\" target=\"_blank\">https://x.example/#d</a></p>\n<pre><code>@amal #e\n</code></pre>",
		},
		{
			name: "remote and e-mail",
			src:  "@amal@remote.example amal@example.org",
			html: `<p>@amal@remote.example <a href="mailto:amal@example.org" rel="nofollow noopener ugc" target="_blank">amal@example.org</a></p>`,
		},
		{
			name:     "mention followed by a letter of another script is not a mention",
			src:      "@amalé @amalمرحبا @amal، @amal.",
			html:     `<p>@amalé @amalمرحبا <a href="/@amal" class="mention">@amal</a>، <a href="/@amal" class="mention">@amal</a>.</p>`,
			mentions: []string{"amal"},
		},
		{
			name:     "preceding characters",
			src:      "x@amal _@amal /@amal =@amal a#b _#b /#b &#b ##b #b#c (#b) \"#b\" =#b",
			html:     `<p>x@amal _@amal /@amal =<a href="/@amal" class="mention">@amal</a> a#b _#b /#b &amp;#b ##b <a href="/tags/b" class="hashtag">#b</a>#c (<a href="/tags/b" class="hashtag">#b</a>) &#34;<a href="/tags/b" class="hashtag">#b</a>&#34; =<a href="/tags/b" class="hashtag">#b</a></p>`,
			mentions: []string{"amal"},
			tags:     []string{"b"},
		},
		{
			name: "length limits",
			src:  "@" + strings.Repeat("a", 30) + " @" + strings.Repeat("b", 31) + " #" + strings.Repeat("c", 100) + " #" + strings.Repeat("d", 101),
			html: "<p>@" + strings.Repeat("a", 30) + " @" + strings.Repeat("b", 31) + ` <a href="/tags/` + strings.Repeat("c", 100) + `" class="hashtag">#` + strings.Repeat("c", 100) + "</a> #" + strings.Repeat("d", 101) + "</p>",
			tags: []string{strings.Repeat("c", 100)},
		},
		{
			name: "digits, marks and underscore alone are not tags",
			src:  "#123 #١٢٣ #_ #__1 #ـ #\u0301 #1a #a\u0301",
			html: "<p>#123 #١٢٣ #_ #__1 #ـ #\u0301 <a href=\"/tags/1a\" class=\"hashtag\">#1a</a> <a href=\"/tags/%C3%A1\" class=\"hashtag\">#a\u0301</a></p>",
			tags: []string{"1a", "\u00e1"},
		},
		{
			name: "escapes",
			src:  `\@amal \#tag \\#tag`,
			html: `<p>@amal #tag \<a href="/tags/tag" class="hashtag">#tag</a></p>`,
			tags: []string{"tag"},
		},
		{
			name:     "line starts and ends",
			src:      "#a\n@amal\n> #b @amal\n- #c",
			html:     "<p><a href=\"/tags/a\" class=\"hashtag\">#a</a><br>\n<a href=\"/@amal\" class=\"mention\">@amal</a></p>\n<blockquote>\n<p><a href=\"/tags/b\" class=\"hashtag\">#b</a> <a href=\"/@amal\" class=\"mention\">@amal</a></p>\n</blockquote>\n<ul>\n<li><a href=\"/tags/c\" class=\"hashtag\">#c</a></li>\n</ul>",
			mentions: []string{"amal"},
			tags:     []string{"a", "b", "c"},
		},
		{
			name: "not a heading, heading with tag",
			src:  "#tag\n\n# Title #tag",
			html: "<p><a href=\"/tags/tag\" class=\"hashtag\">#tag</a></p>\n<p><strong>Title <a href=\"/tags/tag\" class=\"hashtag\">#tag</a></strong></p>",
			tags: []string{"tag"},
		},
		{
			name:     "trailing underscores and emphasis",
			src:      "_hi @amal_ and _learn #go_ and @amal_ #go__",
			html:     `<p><em>hi <a href="/@amal" class="mention">@amal</a></em> and <em>learn <a href="/tags/go" class="hashtag">#go</a></em> and <a href="/@amal" class="mention">@amal</a>_ <a href="/tags/go" class="hashtag">#go</a>__</p>`,
			mentions: []string{"amal"},
			tags:     []string{"go"},
		},
		{
			name: "unknown mention leaves the rest of the syntax alone",
			src:  "@x_https://example.com @nobody_ _@x_ @x_*y*",
			html: `<p>@x_<a href="https://example.com" rel="nofollow noopener ugc" target="_blank">https://example.com</a> @nobody_ <em>@x</em> @x_<em>y</em></p>`,
		},
		{
			name: "too deep falls back to text without links",
			src:  strings.Repeat("*", 120) + "@amal #tag" + strings.Repeat("*", 120),
			html: "<p>" + strings.Repeat("*", 120) + "@amal #tag" + strings.Repeat("*", 120) + "</p>",
		},
		{
			name:     "quotes beyond the nesting limit keep their links",
			src:      strings.Repeat(">", 20) + " @amal #tag",
			html:     strings.Repeat("<blockquote>\n", 16) + "<p>" + strings.Repeat("&gt;", 4) + ` <a href="/@amal" class="mention">@amal</a> <a href="/tags/tag" class="hashtag">#tag</a></p>` + strings.Repeat("\n</blockquote>", 16),
			mentions: []string{"amal"},
			tags:     []string{"tag"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RenderPost(tt.src, goldenOptions)
			if err != nil {
				t.Fatalf("RenderPost(%q): got error %v, want nil", tt.src, err)
			}
			if res.HTML != tt.html {
				t.Errorf("RenderPost(%q).HTML:\ngot  %q\nwant %q", tt.src, res.HTML, tt.html)
			}
			if !reflect.DeepEqual(res.Mentions, tt.mentions) {
				t.Errorf("RenderPost(%q).Mentions = %q, want %q", tt.src, res.Mentions, tt.mentions)
			}
			if !reflect.DeepEqual(res.Tags, tt.tags) {
				t.Errorf("RenderPost(%q).Tags = %q, want %q", tt.src, res.Tags, tt.tags)
			}
			checkSafe(t, res.HTML)
			checkResult(t, res)
			checkStablePost(t, tt.src, goldenOptions, res)
		})
	}
}

func TestRenderPostEmpty(t *testing.T) {
	for _, src := range []string{"", "  \n\t"} {
		res, err := RenderPost(src, goldenOptions)
		if err != nil || !reflect.DeepEqual(res, Result{}) {
			t.Errorf("RenderPost(%q) = %#v, %v; want Result{}, nil", src, res, err)
		}
	}
}

// TestRenderLinksHashtagsOnly: Render links hashtags but, having no
// resolver, no mentions.
func TestRenderLinksHashtagsOnly(t *testing.T) {
	got, err := Render("@amal #Go")
	want := `<p>@amal <a href="/tags/go" class="hashtag">#Go</a></p>`
	if err != nil || got != want {
		t.Errorf("Render = %q, %v; want %q, nil", got, err, want)
	}
}

// TestResolverCalls: the resolver sees each spelling once, as written, never
// names inside code, but names in link text (which are not linked).
func TestResolverCalls(t *testing.T) {
	var calls []string
	opt := Options{Mention: func(username string) (string, string, bool) {
		calls = append(calls, username)
		return goldenOptions.Mention(username)
	}}
	res, err := RenderPost("@Amal @nobody @Amal @amal `@code` [@link](https://x.example) @nobody", opt)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Amal", "nobody", "amal", "link"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("resolver calls = %q, want %q", calls, want)
	}
	if want := []string{"amal"}; !reflect.DeepEqual(res.Mentions, want) {
		t.Errorf("Mentions = %q, want %q", res.Mentions, want)
	}
}

func TestNormalizeTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"go", "go"},
		{"Go", "go"},
		{"#GoLang", "golang"},
		{"tag_1", "tag_1"},
		{"1a", "1a"},
		{"المجلس", "المجلس"},
		{"#المجلس", "المجلس"},
		{"المـجلس", "المجلس"},
		{"مَجْلِس", "مَجْلِس"},
		{"ÉTÉ", "été"},
		{"İstanbul", "istanbul"},
		{"I\u0307stanbul", "istanbul"},
		{"ΣΟΦΙΑ", "σοφια"},
		// Unicode normalization: spellings that are the same text are
		// the same tag.
		{"caf\u00e9", "caf\u00e9"},
		{"cafe\u0301", "caf\u00e9"},
		{"CAFE\u0301", "caf\u00e9"},
		{"\u0645\u064e\u0651", "\u0645\u064e\u0651"},       // meem, fatha, shadda
		{"\u0645\u0651\u064e", "\u0645\u064e\u0651"},       // meem, shadda, fatha
		{"\u0645\u0651\u0640\u064e", "\u0645\u064e\u0651"}, // tatweel between them
		{"\u0623", "\u0623"},                               // alef with hamza above
		{"\u0627\u0654", "\u0623"},                         // alef + combining hamza above
		{"Straße", "strasse"},
		{"STRASSE", "strasse"},
		{"σοφίας", "σοφίασ"},
		{"ΣΟΦΊΑΣ", "σοφίασ"},
		// Compatibility variants stay apart.
		{"ｇｏ", "ｇｏ"},
		{"\ufee3\ufea0\ufee0\ufeb2", "\ufee3\ufea0\ufee0\ufeb2"}, // مجلس in presentation forms
		{"\ufdfa", "\ufdfa"},
		{strings.Repeat("ß", 50), strings.Repeat("s", 100)},
		{strings.Repeat("ß", 51), ""},
		{strings.Repeat("a", 100), strings.Repeat("a", 100)},
		{"", ""},
		{"#", ""},
		{"##go", ""},
		{"123", ""},
		{"١٢٣", ""},
		{"_", ""},
		{"_1", ""},
		{"go_", ""},
		{"_go", "_go"},
		{"ـــ", ""},
		{"\u0301", ""},
		{"go!", ""},
		{"a b", ""},
		{"a-b", ""},
		{"a#b", ""},
		{"a\u200db", ""},
		{"a\xff", ""},
		{strings.Repeat("a", 101), ""},
	}
	for _, tt := range tests {
		got := NormalizeTag(tt.in)
		if got != tt.want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" && NormalizeTag(got) != got {
			t.Errorf("NormalizeTag(NormalizeTag(%q)) = %q, want %q (idempotent)", tt.in, NormalizeTag(got), got)
		}
	}
}

func FuzzNormalizeTag(f *testing.F) {
	for _, s := range []string{"Go", "المـجلس", "İ", "ǅ", "ᾼ", "#x", "1", "cafe\u0301", "ß", "ΐ", "\u0645\u0651\u0640\u064e", "ﬁ", "ᾳ\u0345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := NormalizeTag(s)
		if k == "" {
			return
		}
		if NormalizeTag(k) != k {
			t.Errorf("NormalizeTag(%q) = %q, but NormalizeTag(%q) = %q", s, k, k, NormalizeTag(k))
		}
		if NormalizeTag("#"+k) != k {
			t.Errorf("NormalizeTag(%q) = %q, want %q", "#"+k, NormalizeTag("#"+k), k)
		}
		// Canonically equivalent spellings are the same tag.
		nfc, nfd := NormalizeTag(norm.NFC.String(s)), NormalizeTag(norm.NFD.String(s))
		if nfc != "" && nfd != "" && nfc != nfd {
			t.Errorf("NormalizeTag of %q in NFC is %q, in NFD %q; want the same", s, nfc, nfd)
		}
	})
}

// TestRemoteMentions: with RemoteMentions, "@name@host" is one mention of
// the account elsewhere that the resolver knows, linked to its page here;
// the resolver is asked for "name@host", never for the local name, and an
// answer of another shape leaves the text alone. Without it nothing
// changes.
func TestRemoteMentions(t *testing.T) {
	known := func(name string) (string, string, bool) {
		switch strings.ToLower(name) {
		case "dave@a.test":
			return "/@dave@a.test", "dave@a.test", true
		case "eve@b.test:8080":
			return "/@eve@b.test:8080", "eve@b.test:8080", true
		case "amal":
			return "/@amal", "amal", true
		case "liar@a.test":
			return "/@amal", "amal", true // a local page for a remote name
		}
		return "", "", false
	}
	tests := []struct {
		name     string
		src      string
		remote   bool
		html     string
		mentions []string
	}{
		{"remote mention, sentence's full stop", "hi @dave@a.test.", true,
			`<p>hi <a href="/@dave@a.test" class="mention">@dave@a.test</a>.</p>`, []string{"dave@a.test"}},
		{"with a port", "@eve@b.test:8080 and @amal", true,
			`<p><a href="/@eve@b.test:8080" class="mention">@eve@b.test:8080</a> and <a href="/@amal" class="mention">@amal</a></p>`, []string{"eve@b.test:8080", "amal"}},
		{"unknown remote is text, not the local name", "@amal@elsewhere.example", true,
			`<p>@amal@elsewhere.example</p>`, nil},
		{"a resolver's wrong shape is text", "@liar@a.test", true,
			`<p>@liar@a.test</p>`, nil},
		{"off: remote stays text", "@dave@a.test", false,
			`<p>@dave@a.test</p>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RenderPost(tt.src, Options{Mention: known, RemoteMentions: tt.remote})
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(res.HTML) != tt.html {
				t.Errorf("HTML: got %s, want %s", res.HTML, tt.html)
			}
			if !reflect.DeepEqual(res.Mentions, tt.mentions) {
				t.Errorf("Mentions: got %q, want %q", res.Mentions, tt.mentions)
			}
		})
	}
}
