//! Softmax regression, 784 → 10, zero-initialized.

use super::head::classifier;
use super::mlp::{dense, inputs, layer_vars};
use super::{ModelConfig, ModelGraph, ModelKind};
use cairn_graph::{Graph, Output, Result};

/// Softmax regression: `softmax/weights` `[784,10]` and `softmax/biases` `[10]`, both zero,
/// logits `softmax/add`, mean sparse softmax cross-entropy, SGD (decay, L2 and EMA only
/// when configured), `global_step`, NoOp `train`.
pub fn softmax(c: &ModelConfig) -> Result<ModelGraph> {
    let mut g = Graph::new();
    let (x, y_) = inputs(&mut g)?;
    let (w, b) = layer_vars(&mut g, "softmax", 784, 10, 0.0, c.seed)?;
    let forward = move |g: &mut Graph, p: &[Output]| dense(g, "softmax", x, p[0], p[1], false);
    classifier(g, ModelKind::Softmax, c, y_, &[w, b], &[0], &forward)
}
