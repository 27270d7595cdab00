//! Reductions over axes, and ArgMax/ArgMin.
//!
//! Sums run in a fixed order (sequential per output element, accumulated in f64 for
//! float32), so results are bit-identical run to run; they are close to, not
//! bit-identical with, TensorFlow's Eigen tree reductions.

use super::util::Num;
use crate::{DType, Element, Error, Result, Tensor};

/// A reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    /// Σ.
    Sum,
    /// Arithmetic mean.
    Mean,
    /// Maximum.
    Max,
    /// Minimum.
    Min,
    /// Product.
    Prod,
    /// Logical or (bool).
    Any,
    /// Logical and (bool).
    All,
}

/// The (outer, reduced, inner) iteration plan after merging: the tensor viewed as
/// `[kept..., reduced...]` is not contiguous in general, so we iterate output elements
/// and, for each, the reduced index space via strides.
struct Plan {
    out_dims: Vec<usize>,
    out_strides: Vec<usize>, // input strides of kept axes
    red_dims: Vec<usize>,
    red_strides: Vec<usize>,
}

fn plan(dims: &[usize], axes: &[usize], op: &'static str) -> Result<Plan> {
    let rank = dims.len();
    let mut seen = vec![false; rank];
    for &a in axes {
        if a >= rank.max(1) || (rank > 0 && seen[a]) {
            return Err(Error::Invalid {
                op,
                what: format!("invalid or duplicate axis {a} for rank {rank}"),
            });
        }
        if rank > 0 {
            seen[a] = true;
        }
    }
    let mut strides = vec![1usize; rank];
    for i in (0..rank.saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * dims[i + 1];
    }
    let mut p = Plan {
        out_dims: vec![],
        out_strides: vec![],
        red_dims: vec![],
        red_strides: vec![],
    };
    for i in 0..rank {
        if seen[i] {
            p.red_dims.push(dims[i]);
            p.red_strides.push(strides[i]);
        } else {
            p.out_dims.push(dims[i]);
            p.out_strides.push(strides[i]);
        }
    }
    Ok(p)
}

/// Calls `f(base_offset)` for each index of `dims` with `strides`, in row-major order.
fn for_each_offset(dims: &[usize], strides: &[usize], mut f: impl FnMut(usize)) {
    let n: usize = dims.iter().product();
    if n == 0 {
        return;
    }
    let mut idx = vec![0usize; dims.len()];
    let mut off = 0usize;
    for _ in 0..n {
        f(off);
        for d in (0..dims.len()).rev() {
            idx[d] += 1;
            off += strides[d];
            if idx[d] < dims[d] {
                break;
            }
            off -= strides[d] * dims[d];
            idx[d] = 0;
        }
    }
}

fn out_shape(dims: &[usize], axes: &[usize], keep: bool) -> Vec<usize> {
    dims.iter()
        .enumerate()
        .filter_map(|(i, &d)| {
            if axes.contains(&i) {
                keep.then_some(1)
            } else {
                Some(d)
            }
        })
        .collect()
}

fn reduce_num<T: Num>(op: ReduceOp, x: &[T], p: &Plan, out: &mut [T]) {
    let count: usize = p.red_dims.iter().product();
    let mut k = 0;
    for_each_offset(&p.out_dims, &p.out_strides, |base| {
        let r = match op {
            ReduceOp::Sum | ReduceOp::Mean => {
                let mut acc = 0f64;
                let mut iacc = T::ZERO;
                for_each_offset(&p.red_dims, &p.red_strides, |o| {
                    if T::IS_INT {
                        iacc = iacc.add(x[base + o]);
                    } else {
                        acc += x[base + o].to_f64();
                    }
                });
                if T::IS_INT {
                    if op == ReduceOp::Mean && count > 0 {
                        iacc.div(T::from_f64(count as f64))
                    } else {
                        iacc
                    }
                } else if op == ReduceOp::Mean {
                    T::from_f64(acc / count as f64)
                } else {
                    T::from_f64(acc)
                }
            }
            ReduceOp::Max | ReduceOp::Min => {
                let mut m = if op == ReduceOp::Max {
                    T::LOWEST
                } else {
                    T::HIGHEST
                };
                for_each_offset(&p.red_dims, &p.red_strides, |o| {
                    let v = x[base + o];
                    let better = if op == ReduceOp::Max { v > m } else { v < m };
                    // NaN propagates, as in TensorFlow.
                    if better || v.to_f64().is_nan() {
                        m = v;
                    }
                });
                m
            }
            _ => {
                let mut m = T::ONE;
                for_each_offset(&p.red_dims, &p.red_strides, |o| m = m.mul(x[base + o]));
                m
            }
        };
        out[k] = r;
        k += 1;
    });
}

/// `acc[j] += Σ_r v[r·inner + j]` over the first `rows` rows, in row order, in f64.
#[inline(always)]
fn sum_rows<T: super::util::Real>(v: &[T], inner: usize, rows: usize, acc: &mut [f64]) {
    for r in v.chunks_exact(inner.max(1)).take(rows) {
        for (a, &e) in acc.iter_mut().zip(r) {
            *a += e.to_f64();
        }
    }
}

/// Reduces `x` over `axes` (non-negative, distinct). Empty `axes` copies `x`.
pub fn reduce(
    op: ReduceOp,
    x: &Tensor,
    axes: &[usize],
    keep_dims: bool,
    out: &mut Tensor,
) -> Result<()> {
    let p = plan(x.dims(), axes, "reduce")?;
    let shape = out_shape(x.dims(), axes, keep_dims);
    if axes.is_empty() {
        return out.copy_reshaped_from(x, &shape);
    }
    // Sum/Mean over leading axes of a float tensor (bias gradients): accumulate whole
    // rows. Each output element still adds its inputs in increasing index order in f64,
    // exactly as the general path does.
    let leading = axes.len() < x.rank() && (0..axes.len()).all(|a| axes.contains(&a));
    if leading && matches!(op, ReduceOp::Sum | ReduceOp::Mean) && x.dtype().is_float() {
        let inner: usize = x.dims()[axes.len()..].iter().product();
        let rows: usize = x.dims()[..axes.len()].iter().product();
        return with_float!(x.dtype(), "reduce", |T| {
            let v = x.as_slice::<T>()?;
            let mut acc = vec![0f64; inner];
            super::wide::wide(
                #[inline(always)]
                || sum_rows(v, inner, rows, &mut acc),
            );
            let o = out.reset_as::<T>(&shape)?;
            for (o, a) in o.iter_mut().zip(&acc) {
                *o = if op == ReduceOp::Mean {
                    (a / rows as f64) as T
                } else {
                    *a as T
                };
            }
            Ok(())
        });
    }
    match op {
        ReduceOp::Any | ReduceOp::All => {
            let v = x.as_slice::<bool>()?;
            let o = out.reset_as::<bool>(&shape)?;
            let mut k = 0;
            for_each_offset(&p.out_dims, &p.out_strides, |base| {
                let mut r = op == ReduceOp::All;
                for_each_offset(&p.red_dims, &p.red_strides, |off| {
                    if op == ReduceOp::All {
                        r &= v[base + off];
                    } else {
                        r |= v[base + off];
                    }
                });
                o[k] = r;
                k += 1;
            });
            Ok(())
        }
        _ => with_num!(x.dtype(), "reduce", |T| {
            let v = x.as_slice::<T>()?;
            let o = out.reset_as::<T>(&shape)?;
            reduce_num(op, v, &p, o);
            Ok(())
        }),
    }
}

fn arg_reduce(
    x: &Tensor,
    axis: usize,
    out_dtype: DType,
    out: &mut Tensor,
    max: bool,
) -> Result<()> {
    let op = if max { "ArgMax" } else { "ArgMin" };
    let dims = x.dims();
    if axis >= dims.len() {
        return Err(Error::Invalid {
            op,
            what: format!("axis {axis} out of range for rank {}", dims.len()),
        });
    }
    if dims[axis] == 0 {
        return Err(Error::Invalid {
            op,
            what: "reduction over an empty dimension".into(),
        });
    }
    let outer: usize = dims[..axis].iter().product();
    let n = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    let mut shape = dims.to_vec();
    shape.remove(axis);
    let mut idx = vec![0i64; outer * inner];
    with_num!(x.dtype(), op, |T| {
        let v = x.as_slice::<T>()?;
        for o in 0..outer {
            for i in 0..inner {
                let mut best = 0usize;
                let mut bv = v[o * n * inner + i];
                for k in 1..n {
                    let c = v[(o * n + k) * inner + i];
                    if (max && c > bv) || (!max && c < bv) {
                        best = k;
                        bv = c;
                    }
                }
                idx[o * inner + i] = best as i64;
            }
        }
        Ok::<(), Error>(())
    })?;
    match out_dtype {
        DType::Int32 => {
            let o = out.reset_as::<i32>(&shape)?;
            for (o, &i) in o.iter_mut().zip(&idx) {
                *o = i as i32;
            }
            Ok(())
        }
        DType::Int64 => {
            out.reset_as::<i64>(&shape)?.copy_from_slice(&idx);
            Ok(())
        }
        d => Err(Error::Unsupported { op, dtype: d }),
    }
}

/// Index of the largest element along `axis` (the first on ties).
pub fn argmax(x: &Tensor, axis: usize, out_dtype: DType, out: &mut Tensor) -> Result<()> {
    arg_reduce(x, axis, out_dtype, out, true)
}

/// Index of the smallest element along `axis` (the first on ties).
pub fn argmin(x: &Tensor, axis: usize, out_dtype: DType, out: &mut Tensor) -> Result<()> {
    arg_reduce(x, axis, out_dtype, out, false)
}

#[allow(dead_code)]
fn _assert_element<T: Element>() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_means_and_args() -> Result<()> {
        let x = Tensor::from_vec([2usize, 3], vec![1f32, 5., 3., 4., 2., 6.])?;
        let mut o = Tensor::default();
        reduce(ReduceOp::Sum, &x, &[0], false, &mut o)?;
        assert_eq!(o.as_slice::<f32>()?, &[5., 7., 9.]);
        reduce(ReduceOp::Mean, &x, &[1], true, &mut o)?;
        assert_eq!(o.dims(), &[2, 1]);
        assert_eq!(o.as_slice::<f32>()?, &[3., 4.]);
        reduce(ReduceOp::Max, &x, &[0, 1], false, &mut o)?;
        assert_eq!(o.as_slice::<f32>()?, &[6.]);
        argmax(&x, 1, DType::Int64, &mut o)?;
        assert_eq!(o.as_slice::<i64>()?, &[1, 2]);
        argmin(&x, 0, DType::Int32, &mut o)?;
        assert_eq!(o.as_slice::<i32>()?, &[0, 1, 0]);
        assert!(reduce(ReduceOp::Sum, &x, &[2], false, &mut o).is_err());
        assert!(reduce(ReduceOp::Sum, &x, &[0, 0], false, &mut o).is_err());
        Ok(())
    }
}
