package i18n

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCatalogsLoad(t *testing.T) {
	for _, err := range loadErrs {
		t.Error(err)
	}
	for _, l := range Supported {
		if len(Keys(l)) == 0 {
			t.Errorf("catalog %s is empty", l)
		}
	}
}

// TestCatalogsComplete: every language has exactly the keys of English,
// each a text where English has a text and all the plural forms of the
// language where English has forms.
func TestCatalogsComplete(t *testing.T) {
	en := Keys(English)
	for _, l := range Supported {
		keys := Keys(l)
		for _, k := range en {
			if _, ok := slices.BinarySearch(keys, k); !ok {
				t.Errorf("%s: key %q is missing (English has it)", l, k)
			}
		}
		for _, k := range keys {
			if _, ok := slices.BinarySearch(en, k); !ok {
				t.Errorf("%s: key %q is not in the English catalog", l, k)
			}
		}
		for _, k := range keys {
			m, e := catalogs[l][k], catalogs[English][k]
			switch {
			case e.forms == nil && m.forms != nil:
				t.Errorf("%s: %q has plural forms, English has a text", l, k)
			case e.forms != nil && m.forms == nil:
				t.Errorf("%s: %q is a text, English has plural forms", l, k)
			case m.forms != nil:
				for _, f := range PluralForms(l) {
					if _, ok := m.forms[f]; !ok {
						t.Errorf("%s: %q lacks the plural form %q", l, k, f)
					}
				}
				for f := range m.forms {
					if !slices.Contains(PluralForms(l), f) {
						t.Errorf("%s: %q has the form %q, which the language does not use", l, k, f)
					}
				}
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		member, accept, instance string
		want                     Lang
	}{
		{"", "", "", English},
		{"", "", "ar", Arabic},
		{"", "", "fr", English},
		{"ar", "en-US,en;q=0.9", "en", Arabic},
		{"en", "ar", "ar", English},
		{"xx", "ar", "en", Arabic},
		{"", "ar-EG,ar;q=0.9,en;q=0.8", "en", Arabic},
		{"", "fr-FR,fr;q=0.9,en;q=0.8,ar;q=0.7", "ar", English},
		{"", "fr-FR,ar;q=0.5,en;q=0.8", "", English},
		{"", "en;q=0.2, AR;q=0.9", "", Arabic},
		{"", "fr, de", "ar", Arabic},
		{"", "ar;q=0", "en", English},
		{"", "*", "ar", Arabic},
		{"", "ar;q=oops, en", "ar", English},
		{"", "ar_SA", "", Arabic},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.member, tt.accept, tt.instance); got != tt.want {
			t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", tt.member, tt.accept, tt.instance, got, tt.want)
		}
	}
}

func TestArabicPlurals(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "zero"}, {1, "one"}, {2, "two"}, {3, "few"}, {7, "few"}, {10, "few"},
		{11, "many"}, {26, "many"}, {99, "many"}, {100, "other"}, {101, "other"},
		{102, "other"}, {103, "few"}, {110, "few"}, {111, "many"}, {199, "many"},
		{200, "other"}, {1000, "other"}, {1003, "few"},
	}
	for _, tt := range tests {
		if got := PluralForm(Arabic, tt.n); got != tt.want {
			t.Errorf("PluralForm(ar, %d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	for n, want := range map[int]string{0: "other", 1: "one", 2: "other", 11: "other", 101: "other"} {
		if got := PluralForm(English, n); got != want {
			t.Errorf("PluralForm(en, %d) = %q, want %q", n, got, want)
		}
	}
}

func TestNumber(t *testing.T) {
	en, ar := WithLang(context.Background(), English), WithLang(context.Background(), Arabic)
	tests := []struct {
		ctx  context.Context
		n    int
		want string
	}{
		{en, 0, "0"}, {en, 1234567890, "1234567890"}, {en, -5, "-5"},
		{ar, 0, "٠"}, {ar, 1234567890, "١٢٣٤٥٦٧٨٩٠"}, {ar, 42, "٤٢"}, {ar, -5, "\u061c-٥"},
		{context.Background(), 7, "7"},
	}
	for _, tt := range tests {
		if got := Number(tt.ctx, tt.n); got != tt.want {
			t.Errorf("Number(%s, %d) = %q, want %q", FromContext(tt.ctx), tt.n, got, tt.want)
		}
	}
}

func TestTAndN(t *testing.T) {
	en, ar := WithLang(context.Background(), English), WithLang(context.Background(), Arabic)
	if got, want := T(ar, "nav.home"), "الرئيسية"; got != want {
		t.Errorf("T(ar, nav.home) = %q, want %q", got, want)
	}
	if got, want := T(context.Background(), "nav.home"), "Home"; got != want {
		t.Errorf("T(unset, nav.home) = %q, want %q", got, want)
	}
	if got, want := T(ar, "no.such.key"), "no.such.key"; got != want {
		t.Errorf("T(missing) = %q, want %q", got, want)
	}
	if got, want := T(en, "profile.block_confirm", "handle", "@amal")[:11], "Block @amal"; got != want {
		t.Errorf("T with args = %q, want prefix %q", got, want)
	}
	for _, tt := range []struct {
		ctx  context.Context
		n    int
		want string
	}{
		{en, 1, "1 unread notification"},
		{en, 5, "5 unread notifications"},
		{ar, 0, "لا إشعارات غير مقروءة"},
		{ar, 1, "إشعار واحد غير مقروء"},
		{ar, 2, "إشعاران غير مقروءين"},
		{ar, 3, "٣ إشعارات غير مقروءة"},
		{ar, 11, "١١ إشعارًا غير مقروء"},
		{ar, 100, "١٠٠ إشعار غير مقروء"},
	} {
		if got := N(tt.ctx, "nav.unread", tt.n); got != tt.want {
			t.Errorf("N(%s, nav.unread, %d) = %q, want %q", FromContext(tt.ctx), tt.n, got, tt.want)
		}
	}
	// A missing translation falls back to English.
	catalogs[English]["test.only.en"] = message{text: "English {x}"}
	defer delete(catalogs[English], "test.only.en")
	if got, want := T(ar, "test.only.en", "x", 3), "English ٣"; got != want {
		t.Errorf("T(fallback) = %q, want %q", got, want)
	}
	if got := English.Dir() + Arabic.Dir(); got != "ltrrtl" {
		t.Errorf("Dir = %q", got)
	}
}

// keyUse finds the literal keys of i18n.T(ctx, "KEY" and i18n.N(ctx, "KEY"
// (or r.Context() for ctx) in source files: templ components, handlers
// and the actions of package social,
// and of social's refusals, refuse(ctx, Kind, "field", "KEY".
var keyUse = regexp.MustCompile(`(?:i18n\.[TN]\(\s*[\w.]+(?:\(\))?|refuse\(\s*\w+\s*,\s*\w+\s*,\s*"[^"]*")\s*,\s*"([^"]+)"\s*[,)]`)

// TestSourceKeysInCatalogs fails when a UI string of views/*.templ or
// handlers/*.go is missing from a catalog.
func TestSourceKeysInCatalogs(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../views/*.templ", "../views/*.go", "../handlers/*.go", "../social/*.go"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no source files found")
	}
	used := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_templ.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyUse.FindAllSubmatch(b, -1) {
			used++
			key := string(m[1])
			for _, l := range Supported {
				if _, ok := catalogs[l][key]; !ok {
					t.Errorf("%s: key %q is missing from the %s catalog", f, key, l)
				}
			}
		}
	}
	if used == 0 {
		t.Error("no i18n.T or i18n.N calls found in the sources")
	}
}
