package markup

import (
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// allowedAttrs is the complete allow-list checkSafe enforces: element name to
// the attributes it may carry.
var allowedAttrs = map[string]map[string]bool{
	"p": {"dir": true}, "br": {}, "hr": {},
	"em": {}, "strong": {}, "del": {}, "code": {}, "pre": {},
	"blockquote": {"dir": true}, "ul": {"dir": true}, "li": {"dir": true},
	"ol": {"start": true, "dir": true},
	"a":  {"href": true, "rel": true, "target": true, "class": true},
}

// mentionHref is the only href a class="mention" link may have.
var mentionHref = regexp.MustCompile(`^/@[A-Za-z0-9_]{1,30}$`)

// forbiddenElements must never appear; they are also outside allowedAttrs,
// but are checked by name so a failure message is explicit.
var forbiddenElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true,
	"embed": true, "svg": true, "math": true, "img": true, "form": true,
	"input": true, "link": true, "meta": true, "base": true,
}

// checkSafe parses out as an HTML fragment (as a browser would inside a
// <body>) and fails t if it contains anything outside the allow-list:
// forbidden elements, event-handler, style or id attributes, class
// attributes other than class="mention" or class="hashtag" on <a>, hrefs
// that are not absolute http/https/mailto URLs, or such links lacking
// rel="nofollow noopener ugc" / target="_blank". The only relative links
// allowed are local ones without rel and target: class="mention" with an
// href /@USERNAME, and class="hashtag" with an href /tags/KEY, KEY being the
// path escape of a normalised tag.
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
	var rel, target, class, href string
	hasRel, hasTarget, hasClass, hasHref := false, false, false, false
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		switch {
		case strings.HasPrefix(key, "on"):
			t.Errorf("event handler attribute %s=%q on <%s> in %q", a.Key, a.Val, n.Data, out)
		case key == "style" || key == "id" || key == "class" && n.Data != "a":
			t.Errorf("%s attribute on <%s> in %q", a.Key, n.Data, out)
		case !attrs[key] || a.Namespace != "":
			t.Errorf("attribute %s=%q not allowed on <%s> in %q", a.Key, a.Val, n.Data, out)
		case key == "dir" && a.Val != "ltr" && a.Val != "rtl":
			t.Errorf("dir=%q on <%s> in %q, want ltr or rtl", a.Val, n.Data, out)
		}
		switch key {
		case "href":
			hasHref, href = true, a.Val
		case "rel":
			hasRel, rel = true, a.Val
		case "target":
			hasTarget, target = true, a.Val
		case "class":
			hasClass, class = true, a.Val
		}
	}
	if n.Data != "a" {
		return
	}
	if !hasHref {
		t.Errorf("<a> without href in %q", out)
	}
	if hasClass {
		checkLocalLink(t, class, href, out)
		if hasRel || hasTarget {
			t.Errorf("local <a class=%q> has rel=%q target=%q, want neither in %q", class, rel, target, out)
		}
		return
	}
	if hasHref {
		checkHref(t, href, out)
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

// checkLocalLink checks a mention or hashtag link: the class decides the
// one href shape allowed.
func checkLocalLink(t testing.TB, class, href, out string) {
	t.Helper()
	switch class {
	case "mention":
		if !mentionHref.MatchString(href) {
			t.Errorf("mention href %q, want /@USERNAME in %q", href, out)
		}
	case "hashtag":
		escaped, ok := strings.CutPrefix(href, "/tags/")
		key, err := url.PathUnescape(escaped)
		if !ok || err != nil || key == "" || NormalizeTag(key) != key || url.PathEscape(key) != escaped {
			t.Errorf("hashtag href %q, want /tags/ and a path-escaped normalised tag in %q", href, out)
		}
	default:
		t.Errorf("<a> class=%q, want mention or hashtag in %q", class, out)
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

// acceptAll is a resolver under which every syntactically valid mention
// names an existing account.
var acceptAll = Options{Mention: func(username string) (string, string, bool) {
	return "/@" + username, username, true
}}

func TestAttacks(t *testing.T) {
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.src)
			if err != nil {
				t.Fatalf("Render(%q): got error %v, want nil", tt.src, err)
			}
			checkSafe(t, got)
			checkStable(t, tt.src, got)
			res, err := RenderPost(tt.src, acceptAll)
			if err != nil {
				t.Fatalf("RenderPost(%q): got error %v, want nil", tt.src, err)
			}
			checkSafe(t, res.HTML)
			checkStablePost(t, tt.src, acceptAll, res)
			checkResult(t, res)
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
			res, err := RenderPost(string(src), acceptAll)
			if err != nil {
				t.Fatalf("RenderPost: got error %v, want nil", err)
			}
			checkSafe(t, res.HTML)
			checkStablePost(t, string(src), acceptAll, res)
			checkResult(t, res)
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
		`<a href="/@amal" rel="nofollow noopener ugc" target="_blank">a</a>`,
		`<a href="/tags/go" rel="nofollow noopener ugc" target="_blank">a</a>`,
		`<a href="/@amal">a</a>`,
		`<a href="/tags/go">a</a>`,
		`<a href="/tags/go" class="mention">a</a>`,
		`<a href="/@amal" class="hashtag">a</a>`,
		`<a href="https://ok.example" class="mention">a</a>`,
		`<a href="https://ok.example" rel="nofollow noopener ugc" target="_blank" class="hashtag">a</a>`,
		`<a href="/@amal" class="mention" target="_blank">a</a>`,
		`<a href="/@amal" class="mention" rel="nofollow">a</a>`,
		`<a href="/@amal/x" class="mention">a</a>`,
		`<a href="//evil.example/@amal" class="mention">a</a>`,
		`<a href="/@amal" class="mention hashtag">a</a>`,
		`<a href="/@amal" class="other">a</a>`,
		`<a class="mention">a</a>`,
		`<a href="/tags/Go" class="hashtag">a</a>`,
		`<a href="/tags/123" class="hashtag">a</a>`,
		`<a href="/tags/a/b" class="hashtag">a</a>`,
		`<a href="/tags/%D8%A7%D9%80" class="hashtag">a</a>`,
		`<a href="/tags/" class="hashtag">a</a>`,
		`<p class="mention">a</p>`,
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
	f.Add(benchSocialPost)
	for _, tt := range socialAttacks {
		f.Add(tt.src)
	}
	for _, tt := range hostile {
		f.Add(tt.gen(300))
	}
	f.Fuzz(func(t *testing.T, src string) {
		got, err := Render(src)
		if err != nil {
			t.Fatalf("Render(%q): got error %v, want nil", src, err)
		}
		checkSafe(t, got)
		if limit := maxOutputFactor*len(src) + outputSlack; len(got) > limit {
			t.Errorf("Render(%q) is %d bytes long, want at most %d", src, len(got), limit)
		}
		if d := htmlDepth(t, got); d > 2*maxDepth {
			t.Errorf("Render(%q) nests %d elements deep, want at most %d", src, d, 2*maxDepth)
		}
		if utf8.ValidString(src) && !utf8.ValidString(got) {
			t.Errorf("Render(%q) = %q: got invalid UTF-8 for valid input", src, got)
		}
		if resan := policy.Sanitize(got); resan != got {
			t.Errorf("sanitizing Render(%q) again changed it:\ngot  %q\nwant %q", src, resan, got)
		}

		res, err := RenderPost(src, acceptAll)
		if err != nil {
			t.Fatalf("RenderPost(%q): got error %v, want nil", src, err)
		}
		checkSafe(t, res.HTML)
		checkResult(t, res)
		if utf8.ValidString(src) && !utf8.ValidString(res.HTML) {
			t.Errorf("RenderPost(%q) = %q: got invalid UTF-8 for valid input", src, res.HTML)
		}
		if resan := policy.Sanitize(res.HTML); resan != res.HTML {
			t.Errorf("sanitizing RenderPost(%q) again changed it:\ngot  %q\nwant %q", src, resan, res.HTML)
		}
		// Without mentions linked, RenderPost is Render.
		none, err := RenderPost(src, Options{})
		if err != nil || none.HTML != got || len(none.Mentions) != 0 {
			t.Errorf("RenderPost(%q, Options{}) = %q, %q, %v; want Render's %q, no mentions, nil", src, none.HTML, none.Mentions, err, got)
		}
	})
}

// localLinkRe finds the start tags of mention and hashtag links in
// renderer output.
var localLinkRe = regexp.MustCompile(`<a href="([^"]*)" class="(mention|hashtag)">`)

// checkResult checks that res.Mentions and res.Tags are unique, well formed,
// and exactly the targets of the mention and hashtag links in res.HTML.
func checkResult(t testing.TB, res Result) {
	t.Helper()
	want := map[string]bool{}
	for _, m := range localLinkRe.FindAllStringSubmatch(res.HTML, -1) {
		want[m[2]+" "+m[1]] = true
	}
	got := map[string]bool{}
	for _, name := range res.Mentions {
		if !validUsername(name) {
			t.Errorf("mention %q is not a valid username in %#v", name, res)
		}
		k := "mention /@" + name
		if got[k] {
			t.Errorf("mention %q repeated in %#v", name, res)
		}
		got[k] = true
	}
	for _, tag := range res.Tags {
		if tag == "" || NormalizeTag(tag) != tag {
			t.Errorf("tag %q is not normalised in %#v", tag, res)
		}
		k := "hashtag " + tagHref(tag)
		if got[k] {
			t.Errorf("tag %q repeated in %#v", tag, res)
		}
		got[k] = true
	}
	if !maps.Equal(got, want) {
		t.Errorf("Mentions %q and Tags %q do not match the links %v in %q", res.Mentions, res.Tags, slices.Sorted(maps.Keys(want)), res.HTML)
	}
}

// socialAttacks are hostile inputs around mentions and hashtags, rendered
// with acceptAll; want as in attacks.
var socialAttacks = []struct {
	name string
	src  string
	want string
}{
	{name: "tag then quote", src: `#tag"onmouseover="alert(1)`, want: `<p><a href="/tags/tag" class="hashtag">#tag</a>&#34;onmouseover=&#34;alert(1)</p>`},
	{name: "mention then tag", src: `@amal<script>alert(1)</script>`, want: `<p><a href="/@amal" class="mention">@amal</a>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
	{name: "tag in javascript link", src: `[#a @b](javascript:alert(1))`, want: `<p>#a @b</p>`},
	{name: "tag in relative link", src: `[#a](/tags/a)`, want: `<p>#a</p>`},
	{name: "mention link destination", src: `[x](/@amal)`, want: `<p>x</p>`},
	{name: "protocol relative mention path", src: `[x](//@amal)`, want: `<p>x</p>`},
	{name: "tag path traversal", src: `[x](/tags/../admin)`, want: `<p>x</p>`},
	{name: "entity at sign", src: `&#64;amal &commat;amal`, want: `<p>@amal @amal</p>`},
	{name: "entity hash", src: `&#35;a &num;a &#x23;a`, want: `<p>#a #a #a</p>`},
	{name: "split entity", src: `&#60;b&#62; &#x3C;i&#x3E;`, want: `<p>&lt;b&gt; &lt;i&gt;</p>`},
	{name: "tag with angle", src: `#<script>`, want: `<p>#&lt;script&gt;</p>`},
	{name: "tag in image alt", src: `![#a @b](https://x.example/i.png)`, want: `<p><a href="https://x.example/i.png" rel="nofollow noopener ugc" target="_blank">#a @b</a></p>`},
	{name: "tag in raw html", src: `<a href="#x">@amal</a>`, want: `<p>&lt;a href=&#34;#x&#34;&gt;<a href="/@amal" class="mention">@amal</a>&lt;/a&gt;</p>`},
	{name: "rtl override in tag", src: "#a\u202egnp.exe", want: "<p><a href=\"/tags/a\" class=\"hashtag\">#a</a>\u202egnp.exe</p>"},
	{name: "zero width joiner ends tag", src: "#a\u200db", want: "<p><a href=\"/tags/a\" class=\"hashtag\">#a</a>\u200db</p>"},
	{name: "invalid utf8 ends tag", src: "#a\xffb", want: "<p><a href=\"/tags/a\" class=\"hashtag\">#a</a>\xffb</p>"},
}

func TestSocialAttacks(t *testing.T) {
	for _, tt := range socialAttacks {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RenderPost(tt.src, acceptAll)
			if err != nil {
				t.Fatalf("RenderPost(%q): got error %v, want nil", tt.src, err)
			}
			checkSafe(t, res.HTML)
			checkStablePost(t, tt.src, acceptAll, res)
			checkResult(t, res)
			if res.HTML != tt.want {
				t.Errorf("RenderPost(%q):\ngot  %q\nwant %q", tt.src, res.HTML, tt.want)
			}
		})
	}
}

// TestResolverMisbehaving shows that a resolver cannot inject markup or
// URLs: a malformed href or canonical name leaves the mention as text.
func TestResolverMisbehaving(t *testing.T) {
	bad := []struct{ href, canonical string }{
		{"javascript:alert(1)", "amal"},
		{"https://evil.example/@amal", "amal"},
		{"//evil.example", "amal"},
		{"/@amal/../admin", "amal"},
		{`/@amal" onclick="alert(1)`, "amal"},
		{"/@", "amal"},
		{"/tags/amal", "amal"},
		{"/@" + strings.Repeat("a", 31), "amal"},
		{"/@amal", ""},
		{"/@amal", "amal@remote.example"},
		{"/@amal", "<b>amal</b>"},
	}
	for _, b := range bad {
		opt := Options{Mention: func(string) (string, string, bool) { return b.href, b.canonical, true }}
		res, err := RenderPost("hi @amal #x", opt)
		if err != nil {
			t.Fatal(err)
		}
		want := `<p>hi @amal <a href="/tags/x" class="hashtag">#x</a></p>`
		if res.HTML != want || len(res.Mentions) != 0 {
			t.Errorf("resolver returning %q, %q: got %q, %q; want %q, no mentions", b.href, b.canonical, res.HTML, res.Mentions, want)
		}
		checkSafe(t, res.HTML)
	}
}

// TestSanitizeRemote: HTML from another server keeps what a local post
// may show and loses the rest.
func TestSanitizeRemote(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"mastodon mention", `<p><span class="h-card"><a href="https://x.example/@amal" class="u-url mention">@<span>amal</span></a></span> hi</p>`,
			`<p><a href="https://x.example/@amal" rel="nofollow noopener" target="_blank">@amal</a> hi</p>`},
		{"script", `<p>a<script>alert(1)</script></p>`, `<p>a</p>`},
		{"event handler", `<p onclick="x()">b</p>`, `<p>b</p>`},
		{"javascript link", `<a href="javascript:alert(1)">c</a>`, `c`},
		{"image", `<img src="https://x.example/a.png">d`, `d`},
		{"style", `<p style="color:red">e</p>`, `<p>e</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SanitizeRemote(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
