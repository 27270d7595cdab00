//! The new layer: a softmax over the bottleneck, trained with cairn's own autodiff and
//! gradient descent on cached bottlenecks, as `retrain.py`'s `add_final_retrain_ops`.

use crate::{Error, Result};
use cairn_graph::{Graph, PartialShape, Session};
use cairn_optim::{GradientDescent, Optimizer};
use cairn_tensor::{DType, Tensor};

/// Name of the bottleneck placeholder (a `PlaceholderWithDefault` in the output graph).
pub const BOTTLENECK_INPUT: &str = "input/BottleneckInputPlaceholder";
/// Name of the labels placeholder of the training graph.
pub const GROUND_TRUTH: &str = "input/GroundTruthInput";
/// Name of the new weights.
pub const WEIGHTS: &str = "final_retrain_ops/weights/final_weights";
/// Name of the new biases.
pub const BIASES: &str = "final_retrain_ops/biases/final_biases";
/// Name of the new layer's matrix product.
pub const MATMUL: &str = "final_retrain_ops/Wx_plus_b/MatMul";
/// Name of the new layer's logits.
pub const LOGITS: &str = "final_retrain_ops/Wx_plus_b/add";

/// Bottlenecks with their class indices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Examples {
    /// Row-major `[len, dim]` bottleneck values.
    pub x: Vec<f32>,
    /// Class index of each row.
    pub y: Vec<i64>,
}

impl Examples {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// Training settings (`retrain.py`'s defaults in [`HeadConfig::default`]).
#[derive(Clone, Debug, PartialEq)]
pub struct HeadConfig {
    /// Training steps (4000).
    pub steps: usize,
    /// Bottlenecks per step, drawn at random with replacement (100).
    pub batch_size: usize,
    /// Gradient-descent learning rate (0.01).
    pub learning_rate: f32,
    /// Steps between evaluations (10); the last step is always evaluated.
    pub eval_every: usize,
    /// Seed of the weight initialization and of the batch draws.
    pub seed: u64,
}

impl Default for HeadConfig {
    fn default() -> Self {
        HeadConfig {
            steps: 4000,
            batch_size: 100,
            learning_rate: 0.01,
            eval_every: 10,
            seed: 1,
        }
    }
}

/// What an evaluation step measured.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// Steps done.
    pub step: usize,
    /// Accuracy on this step's training batch.
    pub train_accuracy: f64,
    /// Mean cross-entropy on this step's training batch.
    pub cross_entropy: f64,
    /// Accuracy on the whole validation set, if it has images.
    pub validation_accuracy: Option<f64>,
}

/// The trained layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// `[dim, classes]`.
    pub weights: Tensor,
    /// `[classes]`.
    pub biases: Tensor,
}

/// The training graph and its session.
pub struct Trainer {
    session: Session,
    dim: usize,
}

/// splitmix64: the batch draws.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn build(dim: usize, classes: usize, cfg: &HeadConfig) -> cairn_graph::Result<Graph> {
    let mut g = Graph::new();
    let x = g.placeholder(
        BOTTLENECK_INPUT,
        DType::Float32,
        PartialShape::from_i64(&[-1, dim as i64]),
    )?;
    let y = g.placeholder(GROUND_TRUTH, DType::Int64, PartialShape::from_i64(&[-1]))?;
    let seed = (cfg.seed & 0x7fff_ffff) as i64;
    let (w, b) = g.scope("final_retrain_ops", |g| -> cairn_graph::Result<_> {
        let w = g.scope("weights", |g| {
            g.variable(
                "final_weights",
                DType::Float32,
                &[dim, classes],
                true,
                |g| g.truncated_normal(&[dim, classes], 0.001, seed, 87),
            )
        })?;
        let b = g.scope("biases", |g| {
            g.variable("final_biases", DType::Float32, &[classes], true, |g| {
                g.filled(&[classes], 0.0)
            })
        })?;
        Ok((w, b))
    })?;
    let logits = g.scope("final_retrain_ops", |g| {
        g.scope("Wx_plus_b", |g| -> cairn_graph::Result<_> {
            let m = g.matmul("MatMul", x, w.read, false, false)?;
            g.binary("AddV2", "add", m, b.read)
        })
    })?;
    let probs = g.unary("Softmax", "final_result", logits)?;
    let xent = g
        .op(
            "SparseSoftmaxCrossEntropyWithLogits",
            "cross_entropy/sparse_softmax_cross_entropy_loss",
        )
        .input(logits)
        .input(y)
        .attr("T", DType::Float32)
        .attr("Tlabels", DType::Int64)
        .finish_output()?;
    let loss = g.reduce("Mean", "cross_entropy/Mean", xent, &[0], false)?;
    let lr = g.scalar_f32("train/learning_rate", cfg.learning_rate)?;
    let step = GradientDescent::new(lr).minimize(&mut g, loss, None)?;
    g.group("train/step", &[step])?;
    let predicted = g.argmax("accuracy/ArgMax", probs, 1)?;
    let hits = g.binary("Equal", "accuracy/Equal", predicted, y)?;
    let hits = g.cast("accuracy/Cast", hits, DType::Float32)?;
    g.reduce("Mean", "accuracy/Mean", hits, &[0], false)?;
    g.global_variables_initializer()?;
    Ok(g)
}

impl Trainer {
    /// Builds the graph for `dim`-value bottlenecks and `classes` classes and
    /// initializes the new layer.
    pub fn new(dim: usize, classes: usize, cfg: &HeadConfig) -> Result<Trainer> {
        let g = build(dim, classes, cfg).map_err(Error::graph("building the new layer"))?;
        let mut session = Session::new(g);
        session
            .run(&[], &[], &["init"])
            .map_err(Error::graph("initializing the new layer"))?;
        Ok(Trainer { session, dim })
    }

    fn feeds(&self, ex: &Examples, rows: &[usize]) -> Result<(Tensor, Tensor)> {
        let mut x = Vec::with_capacity(rows.len() * self.dim);
        let mut y = Vec::with_capacity(rows.len());
        for &r in rows {
            x.extend_from_slice(&ex.x[r * self.dim..(r + 1) * self.dim]);
            y.push(ex.y[r]);
        }
        Ok((
            Tensor::from_vec(vec![rows.len(), self.dim], x)?,
            Tensor::from_vec(vec![rows.len()], y)?,
        ))
    }

    /// Accuracy and mean cross-entropy on `ex` (all of it).
    pub fn evaluate(&mut self, ex: &Examples) -> Result<(f64, f64)> {
        let rows: Vec<usize> = (0..ex.len()).collect();
        let (x, y) = self.feeds(ex, &rows)?;
        let x_name = format!("{BOTTLENECK_INPUT}:0");
        let y_name = format!("{GROUND_TRUTH}:0");
        let out = self
            .session
            .run(
                &[(x_name.as_str(), &x), (y_name.as_str(), &y)],
                &["accuracy/Mean:0", "cross_entropy/Mean:0"],
                &[],
            )
            .map_err(Error::graph("evaluating the new layer"))?;
        let scalar = |t: &Tensor| -> Result<f64> { Ok(f64::from(t.as_slice::<f32>()?[0])) };
        Ok((scalar(&out[0])?, scalar(&out[1])?))
    }

    /// Runs `cfg.steps` steps on random batches of `train`, evaluating every
    /// `cfg.eval_every` steps (and at the last) with `on_eval`.
    pub fn train(
        &mut self,
        train: &Examples,
        validation: &Examples,
        cfg: &HeadConfig,
        on_eval: &mut dyn FnMut(&StepReport),
    ) -> Result<()> {
        if train.is_empty() {
            return Err(Error::Option("no training bottlenecks".into()));
        }
        if cfg.batch_size == 0 {
            return Err(Error::Option("batch size 0".into()));
        }
        let mut rng = Rng(cfg.seed ^ 0x0005_EED0_FBA7_C4E5);
        let x_name = format!("{BOTTLENECK_INPUT}:0");
        let y_name = format!("{GROUND_TRUTH}:0");
        for step in 1..=cfg.steps {
            let rows: Vec<usize> = (0..cfg.batch_size)
                .map(|_| rng.below(train.len()))
                .collect();
            let (x, y) = self.feeds(train, &rows)?;
            let evaluate = step == cfg.steps || (cfg.eval_every > 0 && step % cfg.eval_every == 0);
            let fetches: &[&str] = if evaluate {
                &["accuracy/Mean:0", "cross_entropy/Mean:0"]
            } else {
                &[]
            };
            let out = self
                .session
                .run(
                    &[(x_name.as_str(), &x), (y_name.as_str(), &y)],
                    fetches,
                    &["train/step"],
                )
                .map_err(Error::graph(format!("training step {step}")))?;
            if evaluate {
                let validation_accuracy = if validation.is_empty() {
                    None
                } else {
                    Some(self.evaluate(validation)?.0)
                };
                on_eval(&StepReport {
                    step,
                    train_accuracy: f64::from(out[0].as_slice::<f32>()?[0]),
                    cross_entropy: f64::from(out[1].as_slice::<f32>()?[0]),
                    validation_accuracy,
                });
            }
        }
        Ok(())
    }

    /// The trained weights and biases.
    pub fn head(&self) -> Result<Head> {
        let get = |name: &str| {
            self.session
                .variables()
                .get(name)
                .cloned()
                .ok_or_else(|| Error::Model {
                    what: format!("variable {name} missing after training"),
                })
        };
        Ok(Head {
            weights: get(WEIGHTS)?,
            biases: get(BIASES)?,
        })
    }
}
