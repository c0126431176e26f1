package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"runtime"
	"testing"
)

// Issue 11, finding "GIF limits bypassed": frames hidden behind a Plain
// Text Extension were decoded without being counted. They are counted
// now, and refused before any of them is decoded.
func TestGIFPlainTextBomb(t *testing.T) {
	const w, h, hidden = 400, 400, 100
	bomb := plainTextBomb(t, w, h, hidden)
	// The bomb is real: image/gif decodes every hidden frame.
	g, err := gif.DecodeAll(bytes.NewReader(bomb))
	if err != nil {
		t.Fatalf("gif.DecodeAll: %v", err)
	}
	if len(g.Image) != hidden+1 {
		t.Fatalf("gif.DecodeAll found %d frames, want %d", len(g.Image), hidden+1)
	}
	lim := Limits{MaxPixels: 3 * w * h} // three frames
	hiddenBytes := uint64(hidden * w * h)

	t.Run("Process", func(t *testing.T) {
		var err error
		n := allocated(func() { _, err = Process(bytes.NewReader(bomb), lim) })
		if !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("Process error = %v, want ErrTooManyPixels", err)
		}
		if n > 1<<20 {
			t.Errorf("refusing the bomb allocated %d bytes, want under 1 MiB (its hidden frames hold %d)", n, hiddenBytes)
		}
	})
	// The decoder counts for itself, whatever a pre-check said: it stops
	// at the frame that would exceed the limit, before decoding it.
	t.Run("decodeGIF", func(t *testing.T) {
		var err error
		n := allocated(func() { _, err = decodeGIF(bomb, lim.withDefaults(), true) })
		if !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("decodeGIF error = %v, want ErrTooManyPixels", err)
		}
		if want := uint64(3*w*h + 1<<20); n > want {
			t.Errorf("decodeGIF allocated %d bytes, want at most %d (three frames)", n, want)
		}
	})
	t.Run("too many frames", func(t *testing.T) {
		many := plainTextBomb(t, 1, 1, maxGIFFrames+1)
		if _, err := Process(bytes.NewReader(many), Limits{}); !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("Process error = %v, want ErrTooManyPixels", err)
		}
	})
}

// allocated is the number of bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The frame-by-frame decoder gives what gif.DecodeAll gives, for every
// kind of block: extensions image/gif reads in different ways, graphic
// control state that carries over (or not) from one frame to the next,
// local colour tables, transparency, interlacing.
func TestDecodeGIFMatchesDecodeAll(t *testing.T) {
	pal := []color.RGBA{{0, 0, 0, 255}, {255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}
	local := []color.RGBA{{10, 20, 30, 255}, {40, 50, 60, 255}}
	full := image.Rect(0, 0, 16, 8)
	pix := func(r image.Rectangle) []byte {
		p := make([]byte, r.Dx()*r.Dy())
		for i := range p {
			p[i] = byte(i % 4)
		}
		return p
	}
	tests := []struct {
		name       string
		data       []byte
		wantFrames int
	}{
		{"plain text, comment and application extensions", newGIF(16, 8, pal).
			ext(0xFE, nil, []byte("a comment")).
			ext(0xFF, append([]byte{11}, "NETSCAPE2.0"...), []byte{1, 3, 0}).
			frame(t, full, nil, false, pix(full)).
			ext(0x01, append([]byte{12}, make([]byte, 12)...), []byte("some text"), []byte("more")).
			ext(0xFF, append([]byte{10}, "XMP DataXM"...), []byte("<xmp/>")).
			frame(t, full, nil, false, pix(full)).
			end(), 2},
		{"graphic control state", newGIF(16, 8, pal).
			gce(gif.DisposalBackground, 7, 2).
			gce(gif.DisposalPrevious, 9, -1). // transparency stays from the first
			frame(t, full, nil, false, pix(full)).
			frame(t, image.Rect(2, 2, 10, 6), nil, false, pix(image.Rect(2, 2, 10, 6))). // disposal stays, delay and transparency do not
			gce(gif.DisposalNone, 3, 1).
			frame(t, full, nil, false, pix(full)).
			end(), 3},
		{"local tables, transparency beyond the table, interlacing", newGIF(16, 8, pal).
			frame(t, full, local, false, fill(16*8, 1)).
			gce(0, 5, 6). // index 6 is past the two local colours
			frame(t, full, local, true, fill(16*8, 0)).
			frame(t, image.Rect(0, 0, 16, 5), nil, true, pix(image.Rect(0, 0, 16, 5))).
			end(), 3},
		{"no global table", newGIF(4, 4, nil).
			frame(t, image.Rect(0, 0, 4, 4), local, false, fill(16, 1)).
			end(), 1},
		{"plain text bomb", plainTextBomb(t, 8, 8, 5), 6},
		{"encoded by image/gif", gifFile(t, 20, 10, 4), 4},
		{"transparent animation", transparentGIF(t, 20, 10), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := gif.DecodeAll(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatalf("gif.DecodeAll: %v", err)
			}
			if len(want.Image) != tt.wantFrames {
				t.Fatalf("gif.DecodeAll found %d frames, want %d", len(want.Image), tt.wantFrames)
			}
			got, err := decodeGIF(tt.data, Limits{}.withDefaults(), true)
			if err != nil {
				t.Fatalf("decodeGIF: %v", err)
			}
			if msg := sameGIF(got, want); msg != "" {
				t.Error(msg)
			}
			info, err := walkGIF(tt.data, Limits{}.withDefaults(), func([]byte, gifFrame) error { return nil })
			if err != nil {
				t.Fatalf("walkGIF: %v", err)
			}
			if info.frames != len(want.Image) || info.pixels != gifPixels(want) {
				t.Errorf("walk counted %d frames of %d pixels, image/gif decoded %d of %d", info.frames, info.pixels, len(want.Image), gifPixels(want))
			}
		})
	}
}

// gifPixels is the sum of the areas of the frames of g.
func gifPixels(g *gif.GIF) int64 {
	var n int64
	for _, m := range g.Image {
		n += int64(m.Rect.Dx()) * int64(m.Rect.Dy())
	}
	return n
}

// sameGIF describes the first difference between two decoded GIFs, or
// returns "".
func sameGIF(got, want *gif.GIF) string {
	switch {
	case len(got.Image) != len(want.Image):
		return fmt.Sprintf("%d frames, want %d", len(got.Image), len(want.Image))
	case !equalInts(got.Delay, want.Delay):
		return fmt.Sprintf("delays %v, want %v", got.Delay, want.Delay)
	case !bytes.Equal(got.Disposal, want.Disposal):
		return fmt.Sprintf("disposal %v, want %v", got.Disposal, want.Disposal)
	case got.LoopCount != want.LoopCount:
		return fmt.Sprintf("loop count %d, want %d", got.LoopCount, want.LoopCount)
	case got.BackgroundIndex != want.BackgroundIndex:
		return fmt.Sprintf("background %d, want %d", got.BackgroundIndex, want.BackgroundIndex)
	case got.Config.Width != want.Config.Width || got.Config.Height != want.Config.Height:
		return fmt.Sprintf("canvas %dx%d, want %dx%d", got.Config.Width, got.Config.Height, want.Config.Width, want.Config.Height)
	case !samePalette(got.Config.ColorModel, want.Config.ColorModel):
		return "global colour table differs"
	}
	for i, m := range got.Image {
		w := want.Image[i]
		switch {
		case m.Rect != w.Rect:
			return fmt.Sprintf("frame %d bounds %v, want %v", i, m.Rect, w.Rect)
		case !bytes.Equal(m.Pix, w.Pix):
			return fmt.Sprintf("frame %d pixels differ", i)
		case !samePalette(m.Palette, w.Palette):
			return fmt.Sprintf("frame %d palette %v, want %v", i, m.Palette, w.Palette)
		}
	}
	return ""
}

func samePalette(a, b color.Model) bool {
	pa, _ := a.(color.Palette)
	pb, _ := b.(color.Palette)
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		r1, g1, b1, a1 := pa[i].RGBA()
		r2, g2, b2, a2 := pb[i].RGBA()
		if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
			return false
		}
	}
	return true
}
