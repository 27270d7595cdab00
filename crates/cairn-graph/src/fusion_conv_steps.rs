//! The links a convolution chain can absorb (see `fusion_conv`): per-channel affine steps
//! after the convolution, folded into its filter and bias, and a zero `Pad` before it,
//! folded into its padding.

use crate::const_fold::Folded;
use crate::graph::{Graph, Node, Output};
use cairn_tensor::kernels::{self, Padding};
use cairn_tensor::{DType, Tensor};

/// The filter and bias of a chain being folded: `conv(x, filter) + bias`, `oc` channels.
pub(crate) struct Affine<'a> {
    /// Output channels (the filter's last axis, flattened for depthwise filters).
    pub oc: usize,
    /// The filter, `oc` values per row.
    pub filter: &'a mut [f32],
    /// The bias, `oc` values.
    pub bias: &'a mut [f32],
}

/// A float32 constant broadcast along the channel axis of an NHWC output with `oc`
/// channels (shape `[oc]`, `[1, 1, 1, oc]`, a scalar or `[1]`): its `oc` values.
/// `None` for anything that would broadcast differently.
fn channel_vector(t: &Tensor, oc: usize) -> Option<Vec<f32>> {
    if t.dtype() != DType::Float32 || t.rank() > 4 {
        return None;
    }
    let (&last, rest) = t.dims().split_last().unwrap_or((&1, &[]));
    if rest.iter().any(|&d| d != 1) {
        return None;
    }
    let v = t.as_slice::<f32>().ok()?;
    if last == oc {
        Some(v.to_vec())
    } else if last == 1 {
        Some(vec![*v.first()?; oc])
    } else {
        None
    }
}

impl Affine<'_> {
    /// Absorbs node `n`, which reads the chain's output at input `slot`; `false` when
    /// `n` is not an affine step this chain can fold (nothing is changed then).
    pub(crate) fn absorb(&mut self, g: &Graph, consts: &Folded, n: &Node, slot: usize) -> bool {
        let other = |i: usize| consts.value(g, *n.inputs.get(i)?);
        match (n.op.as_str(), slot, n.inputs.len()) {
            ("BiasAdd", 0, 2) => {
                let nhwc = n
                    .attr_str_or("data_format", "NHWC")
                    .is_ok_and(|f| f == "NHWC");
                match other(1) {
                    Some(b) if nhwc && b.dims() == [self.oc] => self.add(b, 1.0),
                    _ => false,
                }
            }
            ("Add" | "AddV2", 0 | 1, 2) => other(1 - slot).is_some_and(|c| self.add(c, 1.0)),
            ("Sub", 0, 2) => other(1).is_some_and(|c| self.add(c, -1.0)),
            ("Mul", 0 | 1, 2) => other(1 - slot).is_some_and(|c| self.scale(c)),
            ("FusedBatchNorm" | "FusedBatchNormV2" | "FusedBatchNormV3", 0, 5) => {
                self.batch_norm(g, consts, n).is_some()
            }
            _ => false,
        }
    }

    /// `bias += sign·c`.
    fn add(&mut self, c: &Tensor, sign: f32) -> bool {
        let Some(v) = channel_vector(c, self.oc) else {
            return false;
        };
        self.bias
            .iter_mut()
            .zip(v)
            .for_each(|(b, c)| *b += sign * c);
        true
    }

    /// `filter ·= c`, `bias ·= c` per channel.
    fn scale(&mut self, c: &Tensor) -> bool {
        let Some(v) = channel_vector(c, self.oc) else {
            return false;
        };
        self.apply_scale(&v);
        true
    }

    fn apply_scale(&mut self, a: &[f32]) {
        for row in self.filter.chunks_exact_mut(self.oc) {
            row.iter_mut().zip(a).for_each(|(w, &s)| *w *= s);
        }
        self.bias.iter_mut().zip(a).for_each(|(b, &s)| *b *= s);
    }

    /// An inference batch norm with constant statistics: `w ← w·a`, `b ← b·a + β'`.
    fn batch_norm(&mut self, g: &Graph, consts: &Folded, n: &Node) -> Option<()> {
        if n.attr_bool_or("is_training", true).ok()? {
            return None;
        }
        if n.attr_str_or("data_format", "NHWC").ok()? != "NHWC" {
            return None;
        }
        let [s, o, m, v] = [1, 2, 3, 4].map(|i| consts.value(g, n.inputs[i]));
        let eps = n.attr_float_or("epsilon", 1e-4).ok()?;
        let (a, b) = kernels::batchnorm::batch_norm_coefficients(
            "FusedBatchNorm",
            self.oc,
            Some(s?),
            o?,
            m?,
            v?,
            eps,
        )
        .ok()?;
        self.apply_scale(&a);
        self.bias.iter_mut().zip(&b).for_each(|(x, &y)| *x += y);
        Some(())
    }
}

/// When `pad` is a `Pad`/`PadV2` of constant zeros on H and W only: the convolution
/// `padding` that also does its work (its explicit pads added to `padding`'s).
pub(crate) fn absorb_pad(
    g: &Graph,
    consts: &Folded,
    pad: &Node,
    padding: &Padding,
) -> Option<Padding> {
    match (pad.op.as_str(), pad.inputs.len()) {
        ("Pad", 2) => {}
        ("PadV2", 3) => {
            let v = consts.value(g, pad.inputs[2])?;
            if v.dtype() != DType::Float32 || v.len() != 1 || v.rank() != 0 {
                return None;
            }
            if v.as_slice::<f32>().ok()?.first()?.to_bits() != 0 {
                return None;
            }
        }
        _ => return None,
    }
    let p = consts.value(g, pad.inputs[1])?;
    if p.dims() != [4, 2] {
        return None;
    }
    let p = crate::ops::read_ints(pad, p).ok()?;
    if p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0 {
        return None;
    }
    let hw: Vec<usize> = p[2..6]
        .iter()
        .map(|&v| usize::try_from(v).ok())
        .collect::<Option<_>>()?;
    let base = match padding {
        Padding::Valid => [0; 4],
        Padding::Explicit(e) => *e,
        Padding::Same => return None,
    };
    let mut sum = [0usize; 4];
    for ((s, &b), &h) in sum.iter_mut().zip(&base).zip(&hw) {
        *s = b.checked_add(h)?;
    }
    Some(Padding::Explicit(sum))
}

/// The data input of `o`'s node when it is a `Pad`/`PadV2` (candidates for `absorb_pad`).
pub(crate) fn pad_source(g: &Graph, o: Output) -> Option<&Node> {
    let n = g.node(o.node);
    (o.index == 0 && matches!(n.op.as_str(), "Pad" | "PadV2")).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_vectors_broadcast_only_along_channels() -> crate::Result<()> {
        let v =
            |dims: &[usize], n: usize| Tensor::from_vec(dims, (0..n).map(|i| i as f32).collect());
        assert_eq!(channel_vector(&v(&[3], 3)?, 3), Some(vec![0.0, 1.0, 2.0]));
        assert_eq!(
            channel_vector(&v(&[1, 1, 1, 3], 3)?, 3),
            Some(vec![0.0, 1.0, 2.0])
        );
        assert_eq!(channel_vector(&Tensor::scalar(2f32), 3), Some(vec![2.0; 3]));
        assert_eq!(channel_vector(&v(&[1], 1)?, 2), Some(vec![0.0; 2]));
        assert_eq!(channel_vector(&v(&[2, 3], 6)?, 3), None);
        assert_eq!(channel_vector(&v(&[1, 1, 1, 1, 3], 3)?, 3), None);
        assert_eq!(channel_vector(&v(&[4], 4)?, 3), None);
        assert_eq!(channel_vector(&Tensor::scalar(2i32), 3), None);
        Ok(())
    }
}
