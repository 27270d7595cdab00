//! Convolution gradients that skip the zeros of the output gradient, without im2col.
//!
//! After a ReLU and a 2×2 max-pool gradient at least three quarters of `dy` are zeros.
//! For a stride-1, undilated convolution, the window of output position `(oy, ox)` covers,
//! in an input padded to `(oh + kh - 1) × (ow + kw - 1)`, the rows `oy..oy + kh` and in
//! each of them `kw·ic` *contiguous* floats starting at column `ox`. So each nonzero
//! `v = dy[p, o]` contributes, for each window row `ky`:
//!
//! - to the input gradient: `dx_pad[oy + ky, ox.., :] += v · wᵀ[o, ky, :]` (`kw·ic` floats);
//! - to the filter gradient: `dwᵀ[o, ky, :] += v · x_pad[oy + ky, ox.., :]`.
//!
//! Both run over rows of `kw·ic` floats in fixed-width blocks held in registers: the input
//! gradient walks positions and, for each, the nonzero channels of its `dy` row; the filter
//! gradient walks output channels and, for each, its nonzeros over a group of images.
//!
//! Determinism: the input gradient is split over images, each summed by one thread in
//! (position, channel) order; the filter gradient sums fixed groups of images (independent
//! of the thread count) and adds the groups' partial sums in order. Zeros of `dy` are
//! skipped, so (as for the sparse GEMM) `0 · ∞` contributes nothing.

use super::conv::ConvGeom;
use crate::{Error, Result};
use rayon::prelude::*;

/// Images per filter-gradient group.
const GROUP_IMAGES: usize = 4;

/// True when the kernels here handle `g`: stride 1, no dilation, window rows of a
/// multiple of 16 floats (at most 1024), offsets that fit in 32 bits.
pub(crate) fn applies(g: &ConvGeom) -> bool {
    let l = g.kw * g.ic;
    let (hp, wp) = padded(g);
    let fits = |v: Option<usize>| v.is_some_and(|v| v < u32::MAX as usize);
    g.s == [1, 1]
        && g.d == [1, 1]
        && l > 0
        && l.is_multiple_of(16)
        && l <= 1024
        && g.oc > 0
        && fits(
            hp.checked_mul(wp)
                .and_then(|v| v.checked_mul(g.ic * GROUP_IMAGES)),
        )
        && fits(g.oc.checked_mul(g.kh * l))
}

/// Padded input height and width: `oh + kh - 1`, `ow + kw - 1`.
fn padded(g: &ConvGeom) -> (usize, usize) {
    (g.oh + g.kh - 1, g.ow + g.kw - 1)
}

fn check(g: &ConvGeom, x: usize, w: usize, y: usize) -> Result<()> {
    let want = [
        g.n * g.ih * g.iw * g.ic,
        g.patch() * g.oc,
        g.n * g.positions() * g.oc,
    ];
    if !applies(g) || [x, w, y] != want {
        return Err(Error::Invalid {
            op: "Conv2DBackpropInput",
            what: format!(
                "sparse convolution gradient: slices of {x}, {w} and {y} elements for \
                 geometry {g:?}"
            ),
        });
    }
    Ok(())
}

/// `Conv2DBackpropInput`: `dx` (`[n, ih, iw, ic]`) from `w` (`[kh, kw, ic, oc]`) and `d`.
pub(crate) fn backprop_input(w: &[f32], d: &[f32], g: &ConvGeom, dx: &mut [f32]) -> Result<()> {
    check(g, dx.len(), w.len(), d.len())?;
    let (oc, l, pos) = (g.oc, g.kw * g.ic, g.positions());
    let img = g.ih * g.iw * g.ic;
    if img == 0 {
        return Ok(());
    }
    // wᵀ[o, ky, kx·ic + c] = w[ky, kx, c, o].
    let mut wt = vec![0f32; oc * g.kh * l];
    for (i, row) in w.chunks_exact(oc).enumerate() {
        for (o, &v) in row.iter().enumerate() {
            wt[o * g.kh * l + i] = v;
        }
    }
    let (hp, wp) = padded(g);
    dx.par_chunks_mut(img)
        .zip(d.par_chunks(pos * oc))
        .for_each_init(
            || (vec![0f32; hp * wp * g.ic], vec![0u32; oc], vec![0f32; oc]),
            |(pad, idx, val), (dx_img, d_img)| {
                pad.fill(0.0);
                for (p, drow) in d_img.chunks_exact(oc).enumerate() {
                    let nz = gather(drow, idx, val);
                    if nz == 0 {
                        continue;
                    }
                    let (oy, ox) = (p / g.ow, p % g.ow);
                    for ky in 0..g.kh {
                        let at = ((oy + ky) * wp + ox) * g.ic;
                        let wt_at = ky * l;
                        simd::scatter_row(
                            &mut pad[at..at + l],
                            &idx[..nz],
                            &val[..nz],
                            &wt,
                            g.kh * l,
                            wt_at,
                        );
                    }
                }
                crop(pad, g, dx_img);
            },
        );
    Ok(())
}

/// Compacts the nonzeros of `row` into `idx`/`val`; returns their count.
fn gather(row: &[f32], idx: &mut [u32], val: &mut [f32]) -> usize {
    let mut n = 0;
    for (o, &v) in row.iter().enumerate() {
        idx[n] = o as u32;
        val[n] = v;
        // A zero is written at slot `n` too, then overwritten or ignored (`n ≤ o`).
        n += usize::from(v != 0.0);
    }
    n
}

/// Copies the unpadded part of `pad` into `dx_img` (zeros where no window reaches).
fn crop(pad: &[f32], g: &ConvGeom, dx_img: &mut [f32]) {
    let (hp, wp) = padded(g);
    let ic = g.ic;
    for (iy, row) in dx_img.chunks_exact_mut(g.iw * ic).enumerate() {
        let y = iy + g.pad[0];
        for (ix, px) in row.chunks_exact_mut(ic).enumerate() {
            let x = ix + g.pad[1];
            if y < hp && x < wp {
                px.copy_from_slice(&pad[(y * wp + x) * ic..(y * wp + x + 1) * ic]);
            } else {
                px.fill(0.0);
            }
        }
    }
}

/// `row += Σ val[q] · rows[idx[q]·stride + at ..][..row.len()]`, in blocks of 64/32/16.
#[inline(always)]
fn scatter_row_impl(
    row: &mut [f32],
    idx: &[u32],
    val: &[f32],
    rows: &[f32],
    stride: usize,
    at: usize,
) {
    let mut j = 0;
    while j < row.len() {
        let left = row.len() - j;
        if left >= 64 {
            block::<64>(&mut row[j..j + 64], idx, val, rows, stride, at + j);
            j += 64;
        } else if left >= 32 {
            block::<32>(&mut row[j..j + 32], idx, val, rows, stride, at + j);
            j += 32;
        } else {
            block::<16>(&mut row[j..j + 16], idx, val, rows, stride, at + j);
            j += 16;
        }
    }
}

/// One block of [`scatter_row_impl`], `W` sums in registers.
#[inline(always)]
fn block<const W: usize>(
    out: &mut [f32],
    idx: &[u32],
    val: &[f32],
    rows: &[f32],
    stride: usize,
    at: usize,
) {
    let mut acc = [0f32; W];
    acc.copy_from_slice(&out[..W]);
    for (&i, &v) in idx.iter().zip(val) {
        let s = i as usize * stride + at;
        for (a, &r) in acc.iter_mut().zip(&rows[s..s + W]) {
            *a += v * r;
        }
    }
    out[..W].copy_from_slice(&acc);
}

/// `Conv2DBackpropFilter`: `dw` (`[kh, kw, ic, oc]`) from the input `x` and `d`.
pub(crate) fn backprop_filter(x: &[f32], d: &[f32], g: &ConvGeom, dw: &mut [f32]) -> Result<()> {
    check(g, x.len(), dw.len(), d.len())?;
    dw.fill(0.0);
    let (oc, l, pos) = (g.oc, g.kw * g.ic, g.positions());
    if g.n == 0 || pos == 0 {
        return Ok(());
    }
    let (hp, wp) = padded(g);
    let pad_img = hp * wp * g.ic;
    let groups: Vec<usize> = (0..g.n).step_by(GROUP_IMAGES).collect();
    let partials: Vec<Vec<f32>> = groups
        .par_iter()
        .map(|&b0| {
            let nb = GROUP_IMAGES.min(g.n - b0);
            let mut pad = vec![0f32; nb * pad_img];
            for (i, p) in pad.chunks_exact_mut(pad_img).enumerate() {
                fill_padded(&x[(b0 + i) * g.ih * g.iw * g.ic..], g, p);
            }
            // The nonzeros of each output channel: offsets of their windows in `pad`.
            let d_grp = &d[b0 * pos * oc..(b0 + nb) * pos * oc];
            let mut start = vec![0usize; oc + 1];
            for row in d_grp.chunks_exact(oc) {
                for (o, &v) in row.iter().enumerate() {
                    start[o + 1] += usize::from(v != 0.0);
                }
            }
            for o in 0..oc {
                start[o + 1] += start[o];
            }
            let mut next = start.clone();
            let mut idx = vec![0u32; start[oc]];
            let mut val = vec![0f32; start[oc]];
            for (q, row) in d_grp.chunks_exact(oc).enumerate() {
                let (b, p) = (q / pos, q % pos);
                let base = b * pad_img + ((p / g.ow) * wp + p % g.ow) * g.ic;
                for (o, &v) in row.iter().enumerate() {
                    if v != 0.0 {
                        idx[next[o]] = base as u32;
                        val[next[o]] = v;
                        next[o] += 1;
                    }
                }
            }
            let mut part = vec![0f32; oc * g.kh * l];
            for (o, po) in part.chunks_exact_mut(g.kh * l).enumerate() {
                let (i, v) = (&idx[start[o]..start[o + 1]], &val[start[o]..start[o + 1]]);
                for (ky, row) in po.chunks_exact_mut(l).enumerate() {
                    simd::scatter_row(row, i, v, &pad, 1, ky * wp * g.ic);
                }
            }
            part
        })
        .collect();
    // dw[ky, kx, c, o] = Σ_groups part[o, ky, kx·ic + c].
    for part in &partials {
        for (o, po) in part.chunks_exact(g.kh * l).enumerate() {
            for (i, &v) in po.iter().enumerate() {
                dw[i * oc + o] += v;
            }
        }
    }
    Ok(())
}

/// Writes image `x` (from its first element) into `pad`, `(oh+kh-1) × (ow+kw-1) × ic`.
fn fill_padded(x: &[f32], g: &ConvGeom, pad: &mut [f32]) {
    let (_, wp) = padded(g);
    let ic = g.ic;
    for (y, row) in pad.chunks_exact_mut(wp * ic).enumerate() {
        let iy = y.checked_sub(g.pad[0]).filter(|&v| v < g.ih);
        for (xx, px) in row.chunks_exact_mut(ic).enumerate() {
            let ix = xx.checked_sub(g.pad[1]).filter(|&v| v < g.iw);
            match (iy, ix) {
                (Some(iy), Some(ix)) => {
                    px.copy_from_slice(&x[(iy * g.iw + ix) * ic..(iy * g.iw + ix + 1) * ic])
                }
                _ => px.fill(0.0),
            }
        }
    }
}

/// Run-time selection of an AVX-512 build of [`scatter_row_impl`] (same operations).
#[allow(unsafe_code)]
mod simd {
    use super::scatter_row_impl;

    pub(super) fn scatter_row(
        row: &mut [f32],
        idx: &[u32],
        val: &[f32],
        rows: &[f32],
        stride: usize,
        at: usize,
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::kernels::packed::available() {
            // SAFETY: a `target_feature` function is sound to call when the CPU has the
            // features it enables; `available` checked AVX-512F.
            unsafe { scatter_avx512(row, idx, val, rows, stride, at) };
            return;
        }
        scatter_row_impl(row, idx, val, rows, stride, at)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn scatter_avx512(
        row: &mut [f32],
        idx: &[u32],
        val: &[f32],
        rows: &[f32],
        stride: usize,
        at: usize,
    ) {
        scatter_row_impl(row, idx, val, rows, stride, at)
    }
}

#[cfg(test)]
#[path = "conv_sparse_tests.rs"]
mod tests;
