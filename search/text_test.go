package search

import "testing"

func TestPlainText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"<p>Hello <b>world</b></p>", "Hello world"},
		{"<p>one</p><p>two</p>", "one\n\ntwo"},
		{"a<br>b", "a\nb"},
		{"<p>&lt;script&gt; &amp; فول</p>", "<script> & فول"},
		{`<a href="https://example.org/x">example.org/x</a>`, "example.org/x"},
		{"", ""},
	} {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
