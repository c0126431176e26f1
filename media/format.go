package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"
)

// format is a file format recognised by its first bytes.
type format int

const (
	formatUnknown format = iota
	formatJPEG
	formatPNG
	formatGIF
	formatWebP
)

func (f format) String() string {
	switch f {
	case formatJPEG:
		return "jpeg"
	case formatPNG:
		return "png"
	case formatGIF:
		return "gif"
	case formatWebP:
		return "webp"
	}
	return "unknown"
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// sniff recognises a format by its signature; a name or a declared
// Content-Type plays no part.
func sniff(b []byte) format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG
	case bytes.HasPrefix(b, pngSignature):
		return formatPNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return formatGIF
	case len(b) >= 16 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" && string(b[12:15]) == "VP8":
		return formatWebP
	}
	return formatUnknown
}

func (f format) decodeConfig(b []byte) (image.Config, error) {
	r := bytes.NewReader(b)
	switch f {
	case formatJPEG:
		return jpeg.DecodeConfig(r)
	case formatPNG:
		return png.DecodeConfig(r)
	case formatGIF:
		return gif.DecodeConfig(r)
	case formatWebP:
		return webp.DecodeConfig(r)
	}
	return image.Config{}, ErrNotImage
}

func (f format) decode(b []byte) (image.Image, error) {
	r := bytes.NewReader(b)
	switch f {
	case formatJPEG:
		return jpeg.Decode(r)
	case formatPNG:
		return png.Decode(r)
	case formatGIF:
		return gif.Decode(r)
	case formatWebP:
		return webp.Decode(r)
	}
	return nil, ErrNotImage
}

// maxJPEGScans bounds the scans of a progressive JPEG. Each scan walks the
// whole picture, and a scan can be a few bytes long, so without a bound a
// small file could keep the decoder busy for minutes. Encoders write about
// ten scans; 100 is generous.
const maxJPEGScans = 100

// maxGIFFrames bounds the frames of an animated GIF.
const maxGIFFrames = 2000

// precheck looks at the structure of the file for costs that the
// dimensions alone do not show, before decoding.
func (f format) precheck(b []byte, lim Limits) error {
	switch f {
	case formatJPEG:
		if n := jpegScans(b); n > maxJPEGScans {
			return fmt.Errorf("jpeg has %d scans, at most %d allowed: %w", n, maxJPEGScans, ErrCorrupt)
		}
	case formatWebP:
		if webpAnimated(b) {
			return fmt.Errorf("animated WebP is not supported; upload a GIF or a still WebP: %w", ErrNotImage)
		}
	case formatGIF:
		frames, pixels := gifFrames(b)
		if frames > maxGIFFrames {
			return fmt.Errorf("gif has %d frames, at most %d allowed: %w", frames, maxGIFFrames, ErrTooManyPixels)
		}
		if pixels > int64(lim.MaxPixels) {
			return fmt.Errorf("gif frames hold %d pixels, at most %d allowed: %w", pixels, lim.MaxPixels, ErrTooManyPixels)
		}
	}
	return nil
}

// jpegScans counts the start-of-scan markers of a JPEG, skipping over the
// entropy-coded data that follows each. It stops at the end of the image
// or at anything that is not a marker; it never reads out of bounds.
func jpegScans(b []byte) int {
	n := 0
	p := 2 // after SOI
	for p+1 < len(b) {
		if b[p] != 0xFF {
			return n // not a marker: the decoder will complain
		}
		m := b[p+1]
		switch {
		case m == 0xFF: // fill byte
			p++
			continue
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7): // no length
			p += 2
			continue
		case m == 0xD9: // EOI
			return n
		}
		if p+4 > len(b) {
			return n
		}
		seg := int(binary.BigEndian.Uint16(b[p+2:]))
		if seg < 2 {
			return n
		}
		p += 2 + seg
		if m != 0xDA {
			continue
		}
		n++
		// Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte)
		// or a restart marker; anything else is the next marker.
		for p+1 < len(b) {
			i := bytes.IndexByte(b[p:len(b)-1], 0xFF)
			if i < 0 {
				return n
			}
			p += i
			if c := b[p+1]; c != 0x00 && (c < 0xD0 || c > 0xD7) {
				break
			}
			p += 2
		}
	}
	return n
}

// gifFrames walks the blocks of a GIF without decompressing anything and
// returns its number of frames and the sum of their declared areas (a
// frame counts at least one pixel). It stops early on a truncated or
// malformed file, which the decoder then refuses.
func gifFrames(b []byte) (frames int, pixels int64) {
	if len(b) < 13 {
		return 0, 0
	}
	p := 13
	if b[10]&0x80 != 0 { // global colour table
		p += 3 << (int(b[10]&7) + 1)
	}
	// skipBlocks skips a chain of data sub-blocks ended by a zero length.
	skipBlocks := func() bool {
		for p < len(b) {
			n := int(b[p])
			p++
			if n == 0 {
				return true
			}
			p += n
		}
		return false
	}
	for p < len(b) {
		switch b[p] {
		case 0x21: // extension: label, sub-blocks
			p += 2
			if !skipBlocks() {
				return frames, pixels
			}
		case 0x2C: // image descriptor
			if p+10 > len(b) {
				return frames, pixels
			}
			w := int64(binary.LittleEndian.Uint16(b[p+5:]))
			h := int64(binary.LittleEndian.Uint16(b[p+7:]))
			flags := b[p+9]
			p += 10
			if flags&0x80 != 0 { // local colour table
				p += 3 << (int(flags&7) + 1)
			}
			p++ // LZW minimum code size
			frames++
			pixels += max(w*h, 1)
			if !skipBlocks() {
				return frames, pixels
			}
		default: // 0x3B trailer, or garbage
			return frames, pixels
		}
	}
	return frames, pixels
}

// webpAnimated tells whether a WebP file says, in its VP8X header, that it
// is animated.
func webpAnimated(b []byte) bool {
	const animationBit = 1 << 1
	return len(b) >= 21 && string(b[12:16]) == "VP8X" && b[20]&animationBit != 0
}
