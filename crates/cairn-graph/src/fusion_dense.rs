//! Plan-time fusion of a dense layer's forward pass and of the gradient into it.
//!
//! - `Relu(AddV2(MatMul(a, b), bias))` (or `BiasAdd`, or the bias as `AddV2`'s first
//!   operand) runs as [`kernels::matmul_bias_relu`]: the bias and the ReLU are applied to
//!   the product's rows while they are in cache, with the same float operations as the
//!   three ops (the MLP's `layer1`: two 200 KB passes per step saved).
//! - `ReluGrad(MatMul(dy, w), h)` runs as [`kernels::matmul_relu_grad`] when the inner
//!   dimension is small (the MLP's `dlogits·W2ᵀ`, k = 10).
//!
//! The graph keeps TensorFlow's ops and exports unchanged; when the operands turn out not
//! to suit a fused kernel (another dtype, a bias that is not one value per column, a large
//! inner dimension), the separate ops' kernels run one after the other.
//!
//! An intermediate is absorbed only when the chain is its sole consumer, nothing fetches
//! or feeds it, and no node has a control dependency on it — except that the product may
//! also be read by `Shape` ops that run later (the gradient of the `AddV2` reads it):
//! those are absorbed too, the fused kernel writing the product's shape as extra outputs.

use crate::const_fold::Folded;
use crate::graph::{Graph, NodeId, Output};
use crate::registry::{Ctx, Kernel};
use crate::Result;
use cairn_tensor::kernels::{self, BinaryOp, UnaryOp};
use cairn_tensor::{DType, Tensor};
use std::collections::{HashMap, HashSet};

/// `max(op(a)·op(b) + bias, 0)` or `where(h > 0, op(a)·op(b), 0)`; inputs
/// `[a, b, bias or h]`.
#[derive(Clone, Debug)]
pub(crate) struct DenseRelu {
    a: Output,
    b: Output,
    bias: Output,
    transpose_a: bool,
    transpose_b: bool,
    /// Whether the bias was `AddV2`'s first operand (kept for the fallback's broadcast).
    bias_first: bool,
    /// A `ReluGrad` chain: `bias` is then the ReLU's output `h`.
    relu_grad: bool,
    /// The absorbed `Shape` ops of the product, with their output dtypes: outputs 1.. .
    pub(crate) shapes: Vec<(NodeId, DType)>,
}

impl DenseRelu {
    /// The fused kernel's inputs, in order.
    pub(crate) fn inputs(&self) -> Vec<Output> {
        vec![self.a, self.b, self.bias]
    }
}

/// The fused kernel, with the fallback's two intermediate buffers.
pub(crate) struct DenseReluKernel(pub(crate) DenseRelu, Tensor, Tensor);

impl DenseReluKernel {
    pub(crate) fn new(f: DenseRelu) -> Self {
        DenseReluKernel(f, Tensor::default(), Tensor::default())
    }
}

impl Kernel for DenseReluKernel {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let (a, b, bias) = (ctx.input(0)?, ctx.input(1)?, ctx.input(2)?);
        let f = &self.0;
        let (out, shapes) = ctx
            .outputs
            .split_first_mut()
            .ok_or_else(|| ctx.node.inputs_err("no output buffer"))?;
        let (ta, tb) = (f.transpose_a, f.transpose_b);
        if f.relu_grad {
            if !kernels::matmul_relu_grad(a, b, ta, tb, bias, out)? {
                kernels::matmul(a, b, ta, tb, &mut self.1)?;
                kernels::relu_grad(&self.1, bias, out)?;
            }
            return Ok(());
        }
        let dims: Vec<i64> =
            if kernels::matmul_bias_relu(a, b, f.transpose_a, f.transpose_b, bias, out)? {
                out.dims().iter().map(|&d| d as i64).collect()
            } else {
                let (product, sum) = (&mut self.1, &mut self.2);
                kernels::matmul(a, b, f.transpose_a, f.transpose_b, product)?;
                if f.bias_first {
                    kernels::binary(BinaryOp::Add, bias, product, sum)?;
                } else {
                    kernels::binary(BinaryOp::Add, product, bias, sum)?;
                }
                kernels::unary(UnaryOp::Relu, sum, out)?;
                product.dims().iter().map(|&d| d as i64).collect()
            };
        for (t, &(_, dtype)) in shapes.iter_mut().zip(&f.shapes) {
            crate::ops::write_ints(t, dtype, &[dims.len()], &dims)?;
        }
        Ok(())
    }
}

/// Finds the chains in a plan's node `order`; returns them keyed by their `Relu` node,
/// and the absorbed nodes that no longer run. Nodes in `claimed` (another fusion's) and
/// folded nodes are never part of a chain.
pub(crate) fn find(
    g: &Graph,
    order: &[NodeId],
    fed: &HashSet<Output>,
    fetched: &HashSet<Output>,
    claimed: &HashSet<NodeId>,
    folded: &Folded,
) -> (HashMap<NodeId, DenseRelu>, HashSet<NodeId>) {
    let (uses, ctrl) = crate::fusion::consumers(g, order);
    let f32_only = |id: NodeId| g.node(id).output_types.as_deref() == Some(&[DType::Float32]);
    let free = |id: NodeId| !claimed.contains(&id) && !folded.is_folded(id);
    let absorbable = |o: Output| {
        o.index == 0
            && uses.get(&o) == Some(&1)
            && !fetched.contains(&o)
            && !fed.contains(&o)
            && !ctrl.contains(&o.node)
            && f32_only(o.node)
            && free(o.node)
    };
    let is = |o: Output, op: &str| g.node(o.node).op == op;
    let position: HashMap<NodeId, usize> = order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    // The later `Shape` ops reading `product` when they are its only other readers.
    let shape_readers = |product: Output, sum: NodeId, after: usize| {
        let mut shapes = Vec::new();
        for &id in &order[after..] {
            let n = g.node(id);
            if id == sum || !n.inputs.contains(&product) {
                continue;
            }
            let dtype = n.output_types.as_deref().and_then(|t| t.first().copied());
            match (n.op.as_str(), dtype) {
                ("Shape", Some(dt @ (DType::Int32 | DType::Int64)))
                    if free(id)
                        && !ctrl.contains(&id)
                        && !fed.contains(&Output { node: id, index: 0 }) =>
                {
                    shapes.push((id, dt))
                }
                _ => return None,
            }
        }
        let readers = 1 + shapes.len();
        (uses.get(&product) == Some(&readers)).then_some(shapes)
    };
    let mut fused = HashMap::new();
    let mut absorbed = HashSet::new();
    for &id in order {
        let n = g.node(id);
        if let ("ReluGrad", &[dh, h]) = (n.op.as_str(), n.inputs.as_slice()) {
            // The product, and the gradient tuple's `Identity` in between if any.
            let (product, tuple) = match tuple_identity(g, dh) {
                Some(m) if absorbable(dh) => (m, Some(dh.node)),
                _ => (dh, None),
            };
            let product_ok = if tuple.is_some() {
                uses.get(&product) == Some(&1)
                    && product.index == 0
                    && !fetched.contains(&product)
                    && !fed.contains(&product)
                    && f32_only(product.node)
                    && free(product.node)
                    && only_noops_wait_for(g, order, product.node)
            } else {
                absorbable(product)
            };
            let at = |id: NodeId| position.get(&id).copied();
            let untouched = match (at(product.node), at(id)) {
                (Some(from), Some(to)) if from < to => no_writes(g, &order[from + 1..to]),
                _ => false,
            };
            let mn = g.node(product.node);
            if let (true, true, true, &[a, b]) = (
                is(product, "MatMul"),
                free(id) && f32_only(id),
                product_ok && untouched,
                mn.inputs.as_slice(),
            ) {
                let flag = |name: &str| mn.attr_bool_or(name, false).unwrap_or(false);
                let f = DenseRelu {
                    a,
                    b,
                    bias: h,
                    transpose_a: flag("transpose_a"),
                    transpose_b: flag("transpose_b"),
                    bias_first: false,
                    relu_grad: true,
                    shapes: Vec::new(),
                };
                fused.insert(id, f);
                absorbed.insert(product.node);
                absorbed.extend(tuple);
            }
            continue;
        }
        let &[sum] = n.inputs.as_slice() else {
            continue;
        };
        if n.op != "Relu" || !free(id) || !f32_only(id) || !absorbable(sum) {
            continue;
        }
        let sn = g.node(sum.node);
        let &[x, y] = sn.inputs.as_slice() else {
            continue;
        };
        let nhwc = sn
            .attr_str_or("data_format", "NHWC")
            .is_ok_and(|f| f == "NHWC");
        let (product, bias, bias_first) = match sn.op.as_str() {
            "BiasAdd" if nhwc => (x, y, false),
            "AddV2" | "Add" if is(x, "MatMul") => (x, y, false),
            "AddV2" | "Add" => (y, x, true),
            _ => continue,
        };
        let after = position.get(&id).map_or(order.len(), |p| p + 1);
        let shapes = if absorbable(product) {
            Some(Vec::new())
        } else if product.index == 0
            && !fetched.contains(&product)
            && !fed.contains(&product)
            && !ctrl.contains(&product.node)
            && f32_only(product.node)
            && free(product.node)
        {
            shape_readers(product, sum.node, after)
        } else {
            None
        };
        let (true, Some(shapes)) = (is(product, "MatMul"), shapes) else {
            continue;
        };
        let mn = g.node(product.node);
        let &[a, b] = mn.inputs.as_slice() else {
            continue;
        };
        let flag = |name: &str| mn.attr_bool_or(name, false).unwrap_or(false);
        fused.insert(
            id,
            DenseRelu {
                a,
                b,
                bias,
                transpose_a: flag("transpose_a"),
                transpose_b: flag("transpose_b"),
                bias_first,
                relu_grad: false,
                shapes: shapes.clone(),
            },
        );
        absorbed.extend([sum.node, product.node]);
        absorbed.extend(shapes.iter().map(|s| s.0));
    }
    (fused, absorbed)
}

/// The gradient tuple's `Identity(x, ^group_deps)` (see `cairn-autodiff`): its input
/// `x` when `o` is one.
fn tuple_identity(g: &Graph, o: Output) -> Option<Output> {
    let n = g.node(o.node);
    let &[x] = n.inputs.as_slice() else {
        return None;
    };
    let only_noops = n.control_inputs.iter().all(|&c| g.node(c).op == "NoOp");
    (n.op == "Identity" && o.index == 0 && only_noops).then_some(x)
}

/// Whether every node of `order` waiting for `id` (a control dependency) is a `NoOp`:
/// a pure op computed later inside a fused kernel then changes nothing they see.
fn only_noops_wait_for(g: &Graph, order: &[NodeId], id: NodeId) -> bool {
    order.iter().all(|&o| {
        let n = g.node(o);
        n.op == "NoOp" || !n.control_inputs.contains(&id)
    })
}

/// Whether none of `nodes` assigns a variable (so a product may be computed after them).
fn no_writes(g: &Graph, nodes: &[NodeId]) -> bool {
    nodes.iter().all(|&id| {
        let op = g.node(id).op.as_str();
        crate::registry::lookup(op).is_some_and(|d| d.ref_inputs.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use crate::{Graph, PartialShape, Session};
    use cairn_tensor::{DType, Tensor};

    fn matrix(rows: usize, cols: usize, seed: f32) -> Result<Tensor, cairn_tensor::Error> {
        let v = (0..rows * cols)
            .map(|i| {
                if i % 3 == 0 {
                    (i as f32 * 0.61 + seed).sin()
                } else {
                    0.0
                }
            })
            .collect();
        Tensor::from_vec([rows, cols], v)
    }

    /// `relu(x·w + bias)` and `Shape(x·w)`, fused (nothing else reads the product) and
    /// unfused (the product is fetched too): the same bits, for a per-column bias (the
    /// fused kernel) and a `[1, n]` bias (the fallback).
    #[test]
    fn fused_chain_matches_the_separate_ops() -> Result<(), Box<dyn std::error::Error>> {
        for bias_dims in [vec![70usize], vec![1, 70]] {
            let mut g = Graph::new();
            let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
            let w = g.constant("w", matrix(90, 70, 1.0)?)?;
            let n: usize = bias_dims.iter().product();
            let bias = Tensor::from_vec(
                bias_dims.clone(),
                (0..n).map(|j| j as f32 * 0.01 - 0.3).collect(),
            )?;
            let b = g.constant("b", bias)?;
            let p = g.matmul("p", x, w, false, false)?;
            let s = g.binary("AddV2", "s", p, b)?;
            g.unary("Relu", "r", s)?;
            g.unary("Shape", "shape", p)?;
            let mut sess = Session::new(g);
            let x = matrix(33, 90, 0.5)?;
            let ran = |sess: &Session| -> Vec<String> {
                let mut v: Vec<String> = sess.profile().into_iter().map(|p| p.0).collect();
                v.sort();
                v
            };
            sess.set_profiling(true);
            let fused = sess.run(&[("x", &x)], &["r:0", "shape:0"], &[])?;
            // Only the fused node (and the constants) ran.
            assert_eq!(ran(&sess), ["b", "r", "w"]);
            sess.set_profiling(true);
            let plain = sess.run(&[("x", &x)], &["r:0", "shape:0", "p:0"], &[])?;
            assert_eq!(ran(&sess), ["b", "p", "r", "s", "shape", "w"]);
            assert_eq!(fused[0].dims(), &[33, 70]);
            assert_eq!(fused[0].as_slice::<f32>()?, plain[0].as_slice::<f32>()?);
            assert_eq!(fused[1].as_slice::<i32>()?, &[33, 70]);
            assert_eq!(fused[1].as_slice::<i32>()?, plain[1].as_slice::<i32>()?);
            assert!(fused[0].as_slice::<f32>()?.iter().any(|&v| v > 0.0));
        }
        Ok(())
    }

    /// `ReluGrad(dy·wᵀ, h)` with k = 10 (the fused kernel) and k = 40 (the fallback).
    #[test]
    fn fused_relu_grad_matches_the_separate_ops() -> Result<(), Box<dyn std::error::Error>> {
        for k in [10usize, 40] {
            let mut g = Graph::new();
            let dy = g.placeholder("dy", DType::Float32, PartialShape::unknown())?;
            let h = g.placeholder("h", DType::Float32, PartialShape::unknown())?;
            let w = g.constant("w", matrix(70, k, 1.0)?)?;
            let p = g.matmul("p", dy, w, false, true)?;
            g.binary("ReluGrad", "r", p, h)?;
            let mut sess = Session::new(g);
            let (dy, h) = (matrix(33, k, 0.5)?, matrix(33, 70, 0.25)?);
            let feeds = [("dy", &dy), ("h", &h)];
            sess.set_profiling(true);
            let fused = sess.run(&feeds, &["r:0"], &[])?;
            let ran: Vec<String> = sess.profile().into_iter().map(|p| p.0).collect();
            assert!(!ran.contains(&"p".to_string()), "{ran:?}");
            let plain = sess.run(&feeds, &["r:0", "p:0"], &[])?;
            assert_eq!(fused[0].as_slice::<f32>()?, plain[0].as_slice::<f32>()?);
            assert!(fused[0].as_slice::<f32>()?.iter().any(|&v| v != 0.0));
        }
        Ok(())
    }
}
