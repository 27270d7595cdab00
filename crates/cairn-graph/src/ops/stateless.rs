//! `StatelessRandomUniform(shape, seed)`: uniform [0, 1) floats that depend only on the
//! two seed values, so a graph can keep its random state in a variable (saved in
//! checkpoints) and a resumed run draws the same numbers. The stream is cairn's Philox
//! (`kernels::Philox` keyed by `seed[0]`, counter high half `seed[1]`), not TensorFlow's.

use super::{def, read_ints, type_dtype};
use crate::registry::{Ctx, OpDef};
use crate::Result;
use cairn_tensor::{kernels, DType, Shape, Tensor};

fn stateless_uniform(ctx: &mut Ctx<'_>) -> Result<()> {
    let dims = read_ints(ctx.node, ctx.input(0)?)?;
    let seed = read_ints(ctx.node, ctx.input(1)?)?;
    let &[s0, s1] = &seed[..] else {
        return Err(ctx
            .node
            .inputs_err(format!("seed must hold 2 values, got {}", seed.len())));
    };
    if dims.iter().any(|&d| d < 0) {
        return Err(ctx
            .node
            .inputs_err(format!("negative dimension in {dims:?}")));
    }
    if ctx.node.attr_type("dtype")? != DType::Float32 {
        return Err(ctx.node.inputs_err("only float32 values are supported"));
    }
    let dims: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    let n = Shape::from(dims.clone()).num_elements_checked()?;
    let v = kernels::random_uniform_f32(n, s0 as u64, s1 as u64);
    ctx.outputs[0] = Tensor::from_vec(dims, v)?;
    Ok(())
}

pub(crate) fn defs() -> Vec<OpDef> {
    vec![def("StatelessRandomUniform", type_dtype, |_| {
        super::boxed(stateless_uniform)
    })]
}
