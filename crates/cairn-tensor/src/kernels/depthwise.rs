//! `DepthwiseConv2dNative`: each input channel convolved with its own `multiplier`
//! filters; output channel `c·multiplier + m`. A direct kernel, parallel over images and
//! output rows (each output element computed by one thread in a fixed order).

use super::conv::{ConvGeom, Window2d};
use crate::{Error, Result, Tensor};
use rayon::prelude::*;

/// TensorFlow's `DepthwiseConv2dNative`: NHWC input `[n, h, w, c]`, filter
/// `[kh, kw, c, multiplier]`, output `[n, oh, ow, c·multiplier]`, float32.
pub fn depthwise_conv2d(
    input: &Tensor,
    filter: &Tensor,
    win: &Window2d,
    out: &mut Tensor,
) -> Result<()> {
    const OP: &str = "DepthwiseConv2dNative";
    let shapes = || Error::Shapes {
        op: OP,
        lhs: input.dims().to_vec(),
        rhs: filter.dims().to_vec(),
    };
    let &[kh, kw, fc, mult] = filter.dims() else {
        return Err(shapes());
    };
    if input.rank() != 4 || input.dims()[3] != fc {
        return Err(shapes());
    }
    let oc = fc.checked_mul(mult).ok_or_else(shapes)?;
    let g = ConvGeom::new(OP, input.dims(), kh, kw, oc, win)?;
    let x = input.as_slice::<f32>()?;
    let w = filter.as_slice::<f32>()?;
    let o = out.reset_as::<f32>(&g.out_dims())?;
    let row = g.ow * oc;
    if o.is_empty() {
        return Ok(());
    }
    let img_in = g.ih * g.iw * g.ic;
    o.par_chunks_mut(row).enumerate().for_each(|(r, o_row)| {
        let (b, oy) = (r / g.oh, r % g.oh);
        let x_img = &x[b * img_in..(b + 1) * img_in];
        o_row.fill(0.0);
        for ox in 0..g.ow {
            let acc = &mut o_row[ox * oc..(ox + 1) * oc];
            for ky in 0..kh {
                let Some(iy) = g.in_y(oy, ky) else { continue };
                for kx in 0..kw {
                    let Some(ix) = g.in_x(ox, kx) else { continue };
                    let xs = &x_img[(iy * g.iw + ix) * fc..][..fc];
                    let ws = &w[(ky * kw + kx) * oc..][..oc];
                    if mult == 1 {
                        // One filter per channel (MobileNet): a straight vectorizable
                        // multiply-add over the channels; the same order of sums per
                        // output element as the general loop below.
                        for ((a, &xv), &wv) in acc.iter_mut().zip(xs).zip(ws) {
                            *a += xv * wv;
                        }
                        continue;
                    }
                    for (c, &xv) in xs.iter().enumerate() {
                        let a = &mut acc[c * mult..(c + 1) * mult];
                        for (a, &wv) in a.iter_mut().zip(&ws[c * mult..(c + 1) * mult]) {
                            *a += xv * wv;
                        }
                    }
                }
            }
        }
    });
    Ok(())
}
