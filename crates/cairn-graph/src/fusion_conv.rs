//! Plan-time folding of convolution chains in frozen graphs.
//!
//! When a `Conv2D` or `DepthwiseConv2dNative` has a constant filter (a `Const`, behind
//! `Identity`s, or a value `const_fold` computed), the chain that follows it — per-channel
//! constant `BiasAdd`/`Add`/`AddV2`/`Sub` (added to the bias) and `Mul` (scaling filter
//! and bias; Keras' frozen batch norm is `x·s + (β − μ·s)`), inference `FusedBatchNorm*`
//! with constant statistics, then `Relu`/`Relu6` — runs as one step. A `Conv2D` chain
//! packs its filter once (on CPUs with AVX-512) and adds the bias and applies the
//! activation to each output tile right after its GEMM, while it is in cache; a depthwise
//! chain runs the convolution, then one pass for bias and activation. A `Pad`/`PadV2` of zeros on
//! H and W only, feeding a `VALID` or explicitly padded convolution, becomes explicit
//! padding (`fusion_conv_steps`). Scales and pads are folded once, when the plan is built.
//!
//! The graph is untouched (it exports unchanged). A node is absorbed only when the chain
//! is its sole consumer, nothing fetches or feeds it, and no control dependency names it.
//! Folding the batch norm into the weights rounds differently from TensorFlow's separate
//! ops (well within 1e-4 relative on real models).

use crate::const_fold::Folded;
use crate::fusion_conv_steps::{absorb_pad, pad_source, Affine};
use crate::graph::{Graph, NodeId, Output};
use crate::registry::{Ctx, Kernel};
use crate::Result;
use cairn_tensor::kernels::batchnorm::Activation;
use cairn_tensor::kernels::conv_packed::PackedFilter;
use cairn_tensor::kernels::{self, Window2d};
use cairn_tensor::{DType, Tensor};
use std::collections::{HashMap, HashSet};

/// A folded convolution chain: `act(conv(x, w) + bias)`.
pub(crate) struct ConvChain {
    input: Output,
    depthwise: bool,
    window: Window2d,
    filter: Tensor,
    /// `filter` packed for the AVX-512 kernel, made on the first run (then `filter` is
    /// emptied: a frozen graph's filters are held once).
    packed: Option<PackedFilter>,
    bias: Vec<f32>,
    act: Activation,
}

impl ConvChain {
    /// The chain's one runtime input (the convolution's data input).
    pub(crate) fn input(&self) -> Output {
        self.input
    }
}

impl Kernel for ConvChain {
    fn compute(&mut self, ctx: &mut Ctx<'_>) -> Result<()> {
        let x = ctx.input(0)?;
        let out = &mut ctx.outputs[0];
        if !self.depthwise && self.packed.is_none() && kernels::packed::available() {
            self.packed = Some(PackedFilter::for_window(&self.filter, &self.window)?);
            self.filter = Tensor::default();
        }
        if let Some(packed) = &self.packed {
            // Bias and activation applied to each output tile while it is in cache.
            let epilogue = Some((&self.bias[..], self.act));
            kernels::conv_packed::conv2d_prepacked(x, packed, &self.window, epilogue, out)?;
            return Ok(());
        }
        if self.depthwise {
            kernels::depthwise_conv2d(x, &self.filter, &self.window, out)?;
        } else {
            kernels::conv2d(x, &self.filter, &self.window, out)?;
        }
        kernels::batchnorm::bias_activation_in_place(out, &self.bias, self.act)?;
        Ok(())
    }
}

/// Finds the foldable chains in a plan's `order`; returns them keyed by the node each
/// replaces (the last of its chain), and the nodes absorbed into them. `consts` are the
/// plan's constants (`Const`s and folded values).
pub(crate) fn find(
    g: &Graph,
    order: &[NodeId],
    fed: &HashSet<Output>,
    fetched: &HashSet<Output>,
    consts: &Folded,
) -> (HashMap<NodeId, ConvChain>, HashSet<NodeId>) {
    let mut consumers: HashMap<NodeId, Vec<(NodeId, usize)>> = HashMap::new();
    let mut ctrl = HashSet::new();
    for &id in order {
        let n = g.node(id);
        for (slot, i) in n.inputs.iter().enumerate() {
            consumers.entry(i.node).or_default().push((id, slot));
            if i.index != 0 {
                // Any use of a secondary output (batch-norm statistics) blocks absorbing.
                consumers.entry(i.node).or_default().push((id, usize::MAX));
            }
        }
        ctrl.extend(n.control_inputs.iter().copied());
    }
    // The one (consumer, input slot) reading output 0 of `id`, if `id` may be absorbed.
    let sole_consumer = |id: NodeId| -> Option<(NodeId, usize)> {
        if fetched.iter().any(|o| o.node == id)
            || fed.iter().any(|o| o.node == id)
            || ctrl.contains(&id)
        {
            return None;
        }
        match consumers.get(&id).map(Vec::as_slice) {
            Some(&[(c, slot)]) if slot != usize::MAX => Some((c, slot)),
            _ => None,
        }
    };
    let mut chains = HashMap::new();
    let mut absorbed = HashSet::new();
    for &id in order {
        let n = g.node(id);
        let depthwise = match n.op.as_str() {
            "Conv2D" => false,
            "DepthwiseConv2dNative" => true,
            _ => continue,
        };
        if n.inputs.len() != 2 || consts.is_folded(id) {
            continue;
        }
        let filter = consts.value(g, n.inputs[1]);
        let (Some(filter), Ok(mut window)) = (filter, crate::ops::conv_window(n)) else {
            continue;
        };
        if filter.dtype() != DType::Float32 {
            continue;
        }
        let oc = match *filter.dims() {
            [_, _, ic, m] if depthwise => ic * m,
            [_, _, _, oc] => oc,
            _ => continue,
        };
        let mut input = n.inputs[0];
        let mut chain = vec![];
        let pad = pad_source(g, input).filter(|_| sole_consumer(input.node) == Some((id, 0)));
        if let Some(pad) = pad {
            if let Some(p) = absorb_pad(g, consts, pad, &window.padding) {
                window.padding = p;
                chain.push(input.node);
                input = pad.inputs[0];
            }
        }
        let mut filter = filter.clone();
        let mut bias = vec![0f32; oc];
        let mut act = Activation::Identity;
        let mut last = id;
        let Ok(w) = filter.as_mut_slice::<f32>() else {
            continue;
        };
        let mut affine = Affine {
            oc,
            filter: w,
            bias: &mut bias,
        };
        while let Some((c, slot)) = sole_consumer(last) {
            let cn = g.node(c);
            if matches!(cn.op.as_str(), "Relu" | "Relu6") && slot == 0 {
                act = if cn.op == "Relu" {
                    Activation::Relu
                } else {
                    Activation::Relu6
                };
            } else if !affine.absorb(g, consts, cn, slot) {
                break;
            }
            chain.push(last);
            last = c;
            if act != Activation::Identity {
                break;
            }
        }
        if chain.is_empty() {
            continue;
        }
        absorbed.extend(chain);
        chains.insert(
            last,
            ConvChain {
                input,
                depthwise,
                window,
                filter,
                packed: None,
                bias,
                act,
            },
        );
    }
    (chains, absorbed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::PartialShape;

    #[test]
    fn conv_bias_relu_is_one_chain_unless_fetched() -> Result<()> {
        let mut g = Graph::new();
        let x = g.placeholder("x", DType::Float32, PartialShape::unknown())?;
        let w = g.constant("w", Tensor::zeros(DType::Float32, [1usize, 1, 2, 3])?)?;
        let w = g.unary("Identity", "w/read", w)?;
        let b = g.constant("b", Tensor::zeros(DType::Float32, [3usize])?)?;
        let c = g
            .op("Conv2D", "conv")
            .inputs(&[x, w])
            .attr("T", DType::Float32)
            .attr("strides", vec![1i64, 1, 1, 1])
            .attr("padding", "VALID")
            .finish_output()?;
        let a = g.binary("AddV2", "add", c, b)?;
        let r = g.unary("Relu", "relu", a)?;
        let order: Vec<NodeId> = (0..g.len()).map(NodeId).collect();
        let fetch = |o: Output| [o].into_iter().collect::<HashSet<_>>();
        let none = HashSet::new();
        let consts = Folded::new(&g, &order, &none);
        let (chains, absorbed) = find(&g, &order, &none, &fetch(r), &consts);
        assert_eq!(chains.len(), 1);
        assert!(chains.contains_key(&r.node));
        assert_eq!(absorbed, [c.node, a.node].into_iter().collect());
        // Fetching the sum keeps it: the chain stops at the convolution + bias.
        let (chains, absorbed) = find(&g, &order, &none, &fetch(a), &consts);
        assert!(chains.contains_key(&a.node) && absorbed.len() == 1);
        Ok(())
    }
}
