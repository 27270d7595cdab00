//! Spatial pooling, NHWC: `MaxPool`, `AvgPool` and their gradients `MaxPoolGrad`,
//! `AvgPoolGrad`, with TensorFlow's window geometry ([`Window2d`]).
//!
//! Padding never takes part: a max ignores padded positions and an average divides by
//! the number of valid (unpadded) elements in its window. The max-pool gradient goes to
//! the first maximum of each window in row-major scan order (TensorFlow's tie rule).
//! Work is split over images; each image is computed by one thread in a fixed order.

use super::conv::{ConvGeom, Window2d};
use crate::{Error, Result, Tensor};
use rayon::prelude::*;

/// A pooling window `[kh, kw]` with strides and padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool2d {
    /// Window size `[h, w]`.
    pub ksize: [usize; 2],
    /// Strides and padding (dilations must be 1).
    pub window: Window2d,
}

fn geom(op: &'static str, dims: &[usize], p: &Pool2d) -> Result<ConvGeom> {
    if p.window.dilations != [1, 1] {
        return Err(Error::Invalid {
            op,
            what: format!("dilations {:?} are not supported", p.window.dilations),
        });
    }
    let c = if dims.len() == 4 { dims[3] } else { 0 };
    ConvGeom::new(op, dims, p.ksize[0], p.ksize[1], c, &p.window)
}

/// Calls `f(ox, cells)` for each output column of output row `oy`, with the flat input
/// positions (`iy·iw + ix`) of its valid window cells in row-major order.
fn row_windows(g: &ConvGeom, oy: usize, mut f: impl FnMut(usize, &[usize])) {
    let mut cells = Vec::with_capacity(g.kh * g.kw);
    for ox in 0..g.ow {
        cells.clear();
        for ky in 0..g.kh {
            let Some(iy) = g.in_y(oy, ky) else { continue };
            for kx in 0..g.kw {
                if let Some(ix) = g.in_x(ox, kx) {
                    cells.push(iy * g.iw + ix);
                }
            }
        }
        f(ox, &cells);
    }
}

/// Calls `f(p, cells)` for every output position `p` of an image (see [`row_windows`]).
fn windows(g: &ConvGeom, mut f: impl FnMut(usize, &[usize])) {
    for oy in 0..g.oh {
        row_windows(g, oy, |ox, cells| f(oy * g.ow + ox, cells));
    }
}

/// Runs `f(x_img, oy, out_row)` for every output row of every image, in parallel: a batch
/// of one still uses every core. Each output row is written by one thread.
fn per_row(
    g: &ConvGeom,
    x: &[f32],
    o: &mut [f32],
    f: impl Fn(&[f32], usize, &mut [f32]) + Sync + Send,
) {
    let (x_img, row) = (g.ih * g.iw * g.ic, g.ow * g.ic);
    if row == 0 || g.n == 0 || g.oh == 0 {
        return;
    }
    o.par_chunks_mut(row).enumerate().for_each(|(i, o_row)| {
        let (b, oy) = (i / g.oh, i % g.oh);
        f(&x[b * x_img..(b + 1) * x_img], oy, o_row)
    });
}

/// TensorFlow's `MaxPool`, float32.
pub fn max_pool(input: &Tensor, pool: &Pool2d, out: &mut Tensor) -> Result<()> {
    let g = geom("MaxPool", input.dims(), pool)?;
    let x = input.as_slice::<f32>()?;
    let o = out.reset_as::<f32>(&g.out_dims())?;
    let c = g.ic;
    per_row(&g, x, o, |x, oy, o| {
        row_windows(&g, oy, |p, cells| {
            let acc = &mut o[p * c..(p + 1) * c];
            acc.fill(f32::NEG_INFINITY);
            for &cell in cells {
                // A select, not a conditional store, so the loop vectorizes.
                for (a, &v) in acc.iter_mut().zip(&x[cell * c..(cell + 1) * c]) {
                    *a = if v > *a { v } else { *a };
                }
            }
        })
    });
    Ok(())
}

/// TensorFlow's `AvgPool`, float32: averages over the valid elements of each window.
pub fn avg_pool(input: &Tensor, pool: &Pool2d, out: &mut Tensor) -> Result<()> {
    let g = geom("AvgPool", input.dims(), pool)?;
    let x = input.as_slice::<f32>()?;
    let o = out.reset_as::<f32>(&g.out_dims())?;
    let c = g.ic;
    per_row(&g, x, o, |x, oy, o| {
        row_windows(&g, oy, |p, cells| {
            let acc = &mut o[p * c..(p + 1) * c];
            acc.fill(0.0);
            for &cell in cells {
                for (a, &v) in acc.iter_mut().zip(&x[cell * c..(cell + 1) * c]) {
                    *a += v;
                }
            }
            let n = cells.len().max(1) as f32;
            for a in acc.iter_mut() {
                *a /= n;
            }
        })
    });
    Ok(())
}

/// TensorFlow's `MaxPoolGrad`: routes each output gradient to the first maximum of its
/// window in `orig_input` (row-major scan order; padding never wins).
pub fn max_pool_grad(
    orig_input: &Tensor,
    grad: &Tensor,
    pool: &Pool2d,
    out: &mut Tensor,
) -> Result<()> {
    const OP: &str = "MaxPoolGrad";
    let g = geom(OP, orig_input.dims(), pool)?;
    if grad.dims() != g.out_dims() {
        return Err(Error::Shapes {
            op: OP,
            lhs: g.out_dims().to_vec(),
            rhs: grad.dims().to_vec(),
        });
    }
    let x = orig_input.as_slice::<f32>()?;
    let d = grad.as_slice::<f32>()?;
    let c = g.ic;
    let (x_img, d_img) = (g.ih * g.iw * c, g.positions() * c);
    let dx = out.reset_as::<f32>(orig_input.dims())?;
    dx.fill(0.0);
    if x_img == 0 || d_img == 0 {
        return Ok(());
    }
    dx.par_chunks_mut(x_img)
        .zip(x.par_chunks(x_img))
        .zip(d.par_chunks(d_img))
        .for_each_init(
            || (vec![0f32; c], vec![0usize; c]),
            |(best, at), ((dx, x), d)| {
                windows(&g, |p, cells| {
                    let Some((&first, rest)) = cells.split_first() else {
                        return;
                    };
                    // The first maximum in scan order wins: only a strictly larger
                    // value replaces the running best, channel by channel.
                    best.copy_from_slice(&x[first * c..(first + 1) * c]);
                    at.fill(first);
                    for &cell in rest {
                        let row = &x[cell * c..(cell + 1) * c];
                        for ((m, i), &v) in best.iter_mut().zip(at.iter_mut()).zip(row) {
                            let take = v > *m;
                            *m = if take { v } else { *m };
                            *i = if take { cell } else { *i };
                        }
                    }
                    for (ch, (&cell, &g)) in at.iter().zip(&d[p * c..(p + 1) * c]).enumerate() {
                        dx[cell * c + ch] += g;
                    }
                })
            },
        );
    Ok(())
}

/// TensorFlow's `AvgPoolGrad`: spreads each output gradient evenly over the valid
/// elements of its window, for an input of dims `orig_input_shape`.
pub fn avg_pool_grad(
    orig_input_shape: &[i64],
    grad: &Tensor,
    pool: &Pool2d,
    out: &mut Tensor,
) -> Result<()> {
    const OP: &str = "AvgPoolGrad";
    if orig_input_shape.len() != 4 || orig_input_shape.iter().any(|&d| d < 0) {
        return Err(Error::Invalid {
            op: OP,
            what: format!(
                "orig_input_shape must be 4 non-negative values, got {orig_input_shape:?}"
            ),
        });
    }
    let dims: Vec<usize> = orig_input_shape.iter().map(|&d| d as usize).collect();
    let g = geom(OP, &dims, pool)?;
    if grad.dims() != g.out_dims() {
        return Err(Error::Shapes {
            op: OP,
            lhs: g.out_dims().to_vec(),
            rhs: grad.dims().to_vec(),
        });
    }
    let d = grad.as_slice::<f32>()?;
    let c = g.ic;
    let (x_img, d_img) = (g.ih * g.iw * c, g.positions() * c);
    let dx = out.reset_as::<f32>(&dims)?;
    dx.fill(0.0);
    if x_img == 0 || d_img == 0 {
        return Ok(());
    }
    dx.par_chunks_mut(x_img)
        .zip(d.par_chunks(d_img))
        .for_each(|(dx, d)| {
            windows(&g, |p, cells| {
                let n = cells.len().max(1) as f32;
                let src = &d[p * c..(p + 1) * c];
                for &cell in cells {
                    for (a, &v) in dx[cell * c..(cell + 1) * c].iter_mut().zip(src) {
                        *a += v / n;
                    }
                }
            })
        });
    Ok(())
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
