//! Softmax, cross-entropy, L2 loss, bias add.

use super::util::{Num, Real};
use crate::{Error, Result, Tensor};

fn rows(x: &Tensor, op: &'static str) -> Result<(usize, usize)> {
    let d = x.dims();
    if d.is_empty() {
        return Err(Error::Invalid {
            op,
            what: "needs at least rank 1".into(),
        });
    }
    let c = d[d.len() - 1];
    Ok((x.len().checked_div(c).unwrap_or(0), c))
}

fn softmax_rows<T: Real>(x: &[T], c: usize, out: &mut [T], log: bool) {
    if c == 0 {
        return;
    }
    for (xr, or) in x.chunks_exact(c).zip(out.chunks_exact_mut(c)) {
        let m = xr
            .iter()
            .copied()
            .fold(T::LOWEST, |a, b| if b > a { b } else { a });
        let mut s = T::ZERO;
        for (o, &v) in or.iter_mut().zip(xr) {
            let e = (v - m).exp();
            *o = e;
            s += e;
        }
        if log {
            let ls = s.ln();
            for (o, &v) in or.iter_mut().zip(xr) {
                *o = v - m - ls;
            }
        } else {
            for o in or.iter_mut() {
                *o = *o / s;
            }
        }
    }
}

/// Softmax over the last axis.
pub fn softmax(logits: &Tensor, out: &mut Tensor) -> Result<()> {
    let (_, c) = rows(logits, "Softmax")?;
    with_float!(logits.dtype(), "Softmax", |T| {
        let x = logits.as_slice::<T>()?;
        let o = out.reset_as::<T>(logits.dims())?;
        softmax_rows(x, c, o, false);
        Ok(())
    })
}

/// Log-softmax over the last axis.
pub fn log_softmax(logits: &Tensor, out: &mut Tensor) -> Result<()> {
    let (_, c) = rows(logits, "LogSoftmax")?;
    with_float!(logits.dtype(), "LogSoftmax", |T| {
        let x = logits.as_slice::<T>()?;
        let o = out.reset_as::<T>(logits.dims())?;
        softmax_rows(x, c, o, true);
        Ok(())
    })
}

fn label_at(labels: &Tensor, i: usize) -> Result<i64> {
    Ok(match labels.dtype() {
        crate::DType::Int32 => labels.as_slice::<i32>()?[i] as i64,
        _ => labels.as_slice::<i64>()?[i],
    })
}

/// TensorFlow's `SparseSoftmaxCrossEntropyWithLogits`: per row, `loss = -log softmax[label]`
/// and `backprop = softmax - onehot(label)`. A label outside `[0, classes)` is an error.
pub fn sparse_softmax_cross_entropy(
    logits: &Tensor,
    labels: &Tensor,
    loss: &mut Tensor,
    backprop: &mut Tensor,
) -> Result<()> {
    const OP: &str = "SparseSoftmaxCrossEntropyWithLogits";
    if logits.rank() != 2 || labels.rank() != 1 || labels.dims()[0] != logits.dims()[0] {
        return Err(Error::Shapes {
            op: OP,
            lhs: logits.dims().to_vec(),
            rhs: labels.dims().to_vec(),
        });
    }
    if !matches!(labels.dtype(), crate::DType::Int32 | crate::DType::Int64) {
        return Err(Error::Unsupported {
            op: OP,
            dtype: labels.dtype(),
        });
    }
    let (n, c) = (logits.dims()[0], logits.dims()[1]);
    for i in 0..n {
        let l = label_at(labels, i)?;
        if l < 0 || l as usize >= c {
            return Err(Error::Invalid { op: OP, what: format!("received label value of {l} in row {i}, which is outside the valid range of [0, {c})") });
        }
    }
    with_float!(logits.dtype(), OP, |T| {
        let x = logits.as_slice::<T>()?;
        let bp = backprop.reset_as::<T>(&[n, c])?;
        softmax_rows(x, c, bp, true);
        let lo = loss.reset_as::<T>(&[n])?;
        for i in 0..n {
            let l = label_at(labels, i)? as usize;
            let row = &mut bp[i * c..(i + 1) * c];
            lo[i] = -row[l];
            for v in row.iter_mut() {
                *v = v.exp();
            }
            row[l] -= T::ONE;
        }
        Ok(())
    })
}

/// TensorFlow's `SoftmaxCrossEntropyWithLogits` with dense label distributions.
pub fn softmax_cross_entropy(
    logits: &Tensor,
    labels: &Tensor,
    loss: &mut Tensor,
    backprop: &mut Tensor,
) -> Result<()> {
    const OP: &str = "SoftmaxCrossEntropyWithLogits";
    if logits.rank() != 2 || logits.dims() != labels.dims() {
        return Err(Error::Shapes {
            op: OP,
            lhs: logits.dims().to_vec(),
            rhs: labels.dims().to_vec(),
        });
    }
    let (n, c) = (logits.dims()[0], logits.dims()[1]);
    with_float!(logits.dtype(), OP, |T| {
        let x = logits.as_slice::<T>()?;
        let y = labels.as_slice::<T>()?;
        let bp = backprop.reset_as::<T>(&[n, c])?;
        softmax_rows(x, c, bp, true);
        let lo = loss.reset_as::<T>(&[n])?;
        for i in 0..n {
            let mut s = T::ZERO;
            for k in 0..c {
                let lp = bp[i * c + k];
                s -= y[i * c + k] * lp;
                bp[i * c + k] = lp.exp() - y[i * c + k];
            }
            lo[i] = s;
        }
        Ok(())
    })
}

/// Σ x² of a float32 slice, in a fixed order: blocks of 1024 elements, each summed in
/// 64 float32 lanes with fused multiply-adds (16 terms per lane), the lanes' block sums
/// added in f64; then the f64 lanes added in order, and the remainder in f64. Compiled 16
/// lanes wide where the CPU allows; the sum does not change.
///
/// Squaring and summing each element in f64 (this function's first version) was bound by
/// the float-to-double conversions: 26 µs for the MLP's 392k weights, per step. A block's
/// float32 lane sums have a relative error of at most ~16 ulp (TensorFlow sums the whole
/// tensor in float32).
fn sum_squares_f32(v: &[f32]) -> f64 {
    super::wide::wide(
        #[inline(always)]
        || sum_squares_body(v),
    )
}

/// Elements per float32 block of [`sum_squares_f32`], and its lanes.
const SQ_BLOCK: usize = 1024;
const SQ_LANES: usize = 64;

#[inline(always)]
fn sum_squares_body(v: &[f32]) -> f64 {
    let mut total = [0f64; SQ_LANES];
    let blocks = v.chunks_exact(SQ_BLOCK);
    let rest = blocks.remainder();
    for block in blocks {
        let mut acc = [0f32; SQ_LANES];
        for ch in block.chunks_exact(SQ_LANES) {
            for (a, &e) in acc.iter_mut().zip(ch) {
                *a = e.mul_add(e, *a);
            }
        }
        for (t, &a) in total.iter_mut().zip(&acc) {
            *t += a as f64;
        }
    }
    let mut s: f64 = total.iter().sum();
    for &e in rest {
        s += e as f64 * e as f64;
    }
    s
}

/// `sum(x²)/2` as a scalar. float32 accumulates in f64; big tensors are split into a
/// fixed number of fixed-size parts summed in parallel and then added in order, so the
/// result does not depend on the threads.
pub fn l2_loss(x: &Tensor, out: &mut Tensor) -> Result<()> {
    if x.dtype() == crate::DType::Float32 {
        let v = x.as_slice::<f32>()?;
        const PART: usize = 64 * 1024;
        let s = if v.len() >= 2 * PART {
            // Consecutive parts per pool thread, so each core reads the half of a weight
            // that the other update passes left in its cache (see `wide::per_thread`).
            let parts = v.len().div_ceil(PART);
            let sums: Vec<std::sync::Mutex<f64>> =
                (0..parts).map(|_| std::sync::Mutex::new(0.0)).collect();
            super::wide::per_thread(|t, threads| {
                let (lo, hi) = (t * parts / threads, (t + 1) * parts / threads);
                for (p, slot) in sums.iter().enumerate().take(hi).skip(lo) {
                    let chunk = &v[p * PART..((p + 1) * PART).min(v.len())];
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) = sum_squares_f32(chunk);
                }
            });
            sums.into_iter()
                .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
                .sum()
        } else {
            sum_squares_f32(v)
        };
        out.reset_as::<f32>(&[])?[0] = (s / 2.0) as f32;
        return Ok(());
    }
    with_float!(x.dtype(), "L2Loss", |T| {
        let v = x.as_slice::<T>()?;
        let mut lanes = [0f64; 8];
        let chunks = v.chunks_exact(8);
        let rest = chunks.remainder();
        for ch in chunks {
            for (l, &e) in lanes.iter_mut().zip(ch) {
                let e = e.to_f64();
                *l += e * e;
            }
        }
        let mut s: f64 = lanes.iter().sum();
        for &e in rest {
            s += e.to_f64() * e.to_f64();
        }
        out.reset_as::<T>(&[])?[0] = T::from_f64(s / 2.0);
        Ok(())
    })
}

/// `x + bias` with `bias` along the last axis.
pub fn bias_add(x: &Tensor, bias: &Tensor, out: &mut Tensor) -> Result<()> {
    if bias.rank() != 1 || x.rank() < 1 || x.dims()[x.rank() - 1] != bias.len() {
        return Err(Error::Shapes {
            op: "BiasAdd",
            lhs: x.dims().to_vec(),
            rhs: bias.dims().to_vec(),
        });
    }
    super::binary(super::BinaryOp::Add, x, bias, out)
}

/// Σ of `grad` over every axis but the last.
pub fn bias_add_grad(grad: &Tensor, out: &mut Tensor) -> Result<()> {
    if grad.rank() < 1 {
        return Err(Error::Invalid {
            op: "BiasAddGrad",
            what: "needs at least rank 1".into(),
        });
    }
    let axes: Vec<usize> = (0..grad.rank() - 1).collect();
    super::reduce(super::ReduceOp::Sum, grad, &axes, false, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xent_backprop_is_softmax_minus_onehot() -> Result<()> {
        let logits = Tensor::from_vec([2usize, 3], vec![1f64, 2., 3., 0., 0., 0.])?;
        let labels = Tensor::from_vec([2usize], vec![2i64, 0])?;
        let (mut loss, mut bp, mut sm) = (Tensor::default(), Tensor::default(), Tensor::default());
        sparse_softmax_cross_entropy(&logits, &labels, &mut loss, &mut bp)?;
        softmax(&logits, &mut sm)?;
        let s = sm.as_slice::<f64>()?;
        let b = bp.as_slice::<f64>()?;
        assert!((b[2] - (s[2] - 1.0)).abs() < 1e-12 && (b[0] - s[0]).abs() < 1e-12);
        assert!((loss.as_slice::<f64>()?[1] - 3f64.ln()).abs() < 1e-12);
        let bad = Tensor::from_vec([2usize], vec![3i64, 0])?;
        assert!(matches!(
            sparse_softmax_cross_entropy(&logits, &bad, &mut loss, &mut bp),
            Err(Error::Invalid { .. })
        ));
        let sums: Vec<f64> = s.chunks(3).map(|r| r.iter().sum()).collect();
        assert!(sums.iter().all(|x| (x - 1.0).abs() < 1e-12));
        Ok(())
    }

    #[test]
    fn l2_and_bias() -> Result<()> {
        let x = Tensor::from_vec([2usize, 2], vec![1f32, 2., 3., 4.])?;
        let mut o = Tensor::default();
        l2_loss(&x, &mut o)?;
        assert_eq!(o.scalar_value::<f32>()?, 15.0);
        bias_add_grad(&x, &mut o)?;
        assert_eq!(o.as_slice::<f32>()?, &[4., 6.]);
        Ok(())
    }
}
