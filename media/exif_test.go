package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

func TestTIFFOrientation(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	good := exifTIFF(be, 6, false)
	tests := []struct {
		name string
		tiff []byte
		want int
	}{
		{"big-endian", good, 6},
		{"little-endian", exifTIFF(le, 3, false), 3},
		{"with GPS", exifTIFF(le, 8, true), 8},
		{"no orientation tag", exifTIFF(le, 0, true), 0},
		{"empty", nil, 0},
		{"bad byte order", append([]byte("XX"), good[2:]...), 0},
		{"bad magic", append([]byte("MM\x00\x2B"), good[4:]...), 0},
		{"truncated header", good[:6], 0},
		{"truncated IFD", good[:12], 0},
		{"truncated entry", good[:len(good)-8], 0},
		{"IFD offset past the end", append(append([]byte("MM\x00\x2A"), 0xFF, 0xFF, 0xFF, 0xF0), good[8:]...), 0},
		{"huge entry count", append(append([]byte(nil), good[:8]...), 0xFF, 0xFF), 0},
		{"orientation as a LONG", patched(good, 12, 0x00, 0x04), 0},
		{"orientation count 2", patched(good, 14, 0, 0, 0, 2), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tiffOrientation(tt.tiff); got != tt.want {
				t.Errorf("tiffOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

// patched copies b and overwrites bytes from offset at.
func patched(b []byte, at int, with ...byte) []byte {
	out := append([]byte(nil), b...)
	copy(out[at:], with)
	return out
}

func TestOrientationFromFiles(t *testing.T) {
	jpg := encodeJPEG(t, gradient(8, 8))
	png := encodePNG(t, gradient(8, 8))
	tiff := exifTIFF(binary.LittleEndian, 5, false)
	app1Late := append(append([]byte(nil), jpg[:len(jpg)-2]...), withAPP1([]byte{0xFF, 0xD8}, tiff)[2:]...) // after the scan
	tests := []struct {
		name string
		f    format
		data []byte
		want int
	}{
		{"jpeg without exif", formatJPEG, jpg, 1},
		{"jpeg with exif", formatJPEG, withAPP1(jpg, tiff), 5},
		{"jpeg exif after the scan is ignored", formatJPEG, app1Late, 1},
		{"jpeg exif with out-of-range value", formatJPEG, withAPP1(jpg, exifTIFF(binary.LittleEndian, 9, false)), 1},
		{"jpeg segment length past the end", formatJPEG, []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x'}, 1},
		{"jpeg segment length too small", formatJPEG, []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xD9}, 1},
		{"jpeg fill bytes before exif", formatJPEG, append([]byte{0xFF, 0xD8, 0xFF, 0xFF}, withAPP1(jpg, tiff)[2:]...), 5},
		{"png without exif", formatPNG, png, 1},
		{"png with eXIf", formatPNG, withPNGChunk(png, pngChunk("eXIf", tiff)), 5},
		{"png chunk length past the end", formatPNG, append(append([]byte(nil), pngSignature...), 0xFF, 0xFF, 0xFF, 0xFF, 'e', 'X', 'I', 'f'), 1},
		{"webp with EXIF", formatWebP, webpFile(vp8x(8, 1, 1), riffChunk("EXIF", tiff)), 5},
		{"webp odd chunk before EXIF", formatWebP, webpFile(riffChunk("ABCD", []byte{1}), riffChunk("EXIF", tiff)), 5},
		{"webp chunk length past the end", formatWebP, webpFile([]byte("EXIF\xff\xff\xff\xff")), 1},
		{"gif has no exif", formatGIF, gifFile(t, 4, 4, 1), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := orientation(tt.f, tt.data); got != tt.want {
				t.Errorf("orientation = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestOrient checks the eight orientations on a 3×2 picture whose pixels
// are all different, by where the stored top-left (TL) and top-right (TR)
// pixels end up, as the EXIF specification describes each value ("the 0th
// row is at the visual right, the 0th column at the visual top", ...).
func TestOrient(t *testing.T) {
	const w, h = 3, 2
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{uint8(10 * x), uint8(10 * y), 0, 255})
		}
	}
	tl, tr := m.RGBAAt(0, 0), m.RGBAAt(w-1, 0)
	tests := []struct {
		o          int
		size       image.Point
		atTL, atTR image.Point
	}{
		{1, image.Pt(3, 2), image.Pt(0, 0), image.Pt(2, 0)},
		{2, image.Pt(3, 2), image.Pt(2, 0), image.Pt(0, 0)},
		{3, image.Pt(3, 2), image.Pt(2, 1), image.Pt(0, 1)},
		{4, image.Pt(3, 2), image.Pt(0, 1), image.Pt(2, 1)},
		{5, image.Pt(2, 3), image.Pt(0, 0), image.Pt(0, 2)},
		{6, image.Pt(2, 3), image.Pt(1, 0), image.Pt(1, 2)},
		{7, image.Pt(2, 3), image.Pt(1, 2), image.Pt(1, 0)},
		{8, image.Pt(2, 3), image.Pt(0, 2), image.Pt(0, 0)},
	}
	for _, tt := range tests {
		got := orient(m, tt.o)
		if got.Rect.Size() != tt.size {
			t.Errorf("orientation %d: size %v, want %v", tt.o, got.Rect.Size(), tt.size)
			continue
		}
		if c := got.RGBAAt(tt.atTL.X, tt.atTL.Y); c != tl {
			t.Errorf("orientation %d: pixel at %v = %v, want the stored top-left %v", tt.o, tt.atTL, c, tl)
		}
		if c := got.RGBAAt(tt.atTR.X, tt.atTR.Y); c != tr {
			t.Errorf("orientation %d: pixel at %v = %v, want the stored top-right %v", tt.o, tt.atTR, c, tr)
		}
	}
}

// FuzzOrientation reads arbitrary bytes as every format: it must never
// panic nor read out of bounds, and always answer 1 to 8.
func FuzzOrientation(f *testing.F) {
	tiff := exifTIFF(binary.BigEndian, 6, true)
	f.Add(withAPP1([]byte{0xFF, 0xD8, 0xFF, 0xD9}, tiff))
	f.Add(withPNGChunk(pngHeaderOnly(1, 1), pngChunk("eXIf", tiff)))
	f.Add(webpFile(vp8x(8, 1, 1), riffChunk("EXIF", tiff)))
	f.Add(tiff)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fm := range []format{formatJPEG, formatPNG, formatWebP, formatGIF, formatUnknown} {
			if o := orientation(fm, b); o < 1 || o > 8 {
				t.Fatalf("orientation(%s) = %d, want 1 to 8", fm, o)
			}
		}
		tiffOrientation(b)
		// The same bytes behind each signature reach the inner parsers.
		orientation(formatJPEG, append([]byte{0xFF, 0xD8}, b...))
		orientation(formatPNG, append(append([]byte(nil), pngSignature...), b...))
		orientation(formatWebP, append([]byte("RIFF\x00\x00\x00\x00WEBP"), b...))
		orientation(formatJPEG, withAPP1([]byte{0xFF, 0xD8, 0xFF, 0xD9}, b))
		jpegStructure(b).decodeCost(100, 100)
		walkGIF(b, Limits{}.withDefaults(), func([]byte, gifFrame) error { return nil })
		pngDecodeCost(b, 100, 100)
		webpDecodeCost(b, 100, 100)
		if bytes.HasPrefix(b, []byte("RIFF")) {
			webpAnimated(b)
		}
	})
}
