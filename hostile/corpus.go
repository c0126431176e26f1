package hostile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/lzw"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"strconv"
	"strings"
)

// Every builder here writes a file by hand, byte by byte, so that what it
// declares and what it holds can differ as an attacker's file would; none
// of them needs the memory its file decodes to.

// Repeat is data made of Prefix, then Chunk Count times, then Suffix.
// Compressed with Deflate, a large Count costs little: see Deflate.
type Repeat struct {
	Prefix, Chunk, Suffix []byte
	Count                 int
}

// Len is the number of bytes r stands for.
func (r Repeat) Len() int64 {
	return int64(len(r.Prefix)) + int64(len(r.Chunk))*int64(r.Count) + int64(len(r.Suffix))
}

// Bytes writes r out in full; for small r only.
func (r Repeat) Bytes() []byte {
	b := make([]byte, 0, r.Len())
	b = append(b, r.Prefix...)
	for range r.Count {
		b = append(b, r.Chunk...)
	}
	return append(b, r.Suffix...)
}

// CRC32 is the IEEE CRC-32 of r's bytes (as zip records it).
func (r Repeat) CRC32() uint32 {
	c := crc32.Update(0, crc32.IEEETable, r.Prefix)
	for range r.Count {
		c = crc32.Update(c, crc32.IEEETable, r.Chunk)
	}
	return crc32.Update(c, crc32.IEEETable, r.Suffix)
}

// Adler32 is the Adler-32 of r's bytes (as zlib records it).
func (r Repeat) Adler32() uint32 {
	h := adler32.New()
	h.Write(r.Prefix)
	for range r.Count {
		h.Write(r.Chunk)
	}
	h.Write(r.Suffix)
	return h.Sum32()
}

// Deflate is a raw DEFLATE stream of r. The chunk is compressed once and
// its compressed form repeated: each piece is compressed by a fresh
// compressor and ends with a sync flush (byte-aligned, not final), so its
// back-references stay inside it and the pieces concatenate into one valid
// stream, which the compressed suffix ends.
func (r Repeat) Deflate() []byte {
	piece := func(b []byte, final bool) []byte {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		w.Write(b)
		if final {
			w.Close()
		} else {
			w.Flush()
		}
		return buf.Bytes()
	}
	out := piece(r.Prefix, false)
	if r.Count > 0 {
		c := piece(r.Chunk, false)
		out = append(out, bytes.Repeat(c, r.Count)...)
	}
	return append(out, piece(r.Suffix, true)...)
}

// Zlib is a zlib stream of r (a DEFLATE stream with its header and
// Adler-32).
func (r Repeat) Zlib() []byte {
	out := []byte{0x78, 0xDA}
	out = append(out, r.Deflate()...)
	return binary.BigEndian.AppendUint32(out, r.Adler32())
}

// Fill is Repeat of n bytes b, in chunks of 1 MiB.
func Fill(b byte, n int) Repeat {
	const chunk = 1 << 20
	r := Repeat{Suffix: bytes.Repeat([]byte{b}, n%chunk)}
	if n >= chunk {
		r.Chunk, r.Count = bytes.Repeat([]byte{b}, chunk), n/chunk
	}
	return r
}

// ---- PNG ----

// PNG is an RGBA PNG of w×h pixels, all zero (transparent black), with
// depth 8 or 16 bits a channel: a few hundred kilobytes that decode to
// w×h×4 (or ×8) bytes.
func PNG(w, h, depth int) []byte {
	bpp := 4 * depth / 8
	row := make([]byte, 1+w*bpp) // filter byte 0, then zeros
	per := max(1, (1<<20)/len(row))
	rows := Repeat{Chunk: bytes.Repeat(row, per), Count: h / per, Suffix: bytes.Repeat(row, h%per)}
	return pngFile(w, h, depth, rows.Zlib())
}

// PNGDeclared is an RGBA PNG whose header declares w×h pixels but whose
// data holds only a few rows: refused from its header alone if the server
// checks the size before decoding.
func PNGDeclared(w, h int) []byte {
	row := make([]byte, 1+w*4)
	rows := Repeat{Chunk: row, Count: 4}
	return pngFile(w, h, 8, rows.Zlib())
}

func pngFile(w, h, depth int, idat []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, byte(depth), 6, 0, 0, 0) // RGBA, deflate, adaptive filters, no interlace
	pngChunk(&b, "IHDR", ihdr)
	for len(idat) > 0 {
		n := min(len(idat), 1<<20)
		pngChunk(&b, "IDAT", idat[:n])
		idat = idat[n:]
	}
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	c := crc32.NewIEEE()
	c.Write([]byte(typ))
	c.Write(data)
	binary.Write(b, binary.BigEndian, c.Sum32())
}

// ---- JPEG ----

// JPEGProgressive is a progressive JPEG of w×h pixels, three components
// at full resolution (4:4:4), uniformly grey: one DC scan in which every
// block costs one bit. A decoder that keeps a progressive image's
// coefficients holds 64 of them per block and component (Go's image/jpeg:
// 256 bytes per 8×8 block, 12 bytes a pixel) on top of the picture.
func JPEGProgressive(w, h int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	jpegQuant(&b)
	// SOF2: precision 8, h, w, 3 components (id, 1x1 sampling, table 0).
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0}
	jpegSegment(&b, 0xC2, sof)
	// DHT: DC table 0 with one code of length 1 for category 0 (a
	// difference of zero).
	dht := append([]byte{0x00, 1}, make([]byte, 15)...)
	dht = append(dht, 0)
	jpegSegment(&b, 0xC4, dht)
	// SOS: the three components, DC only (Ss 0, Se 0, Ah/Al 0).
	jpegSegment(&b, 0xDA, []byte{3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0})
	blocks := ((w + 7) / 8) * ((h + 7) / 8) * 3
	b.Write(make([]byte, (blocks+7)/8)) // one 0 bit a block
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// JPEGDeclared is a baseline greyscale JPEG whose header declares w×h
// pixels and which holds almost no picture data.
func JPEGDeclared(w, h int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	jpegQuant(&b)
	jpegSegment(&b, 0xC0, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0})
	// DC and AC tables 0, one code each (a zero difference, end of
	// block), and a scan of the one component with a few bytes of data.
	one := append([]byte{1}, make([]byte, 15)...)
	jpegSegment(&b, 0xC4, append(append([]byte{0x00}, one...), 0))
	jpegSegment(&b, 0xC4, append(append([]byte{0x10}, one...), 0))
	jpegSegment(&b, 0xDA, []byte{1, 1, 0x00, 0, 63, 0})
	b.Write(make([]byte, 16))
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

func jpegQuant(b *bytes.Buffer) {
	jpegSegment(b, 0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))
}

func jpegSegment(b *bytes.Buffer, marker byte, data []byte) {
	b.Write([]byte{0xFF, marker, byte((len(data) + 2) >> 8), byte(len(data) + 2)})
	b.Write(data)
}

// ---- WebP ----

// WebPLossless is a lossless WebP (VP8L) of w×h opaque black pixels in a
// few dozen bytes: every Huffman code has a single symbol, so a pixel
// costs no bits at all, and a decoder writes w×h×4 bytes.
func WebPLossless(w, h int) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(0, 1) // no alpha hint
	bw.write(0, 3) // version 0
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	// Five simple codes of one symbol each: green, red, blue, alpha,
	// distance.
	for i, sym := range []uint32{0, 0, 0, 255, 0} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		if sym < 2 && i != 3 {
			bw.write(0, 1) // the symbol in 1 bit
			bw.write(sym, 1)
		} else {
			bw.write(1, 1) // the symbol in 8 bits
			bw.write(sym, 8)
		}
	}
	return riffWebP("VP8L", bw.bytes())
}

// WebPDeclared is a lossless WebP whose header declares w×h pixels
// (at most 16384 a side) and which holds nothing else.
func WebPDeclared(w, h int) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(0, 4)
	return riffWebP("VP8L", bw.bytes())
}

func riffWebP(fourcc string, data []byte) []byte {
	var b bytes.Buffer
	padded := len(data) + len(data)%2
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+padded))
	b.WriteString("WEBP")
	b.WriteString(fourcc)
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if len(data)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// bitWriter writes bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v&(1<<n-1)) << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		return append(w.buf, byte(w.acc))
	}
	return w.buf
}

// ---- GIF ----

// GIFHiddenFrames is an animated GIF of w×h whose first frame is followed
// by a Plain Text Extension built so that a reader taking the extension
// for "label, then sub-blocks" sees "21 01", an empty sub-block chain,
// then the trailer 3B, and stops; image/gif reads the extension as 13
// fixed bytes then sub-blocks, goes on and decodes hidden more frames of
// w×h. Each frame is one colour: a few kilobytes of LZW that decode to w×h
// bytes.
func GIFHiddenFrames(w, h, hidden int) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	binary.Write(&b, binary.LittleEndian, [2]uint16{uint16(w), uint16(h)})
	b.Write([]byte{0x80, 0, 0})             // global colour table of 2 entries
	b.Write([]byte{0, 0, 0, 255, 255, 255}) // black, white
	frame := gifFrame(w, h)
	b.Write(frame)
	// Plain Text Extension: 21 01, then the 13 bytes image/gif reads as
	// its fixed part ("00 3B" and 11 filler bytes), then the end of its
	// sub-blocks.
	b.Write([]byte{0x21, 0x01, 0x00, 0x3B})
	b.Write(make([]byte, 11))
	b.WriteByte(0x00)
	for range hidden {
		b.Write(frame)
	}
	b.WriteByte(0x3B)
	return b.Bytes()
}

// gifFrame is an image descriptor for the whole w×h canvas and its LZW
// data (colour 0 everywhere), in sub-blocks.
func gifFrame(w, h int) []byte {
	var b bytes.Buffer
	b.WriteByte(0x2C)
	binary.Write(&b, binary.LittleEndian, [4]uint16{0, 0, uint16(w), uint16(h)})
	b.WriteByte(0) // no local colour table, not interlaced
	b.WriteByte(2) // LZW minimum code size
	var lz bytes.Buffer
	zw := lzw.NewWriter(&lz, lzw.LSB, 2)
	zw.Write(make([]byte, w*h))
	zw.Close()
	data := lz.Bytes()
	for len(data) > 0 {
		n := min(len(data), 255)
		b.WriteByte(byte(n))
		b.Write(data[:n])
		data = data[n:]
	}
	b.WriteByte(0)
	return b.Bytes()
}

// ---- Archives ----

// Entry is one file of an archive built by Zip.
type Entry struct {
	Name string
	Data Repeat
	// Store writes the data uncompressed; otherwise it is deflated.
	Store bool
	// DeclaredSize, when not zero, is the uncompressed size written in
	// the archive's headers instead of the real one.
	DeclaredSize uint64
}

// File is an Entry of small data, stored as it is.
func File(name string, data []byte) Entry {
	return Entry{Name: name, Data: Repeat{Suffix: data}, Store: true}
}

// Zip writes an archive of entries. Deflated entries are compressed with
// Repeat.Deflate, so an entry of a gigabyte costs about a megabyte.
func Zip(entries ...Entry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		size := uint64(e.Data.Len())
		if e.DeclaredSize != 0 {
			size = e.DeclaredSize
		}
		fh := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, CRC32: e.Data.CRC32(), UncompressedSize64: size}
		var raw []byte
		if e.Store {
			fh.Method = zip.Store
			raw = e.Data.Bytes()
		} else {
			raw = e.Data.Deflate()
		}
		fh.CompressedSize64 = uint64(len(raw))
		w, err := zw.CreateRaw(fh)
		if err != nil {
			panic(err) // only a bug here: the headers are ours
		}
		w.Write(raw)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// ManyEntries is an archive of n entries (posts.json, then m/1, m/2, ...)
// whose central directory alone describes them: every record points at
// the one local header at the start, so an entry costs the archive about
// 50 bytes and a reader that keeps a record per entry far more.
func ManyEntries(n int) []byte {
	le := binary.LittleEndian
	name, data := "posts.json", []byte("[]")
	crc := crc32.ChecksumIEEE(data)
	var b []byte
	// The local file header of the one real entry: signature, version
	// 2.0, no flags, stored, a date, CRC, sizes, name length, no extra.
	b = le.AppendUint32(b, 0x04034b50)
	b = le.AppendUint16(b, 20)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 0x00210000) // 1980-01-01 00:00
	b = le.AppendUint32(b, crc)
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint16(b, uint16(len(name)))
	b = le.AppendUint16(b, 0)
	b = append(b, name...)
	b = append(b, data...)
	dirStart := len(b)
	var rec []byte
	rec = le.AppendUint32(rec, 0x02014b50)
	rec = le.AppendUint32(rec, 20<<16|20) // made by, needed
	rec = le.AppendUint32(rec, 0)         // flags, method
	rec = le.AppendUint32(rec, 0x00210000)
	rec = le.AppendUint32(rec, crc)
	rec = le.AppendUint32(rec, uint32(len(data)))
	rec = le.AppendUint32(rec, uint32(len(data)))
	nameLen := len(rec)
	rec = append(rec, make([]byte, 46-len(rec))...) // name length, then zeros: offset 0
	record := func(name string) {
		le.PutUint16(rec[nameLen:], uint16(len(name)))
		b = append(b, rec...)
		b = append(b, name...)
	}
	record(name)
	for i := 1; i < n; i++ {
		record("m/" + strconv.Itoa(i))
	}
	dirLen := len(b) - dirStart
	// A zip64 end of central directory record (more than 65535 entries)
	// and its locator, then the classic end record that defers to them.
	z64 := len(b)
	b = le.AppendUint32(b, 0x06064b50)
	b = le.AppendUint64(b, 44)
	b = le.AppendUint32(b, 45<<16|45)
	b = le.AppendUint64(b, 0) // this disk, the directory's disk
	b = le.AppendUint64(b, uint64(n))
	b = le.AppendUint64(b, uint64(n))
	b = le.AppendUint64(b, uint64(dirLen))
	b = le.AppendUint64(b, uint64(dirStart))
	b = le.AppendUint32(b, 0x07064b50)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint64(b, uint64(z64))
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 0x06054b50)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 0xFFFFFFFF) // records: see zip64
	b = le.AppendUint64(b, 0xFFFFFFFFFFFFFFFF)
	b = le.AppendUint16(b, 0)
	return b
}

// ---- JSON ----

// ArchivePost is the start of a posts.json entry as an export writes it,
// with uri and created filled in and source left open: append the text,
// then PostEnd.
func ArchivePost(uri string) string {
	return fmt.Sprintf(`{"uri":%q,"created":"2024-01-02T03:04:05Z","visibility":"public","source":"`, uri)
}

// PostEnd closes an ArchivePost.
const PostEnd = `"}`

// HugeString is posts.json holding one post whose source is n bytes of
// "a": valid JSON of one value that a decoder must read whole before any
// length check can look at it.
func HugeString(uri string, n int) Repeat {
	r := Fill('a', n)
	r.Prefix = []byte("[" + ArchivePost(uri))
	r.Suffix = append(r.Suffix, PostEnd+"]"...)
	return r
}

// HugeArray is a JSON array of n zeros, "[0,0,...,0]": 2 bytes an element
// on the way in, a slice element of whatever type the reader decodes into
// (16 bytes and more) on the way out.
func HugeArray(n int) Repeat {
	const per = 1 << 19
	chunk := []byte(strings.Repeat("0,", per))
	return Repeat{Prefix: []byte("["), Chunk: chunk, Count: (n - 1) / per, Suffix: []byte(strings.Repeat("0,", (n-1)%per) + "0]")}
}

// ArchiveWithImage is an export archive of one post carrying one image,
// media/NAME.
func ArchiveWithImage(uri, name string, img []byte) []byte {
	posts := fmt.Sprintf(`[%s%s","attachments":[{"file":"media/%s","alt":"hostile"}]}]`, ArchivePost(uri), "hostile image", name)
	return Zip(File("posts.json", []byte(posts)), File("media/"+name, img))
}

// ---- Markdown ----

// NestedMarkdown returns post texts of at most n characters built to
// nest as deep as Markdown allows, or to make a parser backtrack: block
// quotes, lists, emphasis, links, brackets, code spans, HTML.
func NestedMarkdown(n int) map[string]string {
	rep := func(s string, tail string) string {
		k := (n - len(tail)) / len(s)
		return strings.Repeat(s, k) + tail
	}
	return map[string]string{
		"quotes":        rep(">", "x"),
		"lists":         rep("- ", "x"),
		"ordered":       rep("1. ", "x"),
		"emphasis":      rep("*a _", "x"),
		"strong":        rep("**", "x"),
		"links":         rep("[", "x"),
		"link-targets":  rep("[a](", "x"),
		"images":        rep("![", "x"),
		"backticks":     rep("`a``", "x"),
		"html":          rep("<a ", "x"),
		"quoted-lists":  rep("> - ", "x"),
		"line-quotes":   rep(">\n", "x"),
		"entities":      rep("&#", "x"),
		"autolinks":     rep("<http://", "x"),
		"mixed-closers": rep("[*a](", "x"),
	}
}
