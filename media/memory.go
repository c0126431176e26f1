package media

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"io/fs"

	"golang.org/x/sync/semaphore"
)

// DefaultMemoryBudget is the memory that image processing may hold at once
// in a process, over all the images being processed: 192 MiB.
const DefaultMemoryBudget = 192 << 20

// intakeSlots is how many uploads may be read into memory and inspected
// at once, waiting for their share of a Budget. It bounds what they hold
// before they have one (at most Limits.MaxBytes each).
const intakeSlots = 2

// Budget is memory shared by the images being processed. Before it
// decodes anything, each call of Process, Avatar or Header works out from
// the file's header and structure the most memory it will hold at once
// (the decoded picture as its decoder allocates it, working copies, the
// resized pictures and their encoded bytes), and reserves that much from
// its Budget until it returns; it waits while others hold too much, and an
// image that needs more than the whole Budget is refused with
// ErrTooMuchMemory. Only intakeSlots uploads are read and inspected at a
// time, so those waiting hold little too.
type Budget struct {
	size   int64
	mem    *semaphore.Weighted
	intake *semaphore.Weighted
}

// NewBudget returns a Budget of size bytes.
func NewBudget(size int64) *Budget {
	return &Budget{size: size, mem: semaphore.NewWeighted(size), intake: semaphore.NewWeighted(intakeSlots)}
}

// Size is the number of bytes of the Budget.
func (b *Budget) Size() int64 { return b.size }

// processBudget is the Budget of every call whose Limits name none.
var processBudget = NewBudget(DefaultMemoryBudget)

func (l Limits) budget() *Budget {
	if l.Budget != nil {
		return l.Budget
	}
	return processBudget
}

func (l Limits) context() context.Context {
	if l.Context != nil {
		return l.Context
	}
	return context.Background()
}

// readUpload reads at most maxBytes+1 bytes. When the reader tells its
// size, the buffer is allocated once, at that size.
func readUpload(r io.Reader, maxBytes int64) ([]byte, error) {
	hint := int64(-1)
	switch v := r.(type) {
	case interface{ Len() int }:
		hint = int64(v.Len())
	case interface{ Size() int64 }:
		hint = v.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			hint = fi.Size()
		}
	}
	var buf bytes.Buffer
	if hint >= 0 {
		buf.Grow(int(min(hint, maxBytes+1)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, maxBytes+1))
	return buf.Bytes(), err
}

// Estimates of memory. Each is an upper bound of what the code it names
// allocates, in bytes, worked out from the code of the decoders and
// encoders (and checked against them by TestDecodeCostBounds and
// FuzzPrecheck). Memory is counted while it is live: what a step leaves
// behind for the garbage collector is not counted in the next step.
const (
	// decoderSlack covers the fixed state of a decoder: Huffman and
	// quantisation tables, an inflater's window, bufio buffers.
	decoderSlack = 256 << 10
	// encoderSlack covers the fixed state of an encoder (a deflater is
	// about 1 MB) and the last, partly filled block of its output.
	encoderSlack = 2 << 20
	// vp8lGroupBytes is the most one group of five Huffman trees of a
	// lossless WebP can hold: the nodes of trees of 2328, 3×256 and 40
	// symbols, rounded up to the allocator's size classes, and the trees'
	// lookup tables.
	vp8lGroupBytes = 56 << 10
	// vp8lMaxGroups is the most groups golang.org/x/image/vp8l decodes
	// (its maxHuffImageSize).
	vp8lMaxGroups = 2600
	// gifFrameBytes is what a decoded GIF frame holds besides its pixels:
	// its palette (256 colours at 24 bytes) and its image value.
	gifFrameBytes = 8 << 10
)

// decodeCost is what decoding a still picture costs: the most memory the
// decoder allocates (peak), and what the decoded picture holds once the
// decoder is done (picture).
type decodeCost struct{ peak, picture int64 }

// decodeCost works out the cost of decoding data (of format f, whose
// header says w×h). GIF is not here: see gifPeak.
func (f format) decodeCost(b []byte, w, h int) decodeCost {
	W, H := int64(w), int64(h)
	switch f {
	case formatPNG:
		return pngDecodeCost(b, W, H)
	case formatJPEG:
		return jpegStructure(b).decodeCost(W, H)
	case formatWebP:
		return webpDecodeCost(b, W, H)
	}
	return decodeCost{}
}

// pngDecodeCost: image/png allocates the picture in the type its colour
// type and depth call for (1, 2, 4 or 8 bytes a pixel; a tRNS chunk turns
// grey into NRGBA or NRGBA64), and for an interlaced file one more picture
// of the same type per pass (together as large as the whole), plus two
// rows.
func pngDecodeCost(b []byte, w, h int64) decodeCost {
	if len(b) < 29 {
		return decodeCost{peak: 16*w*h + decoderSlack, picture: 8 * w * h}
	}
	depth, colorType, interlaced := b[24], b[25], b[28] != 0
	trns := pngTRNS(b)
	var bpp int64
	switch {
	case colorType == 3: // paletted
		bpp = 1
	case colorType == 0 && depth <= 8: // grey
		bpp = 1
		if trns {
			bpp = 4
		}
	case colorType == 0: // grey, 16 bits
		bpp = 2
		if trns {
			bpp = 8
		}
	case depth == 16:
		bpp = 8
	default:
		bpp = 4
	}
	c := decodeCost{peak: bpp*w*h + 2*(8*w+1) + decoderSlack, picture: bpp * w * h}
	if interlaced {
		c.peak += bpp * w * h
	}
	return c
}

// pngTRNS tells whether a tRNS chunk comes before the image data (or the
// chunks cannot be walked, which is counted as yes).
func pngTRNS(b []byte) bool {
	p := len(pngSignature)
	for p+8 <= len(b) {
		n := int64(b[p])<<24 | int64(b[p+1])<<16 | int64(b[p+2])<<8 | int64(b[p+3])
		switch string(b[p+4 : p+8]) {
		case "tRNS":
			return true
		case "IDAT":
			return false
		}
		p += 12 + int(min(n, int64(len(b))))
	}
	return true
}

// jpegInfo is what jpegStructure learns of a JPEG.
type jpegInfo struct {
	scans       int // start-of-scan markers
	sof         bool
	progressive bool
	comps       int
	h, v        [4]int // sampling factors
	id          [4]byte
	adobeRGB    bool // an Adobe segment says the colours are not YCbCr
}

// decodeCost: image/jpeg allocates, in whole MCUs, one plane a component
// (a Gray or YCbCr picture and, for four components, a black plane); a
// progressive file also keeps 64 coefficients of 4 bytes for each of
// those samples; CMYK and RGB files are then converted into a picture of 4
// bytes a pixel.
func (ji jpegInfo) decodeCost(w, h int64) decodeCost {
	if !ji.sof || ji.comps < 1 || ji.comps > 4 {
		n := 4 * ((w + 31) &^ 31) * ((h + 31) &^ 31) // four full planes
		return decodeCost{peak: 5*n + 4*w*h + decoderSlack, picture: n}
	}
	hv := func(i int) (int64, int64) {
		if ji.comps == 1 { // image/jpeg treats a single component as 1×1
			return 1, 1
		}
		return int64(min(max(ji.h[i], 1), 4)), int64(min(max(ji.v[i], 1), 4))
	}
	h0, v0 := hv(0)
	mxx := (w + 8*h0 - 1) / (8 * h0)
	myy := (h + 8*v0 - 1) / (8 * v0)
	var planes int64
	for i := range ji.comps {
		hi, vi := hv(i)
		planes += 8 * hi * mxx * 8 * vi * myy
	}
	c := decodeCost{peak: planes + decoderSlack, picture: planes}
	if ji.progressive {
		c.peak += 4 * planes
	}
	rgb := ji.comps == 3 && (ji.adobeRGB || ji.id[0] == 'R' && ji.id[1] == 'G' && ji.id[2] == 'B')
	if ji.comps == 4 || rgb {
		c.peak += 4 * w * h
		c.picture = max(c.picture, 4*w*h) // a YCbCr picture if the guess was wrong
	}
	return c
}

// webpDecodeCost: golang.org/x/image/webp decodes the first VP8 (lossy) or
// VP8L (lossless) chunk, and before it an ALPH chunk when the VP8X header
// asks for transparency.
func webpDecodeCost(b []byte, w, h int64) decodeCost {
	var c decodeCost
	found := false
	for p := 12; p+8 <= len(b) && !found; {
		n := int64(b[p+4]) | int64(b[p+5])<<8 | int64(b[p+6])<<16 | int64(b[p+7])<<24
		switch string(b[p : p+4]) {
		case "ALPH":
			c.peak += w * h // raw alpha
			if p+8 < len(b) && b[p+8]&3 == 1 {
				c.peak += vp8lPeak(w, h) // lossless, decoded as NRGBA first
			}
			c.picture += w * h
		case "VP8 ":
			c.peak += vp8Peak(w, h, int64(len(b)))
			c.picture += vp8Picture(w, h)
			found = true
		case "VP8L":
			c.peak += vp8lPeak(w, h)
			c.picture += 4 * w * h
			found = true
		}
		p += 8 + int(min(n+n&1, int64(len(b))))
	}
	if !found { // whichever costs more
		c.peak = w*h + vp8lPeak(w, h) + max(vp8Peak(w, h, int64(len(b))), vp8lPeak(w, h))
		c.picture = w*h + max(vp8Picture(w, h), 4*w*h)
	}
	c.peak += decoderSlack
	return c
}

// vp8Picture is a lossy frame: a 4:2:0 YCbCr picture in whole 16×16
// macroblocks.
func vp8Picture(w, h int64) int64 { return ((w + 15) / 16) * ((h + 15) / 16) * 384 }

// vp8Peak: a lossy frame, a few bytes of state a macroblock, and a copy of
// the compressed data (at most the file).
func vp8Peak(w, h, fileBytes int64) int64 {
	mbw, mbh := (w+15)/16, (h+15)/16
	return vp8Picture(w, h) + mbw*mbh*8 + mbw*64 + fileBytes
}

// vp8lPeak: a lossless picture is decoded into 4 bytes a pixel, and its
// colour-indexing transform writes a second copy; the predictor and
// cross-colour transforms and the Huffman meta image are sub-images of at
// least 4×4 pixels a sample; and the Huffman groups (one per tile of the
// meta image, at most vp8lMaxGroups, plus one per sub-image) are not told
// by the header, so the most they can take is counted.
func vp8lPeak(w, h int64) int64 {
	tiles := ((w + 3) / 4) * ((h + 3) / 4)
	return 8*w*h + 3*4*tiles + (min(tiles, vp8lMaxGroups)+4)*vp8lGroupBytes
}

// imageBytes is the memory a decoded picture holds.
func imageBytes(m image.Image) int64 {
	switch m := m.(type) {
	case *image.Gray:
		return int64(cap(m.Pix))
	case *image.Gray16:
		return int64(cap(m.Pix))
	case *image.RGBA:
		return int64(cap(m.Pix))
	case *image.NRGBA:
		return int64(cap(m.Pix))
	case *image.RGBA64:
		return int64(cap(m.Pix))
	case *image.NRGBA64:
		return int64(cap(m.Pix))
	case *image.CMYK:
		return int64(cap(m.Pix))
	case *image.Paletted:
		return int64(cap(m.Pix))
	case *image.YCbCr:
		return int64(cap(m.Y) + cap(m.Cb) + cap(m.Cr))
	case *image.NYCbCrA:
		return int64(cap(m.Y) + cap(m.Cb) + cap(m.Cr) + cap(m.A))
	}
	b := m.Bounds()
	return 8 * int64(b.Dx()) * int64(b.Dy())
}

// rgbaBytes is the size of a w×h image.RGBA.
func rgbaBytes(w, h int) int64 { return 4 * int64(w) * int64(h) }

// resampleBytes is what resample allocates to scale sw×sh to dw×dh: the
// result, the intermediate (as wide as the result, as tall as the source,
// whichever way the picture is stored), a row and the filter weights.
func resampleBytes(sw, sh, dw, dh int) int64 {
	n := rgbaBytes(dw, dh)
	if sw != dw || sh != dh {
		n += max(rgbaBytes(dw, sh), rgbaBytes(sw, dh)) + 4*int64(max(sw, sh)) + 64*int64(dw+dh) + 32*int64(sw+sh)
	}
	return n
}

// encodeBytes bounds what encoding a w×h still holds: a PNG of
// incompressible pixels is about 4 bytes a pixel and a row, collected in
// blocks and then copied into one slice (see output).
func encodeBytes(w, h int) int64 { return 2*(rgbaBytes(w, h)+int64(h)) + encoderSlack }

// stillPeak is the most memory live at once while a w×h picture, decoded
// as dc says and stored with EXIF orientation o, becomes its two variants
// (see still): the decoder at work; then the picture and the display
// variant being resampled from it; then the display variant, turned
// upright; then the display variant, the thumbnail and both encoded.
func stillPeak(w, h int, dc decodeCost, o int, sh shape) int64 {
	uw, uh := w, h
	if swapsSides(o) {
		uw, uh = h, w
	}
	cw, ch := centerCrop(uw, uh, sh.aspect)
	dw, dh := fit(cw, ch, sh.display)
	tw, th := fit(dw, dh, sh.thumb)
	prepare := dc.picture + resampleBytes(cw, ch, dw, dh)
	turn := 2 * rgbaBytes(dw, dh)
	finish := rgbaBytes(dw, dh) + resampleBytes(dw, dh, tw, th) + encodeBytes(dw, dh) + encodeBytes(tw, th)
	return max(dc.peak, prepare, turn, finish)
}

// gifOutputBytes is the most bytes an encoded animation may take (see
// encodeGIF): frames that keep their pixels are encoded as compactly as
// the upload was, give or take, so up to twice the upload's bytes; frames
// composed and shrunk anew take at most 12 bits a pixel (the widest LZW
// code). Each frame may add a colour table.
func gifOutputBytes(info gifInfo, fileBytes, outPixels int64, resized bool) int64 {
	n := 2*fileBytes + 1<<20
	if resized {
		n = outPixels*3/2 + outPixels/255 + 1<<20
	}
	return n + int64(info.frames)*1024
}

// gifPeak is the most memory processGIF holds for a GIF walked as info:
// the frames it decodes (all of them for an animation, else the first),
// the first frame composed on the canvas and made into a thumbnail or a
// still; for an animation larger than the display size, every frame
// composed on the canvas and shrunk; and the encoded animation, collected
// in blocks and copied into one slice.
func gifPeak(info gifInfo, fileBytes int64, sh shape) int64 {
	w, h := info.width, info.height
	canvas := decodeCost{picture: rgbaBytes(w, h)}
	if !sh.animate || info.frames < 2 {
		return 2*info.largest + gifFrameBytes + decoderSlack + stillPeak(w, h, canvas, orientNormal, sh)
	}
	frames := int64(info.frames)
	n := info.pixels + frames*gifFrameBytes + info.largest + decoderSlack
	thumb := stillPeak(w, h, canvas, orientNormal, shape{display: sh.thumb, thumb: sh.thumb})
	outPixels := info.pixels
	dw, dh := fit(w, h, sh.display)
	resized := dw != w || dh != h
	if resized {
		outPixels = frames * int64(dw) * int64(dh)
		n += 2*canvas.picture + resampleBytes(w, h, dw, dh) + outPixels + frames*gifFrameBytes + 64<<10
	}
	return n + max(thumb, 2*gifOutputBytes(info, fileBytes, outPixels, resized)+encoderSlack)
}

// reserve takes need bytes from the budget of l, waiting while others hold
// too much, and returns the function that gives them back.
func (l Limits) reserve(need int64) (func(), error) {
	b := l.budget()
	if need > b.size {
		return nil, fmt.Errorf("processing needs %d MiB, more than the %d MiB allowed: %w", (need+1<<20-1)>>20, b.size>>20, ErrTooMuchMemory)
	}
	if err := b.mem.Acquire(l.context(), need); err != nil {
		return nil, err
	}
	return func() { b.mem.Release(need) }, nil
}
