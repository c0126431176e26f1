package media

import (
	"bytes"
	"compress/lzw"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// Test pictures are generated here: nothing is read from disk.

// gradient is an opaque w×h picture with smooth colours.
func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := m.PixOffset(x, y)
			m.Pix[i] = uint8(255 * x / max(w-1, 1))
			m.Pix[i+1] = uint8(255 * y / max(h-1, 1))
			m.Pix[i+2] = 128
			m.Pix[i+3] = 255
		}
	}
	return m
}

// halves is a w×h picture, its top half c1 and its bottom half c2.
func halves(w, h int, c1, c2 color.Color) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if y < h/2 {
				m.Set(x, y, c1)
			} else {
				m.Set(x, y, c2)
			}
		}
	}
	return m
}

// thirds is a w×h picture in three bands (vertical: left to right, or
// horizontal: top to bottom) of red, green and blue.
func thirds(w, h int, vertical bool) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	bands := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}
	for y := range h {
		for x := range w {
			i := 3 * y / h
			if vertical {
				i = 3 * x / w
			}
			m.SetRGBA(x, y, bands[i])
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// solid is a w×h picture of one colour.
func solid(w, h int, c color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// translucent is a w×h picture whose left half is half transparent.
func translucent(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if x < w/2 {
				a = 128
			}
			m.SetNRGBA(x, y, color.NRGBA{200, 100, 50, a})
		}
	}
	return m
}

var gifPalette = color.Palette{
	color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255},
	color.RGBA{0, 0, 255, 255}, color.RGBA{255, 255, 255, 255},
}

// gifFile encodes frames of w×h in solid palette colours 1, 2, 3, ...; a
// single frame makes a still GIF.
func gifFile(t testing.TB, w, h, frames int) []byte {
	t.Helper()
	g := &gif.GIF{LoopCount: 0, Config: image.Config{ColorModel: gifPalette, Width: w, Height: h}}
	for i := range frames {
		f := image.NewPaletted(image.Rect(0, 0, w, h), gifPalette)
		for j := range f.Pix {
			f.Pix[j] = uint8(1 + i%3)
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10+i)
		g.Disposal = append(g.Disposal, gif.DisposalNone)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bitWriter writes the least significant bit first, as VP8L reads.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

func (w *bitWriter) write(v uint64, bits uint) {
	w.acc |= v << w.n
	w.n += bits
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		return append(w.buf, byte(w.acc))
	}
	return w.buf
}

// vp8l builds, from the WebP lossless bitstream specification, a w×h
// picture of one colour: the header, no transforms, no colour cache, no
// meta prefix codes, then five "simple" prefix codes of one symbol each
// (green, red, blue, alpha, distance). A code of one symbol takes zero
// bits, so the pixels themselves take no space at all.
func vp8l(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8) // signature
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	alphaUsed := uint64(0)
	if c.A != 255 {
		alphaUsed = 1
	}
	bw.write(alphaUsed, 1)
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // eight-bit symbol
		bw.write(uint64(sym), 8)
	}
	bw.write(1, 1) // distance: simple code,
	bw.write(0, 1) // one symbol,
	bw.write(0, 1) // one-bit symbol:
	bw.write(0, 1) // 0
	return bw.bytes()
}

// riffChunk is a RIFF chunk: FourCC, little-endian length, data, padding.
func riffChunk(fourCC string, data []byte) []byte {
	b := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// webpFile wraps chunks in a RIFF WEBP container.
func webpFile(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// vp8x is the extended-format header chunk with flags and canvas size.
func vp8x(flags byte, w, h int) []byte {
	d := make([]byte, 10)
	d[0] = flags
	d[4], d[5], d[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	d[7], d[8], d[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	return riffChunk("VP8X", d)
}

// webpSolid is a simple lossless WebP file of one colour.
func webpSolid(w, h int, c color.NRGBA) []byte {
	return webpFile(riffChunk("VP8L", vp8l(w, h, c)))
}

// pngChunk is a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// withPNGChunk inserts a chunk right after IHDR.
func withPNGChunk(p []byte, chunk []byte) []byte {
	const afterIHDR = 8 + 25
	out := append([]byte(nil), p[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, p[afterIHDR:]...)
}

// pngHeaderOnly is a PNG that declares w×h RGB pixels and has no data.
func pngHeaderOnly(w, h int) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8 bits, truecolour, deflate, filter 0, no interlace
	b := append([]byte(nil), pngSignature...)
	b = append(b, pngChunk("IHDR", ihdr)...)
	return append(b, pngChunk("IEND", nil)...)
}

// byteOrder reads and appends.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifTIFF builds the TIFF structure of an EXIF block, byte by byte: IFD0
// with the orientation (if o > 0) and, if gps, a pointer to a GPS IFD that
// holds a latitude and a recognisable map datum string.
func exifTIFF(order byteOrder, o int, gps bool) []byte {
	var b []byte
	if order.String() == binary.LittleEndian.String() {
		b = append(b, "II"...)
	} else {
		b = append(b, "MM"...)
	}
	b = order.AppendUint16(b, 42)
	b = order.AppendUint32(b, 8) // IFD0 follows
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // 4 bytes: the value or an offset
	}
	short := func(v uint16) []byte { return order.AppendUint16(order.AppendUint16(nil, v), 0) }
	long := func(v uint32) []byte { return order.AppendUint32(nil, v) }
	var ifd0 []entry
	if o > 0 {
		ifd0 = append(ifd0, entry{0x0112, 3, 1, short(uint16(o))})
	}
	ifd0Len := 2 + 12*(len(ifd0)+1) + 4 // with the GPS pointer if any
	if !gps {
		ifd0Len -= 12
	}
	gpsOff := uint32(8 + ifd0Len)
	if gps {
		ifd0 = append(ifd0, entry{0x8825, 4, 1, long(gpsOff)})
	}
	writeIFD := func(es []entry) {
		b = order.AppendUint16(b, uint16(len(es)))
		for _, e := range es {
			b = order.AppendUint16(b, e.tag)
			b = order.AppendUint16(b, e.typ)
			b = order.AppendUint32(b, e.count)
			b = append(b, e.value...)
		}
		b = order.AppendUint32(b, 0) // no next IFD
	}
	writeIFD(ifd0)
	if gps {
		datum := []byte(gpsSecret + "\x00")
		gpsLen := 2 + 12*3 + 4
		strOff := gpsOff + uint32(gpsLen)
		ratOff := strOff + uint32(len(datum))
		writeIFD([]entry{
			{0x0001, 2, 2, []byte{'N', 0, 0, 0}},          // GPSLatitudeRef
			{0x0002, 5, 3, long(ratOff)},                  // GPSLatitude: 3 rationals
			{0x0012, 2, uint32(len(datum)), long(strOff)}, // GPSMapDatum
		})
		b = append(b, datum...)
		for _, v := range []uint32{48, 1, 51, 1, 2400, 100} { // 48° 51' 24"
			b = order.AppendUint32(b, v)
		}
	}
	return b
}

// gpsSecret is a string that must not survive processing.
const gpsSecret = "WGS-84 SECRET PLACE"

// withAPP1 inserts an APP1 "Exif" segment holding tiff right after SOI.
func withAPP1(j []byte, tiff []byte) []byte {
	payload := append(append([]byte(nil), exifHeader...), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+len(payload)))
	seg = append(seg, payload...)
	out := append([]byte(nil), j[:2]...)
	out = append(out, seg...)
	return append(out, j[2:]...)
}

// setJPEGSize rewrites the dimensions in the SOF0 segment of a JPEG.
func setJPEGSize(t testing.TB, j []byte, w, h int) []byte {
	t.Helper()
	out := append([]byte(nil), j...)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 segment")
	}
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	return out
}

// decodeVariant decodes a variant's data and checks that it agrees with
// the variant's fields.
func decodeVariant(t testing.TB, name string, v Variant) image.Image {
	t.Helper()
	m, kind, err := image.Decode(bytes.NewReader(v.Data))
	if err != nil {
		t.Fatalf("%s: decode output: %v", name, err)
	}
	wantKind := map[string]string{"image/jpeg": "jpeg", "image/png": "png", "image/gif": "gif"}[v.ContentType]
	wantExt := map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}[v.ContentType]
	if kind != wantKind || v.Ext != wantExt {
		t.Errorf("%s: data is %s, ext %q; content type says %s", name, kind, v.Ext, v.ContentType)
	}
	// The size of a GIF is its canvas; its first frame may be smaller.
	cfg, _, err := image.DecodeConfig(bytes.NewReader(v.Data))
	if err != nil {
		t.Fatalf("%s: decode output header: %v", name, err)
	}
	if cfg.Width != v.Width || cfg.Height != v.Height {
		t.Errorf("%s: data is %dx%d, variant says %dx%d", name, cfg.Width, cfg.Height, v.Width, v.Height)
	}
	if b := m.Bounds(); v.ContentType != "image/gif" && (b.Dx() != v.Width || b.Dy() != v.Height) {
		t.Errorf("%s: pixels are %dx%d, variant says %dx%d", name, b.Dx(), b.Dy(), v.Width, v.Height)
	}
	if v.SHA256 != sha256hex(v.Data) {
		t.Errorf("%s: SHA256 = %s, want the hash of Data", name, v.SHA256)
	}
	return m
}

// adam7 are the passes of an interlaced PNG: first column and row, and
// steps.
var adam7 = []struct{ x0, y0, dx, dy int }{
	{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2},
}

// interlacedPNG writes, from the PNG specification, an interlaced w×h PNG
// of the given colour type and depth (8 or 16), whose pixel (x, y) has the
// bytes pixel returns; chunks go before the image data. The Go encoder
// writes no interlaced files.
func interlacedPNG(t testing.TB, w, h int, colorType, depth byte, pixel func(x, y int) []byte, chunks ...[]byte) []byte {
	t.Helper()
	var raw bytes.Buffer
	for _, p := range adam7 {
		if p.x0 >= w || p.y0 >= h {
			continue
		}
		for y := p.y0; y < h; y += p.dy {
			raw.WriteByte(0) // filter: none
			for x := p.x0; x < w; x += p.dx {
				raw.Write(pixel(x, y))
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, 1) // deflate, filter 0, Adam7
	b := append([]byte(nil), pngSignature...)
	b = append(b, pngChunk("IHDR", ihdr)...)
	for _, c := range chunks {
		b = append(b, c...)
	}
	b = append(b, pngChunk("IDAT", z.Bytes())...)
	return append(b, pngChunk("IEND", nil)...)
}

// rgba16 is a 16-bit RGBA pixel of a smooth picture, for interlacedPNG.
func rgba16(x, y int) []byte {
	return []byte{byte(x), byte(y), byte(y), byte(x), 0x80, 0, byte(128 + x%128), 0xFF}
}

// gray8 is a grey pixel, for interlacedPNG.
func gray8(x, y int) []byte { return []byte{byte(x + y)} }

// gifBuilder writes a GIF block by block, from the GIF89a specification,
// to make structures the Go encoder does not write.
type gifBuilder struct{ b []byte }

// newGIF starts a w×h GIF with a global colour table (none if pal is nil).
func newGIF(w, h int, pal []color.RGBA) *gifBuilder {
	g := &gifBuilder{b: []byte("GIF89a")}
	g.b = binary.LittleEndian.AppendUint16(g.b, uint16(w))
	g.b = binary.LittleEndian.AppendUint16(g.b, uint16(h))
	if pal == nil {
		g.b = append(g.b, 0, 0, 0)
		return g
	}
	g.b = append(g.b, 0x80|tableBits(len(pal)), 0, 0)
	g.b = appendTable(g.b, pal)
	return g
}

// tableBits is the size field of a colour table of n colours.
func tableBits(n int) byte {
	bits := byte(0)
	for 2<<bits < n {
		bits++
	}
	return bits
}

// appendTable appends a colour table, padded to a power of two.
func appendTable(b []byte, pal []color.RGBA) []byte {
	n := 2 << tableBits(len(pal))
	for i := range n {
		var c color.RGBA
		if i < len(pal) {
			c = pal[i]
		}
		b = append(b, c.R, c.G, c.B)
	}
	return b
}

// subBlocks appends data as sub-blocks of at most 255 bytes and the
// terminator.
func subBlocks(b, data []byte) []byte {
	for len(data) > 0 {
		n := min(len(data), 255)
		b = append(b, byte(n))
		b = append(b, data[:n]...)
		data = data[n:]
	}
	return append(b, 0)
}

// ext appends an extension: its label, fixed bytes (written as they are)
// and sub-blocks.
func (g *gifBuilder) ext(label byte, fixed []byte, blocks ...[]byte) *gifBuilder {
	g.b = append(g.b, 0x21, label)
	g.b = append(g.b, fixed...)
	for _, blk := range blocks {
		g.b = append(g.b, byte(len(blk)))
		g.b = append(g.b, blk...)
	}
	g.b = append(g.b, 0)
	return g
}

// gce appends a graphic control extension; transparent < 0 sets none.
func (g *gifBuilder) gce(disposal byte, delay, transparent int) *gifBuilder {
	flags := disposal << 2
	ti := byte(0)
	if transparent >= 0 {
		flags |= 1
		ti = byte(transparent)
	}
	g.b = append(g.b, 0x21, 0xF9, 4, flags, byte(delay), byte(delay>>8), ti, 0)
	return g
}

// frame appends an image: its bounds, a local colour table (none if pal
// is nil), interlaced or not, and its colour indexes row by row (stored in
// interlaced order when asked).
func (g *gifBuilder) frame(t testing.TB, r image.Rectangle, pal []color.RGBA, interlaced bool, pix []byte) *gifBuilder {
	t.Helper()
	g.b = append(g.b, 0x2C)
	for _, v := range []int{r.Min.X, r.Min.Y, r.Dx(), r.Dy()} {
		g.b = binary.LittleEndian.AppendUint16(g.b, uint16(v))
	}
	flags := byte(0)
	if pal != nil {
		flags = 0x80 | tableBits(len(pal))
	}
	if interlaced {
		flags |= 0x40
		var rows []byte
		for _, pass := range []struct{ start, step int }{{0, 8}, {4, 8}, {2, 4}, {1, 2}} {
			for y := pass.start; y < r.Dy(); y += pass.step {
				rows = append(rows, pix[y*r.Dx():(y+1)*r.Dx()]...)
			}
		}
		pix = rows
	}
	g.b = append(g.b, flags)
	if pal != nil {
		g.b = appendTable(g.b, pal)
	}
	const litWidth = 8
	var z bytes.Buffer
	zw := lzw.NewWriter(&z, lzw.LSB, litWidth)
	if _, err := zw.Write(pix); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	g.b = append(g.b, litWidth)
	g.b = subBlocks(g.b, z.Bytes())
	return g
}

// raw appends bytes as they are.
func (g *gifBuilder) raw(b ...byte) *gifBuilder {
	g.b = append(g.b, b...)
	return g
}

// end appends the trailer and returns the file.
func (g *gifBuilder) end() []byte { return append(g.b, 0x3B) }

// fill is n colour indexes, all i.
func fill(n int, i byte) []byte { return bytes.Repeat([]byte{i}, n) }

// plainTextBomb is the GIF of issue 11's finding: a first w×h frame, then
// a Plain Text Extension that a frame counter reading every extension as
// "label, then sub-blocks" takes for an empty extension and a trailer
// (21 01, then 00 3B), while image/gif reads its 13 fixed bytes (00 3B and
// 11 filler bytes) and its sub-blocks (00); then hidden frames of w×h that
// image/gif decodes and the counter never saw.
func plainTextBomb(t testing.TB, w, h, hidden int) []byte {
	t.Helper()
	g := newGIF(w, h, []color.RGBA{{0, 0, 0, 255}, {255, 0, 0, 255}})
	g.frame(t, image.Rect(0, 0, w, h), nil, false, fill(w*h, 1))
	g.raw(0x21, 0x01, 0x00, 0x3B)
	g.raw(bytes.Repeat([]byte{'x'}, 11)...)
	g.raw(0x00)
	head := len(g.b)
	g.frame(t, image.Rect(0, 0, w, h), nil, false, fill(w*h, 0))
	frame := append([]byte(nil), g.b[head:]...)
	for range hidden - 1 {
		g.raw(frame...)
	}
	return g.end()
}
