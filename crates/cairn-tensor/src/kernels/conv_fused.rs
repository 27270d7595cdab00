//! `Relu(BiasAdd(Conv2D(x, w), b))` as one kernel, for training graphs whose filters are
//! variables (a plan fuses the three ops when the intermediates have no other use).
//!
//! The bias and the ReLU are applied to each output tile right after it is computed, while
//! it is in cache: a 1-channel input goes through the direct kernel of `conv_small`, others
//! through the packed GEMM (the filter packed once per call) or, without AVX-512, the
//! general convolution followed by one pass. Each output is `max(conv + b, 0)` with the
//! convolution's own sum, so the result is bit-identical to the three ops.

use super::batchnorm::{bias_activation_in_place, Activation};
use super::conv::{conv_geom, Window2d};
use super::packed::PackedB;
use crate::{Error, Result, Tensor};

/// `out = max(conv2d(input, filter) + bias, 0)`, float32 NHWC, filter `[kh, kw, in, out]`.
pub fn conv2d_bias_relu(
    input: &Tensor,
    filter: &Tensor,
    bias: &Tensor,
    win: &Window2d,
    out: &mut Tensor,
) -> Result<()> {
    let g = conv_geom("Conv2D", input.dims(), filter.dims(), win)?;
    let b = bias.as_slice::<f32>()?;
    if bias.rank() != 1 || b.len() != g.oc {
        return Err(Error::Shapes {
            op: "BiasAdd",
            lhs: g.out_dims().to_vec(),
            rhs: bias.dims().to_vec(),
        });
    }
    let x = input.as_slice::<f32>()?;
    let w = filter.as_slice::<f32>()?;
    if super::conv_small::applies(&g) {
        let o = out.reset_as::<f32>(&g.out_dims())?;
        return super::conv_small::conv2d_c1(x, w, &g, Some(b), o);
    }
    if super::packed::available() {
        let packed = PackedB::pack(w, g.patch(), g.oc, false)?;
        let o = out.reset_as::<f32>(&g.out_dims())?;
        if o.is_empty() {
            return Ok(());
        }
        return super::conv_packed::conv2d_packed(x, &packed, &g, Some((b, Activation::Relu)), o);
    }
    super::conv::conv2d(input, filter, win, out)?;
    bias_activation_in_place(out, b, Activation::Relu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::Padding;
    use crate::kernels::{bias_add, conv2d, unary, UnaryOp};

    fn filled(dims: &[usize], seed: usize) -> Result<Tensor> {
        let n: usize = dims.iter().product();
        let v = (0..n)
            .map(|i| ((i * 7 + seed * 13) % 23) as f32 / 11.0 - 1.0)
            .collect::<Vec<f32>>();
        Tensor::from_vec(dims.to_vec(), v)
    }

    #[test]
    fn matches_the_three_ops_bit_for_bit() -> Result<()> {
        for (xd, wd) in [([2, 9, 8, 1], [5, 5, 1, 32]), ([2, 7, 6, 8], [3, 3, 8, 40])] {
            let x = filled(&xd, 1)?;
            let w = filled(&wd, 2)?;
            let b = filled(&[wd[3]], 3)?;
            let win = Window2d::new([1, 1], Padding::Same);
            let (mut c, mut a, mut want) =
                (Tensor::default(), Tensor::default(), Tensor::default());
            conv2d(&x, &w, &win, &mut c)?;
            bias_add(&c, &b, &mut a)?;
            unary(UnaryOp::Relu, &a, &mut want)?;
            let mut got = Tensor::default();
            conv2d_bias_relu(&x, &w, &b, &win, &mut got)?;
            assert_eq!(got.dims(), want.dims());
            assert_eq!(got.as_slice::<f32>()?, want.as_slice::<f32>()?);
        }
        Ok(())
    }

    #[test]
    fn a_bias_of_the_wrong_length_is_an_error() -> Result<()> {
        let x = filled(&[1, 4, 4, 2], 0)?;
        let w = filled(&[3, 3, 2, 5], 0)?;
        let b = filled(&[4], 0)?;
        let win = Window2d::new([1, 1], Padding::Same);
        assert!(conv2d_bias_relu(&x, &w, &b, &win, &mut Tensor::default()).is_err());
        Ok(())
    }
}
