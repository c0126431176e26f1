package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// readImage reads a picture of testdata/images (see make.py there).
func readImage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "images", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stillFiles are pictures of every kind each decoder has a way of its own
// to allocate, with the type it decodes them into.
func stillFiles(t testing.TB) []struct {
	name string
	data []byte
	want image.Image
} {
	nrgba64 := image.NewNRGBA64(image.Rect(0, 0, 640, 480))
	for i := range nrgba64.Pix {
		nrgba64.Pix[i] = byte(i * 7)
	}
	paletted := image.NewPaletted(image.Rect(0, 0, 640, 480), gifPalette)
	gray16 := image.NewGray16(image.Rect(0, 0, 640, 480))
	trns := pngChunk("tRNS", []byte{0, 7}) // grey 7 is transparent
	return []struct {
		name string
		data []byte
		want image.Image
	}{
		{"png rgb", encodePNG(t, gradient(640, 480)), &image.RGBA{}},
		{"png rgba", encodePNG(t, translucent(640, 480)), &image.NRGBA{}},
		{"png gray", encodePNG(t, image.NewGray(image.Rect(0, 0, 640, 480))), &image.Gray{}},
		{"png gray 16-bit", encodePNG(t, gray16), &image.Gray16{}},
		{"png rgba 16-bit", encodePNG(t, nrgba64), &image.NRGBA64{}},
		{"png paletted", encodePNG(t, paletted), &image.Paletted{}},
		{"png rgba 16-bit interlaced", interlacedPNG(t, 640, 480, 6, 16, rgba16), &image.NRGBA64{}},
		{"png gray interlaced with tRNS", interlacedPNG(t, 640, 480, 0, 8, gray8, trns), &image.NRGBA{}},
		{"jpeg 4:2:0", encodeJPEG(t, gradient(640, 480)), &image.YCbCr{}},
		{"jpeg gray", encodeJPEG(t, image.NewGray(image.Rect(0, 0, 640, 480))), &image.Gray{}},
		{"jpeg rgb", rgbJPEG(t, encodeJPEG(t, gradient(640, 480))), &image.RGBA{}},
		{"jpeg progressive 4:2:0", readImage(t, "progressive420.jpg"), &image.YCbCr{}},
		{"jpeg progressive 4:4:4", readImage(t, "progressive444.jpg"), &image.YCbCr{}},
		{"jpeg progressive gray", readImage(t, "progressive-gray.jpg"), &image.Gray{}},
		{"jpeg cmyk", readImage(t, "cmyk.jpg"), &image.CMYK{}},
		{"jpeg progressive cmyk", readImage(t, "progressive-cmyk.jpg"), &image.CMYK{}},
		{"webp lossy", readImage(t, "lossy.webp"), &image.YCbCr{}},
		{"webp lossy with alpha", readImage(t, "lossy-alpha.webp"), &image.NYCbCrA{}},
		{"webp lossless", readImage(t, "lossless.webp"), &image.NRGBA{}},
		{"webp lossless, colour-indexed", readImage(t, "lossless-palette.webp"), &image.NRGBA{}},
	}
}

// rgbJPEG renames the components of a JPEG from the encoder R, G and B:
// image/jpeg then reads them as red, green and blue, not YCbCr, and
// converts them into an RGBA picture.
func rgbJPEG(t testing.TB, j []byte) []byte {
	t.Helper()
	out := append([]byte(nil), j...)
	sof := bytes.Index(out, []byte{0xFF, 0xC0})
	sos := bytes.Index(out, []byte{0xFF, 0xDA})
	if sof < 0 || sos < 0 || out[sof+9] != 3 || out[sos+4] != 3 {
		t.Fatal("not a baseline JPEG of three components")
	}
	for k, id := range []byte("RGB") {
		out[sof+10+3*k] = id
		out[sos+5+2*k] = id
	}
	return out
}

// What decoding allocates (TotalAlloc: garbage included) stays within the
// estimate made from the header, and the decoded picture within what the
// estimate says it holds.
func TestDecodeCostBounds(t *testing.T) {
	for _, tt := range stillFiles(t) {
		t.Run(tt.name, func(t *testing.T) {
			f := sniff(tt.data)
			cfg, err := f.decodeConfig(tt.data)
			if err != nil {
				t.Fatalf("decodeConfig: %v", err)
			}
			dc := f.decodeCost(tt.data, cfg.Width, cfg.Height)
			var m image.Image
			n := allocated(func() { m, err = f.decode(tt.data) })
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if reflect.TypeOf(m) != reflect.TypeOf(tt.want) {
				t.Fatalf("decoded a %T, want a %T: the file does not test what it should", m, tt.want)
			}
			if b := m.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
				t.Errorf("decoded %v, header says %dx%d", b, cfg.Width, cfg.Height)
			}
			if int64(n) > dc.peak {
				t.Errorf("decoding allocated %d bytes, estimate %d", n, dc.peak)
			}
			if got := imageBytes(m); got > dc.picture {
				t.Errorf("decoded picture holds %d bytes, estimate %d", got, dc.picture)
			}
		})
	}
}

// Every kind of still picture goes through Process: the display variant
// keeps the size, transparency gives a PNG, the colours stay.
func TestProcessEveryDecoder(t *testing.T) {
	for _, tt := range stillFiles(t) {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Process(bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if img.Display.Width != 640 || img.Display.Height != 480 || img.Thumb.Width != 480 || img.Thumb.Height != 360 {
				t.Errorf("display %dx%d, thumb %dx%d; want 640x480 and 480x360", img.Display.Width, img.Display.Height, img.Thumb.Width, img.Thumb.Height)
			}
			decodeVariant(t, "display", img.Display)
			decodeVariant(t, "thumb", img.Thumb)
			src, _, err := image.Decode(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			out := decodeVariant(t, "display", img.Display)
			// The top left corner is opaque in every file; its colour
			// survives within JPEG's loss.
			r1, g1, b1, _ := src.At(4, 4).RGBA()
			r2, g2, b2, _ := out.At(4, 4).RGBA()
			if !near(r2>>8, int(r1>>8)) && !near(g2>>8, int(g1>>8)) && !near(b2>>8, int(b1>>8)) {
				t.Errorf("pixel (4,4) = %d,%d,%d, want about %d,%d,%d", r2>>8, g2>>8, b2>>8, r1>>8, g1>>8, b1>>8)
			}
		})
	}
}

// A picture that alone needs more memory than the budget is refused from
// its header; a small one waits for memory others hold, as long as its
// context lasts.
func TestBudget(t *testing.T) {
	t.Run("16-bit PNG over the default budget", func(t *testing.T) {
		// 30 megapixels, within MaxPixels, at 8 bytes a pixel: 240 MB.
		deep := pngHeaderOnlyDepth(6000, 5000, 16, 6)
		var err error
		n := allocated(func() { _, err = Process(bytes.NewReader(deep), Limits{}) })
		if !errors.Is(err, ErrTooMuchMemory) {
			t.Fatalf("Process error = %v, want ErrTooMuchMemory", err)
		}
		if n > 1<<20 {
			t.Errorf("refusing it allocated %d bytes, want under 1 MiB", n)
		}
		// The same picture at 8 bits a channel fits.
		if _, err := Process(bytes.NewReader(pngHeaderOnlyDepth(6000, 5000, 8, 6)), Limits{}); errors.Is(err, ErrTooMuchMemory) || !errors.Is(err, ErrCorrupt) {
			t.Errorf("8-bit: Process error = %v, want ErrCorrupt (no pixel data), after reserving", err)
		}
	})
	t.Run("over a small budget", func(t *testing.T) {
		_, err := Process(bytes.NewReader(encodePNG(t, gradient(1000, 1000))), Limits{Budget: NewBudget(4 << 20)})
		if !errors.Is(err, ErrTooMuchMemory) {
			t.Fatalf("Process error = %v, want ErrTooMuchMemory", err)
		}
	})
	t.Run("waits for memory, until its context ends", func(t *testing.T) {
		b := NewBudget(64 << 20)
		data := encodePNG(t, gradient(100, 100))
		if err := b.mem.Acquire(context.Background(), b.Size()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := Process(bytes.NewReader(data), Limits{Budget: b, Context: ctx}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("with the budget taken: error = %v, want DeadlineExceeded", err)
		}
		done := make(chan error)
		go func() {
			_, err := Process(bytes.NewReader(data), Limits{Budget: b})
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("Process returned (%v) while the budget was taken", err)
		case <-time.After(50 * time.Millisecond):
		}
		b.mem.Release(b.Size())
		if err := <-done; err != nil {
			t.Fatalf("once memory is free: %v", err)
		}
		// Everything reserved was given back.
		if !b.mem.TryAcquire(b.Size()) {
			t.Error("the budget is not whole again after processing")
		}
	})
	t.Run("uploads waiting hold no more than the intake", func(t *testing.T) {
		b := NewBudget(64 << 20)
		if err := b.intake.Acquire(context.Background(), intakeSlots); err != nil {
			t.Fatal(err)
		}
		defer b.intake.Release(intakeSlots)
		r := &endless{}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := Process(r, Limits{Budget: b, Context: ctx}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want DeadlineExceeded", err)
		}
		if r.n != 0 {
			t.Errorf("read %d bytes while waiting for an intake slot, want 0", r.n)
		}
	})
	t.Run("concurrent uploads share it", func(t *testing.T) {
		data := encodePNG(t, translucent(1200, 900))
		need := int64(len(data)) + stillPeak(1200, 900, formatPNG.decodeCost(data, 1200, 900), orientNormal,
			shape{display: image.Pt(DisplaySide, DisplaySide), thumb: image.Pt(ThumbSide, ThumbSide), animate: true})
		b := NewBudget(need + need/2) // room for one at a time
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := Process(bytes.NewReader(data), Limits{Budget: b})
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Errorf("Process: %v", err)
			}
		}
	})
}

// pngHeaderOnlyDepth is a PNG that declares w×h pixels of a colour type
// and depth and has no data.
func pngHeaderOnlyDepth(w, h int, depth, colorType byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	b := append([]byte(nil), pngSignature...)
	b = append(b, pngChunk("IHDR", ihdr)...)
	return append(b, pngChunk("IEND", nil)...)
}

// The fast paths of rowReader read pixels exactly as their colour model
// converts them.
func TestRowReaderFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 37, 5
	rect := image.Rect(3, 2, 3+w, 2+h)
	fillRandom := func(pix []uint8) {
		for i := range pix {
			pix[i] = uint8(r.UintN(256))
		}
	}
	nrgba64 := image.NewNRGBA64(rect)
	rgba64 := image.NewRGBA64(rect)
	gray16 := image.NewGray16(rect)
	cmyk := image.NewCMYK(rect)
	for _, p := range [][]uint8{nrgba64.Pix, rgba64.Pix, gray16.Pix, cmyk.Pix} {
		fillRandom(p)
	}
	for _, m := range []image.Image{nrgba64, rgba64, gray16, cmyk} {
		rr := newRowReader(m)
		row := make([]uint8, 4*(w-2))
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			rr.read(row, rect.Min.X+2, y)
			for j := range w - 2 {
				cr, cg, cb, ca := m.At(rect.Min.X+2+j, y).RGBA()
				want := color.RGBA{uint8(cr >> 8), uint8(cg >> 8), uint8(cb >> 8), uint8(ca >> 8)}
				if got := (color.RGBA{row[4*j], row[4*j+1], row[4*j+2], row[4*j+3]}); got != want {
					t.Fatalf("%T at (%d,%d): got %v, want %v", m, rect.Min.X+2+j, y, got, want)
				}
			}
		}
	}
}

// FuzzPrecheck compares what is counted before decoding with what the real
// decoders produce, for every input both accept: for a GIF, the frames
// and pixels the walk counts and what gif.DecodeAll decodes (and the
// frame-by-frame decoder gives the same frames); for the other formats,
// the header's dimensions and the decoded bounds, and the estimate of the
// decoded picture's bytes and what it holds.
func FuzzPrecheck(f *testing.F) {
	f.Add(plainTextBomb(f, 8, 8, 3))
	f.Add(gifFile(f, 8, 8, 3))
	f.Add(transparentGIF(f, 8, 6))
	f.Add(newGIF(4, 4, nil).frame(f, image.Rect(0, 0, 4, 4), []color.RGBA{{1, 2, 3, 255}}, true, fill(16, 0)).end())
	f.Add(encodePNG(f, translucent(8, 4)))
	f.Add(encodePNG(f, image.NewGray16(image.Rect(0, 0, 5, 3))))
	f.Add(interlacedPNG(f, 9, 7, 6, 16, rgba16))
	f.Add(interlacedPNG(f, 9, 7, 0, 8, gray8, pngChunk("tRNS", []byte{0, 7})))
	f.Add(encodeJPEG(f, gradient(16, 8)))
	f.Add(rgbJPEG(f, encodeJPEG(f, gradient(16, 8))))
	f.Add(webpSolid(3, 5, color.NRGBA{1, 2, 3, 200}))
	for _, name := range []string{"progressive420", "progressive444", "progressive-gray", "cmyk", "progressive-cmyk"} {
		f.Add(readImage(f, name+"-small.jpg"))
	}
	for _, name := range []string{"lossy", "lossy-alpha", "lossless", "lossless-palette"} {
		f.Add(readImage(f, name+"-small.webp"))
	}
	unlimited := Limits{MaxPixels: 1 << 40}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		fm := sniff(data)
		if fm == formatUnknown {
			return
		}
		cfg, err := fm.decodeConfig(data)
		// Process refuses an empty picture before decoding. Keep what the
		// decoders allocate small: every GIF frame lies within the canvas.
		if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > 1<<16 {
			return
		}
		if fm == formatGIF {
			want, derr := gif.DecodeAll(bytes.NewReader(data))
			info, werr := walkGIF(data, unlimited, func([]byte, gifFrame) error { return nil })
			got, gerr := decodeGIF(data, unlimited, true)
			if derr != nil {
				if gerr == nil {
					t.Fatalf("decodeGIF accepts what gif.DecodeAll refuses (%v)", derr)
				}
				return
			}
			if werr != nil || gerr != nil {
				t.Fatalf("gif.DecodeAll accepts what the walk (%v) or decodeGIF (%v) refuses", werr, gerr)
			}
			if info.frames != len(want.Image) || info.pixels != gifPixels(want) {
				t.Fatalf("walk counted %d frames of %d pixels, gif.DecodeAll decoded %d of %d", info.frames, info.pixels, len(want.Image), gifPixels(want))
			}
			if msg := sameGIF(got, want); msg != "" {
				t.Fatalf("decodeGIF differs from gif.DecodeAll: %s", msg)
			}
			return
		}
		m, err := fm.decode(data)
		if err != nil {
			return
		}
		if b := m.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
			t.Fatalf("decoded %v, header says %dx%d", b, cfg.Width, cfg.Height)
		}
		if got, dc := imageBytes(m), fm.decodeCost(data, cfg.Width, cfg.Height); got > dc.picture {
			t.Fatalf("decoded %T holds %d bytes, estimate %d", m, got, dc.picture)
		}
	})
}

// The hostile uploads of issue 11's memory test are refused before
// anything of their size is allocated: decompression bombs of every
// format from their headers, GIFs of too many frames or pixels from the
// walk of their blocks.
func TestBombsAreRefusedCheaply(t *testing.T) {
	// repeatFrame is a GIF of a w×h canvas and n copies of one frame.
	repeatFrame := func(w, h, n int) []byte {
		g := newGIF(w, h, []color.RGBA{{0, 0, 0, 255}, {255, 255, 255, 255}})
		head := len(g.b)
		g.frame(t, image.Rect(0, 0, w, h), nil, false, fill(w*h, 1))
		block := append([]byte(nil), g.b[head:]...)
		for range n - 1 {
			g.raw(block...)
		}
		return g.end()
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"png 100000x100000", pngHeaderOnly(100000, 100000), ErrTooManyPixels},
		{"png 16-bit 6000x5000", pngHeaderOnlyDepth(6000, 5000, 16, 6), ErrTooMuchMemory},
		{"jpeg 60000x60000", setJPEGSize(t, encodeJPEG(t, gradient(64, 64)), 60000, 60000), ErrTooManyPixels},
		{"webp lossy 16383x16383", webpFile(riffChunk("VP8 ", vp8FrameHeader(16383, 16383))), ErrTooManyPixels},
		{"webp lossless 16384x16384", webpSolid(16384, 16384, color.NRGBA{A: 255}), ErrTooManyPixels},
		{"webp extended 16777216x100", webpFile(vp8x(0, 1<<24, 100), riffChunk("VP8L", vp8l(16384, 100, color.NRGBA{A: 255}))), ErrTooManyPixels},
		{"gif 65535x65535", newGIF(65535, 65535, []color.RGBA{{}, {}}).frame(t, image.Rect(0, 0, 1, 1), nil, false, []byte{0}).end(), ErrTooManyPixels},
		{"gif of 16 frames of 3000x3000", repeatFrame(3000, 3000, 16), ErrTooManyPixels},
		{"gif of 5000 frames", repeatFrame(1, 1, 5000), ErrTooManyPixels},
		{"gif frames hidden behind plain text", plainTextBomb(t, 3000, 3000, 16), ErrTooManyPixels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Process(bytes.NewReader(tt.data), Limits{}) })
			if !errors.Is(err, tt.want) {
				t.Fatalf("Process error = %v, want %v", err, tt.want)
			}
			if limit := uint64(len(tt.data)) + 1<<20; n > limit {
				t.Errorf("refusing a %d-byte bomb allocated %d bytes, want at most %d", len(tt.data), n, limit)
			}
		})
	}
}

// vp8FrameHeader is the start of a lossy WebP key frame of w×h (RFC 6386,
// section 9.1): a frame tag, the start code and the dimensions, and no
// data.
func vp8FrameHeader(w, h int) []byte {
	const firstPartitionLen = 0
	tag := uint32(0) | 0<<1 | 1<<4 | firstPartitionLen<<5 // key frame, version 0, shown
	b := []byte{byte(tag), byte(tag >> 8), byte(tag >> 16), 0x9d, 0x01, 0x2a}
	b = binary.LittleEndian.AppendUint16(b, uint16(w))
	return binary.LittleEndian.AppendUint16(b, uint16(h))
}
