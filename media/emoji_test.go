package media

import (
	"bytes"
	"errors"
	"testing"
)

func TestEmoji(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		w, h    int
		wantErr error
	}{
		{"opaque png stays png", encodePNG(t, gradient(60, 40)), 60, 40, nil},
		{"transparent png", encodePNG(t, translucent(30, 30)), 30, 30, nil},
		{"large png shrinks", encodePNG(t, gradient(512, 256)), EmojiSide, EmojiSide / 2, nil},
		{"animated gif becomes still", gifFile(t, 40, 40, 3), 40, 40, nil},
		{"jpeg refused", encodeJPEG(t, gradient(40, 40)), 0, 0, ErrNotImage},
		{"text refused", []byte("not a picture, only words"), 0, 0, ErrNotImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Emoji(bytes.NewReader(tt.data), Limits{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := img.Display
			if d.ContentType != "image/png" || d.Width != tt.w || d.Height != tt.h || img.Animated {
				t.Errorf("got %s %dx%d animated %v, want a still PNG %dx%d", d.ContentType, d.Width, d.Height, img.Animated, tt.w, tt.h)
			}
		})
	}
}
