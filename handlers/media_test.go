package handlers_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	_ "golang.org/x/image/webp"

	"majlis/handlers"
	"majlis/storage"
)

// --- test pictures, generated here ---

// gradientImage is an opaque w×h picture.
func gradientImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{uint8(255 * x / max(w-1, 1)), uint8(255 * y / max(h-1, 1)), 128, 255})
		}
	}
	return m
}

func pngFile(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noisePNG is a PNG of random pixels: it does not compress, so its size
// is about 3×w×h bytes.
func noisePNG(t testing.TB, w, h int) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range m.Pix {
		m.Pix[i] = uint8(r.IntN(256))
	}
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 255
	}
	return pngFile(t, m)
}

// gpsSecret is a place name in the EXIF GPS data of gpsJPEG: it must not
// survive processing.
const gpsSecret = "SECRET GARDEN 48N 2E"

// gpsJPEG is a JPEG whose APP1 segment holds EXIF (big-endian TIFF): IFD0
// with an orientation and a pointer to a GPS IFD, which holds a latitude
// reference and a map datum string.
func gpsJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	be := binary.BigEndian
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = be.AppendUint16(b, tag)
		b = be.AppendUint16(b, typ)
		b = be.AppendUint32(b, count)
		return be.AppendUint32(b, value)
	}
	const ifd0Len = 2 + 2*12 + 4
	gpsOff := uint32(8 + ifd0Len)
	tiff = be.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x0112, 3, 1, 1<<16)  // Orientation 1 (a SHORT, left-justified)
	tiff = entry(tiff, 0x8825, 4, 1, gpsOff) // GPS IFD
	tiff = be.AppendUint32(tiff, 0)
	datum := []byte(gpsSecret + "\x00")
	strOff := gpsOff + 2 + 2*12 + 4
	tiff = be.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x0001, 2, 2, uint32('N')<<24)         // GPSLatitudeRef "N"
	tiff = entry(tiff, 0x0012, 2, uint32(len(datum)), strOff) // GPSMapDatum
	tiff = be.AppendUint32(tiff, 0)
	tiff = append(tiff, datum...)

	j := jpegFile(t, gradientImage(w, h))
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := be.AppendUint16([]byte{0xFF, 0xE1}, uint16(2+len(payload)))
	seg = append(seg, payload...)
	out := append([]byte(nil), j[:2]...)
	out = append(out, seg...)
	return append(out, j[2:]...)
}

// gifFile is a GIF of frames solid frames (one frame: a still GIF).
func gifFile(t testing.TB, w, h, frames int) []byte {
	t.Helper()
	pal := color.Palette{color.Black, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255}}
	g := &gif.GIF{Config: image.Config{ColorModel: pal, Width: w, Height: h}}
	for i := range frames {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for j := range f.Pix {
			f.Pix[j] = uint8(1 + i%3)
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpFile is a lossless WebP of one colour, written from the VP8L
// specification: header, no transforms, no colour cache, no meta codes,
// then five "simple" prefix codes of one symbol each (so the pixels take
// no bits).
func webpFile(w, h int, c color.NRGBA) []byte {
	var acc uint64
	var n uint
	var bits []byte
	put := func(v uint64, width uint) {
		acc |= v << n
		n += width
		for n >= 8 {
			bits = append(bits, byte(acc))
			acc >>= 8
			n -= 8
		}
	}
	put(0x2f, 8)
	put(uint64(w-1), 14)
	put(uint64(h-1), 14)
	put(0, 1) // alpha unused
	put(0, 3) // version
	put(0, 1) // no transform
	put(0, 1) // no colour cache
	put(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		put(1, 1) // simple code
		put(0, 1) // one symbol
		put(1, 1) // of eight bits
		put(uint64(sym), 8)
	}
	put(1, 1) // distance: simple, one symbol of one bit, 0
	put(0, 1)
	put(0, 1)
	put(0, 1)
	if n > 0 {
		bits = append(bits, byte(acc))
	}
	chunk := append([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, uint32(len(bits)))...)
	chunk = append(chunk, bits...)
	if len(bits)%2 == 1 {
		chunk = append(chunk, 0)
	}
	body := append([]byte("WEBP"), chunk...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// animatedWebP is the start of an animated WebP: a VP8X header with the
// animation flag, 10×10, and an empty ANIM chunk.
func animatedWebP() []byte {
	vp8x := []byte{0x02, 0, 0, 0, 9, 0, 0, 9, 0, 0}
	body := []byte("WEBPVP8X\x0a\x00\x00\x00")
	body = append(body, vp8x...)
	body = append(body, "ANIM\x06\x00\x00\x00"...)
	body = append(body, 0, 0, 0, 0, 0, 0)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// bombPNG is a PNG that declares w×h pixels and holds none: decoding it
// would allocate gigabytes, so the header alone must refuse it.
func bombPNG(w, h int) []byte { return headerPNG(w, h, 8, 2) }

// headerPNG is a PNG header alone: w×h pixels of the given bit depth and
// colour type, and no pixel data.
func headerPNG(w, h int, depth, colorType byte) []byte {
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, chunk("IHDR", ihdr)...)
	return append(b, chunk("IEND", nil)...)
}

// --- multipart requests ---

type formField struct{ name, value string }

type formFile struct {
	field, name string
	data        []byte
}

// multipartBody encodes fields (in order) and files as a browser would.
func multipartBody(t testing.TB, fields []formField, files []formFile) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := mw.WriteField(f.name, f.value); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

// postMultipart posts a multipart form; hdr may be nil.
func (c *client) postMultipart(path string, fields []formField, files []formFile, hdr http.Header) *response {
	c.t.Helper()
	body, ct := multipartBody(c.t, fields, files)
	h := http.Header{"Content-Type": {ct}}
	for k, vs := range hdr {
		h[k] = vs
	}
	return c.do(http.MethodPost, path, bytes.NewReader(body), h)
}

// --- helpers ---

// imageServer is a test server whose images may be at most maxUpload
// bytes, with a signed-in member.
func imageServer(t *testing.T, maxUpload int64) (*testServer, *client, storage.User) {
	t.Helper()
	srv := newTestServerWith(t, serverOptions{config: func(c *handlers.Config) { c.MaxUploadBytes = maxUpload }})
	u := newUser(t, srv.db, "amal")
	c := srv.newClient(t)
	c.login("amal", "password-amal")
	return srv, c, u
}

// shownImage is an attachment as a card shows it.
type shownImage struct {
	href, src, alt, width, height, loading string
}

// cardImages lists the attachments of the first post card of a page.
func cardImages(t testing.TB, doc *htmlNode) []shownImage {
	t.Helper()
	posts := byTestID(doc, "post")
	if len(posts) == 0 {
		t.Fatal("no post card on the page")
	}
	var out []shownImage
	for _, a := range byTestID(posts[0], "attachment") {
		imgs := byTag(a, "img")
		if len(imgs) != 1 {
			t.Fatalf("attachment link holds %d images, want 1", len(imgs))
		}
		im := imgs[0]
		out = append(out, shownImage{
			href: attr(a, "href"), src: attr(im, "src"), alt: attr(im, "alt"),
			width: attr(im, "width"), height: attr(im, "height"), loading: attr(im, "loading"),
		})
	}
	return out
}

// hashOf is the hash in a /media/HASH.EXT address.
func hashOf(u string) string {
	h, _, _ := strings.Cut(strings.TrimPrefix(u, "/media/"), ".")
	return h
}

// checkServed fetches a stored file and checks its headers; it returns
// the bytes.
func checkServed(t testing.TB, c *client, path, wantType, wantCache string) []byte {
	t.Helper()
	resp := c.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got status %d, want 200", path, resp.StatusCode)
	}
	hd := resp.Header
	if got := hd.Get("Content-Type"); got != wantType {
		t.Errorf("GET %s: Content-Type %q, want %q", path, got, wantType)
	}
	if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", path, got)
	}
	if got, want := hd.Get("ETag"), `"`+hashOf(path)+`"`; got != want {
		t.Errorf("GET %s: ETag %s, want %s", path, got, want)
	}
	if got := hd.Get("Cache-Control"); got != wantCache {
		t.Errorf("GET %s: Cache-Control %q, want %q", path, got, wantCache)
	}
	if got := strconv.Itoa(len(resp.body)); hd.Get("Content-Length") != got {
		t.Errorf("GET %s: Content-Length %s, body %s bytes", path, hd.Get("Content-Length"), got)
	}
	return []byte(resp.body)
}

const (
	profileCache = "public, max-age=31536000, immutable"
	postCache    = "public, max-age=300"
	privateCache = "private, max-age=3600"
)

// --- tests ---

// Each format round-trips through the compose form without JavaScript
// (files and descriptions in one multipart post) and is served back,
// re-encoded, from /media.
func TestImageRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		data       func(t testing.TB) []byte
		w, h       int
		wantType   string // of the display version
		thumbType  string
		animated   bool
		notInBytes []string
	}{
		{"jpeg with gps", "holiday.jpg", func(t testing.TB) []byte { return gpsJPEG(t, 640, 480) }, 640, 480, "image/jpeg", "image/jpeg", false, []string{gpsSecret, "Exif"}},
		{"png", "drawing.png", func(t testing.TB) []byte { return pngFile(t, gradientImage(300, 200)) }, 300, 200, "image/jpeg", "image/jpeg", false, nil},
		{"large png is shrunk", "big.png", func(t testing.TB) []byte { return pngFile(t, gradientImage(2500, 1000)) }, 2048, 819, "image/jpeg", "image/jpeg", false, nil},
		{"still gif", "still.gif", func(t testing.TB) []byte { return gifFile(t, 40, 30, 1) }, 40, 30, "image/jpeg", "image/jpeg", false, nil},
		{"animated gif", "dance.gif", func(t testing.TB) []byte { return gifFile(t, 40, 30, 3) }, 40, 30, "image/gif", "image/jpeg", true, nil},
		{"webp", "photo.webp", func(t testing.TB) []byte { return webpFile(50, 20, color.NRGBA{10, 200, 30, 255}) }, 50, 20, "image/jpeg", "image/jpeg", false, nil},
		{"png named .txt", "notes.txt", func(t testing.TB) []byte { return pngFile(t, gradientImage(64, 48)) }, 64, 48, "image/jpeg", "image/jpeg", false, nil},
		{"jpeg named .png", "wrong.png", func(t testing.TB) []byte { return jpegFile(t, gradientImage(64, 48)) }, 64, 48, "image/jpeg", "image/jpeg", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := imageServer(t, 0)
			data := tt.data(t)
			for _, bad := range tt.notInBytes {
				if !bytes.Contains(data, []byte(bad)) {
					t.Fatalf("the test file lacks %q", bad)
				}
			}
			alt := "What " + tt.name + " shows"
			resp := c.postMultipart("/posts",
				[]formField{{"body", "A picture: " + tt.name}, {"alt", alt}},
				[]formFile{{"image", tt.file, data}}, nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST /posts: got status %d, want 303:\n%s", resp.StatusCode, resp.body)
			}
			home := c.get("/")
			if got := flashText(home.Doc()); got != "Your post is published." {
				t.Errorf("flash %q, want no reminder about descriptions", got)
			}
			imgs := cardImages(t, home.Doc())
			if len(imgs) != 1 {
				t.Fatalf("the card shows %d images, want 1", len(imgs))
			}
			im := imgs[0]
			if im.alt != alt || im.loading != "lazy" || im.width == "" || im.height == "" {
				t.Errorf("card image = %+v, want alt %q, loading lazy, width and height", im, alt)
			}
			if tt.animated != (len(byTestID(home.Doc(), "attachment")) == 1 && strings.Contains(home.body, `class="attachment-badge"`)) {
				t.Errorf("GIF badge shown: %v, want %v", !tt.animated, tt.animated)
			}

			display := checkServed(t, c, im.href, tt.wantType, postCache)
			cfg, kind, err := image.DecodeConfig(bytes.NewReader(display))
			if err != nil {
				t.Fatalf("served display version does not decode: %v", err)
			}
			if cfg.Width != tt.w || cfg.Height != tt.h || "image/"+kind != tt.wantType {
				t.Errorf("display version is a %dx%d %s, want %dx%d %s", cfg.Width, cfg.Height, kind, tt.w, tt.h, tt.wantType)
			}
			thumb := checkServed(t, c, im.src, tt.thumbType, postCache)
			tcfg, _, err := image.DecodeConfig(bytes.NewReader(thumb))
			if err != nil {
				t.Fatalf("served thumbnail does not decode: %v", err)
			}
			if strconv.Itoa(tcfg.Width) != im.width || strconv.Itoa(tcfg.Height) != im.height || max(tcfg.Width, tcfg.Height) > 480 {
				t.Errorf("thumbnail is %dx%d, the card says %sx%s (at most 480)", tcfg.Width, tcfg.Height, im.width, im.height)
			}
			if tt.animated {
				g, err := gif.DecodeAll(bytes.NewReader(display))
				if err != nil || len(g.Image) != 3 {
					t.Errorf("animated GIF served with %d frames (%v), want 3", len(g.Image), err)
				}
			}
			for _, bad := range tt.notInBytes {
				if bytes.Contains(display, []byte(bad)) || bytes.Contains(thumb, []byte(bad)) {
					t.Errorf("served files still contain %q", bad)
				}
			}
			// A second request is answered from the ETag.
			again := c.do(http.MethodGet, im.href, nil, http.Header{"If-None-Match": {`"` + hashOf(im.href) + `"`}})
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("GET with If-None-Match: got %d, want 304", again.StatusCode)
			}
		})
	}
}

// Refused uploads, through the form without JavaScript and the HTMX
// upload: the right status, a message a person can read, nothing posted.
func TestImageRefusals(t *testing.T) {
	const limit = 256 << 10
	big := noisePNG(t, 200, 200) // about 160 KB: under the limit
	huge := noisePNG(t, 400, 300)
	if len(huge) <= limit {
		t.Fatalf("the oversize test file is %d bytes, want more than %d", len(huge), limit)
	}
	good := pngFile(t, gradientImage(30, 30))
	truncated := pngFile(t, gradientImage(200, 200))
	truncated = truncated[:len(truncated)/2]
	tests := []struct {
		name  string
		files []formFile
		want  int
		msg   string
	}{
		{"not an image", []formFile{{"image", "notes.txt", []byte("Just some words, no picture at all.")}}, http.StatusUnsupportedMediaType,
			"That file is not a picture we can show (JPEG, PNG, GIF or WebP)."},
		{"truncated", []formFile{{"image", "half.png", truncated}}, http.StatusBadRequest, "damaged or incomplete"},
		{"decompression bomb", []formFile{{"image", "bomb.png", bombPNG(60000, 60000)}}, http.StatusRequestEntityTooLarge, "too many pixels"},
		// 30 megapixels, within the pixel limit, at 8 bytes a pixel.
		{"16-bit picture over the memory budget", []formFile{{"image", "deep.png", headerPNG(6000, 5000, 16, 6)}}, http.StatusRequestEntityTooLarge,
			"too large to process: it would need more than the 192 MB of memory"},
		{"file over the limit", []formFile{{"image", "huge.png", huge}}, http.StatusRequestEntityTooLarge, "larger than 256 KB"},
		{"five images", []formFile{{"image", "1.png", good}, {"image", "2.png", good}, {"image", "3.png", big}, {"image", "4.png", good}, {"image", "5.png", good}},
			http.StatusBadRequest, "at most 4 images"},
		{"animated webp", []formFile{{"image", "anim.webp", animatedWebP()}}, http.StatusUnsupportedMediaType, "not a picture we can show"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, u := imageServer(t, limit)
			t.Run("without JavaScript", func(t *testing.T) {
				resp := c.postMultipart("/posts", []formField{{"body", "Look at this"}}, tt.files, nil)
				if resp.StatusCode != tt.want {
					t.Fatalf("got status %d, want %d:\n%s", resp.StatusCode, tt.want, resp.body)
				}
				msg := byTestID(resp.Doc(), "image-error")
				if len(msg) != 1 || !strings.Contains(text(msg[0]), tt.msg) {
					t.Errorf("image error %v, want one containing %q", textsOf(msg), tt.msg)
				}
				if resp.isFragment() {
					t.Error("got a fragment, want the home page with the compose box")
				}
				if got := attr(oneByTestID(t, resp.Doc(), "compose-body"), "data-testid"); got == "" || !strings.Contains(resp.body, "Look at this") {
					t.Error("the compose box lost what was typed")
				}
			})
			t.Run("htmx upload", func(t *testing.T) {
				resp := c.postMultipart("/media/upload", []formField{{"body", "Look at this"}}, tt.files, htmxHeader())
				if resp.StatusCode != tt.want {
					t.Fatalf("got status %d, want %d:\n%s", resp.StatusCode, tt.want, resp.body)
				}
				if !resp.isFragment() {
					t.Error("got a whole page, want the images part alone")
				}
				msg := byTestID(resp.Doc(), "image-error")
				if len(msg) != 1 || !strings.Contains(text(msg[0]), tt.msg) {
					t.Errorf("image error %v, want one containing %q", textsOf(msg), tt.msg)
				}
			})
			if n := postCount(t, srv.db, u.Username); n != 0 {
				t.Errorf("%d posts after refused uploads, want 0", n)
			}
		})
	}
}

func textsOf(ns []*htmlNode) []string {
	var out []string
	for _, n := range ns {
		out = append(out, text(n))
	}
	return out
}

// A body over the upload cap (4 files of the limit and 1 MB) is refused
// with 413 whether its length is declared or not; the cap of other routes
// stays MaxBodyBytes.
func TestUploadBodyCap(t *testing.T) {
	const limit = 64 << 10
	srv, c, _ := imageServer(t, limit)
	cap := int64(4*limit + 1<<20)
	over := bytes.Repeat([]byte("x"), int(cap))
	for _, path := range []string{"/posts", "/media/upload", "/settings/images"} {
		t.Run(path+" declared length", func(t *testing.T) {
			resp := c.postMultipart(path, []formField{{"body", "hi"}}, []formFile{{"image", "big.png", over}}, nil)
			checkReadablePage(t, resp, http.StatusRequestEntityTooLarge)
		})
		t.Run(path+" unknown length", func(t *testing.T) {
			body, ct := multipartBody(t, []formField{{"body", "hi"}}, []formFile{{"image", "big.png", over}})
			req, err := http.NewRequest(http.MethodPost, srv.URL+path, io.MultiReader(bytes.NewReader(body)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ct)
			req.ContentLength = -1
			resp, err := c.hc.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "too large") {
				t.Errorf("got status %d, want 413 with a readable message:\n%s", resp.StatusCode, b)
			}
		})
	}
	// Under the cap, a multipart body larger than MaxBodyBytes is fine.
	resp := c.postMultipart("/media/upload", []formField{{"pad", strings.Repeat("y", 100<<10)}}, []formFile{{"image", "ok.png", pngFile(t, gradientImage(20, 20))}}, htmxHeader())
	if resp.StatusCode != http.StatusOK {
		t.Errorf("an upload of 100 KB: got %d, want 200: %s", resp.StatusCode, resp.body)
	}
	// Other routes, and urlencoded bodies, keep the small cap.
	for _, tc := range []struct{ path, kind string }{{"/login", "multipart"}, {"/posts", "urlencoded"}} {
		var resp *response
		if tc.kind == "multipart" {
			resp = c.postMultipart(tc.path, []formField{{"pad", strings.Repeat("y", 100<<10)}}, nil, nil)
		} else {
			resp = c.postForm(tc.path, url.Values{"body": {strings.Repeat("y", 100<<10)}}, nil)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s %s body of 100 KB: got %d, want 413", tc.kind, tc.path, resp.StatusCode)
		}
	}
}

// With HTMX: choosing files uploads them at once and answers with
// previews (thumbnail, description, remove button, the upload's name);
// publishing sends the names and descriptions.
func TestHTMXUploadAndPost(t *testing.T) {
	srv, c, u := imageServer(t, 0)
	other := srv.newClient(t)
	newUser(t, srv.db, "bilal")
	other.login("bilal", "password-bilal")
	visitor := srv.newClient(t)

	// A description typed beforehand goes with the first file.
	files := []formFile{{"image", "a.png", pngFile(t, gradientImage(120, 80))}, {"image", "b.jpg", jpegFile(t, gradientImage(90, 90))}}
	resp := c.postMultipart("/media/upload",
		[]formField{{"body", "draft"}, {"alt", "A sunrise"}, {"alt", ""}, {"alt", "for the third"}, {"alt", ""}}, files, htmxHeader())
	if resp.StatusCode != http.StatusOK || !resp.isFragment() {
		t.Fatalf("upload: got status %d (fragment %v), want 200 and the images part:\n%s", resp.StatusCode, resp.isFragment(), resp.body)
	}
	part := oneByTestID(t, resp.Doc(), "compose-images")
	if attr(part, "id") != "compose-images" {
		t.Errorf("the images part has id %q, want compose-images (the upload's target)", attr(part, "id"))
	}
	previews := byTestID(part, "image-preview")
	if len(previews) != 2 {
		t.Fatalf("got %d previews, want 2", len(previews))
	}
	hashes := previewHashes(t, part)
	alts := byTestID(part, "preview-alt")
	if text(alts[0]) != "A sunrise" || text(alts[1]) != "" {
		t.Errorf("preview descriptions %q, %q; want %q, %q", text(alts[0]), text(alts[1]), "A sunrise", "")
	}
	if n := len(byTestID(previews[0], "alt-reminder")); n != 0 {
		t.Error("the described image has a reminder")
	}
	if n := len(byTestID(previews[1], "alt-reminder")); n != 1 {
		t.Error("the image without a description has no reminder")
	}
	if n := len(byTestID(part, "remove-image")); n != 2 {
		t.Errorf("got %d remove buttons, want 2", n)
	}
	// The description typed for a third image waits in its place.
	if got := byTestID(part, "alt-3"); len(got) != 1 || text(got[0]) != "for the third" {
		t.Errorf("the field for image 3 = %v, want it to keep %q", textsOf(got), "for the third")
	}
	// The previews are the uploader's alone until posted.
	thumb := attr(byTag(previews[0], "img")[0], "src")
	checkServed(t, c, thumb, "image/jpeg", privateCache)
	for name, cl := range map[string]*client{"another member": other, "a visitor": visitor} {
		if got := cl.get(thumb).StatusCode; got != http.StatusNotFound {
			t.Errorf("%s gets a pending upload: status %d, want 404", name, got)
		}
	}

	// Remove the second image.
	resp = c.postMultipart("/media/upload", []formField{
		{"media", hashes[0]}, {"media_alt", "A sunrise"}, {"media", hashes[1]}, {"media_alt", ""}, {"remove_image", hashes[1]},
	}, nil, htmxHeader())
	if got := previewHashes(t, oneByTestID(t, resp.Doc(), "compose-images")); len(got) != 1 || got[0] != hashes[0] {
		t.Fatalf("after removing the second image, previews %v, want [%s]", got, hashes[0])
	}

	// Publish, with the description edited.
	resp = c.postMultipart("/posts", []formField{
		{"body", "Morning"}, {"media", hashes[0]}, {"media_alt", "A sunrise over the sea"},
	}, []formFile{{"image", "", nil}}, htmxHeader())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: got %d, want 200:\n%s", resp.StatusCode, resp.body)
	}
	imgs := cardImages(t, resp.Doc())
	if len(imgs) != 1 || imgs[0].alt != "A sunrise over the sea" || hashOf(imgs[0].href) != hashes[0] {
		t.Fatalf("the new card shows %+v, want the image with its edited description", imgs)
	}
	// The compose box comes back empty (out of band).
	form := oneByTestID(t, resp.Doc(), "compose")
	if attr(form, "hx-swap-oob") != "true" || len(byTestID(form, "image-preview")) != 0 {
		t.Error("the compose box is not sent back empty")
	}
	// Posted publicly, the image is everyone's, while the post is there.
	checkServed(t, visitor, imgs[0].src, "image/jpeg", postCache)
	checkServed(t, visitor, imgs[0].href, "image/jpeg", postCache)
	// The upload is spent: publishing it again says so.
	resp = c.postMultipart("/posts", []formField{{"body", "Again"}, {"media", hashes[0]}, {"media_alt", "x"}}, nil, htmxHeader())
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "Add it again") {
		t.Errorf("publishing a spent upload: got %d, want 400 saying to add it again:\n%s", resp.StatusCode, resp.body)
	}
	if n := postCount(t, srv.db, u.Username); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	// Someone else cannot attach my upload by its name.
	resp = c.postMultipart("/media/upload", nil, []formFile{{"image", "c.png", pngFile(t, gradientImage(10, 70))}}, htmxHeader())
	mine := previewHashes(t, oneByTestID(t, resp.Doc(), "compose-images"))
	resp = other.postMultipart("/posts", []formField{{"body", "Stolen"}, {"media", mine[0]}, {"media_alt", ""}}, nil, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("attaching someone else's upload: got %d, want 400", resp.StatusCode)
	}
}

// previewHashes lists the upload names the previews send back.
func previewHashes(t testing.TB, part *htmlNode) []string {
	t.Helper()
	var out []string
	for _, in := range byTag(part, "input") {
		if attr(in, "name") == "media" && attr(in, "type") == "hidden" {
			out = append(out, attr(in, "value"))
		}
	}
	return out
}

// Without JavaScript the form returns with the stored images as previews
// when the text has a problem, and Remove works as a plain submission.
func TestNoJSComposeKeepsImages(t *testing.T) {
	srv, c, u := imageServer(t, 0)
	resp := c.postMultipart("/posts", []formField{{"body", ""}, {"alt", "A red door"}},
		[]formFile{{"image", "door.png", pngFile(t, gradientImage(50, 100))}}, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("empty body: got %d, want 400", resp.StatusCode)
	}
	part := oneByTestID(t, resp.Doc(), "compose-images")
	hashes := previewHashes(t, part)
	if len(hashes) != 1 || text(byTestID(part, "preview-alt")[0]) != "A red door" {
		t.Fatalf("the form came back with previews %v, want the image with its description", hashes)
	}
	remove := oneByTestID(t, part, "remove-image")
	if attr(remove, "formaction") != "/media/upload" || attr(remove, "name") != "remove_image" || attr(remove, "value") != hashes[0] {
		t.Errorf("remove button: formaction %q name %q value %q", attr(remove, "formaction"), attr(remove, "name"), attr(remove, "value"))
	}
	// Remove, as the browser submits the form with that button.
	resp = c.postMultipart("/media/upload", []formField{{"body", "kept text"}, {"media", hashes[0]}, {"media_alt", "A red door"}, {"remove_image", hashes[0]}}, nil, nil)
	if resp.StatusCode != http.StatusOK || resp.isFragment() || !strings.Contains(resp.body, "kept text") {
		t.Errorf("remove without JavaScript: got %d (fragment %v), want the home page with the text kept", resp.StatusCode, resp.isFragment())
	}
	if got := previewHashes(t, oneByTestID(t, resp.Doc(), "compose-images")); len(got) != 0 {
		t.Errorf("after removing, previews %v, want none", got)
	}
	// Publish with the preview kept and a new file; one has no description.
	resp = c.postMultipart("/posts", []formField{{"body", "Doors"}, {"media", hashes[0]}, {"media_alt", "A red door"}, {"alt", ""}},
		[]formFile{{"image", "blue.png", pngFile(t, gradientImage(60, 100))}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: got %d, want 303:\n%s", resp.StatusCode, resp.body)
	}
	home := c.get("/")
	if got := flashText(home.Doc()); !strings.Contains(got, "One of your images has no description") {
		t.Errorf("flash %q, want a reminder about the image without a description", got)
	}
	imgs := cardImages(t, home.Doc())
	if len(imgs) != 2 || imgs[0].alt != "A red door" || imgs[1].alt != "" {
		t.Fatalf("card images %+v, want the door then the new image", imgs)
	}
	link := byTestID(byTestID(home.Doc(), "post")[0], "attachment")[1]
	if !strings.Contains(attr(link, "aria-label"), "no description") {
		t.Errorf("the link of an image without description has aria-label %q", attr(link, "aria-label"))
	}
	if n := postCount(t, srv.db, u.Username); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// Two posts share one stored image; it lives as long as one of them.
func TestSharedImageReferences(t *testing.T) {
	srv, c, _ := imageServer(t, 0)
	data := pngFile(t, gradientImage(100, 60))
	var links []string
	var img shownImage
	for _, body := range []string{"first", "second"} {
		resp := c.postMultipart("/posts", []formField{{"body", body}, {"alt", "the same picture"}}, []formFile{{"image", body + ".png", data}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("post %s: got %d", body, resp.StatusCode)
		}
		home := c.get("/")
		imgs := cardImages(t, home.Doc())
		if len(imgs) != 1 {
			t.Fatalf("post %s shows %d images", body, len(imgs))
		}
		if img.href != "" && imgs[0] != img {
			t.Errorf("the same bytes gave %+v, then %+v; want one stored image", img, imgs[0])
		}
		img = imgs[0]
		links = append(links, permalinkOf(byTestID(home.Doc(), "post")[0]))
	}
	del := func(link string) {
		t.Helper()
		if resp := c.postForm(link+"/delete", url.Values{}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete %s: got %d", link, resp.StatusCode)
		}
	}
	del(links[0])
	for _, u := range []string{img.href, img.src} {
		if got := c.get(u).StatusCode; got != http.StatusOK {
			t.Errorf("after deleting one post, GET %s: %d, want 200", u, got)
		}
	}
	del(links[1])
	for _, u := range []string{img.href, img.src} {
		if got := c.get(u).StatusCode; got != http.StatusNotFound {
			t.Errorf("after deleting both posts, GET %s: %d, want 404", u, got)
		}
		if _, err := srv.db.MediaInfo(hashOf(u)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("after deleting both posts, MediaInfo(%s): %v, want ErrNotFound", hashOf(u), err)
		}
	}
}

// The media route answers as the post's visibility says: every
// visibility, every kind of viewer (the same rule as the authorization
// matrix, handlers/matrix_test.go, which has rows for /media too).
func TestMediaVisibility(t *testing.T) {
	srv := newTestServer(t)
	as := map[string]*client{}
	for _, name := range []string{"anonymous", "stranger", "follower", "mentioned", "blocked", "author"} {
		c := srv.newClient(t)
		if name != "anonymous" {
			newUser(t, srv.db, name)
			c.login(name, "password-"+name)
		}
		as[name] = c
	}
	for _, name := range []string{"follower", "blocked"} {
		if resp := as[name].postForm("/@author/follow", url.Values{}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s follows: %d", name, resp.StatusCode)
		}
	}
	if resp := as["author"].postForm("/@blocked/block", url.Values{}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("block: %d", resp.StatusCode)
	}
	may := map[storage.Visibility][]string{
		storage.Public:        {"anonymous", "stranger", "follower", "mentioned", "author"},
		storage.Unlisted:      {"anonymous", "stranger", "follower", "mentioned", "author"},
		storage.FollowersOnly: {"follower", "mentioned", "author"},
		storage.Direct:        {"mentioned", "author"},
	}
	for i, vis := range []storage.Visibility{storage.Public, storage.Unlisted, storage.FollowersOnly, storage.Direct} {
		resp := as["author"].postMultipart("/posts", []formField{{"body", "For @mentioned"}, {"visibility", string(vis)}, {"alt", "x"}},
			[]formFile{{"image", "p.png", pngFile(t, gradientImage(40+i, 40))}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s post: got %d:\n%s", vis, resp.StatusCode, resp.body)
		}
		img := cardImages(t, as["author"].get("/@author").Doc())[0]
		wantCache := privateCache
		if vis == storage.Public || vis == storage.Unlisted {
			wantCache = postCache
		}
		for name, c := range as {
			for _, u := range []string{img.href, img.src} {
				resp := c.get(u)
				want := http.StatusNotFound
				for _, ok := range may[vis] {
					if ok == name {
						want = http.StatusOK
					}
				}
				if resp.StatusCode != want {
					t.Errorf("%s post, %s: GET %s = %d, want %d", vis, name, u, resp.StatusCode, want)
				}
				if want == http.StatusOK {
					if got := resp.Header.Get("Cache-Control"); got != wantCache {
						t.Errorf("%s post, %s: Cache-Control %q, want %q", vis, name, got, wantCache)
					}
				} else if strings.Contains(resp.Header.Get("Cache-Control"), "public") {
					t.Errorf("%s post, %s: a refusal is cacheable: %q", vis, name, resp.Header.Get("Cache-Control"))
				}
			}
		}
	}
}

// Addresses that name no file, or a file by another extension, are 404.
func TestMediaAddresses(t *testing.T) {
	_, c, _ := imageServer(t, 0)
	resp := c.postMultipart("/posts", []formField{{"body", "x"}}, []formFile{{"image", "a.png", pngFile(t, gradientImage(20, 20))}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatal(resp.StatusCode)
	}
	img := cardImages(t, c.get("/").Doc())[0]
	hash := hashOf(img.href)
	for _, path := range []string{
		"/media/" + hash, "/media/" + hash + ".png", "/media/" + hash + ".jpg.png", "/media/" + strings.ToUpper(hash) + ".jpg",
		"/media/" + strings.Repeat("0", 64) + ".jpg", "/media/..%2f..%2fetc%2fpasswd", "/media/x.jpg",
	} {
		resp := c.get(path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	head := c.do(http.MethodHead, img.href, nil, nil)
	if head.StatusCode != http.StatusOK || head.Header.Get("Content-Type") != "image/jpeg" || head.body != "" {
		t.Errorf("HEAD %s: %d %q, %d bytes", img.href, head.StatusCode, head.Header.Get("Content-Type"), len(head.body))
	}
	part := c.do(http.MethodGet, img.href, nil, http.Header{"Range": {"bytes=0-9"}})
	if part.StatusCode != http.StatusPartialContent || len(part.body) != 10 {
		t.Errorf("GET with Range: %d, %d bytes; want 206 with 10", part.StatusCode, len(part.body))
	}
}

// Avatars and headers: uploaded in the settings, shown on the profile and
// beside every post; a new one frees the old; the initial comes back when
// removed.
func TestProfilePictures(t *testing.T) {
	srv, c, u := imageServer(t, 0)
	newPost(t, srv.db, u, "Hello")
	settings := c.get("/settings")
	form := oneByTestID(t, settings.Doc(), "pictures-form")
	if attr(form, "enctype") != "multipart/form-data" || attr(form, "action") != "/settings/images" {
		t.Errorf("pictures form: enctype %q action %q", attr(form, "enctype"), attr(form, "action"))
	}

	upload := func(fields []formField, files []formFile) *response {
		t.Helper()
		return c.postMultipart("/settings/images", fields, files, nil)
	}
	resp := upload(nil, []formFile{{"avatar", "me.png", pngFile(t, gradientImage(600, 500))}, {"header", "sky.jpg", jpegFile(t, gradientImage(1800, 900))}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload pictures: got %d:\n%s", resp.StatusCode, resp.body)
	}
	prof := c.get("/@amal")
	header := oneByTestID(t, prof.Doc(), "profile-header")
	large := byTestID(header, "avatar-img")
	if len(large) != 1 || attr(large[0], "width") != "400" || attr(large[0], "height") != "400" || !hasClass(large[0], "large") {
		t.Fatalf("profile avatar %v, want a 400×400 img.avatar.large", large)
	}
	first := c.get("/@amal").Doc()
	banner := oneByTestID(t, first, "profile-banner")
	if attr(banner, "width") != "1500" || attr(banner, "height") != "500" || !strings.Contains(attr(banner, "srcset"), " 600w") {
		t.Errorf("banner: width %q height %q srcset %q", attr(banner, "width"), attr(banner, "height"), attr(banner, "srcset"))
	}
	checkServed(t, srv.newClient(t), attr(banner, "src"), "image/jpeg", profileCache)
	card := byTestID(byTestID(first, "post")[0], "avatar-img")
	if len(card) != 1 || attr(card[0], "width") != "96" || attr(card[0], "height") != "96" || !hasClass(card[0], "avatar") {
		t.Fatalf("avatar beside the post: %v, want a 96×96 img.avatar", card)
	}
	oldDisplay, oldThumb := attr(large[0], "src"), attr(card[0], "src")
	// Avatars are public, even to a visitor.
	checkServed(t, srv.newClient(t), oldThumb, "image/jpeg", profileCache)

	// A new avatar frees the old one.
	if resp := upload(nil, []formFile{{"avatar", "new.png", pngFile(t, gradientImage(200, 200))}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("replace avatar: %d", resp.StatusCode)
	}
	for _, old := range []string{oldDisplay, oldThumb} {
		if got := c.get(old).StatusCode; got != http.StatusNotFound {
			t.Errorf("old avatar %s: %d, want 404", old, got)
		}
		if _, err := srv.db.MediaInfo(hashOf(old)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("old avatar file %s: %v, want ErrNotFound", old, err)
		}
	}
	now := byTestID(byTestID(c.get("/@amal").Doc(), "post")[0], "avatar-img")
	if len(now) != 1 || attr(now[0], "src") == oldThumb {
		t.Errorf("the card still shows the old avatar")
	}

	// A file that is not a picture: 415, the settings page with the reason.
	resp = upload(nil, []formFile{{"avatar", "me.txt", []byte("not a picture")}})
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(text(oneByTestID(t, resp.Doc(), "pictures-error")), "not a picture we can show") {
		t.Errorf("avatar that is not a picture: got %d:\n%s", resp.StatusCode, resp.body)
	}

	// Remove both: the initial again, no banner, the files gone.
	resp = upload([]formField{{"remove_avatar", "on"}, {"remove_header", "on"}}, []formFile{{"avatar", "", nil}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove pictures: %d", resp.StatusCode)
	}
	doc := c.get("/@amal").Doc()
	if n := len(byTestID(doc, "avatar-img")) + len(byTestID(doc, "profile-banner")); n != 0 {
		t.Errorf("after removing, %d pictures still shown", n)
	}
	spans := findAll(oneByTestID(t, doc, "profile-header"), func(n *htmlNode) bool { return n.Data == "span" && hasClass(n, "avatar") })
	if len(spans) != 1 || text(spans[0]) != "A" {
		t.Errorf("after removing, the profile shows %d initials, want the initial A", len(spans))
	}
	if got := c.get(attr(banner, "src")).StatusCode; got != http.StatusNotFound {
		t.Errorf("removed header: %d, want 404", got)
	}
}

// The compose box, as a page without JavaScript gets it: a multipart form
// with a file input for several images and a description field for each,
// labelled.
func TestComposeFormImages(t *testing.T) {
	_, c, _ := imageServer(t, 0)
	doc := c.get("/").Doc()
	form := oneByTestID(t, doc, "compose")
	if attr(form, "enctype") != "multipart/form-data" {
		t.Errorf("compose form enctype %q, want multipart/form-data", attr(form, "enctype"))
	}
	in := oneByTestID(t, form, "image-input")
	if attr(in, "type") != "file" || attr(in, "name") != "image" || attr(in, "accept") != "image/*" || !hasAttr(in, "multiple") ||
		attr(in, "hx-post") != "/media/upload" || attr(in, "hx-encoding") != "multipart/form-data" || attr(in, "hx-trigger") != "change" {
		t.Errorf("file input attributes: %v", in.Attr)
	}
	labels := map[string]string{}
	for _, l := range byTag(form, "label") {
		labels[attr(l, "for")] = text(l)
	}
	for i := 1; i <= 4; i++ {
		f := byTestID(form, fmt.Sprintf("alt-%d", i))
		if len(f) != 1 {
			t.Fatalf("no description field for image %d", i)
		}
		if want := fmt.Sprintf("Description of image %d", i); labels[attr(f[0], "id")] != want {
			t.Errorf("field %d is labelled %q, want %q", i, labels[attr(f[0], "id")], want)
		}
	}
}

// Behind a content warning the images are folded away with the text.
func TestImagesBehindContentWarning(t *testing.T) {
	_, c, _ := imageServer(t, 0)
	resp := c.postMultipart("/posts", []formField{{"body", "Spoilers"}, {"cw", "Film ending"}, {"alt", "The last scene"}},
		[]formFile{{"image", "end.png", pngFile(t, gradientImage(80, 60))}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d", resp.StatusCode)
	}
	post := byTestID(c.get("/").Doc(), "post")[0]
	cw := oneByTestID(t, post, "cw")
	if len(byTestID(cw, "attachment-img")) != 1 {
		t.Error("the image is not inside the content warning's <details>")
	}
	if n := len(byTestID(post, "attachment-img")); n != 1 {
		t.Errorf("the card shows %d images, want 1 (inside the warning only)", n)
	}
}

// A suspended account's post images are hidden like its posts, and no
// cache was told to keep them: caches ask again after a few minutes.
func TestSuspendedAccountsImages(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "admin") // the first account is the admin
	amal := srv.signIn(t, "amal")
	fan := srv.signIn(t, "fan")
	fan.postForm("/@amal/follow", nil, nil)
	visitor := srv.newClient(t)
	resp := amal.postMultipart("/posts", []formField{{"body", "a picture"}, {"alt", "noise"}},
		[]formFile{{"image", "n.png", noisePNG(t, 64, 64)}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /posts: got %d", resp.StatusCode)
	}
	img := cardImages(t, amal.get(newestLink(t, srv.db, "amal")).Doc())[0]
	for _, u := range []string{img.href, img.src} {
		if b := checkServed(t, visitor, u, "image/jpeg", postCache); len(b) == 0 {
			t.Fatalf("GET %s: no bytes", u)
		}
	}
	if err := srv.db.SetStatus(userID(t, srv.db, "amal"), storage.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client{"visitor": visitor, "follower": fan} {
		for _, u := range []string{img.href, img.src} {
			resp := c.get(u)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: GET %s of a suspended account: got %d, want 404", name, u, resp.StatusCode)
			}
			if strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s: GET %s: got Cache-Control %q, want no lasting cache", name, u, resp.Header.Get("Cache-Control"))
			}
		}
	}
	if err := srv.db.SetStatus(userID(t, srv.db, "amal"), storage.StatusActive); err != nil {
		t.Fatal(err)
	}
	if got := visitor.get(img.href).StatusCode; got != http.StatusOK {
		t.Errorf("after unsuspending: got %d, want 200", got)
	}
}
