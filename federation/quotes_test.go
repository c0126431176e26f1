package federation

import (
	"testing"

	"majlis/storage"
)

// TestQuoteTermsInContext: a quoting Note's quote keys are terms of its
// @context, as JSON-LD readers need (Fedify drops undefined keys, so
// majlis's quotes reached it as plain posts), with quoteUri and
// _misskey_quote as plain values (Fedify 1.5.9 refuses a Note whose
// quoteUri expands to an @id).
func TestQuoteTermsInContext(t *testing.T) {
	w := newWorld(t)
	q := w.post(w.amal, storage.Post{Source: "so true", HTML: "<p>so true</p>", QuoteOf: w.remPost.ID,
		QuoteURI: w.remPost.URI, QuoteState: storage.QuotePending})
	doc, err := w.conv.Note(q)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, doc)
	ctx, _ := m["@context"].([]any)
	if len(ctx) != 3 {
		t.Fatalf("@context: %v, want ActivityStreams, security and the terms", m["@context"])
	}
	terms, _ := ctx[2].(map[string]any)
	tests := []struct {
		key   string
		plain bool // a string value, not coerced to @id
	}{
		{"quote", false},
		{"quoteUri", true},
		{"_misskey_quote", true},
		{"interactionPolicy", false},
		{"canQuote", false},
		{"automaticApproval", false},
	}
	for _, tt := range tests {
		if tt.key == "quote" || tt.key == "quoteUri" || tt.key == "_misskey_quote" {
			if m[tt.key] != w.remPost.URI {
				t.Errorf("%s: %v, want %s", tt.key, m[tt.key], w.remPost.URI)
			}
		}
		def, ok := terms[tt.key]
		if !ok {
			t.Errorf("%s is not a term of the @context", tt.key)
			continue
		}
		_, isString := def.(string)
		if isString != tt.plain {
			t.Errorf("%s is defined as %v; want a plain term: %t", tt.key, def, tt.plain)
		}
	}
	for _, term := range []string{"QuoteRequest", "QuoteAuthorization", "quoteAuthorization", "interactingObject", "interactionTarget"} {
		if _, ok := terms[term]; !ok {
			t.Errorf("%s is not a term of the @context", term)
		}
	}
}
