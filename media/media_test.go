package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"io"
	"runtime"
	"testing"
)

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestProcessFormats(t *testing.T) {
	tests := []struct {
		name         string
		data         []byte
		wantType     string
		wantDisplay  image.Point
		wantThumb    image.Point
		wantAnimated bool
	}{
		{"jpeg landscape", encodeJPEG(t, gradient(3000, 1500)), "image/jpeg", image.Pt(2048, 1024), image.Pt(480, 240), false},
		{"jpeg portrait", encodeJPEG(t, gradient(1000, 2500)), "image/jpeg", image.Pt(819, 2048), image.Pt(192, 480), false},
		{"jpeg small is not enlarged", encodeJPEG(t, gradient(300, 200)), "image/jpeg", image.Pt(300, 200), image.Pt(300, 200), false},
		{"png opaque becomes jpeg", encodePNG(t, gradient(600, 400)), "image/jpeg", image.Pt(600, 400), image.Pt(480, 320), false},
		{"png transparent stays png", encodePNG(t, translucent(1000, 500)), "image/png", image.Pt(1000, 500), image.Pt(480, 240), false},
		{"png gray", encodePNG(t, image.NewGray(image.Rect(0, 0, 50, 40))), "image/jpeg", image.Pt(50, 40), image.Pt(50, 40), false},
		{"gif one frame is still", gifFile(t, 300, 200, 1), "image/jpeg", image.Pt(300, 200), image.Pt(300, 200), false},
		{"gif animated", gifFile(t, 600, 300, 3), "image/gif", image.Pt(600, 300), image.Pt(480, 240), true},
		{"webp lossless 2x2", webpSolid(2, 2, color.NRGBA{10, 200, 30, 255}), "image/jpeg", image.Pt(2, 2), image.Pt(2, 2), false},
		{"webp lossless large", webpSolid(3000, 1000, color.NRGBA{10, 200, 30, 255}), "image/jpeg", image.Pt(2048, 683), image.Pt(480, 160), false},
		{"webp with alpha", webpSolid(40, 20, color.NRGBA{10, 200, 30, 100}), "image/png", image.Pt(40, 20), image.Pt(40, 20), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Process(bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if img.Display.ContentType != tt.wantType {
				t.Errorf("display content type = %s, want %s", img.Display.ContentType, tt.wantType)
			}
			if got := image.Pt(img.Display.Width, img.Display.Height); got != tt.wantDisplay {
				t.Errorf("display = %v, want %v", got, tt.wantDisplay)
			}
			if got := image.Pt(img.Thumb.Width, img.Thumb.Height); got != tt.wantThumb {
				t.Errorf("thumb = %v, want %v", got, tt.wantThumb)
			}
			if img.Animated != tt.wantAnimated {
				t.Errorf("animated = %v, want %v", img.Animated, tt.wantAnimated)
			}
			if img.Thumb.ContentType == "image/gif" {
				t.Errorf("thumb content type = image/gif, want a still JPEG or PNG")
			}
			decodeVariant(t, "display", img.Display)
			decodeVariant(t, "thumb", img.Thumb)
		})
	}
}

func TestProcessKeepsColours(t *testing.T) {
	green := color.NRGBA{10, 200, 30, 255}
	tests := []struct {
		name string
		data []byte
	}{
		{"webp", webpSolid(64, 64, green)},
		{"png", encodePNG(t, solid(64, 64, green))},
		{"jpeg", encodeJPEG(t, solid(64, 64, green))},
		{"gif", gifFile(t, 64, 64, 1)}, // palette colour 1: red
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Process(bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			want := green
			if tt.name == "gif" {
				want = color.NRGBA{255, 0, 0, 255}
			}
			m := decodeVariant(t, "display", img.Display)
			r, g, b, _ := m.At(32, 32).RGBA()
			if !near(r>>8, int(want.R)) || !near(g>>8, int(want.G)) || !near(b>>8, int(want.B)) {
				t.Errorf("centre pixel = %d,%d,%d, want about %v", r>>8, g>>8, b>>8, want)
			}
		})
	}
}

func near(got uint32, want int) bool { return int(got) >= want-8 && int(got) <= want+8 }

func TestProcessAnimatedGIF(t *testing.T) {
	t.Run("small keeps frames", func(t *testing.T) {
		img, err := Process(bytes.NewReader(gifFile(t, 120, 80, 4)), Limits{})
		if err != nil {
			t.Fatalf("Process: %v", err)
		}
		g, err := gif.DecodeAll(bytes.NewReader(img.Display.Data))
		if err != nil {
			t.Fatalf("decode display: %v", err)
		}
		if len(g.Image) != 4 {
			t.Fatalf("display has %d frames, want 4", len(g.Image))
		}
		if want := []int{10, 11, 12, 13}; !equalInts(g.Delay, want) {
			t.Errorf("delays = %v, want %v", g.Delay, want)
		}
		if g.LoopCount != 0 {
			t.Errorf("loop count = %d, want 0 (forever)", g.LoopCount)
		}
		if !img.Animated {
			t.Error("Animated = false, want true")
		}
		thumb := decodeVariant(t, "thumb", img.Thumb)
		if r, g, b, _ := thumb.At(10, 10).RGBA(); r>>8 < 200 || g>>8 > 50 || b>>8 > 50 {
			t.Errorf("thumb pixel = %d,%d,%d, want red (the first frame)", r>>8, g>>8, b>>8)
		}
	})
	t.Run("large is shrunk, still animated", func(t *testing.T) {
		img, err := Process(bytes.NewReader(gifFile(t, 3000, 100, 3)), Limits{})
		if err != nil {
			t.Fatalf("Process: %v", err)
		}
		g, err := gif.DecodeAll(bytes.NewReader(img.Display.Data))
		if err != nil {
			t.Fatalf("decode display: %v", err)
		}
		if len(g.Image) != 3 || g.Config.Width != 2048 || g.Config.Height != 68 {
			t.Fatalf("display: %d frames of %dx%d, want 3 of 2048x68", len(g.Image), g.Config.Width, g.Config.Height)
		}
		for i, want := range []color.Color{gifPalette[1], gifPalette[2], gifPalette[3]} {
			if got := g.Image[i].At(1000, 30); got != want {
				t.Errorf("frame %d pixel = %v, want %v", i, got, want)
			}
		}
	})
	t.Run("avatar of an animation is still", func(t *testing.T) {
		img, err := Avatar(bytes.NewReader(gifFile(t, 120, 80, 4)), Limits{})
		if err != nil {
			t.Fatalf("Avatar: %v", err)
		}
		if img.Animated || img.Display.ContentType == "image/gif" {
			t.Errorf("avatar: animated %v, type %s; want a still", img.Animated, img.Display.ContentType)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The orientation test picture: top half red, bottom half blue, 64×32 as
// stored, with orientation 6 (turn 90° clockwise to show) and GPS tags.
func TestProcessEXIFOrientationAndGPS(t *testing.T) {
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	plain := encodeJPEG(t, halves(64, 32, red, blue))
	for _, order := range []byteOrder{binary.BigEndian, binary.LittleEndian} {
		t.Run(order.String(), func(t *testing.T) {
			in := withAPP1(plain, exifTIFF(order, orientRotate90, true))
			if got := jpegOrientation(in); got != orientRotate90 {
				t.Fatalf("the test file's orientation reads %d, want 6", got)
			}
			if !bytes.Contains(in, []byte(gpsSecret)) {
				t.Fatal("the test file lacks its GPS tags")
			}
			img, err := Process(bytes.NewReader(in), Limits{})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			for name, v := range map[string]Variant{"display": img.Display, "thumb": img.Thumb} {
				if v.Width != 32 || v.Height != 64 {
					t.Errorf("%s = %dx%d, want 32x64 (turned upright)", name, v.Width, v.Height)
				}
				for _, bad := range []string{"Exif", gpsSecret} {
					if bytes.Contains(v.Data, []byte(bad)) {
						t.Errorf("%s still contains %q", name, bad)
					}
				}
				if hasMarker(v.Data, 0xE1) {
					t.Errorf("%s still has an APP1 segment", name)
				}
				m := decodeVariant(t, name, v)
				// Turned clockwise, the top (red) is now on the right.
				if r, _, b, _ := m.At(28, 32).RGBA(); r>>8 < 200 || b>>8 > 60 {
					t.Errorf("%s right side = r%d b%d, want red", name, r>>8, b>>8)
				}
				if r, _, b, _ := m.At(3, 32).RGBA(); b>>8 < 200 || r>>8 > 60 {
					t.Errorf("%s left side = r%d b%d, want blue", name, r>>8, b>>8)
				}
			}
		})
	}
}

// hasMarker tells whether a JPEG has a segment with marker m before its
// first scan.
func hasMarker(j []byte, m byte) bool {
	for p := 2; p+4 <= len(j) && j[p] == 0xFF; {
		if j[p+1] == m {
			return true
		}
		if j[p+1] == 0xDA {
			return false
		}
		p += 2 + int(binary.BigEndian.Uint16(j[p+2:]))
	}
	return false
}

func TestProcessOrientationOtherFormats(t *testing.T) {
	tiff := exifTIFF(binary.LittleEndian, orientRotate270, false)
	tests := []struct {
		name string
		data []byte
	}{
		{"png eXIf", withPNGChunk(encodePNG(t, translucent(60, 20)), pngChunk("eXIf", tiff))},
		{"webp EXIF", webpFile(vp8x(0x08, 60, 20), riffChunk("VP8L", vp8l(60, 20, color.NRGBA{1, 2, 3, 255})), riffChunk("EXIF", tiff))},
		{"webp EXIF with prefix", webpFile(vp8x(0x08, 60, 20), riffChunk("VP8L", vp8l(60, 20, color.NRGBA{1, 2, 3, 255})), riffChunk("EXIF", append([]byte("Exif\x00\x00"), tiff...)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Process(bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if img.Display.Width != 20 || img.Display.Height != 60 {
				t.Errorf("display = %dx%d, want 20x60 (turned upright)", img.Display.Width, img.Display.Height)
			}
			if bytes.Contains(img.Display.Data, []byte("eXIf")) || bytes.Contains(img.Display.Data, []byte("Exif")) {
				t.Error("display still carries EXIF")
			}
		})
	}
}

func TestProcessSniffsContent(t *testing.T) {
	// Uploads carry a name; Process never sees it. The names here show
	// what a browser would have sent.
	tests := []struct {
		what, filename string
		data           []byte
		wantErr        error
		wantType       string
	}{
		{"png", "x.jpg", encodePNG(t, translucent(10, 10)), nil, "image/png"},
		{"jpeg", "x.png", encodeJPEG(t, gradient(10, 10)), nil, "image/jpeg"},
		{"webp", "x.gif", webpSolid(4, 4, color.NRGBA{1, 2, 3, 255}), nil, "image/jpeg"},
		{"text", "x.png", []byte("hello, this is a text file\n"), ErrNotImage, ""},
		{"svg", "x.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), ErrNotImage, ""},
		{"html", "x.jpg", []byte("<!doctype html><script>alert(1)</script>"), ErrNotImage, ""},
		{"animated webp", "x.webp", webpFile(vp8x(0x02, 10, 10), riffChunk("ANIM", make([]byte, 6))), ErrNotImage, ""},
		{"bmp", "x.bmp", append([]byte("BM"), make([]byte, 100)...), ErrNotImage, ""},
		{"nothing", "empty.png", nil, ErrNotImage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.what+" named "+tt.filename, func(t *testing.T) {
			img, err := Process(bytes.NewReader(tt.data), Limits{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Process(%s) error = %v, want %v", tt.filename, err, tt.wantErr)
			}
			if err == nil && img.Display.ContentType != tt.wantType {
				t.Errorf("content type = %s, want %s", img.Display.ContentType, tt.wantType)
			}
		})
	}
}

func TestProcessRefuses(t *testing.T) {
	jpg := encodeJPEG(t, gradient(200, 100))
	png := encodePNG(t, gradient(200, 100))
	gf := gifFile(t, 200, 100, 3)
	webp := webpSolid(200, 100, color.NRGBA{1, 2, 3, 255})
	// many scans: a valid JPEG whose end is replaced by 150 empty scans.
	manyScans := append([]byte(nil), jpg[:len(jpg)-2]...)
	for range 150 {
		manyScans = append(manyScans, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00)
	}
	manyScans = append(manyScans, 0xFF, 0xD9)

	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"truncated jpeg", jpg[:len(jpg)*2/3], Limits{}, ErrCorrupt},
		{"truncated png", png[:len(png)/2], Limits{}, ErrCorrupt},
		{"truncated gif", gf[:len(gf)/2], Limits{}, ErrCorrupt},
		{"truncated webp", webp[:len(webp)-4], Limits{}, ErrCorrupt},
		{"jpeg signature only", jpg[:3], Limits{}, ErrCorrupt},
		{"png header, no data", pngHeaderOnly(100, 100), Limits{}, ErrCorrupt},
		{"png bomb 100000x100000", pngHeaderOnly(100000, 100000), Limits{}, ErrTooManyPixels},
		{"png 9000x9000: too many pixels", pngHeaderOnly(9000, 9000), Limits{}, ErrTooManyPixels},
		{"png 20000x10: side too long", pngHeaderOnly(20000, 10), Limits{}, ErrTooManyPixels},
		{"jpeg bomb 60000x60000", setJPEGSize(t, jpg, 60000, 60000), Limits{}, ErrTooManyPixels},
		{"jpeg over a small limit", jpg, Limits{MaxPixels: 10000}, ErrTooManyPixels},
		{"jpeg with too many scans", manyScans, Limits{}, ErrCorrupt},
		{"gif frames over the pixel budget", gifFile(t, 100, 100, 5), Limits{MaxPixels: 40000}, ErrTooManyPixels},
		{"large animated gif to shrink", gifFile(t, 2100, 10, 3), Limits{MaxPixels: 50000}, ErrTooManyPixels},
		{"webp bomb", webpFile(vp8x(0, 9000, 9000), riffChunk("VP8L", vp8l(9000, 9000, color.NRGBA{A: 255}))), Limits{}, ErrTooManyPixels},
		{"too many bytes", jpg, Limits{MaxBytes: int64(len(jpg)) - 1}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(bytes.NewReader(tt.data), tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Process error = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("exactly MaxBytes is fine", func(t *testing.T) {
		if _, err := Process(bytes.NewReader(jpg), Limits{MaxBytes: int64(len(jpg))}); err != nil {
			t.Fatalf("Process: %v", err)
		}
	})
}

// A decompression bomb is refused from its header: nothing near its
// 10^10 pixels is allocated.
func TestProcessBombAllocatesNothing(t *testing.T) {
	bomb := pngHeaderOnly(100000, 100000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Process(bytes.NewReader(bomb), Limits{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("Process error = %v, want ErrTooManyPixels", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("refusing the bomb allocated %d bytes, want under 1 MiB", n)
	}
}

// endless is an upload that never ends; it counts what was read.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

func TestProcessReadsAtMostMaxBytes(t *testing.T) {
	r := &endless{}
	_, err := Process(r, Limits{MaxBytes: 1 << 20})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Process error = %v, want ErrTooLarge", err)
	}
	if r.n > 1<<20+1 {
		t.Errorf("read %d bytes, want at most %d", r.n, 1<<20+1)
	}
}

func TestAvatarAndHeader(t *testing.T) {
	tests := []struct {
		name       string
		fn         func(io.Reader, Limits) (Image, error)
		data       []byte
		wantDisp   image.Point
		wantThumb  image.Point
		wantCentre color.RGBA // the colour of the whole result
	}{
		{"avatar of a wide picture", Avatar, encodePNG(t, thirds(900, 300, true)), image.Pt(300, 300), image.Pt(96, 96), color.RGBA{0, 255, 0, 255}},
		{"avatar of a large picture", Avatar, encodePNG(t, thirds(1800, 600, true)), image.Pt(400, 400), image.Pt(96, 96), color.RGBA{0, 255, 0, 255}},
		{"avatar of a tall picture", Avatar, encodePNG(t, thirds(300, 900, false)), image.Pt(300, 300), image.Pt(96, 96), color.RGBA{0, 255, 0, 255}},
		{"avatar of a tiny picture", Avatar, encodePNG(t, thirds(30, 90, false)), image.Pt(30, 30), image.Pt(30, 30), color.RGBA{0, 255, 0, 255}},
		{"header of a tall picture", Header, encodePNG(t, thirds(600, 1800, false)), image.Pt(600, 200), image.Pt(600, 200), color.RGBA{0, 255, 0, 255}},
		{"header of a large picture", Header, encodePNG(t, thirds(3000, 3000, false)), image.Pt(1500, 500), image.Pt(600, 200), color.RGBA{0, 255, 0, 255}},
		{"header of a panorama", Header, encodePNG(t, thirds(9000, 1000, true)), image.Pt(1500, 500), image.Pt(600, 200), color.RGBA{0, 255, 0, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := tt.fn(bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			for name, c := range map[string]struct {
				v    Variant
				want image.Point
			}{"display": {img.Display, tt.wantDisp}, "thumb": {img.Thumb, tt.wantThumb}} {
				if got := image.Pt(c.v.Width, c.v.Height); got != c.want {
					t.Errorf("%s = %v, want %v", name, got, c.want)
				}
				m := decodeVariant(t, name, c.v)
				b := m.Bounds()
				for _, p := range []image.Point{{b.Min.X + 1, b.Min.Y + 1}, {b.Max.X - 2, b.Max.Y - 2}, {b.Dx() / 2, b.Dy() / 2}} {
					r, g, bl, _ := m.At(p.X, p.Y).RGBA()
					if !near(r>>8, int(tt.wantCentre.R)) || !near(g>>8, int(tt.wantCentre.G)) || !near(bl>>8, int(tt.wantCentre.B)) {
						t.Errorf("%s pixel %v = %d,%d,%d, want the centre band %v", name, p, r>>8, g>>8, bl>>8, tt.wantCentre)
					}
				}
			}
		})
	}
	t.Run("avatar turns upright first", func(t *testing.T) {
		// Stored 90×30 in bands left to right, shown turned: bands top to
		// bottom, so the centre square of the upright 30×90 is green.
		in := withAPP1(encodeJPEG(t, thirds(900, 300, true)), exifTIFF(binary.BigEndian, orientRotate90, false))
		img, err := Avatar(bytes.NewReader(in), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		m := decodeVariant(t, "display", img.Display)
		if r, g, b, _ := m.At(150, 150).RGBA(); g>>8 < 200 || r>>8 > 60 || b>>8 > 60 {
			t.Errorf("centre = %d,%d,%d, want green", r>>8, g>>8, b>>8)
		}
	})
}

// FuzzProcess feeds arbitrary bytes to Process with small limits: it must
// never panic, and whatever it returns must decode as it says.
func FuzzProcess(f *testing.F) {
	f.Add(encodeJPEG(f, gradient(16, 8)))
	f.Add(withAPP1(encodeJPEG(f, gradient(8, 8)), exifTIFF(binary.LittleEndian, 6, true)))
	f.Add(encodePNG(f, translucent(8, 4)))
	f.Add(gifFile(f, 8, 8, 2))
	f.Add(gifFile(f, 8, 8, 1))
	f.Add(webpSolid(3, 5, color.NRGBA{1, 2, 3, 200}))
	f.Add(pngHeaderOnly(100000, 100000))
	lim := Limits{MaxBytes: 1 << 16, MaxPixels: 1 << 16, MaxSide: 1024}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Process(bytes.NewReader(data), lim)
		if err != nil {
			for _, want := range []error{ErrNotImage, ErrCorrupt, ErrTooManyPixels, ErrTooLarge} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("Process error %v is none of the sentinels", err)
		}
		decodeVariant(t, "display", img.Display)
		decodeVariant(t, "thumb", img.Thumb)
	})
}

// BenchmarkProcessJPEG processes a 3000×2000 (6 megapixel) photo-sized JPEG.
func BenchmarkProcessJPEG(b *testing.B) {
	data := encodeJPEG(b, gradient(3000, 2000))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(bytes.NewReader(data), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessPNGAlpha processes a 3000×2000 PNG with transparency.
func BenchmarkProcessPNGAlpha(b *testing.B) {
	data := encodePNG(b, translucent(3000, 2000))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(bytes.NewReader(data), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// transparentGIF is an animation of two w×h frames over a palette whose
// entry 0 is transparent: the first frame is clear on its left half and
// red on its right; the second, smaller, frame paints a blue square in the
// middle and is cleared to the background after.
func transparentGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	f0 := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for y := range h {
		for x := w / 2; x < w; x++ {
			f0.SetColorIndex(x, y, 1)
		}
	}
	f1 := image.NewPaletted(image.Rect(w/4, h/4, 3*w/4, 3*h/4), pal)
	for i := range f1.Pix {
		f1.Pix[i] = 2
	}
	g := &gif.GIF{
		Image:    []*image.Paletted{f0, f1},
		Delay:    []int{50, 50},
		Disposal: []byte{gif.DisposalNone, gif.DisposalBackground},
		Config:   image.Config{ColorModel: pal, Width: w, Height: h},
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProcessTransparentAnimation(t *testing.T) {
	for _, size := range []image.Point{{200, 100}, {4096, 100}} {
		t.Run(size.String(), func(t *testing.T) {
			img, err := Process(bytes.NewReader(transparentGIF(t, size.X, size.Y)), Limits{})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if img.Thumb.ContentType != "image/png" {
				t.Errorf("thumb content type = %s, want image/png (it has transparency)", img.Thumb.ContentType)
			}
			g, err := gif.DecodeAll(bytes.NewReader(img.Display.Data))
			if err != nil {
				t.Fatalf("decode display: %v", err)
			}
			w, h := g.Config.Width, g.Config.Height
			if want := image.Pt(min(size.X, DisplaySide), size.Y*min(size.X, DisplaySide)/size.X); image.Pt(w, h) != want || len(g.Image) != 2 {
				t.Fatalf("display: %d frames of %dx%d, want 2 of %v", len(g.Image), w, h, want)
			}
			// Compose the output as a viewer would and look at the second
			// frame: clear left, red right, blue middle.
			canvas := image.NewRGBA(image.Rect(0, 0, w, h))
			for _, f := range g.Image {
				for y := f.Rect.Min.Y; y < f.Rect.Max.Y; y++ {
					for x := f.Rect.Min.X; x < f.Rect.Max.X; x++ {
						if _, _, _, a := f.At(x, y).RGBA(); a != 0 {
							canvas.Set(x, y, f.At(x, y))
						}
					}
				}
			}
			for _, c := range []struct {
				at   image.Point
				want color.RGBA
			}{
				{image.Pt(w/8, h/8), color.RGBA{}},
				{image.Pt(w-w/8, h/8), color.RGBA{255, 0, 0, 255}},
				{image.Pt(w/2, h/2), color.RGBA{0, 0, 255, 255}},
			} {
				if got := canvas.RGBAAt(c.at.X, c.at.Y); got != c.want {
					t.Errorf("second frame at %v = %v, want %v", c.at, got, c.want)
				}
			}
		})
	}
}
