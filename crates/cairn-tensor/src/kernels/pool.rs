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

/// Calls `f(oy, ox, [(iy, ix)...])` with each output position's valid window positions.
fn windows(g: &ConvGeom, mut f: impl FnMut(usize, &[usize])) {
    let mut cells = Vec::with_capacity(g.kh * g.kw);
    for oy in 0..g.oh {
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
            f(oy * g.ow + ox, &cells);
        }
    }
}

/// Splits input and output per image and runs `f(x_img, out_img)` in parallel.
fn per_image(
    g: &ConvGeom,
    x: &[f32],
    x_img: usize,
    o: &mut [f32],
    o_img: usize,
    f: impl Fn(&[f32], &mut [f32]) + Sync + Send,
) {
    if o_img == 0 || g.n == 0 {
        return;
    }
    let x_img = x_img.max(1);
    o.par_chunks_mut(o_img)
        .zip(x.par_chunks(x_img))
        .for_each(|(o, x)| f(x, o));
}

/// TensorFlow's `MaxPool`, float32.
pub fn max_pool(input: &Tensor, pool: &Pool2d, out: &mut Tensor) -> Result<()> {
    let g = geom("MaxPool", input.dims(), pool)?;
    let x = input.as_slice::<f32>()?;
    let o = out.reset_as::<f32>(&g.out_dims())?;
    let c = g.ic;
    per_image(&g, x, g.ih * g.iw * c, o, g.positions() * c, |x, o| {
        windows(&g, |p, cells| {
            let acc = &mut o[p * c..(p + 1) * c];
            acc.fill(f32::NEG_INFINITY);
            for &cell in cells {
                for (a, &v) in acc.iter_mut().zip(&x[cell * c..(cell + 1) * c]) {
                    if v > *a {
                        *a = v;
                    }
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
    per_image(&g, x, g.ih * g.iw * c, o, g.positions() * c, |x, o| {
        windows(&g, |p, cells| {
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
        .for_each(|((dx, x), d)| {
            windows(&g, |p, cells| {
                for ch in 0..c {
                    let mut best: Option<(usize, f32)> = None;
                    for &cell in cells {
                        let v = x[cell * c + ch];
                        if best.is_none_or(|(_, m)| v > m) {
                            best = Some((cell, v));
                        }
                    }
                    if let Some((cell, _)) = best {
                        dx[cell * c + ch] += d[p * c + ch];
                    }
                }
            })
        });
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
