package media

import (
	"image"
	"image/color"
	"math"
)

// prepare turns a stored picture into its display variant: crop to aspect
// (0: none) in the centre, shrink to fit box, turn upright as orientation o
// says. Everything is computed in the upright frame and mapped back to the
// stored one, so the picture is cropped and shrunk as stored and the
// orientation is applied last, to the small result: the same pixels as
// rotating first, for a fraction of the memory and time.
func prepare(src image.Image, o int, aspect float64, box image.Point) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if swapsSides(o) {
		w, h = h, w
	}
	cw, ch := centerCrop(w, h, aspect)
	dw, dh := fit(cw, ch, box)
	if swapsSides(o) {
		cw, ch, dw, dh = ch, cw, dh, dw
	}
	r := image.Rect(0, 0, cw, ch).Add(b.Min).Add(image.Pt((b.Dx()-cw)/2, (b.Dy()-ch)/2))
	return orient(resample(src, r, dw, dh), o)
}

// shrink fits an upright picture into box.
func shrink(m *image.RGBA, box image.Point) *image.RGBA {
	w, h := fit(m.Rect.Dx(), m.Rect.Dy(), box)
	return resample(m, m.Rect, w, h)
}

// fit returns the size of a w×h picture shrunk to fit box, keeping its
// shape; a picture that fits keeps its size (no enlarging).
func fit(w, h int, box image.Point) (int, int) {
	if w <= box.X && h <= box.Y {
		return w, h
	}
	s := min(float64(box.X)/float64(w), float64(box.Y)/float64(h))
	return min(box.X, max(1, int(math.Round(float64(w)*s)))), min(box.Y, max(1, int(math.Round(float64(h)*s))))
}

// centerCrop returns the largest size of the given aspect (width/height)
// inside w×h; aspect 0 keeps w×h.
func centerCrop(w, h int, aspect float64) (int, int) {
	if aspect <= 0 {
		return w, h
	}
	if float64(w) > float64(h)*aspect {
		return min(w, max(1, int(math.Round(float64(h)*aspect)))), h
	}
	return w, min(h, max(1, int(math.Round(float64(w)/aspect))))
}

// orient turns m upright as the EXIF orientation o says.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= orientNormal || o > orientRotate270 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if swapsSides(o) {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			// (sx, sy) is the stored pixel shown at (x, y).
			var sx, sy int
			switch o {
			case orientFlipH:
				sx, sy = w-1-x, y
			case orientRotate180:
				sx, sy = w-1-x, h-1-y
			case orientFlipV:
				sx, sy = x, h-1-y
			case orientTranspose:
				sx, sy = y, x
			case orientRotate90:
				sx, sy = y, h-1-x
			case orientTransverse:
				sx, sy = w-1-y, h-1-x
			case orientRotate270:
				sx, sy = w-1-y, x
			}
			s := m.PixOffset(m.Rect.Min.X+sx, m.Rect.Min.Y+sy)
			d := y*dst.Stride + x*4
			copy(dst.Pix[d:d+4], m.Pix[s:s+4])
		}
	}
	return dst
}

// Resampling in 8-bit fixed point: weights carry weightBits of fraction.
const weightBits = 14

// taps are the weights of the source pixels that make one destination
// pixel: source pixels start, start+1, ... times w[0], w[1], ...
type taps struct {
	start int
	w     []int32
}

// catmullRom is the Catmull-Rom cubic (Keys, a = -0.5), support 2.
func catmullRom(t float64) float64 {
	t = math.Abs(t)
	switch {
	case t < 1:
		return (1.5*t-2.5)*t*t + 1
	case t < 2:
		return ((-0.5*t+2.5)*t-4)*t + 2
	}
	return 0
}

// weights returns, for each of n destination pixels, the taps over src
// source pixels. When shrinking, the kernel is stretched by the reduction
// factor, so every source pixel contributes (an area-aware filter).
func weights(src, n int) []taps {
	scale := float64(src) / float64(n)
	fscale := max(scale, 1)
	support := 2 * fscale
	out := make([]taps, n)
	tmp := make([]float64, 0, int(2*support)+3)
	for i := range out {
		center := (float64(i) + 0.5) * scale
		lo := max(int(math.Floor(center-support+0.5)), 0)
		hi := min(int(math.Floor(center+support+0.5)), src)
		if hi <= lo { // cannot happen for src, n >= 1; keep the nearest pixel
			lo, hi = min(int(center), src-1), min(int(center), src-1)+1
		}
		tmp = tmp[:0]
		var sum float64
		for x := lo; x < hi; x++ {
			k := catmullRom((float64(x) + 0.5 - center) / fscale)
			tmp = append(tmp, k)
			sum += k
		}
		w := make([]int32, len(tmp))
		var isum, best int32
		bi := 0
		for j, k := range tmp {
			w[j] = int32(math.Round(k / sum * (1 << weightBits)))
			isum += w[j]
			if w[j] > best {
				best, bi = w[j], j
			}
		}
		w[bi] += 1<<weightBits - isum // exact unit sum: flat areas stay flat
		out[i] = taps{start: lo, w: w}
	}
	return out
}

func clamp8(v int32) uint8 {
	v = (v + 1<<(weightBits-1)) >> weightBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// resample scales the part r of src to a new w×h RGBA picture (premultiplied
// alpha, as image.RGBA keeps it). When the sizes are equal it only copies.
// Memory: the result plus one intermediate of w × r.Dy() RGBA pixels.
func resample(src image.Image, r image.Rectangle, w, h int) *image.RGBA {
	sw, sh := r.Dx(), r.Dy()
	rows := newRowReader(src)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if sw == w && sh == h {
		for y := range h {
			rows.read(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], r.Min.X, r.Min.Y+y)
		}
		return dst
	}
	// Horizontal pass: each source row to w pixels.
	xs := weights(sw, w)
	tmp := make([]uint8, 4*w*sh)
	row := make([]uint8, 4*sw)
	for y := range sh {
		rows.read(row, r.Min.X, r.Min.Y+y)
		out := tmp[4*w*y : 4*w*(y+1)]
		for x, t := range xs {
			var cr, cg, cb, ca int32
			px := row[4*t.start:]
			for _, k := range t.w {
				q := px[:4]
				cr += int32(q[0]) * k
				cg += int32(q[1]) * k
				cb += int32(q[2]) * k
				ca += int32(q[3]) * k
				px = px[4:]
			}
			storePremul(out[4*x:4*x+4:4*x+4], cr, cg, cb, ca)
		}
	}
	// Vertical pass: w columns of sh rows to h rows.
	ys := weights(sh, h)
	acc := make([]int32, 4*w)
	for y, t := range ys {
		clear(acc)
		for j, k := range t.w {
			in := tmp[4*w*(t.start+j) : 4*w*(t.start+j+1)]
			acc := acc[:len(in)]
			for i, v := range in {
				acc[i] += int32(v) * k
			}
		}
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for i := 0; i < len(out); i += 4 {
			storePremul(out[i:i+4:i+4], acc[i], acc[i+1], acc[i+2], acc[i+3])
		}
	}
	return dst
}

// storePremul rounds and clamps a filtered pixel; the negative lobes of
// the filter can push a colour above its alpha, which premultiplied RGBA
// does not allow.
func storePremul(px []uint8, r, g, b, a int32) {
	al := clamp8(a)
	px[0] = min(clamp8(r), al)
	px[1] = min(clamp8(g), al)
	px[2] = min(clamp8(b), al)
	px[3] = al
}

// rowReader reads rows of a picture as premultiplied 8-bit RGBA, with fast
// paths for the types the decoders return.
type rowReader struct {
	src image.Image
	pal []color.RGBA // premultiplied palette of an *image.Paletted
}

func newRowReader(src image.Image) rowReader {
	rr := rowReader{src: src}
	if p, ok := src.(*image.Paletted); ok {
		rr.pal = make([]color.RGBA, 256)
		for i, c := range p.Palette[:min(len(p.Palette), 256)] {
			rr.pal[i] = color.RGBAModel.Convert(c).(color.RGBA)
		}
	}
	return rr
}

// read fills dst (4 bytes a pixel) with the pixels from (x0, y) rightwards.
func (rr rowReader) read(dst []uint8, x0, y int) {
	n := len(dst) / 4
	switch m := rr.src.(type) {
	case *image.RGBA:
		i := m.PixOffset(x0, y)
		copy(dst, m.Pix[i:i+4*n])
	case *image.NRGBA:
		i := m.PixOffset(x0, y)
		s := m.Pix[i : i+4*n]
		for j := 0; j < len(dst); j += 4 {
			a := uint32(s[j+3])
			dst[j] = uint8(uint32(s[j]) * a / 255)
			dst[j+1] = uint8(uint32(s[j+1]) * a / 255)
			dst[j+2] = uint8(uint32(s[j+2]) * a / 255)
			dst[j+3] = uint8(a)
		}
	case *image.YCbCr:
		for j := range n {
			x := x0 + j
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = r, g, b, 0xFF
		}
	case *image.NYCbCrA:
		for j := range n {
			x := x0 + j
			yi, ci, ai := m.YOffset(x, y), m.COffset(x, y), m.AOffset(x, y)
			r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			a := uint32(m.A[ai])
			dst[4*j] = uint8(uint32(r) * a / 255)
			dst[4*j+1] = uint8(uint32(g) * a / 255)
			dst[4*j+2] = uint8(uint32(b) * a / 255)
			dst[4*j+3] = uint8(a)
		}
	case *image.Gray:
		i := m.PixOffset(x0, y)
		for j, v := range m.Pix[i : i+n] {
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = v, v, v, 0xFF
		}
	case *image.Paletted:
		i := m.PixOffset(x0, y)
		for j, v := range m.Pix[i : i+n] {
			c := rr.pal[v]
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = c.R, c.G, c.B, c.A
		}
	// 16-bit and CMYK pictures through their colour's own conversion, on
	// a value: At would allocate a colour for every pixel.
	case *image.NRGBA64:
		i := m.PixOffset(x0, y)
		s := m.Pix[i : i+8*n]
		for j := range n {
			q := s[8*j : 8*j+8]
			r, g, b, a := color.NRGBA64{uint16(q[0])<<8 | uint16(q[1]), uint16(q[2])<<8 | uint16(q[3]), uint16(q[4])<<8 | uint16(q[5]), uint16(q[6])<<8 | uint16(q[7])}.RGBA()
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
		}
	case *image.RGBA64:
		i := m.PixOffset(x0, y)
		s := m.Pix[i : i+8*n]
		for j := range n {
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = s[8*j], s[8*j+2], s[8*j+4], s[8*j+6]
		}
	case *image.Gray16:
		i := m.PixOffset(x0, y)
		for j := range n {
			v := m.Pix[i+2*j]
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = v, v, v, 0xFF
		}
	case *image.CMYK:
		i := m.PixOffset(x0, y)
		s := m.Pix[i : i+4*n]
		for j := range n {
			r, g, b, _ := color.CMYK{s[4*j], s[4*j+1], s[4*j+2], s[4*j+3]}.RGBA()
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), 0xFF
		}
	default: // anything else: slower, through the color model
		for j := range n {
			r, g, b, a := m.At(x0+j, y).RGBA()
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
		}
	}
}
