package views

import (
	"bytes"
	"context"
	"testing"
)

// TestLetterAvatar: the initial is escaped, and the classes are those the
// stylesheet colours and sizes.
func TestLetterAvatar(t *testing.T) {
	for _, tt := range []struct {
		initial string
		hue     int
		large   bool
		want    string
	}{
		{"A", 3, false, `<span class="avatar hue-3" aria-hidden="true">A</span>`},
		{"أ", 11, true, `<span class="avatar hue-11 large" aria-hidden="true">أ</span>`},
		{"<", 0, false, `<span class="avatar hue-0" aria-hidden="true">&lt;</span>`},
	} {
		var b bytes.Buffer
		if err := avatar(Avatar{Initial: tt.initial, Hue: tt.hue}, tt.large).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("avatar(%q, %d, %v) = %s, want %s", tt.initial, tt.hue, tt.large, b.String(), tt.want)
		}
	}
}
