package e2e

import (
	"fmt"
	"strings"
	"testing"

	"majlis/storage"
)

// TestQuotesPageWithoutJS: on a phone, with JavaScript off, the author
// finds the count of their post's quotes in its action row (which still
// fits one line), follows it to the page of quotes, and sees the quote;
// in English and in Arabic.
func TestQuotesPageWithoutJS(t *testing.T) {
	h := newHarness(t)
	amal := h.seedUser("amal", "Amal")
	bilal := h.seedUser("bilal", "Bilal")
	orig := h.seedPost(amal, "Words worth quoting")
	id := h.db.NewID()
	quote := storage.Post{ID: id, AuthorID: bilal.ID, URI: h.baseURL + "/@bilal/" + id.String(), Source: "So very true",
		HTML: "<p>So very true</p>", Visibility: storage.Public, Local: true,
		QuoteOf: orig.ID, QuoteURI: orig.URI, QuoteState: storage.QuoteAccepted, QuotePolicy: storage.QuotePublic}
	if err := h.db.CreatePost(&quote); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ar"} {
		b := h.newTab("amal-"+lang, false)
		b.login("amal")
		b.language(lang)
		b.viewport(phoneWidth, phoneHeight)
		b.open(fmt.Sprintf("/@amal/%s", orig.ID))
		row := fmt.Sprintf(`#post-%s [data-testid="actions"]`, orig.ID)
		if got, want := b.text(row+` [data-testid="quote-count"]`), map[string]string{"en": "1", "ar": "١"}[lang]; got != want {
			t.Errorf("%s: the quotes count says %q, want %q", lang, got, want)
		}
		if !eval[bool](b, oneRow(row+` > *`)) {
			t.Errorf("%s: the permalink's action row takes more than one line", lang)
		}
		if over := eval[float64](b, `(e => e.scrollWidth - e.clientWidth)(document.querySelector(`+jsString(row)+`))`); over > 0 {
			t.Errorf("%s: the permalink's action row overflows by %.0fpx", lang, over)
		}
		b.saveScreenshot("quotes-link-" + lang)
		b.clickAndLoad(row + ` [data-testid="quotes-link"]`)
		if got := b.text(`[data-testid="quotes"]`); !strings.Contains(got, "So very true") || !strings.Contains(got, "Words worth quoting") {
			t.Errorf("%s: the quotes page shows %q", lang, got)
		}
		b.saveScreenshot("quotes-page-" + lang)
	}
}
