package search

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// pair is one line of testdata/pairs.tsv.
type pair struct {
	line       int
	a, b       string
	rawA, rawB string // as written in the file, escapes and all
	match      bool
}

func readPairs(t testing.TB) []pair {
	t.Helper()
	f, err := os.Open("testdata/pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pairs []pair
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 3 || cols[2] != "match" && cols[2] != "differ" {
			t.Fatalf("pairs.tsv:%d: want a, b, match|differ: %q", n, line)
		}
		a, errA := strconv.Unquote(`"` + cols[0] + `"`)
		b, errB := strconv.Unquote(`"` + cols[1] + `"`)
		if errA != nil || errB != nil {
			t.Fatalf("pairs.tsv:%d: bad escape in %q", n, line)
		}
		pairs = append(pairs, pair{n, a, b, cols[0], cols[1], cols[2] == "match"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pairs
}

// same reports whether a search for a finds b: as many tokens, of the same
// kinds, each with the same stem or the same term. Nothing searchable
// matches nothing.
func same(a, b string) bool {
	ta, tb := Analyze(a), Analyze(b)
	if len(ta) == 0 || len(ta) != len(tb) {
		return false
	}
	for i := range ta {
		if ta[i].Kind != tb[i].Kind || ta[i].Stem != tb[i].Stem && ta[i].Term != tb[i].Term {
			return false
		}
	}
	return true
}

func describe(s string) string {
	var b strings.Builder
	for _, t := range Analyze(s) {
		b.WriteString(strconv.Quote(t.Term) + "/" + strconv.Quote(t.Stem) + " ")
	}
	return b.String()
}

func TestPairs(t *testing.T) {
	pairs := readPairs(t)
	if len(pairs) < 200 {
		t.Errorf("pairs.tsv has %d pairs, want at least 200", len(pairs))
	}
	for _, p := range pairs {
		if got := same(p.a, p.b); got != p.match {
			t.Errorf("pairs.tsv:%d: %q and %q: match %v, want %v\n  %s\n  %s",
				p.line, p.a, p.b, got, p.match, describe(p.a), describe(p.b))
		}
	}
}

func TestAnalyzeTokens(t *testing.T) {
	type tk struct {
		kind       Kind
		term, stem string
		text       string // the original text the token spans
	}
	tests := []struct {
		name, in string
		want     []tk
	}{
		{"english", "Hello, World! It's 2026.", []tk{
			{Word, "hello", "hello", "Hello"}, {Word, "world", "world", "World"},
			{Word, "it", "it", "It"}, {Word, "s", "s", "s"}, {Word, "2026", "2026", "2026"}}},
		{"arabic sentence", "ذهبتُ إلى المدرسةِ، وقرأتُ الكتابَ.", []tk{
			{Word, "ذهبت", "ذهبت", "ذهبتُ"}, {Word, "الي", "الي", "إلى"}, {Word, "المدرسه", "مدرس", "المدرسةِ"},
			{Word, "وقرات", "وقر", "وقرأتُ"}, {Word, "الكتاب", "كتاب", "الكتابَ"}}},
		{"hashtags", "#Go and #كتاب_جديد_ and a#b #123 #", []tk{
			{Tag, "go", "go", "#Go"}, {Word, "and", "and", "and"}, {Tag, "كتاب_جديد", "كتاب_جديد", "#كتاب_جديد"},
			{Word, "and", "and", "and"}, {Word, "a", "a", "a"}, {Word, "b", "b", "b"}, {Word, "123", "123", "123"}}},
		{"mentions", "hi @Amal, @bob@Social.Example.: mail bob@example.org", []tk{
			{Word, "hi", "hi", "hi"}, {Mention, "amal", "amal", "@Amal"},
			{Mention, "bob@social.example", "bob@social.example", "@bob@Social.Example"},
			{Word, "mail", "mail", "mail"}, {Word, "bob", "bob", "bob"}, {Word, "example", "example", "example"}, {Word, "org", "org", "org"}}},
		{"links", "see https://user@WWW.Example.org:8080/a/b?c=d#e, (www.golang.org) and http://[::1]/x", []tk{
			{Word, "see", "see", "see"}, {Host, "example.org", "example.org", "WWW.Example.org"},
			{Host, "golang.org", "golang.org", "www.golang.org"}, {Word, "and", "and", "and"},
			{Word, "http", "http", "http"}, {Word, "1", "1", "1"}, {Word, "x", "x", "x"}}},
		{"emoji", "😀 I ❤️ Go 👍🏽", []tk{{Word, "i", "i", "I"}, {Word, "go", "go", "Go"}}},
		{"ligature is several words", "النبي ﷺ", []tk{
			{Word, "النبي", "نبي", "النبي"}, {Word, "صلي", "صلي", "ﷺ"}, {Word, "الله", "الله", "ﷺ"},
			{Word, "عليه", "علي", "ﷺ"}, {Word, "وسلم", "سلم", "ﷺ"}}},
		{"scripts meet", "اشتريت الـiPhone و2026م", []tk{
			{Word, "اشتريت", "اشتريت", "اشتريت"}, {Word, "iphone", "iphone", "iPhone"},
			{Word, "و", "و", "و"}, {Word, "2026", "2026", "2026"}, {Word, "م", "م", "م"}}},
		{"invisible", "\u200fمی\u200cخواهم\u200f \u2067Go\u2069", []tk{
			{Word, "ميخواهم", "ميخواهم", "می\u200cخواهم"}, {Word, "go", "go", "Go"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Analyze(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("Analyze(%q) = %d tokens, want %d: %+v", tt.in, len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Kind != w.kind || g.Term != w.term || g.Stem != w.stem || tt.in[g.Start:g.End] != w.text {
					t.Errorf("token %d = {%d %q %q %q}, want {%d %q %q %q}", i,
						g.Kind, g.Term, g.Stem, tt.in[g.Start:g.End], w.kind, w.term, w.stem, w.text)
				}
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Hello,   WORLD!", "hello world"},
		{"#Spoiler @Bob https://Example.org/x", "spoiler bob https example org x"},
		{"الكِتَابُ، يا أحمد!", "الكتاب يا احمد"},
		{"Crème brûlée 😋", "creme brulee"},
		{"ﷺ", "صلي الله عليه وسلم"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Normalize(tt.want); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want it unchanged", tt.want, got)
		}
	}
}

func TestStemAndTagTerm(t *testing.T) {
	for in, want := range map[string]string{"والكتاب": "كتاب", "بالله": "الله", "books": "books", "2026": "2026"} {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"#Go": "go", "Kitāb": "kitab", "كتاب_": "كتاب", "123": "", "": "", "#": "", "a b": ""} {
		if got := TagTerm(in); got != want {
			t.Errorf("TagTerm(%q) = %q, want %q", in, got, want)
		}
	}
}

// A term's stem is a stem's own stem, and a term analyses to itself:
// what the index holds can be looked up again.
func TestTermsAreFixedPoints(t *testing.T) {
	for _, p := range readPairs(t) {
		for _, s := range []string{p.a, p.b} {
			for _, tok := range Analyze(s) {
				if tok.Kind != Word {
					continue
				}
				again := Analyze(tok.Term)
				if len(again) != 1 || again[0].Term != tok.Term {
					t.Errorf("%q: term %q analyses to %+v", s, tok.Term, again)
				}
				if st := Stem(tok.Stem); st != tok.Stem {
					t.Errorf("%q: stem %q has stem %q", s, tok.Stem, st)
				}
			}
		}
	}
}

var (
	englishPost = `Spent the weekend moving our small community server to a single Go binary with one database file. ` +
		`Backups are now a copy of one file, and upgrades are a restart. Search works in English and Arabic, ` +
		`with #hashtags, @mentions like @amal@social.example and links such as https://www.example.org/notes/2026. ` +
		`Next: federation tests with two instances, and a page that explains how matching works. Café crème for everyone! ` +
		`Thanks to all who tested the release candidates over the holidays and sent their reports.`
	arabicPost = `قضيتُ عطلة نهاية الأسبوع في نقل خادم مجتمعنا الصغير إلى برنامج واحد مكتوب بلغة Go مع ملف قاعدة بيانات واحد. ` +
		`النسخ الاحتياطي الآن نسخة من ملف واحد، والتحديث إعادة تشغيل. البحث يعمل بالعربية والإنجليزية، مع #الوسوم ` +
		`والإشارات مثل @amal وروابط مثل https://example.org/ar. الخطوة التالية: اختبارات الاتحاد بين خادمين، ` +
		`وصفحة تشرح كيف تتطابق الكلمات. شكراً لكل المساهمين والمساهمات في المدارس والجامعات ٢٠٢٦. ` +
		`وسنكتب قريباً دليلاً للمستخدمين الجدد يشرح الوسوم والبحث بالتفصيل، مع أمثلة كثيرة.`
)

func TestAnalyzeAllocs(t *testing.T) {
	Analyze(arabicPost) // fill the pool
	for _, post := range []string{englishPost, arabicPost} {
		if n := testing.AllocsPerRun(50, func() { Analyze(post) }); n > 2 {
			t.Errorf("Analyze allocates %v times a post, want at most 2 (the tokens and their terms)", n)
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	for _, bc := range []struct{ name, text string }{{"english", englishPost}, {"arabic", arabicPost}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				Analyze(bc.text)
			}
		})
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{englishPost, arabicPost, "#كتاب @a@b.c https://x.y/z ﷺ الـGo", "\u200f#\u0640", "@@a@", "www.", "http://@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end := 0
		for _, tok := range Analyze(s) {
			if tok.Start < end && tok.Start != tok.End || tok.Start > tok.End || tok.End > len(s) {
				t.Fatalf("token %+v out of order or out of %q", tok, s)
			}
			if tok.Term == "" || !utf8.ValidString(tok.Term) || !strings.Contains(tok.Term, tok.Stem) && tok.Stem != "الله" {
				t.Fatalf("token %+v of %q", tok, s)
			}
			end = tok.Start
			// What the index holds can be looked up again: a term
			// analyses to itself, with the same stem.
			again := tok.Term
			switch tok.Kind {
			case Tag:
				again = "#" + again
			case Mention:
				again = "@" + again
			case Host:
				again = "https://" + again
			}
			if toks := Analyze(again); len(toks) != 1 || toks[0].Kind != tok.Kind || toks[0].Term != tok.Term || toks[0].Stem != tok.Stem {
				t.Fatalf("token %+v of %q: its term analyses to %+v", tok, s, toks)
			}
		}
		if n := Normalize(s); Normalize(n) != n {
			t.Fatalf("Normalize(%q) = %q, which normalizes to %q", s, n, Normalize(n))
		}
	})
}

// Hostile texts cost time in proportion to their length. A quarter of a
// megabyte of each takes well under a second here; a scan that went back
// over the text for each unit would take minutes.
func TestAnalyzeLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses large texts")
	}
	for _, unit := range []string{"www.-", "و", "#_", "@-.", "#1", "https://_", "ـ", "\u0651", "a\u0301", "وال", "@a@"} {
		text := strings.Repeat(unit, 256<<10/len(unit))
		done := make(chan struct{})
		go func() {
			Analyze(text)
			Normalize(text)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%q repeated to 256 KB: still analysing after 20s", unit)
		}
	}
}

// Words made only of runes the table marks inert skip normalization: no two
// of them may change when written side by side.
func TestInertTable(t *testing.T) {
	if testing.Short() {
		t.Skip("tries every pair")
	}
	var inert []rune
	for r := rune(0); r < smallRunes; r++ {
		if r >= utf8.RuneSelf && small[r]&inertBit != 0 || r < utf8.RuneSelf && small[r]&classBits != clsNone {
			inert = append(inert, r)
		}
	}
	for _, a := range inert {
		for _, b := range inert {
			if s := string([]rune{a, b}); !norm.NFKC.IsNormalString(s) {
				t.Fatalf("%U then %U change under NFKC, yet both are marked inert", a, b)
			}
		}
	}
}
