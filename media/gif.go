package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"

	"golang.org/x/image/draw"
)

// maxGIFFrames bounds the frames of an animated GIF.
const maxGIFFrames = 2000

// gifFrame is one image of a GIF, as walkGIF finds it before anything of
// it is decoded.
type gifFrame struct {
	rect image.Rectangle
	// block is the image descriptor, the local colour table, the LZW code
	// size and the image data, up to and including the block terminator.
	block       []byte
	local       bool // block has its own colour table
	delay       int  // 100ths of a second
	disposal    byte
	transparent int // index of the transparent colour, or -1
}

// gifInfo is what walkGIF learns of a whole GIF.
type gifInfo struct {
	width, height int
	header        []byte // signature, screen descriptor, global colour table
	loopCount     int
	frames        int
	pixels        int64 // the sum of the frames' areas
	largest       int64 // the area of the largest frame
}

// errStopWalk ends a walk early without an error.
var errStopWalk = errors.New("stop walking")

// walkGIF reads the blocks of a GIF exactly as image/gif does (extensions,
// graphic control state, colour tables, image data sub-blocks, trailer) and
// calls frame for each image in turn. It counts the frames and their
// pixels first and stops with ErrTooManyPixels when lim is exceeded, before
// frame sees the image that would exceed it; a structure that image/gif
// would refuse is ErrCorrupt. frame may return errStopWalk to stop early;
// info then covers the frames seen so far.
//
// The decoder of package media (decodeGIF) hands image/gif one frame at a
// time, as this walk delimits them, so no frame can be decoded that was
// not counted first: a file that the walk and image/gif would read
// differently cannot hide frames from the count.
func walkGIF(b []byte, lim Limits, frame func(header []byte, f gifFrame) error) (gifInfo, error) {
	corrupt := func(what string) (gifInfo, error) {
		return gifInfo{}, fmt.Errorf("gif: %s: %w", what, ErrCorrupt)
	}
	if len(b) < 13 {
		return corrupt("header too short")
	}
	if v := string(b[:6]); v != "GIF87a" && v != "GIF89a" {
		return corrupt("not a GIF")
	}
	info := gifInfo{
		width:     int(binary.LittleEndian.Uint16(b[6:])),
		height:    int(binary.LittleEndian.Uint16(b[8:])),
		loopCount: -1,
	}
	p := 13
	global := b[10]&0x80 != 0
	if global {
		p += 3 << (int(b[10]&7) + 1)
	}
	if p > len(b) {
		return corrupt("global colour table truncated")
	}
	info.header = b[:p]

	// The graphic control state, as image/gif keeps it: the delay and the
	// transparent index apply to the next image only, the disposal method
	// until another graphic control extension changes it.
	delay, disposal, transparent := 0, byte(0), -1
	// subBlocks skips data sub-blocks up to and including the terminator.
	subBlocks := func() bool {
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
	for {
		if p >= len(b) {
			return corrupt("no trailer")
		}
		c := b[p]
		p++
		switch c {
		case 0x21: // extension
			if p >= len(b) {
				return corrupt("extension truncated")
			}
			label := b[p]
			p++
			size := 0
			switch label {
			case 0x01: // plain text: 13 bytes, then sub-blocks
				size = 13
			case 0xF9: // graphic control: exactly 6 bytes
				if p+6 > len(b) {
					return corrupt("graphic control truncated")
				}
				g := b[p : p+6]
				if g[0] != 4 || g[5] != 0 {
					return corrupt("bad graphic control extension")
				}
				disposal = (g[1] & 0x1C) >> 2
				delay = int(binary.LittleEndian.Uint16(g[2:]))
				if g[1]&1 != 0 {
					transparent = int(g[4])
				}
				p += 6
				continue
			case 0xFE: // comment: sub-blocks
			case 0xFF: // application: a sized identifier, then sub-blocks
				if p >= len(b) {
					return corrupt("extension truncated")
				}
				size = int(b[p])
				p++
			default:
				return corrupt(fmt.Sprintf("unknown extension 0x%02x", label))
			}
			if p+size > len(b) {
				return corrupt("extension truncated")
			}
			id := b[p : p+size]
			p += size
			if label == 0xFF && string(id) == "NETSCAPE2.0" && p < len(b) {
				if n := int(b[p]); n == 3 && p+4 <= len(b) && b[p+1] == 1 {
					info.loopCount = int(binary.LittleEndian.Uint16(b[p+2:]))
				}
			}
			if !subBlocks() {
				return corrupt("extension truncated")
			}
		case 0x2C: // image descriptor
			start := p - 1
			if p+9 > len(b) {
				return corrupt("image descriptor truncated")
			}
			left := int(binary.LittleEndian.Uint16(b[p:]))
			top := int(binary.LittleEndian.Uint16(b[p+2:]))
			w := int(binary.LittleEndian.Uint16(b[p+4:]))
			h := int(binary.LittleEndian.Uint16(b[p+6:]))
			flags := b[p+8]
			p += 9
			if left+w > info.width || top+h > info.height {
				return corrupt("frame bounds larger than image bounds")
			}
			local := flags&0x80 != 0
			if local {
				p += 3 << (int(flags&7) + 1)
			} else if !global {
				return corrupt("no colour table")
			}
			if p >= len(b) {
				return corrupt("image data truncated")
			}
			if lw := b[p]; lw < 2 || lw > 8 {
				return corrupt("bad LZW code size")
			}
			p++
			if !subBlocks() {
				return corrupt("image data truncated")
			}
			// Count before anything is decoded.
			area := int64(w) * int64(h)
			info.frames++
			info.pixels += area
			info.largest = max(info.largest, area)
			if info.frames > maxGIFFrames {
				return gifInfo{}, fmt.Errorf("gif has more than %d frames: %w", maxGIFFrames, ErrTooManyPixels)
			}
			if info.pixels > int64(lim.MaxPixels) {
				return gifInfo{}, fmt.Errorf("gif frames hold more than %d pixels: %w", lim.MaxPixels, ErrTooManyPixels)
			}
			err := frame(info.header, gifFrame{
				rect:        image.Rect(left, top, left+w, top+h),
				block:       b[start:p],
				local:       local,
				delay:       delay,
				disposal:    disposal,
				transparent: transparent,
			})
			if err == errStopWalk {
				return info, nil
			}
			if err != nil {
				return gifInfo{}, err
			}
			delay, transparent = 0, -1
		case 0x3B: // trailer
			if info.frames == 0 {
				return corrupt("no image")
			}
			return info, nil
		default:
			return corrupt(fmt.Sprintf("unknown block 0x%02x", c))
		}
	}
}

// decodeGIF decodes the frames of a GIF one at a time, as walkGIF finds
// and counts them: each frame is handed to image/gif as a GIF of its own
// (the file's header and global colour table, a graphic control extension
// for its transparent colour, its image block, a trailer), so image/gif
// never sees a frame the walk did not count. The result is what
// gif.DecodeAll returns, except that comments and application extensions
// other than the loop count are not read. With all false only the first
// frame is decoded.
func decodeGIF(data []byte, lim Limits, all bool) (*gif.GIF, error) {
	var (
		g      gif.GIF
		global color.Palette
	)
	info, err := walkGIF(data, lim, func(hdr []byte, fr gifFrame) error {
		if len(g.Image) == 0 {
			if hdr[10]&0x80 != 0 {
				global = make(color.Palette, (len(hdr)-13)/3)
				for i := range global {
					c := hdr[13+3*i:]
					global[i] = color.RGBA{c[0], c[1], c[2], 0xFF}
				}
				g.BackgroundIndex = hdr[11]
			}
		}
		m, err := decodeGIFFrame(hdr, fr)
		if err != nil {
			return fmt.Errorf("gif frame %d: %v: %w", len(g.Image)+1, err, ErrCorrupt)
		}
		if !fr.local && fr.transparent < 0 {
			m.Palette = global
		}
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, fr.delay)
		g.Disposal = append(g.Disposal, fr.disposal)
		if !all {
			return errStopWalk
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	g.LoopCount = info.loopCount
	g.Config = image.Config{ColorModel: global, Width: info.width, Height: info.height}
	return &g, nil
}

// decodeGIFFrame decodes one frame with image/gif.
func decodeGIFFrame(hdr []byte, fr gifFrame) (*image.Paletted, error) {
	var gce []byte
	if fr.transparent >= 0 {
		gce = []byte{0x21, 0xF9, 4, 1, 0, 0, byte(fr.transparent), 0}
	}
	m, err := gif.Decode(&segments{parts: [][]byte{hdr, gce, fr.block, {0x3B}}})
	if err != nil {
		return nil, err
	}
	p, ok := m.(*image.Paletted)
	if !ok || p.Rect != fr.rect {
		return nil, fmt.Errorf("decoded %v, the walk counted %v", m.Bounds(), fr.rect)
	}
	return p, nil
}

// segments reads byte slices one after the other without copying them.
type segments struct{ parts [][]byte }

func (s *segments) Read(p []byte) (int, error) {
	for len(s.parts) > 0 && len(s.parts[0]) == 0 {
		s.parts = s.parts[1:]
	}
	if len(s.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.parts[0])
	s.parts[0] = s.parts[0][n:]
	return n, nil
}

func (s *segments) ReadByte() (byte, error) {
	for len(s.parts) > 0 && len(s.parts[0]) == 0 {
		s.parts = s.parts[1:]
	}
	if len(s.parts) == 0 {
		return 0, io.EOF
	}
	c := s.parts[0][0]
	s.parts[0] = s.parts[0][1:]
	return c, nil
}

// processGIF keeps an animated GIF animated (see Process); a GIF of one
// frame, or any GIF for an avatar or a header, becomes a still picture.
// info is the walk of the whole file that process made before reserving
// memory for it.
func processGIF(data []byte, info gifInfo, lim Limits, sh shape) (Image, error) {
	w, h := info.width, info.height
	animate := sh.animate && info.frames > 1
	g, err := decodeGIF(data, lim, animate)
	if err != nil {
		return Image{}, err
	}
	first := image.NewRGBA(image.Rect(0, 0, w, h))
	f0 := g.Image[0]
	draw.Draw(first, f0.Bounds(), f0, f0.Bounds().Min, draw.Over)
	if !animate {
		return still(first, orientNormal, sh)
	}

	tp := prepare(first, orientNormal, 0, sh.thumb)
	thumb, err := encodeStill(tp, !tp.Opaque())
	if err != nil {
		return Image{}, err
	}
	out := g
	outPixels := info.pixels
	dw, dh := fit(w, h, sh.display)
	resized := dw != w || dh != h
	if resized {
		out = scaleAnimation(g, dw, dh)
		outPixels = int64(info.frames) * int64(dw) * int64(dh)
	}
	disp, err := encodeGIF(out, gifOutputBytes(info, int64(len(data)), outPixels, resized))
	if err != nil {
		return Image{}, err
	}
	return Image{Display: disp, Thumb: thumb, Animated: true}, nil
}

// scaleAnimation shrinks every frame of an animation to w×h. Frames of a
// GIF may cover part of the canvas and rely on what earlier frames left
// (disposal methods), so each frame is composed onto a full canvas as a
// viewer would, shrunk, and mapped to that frame's palette (plus a
// transparent entry when needed). Every output frame covers the whole
// canvas and is cleared after it is shown.
func scaleAnimation(g *gif.GIF, w, h int) *gif.GIF {
	canvas := image.NewRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	out := &gif.GIF{LoopCount: g.LoopCount, Config: image.Config{Width: w, Height: h}}
	var saved []uint8
	for i, f := range g.Image {
		var disposal byte
		if i < len(g.Disposal) {
			disposal = g.Disposal[i]
		}
		if disposal == gif.DisposalPrevious {
			saved = append(saved[:0], canvas.Pix...)
		}
		draw.Draw(canvas, f.Bounds(), f, f.Bounds().Min, draw.Over)
		small := resample(canvas, canvas.Rect, w, h)
		out.Image = append(out.Image, quantize(small, f.Palette))
		delay := 0
		if i < len(g.Delay) {
			delay = g.Delay[i]
		}
		out.Delay = append(out.Delay, delay)
		out.Disposal = append(out.Disposal, gif.DisposalBackground)
		switch disposal {
		case gif.DisposalBackground:
			draw.Draw(canvas, f.Bounds(), image.Transparent, image.Point{}, draw.Src)
		case gif.DisposalPrevious:
			copy(canvas.Pix, saved)
		}
	}
	return out
}

// quantize maps a picture to a palette of at most 256 colours, adding a
// transparent entry when the picture needs one. The nearest colour is
// looked up once per 15-bit colour (5 bits a channel), so the cost is per
// pixel, not per pixel and palette entry.
func quantize(m *image.RGBA, pal color.Palette) *image.Paletted {
	pal = append(color.Palette(nil), pal[:min(len(pal), 256)]...)
	clearIdx := -1
	for i, c := range pal {
		if _, _, _, a := c.RGBA(); a == 0 {
			clearIdx = i
			break
		}
	}
	if clearIdx < 0 && !m.Opaque() {
		if len(pal) == 256 {
			pal = pal[:255]
		}
		clearIdx = len(pal)
		pal = append(pal, color.RGBA{})
	}
	if len(pal) == 0 {
		pal = color.Palette{color.Black}
	}
	rgb := make([]color.RGBA, len(pal))
	for i, c := range pal {
		rgb[i] = color.RGBAModel.Convert(c).(color.RGBA)
	}
	var lut [1 << 15]int16
	for i := range lut {
		lut[i] = -1
	}
	dst := image.NewPaletted(m.Rect, pal)
	for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
		src := m.Pix[m.PixOffset(m.Rect.Min.X, y):][:4*m.Rect.Dx()]
		row := dst.Pix[dst.PixOffset(m.Rect.Min.X, y):][:m.Rect.Dx()]
		for x := range row {
			px := src[4*x : 4*x+4]
			if px[3] < 0x80 && clearIdx >= 0 {
				row[x] = uint8(clearIdx)
				continue
			}
			key := int(px[0]>>3)<<10 | int(px[1]>>3)<<5 | int(px[2]>>3)
			if lut[key] < 0 {
				lut[key] = int16(nearest(rgb, clearIdx, px[0]&^7|4, px[1]&^7|4, px[2]&^7|4))
			}
			row[x] = uint8(lut[key])
		}
	}
	return dst
}

// nearest returns the index of the opaque palette colour closest to r, g, b.
func nearest(pal []color.RGBA, skip int, r, g, b uint8) int {
	best, bestD := 0, int(^uint(0)>>1)
	for i, c := range pal {
		if i == skip {
			continue
		}
		dr, dg, db := int(c.R)-int(r), int(c.G)-int(g), int(c.B)-int(b)
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	return best
}
