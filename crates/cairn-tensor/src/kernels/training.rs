//! TensorFlow's training ops, applied in place in one fused pass.

use super::util::{Num, Real};
use super::wide::{chunks_for, per_thread, wide};
use crate::{Error, Result, Tensor};

fn same(op: &'static str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.dims() != b.dims() || a.dtype() != b.dtype() {
        return Err(Error::Shapes {
            op,
            lhs: a.dims().to_vec(),
            rhs: b.dims().to_vec(),
        });
    }
    Ok(())
}

fn scalar<T: Real>(t: &Tensor, op: &'static str) -> Result<T> {
    if t.len() != 1 {
        return Err(Error::Invalid {
            op,
            what: format!("expected a scalar, got shape {:?}", t.dims()),
        });
    }
    Ok(t.as_slice::<T>()?[0])
}

/// Applies `f` to every (var, other...) element, above a threshold in one contiguous chunk
/// per pool thread (the same chunk to the same thread every time, so a weight updated by
/// several ops in a row stays in that core's cache); each element's update is independent,
/// so results do not depend on threads.
fn zip2<T: Real>(v: &mut [T], a: &[T], f: impl Fn(&mut T, T) + Sync) {
    let threads = rayon::current_num_threads();
    if v.len() >= super::PARALLEL_THRESHOLD * 2 && threads > 1 {
        let chunks = chunks_for(v, threads, 16);
        per_thread(|part, _| {
            let Some(chunk) = chunks.get(part) else {
                return;
            };
            let mut guard = chunk.lock().unwrap_or_else(|e| e.into_inner());
            let (at, vc) = &mut *guard;
            let ac = &a[*at..*at + vc.len()];
            wide(
                #[inline(always)]
                || each2(vc, ac, &f),
            )
        });
    } else {
        wide(
            #[inline(always)]
            || each2(v, a, &f),
        )
    }
}

/// The loop of [`zip2`], inlined into [`wide`]'s wide build.
#[inline(always)]
fn each2<T: Real>(v: &mut [T], a: &[T], f: &impl Fn(&mut T, T)) {
    for (x, &y) in v.iter_mut().zip(a) {
        f(x, y)
    }
}

/// `var -= alpha · delta` (`ApplyGradientDescent`).
pub fn apply_gradient_descent(var: &mut Tensor, alpha: &Tensor, delta: &Tensor) -> Result<()> {
    same("ApplyGradientDescent", var, delta)?;
    with_float!(var.dtype(), "ApplyGradientDescent", |T| {
        let a: T = scalar(alpha, "ApplyGradientDescent")?;
        let d = delta.as_slice::<T>()?;
        zip2(var.as_mut_slice::<T>()?, d, move |x, g| *x -= a * g);
        Ok(())
    })
}

/// `var += value` (`AssignAdd`), any numeric dtype.
pub fn assign_add(var: &mut Tensor, value: &Tensor) -> Result<()> {
    same("AssignAdd", var, value)?;
    with_num!(var.dtype(), "AssignAdd", |T| {
        let v = value.as_slice::<T>()?;
        for (x, &y) in var.as_mut_slice::<T>()?.iter_mut().zip(v) {
            *x = super::util::Num::add(*x, y);
        }
        Ok(())
    })
}

/// `var -= value` (`AssignSub`), any numeric dtype.
pub fn assign_sub(var: &mut Tensor, value: &Tensor) -> Result<()> {
    same("AssignSub", var, value)?;
    if var.dtype().is_float() {
        return with_float!(var.dtype(), "AssignSub", |T| {
            zip2(
                var.as_mut_slice::<T>()?,
                value.as_slice::<T>()?,
                move |x, y| *x -= y,
            );
            Ok(())
        });
    }
    with_num!(var.dtype(), "AssignSub", |T| {
        let v = value.as_slice::<T>()?;
        for (x, &y) in var.as_mut_slice::<T>()?.iter_mut().zip(v) {
            *x = super::util::Num::sub(*x, y);
        }
        Ok(())
    })
}

/// `ApplyMomentum`: `accum = accum·momentum + grad`; `var -= lr·accum`, or with Nesterov
/// `var -= lr·grad + lr·momentum·accum`.
pub fn apply_momentum(
    var: &mut Tensor,
    accum: &mut Tensor,
    lr: &Tensor,
    grad: &Tensor,
    momentum: &Tensor,
    use_nesterov: bool,
) -> Result<()> {
    same("ApplyMomentum", var, grad)?;
    same("ApplyMomentum", var, accum)?;
    with_float!(var.dtype(), "ApplyMomentum", |T| {
        let lr: T = scalar(lr, "ApplyMomentum")?;
        let m: T = scalar(momentum, "ApplyMomentum")?;
        let g = grad.as_slice::<T>()?;
        let a = accum.as_mut_slice::<T>()?;
        let v = var.as_mut_slice::<T>()?;
        for ((x, acc), &gr) in v.iter_mut().zip(a.iter_mut()).zip(g) {
            *acc = *acc * m + gr;
            if use_nesterov {
                *x -= gr * lr + *acc * m * lr;
            } else {
                *x -= lr * *acc;
            }
        }
        Ok(())
    })
}

/// `ApplyAdam`: `lr_t = lr·√(1-β2^t)/(1-β1^t)`; `m += (g-m)(1-β1)`; `v += (g²-v)(1-β2)`;
/// `var -= lr_t·m/(√v + ε)` (Nesterov: `lr_t·(m·β1 + (1-β1)·g)/(√v + ε)`).
#[allow(clippy::too_many_arguments)]
pub fn apply_adam(
    var: &mut Tensor,
    m: &mut Tensor,
    v: &mut Tensor,
    beta1_power: &Tensor,
    beta2_power: &Tensor,
    lr: &Tensor,
    beta1: &Tensor,
    beta2: &Tensor,
    epsilon: &Tensor,
    grad: &Tensor,
    use_nesterov: bool,
) -> Result<()> {
    const OP: &str = "ApplyAdam";
    same(OP, var, grad)?;
    same(OP, var, m)?;
    same(OP, var, v)?;
    with_float!(var.dtype(), OP, |T| {
        let b1p: T = scalar(beta1_power, OP)?;
        let b2p: T = scalar(beta2_power, OP)?;
        let lr: T = scalar(lr, OP)?;
        let b1: T = scalar(beta1, OP)?;
        let b2: T = scalar(beta2, OP)?;
        let eps: T = scalar(epsilon, OP)?;
        let one = T::ONE;
        let lr_t = lr * (one - b2p).sqrt() / (one - b1p);
        let g = grad.as_slice::<T>()?;
        let ms = m.as_mut_slice::<T>()?;
        let vs = v.as_mut_slice::<T>()?;
        let xs = var.as_mut_slice::<T>()?;
        for (((x, mm), vv), &gr) in xs.iter_mut().zip(ms.iter_mut()).zip(vs.iter_mut()).zip(g) {
            *mm += (gr - *mm) * (one - b1);
            *vv += (gr * gr - *vv) * (one - b2);
            if use_nesterov {
                *x -= (*mm * b1 + (one - b1) * gr) * lr_t / (vv.sqrt() + eps);
            } else {
                *x -= (*mm * lr_t) / (vv.sqrt() + eps);
            }
        }
        Ok(())
    })
}

/// Fused moving-average update `shadow -= (shadow - value) · k` — TensorFlow's
/// `AssignSub(shadow, Mul(Sub(shadow, value), 1 - decay))` in one pass, with the same
/// float operations in the same order (bit-identical to the three ops).
pub fn fused_moving_average(shadow: &mut Tensor, value: &Tensor, k: &Tensor) -> Result<()> {
    same("AssignMovingAvg", shadow, value)?;
    with_float!(shadow.dtype(), "AssignMovingAvg", |T| {
        let k: T = scalar(k, "AssignMovingAvg")?;
        zip2(
            shadow.as_mut_slice::<T>()?,
            value.as_slice::<T>()?,
            move |s, v| {
                let d = *s - v;
                *s -= d * k
            },
        );
        Ok(())
    })
}

/// Fused `var -= lr · (g + var · c)` — `ApplyGradientDescent(var, lr, AddN(g, Mul(var, c)))`
/// in one pass (the L2-regularized SGD step), or `var -= lr · (g + h)` when `h` is given
/// instead of `c`. Bit-identical to the separate ops.
pub fn fused_sgd_sum(
    var: &mut Tensor,
    lr: &Tensor,
    g: &Tensor,
    h: Option<&Tensor>,
    c: Option<&Tensor>,
) -> Result<()> {
    same("ApplyGradientDescent", var, g)?;
    if let Some(h) = h {
        same("ApplyGradientDescent", var, h)?;
    }
    with_float!(var.dtype(), "ApplyGradientDescent", |T| {
        let lr: T = scalar(lr, "ApplyGradientDescent")?;
        let g = g.as_slice::<T>()?;
        let v = var.as_mut_slice::<T>()?;
        match (h, c) {
            (Some(h), _) => {
                let h = h.as_slice::<T>()?;
                for ((x, &a), &b) in v.iter_mut().zip(g).zip(h) {
                    *x -= lr * (a + b);
                }
            }
            (None, Some(c)) => {
                let c: T = scalar(c, "ApplyGradientDescent")?;
                zip2(v, g, move |x, a| {
                    let t = a + *x * c;
                    *x -= lr * t
                });
            }
            (None, None) => zip2(v, g, move |x, a| *x -= lr * a),
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_and_assign() -> Result<()> {
        let mut w = Tensor::from_vec([2usize], vec![1f32, 2.])?;
        apply_gradient_descent(
            &mut w,
            &Tensor::scalar(0.5f32),
            &Tensor::from_vec([2usize], vec![2f32, -2.])?,
        )?;
        assert_eq!(w.as_slice::<f32>()?, &[0., 3.]);
        let mut s = Tensor::scalar(5i64);
        assign_add(&mut s, &Tensor::scalar(1i64))?;
        assert_eq!(s.scalar_value::<i64>()?, 6);
        assert!(assign_add(&mut w, &Tensor::scalar(1f32)).is_err());
        Ok(())
    }
}
