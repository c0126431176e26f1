// Package i18n holds the interface languages: message catalogs embedded
// from catalog/<lang>/*.json, the choice of a language per request, plural
// forms and number formatting.
//
// A catalog value is a string, or for a counted message an object of CLDR
// plural forms ({"one": ..., "other": ...}; Arabic also "zero", "two",
// "few" and "many"). Placeholders are written {name}. Several files per
// language are merged (views.json, handlers.json, ...).
//
// A missing key never fails at run time: the English text is shown, or the
// key itself if even that is missing. The tests fail instead.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Lang is an interface language, as a BCP 47 base tag.
type Lang string

const (
	English Lang = "en"
	Arabic  Lang = "ar"
)

// Supported lists the interface languages, the first the fallback.
var Supported = []Lang{English, Arabic}

// Dir is the text direction of the language: "rtl" or "ltr".
func (l Lang) Dir() string {
	if l == Arabic {
		return "rtl"
	}
	return "ltr"
}

// Name is the language's own name for itself, for language pickers.
func (l Lang) Name() string {
	switch l {
	case Arabic:
		return "العربية"
	case English:
		return "English"
	}
	return string(l)
}

// Parse matches a tag ("ar", "ar-EG", "EN_us") to a supported language.
func Parse(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	for _, l := range Supported {
		if string(l) == tag {
			return l, true
		}
	}
	return "", false
}

// Negotiate picks the member's setting, else the best Accept-Language
// match, else the instance default, else English.
func Negotiate(member, acceptLanguage, instanceDefault string) Lang {
	if l, ok := Parse(member); ok {
		return l
	}
	if l, ok := fromAccept(acceptLanguage); ok {
		return l
	}
	if l, ok := Parse(instanceDefault); ok {
		return l
	}
	return English
}

// fromAccept picks the supported language of highest quality from an
// Accept-Language header; among equals the one listed first. "*" and q=0
// match nothing.
func fromAccept(header string) (Lang, bool) {
	best, bestQ := Lang(""), 0.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		l, ok := Parse(tag)
		if !ok || q <= 0 {
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best, bestQ > 0
}

type ctxKey struct{}

// WithLang returns a context that carries the interface language.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext is the context's interface language; English when unset.
func FromContext(ctx context.Context) Lang {
	if ctx != nil {
		if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
			if _, ok := catalogs[l]; ok {
				return l
			}
		}
	}
	return English
}

// message is one catalog value: a text, or plural forms.
type message struct {
	text  string
	forms map[string]string // nil for a plain text
}

func (m *message) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &m.text); err == nil {
		return nil
	}
	m.text = ""
	return json.Unmarshal(b, &m.forms)
}

//go:embed catalog
var catalogFS embed.FS

// catalogs is read once from the embedded files and never changed.
var catalogs, loadErrs = load(catalogFS)

func load(fsys fs.FS) (map[Lang]map[string]message, []error) {
	out := map[Lang]map[string]message{}
	var errs []error
	for _, l := range Supported {
		out[l] = map[string]message{}
	}
	files, _ := fs.Glob(fsys, "catalog/*/*.json")
	sort.Strings(files)
	for _, f := range files {
		l := Lang(path.Base(path.Dir(f)))
		cat, ok := out[l]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %q is not a supported language", f, l))
			continue
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var m map[string]message
		if err := json.Unmarshal(b, &m); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		for k, v := range m {
			if _, dup := cat[k]; dup {
				errs = append(errs, fmt.Errorf("%s: key %q is also in another file", f, k))
			}
			cat[k] = v
		}
	}
	return out, errs
}

// Keys lists every key of a language's catalog, sorted.
func Keys(l Lang) []string {
	keys := make([]string, 0, len(catalogs[l]))
	for k := range catalogs[l] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// lookup finds a key in the language, else in English.
func lookup(l Lang, key string) (message, bool) {
	if m, ok := catalogs[l][key]; ok {
		return m, true
	}
	m, ok := catalogs[English][key]
	return m, ok
}

// T looks a key up in the context's language; args are name/value pairs
// substituted for {name} placeholders: T(ctx, "flash.followed", "name",
// "@amal"). Integer values are formatted with Number.
func T(ctx context.Context, key string, args ...any) string {
	l := FromContext(ctx)
	m, ok := lookup(l, key)
	if !ok {
		return key
	}
	text := m.text
	if m.forms != nil {
		text = m.forms["other"]
	}
	return substitute(l, text, args)
}

// N is T for counted messages: it picks the CLDR plural form of n for the
// language and substitutes {n} with Number(ctx, n).
func N(ctx context.Context, key string, n int, args ...any) string {
	l := FromContext(ctx)
	m, ok := lookup(l, key)
	if !ok {
		return key
	}
	text := m.text
	if m.forms != nil {
		var found bool
		if text, found = m.forms[PluralForm(l, n)]; !found {
			if text, found = m.forms["other"]; !found {
				if e, ok := catalogs[English][key]; ok && e.forms != nil {
					text = e.forms[PluralForm(English, n)]
				}
			}
		}
	}
	return substitute(l, text, append([]any{"n", n}, args...))
}

// PluralForm is the CLDR plural category of n in the language.
func PluralForm(l Lang, n int) string {
	if n < 0 {
		n = -n
	}
	switch l {
	case Arabic:
		switch r := n % 100; {
		case n == 0:
			return "zero"
		case n == 1:
			return "one"
		case n == 2:
			return "two"
		case r >= 3 && r <= 10:
			return "few"
		case r >= 11 && r <= 99:
			return "many"
		}
		return "other"
	default:
		if n == 1 {
			return "one"
		}
		return "other"
	}
}

// PluralForms lists the plural categories a language's counted messages
// must all have.
func PluralForms(l Lang) []string {
	if l == Arabic {
		return []string{"zero", "one", "two", "few", "many", "other"}
	}
	return []string{"one", "other"}
}

func substitute(l Lang, text string, args []any) string {
	if len(args) < 2 || !strings.Contains(text, "{") {
		return text
	}
	// One pass over the text: a strings.Replacer per call would cost more
	// than the message (this runs many times on every page).
	var b strings.Builder
	b.Grow(len(text) + 16)
	for {
		open := strings.IndexByte(text, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(text[open:], '}')
		if end < 0 {
			break
		}
		name := text[open+1 : open+end]
		b.WriteString(text[:open])
		if value, ok := argument(l, name, args); ok {
			b.WriteString(value)
		} else {
			b.WriteString(text[open : open+end+1])
		}
		text = text[open+end+1:]
	}
	b.WriteString(text)
	return b.String()
}

// argument finds the value of placeholder name among name/value pairs.
func argument(l Lang, name string, args []any) (string, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); !ok || k != name {
			if ok || fmt.Sprint(args[i]) != name {
				continue
			}
		}
		switch v := args[i+1].(type) {
		case int:
			return formatNumber(l, int64(v)), true
		case int64:
			return formatNumber(l, v), true
		case int32:
			return formatNumber(l, int64(v)), true
		case string:
			return v, true
		default:
			return fmt.Sprint(v), true
		}
	}
	return "", false
}

// Number formats an integer for the language: Arabic-Indic digits ٠-٩ for
// Arabic, ASCII digits otherwise. No grouping separators.
func Number(ctx context.Context, n int) string {
	return formatNumber(FromContext(ctx), int64(n))
}

func formatNumber(l Lang, n int64) string {
	s := strconv.FormatInt(n, 10)
	if l != Arabic {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune('٠' + (r - '0'))
		case r == '-':
			b.WriteRune('\u061C') // Arabic letter mark keeps the sign in place
			b.WriteRune('-')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
