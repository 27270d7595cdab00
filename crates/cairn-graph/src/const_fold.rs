//! Plan-time constant folding.
//!
//! A node whose data inputs are all constant in a plan — `Const`s that are not fed,
//! `Identity`-like forwards of constants, or nodes folded before it — and whose control
//! inputs are constant too, is evaluated once with its own kernel when the plan is built;
//! the plan then serves its outputs as constants and never runs it. This is what turns the
//! `Rsqrt(var + ε)·γ` and `β − mean·scale` of a frozen Keras batch norm into two vectors.
//!
//! The graph is untouched (it exports unchanged). Never folded: stateful ops (variables,
//! updates, placeholders, random ops, I/O), a node any of whose outputs is fed, a kernel
//! that fails (the error is reported when the plan runs it instead), and a result larger
//! than [`MAX_GROWN_BYTES`] that is larger than the node's inputs (TensorFlow's grappler
//! likewise leaves `Fill`/`Tile` blow-ups alone). Folding stops for good once
//! [`MAX_TOTAL_BYTES`] of results are held.

use crate::attr::AttrValue;
use crate::graph::{Graph, Node, NodeId, Output};
use crate::registry::{self, Alias, Ctx};
use cairn_tensor::Tensor;
use std::collections::{HashMap, HashSet};

/// A folded result above this size is kept only if it is no larger than its inputs.
pub(crate) const MAX_GROWN_BYTES: usize = 16 << 20;
/// The most bytes of folded results one plan holds.
pub(crate) const MAX_TOTAL_BYTES: usize = 1 << 30;

/// Ops that must run every time (or never at plan time) even with constant inputs.
const STATEFUL: &[&str] = &[
    "Placeholder",
    "NoOp",
    "Assert",
    "Print",
    "PrintV2",
    "ReadFile",
    "WriteFile",
    "Save",
    "SaveV2",
    "SaveSlices",
    "Restore",
    "RestoreV2",
    "RestoreSlice",
    "MergeV2Checkpoints",
    "TruncatedNormal",
    "ParameterizedTruncatedNormal",
    "Multinomial",
];

/// Whether `op` may be evaluated at plan time (pure, with a kernel, no ref inputs).
fn foldable_op(op: &str) -> bool {
    if STATEFUL.contains(&op) || op.starts_with("Random") || op.starts_with("Variable") {
        return false;
    }
    registry::lookup(op)
        .is_some_and(|d| d.kernel.is_some() && d.ref_inputs.is_empty() && d.alias == Alias::None)
}

/// Bytes held by a tensor's elements.
fn bytes(t: &Tensor) -> usize {
    match t.storage() {
        cairn_tensor::Storage::String(v) => v.iter().map(Vec::len).sum(),
        s => s.len().saturating_mul(t.dtype().size().unwrap_or(1)),
    }
}

/// The constants of one plan: `Const`s, forwards of constants and folded results.
#[derive(Default)]
pub(crate) struct Folded {
    /// Nodes all of whose outputs are constant in this plan.
    constant: HashSet<NodeId>,
    /// Nodes evaluated here.
    folded: HashSet<NodeId>,
    /// Values computed at plan time, by output (until the plan takes them).
    values: HashMap<Output, Tensor>,
}

impl Folded {
    /// Folds what can be folded among `order` (dependencies first), `fed` excluded.
    pub(crate) fn new(g: &Graph, order: &[NodeId], fed: &HashSet<Output>) -> Folded {
        let mut f = Folded::default();
        let mut total = 0usize;
        for &id in order {
            let n = g.node(id);
            let n_out = n.output_types.as_ref().map_or(1, Vec::len);
            if (0..n_out).any(|index| fed.contains(&Output { node: id, index }))
                || !n.control_inputs.iter().all(|c| f.constant.contains(c))
                || !n.inputs.iter().all(|&o| f.is_constant(o, fed))
            {
                continue;
            }
            let forward = registry::lookup(&n.op).is_some_and(|d| d.alias == Alias::Forward);
            let is_const =
                n.op == "Const" && matches!(n.attrs.get("value"), Some(AttrValue::Tensor(_)));
            if is_const || (forward && !n.inputs.is_empty()) {
                f.constant.insert(id);
                continue;
            }
            if n_out == 0 || total >= MAX_TOTAL_BYTES || !foldable_op(&n.op) {
                continue;
            }
            let Some(outs) = f.evaluate(g, n, n_out) else {
                continue;
            };
            let size: usize = outs.iter().map(bytes).sum();
            if f.too_big(g, n, size) {
                continue;
            }
            total = total.saturating_add(size);
            for (index, t) in outs.into_iter().enumerate() {
                f.values.insert(Output { node: id, index }, t);
            }
            f.folded.insert(id);
            f.constant.insert(id);
        }
        f
    }

    /// Whether `o` is constant in this plan (and not fed).
    fn is_constant(&self, o: Output, fed: &HashSet<Output>) -> bool {
        !fed.contains(&o) && self.constant.contains(&o.node)
    }

    /// Whether `size` bytes of results are over the cap for `n` (whose inputs are constant).
    fn too_big(&self, g: &Graph, n: &Node, size: usize) -> bool {
        let inputs = || n.inputs.iter().filter_map(|&o| self.value(g, o));
        size > MAX_GROWN_BYTES && size > inputs().map(bytes).sum()
    }

    /// Runs `n`'s kernel on its constant inputs; `None` if that fails or would be too big.
    fn evaluate(&self, g: &Graph, n: &Node, n_out: usize) -> Option<Vec<Tensor>> {
        let inputs = n
            .inputs
            .iter()
            .map(|&o| self.value(g, o))
            .collect::<Option<Vec<&Tensor>>>()?;
        if predicted_bytes(n, &inputs).is_some_and(|b| self.too_big(g, n, b)) {
            return None;
        }
        let mut kernel = (registry::lookup(&n.op)?.kernel?)(n).ok()?;
        let mut outputs = vec![Tensor::default(); n_out];
        let mut ctx = Ctx {
            node: n,
            inputs: &inputs,
            outputs: &mut outputs,
            refs: &mut [],
        };
        kernel.compute(&mut ctx).ok()?;
        Some(outputs)
    }

    /// The constant value of `o`, if it has one (through forwards such as `Identity`).
    pub(crate) fn value<'g>(&'g self, g: &'g Graph, mut o: Output) -> Option<&'g Tensor> {
        // Forward chains are followed only through nodes this plan found constant, so
        // each hop goes to an earlier node in the plan's order and the walk ends.
        loop {
            if !self.constant.contains(&o.node) {
                return None;
            }
            if let Some(t) = self.values.get(&o) {
                return Some(t);
            }
            let n = g.node(o.node);
            if n.op == "Const" {
                return match n.attrs.get("value") {
                    Some(AttrValue::Tensor(t)) if o.index == 0 => Some(t),
                    _ => None,
                };
            }
            o = *n.inputs.first()?;
        }
    }

    /// Whether the plan computed `id` here (so it serves the values instead of running it).
    pub(crate) fn is_folded(&self, id: NodeId) -> bool {
        self.folded.contains(&id)
    }

    /// Takes the folded value of `o` out (the plan keeps it from then on).
    pub(crate) fn take(&mut self, o: Output) -> Option<Tensor> {
        self.values.remove(&o)
    }
}

/// Bytes an output-growing op would produce, known before running it.
fn predicted_bytes(n: &Node, inputs: &[&Tensor]) -> Option<usize> {
    let ints = |t: &Tensor| crate::ops::read_ints(n, t).ok();
    let product = |v: Vec<i64>| {
        v.iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?))
    };
    let (elements, value) = match n.op.as_str() {
        "Fill" => (product(ints(inputs.first()?)?), inputs.get(1)?),
        "BroadcastTo" => (product(ints(inputs.get(1)?)?), inputs.first()?),
        "Tile" => {
            let reps = product(ints(inputs.get(1)?)?);
            let v = inputs.first()?;
            (reps.and_then(|r| r.checked_mul(v.len())), v)
        }
        _ => return None,
    };
    let size = value.dtype().size().unwrap_or(1);
    Some(
        elements
            .and_then(|e| e.checked_mul(size))
            .unwrap_or(usize::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::PartialShape;
    use cairn_tensor::DType;

    fn fill(g: &mut Graph, name: &str, dims: &[i32]) -> crate::Result<Output> {
        let d = g.constant(
            &format!("{name}/dims"),
            Tensor::from_vec([dims.len()], dims.to_vec())?,
        )?;
        let v = g.constant(&format!("{name}/value"), Tensor::scalar(1f32))?;
        g.op("Fill", name)
            .inputs(&[d, v])
            .attr("T", DType::Float32)
            .finish_output()
    }

    fn all(g: &Graph) -> Vec<NodeId> {
        (0..g.len()).map(NodeId).collect()
    }

    #[test]
    fn results_that_grow_past_the_cap_are_not_folded() -> crate::Result<()> {
        let mut g = Graph::new();
        let small = fill(&mut g, "small", &[4, 4])?;
        // 16.8 MB and 1.6 PB: predicted, never computed.
        let big = fill(&mut g, "big", &[4100, 1024])?;
        let huge = fill(&mut g, "huge", &[20_000_000, 20_000_000])?;
        // A result no larger than its input is kept whatever its size.
        let c = g.constant("c", Tensor::zeros(DType::Float32, [4100usize, 1024])?)?;
        let same = g.unary("Neg", "neg", c)?;
        // 4 MB padded to 17.6 MB: computed, then dropped.
        let d = g.constant("d", Tensor::zeros(DType::Float32, [1000usize, 1000])?)?;
        let pads = Tensor::from_vec([2usize, 2], vec![0i32, 1100, 0, 1100])?;
        let pads = g.constant("pads", pads)?;
        let grown = g
            .op("Pad", "grown")
            .inputs(&[d, pads])
            .attr("T", DType::Float32);
        let grown = grown.finish_output()?;
        let one = Tensor::from_vec([2usize, 2], vec![0i32, 1, 0, 1])?;
        let one = g.constant("one", one)?;
        let padded = g
            .op("Pad", "padded")
            .inputs(&[d, one])
            .attr("T", DType::Float32);
        let padded = padded.finish_output()?;
        let f = Folded::new(&g, &all(&g), &HashSet::new());
        assert!(f.is_folded(small.node) && f.is_folded(same.node) && f.is_folded(padded.node));
        assert_eq!(f.value(&g, small).map(Tensor::len), Some(16));
        assert!(!f.is_folded(big.node) && !f.is_folded(huge.node));
        assert!(!f.is_folded(grown.node));
        Ok(())
    }

    #[test]
    fn stateful_fed_and_failing_nodes_are_not_folded() -> crate::Result<()> {
        let mut g = Graph::new();
        let shape = g.constant("shape", Tensor::from_vec([1usize], vec![3i32])?)?;
        let r = g
            .op("RandomUniform", "random")
            .input(shape)
            .attr("T", DType::Int32)
            .attr("dtype", DType::Float32)
            .finish_output()?;
        let p = g.placeholder("p", DType::Float32, PartialShape::unknown())?;
        let a = g.constant("a", Tensor::scalar(2f32))?;
        let gated = g
            .op("Neg", "gated")
            .input(a)
            .infer_t()?
            .control(p.node)
            .finish_output()?;
        let bad_shape = g.constant("bad_shape", Tensor::from_vec([1usize], vec![7i32])?)?;
        let bad = g
            .op("Reshape", "bad")
            .inputs(&[shape, bad_shape])
            .attr("T", DType::Int32)
            .attr("Tshape", DType::Int32)
            .finish_output()?;
        let neg = g.unary("Neg", "neg", a)?;
        let sq = g.unary("Square", "sq", neg)?;
        let order = all(&g);
        let f = Folded::new(&g, &order, &HashSet::new());
        assert!(!f.is_folded(r.node) && !f.is_folded(gated.node) && !f.is_folded(bad.node));
        assert!(f.is_folded(neg.node) && f.is_folded(sq.node));
        assert_eq!(
            f.value(&g, sq)
                .map(|t| t.scalar_value::<f32>())
                .transpose()?,
            Some(4.0)
        );
        // Feeding the Const, or the node itself, stops folding there.
        let f = Folded::new(&g, &order, &[a].into_iter().collect());
        assert!(!f.is_folded(neg.node) && !f.is_folded(sq.node));
        let f = Folded::new(&g, &order, &[neg].into_iter().collect());
        assert!(!f.is_folded(neg.node) && !f.is_folded(sq.node));
        Ok(())
    }
}
