//! Gradients of `Conv2D`: `Conv2DBackpropInput` (`dY · Wᵀ`, then col2im) and
//! `Conv2DBackpropFilter` (`im2colᵀ · dY`).
//!
//! Two shapes take their own kernels: a 1-channel input's filter gradient is computed
//! directly (`conv_small`), and when `dy` is mostly zeros a stride-1 convolution's
//! gradients skip them without im2col (`conv_sparse`).
//!
//! Determinism: the input gradient is split over images only (each image's patches are
//! scattered back by one thread, in order); the filter gradient sums fixed groups of
//! images (a partition that does not depend on the thread count) and then adds the
//! groups' partial sums in order.

use super::conv::{conv_geom, gemm_dims, im2col, tile_rows, ConvGeom, Window2d};
use super::gemm::{matmul_f32_slices, MatmulDims};
use super::packed::{self, gemm_packed, gemm_strided, PackedB};
use crate::{Error, Result, Tensor};
use rayon::prelude::*;

/// Floats of im2col rows per filter-gradient group.
const GROUP_ELEMS: usize = 1 << 20;

fn dims_from(op: &'static str, sizes: &[i64]) -> Result<Vec<usize>> {
    if sizes.len() != 4 || sizes.iter().any(|&d| d < 0) {
        return Err(Error::Invalid {
            op,
            what: format!("sizes must be 4 non-negative values, got {sizes:?}"),
        });
    }
    Ok(sizes.iter().map(|&d| d as usize).collect())
}

fn check_dy(op: &'static str, g: &ConvGeom, dy: &Tensor) -> Result<()> {
    if dy.dims() != g.out_dims() {
        return Err(Error::Shapes {
            op,
            lhs: g.out_dims().to_vec(),
            rhs: dy.dims().to_vec(),
        });
    }
    Ok(())
}

/// TensorFlow's `Conv2DBackpropInput`: the gradient of `Conv2D` with respect to an input
/// of dims `input_sizes`, given the filter and the output gradient `dy`.
pub fn conv2d_backprop_input(
    input_sizes: &[i64],
    filter: &Tensor,
    dy: &Tensor,
    win: &Window2d,
    out: &mut Tensor,
) -> Result<()> {
    const OP: &str = "Conv2DBackpropInput";
    let in_dims = dims_from(OP, input_sizes)?;
    let g = conv_geom(OP, &in_dims, filter.dims(), win)?;
    check_dy(OP, &g, dy)?;
    let w = filter.as_slice::<f32>()?;
    let d = dy.as_slice::<f32>()?;
    let dx = out.reset_as::<f32>(&in_dims)?;
    dx.fill(0.0);
    let (pos, oc, k) = (g.positions(), g.oc, g.patch());
    let img_in = g.ih * g.iw * g.ic;
    if img_in == 0 || pos == 0 {
        return Ok(());
    }
    let sparse_dy = mostly_zeros(d);
    if sparse_dy && super::conv_sparse::applies(&g) {
        return super::conv_sparse::backprop_input(w, d, &g, dx);
    }
    // dcol[p, k] = Σ_o dy[p, o] · wᵀ[o, k], dy the left operand.
    let wt = FilterT::new(w, oc, k, sparse_dy)?;
    let rows = tile_rows(k);
    dx.par_chunks_mut(img_in)
        .enumerate()
        .try_for_each_init(Vec::new, |dcol, (b, dx_img)| {
            let d_img = &d[b * pos * oc..(b + 1) * pos * oc];
            if g.is_pointwise() {
                return wt.mul(d_img, pos, dx_img);
            }
            for p0 in (0..pos).step_by(rows) {
                let np = rows.min(pos - p0);
                dcol.resize(np * k, 0.0);
                wt.mul(&d_img[p0 * oc..(p0 + np) * oc], np, dcol)?;
                col2im_add(dcol, &g, p0, np, dx_img);
            }
            Ok(())
        })
}

/// The transposed filter `wᵀ [oc, k]` as the right operand of the input gradient.
enum FilterT {
    /// Packed once for the AVX-512 kernel (a dense `dy`).
    Packed(PackedB),
    /// Stored transposed for the general GEMM, whose sparse path skips the zeros of a
    /// mostly-zero `dy` (after ReLU and max-pool gradients).
    Plain(Vec<f32>, usize, usize),
}

impl FilterT {
    fn new(w: &[f32], oc: usize, k: usize, sparse_dy: bool) -> Result<FilterT> {
        Ok(if packed::available() && !sparse_dy {
            FilterT::Packed(PackedB::pack(w, oc, k, true)?)
        } else {
            FilterT::Plain(transpose(w, k, oc), oc, k)
        })
    }

    /// `c[m, k] = a[m, oc] · wᵀ`.
    fn mul(&self, a: &[f32], m: usize, c: &mut [f32]) -> Result<()> {
        match self {
            FilterT::Packed(p) => gemm_packed(a, m, p, c),
            FilterT::Plain(w, oc, k) => matmul_f32_slices(a, w, gemm_dims(m, *oc, *k), c),
        }
    }
}

/// Adds the patch rows of positions `p0..p0+rows` back into the image gradient.
fn col2im_add(col: &[f32], g: &ConvGeom, p0: usize, rows: usize, dx: &mut [f32]) {
    let (ic, k) = (g.ic, g.patch());
    for (r, row) in col.chunks_exact(k).take(rows).enumerate() {
        let p = p0 + r;
        let (oy, ox) = (p / g.ow, p % g.ow);
        for ky in 0..g.kh {
            let Some(iy) = g.in_y(oy, ky) else { continue };
            for kx in 0..g.kw {
                let Some(ix) = g.in_x(ox, kx) else { continue };
                let s = (iy * g.iw + ix) * ic;
                let src = &row[(ky * g.kw + kx) * ic..(ky * g.kw + kx + 1) * ic];
                for (a, &v) in dx[s..s + ic].iter_mut().zip(src) {
                    *a += v;
                }
            }
        }
    }
}

/// TensorFlow's `Conv2DBackpropFilter`: the gradient of `Conv2D` with respect to a filter
/// of dims `filter_sizes`, given the input and the output gradient `dy`.
pub fn conv2d_backprop_filter(
    input: &Tensor,
    filter_sizes: &[i64],
    dy: &Tensor,
    win: &Window2d,
    out: &mut Tensor,
) -> Result<()> {
    const OP: &str = "Conv2DBackpropFilter";
    let f_dims = dims_from(OP, filter_sizes)?;
    let g = conv_geom(OP, input.dims(), &f_dims, win)?;
    check_dy(OP, &g, dy)?;
    let x = input.as_slice::<f32>()?;
    let d = dy.as_slice::<f32>()?;
    let (pos, oc, k) = (g.positions(), g.oc, g.patch());
    let dw = out.reset_as::<f32>(&f_dims)?;
    dw.fill(0.0);
    if dw.is_empty() || pos == 0 || g.n == 0 {
        return Ok(());
    }
    if super::conv_small::applies(&g) {
        return super::conv_small::backprop_filter_c1(x, d, &g, dw);
    }
    let sparse_dy = mostly_zeros(d);
    if sparse_dy && super::conv_sparse::applies(&g) {
        return super::conv_sparse::backprop_filter(x, d, &g, dw);
    }
    let img_in = g.ih * g.iw * g.ic;
    let per_group = (GROUP_ELEMS / (pos * k).max(1)).max(1);
    let groups: Vec<usize> = (0..g.n).step_by(per_group).collect();
    // Per group: with a dense dy, dw[k, o] = Σ_p col[p, k] · dy[p, o] on the AVX-512 kernel
    // (colᵀ read in place, strides 1 and k); else dwᵀ[o, k] = Σ_p dy[p, o] · col[p, k] with
    // dy (mostly zeros after ReLU and max-pool gradients) the left operand, so the GEMM's
    // sparse path skips zeros. Partial sums are added in group order.
    let dense = packed::available() && !sparse_dy;
    let partials = groups
        .par_iter()
        .map(|&b0| {
            let nb = per_group.min(g.n - b0);
            let rows = nb * pos;
            let d_grp = &d[b0 * pos * oc..(b0 + nb) * pos * oc];
            let col: std::borrow::Cow<'_, [f32]> = if g.is_pointwise() {
                x[b0 * img_in..(b0 + nb) * img_in].into()
            } else {
                let mut col = vec![0f32; rows * k];
                for (i, c) in col.chunks_exact_mut(pos * k).enumerate() {
                    let b = b0 + i;
                    im2col(&x[b * img_in..(b + 1) * img_in], &g, 0, pos, c);
                }
                col.into()
            };
            let mut part = vec![0f32; k * oc];
            if dense {
                gemm_strided(k, rows, oc, &col, [1, k], d_grp, oc, &mut part)?;
            } else {
                matmul_f32_slices(d_grp, &col, at_b(oc, rows, k), &mut part)?;
            }
            Ok(part)
        })
        .collect::<Result<Vec<_>>>()?;
    for p in &partials {
        if dense {
            for (a, &v) in dw.iter_mut().zip(p) {
                *a += v;
            }
        } else {
            for (o, row) in p.chunks_exact(k).enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    dw[i * oc + o] += v;
                }
            }
        }
    }
    Ok(())
}

/// True when more than half of `d` is zero: after ReLU and max-pool gradients the output
/// gradient usually is, and the sparse GEMM path that skips zeros beats the dense kernel.
fn mostly_zeros(d: &[f32]) -> bool {
    d.iter().filter(|&&v| v == 0.0).count() * 2 > d.len()
}

/// `[rows, cols]` row-major → `[cols, rows]`.
fn transpose(a: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0f32; a.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = a[r * cols + c];
        }
    }
    t
}

/// `C[m, n] = Aᵀ · B` with `A` stored `[k, m]`.
fn at_b(m: usize, k: usize, n: usize) -> MatmulDims {
    MatmulDims {
        transpose_a: true,
        ..gemm_dims(m, k, n)
    }
}
