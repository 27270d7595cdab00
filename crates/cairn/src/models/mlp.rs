//! The classic 784-500-10 MLP with L2, decayed learning rate and a moving average.

use super::head::classifier;
use super::{ModelConfig, ModelGraph, ModelKind};
use cairn_graph::build::Variable;
use cairn_graph::{Graph, Output, PartialShape, Result};
use cairn_tensor::DType;

const INPUT: usize = 784;
const HIDDEN: usize = 500;
const CLASSES: usize = 10;

/// One fully connected layer's variables, `scope/weights` (truncated normal, σ `stddev`)
/// and `scope/biases` (zeros; `stddev` 0 makes the weights zero too).
pub(crate) fn layer_vars(
    g: &mut Graph,
    scope: &str,
    n_in: usize,
    n_out: usize,
    stddev: f32,
    seed: i64,
) -> Result<(Variable, Variable)> {
    g.reenter_scope(scope, |g| {
        let w = g.variable("weights", DType::Float32, &[n_in, n_out], true, |g| {
            if stddev == 0.0 {
                g.filled(&[n_in, n_out], 0.0)
            } else {
                g.truncated_normal(&[n_in, n_out], stddev, seed, seed2(scope))
            }
        })?;
        let b = g.variable("biases", DType::Float32, &[n_out], true, |g| {
            g.filled(&[n_out], 0.0)
        })?;
        Ok((w, b))
    })
}

fn seed2(scope: &str) -> i64 {
    scope
        .bytes()
        .fold(17i64, |h, b| h.wrapping_mul(31).wrapping_add(b as i64))
}

/// `x·w + b` in scope `scope` (`scope/MatMul`, `scope/add`), with a ReLU (`scope/Relu`)
/// when `relu`.
pub(crate) fn dense(
    g: &mut Graph,
    scope: &str,
    x: Output,
    w: Output,
    b: Output,
    relu: bool,
) -> Result<Output> {
    g.scope(scope, |g| {
        let m = g.matmul("MatMul", x, w, false, false)?;
        let a = g.binary("AddV2", "add", m, b)?;
        if relu {
            g.unary("Relu", "Relu", a)
        } else {
            Ok(a)
        }
    })
}

/// The placeholders `x-input` (float32 [?, 784]) and `y-input` (one-hot float32 [?, 10]).
pub(crate) fn inputs(g: &mut Graph) -> Result<(Output, Output)> {
    let x = g.placeholder(
        "x-input",
        DType::Float32,
        PartialShape::from_i64(&[-1, INPUT as i64]),
    )?;
    let y = g.placeholder(
        "y-input",
        DType::Float32,
        PartialShape::from_i64(&[-1, CLASSES as i64]),
    )?;
    Ok((x, y))
}

/// Builds the classic MLP training graph: placeholders `x-input`, `y-input`; variables
/// `layer1/weights` `[784,500]` (truncated normal, σ 0.1), `layer1/biases` (0),
/// `layer2/...`; logits `layer2/add`; loss = mean sparse softmax cross-entropy + L2 on
/// both weight matrices; SGD with exponentially decayed learning rate; `global_step`;
/// EMA shadows updated after each SGD step; NoOp `train`.
pub fn mlp(c: &ModelConfig) -> Result<ModelGraph> {
    let mut g = Graph::new();
    let (x, y_) = inputs(&mut g)?;
    let (w1, b1) = layer_vars(&mut g, "layer1", INPUT, HIDDEN, 0.1, c.seed)?;
    let (w2, b2) = layer_vars(&mut g, "layer2", HIDDEN, CLASSES, 0.1, c.seed)?;
    let forward = move |g: &mut Graph, p: &[Output]| -> Result<Output> {
        let h = dense(g, "layer1", x, p[0], p[1], true)?;
        dense(g, "layer2", h, p[2], p[3], false)
    };
    classifier(
        g,
        ModelKind::Mlp,
        c,
        y_,
        &[w1, b1, w2, b2],
        &[0, 2],
        &forward,
    )
}
