//! From coefficients to pixels: the inverse DCT of every block into component planes,
//! libjpeg's "fancy" upsampling of subsampled chroma (triangle filter for 2:1
//! horizontal and 2:1×2:1, replication otherwise) and its fixed-point YCbCr → RGB.

use super::idct::idct_block;
use super::idct_fast::{idct_fast_block, multipliers};
use super::{corrupt, Component, Decoded, Frame, Result, Tables};

/// A component's samples: `stride` = blocks per row × 8.
struct Plane {
    data: Vec<u8>,
    stride: usize,
}

fn plane(c: &Component, fast: bool) -> Result<Plane> {
    let quant = c
        .quant
        .ok_or_else(|| corrupt(format!("component {} has no scan", c.id)))?;
    let stride = c.bw * 8;
    let rows = c.bh_used * 8;
    let mut data = vec![0u8; stride * rows];
    let mult = multipliers(&quant);
    for by in 0..c.bh_used {
        for bx in 0..c.bw_used {
            let at = by * 8 * stride + bx * 8;
            let coef = &c.coef[by * c.bw + bx];
            if fast {
                idct_fast_block(coef, &mult, &mut data[at..], stride);
            } else {
                idct_block(coef, &quant, &mut data[at..], stride);
            }
        }
    }
    Ok(Plane { data, stride })
}

/// Row `y` of a plane, clamped to the component's rows (libjpeg's context rows repeat
/// the first and last rows at the image's edges).
fn row<'a>(p: &'a Plane, c: &Component, y: isize) -> &'a [u8] {
    let y = y.clamp(0, c.height as isize - 1) as usize;
    &p.data[y * p.stride..y * p.stride + c.width]
}

/// 2:1 horizontal triangle upsampling of `inp` (`n` samples) into `out` (2n).
fn h2_fancy(inp: &[u8], out: &mut [u8]) {
    let n = inp.len();
    if n == 1 {
        out[0] = inp[0];
        out[1] = inp[0];
        return;
    }
    let v = |i: usize| i32::from(inp[i]);
    out[0] = inp[0];
    out[1] = ((v(0) * 3 + v(1) + 2) >> 2) as u8;
    for i in 1..n - 1 {
        let c = v(i) * 3;
        out[2 * i] = ((c + v(i - 1) + 1) >> 2) as u8;
        out[2 * i + 1] = ((c + v(i + 1) + 2) >> 2) as u8;
    }
    out[2 * n - 2] = ((v(n - 1) * 3 + v(n - 2) + 1) >> 2) as u8;
    out[2 * n - 1] = inp[n - 1];
}

/// 2:1×2:1 triangle upsampling of one output row from the nearer input row `a` and the
/// farther one `b` (both `n` samples) into `out` (2n).
fn h2v2_fancy(a: &[u8], b: &[u8], out: &mut [u8]) {
    let n = a.len();
    let col = |i: usize| i32::from(a[i]) * 3 + i32::from(b[i]);
    if n == 1 {
        let s = col(0);
        out[0] = ((s * 4 + 8) >> 4) as u8;
        out[1] = ((s * 4 + 7) >> 4) as u8;
        return;
    }
    let (mut this, mut next) = (col(0), col(1));
    let mut last;
    out[0] = ((this * 4 + 8) >> 4) as u8;
    out[1] = ((this * 3 + next + 7) >> 4) as u8;
    for i in 1..n - 1 {
        last = this;
        this = next;
        next = col(i + 1);
        out[2 * i] = ((this * 3 + last + 8) >> 4) as u8;
        out[2 * i + 1] = ((this * 3 + next + 7) >> 4) as u8;
    }
    last = this;
    this = next;
    out[2 * n - 2] = ((this * 3 + last + 8) >> 4) as u8;
    out[2 * n - 1] = ((this * 4 + 7) >> 4) as u8;
}

/// The component `c` (plane `p`) at full resolution: `f.width × f.height` samples.
fn upsample(f: &Frame, c: &Component, p: &Plane) -> Vec<u8> {
    let (w, h) = (f.width, f.height);
    let (hs, vs) = (f.hmax / c.h, f.vmax / c.v);
    // libjpeg smooths only components more than 2 samples wide; narrower ones (and
    // other ratios) are replicated.
    let exact = f.hmax.is_multiple_of(c.h) && f.vmax.is_multiple_of(c.v) && c.width > 2;
    let mut out = vec![0u8; w * h];
    let mut wide = vec![0u8; c.width * hs.max(1) + 2];
    for y in 0..h {
        let dst = &mut out[y * w..(y + 1) * w];
        // Full resolution only: with a non-integral ratio (h 2 of hmax 3, found by
        // fuzzing) `hs` is 1 too but the rows are shorter than the frame.
        if c.h == f.hmax && c.v == f.vmax {
            dst.copy_from_slice(&row(p, c, y as isize)[..w]);
        } else if exact && hs == 2 && vs == 1 {
            h2_fancy(row(p, c, y as isize), &mut wide[..2 * c.width]);
            dst.copy_from_slice(&wide[..w]);
        } else if exact && hs == 2 && vs == 2 {
            let sy = (y / 2) as isize;
            let near = row(p, c, sy);
            let far = row(p, c, if y % 2 == 0 { sy - 1 } else { sy + 1 });
            h2v2_fancy(near, far, &mut wide[..2 * c.width]);
            dst.copy_from_slice(&wide[..w]);
        } else {
            // Replication (libjpeg's integral-factor upsampler; also used for
            // non-integral ratios, which libjpeg refuses).
            let sy = (y * c.v) / f.vmax;
            let src = row(p, c, sy as isize);
            for (x, d) in dst.iter_mut().enumerate() {
                *d = src[((x * c.h) / f.hmax).min(c.width - 1)];
            }
        }
    }
    out
}

const SCALE: i32 = 16;
const HALF: i32 = 1 << (SCALE - 1);

const fn fix(x: f64) -> i32 {
    (x * (1 << SCALE) as f64 + 0.5) as i32
}

fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// Builds the pixels (`fast`: the IFAST inverse DCT, else ISLOW): greyscale (one channel, or the luminance of a colour image when
/// `grey`), or RGB converted from YCbCr (or taken as is for Adobe RGB files).
pub(crate) fn finish(f: &Frame, t: &Tables, grey: bool, fast: bool) -> Result<Decoded> {
    let (w, h) = (f.width, f.height);
    if f.comps.len() == 1 || grey {
        let c = &f.comps[0];
        let p = plane(c, fast)?;
        let pixels = upsample(f, c, &p);
        return Ok(Decoded {
            width: w,
            height: h,
            channels: 1,
            pixels,
        });
    }
    let full: Vec<Vec<u8>> = f
        .comps
        .iter()
        .map(|c| plane(c, fast).map(|p| upsample(f, c, &p)))
        .collect::<Result<_>>()?;
    let ids: Vec<u8> = f.comps.iter().map(|c| c.id).collect();
    let rgb = match t.adobe_transform {
        Some(0) => true,
        Some(_) => false,
        None => !t.jfif && ids == [b'R', b'G', b'B'],
    };
    let mut pixels = vec![0u8; w * h * 3];
    if rgb {
        for (i, px) in pixels.chunks_exact_mut(3).enumerate() {
            px.copy_from_slice(&[full[0][i], full[1][i], full[2][i]]);
        }
    } else {
        let cr_r = |cr: i32| (fix(1.40200) * (cr - 128) + HALF) >> SCALE;
        let cb_b = |cb: i32| (fix(1.77200) * (cb - 128) + HALF) >> SCALE;
        let g = |cb: i32, cr: i32| {
            (-fix(0.34414) * (cb - 128) - fix(0.71414) * (cr - 128) + HALF) >> SCALE
        };
        for (i, px) in pixels.chunks_exact_mut(3).enumerate() {
            let (y, cb, cr) = (
                i32::from(full[0][i]),
                i32::from(full[1][i]),
                i32::from(full[2][i]),
            );
            px[0] = clamp(y + cr_r(cr));
            px[1] = clamp(y + g(cb, cr));
            px[2] = clamp(y + cb_b(cb));
        }
    }
    Ok(Decoded {
        width: w,
        height: h,
        channels: 3,
        pixels,
    })
}
