package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"

	"golang.org/x/image/draw"
)

// processGIF keeps an animated GIF animated (see Process); a GIF of one
// frame, or any GIF for an avatar or a header, becomes a still picture.
func processGIF(data []byte, cfg image.Config, lim Limits, sh shape) (Image, error) {
	frames, _ := gifFrames(data)
	w, h := cfg.Width, cfg.Height
	dw, dh := fit(w, h, sh.display)
	resize := dw != w || dh != h
	if sh.animate && resize && frames > 1 && int64(frames)*int64(w)*int64(h) > int64(lim.MaxPixels) {
		return Image{}, fmt.Errorf("gif: %d frames of %dx%d to shrink, at most %d pixels allowed: %w", frames, w, h, lim.MaxPixels, ErrTooManyPixels)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		return Image{}, fmt.Errorf("gif: %v: %w", err, ErrCorrupt)
	}
	if len(g.Image) == 0 || g.Config.Width != w || g.Config.Height != h {
		return Image{}, fmt.Errorf("gif: no frames: %w", ErrCorrupt)
	}
	first := image.NewRGBA(image.Rect(0, 0, w, h))
	f0 := g.Image[0]
	draw.Draw(first, f0.Bounds(), f0, f0.Bounds().Min, draw.Over)
	if len(g.Image) == 1 || !sh.animate {
		return still(first, orientNormal, sh)
	}

	tp := prepare(first, orientNormal, 0, sh.thumb)
	thumb, err := encodeStill(tp, !tp.Opaque())
	if err != nil {
		return Image{}, err
	}
	out := &gif.GIF{
		Image:           g.Image,
		Delay:           g.Delay,
		Disposal:        g.Disposal,
		LoopCount:       g.LoopCount,
		Config:          g.Config,
		BackgroundIndex: g.BackgroundIndex,
	}
	if resize {
		out = scaleAnimation(g, dw, dh)
	}
	disp, err := encodeGIF(out)
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
