package markup

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// repeat returns unit repeated to exactly n bytes (the last copy may be cut).
func repeat(unit string, n int) string {
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

// hostile is a corpus of pathological Markdown, each built to about n bytes.
// Before the budgets of budget.go, the cost of rendering several of them grew
// with the square of n (time, memory or output size).
var hostile = []struct {
	name string
	gen  func(n int) string
}{
	{"nested quotes", func(n int) string { return repeat(">", n-1) + "x" }},
	{"nested quotes with tabs", func(n int) string { return repeat(">\t", n) }},
	{"nested lists", func(n int) string { return repeat("- ", n-1) + "x" }},
	{"nested ordered lists", func(n int) string { return repeat("1. ", n-1) + "x" }},
	{"nested quotes and lists", func(n int) string { return repeat("> - 1. ", n-1) + "x" }},
	{"empty nested quotes", func(n int) string { return repeat(strings.Repeat(">", 40)+"\n\n", n) }},
	{"deep quote lines", func(n int) string { return repeat(strings.Repeat(">", 100)+" a\n", n) }},
	{"deep quote with lazy lines", func(n int) string { return strings.Repeat(">", 100) + " a\n" + repeat("b\n", n) }},
	{"indented lists", func(n int) string {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			b.WriteString(strings.Repeat("  ", i) + "- x\n")
		}
		return b.String()
	}},
	{"open brackets", func(n int) string { return repeat("[", n) }},
	{"open image brackets", func(n int) string { return repeat("![", n) }},
	{"balanced brackets", func(n int) string { return repeat("[", n/2) + repeat("]", n/2) }},
	{"nested links", func(n int) string {
		k := n / 14
		return strings.Repeat("[", k) + "x" + strings.Repeat("](http://a.b)", k)
	}},
	{"nested images", func(n int) string {
		k := n / 15
		return strings.Repeat("![", k) + "x" + strings.Repeat("](http://a.b)", k)
	}},
	{"unclosed destinations", func(n int) string { return repeat("[a](", n) }},
	{"unclosed titles", func(n int) string { return repeat(`[a](b "`, n) }},
	{"reference used over and over", func(n int) string {
		return "[a]: http://x.example/" + strings.Repeat("b", n/2) + "\n\n" + repeat("[a]", n/2)
	}},
	{"image reference used over and over", func(n int) string {
		return "[a]: http://x.example/" + strings.Repeat("é", n/4) + "\n\n" + repeat("![a]", n/2)
	}},
	{"many reference definitions", func(n int) string { return repeat("[a]: http://b\n", n) }},
	{"emphasis run", func(n int) string { return repeat("*", n/2) + "x" + repeat("*", n/2) }},
	{"underscore run", func(n int) string { return repeat("_", n/2) + "x" + repeat("_", n/2) }},
	{"tilde run", func(n int) string { return repeat("~", n/2) + "x" + repeat("~", n/2) }},
	{"unmatched delimiters", func(n int) string { return repeat("*a_", n) }},
	{"alternating emphasis", func(n int) string { return repeat("*a _", n/2) + repeat("_ b*", n/2) }},
	{"mixed emphasis", func(n int) string { return repeat("***a**b*c", n) }},
	{"emphasis pairs", func(n int) string { return repeat("*a* ", n) }},
	{"backtick runs", func(n int) string {
		var b strings.Builder
		for i := 1; b.Len() < n; i++ {
			b.WriteString(strings.Repeat("`", i) + "a")
		}
		return b.String()[:n]
	}},
	{"unclosed code spans over lines", func(n int) string { return repeat("`\n", n) }},
	{"raw html", func(n int) string { return repeat("<a b=\"", n) }},
	{"unclosed comments", func(n int) string { return repeat("<!--", n) }},
	{"hashtags", func(n int) string { return repeat("#a ", n) }},
	{"mentions", func(n int) string { return repeat("@a ", n) }},
	{"bare urls", func(n int) string { return repeat("www.a.b ", n) }},
	{"headings", func(n int) string { return repeat("#\n", n) }},
	{"setext headings", func(n int) string { return repeat("a\n=\n", n) }},
	{"empty list items", func(n int) string { return repeat("-\n", n) }},
	{"escapes", func(n int) string { return repeat(`"<&'`+"\n", n) }},
}

// Sizes the budget test renders: the longest post an instance may allow
// (5000 characters, here one byte each) and about the longest instance text
// (10000 characters, 2 bytes each in Arabic). Requests carry at most 64 KB;
// the benchmark covers that size.
var budgetSizes = []int{5000, 20000}

// Allocation and output bounds proportional to the source: the costliest
// ordinary text (a post of hashtags) allocates about 700 bytes and 15 times
// per source byte, most of it in the sanitizer, and its HTML is about 14
// times as long as the source; nested block quotes make the longest HTML,
// about 24 times the source.
const (
	allocBytesPerByte = 1024
	allocBytesSlack   = 256 << 10
	allocsPerByte     = 24
	allocsSlack       = 2000
)

// TestRenderBudget renders the hostile corpus and checks that memory
// allocated and HTML produced stay within bounds proportional to the
// source's length, and that the HTML never nests deeply.
func TestRenderBudget(t *testing.T) {
	for _, tt := range hostile {
		for _, n := range budgetSizes {
			src := tt.gen(n)
			t.Run(fmt.Sprintf("%s/%d", tt.name, n), func(t *testing.T) {
				var res Result
				var err error
				bytes := allocatedBytes(func() { res, err = RenderPost(src, acceptAll) })
				if err != nil {
					t.Fatalf("RenderPost: got error %v, want nil", err)
				}
				if limit := allocBytesPerByte*uint64(len(src)) + allocBytesSlack; bytes > limit {
					t.Errorf("rendering %d bytes allocated %d bytes (%d per byte), want at most %d", len(src), bytes, bytes/uint64(len(src)), limit)
				}
				allocs := testing.AllocsPerRun(1, func() { _, _ = RenderPost(src, acceptAll) })
				if limit := float64(allocsPerByte*len(src) + allocsSlack); allocs > limit {
					t.Errorf("rendering %d bytes made %.0f allocations, want at most %.0f", len(src), allocs, limit)
				}
				if limit := maxOutputFactor*len(src) + outputSlack; len(res.HTML) > limit {
					t.Errorf("rendering %d bytes gave %d bytes of HTML, want at most %d", len(src), len(res.HTML), limit)
				}
				if d := htmlDepth(t, res.HTML); d > 2*maxDepth {
					t.Errorf("HTML nests %d elements deep, want at most %d", d, 2*maxDepth)
				}
			})
		}
	}
}

// allocatedBytes returns the bytes of heap memory f allocates.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// htmlDepth returns how deeply the elements of the fragment out nest.
func htmlDepth(t testing.TB, out string) int {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(out), body)
	if err != nil {
		t.Fatalf("parsing output: %v", err)
	}
	var depth func(n *html.Node) int
	depth = func(n *html.Node) int {
		d := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			d = max(d, depth(c))
		}
		if n.Type == html.ElementNode {
			d++
		}
		return d
	}
	deepest := 0
	for _, n := range nodes {
		deepest = max(deepest, depth(n))
	}
	return deepest
}

// TestRenderLimits shows what each budget does to the input that reaches it:
// the text stays, as text, and everything before it keeps its formatting.
func TestRenderLimits(t *testing.T) {
	quote := func(s string) string {
		return strings.Repeat("<blockquote>\n", maxBlockDepth) + s + strings.Repeat("\n</blockquote>", maxBlockDepth)
	}
	list := func(s string) string {
		return strings.Repeat("<ul>\n<li>\n", maxBlockDepth-1) + "<ul>\n<li>" + s + "</li>\n</ul>" + strings.Repeat("\n</li>\n</ul>", maxBlockDepth-1)
	}
	link := `<a href="http://x.example/1" rel="nofollow noopener ugc" target="_blank">a</a>`
	ref := "[a]: http://x.example/1\n\n"
	tests := []struct {
		name, src, want string
	}{
		{
			name: "quotes at the limit are quotes",
			src:  strings.Repeat("> ", maxBlockDepth) + "*x*",
			want: quote("<p><em>x</em></p>"),
		},
		{
			name: "deeper quote markers are text",
			src:  strings.Repeat("> ", maxBlockDepth+2) + "*x*",
			want: quote("<p>&gt; &gt; <em>x</em></p>"),
		},
		{
			name: "deeper quote markers on the next line stay text",
			src:  strings.Repeat(">", maxBlockDepth+1) + " a\n" + strings.Repeat(">", maxBlockDepth+1) + " b",
			want: quote("<p>&gt; a<br>\n&gt; b</p>"),
		},
		{
			name: "lists at the limit are lists",
			src:  strings.Repeat("- ", maxBlockDepth) + "x",
			want: list("x"),
		},
		{
			name: "deeper list markers are text",
			src:  strings.Repeat("- ", maxBlockDepth+3) + "x",
			want: list("- - - x"),
		},
		{
			name: "emphasis up to the mark budget, then text",
			src:  strings.Repeat("*a* ", maxInlineMarks/2+2),
			want: "<p>" + strings.Repeat("<em>a</em> ", maxInlineMarks/2) + "*a* *a*</p>",
		},
		{
			name: "links up to the mark budget, then text",
			src:  strings.Repeat("[a](http://x.example/1) ", maxInlineMarks/2+1),
			// The bare URL left is still linked, like any other.
			want: "<p>" + strings.Repeat(link+" ", maxInlineMarks/2) + `[a](<a href="http://x.example/1" rel="nofollow noopener ugc" target="_blank">http://x.example/1</a>)</p>`,
		},
		{
			name: "the mark budget is per paragraph",
			src:  strings.Repeat("*a* ", maxInlineMarks/2+1) + "\n\n*b*",
			want: "<p>" + strings.Repeat("<em>a</em> ", maxInlineMarks/2) + "*a*</p>\n<p><em>b</em></p>",
		},
		{
			name: "a reference used within the link budget is a link",
			src:  ref + strings.Repeat("[a] ", 10),
			want: "<p>" + strings.TrimSpace(strings.Repeat(link+" ", 10)) + "</p>",
		},
		func() struct{ name, src, want string } {
			// Each use repeats the 18-byte destination; the budget is
			// the source's length plus linkSlack bytes.
			// (one a paragraph, to stay within the mark budget).
			src := ref + strings.Repeat("[a]\n\n", 400)
			linked := (len(src) + linkSlack) / len("http://x.example/1")
			return struct{ name, src, want string }{
				name: "references beyond the link budget keep their text",
				src:  src,
				want: strings.Repeat("<p>"+link+"</p>\n", linked) + strings.TrimSpace(strings.Repeat("<p>a</p>\n", 400-linked)),
			}
		}(),
		{
			name: "a run of tildes uses the mark budget",
			src:  "a" + strings.Repeat("~", maxInlineMarks) + " ~b~",
			want: "<p>a" + strings.Repeat("~", maxInlineMarks) + " ~b~</p>",
		},
		{
			name: "a source longer than maxSource is plain text",
			src:  "*a*\n\n" + repeat("x", maxSource),
			want: "<p>*a*</p>\n<p>" + repeat("x", maxSource) + "</p>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.src)
			if err != nil {
				t.Fatalf("Render: got error %v, want nil", err)
			}
			if got != tt.want {
				t.Errorf("Render(%q):\ngot  %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

// BenchmarkRenderHostile renders the hostile corpus at the longest post an
// instance may allow and at about the longest source Render reads as
// Markdown (maxSource, a little more than a request body may carry). Its
// ns/op and B/op per byte (see SetBytes) should be alike at both sizes.
func BenchmarkRenderHostile(b *testing.B) {
	for _, tt := range hostile {
		for _, n := range []int{5000, maxSource - 1024} {
			src := tt.gen(n)
			b.Run(fmt.Sprintf("%s/%d", tt.name, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					if _, err := RenderPost(src, acceptAll); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
