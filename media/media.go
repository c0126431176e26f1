// Package media turns an uploaded image into the files majlis keeps and
// serves: a display variant, a thumbnail, an avatar or a profile header.
//
// Process, Avatar and Header are its door. Each reads at most
// Limits.MaxBytes+1 bytes, recognises the format by its content (never by a
// file name or a declared type), reads the dimensions from the header and
// refuses a decompression bomb before decoding a single pixel, decodes,
// turns the picture upright as its EXIF orientation says, crops and shrinks
// it (never enlarges), and encodes it again. Re-encoding keeps pixels only:
// EXIF (camera, GPS position), XMP, ICC profiles, comments and every other
// piece of metadata are left behind.
//
// Formats read: JPEG, PNG, GIF and WebP (lossy and lossless, still only:
// golang.org/x/image/webp cannot decode animated WebP, which is refused
// with ErrNotImage). Formats written: JPEG at quality 85 for opaque
// pictures, PNG for pictures with any transparency, and GIF for animated
// GIFs, which stay animated (see Process). ICC colour profiles are dropped
// with the rest of the metadata, so a picture tagged with a wide-gamut
// profile shows slightly duller; majlis treats every picture as sRGB.
//
// Resizing is a separable Catmull-Rom (bicubic) filter, widened by the
// reduction factor so that every source pixel counts (no aliasing), run in
// 8-bit fixed point on premultiplied RGBA. It costs 4 bytes per pixel of an
// intermediate image that is as wide as the result and as tall as the
// source. golang.org/x/image/draw's CatmullRom gives the same picture but
// keeps its intermediate in float64 (32 bytes a pixel: about 200 MB for a
// 12-megapixel photo); see BenchmarkResample.
//
// Memory: no upload makes the process hold more than a budget known before
// it decodes. Limits bound the bytes, the pixels (summed over the frames
// of an animation) and the frames, counted from the headers and, for a
// GIF, by the walk of its blocks that also hands each frame to the
// decoder, so no frame is decoded uncounted. Then the most memory the
// decoder, the working copies and the encoders will hold at once is worked
// out from the header (bytes a pixel by colour type and depth, chroma
// subsampling, progressive coefficients, interlacing passes, the Huffman
// trees of lossless WebP) and reserved from a Budget shared by every
// image being processed (DefaultMemoryBudget unless Limits name another):
// an image that needs more than the whole Budget is refused with
// ErrTooMuchMemory, others wait for their turn. See Budget.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
)

// Errors, wrapped with %w and details; test them with errors.Is.
var (
	// ErrTooLarge means the upload has more bytes than Limits.MaxBytes.
	ErrTooLarge = errors.New("image file too large")
	// ErrNotImage means the content is not a JPEG, PNG, GIF or still WebP.
	ErrNotImage = errors.New("not a supported image (JPEG, PNG, GIF or WebP)")
	// ErrTooManyPixels means the image is wider, taller or larger (in
	// pixels, or in pixels over all the frames of an animation) than the
	// limits allow, or is an animation of more than 2,000 frames. It is
	// found from the header and, for a GIF, by the walk of its blocks
	// that hands the decoder one counted frame at a time.
	ErrTooManyPixels = errors.New("image has too many pixels")
	// ErrCorrupt means the content looks like a supported format but does
	// not decode (truncated, damaged, or built to hurt the decoder).
	ErrCorrupt = errors.New("image is damaged or incomplete")
	// ErrTooMuchMemory means processing the image would need more memory
	// than the whole Budget (a large 16-bit PNG, say, within the pixel
	// limits). It is found from the header, before decoding.
	ErrTooMuchMemory = errors.New("image needs too much memory to process")
)

// Limits bound what an upload may cost. A zero field takes its default.
type Limits struct {
	// MaxBytes is the largest upload read. Default 10 MiB.
	MaxBytes int64
	// MaxPixels is the largest width×height decoded (for an animated GIF,
	// the sum over its frames). Default 40 million.
	MaxPixels int
	// MaxSide is the longest width or height accepted. Default 10,000.
	MaxSide int
	// Budget is the memory shared with the other images being processed;
	// nil is the process's own, of DefaultMemoryBudget bytes.
	Budget *Budget
	// Context, when not nil, bounds the wait for a turn: when it is done
	// first, the call returns its error.
	Context context.Context
}

// Default limits.
const (
	DefaultMaxBytes  = 10 << 20
	DefaultMaxPixels = 40_000_000
	DefaultMaxSide   = 10_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultMaxSide
	}
	return l
}

// Sizes of the variants, in pixels. A variant is never larger than its
// source: a small picture keeps its size.
const (
	// DisplaySide bounds the longest side of a post image as shown.
	DisplaySide = 2048
	// ThumbSide bounds the longest side of a post image's thumbnail.
	ThumbSide = 480
	// AvatarSide and AvatarThumbSide are the sides of the square avatar
	// and of its small version (beside posts).
	AvatarSide      = 400
	AvatarThumbSide = 96
	// HeaderWidth × HeaderHeight is a profile header (3:1); its thumbnail
	// is HeaderThumbWidth × HeaderThumbHeight.
	HeaderWidth       = 1500
	HeaderHeight      = 500
	HeaderThumbWidth  = 600
	HeaderThumbHeight = 200
)

// Variant is one encoded file, ready to store and serve.
type Variant struct {
	Data          []byte
	ContentType   string // "image/jpeg", "image/png" or "image/gif"
	Width, Height int
	SHA256        string // lowercase hex of the SHA-256 of Data
	Ext           string // "jpg", "png" or "gif"
}

// Image is what an upload becomes: the picture to show and its thumbnail.
type Image struct {
	Display Variant
	Thumb   Variant
	// Animated is true when Display is an animated GIF; Thumb is then its
	// first frame, still.
	Animated bool
}

// shape says what to make of an upload.
type shape struct {
	display, thumb image.Point // bounding boxes of the two variants
	aspect         float64     // width/height of a centred crop; 0 keeps the whole picture
	animate        bool        // keep a GIF animated
	png            bool        // always PNG (an emoji), never JPEG
}

// Process makes the display variant (longest side at most DisplaySide) and
// the thumbnail (at most ThumbSide) of an image attached to a post.
//
// An animated GIF stays animated: its frames are re-encoded with
// image/gif (delays, disposal and loop count kept; comments and
// application extensions dropped). When it is larger than DisplaySide
// (rare), every frame is composed onto the canvas, shrunk and mapped back
// to its own palette, which costs frames × canvas pixels (bounded by
// MaxPixels) and may lose a little colour. Its thumbnail is the first frame,
// still. A GIF with a single frame is a still picture like any other.
func Process(r io.Reader, lim Limits) (Image, error) {
	return process(r, lim, shape{
		display: image.Pt(DisplaySide, DisplaySide),
		thumb:   image.Pt(ThumbSide, ThumbSide),
		animate: true,
	})
}

// Avatar makes a square avatar (AvatarSide, and AvatarThumbSide for the
// thumbnail) from the centre of an upload, with the same checks as
// Process. An animated GIF gives a still avatar (its first frame).
func Avatar(r io.Reader, lim Limits) (Image, error) {
	return process(r, lim, shape{
		display: image.Pt(AvatarSide, AvatarSide),
		thumb:   image.Pt(AvatarThumbSide, AvatarThumbSide),
		aspect:  1,
	})
}

// Header makes a 3:1 profile header (HeaderWidth × HeaderHeight, and
// HeaderThumbWidth × HeaderThumbHeight) from the centre of an upload, with
// the same checks as Process. An animated GIF gives a still header.
func Header(r io.Reader, lim Limits) (Image, error) {
	return process(r, lim, shape{
		display: image.Pt(HeaderWidth, HeaderHeight),
		thumb:   image.Pt(HeaderThumbWidth, HeaderThumbHeight),
		aspect:  float64(HeaderWidth) / HeaderHeight,
	})
}

func process(r io.Reader, lim Limits, sh shape) (Image, error) {
	lim = lim.withDefaults()
	b := lim.budget()
	if err := b.intake.Acquire(lim.context(), 1); err != nil {
		return Image{}, err
	}
	inIntake := true
	defer func() {
		if inIntake {
			b.intake.Release(1)
		}
	}()
	data, err := readUpload(r, lim.MaxBytes)
	if err != nil {
		return Image{}, fmt.Errorf("read image: %w", err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return Image{}, fmt.Errorf("more than %d bytes: %w", lim.MaxBytes, ErrTooLarge)
	}
	f := sniff(data)
	if f == formatUnknown {
		return Image{}, ErrNotImage
	}
	cfg, err := f.decodeConfig(data)
	if err != nil {
		return Image{}, fmt.Errorf("%s header: %v: %w", f, err, ErrCorrupt)
	}
	if err := lim.check(cfg.Width, cfg.Height); err != nil {
		return Image{}, fmt.Errorf("%s: %w", f, err)
	}

	// Find what decoding will cost, before decoding.
	var (
		need int64
		dc   decodeCost
		info gifInfo
		o    = orientNormal
	)
	if f == formatGIF {
		info, err = walkGIF(data, lim, func([]byte, gifFrame) error { return nil })
		if err != nil {
			return Image{}, err
		}
		dw, dh := fit(cfg.Width, cfg.Height, sh.display)
		resize := dw != cfg.Width || dh != cfg.Height
		if sh.animate && resize && info.frames > 1 && int64(info.frames)*int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
			return Image{}, fmt.Errorf("gif: %d frames of %dx%d to shrink, at most %d pixels allowed: %w", info.frames, cfg.Width, cfg.Height, lim.MaxPixels, ErrTooManyPixels)
		}
		need = gifPeak(info, int64(len(data)), sh)
	} else {
		if err := f.precheck(data); err != nil {
			return Image{}, err
		}
		o = orientation(f, data)
		dc = f.decodeCost(data, cfg.Width, cfg.Height)
		need = stillPeak(cfg.Width, cfg.Height, dc, o, sh)
	}
	release, err := lim.reserve(int64(len(data)) + need)
	if err != nil {
		return Image{}, fmt.Errorf("%s %dx%d: %w", f, cfg.Width, cfg.Height, err)
	}
	defer release()
	b.intake.Release(1)
	inIntake = false

	if f == formatGIF {
		return processGIF(data, info, lim, sh)
	}
	src, err := f.decode(data)
	if err != nil {
		return Image{}, fmt.Errorf("%s: %v: %w", f, err, ErrCorrupt)
	}
	if b := src.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return Image{}, fmt.Errorf("%s: decoded %dx%d, header says %dx%d: %w", f, b.Dx(), b.Dy(), cfg.Width, cfg.Height, ErrCorrupt)
	}
	if n := imageBytes(src); n > dc.picture {
		// Cannot happen (FuzzPrecheck looks for it): the estimate missed.
		return Image{}, fmt.Errorf("%s: decoded picture holds %d bytes, %d were counted: %w", f, n, dc.picture, ErrTooMuchMemory)
	}
	return still(src, o, sh)
}

// check refuses dimensions beyond the limits, before anything is decoded.
func (l Limits) check(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("dimensions %dx%d: %w", w, h, ErrCorrupt)
	}
	if w > l.MaxSide || h > l.MaxSide {
		return fmt.Errorf("%dx%d, longest side allowed %d: %w", w, h, l.MaxSide, ErrTooManyPixels)
	}
	if int64(w)*int64(h) > int64(l.MaxPixels) {
		return fmt.Errorf("%dx%d, at most %d pixels allowed: %w", w, h, l.MaxPixels, ErrTooManyPixels)
	}
	return nil
}

// still makes both variants of a still picture stored with EXIF
// orientation o.
func still(src image.Image, o int, sh shape) (Image, error) {
	disp := prepare(src, o, sh.aspect, sh.display)
	thumb := shrink(disp, sh.thumb)
	alpha := sh.png || !disp.Opaque()
	d, err := encodeStill(disp, alpha)
	if err != nil {
		return Image{}, err
	}
	t, err := encodeStill(thumb, alpha)
	if err != nil {
		return Image{}, err
	}
	return Image{Display: d, Thumb: t}, nil
}

// encodeStill writes a PNG when the picture has transparency, else a JPEG.
func encodeStill(m *image.RGBA, alpha bool) (Variant, error) {
	out := &output{max: stillOutputBytes(m.Rect.Dx(), m.Rect.Dy())}
	if alpha {
		if err := png.Encode(out, m); err != nil {
			return Variant{}, fmt.Errorf("encode png: %w", err)
		}
		return variant(out.bytes(), "image/png", "png", m.Bounds()), nil
	}
	if err := jpeg.Encode(out, m, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return Variant{}, fmt.Errorf("encode jpeg: %w", err)
	}
	return variant(out.bytes(), "image/jpeg", "jpg", m.Bounds()), nil
}

// stillOutputBytes bounds the encoding of a w×h still: a PNG of
// incompressible pixels takes about 4 bytes a pixel, and a JPEG of quality
// jpegQuality much less.
func stillOutputBytes(w, h int) int64 { return rgbaBytes(w, h) + int64(h) + 1<<20 }

// jpegQuality is the quality of every JPEG written: no visible loss, about
// a third of the size of quality 100.
const jpegQuality = 85

// encodeGIF writes an animation of at most max bytes.
func encodeGIF(g *gif.GIF, max int64) (Variant, error) {
	out := &output{max: max}
	if err := gif.EncodeAll(out, g); err != nil {
		return Variant{}, fmt.Errorf("encode gif: %w", err)
	}
	return variant(out.bytes(), "image/gif", "gif", image.Rect(0, 0, g.Config.Width, g.Config.Height)), nil
}

// output collects encoded bytes in blocks, so that growing never copies
// what was written, and refuses to grow past max bytes: the memory an
// encoding holds is bounded by what was reserved for it.
type output struct {
	blocks [][]byte
	n, max int64
}

func (o *output) Write(p []byte) (int, error) {
	if o.n+int64(len(p)) > o.max {
		return 0, fmt.Errorf("encoded image larger than %d bytes: %w", o.max, ErrTooMuchMemory)
	}
	n := len(p)
	for len(p) > 0 {
		if k := len(o.blocks); k == 0 || len(o.blocks[k-1]) == cap(o.blocks[k-1]) {
			o.blocks = append(o.blocks, make([]byte, 0, min(max(4<<10, o.n), 1<<20)))
		}
		last := &o.blocks[len(o.blocks)-1]
		k := min(len(p), cap(*last)-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
		o.n += int64(k)
	}
	return n, nil
}

// bytes returns everything written, in one slice.
func (o *output) bytes() []byte {
	b := make([]byte, 0, o.n)
	for _, blk := range o.blocks {
		b = append(b, blk...)
	}
	return b
}

func variant(data []byte, contentType, ext string, b image.Rectangle) Variant {
	sum := sha256.Sum256(data)
	return Variant{
		Data:        data,
		ContentType: contentType,
		Width:       b.Dx(),
		Height:      b.Dy(),
		SHA256:      hex.EncodeToString(sum[:]),
		Ext:         ext,
	}
}
