package media

import (
	"bufio"
	"fmt"
	"image"
	"io"
)

// EmojiSide bounds the longest side of a custom emoji; EmojiThumbSide its
// small version.
const (
	EmojiSide      = 128
	EmojiThumbSide = 64
)

// Emoji makes a custom emoji (a :shortcode: picture) from a PNG, GIF or
// WebP: a still PNG (an animated GIF gives its first frame), its longest
// side at most EmojiSide, transparency kept, with the checks and
// budgets of Process. A JPEG is refused (ErrNotImage): emoji are drawn
// pictures with transparency, and a photo makes a poor one.
func Emoji(r io.Reader, lim Limits) (Image, error) {
	br := bufio.NewReaderSize(r, 64)
	head, _ := br.Peek(16)
	switch sniff(head) {
	case formatPNG, formatGIF, formatWebP:
	case formatJPEG:
		return Image{}, fmt.Errorf("a jpeg emoji: %w", ErrNotImage)
	default:
		return Image{}, ErrNotImage
	}
	return process(br, lim, shape{
		display: image.Pt(EmojiSide, EmojiSide),
		thumb:   image.Pt(EmojiThumbSide, EmojiThumbSide),
		png:     true,
	})
}
