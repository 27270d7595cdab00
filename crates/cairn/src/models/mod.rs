//! Ready-made models, built as the classic TensorFlow tutorials build them.

mod head;
pub mod lenet;
mod mlp;
mod softmax;

use cairn_graph::{Graph, Result};

pub use lenet::{lenet, lenet_with, LenetWidths};
pub use mlp::mlp;
pub use softmax::softmax;

/// Which model to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// Softmax regression, 784 → 10.
    Softmax,
    /// The classic 784-500-10 ReLU MLP.
    Mlp,
    /// LeNet ("Deep MNIST for experts"): two conv + max-pool blocks, fc 512, dropout.
    Lenet,
}

impl ModelKind {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Softmax => "softmax",
            ModelKind::Mlp => "mlp",
            ModelKind::Lenet => "lenet",
        }
    }
}

/// Hyper-parameters of a training graph.
#[derive(Clone, Debug)]
pub struct ModelConfig {
    /// Base learning rate.
    pub learning_rate: f32,
    /// Decay rate per `decay_steps` (staircase); 1 disables decay.
    pub lr_decay: f32,
    /// Steps per decay (the classic code: examples / batch size).
    pub decay_steps: f32,
    /// L2 regularization scale on the weight matrices; 0 disables it.
    pub l2: f32,
    /// EMA decay; `None` disables the moving average.
    pub ema_decay: Option<f32>,
    /// Seed of the weight initializers.
    pub seed: i64,
}

/// A built training graph and the names of its entry points.
#[derive(Debug)]
pub struct ModelGraph {
    /// The graph.
    pub graph: Graph,
    /// The model.
    pub kind: ModelKind,
    /// `x-input`: float32 [?, 784].
    pub input: String,
    /// `y-input`: float32 one-hot [?, 10].
    pub labels: String,
    /// Logits of the trained weights.
    pub logits: String,
    /// The total loss.
    pub loss: String,
    /// The op that runs one training step.
    pub train_op: String,
    /// The op that initializes every variable.
    pub init_op: String,
    /// Accuracy of the trained weights on the fed batch.
    pub accuracy_raw: String,
    /// Accuracy of the EMA weights (the trained ones when there is no EMA).
    pub accuracy: String,
    /// The learning rate at the current step.
    pub learning_rate: String,
    /// Names of the variables that a checkpoint holds, in creation order.
    pub variables: Vec<String>,
    /// Extra feeds of a training step (LeNet: `keep_prob:0` = 0.5).
    pub train_feeds: Vec<(String, cairn_tensor::Tensor)>,
}

/// Builds `kind` with `config`.
pub fn build(kind: ModelKind, config: &ModelConfig) -> Result<ModelGraph> {
    match kind {
        ModelKind::Softmax => softmax(config),
        ModelKind::Mlp => mlp(config),
        ModelKind::Lenet => lenet(config),
    }
}
