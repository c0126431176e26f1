package search

// The Arabic pairs are checked against an independent analyzer, bleve's
// (its Unicode tokenizer, lower case, NFKC, Arabic normalizer and light
// stemmer, without its stop words). Where the two disagree on whether a
// pair matches, the disagreement must be written down, with the reason, in
// testdata/bleve_differences.txt: the test fails on a disagreement that is
// missing there and on a line that no longer is one.
//
// bleve is imported by this test file only, so it never reaches the binary
// (TestBleveNotInBinary checks it).

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/unicodenorm"
	bleveunicode "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

const differencesFile = "testdata/bleve_differences.txt"

type bleveAnalyzer struct {
	tokenizer analysis.Tokenizer
	filters   []analysis.TokenFilter
}

func newBleve(t *testing.T) *bleveAnalyzer {
	t.Helper()
	cache := registry.NewCache()
	tok, err := cache.TokenizerNamed(bleveunicode.Name)
	if err != nil {
		t.Fatal(err)
	}
	b := &bleveAnalyzer{tokenizer: tok}
	for _, name := range []string{lowercase.Name, "", ar.NormalizeName, ar.StemmerName} {
		if name == "" {
			b.filters = append(b.filters, unicodenorm.MustNewUnicodeNormalizeFilter(unicodenorm.NFKC))
			continue
		}
		f, err := cache.TokenFilterNamed(name)
		if err != nil {
			t.Fatal(err)
		}
		b.filters = append(b.filters, f)
	}
	return b
}

func (b *bleveAnalyzer) terms(s string) []string {
	ts := b.tokenizer.Tokenize([]byte(s))
	for _, f := range b.filters {
		ts = f.Filter(ts)
	}
	var out []string
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}

// hasArabic reports whether s has an Arabic letter: the pairs bleve's
// Arabic analysis is meant for. Tags, mentions and links are ours alone.
func hasArabic(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) }) >= 0 &&
		!strings.ContainsAny(s, "#@:")
}

func verdict(match bool) string {
	if match {
		return "match"
	}
	return "differ"
}

func TestBleveDifferences(t *testing.T) {
	b := newBleve(t)
	var got []string
	for _, p := range readPairs(t) {
		if !hasArabic(p.a) || !hasArabic(p.b) {
			continue
		}
		ta, tb := b.terms(p.a), b.terms(p.b)
		theirs := len(ta) > 0 && slices.Equal(ta, tb)
		if ours := same(p.a, p.b); ours != theirs {
			got = append(got, strings.Join([]string{p.rawA, p.rawB, verdict(ours), verdict(theirs)}, "\t"))
			if testing.Verbose() {
				t.Logf("%s\t%s\tours %s %s\tbleve %q %q", p.a, p.b, verdict(ours), describe(p.a)+"| "+describe(p.b), ta, tb)
			}
		}
	}
	f, err := os.Open(differencesFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var listed []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 5 || strings.TrimSpace(cols[4]) == "" {
			t.Errorf("%s: want a, b, ours, bleve's, reason: %q", differencesFile, line)
			continue
		}
		listed = append(listed, strings.Join(cols[:4], "\t"))
	}
	for _, g := range got {
		if !slices.Contains(listed, g) {
			t.Errorf("%s lacks this difference (a, b, ours, bleve's): add it with its reason, or fix the analyzer:\n%s", differencesFile, g)
		}
	}
	for _, l := range listed {
		if !slices.Contains(got, l) {
			t.Errorf("%s lists a difference that is gone, remove it:\n%s", differencesFile, l)
		}
	}
}

// bleve is a test dependency only: the binary must not link it.
func TestBleveNotInBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "..").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "bleve") {
			t.Errorf("the binary depends on %s", dep)
		}
	}
	if !slices.Contains(strings.Fields(string(out)), "majlis/search") {
		t.Logf("the binary does not import majlis/search yet")
	}
}
