package media

import (
	"bytes"
	"encoding/binary"
)

// EXIF orientation values (TIFF tag 0x0112): how the stored pixels must be
// turned to show the picture upright.
const (
	orientNormal     = 1 // as stored
	orientFlipH      = 2 // mirrored left to right
	orientRotate180  = 3
	orientFlipV      = 4 // mirrored top to bottom
	orientTranspose  = 5 // mirrored along the top-left to bottom-right diagonal
	orientRotate90   = 6 // turn 90° clockwise to show
	orientTransverse = 7 // mirrored along the top-right to bottom-left diagonal
	orientRotate270  = 8 // turn 90° counter-clockwise to show
)

// swapsSides tells whether an orientation swaps width and height.
func swapsSides(o int) bool { return o >= orientTranspose && o <= orientRotate270 }

// orientation returns the EXIF orientation (1 to 8) of a file: from the
// APP1 "Exif" segment of a JPEG, the eXIf chunk of a PNG or the EXIF chunk
// of a WebP. It returns 1 when there is none or it cannot be read. It
// reads only within b and never panics, whatever the input.
func orientation(f format, b []byte) int {
	var o int
	switch f {
	case formatJPEG:
		o = jpegOrientation(b)
	case formatPNG:
		o = pngOrientation(b)
	case formatWebP:
		o = webpOrientation(b)
	}
	if o < orientNormal || o > orientRotate270 {
		return orientNormal
	}
	return o
}

var exifHeader = []byte("Exif\x00\x00")

// jpegOrientation walks the marker segments before the first scan and reads
// the first APP1 segment that holds EXIF.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0
	}
	p := 2
	for p+4 <= len(b) {
		if b[p] != 0xFF {
			return 0
		}
		m := b[p+1]
		switch {
		case m == 0xFF: // fill byte
			p++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD8): // markers without a length
			p += 2
			continue
		case m == 0xDA || m == 0xD9: // start of scan, end of image: no EXIF before
			return 0
		}
		n := int(binary.BigEndian.Uint16(b[p+2:])) // includes its own two bytes
		if n < 2 || p+2+n > len(b) {
			return 0
		}
		seg := b[p+4 : p+2+n]
		if m == 0xE1 && bytes.HasPrefix(seg, exifHeader) {
			return tiffOrientation(seg[len(exifHeader):])
		}
		p += 2 + n
	}
	return 0
}

// pngOrientation reads the eXIf chunk of a PNG (a TIFF structure, as in
// JPEG's APP1 without the "Exif\0\0" prefix). Chunk CRCs are not checked:
// the decoder checks those of the chunks it reads.
func pngOrientation(b []byte) int {
	if !bytes.HasPrefix(b, pngSignature) {
		return 0
	}
	p := len(pngSignature)
	for p+8 <= len(b) {
		n := int64(binary.BigEndian.Uint32(b[p:]))
		typ := string(b[p+4 : p+8])
		end := int64(p) + 8 + n
		if end > int64(len(b)) {
			return 0
		}
		switch typ {
		case "eXIf":
			return tiffOrientation(b[p+8 : end])
		case "IEND":
			return 0
		}
		p = int(end) + 4 // CRC
	}
	return 0
}

// webpOrientation reads the EXIF chunk of an extended (VP8X) WebP. Some
// writers put "Exif\0\0" before the TIFF structure; both are accepted.
func webpOrientation(b []byte) int {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0
	}
	p := 12
	for p+8 <= len(b) {
		typ := string(b[p : p+4])
		n := int64(binary.LittleEndian.Uint32(b[p+4:]))
		end := int64(p) + 8 + n
		if end > int64(len(b)) {
			return 0
		}
		if typ == "EXIF" {
			data := b[p+8 : end]
			return tiffOrientation(bytes.TrimPrefix(data, exifHeader))
		}
		p = int(end + end&1) // chunks are padded to an even length
	}
	return 0
}

// tiffOrientation reads tag 0x0112 (Orientation, one SHORT) from IFD0 of a
// TIFF structure: a byte-order mark ("II" little-endian, "MM" big-endian),
// the number 42, the offset of IFD0; an IFD is a count of 12-byte entries
// (tag, type, count, value or offset).
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	if order.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := int64(order.Uint32(t[4:]))
	if ifd+2 > int64(len(t)) {
		return 0
	}
	count := int64(order.Uint16(t[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 0
		}
		if order.Uint16(t[e:]) != 0x0112 {
			continue
		}
		const typeShort = 3
		if order.Uint16(t[e+2:]) != typeShort || order.Uint32(t[e+4:]) != 1 {
			return 0
		}
		// A SHORT value sits in the first two bytes of the value field.
		return int(order.Uint16(t[e+8:]))
	}
	return 0
}
