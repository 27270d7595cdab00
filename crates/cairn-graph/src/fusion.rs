//! Plan-time fusion of the training step's memory-bound updates.
//!
//! The graph keeps TensorFlow's ops (so it exports unchanged); only the plan runs some
//! chains as one pass over the weights, with the same float operations in the same order:
//!
//! - `AssignSub(s, Mul(Sub(s, v), k))` — the moving-average update — becomes
//!   `s -= (s - v)·k`;
//! - `ApplyGradientDescent(w, lr, AddN(g, Mul(w, c)))` — SGD with the L2 gradient —
//!   becomes `w -= lr·(g + w·c)` (and when `g` is a float32 `MatMul` used nowhere else,
//!   the product is computed inside the update, tile by tile, without being stored), and `ApplyGradientDescent(w, lr, AddN(g, h))` becomes
//!   `w -= lr·(g + h)`.
//!
//! An intermediate is absorbed only when the fused op is its sole consumer, nothing
//! fetches it, no node has a control dependency on it, and it is not fed.

use crate::graph::{Graph, NodeId, Output};
use crate::registry::{Ctx, Kernel};
use crate::Result;
use cairn_tensor::kernels;
use std::collections::{HashMap, HashSet};

/// A fused replacement for one update node.
#[derive(Clone, Debug)]
pub(crate) enum Fusion {
    /// `s -= (s - value)·k`; inputs `[value, k]`.
    MovingAverage { value: Output, k: Output },
    /// `w -= lr·(g + h)` or `w -= lr·(g + w·c)`; inputs `[lr, g, h|c]`.
    SgdSum {
        lr: Output,
        g: Output,
        h: Option<Output>,
        c: Option<Output>,
    },
    /// `w -= lr·(op(a)·op(b) + w·c)` with the gradient `MatMul` absorbed too; inputs
    /// `[lr, a, b, c]`.
    SgdMatmulL2 {
        lr: Output,
        a: Output,
        b: Output,
        ta: bool,
        tb: bool,
        c: Output,
    },
}

impl Fusion {
    pub(crate) fn inputs(&self) -> Vec<Output> {
        match self {
            Fusion::MovingAverage { value, k } => vec![*value, *k],
            Fusion::SgdSum { lr, g, h, c } => vec![*lr, *g, h.or(*c).unwrap_or(*g)],
            Fusion::SgdMatmulL2 { lr, a, b, c, .. } => vec![*lr, *a, *b, *c],
        }
    }
}

pub(crate) struct FusedKernel(pub(crate) Fusion, pub(crate) cairn_tensor::Tensor);

impl Kernel for FusedKernel {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let var = ctx.refs[0].get_mut()?;
        match &self.0 {
            Fusion::MovingAverage { .. } => {
                kernels::fused_moving_average(var, ctx.inputs[0], ctx.inputs[1])?
            }
            Fusion::SgdMatmulL2 { ta, tb, .. } => {
                let i = ctx.inputs;
                kernels::matmul_sgd_l2(i[1], i[2], *ta, *tb, var, i[0], i[3], &mut self.1)?
            }
            Fusion::SgdSum { h, .. } => {
                let (h, c) = if h.is_some() {
                    (Some(ctx.inputs[2]), None)
                } else {
                    (None, Some(ctx.inputs[2]))
                };
                kernels::fused_sgd_sum(var, ctx.inputs[0], ctx.inputs[1], h, c)?
            }
        }
        Ok(())
    }
}

/// The variable node behind `o`, following `Identity`-like forwards.
fn var_of(g: &Graph, mut o: Output) -> Option<NodeId> {
    for _ in 0..16 {
        let n = g.node(o.node);
        match n.op.as_str() {
            "VariableV2" | "Variable" => return Some(o.node),
            "Identity" | "Snapshot" => o = *n.inputs.first()?,
            _ => return None,
        }
    }
    None
}

/// How many times each output is read in `order`, and the nodes that something in
/// `order` has a control dependency on (shared by the plan-time fusions).
pub(crate) fn consumers(g: &Graph, order: &[NodeId]) -> (HashMap<Output, usize>, HashSet<NodeId>) {
    let mut uses: HashMap<Output, usize> = HashMap::new();
    let mut ctrl: HashSet<NodeId> = HashSet::new();
    for &id in order {
        let n = g.node(id);
        for i in &n.inputs {
            *uses.entry(*i).or_default() += 1;
        }
        ctrl.extend(n.control_inputs.iter().copied());
    }
    (uses, ctrl)
}

/// Finds the fusions in a plan's node `order`; returns the fused nodes and the absorbed
/// nodes that no longer run.
pub(crate) fn find(
    g: &Graph,
    order: &[NodeId],
    fed: &HashSet<Output>,
    fetched: &HashSet<Output>,
) -> (HashMap<NodeId, Fusion>, HashSet<NodeId>) {
    let (uses, ctrl) = consumers(g, order);
    let absorbable = |o: Output, op: &str| {
        let n = g.node(o.node);
        n.op == op
            && o.index == 0
            && uses.get(&o) == Some(&1)
            && !fetched.contains(&o)
            && !fed.contains(&o)
            && !ctrl.contains(&o.node)
            && n.output_types.as_ref().is_some_and(|t| t.len() == 1)
    };
    let mut fused = HashMap::new();
    let mut skip = HashSet::new();
    for &id in order {
        let n = g.node(id);
        if n.inputs.len() < 2 {
            continue;
        }
        let Some(target) = var_of(g, n.inputs[0]) else {
            continue;
        };
        match n.op.as_str() {
            "AssignSub" => {
                let m = n.inputs[1];
                if !absorbable(m, "Mul") {
                    continue;
                }
                let mn = g.node(m.node);
                let d = mn.inputs[0];
                if !absorbable(d, "Sub") {
                    continue;
                }
                let dn = g.node(d.node);
                if var_of(g, dn.inputs[0]) != Some(target) {
                    continue;
                }
                fused.insert(
                    id,
                    Fusion::MovingAverage {
                        value: dn.inputs[1],
                        k: mn.inputs[1],
                    },
                );
                skip.extend([m.node, d.node]);
            }
            "ApplyGradientDescent" if n.inputs.len() == 3 => {
                let a = n.inputs[2];
                if !absorbable(a, "AddN") || g.node(a.node).inputs.len() != 2 {
                    continue;
                }
                let (x, y) = (g.node(a.node).inputs[0], g.node(a.node).inputs[1]);
                let l2 = |o: Output| {
                    absorbable(o, "Mul") && var_of(g, g.node(o.node).inputs[0]) == Some(target)
                };
                let f = if l2(y) || l2(x) {
                    let (grad, reg) = if l2(y) { (x, y) } else { (y, x) };
                    skip.insert(reg.node);
                    let c = g.node(reg.node).inputs[1];
                    let mm = g.node(grad.node);
                    if absorbable(grad, "MatMul")
                        && mm.output_types.as_deref() == Some(&[cairn_tensor::DType::Float32])
                    {
                        skip.insert(grad.node);
                        Fusion::SgdMatmulL2 {
                            lr: n.inputs[1],
                            a: mm.inputs[0],
                            b: mm.inputs[1],
                            ta: mm.attr_bool_or("transpose_a", false).unwrap_or(false),
                            tb: mm.attr_bool_or("transpose_b", false).unwrap_or(false),
                            c,
                        }
                    } else {
                        Fusion::SgdSum {
                            lr: n.inputs[1],
                            g: grad,
                            h: None,
                            c: Some(c),
                        }
                    }
                } else {
                    Fusion::SgdSum {
                        lr: n.inputs[1],
                        g: x,
                        h: Some(y),
                        c: None,
                    }
                };
                fused.insert(id, f);
                skip.insert(a.node);
            }
            _ => {}
        }
    }
    (fused, skip)
}
