//! The ops cairn implements, one small module per family. Each registers [`OpDef`]s
//! with TensorFlow's op names; kernels delegate to `cairn_tensor::kernels`.

use crate::graph::Node;
use crate::registry::{Alias, FnKernel, Kernel, KernelFn, OpDef, TypeFn};
use crate::{Error, Result};
use cairn_tensor::{DType, Tensor};

mod array;
mod array2;
mod basic;
mod batchnorm;
mod conv;
mod image;
mod math;
mod nn;
mod random;
mod reduce;
mod state;
mod stateless;

pub(crate) use conv::window as conv_window;

/// Every op definition.
pub(crate) fn all() -> Vec<OpDef> {
    let mut v = Vec::new();
    v.extend(basic::defs());
    v.extend(state::defs());
    v.extend(math::defs());
    v.extend(reduce::defs());
    v.extend(nn::defs());
    v.extend(array::defs());
    v.extend(array2::defs());
    v.extend(image::defs());
    v.extend(random::defs());
    v.extend(conv::defs());
    v.extend(batchnorm::defs());
    v.extend(stateless::defs());
    v
}

/// An op with plain value outputs.
pub(crate) fn def(name: &'static str, output_types: TypeFn, kernel: KernelFn) -> OpDef {
    OpDef {
        name,
        output_types,
        kernel: Some(kernel),
        ref_inputs: &[],
        alias: Alias::None,
    }
}

/// Output types: one output of attribute `T`.
pub(crate) fn type_t(node: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![node.attr_type("T")?])
}

/// Output types: one output of attribute `dtype`.
pub(crate) fn type_dtype(node: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![node.attr_type("dtype")?])
}

/// Output types: one bool output.
pub(crate) fn type_bool(_: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![DType::Bool])
}

/// Output types: no outputs.
pub(crate) fn type_none(_: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![])
}

/// Output types: one output, attribute `attr` or `default` when absent.
pub(crate) fn type_attr_or(node: &Node, attr: &str, default: DType) -> Result<Vec<DType>> {
    Ok(vec![if node.attrs.contains_key(attr) {
        node.attr_type(attr)?
    } else {
        default
    }])
}

/// Boxes a function kernel.
pub(crate) fn boxed(f: fn(&mut crate::registry::Ctx<'_>) -> Result<()>) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(FnKernel(f)))
}

/// Reads an integer tensor (int32 or int64) as i64 values.
pub(crate) fn read_ints(node: &Node, t: &Tensor) -> Result<Vec<i64>> {
    match t.dtype() {
        DType::Int32 => Ok(t.as_slice::<i32>()?.iter().map(|&v| v as i64).collect()),
        DType::Int64 => Ok(t.as_slice::<i64>()?.to_vec()),
        d => Err(node.inputs_err(format!("expected an int32 or int64 tensor, got {d}"))),
    }
}

/// Normalizes axes (negative counts from the end) against `rank`.
pub(crate) fn norm_axes(node: &Node, axes: &[i64], rank: usize) -> Result<Vec<usize>> {
    axes.iter()
        .map(|&a| {
            let r = rank as i64;
            let a2 = if a < 0 { a + r } else { a };
            if a2 < 0 || a2 >= r.max(1) {
                Err(node.inputs_err(format!("axis {a} is out of range for rank {rank}")))
            } else {
                Ok(a2 as usize)
            }
        })
        .collect()
}

/// Writes integer values as a tensor of `dtype` (int32 or int64).
pub(crate) fn write_ints(out: &mut Tensor, dtype: DType, dims: &[usize], v: &[i64]) -> Result<()> {
    match dtype {
        DType::Int32 => {
            let o = out.reset_as::<i32>(dims)?;
            for (o, &x) in o.iter_mut().zip(v) {
                *o = i32::try_from(x).map_err(|_| {
                    Error::Tensor(cairn_tensor::Error::Invalid {
                        op: "int32 output",
                        what: format!("{x} does not fit in int32"),
                    })
                })?;
            }
            Ok(())
        }
        _ => {
            out.reset_as::<i64>(dims)?.copy_from_slice(v);
            Ok(())
        }
    }
}
