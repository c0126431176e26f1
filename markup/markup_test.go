package markup

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenInputs returns the golden input files, testdata/*.md, sorted.
func goldenInputs(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatal("no golden inputs in testdata/*.md")
	}
	return files
}

// goldenUsers are the accounts that exist for golden files and tests:
// lowercased username to canonical spelling.
var goldenUsers = map[string]string{"amal": "amal", "bilal_2": "Bilal_2"}

// goldenOptions resolves mentions of goldenUsers, case-insensitively.
var goldenOptions = Options{Mention: func(username string) (string, string, bool) {
	canonical, ok := goldenUsers[strings.ToLower(username)]
	if !ok {
		return "", "", false
	}
	return "/@" + canonical, canonical, true
}}

// TestGolden renders every testdata/NAME.md with RenderPost(src,
// goldenOptions) and compares the HTML with testdata/NAME.html, which holds
// it followed by one newline. Run with -update to rewrite them (then review
// the diff). It also checks that Render gives RenderPost's HTML without a
// resolver.
func TestGolden(t *testing.T) {
	for _, in := range goldenInputs(t) {
		name := strings.TrimSuffix(filepath.Base(in), ".md")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := RenderPost(string(src), goldenOptions)
			if err != nil {
				t.Fatalf("RenderPost: got error %v, want nil", err)
			}
			got := res.HTML
			checkSafe(t, got)
			checkResult(t, res)
			checkStablePost(t, string(src), goldenOptions, res)
			plain, err := Render(string(src))
			if err != nil {
				t.Fatalf("Render: got error %v, want nil", err)
			}
			checkSafe(t, plain)
			checkStable(t, string(src), plain)
			noResolver, err := RenderPost(string(src), Options{})
			if err != nil || noResolver.HTML != plain || len(noResolver.Mentions) != 0 {
				t.Errorf("RenderPost without resolver = %q, %q, %v; want Render's %q, no mentions, nil",
					noResolver.HTML, noResolver.Mentions, err, plain)
			}

			goldenPath := strings.TrimSuffix(in, ".md") + ".html"
			if *update {
				if err := os.WriteFile(goldenPath, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if got+"\n" != string(want) {
				t.Errorf("RenderPost(%s):\ngot:\n%s\nwant:\n%s", in, got, want)
			}
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"empty", ""},
		{"spaces", "   "},
		{"newlines", "\n\n\n"},
		{"crlf", "\r\n\r\n"},
		{"tabs and spaces", " \t \n\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.src)
			if err != nil {
				t.Fatalf("Render(%q): got error %v, want nil", tt.src, err)
			}
			if got != "" {
				t.Errorf("Render(%q) = %q, want %q", tt.src, got, "")
			}
		})
	}
}

// TestRender covers exact outputs for behaviour not worth a golden file.
func TestRender(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{
			name: "crlf is a line break",
			src:  "one\r\ntwo\r\n\r\nthree",
			want: "<p>one<br>\ntwo</p>\n<p>three</p>",
		},
		{
			name: "lone cr is a line break",
			src:  "one\rtwo",
			want: "<p>one<br>\ntwo</p>",
		},
		{
			name: "nul becomes replacement character",
			src:  "a\x00b",
			want: "<p>a\uFFFDb</p>",
		},
		{
			name: "uppercase scheme is canonicalised",
			src:  "[x](HTTPS://Example.com/A)",
			want: `<p><a href="https://Example.com/A" rel="nofollow noopener ugc" target="_blank">x</a></p>`,
		},
		{
			name: "relative link keeps its text only",
			src:  "[home](/home) and [top](#top)",
			want: "<p>home and top</p>",
		},
		{
			name: "protocol-relative link keeps its text only",
			src:  "[x](//evil.example)",
			want: "<p>x</p>",
		},
		{
			name: "ftp is not linkified nor linked",
			src:  "ftp://example.com/file and [f](ftp://example.com/file)",
			want: "<p>ftp://example.com/file and f</p>",
		},
		{
			name: "mailto autolink",
			src:  "<me@example.com>",
			want: `<p><a href="mailto:me@example.com" rel="nofollow noopener ugc" target="_blank">me@example.com</a></p>`,
		},
		{
			name: "bare email is linkified",
			src:  "write to me@example.com.",
			want: `<p>write to <a href="mailto:me@example.com" rel="nofollow noopener ugc" target="_blank">me@example.com</a>.</p>`,
		},
		{
			name: "fediverse handle is not linkified",
			src:  "hi @alice@example.com",
			want: "<p>hi @alice@example.com</p>",
		},
		{
			name: "autolink inside link is text",
			src:  "[see <https://a.example>](https://b.example)",
			want: `<p><a href="https://b.example" rel="nofollow noopener ugc" target="_blank">see https://a.example</a></p>`,
		},
		{
			name: "image with bad scheme keeps alt text",
			src:  "![kitten](javascript:alert(1))",
			want: "<p>kitten</p>",
		},
		{
			name: "image with bad scheme and no alt shows the url as text",
			src:  "![](javascript:alert(1))",
			want: "<p>javascript:alert(1)</p>",
		},
		{
			name: "image alt keeps text of nested markup",
			src:  "![a *b* `c` <i>](https://example.com/x.png)",
			want: `<p><a href="https://example.com/x.png" rel="nofollow noopener ugc" target="_blank">a b c &lt;i&gt;</a></p>`,
		},
		{
			name: "fenced code drops the language",
			src:  "```js\"onmouseover=\"alert(1)\nx\n```",
			want: "<pre><code>x\n</code></pre>",
		},
		{
			name: "multi-line inline raw html keeps its line breaks",
			src:  "a <span\nclass=\"x\">b</span>",
			want: "<p>a &lt;span<br>\nclass=&#34;x&#34;&gt;b&lt;/span&gt;</p>",
		},
		{
			name: "raw html block in list item",
			src:  "- <div>\n  hi\n  </div>",
			want: "<ul>\n<li>\n<p>&lt;div&gt;<br>\nhi<br>\n&lt;/div&gt;</p>\n</li>\n</ul>",
		},
		{
			name: "moderate nesting renders normally",
			src:  "> > > - *a*",
			want: "<blockquote>\n<blockquote>\n<blockquote>\n<ul>\n<li><em>a</em></li>\n</ul>\n</blockquote>\n</blockquote>\n</blockquote>",
		},
		{
			name: "too deeply nested emphasis falls back to plain text",
			src:  strings.Repeat("*", 120) + "x" + strings.Repeat("*", 120) + "\n<b>y</b>\n\n\n\nz",
			want: "<p>" + strings.Repeat("*", 120) + "x" + strings.Repeat("*", 120) + "<br>\n&lt;b&gt;y&lt;/b&gt;</p>\n<p>z</p>",
		},
		{
			name: "quotes nested beyond the limit are text in the innermost quote",
			src:  strings.Repeat(">", 60) + " [x](https://example.com)",
			want: strings.Repeat("<blockquote>\n", 16) + "<p>" + strings.Repeat("&gt;", 44) + ` <a href="https://example.com" rel="nofollow noopener ugc" target="_blank">x</a></p>` + strings.Repeat("\n</blockquote>", 16),
		},
		{
			name: "hr",
			src:  "***",
			want: "<hr>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.src)
			if err != nil {
				t.Fatalf("Render(%q): got error %v, want nil", tt.src, err)
			}
			if got != tt.want {
				t.Errorf("Render(%q):\ngot  %q\nwant %q", tt.src, got, tt.want)
			}
			checkSafe(t, got)
			checkStable(t, tt.src, got)
		})
	}
}

func TestLength(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want int
	}{
		{"empty", "", 0},
		{"ascii", "hello", 5},
		{"arabic", "مرحبا", 5},
		{"arabic with spaces", "السلام عليكم", 12},
		{"single code point emoji", "😀", 1},
		{"emoji with variation selector", "☀️", 2},
		{"emoji with skin tone", "👍🏽", 2},
		{"zwj family emoji", "👨\u200d👩\u200d👧", 5},
		{"flag is two regional indicators", "🇸🇦", 2},
		// Code points, not grapheme clusters: e + COMBINING ACUTE ACCENT
		// is two, the precomposed é is one.
		{"combining mark", "e\u0301", 2},
		{"precomposed", "\u00e9", 1},
		{"arabic with harakat", "مَرْحَبًا", 9},
		{"lf", "a\nb", 3},
		{"crlf counts as one", "a\r\nb", 3},
		{"several crlf", "a\r\n\r\nb\r\n", 5},
		{"lone cr counts as one", "a\rb", 3},
		{"invalid utf8 byte counts one", "a\xffb", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Length(tt.src); got != tt.want {
				t.Errorf("Length(%q) = %d, want %d", tt.src, got, tt.want)
			}
		})
	}
}

// checkStable asserts that Render is deterministic and that its output is a
// fixed point of the sanitizer.
func checkStable(t *testing.T, src, got string) {
	t.Helper()
	again, err := Render(src)
	if err != nil {
		t.Fatalf("second Render(%q): got error %v, want nil", src, err)
	}
	if again != got {
		t.Errorf("Render(%q) not deterministic:\ngot  %q\nthen %q", src, got, again)
	}
	if resan := policy.Sanitize(got); resan != got {
		t.Errorf("sanitizing Render(%q) again changed it:\ngot  %q\nwant %q", src, resan, got)
	}
}

// checkStablePost asserts that RenderPost is deterministic and that its
// HTML is a fixed point of the sanitizer.
func checkStablePost(t *testing.T, src string, opt Options, got Result) {
	t.Helper()
	again, err := RenderPost(src, opt)
	if err != nil {
		t.Fatalf("second RenderPost(%q): got error %v, want nil", src, err)
	}
	if !reflect.DeepEqual(again, got) {
		t.Errorf("RenderPost(%q) not deterministic:\ngot  %#v\nthen %#v", src, got, again)
	}
	if resan := policy.Sanitize(got.HTML); resan != got.HTML {
		t.Errorf("sanitizing RenderPost(%q) again changed it:\ngot  %q\nwant %q", src, resan, got.HTML)
	}
}

// TestRenderConcurrent renders from many goroutines at once; run with -race
// to check that the shared converter and policy hold no mutable state.
func TestRenderConcurrent(t *testing.T) {
	want, err := Render(benchPost)
	if err != nil {
		t.Fatal(err)
	}
	wantPost, err := RenderPost(benchSocialPost, goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for range 16 {
		wg.Go(func() {
			for range 20 {
				got, err := Render(benchPost)
				if err != nil || got != want {
					errs <- fmt.Sprintf("got %q, %v; want %q, nil", got, err, want)
					return
				}
			}
		})
		wg.Go(func() {
			for range 20 {
				got, err := RenderPost(benchSocialPost, goldenOptions)
				if err != nil || !reflect.DeepEqual(got, wantPost) {
					errs <- fmt.Sprintf("got %#v, %v; want %#v, nil", got, err, wantPost)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

const benchPost = `Just shipped **majlis 0.3**! Highlights:

- faster timelines
- _much_ better search
- Arabic and RTL fixes

Full notes at https://example.com/blog/majlis-0-3 and the [changelog](https://example.com/changelog).
Thanks to everyone who tested the betas — you're the best 🎉 Feedback welcome!`

func BenchmarkRender(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPost)))
	for b.Loop() {
		if _, err := Render(benchPost); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSocialPost is a post with mentions and hashtags, Arabic ones too.
const benchSocialPost = `Just shipped **majlis 0.3** with @amal and @Bilal_2! #majlis #GoLang

- faster timelines for #المجلس
- _much_ better search, thanks @nobody
- mail me@example.com, not @amal@remote.example

Full notes at https://example.com/blog/majlis-0-3#notes and the [changelog](https://example.com/changelog).
مرحباً @amal، شكراً على #المـجلس 🎉 ` + "`#not @code`"

func BenchmarkRenderPost(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchSocialPost)))
	for b.Loop() {
		if _, err := RenderPost(benchSocialPost, goldenOptions); err != nil {
			b.Fatal(err)
		}
	}
}
