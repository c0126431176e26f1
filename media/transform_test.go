package media

import (
	"image"
	"image/color"
	"testing"

	"golang.org/x/image/draw"
)

// resample must give the same picture as golang.org/x/image/draw's
// CatmullRom, the reference, within rounding.
func TestResampleMatchesXImageDraw(t *testing.T) {
	tests := []struct {
		name string
		src  image.Image
		w, h int
	}{
		{"rgba 3x down", gradient(600, 300), 200, 100},
		{"rgba odd ratio", gradient(517, 311), 173, 97},
		{"rgba slight", gradient(300, 200), 280, 190},
		{"nrgba with alpha", translucent(400, 200), 130, 70},
		{"ycbcr 420", ycbcr(gradient(640, 480)), 300, 225},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resample(tt.src, tt.src.Bounds(), tt.w, tt.h)
			want := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
			draw.CatmullRom.Scale(want, want.Bounds(), tt.src, tt.src.Bounds(), draw.Src, nil)
			var sum, worst int
			for i := range got.Pix {
				d := int(got.Pix[i]) - int(want.Pix[i])
				d = max(d, -d)
				sum += d
				worst = max(worst, d)
			}
			if mean := float64(sum) / float64(len(got.Pix)); mean > 1 || worst > 8 {
				t.Errorf("differs from x/image/draw: mean %.2f, worst %d; want at most 1 and 8", mean, worst)
			}
		})
	}
}

func ycbcr(m *image.RGBA) *image.YCbCr {
	b := m.Bounds()
	y := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	for py := b.Min.Y; py < b.Max.Y; py++ {
		for px := b.Min.X; px < b.Max.X; px++ {
			c := m.RGBAAt(px, py)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			y.Y[y.YOffset(px, py)] = yy
			y.Cb[y.COffset(px, py)] = cb
			y.Cr[y.COffset(px, py)] = cr
		}
	}
	return y
}

func TestResampleFlatStaysFlat(t *testing.T) {
	c := color.NRGBA{17, 99, 201, 255}
	for _, size := range []image.Point{{1, 1}, {7, 3}, {1000, 1}, {333, 777}} {
		got := resample(solid(1000, 777, c), image.Rect(0, 0, 1000, 777), size.X, size.Y)
		for i := 0; i < len(got.Pix); i += 4 {
			if p := got.Pix[i : i+4]; p[0] != c.R || p[1] != c.G || p[2] != c.B || p[3] != c.A {
				t.Fatalf("to %v: pixel %d = %v, want %v", size, i/4, p, c)
			}
		}
	}
}

func TestFitAndCrop(t *testing.T) {
	fits := []struct{ w, h, bw, bh, ww, wh int }{
		{3000, 2000, 2048, 2048, 2048, 1365},
		{2000, 3000, 2048, 2048, 1365, 2048},
		{100, 50, 2048, 2048, 100, 50},
		{10000, 1, 2048, 2048, 2048, 1},
		{1, 10000, 480, 480, 1, 480},
		{2048, 2048, 2048, 2048, 2048, 2048},
	}
	for _, f := range fits {
		if w, h := fit(f.w, f.h, image.Pt(f.bw, f.bh)); w != f.ww || h != f.wh {
			t.Errorf("fit(%dx%d in %dx%d) = %dx%d, want %dx%d", f.w, f.h, f.bw, f.bh, w, h, f.ww, f.wh)
		}
	}
	crops := []struct {
		w, h   int
		aspect float64
		ww, wh int
	}{
		{900, 300, 1, 300, 300},
		{300, 900, 1, 300, 300},
		{3000, 3000, 3, 3000, 1000},
		{9000, 1000, 3, 3000, 1000},
		{2, 1, 3, 2, 1},
		{1, 1, 3, 1, 1},
		{640, 480, 0, 640, 480},
	}
	for _, c := range crops {
		if w, h := centerCrop(c.w, c.h, c.aspect); w != c.ww || h != c.wh {
			t.Errorf("centerCrop(%dx%d, %v) = %dx%d, want %dx%d", c.w, c.h, c.aspect, w, h, c.ww, c.wh)
		}
	}
}

// BenchmarkResample compares this package's resampler with
// golang.org/x/image/draw on the shrink that dominates Process: a 6
// megapixel decoded JPEG to the display size. Watch B/op.
func BenchmarkResample(b *testing.B) {
	src := ycbcr(gradient(3000, 2000))
	b.Run("media", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resample(src, src.Rect, 2048, 1365)
		}
	})
	b.Run("x-image-draw-CatmullRom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst := image.NewRGBA(image.Rect(0, 0, 2048, 1365))
			draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Rect, draw.Src, nil)
		}
	})
	b.Run("x-image-draw-ApproxBiLinear", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst := image.NewRGBA(image.Rect(0, 0, 2048, 1365))
			draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Rect, draw.Src, nil)
		}
	})
}
