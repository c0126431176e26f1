# Makes the pictures in this folder, which the Go encoders cannot write
# (progressive and CMYK JPEG, lossy and lossless WebP). Needs Pillow with
# WebP support. Run from this folder: python3 make.py
import math
from PIL import Image

def picture(w, h, mode):
    m = Image.new("RGBA", (w, h))
    px = m.load()
    for y in range(h):
        for x in range(w):
            r = int(255 * x / max(w - 1, 1))
            g = int(255 * y / max(h - 1, 1))
            b = int(128 + 100 * math.sin(x / 23.0) * math.cos(y / 17.0))
            a = 255 if x < w // 2 else int(255 * y / max(h - 1, 1))
            px[x, y] = (r, g, b, a)
    if mode == "P":  # a few flat colours: lossless WebP indexes them
        return m.convert("RGB").quantize(colors=12)
    return m.convert(mode)

for size, tag in (((640, 480), ""), ((24, 16), "-small")):
    w, h = size
    picture(w, h, "RGB").save(f"progressive420{tag}.jpg", quality=75, progressive=True, subsampling=2)
    picture(w, h, "RGB").save(f"progressive444{tag}.jpg", quality=75, progressive=True, subsampling=0)
    picture(w, h, "L").save(f"progressive-gray{tag}.jpg", quality=75, progressive=True)
    picture(w, h, "CMYK").save(f"cmyk{tag}.jpg", quality=75)
    picture(w, h, "CMYK").save(f"progressive-cmyk{tag}.jpg", quality=75, progressive=True)
    picture(w, h, "RGB").save(f"lossy{tag}.webp", quality=70)
    picture(w, h, "RGBA").save(f"lossy-alpha{tag}.webp", quality=70)
    picture(w, h, "RGBA").save(f"lossless{tag}.webp", lossless=True)
    picture(w, h, "P").convert("RGB").save(f"lossless-palette{tag}.webp", lossless=True)
