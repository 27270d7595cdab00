//! Batch normalization at inference time, over the last (channel) axis:
//! `FusedBatchNorm*` with `is_training=false` and the legacy
//! `BatchNormWithGlobalNormalization`.
//!
//! Both reduce to a per-channel affine map `y = x·a + b` with
//! `a = rsqrt(var + ε)·scale`, `b = offset - mean·a`, computed as TensorFlow's CPU kernel
//! does; [`batch_norm_coefficients`] exposes `(a, b)` so graph passes can fold them.

use crate::{Error, Result, Tensor};
use rayon::prelude::*;

/// Per-channel `(a, b)` of `y = x·a + b`: `a = scale / sqrt(var + ε)`,
/// `b = offset - mean·a`. `scale` may be `None` (1).
pub fn batch_norm_coefficients(
    op: &'static str,
    channels: usize,
    scale: Option<&Tensor>,
    offset: &Tensor,
    mean: &Tensor,
    var: &Tensor,
    epsilon: f32,
) -> Result<(Vec<f32>, Vec<f32>)> {
    for t in [Some(offset), Some(mean), Some(var), scale]
        .into_iter()
        .flatten()
    {
        if t.dims() != [channels] {
            return Err(Error::Shapes {
                op,
                lhs: vec![channels],
                rhs: t.dims().to_vec(),
            });
        }
    }
    let ones = vec![1f32; channels];
    let s = match scale {
        Some(t) => t.as_slice::<f32>()?,
        None => &ones,
    };
    let (o, m, v) = (
        offset.as_slice::<f32>()?,
        mean.as_slice::<f32>()?,
        var.as_slice::<f32>()?,
    );
    let a: Vec<f32> = (0..channels)
        .map(|c| s[c] * (1.0 / (v[c] + epsilon).sqrt()))
        .collect();
    let b = (0..channels).map(|c| o[c] - m[c] * a[c]).collect();
    Ok((a, b))
}

/// `out = x·a + b` per channel (the last axis), float32.
pub fn channel_affine(x: &Tensor, a: &[f32], b: &[f32], out: &mut Tensor) -> Result<()> {
    let c = a.len();
    if x.rank() == 0 || x.dims()[x.rank() - 1] != c || b.len() != c {
        return Err(Error::Shapes {
            op: "BatchNorm",
            lhs: x.dims().to_vec(),
            rhs: vec![c],
        });
    }
    let xs = x.as_slice::<f32>()?;
    let o = out.reset_as::<f32>(x.dims())?;
    if c == 0 {
        return Ok(());
    }
    let rows = (64 * 1024 / c).max(1) * c;
    o.par_chunks_mut(rows)
        .zip(xs.par_chunks(rows))
        .for_each(|(o, x)| {
            for (or, xr) in o.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
                for i in 0..c {
                    or[i] = xr[i] * a[i] + b[i];
                }
            }
        });
    Ok(())
}

/// An activation applied after a per-channel bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// None.
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
}

/// In place, `x = act(x + bias)` with `bias` along the last axis, float32.
pub fn bias_activation_in_place(x: &mut Tensor, bias: &[f32], act: Activation) -> Result<()> {
    let c = bias.len();
    if x.rank() == 0 || x.dims()[x.rank() - 1] != c {
        return Err(Error::Shapes {
            op: "BiasAdd",
            lhs: x.dims().to_vec(),
            rhs: vec![c],
        });
    }
    if c == 0 {
        return Ok(());
    }
    let o = x.as_mut_slice::<f32>()?;
    o.par_chunks_mut(c * 256).for_each(|chunk| {
        for row in chunk.chunks_exact_mut(c) {
            for (v, &b) in row.iter_mut().zip(bias) {
                let y = *v + b;
                *v = match act {
                    Activation::Identity => y,
                    Activation::Relu => y.max(0.0),
                    Activation::Relu6 => y.clamp(0.0, 6.0),
                };
            }
        }
    });
    Ok(())
}

/// `FusedBatchNorm` (V1/V2/V3) inference: `y = (x - mean)·rsqrt(var + ε)·scale + offset`
/// over the last axis of an NHWC `x`.
pub fn fused_batch_norm_inference(
    x: &Tensor,
    scale: &Tensor,
    offset: &Tensor,
    mean: &Tensor,
    var: &Tensor,
    epsilon: f32,
    out: &mut Tensor,
) -> Result<()> {
    let c = x.dims().last().copied().unwrap_or(0);
    if x.rank() != 4 {
        return Err(Error::Invalid {
            op: "FusedBatchNorm",
            what: format!("input must be rank 4, got shape {:?}", x.dims()),
        });
    }
    let (a, b) =
        batch_norm_coefficients("FusedBatchNorm", c, Some(scale), offset, mean, var, epsilon)?;
    channel_affine(x, &a, &b, out)
}

/// The legacy `BatchNormWithGlobalNormalization(t, m, v, beta, gamma)`:
/// `y = (t - m)·rsqrt(v + ε)·(gamma if scale_after_normalization) + beta`.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_global(
    t: &Tensor,
    mean: &Tensor,
    var: &Tensor,
    beta: &Tensor,
    gamma: &Tensor,
    epsilon: f32,
    scale_after_normalization: bool,
    out: &mut Tensor,
) -> Result<()> {
    const OP: &str = "BatchNormWithGlobalNormalization";
    let c = t.dims().last().copied().unwrap_or(0);
    if t.rank() != 4 {
        return Err(Error::Invalid {
            op: OP,
            what: format!("input must be rank 4, got shape {:?}", t.dims()),
        });
    }
    let scale = scale_after_normalization.then_some(gamma);
    let (a, b) = batch_norm_coefficients(OP, c, scale, beta, mean, var, epsilon)?;
    channel_affine(t, &a, &b, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // y = (x - m)/sqrt(v + eps)·s + o: x = 3, m = 1, v = 3, eps = 1, s = 2, o = 0.5
    // gives 2/2·2 + 0.5 = 2.5.
    #[test]
    fn closed_form() -> Result<()> {
        let x = Tensor::from_vec([1usize, 1, 1, 1], vec![3f32])?;
        let one = |v: f32| Tensor::from_vec([1usize], vec![v]);
        let mut y = Tensor::default();
        fused_batch_norm_inference(&x, &one(2.)?, &one(0.5)?, &one(1.)?, &one(3.)?, 1.0, &mut y)?;
        assert_eq!(y.as_slice::<f32>()?, &[2.5]);
        batch_norm_global(
            &x,
            &one(1.)?,
            &one(3.)?,
            &one(0.5)?,
            &one(2.)?,
            1.0,
            false,
            &mut y,
        )?;
        assert_eq!(y.as_slice::<f32>()?, &[1.5]);
        let bad = one(1.)?.reshape([1usize, 1])?;
        assert!(fused_batch_norm_inference(&x, &bad, &bad, &bad, &bad, 1.0, &mut y).is_err());
        Ok(())
    }
}
