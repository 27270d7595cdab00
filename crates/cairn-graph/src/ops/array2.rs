//! More shape ops, as Keras-frozen and 2015-era graphs use them: the legacy `Concat`
//! (axis first), `StridedSlice` with all five masks, `Pack` and `Unpack`.

use super::{boxed, def, norm_axes, read_ints, type_t};
use crate::graph::Node;
use crate::registry::{Ctx, OpDef};
use crate::Result;
use cairn_tensor::{kernels, with_storage, DType, Element, Tensor};

fn concat_legacy(ctx: &mut Ctx<'_>) -> Result<()> {
    let Some((axis, values)) = ctx.inputs.split_first() else {
        return Err(ctx.node.inputs_err("Concat needs an axis and values"));
    };
    if values.is_empty() {
        return Err(ctx.node.inputs_err("Concat needs at least one value"));
    }
    let a = read_ints(ctx.node, axis)?;
    let a = norm_axes(ctx.node, &a, values[0].rank())?;
    let axis = *a
        .first()
        .ok_or_else(|| ctx.node.inputs_err("empty concat_dim"))?;
    kernels::concat(values, axis, &mut ctx.outputs[0])?;
    Ok(())
}

/// One input dimension of a slice: first index, step, and how many elements are taken.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Range {
    start: i64,
    step: i64,
    len: usize,
}

/// The elements of `src` (row-major, dimensions `dims`) picked by one range per dimension.
fn gather<T: Clone>(src: &[T], dims: &[usize], ranges: &[Range]) -> Vec<T> {
    let n: usize = ranges.iter().map(|r| r.len).product();
    let mut strides = vec![1i64; dims.len()];
    for k in (0..dims.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * dims[k + 1] as i64;
    }
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; ranges.len()];
    for _ in 0..n {
        let off: i64 = ranges
            .iter()
            .zip(&idx)
            .zip(&strides)
            .map(|((r, &i), &s)| (r.start + r.step * i as i64) * s)
            .sum();
        out.push(src[off as usize].clone());
        for k in (0..ranges.len()).rev() {
            idx[k] += 1;
            if idx[k] < ranges[k].len {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

/// Gathers `ranges` of `x` into a tensor of shape `out_dims`.
fn gather_tensor(x: &Tensor, ranges: &[Range], out_dims: Vec<usize>) -> Result<Tensor> {
    let storage =
        with_storage!(x.storage(), v => Element::into_storage(gather(v, x.dims(), ranges)));
    Ok(Tensor::new(out_dims, storage)?)
}

/// Masks of `StridedSlice`, bit `i` for spec entry `i`.
struct Masks {
    begin: i64,
    end: i64,
    ellipsis: i64,
    new_axis: i64,
    shrink: i64,
}

/// TensorFlow's StridedSlice resolution: per input dimension a [`Range`], and the output
/// shape (new axes inserted, shrunk axes removed).
fn plan_strided_slice(
    node: &Node,
    dims: &[usize],
    begin: &[i64],
    end: &[i64],
    strides: &[i64],
    m: &Masks,
) -> Result<(Vec<Range>, Vec<usize>)> {
    let n = begin.len();
    if end.len() != n || strides.len() != n {
        return Err(node.inputs_err(format!(
            "begin, end and strides must have the same length, got {n}, {} and {}",
            end.len(),
            strides.len()
        )));
    }
    let bit = |mask: i64, i: usize| i < 63 && mask >> i & 1 == 1;
    let has_ellipsis = (0..n).any(|i| bit(m.ellipsis, i));
    let consuming = (0..n)
        .filter(|&i| !bit(m.ellipsis, i) && !bit(m.new_axis, i))
        .count();
    if consuming > dims.len() {
        return Err(node.inputs_err(format!(
            "a slice of {consuming} dimensions of a rank-{} tensor",
            dims.len()
        )));
    }
    let mut ranges = Vec::with_capacity(dims.len());
    let mut out = Vec::new();
    let mut d = 0usize;
    let full = |size: usize| Range {
        start: 0,
        step: 1,
        len: size,
    };
    let mut ellipsis_done = false;
    for i in 0..n {
        if bit(m.ellipsis, i) {
            if ellipsis_done {
                return Err(node.inputs_err("multiple ellipses in a slice spec"));
            }
            ellipsis_done = true;
            for _ in 0..dims.len() - consuming {
                ranges.push(full(dims[d]));
                out.push(dims[d]);
                d += 1;
            }
            continue;
        }
        if bit(m.new_axis, i) {
            out.push(1);
            continue;
        }
        let size = dims[d] as i64;
        let norm = |x: i64| if x < 0 { x + size } else { x };
        if bit(m.shrink, i) {
            let idx = norm(begin[i]);
            if idx < 0 || idx >= size {
                return Err(node.inputs_err(format!(
                    "slice index {} of dimension {d} out of bounds (size {size})",
                    begin[i]
                )));
            }
            ranges.push(Range {
                start: idx,
                step: 1,
                len: 1,
            });
        } else {
            let s = strides[i];
            if s == 0 {
                return Err(node.inputs_err(format!("stride {i} is zero")));
            }
            let (lo, hi) = if s > 0 { (0, size) } else { (-1, size - 1) };
            let b = if bit(m.begin, i) {
                if s > 0 {
                    lo
                } else {
                    hi
                }
            } else {
                norm(begin[i]).clamp(lo, hi)
            };
            let e = if bit(m.end, i) {
                if s > 0 {
                    hi
                } else {
                    lo
                }
            } else {
                norm(end[i]).clamp(lo, hi)
            };
            let span = if s > 0 { e - b } else { b - e };
            let step = s.unsigned_abs() as i64;
            let len = if span <= 0 {
                0
            } else {
                (span + step - 1) / step
            };
            ranges.push(Range {
                start: b,
                step: s,
                len: len as usize,
            });
            out.push(len as usize);
        }
        d += 1;
    }
    // No ellipsis: an implicit one at the end keeps the remaining dimensions whole.
    if !has_ellipsis {
        while d < dims.len() {
            ranges.push(full(dims[d]));
            out.push(dims[d]);
            d += 1;
        }
    }
    Ok((ranges, out))
}

fn strided_slice(ctx: &mut Ctx<'_>) -> Result<()> {
    let node = ctx.node;
    let x = ctx.input(0)?;
    let begin = read_ints(node, ctx.input(1)?)?;
    let end = read_ints(node, ctx.input(2)?)?;
    let strides = read_ints(node, ctx.input(3)?)?;
    let masks = Masks {
        begin: node.attr_int_or("begin_mask", 0)?,
        end: node.attr_int_or("end_mask", 0)?,
        ellipsis: node.attr_int_or("ellipsis_mask", 0)?,
        new_axis: node.attr_int_or("new_axis_mask", 0)?,
        shrink: node.attr_int_or("shrink_axis_mask", 0)?,
    };
    let (ranges, out) = plan_strided_slice(node, x.dims(), &begin, &end, &strides, &masks)?;
    ctx.outputs[0] = gather_tensor(x, &ranges, out)?;
    Ok(())
}

fn pack(ctx: &mut Ctx<'_>) -> Result<()> {
    let first = ctx.input(0)?;
    let axis = ctx.node.attr_int_or("axis", 0)?;
    let a = norm_axes(ctx.node, &[axis], first.rank() + 1)?[0];
    let mut dims = first.dims().to_vec();
    dims.insert(a, 1);
    let mut parts = Vec::with_capacity(ctx.inputs.len());
    for &t in ctx.inputs {
        if t.dims() != first.dims() {
            return Err(ctx.node.inputs_err(format!(
                "Pack inputs must have one shape, got {:?} and {:?}",
                first.dims(),
                t.dims()
            )));
        }
        parts.push(Tensor::clone(t).reshape(dims.clone())?);
    }
    let refs: Vec<&Tensor> = parts.iter().collect();
    kernels::concat(&refs, a, &mut ctx.outputs[0])?;
    Ok(())
}

fn unpack(ctx: &mut Ctx<'_>) -> Result<()> {
    let x = ctx.input(0)?;
    let axis = ctx.node.attr_int_or("axis", 0)?;
    let a = norm_axes(ctx.node, &[axis], x.rank())?[0];
    let num = x.dims()[a];
    if num != ctx.outputs.len() {
        return Err(ctx.node.inputs_err(format!(
            "Unpack of {num} slices into {} outputs",
            ctx.outputs.len()
        )));
    }
    let mut out_dims = x.dims().to_vec();
    out_dims.remove(a);
    for k in 0..num {
        let ranges: Vec<Range> = x
            .dims()
            .iter()
            .enumerate()
            .map(|(d, &size)| Range {
                start: if d == a { k as i64 } else { 0 },
                step: 1,
                len: if d == a { 1 } else { size },
            })
            .collect();
        ctx.outputs[k] = gather_tensor(x, &ranges, out_dims.clone())?;
    }
    Ok(())
}

fn type_unpack(node: &Node, _: &[DType]) -> Result<Vec<DType>> {
    let n = node.attr_int_or("num", 0)?.max(0) as usize;
    Ok(vec![node.attr_type("T")?; n])
}

pub(crate) fn defs() -> Vec<OpDef> {
    vec![
        def("Concat", type_t, |_| boxed(concat_legacy)),
        def("StridedSlice", type_t, |_| boxed(strided_slice)),
        def("Pack", type_t, |_| boxed(pack)),
        def("Unpack", type_unpack, |_| boxed(unpack)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_reverses_with_negative_steps() {
        let src: Vec<i32> = (0..6).collect();
        let r = [
            Range {
                start: 1,
                step: -1,
                len: 2,
            },
            Range {
                start: 2,
                step: -2,
                len: 2,
            },
        ];
        assert_eq!(gather(&src, &[2, 3], &r), [5, 3, 2, 0]);
    }
}
