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

// decode decodes a still picture. A GIF is decoded by decodeGIF, frame by
// frame, as walkGIF counts them.
func (f format) decode(b []byte) (image.Image, error) {
	r := bytes.NewReader(b)
	switch f {
	case formatJPEG:
		return jpeg.Decode(r)
	case formatPNG:
		return png.Decode(r)
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

// precheck looks at the structure of a still picture for costs that the
// dimensions alone do not show, before decoding. (A GIF is walked by
// walkGIF instead.)
func (f format) precheck(b []byte) error {
	switch f {
	case formatJPEG:
		if n := jpegStructure(b).scans; n > maxJPEGScans {
			return fmt.Errorf("jpeg has %d scans, at most %d allowed: %w", n, maxJPEGScans, ErrCorrupt)
		}
	case formatWebP:
		if webpAnimated(b) {
			return fmt.Errorf("animated WebP is not supported; upload a GIF or a still WebP: %w", ErrNotImage)
		}
	}
	return nil
}

// jpegStructure walks the markers of a JPEG, skipping over the
// entropy-coded data after each start of scan: it counts the scans and
// reads the frame header (the first SOF, as image/jpeg does) and the
// Adobe segments. Like image/jpeg, it skips stray bytes between segments.
// It stops at the end of the image; it never reads out of bounds.
func jpegStructure(b []byte) jpegInfo {
	var ji jpegInfo
	p := 2 // after SOI
	for p+1 < len(b) {
		if b[p] != 0xFF {
			p++ // not a marker: skipped, as image/jpeg does
			continue
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
			return ji
		}
		if p+4 > len(b) {
			return ji
		}
		seg := int(binary.BigEndian.Uint16(b[p+2:]))
		if seg < 2 {
			return ji
		}
		body := b[p+4 : min(p+2+seg, len(b))]
		p += 2 + seg
		switch {
		case (m == 0xC0 || m == 0xC1 || m == 0xC2) && !ji.sof && len(body) >= 6:
			ji.sof = true
			ji.progressive = m == 0xC2
			ji.comps = int(body[5])
			for i := range min(ji.comps, 4) {
				at := 6 + 3*i // a component's id, then its sampling factors
				if at+2 > len(body) {
					break // a short frame header: the decoder refuses it
				}
				ji.id[i], ji.h[i], ji.v[i] = body[at], int(body[at+1]>>4), int(body[at+1]&0x0F)
			}
		case m == 0xEE && len(body) >= 12 && string(body[:5]) == "Adobe" && body[11] == 0:
			ji.adobeRGB = true // transform 0: RGB or CMYK, not YCbCr
		}
		if m != 0xDA {
			continue
		}
		ji.scans++
		// Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte)
		// or a restart marker; anything else is the next marker.
		for p+1 < len(b) {
			i := bytes.IndexByte(b[p:len(b)-1], 0xFF)
			if i < 0 {
				return ji
			}
			p += i
			if c := b[p+1]; c != 0x00 && (c < 0xD0 || c > 0xD7) {
				break
			}
			p += 2
		}
	}
	return ji
}

// webpAnimated tells whether a WebP file says, in its VP8X header, that it
// is animated.
func webpAnimated(b []byte) bool {
	const animationBit = 1 << 1
	return len(b) >= 21 && string(b[12:16]) == "VP8X" && b[20]&animationBit != 0
}
