package markup

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// allowedAttrs is the complete allow-list checkSafe enforces: element name to
// the attributes it may carry.
var allowedAttrs = map[string]map[string]bool{
	"p": {}, "br": {}, "hr": {},
	"em": {}, "strong": {}, "del": {}, "code": {}, "pre": {},
	"blockquote": {}, "ul": {}, "li": {},
	"ol": {"start": true},
	"a":  {"href": true, "rel": true, "target": true},
}

// forbiddenElements must never appear; they are also outside allowedAttrs,
// but are checked by name so a failure message is explicit.
var forbiddenElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true,
	"embed": true, "svg": true, "math": true, "img": true, "form": true,
	"input": true, "link": true, "meta": true, "base": true,
}

// checkSafe parses out as an HTML fragment (as a browser would inside a
// <body>) and fails t if it contains anything outside the allow-list:
// forbidden elements, event-handler, style, class or id attributes, hrefs
// that are not absolute http/https/mailto URLs, or links lacking
// rel="nofollow noopener ugc" / target="_blank".
func checkSafe(t testing.TB, out string) {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(out), body)
	if err != nil {
		t.Errorf("parsing output: %v\noutput: %q", err, out)
		return
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.CommentNode, html.DoctypeNode:
			t.Errorf("unexpected comment or doctype %q in %q", n.Data, out)
		case html.ElementNode:
			checkElement(t, n, out)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

func checkElement(t testing.TB, n *html.Node, out string) {
	t.Helper()
	if n.Namespace != "" {
		t.Errorf("foreign-content element <%s:%s> in %q", n.Namespace, n.Data, out)
	}
	if forbiddenElements[n.Data] {
		t.Errorf("forbidden element <%s> in %q", n.Data, out)
	}
	attrs, ok := allowedAttrs[n.Data]
	if !ok {
		t.Errorf("element <%s> not in allow-list in %q", n.Data, out)
	}
	var rel, target string
	hasHref := false
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		switch {
		case strings.HasPrefix(key, "on"):
			t.Errorf("event handler attribute %s=%q on <%s> in %q", a.Key, a.Val, n.Data, out)
		case key == "style" || key == "class" || key == "id":
			t.Errorf("%s attribute on <%s> in %q", a.Key, n.Data, out)
		case !attrs[key] || a.Namespace != "":
			t.Errorf("attribute %s=%q not allowed on <%s> in %q", a.Key, a.Val, n.Data, out)
		}
		switch key {
		case "href":
			hasHref = true
			checkHref(t, a.Val, out)
		case "rel":
			rel = a.Val
		case "target":
			target = a.Val
		}
	}
	if n.Data == "a" {
		if !hasHref {
			t.Errorf("<a> without href in %q", out)
		}
		fields := strings.Fields(rel)
		for _, want := range []string{"nofollow", "noopener", "ugc"} {
			if !contains(fields, want) {
				t.Errorf("<a> rel=%q lacks %q in %q", rel, want, out)
			}
		}
		if target != "_blank" {
			t.Errorf("<a> target=%q, want %q in %q", target, "_blank", out)
		}
	}
}

func checkHref(t testing.TB, href, out string) {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Errorf("href %q does not parse (%v) in %q", href, err, out)
		return
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			t.Errorf("http(s) href %q without host in %q", href, out)
		}
	case "mailto":
	default:
		t.Errorf("href %q has scheme %q, want http, https or mailto in %q", href, u.Scheme, out)
	}
	// Browsers strip whitespace and control characters from URLs; none
	// may be present to hide a scheme.
	if strings.IndexFunc(href, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		t.Errorf("href %q contains whitespace or control characters in %q", href, out)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// attacks are hostile inputs. Every output must pass checkSafe and be stable;
// want, when set, is the exact expected output, and text, when set, must
// appear in the output (proving content is shown, not dropped).
var attacks = []struct {
	name string
	src  string
	want string
	text string
}{
	// Raw HTML is shown as text.
	{name: "script", src: `<script>alert(1)</script>`, want: `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
	{name: "script src uppercase", src: `<SCRIPT SRC=http://x.example/xss.js></SCRIPT>`, text: `&lt;SCRIPT SRC=http://x.example/xss.js&gt;&lt;/SCRIPT&gt;`},
	{name: "split script", src: `<scr<script>ipt>alert(1)</script>`, text: `&lt;scr&lt;script&gt;ipt&gt;`},
	{name: "unclosed script", src: `<script src=//x.example/a.js`, text: `&lt;script src=//x.example/a.js`},
	{name: "style", src: `<style>body{display:none}</style>`, text: `&lt;style&gt;body{display:none}&lt;/style&gt;`},
	{name: "style import", src: "<style>@import 'http://x.example/evil.css';</style>", text: "&lt;style&gt;@import"},
	{name: "img onerror unquoted", src: `<img src=x onerror=alert(1)>`, want: `<p>&lt;img src=x onerror=alert(1)&gt;</p>`},
	{name: "img onerror double quoted", src: `<img src="x" onerror="alert(1)">`, text: `onerror=&#34;alert(1)&#34;`},
	{name: "img onerror single quoted", src: `<img src='x' onerror='alert(1)'>`, text: `onerror=&#39;alert(1)&#39;`},
	{name: "img onerror backtick", src: "<img src=x onerror=`alert(1)`>", text: "onerror=<code>alert(1)</code>"},
	{name: "img unclosed onerror", src: `<img src=x onerror=alert(1)//`, text: `onerror=alert(1)//`},
	{name: "body onload", src: `<body onload=alert(1)>`, text: `&lt;body onload=alert(1)&gt;`},
	{name: "div onclick", src: `<div onclick='alert(1)'>x</div>`, text: `onclick=&#39;alert(1)&#39;`},
	{name: "custom element onclick", src: `<x onclick=alert(1)>x</x>`, text: `&lt;x onclick=alert(1)&gt;`},
	{name: "slash separated handler", src: `<img/src=x/onerror=alert(1)>`, text: `&lt;img/src=x/onerror=alert(1)&gt;`},
	{name: "style attribute", src: `<p style="background:url(javascript:alert(1))">x</p>`, text: `style=&#34;background`},
	{name: "raw anchor javascript", src: `<a href="javascript:alert(1)">x</a>`, want: `<p>&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;</p>`},
	{name: "raw anchor unquoted", src: `<a href=javascript:alert(1)>x</a>`, text: `&lt;a href=javascript:alert(1)&gt;`},
	{name: "raw anchor safe url still text", src: `<a href="https://example.com">x</a>`, text: `&lt;a href=&#34;https://example.com&#34;&gt;`},
	{name: "svg onload", src: `<svg onload=alert(1)>`, text: `&lt;svg onload=alert(1)&gt;`},
	{name: "svg script", src: `<svg><script>alert(1)</script></svg>`, text: `&lt;svg&gt;&lt;script&gt;`},
	{name: "math xlink", src: `<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, text: `&lt;math&gt;`},
	{name: "iframe", src: `<iframe src="javascript:alert(1)"></iframe>`, text: `&lt;iframe`},
	{name: "object", src: `<object data="javascript:alert(1)"></object>`, text: `&lt;object`},
	{name: "embed", src: `<embed src="javascript:alert(1)">`, text: `&lt;embed`},
	{name: "form input", src: `<form action="javascript:alert(1)"><input type=submit></form>`, text: `&lt;form`},
	{name: "meta refresh", src: `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`, text: `&lt;meta`},
	{name: "base href", src: `<base href="javascript:alert(1)//">`, text: `&lt;base`},
	{name: "link stylesheet", src: `<link rel=stylesheet href=http://x.example/evil.css>`, text: `&lt;link`},
	{name: "html comment", src: `<!-- <script>alert(1)</script> -->`, text: `&lt;!-- &lt;script&gt;`},
	{name: "cdata", src: `<![CDATA[<script>alert(1)</script>]]>`, text: `&lt;![CDATA[`},
	{name: "processing instruction", src: `<?php echo 1; ?>`, text: `&lt;?php`},
	{name: "noscript mxss", src: `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, text: `&lt;noscript&gt;`},
	{name: "raw html block", src: "<div>\n<img src=x onerror=alert(1)>\n</div>", text: `&lt;img src=x onerror=alert(1)&gt;`},
	{name: "textarea block", src: "<textarea>\n<script>alert(1)</script>\n</textarea>", text: `&lt;textarea&gt;`},
	{name: "script inside strong", src: `**<script>alert(1)</script>**`, want: `<p><strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong></p>`},
	{name: "script in blockquote", src: `> <script>alert(1)</script>`, text: `&lt;script&gt;`},
	{name: "img in list", src: `- <img src=x onerror=alert(1)>`, text: `&lt;img`},
	{name: "script in code span", src: "`<script>alert(1)</script>`", want: `<p><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>`},
	{name: "script in fenced code", src: "```html\n<script>alert(1)</script>\n```", want: "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>"},
	{name: "closing code in fenced code", src: "```\n</code></pre><script>alert(1)</script>\n```", text: `&lt;/code&gt;&lt;/pre&gt;`},
	{name: "entities", src: `&lt;script&gt;alert(1)&lt;/script&gt;`, want: `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
	{name: "numeric entities", src: `&#60;script&#62;alert(1)&#60;/script&#62;`, want: `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
	{name: "nul before script", src: "\x00<script>alert(1)</script>", text: `&lt;script&gt;`},

	// Markdown links with bad schemes keep only their text.
	{name: "javascript link", src: `[x](javascript:alert(1))`, want: `<p>x</p>`},
	{name: "mixed case javascript", src: `[x](JaVaScRiPt:alert(1))`, want: `<p>x</p>`},
	{name: "vbscript link", src: `[x](vbscript:msgbox(1))`, want: `<p>x</p>`},
	{name: "data link", src: `[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`, want: `<p>x</p>`},
	{name: "data link percent", src: `[x](data:text/html,%3Cscript%3Ealert(1)%3C/script%3E)`, want: `<p>x</p>`},
	{name: "file link", src: `[x](file:///etc/passwd)`, want: `<p>x</p>`},
	{name: "tab entity in scheme", src: `[x](jav&#x09;ascript:alert(1))`, want: `<p>x</p>`},
	{name: "newline entity in scheme", src: `[x](jav&#x0A;ascript:alert(1))`, want: `<p>x</p>`},
	{name: "decimal entity j", src: `[x](&#106;avascript:alert(1))`, want: `<p>x</p>`},
	{name: "hex entity whole scheme", src: `[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))`, want: `<p>x</p>`},
	{name: "named entity colon", src: `[x](javascript&colon;alert(1))`, want: `<p>x</p>`},
	{name: "double encoded entity", src: `[x](&amp;#106;avascript:alert(1))`, want: `<p>x</p>`},
	{name: "percent encoded scheme", src: `[x](java%0ascript:alert(1))`, want: `<p>x</p>`},
	{name: "leading spaces", src: `[x](   javascript:alert(1))`, want: `<p>x</p>`},
	{name: "leading control char", src: "[x](\x01javascript:alert(1))", want: `<p>x</p>`},
	{name: "leading entity space", src: `[x](&#32;javascript:alert(1))`, want: `<p>x</p>`},
	{name: "leading entity control", src: `[x](&#x01;javascript:alert(1))`, want: `<p>x</p>`},
	{name: "angle bracket destination", src: `[x](<javascript:alert(1)>)`, want: `<p>x</p>`},
	{name: "escaped colon", src: `[x](javascript\:alert(1))`, want: `<p>x</p>`},
	{name: "http opaque javascript", src: `[x](http:javascript:alert(1))`, want: `<p>x</p>`},
	{name: "https backslash host", src: `[x](https:/\evil.example)`, want: `<p>x</p>`},
	{name: "reference link bad scheme", src: "[x][r]\n\n[r]: javascript:alert(1)", want: `<p>x</p>`},
	{name: "reference link entity scheme", src: "[x]\n\n[x]: &#106;avascript:alert(1) \"t\"", want: `<p>x</p>`},
	{name: "collapsed reference bad scheme", src: "[x][]\n\n[x]: <vbscript:msgbox(1)>", want: `<p>x</p>`},

	// Autolinks with bad schemes keep their text.
	{name: "autolink javascript", src: `<javascript:alert(1)>`, want: `<p>javascript:alert(1)</p>`},
	{name: "autolink uppercase", src: `<JAVASCRIPT:alert(1)>`, want: `<p>JAVASCRIPT:alert(1)</p>`},
	{name: "autolink vbscript", src: `<vbscript:msgbox(1)>`, want: `<p>vbscript:msgbox(1)</p>`},
	{name: "autolink data", src: `<data:text/html,alert(1)>`, want: `<p>data:text/html,alert(1)</p>`},
	{name: "autolink data with html", src: `<data:text/html,<script>alert(1)</script>>`, text: `&lt;script&gt;`},

	// Images never load and bad schemes keep only text.
	{name: "image javascript", src: `![x](javascript:alert(1))`, want: `<p>x</p>`},
	{name: "image data png", src: `![x](data:image/png;base64,iVBORw0KGgo=)`, want: `<p>x</p>`},
	{name: "image svg onload url", src: `![x](https://x.example/a.svg#"onload="alert(1))`, text: `x`},
	{name: "image reference bad scheme", src: "![x][i]\n\n[i]: javascript:alert(1)", want: `<p>x</p>`},
	{name: "image title breaking quote", src: `![x](http://x.example/y.png "t\" onerror=\"alert(1)")`, want: `<p><a href="http://x.example/y.png" rel="nofollow noopener ugc" target="_blank">x</a></p>`},
	{name: "image alt with raw img", src: `![<img src=x onerror=alert(1)>](http://x.example/y.png)`, text: `&lt;img src=x onerror=alert(1)&gt;`},

	// Attribute breaking in URLs and titles.
	{name: "quote in url breaks link syntax", src: `[a](http://x" onmouseover="alert(1))`, text: `onmouseover=&#34;alert(1))`},
	{name: "quote in angle url", src: `[a](<http://x.example/"onmouseover="alert(1)>)`, want: `<p><a href="http://x.example/%22onmouseover=%22alert(1)" rel="nofollow noopener ugc" target="_blank">a</a></p>`},
	{name: "quote in title", src: `[a](http://x.example "t\" onmouseover=\"alert(1)")`, want: `<p><a href="http://x.example" rel="nofollow noopener ugc" target="_blank">a</a></p>`},
	{name: "single quote title", src: `[a](http://x.example 'a'' onmouseover=alert(1)')`, text: `onmouseover`},
	{name: "bare url with quotes", src: `https://example.com/"onmouseover="alert(1)"`, text: `example.com`},
	{name: "bare url with tags", src: `www.example.com/<script>alert(1)</script>`, text: `&lt;script&gt;`},
	{name: "bare url with angle quote", src: `https://example.com/'><svg onload=alert(1)>`, text: `&lt;svg onload=alert(1)&gt;`},

	// Nested and unclosed Markdown.
	{name: "unclosed link", src: `[x](javascript:alert(1)`, text: `javascript:alert(1)`},
	{name: "unclosed emphasis around link", src: `*[x](javascript:alert(1)*)`, text: `x`},
	{name: "nested links", src: `[[x](javascript:alert(1))](http://ok.example)`, text: `x`},
	{name: "link in link safe", src: `[a [b](http://b.example)](http://a.example)`, text: `b`},
	{name: "image in link bad", src: `[![x](javascript:alert(1))](javascript:alert(2))`, want: `<p>x</p>`},
	{name: "adjacent good and bad", src: `[ok](http://ok.example)[bad](javascript:alert(1))`, want: `<p><a href="http://ok.example" rel="nofollow noopener ugc" target="_blank">ok</a>bad</p>`},
	{name: "deep nesting", src: strings.Repeat("> - *", 50) + "[x](javascript:alert(1))", text: `x`},
	{name: "many brackets", src: strings.Repeat("[", 500) + "x" + strings.Repeat("](javascript:alert(1))", 500), text: `x`},
	{name: "mailto allowed", src: `[m](mailto:a@b.example?subject=hi)`, want: `<p><a href="mailto:a@b.example?subject=hi" rel="nofollow noopener ugc" target="_blank">m</a></p>`},
}

func TestAttacks(t *testing.T) {
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.src)
			if err != nil {
				t.Fatalf("Render(%q): got error %v, want nil", tt.src, err)
			}
			checkSafe(t, got)
			checkStable(t, tt.src, got)
			if tt.want != "" && got != tt.want {
				t.Errorf("Render(%q):\ngot  %q\nwant %q", tt.src, got, tt.want)
			}
			if tt.text != "" && !strings.Contains(got, tt.text) {
				t.Errorf("Render(%q) = %q, want it to contain %q", tt.src, got, tt.text)
			}
		})
	}
}

// TestAttackFiles runs every testdata/xss/*.txt through Render.
func TestAttackFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "xss", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no attack files in testdata/xss")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Render(string(src))
			if err != nil {
				t.Fatalf("Render: got error %v, want nil", err)
			}
			if got == "" {
				t.Errorf("Render(%s) = \"\", want visible content", f)
			}
			checkSafe(t, got)
			checkStable(t, string(src), got)
		})
	}
}

// TestCheckSafeRejects makes sure checkSafe itself catches what it should.
func TestCheckSafeRejects(t *testing.T) {
	tests := []string{
		`<script>alert(1)</script>`,
		`<img src=x>`,
		`<p onclick="x">a</p>`,
		`<p style="color:red">a</p>`,
		`<code class="x">a</code>`,
		`<a href="javascript:alert(1)" rel="nofollow noopener ugc" target="_blank">a</a>`,
		`<a href="/relative" rel="nofollow noopener ugc" target="_blank">a</a>`,
		`<a href="https://ok.example" rel="nofollow" target="_blank">a</a>`,
		`<a href="https://ok.example" rel="nofollow noopener ugc">a</a>`,
		`<svg></svg>`,
		`<!-- c -->`,
		`<div>a</div>`,
	}
	for _, in := range tests {
		ft := &fakeT{}
		checkSafe(ft, in)
		if !ft.failed {
			t.Errorf("checkSafe(%q): got no failure, want failure", in)
		}
	}
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }

func FuzzRender(f *testing.F) {
	for _, tt := range attacks {
		f.Add(tt.src)
	}
	seedFiles := goldenInputs(f)
	xss, err := filepath.Glob(filepath.Join("testdata", "xss", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	seedFiles = append(seedFiles, xss...)
	for _, file := range seedFiles {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add(benchPost)
	f.Fuzz(func(t *testing.T, src string) {
		got, err := Render(src)
		if err != nil {
			t.Fatalf("Render(%q): got error %v, want nil", src, err)
		}
		checkSafe(t, got)
		if utf8.ValidString(src) && !utf8.ValidString(got) {
			t.Errorf("Render(%q) = %q: got invalid UTF-8 for valid input", src, got)
		}
		if resan := policy.Sanitize(got); resan != got {
			t.Errorf("sanitizing Render(%q) again changed it:\ngot  %q\nwant %q", src, resan, got)
		}
	})
}
