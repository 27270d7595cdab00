//! LeNet, as TensorFlow's "Deep MNIST for experts" builds it: two 5×5 SAME convolutions
//! (32 and 64 channels) each with bias, ReLU and a 2×2 max-pool, a 3136→512 ReLU layer,
//! dropout, and a 512→10 layer; Adam on the mean cross-entropy.
//!
//! Dropout keeps each activation with probability `keep_prob` (a `PlaceholderWithDefault`
//! of 1.0, fed 0.5 while training) and scales the kept ones by `1/keep_prob`. Its random
//! mask comes from `StatelessRandomUniform` seeded by the int64 `[2]` variable
//! `cairn/dropout_rng`, which every training step advances by one: the random state lives
//! in the checkpoint and a resumed run draws the same masks.

use super::mlp::{dense, inputs};
use super::{ModelConfig, ModelGraph, ModelKind};
use cairn_graph::build::{keys, Variable};
use cairn_graph::{Graph, Output, PartialShape, Result};
use cairn_optim::{global_step_variable, Adam, Optimizer};
use cairn_tensor::{DType, Tensor};

/// Name of the variable holding the dropout generator's state `[seed, counter]`.
pub const DROPOUT_RNG: &str = "cairn/dropout_rng";
/// The keep probability fed while training.
pub const TRAIN_KEEP_PROB: f32 = 0.5;

/// Widths of a LeNet: conv1 and conv2 channels, hidden units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LenetWidths {
    /// Channels of the first convolution (32).
    pub conv1: usize,
    /// Channels of the second convolution (64).
    pub conv2: usize,
    /// Units of the hidden fully connected layer (512).
    pub fc1: usize,
}

impl Default for LenetWidths {
    fn default() -> Self {
        LenetWidths {
            conv1: 32,
            conv2: 64,
            fc1: 512,
        }
    }
}

fn seed2(name: &str) -> i64 {
    name.bytes()
        .fold(29i64, |h, b| h.wrapping_mul(31).wrapping_add(b as i64))
}

/// `scope/weights` (truncated normal, σ 0.1) and `scope/biases` (0.1).
fn vars(g: &mut Graph, scope: &str, wshape: &[usize], seed: i64) -> Result<(Variable, Variable)> {
    let n_out = wshape[wshape.len() - 1];
    g.reenter_scope(scope, |g| {
        let w = g.variable("weights", DType::Float32, wshape, true, |g| {
            g.truncated_normal(wshape, 0.1, seed, seed2(scope))
        })?;
        let b = g.variable("biases", DType::Float32, &[n_out], true, |g| {
            g.filled(&[n_out], 0.1)
        })?;
        Ok((w, b))
    })
}

fn reshape(g: &mut Graph, name: &str, x: Output, dims: &[i32]) -> Result<Output> {
    let s = g.const_i32s(&format!("{name}/shape"), dims)?;
    g.op("Reshape", name)
        .input(x)
        .input(s)
        .attr("T", DType::Float32)
        .attr("Tshape", DType::Int32)
        .finish_output()
}

/// `scope/Conv2D` (5×5 SAME) + `scope/BiasAdd` + `scope/Relu` + `scope/MaxPool` (2×2/2 SAME).
fn conv_block(g: &mut Graph, scope: &str, x: Output, w: Output, b: Output) -> Result<Output> {
    g.scope(scope, |g| {
        let ones: Vec<i64> = vec![1, 1, 1, 1];
        let c = g
            .op("Conv2D", "Conv2D")
            .input(x)
            .input(w)
            .attr("T", DType::Float32)
            .attr("strides", ones.clone())
            .attr("dilations", ones)
            .attr("padding", "SAME")
            .attr("data_format", "NHWC")
            .attr("use_cudnn_on_gpu", true)
            .finish_output()?;
        let a = g
            .op("BiasAdd", "BiasAdd")
            .input(c)
            .input(b)
            .attr("T", DType::Float32)
            .attr("data_format", "NHWC")
            .finish_output()?;
        let r = g.unary("Relu", "Relu", a)?;
        g.op("MaxPool", "MaxPool")
            .input(r)
            .attr("T", DType::Float32)
            .attr("ksize", vec![1i64, 2, 2, 1])
            .attr("strides", vec![1i64, 2, 2, 1])
            .attr("padding", "SAME")
            .attr("data_format", "NHWC")
            .finish_output()
    })
}

/// `dropout/`: `x / keep_prob · (uniform(seed) >= 1 - keep_prob)`; returns the output
/// and the node drawing the mask.
fn dropout(
    g: &mut Graph,
    x: Output,
    width: usize,
    keep: Output,
    rng: Output,
) -> Result<(Output, Output)> {
    g.scope("dropout", |g| {
        let one = g.scalar_f32("sub/x", 1.0)?;
        let rate = g.binary("Sub", "sub", one, keep)?;
        let shape = g
            .op("Shape", "Shape")
            .input(x)
            .attr("T", DType::Float32)
            .attr("out_type", DType::Int32)
            .finish_output()?;
        let u = g
            .op("StatelessRandomUniform", "random_uniform")
            .input(shape)
            .input(rng)
            .attr("dtype", DType::Float32)
            .attr("T", DType::Int32)
            .attr("Tseed", DType::Int64)
            .finish_output()?;
        let ge = g.binary("GreaterEqual", "GreaterEqual", u, rate)?;
        let mask = g.cast("Cast", ge, DType::Float32)?;
        let scaled = g.binary("RealDiv", "truediv", x, keep)?;
        let m = g.binary("Mul", "mul", scaled, mask)?;
        // A static shape for gradient construction (the mask's shape is dynamic).
        Ok((reshape(g, "Reshape", m, &[-1, width as i32])?, u))
    })
}

/// Builds LeNet's training graph with widths `w` (see the module doc). `config` gives
/// the Adam learning rate and the initializers' seed; decay, L2 and EMA are not used.
pub fn lenet_with(config: &ModelConfig, w: LenetWidths) -> Result<ModelGraph> {
    let mut g = Graph::new();
    let (x, y_) = inputs(&mut g)?;
    let one = g.constant("keep_prob/input", Tensor::scalar(1.0f32))?;
    let keep = g
        .op("PlaceholderWithDefault", "keep_prob")
        .input(one)
        .attr("dtype", DType::Float32)
        .attr("shape", PartialShape::known(&[]))
        .finish_output()?;
    let s = config.seed;
    let (w1, b1) = vars(&mut g, "conv1", &[5, 5, 1, w.conv1], s)?;
    let (w2, b2) = vars(&mut g, "conv2", &[5, 5, w.conv1, w.conv2], s)?;
    let (w3, b3) = vars(&mut g, "fc1", &[7 * 7 * w.conv2, w.fc1], s)?;
    let (w4, b4) = vars(&mut g, "fc2", &[w.fc1, 10], s)?;
    let rng = g.reenter_scope("cairn", |g| {
        g.variable("dropout_rng", DType::Int64, &[2], false, |g| {
            g.constant("Const", Tensor::from_vec([2usize], vec![s, 0i64])?)
        })
    })?;
    let img = reshape(&mut g, "Reshape", x, &[-1, 28, 28, 1])?;
    let h1 = conv_block(&mut g, "conv1", img, w1.read, b1.read)?;
    let h2 = conv_block(&mut g, "conv2", h1, w2.read, b2.read)?;
    let flat = reshape(&mut g, "Reshape_1", h2, &[-1, (7 * 7 * w.conv2) as i32])?;
    let f1 = dense(&mut g, "fc1", flat, w3.read, b3.read, true)?;
    let (d, draw) = dropout(&mut g, f1, w.fc1, keep, rng.read)?;
    let logits = dense(&mut g, "fc2", d, w4.read, b4.read, false)?;

    let global_step = global_step_variable(&mut g)?;
    let labels = g.argmax("ArgMax", y_, 1)?;
    let xent = g
        .op(
            "SparseSoftmaxCrossEntropyWithLogits",
            "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits",
        )
        .input(logits)
        .input(labels)
        .attr("T", DType::Float32)
        .attr("Tlabels", DType::Int64)
        .finish_output()?;
    let loss = g.reduce("Mean", "Mean", xent, &[0], false)?;
    let adam = Adam {
        learning_rate: config.learning_rate,
        ..Adam::default()
    };
    let step = adam.minimize(&mut g, loss, Some(&global_step))?;
    // Advance the dropout state once this step's mask is drawn.
    let inc = g.constant(
        "cairn/dropout_rng/increment",
        Tensor::from_vec([2usize], vec![0i64, 1])?,
    )?;
    let advance = g
        .op("AssignAdd", "cairn/dropout_rng/AssignAdd")
        .input(rng.var_ref())
        .input(inc)
        .attr("T", DType::Int64)
        .attr("use_locking", false)
        .control(draw.node)
        .finish()?;
    let train = g.group("train", &[step, advance])?;
    g.add_to_collection(keys::TRAIN_OP, train);
    let accuracy = g.scope("accuracy", |g| {
        let p = g.argmax("ArgMax", logits, 1)?;
        let l = g.argmax("ArgMax_1", y_, 1)?;
        let eq = g.binary("Equal", "Equal", p, l)?;
        let f = g.cast("Cast", eq, DType::Float32)?;
        g.reduce("Mean", "Mean", f, &[0], false)
    })?;
    let init = g.global_variables_initializer()?;
    let lr = g.scalar_f32("learning_rate", config.learning_rate)?;
    let variables = g
        .collection(keys::GLOBAL_VARIABLES)
        .iter()
        .map(|&v| g.node(v).name.clone())
        .collect();
    let accuracy = g.output_name(accuracy);
    Ok(ModelGraph {
        kind: ModelKind::Lenet,
        input: "x-input:0".into(),
        labels: "y-input:0".into(),
        logits: g.output_name(logits),
        loss: g.output_name(loss),
        train_op: g.node(train).name.clone(),
        init_op: g.node(init).name.clone(),
        accuracy_raw: accuracy.clone(),
        accuracy,
        learning_rate: g.output_name(lr),
        variables,
        train_feeds: vec![("keep_prob:0".into(), Tensor::scalar(TRAIN_KEEP_PROB))],
        graph: g,
    })
}

/// [`lenet_with`] at the tutorial's widths (32, 64, 512).
pub fn lenet(config: &ModelConfig) -> Result<ModelGraph> {
    lenet_with(config, LenetWidths::default())
}
