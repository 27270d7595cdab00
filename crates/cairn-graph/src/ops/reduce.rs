//! Reductions (Sum, Mean, ...) and ArgMax/ArgMin.

use super::{def, norm_axes, read_ints, type_attr_or, type_t};
use crate::graph::Node;
use crate::registry::{Ctx, Kernel, OpDef};
use crate::Result;
use cairn_tensor::kernels::{self, ReduceOp};
use cairn_tensor::{DType, Tensor};

struct Reduce {
    op: ReduceOp,
    keep_dims: bool,
}

impl Kernel for Reduce {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let x = ctx.input(0)?;
        let axes = read_ints(ctx.node, ctx.input(1)?)?;
        let axes = norm_axes(ctx.node, &axes, x.rank())?;
        kernels::reduce(self.op, x, &axes, self.keep_dims, &mut ctx.outputs[0])?;
        Ok(())
    }

    /// Reducing over no axes (as the gradient of a broadcast `AddV2` does for the operand
    /// that was not broadcast) leaves the input as it is, whatever the op and `keep_dims`.
    fn forwards(&self, node: &Node, inputs: &[&Tensor]) -> Option<Vec<usize>> {
        let (x, axes) = (inputs.first()?, inputs.get(1)?);
        let empty = read_ints(node, axes).ok()?.is_empty();
        empty.then(|| x.dims().to_vec())
    }
}

fn reduce_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    let op = match node.op.as_str() {
        "Sum" => ReduceOp::Sum,
        "Mean" => ReduceOp::Mean,
        "Max" => ReduceOp::Max,
        "Min" => ReduceOp::Min,
        "Prod" => ReduceOp::Prod,
        "Any" => ReduceOp::Any,
        _ => ReduceOp::All,
    };
    let keep_dims = node.attr_bool_or("keep_dims", false)?;
    Ok(Box::new(Reduce { op, keep_dims }))
}

struct ArgReduce {
    max: bool,
    out: DType,
}

impl Kernel for ArgReduce {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let x = ctx.input(0)?;
        let axis = read_ints(ctx.node, ctx.input(1)?)?;
        let axis = norm_axes(ctx.node, &axis, x.rank())?;
        let &[axis] = axis.as_slice() else {
            return Err(ctx.node.inputs_err("the dimension must be a single axis"));
        };
        if self.max {
            kernels::argmax(x, axis, self.out, &mut ctx.outputs[0])?;
        } else {
            kernels::argmin(x, axis, self.out, &mut ctx.outputs[0])?;
        }
        Ok(())
    }
}

fn arg_kernel(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ArgReduce {
        max: node.op == "ArgMax",
        out: type_arg(node, &[])?[0],
    }))
}

fn type_arg(node: &Node, _: &[DType]) -> Result<Vec<DType>> {
    type_attr_or(node, "output_type", DType::Int64)
}

fn type_logical(_: &Node, _: &[DType]) -> Result<Vec<DType>> {
    Ok(vec![DType::Bool])
}

pub(crate) fn defs() -> Vec<OpDef> {
    let mut v: Vec<OpDef> = ["Sum", "Mean", "Max", "Min", "Prod"]
        .into_iter()
        .map(|n| def(n, type_t, reduce_kernel))
        .collect();
    v.push(def("Any", type_logical, reduce_kernel));
    v.push(def("All", type_logical, reduce_kernel));
    v.push(def("ArgMax", type_arg, arg_kernel));
    v.push(def("ArgMin", type_arg, arg_kernel));
    v
}
