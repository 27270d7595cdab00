//! Plan-time fusion of a convolutional training step's memory-bound chains.
//!
//! The graph keeps TensorFlow's ops (so it exports unchanged); only the plan runs these
//! chains as one kernel each, bit-identical to the separate ops:
//!
//! - `Relu(BiasAdd(Conv2D(x, w), b))` — a convolution block whose filter is a variable
//!   (frozen graphs' constant filters are `fusion_conv`'s) — becomes
//!   [`kernels::conv2d_bias_relu`]: bias and ReLU applied to each output tile in cache;
//! - `ReluGrad(MaxPoolGrad(r, y, dy), r)` — the gradient through a max-pool of a ReLU
//!   output `r` — becomes [`kernels::max_pool_relu_grad`]: one pass over the gradient.
//!
//! An intermediate is absorbed only when the chain is its sole consumer, nothing fetches
//! or feeds it, and no node has a control dependency on it; chains that touch a node some
//! other fusion or constant folding already claimed are left alone.

use crate::const_fold::Folded;
use crate::graph::{Graph, NodeId, Output};
use crate::registry::{Ctx, Kernel};
use crate::Result;
use cairn_tensor::kernels::{self, Pool2d, Window2d};
use cairn_tensor::DType;
use std::collections::{HashMap, HashSet};

/// A fused replacement for the last node of a chain.
#[derive(Clone, Debug)]
pub(crate) enum TrainFusion {
    /// `max(conv2d(x, w) + b, 0)`; inputs `[x, w, b]`.
    ConvBiasRelu {
        x: Output,
        w: Output,
        b: Output,
        window: Window2d,
    },
    /// `ReluGrad(MaxPoolGrad(r, ·, dy), r)`; inputs `[r, dy]`.
    PoolReluGrad { r: Output, dy: Output, pool: Pool2d },
}

impl TrainFusion {
    /// The fused kernel's inputs, in order.
    pub(crate) fn inputs(&self) -> Vec<Output> {
        match self {
            TrainFusion::ConvBiasRelu { x, w, b, .. } => vec![*x, *w, *b],
            TrainFusion::PoolReluGrad { r, dy, .. } => vec![*r, *dy],
        }
    }
}

impl Kernel for TrainFusion {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let (a, b) = (ctx.input(0)?, ctx.input(1)?);
        match self {
            TrainFusion::ConvBiasRelu { window, .. } => {
                let bias = ctx.input(2)?;
                kernels::conv2d_bias_relu(a, b, bias, window, &mut ctx.outputs[0])?;
            }
            TrainFusion::PoolReluGrad { pool, .. } => {
                kernels::max_pool_relu_grad(a, b, pool, &mut ctx.outputs[0])?;
            }
        }
        Ok(())
    }
}

/// A pool node's window: `ksize` `[1, h, w, 1]` and its strides and padding.
fn pool_of(g: &Graph, id: NodeId) -> Option<Pool2d> {
    let n = g.node(id);
    let k = n.attr_ints_or("ksize", &[]).ok()?;
    let &[1, h, w, 1] = k.as_slice() else {
        return None;
    };
    (h > 0 && w > 0).then_some(())?;
    Some(Pool2d {
        ksize: [h as usize, w as usize],
        window: crate::ops::conv_window(n).ok()?,
    })
}

/// Finds the fusions in a plan's node `order`; returns them keyed by the node each
/// replaces, and the absorbed nodes that no longer run. Nodes in `claimed` (another
/// fusion's) and folded nodes are never part of a chain.
pub(crate) fn find(
    g: &Graph,
    order: &[NodeId],
    fed: &HashSet<Output>,
    fetched: &HashSet<Output>,
    claimed: &HashSet<NodeId>,
    folded: &Folded,
) -> (HashMap<NodeId, TrainFusion>, HashSet<NodeId>) {
    let (uses, ctrl) = crate::fusion::consumers(g, order);
    let f32_only = |id: NodeId| g.node(id).output_types.as_deref() == Some(&[DType::Float32]);
    let free = |id: NodeId| !claimed.contains(&id) && !folded.is_folded(id);
    let absorbable = |o: Output, op: &str| {
        let n = g.node(o.node);
        n.op == op
            && o.index == 0
            && uses.get(&o) == Some(&1)
            && !fetched.contains(&o)
            && !fed.contains(&o)
            && !ctrl.contains(&o.node)
            && f32_only(o.node)
            && free(o.node)
    };
    let nhwc = |id: NodeId| {
        g.node(id)
            .attr_str_or("data_format", "NHWC")
            .is_ok_and(|f| f == "NHWC")
    };
    let mut fused = HashMap::new();
    let mut absorbed = HashSet::new();
    for &id in order {
        let n = g.node(id);
        if !free(id) || !f32_only(id) {
            continue;
        }
        match (n.op.as_str(), n.inputs.as_slice()) {
            ("Relu", &[a]) if absorbable(a, "BiasAdd") && nhwc(a.node) => {
                let bn = g.node(a.node);
                let &[c, b] = bn.inputs.as_slice() else {
                    continue;
                };
                if !absorbable(c, "Conv2D") || !nhwc(c.node) {
                    continue;
                }
                let cn = g.node(c.node);
                let (&[x, w], Ok(window)) = (cn.inputs.as_slice(), crate::ops::conv_window(cn))
                else {
                    continue;
                };
                fused.insert(id, TrainFusion::ConvBiasRelu { x, w, b, window });
                absorbed.extend([a.node, c.node]);
            }
            ("ReluGrad", &[m, r]) if absorbable(m, "MaxPoolGrad") && nhwc(m.node) => {
                let mn = g.node(m.node);
                let (&[x, _, dy], Some(pool)) = (mn.inputs.as_slice(), pool_of(g, m.node)) else {
                    continue;
                };
                if x != r {
                    continue;
                }
                fused.insert(id, TrainFusion::PoolReluGrad { r, dy, pool });
                absorbed.insert(m.node);
            }
            _ => {}
        }
    }
    (fused, absorbed)
}

#[cfg(test)]
mod tests {
    use crate::attr::PartialShape;
    use crate::{Graph, Result, Session};
    use cairn_tensor::{DType, Tensor};

    fn ramp(dims: &[usize], seed: u32) -> Result<Tensor> {
        let n: usize = dims.iter().product();
        let v = (0..n as u32)
            .map(|i| {
                ((i.wrapping_mul(2654435761).wrapping_add(seed * 97)) % 2001) as f32 / 1000.0 - 1.0
            })
            .collect();
        Ok(Tensor::from_vec(dims.to_vec(), v)?)
    }

    /// `Relu(BiasAdd(Conv2D(x, w), b))`, a 2×2 max-pool, and the gradient through both.
    fn block() -> Result<Graph> {
        let mut g = Graph::new();
        let any = PartialShape::unknown();
        let x = g.placeholder("x", DType::Float32, any.clone())?;
        let w = g.placeholder("w", DType::Float32, any.clone())?;
        let b = g.placeholder("b", DType::Float32, any.clone())?;
        let dy = g.placeholder("dy", DType::Float32, any)?;
        let c = g
            .op("Conv2D", "conv")
            .inputs(&[x, w])
            .attr("T", DType::Float32)
            .attr("strides", vec![1i64, 1, 1, 1])
            .attr("padding", "SAME")
            .finish_output()?;
        let a = g
            .op("BiasAdd", "bias")
            .inputs(&[c, b])
            .attr("T", DType::Float32)
            .finish_output()?;
        let r = g.unary("Relu", "relu", a)?;
        let pool = |g: &mut Graph, op: &str, name: &str, ins: &[crate::Output]| {
            g.op(op, name)
                .inputs(ins)
                .attr("T", DType::Float32)
                .attr("ksize", vec![1i64, 2, 2, 1])
                .attr("strides", vec![1i64, 2, 2, 1])
                .attr("padding", "SAME")
                .finish_output()
        };
        let y = pool(&mut g, "MaxPool", "pool", &[r])?;
        let m = pool(&mut g, "MaxPoolGrad", "pool_grad", &[r, y, dy])?;
        g.op("ReluGrad", "relu_grad")
            .inputs(&[m, r])
            .attr("T", DType::Float32)
            .finish_output()?;
        Ok(g)
    }

    #[test]
    fn fused_plan_matches_the_separate_ops_bit_for_bit() -> Result<()> {
        for ic in [1, 3] {
            let x = ramp(&[2, 9, 7, ic], 1)?;
            let w = ramp(&[5, 5, ic, 6], 2)?;
            let b = ramp(&[6], 3)?;
            let dy = ramp(&[2, 5, 4, 6], 4)?;
            let feeds = [("x:0", &x), ("w:0", &w), ("b:0", &b), ("dy:0", &dy)];
            let mut s = Session::new(block()?);
            let fused = s.run(&feeds, &["relu:0", "relu_grad:0"], &[])?;
            // Fetching the intermediates keeps every op separate.
            let all = ["relu:0", "relu_grad:0", "conv:0", "bias:0", "pool_grad:0"];
            let separate = s.run(&feeds, &all, &[])?;
            for (f, o) in fused.iter().zip(&separate) {
                assert_eq!(f.dims(), o.dims());
                assert_eq!(f.as_slice::<f32>()?, o.as_slice::<f32>()?);
            }
            let mut s = Session::new(block()?);
            s.set_profiling(true);
            s.run(&feeds, &["relu:0", "relu_grad:0"], &[])?;
            let ran: Vec<String> = s.profile().into_iter().map(|p| p.0).collect();
            assert!(
                !ran.iter().any(|n| n == "conv" || n == "pool_grad"),
                "{ran:?}"
            );
        }
        Ok(())
    }
}
