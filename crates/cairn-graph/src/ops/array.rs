//! Shape manipulation: Shape, Size, Reshape, Fill, ExpandDims, Squeeze, Tile, Transpose,
//! BroadcastGradientArgs, BroadcastTo, ConcatV2.

use super::{boxed, def, norm_axes, read_ints, type_attr_or, type_t, write_ints};
use crate::graph::Node;
use crate::registry::{Ctx, Kernel, OpDef};
use crate::Result;
use cairn_tensor::{kernels, DType, Tensor};

fn out_type(node: &Node) -> Result<DType> {
    Ok(type_attr_or(node, "out_type", DType::Int32)?[0])
}

fn shape(ctx: &mut Ctx<'_>) -> Result<()> {
    let dims: Vec<i64> = ctx.input(0)?.dims().iter().map(|&d| d as i64).collect();
    write_ints(
        &mut ctx.outputs[0],
        out_type(ctx.node)?,
        &[dims.len()],
        &dims,
    )
}

fn size(ctx: &mut Ctx<'_>) -> Result<()> {
    let n = ctx.input(0)?.len() as i64;
    write_ints(&mut ctx.outputs[0], out_type(ctx.node)?, &[], &[n])
}

fn rank(ctx: &mut Ctx<'_>) -> Result<()> {
    let n = ctx.input(0)?.rank() as i64;
    write_ints(&mut ctx.outputs[0], DType::Int32, &[], &[n])
}

/// Resolves a requested shape with at most one `-1` against `n` elements.
fn resolve_shape(node: &Node, want: &[i64], n: usize) -> Result<Vec<usize>> {
    let mut unknown = None;
    let mut known = 1usize;
    for (i, &d) in want.iter().enumerate() {
        if d == -1 {
            if unknown.replace(i).is_some() {
                return Err(node.inputs_err("only one dimension can be -1"));
            }
        } else if d < 0 {
            return Err(node.inputs_err(format!("negative dimension {d}")));
        } else {
            known = known
                .checked_mul(d as usize)
                .ok_or_else(|| node.inputs_err("shape overflows"))?;
        }
    }
    let mut dims: Vec<usize> = want.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = unknown {
        if known == 0 || !n.is_multiple_of(known) {
            return Err(node.inputs_err(format!("cannot reshape {n} elements to {want:?}")));
        }
        dims[i] = n / known;
    } else if known != n {
        return Err(node.inputs_err(format!("cannot reshape {n} elements to {want:?}")));
    }
    Ok(dims)
}

fn copy_reshaped(out: &mut Tensor, x: &Tensor, dims: Vec<usize>) -> Result<()> {
    out.copy_reshaped_from(x, &dims)?;
    Ok(())
}

/// `Reshape`: a copy under the new dimensions, or the input's buffer itself when the
/// session can hand it over (see [`Kernel::forwards`]).
struct Reshape;

impl Kernel for Reshape {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let x = ctx.input(0)?;
        let want = read_ints(ctx.node, ctx.input(1)?)?;
        let dims = resolve_shape(ctx.node, &want, x.len())?;
        copy_reshaped(&mut ctx.outputs[0], x, dims)
    }

    fn forwards(&self, node: &Node, inputs: &[&Tensor]) -> Option<Vec<usize>> {
        let (x, shape) = (inputs.first()?, inputs.get(1)?);
        let want = read_ints(node, shape).ok()?;
        resolve_shape(node, &want, x.len()).ok()
    }
}

fn expand_dims(ctx: &mut Ctx<'_>) -> Result<()> {
    let x = ctx.input(0)?;
    let a = read_ints(ctx.node, ctx.input(1)?)?;
    let &[a] = a.as_slice() else {
        return Err(ctx.node.inputs_err("dim must be a single value"));
    };
    let r = x.rank() as i64;
    let pos = if a < 0 { a + r + 1 } else { a };
    if pos < 0 || pos > r {
        return Err(ctx
            .node
            .inputs_err(format!("dim {a} out of range for rank {r}")));
    }
    let mut dims = x.dims().to_vec();
    dims.insert(pos as usize, 1);
    copy_reshaped(&mut ctx.outputs[0], x, dims)
}

fn squeeze(ctx: &mut Ctx<'_>) -> Result<()> {
    let x = ctx.input(0)?;
    let axes = ctx.node.attr_ints_or("squeeze_dims", &[])?;
    let axes = norm_axes(ctx.node, &axes, x.rank())?;
    let mut dims = Vec::new();
    for (i, &d) in x.dims().iter().enumerate() {
        let listed = axes.contains(&i);
        if listed && d != 1 {
            return Err(ctx
                .node
                .inputs_err(format!("cannot squeeze dimension {i} of size {d}")));
        }
        if !(d == 1 && (axes.is_empty() || listed)) {
            dims.push(d);
        }
    }
    copy_reshaped(&mut ctx.outputs[0], x, dims)
}

fn fill(ctx: &mut Ctx<'_>) -> Result<()> {
    let dims = read_ints(ctx.node, ctx.input(0)?)?;
    if dims.iter().any(|&d| d < 0) {
        return Err(ctx
            .node
            .inputs_err(format!("negative dimension in {dims:?}")));
    }
    let dims: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    kernels::broadcast_to(ctx.input(1)?, &dims, &mut ctx.outputs[0])?;
    Ok(())
}

fn broadcast_to(ctx: &mut Ctx<'_>) -> Result<()> {
    let dims = read_ints(ctx.node, ctx.input(1)?)?;
    if dims.iter().any(|&d| d < 0) {
        return Err(ctx
            .node
            .inputs_err(format!("negative dimension in {dims:?}")));
    }
    let dims: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    kernels::broadcast_to(ctx.input(0)?, &dims, &mut ctx.outputs[0])?;
    Ok(())
}

fn to_dims(node: &Node, t: &Tensor) -> Result<Vec<usize>> {
    read_ints(node, t)?
        .into_iter()
        .map(|d| usize::try_from(d).map_err(|_| node.inputs_err(format!("negative dimension {d}"))))
        .collect()
}

fn broadcast_gradient_args(ctx: &mut Ctx<'_>) -> Result<()> {
    let a = to_dims(ctx.node, ctx.input(0)?)?;
    let b = to_dims(ctx.node, ctx.input(1)?)?;
    let dt = ctx.input(0)?.dtype();
    let (ra, rb) = kernels::broadcast_gradient_args(&a, &b)?;
    let ra: Vec<i64> = ra.iter().map(|&x| x as i64).collect();
    let rb: Vec<i64> = rb.iter().map(|&x| x as i64).collect();
    let (o0, o1) = ctx.outputs.split_at_mut(1);
    write_ints(&mut o0[0], dt, &[ra.len()], &ra)?;
    write_ints(&mut o1[0], dt, &[rb.len()], &rb)
}

fn tile(ctx: &mut Ctx<'_>) -> Result<()> {
    let m = to_dims(ctx.node, ctx.input(1)?)?;
    kernels::tile(ctx.input(0)?, &m, &mut ctx.outputs[0])?;
    Ok(())
}

fn transpose(ctx: &mut Ctx<'_>) -> Result<()> {
    let p = to_dims(ctx.node, ctx.input(1)?)?;
    kernels::transpose(ctx.input(0)?, &p, &mut ctx.outputs[0])?;
    Ok(())
}

fn concat_v2(ctx: &mut Ctx<'_>) -> Result<()> {
    let n = ctx.inputs.len();
    if n < 2 {
        return Err(ctx.node.inputs_err("ConcatV2 needs values and an axis"));
    }
    let (values, axis) = ctx.inputs.split_at(n - 1);
    let rank = values[0].rank();
    let a = read_ints(ctx.node, axis[0])?;
    let a = norm_axes(ctx.node, &a, rank)?;
    kernels::concat(values, a[0], &mut ctx.outputs[0])?;
    Ok(())
}

fn type_out(node: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![out_type(node)?])
}

fn type_rank(_: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![DType::Int32])
}

fn type_bga(node: &Node, _: &[DType]) -> Result<Vec<DType>> {
    let t = type_attr_or(node, "T", DType::Int32)?[0];
    Ok(vec![t, t])
}

pub(crate) fn defs() -> Vec<OpDef> {
    vec![
        def("Shape", type_out, |_| boxed(shape)),
        def("Size", type_out, |_| boxed(size)),
        def("Rank", type_rank, |_| boxed(rank)),
        def("Reshape", type_t, |_| Ok(Box::new(Reshape))),
        def("ExpandDims", type_t, |_| boxed(expand_dims)),
        def("Squeeze", type_t, |_| boxed(squeeze)),
        def("Fill", type_t, |_| boxed(fill)),
        def("BroadcastTo", type_t, |_| boxed(broadcast_to)),
        def("BroadcastGradientArgs", type_bga, |_| {
            boxed(broadcast_gradient_args)
        }),
        def("Tile", type_t, |_| boxed(tile)),
        def("Transpose", type_t, |_| boxed(transpose)),
        def("ConcatV2", type_t, |_| boxed(concat_v2)),
    ]
}
