package markup

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
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

// TestGolden renders every testdata/NAME.md and compares the result with
// testdata/NAME.html. The .html files hold Render's output followed by one
// newline. Run with -update to rewrite them (then review the diff).
func TestGolden(t *testing.T) {
	for _, in := range goldenInputs(t) {
		name := strings.TrimSuffix(filepath.Base(in), ".md")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Render(string(src))
			if err != nil {
				t.Fatalf("Render: got error %v, want nil", err)
			}
			checkSafe(t, got)
			checkStable(t, string(src), got)

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
				t.Errorf("Render(%s):\ngot:\n%s\nwant:\n%s", in, got, want)
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
			name: "too deeply nested quotes fall back to plain text",
			src:  strings.Repeat(">", 60) + " [x](https://example.com)",
			want: "<p>" + strings.Repeat("&gt;", 60) + " [x](https://example.com)</p>",
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

// TestRenderConcurrent renders from many goroutines at once; run with -race
// to check that the shared converter and policy hold no mutable state.
func TestRenderConcurrent(t *testing.T) {
	want, err := Render(benchPost)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
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
