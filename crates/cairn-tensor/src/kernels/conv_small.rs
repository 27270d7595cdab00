//! Direct convolution for a single input channel (LeNet's first layer: 28×28×1 images,
//! 5×5×32 filters).
//!
//! With one input channel an im2col row is only `kh·kw` (25) long: a poor GEMM shape, and
//! the im2col copy costs as much as the products. Here each output position sums its
//! window's taps straight from the image, `OCB` output channels at a time held in a small
//! array the compiler keeps in vector registers; the filter gradient does the reverse,
//! adding `x · dy[position]` into one row of sums per tap.
//!
//! The filter is first copied with its channels padded to a multiple of `OCB`, so every
//! inner loop has a fixed width. Taps that fall in the padding are skipped (they would add
//! `0 · w`). Determinism: the forward pass splits work over output rows; the filter
//! gradient sums fixed groups of images (independent of the thread count) and adds the
//! groups' partial sums in order. Each sum runs over taps (forward) or positions
//! (gradient) in increasing order.

use super::conv::ConvGeom;
use crate::{Error, Result};
use rayon::prelude::*;

/// Output channels per inner loop (two AVX-512 vectors).
const OCB: usize = 32;
/// Images per filter-gradient group.
const GROUP_IMAGES: usize = 4;

/// True when [`conv2d_c1`] and [`backprop_filter_c1`] handle geometry `g`.
pub(crate) fn applies(g: &ConvGeom) -> bool {
    g.ic == 1 && g.oc > 0 && g.kh * g.kw <= 64
}

/// `w [taps, oc]` with each row zero-padded to `ocp` (a multiple of [`OCB`]).
fn padded_filter(w: &[f32], taps: usize, oc: usize) -> (Vec<f32>, usize) {
    let ocp = oc.div_ceil(OCB) * OCB;
    let mut wp = vec![0f32; taps * ocp];
    for (dst, src) in wp.chunks_exact_mut(ocp).zip(w.chunks_exact(oc)) {
        dst[..oc].copy_from_slice(src);
    }
    (wp, ocp)
}

fn check(g: &ConvGeom, x: usize, w: usize, y: usize) -> Result<()> {
    let want = [
        g.n * g.ih * g.iw,
        g.kh * g.kw * g.oc,
        g.n * g.positions() * g.oc,
    ];
    if !applies(g) || [x, w, y] != want {
        return Err(Error::Invalid {
            op: "Conv2D",
            what: format!(
                "direct 1-channel convolution: slices of {x}, {w} and {y} elements for \
                 geometry {g:?}"
            ),
        });
    }
    Ok(())
}

/// `Conv2D` of a 1-channel NHWC input `x` by `w [kh, kw, 1, oc]` into `o`; with `bias`,
/// `o = max(conv + bias, 0)` (a fused `BiasAdd` + `Relu`, same float operations).
pub(crate) fn conv2d_c1(
    x: &[f32],
    w: &[f32],
    g: &ConvGeom,
    bias: Option<&[f32]>,
    o: &mut [f32],
) -> Result<()> {
    check(g, x.len(), w.len(), o.len())?;
    if bias.is_some_and(|b| b.len() != g.oc) {
        return Err(Error::Shapes {
            op: "BiasAdd",
            lhs: g.out_dims().to_vec(),
            rhs: vec![bias.map_or(0, <[f32]>::len)],
        });
    }
    if o.is_empty() {
        return Ok(());
    }
    let (wp, ocp) = padded_filter(w, g.kh * g.kw, g.oc);
    let img = g.ih * g.iw;
    o.par_chunks_mut(g.ow * g.oc)
        .enumerate()
        .for_each(|(r, o_row)| {
            let (b, oy) = (r / g.oh, r % g.oh);
            let x_img = &x[b * img..(b + 1) * img];
            simd::forward_row(x_img, &wp, ocp, g, oy, bias, o_row);
        });
    Ok(())
}

/// One output row of [`conv2d_c1`].
#[inline(always)]
fn forward_row_impl(
    x: &[f32],
    wp: &[f32],
    ocp: usize,
    g: &ConvGeom,
    oy: usize,
    bias: Option<&[f32]>,
    o_row: &mut [f32],
) {
    let oc = g.oc;
    for (ox, out) in o_row.chunks_exact_mut(oc).enumerate() {
        for c0 in (0..oc).step_by(OCB) {
            let mut acc = [0f32; OCB];
            for ky in 0..g.kh {
                let Some(iy) = g.in_y(oy, ky) else { continue };
                for kx in 0..g.kw {
                    let Some(ix) = g.in_x(ox, kx) else { continue };
                    let xv = x[iy * g.iw + ix];
                    let at = (ky * g.kw + kx) * ocp + c0;
                    for (a, &wv) in acc.iter_mut().zip(&wp[at..at + OCB]) {
                        *a += xv * wv;
                    }
                }
            }
            let cw = OCB.min(oc - c0);
            let dst = &mut out[c0..c0 + cw];
            match bias {
                None => dst.copy_from_slice(&acc[..cw]),
                Some(bias) => {
                    for ((d, &a), &bv) in dst.iter_mut().zip(&acc).zip(&bias[c0..c0 + cw]) {
                        *d = (a + bv).max(0.0);
                    }
                }
            }
        }
    }
}

/// `Conv2DBackpropFilter` for a 1-channel input: `dw[tap, o] = Σ x[tap's input] · dy[o]`
/// over every image and output position.
pub(crate) fn backprop_filter_c1(x: &[f32], d: &[f32], g: &ConvGeom, dw: &mut [f32]) -> Result<()> {
    check(g, x.len(), dw.len(), d.len())?;
    dw.fill(0.0);
    if dw.is_empty() || g.n == 0 || g.positions() == 0 {
        return Ok(());
    }
    let (taps, oc) = (g.kh * g.kw, g.oc);
    let ocp = oc.div_ceil(OCB) * OCB;
    let groups: Vec<usize> = (0..g.n).step_by(GROUP_IMAGES).collect();
    let partials: Vec<Vec<f32>> = groups
        .par_iter()
        .map(|&b0| {
            let mut part = vec![0f32; taps * ocp];
            for b in b0..(b0 + GROUP_IMAGES).min(g.n) {
                simd::filter_image(x, d, g, b, ocp, &mut part);
            }
            part
        })
        .collect();
    for part in &partials {
        for (row, prow) in dw.chunks_exact_mut(oc).zip(part.chunks_exact(ocp)) {
            for (a, &v) in row.iter_mut().zip(prow) {
                *a += v;
            }
        }
    }
    Ok(())
}

/// Adds image `b`'s terms of the filter gradient into `part [taps, ocp]`.
#[inline(always)]
fn filter_image_impl(x: &[f32], d: &[f32], g: &ConvGeom, b: usize, ocp: usize, part: &mut [f32]) {
    let (oc, pos) = (g.oc, g.positions());
    let x_img = &x[b * g.ih * g.iw..(b + 1) * g.ih * g.iw];
    let d_img = &d[b * pos * oc..(b + 1) * pos * oc];
    let mut dpad = [0f32; OCB];
    for (p, drow) in d_img.chunks_exact(oc).enumerate() {
        let (oy, ox) = (p / g.ow, p % g.ow);
        for c0 in (0..oc).step_by(OCB) {
            let cw = OCB.min(oc - c0);
            dpad[..cw].copy_from_slice(&drow[c0..c0 + cw]);
            if dpad.iter().all(|&v| v == 0.0) {
                continue;
            }
            for ky in 0..g.kh {
                let Some(iy) = g.in_y(oy, ky) else { continue };
                for kx in 0..g.kw {
                    let Some(ix) = g.in_x(ox, kx) else { continue };
                    let xv = x_img[iy * g.iw + ix];
                    let at = (ky * g.kw + kx) * ocp + c0;
                    for (a, &dv) in part[at..at + OCB].iter_mut().zip(&dpad) {
                        *a += xv * dv;
                    }
                }
            }
        }
    }
}

/// Run-time selection of an AVX-512 build of the loops above (the same operations, so the
/// same results, as the portable build).
#[allow(unsafe_code)]
mod simd {
    use super::{filter_image_impl, forward_row_impl, ConvGeom};

    pub(super) fn forward_row(
        x: &[f32],
        wp: &[f32],
        ocp: usize,
        g: &ConvGeom,
        oy: usize,
        bias: Option<&[f32]>,
        o_row: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::kernels::packed::available() {
            // SAFETY: a `target_feature` function is sound to call when the CPU has the
            // features it enables; `available` checked AVX-512F.
            unsafe { forward_avx512(x, wp, ocp, g, oy, bias, o_row) };
            return;
        }
        forward_row_impl(x, wp, ocp, g, oy, bias, o_row)
    }

    pub(super) fn filter_image(
        x: &[f32],
        d: &[f32],
        g: &ConvGeom,
        b: usize,
        ocp: usize,
        part: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::kernels::packed::available() {
            // SAFETY: as above.
            unsafe { filter_avx512(x, d, g, b, ocp, part) };
            return;
        }
        filter_image_impl(x, d, g, b, ocp, part)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn forward_avx512(
        x: &[f32],
        wp: &[f32],
        ocp: usize,
        g: &ConvGeom,
        oy: usize,
        bias: Option<&[f32]>,
        o_row: &mut [f32],
    ) {
        forward_row_impl(x, wp, ocp, g, oy, bias, o_row)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn filter_avx512(x: &[f32], d: &[f32], g: &ConvGeom, b: usize, ocp: usize, part: &mut [f32]) {
        filter_image_impl(x, d, g, b, ocp, part)
    }
}

#[cfg(test)]
#[path = "conv_small_tests.rs"]
mod tests;
