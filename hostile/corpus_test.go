package hostile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

// The memory test is only as good as its corpus: these tests prove, at
// sizes small enough to decode here, that each builder makes the file it
// claims, as the real decoders read it.

func TestRepeatStreams(t *testing.T) {
	for _, r := range []Repeat{
		Fill('a', 0),
		Fill('a', 5),
		Fill('a', 3<<20+7),
		{Prefix: []byte("head"), Chunk: []byte("0123456789"), Count: 100_000, Suffix: []byte("tail")},
		HugeArray(1),
		HugeArray(1<<19 + 3),
	} {
		want := r.Bytes()
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(r.Deflate())))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Deflate of %d bytes: got %d bytes (%v), want the %d bytes of Bytes", r.Len(), len(got), err, len(want))
		}
		zr, err := zlib.NewReader(bytes.NewReader(r.Zlib()))
		if err != nil {
			t.Fatal(err)
		}
		got, err = io.ReadAll(zr) // checks the Adler-32 at the end
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Zlib of %d bytes: got %d bytes (%v), want the %d bytes of Bytes", r.Len(), len(got), err, len(want))
		}
		if int64(len(want)) != r.Len() {
			t.Errorf("Len: got %d, want %d", r.Len(), len(want))
		}
	}
	// A gigabyte costs about a megabyte.
	if n := len(Fill('a', 1<<30).Deflate()); n > 2<<20 {
		t.Errorf("Deflate of 1 GiB: got %d bytes, want at most 2 MiB", n)
	}
}

func TestImages(t *testing.T) {
	tests := []struct {
		name   string
		file   []byte
		decode func(io.Reader) (image.Image, error)
		config func(io.Reader) (image.Config, error)
		w, h   int
		model  color.Model
		full   bool // decodes in full (else the header alone is checked)
	}{
		{"png 8", PNG(61, 47, 8), png.Decode, png.DecodeConfig, 61, 47, color.NRGBAModel, true},
		{"png 16", PNG(61, 47, 16), png.Decode, png.DecodeConfig, 61, 47, color.NRGBA64Model, true},
		{"png rows", PNG(3, 3000, 16), png.Decode, png.DecodeConfig, 3, 3000, color.NRGBA64Model, true},
		{"png declared", PNGDeclared(60000, 50000), png.Decode, png.DecodeConfig, 60000, 50000, color.NRGBAModel, false},
		{"jpeg progressive", JPEGProgressive(61, 47), jpeg.Decode, jpeg.DecodeConfig, 61, 47, color.YCbCrModel, true},
		{"jpeg declared", JPEGDeclared(65000, 60000), jpeg.Decode, jpeg.DecodeConfig, 65000, 60000, color.GrayModel, false},
		{"webp lossless", WebPLossless(61, 47), webp.Decode, webp.DecodeConfig, 61, 47, color.NRGBAModel, true},
		{"webp declared", WebPDeclared(16384, 16000), webp.Decode, webp.DecodeConfig, 16384, 16000, color.NRGBAModel, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.config(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			if cfg.Width != tt.w || cfg.Height != tt.h || cfg.ColorModel != tt.model {
				t.Errorf("DecodeConfig: got %dx%d, want %dx%d (or another colour model)", cfg.Width, cfg.Height, tt.w, tt.h)
			}
			if !tt.full {
				return
			}
			m, err := tt.decode(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if b := m.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("Decode: got %v, want %dx%d", b, tt.w, tt.h)
			}
		})
	}

	// The sizes the memory test sends stay small on the wire.
	for _, tt := range []struct {
		name string
		file []byte
		max  int
	}{
		{"png 16 at the pixel cap", PNG(6324, 6324, 16), 1 << 20},
		{"jpeg progressive at the pixel cap", JPEGProgressive(6324, 6324), 1 << 20},
		{"webp lossless at the pixel cap", WebPLossless(6324, 6324), 100},
	} {
		if len(tt.file) > tt.max {
			t.Errorf("%s: got %d bytes, want at most %d", tt.name, len(tt.file), tt.max)
		}
	}
}

// The WebP's pixels really are opaque black, and cost no bits.
func TestWebPPixels(t *testing.T) {
	m, err := webp.Decode(bytes.NewReader(WebPLossless(5, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if got := color.NRGBAModel.Convert(m.At(4, 3)); got != (color.NRGBA{A: 255}) {
		t.Errorf("pixel: got %v, want opaque black", got)
	}
}

// image/gif decodes every hidden frame, and the bytes after the first
// frame are the Plain Text Extension that ends a naive walk.
func TestGIFHiddenFrames(t *testing.T) {
	b := GIFHiddenFrames(30, 20, 7)
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 8 {
		t.Errorf("frames: got %d, want 8 (1 + 7 hidden)", len(g.Image))
	}
	for i, f := range g.Image {
		if f.Bounds() != image.Rect(0, 0, 30, 20) {
			t.Errorf("frame %d: got %v, want 30x20", i, f.Bounds())
		}
	}
	first := 13 + 6 + len(gifFrame(30, 20))
	want := append([]byte{0x21, 0x01, 0x00, 0x3B}, make([]byte, 11)...)
	want = append(want, 0x00, 0x2C)
	if got := b[first : first+len(want)]; !bytes.Equal(got, want) {
		t.Errorf("after the first frame: got % x, want % x", got, want)
	}
	// A frame of 2000x2000 is a few kilobytes.
	if n := len(gifFrame(2000, 2000)); n > 8<<10 {
		t.Errorf("a 2000x2000 frame: got %d bytes, want at most 8 KiB", n)
	}
}

func TestZip(t *testing.T) {
	big := HugeString("https://elsewhere.example/1", 5<<20)
	b := Zip(
		File("plain.txt", []byte("hello")),
		Entry{Name: "posts.json", Data: big},
		Entry{Name: "media/liar.png", Data: Fill(0, 3<<20), DeclaredSize: 100},
	)
	if len(b) > 64<<10 {
		t.Errorf("archive: got %d bytes, want at most 64 KiB", len(b))
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 3 {
		t.Fatalf("entries: got %d, want 3", len(zr.File))
	}
	read := func(f *zip.File) ([]byte, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	if got, err := read(zr.File[0]); err != nil || string(got) != "hello" {
		t.Errorf("plain.txt: got %q, %v", got, err)
	}
	got, err := read(zr.File[1]) // checks the CRC
	if err != nil {
		t.Fatalf("posts.json: %v", err)
	}
	var posts []struct {
		URI, Source string
	}
	if err := json.Unmarshal(got, &posts); err != nil {
		t.Fatalf("posts.json: %v", err)
	}
	if len(posts) != 1 || posts[0].URI != "https://elsewhere.example/1" || len(posts[0].Source) != 5<<20 || strings.Trim(posts[0].Source, "a") != "" {
		t.Errorf("posts.json: got %d posts, want one of 5 MiB of a", len(posts))
	}
	if f := zr.File[2]; f.UncompressedSize64 != 100 {
		t.Errorf("liar: got declared size %d, want 100", f.UncompressedSize64)
	}
	if _, err := read(zr.File[2]); err == nil {
		t.Errorf("liar: read in full without an error, want one (it holds more than it declares)")
	}
}

func TestManyEntries(t *testing.T) {
	const n = 70_000
	b := ManyEntries(n)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != n {
		t.Errorf("entries: got %d, want %d", len(zr.File), n)
	}
	if per := len(b) / n; per > 60 {
		t.Errorf("got %d bytes an entry, want at most 60", per)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != "[]" || zr.File[0].Name != "posts.json" {
		t.Errorf("first entry: got %s %q, %v; want posts.json \"[]\"", zr.File[0].Name, got, err)
	}
}

func TestHugeArray(t *testing.T) {
	for _, n := range []int{1, 2, 1 << 19, 1<<19 + 1, 3<<19 + 5} {
		var got []int
		if err := json.Unmarshal(HugeArray(n).Bytes(), &got); err != nil || len(got) != n {
			t.Errorf("HugeArray(%d): got %d elements, %v", n, len(got), err)
		}
	}
}

func TestArchiveWithImage(t *testing.T) {
	b := ArchiveWithImage("https://elsewhere.example/2", "x.png", PNG(3, 2, 8))
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("posts.json")
	if err != nil {
		t.Fatal(err)
	}
	var posts []struct {
		URI         string
		Attachments []struct{ File string }
	}
	if err := json.NewDecoder(rc).Decode(&posts); err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || len(posts[0].Attachments) != 1 || posts[0].Attachments[0].File != "media/x.png" {
		t.Fatalf("posts.json: got %+v, want one post with media/x.png", posts)
	}
	f, err := zr.Open("media/x.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(f); err != nil {
		t.Errorf("media/x.png: %v", err)
	}
}

func TestNestedMarkdown(t *testing.T) {
	for name, s := range NestedMarkdown(5000) {
		if n := len([]rune(s)); n > 5000 || n < 4900 {
			t.Errorf("%s: got %d characters, want 4900 to 5000", name, n)
		}
	}
}
