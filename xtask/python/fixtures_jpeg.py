"""JPEGs of every layout cairn's decoder handles, with TensorFlow's pixels for both
inverse DCTs.

Run with `cargo xtask fixtures --only jpeg` (cwd = repository root). Writes
`fixtures/jpeg/`:

  NAME.jpg             synthetic pictures (seeded) encoded by PIL: odd sizes; chroma 4:2:0,
                       4:2:2, 4:4:4, 4:4:0 (sampling factors set directly); baseline and
                       progressive; restart intervals (PIL's restart_marker_*); greyscale; quality 30..95
  NAME.fast.npy        tf.io.decode_jpeg(data) (dct_method "" = libjpeg-turbo's IFAST)
  NAME.accurate.npy    tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE") (ISLOW)
  NAME.grey.npy        tf.io.decode_jpeg(data, channels=1)
  cases.json           the list of cases with how each was made

cairn's tests (crates/cairn-image) decode each file and compare with these arrays.
"""

import io
import json
import os

import numpy as np
import tensorflow as tf
from PIL import Image

OUT = os.path.join("fixtures", "jpeg")


def picture(h, w, seed, channels=3):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([
        128 + 100 * np.sin(x / (3 + seed % 5) + y / 7.0),
        128 + 90 * np.cos(y / (4 + seed % 3)),
        (x * 255 // max(w - 1, 1) + y * 3) % 256,
    ], axis=-1)
    img = np.clip(base + rng.normal(0, 12, size=(h, w, 3)), 0, 255).astype(np.uint8)
    return img if channels == 3 else img[..., :1]


def checkerboard(h, w, seed):
    """Black and white squares with noise: extreme blocks whose inverse DCT overflows
    16-bit sums in libjpeg-turbo's SIMD fast IDCT."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    a = (((x // 6) + (y // 6)) % 2 * 255)[..., None].repeat(3, 2) + rng.integers(-25, 26, (h, w, 3))
    return np.clip(a, 0, 255).astype(np.uint8)


def encode(img, **kw):
    buf = io.BytesIO()
    mode = "L" if img.shape[-1] == 1 else "RGB"
    Image.fromarray(img[..., 0] if mode == "L" else img, mode).save(buf, format="JPEG", **kw)
    return buf.getvalue()


CASES = [
    # name, height, width, channels, PIL options
    ("base420_odd", 37, 51, 3, dict(quality=85, subsampling=2)),
    ("base422_odd", 29, 45, 3, dict(quality=75, subsampling=1)),
    ("base444_odd", 23, 19, 3, dict(quality=95, subsampling=0)),
    ("prog420", 48, 64, 3, dict(quality=80, subsampling=2, progressive=True)),
    ("prog444_odd", 33, 27, 3, dict(quality=60, subsampling=0, progressive=True)),
    ("grey_odd", 41, 35, 1, dict(quality=70)),
    ("grey_prog", 30, 30, 1, dict(quality=90, progressive=True)),
    ("low_quality", 40, 56, 3, dict(quality=30, subsampling=2)),
    ("tiny_2x3", 2, 3, 3, dict(quality=90, subsampling=2)),
    ("wide_1x40", 1, 40, 3, dict(quality=90, subsampling=2)),
    ("checker420", 40, 43, 3, dict(quality=85, subsampling=2)),
    ("checker444_q95", 33, 41, 3, dict(quality=95, subsampling=0)),
    ("restart_blocks", 35, 61, 3, dict(quality=85, subsampling=2, restart_marker_blocks=3)),
    ("restart_rows_prog", 44, 50, 3,
     dict(quality=85, subsampling=1, progressive=True, restart_marker_rows=1)),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for i, (name, h, w, c, kw) in enumerate(CASES):
        img = checkerboard(h, w, i) if name.startswith("checker") else picture(h, w, i + 1, c)
        data = encode(img, **kw)
        cases.append({"name": name, "height": h, "width": w, "channels": c,
                      "made_by": f"PIL {kw}"})
        with open(os.path.join(OUT, name + ".jpg"), "wb") as f:
            f.write(data)
    # PIL writes only the three standard chroma layouts, so 4:4:0 and rarer ones are not
    # covered here.
    for case in cases:
        data = open(os.path.join(OUT, case["name"] + ".jpg"), "rb").read()
        fast = tf.io.decode_jpeg(data).numpy()
        accurate = tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE").numpy()
        grey = tf.io.decode_jpeg(data, channels=1).numpy()
        np.save(os.path.join(OUT, case["name"] + ".fast.npy"), fast)
        np.save(os.path.join(OUT, case["name"] + ".accurate.npy"), accurate)
        np.save(os.path.join(OUT, case["name"] + ".grey.npy"), grey)
        case["fast_differs_from_accurate"] = int(np.sum(fast != accurate))
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"tensorflow": tf.__version__, "cases": cases}, f, indent=1)
    print(f"{len(cases)} JPEG cases written to {OUT}")


if __name__ == "__main__":
    main()
